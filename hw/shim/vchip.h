/* C interface to the Verilated chip (token dispatcher + tiles + energy monitor).  Opaque handle, plain types
 * only, the same cycle protocol as the tile's (vtile.h):
 *   aimc_vchip_eval(c, in, out)      apply the cycle's inputs, evaluate with the clock low; out = the outputs
 *                                    seen during the cycle;
 *   aimc_vchip_set_codes(c, t, ...)  late input: the DAC codes of each tile whose mvm_start bit is set;
 *   aimc_vchip_edge(c)               trace the cycle and take the rising edge.
 * The chip is built for a few sizes (16 and 64 tiles); create picks the smallest that fits, and the caller never
 * sees which. */
#ifndef AIMC_VCHIP_H
#define AIMC_VCHIP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AIMC_VCHIP_MAX_UNITS 16

typedef struct aimc_vchip aimc_vchip;

/* The RTL's build parameters. */
typedef struct {
    uint32_t tiles, tiers, slots, job_bits, queue_depth, max_units, unit_bits, layer_bits, phase_bits;
    uint32_t entries, blocks;
    uint32_t rows, b_in_bits; /* the tiles' DAC maxima: each tile's codes port holds rows x b_in_bits */
    uint32_t seqs;            /* sequences the token-marker ports show (<= 64) */
} aimc_vchip_params;

typedef struct {
    uint16_t switch_cycles;
    /* the tiles' periphery (hw/tile.sv cfg_* ports) */
    uint16_t rows, adcs, mux, integrate_cycles;
    uint8_t b_in_bits, b_out_bits;
    bool bit_serial;
    uint32_t units, phases;          /* shape of the mapping table */
    uint64_t mvm_energy_fJ, switch_energy_fJ;
} aimc_vchip_config;

typedef struct {
    bool rst_n;
    bool map_we, map_is_block;
    uint32_t map_addr, map_wdata;
    bool cmd_valid;
    uint32_t cmd_slot, cmd_layer, cmd_phase, cmd_nunits;
    uint8_t cmd_units[AIMC_VCHIP_MAX_UNITS];
    uint64_t token_begin, token_end; /* bit per sequence: a token starts / finishes in this cycle */
} aimc_vchip_in;

typedef struct {
    bool cmd_ready;
    bool ott_violation;
    uint64_t group_done;     /* bit per slot */
    uint64_t tile_done;      /* bit per tile (tiles <= 64) */
    uint64_t switch_start;   /* bit per tile */
    uint64_t mvm_start;      /* bit per tile: its MVM loads its DAC codes at this cycle's edge */
    uint32_t tokens_done;    /* tokens finished before this cycle (the RTL's count of token_end bits) */
} aimc_vchip_out;

typedef struct {
    uint64_t jobs_pushed, energy_chip_fJ, rtl_errors;
} aimc_vchip_totals;

typedef struct {
    uint64_t switches, mvms, busy_cycles, stall_cycles, conflict_cycles, energy_fJ;
} aimc_vchip_tile_counters;

/* The smallest built chip with at least `tiles` tiles (its parameters), or NULL. */
const aimc_vchip_params *aimc_vchip_params_for(uint32_t tiles);
/* The largest built chip's tile count (for error messages). */
uint32_t aimc_vchip_max_tiles(void);
const char *aimc_vchip_trace_format(void);

/* A chip of the smallest build that has `tiles` tiles (NULL if none does, or out of memory), held in reset. */
aimc_vchip *aimc_vchip_create(uint32_t tiles, uint32_t clock_period_ps, const aimc_vchip_config *cfg);
/* Finishes the simulation (final blocks) and closes the trace. */
void aimc_vchip_destroy(aimc_vchip *c);
const aimc_vchip_params *aimc_vchip_params_of(const aimc_vchip *c);
/* Opens an FST or VCD trace (the format the build chose); returns false if it cannot be created. */
bool aimc_vchip_trace_open(aimc_vchip *c, const char *path);
void aimc_vchip_eval(aimc_vchip *c, const aimc_vchip_in *in, aimc_vchip_out *out);
/* Tile `tile`'s DAC codes for rows 0 .. n-1 (the other rows get 0): a late input, in a cycle whose mvm_start
 * bit is set for that tile. */
void aimc_vchip_set_codes(aimc_vchip *c, uint32_t tile, const int16_t *codes, uint32_t n);
void aimc_vchip_edge(aimc_vchip *c);
/* Tags as they were during the last cycle (valid for tiles whose tile_done / switch_start bit was set). */
uint32_t aimc_vchip_done_tag(const aimc_vchip *c, uint32_t tile);   /* tag of the job done that cycle */
uint32_t aimc_vchip_active_tag(const aimc_vchip *c, uint32_t tile); /* tag of the tile's current job */
/* The tile's tier enables now (bit per tier, tiers <= 32): read between eval and edge, the cycle's value. */
uint32_t aimc_vchip_tier_en(const aimc_vchip *c, uint32_t tile);
void aimc_vchip_get_totals(const aimc_vchip *c, aimc_vchip_totals *out);
void aimc_vchip_get_tile_counters(const aimc_vchip *c, uint32_t tile, aimc_vchip_tile_counters *out);

#ifdef __cplusplus
}
#endif

#endif
