/* A decoder-only (MoE) language model's shape: everything the mapper, the assignment and both engines need
 * to know about it, without its weights.  Loaded from the project's model JSON ("format":
 * "aimc3d-model/1", presets in model/presets/models/), from a Hugging Face config.json (OLMoE, DeepSeekMoE,
 * Mixtral, Qwen-MoE), or from a parametric family spec such as "paper-moe:d_model=1024,experts=128,layers=48".
 * The file format is documented in docs/file-formats-models.md. */
#ifndef AIMC_MOE_MODEL_H
#define AIMC_MOE_MODEL_H

/* The project format's caps (model files and presets); the HF importer applies the same ones. */
#define AIMC_MODEL_MAX_LAYERS 4096L
#define AIMC_MODEL_MAX_WIDTH (1L << 20)
#define AIMC_MODEL_MAX_HEADS 4096L
#define AIMC_MODEL_MAX_VOCAB (1L << 24)
#define AIMC_MODEL_MAX_EXPERTS 4096L

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"

/* The family decides the tensor names of a checkpoint (weights.h) and nothing else. */
typedef enum {
    AIMC_FAMILY_GENERIC,      /* project models: OLMoE-style tensor names */
    AIMC_FAMILY_OLMOE,
    AIMC_FAMILY_DEEPSEEK_MOE,
    AIMC_FAMILY_MIXTRAL,
    AIMC_FAMILY_QWEN2_MOE,    /* Qwen1.5-MoE */
    AIMC_FAMILY_QWEN3_MOE,
    AIMC_FAMILY_PAPER_MOE,    /* the 3D AIMC paper's Switch-style MoE */
    AIMC_FAMILY_GPT2_DENSE,   /* GPT-2-like dense decoder */
    AIMC_FAMILY_COUNT
} aimc_model_family;

typedef enum { AIMC_ACT_SILU, AIMC_ACT_GELU, AIMC_ACT_RELU, AIMC_ACT_COUNT } aimc_activation;

/* The parts a parameter count and the matrix enumeration are broken down by. */
typedef enum {
    AIMC_MODULE_EMBEDDING,     /* token embedding table, vocab x d_model */
    AIMC_MODULE_ATTENTION,     /* q, k, v, o projections */
    AIMC_MODULE_ROUTER,        /* expert router (and Qwen's shared-expert gate) */
    AIMC_MODULE_EXPERT,        /* routed experts */
    AIMC_MODULE_SHARED_EXPERT, /* the always-active shared expert MLP */
    AIMC_MODULE_DENSE_FFN,     /* FFN of a dense layer (DeepSeekMoE layer 0, dense models) */
    AIMC_MODULE_LM_HEAD,
    AIMC_MODULE_COUNT
} aimc_module;

typedef struct {
    char name[64];
    char path[512];           /* the file it came from; the spec text for a parametric family */
    aimc_model_family family;
    uint32_t layers;
    uint32_t d_model;
    uint32_t heads, kv_heads, head_dim; /* q has heads x head_dim outputs; k and v kv_heads x head_dim */
    uint32_t vocab;
    uint32_t experts;         /* routed experts per MoE layer; 0 for a dense model */
    uint32_t top_k;           /* routed experts active per token */
    uint32_t expert_hidden;   /* hidden width of one routed expert */
    uint32_t shared_experts;  /* as the model's config counts them (informative) */
    uint32_t shared_hidden;   /* hidden width of the layer's one fused shared-expert MLP; 0: none */
    bool shared_gate;         /* Qwen-MoE: a d_model -> 1 sigmoid gate scales the shared expert */
    uint32_t dense_layers;    /* the first dense_layers layers have a dense FFN instead of MoE */
    uint32_t dense_hidden;    /* hidden width of that dense FFN */
    bool gated;               /* SwiGLU-style FFNs: gate, up, down; else up, down */
    bool tied_embeddings;     /* the LM head reuses the embedding table (no parameters of its own) */
    aimc_activation activation;
} aimc_moe_model;

/* Per-module parameter counts of the linear layers and the embedding.  Norm gains and biases are not
 * counted (they are vectors, < 0.01 % of any preset, and map to no crossbar). */
typedef struct {
    uint64_t total[AIMC_MODULE_COUNT];
    uint64_t active[AIMC_MODULE_COUNT]; /* used by one token: top_k of the routed experts, all the rest */
    uint64_t total_all, active_all;
    bool overflowed; /* a count does not fit 64 bits: the numbers are meaningless (aimc_moe_model_check refuses) */
} aimc_param_counts;


/* Builds a model of a parametric family from "family:key=value,..." (see docs/models.md):
 *   paper-moe: d_model, experts, layers required; top_k (default 1), vocab (default 50257)
 *   gpt2-dense: d_model, layers required; vocab (default 50257) */
int aimc_moe_model_from_spec(const char *spec, aimc_moe_model *m, aimc_error *err);

/* The project format from an already parsed JSON object (file names the source in messages). */
int aimc_moe_model_from_json(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err);

/* Consistency checks (top_k <= experts, kv_heads divides heads, ...); errors name file and field. */
int aimc_moe_model_check(const aimc_moe_model *m, const char *file, aimc_error *err);

/* The project format, as written back for reports ("format": "aimc3d-model/1"). Caller puts it. */
json_object *aimc_moe_model_to_json(const aimc_moe_model *m);

void aimc_moe_model_params(const aimc_moe_model *m, aimc_param_counts *out);

/* Whether layer l routes to experts (false for the first dense_layers layers and for dense models). */
bool aimc_moe_model_layer_is_moe(const aimc_moe_model *m, uint32_t layer);
uint32_t aimc_moe_model_moe_layers(const aimc_moe_model *m);
/* Matrices per FFN: 3 when gated, else 2. */
uint32_t aimc_moe_model_ffn_matrices(const aimc_moe_model *m);

/* Stable lower-case names used in files and reports ("olmoe", "silu", "routed_experts", ...), and their
 * inverses (-1 when unknown). */
const char *aimc_model_family_name(aimc_model_family f);
int aimc_model_family_parse(const char *name);
const char *aimc_activation_name(aimc_activation a);
int aimc_activation_parse(const char *name);
const char *aimc_module_name(aimc_module mod);

#endif
