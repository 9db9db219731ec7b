#include "run/plan_args.h"

#include <string.h>

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

void aimc_plan_args_defaults(aimc_plan_args *a, const char *command)
{
    *a = (aimc_plan_args){.criterion = "max-neuron-norm", .ranking = "per-layer", .setting = "heterogeneous",
                          .strategy = "greedy", .seed = 1, .sample_tokens = 4096, .command = command};
}

int aimc_plan_args_options(const aimc_plan_args *a, aimc_plan_options *o, aimc_error *err)
{
    int criterion = 0, ranking = 0, setting = 0, strategy = 0;
    const char *cmd = a->command;
    if (!a->model || !a->chip)
        return aimc_fail(err, "%s: expected --model and --chip (see aimc3d %s --help)", cmd, cmd);
    if (parse_choice(cmd, "--criterion", a->criterion, aimc_criterion_parse,
                     "max-neuron-norm, activation-frequency, mean-routing-weight, router-norm, random", &criterion, err) ||
        parse_choice(cmd, "--ranking", a->ranking, parse_ranking, "per-layer, global", &ranking, err) ||
        parse_choice(cmd, "--setting", a->setting, aimc_setting_parse, "heterogeneous, all-analog", &setting, err) ||
        parse_choice(cmd, "--strategy", a->strategy, aimc_strategy_parse, "greedy, stacked, coselect", &strategy, err))
        return -1;
    if (a->fit && a->tiles)
        return aimc_fail(err, "%s: expected --fit or --tiles, not both (--fit computes the tile count)", cmd);
    if (a->fraction > 0 && aimc_criterion_needs_trace((aimc_criterion)criterion) && !a->trace)
        return aimc_fail(err, "%s --criterion %s: expected --routing-trace FILE (the statistics come from a trace)",
                         cmd, a->criterion);
    if (a->fraction > 0 && aimc_criterion_needs_weights((aimc_criterion)criterion) && !a->weights)
        return aimc_fail(err, "%s --criterion %s: expected --weights FILE (the model's safetensors file or folder)",
                         cmd, a->criterion);
    aimc_plan_options_defaults(o);
    o->model = a->model;
    o->chip = a->chip;
    o->weights = a->weights;
    o->routing_trace = a->trace;
    o->assign = (aimc_assignment_options){(aimc_setting)setting, a->fraction, (aimc_criterion)criterion, ranking == 1};
    o->strategy = (aimc_strategy)strategy;
    o->seed = (uint64_t)a->seed;
    o->sample_tokens = (uint32_t)a->sample_tokens;
    o->tiles = (uint32_t)a->tiles;
    o->tiers = (uint32_t)a->tiers;
    o->fit = a->fit;
    o->no_ott = a->no_ott;
    return 0;
}

aimc_plan *aimc_plan_args_create(const aimc_plan_args *a, aimc_error *err)
{
    aimc_plan_options o;
    return aimc_plan_args_options(a, &o, err) ? NULL : aimc_plan_create(&o, err);
}
