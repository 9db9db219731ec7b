/* The GTKWave layout of a chip run: the tokens (markers, one row per sequence), the dispatcher (state,
 * commands, stalls, group completions), the energy monitor (chip and per-tile energy as analog traces), then one
 * group per tile (controller state by name, tier enables, busy, completions). */
#ifndef AIMC_CHIP_LAYOUT_H
#define AIMC_CHIP_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"

/* <trace without its extension>.gtkw (out: at least strlen(trace) + 6 bytes) */
void aimc_layout_path_for(const char *trace, char *out, size_t n);
/* The same, allocated (the caller frees it; NULL when out of memory). */
char *aimc_layout_path_new(const char *trace);
/* What the layout shows: the chip's tiles, and the RTL's widths that GTKWave needs in the vectors' names. */
typedef struct {
    uint32_t tiles;
    uint32_t tiers;       /* TIERS: tier_en width */
    uint32_t tag_bits;    /* a job tag's slot + job bits */
    uint32_t seqs;        /* SEQS: token-marker width */
    uint32_t batch;       /* sequences of the run: one "in token" row each */
    /* The initial view and token markers (aimc_gtkw_token_view); ledger NULL: none. */
    const aimc_ledger *ledger;
    uint32_t clock_period_ps, tokens_per_seq;
} aimc_chip_layout_shape;

/* Writes the layout beside the trace; its path goes to layout_out. */
int aimc_chip_layout_write(const char *trace, const aimc_chip_layout_shape *shape, char *layout_out, size_t n,
                           aimc_error *err);

#endif
