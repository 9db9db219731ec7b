/* Co-selection aware placement of one MoE layer's experts (strategy "coselect", mapping.h): experts selected
 * more often are placed first; each block goes to the tile with a free tier whose experts of this layer are
 * co-selected least often with it (then fewer tiers used, then lower index).  It knows only the tile pool and
 * the routing statistics; the mapper records where each block went through the target's put callback. */
#ifndef AIMC_MAPPING_COSELECT_H
#define AIMC_MAPPING_COSELECT_H

#include <stdint.h>

#include "workload/routing_trace.h"
#include "workload/tile_pool.h"

/* The analog routed experts of one MoE layer; each one's blocks are consecutive in the table. */
typedef struct {
    uint32_t count;   /* analog experts */
    uint32_t *expert; /* their indices */
    uint32_t *first;  /* index of each one's first block */
    uint32_t blocks;  /* blocks per expert (the same for all) */
} aimc_layer_experts;

typedef struct {
    const aimc_tile_pool *pool; /* read to rank tiles; put takes the tier */
    uint32_t tiles, experts;    /* chip tiles; routed experts per layer (E) */
    void (*put)(void *ctx, uint32_t block, uint32_t tile); /* places block on tile's next free tier */
    void *ctx;
} aimc_coselect_target;

/* Places every block of le; -1 when out of memory. */
int aimc_coselect_place(const aimc_coselect_target *to, const aimc_routing_trace *trace, uint32_t layer,
                        const aimc_layer_experts *le);

#endif
