#include "workload/weights.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct aimc_weights {
    char *path;
    size_t n;
    aimc_safetensors **shards;
};

/* ---- names ---- */

static const char *ffn_suffix(aimc_model_family f, aimc_role r, bool routed)
{
    if (f == AIMC_FAMILY_MIXTRAL && routed)
        return r == AIMC_ROLE_GATE ? "w1" : r == AIMC_ROLE_UP ? "w3" : "w2";
    return r == AIMC_ROLE_GATE ? "gate_proj" : r == AIMC_ROLE_UP ? "up_proj" : "down_proj";
}

static const char *moe_block(aimc_model_family f) { return f == AIMC_FAMILY_MIXTRAL ? "block_sparse_moe" : "mlp"; }

static const char *shared_block(aimc_model_family f)
{
    return f == AIMC_FAMILY_QWEN2_MOE ? "shared_expert" : "shared_experts";
}

void aimc_weight_name(const aimc_moe_model *m, const aimc_matrix *x, char *buf, size_t size)
{
    aimc_model_family f = m->family;
    int l = x->layer;
    switch (x->module) {
    case AIMC_MODULE_EMBEDDING:
        snprintf(buf, size, "model.embed_tokens.weight");
        break;
    case AIMC_MODULE_LM_HEAD:
        snprintf(buf, size, m->tied_embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
        break;
    case AIMC_MODULE_ATTENTION:
        snprintf(buf, size, "model.layers.%d.self_attn.%s_proj.weight", l, aimc_role_name(x->role));
        break;
    case AIMC_MODULE_ROUTER:
        if (x->role == AIMC_ROLE_SHARED_GATE)
            snprintf(buf, size, "model.layers.%d.mlp.shared_expert_gate.weight", l);
        else
            snprintf(buf, size, "model.layers.%d.%s.gate.weight", l, moe_block(f));
        break;
    case AIMC_MODULE_EXPERT:
        snprintf(buf, size, "model.layers.%d.%s.experts.%d.%s.weight", l, moe_block(f), x->expert,
                 ffn_suffix(f, x->role, true));
        break;
    case AIMC_MODULE_SHARED_EXPERT:
        snprintf(buf, size, "model.layers.%d.mlp.%s.%s.weight", l, shared_block(f), ffn_suffix(f, x->role, false));
        break;
    default: /* dense FFN */
        snprintf(buf, size, "model.layers.%d.mlp.%s.weight", l, ffn_suffix(f, x->role, false));
        break;
    }
}

/* ---- shards ---- */

static bool is_safetensors(const char *name)
{
    size_t n = strlen(name);
    return n > 12 && strcmp(name + n - 12, ".safetensors") == 0;
}

static int by_path(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.safetensors files of a folder, sorted. */
static int list_shards(const char *path, char ***files, size_t *n, aimc_error *err)
{
    DIR *d = opendir(path);
    if (!d)
        return aimc_fail(err, "%s: cannot open folder", path);
    size_t cap = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        if (!is_safetensors(e->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(*files, cap * sizeof **files);
            if (!grown) {
                rc = aimc_fail(err, "%s: out of memory", path);
                break;
            }
            *files = grown;
        }
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        if (!((*files)[*n] = malloc(len)))
            rc = aimc_fail(err, "%s: out of memory", path);
        else
            snprintf((*files)[(*n)++], len, "%s/%s", path, e->d_name);
    }
    closedir(d);
    if (rc == 0 && *n == 0)
        rc = aimc_fail(err, "%s: a folder without *.safetensors files", path);
    if (rc == 0)
        qsort(*files, *n, sizeof **files, by_path);
    return rc;
}

static int open_shards(aimc_weights *w, char *const *files, size_t n, aimc_error *err)
{
    if (!(w->shards = calloc(n, sizeof *w->shards)))
        return aimc_fail(err, "%s: out of memory", w->path);
    for (size_t i = 0; i < n; i++) {
        if (!(w->shards[i] = aimc_safetensors_open(files[i], err)))
            return -1;
        w->n++;
    }
    return 0;
}

static int open_folder(aimc_weights *w, aimc_error *err)
{
    char **files = NULL;
    size_t n = 0;
    int rc = list_shards(w->path, &files, &n, err);
    if (rc == 0)
        rc = open_shards(w, files, n, err);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

typedef struct {
    const char *name;
    size_t shard;
} located;

static int by_located_name(const void *a, const void *b)
{
    return strcmp(((const located *)a)->name, ((const located *)b)->name);
}

static int check_unique_names(const aimc_weights *w, aimc_error *err)
{
    size_t total = 0;
    for (size_t s = 0; s < w->n; s++)
        total += aimc_safetensors_count(w->shards[s]);
    located *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return aimc_fail(err, "%s: out of memory", w->path);
    size_t k = 0;
    for (size_t s = 0; s < w->n; s++)
        for (size_t i = 0; i < aimc_safetensors_count(w->shards[s]); i++)
            all[k++] = (located){aimc_safetensors_at(w->shards[s], i)->name, s};
    qsort(all, total, sizeof *all, by_located_name);
    int rc = 0;
    for (size_t i = 1; i < total && rc == 0; i++)
        if (strcmp(all[i - 1].name, all[i].name) == 0)
            rc = aimc_fail(err, "%s: tensor \"%s\" is in two shards: %s and %s", w->path, all[i].name,
                           aimc_safetensors_path(w->shards[all[i - 1].shard]),
                           aimc_safetensors_path(w->shards[all[i].shard]));
    free(all);
    return rc;
}

aimc_weights *aimc_weights_open(const char *path, aimc_error *err)
{
    aimc_weights *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        aimc_fail(err, "%s: out of memory", path);
        return NULL;
    }
    struct stat sb;
    char *one[1] = {w->path};
    int rc = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? open_folder(w, err) : open_shards(w, one, 1, err);
    if (rc == 0)
        rc = check_unique_names(w, err);
    if (rc) {
        aimc_weights_close(w);
        return NULL;
    }
    return w;
}

void aimc_weights_close(aimc_weights *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        aimc_safetensors_close(w->shards[i]);
    free(w->shards);
    free(w->path);
    free(w);
}

const char *aimc_weights_path(const aimc_weights *w) { return w->path; }

const aimc_st_tensor *aimc_weights_find(const aimc_weights *w, const char *name, const aimc_safetensors **st)
{
    for (size_t s = 0; s < w->n; s++) {
        const aimc_st_tensor *t = aimc_safetensors_find(w->shards[s], name);
        if (t) {
            *st = w->shards[s];
            return t;
        }
    }
    return NULL;
}

static void shape_text(const aimc_st_tensor *t, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "[");
    for (uint32_t i = 0; i < t->ndim && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%llu", i ? ", " : "", (unsigned long long)t->shape[i]);
    if (n < size)
        snprintf(buf + n, size - n, "]");
}

int aimc_weights_matrix(const aimc_weights *w, const aimc_moe_model *m, const aimc_matrix *x,
                        const aimc_safetensors **st, const aimc_st_tensor **t, aimc_error *err)
{
    char name[160], what[96];
    aimc_weight_name(m, x, name, sizeof name);
    aimc_matrix_label(x, what, sizeof what);
    for (size_t s = 0; s < w->n; s++) {
        const aimc_st_tensor *found = aimc_safetensors_find(w->shards[s], name);
        if (!found)
            continue;
        bool table = x->module == AIMC_MODULE_EMBEDDING || (x->module == AIMC_MODULE_LM_HEAD && m->tied_embeddings);
        uint64_t rows = table ? m->vocab : x->out_dim, cols = table ? m->d_model : x->in_dim;
        if (found->ndim != 2 || found->shape[0] != rows || found->shape[1] != cols)
        {
            char shape[200];
            shape_text(found, shape, sizeof shape);
            return aimc_fail(err, "%s: tensor \"%s\" (%s): expected shape [%llu, %llu], found %s",
                             aimc_safetensors_path(w->shards[s]), name, what, (unsigned long long)rows,
                             (unsigned long long)cols, shape);
        }
        *st = w->shards[s];
        *t = found;
        return 0;
    }
    return aimc_fail(err, "%s: tensor \"%s\" (%s of model %s) is missing", w->path, name, what, m->name);
}
