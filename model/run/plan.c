#include "run/plan.h"

#include <stdlib.h>
#include <string.h>

#include "engine/dispatch_build.h"
#include "workload/expert_scores.h"
#include "workload/model_load.h"
#include "workload/routing.h"

struct aimc_plan {
    aimc_plan_options options;
    aimc_moe_model model;
    aimc_chip_config chip, engine_chip;
    aimc_weights *weights;
    aimc_routing_trace *trace;
    aimc_assignment *assignment;
    aimc_mapping *mapping;
    aimc_dispatch_table *table;
    uint64_t analog_blocks;
};

void aimc_plan_options_defaults(aimc_plan_options *o)
{
    *o = (aimc_plan_options){.assign = {.setting = AIMC_SETTING_HETEROGENEOUS,
                                        .criterion = AIMC_CRITERION_MAX_NEURON_NORM},
                             .strategy = AIMC_STRATEGY_GREEDY, .seed = 1, .sample_tokens = 4096};
}

bool aimc_criterion_needs_weights(aimc_criterion c)
{
    return c == AIMC_CRITERION_MAX_NEURON_NORM || c == AIMC_CRITERION_ROUTER_NORM;
}

bool aimc_criterion_needs_trace(aimc_criterion c)
{
    return c == AIMC_CRITERION_ACTIVATION_FREQUENCY || c == AIMC_CRITERION_MEAN_ROUTING_WEIGHT;
}

/* Co-selection statistics sampled when no trace is given: the router's co-selection mode (experts in seeded
 * pairs, the partner picked with probability 0.5) over sample_tokens tokens. */
static aimc_routing_trace *sample_trace(const aimc_plan_options *o, const aimc_moe_model *m, aimc_error *err)
{
    aimc_routing_params p = {.mode = AIMC_ROUTE_COSELECT, .experts = m->experts, .top_k = m->top_k,
                             .layers = m->layers, .seed = o->seed, .partner_prob = 0.5};
    aimc_router *r = aimc_router_create(&p, err);
    aimc_routing_trace *t = r ? aimc_router_sample_trace(r, m, o->sample_tokens, err) : NULL;
    aimc_router_destroy(r);
    return t;
}

static bool scores_experts(const aimc_plan *p)
{
    return p->options.assign.digital_expert_fraction > 0 && p->model.experts > 0;
}

static int load_routing(aimc_plan *p, aimc_error *err)
{
    const aimc_plan_options *o = &p->options;
    if (o->routing_trace)
        return (p->trace = aimc_routing_trace_load(o->routing_trace, &p->model, err)) ? 0 : -1;
    if (scores_experts(p) && aimc_criterion_needs_trace(o->assign.criterion))
        return aimc_fail(err, "plan: criterion %s scores experts from a routing trace: expected a routing trace",
                         aimc_criterion_name(o->assign.criterion));
    if (o->strategy == AIMC_STRATEGY_COSELECT && p->model.experts > 0)
        return (p->trace = sample_trace(o, &p->model, err)) ? 0 : -1;
    return 0;
}

static int load_inputs(aimc_plan *p, aimc_error *err)
{
    const aimc_plan_options *o = &p->options;
    if (!o->model || !o->chip)
        return aimc_fail(err, "plan: expected a model and a chip");
    if (o->fit && o->tiles)
        return aimc_fail(err, "plan: expected fit or a tile count, not both (fit computes the tile count)");
    if (aimc_moe_model_load(o->model, &p->model, err) || aimc_chip_config_load(o->chip, &p->chip, err) ||
        load_routing(p, err))
        return -1;
    if (o->tiles)
        p->chip.tile.tiles = o->tiles;
    if (o->tiers)
        p->chip.tile.tiers = o->tiers;
    if (o->assign.digital_expert_fraction > 0 && aimc_criterion_needs_weights(o->assign.criterion) && !o->weights)
        return aimc_fail(err, "plan: criterion %s scores experts from their weights: expected the model's weights",
                         aimc_criterion_name(o->assign.criterion));
    if (o->weights && !(p->weights = aimc_weights_open(o->weights, err)))
        return -1;
    return 0;
}

static aimc_assignment *assign(const aimc_plan *p, aimc_error *err)
{
    const aimc_moe_model *m = &p->model;
    double *scores = NULL;
    if (scores_experts(p)) {
        if (!(scores = malloc((size_t)m->layers * m->experts * sizeof *scores))) {
            aimc_fail(err, "plan: out of memory for %u x %u expert scores", m->layers, m->experts);
            return NULL;
        }
        aimc_score_inputs si = {p->weights, p->trace, p->options.seed};
        if (aimc_expert_scores(m, p->options.assign.criterion, &si, scores, err)) {
            free(scores);
            return NULL;
        }
    }
    aimc_assignment *as = aimc_assignment_create(m, &p->options.assign, scores, err);
    free(scores);
    return as;
}

/* Crossbar blocks of the matrices the assignment puts on analog tiers: ceil(in/R) x ceil(out/C) each. */
static uint64_t count_analog_blocks(const aimc_plan *p)
{
    uint64_t rows = p->chip.tile.rows, cols = p->chip.tile.cols, n = 0;
    for (size_t i = 0; i < aimc_matrix_count(&p->model); i++) {
        if (aimc_assignment_placement(p->assignment, i) != AIMC_PLACE_ANALOG)
            continue;
        aimc_matrix x;
        aimc_matrix_at(&p->model, i, &x);
        n += ((x.in_dim + rows - 1) / rows) * ((x.out_dim + cols - 1) / cols);
    }
    return n;
}

/* fit: just enough tiles for the analog blocks (at least one), within the chip format's 65,536 tiles. */
static int fit_tiles(aimc_plan *p, aimc_error *err)
{
    uint64_t tiers = p->chip.tile.tiers, tiles = (p->analog_blocks + tiers - 1) / tiers;
    if (tiles > 65536)
        return aimc_fail(err, "plan: fit: model %s needs %llu tiles of %llu tiers for its %llu analog blocks "
                              "(expected at most 65536 tiles; use more tiers)",
                         p->model.name, (unsigned long long)tiles, (unsigned long long)tiers,
                         (unsigned long long)p->analog_blocks);
    p->chip.tile.tiles = tiles ? (uint32_t)tiles : 1;
    return 0;
}

/* No OTT: every tier is a tile of its own (one tier, so never a switch), and switches cost nothing. */
static void no_ott_chip(const aimc_chip_config *chip, aimc_chip_config *out)
{
    *out = *chip;
    out->tile.tiles = chip->tile.tiles * chip->tile.tiers;
    out->tile.tiers = 1;
    out->tile.tier_switch_cycles = 0;
    out->periphery.energy.tier_switch = 0;
}

/* The mapping's table with every (tile, tier) as the one-tier tile tile * tiers + tier: same entries, blocks
 * and order. */
static aimc_dispatch_table *no_ott_table(const aimc_dispatch_table *t, uint32_t tiers, aimc_error *err)
{
    uint32_t layers = aimc_dispatch_table_layers(t), units = aimc_dispatch_table_units(t);
    uint32_t phases = aimc_dispatch_table_phases(t);
    aimc_dispatch_table *r = aimc_dispatch_table_create(layers, units, phases);
    int rc = r ? 0 : aimc_fail(err, "plan: out of memory for the dispatch table");
    for (uint32_t l = 0; l < layers && !rc; l++)
        for (uint32_t u = 0; u < units && !rc; u++)
            for (uint32_t ph = 0; ph < phases && !rc; ph++) {
                uint32_t count;
                const aimc_dispatch_block *b = aimc_dispatch_table_entry(t, l, u, ph, &count);
                for (uint32_t j = 0; j < count && !rc; j++) {
                    aimc_dispatch_block nb = b[j];
                    nb.tile = b[j].tile * tiers + b[j].tier;
                    nb.tier = 0;
                    rc = aimc_dispatch_table_add(r, l, u, ph, nb, err);
                }
            }
    if (rc) {
        aimc_dispatch_table_destroy(r);
        return NULL;
    }
    aimc_dispatch_table_finish(r);
    return r;
}

static int build_table(aimc_plan *p, aimc_error *err)
{
    aimc_dispatch_table *t = aimc_dispatch_table_from_mapping(p->mapping, err);
    if (!t || !p->options.no_ott) {
        p->table = t;
        return t ? 0 : -1;
    }
    p->table = no_ott_table(t, p->chip.tile.tiers, err);
    aimc_dispatch_table_destroy(t);
    return p->table ? 0 : -1;
}

aimc_plan *aimc_plan_create(const aimc_plan_options *o, aimc_error *err)
{
    aimc_plan *p = calloc(1, sizeof *p);
    if (!p) {
        aimc_fail(err, "plan: out of memory");
        return NULL;
    }
    p->options = *o;
    int rc = load_inputs(p, err) || !(p->assignment = assign(p, err)) ? -1 : 0;
    if (!rc) {
        p->analog_blocks = count_analog_blocks(p);
        rc = o->fit ? fit_tiles(p, err) : 0;
    }
    aimc_mapping_options mo = {o->strategy, p->trace};
    if (!rc && !(p->mapping = aimc_mapping_create(&p->model, p->assignment, &p->chip, &mo, err)))
        rc = -1;
    if (!rc) {
        if (o->no_ott)
            no_ott_chip(&p->chip, &p->engine_chip);
        else
            p->engine_chip = p->chip;
        rc = build_table(p, err);
    }
    if (rc) {
        aimc_plan_destroy(p);
        return NULL;
    }
    return p;
}

void aimc_plan_destroy(aimc_plan *p)
{
    if (!p)
        return;
    aimc_dispatch_table_destroy(p->table);
    aimc_mapping_destroy(p->mapping);
    aimc_assignment_destroy(p->assignment);
    aimc_routing_trace_destroy(p->trace);
    aimc_weights_close(p->weights);
    free(p);
}

const aimc_plan_options *aimc_plan_options_of(const aimc_plan *p) { return &p->options; }
const aimc_moe_model *aimc_plan_model(const aimc_plan *p) { return &p->model; }
const aimc_chip_config *aimc_plan_chip(const aimc_plan *p) { return &p->chip; }
const aimc_chip_config *aimc_plan_engine_chip(const aimc_plan *p) { return &p->engine_chip; }
const aimc_assignment *aimc_plan_assignment(const aimc_plan *p) { return p->assignment; }
const aimc_mapping *aimc_plan_mapping(const aimc_plan *p) { return p->mapping; }
aimc_weights *aimc_plan_weights(const aimc_plan *p) { return p->weights; }
const aimc_routing_trace *aimc_plan_routing_trace(const aimc_plan *p) { return p->trace; }
uint64_t aimc_plan_analog_blocks(const aimc_plan *p) { return p->analog_blocks; }
const aimc_dispatch_table *aimc_plan_dispatch_table(const aimc_plan *p) { return p->table; }

uint32_t aimc_plan_physical_tile(const aimc_plan *p, uint32_t engine_tile)
{
    return p->options.no_ott ? engine_tile / p->chip.tile.tiers : engine_tile;
}
