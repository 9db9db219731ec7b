#include "numeric/lm_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/json_config.h"
#include "workload/hf_config.h"

static bool present(json_object *root, const char *key, json_object **v)
{
    return json_object_object_get_ex(root, key, v) && !json_object_is_type(*v, json_type_null);
}

static int opt_number(json_object *root, const char *file, const char *key, double min, double max, double *out,
                      aimc_error *err)
{
    json_object *v;
    if (!present(root, key, &v))
        return 0;
    return aimc_json_get_number(root, (aimc_json_where){file, ""}, key, min, max, out, err);
}

static int opt_bool(json_object *root, const char *file, const char *key, bool *out, aimc_error *err)
{
    json_object *v;
    if (!present(root, key, &v))
        return 0;
    return aimc_json_get_bool(root, (aimc_json_where){file, ""}, key, out, err);
}

static bool default_rope_type(json_object *o)
{
    json_object *t;
    if (!json_object_object_get_ex(o, "rope_type", &t) && !json_object_object_get_ex(o, "type", &t))
        return true;
    return json_object_is_type(t, json_type_string) && strcmp(json_object_get_string(t), "default") == 0;
}

/* The rotary embedding: rope_theta at the top level (transformers 4) or in "rope_parameters" (transformers 5);
 * rope_scaling null, absent, or the plain rotary embedding. */
static int rope(json_object *root, const char *file, aimc_lm_config *c, aimc_error *err)
{
    json_object *v;
    if (present(root, "rope_parameters", &v)) {
        if (!json_object_is_type(v, json_type_object) || !default_rope_type(v))
            return aimc_fail_field(err, file, "rope_parameters.rope_type",
                                   "\"default\" (RoPE scaling is not supported by aimc3d's forward pass)");
        json_object *t;
        if (present(v, "rope_theta", &t) &&
            aimc_json_get_number(v, (aimc_json_where){file, "rope_parameters"}, "rope_theta", 1, 1e12, &c->rope_theta,
                                 err))
            return -1;
    }
    if (opt_number(root, file, "rope_theta", 1, 1e12, &c->rope_theta, err))
        return -1;
    if (!present(root, "rope_scaling", &v))
        return 0;
    if (json_object_is_type(v, json_type_object) && default_rope_type(v))
        return 0;
    return aimc_fail_field(err, file, "rope_scaling", "null (RoPE scaling is not supported by aimc3d's forward pass)");
}

/* Sliding-window attention changes the result only when the window is shorter than the positions. */
static int check_sliding_window(json_object *root, const char *file, const aimc_lm_config *c, aimc_error *err)
{
    json_object *v;
    bool use = true;
    if (present(root, "use_sliding_window", &v)) {
        if (aimc_json_get_bool(root, (aimc_json_where){file, ""}, "use_sliding_window", &use, err))
            return -1;
        if (!use)
            return 0;
    }
    if (!present(root, "sliding_window", &v))
        return 0;
    long w;
    if (aimc_json_get_int(root, (aimc_json_where){file, ""}, "sliding_window", 1, 1L << 40, &w, err))
        return -1;
    if ((uint64_t)w < c->max_positions)
        return aimc_fail_field(err, file, "sliding_window",
                               "null or >= max_position_embeddings (%u): sliding-window attention is not supported, "
                               "found %ld",
                               c->max_positions, w);
    return 0;
}

int aimc_lm_config_from_json(json_object *root, const char *file, const aimc_moe_model *m, aimc_lm_config *c,
                             aimc_error *err)
{
    memset(c, 0, sizeof *c);
    aimc_json_where top = {file, ""};
    const aimc_model_family f = m->family;
    /* Defaults of each family's transformers configuration class, for fields a config.json may omit. */
    c->rms_eps = (f == AIMC_FAMILY_OLMOE || f == AIMC_FAMILY_MIXTRAL) ? 1e-5 : 1e-6;
    c->rope_theta = f == AIMC_FAMILY_MIXTRAL ? 1e6 : 10000.0;
    long maxpos;
    if (opt_number(root, file, "rms_norm_eps", 0, 1, &c->rms_eps, err) ||
        rope(root, file, c, err) ||
        aimc_json_get_int(root, top, "max_position_embeddings", 1, 1L << 24, &maxpos, err))
        return -1;
    c->max_positions = (uint32_t)maxpos;
    if (m->activation != AIMC_ACT_SILU)
        return aimc_fail_field(err, file, "hidden_act", "\"silu\" (the forward pass computes SwiGLU experts)");
    if (m->head_dim % 2)
        return aimc_fail_field(err, file, "head_dim", "an even number (RoPE rotates pairs), found %u", m->head_dim);
    bool attention_bias = false, norm_topk = false;
    if (opt_bool(root, file, "attention_bias", &attention_bias, err) ||
        opt_bool(root, file, "norm_topk_prob", &norm_topk, err) ||
        check_sliding_window(root, file, c, err))
        return -1;
    json_object *v;
    if (present(root, "pretraining_tp", &v)) {
        long tp;
        if (aimc_json_get_int(root, top, "pretraining_tp", 1, 1, &tp, err))
            return -1;
    }
    switch (f) {
    case AIMC_FAMILY_OLMOE:
        c->qk_norm = AIMC_QK_NORM_FULL;
        c->qkv_bias = c->o_bias = attention_bias;
        c->renormalise_top_k = norm_topk;
        if (opt_number(root, file, "clip_qkv", 1e-30, 1e30, &c->clip_qkv, err))
            return -1;
        break;
    case AIMC_FAMILY_MIXTRAL:
        c->renormalise_top_k = true; /* softmax over the top-k logits */
        break;
    case AIMC_FAMILY_QWEN2_MOE:
        c->qkv_bias = true;
        c->renormalise_top_k = norm_topk;
        break;
    case AIMC_FAMILY_QWEN3_MOE:
        c->qk_norm = AIMC_QK_NORM_PER_HEAD;
        c->qkv_bias = c->o_bias = attention_bias;
        c->renormalise_top_k = norm_topk;
        break;
    case AIMC_FAMILY_DEEPSEEK_MOE: {
        const char *scoring = "softmax";
        if (aimc_json_opt_string(root, top, "scoring_func", &scoring, err))
            return -1;
        if (strcmp(scoring, "softmax") != 0)
            return aimc_fail_field(err, file, "scoring_func", "\"softmax\", found \"%s\"", scoring);
        c->qkv_bias = c->o_bias = attention_bias;
        c->renormalise_top_k = norm_topk && m->top_k > 1;
        break;
    }
    default:
        return aimc_fail_field(err, file, "model_type",
                               "one of olmoe, mixtral, qwen2_moe, qwen3_moe, deepseek for a numeric forward pass, "
                               "found family %s",
                               aimc_model_family_name(f));
    }
    return 0;
}

int aimc_lm_config_load(const char *path, aimc_moe_model *m, aimc_lm_config *c, aimc_error *err)
{
    char buf[1024];
    struct stat sb;
    const char *file = path;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(buf, sizeof buf, "%s/config.json", path);
        file = buf;
    }
    json_object *root = aimc_json_load_file(file, err);
    if (!root)
        return -1;
    int rc = 0;
    json_object *v;
    if (!json_object_object_get_ex(root, "model_type", &v) && !json_object_object_get_ex(root, "architectures", &v))
        rc = aimc_fail_field(err, file, "model_type", "a Hugging Face config.json (olmoe, mixtral, qwen2_moe, "
                                                      "qwen3_moe, deepseek)");
    if (rc == 0)
        rc = aimc_hf_config_import(root, file, m, err);
    if (rc == 0)
        rc = aimc_lm_config_from_json(root, file, m, c, err);
    json_object_put(root);
    return rc;
}
