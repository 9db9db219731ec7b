/* A run's options by name, as `aimc3d run` and the Python API (model/api) take them: names as typed, checked
 * against each other and turned into the plan's and the run's typed options, every error naming the flag.
 * One place, so that the command line and the API refuse the same input with the same line. */
#ifndef AIMC_RUN_ARGS_H
#define AIMC_RUN_ARGS_H

#include <stdbool.h>

#include "report/gpu_comparison.h"
#include "run/plan_args.h"
#include "run/run.h"

typedef struct {
    aimc_plan_args plan;
    const char *engine, *routing, *trace, *report, *csv, *gpu, *record, *routing_record, *saif, *saif_window;
    long tokens, batch, prompt;
    double zipf, partner, gpu_weight_bytes;
    bool prefill, no_kv_cache, per_layer;
} aimc_run_args;

/* `aimc3d run`'s defaults: engine cosim, uniform routing, 8 tokens, batch 1, prompt 64, GPU a100 at 2 bytes. */
void aimc_run_args_defaults(aimc_run_args *a);
/* The run's typed options (o->gpu points at *gpu, loaded from a->gpu), or -1 with "run --<flag>: expected ...".
 * The progress callback is left unset. */
int aimc_run_args_options(const aimc_run_args *a, aimc_run_options *o, aimc_gpu_config *gpu, aimc_error *err);

#endif
