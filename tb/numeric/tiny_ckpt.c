#include "tiny_ckpt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "core/rng.h"
#include "numeric/lm_config.h"
#include "workload/matrices.h"
#include "workload/weights.h"

typedef struct {
    char name[160];
    uint32_t ndim;
    uint64_t shape[2];
    int kind; /* 0 matrix, 1 gain, 2 bias */
} item;

static void add(item *list, size_t *n, const char *name, uint32_t ndim, uint64_t a, uint64_t b, int kind)
{
    item *it = &list[(*n)++];
    snprintf(it->name, sizeof it->name, "%s", name);
    it->ndim = ndim;
    it->shape[0] = a;
    it->shape[1] = b;
    it->kind = kind;
}

int tiny_ckpt_write(const char *dir, const char *config_json, const tiny_ckpt_options *o, aimc_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (aimc_output_write_text(path, config_json, err))
        return -1;
    aimc_moe_model m;
    aimc_lm_config lm;
    if (aimc_lm_config_load(path, &m, &lm, err))
        return -1;
    size_t count = aimc_matrix_count(&m), cap = count + 8 * (size_t)m.layers + 2, n = 0;
    item *list = calloc(cap, sizeof *list);
    if (!list)
        return aimc_fail(err, "out of memory");
    for (size_t i = 0; i < count; i++) {
        aimc_matrix x;
        aimc_matrix_at(&m, i, &x);
        if (x.module == AIMC_MODULE_LM_HEAD && m.tied_embeddings)
            continue;
        char name[160];
        aimc_weight_name(&m, &x, name, sizeof name);
        bool table = x.module == AIMC_MODULE_EMBEDDING;
        add(list, &n, name, 2, table ? m.vocab : x.out_dim, table ? m.d_model : x.in_dim, 0);
    }
    const uint64_t q = (uint64_t)m.heads * m.head_dim, kv = (uint64_t)m.kv_heads * m.head_dim;
    for (uint32_t l = 0; l < m.layers; l++) {
        char name[160];
#define LAYER(what) (snprintf(name, sizeof name, "model.layers.%u.%s", l, what), name)
        add(list, &n, LAYER("input_layernorm.weight"), 1, m.d_model, 0, 1);
        add(list, &n, LAYER("post_attention_layernorm.weight"), 1, m.d_model, 0, 1);
        if (lm.qk_norm != AIMC_QK_NORM_NONE) {
            bool full = lm.qk_norm == AIMC_QK_NORM_FULL;
            add(list, &n, LAYER("self_attn.q_norm.weight"), 1, full ? q : m.head_dim, 0, 1);
            add(list, &n, LAYER("self_attn.k_norm.weight"), 1, full ? kv : m.head_dim, 0, 1);
        }
        if (lm.qkv_bias) {
            add(list, &n, LAYER("self_attn.q_proj.bias"), 1, q, 0, 2);
            add(list, &n, LAYER("self_attn.k_proj.bias"), 1, kv, 0, 2);
            add(list, &n, LAYER("self_attn.v_proj.bias"), 1, kv, 0, 2);
        }
        if (lm.o_bias)
            add(list, &n, LAYER("self_attn.o_proj.bias"), 1, m.d_model, 0, 2);
#undef LAYER
    }
    add(list, &n, "model.norm.weight", 1, m.d_model, 0, 1);
    aimc_st_spec *specs = calloc(n, sizeof *specs);
    size_t ns = 0;
    for (size_t i = 0; i < n && specs; i++) {
        if (o->omit && strcmp(o->omit, list[i].name) == 0)
            continue;
        aimc_st_spec *s = &specs[ns++];
        s->name = list[i].name;
        s->dtype = o->dtype;
        s->ndim = list[i].ndim;
        s->shape[0] = list[i].shape[0] + (o->misshape && strcmp(o->misshape, list[i].name) == 0);
        s->shape[1] = list[i].shape[1];
    }
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    aimc_st_writer *w = specs ? aimc_st_writer_open(path, specs, ns, err) : NULL;
    aimc_rng *rng = aimc_rng_create(o->seed);
    int rc = w && rng ? 0 : -1;
    float *buf = NULL;
    size_t bufcap = 0;
    for (size_t i = 0; rc == 0 && i < ns; i++) {
        size_t len = specs[i].shape[0] * (specs[i].ndim == 2 ? specs[i].shape[1] : 1);
        if (len > bufcap) {
            free(buf);
            bufcap = len;
            if (!(buf = malloc(len * sizeof *buf))) {
                rc = aimc_fail(err, "out of memory");
                break;
            }
        }
        int kind = 0;
        for (size_t k = 0; k < n; k++)
            if (strcmp(list[k].name, specs[i].name) == 0)
                kind = list[k].kind;
        for (size_t k = 0; k < len; k++) {
            double u = 2 * aimc_rng_uniform(rng) - 1;
            buf[k] = (float)(kind == 1 ? 1 + 0.2 * u : o->scale * u);
        }
        if (o->fill)
            o->fill(specs[i].name, buf, len, o->ctx);
        rc = aimc_st_writer_put_f32(w, buf, len, err);
    }
    if (w && rc == 0)
        rc = aimc_st_writer_close(w, err);
    else if (w)
        aimc_st_writer_abort(w);
    free(buf);
    aimc_rng_destroy(rng);
    free(specs);
    free(list);
    return rc;
}
