/* Scores that rank routed experts for the heterogeneous assignment (assignment.h): the higher, the more an
 * expert deserves digital hardware.
 *   max-neuron-norm       prod over the expert's matrices (gate, up, down) of the largest L2 norm of a
 *                         neuron's weight vector, i.e. of a row of the [out, in] weight (Chowdhury et al.,
 *                         arXiv 2603.02633; CALIBRATION.md section 2)
 *   router-norm           L2 norm of the expert's row of the router weight
 *   activation-frequency  fraction of the trace's tokens that select the expert
 *   mean-routing-weight   mean gate of the expert over the tokens that select it (0 if none)
 *   random                uniform in [0, 1), from the seed and (layer, expert) */
#ifndef AIMC_EXPERT_SCORES_H
#define AIMC_EXPERT_SCORES_H

#include <stdint.h>

#include "core/aimc_error.h"
#include "workload/assignment.h"
#include "workload/moe_model.h"
#include "workload/routing_trace.h"
#include "workload/weights.h"

typedef struct {
    const aimc_weights *weights;     /* max-neuron-norm, router-norm */
    const aimc_routing_trace *trace; /* activation-frequency, mean-routing-weight */
    uint64_t seed;                   /* random */
} aimc_score_inputs;

/* Fills scores[layer * experts + expert] for every MoE layer (rows of dense layers are set to 0). */
int aimc_expert_scores(const aimc_moe_model *m, aimc_criterion c, const aimc_score_inputs *in, double *scores,
                       aimc_error *err);

#endif
