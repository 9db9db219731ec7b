#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "expert_scores.h"
#include "output_file.h"
#include "routing.h"

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
    aimc_routing_trace *t = r ? aimc_routing_trace_from_router(m, r, (uint32_t)a->sample_tokens, err) : NULL;
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

int aimc_plan_build(const aimc_plan_args *a, aimc_plan *p, aimc_error *err)
{
    memset(p, 0, sizeof *p);
    if (load_inputs(a, p, err) || !(p->assignment = assign(a, p, err)))
        return -1;
    aimc_mapping_options mo = {p->strategy, p->trace};
    p->mapping = aimc_mapping_create(&p->model, p->assignment, &p->chip, &mo, err);
    return p->mapping ? 0 : -1;
}

void aimc_plan_release(aimc_plan *p)
{
    aimc_mapping_destroy(p->mapping);
    aimc_assignment_destroy(p->assignment);
    aimc_routing_trace_destroy(p->trace);
    aimc_weights_close(p->weights);
    memset(p, 0, sizeof *p);
}
