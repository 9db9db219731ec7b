/* One point of bench_fast: a whole-model decode on the fast engine (plan, dispatch table, uniform sampled routing,
 * sequencer) and its GPU comparison, reduced to the figures the study tables hold, with the decode's own wall and
 * CPU time.  The same plan and run facade calls as a sweep point (model/sweep/sweep_dir.c), which `aimc3d study`
 * runs, without the report and the result file. */
#ifndef AIMC_STUDY_RUN_H
#define AIMC_STUDY_RUN_H

#include <stdint.h>

#include "run/plan_args.h"
#include "progress.h"
#include "report/gpu_comparison.h"
#include "report/run_summary.h"

typedef struct {
    aimc_plan_args plan;          /* model, chip, setting, fit, no_ott, tiers, seed, ... */
    uint32_t batch, tokens, prompt;
    const aimc_gpu_config *gpu;   /* NULL: no GPU side */
    double gpu_weight_bytes;      /* <= 0: the GPU preset's */
    aimc_progress *progress;      /* NULL: none */
} aimc_point_args;

typedef struct {
    aimc_moe_model model;
    aimc_param_counts params;
    uint32_t tiles, tiers;        /* the chip's (physical) */
    uint64_t analog_blocks;
    aimc_run_figures fig;
    aimc_fJ energy[AIMC_E_COUNT]; /* chip totals by component */
    uint64_t tier_mvms, tier_switches, ott_conflict_cycles, dram_busy_cycles;
    double mean_latency_ns;       /* per token, start to end */
    double decode_wall_s;         /* wall time of the decode alone (no plan, no mapping) */
    double decode_cpu_s;          /* CPU time of this process during the decode */
    aimc_gpu_comparison gpu;      /* zero when no GPU was given */
} aimc_point_result;

int aimc_point_run(const aimc_point_args *a, aimc_point_result *r, aimc_error *err);

#endif
