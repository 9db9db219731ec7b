#include "workload/mapping.h"

#include <stdlib.h>
#include <string.h>

#include "workload/mapping_coselect.h"
#include "workload/tile_pool.h"

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

static const char *const strategy_names[AIMC_STRATEGY_COUNT] = {"greedy", "stacked", "coselect"};

const char *aimc_strategy_name(aimc_strategy s) { return strategy_names[s]; }

int aimc_strategy_parse(const char *name)
{
    for (int i = 0; i < AIMC_STRATEGY_COUNT; i++)
        if (strcmp(strategy_names[i], name) == 0)
            return i;
    return -1;
}

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/* ---- the table before placement: matrices and their (unplaced) blocks ---- */

static void lay_out_matrices(aimc_mapping *mp, const aimc_assignment *a)
{
    uint32_t R = mp->chip.tile.rows, C = mp->chip.tile.cols;
    size_t next = 0;
    for (size_t i = 0; i < mp->n_matrices; i++) {
        aimc_mapped_matrix *x = &mp->matrices[i];
        aimc_matrix_at(&mp->model, i, &x->matrix);
        x->placement = aimc_assignment_placement(a, i);
        x->first_block = (uint32_t)next;
        if (x->placement == AIMC_PLACE_ANALOG) {
            x->row_blocks = ceil_div(x->matrix.in_dim, R);
            x->col_blocks = ceil_div(x->matrix.out_dim, C);
            next += (size_t)x->row_blocks * x->col_blocks;
        }
    }
    mp->n_blocks = next;
}

static void describe_blocks(aimc_mapping *mp)
{
    uint32_t R = mp->chip.tile.rows, C = mp->chip.tile.cols;
    for (size_t i = 0; i < mp->n_matrices; i++) {
        const aimc_mapped_matrix *x = &mp->matrices[i];
        for (uint32_t r = 0; r < x->row_blocks; r++)
            for (uint32_t c = 0; c < x->col_blocks; c++) {
                aimc_block *b = &mp->blocks[x->first_block + r * x->col_blocks + c];
                b->row_block = r;
                b->col_block = c;
                b->rows = r + 1 < x->row_blocks ? R : x->matrix.in_dim - r * R;
                b->cols = c + 1 < x->col_blocks ? C : x->matrix.out_dim - c * C;
                b->matrix = (uint32_t)i;
            }
    }
}

static int check_fits(const aimc_mapping *mp, aimc_error *err)
{
    const aimc_tile_config *t = &mp->chip.tile;
    uint64_t capacity = (uint64_t)t->tiles * t->tiers;
    if (mp->n_blocks <= capacity)
        return 0;
    return aimc_fail_field(err, mp->chip.path, "tile.tiles",
                           "at least %llu tiles of %u tiers: model %s needs %zu tiers (its analog blocks of %u x %u) "
                           "and the chip has %llu (%u tiles x %u tiers), found %u",
                           (unsigned long long)((mp->n_blocks + t->tiers - 1) / t->tiers), t->tiers, mp->model.name,
                           mp->n_blocks, t->rows, t->cols, (unsigned long long)capacity, t->tiles, t->tiers, t->tiles);
}

/* ---- placement ---- */

static void put_block(aimc_mapping *mp, uint32_t block, uint32_t tile)
{
    uint32_t tier = aimc_tile_pool_take(mp->pool, tile);
    mp->blocks[block].tile = tile;
    mp->blocks[block].tier = tier;
    mp->slot[(size_t)tile * mp->chip.tile.tiers + tier] = (int32_t)block;
}

static void place_greedy(aimc_mapping *mp, const aimc_mapped_matrix *x)
{
    uint32_t n = x->row_blocks * x->col_blocks;
    for (uint32_t b = 0; b < n; b++)
        put_block(mp, x->first_block + b, aimc_tile_pool_least(mp->pool));
}

static int collect_layer_experts(const aimc_mapping *mp, uint32_t layer, aimc_layer_experts *le)
{
    const aimc_moe_model *m = &mp->model;
    le->count = le->blocks = 0;
    le->expert = malloc(m->experts * sizeof *le->expert);
    le->first = malloc(m->experts * sizeof *le->first);
    if (!le->expert || !le->first)
        return -1;
    uint32_t per = aimc_moe_model_ffn_matrices(m);
    for (uint32_t e = 0; e < m->experts; e++) {
        const aimc_mapped_matrix *x = &mp->matrices[aimc_matrix_expert_first(m, (int)layer, (int)e)];
        if (x->placement != AIMC_PLACE_ANALOG)
            continue;
        uint32_t blocks = 0;
        for (uint32_t r = 0; r < per; r++)
            blocks += x[r].row_blocks * x[r].col_blocks;
        le->expert[le->count] = e;
        le->first[le->count++] = x->first_block;
        le->blocks = blocks;
    }
    return 0;
}

static void free_layer_experts(aimc_layer_experts *le)
{
    free(le->expert);
    free(le->first);
}

/* Block j of every expert goes to one tile, expert i on the i-th tier of the stack. */
static void put_coselected(void *mapping, uint32_t block, uint32_t tile) { put_block(mapping, block, tile); }

static void place_stacked(aimc_mapping *mp, const aimc_layer_experts *le)
{
    for (uint32_t j = 0; j < le->blocks; j++) {
        uint32_t i = 0;
        while (i < le->count) {
            uint32_t tile = aimc_tile_pool_least(mp->pool);
            uint32_t room = aimc_tile_pool_free(mp->pool, tile);
            for (uint32_t k = 0; k < room && i < le->count; k++, i++)
                put_block(mp, le->first[i] + j, tile);
        }
    }
}

static int place_layer_experts(aimc_mapping *mp, const aimc_mapping_options *o, uint32_t layer, aimc_error *err)
{
    aimc_layer_experts le;
    int rc = collect_layer_experts(mp, layer, &le);
    if (rc == 0 && o->strategy == AIMC_STRATEGY_STACKED)
        place_stacked(mp, &le);
    else if (rc == 0)
        rc = aimc_coselect_place(&(aimc_coselect_target){mp->pool, mp->chip.tile.tiles, mp->model.experts,
                                                         put_coselected, mp},
                                 o->trace, layer, &le);
    free_layer_experts(&le);
    return rc ? aimc_fail(err, "mapping: out of memory") : 0;
}

static int place_all(aimc_mapping *mp, const aimc_mapping_options *o, aimc_error *err)
{
    int32_t experts_placed = -1; /* the last layer whose routed experts were placed together */
    for (size_t i = 0; i < mp->n_matrices; i++) {
        const aimc_mapped_matrix *x = &mp->matrices[i];
        if (x->placement != AIMC_PLACE_ANALOG)
            continue;
        if (x->matrix.module != AIMC_MODULE_EXPERT || o->strategy == AIMC_STRATEGY_GREEDY) {
            place_greedy(mp, x);
            continue;
        }
        /* The layer's experts are placed together, when its first analog expert matrix comes up. */
        if (x->matrix.layer == experts_placed)
            continue;
        experts_placed = x->matrix.layer;
        if (place_layer_experts(mp, o, (uint32_t)x->matrix.layer, err))
            return -1;
    }
    return 0;
}

/* ---- create / destroy ---- */

static int validate_options(const aimc_moe_model *m, const aimc_mapping_options *o, aimc_error *err)
{
    if ((unsigned)o->strategy >= AIMC_STRATEGY_COUNT)
        return aimc_fail(err, "mapping: unknown strategy %d", (int)o->strategy);
    if (o->strategy == AIMC_STRATEGY_COSELECT && m->experts > 0 && !o->trace)
        return aimc_fail(err, "mapping: strategy coselect needs a routing trace (recorded or sampled)");
    if (o->trace && aimc_routing_trace_check_model(o->trace, m, err))
        return -1;
    return 0;
}

aimc_mapping *aimc_mapping_create(const aimc_moe_model *m, const aimc_assignment *a, const aimc_chip_config *chip,
                                  const aimc_mapping_options *o, aimc_error *err)
{
    if (validate_options(m, o, err))
        return NULL;
    aimc_mapping *mp = calloc(1, sizeof *mp);
    if (!mp) {
        aimc_fail(err, "mapping: out of memory");
        return NULL;
    }
    mp->model = *m;
    mp->chip = *chip;
    mp->strategy = o->strategy;
    mp->n_matrices = aimc_matrix_count(m);
    mp->matrices = calloc(mp->n_matrices, sizeof *mp->matrices);
    if (!mp->matrices) {
        aimc_fail(err, "mapping: out of memory");
        aimc_mapping_destroy(mp);
        return NULL;
    }
    lay_out_matrices(mp, a);
    if (check_fits(mp, err)) {
        aimc_mapping_destroy(mp);
        return NULL;
    }
    size_t slots = (size_t)chip->tile.tiles * chip->tile.tiers;
    mp->blocks = calloc(mp->n_blocks ? mp->n_blocks : 1, sizeof *mp->blocks);
    mp->slot = malloc(slots * sizeof *mp->slot);
    mp->pool = aimc_tile_pool_create(chip->tile.tiles, chip->tile.tiers);
    if (!mp->blocks || !mp->slot || !mp->pool) {
        aimc_fail(err, "mapping: out of memory for %zu blocks on %zu tiers", mp->n_blocks, slots);
        aimc_mapping_destroy(mp);
        return NULL;
    }
    memset(mp->slot, 0xff, slots * sizeof *mp->slot);
    describe_blocks(mp);
    if (place_all(mp, o, err)) {
        aimc_mapping_destroy(mp);
        return NULL;
    }
    return mp;
}

void aimc_mapping_destroy(aimc_mapping *mp)
{
    if (!mp)
        return;
    free(mp->matrices);
    free(mp->blocks);
    free(mp->slot);
    aimc_tile_pool_destroy(mp->pool);
    free(mp);
}

/* ---- lookups ---- */

const aimc_moe_model *aimc_mapping_model(const aimc_mapping *mp) { return &mp->model; }
const aimc_chip_config *aimc_mapping_chip(const aimc_mapping *mp) { return &mp->chip; }
aimc_strategy aimc_mapping_strategy(const aimc_mapping *mp) { return mp->strategy; }
size_t aimc_mapping_matrix_count(const aimc_mapping *mp) { return mp->n_matrices; }
size_t aimc_mapping_block_count(const aimc_mapping *mp) { return mp->n_blocks; }
const aimc_block *aimc_mapping_blocks(const aimc_mapping *mp) { return mp->blocks; }

const aimc_mapped_matrix *aimc_mapping_matrix(const aimc_mapping *mp, size_t index)
{
    return index < mp->n_matrices ? &mp->matrices[index] : NULL;
}

const aimc_mapped_matrix *aimc_mapping_find(const aimc_mapping *mp, int layer, aimc_module module, int expert,
                                            aimc_role role)
{
    long i = aimc_matrix_index(&mp->model, layer, module, expert, role);
    return i < 0 ? NULL : &mp->matrices[i];
}

const aimc_block *aimc_mapping_block(const aimc_mapping *mp, const aimc_mapped_matrix *x, uint32_t row_block,
                                     uint32_t col_block)
{
    if (row_block >= x->row_blocks || col_block >= x->col_blocks)
        return NULL;
    return &mp->blocks[x->first_block + row_block * x->col_blocks + col_block];
}

long aimc_mapping_block_at(const aimc_mapping *mp, uint32_t tile, uint32_t tier)
{
    if (tile >= mp->chip.tile.tiles || tier >= mp->chip.tile.tiers)
        return -1;
    return mp->slot[(size_t)tile * mp->chip.tile.tiers + tier];
}

uint32_t aimc_mapping_tile_tiers_used(const aimc_mapping *mp, uint32_t tile)
{
    return tile < mp->chip.tile.tiles ? aimc_tile_pool_used(mp->pool, tile) : 0;
}

void aimc_mapping_summary_of(const aimc_mapping *mp, aimc_mapping_summary *s)
{
    const aimc_tile_config *t = &mp->chip.tile;
    memset(s, 0, sizeof *s);
    s->tiles = t->tiles;
    s->tiers_per_tile = t->tiers;
    s->tiers_total = (uint64_t)t->tiles * t->tiers;
    s->min_tiers_per_used_tile = t->tiers;
    for (uint32_t tile = 0; tile < t->tiles; tile++) {
        uint32_t used = aimc_tile_pool_used(mp->pool, tile);
        s->tiers_used += used;
        if (used == 0)
            continue;
        s->tiles_used++;
        s->min_tiers_per_used_tile = used < s->min_tiers_per_used_tile ? used : s->min_tiers_per_used_tile;
        s->max_tiers_per_tile = used > s->max_tiers_per_tile ? used : s->max_tiers_per_tile;
    }
    if (s->tiles_used == 0)
        s->min_tiers_per_used_tile = 0;
    for (size_t b = 0; b < mp->n_blocks; b++)
        s->cells_used += (uint64_t)mp->blocks[b].rows * mp->blocks[b].cols;
    s->block_utilisation = s->tiers_used ? (double)s->cells_used / ((double)s->tiers_used * t->rows * t->cols) : 0;
    s->chip_area_mm2 = t->tiles * t->tile_area_mm2;
    s->used_area_mm2 = s->tiles_used * t->tile_area_mm2;
    for (size_t i = 0; i < mp->n_matrices; i++)
        s->matrices[mp->matrices[i].placement]++;
}
