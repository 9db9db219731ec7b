#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "engine/dispatch_build.h"
#include "workload/expert_scores.h"
#include "workload/routing.h"
#include "workload/model_load.h"

static int parse_choice(const char *command, const char *flag, const char *value, int (*parse)(const char *),
                        const char *expected, int *out, aimc_error *err)
{
    int v = parse(value);
    if (v < 0)
        return aimc_fail(err, "%s %s: expected one of %s, found \"%s\"", command, flag, expected, value);
    *out = v;
    return 0;
}

static int parse_ranking(const char *name)
{
    return strcmp(name, "per-layer") == 0 ? 0 : strcmp(name, "global") == 0 ? 1 : -1;
}

static int parse_choices(const aimc_plan_args *a, aimc_plan *in, aimc_error *err)
{
    int criterion = 0, ranking = 0, setting = 0, strategy = 0;
    if (parse_choice(a->command, "--criterion", a->criterion, aimc_criterion_parse,
                     "max-neuron-norm, activation-frequency, mean-routing-weight, router-norm, random", &criterion, err) ||
        parse_choice(a->command, "--ranking", a->ranking, parse_ranking, "per-layer, global", &ranking, err) ||
        parse_choice(a->command, "--setting", a->setting, aimc_setting_parse, "heterogeneous, all-analog", &setting, err) ||
        parse_choice(a->command, "--strategy", a->strategy, aimc_strategy_parse, "greedy, stacked, coselect", &strategy, err))
        return -1;
    in->assign = (aimc_assignment_options){(aimc_setting)setting, a->fraction, (aimc_criterion)criterion, ranking == 1};
    in->strategy = (aimc_strategy)strategy;
    return 0;
}

/* Co-selection statistics sampled when no trace is given: the system router's co-selection mode (experts in
 * seeded pairs, the partner picked with probability 0.5) over sample_tokens tokens. */
static aimc_routing_trace *sample_trace(const aimc_plan_args *a, const aimc_moe_model *m, aimc_error *err)
{
    aimc_routing_params p = {.mode = AIMC_ROUTE_COSELECT, .experts = m->experts, .top_k = m->top_k,
                             .layers = m->layers, .seed = (uint64_t)a->seed, .partner_prob = 0.5};
    aimc_router *r = aimc_router_create(&p, err);
    aimc_routing_trace *t = r ? aimc_router_sample_trace(r, m, (uint32_t)a->sample_tokens, err) : NULL;
    aimc_router_destroy(r);
    return t;
}

static bool criterion_needs_trace(aimc_criterion c)
{
    return c == AIMC_CRITERION_ACTIVATION_FREQUENCY || c == AIMC_CRITERION_MEAN_ROUTING_WEIGHT;
}

static int load_routing(const aimc_plan_args *a, aimc_plan *in, aimc_error *err)
{
    bool scoring = in->assign.digital_expert_fraction > 0 && in->model.experts > 0;
    if (a->trace) {
        in->trace = aimc_routing_trace_load(a->trace, &in->model, err);
        return in->trace ? 0 : -1;
    }
    if (scoring && criterion_needs_trace(in->assign.criterion))
        return aimc_fail(err, "%s --criterion %s: expected --routing-trace FILE (the statistics come from a trace)",
                         a->command, a->criterion);
    if (in->strategy == AIMC_STRATEGY_COSELECT && in->model.experts > 0) {
        in->trace = sample_trace(a, &in->model, err);
        return in->trace ? 0 : -1;
    }
    return 0;
}

static int load_inputs(const aimc_plan_args *a, aimc_plan *in, aimc_error *err)
{
    if (!a->model || !a->chip)
        return aimc_fail(err, "%s: expected --model and --chip (see aimc3d %s --help)", a->command, a->command);
    if (parse_choices(a, in, err) ||
        aimc_moe_model_load(a->model, &in->model, err) || aimc_chip_config_load(a->chip, &in->chip, err) ||
        load_routing(a, in, err))
        return -1;
    if (a->fit && a->tiles)
        return aimc_fail(err, "%s: expected --fit or --tiles, not both (--fit computes the tile count)", a->command);
    if (a->tiles)
        in->chip.tile.tiles = (uint32_t)a->tiles;
    if (a->tiers)
        in->chip.tile.tiers = (uint32_t)a->tiers;
    bool needs_weights = in->assign.criterion == AIMC_CRITERION_MAX_NEURON_NORM ||
                         in->assign.criterion == AIMC_CRITERION_ROUTER_NORM;
    if (in->assign.digital_expert_fraction > 0 && needs_weights && !a->weights)
        return aimc_fail(err, "%s --criterion %s: expected --weights FILE (the model's safetensors file or folder)",
                         a->command, a->criterion);
    if (a->weights && !(in->weights = aimc_weights_open(a->weights, err)))
        return -1;
    return 0;
}

static aimc_assignment *assign(const aimc_plan_args *a, const aimc_plan *in, aimc_error *err)
{
    const aimc_moe_model *m = &in->model;
    double *scores = NULL;
    if (in->assign.digital_expert_fraction > 0 && m->experts > 0) {
        scores = malloc((size_t)m->layers * m->experts * sizeof *scores);
        aimc_score_inputs si = {in->weights, in->trace, (uint64_t)a->seed};
        if (!scores) {
            aimc_fail(err, "%s: out of memory", a->command);
            return NULL;
        }
        if (aimc_expert_scores(m, in->assign.criterion, &si, scores, err)) {
            free(scores);
            return NULL;
        }
    }
    aimc_assignment *as = aimc_assignment_create(m, &in->assign, scores, err);
    free(scores);
    return as;
}


void aimc_plan_args_defaults(aimc_plan_args *a, const char *command)
{
    *a = (aimc_plan_args){.criterion = "max-neuron-norm", .ranking = "per-layer", .setting = "heterogeneous",
                          .strategy = "greedy", .seed = 1, .sample_tokens = 4096, .command = command};
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

/* --fit: just enough tiles for the analog blocks (at least one), within the chip format's 65,536 tiles. */
static int fit_tiles(const aimc_plan_args *a, aimc_plan *p, aimc_error *err)
{
    uint64_t tiers = p->chip.tile.tiers, tiles = (p->analog_blocks + tiers - 1) / tiers;
    if (tiles > 65536)
        return aimc_fail(err, "%s --fit: model %s needs %llu tiles of %llu tiers for its %llu analog blocks "
                              "(expected at most 65536 tiles; use more --tiers)",
                         a->command, p->model.name, (unsigned long long)tiles, (unsigned long long)tiers,
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
    out->energy.tier_switch = 0;
}

int aimc_plan_build(const aimc_plan_args *a, aimc_plan *p, aimc_error *err)
{
    memset(p, 0, sizeof *p);
    if (load_inputs(a, p, err) || !(p->assignment = assign(a, p, err)))
        return -1;
    p->analog_blocks = count_analog_blocks(p);
    if (a->fit && fit_tiles(a, p, err))
        return -1;
    aimc_mapping_options mo = {p->strategy, p->trace};
    p->mapping = aimc_mapping_create(&p->model, p->assignment, &p->chip, &mo, err);
    if (!p->mapping)
        return -1;
    if (a->no_ott)
        no_ott_chip(&p->chip, &p->engine_chip);
    else
        p->engine_chip = p->chip;
    return 0;
}

uint32_t aimc_plan_physical_tile(const aimc_plan *p, uint32_t engine_tile)
{
    return p->engine_chip.tile.tiles == p->chip.tile.tiles ? engine_tile : engine_tile / p->chip.tile.tiers;
}

aimc_dispatch_table *aimc_plan_dispatch_table(const aimc_plan *p, aimc_error *err)
{
    aimc_dispatch_table *t = aimc_dispatch_table_from_mapping(p->mapping, err);
    if (!t || p->engine_chip.tile.tiles == p->chip.tile.tiles)
        return t;
    /* Same entries, blocks and order; only (tile, tier) becomes the one-tier tile (tile * tiers + tier, 0). */
    uint32_t layers = aimc_dispatch_table_layers(t), units = aimc_dispatch_table_units(t);
    uint32_t phases = aimc_dispatch_table_phases(t), tiers = p->chip.tile.tiers;
    aimc_dispatch_table *r = aimc_dispatch_table_create(layers, units, phases);
    int rc = r ? 0 : aimc_fail(err, "dispatch table: out of memory");
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
    aimc_dispatch_table_destroy(t);
    if (rc) {
        aimc_dispatch_table_destroy(r);
        return NULL;
    }
    aimc_dispatch_table_finish(r);
    return r;
}

void aimc_plan_release(aimc_plan *p)
{
    aimc_mapping_destroy(p->mapping);
    aimc_assignment_destroy(p->assignment);
    aimc_routing_trace_destroy(p->trace);
    aimc_weights_close(p->weights);
    memset(p, 0, sizeof *p);
}
