/* Heterogeneous analog/digital assignment: every matrix of a model is placed on analog tiers, on digital
 * units, or (the embedding in the heterogeneous setting) read as a lookup table.
 *
 * Settings:
 *   heterogeneous (default; Chowdhury et al., arXiv 2603.02633): attention projections, the LM head, the
 *     router, shared experts and dense FFNs digital (densely activated, hence noise-sensitive), the
 *     embedding a lookup; routed experts analog except a fraction chosen by a criterion;
 *   all-analog (the 3D AIMC paper, Buechel et al. 2025): every projection analog, including the embedding
 *     as a one-hot MVM; the fraction of digital routed experts still applies when asked for.
 * A fraction f of the routed experts is made digital: the round(f x E) highest-scoring experts of every
 * MoE layer (per-layer ranking), or the round(f x E x MoE layers) highest over the whole model (global).
 * Ties go to the lower (layer, expert). */
#ifndef AIMC_ASSIGNMENT_H
#define AIMC_ASSIGNMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "workload/matrices.h"
#include "workload/moe_model.h"

typedef enum { AIMC_PLACE_ANALOG, AIMC_PLACE_DIGITAL, AIMC_PLACE_LOOKUP, AIMC_PLACE_COUNT } aimc_placement;

typedef enum { AIMC_SETTING_HETEROGENEOUS, AIMC_SETTING_ALL_ANALOG, AIMC_SETTING_COUNT } aimc_setting;

typedef enum {
    AIMC_CRITERION_MAX_NEURON_NORM,      /* product over an expert's matrices of its largest row L2 norm */
    AIMC_CRITERION_ACTIVATION_FREQUENCY, /* how often the expert is selected (routing trace) */
    AIMC_CRITERION_MEAN_ROUTING_WEIGHT,  /* its mean gate value when selected (routing trace) */
    AIMC_CRITERION_ROUTER_NORM,          /* L2 norm of its row of the router weight */
    AIMC_CRITERION_RANDOM,               /* seeded random scores */
    AIMC_CRITERION_COUNT
} aimc_criterion;

typedef struct {
    aimc_setting setting;
    double digital_expert_fraction; /* of the routed experts, in [0, 1] */
    aimc_criterion criterion;
    bool global_ranking;            /* rank all routed experts of the model together, else per layer */
} aimc_assignment_options;

/* Parameters by placement, and the digital share of the model's parameters. */
typedef struct {
    uint64_t params[AIMC_PLACE_COUNT];
    uint64_t embedding;               /* parameters of the embedding table, wherever it is */
    double digital_share;             /* digital / (all but the embedding) */
    double digital_share_with_embedding; /* (digital + a digital or lookup embedding) / all */
    double digital_share_paper;       /* as arXiv 2603.02633 counts it: digital matrices but the router (and
                                         Qwen's shared gate) over all parameters, the embedding included
                                         (OLMoE-1B-7B: 5.37 % dense modules only, 28.65 % with 25 % of experts) */
    uint32_t digital_experts, routed_experts;
} aimc_assignment_stats;

typedef struct aimc_assignment aimc_assignment;

/* scores: one per (layer, expert), row-major [layers][experts], higher = more deserving of digital; rows of
 * dense layers are ignored.  NULL is allowed when the fraction is 0.  Scores must be finite. */
aimc_assignment *aimc_assignment_create(const aimc_moe_model *m, const aimc_assignment_options *o,
                                        const double *scores, aimc_error *err);
void aimc_assignment_destroy(aimc_assignment *a);

const aimc_assignment_options *aimc_assignment_options_of(const aimc_assignment *a);
/* Placement of matrix `index` (matrices.h order). */
aimc_placement aimc_assignment_placement(const aimc_assignment *a, size_t index);
bool aimc_assignment_expert_digital(const aimc_assignment *a, uint32_t layer, uint32_t expert);
void aimc_assignment_stats_of(const aimc_assignment *a, aimc_assignment_stats *out);

const char *aimc_placement_name(aimc_placement p);
const char *aimc_setting_name(aimc_setting s);
const char *aimc_criterion_name(aimc_criterion c);
/* Inverses of the names ("max-neuron-norm", "all-analog", ...); -1 when unknown. */
int aimc_setting_parse(const char *name);
int aimc_criterion_parse(const char *name);

#endif
