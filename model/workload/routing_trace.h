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

#include "aimc_error.h"
#include "moe_model.h"

typedef struct aimc_routing_trace aimc_routing_trace;

/* Reads a trace for model m (layers, experts and top_k must match the model's).  Errors carry file:line. */
aimc_routing_trace *aimc_routing_trace_load(const char *path, const aimc_moe_model *m, aimc_error *err);

/* Samples `tokens` tokens: in every MoE layer, expert popularity follows a Zipf law of exponent `skew`
 * (0: uniform) over a seeded random order of the experts; each token draws top_k distinct experts in
 * proportion to popularity, and random gates that sum to 1 (largest first). */
aimc_routing_trace *aimc_routing_trace_sample(const aimc_moe_model *m, uint32_t tokens, double skew, uint64_t seed,
                                              aimc_error *err);

/* Writes the trace in the file format above (atomically). */
int aimc_routing_trace_write(const aimc_routing_trace *t, const char *path, aimc_error *err);
void aimc_routing_trace_destroy(aimc_routing_trace *t);

uint32_t aimc_routing_trace_tokens(const aimc_routing_trace *t);
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
