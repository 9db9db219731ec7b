/* A plan: what a run runs on.  The model, the chip, the digital/analog assignment (scored from the checkpoint's
 * weights or a routing trace when the criterion needs them), the mapping of the analog matrices onto tiles and
 * tiers, and the dispatch table the MVM backends read.  The command line, studies, sweeps and the Python API
 * build one from typed options; `aimc3d map` and `aimc3d run` place a model the same way for the same options. */
#ifndef AIMC_PLAN_H
#define AIMC_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "engine/dispatch_table.h"
#include "system/chip_config.h"
#include "workload/assignment.h"
#include "workload/mapping.h"
#include "workload/moe_model.h"
#include "workload/routing_trace.h"
#include "workload/weights.h"

typedef struct {
    const char *model;         /* preset name, model JSON, HF config.json or family spec */
    const char *chip;          /* chip preset name or JSON file */
    const char *weights;       /* safetensors file or folder, or NULL */
    const char *routing_trace; /* routing trace file (criteria statistics, coselect mapping, replay), or NULL */
    aimc_assignment_options assign;
    aimc_strategy strategy;
    uint64_t seed;             /* random criterion, sampled co-selection statistics */
    uint32_t sample_tokens;    /* tokens of the sampled co-selection statistics when no trace is given */
    uint32_t tiles, tiers;     /* 0 keeps the chip's */
    bool fit;                  /* tiles = ceil(analog blocks / tiers) (excludes tiles) */
    bool no_ott;               /* ablation: a tile's tiers compute in parallel (see aimc_plan_engine_chip) */
} aimc_plan_options;

/* Defaults every caller shares: heterogeneous, no digital experts, criterion max-neuron-norm ranked per layer,
 * greedy mapping, seed 1, 4096 sampled tokens. */
void aimc_plan_options_defaults(aimc_plan_options *o);

/* What the options lack for their criterion or strategy, checked before anything is loaded. */
bool aimc_criterion_needs_weights(aimc_criterion c);
bool aimc_criterion_needs_trace(aimc_criterion c);

typedef struct aimc_plan aimc_plan;

aimc_plan *aimc_plan_create(const aimc_plan_options *o, aimc_error *err);
void aimc_plan_destroy(aimc_plan *p);

const aimc_plan_options *aimc_plan_options_of(const aimc_plan *p);
const aimc_moe_model *aimc_plan_model(const aimc_plan *p);
const aimc_chip_config *aimc_plan_chip(const aimc_plan *p);
/* The chip the MVM backend runs: the chip itself, or with no_ott its tiles x tiers one-tier tiles without
 * switch cost (tile t, tier r becomes one-tier tile t * tiers + r).  Area and digital units stay the chip's. */
const aimc_chip_config *aimc_plan_engine_chip(const aimc_plan *p);
const aimc_assignment *aimc_plan_assignment(const aimc_plan *p);
const aimc_mapping *aimc_plan_mapping(const aimc_plan *p);
/* The loaded checkpoint and routing trace, or NULL when the options named none (a sampled co-selection trace
 * counts as the plan's trace). */
aimc_weights *aimc_plan_weights(const aimc_plan *p);
const aimc_routing_trace *aimc_plan_routing_trace(const aimc_plan *p);
/* Crossbar blocks of the analog matrices (the tiers the mapping fills). */
uint64_t aimc_plan_analog_blocks(const aimc_plan *p);
/* The dispatch table of the mapping on the engine chip's tiles (remapped under no_ott). */
const aimc_dispatch_table *aimc_plan_dispatch_table(const aimc_plan *p);
/* The physical tile of an engine tile (the identity unless no_ott). */
uint32_t aimc_plan_physical_tile(const aimc_plan *p, uint32_t engine_tile);

#endif
