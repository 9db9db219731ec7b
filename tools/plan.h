/* A chip plan from command-line choices: the model, the chip, the digital/analog assignment (scored from
 * weights or a routing trace when the criterion needs them) and the mapping.  Shared by `aimc3d map` and
 * `aimc3d run`, so both place a model the same way for the same options. */
#ifndef AIMC_PLAN_H
#define AIMC_PLAN_H

#include "chip_config.h"
#include "mapping.h"
#include "moe_model.h"
#include "routing_trace.h"
#include "weights.h"

typedef struct {
    const char *model, *chip, *weights, *criterion, *ranking, *setting, *strategy, *trace;
    double fraction;  /* of the routed experts kept digital */
    long seed, sample_tokens, tiles, tiers; /* tiles, tiers: 0 keeps the chip's */
    const char *command; /* "map" or "run", for messages */
} aimc_plan_args;

typedef struct {
    aimc_moe_model model;
    aimc_chip_config chip;
    aimc_assignment_options assign;
    aimc_strategy strategy;
    aimc_weights *weights;
    aimc_routing_trace *trace;
    aimc_assignment *assignment;
    aimc_mapping *mapping;
} aimc_plan;

/* Fills the defaults every command shares (criterion max-neuron-norm, per-layer ranking, heterogeneous,
 * greedy, seed 1, 4096 sampled tokens for co-selection statistics). */
void aimc_plan_args_defaults(aimc_plan_args *a, const char *command);
int aimc_plan_build(const aimc_plan_args *a, aimc_plan *p, aimc_error *err);
void aimc_plan_release(aimc_plan *p);

#endif
