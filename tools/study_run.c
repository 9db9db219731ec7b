#include "study_run.h"

#include <string.h>

#include "run/run.h"

static void collect(const aimc_plan *p, const aimc_run *run, aimc_point_result *r)
{
    aimc_run_counters c;
    aimc_run_counters_of(run, &c);
    r->model = *aimc_plan_model(p);
    aimc_moe_model_params(&r->model, &r->params);
    r->tiles = aimc_plan_chip(p)->tile.tiles;
    r->tiers = aimc_plan_chip(p)->tile.tiers;
    r->analog_blocks = aimc_plan_analog_blocks(p);
    r->fig = *aimc_run_figures_get(run);
    for (int k = 0; k < AIMC_E_COUNT; k++)
        r->energy[k] = aimc_ledger_chip_energy(aimc_run_ledger(run), (aimc_energy_component)k);
    const aimc_stats *stats = aimc_run_stats(run);
    r->tier_mvms = aimc_stats_value(stats, "tier_mvms");
    r->tier_switches = aimc_stats_value(stats, "tier_switches");
    r->ott_conflict_cycles = c.ott_conflict_cycles;
    r->dram_busy_cycles = aimc_stats_value(stats, "dram_busy_cycles");
    r->mean_latency_ns = c.mean_latency_ns;
    r->decode_wall_s = c.decode_wall_s;
    r->decode_cpu_s = c.decode_cpu_s;
    if (aimc_run_gpu(run))
        r->gpu = *aimc_run_gpu(run);
}

int aimc_point_run(const aimc_point_args *a, aimc_point_result *r, aimc_error *err)
{
    memset(r, 0, sizeof *r);
    aimc_run_options o;
    aimc_run_options_defaults(&o);
    o.batch = a->batch;
    o.tokens = a->tokens;
    o.prompt = a->prompt;
    o.gpu = a->gpu;
    o.gpu_weight_bytes = a->gpu_weight_bytes;
    aimc_plan *p = aimc_plan_args_create(&a->plan, err);
    aimc_run *run = NULL;
    if (p && a->progress) {
        char label[sizeof a->progress->label];
        memcpy(label, a->progress->label, sizeof label); /* start clears the struct */
        aimc_progress_start(a->progress, aimc_plan_chip(p)->clock_period_ps, label);
        o.progress = aimc_progress_tokens;
        o.progress_ctx = a->progress;
    }
    int rc = p && (run = aimc_run_create(p, &o, err)) ? aimc_run_decode(run, err) : -1;
    if (p && a->progress)
        aimc_progress_end(a->progress);
    if (!rc)
        collect(p, run, r);
    aimc_run_destroy(run);
    aimc_plan_destroy(p);
    return rc;
}
