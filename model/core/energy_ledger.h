/* The energy ledger: every energy event of a run is booked here, to a token (and a layer) or, for static
 * energy, to the chip alone.  Energies are integer femtojoules so that per-token sums add up to the chip
 * total exactly, whatever the order of booking. */
#ifndef AIMC_ENERGY_LEDGER_H
#define AIMC_ENERGY_LEDGER_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t aimc_fJ;

/* Limits of the ledger.  Energies are 64-bit femtojoules: 2^63 fJ is about 9223 J.  A product or a sum
 * beyond it is not wrapped: aimc_fJ_times saturates at AIMC_FJ_MAX and the ledger remembers that a booking
 * overflowed (aimc_ledger_overflowed), so a run refuses to report instead of printing wrapped energy.
 * The token table holds one row per token tag, so a run books at most AIMC_LEDGER_MAX_TOKENS. */
#define AIMC_FJ_MAX INT64_MAX
#define AIMC_FJ_MAX_J 9223.0
#define AIMC_LEDGER_MAX_TOKENS (1L << 24)
/* per x count, or AIMC_FJ_MAX when that does not fit (per >= 0). */
aimc_fJ aimc_fJ_times(aimc_fJ per, uint64_t count);

typedef enum {
    AIMC_E_DAC,          /* row drivers */
    AIMC_E_CROSSBAR,     /* array integration (cell currents) */
    AIMC_E_ADC,          /* column conversions */
    AIMC_E_TIER_SWITCH,  /* re-connecting the shared periphery to another tier */
    AIMC_E_BUFFER,       /* tile input/output buffer accesses */
    AIMC_E_INTERCONNECT, /* moving activations between units */
    AIMC_E_DIGITAL,      /* DPUs, MHA units, digital expert engine */
    AIMC_E_DRAM,         /* KV-cache traffic */
    AIMC_E_STATIC,       /* leakage / passive power over time */
    AIMC_E_COUNT
} aimc_energy_component;

/* Where a component's energy is spent, for reports and studies that group components. */
typedef enum {
    AIMC_EG_ANALOG_TILE,  /* the tiles: periphery, arrays, buffers, tier switches */
    AIMC_EG_DATA_MOVEMENT, /* activations between units */
    AIMC_EG_DIGITAL,      /* the digital units */
    AIMC_EG_MEMORY,       /* the KV cache in DRAM */
    AIMC_EG_STATIC,       /* power over time, whatever runs */
    AIMC_EG_COUNT
} aimc_energy_group;

/* The component table: one row per component, the only place its name, group and meaning are written. */
typedef struct {
    const char *name;        /* stable lower-case name used in reports, CSV headers and docs ("dac", ...) */
    aimc_energy_group group;
    const char *description; /* one line for reports and docs */
} aimc_energy_component_info;

const aimc_energy_component_info *aimc_energy_component_info_of(aimc_energy_component c);
const char *aimc_energy_component_name(aimc_energy_component c);
const char *aimc_energy_group_name(aimc_energy_group g); /* "analog_tile", "data_movement", ... */
/* The sum of the components of group g in a per-component array. */
aimc_fJ aimc_energy_group_sum(const aimc_fJ by_component[AIMC_E_COUNT], aimc_energy_group g);

typedef struct aimc_ledger aimc_ledger;

/* layers: how many layers per-token energy is broken down by (0: no per-layer breakdown). */
aimc_ledger *aimc_ledger_create(size_t layers);
void aimc_ledger_destroy(aimc_ledger *l);

/* Books energy to token (any tag >= 0; the table grows) and, when layer >= 0, to that layer too. */
void aimc_ledger_book(aimc_ledger *l, uint32_t token, int layer, aimc_energy_component c, aimc_fJ energy);
/* Books energy no token caused (static power of idle units): it counts in the chip total only. */
void aimc_ledger_book_chip(aimc_ledger *l, aimc_energy_component c, aimc_fJ energy);
/* Extends the token's [first, last] event window with an event spanning [start, end] cycles. */
void aimc_ledger_touch(aimc_ledger *l, uint32_t token, uint64_t start_cycle, uint64_t end_cycle);

/* Whether any booking overflowed 64-bit femtojoules (totals are then meaningless). */
int aimc_ledger_overflowed(const aimc_ledger *l);
size_t aimc_ledger_tokens(const aimc_ledger *l);      /* 1 + largest token booked, 0 if none */
size_t aimc_ledger_layers(const aimc_ledger *l);
int aimc_ledger_token_seen(const aimc_ledger *l, uint32_t token);
aimc_fJ aimc_ledger_token_energy(const aimc_ledger *l, uint32_t token, aimc_energy_component c);
aimc_fJ aimc_ledger_token_total(const aimc_ledger *l, uint32_t token);
aimc_fJ aimc_ledger_token_layer_energy(const aimc_ledger *l, uint32_t token, size_t layer, aimc_energy_component c);
uint64_t aimc_ledger_token_start(const aimc_ledger *l, uint32_t token);
uint64_t aimc_ledger_token_end(const aimc_ledger *l, uint32_t token);
/* Chip totals: everything booked, to tokens or to the chip alone. */
aimc_fJ aimc_ledger_chip_energy(const aimc_ledger *l, aimc_energy_component c);
aimc_fJ aimc_ledger_chip_total(const aimc_ledger *l);
/* Energy booked to the chip alone (not to any token). */
aimc_fJ aimc_ledger_unattributed(const aimc_ledger *l, aimc_energy_component c);

/* femtojoules -> picojoules / nanojoules for printing. */
static inline double aimc_fJ_to_pJ(aimc_fJ e) { return (double)e / 1e3; }
static inline double aimc_fJ_to_nJ(aimc_fJ e) { return (double)e / 1e6; }
/* picojoules (possibly fractional, from a preset) -> femtojoules, rounded to nearest. */
aimc_fJ aimc_pJ_to_fJ(double pJ);

#endif
