#include "workload/moe_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "system/chip_config.h"

#define MAX_LAYERS AIMC_MODEL_MAX_LAYERS
#define MAX_WIDTH AIMC_MODEL_MAX_WIDTH
#define MAX_HEADS AIMC_MODEL_MAX_HEADS
#define MAX_VOCAB AIMC_MODEL_MAX_VOCAB
#define MAX_EXPERTS AIMC_MODEL_MAX_EXPERTS

static const char *const family_names[AIMC_FAMILY_COUNT] = {
    "generic", "olmoe", "deepseek-moe", "mixtral", "qwen2-moe", "qwen3-moe", "paper-moe", "gpt2-dense",
};
static const char *const activation_names[AIMC_ACT_COUNT] = {"silu", "gelu", "relu"};
static const char *const module_names[AIMC_MODULE_COUNT] = {
    "embedding", "attention", "router", "routed_experts", "shared_experts", "dense_ffn", "lm_head",
};

static int parse_name(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *aimc_model_family_name(aimc_model_family f) { return family_names[f]; }
int aimc_model_family_parse(const char *name) { return parse_name(family_names, AIMC_FAMILY_COUNT, name); }
const char *aimc_activation_name(aimc_activation a) { return activation_names[a]; }
int aimc_activation_parse(const char *name) { return parse_name(activation_names, AIMC_ACT_COUNT, name); }
const char *aimc_module_name(aimc_module mod) { return module_names[mod]; }

bool aimc_moe_model_layer_is_moe(const aimc_moe_model *m, uint32_t layer)
{
    return m->experts > 0 && layer >= m->dense_layers && layer < m->layers;
}

uint32_t aimc_moe_model_moe_layers(const aimc_moe_model *m)
{
    return m->experts > 0 ? m->layers - m->dense_layers : 0;
}

uint32_t aimc_moe_model_ffn_matrices(const aimc_moe_model *m) { return m->gated ? 3 : 2; }

/* ---- consistency ---- */

static int check_ffn_widths(const aimc_moe_model *m, const char *file, aimc_error *err)
{
    if (m->experts > 0) {
        if (m->top_k < 1 || m->top_k > m->experts)
            return aimc_fail_field(err, file, "top_k", "an integer in [1, experts = %u], found %u", m->experts,
                                   m->top_k);
        if (m->expert_hidden < 1)
            return aimc_fail_field(err, file, "expert_hidden", "at least 1 for a model with experts, found 0");
        if (m->dense_layers >= m->layers)
            return aimc_fail_field(err, file, "dense_layers",
                                   "fewer than layers (%u) so that some layer is MoE, found %u", m->layers,
                                   m->dense_layers);
    } else {
        if (m->top_k != 0)
            return aimc_fail_field(err, file, "top_k", "0 for a dense model (experts = 0), found %u", m->top_k);
        if (m->dense_layers != m->layers)
            return aimc_fail_field(err, file, "dense_layers", "layers (%u) for a dense model (experts = 0), found %u",
                                   m->layers, m->dense_layers);
    }
    if ((m->dense_layers > 0) != (m->dense_hidden > 0))
        return aimc_fail_field(err, file, "dense_hidden", "a width > 0 exactly when dense_layers > 0 (%u), found %u",
                               m->dense_layers, m->dense_hidden);
    if ((m->shared_experts > 0) != (m->shared_hidden > 0))
        return aimc_fail_field(err, file, "shared_hidden",
                               "a width > 0 exactly when shared_experts > 0 (%u), found %u", m->shared_experts,
                               m->shared_hidden);
    if (m->shared_experts > 0 && m->experts == 0)
        return aimc_fail_field(err, file, "shared_experts", "0 for a dense model (experts = 0), found %u",
                               m->shared_experts);
    if (m->shared_gate && m->shared_experts == 0)
        return aimc_fail_field(err, file, "shared_gate", "false when the model has no shared experts");
    return 0;
}

int aimc_moe_model_check(const aimc_moe_model *m, const char *file, aimc_error *err)
{
    const struct {
        const char *field;
        uint32_t value;
    } positive[] = {{"layers", m->layers}, {"d_model", m->d_model}, {"vocab", m->vocab}, {"heads", m->heads},
                    {"head_dim", m->head_dim}};
    for (size_t i = 0; i < sizeof positive / sizeof positive[0]; i++)
        if (positive[i].value < 1)
            return aimc_fail_field(err, file, positive[i].field, "a positive integer, found 0");
    if (m->kv_heads < 1 || m->kv_heads > m->heads || m->heads % m->kv_heads != 0)
        return aimc_fail_field(err, file, "kv_heads", "a divisor of heads (%u), found %u", m->heads, m->kv_heads);
    if (check_ffn_widths(m, file, err))
        return -1;
    aimc_param_counts pc;
    aimc_moe_model_params(m, &pc);
    if (pc.overflowed)
        return aimc_fail(err, "%s: the shape (layers %u, d_model %u, experts %u, expert_hidden %u, vocab %u) has more "
                              "than 2^64 parameters: expected a smaller model", file, m->layers, m->d_model, m->experts,
                         m->expert_hidden, m->vocab);
    return 0;
}

/* ---- parameter counts ---- */

/* Exact counts or none: every product and sum is overflow-checked and sticks at "overflowed". */
static uint64_t mul(bool *ovf, uint64_t a, uint64_t b)
{
    uint64_t p;
    *ovf |= __builtin_mul_overflow(a, b, &p);
    return p;
}

static uint64_t add(bool *ovf, uint64_t a, uint64_t b)
{
    uint64_t s;
    *ovf |= __builtin_add_overflow(a, b, &s);
    return s;
}

void aimc_moe_model_params(const aimc_moe_model *m, aimc_param_counts *out)
{
    memset(out, 0, sizeof *out);
    bool *o = &out->overflowed;
    uint64_t d = m->d_model, r = aimc_moe_model_ffn_matrices(m);
    uint64_t moe = aimc_moe_model_moe_layers(m);
    uint64_t q = (uint64_t)m->heads * m->head_dim, kv = (uint64_t)m->kv_heads * m->head_dim;
    uint64_t rd = mul(o, r, d);
    out->total[AIMC_MODULE_EMBEDDING] = mul(o, m->vocab, d);
    out->total[AIMC_MODULE_ATTENTION] =
        mul(o, m->layers, add(o, add(o, mul(o, d, q), mul(o, 2 * d, kv)), mul(o, q, d)));
    out->total[AIMC_MODULE_ROUTER] = mul(o, moe, add(o, mul(o, d, m->experts), m->shared_gate ? d : 0));
    out->total[AIMC_MODULE_EXPERT] = mul(o, mul(o, mul(o, moe, m->experts), rd), m->expert_hidden);
    out->total[AIMC_MODULE_SHARED_EXPERT] = mul(o, mul(o, moe, rd), m->shared_hidden);
    out->total[AIMC_MODULE_DENSE_FFN] = mul(o, mul(o, m->dense_layers, rd), m->dense_hidden);
    out->total[AIMC_MODULE_LM_HEAD] = m->tied_embeddings ? 0 : mul(o, m->vocab, d);
    for (int i = 0; i < AIMC_MODULE_COUNT; i++) {
        out->active[i] = out->total[i];
        out->total_all = add(o, out->total_all, out->total[i]);
    }
    out->active[AIMC_MODULE_EXPERT] = mul(o, mul(o, mul(o, moe, m->top_k), rd), m->expert_hidden);
    for (int i = 0; i < AIMC_MODULE_COUNT; i++)
        out->active_all = add(o, out->active_all, out->active[i]);
}

/* ---- the project format ---- */

static const char *const project_keys[] = {
    "format", "name", "family", "description", "source", "layers", "d_model", "heads", "kv_heads", "head_dim",
    "vocab", "experts", "top_k", "expert_hidden", "shared_experts", "shared_hidden", "shared_gate",
    "dense_layers", "dense_hidden", "gated", "tied_embeddings", "activation",
};

static int check_known_keys(json_object *root, const char *file, aimc_error *err)
{
    json_object_object_foreach(root, key, value) {
        (void)value;
        bool known = false;
        for (size_t i = 0; i < sizeof project_keys / sizeof project_keys[0] && !known; i++)
            known = strcmp(key, project_keys[i]) == 0;
        if (!known)
            return aimc_fail_field(err, file, key, "no such field in aimc3d-model/1 (see docs/file-formats-models.md)");
    }
    return 0;
}

static int get_u32(json_object *o, aimc_json_where at, const char *key, long min, long max, bool required,
                   uint32_t *out, aimc_error *err)
{
    long v = *out;
    int rc = required ? aimc_json_get_int(o, at, key, min, max, &v, err)
                      : aimc_json_opt_int(o, at, key, min, max, &v, err);
    *out = (uint32_t)v;
    return rc;
}

static int get_enum(json_object *o, aimc_json_where at, const char *key, bool required,
                    int (*parse)(const char *), const char *expected, int *out, aimc_error *err)
{
    const char *text = NULL;
    int rc = required ? aimc_json_get_string(o, at, key, &text, err) : aimc_json_opt_string(o, at, key, &text, err);
    if (rc || !text)
        return rc;
    int v = parse(text);
    if (v < 0)
        return aimc_fail_field(err, at.file, key, "one of %s, found \"%s\"", expected, text);
    *out = v;
    return 0;
}

static int get_shape(json_object *root, aimc_json_where at, aimc_moe_model *m, aimc_error *err)
{
    if (get_u32(root, at, "layers", 1, MAX_LAYERS, true, &m->layers, err) ||
        get_u32(root, at, "d_model", 1, MAX_WIDTH, true, &m->d_model, err) ||
        get_u32(root, at, "heads", 1, MAX_HEADS, true, &m->heads, err) ||
        get_u32(root, at, "vocab", 1, MAX_VOCAB, true, &m->vocab, err) ||
        get_u32(root, at, "experts", 0, MAX_EXPERTS, true, &m->experts, err))
        return -1;
    m->kv_heads = m->heads;
    m->dense_layers = m->experts == 0 ? m->layers : 0;
    if (get_u32(root, at, "kv_heads", 1, MAX_HEADS, false, &m->kv_heads, err) ||
        get_u32(root, at, "head_dim", 1, MAX_WIDTH, false, &m->head_dim, err) ||
        get_u32(root, at, "top_k", 1, MAX_EXPERTS, m->experts > 0, &m->top_k, err) ||
        get_u32(root, at, "expert_hidden", 1, MAX_WIDTH, m->experts > 0, &m->expert_hidden, err) ||
        get_u32(root, at, "shared_experts", 0, MAX_EXPERTS, false, &m->shared_experts, err) ||
        get_u32(root, at, "shared_hidden", 1, MAX_WIDTH, m->shared_experts > 0, &m->shared_hidden, err) ||
        get_u32(root, at, "dense_layers", 0, MAX_LAYERS, false, &m->dense_layers, err) ||
        get_u32(root, at, "dense_hidden", 1, MAX_WIDTH, m->dense_layers > 0, &m->dense_hidden, err))
        return -1;
    if (m->head_dim == 0) {
        if (m->d_model % m->heads != 0)
            return aimc_fail_field(err, at.file, "heads", "a divisor of d_model (%u) when head_dim is not given, found %u",
                                   m->d_model, m->heads);
        m->head_dim = m->d_model / m->heads;
    }
    return 0;
}

int aimc_moe_model_from_json(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", file);
    aimc_json_where at = {file, ""};
    const char *format, *name;
    if (aimc_json_get_string(root, at, "format", &format, err))
        return -1;
    if (strcmp(format, "aimc3d-model/1") != 0)
        return aimc_fail_field(err, file, "format", "\"aimc3d-model/1\", found \"%s\"", format);
    if (check_known_keys(root, file, err) || aimc_json_get_string(root, at, "name", &name, err))
        return -1;
    if (!name[0] || strlen(name) >= sizeof m->name)
        return aimc_fail_field(err, file, "name", "a non-empty name of at most %zu characters", sizeof m->name - 1);
    snprintf(m->name, sizeof m->name, "%s", name);
    int family = AIMC_FAMILY_GENERIC, act = AIMC_ACT_SILU; /* act is required: set when get_enum succeeds */
    if (get_enum(root, at, "family", false, aimc_model_family_parse,
                 "generic, olmoe, deepseek-moe, mixtral, qwen2-moe, qwen3-moe, paper-moe, gpt2-dense", &family, err) ||
        get_enum(root, at, "activation", true, aimc_activation_parse, "silu, gelu, relu", &act, err) ||
        aimc_json_get_bool(root, at, "gated", &m->gated, err) ||
        aimc_json_opt_bool(root, at, "shared_gate", &m->shared_gate, err) ||
        aimc_json_opt_bool(root, at, "tied_embeddings", &m->tied_embeddings, err) || get_shape(root, at, m, err))
        return -1;
    m->family = (aimc_model_family)family;
    m->activation = (aimc_activation)act;
    return aimc_moe_model_check(m, file, err);
}

json_object *aimc_moe_model_to_json(const aimc_moe_model *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("aimc3d-model/1"));
    json_object_object_add(o, "name", json_object_new_string(m->name));
    json_object_object_add(o, "family", json_object_new_string(aimc_model_family_name(m->family)));
    const struct {
        const char *key;
        uint32_t value;
    } ints[] = {
        {"layers", m->layers},         {"d_model", m->d_model},
        {"heads", m->heads},           {"kv_heads", m->kv_heads},
        {"head_dim", m->head_dim},     {"vocab", m->vocab},
        {"experts", m->experts},       {"top_k", m->top_k},
        {"expert_hidden", m->expert_hidden}, {"shared_experts", m->shared_experts},
        {"shared_hidden", m->shared_hidden}, {"dense_layers", m->dense_layers},
        {"dense_hidden", m->dense_hidden},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        json_object_object_add(o, ints[i].key, json_object_new_int64(ints[i].value));
    json_object_object_add(o, "shared_gate", json_object_new_boolean(m->shared_gate));
    json_object_object_add(o, "gated", json_object_new_boolean(m->gated));
    json_object_object_add(o, "tied_embeddings", json_object_new_boolean(m->tied_embeddings));
    json_object_object_add(o, "activation", json_object_new_string(aimc_activation_name(m->activation)));
    return o;
}

/* ---- parametric families ---- */

typedef struct {
    const char *key;
    long min, max;
    long value; /* -1: required and not given yet */
} spec_param;

static spec_param *find_param(spec_param *p, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].key, key) == 0)
            return &p[i];
    return NULL;
}

/* Parses "k=v,k=v" into params; every key must be known and every required one present. */
static int parse_spec_params(const char *spec, const char *text, spec_param *p, size_t n, aimc_error *err)
{
    char buf[256];
    if (strlen(text) >= sizeof buf)
        return aimc_fail(err, "%s: model spec too long", spec);
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            return aimc_fail_field(err, spec, item, "key=value");
        *eq = '\0';
        spec_param *q = find_param(p, n, item);
        if (!q)
            return aimc_fail_field(err, spec, item, "a parameter of this family (see docs/models.md)");
        char *end;
        errno = 0;
        long v = strtol(eq + 1, &end, 10);
        if (end == eq + 1 || *end || errno || v < q->min || v > q->max)
            return aimc_fail_field(err, spec, item, "a whole number in [%ld, %ld], found \"%s\"", q->min, q->max,
                                   eq + 1);
        q->value = v;
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].value < 0)
            return aimc_fail_field(err, spec, p[i].key, "a value (field is missing)");
    return 0;
}

/* GPT-2 conventions shared by both families: 64-wide heads, a 4x FFN, GeLU, untied LM head (as in the 3D
 * AIMC paper's simulator, whose lm_head is its own Linear). */
static void gpt2_like(aimc_moe_model *m, long d_model, long layers, long vocab)
{
    m->d_model = (uint32_t)d_model;
    m->layers = (uint32_t)layers;
    m->vocab = (uint32_t)vocab;
    m->heads = m->kv_heads = (uint32_t)(d_model / 64);
    m->head_dim = 64;
    m->activation = AIMC_ACT_GELU;
}

static int paper_moe(const char *spec, const char *params, aimc_moe_model *m, aimc_error *err)
{
    spec_param p[] = {
        {"d_model", 64, MAX_WIDTH / 4, -1}, {"experts", 1, MAX_EXPERTS, -1}, {"layers", 1, MAX_LAYERS, -1},
        {"top_k", 1, MAX_EXPERTS, 1},       {"vocab", 1, MAX_VOCAB, 50257},
    };
    if (parse_spec_params(spec, params, p, 5, err))
        return -1;
    if (p[0].value % 64)
        return aimc_fail_field(err, spec, "d_model", "a multiple of 64 (64-wide heads), found %ld", p[0].value);
    gpt2_like(m, p[0].value, p[2].value, p[4].value);
    m->family = AIMC_FAMILY_PAPER_MOE;
    m->experts = (uint32_t)p[1].value;
    m->top_k = (uint32_t)p[3].value;
    m->expert_hidden = (uint32_t)(4 * p[0].value);
    snprintf(m->name, sizeof m->name, "paper-moe-d%ld-e%ld-l%ld-k%ld", p[0].value, p[1].value, p[2].value,
             p[3].value);
    return 0;
}

static int gpt2_dense(const char *spec, const char *params, aimc_moe_model *m, aimc_error *err)
{
    spec_param p[] = {{"d_model", 64, MAX_WIDTH / 4, -1}, {"layers", 1, MAX_LAYERS, -1}, {"vocab", 1, MAX_VOCAB, 50257}};
    if (parse_spec_params(spec, params, p, 3, err))
        return -1;
    if (p[0].value % 64)
        return aimc_fail_field(err, spec, "d_model", "a multiple of 64 (64-wide heads), found %ld", p[0].value);
    gpt2_like(m, p[0].value, p[1].value, p[2].value);
    m->family = AIMC_FAMILY_GPT2_DENSE;
    m->dense_layers = m->layers;
    m->dense_hidden = (uint32_t)(4 * p[0].value);
    snprintf(m->name, sizeof m->name, "gpt2-dense-d%ld-l%ld", p[0].value, p[1].value);
    return 0;
}

int aimc_moe_model_from_spec(const char *spec, aimc_moe_model *m, aimc_error *err)
{
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", spec);
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    int rc;
    if (colon && n == 9 && strncmp(spec, "paper-moe", n) == 0)
        rc = paper_moe(spec, colon + 1, m, err);
    else if (colon && n == 10 && strncmp(spec, "gpt2-dense", n) == 0)
        rc = gpt2_dense(spec, colon + 1, m, err);
    else
        return aimc_fail(err, "%s: unknown model family: expected paper-moe:... or gpt2-dense:...", spec);
    return rc ? rc : aimc_moe_model_check(m, spec, err);
}
