/* The GPU side of a decode run: the roofline of model/system/gpu_roofline.h fed from a model description, run
 * over the same decode steps as the chip, and the ratios AIMC / GPU of the headline figures.
 *
 * The workload, the decode sequencer's passes (docs/engines.md): with prefill, first the prompt as one pass
 * (aimc_gpu_pass_roofline over its positions, filling the KV cache); then one step per generated token i
 * (0-based): with the KV cache a decode step attending over seq_len(i) = prompt + i + 1 entries, without it a
 * pass over the whole prefix of prompt + i + 1 positions.  The GPU's time is the sum of its step times, so with
 * R = B * (prompt if prefill, else 0) + B * tokens token rows as the chip counts them
 *   tokens/s = R / sum time,   energy/token = board power * sum time / R;
 * the prefill step's time is the GPU's time to first token, its energy board power x that time.
 * The model's numbers for the roofline (aimc_gpu_moe_model) come from its parameter counts:
 *   dense_params  = attention + router + shared experts + dense FFN + LM head (a tied LM head counted as a
 *                   vocab x d_model matrix: the GPU still reads it every token)
 *   expert_params = routed-expert parameters / (MoE layers x experts)
 *   kv_dim        = kv_heads x head_dim;  attention_layers = layers. */
#ifndef AIMC_GPU_COMPARISON_H
#define AIMC_GPU_COMPARISON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/run_summary.h"
#include "system/gpu_roofline.h"
#include "workload/moe_model.h"

typedef struct {
    uint32_t batch;                /* sequences decoded together */
    uint32_t tokens;               /* generated per sequence */
    uint32_t prompt;               /* prompt tokens per sequence */
    bool prefill;                  /* the prompt tokens are decode steps too */
    double weight_bytes_per_param; /* <= 0: the GPU preset's */
    bool no_kv_cache;              /* every generated token re-runs its prefix */
} aimc_gpu_decode;

typedef struct {
    aimc_gpu_config gpu;
    aimc_gpu_moe_model model;
    aimc_gpu_decode work;
    double weight_bytes_per_param, kv_bytes_per_element; /* as used */
    uint32_t steps, seq_len_first, seq_len_last;
    uint32_t compute_bound_steps;  /* steps limited by FLOPs rather than bytes */
    double unique_experts;         /* per MoE layer per step, U(B) */
    double bytes_per_step_first, flops_per_step_first; /* of the first step, for the reader */
    double seconds;                /* sum of the step times */
    double prefill_seconds, prefill_energy_nJ; /* the prefill step (0 without prefill): time to first token */
    int prefill_compute_bound;
    double tokens_per_s, energy_per_token_nJ, power_W, tokens_per_s_per_W, area_mm2, tokens_per_s_per_mm2;
    /* AIMC / GPU (> 1: the chip is better).  tokens/s/W is tokens per joule, so its ratio is also the GPU's
     * energy per token over the chip's. */
    double ratio_tokens_per_s, ratio_tokens_per_s_per_W, ratio_tokens_per_s_per_mm2;
} aimc_gpu_comparison;

/* The roofline's model numbers from a model and its parameter counts (aimc_moe_model_params). */
void aimc_gpu_model_from(const aimc_moe_model *m, const aimc_param_counts *pc, aimc_gpu_moe_model *out);

/* Runs the GPU over the decode steps and forms the ratios against the chip's figures.  Fails with one line on
 * a zero batch or token count, or an inconsistent model. */
int aimc_gpu_comparison_of(const aimc_gpu_config *gpu, const aimc_moe_model *m, const aimc_gpu_decode *work,
                           const aimc_run_figures *aimc, aimc_gpu_comparison *out, aimc_error *err);

/* The report's "gpu" section: inputs, figures, ratios (documented in docs/engines.md). */
json_object *aimc_gpu_comparison_json(const aimc_gpu_comparison *c);
/* A three-column table: AIMC chip, GPU, AIMC/GPU. */
void aimc_gpu_comparison_print(FILE *f, const aimc_gpu_comparison *c, const aimc_run_figures *aimc);

#endif
