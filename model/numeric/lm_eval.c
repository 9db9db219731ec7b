#include "numeric/lm_eval.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload/matrices.h"

struct aimc_lm_cache {
    size_t n;
    aimc_nmatrix **m;
};

aimc_lm_cache *aimc_lm_cache_create(const aimc_moe_model *m)
{
    aimc_lm_cache *c = calloc(1, sizeof *c);
    if (c) {
        c->n = aimc_matrix_count(m);
        if (!(c->m = calloc(c->n, sizeof *c->m))) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

void aimc_lm_cache_destroy(aimc_lm_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        aimc_nmatrix_destroy(c->m[i]);
    free(c->m);
    free(c);
}

typedef struct {
    const aimc_lm_setup *s;
    const aimc_moe_model *m;
    const aimc_lm_config *lm;
    size_t N;     /* tokens of all windows */
    uint32_t W;
    float *h;     /* N x d_model hidden states */
    float *x;     /* N x d_model normalised */
    double *record; /* calibration: max|input| per matrix, else NULL */
    aimc_lm_result *r;
} pass;

/* ---- reading the checkpoint ---- */

static int find_tensor(const aimc_weights *w, const char *name, uint64_t len, const aimc_safetensors **st,
                       const aimc_st_tensor **t, aimc_error *err)
{
    *t = aimc_weights_find(w, name, st);
    if (!*t)
        return aimc_fail(err, "%s: tensor \"%s\" is missing", aimc_weights_path(w), name);
    if ((*t)->ndim != 1 || (*t)->shape[0] != len) {
        char shape[160];
        size_t k = (size_t)snprintf(shape, sizeof shape, "[");
        for (uint32_t i = 0; i < (*t)->ndim && k < sizeof shape; i++)
            k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%llu", i ? ", " : "",
                                  (unsigned long long)(*t)->shape[i]);
        if (k < sizeof shape)
            snprintf(shape + k, sizeof shape - k, "]");
        return aimc_fail(err, "%s: tensor \"%s\": expected shape [%llu] (config.json), found %s",
                         aimc_safetensors_path(*st), name, (unsigned long long)len, shape);
    }
    return 0;
}

static int float_dtype(const aimc_safetensors *st, const aimc_st_tensor *t, aimc_error *err)
{
    if (t->dtype != AIMC_ST_F32 && t->dtype != AIMC_ST_F16 && t->dtype != AIMC_ST_BF16)
        return aimc_fail(err, "%s: tensor \"%s\": expected dtype F32, F16 or BF16, found %s",
                         aimc_safetensors_path(st), t->name, aimc_st_dtype_name(t->dtype));
    return 0;
}

/* A vector tensor as float (malloc'ed), NULL on error. */
static float *read_vector(const aimc_weights *w, const char *name, uint64_t len, aimc_error *err)
{
    const aimc_safetensors *st;
    const aimc_st_tensor *t;
    if (find_tensor(w, name, len, &st, &t, err) || float_dtype(st, t, err))
        return NULL;
    float *v = malloc(len * sizeof *v);
    if (!v) {
        aimc_fail(err, "%s: out of memory", name);
        return NULL;
    }
    if (aimc_safetensors_read_f32(st, t, 0, len, v, err)) {
        free(v);
        return NULL;
    }
    return v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *read_matrix_timed(const pass *p, size_t index, aimc_matrix *x, aimc_error *err);

/* Matrix `index` as float, out_dim x in_dim (for the embedding: its table, vocab x d_model). */
static float *read_matrix(const pass *p, size_t index, aimc_matrix *x, aimc_error *err)
{
    double t0 = now_s();
    float *w = read_matrix_timed(p, index, x, err);
    p->r->weights_read_s += now_s() - t0;
    return w;
}

static float *read_matrix_timed(const pass *p, size_t index, aimc_matrix *x, aimc_error *err)
{
    aimc_matrix_at(p->m, index, x);
    const aimc_safetensors *st;
    const aimc_st_tensor *t;
    if (aimc_weights_matrix(p->s->weights, p->m, x, &st, &t, err) || float_dtype(st, t, err))
        return NULL;
    uint64_t n = aimc_st_tensor_elements(t);
    float *w = malloc(n * sizeof *w);
    if (!w) {
        aimc_fail(err, "%s: out of memory for tensor \"%s\"", aimc_safetensors_path(st), t->name);
        return NULL;
    }
    if (aimc_safetensors_read_f32(st, t, 0, n, w, err)) {
        free(w);
        return NULL;
    }
    return w;
}

/* ---- tensor names of the vectors ---- */

static void layer_name(char *buf, size_t size, uint32_t l, const char *what)
{
    snprintf(buf, size, "model.layers.%u.%s", l, what);
}

static uint64_t qk_norm_len(const aimc_moe_model *m, const aimc_lm_config *lm, uint32_t heads)
{
    return lm->qk_norm == AIMC_QK_NORM_FULL ? (uint64_t)heads * m->head_dim : m->head_dim;
}

int aimc_lm_check(const aimc_moe_model *m, const aimc_lm_config *lm, const aimc_weights *w, aimc_error *err)
{
    size_t count = aimc_matrix_count(m);
    for (size_t i = 0; i < count; i++) {
        aimc_matrix x;
        aimc_matrix_at(m, i, &x);
        const aimc_safetensors *st;
        const aimc_st_tensor *t;
        if (aimc_weights_matrix(w, m, &x, &st, &t, err) || float_dtype(st, t, err))
            return -1;
    }
    const uint64_t q = (uint64_t)m->heads * m->head_dim, kv = (uint64_t)m->kv_heads * m->head_dim;
    char name[160];
    const aimc_safetensors *st;
    const aimc_st_tensor *t;
    for (uint32_t l = 0; l < m->layers; l++) {
        struct {
            const char *what;
            uint64_t len;
            bool needed;
        } v[] = {
            {"input_layernorm.weight", m->d_model, true},
            {"post_attention_layernorm.weight", m->d_model, true},
            {"self_attn.q_norm.weight", qk_norm_len(m, lm, m->heads), lm->qk_norm != AIMC_QK_NORM_NONE},
            {"self_attn.k_norm.weight", qk_norm_len(m, lm, m->kv_heads), lm->qk_norm != AIMC_QK_NORM_NONE},
            {"self_attn.q_proj.bias", q, lm->qkv_bias},
            {"self_attn.k_proj.bias", kv, lm->qkv_bias},
            {"self_attn.v_proj.bias", kv, lm->qkv_bias},
            {"self_attn.o_proj.bias", m->d_model, lm->o_bias},
        };
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            if (!v[k].needed)
                continue;
            layer_name(name, sizeof name, l, v[k].what);
            if (find_tensor(w, name, v[k].len, &st, &t, err) || float_dtype(st, t, err))
                return -1;
        }
    }
    if (find_tensor(w, "model.norm.weight", m->d_model, &st, &t, err) || float_dtype(st, t, err))
        return -1;
    return 0;
}

/* ---- matrices where the assignment puts them ---- */

static aimc_placement placement(const pass *p, size_t index)
{
    return p->s->assignment ? aimc_assignment_placement(p->s->assignment, index) : AIMC_PLACE_DIGITAL;
}

static aimc_nmatrix *prepare_new(const pass *p, size_t index, aimc_error *err);

/* A prepared matrix: from the cache when it has this analog one, else made (and kept when analog and cached). */
static aimc_nmatrix *prepare(const pass *p, size_t index, aimc_error *err)
{
    aimc_lm_cache *c = p->s->cache;
    if (c && index < c->n && c->m[index] && placement(p, index) == AIMC_PLACE_ANALOG) {
        aimc_nmatrix_reset(c->m[index]);
        return c->m[index];
    }
    aimc_nmatrix *mx = prepare_new(p, index, err);
    if (mx && c && index < c->n && aimc_nmatrix_is_analog(mx))
        c->m[index] = mx;
    return mx;
}

/* Frees a prepared matrix unless the cache keeps it. */
static void release(const pass *p, size_t index, aimc_nmatrix *mx)
{
    aimc_lm_cache *c = p->s->cache;
    if (!(c && index < c->n && c->m[index] == mx && mx))
        aimc_nmatrix_destroy(mx);
}

static aimc_nmatrix *prepare_new(const pass *p, size_t index, aimc_error *err)
{
    aimc_matrix x;
    float *w = read_matrix(p, index, &x, err);
    if (!w)
        return NULL;
    if (x.module == AIMC_MODULE_EMBEDDING) {
        /* The table is vocab x d_model, i.e. W^T of the vocab -> d_model matrix: transpose for the MVMs. */
        float *t = malloc((size_t)x.in_dim * x.out_dim * sizeof *t);
        if (!t) {
            free(w);
            aimc_fail(err, "embedding: out of memory");
            return NULL;
        }
        for (size_t v = 0; v < x.in_dim; v++)
            for (size_t j = 0; j < x.out_dim; j++)
                t[j * x.in_dim + v] = w[v * x.out_dim + j];
        free(w);
        w = t;
    }
    if (placement(p, index) != AIMC_PLACE_ANALOG)
        return aimc_nmatrix_digital(w, x.out_dim, x.in_dim, err);
    const aimc_analog_setup *a = p->s->analog;
    if (!a) {
        free(w);
        aimc_fail(err, "numeric pass: the assignment places matrices on analog tiers but no analog setup was given");
        return NULL;
    }
    if (p->s->mapping) {
        const aimc_mapped_matrix *mm = aimc_mapping_matrix(p->s->mapping, index);
        uint32_t rb = (x.in_dim + a->periphery.rows - 1) / a->periphery.rows;
        uint32_t cb = (x.out_dim + a->periphery.cols - 1) / a->periphery.cols;
        if (!mm || mm->placement != AIMC_PLACE_ANALOG || mm->row_blocks != rb || mm->col_blocks != cb) {
            free(w);
            char label[96];
            aimc_matrix_label(&x, label, sizeof label);
            aimc_fail(err, "numeric pass: %s: the mapping's blocks are not the %ux%u tier's", label,
                      a->periphery.rows, a->periphery.cols);
            return NULL;
        }
    }
    double bound = p->s->input_bounds ? p->s->input_bounds[index] : 1.0;
    return aimc_nmatrix_analog(w, x.out_dim, x.in_dim, a, index, bound, err);
}

static void record_input(const pass *p, size_t index, const float *x, size_t n, size_t ldx, size_t in)
{
    if (!p->record)
        return;
    double mx = p->record[index];
    for (size_t b = 0; b < n; b++)
        for (size_t i = 0; i < in; i++) {
            double v = fabs((double)x[b * ldx + i]);
            if (v > mx)
                mx = v;
        }
    p->record[index] = mx;
}

static void account(const pass *p, const aimc_nmatrix *mx)
{
    aimc_nmatrix_stats_add(mx, aimc_nmatrix_is_analog(mx) ? &p->r->analog : &p->r->digital);
}

/* Y = X W^T for matrix `index`, the matrix prepared, applied and freed. */
static int matmul(const pass *p, size_t index, const float *x, size_t n, size_t ldx, uint32_t in, float *y,
                  size_t ldy, aimc_error *err)
{
    if (n == 0)
        return 0;
    record_input(p, index, x, n, ldx, in);
    aimc_nmatrix *mx = prepare(p, index, err);
    if (!mx)
        return -1;
    int rc = aimc_nmatrix_apply(mx, x, n, ldx, y, ldy, err);
    account(p, mx);
    release(p, index, mx);
    return rc;
}

static long index_of(const pass *p, int layer, aimc_module mod, int expert, aimc_role role)
{
    return aimc_matrix_index(p->m, layer, mod, expert, role);
}

/* ---- elementwise pieces ---- */

/* transformers' RMSNorm: x * rsqrt(mean(x^2) + eps) * weight, in float32. */
static void rmsnorm(const float *in, float *out, size_t n, size_t d, size_t ld, const float *g, double eps)
{
    for (size_t b = 0; b < n; b++) {
        const float *x = in + b * ld;
        float *y = out + b * ld;
        double ss = 0;
        for (size_t i = 0; i < d; i++)
            ss += (double)x[i] * x[i];
        float r = (float)(1.0 / sqrt(ss / (double)d + eps));
        for (size_t i = 0; i < d; i++)
            y[i] = g[i] * (x[i] * r);
    }
}

static void add_bias(float *y, size_t n, size_t d, const float *bias)
{
    for (size_t b = 0; b < n; b++)
        for (size_t i = 0; i < d; i++)
            y[b * d + i] += bias[i];
}

static float silu(float g) { return g / (1.0f + expf(-g)); }

/* RoPE in place on n_heads heads of every token (HF rotate_half: pairs (i, i + head_dim/2)), positions taken
 * modulo W (each window starts at 0); cos/sin tables are W x head_dim/2, computed in float32 as HF does. */
static void rope(float *q, size_t N, uint32_t W, uint32_t n_heads, uint32_t hd, const float *cs, const float *sn)
{
    const uint32_t half = hd / 2;
    for (size_t t = 0; t < N; t++) {
        const float *c = cs + (t % W) * half, *s = sn + (t % W) * half;
        for (uint32_t h = 0; h < n_heads; h++) {
            float *v = q + (t * n_heads + h) * hd;
            for (uint32_t i = 0; i < half; i++) {
                float a = v[i], b = v[i + half];
                v[i] = a * c[i] - b * s[i];
                v[i + half] = b * c[i] + a * s[i];
            }
        }
    }
}

/* ---- the layer ---- */

static int attention(pass *p, uint32_t l, float *out, aimc_error *err)
{
    const aimc_moe_model *m = p->m;
    const aimc_lm_config *lm = p->lm;
    const size_t N = p->N, d = m->d_model;
    const uint32_t H = m->heads, KV = m->kv_heads, hd = m->head_dim, W = p->W;
    const size_t qd = (size_t)H * hd, kd = (size_t)KV * hd;
    float *q = malloc(N * qd * sizeof *q), *k = malloc(N * kd * sizeof *k), *v = malloc(N * kd * sizeof *v);
    float *a = malloc(N * qd * sizeof *a), *sc = malloc((size_t)W * W * sizeof *sc);
    float *cs = malloc((size_t)W * (hd / 2) * sizeof *cs), *sn = malloc((size_t)W * (hd / 2) * sizeof *sn);
    float *vec[6] = {NULL};
    int rc = (q && k && v && a && sc && cs && sn) ? 0 : aimc_fail(err, "layer %u attention: out of memory", l);
    const aimc_role roles[3] = {AIMC_ROLE_Q, AIMC_ROLE_K, AIMC_ROLE_V};
    float *dst[3] = {q, k, v};
    const size_t width[3] = {qd, kd, kd};
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = matmul(p, (size_t)index_of(p, (int)l, AIMC_MODULE_ATTENTION, -1, roles[i]), p->x, N, d, (uint32_t)d,
                    dst[i], width[i], err);
    char name[160];
    static const char *bias_names[3] = {"self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"};
    for (int i = 0; rc == 0 && lm->qkv_bias && i < 3; i++) {
        layer_name(name, sizeof name, l, bias_names[i]);
        if (!(vec[i] = read_vector(p->s->weights, name, width[i], err)))
            rc = -1;
        else
            add_bias(dst[i], N, width[i], vec[i]);
    }
    if (rc == 0 && lm->qk_norm != AIMC_QK_NORM_NONE) {
        layer_name(name, sizeof name, l, "self_attn.q_norm.weight");
        vec[3] = read_vector(p->s->weights, name, qk_norm_len(m, lm, H), err);
        layer_name(name, sizeof name, l, "self_attn.k_norm.weight");
        vec[4] = vec[3] ? read_vector(p->s->weights, name, qk_norm_len(m, lm, KV), err) : NULL;
        if (!vec[4])
            rc = -1;
        else if (lm->qk_norm == AIMC_QK_NORM_FULL) {
            rmsnorm(q, q, N, qd, qd, vec[3], lm->rms_eps);
            rmsnorm(k, k, N, kd, kd, vec[4], lm->rms_eps);
        } else {
            rmsnorm(q, q, N * H, hd, hd, vec[3], lm->rms_eps);
            rmsnorm(k, k, N * KV, hd, hd, vec[4], lm->rms_eps);
        }
    }
    if (rc == 0 && lm->clip_qkv > 0) {
        const float c = (float)lm->clip_qkv;
        for (int i = 0; i < 3; i++)
            for (size_t e = 0; e < N * width[i]; e++)
                dst[i][e] = dst[i][e] > c ? c : dst[i][e] < -c ? -c : dst[i][e];
    }
    if (rc == 0) {
        const uint32_t half = hd / 2;
        for (uint32_t pos = 0; pos < W; pos++)
            for (uint32_t i = 0; i < half; i++) {
                float inv = 1.0f / powf((float)lm->rope_theta, (float)(2 * i) / (float)hd);
                float ang = inv * (float)pos;
                cs[pos * half + i] = cosf(ang);
                sn[pos * half + i] = sinf(ang);
            }
        rope(q, N, W, H, hd, cs, sn);
        rope(k, N, W, KV, hd, cs, sn);
        const float scale = (float)(1.0 / sqrt((double)hd));
        const size_t windows = N / W;
        for (size_t w = 0; w < windows; w++)
            for (uint32_t h = 0; h < H; h++) {
                const uint32_t g = h / (H / KV);
                const float *qh = q + w * W * qd + (size_t)h * hd;
                const float *kh = k + w * W * kd + (size_t)g * hd, *vh = v + w * W * kd + (size_t)g * hd;
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)W, (int)W, (int)hd, scale, qh, (int)qd, kh,
                            (int)kd, 0.0f, sc, (int)W);
                for (uint32_t i = 0; i < W; i++) {
                    float *row = sc + (size_t)i * W, mx = row[0];
                    for (uint32_t j = 1; j <= i; j++)
                        mx = row[j] > mx ? row[j] : mx;
                    float sum = 0;
                    for (uint32_t j = 0; j <= i; j++)
                        sum += (row[j] = expf(row[j] - mx));
                    for (uint32_t j = 0; j <= i; j++)
                        row[j] /= sum;
                    for (uint32_t j = i + 1; j < W; j++)
                        row[j] = 0;
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)W, (int)hd, (int)W, 1.0f, sc, (int)W, vh,
                            (int)kd, 0.0f, a + w * W * qd + (size_t)h * hd, (int)qd);
            }
        p->r->attention_flops += 4.0 * (double)windows * H * W * W * hd;
        rc = matmul(p, (size_t)index_of(p, (int)l, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_O), a, N, qd, (uint32_t)qd,
                    out, d, err);
    }
    if (rc == 0 && lm->o_bias) {
        layer_name(name, sizeof name, l, "self_attn.o_proj.bias");
        if (!(vec[5] = read_vector(p->s->weights, name, d, err)))
            rc = -1;
        else
            add_bias(out, N, d, vec[5]);
    }
    for (int i = 0; i < 6; i++)
        free(vec[i]);
    free(q);
    free(k);
    free(v);
    free(a);
    free(sc);
    free(cs);
    free(sn);
    return rc;
}

/* A SwiGLU FFN (gate, up, down consecutive in matrices.h order from `first`) on n rows of x, into y. */
static int swiglu(pass *p, size_t first, const float *x, size_t n, uint32_t hidden, float *y, aimc_error *err)
{
    const size_t d = p->m->d_model;
    float *g = malloc(n * hidden * sizeof *g), *u = malloc(n * hidden * sizeof *u);
    int rc = (g && u) || n == 0 ? 0 : aimc_fail(err, "FFN: out of memory for %zu x %u", n, hidden);
    if (rc == 0)
        rc = matmul(p, first, x, n, d, (uint32_t)d, g, hidden, err);
    if (rc == 0)
        rc = matmul(p, first + 1, x, n, d, (uint32_t)d, u, hidden, err);
    if (rc == 0) {
        for (size_t e = 0; e < n * hidden; e++)
            g[e] = silu(g[e]) * u[e];
        rc = matmul(p, first + 2, g, n, hidden, hidden, y, d, err);
    }
    free(g);
    free(u);
    return rc;
}

static int moe(pass *p, uint32_t l, float *out, aimc_error *err)
{
    const aimc_moe_model *m = p->m;
    const size_t N = p->N, d = m->d_model;
    const uint32_t E = m->experts, K = m->top_k;
    float *logits = malloc(N * E * sizeof *logits);
    uint32_t *sel = malloc(N * K * sizeof *sel), *count = calloc(E + 1, sizeof *count);
    float *gate = malloc(N * K * sizeof *gate);
    size_t *order = malloc(N * K * sizeof *order);
    float *xe = malloc(N * d * sizeof *xe), *ye = malloc(N * d * sizeof *ye);
    int rc = logits && sel && count && gate && order && xe && ye ? 0 : aimc_fail(err, "layer %u MoE: out of memory", l);
    if (rc == 0 && p->s->moe_input)
        p->s->moe_input(p->s->ctx, l, p->x, N);
    if (rc == 0)
        rc = matmul(p, (size_t)index_of(p, (int)l, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), p->x, N, d,
                    (uint32_t)d, logits, E, err);
    for (size_t t = 0; rc == 0 && t < N; t++) {
        /* softmax over all experts, then the K largest (lower index first on ties), optionally renormalised */
        float *z = logits + t * E, mx = z[0], sum = 0;
        for (uint32_t e = 1; e < E; e++)
            mx = z[e] > mx ? z[e] : mx;
        for (uint32_t e = 0; e < E; e++)
            sum += (z[e] = expf(z[e] - mx));
        for (uint32_t e = 0; e < E; e++)
            z[e] /= sum;
        float total = 0;
        for (uint32_t k = 0; k < K; k++) {
            uint32_t best = UINT32_MAX;
            for (uint32_t e = 0; e < E; e++) {
                bool taken = false;
                for (uint32_t j = 0; j < k; j++)
                    taken = taken || sel[t * K + j] == e;
                if (!taken && (best == UINT32_MAX || z[e] > z[best]))
                    best = e;
            }
            sel[t * K + k] = best;
            gate[t * K + k] = z[best];
            if (p->s->route_count)
                p->s->route_count[(size_t)l * E + best] += 1;
            total += z[best];
            count[best + 1]++;
        }
        if (p->lm->renormalise_top_k)
            for (uint32_t k = 0; k < K; k++)
                gate[t * K + k] /= total;
        if (p->s->route_gate)
            for (uint32_t k = 0; k < K; k++)
                p->s->route_gate[(size_t)l * E + sel[t * K + k]] += gate[t * K + k];
    }
    if (rc == 0) {
        for (uint32_t e = 0; e < E; e++)
            count[e + 1] += count[e]; /* start of expert e's tokens in order[] */
        uint32_t *fill = calloc(E, sizeof *fill);
        if (!fill)
            rc = aimc_fail(err, "layer %u MoE: out of memory", l);
        for (size_t t = 0; rc == 0 && t < N; t++)
            for (uint32_t k = 0; k < K; k++) {
                uint32_t e = sel[t * K + k];
                order[count[e] + fill[e]++] = t * K + k;
            }
        free(fill);
        memset(out, 0, N * d * sizeof *out);
    }
    /* experts in index order, each on the tokens that chose it; outputs added in that order (as index_add_) */
    for (uint32_t e = 0; rc == 0 && e < E; e++) {
        size_t n = count[e + 1] - count[e];
        if (n == 0)
            continue;
        for (size_t i = 0; i < n; i++)
            memcpy(xe + i * d, p->x + (order[count[e] + i] / K) * d, d * sizeof *xe);
        rc = swiglu(p, (size_t)aimc_matrix_expert_first(m, (int)l, (int)e), xe, n, m->expert_hidden, ye, err);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            size_t sk = order[count[e] + i], t = sk / K;
            const float gw = gate[sk];
            for (size_t j = 0; j < d; j++)
                out[t * d + j] += ye[i * d + j] * gw;
        }
    }
    if (rc == 0 && m->shared_hidden > 0) {
        rc = swiglu(p, (size_t)index_of(p, (int)l, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_GATE), p->x, N,
                    m->shared_hidden, ye, err);
        if (rc == 0 && m->shared_gate)
            rc = matmul(p, (size_t)index_of(p, (int)l, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_SHARED_GATE), p->x, N, d,
                        (uint32_t)d, logits, 1, err);
        for (size_t t = 0; rc == 0 && t < N; t++) {
            const float s = m->shared_gate ? 1.0f / (1.0f + expf(-logits[t])) : 1.0f;
            for (size_t j = 0; j < d; j++)
                out[t * d + j] += s * ye[t * d + j];
        }
    }
    free(logits);
    free(sel);
    free(count);
    free(gate);
    free(order);
    free(xe);
    free(ye);
    return rc;
}

static int layer(pass *p, uint32_t l, aimc_error *err)
{
    const aimc_moe_model *m = p->m;
    const size_t N = p->N, d = m->d_model;
    char name[160];
    float *f = malloc(N * d * sizeof *f);
    layer_name(name, sizeof name, l, "input_layernorm.weight");
    float *g1 = read_vector(p->s->weights, name, d, err);
    layer_name(name, sizeof name, l, "post_attention_layernorm.weight");
    float *g2 = g1 ? read_vector(p->s->weights, name, d, err) : NULL;
    int rc = g1 && g2 ? 0 : -1;
    if (rc == 0 && !f)
        rc = aimc_fail(err, "layer %u: out of memory", l);
    if (rc == 0) {
        rmsnorm(p->h, p->x, N, d, d, g1, p->lm->rms_eps);
        rc = attention(p, l, f, err);
    }
    if (rc == 0) {
        for (size_t e = 0; e < N * d; e++)
            p->h[e] += f[e];
        rmsnorm(p->h, p->x, N, d, d, g2, p->lm->rms_eps);
        if (aimc_moe_model_layer_is_moe(m, l))
            rc = moe(p, l, f, err);
        else
            rc = swiglu(p, (size_t)index_of(p, (int)l, AIMC_MODULE_DENSE_FFN, -1, AIMC_ROLE_GATE), p->x, N,
                        m->dense_hidden, f, err);
    }
    if (rc == 0)
        for (size_t e = 0; e < N * d; e++)
            p->h[e] += f[e];
    free(f);
    free(g1);
    free(g2);
    return rc;
}

/* ---- embedding and head ---- */

static int embed(pass *p, const uint32_t *tokens, aimc_error *err)
{
    const aimc_moe_model *m = p->m;
    const size_t d = m->d_model, N = p->N;
    const size_t index = 0; /* the embedding is matrix 0 */
    if (placement(p, index) != AIMC_PLACE_ANALOG) {
        /* a lookup (a digital one-hot MVM is the same row copy) */
        aimc_matrix x;
        float *table = read_matrix(p, index, &x, err);
        if (!table)
            return -1;
        for (size_t t = 0; t < N; t++)
            memcpy(p->h + t * d, table + (size_t)tokens[t] * d, d * sizeof *table);
        free(table);
        if (p->record && p->record[index] < 1)
            p->record[index] = 1; /* one-hot inputs */
        return 0;
    }
    /* all-analog: one-hot MVMs through the analog embedding, a chunk of tokens at a time */
    aimc_nmatrix *mx = prepare(p, index, err);
    enum { CHUNK = 64 };
    float *onehot = mx ? calloc((size_t)CHUNK * m->vocab, sizeof *onehot) : NULL;
    int rc = mx ? (onehot ? 0 : aimc_fail(err, "embedding: out of memory")) : -1;
    for (size_t t0 = 0; rc == 0 && t0 < N; t0 += CHUNK) {
        size_t n = N - t0 < CHUNK ? N - t0 : CHUNK;
        for (size_t b = 0; b < n; b++)
            onehot[b * m->vocab + tokens[t0 + b]] = 1.0f;
        rc = aimc_nmatrix_apply(mx, onehot, n, m->vocab, p->h + t0 * d, d, err);
        for (size_t b = 0; b < n; b++)
            onehot[b * m->vocab + tokens[t0 + b]] = 0.0f;
    }
    if (mx)
        account(p, mx);
    free(onehot);
    release(p, index, mx);
    return rc;
}

static int head(pass *p, const uint32_t *tokens, double *nll, float *logits_out, double *sum, aimc_error *err)
{
    const aimc_moe_model *m = p->m;
    const size_t d = m->d_model, V = m->vocab, W = p->W, windows = p->N / p->W;
    const size_t index = aimc_matrix_count(m) - 1; /* the LM head is the last matrix */
    float *g = read_vector(p->s->weights, "model.norm.weight", d, err);
    if (!g)
        return -1;
    rmsnorm(p->h, p->x, p->N, d, d, g, p->lm->rms_eps);
    free(g);
    record_input(p, index, p->x, p->N, d, d);
    aimc_nmatrix *mx = prepare(p, index, err);
    float *z = mx ? malloc(W * V * sizeof *z) : NULL;
    int rc = mx ? (z ? 0 : aimc_fail(err, "LM head: out of memory for %zu x %zu logits", W, V)) : -1;
    *sum = 0;
    for (size_t w = 0; rc == 0 && w < windows; w++) {
        rc = aimc_nmatrix_apply(mx, p->x + w * W * d, W, d, z, V, err);
        if (rc)
            break;
        if (logits_out)
            memcpy(logits_out + w * W * V, z, W * V * sizeof *z);
        for (size_t i = 0; i + 1 < W; i++) {
            const float *row = z + i * V;
            double mxv = row[0], s = 0;
            for (size_t v = 1; v < V; v++)
                mxv = row[v] > mxv ? row[v] : mxv;
            for (size_t v = 0; v < V; v++)
                s += exp((double)row[v] - mxv);
            double loss = mxv + log(s) - (double)row[tokens[w * W + i + 1]];
            if (nll)
                nll[w * (W - 1) + i] = loss;
            *sum += loss;
        }
    }
    if (mx)
        account(p, mx);
    free(z);
    release(p, index, mx);
    return rc;
}

static int run_pass(const aimc_lm_setup *s, const uint32_t *tokens, size_t windows, uint32_t W, double *nll,
                    float *logits, double *record, aimc_lm_result *r, aimc_error *err)
{
    const aimc_moe_model *m = s->model;
    memset(r, 0, sizeof *r);
    if (W < 2 || W > s->lm->max_positions)
        return aimc_fail(err, "%s: max_position_embeddings: a window of %u tokens needs 2 <= W <= %u", m->path, W,
                         s->lm->max_positions);
    if (windows == 0)
        return aimc_fail(err, "numeric pass: no window of %u tokens to evaluate", W);
    for (size_t t = 0; t < windows * W; t++)
        if (tokens[t] >= m->vocab)
            return aimc_fail(err, "token %zu: id %u is not below the model's vocab_size %u", t, tokens[t], m->vocab);
    if (aimc_lm_check(m, s->lm, s->weights, err))
        return -1;
    pass p = {.s = s, .m = m, .lm = s->lm, .N = windows * W, .W = W, .record = record, .r = r};
    p.h = malloc(p.N * m->d_model * sizeof *p.h);
    p.x = malloc(p.N * m->d_model * sizeof *p.x);
    int rc = p.h && p.x ? 0 : aimc_fail(err, "numeric pass: out of memory for %zu x %u hidden states", p.N, m->d_model);
    if (rc == 0)
        rc = embed(&p, tokens, err);
    for (uint32_t l = 0; rc == 0 && l < m->layers; l++)
        rc = layer(&p, l, err);
    double sum = 0;
    if (rc == 0)
        rc = head(&p, tokens, nll, logits, &sum, err);
    if (rc == 0) {
        r->windows = windows;
        r->window = W;
        r->targets = (uint64_t)windows * (W - 1);
        r->mean_nll = sum / (double)r->targets;
        r->perplexity = exp(r->mean_nll);
    }
    free(p.h);
    free(p.x);
    return rc;
}

int aimc_lm_eval(const aimc_lm_setup *s, const uint32_t *tokens, size_t windows, uint32_t W, double *nll,
                 float *logits, aimc_lm_result *r, aimc_error *err)
{
    return run_pass(s, tokens, windows, W, nll, logits, NULL, r, err);
}

int aimc_lm_calibrate(const aimc_lm_setup *s, const uint32_t *tokens, size_t windows, uint32_t W, double *bounds,
                      aimc_error *err)
{
    const aimc_moe_model *m = s->model;
    const size_t count = aimc_matrix_count(m);
    for (size_t i = 0; i < count; i++)
        bounds[i] = 0;
    aimc_lm_setup clean = *s;
    clean.assignment = NULL;
    clean.route_count = clean.route_gate = NULL;
    aimc_lm_result r;
    if (run_pass(&clean, tokens, windows, W, NULL, NULL, bounds, &r, err))
        return -1;
    /* Experts no calibration token reached: the largest bound of the layer's experts in the same role. */
    for (size_t i = 0; i < count; i++) {
        aimc_matrix x;
        aimc_matrix_at(m, i, &x);
        if (bounds[i] > 0 || x.module != AIMC_MODULE_EXPERT)
            continue;
        for (uint32_t e = 0; e < m->experts; e++) {
            long j = aimc_matrix_index(m, x.layer, x.module, (int)e, x.role);
            if (j >= 0 && bounds[j] > bounds[i])
                bounds[i] = bounds[j];
        }
    }
    for (size_t i = 0; i < count; i++)
        if (!(bounds[i] > 0))
            bounds[i] = 1.0; /* inputs that were all zero */
    return 0;
}

/* One SwiGLU FFN through three prepared matrices. */
static int ffn_with(aimc_nmatrix *mx[3], const float *x, size_t n, size_t d, uint32_t hidden, float *y,
                    aimc_error *err)
{
    float *g = malloc(n * hidden * sizeof *g), *u = malloc(n * hidden * sizeof *u);
    int rc = g && u ? 0 : aimc_fail(err, "expert error: out of memory");
    if (rc == 0)
        rc = aimc_nmatrix_apply(mx[0], x, n, d, g, hidden, err);
    if (rc == 0)
        rc = aimc_nmatrix_apply(mx[1], x, n, d, u, hidden, err);
    if (rc == 0) {
        for (size_t e = 0; e < n * hidden; e++)
            g[e] = silu(g[e]) * u[e];
        rc = aimc_nmatrix_apply(mx[2], g, n, hidden, y, d, err);
    }
    free(g);
    free(u);
    return rc;
}

int aimc_lm_expert_error(const aimc_lm_setup *s, uint32_t layer, uint32_t expert, const float *x, size_t n,
                         double *rel_error, aimc_error *err)
{
    const aimc_moe_model *m = s->model;
    if (!s->analog)
        return aimc_fail(err, "expert error: no analog setup");
    long first = aimc_matrix_expert_first(m, (int)layer, (int)expert);
    if (first < 0)
        return aimc_fail(err, "expert error: layer %u has no routed expert %u", layer, expert);
    aimc_lm_result r;
    memset(&r, 0, sizeof r);
    pass p = {.s = s, .m = m, .lm = s->lm, .r = &r};
    aimc_nmatrix *dig[3] = {NULL}, *ana[3] = {NULL};
    int rc = 0;
    for (int k = 0; rc == 0 && k < 3; k++) {
        aimc_matrix mx;
        float *w = read_matrix(&p, (size_t)first + (size_t)k, &mx, err);
        float *w2 = w ? malloc((size_t)mx.in_dim * mx.out_dim * sizeof *w2) : NULL;
        if (!w2) {
            free(w);
            rc = w ? aimc_fail(err, "expert error: out of memory") : -1;
            break;
        }
        memcpy(w2, w, (size_t)mx.in_dim * mx.out_dim * sizeof *w2);
        double bound = s->input_bounds ? s->input_bounds[first + k] : 1.0;
        dig[k] = aimc_nmatrix_digital(w, mx.out_dim, mx.in_dim, err);
        ana[k] = aimc_nmatrix_analog(w2, mx.out_dim, mx.in_dim, s->analog, (uint64_t)first + (uint64_t)k, bound, err);
        if (!dig[k] || !ana[k])
            rc = -1;
    }
    const size_t d = m->d_model;
    float *yd = malloc(n * d * sizeof *yd), *ya = malloc(n * d * sizeof *ya);
    if (rc == 0 && (!yd || !ya))
        rc = aimc_fail(err, "expert error: out of memory");
    if (rc == 0)
        rc = ffn_with(dig, x, n, d, m->expert_hidden, yd, err);
    if (rc == 0)
        rc = ffn_with(ana, x, n, d, m->expert_hidden, ya, err);
    if (rc == 0) {
        double num = 0, den = 0;
        for (size_t e = 0; e < n * d; e++) {
            num += ((double)ya[e] - yd[e]) * ((double)ya[e] - yd[e]);
            den += (double)yd[e] * yd[e];
        }
        *rel_error = den > 0 ? sqrt(num / den) : 0;
    }
    for (int k = 0; k < 3; k++) {
        aimc_nmatrix_destroy(dig[k]);
        aimc_nmatrix_destroy(ana[k]);
    }
    free(yd);
    free(ya);
    return rc;
}
