/* A chip plan from command-line choices: the model, the chip, the digital/analog assignment (scored from
 * weights or a routing trace when the criterion needs them) and the mapping.  Shared by `aimc3d map` and
 * `aimc3d run`, so both place a model the same way for the same options. */
#ifndef AIMC_PLAN_H
#define AIMC_PLAN_H

#include <stdbool.h>

#include "engine/dispatch_table.h"
#include "system/chip_config.h"
#include "workload/mapping.h"
#include "workload/moe_model.h"
#include "workload/routing_trace.h"
#include "workload/weights.h"

typedef struct {
    const char *model, *chip, *weights, *criterion, *ranking, *setting, *strategy, *trace;
    double fraction;  /* of the routed experts kept digital */
    long seed, sample_tokens, tiles, tiers; /* tiles, tiers: 0 keeps the chip's */
    bool fit;    /* size the tile count to the model: ceil(analog blocks / tiers) (excludes tiles) */
    bool no_ott; /* ablation: the tiers of a tile compute in parallel (fast engine only, see engine_chip) */
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
    uint64_t analog_blocks; /* crossbar blocks of the analog matrices (tiers the mapping fills) */
    /* The chip the MVM backend runs: the chip itself, or with no_ott its tiles x tiers one-tier tiles without
     * switch cost (tile t, tier r becomes one-tier tile t * tiers + r).  Area and digital units stay the chip's. */
    aimc_chip_config engine_chip;
} aimc_plan;

/* Fills the defaults every command shares (criterion max-neuron-norm, per-layer ranking, heterogeneous,
 * greedy, seed 1, 4096 sampled tokens for co-selection statistics). */
void aimc_plan_args_defaults(aimc_plan_args *a, const char *command);
int aimc_plan_build(const aimc_plan_args *a, aimc_plan *p, aimc_error *err);
void aimc_plan_release(aimc_plan *p);

/* The dispatch table of the plan's mapping, on the engine chip's tiles (remapped when no_ott). */
aimc_dispatch_table *aimc_plan_dispatch_table(const aimc_plan *p, aimc_error *err);
/* The physical tile of an engine tile (the identity unless no_ott). */
uint32_t aimc_plan_physical_tile(const aimc_plan *p, uint32_t engine_tile);

#endif
