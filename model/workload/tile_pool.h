/* The mapper's bookkeeping of tiers used per tile: an indexed min-heap on (tiers used, tile index), so the
 * least-used tile with a free tier is found in O(1) and updated in O(log tiles). */
#ifndef AIMC_TILE_POOL_H
#define AIMC_TILE_POOL_H

#include <stdint.h>

typedef struct aimc_tile_pool aimc_tile_pool;

aimc_tile_pool *aimc_tile_pool_create(uint32_t tiles, uint32_t tiers);
void aimc_tile_pool_destroy(aimc_tile_pool *p);

/* The tile with the fewest used tiers among those with a free one (lowest index on ties); UINT32_MAX when
 * every tier of the chip is used. */
uint32_t aimc_tile_pool_least(const aimc_tile_pool *p);
/* Takes the next free tier of tile (which must have one) and returns it. */
uint32_t aimc_tile_pool_take(aimc_tile_pool *p, uint32_t tile);
uint32_t aimc_tile_pool_used(const aimc_tile_pool *p, uint32_t tile);
uint32_t aimc_tile_pool_free(const aimc_tile_pool *p, uint32_t tile);

#endif
