/* C interface to the Verilated chip (token dispatcher + tiles + energy monitor).  The chip is built for a few
 * sizes (16 and 64 tiles); each build exposes the same function table, and aimc_vchip_api_for() picks the
 * smallest one that fits.  A clock cycle is `eval` (inputs applied for the cycle, outputs seen during it),
 * the tiles' DAC codes where an MVM starts, then `edge` (the rising edge). */
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

typedef struct {
    const aimc_vchip_params *params;
    aimc_vchip *(*create)(uint32_t clock_period_ps, const aimc_vchip_config *cfg);
    void (*destroy)(aimc_vchip *c);
    bool (*trace_open)(aimc_vchip *c, const char *path);
    /* One cycle: eval (inputs applied, clock low, outputs of the cycle), then set_codes for the tiles whose
     * mvm_start bit is set, then edge (trace and rising edge). */
    void (*eval)(aimc_vchip *c, const aimc_vchip_in *in, aimc_vchip_out *out);
    void (*set_codes)(aimc_vchip *c, uint32_t tile, const int16_t *codes, uint32_t n);
    void (*edge)(aimc_vchip *c);
    /* Tags as they were during the last cycle (valid for tiles whose tile_done / switch_start bit was set). */
    uint32_t (*done_tag)(const aimc_vchip *c, uint32_t tile);    /* tag of the job done that cycle */
    uint32_t (*active_tag)(const aimc_vchip *c, uint32_t tile);  /* tag of the tile's current job */
    void (*totals)(const aimc_vchip *c, aimc_vchip_totals *out);
    void (*tile_counters)(const aimc_vchip *c, uint32_t tile, aimc_vchip_tile_counters *out);
} aimc_vchip_api;

/* The smallest built chip with at least `tiles` tiles, or NULL. */
const aimc_vchip_api *aimc_vchip_api_for(uint32_t tiles);
/* The largest built chip's tile count (for error messages). */
uint32_t aimc_vchip_max_tiles(void);
const char *aimc_vchip_trace_format(void);

#ifdef __cplusplus
}
#endif

#endif
