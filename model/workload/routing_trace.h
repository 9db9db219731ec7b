/* Routing traces: which top_k experts (and with which gate values) every token selected in every MoE layer.
 * The file format, "aimc3d-routing-trace/1", is JSON lines (docs/file-formats-models.md):
 *
 *   {"format": "aimc3d-routing-trace/1", "model": "olmoe-1b-7b", "layers": 16, "experts": 64, "top_k": 8}
 *   {"token": 0, "layer": 0, "experts": [12, 3, ...], "gates": [0.21, 0.13, ...]}
 *   ...
 *
 * One record per (token, MoE layer), token by token from 0, the MoE layers of a token in increasing order;
 * every line ends with a newline.  A file that stops inside a token, or inside a line, is truncated and
 * refused.  The mapper's co-selection strategy and the assignment's frequency and routing-weight criteria
 * read it; the engines replay it. */
#ifndef AIMC_ROUTING_TRACE_H
#define AIMC_ROUTING_TRACE_H

#include <stdint.h>

#include "core/aimc_error.h"
#include "workload/moe_model.h"

typedef struct aimc_routing_trace aimc_routing_trace;

/* Reads a trace for model m (layers, experts and top_k must match the model's).  Errors carry file:line. */
aimc_routing_trace *aimc_routing_trace_load(const char *path, const aimc_moe_model *m, aimc_error *err);

/* An empty trace for model m, filled record by record with aimc_routing_trace_append (for traces recorded
 * by a run, or sampled by model/system/routing.h). */
aimc_routing_trace *aimc_routing_trace_create(const aimc_moe_model *m, aimc_error *err);
/* Appends the record of the next (token, MoE layer), in the file's order: token by token from 0, the MoE
 * layers of a token in increasing order.  experts: top_k distinct ids < experts; gates: top_k finite
 * values >= 0.  A token counts once all its MoE layers are in. */
int aimc_routing_trace_append(aimc_routing_trace *t, uint32_t token, uint32_t layer, const uint32_t *experts,
                              const double *gates, aimc_error *err);

/* Writes the trace in the file format above (atomically). */
int aimc_routing_trace_write(const aimc_routing_trace *t, const char *path, aimc_error *err);
void aimc_routing_trace_destroy(aimc_routing_trace *t);

uint32_t aimc_routing_trace_tokens(const aimc_routing_trace *t);
/* Fails unless the trace's layers, dense layers, experts and top_k are model m's. */
int aimc_routing_trace_check_model(const aimc_routing_trace *t, const aimc_moe_model *m, aimc_error *err);
uint32_t aimc_routing_trace_top_k(const aimc_routing_trace *t);
/* The top_k experts and gates of `token` in `layer`; NULL when layer is not an MoE layer. */
const uint32_t *aimc_routing_trace_experts(const aimc_routing_trace *t, uint32_t token, uint32_t layer);
const float *aimc_routing_trace_gates(const aimc_routing_trace *t, uint32_t token, uint32_t layer);

/* Per expert of an MoE layer: how many tokens selected it, and the sum of its gates over those tokens
 * (arrays of `experts` entries; either may be NULL). */
void aimc_routing_trace_expert_stats(const aimc_routing_trace *t, uint32_t layer, uint64_t *selected,
                                     double *gate_sum);
/* How many tokens selected both e and f in `layer`: counts[e * experts + f], symmetric, zero diagonal. */
void aimc_routing_trace_coselection(const aimc_routing_trace *t, uint32_t layer, uint64_t *counts);

#endif
