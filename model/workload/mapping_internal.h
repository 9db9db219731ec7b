/* Shared between the mapper's files (mapping.c, mapping_coselect.c); not a public interface. */
#ifndef AIMC_MAPPING_INTERNAL_H
#define AIMC_MAPPING_INTERNAL_H

#include "mapping.h"
#include "tile_pool.h"

struct aimc_mapping {
    aimc_moe_model model;
    aimc_chip_config chip;
    aimc_strategy strategy;
    size_t n_matrices, n_blocks;
    aimc_mapped_matrix *matrices;
    aimc_block *blocks;
    int32_t *slot; /* [tile * tiers + tier] -> block index, -1 when empty */
    aimc_tile_pool *pool;
};

/* The analog routed experts of one MoE layer; each one's blocks are consecutive in the table. */
typedef struct {
    uint32_t count;   /* analog experts */
    uint32_t *expert; /* their indices */
    uint32_t *first;  /* index of each one's first block */
    uint32_t blocks;  /* blocks per expert (the same for all) */
} aimc_layer_experts;

/* Puts a block on the next free tier of tile. */
void aimc_mapping_put(aimc_mapping *mp, uint32_t block, uint32_t tile);
/* The co-selection aware placement of one layer's experts (mapping.h); -1 when out of memory. */
int aimc_mapping_place_coselect(aimc_mapping *mp, const aimc_routing_trace *trace, uint32_t layer,
                                const aimc_layer_experts *le);

#endif
