/* The dispatch table: for every (layer, unit, phase), the crossbar blocks a command expands into, each on a
 * (tile, tier).  It is what the token dispatcher's mapping memory holds (loaded from C at start) and what the
 * fast backend expands commands with, so both engines expand a command into the same jobs in the same order.
 * Units and phases are numbered by whoever builds the table from a mapping (docs/architecture.md): e.g. for an
 * MoE layer, units 0..E-1 the routed experts, then the shared expert, then attention; phase 0 the matrices fed
 * by the layer input (gate+up, or q/k/v), phase 1 the second matrix (down, or o). */
#ifndef AIMC_DISPATCH_TABLE_H
#define AIMC_DISPATCH_TABLE_H

#include <stdint.h>

#include "core/aimc_error.h"

typedef struct {
    uint32_t tile;      /* 32 bits: the fast engine's no-OTT ablation runs tiles x tiers one-tier tiles */
    uint16_t tier;
    uint16_t in_block;  /* which R-row slice of the unit's input vector feeds this block */
    uint16_t out_block; /* which C-column slice of the output it produces */
} aimc_dispatch_block;

typedef struct aimc_dispatch_table aimc_dispatch_table;

aimc_dispatch_table *aimc_dispatch_table_create(uint32_t layers, uint32_t units, uint32_t phases);
void aimc_dispatch_table_destroy(aimc_dispatch_table *t);

/* Appends a block to entry (layer, unit, phase); entries may be filled in any order. */
int aimc_dispatch_table_add(aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase,
                            aimc_dispatch_block block, aimc_error *err);
/* Packs the blocks entry by entry (layer-major, then unit, then phase); call once, after the last add. */
void aimc_dispatch_table_finish(aimc_dispatch_table *t);

uint32_t aimc_dispatch_table_layers(const aimc_dispatch_table *t);
uint32_t aimc_dispatch_table_units(const aimc_dispatch_table *t);
uint32_t aimc_dispatch_table_phases(const aimc_dispatch_table *t);
uint32_t aimc_dispatch_table_blocks(const aimc_dispatch_table *t); /* total */
/* The blocks of an entry, in the order they were added (after finish). */
const aimc_dispatch_block *aimc_dispatch_table_entry(const aimc_dispatch_table *t, uint32_t layer, uint32_t unit,
                                                     uint32_t phase, uint32_t *count);
/* Index of an entry's first block in the packed block list (the RTL's mapping memory layout). */
uint32_t aimc_dispatch_table_first(const aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase);

#endif
