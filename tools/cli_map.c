/* aimc3d map: a model's heterogeneous analog/digital assignment and its mapping onto a chip's tiles and tiers;
 * prints the report and writes the mapping table (JSON, docs/file-formats-models.md). */
#include <stdio.h>

#include "cli.h"
#include "core/output_file.h"
#include "run/plan_args.h"
#include "workload/mapping_report.h"

typedef struct {
    aimc_plan_args plan;
    const char *out;
} map_args;

static int run(const map_args *a, aimc_error *err)
{
    const aimc_named_path outs[] = {{"map --out", a->out}};
    const aimc_named_path ins[] = {{"--model", a->plan.model}, {"--chip", a->plan.chip},
                                   {"--routing-trace", a->plan.trace}, {"--weights", a->plan.weights}};
    if (aimc_outputs_check(outs, 1, ins, sizeof ins / sizeof ins[0], err))
        return -1;
    aimc_plan *p = aimc_plan_args_create(&a->plan, err);
    int rc = p ? 0 : -1;
    if (rc == 0 && a->out)
        rc = aimc_mapping_write_json(aimc_plan_mapping(p), aimc_plan_assignment(p), a->out, err);
    if (rc == 0) {
        aimc_mapping_print_report(aimc_plan_mapping(p), aimc_plan_assignment(p), &aimc_plan_chip(p)->digital_expert,
                                  stdout);
        if (a->out)
            printf("mapping written to %s\n", a->out);
    }
    aimc_plan_destroy(p);
    return rc;
}

int aimc_cli_map(int argc, char **argv)
{
    map_args a = {.out = NULL};
    aimc_plan_args_defaults(&a.plan, "map");
    const aimc_cli_opt opts[] = {
        {"--model", CLI_STRING, &a.plan.model, 0, 0, "model: preset name, model JSON, HF config.json or family spec"},
        {"--chip", CLI_STRING, &a.plan.chip, 0, 0, "chip: preset name or chip JSON"},
        {"--tiles", CLI_LONG, &a.plan.tiles, 1, 1 << 20, "override the chip's number of tiles"},
        {"--tiers", CLI_LONG, &a.plan.tiers, 2, 256, "override the chip's tiers per tile (the 3D stack height)"},
        {"--weights", CLI_STRING, &a.plan.weights, 0, 0, "the model's safetensors file or folder of shards"},
        {"--digital-experts", CLI_DOUBLE, &a.plan.fraction, 0, 1, "fraction of routed experts made digital (default 0)"},
        {"--criterion", CLI_STRING, &a.plan.criterion, 0, 0,
         "max-neuron-norm (default), activation-frequency, mean-routing-weight, router-norm, random"},
        {"--ranking", CLI_STRING, &a.plan.ranking, 0, 0, "per-layer (default) or global ranking of the experts"},
        {"--setting", CLI_STRING, &a.plan.setting, 0, 0, "heterogeneous (default) or all-analog (the 3D AIMC paper's)"},
        {"--strategy", CLI_STRING, &a.plan.strategy, 0, 0, "greedy (default), stacked or coselect"},
        {"--routing-trace", CLI_STRING, &a.plan.trace, 0, 0, "routing trace (aimc3d-routing-trace/1 JSON lines)"},
        {"--sample-tokens", CLI_LONG, &a.plan.sample_tokens, 1, 1e7,
         "tokens sampled for co-selection statistics without a trace (default 4096)"},
        {"--seed", CLI_LONG, &a.plan.seed, 0, 4294967295.0, "seed of the random criterion and of sampling (default 1)"},
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
