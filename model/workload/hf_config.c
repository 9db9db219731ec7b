#include "workload/hf_config.h"

#include <stdio.h>
#include <string.h>

#include "core/json_config.h"

#define MAX_DIM AIMC_MODEL_MAX_VOCAB /* the largest cap, for fields that only select a layer pattern */

/* The cap of an HF field: the project format's cap of the field it becomes (moe_model.h). */
static long cap_of(const char *key)
{
    static const struct {
        const char *key;
        long cap;
    } caps[] = {
        {"num_hidden_layers", AIMC_MODEL_MAX_LAYERS},    {"first_k_dense_replace", AIMC_MODEL_MAX_LAYERS},
        {"num_attention_heads", AIMC_MODEL_MAX_HEADS},   {"num_key_value_heads", AIMC_MODEL_MAX_HEADS},
        {"vocab_size", AIMC_MODEL_MAX_VOCAB},            {"num_experts", AIMC_MODEL_MAX_EXPERTS},
        {"n_routed_experts", AIMC_MODEL_MAX_EXPERTS},    {"num_local_experts", AIMC_MODEL_MAX_EXPERTS},
        {"n_shared_experts", AIMC_MODEL_MAX_EXPERTS},    {"num_experts_per_tok", AIMC_MODEL_MAX_EXPERTS},
    };
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        if (strcmp(caps[i].key, key) == 0)
            return caps[i].cap;
    return AIMC_MODEL_MAX_WIDTH; /* hidden sizes and head_dim */
}

typedef struct {
    const char *model_type;
    const char *architecture;
    aimc_model_family family;
    const char *experts_key; /* the field holding the number of routed experts */
} hf_family;

static const hf_family families[] = {
    {"olmoe", "OlmoeForCausalLM", AIMC_FAMILY_OLMOE, "num_experts"},
    {"deepseek", "DeepseekForCausalLM", AIMC_FAMILY_DEEPSEEK_MOE, "n_routed_experts"},
    {"mixtral", "MixtralForCausalLM", AIMC_FAMILY_MIXTRAL, "num_local_experts"},
    {"qwen2_moe", "Qwen2MoeForCausalLM", AIMC_FAMILY_QWEN2_MOE, "num_experts"},
    {"qwen3_moe", "Qwen3MoeForCausalLM", AIMC_FAMILY_QWEN3_MOE, "num_experts"},
};
#define N_FAMILIES (sizeof families / sizeof families[0])

static const hf_family *detect(json_object *root, const char *file, aimc_error *err)
{
    json_object *v;
    /* a missing or non-string model_type ("model_type": null) falls back to the architectures list */
    const char *type = json_object_object_get_ex(root, "model_type", &v) && json_object_is_type(v, json_type_string)
                           ? json_object_get_string(v)
                           : "";
    for (size_t i = 0; i < N_FAMILIES; i++)
        if (strcmp(type, families[i].model_type) == 0)
            return &families[i];
    if (json_object_object_get_ex(root, "architectures", &v) && json_object_is_type(v, json_type_array) &&
        json_object_array_length(v) > 0) {
        const char *arch = json_object_get_string(json_object_array_get_idx(v, 0));
        for (size_t i = 0; i < N_FAMILIES; i++)
            if (arch && strcmp(arch, families[i].architecture) == 0)
                return &families[i];
    }
    aimc_fail_field(err, file, "model_type", "one of olmoe, deepseek, mixtral, qwen2_moe, qwen3_moe, found \"%s\"",
                    type);
    return NULL;
}

static bool present(json_object *root, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(root, key, &v) && !json_object_is_type(v, json_type_null);
}

static int get_dim(json_object *root, const char *file, const char *key, long min, uint32_t *out, aimc_error *err)
{
    long v;
    if (aimc_json_get_int(root, (aimc_json_where){file, ""}, key, min, cap_of(key), &v, err))
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* An optional field: absent or null leaves *out as it is. */
static int opt_dim(json_object *root, const char *file, const char *key, long min, uint32_t *out, aimc_error *err)
{
    return present(root, key) ? get_dim(root, file, key, min, out, err) : 0;
}

/* A field that, when present, must hold `expected` (a layer pattern the model cannot express otherwise). */
static int require_value(json_object *root, const char *file, const char *key, long expected, aimc_error *err)
{
    if (!present(root, key))
        return 0;
    long v;
    if (aimc_json_get_int(root, (aimc_json_where){file, ""}, key, 0, MAX_DIM, &v, err))
        return -1;
    if (v != expected)
        return aimc_fail_field(err, file, key, "%ld (aimc3d models MoE in every layer after the dense ones), found %ld",
                               expected, v);
    return 0;
}

static int require_empty_list(json_object *root, const char *file, const char *key, aimc_error *err)
{
    json_object *v;
    if (!json_object_object_get_ex(root, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 0)
        return aimc_fail_field(err, file, key, "an empty list (dense layers only at the start, via first layers)");
    return 0;
}

static int common_fields(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err)
{
    const char *act;
    if (get_dim(root, file, "num_hidden_layers", 1, &m->layers, err) ||
        get_dim(root, file, "hidden_size", 1, &m->d_model, err) ||
        get_dim(root, file, "num_attention_heads", 1, &m->heads, err) ||
        get_dim(root, file, "vocab_size", 1, &m->vocab, err) ||
        aimc_json_get_string(root, (aimc_json_where){file, ""}, "hidden_act", &act, err))
        return -1;
    int a = aimc_activation_parse(act);
    if (a < 0)
        return aimc_fail_field(err, file, "hidden_act", "one of silu, gelu, relu, found \"%s\"", act);
    m->activation = (aimc_activation)a;
    m->kv_heads = m->heads;
    if (opt_dim(root, file, "num_key_value_heads", 1, &m->kv_heads, err) ||
        opt_dim(root, file, "head_dim", 1, &m->head_dim, err) ||
        (present(root, "tie_word_embeddings") &&
         aimc_json_get_bool(root, (aimc_json_where){file, ""}, "tie_word_embeddings", &m->tied_embeddings, err)))
        return -1;
    if (m->head_dim == 0) {
        if (m->d_model % m->heads)
            return aimc_fail_field(err, file, "num_attention_heads", "a divisor of hidden_size (%u), found %u",
                                   m->d_model, m->heads);
        m->head_dim = m->d_model / m->heads;
    }
    return 0;
}

static int deepseek_fields(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err)
{
    if (get_dim(root, file, "moe_intermediate_size", 1, &m->expert_hidden, err) ||
        opt_dim(root, file, "n_shared_experts", 0, &m->shared_experts, err) ||
        opt_dim(root, file, "first_k_dense_replace", 0, &m->dense_layers, err) ||
        require_value(root, file, "moe_layer_freq", 1, err))
        return -1;
    /* DeepSeekMoE fuses its shared experts into one MLP, n_shared_experts times an expert's width. */
    m->shared_hidden = m->shared_experts * m->expert_hidden;
    if (m->dense_layers > 0 && get_dim(root, file, "intermediate_size", 1, &m->dense_hidden, err))
        return -1;
    return 0;
}

static int qwen_fields(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err)
{
    if (get_dim(root, file, "moe_intermediate_size", 1, &m->expert_hidden, err) ||
        require_value(root, file, "decoder_sparse_step", 1, err) ||
        require_empty_list(root, file, "mlp_only_layers", err))
        return -1;
    if (m->family == AIMC_FAMILY_QWEN2_MOE) {
        if (get_dim(root, file, "shared_expert_intermediate_size", 0, &m->shared_hidden, err))
            return -1;
        m->shared_experts = m->shared_hidden > 0;
        m->shared_gate = m->shared_hidden > 0;
    }
    return 0;
}

static void import_name(json_object *root, const hf_family *f, aimc_moe_model *m)
{
    json_object *v;
    const char *name = f->model_type;
    if (json_object_object_get_ex(root, "_name_or_path", &v) && json_object_is_type(v, json_type_string) &&
        json_object_get_string_len(v) > 0) {
        name = json_object_get_string(v);
        const char *slash = strrchr(name, '/');
        if (slash && slash[1])
            name = slash + 1;
    }
    snprintf(m->name, sizeof m->name, "%s", name);
}

int aimc_hf_config_import(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", file);
    const hf_family *f = detect(root, file, err);
    if (!f)
        return -1;
    m->family = f->family;
    m->gated = true; /* every supported family uses SwiGLU experts */
    import_name(root, f, m);
    /* transformers 5 writes num_local_experts for every MoE family; the family's own key wins when present */
    const char *experts_key = present(root, f->experts_key) || !present(root, "num_local_experts") ? f->experts_key
                                                                                                 : "num_local_experts";
    if (common_fields(root, file, m, err) || get_dim(root, file, experts_key, 1, &m->experts, err) ||
        get_dim(root, file, "num_experts_per_tok", 1, &m->top_k, err))
        return -1;
    if (m->top_k > m->experts)
        return aimc_fail_field(err, file, "num_experts_per_tok", "at most %s (%u), found %u", f->experts_key,
                               m->experts, m->top_k);
    int rc = 0;
    switch (f->family) {
    case AIMC_FAMILY_DEEPSEEK_MOE:
        rc = deepseek_fields(root, file, m, err);
        break;
    case AIMC_FAMILY_QWEN2_MOE:
    case AIMC_FAMILY_QWEN3_MOE:
        rc = qwen_fields(root, file, m, err);
        break;
    default: /* OLMoE and Mixtral: intermediate_size is the expert width */
        rc = get_dim(root, file, "intermediate_size", 1, &m->expert_hidden, err);
        break;
    }
    return rc ? rc : aimc_moe_model_check(m, file, err);
}
