/* What a numeric forward pass needs from a Hugging Face config.json beyond the model's shape (moe_model.h):
 * norm epsilon, RoPE base, position limit, the family's attention and routing details.  Everything a family's
 * transformers implementation could do that aimc3d does not compute (sliding-window attention, RoPE scaling,
 * activations other than SiLU, non-softmax routing, QKV clipping on a family without it) is refused with the
 * field that asks for it, so a forward pass never silently computes a different model. */
#ifndef AIMC_LM_CONFIG_H
#define AIMC_LM_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "workload/moe_model.h"

typedef enum {
    AIMC_QK_NORM_NONE,
    AIMC_QK_NORM_FULL,     /* OLMoE: RMSNorm over the whole q (heads x head_dim) and k projection */
    AIMC_QK_NORM_PER_HEAD, /* Qwen3-MoE: RMSNorm over each head's head_dim */
} aimc_qk_norm;

typedef struct {
    double rms_eps;            /* rms_norm_eps */
    double rope_theta;         /* rope_theta */
    uint32_t max_positions;    /* max_position_embeddings: the longest window */
    aimc_qk_norm qk_norm;
    bool qkv_bias;             /* q, k, v projections have a bias (Qwen2-MoE; attention_bias elsewhere) */
    bool o_bias;               /* o projection has a bias (attention_bias, not Qwen2-MoE) */
    bool renormalise_top_k;    /* top-k gates divided by their sum (Mixtral always; norm_topk_prob elsewhere) */
    double clip_qkv;           /* OLMoE clip_qkv: q, k, v clamped to +-clip_qkv after the norms; 0 = none */
} aimc_lm_config;

/* From an already parsed config.json whose shape was imported into m (hf_config.h). */
int aimc_lm_config_from_json(json_object *root, const char *file, const aimc_moe_model *m, aimc_lm_config *c,
                             aimc_error *err);
/* Loads config.json at path (a file, or a folder holding config.json) into both the shape and the numeric
 * configuration. */
int aimc_lm_config_load(const char *path, aimc_moe_model *m, aimc_lm_config *c, aimc_error *err);

#endif
