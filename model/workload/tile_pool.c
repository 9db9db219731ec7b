#include "workload/tile_pool.h"

#include <stdlib.h>

#define GONE UINT32_MAX

struct aimc_tile_pool {
    uint32_t tiles, tiers, size;
    uint32_t *used; /* per tile */
    uint32_t *heap; /* tiles with a free tier, min-heap on (used, index) */
    uint32_t *pos;  /* per tile: its place in heap, GONE when full */
};

aimc_tile_pool *aimc_tile_pool_create(uint32_t tiles, uint32_t tiers)
{
    aimc_tile_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->tiles = p->size = tiles;
    p->tiers = tiers;
    p->used = calloc(tiles, sizeof *p->used);
    p->heap = malloc(tiles * sizeof *p->heap);
    p->pos = malloc(tiles * sizeof *p->pos);
    if (!p->used || !p->heap || !p->pos) {
        aimc_tile_pool_destroy(p);
        return NULL;
    }
    for (uint32_t t = 0; t < tiles; t++)
        p->heap[t] = p->pos[t] = t; /* all at 0 used: index order is a valid heap */
    return p;
}

void aimc_tile_pool_destroy(aimc_tile_pool *p)
{
    if (!p)
        return;
    free(p->used);
    free(p->heap);
    free(p->pos);
    free(p);
}

static int before(const aimc_tile_pool *p, uint32_t a, uint32_t b)
{
    return p->used[a] != p->used[b] ? p->used[a] < p->used[b] : a < b;
}

static void swap(aimc_tile_pool *p, uint32_t i, uint32_t j)
{
    uint32_t a = p->heap[i], b = p->heap[j];
    p->heap[i] = b;
    p->heap[j] = a;
    p->pos[b] = i;
    p->pos[a] = j;
}

static void sift_down(aimc_tile_pool *p, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < p->size && before(p, p->heap[l], p->heap[best]))
            best = l;
        if (r < p->size && before(p, p->heap[r], p->heap[best]))
            best = r;
        if (best == i)
            return;
        swap(p, i, best);
        i = best;
    }
}

static void sift_up(aimc_tile_pool *p, uint32_t i)
{
    while (i > 0 && before(p, p->heap[i], p->heap[(i - 1) / 2])) {
        swap(p, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void remove_at(aimc_tile_pool *p, uint32_t i)
{
    uint32_t tile = p->heap[i];
    swap(p, i, --p->size);
    p->pos[tile] = GONE;
    if (i < p->size) {
        sift_down(p, i);
        sift_up(p, i);
    }
}

uint32_t aimc_tile_pool_least(const aimc_tile_pool *p) { return p->size ? p->heap[0] : GONE; }

uint32_t aimc_tile_pool_take(aimc_tile_pool *p, uint32_t tile)
{
    uint32_t tier = p->used[tile]++;
    if (p->used[tile] == p->tiers)
        remove_at(p, p->pos[tile]);
    else
        sift_down(p, p->pos[tile]);
    return tier;
}

uint32_t aimc_tile_pool_used(const aimc_tile_pool *p, uint32_t tile) { return p->used[tile]; }
uint32_t aimc_tile_pool_free(const aimc_tile_pool *p, uint32_t tile) { return p->tiers - p->used[tile]; }
