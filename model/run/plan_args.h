/* The plan's options by name (`aimc3d map`, `aimc3d run`, studies): names as typed, turned into the
 * library's typed plan options (model/run/plan.h) with every error naming the flag. */
#ifndef AIMC_PLAN_ARGS_H
#define AIMC_PLAN_ARGS_H

#include <stdbool.h>

#include "run/plan.h"

typedef struct {
    const char *model, *chip, *weights, *criterion, *ranking, *setting, *strategy, *trace;
    double fraction; /* of the routed experts kept digital */
    long seed, sample_tokens, tiles, tiers; /* tiles, tiers: 0 keeps the chip's */
    bool fit, no_ott;
    const char *command; /* "map", "run", ... for messages */
} aimc_plan_args;

/* criterion max-neuron-norm, per-layer ranking, heterogeneous, greedy, seed 1, 4096 sampled tokens. */
void aimc_plan_args_defaults(aimc_plan_args *a, const char *command);
/* The typed options, or -1 with "<command> --<flag>: expected ..." on a bad name or a missing input. */
int aimc_plan_args_options(const aimc_plan_args *a, aimc_plan_options *o, aimc_error *err);
aimc_plan *aimc_plan_args_create(const aimc_plan_args *a, aimc_error *err);

#endif
