/* aimc3d map: a model's heterogeneous analog/digital assignment and its mapping onto a chip's tiles and tiers;
 * prints the report and writes the mapping table (JSON, docs/file-formats-models.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chip_config.h"
#include "cli.h"
#include "expert_scores.h"
#include "json_config.h"
#include "mapping_report.h"
#include "output_file.h"
#include "routing.h"
#include "weights.h"

typedef struct {
    const char *model, *chip, *weights, *criterion, *ranking, *setting, *strategy, *trace, *out;
    double fraction;
    long seed, sample_tokens, tiles, tiers; /* tiles, tiers: 0 keeps the chip's */
} map_args;

typedef struct {
    aimc_moe_model model;
    aimc_chip_config chip;
    aimc_digital_expert_config engine;
    bool has_engine;
    aimc_assignment_options assign;
    aimc_strategy strategy;
    aimc_weights *weights;
    aimc_routing_trace *trace;
} map_inputs;

static int parse_choice(const char *flag, const char *value, int (*parse)(const char *), const char *expected,
                        int *out, aimc_error *err)
{
    int v = parse(value);
    if (v < 0)
        return aimc_fail(err, "map %s: expected one of %s, found \"%s\"", flag, expected, value);
    *out = v;
    return 0;
}

static int parse_ranking(const char *name)
{
    return strcmp(name, "per-layer") == 0 ? 0 : strcmp(name, "global") == 0 ? 1 : -1;
}

static int parse_choices(const map_args *a, map_inputs *in, aimc_error *err)
{
    int criterion = 0, ranking = 0, setting = 0, strategy = 0;
    if (parse_choice("--criterion", a->criterion, aimc_criterion_parse,
                     "max-neuron-norm, activation-frequency, mean-routing-weight, router-norm, random", &criterion, err) ||
        parse_choice("--ranking", a->ranking, parse_ranking, "per-layer, global", &ranking, err) ||
        parse_choice("--setting", a->setting, aimc_setting_parse, "heterogeneous, all-analog", &setting, err) ||
        parse_choice("--strategy", a->strategy, aimc_strategy_parse, "greedy, stacked, coselect", &strategy, err))
        return -1;
    in->assign = (aimc_assignment_options){(aimc_setting)setting, a->fraction, (aimc_criterion)criterion, ranking == 1};
    in->strategy = (aimc_strategy)strategy;
    return 0;
}

/* The chip's digital expert engine, when its preset has one (the report then prints what an expert costs). */
static int load_engine(map_inputs *in, aimc_error *err)
{
    json_object *root = aimc_json_load_file(in->chip.path, err);
    if (!root)
        return -1;
    in->has_engine = json_object_object_get_ex(root, "digital_expert_engine", NULL);
    int rc = in->has_engine ? aimc_digital_expert_config_load(root, in->chip.path, &in->engine, err) : 0;
    json_object_put(root);
    return rc;
}

/* Co-selection statistics sampled when no trace is given: the system router's co-selection mode (experts in
 * seeded pairs, the partner picked with probability 0.5) over sample_tokens tokens. */
static aimc_routing_trace *sample_trace(const map_args *a, const aimc_moe_model *m, aimc_error *err)
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

static int load_routing(const map_args *a, map_inputs *in, aimc_error *err)
{
    bool scoring = in->assign.digital_expert_fraction > 0 && in->model.experts > 0;
    if (a->trace) {
        in->trace = aimc_routing_trace_load(a->trace, &in->model, err);
        return in->trace ? 0 : -1;
    }
    if (scoring && criterion_needs_trace(in->assign.criterion))
        return aimc_fail(err, "map --criterion %s: expected --routing-trace FILE (the statistics come from a trace)",
                         a->criterion);
    if (in->strategy == AIMC_STRATEGY_COSELECT && in->model.experts > 0) {
        in->trace = sample_trace(a, &in->model, err);
        return in->trace ? 0 : -1;
    }
    return 0;
}

static int load_inputs(const map_args *a, map_inputs *in, aimc_error *err)
{
    if (!a->model || !a->chip)
        return aimc_fail(err, "map: expected --model and --chip (see aimc3d map --help)");
    if (parse_choices(a, in, err) || (a->out && aimc_output_check_writable(a->out, err)) ||
        aimc_moe_model_load(a->model, &in->model, err) || aimc_chip_config_load(a->chip, &in->chip, err) ||
        load_engine(in, err) || load_routing(a, in, err))
        return -1;
    if (a->tiles)
        in->chip.tile.tiles = (uint32_t)a->tiles;
    if (a->tiers)
        in->chip.tile.tiers = (uint32_t)a->tiers;
    bool needs_weights = in->assign.criterion == AIMC_CRITERION_MAX_NEURON_NORM ||
                         in->assign.criterion == AIMC_CRITERION_ROUTER_NORM;
    if (in->assign.digital_expert_fraction > 0 && needs_weights && !a->weights)
        return aimc_fail(err, "map --criterion %s: expected --weights FILE (the model's safetensors file or folder)",
                         a->criterion);
    if (a->weights && !(in->weights = aimc_weights_open(a->weights, err)))
        return -1;
    return 0;
}

static aimc_assignment *assign(const map_args *a, const map_inputs *in, aimc_error *err)
{
    const aimc_moe_model *m = &in->model;
    double *scores = NULL;
    if (in->assign.digital_expert_fraction > 0 && m->experts > 0) {
        scores = malloc((size_t)m->layers * m->experts * sizeof *scores);
        aimc_score_inputs si = {in->weights, in->trace, (uint64_t)a->seed};
        if (!scores) {
            aimc_fail(err, "map: out of memory");
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

static int run(const map_args *a, aimc_error *err)
{
    map_inputs in = {0};
    aimc_assignment *as = NULL;
    aimc_mapping *mp = NULL;
    int rc = load_inputs(a, &in, err);
    if (rc == 0 && !(as = assign(a, &in, err)))
        rc = -1;
    aimc_mapping_options mo = {in.strategy, in.trace};
    if (rc == 0 && !(mp = aimc_mapping_create(&in.model, as, &in.chip, &mo, err)))
        rc = -1;
    if (rc == 0 && a->out)
        rc = aimc_mapping_write_json(mp, as, a->out, err);
    if (rc == 0) {
        aimc_mapping_print_report(mp, as, in.has_engine ? &in.engine : NULL, stdout);
        if (a->out)
            printf("mapping written to %s\n", a->out);
    }
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(as);
    aimc_routing_trace_destroy(in.trace);
    aimc_weights_close(in.weights);
    return rc;
}

int aimc_cli_map(int argc, char **argv)
{
    map_args a = {.criterion = "max-neuron-norm", .ranking = "per-layer", .setting = "heterogeneous",
                  .strategy = "greedy", .seed = 1, .sample_tokens = 4096};
    const aimc_cli_opt opts[] = {
        {"--model", CLI_STRING, &a.model, 0, 0, "model: preset name, model JSON, HF config.json or family spec"},
        {"--chip", CLI_STRING, &a.chip, 0, 0, "chip: preset name or chip JSON"},
        {"--tiles", CLI_LONG, &a.tiles, 1, 1 << 20, "override the chip's number of tiles"},
        {"--tiers", CLI_LONG, &a.tiers, 2, 256, "override the chip's tiers per tile (the 3D stack height)"},
        {"--weights", CLI_STRING, &a.weights, 0, 0, "the model's safetensors file or folder of shards"},
        {"--digital-experts", CLI_DOUBLE, &a.fraction, 0, 1, "fraction of routed experts made digital (default 0)"},
        {"--criterion", CLI_STRING, &a.criterion, 0, 0,
         "max-neuron-norm (default), activation-frequency, mean-routing-weight, router-norm, random"},
        {"--ranking", CLI_STRING, &a.ranking, 0, 0, "per-layer (default) or global ranking of the experts"},
        {"--setting", CLI_STRING, &a.setting, 0, 0, "heterogeneous (default) or all-analog (the 3D AIMC paper's)"},
        {"--strategy", CLI_STRING, &a.strategy, 0, 0, "greedy (default), stacked or coselect"},
        {"--routing-trace", CLI_STRING, &a.trace, 0, 0, "routing trace (aimc3d-routing-trace/1 JSON lines)"},
        {"--sample-tokens", CLI_LONG, &a.sample_tokens, 1, 1e7,
         "tokens sampled for co-selection statistics without a trace (default 4096)"},
        {"--seed", CLI_LONG, &a.seed, 0, 4294967295.0, "seed of the random criterion and of sampling (default 1)"},
        {"--out", CLI_STRING, &a.out, 0, 0, "write the mapping table here (JSON, aimc3d-mapping/1)"},
    };
    aimc_error err;
    int p = aimc_cli_parse("map", argc, argv, opts, sizeof opts / sizeof opts[0],
                           "Assigns every matrix of a model to analog tiers or digital units and maps the analog ones\n"
                           "onto the chip's tiles and tiers; prints the report, writes the table with --out.",
                           &err);
    if (p != 0)
        return p > 0 ? 0 : aimc_cli_error(&err);
    return run(&a, &err) ? aimc_cli_error(&err) : 0;
}
