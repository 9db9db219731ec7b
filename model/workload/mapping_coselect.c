/* Co-selection aware placement of one MoE layer's experts (see mapping.h). */
#include "workload/mapping_coselect.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const aimc_tile_pool *pool;
    uint32_t tiles;
    const uint64_t *cost; /* per tile: co-selections of the expert being placed with those already there */
} ranking;

/* Whether tile a is a worse choice than tile b: more co-selection, then more tiers used, then higher index. */
static int worse(const ranking *r, uint32_t a, uint32_t b)
{
    if (r->cost[a] != r->cost[b])
        return r->cost[a] > r->cost[b];
    uint32_t ua = aimc_tile_pool_used(r->pool, a), ub = aimc_tile_pool_used(r->pool, b);
    return ua != ub ? ua > ub : a > b;
}

/* Max-heap (worst on top) of at most k tiles. */
static void sift_down(const ranking *r, uint32_t *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, c = l + 1, top = i;
        if (l < n && worse(r, h[l], h[top]))
            top = l;
        if (c < n && worse(r, h[c], h[top]))
            top = c;
        if (top == i)
            return;
        uint32_t t = h[i];
        h[i] = h[top];
        h[top] = t;
        i = top;
    }
}

/* The best k tiles with a free tier, best first, in out[]; returns how many there were (<= k). */
static uint32_t best_tiles(const ranking *r, uint32_t k, uint32_t *out)
{
    uint32_t n = 0;
    for (uint32_t t = 0; t < r->tiles; t++) {
        if (aimc_tile_pool_free(r->pool, t) == 0)
            continue;
        if (n < k) {
            out[n++] = t;
            for (uint32_t i = n - 1; i > 0 && worse(r, out[i], out[(i - 1) / 2]); i = (i - 1) / 2) {
                uint32_t tmp = out[i];
                out[i] = out[(i - 1) / 2];
                out[(i - 1) / 2] = tmp;
            }
        } else if (worse(r, out[0], t)) {
            out[0] = t;
            sift_down(r, out, n, 0);
        }
    }
    for (uint32_t m = n; m > 1; m--) { /* heap sort: the worst moves to the end */
        uint32_t tmp = out[0];
        out[0] = out[m - 1];
        out[m - 1] = tmp;
        sift_down(r, out, m - 1, 0);
    }
    return n;
}

typedef struct {
    uint32_t tile, expert;
} placed_block;

/* Experts selected more often are placed first, while most tiles are still free of this layer. */
static void order_by_frequency(const aimc_layer_experts *le, const uint64_t *selected, uint32_t *order)
{
    for (uint32_t i = 0; i < le->count; i++) {
        uint32_t j = i;
        for (; j > 0; j--) {
            uint32_t a = le->expert[order[j - 1]], e = le->expert[i];
            if (selected[a] > selected[e] || (selected[a] == selected[e] && a < e))
                break;
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
}

static void place_expert(const aimc_coselect_target *to, const aimc_layer_experts *le, uint32_t i,
                         const uint64_t *co, uint64_t *cost, placed_block *placed, size_t *n_placed, uint32_t *chosen)
{
    uint32_t E = to->experts, e = le->expert[i];
    memset(cost, 0, to->tiles * sizeof *cost);
    for (size_t p = 0; p < *n_placed; p++)
        cost[placed[p].tile] += co[(size_t)e * E + placed[p].expert];
    ranking r = {to->pool, to->tiles, cost};
    for (uint32_t b = 0; b < le->blocks;) {
        uint32_t n = best_tiles(&r, le->blocks - b, chosen);
        for (uint32_t c = 0; c < n; c++, b++) {
            to->put(to->ctx, le->first[i] + b, chosen[c]);
            placed[(*n_placed)++] = (placed_block){chosen[c], e};
        }
    }
}

int aimc_coselect_place(const aimc_coselect_target *to, const aimc_routing_trace *trace, uint32_t layer,
                        const aimc_layer_experts *le)
{
    uint32_t E = to->experts;
    uint64_t *co = malloc((size_t)E * E * sizeof *co), *selected = malloc(E * sizeof *selected);
    uint64_t *cost = malloc(to->tiles * sizeof *cost);
    uint32_t *order = malloc((le->count + 1) * sizeof *order), *chosen = malloc((le->blocks + 1) * sizeof *chosen);
    placed_block *placed = malloc(((size_t)le->count * le->blocks + 1) * sizeof *placed);
    int rc = co && selected && cost && order && chosen && placed ? 0 : -1;
    if (rc == 0) {
        aimc_routing_trace_coselection(trace, layer, co);
        aimc_routing_trace_expert_stats(trace, layer, selected, NULL);
        order_by_frequency(le, selected, order);
        size_t n_placed = 0;
        for (uint32_t i = 0; i < le->count; i++)
            place_expert(to, le, order[i], co, cost, placed, &n_placed, chosen);
    }
    free(co);
    free(selected);
    free(cost);
    free(order);
    free(chosen);
    free(placed);
    return rc;
}
