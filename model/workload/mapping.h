/* The mapping table both engines run from: every analog matrix cut into ceil(in/R) x ceil(out/C) blocks of
 * the crossbar (R rows x C columns), each block on one (tile, tier).  Partial sums over a matrix's row
 * blocks are added digitally.
 *
 * Strategies (the 3D AIMC paper's public simulator has the same three):
 *   greedy   every block, in matrix order, to the tile with the fewest used tiers (lowest index on ties),
 *            on its next free tier (the paper's default);
 *   stacked  experts of an MoE layer stacked on the same tiles: block j of every analog routed expert of
 *            the layer goes to one tile, expert i on the i-th of those tiers (split over more tiles when
 *            the tile has fewer free tiers than the layer has experts); other matrices greedy;
 *   coselect co-selection aware: the experts of a layer, most frequently selected first, each spread over
 *            distinct tiles chosen to minimise how often the experts already there are selected together
 *            with it (statistics from a routing trace, recorded or sampled); then fewest used tiers.
 * Tiers of a tile are filled from 0 upwards. */
#ifndef AIMC_MAPPING_H
#define AIMC_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "system/chip_config.h"
#include "workload/assignment.h"
#include "workload/matrices.h"
#include "workload/moe_model.h"
#include "workload/routing_trace.h"

typedef enum { AIMC_STRATEGY_GREEDY, AIMC_STRATEGY_STACKED, AIMC_STRATEGY_COSELECT, AIMC_STRATEGY_COUNT } aimc_strategy;

typedef struct {
    uint32_t tile, tier;
    uint32_t row_block, col_block; /* position in its matrix: inputs [row_block*R, ...), outputs [col_block*C, ...) */
    uint32_t rows, cols;           /* crossbar rows and columns it occupies (edge blocks are partial) */
    uint32_t matrix;               /* index of its matrix (matrices.h order) */
} aimc_block;

typedef struct {
    aimc_matrix matrix;
    aimc_placement placement;
    uint32_t row_blocks, col_blocks; /* ceil(in/R) x ceil(out/C) when analog, else 0 x 0 */
    uint32_t first_block;            /* its blocks are first_block + row_block * col_blocks + col_block */
} aimc_mapped_matrix;

typedef struct {
    aimc_strategy strategy;
    const aimc_routing_trace *trace; /* co-selection statistics; required by AIMC_STRATEGY_COSELECT */
} aimc_mapping_options;

typedef struct {
    uint32_t tiles, tiers_per_tile;    /* the chip's */
    uint32_t tiles_used;
    uint64_t tiers_used, tiers_total;  /* tiers_used = analog blocks */
    uint32_t min_tiers_per_used_tile, max_tiers_per_tile;
    uint64_t cells_used;               /* crossbar cells holding a weight */
    double block_utilisation;          /* cells_used / (tiers_used x R x C) */
    double chip_area_mm2, used_area_mm2; /* all tiles / tiles holding a block, x tile_area_mm2 */
    uint32_t matrices[AIMC_PLACE_COUNT];
} aimc_mapping_summary;

typedef struct aimc_mapping aimc_mapping;

/* Maps the analog matrices of m (as the assignment places them) onto the chip.  A model that does not fit
 * fails with one line giving the tiers it needs and the tiers the chip has. */
aimc_mapping *aimc_mapping_create(const aimc_moe_model *m, const aimc_assignment *a, const aimc_chip_config *chip,
                                  const aimc_mapping_options *o, aimc_error *err);
void aimc_mapping_destroy(aimc_mapping *mp);

const aimc_moe_model *aimc_mapping_model(const aimc_mapping *mp);
const aimc_chip_config *aimc_mapping_chip(const aimc_mapping *mp);
aimc_strategy aimc_mapping_strategy(const aimc_mapping *mp);

size_t aimc_mapping_matrix_count(const aimc_mapping *mp);
const aimc_mapped_matrix *aimc_mapping_matrix(const aimc_mapping *mp, size_t index);
/* O(1) lookup by (layer, module, expert, role) as in aimc_matrix_index; NULL when there is no such matrix. */
const aimc_mapped_matrix *aimc_mapping_find(const aimc_mapping *mp, int layer, aimc_module module, int expert,
                                            aimc_role role);
/* Block (row_block, col_block) of an analog matrix. */
const aimc_block *aimc_mapping_block(const aimc_mapping *mp, const aimc_mapped_matrix *x, uint32_t row_block,
                                     uint32_t col_block);

size_t aimc_mapping_block_count(const aimc_mapping *mp);
const aimc_block *aimc_mapping_blocks(const aimc_mapping *mp); /* all blocks, matrix by matrix */
/* Index of the block on (tile, tier), or -1 when that tier is empty. */
long aimc_mapping_block_at(const aimc_mapping *mp, uint32_t tile, uint32_t tier);
uint32_t aimc_mapping_tile_tiers_used(const aimc_mapping *mp, uint32_t tile);

void aimc_mapping_summary_of(const aimc_mapping *mp, aimc_mapping_summary *out);

const char *aimc_strategy_name(aimc_strategy s);
int aimc_strategy_parse(const char *name); /* -1 when unknown */

#endif
