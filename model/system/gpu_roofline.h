/* GPU baseline: a roofline for MoE decoding (docs/system-models.md).  Per decode step of a batch of B
 * sequences (one new token each) at KV-cache length seq_len:
 *
 *   unique experts per MoE layer  U(B) = E * (1 - (1 - k/E)^B)   (expected distinct experts touched when each
 *                                                                  of B tokens picks k of E uniformly)
 *   bytes = w * (dense_params + moe_layers * U(B) * expert_params + B * d_model)      weights (+ B embedding rows)
 *         + B * attention_layers * 2 * seq_len * kv_dim * kv_bytes_per_element        KV cache read
 *   FLOPs = 2 * B * (dense_params + moe_layers * k * expert_params)                   matrix work
 *         + B * attention_layers * 4 * seq_len * d_model                               QK^T and AV
 *   time  = max(bytes / bandwidth, FLOPs / peak)
 *
 * with w the weight bytes per parameter (default 2, BF16).  The GPU is assumed to draw its board power for the
 * whole step (energy = board power * time): the roofline gives the GPU its best case in time, while power
 * stays at the rated maximum.  Outputs: tokens/s = B / time, energy per token, tokens/s/W, tokens/s/mm^2. */
#ifndef AIMC_GPU_ROOFLINE_H
#define AIMC_GPU_ROOFLINE_H

#include <stdint.h>

#include "core/aimc_error.h"

typedef struct {
    char name[64];
    char path[512];
    double memory_bandwidth_GBps;
    double peak_TFLOPs;         /* dense BF16 tensor throughput */
    double board_power_W;
    double die_area_mm2;
    double weight_bytes_per_param; /* preset default, usually 2 (BF16) */
    double kv_bytes_per_element;   /* preset default, usually 2 (BF16) */
} aimc_gpu_config;

/* Loads model/presets/gpus/<name>.json, or a path.  One error line naming file and field. */
int aimc_gpu_config_load(const char *name_or_path, aimc_gpu_config *gpu, aimc_error *err);

/* The numbers the roofline needs from a model; plain numbers so this module does not depend on the model
 * description.  What the caller fills:
 *   dense_params      every parameter each token's forward pass reads besides the routed experts and the
 *                     input embedding: attention projections, norms, routers, shared experts, dense FFN
 *                     layers, LM head (count a tied LM head here even though it shares the embedding)
 *   expert_params     parameters of one routed expert (all its matrices, e.g. 3 * d_model * hidden for SwiGLU)
 *   moe_layers        layers with routed experts (0 for a dense model)
 *   experts, top_k    routed experts per MoE layer and how many each token picks
 *   attention_layers  layers with attention (usually all layers)
 *   d_model           model width (embedding row size, attention FLOPs)
 *   kv_dim            K (= V) width per layer: d_model for MHA, kv_heads * head_dim with grouped queries */
typedef struct {
    double dense_params;
    double expert_params;
    uint32_t moe_layers;
    uint32_t experts;
    uint32_t top_k;
    uint32_t attention_layers;
    uint32_t d_model;
    uint32_t kv_dim;
    double lm_head_params;  /* the LM head's share of dense_params (a pass computes it for its last token only) */
} aimc_gpu_moe_model;

typedef struct {
    uint32_t batch;                /* B sequences, one token each per decode step */
    uint32_t seq_len;              /* KV-cache length the step attends over */
    double weight_bytes_per_param; /* <= 0: the GPU preset's default */
    double kv_bytes_per_element;   /* <= 0: the GPU preset's default */
} aimc_gpu_workload;

typedef struct {
    double unique_experts;     /* U(B) per MoE layer */
    double weight_bytes;       /* dense + touched experts + embedding rows */
    double kv_bytes;
    double total_bytes;
    double flops;
    double memory_time_s;      /* total_bytes / bandwidth */
    double compute_time_s;     /* flops / peak */
    double step_time_s;        /* the larger of the two */
    int compute_bound;         /* 1 when compute_time_s > memory_time_s */
    double tokens_per_s;
    double energy_per_token_J;
    double tokens_per_s_per_W;
    double tokens_per_s_per_mm2;
} aimc_gpu_result;

/* E * (1 - (1 - k/E)^B); 0 when E is 0. */
double aimc_gpu_expected_unique_experts(uint32_t experts, uint32_t top_k, uint32_t batch);

/* One decode step.  Fails (one line naming the input) on an inconsistent model (top_k > experts, a MoE layer
 * with no experts, ...) or a zero batch. */
int aimc_gpu_roofline(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model, const aimc_gpu_workload *work,
                      aimc_gpu_result *out, aimc_error *err);

/* A pass of `positions` tokens per sequence through the model at once (the prefill of a prompt, or a prefix
 * re-run without a KV cache), N = B * positions tokens, the LM head for each sequence's last token only:
 *   bytes = w * (dense_params + moe_layers * U(N) * expert_params + N * d_model)
 *         + (write_kv ? B * attention_layers * 2 * positions * kv_dim * kv_bytes_per_element : 0)   K, V written
 *   FLOPs = 2 * (N * (active_params - lm_head_params) + B * lm_head_params)
 *         + B * attention_layers * 4 * d_model * positions * (positions + 1) / 2       causal QK^T and AV
 *   time  = max(bytes / bandwidth, FLOPs / peak)  (compute bound at long prompts: FLOPs grow with N, weights
 *   stay read once).  tokens/s and energy per token are per position of the pass. */
typedef struct {
    uint32_t batch;
    uint32_t positions;
    int write_kv;                  /* the pass fills the KV cache (prefill with a KV cache) */
    double weight_bytes_per_param; /* <= 0: the GPU preset's default */
    double kv_bytes_per_element;   /* <= 0: the GPU preset's default */
} aimc_gpu_pass_workload;

int aimc_gpu_pass_roofline(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model,
                           const aimc_gpu_pass_workload *work, aimc_gpu_result *out, aimc_error *err);

/* The smallest batch in [1, max_batch] at which the step becomes compute bound (work->batch is ignored; its
 * seq_len and byte widths are used), or 0 if it stays memory bound or the inputs are invalid.  FLOPs grow
 * linearly in B while bytes grow concavely from a non-negative intercept, so once crossed it stays crossed. */
uint32_t aimc_gpu_crossover_batch(const aimc_gpu_config *gpu, const aimc_gpu_moe_model *model,
                                  const aimc_gpu_workload *work, uint32_t max_batch);

#endif
