#include "numeric/nmatrix.h"

#include <cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analog/analog_tier.h"
#include "analog/periphery_analog.h"
#include "core/rng.h"

struct aimc_nmatrix {
    uint32_t out_dim, in_dim;
    bool analog;
    /* digital, and the analog fast path: out x in, checkpoint layout */
    float *w;
    /* analog */
    aimc_analog_setup a;
    aimc_dac dac;
    aimc_adc adc;
    bool fast;                /* one SGEMM over the assembled effective weights */
    uint32_t R, C, rb, cb;    /* tier size, row and column blocks */
    float *w_eff;             /* block path: in x out normalised effective weights, blocks side by side */
    float *var;               /* block path: in x out read-noise variances, NULL when read noise is off */
    double *w_max;            /* rb x cb: each block's max|W| */
    uint64_t matrix;          /* the device-draw key's matrix index */
    gsl_rng **rng;            /* rb x cb: each block's per-MVM noise stream */
    /* scratch */
    size_t cap;
    float *u, *u2, *mean, *vv, *an;
    int16_t *codes;
    aimc_nmatrix_stats stats;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t aimc_nmatrix_block_seed(uint64_t seed, uint32_t draw, uint64_t matrix, uint64_t block)
{
    return aimc_seed_mix(aimc_seed_mix(aimc_seed_mix(seed, draw), matrix), block);
}

aimc_nmatrix *aimc_nmatrix_digital(float *w, uint32_t out_dim, uint32_t in_dim, aimc_error *err)
{
    aimc_nmatrix *m = calloc(1, sizeof *m);
    if (!m) {
        free(w);
        aimc_fail(err, "numeric matrix: out of memory");
        return NULL;
    }
    m->w = w;
    m->out_dim = out_dim;
    m->in_dim = in_dim;
    return m;
}

/* The per-call buffers, sized for m->cap tokens by reserve. */
static void free_scratch(aimc_nmatrix *m)
{
    free(m->u);
    free(m->u2);
    free(m->mean);
    free(m->vv);
    free(m->an);
    free(m->codes);
}

void aimc_nmatrix_destroy(aimc_nmatrix *m)
{
    if (!m)
        return;
    if (m->rng)
        for (size_t k = 0; k < (size_t)m->rb * m->cb; k++)
            if (m->rng[k])
                gsl_rng_free(m->rng[k]);
    free(m->rng);
    free(m->w);
    free(m->w_eff);
    free(m->var);
    free(m->w_max);
    free_scratch(m);
    free(m);
}

static aimc_nmatrix *fail_destroy(aimc_nmatrix *m, aimc_error *err, const char *what)
{
    if (what)
        aimc_fail(err, "numeric matrix: %s", what);
    aimc_nmatrix_destroy(m);
    return NULL;
}

/* Programs every block on a tier and keeps what the MVMs need: the assembled effective weights (scaled by
 * max|W| for the fast path, normalised for the block path) and the read-noise variances. */
static int program_blocks(aimc_nmatrix *m, const float *w, uint64_t matrix, aimc_error *err)
{
    const uint32_t R = m->R, C = m->C, in = m->in_dim, out = m->out_dim;
    /* Without IR drop a device's state does not depend on its neighbours: an edge block is programmed as a tier
     * of just its used cells (the unused cells of the crossbar would only be drawn to be ignored). */
    const bool whole = m->a.periphery.noise.ir_drop;
    float *blk = malloc((size_t)R * C * sizeof *blk);
    if (!blk)
        return aimc_fail(err, "numeric matrix: out of memory");
    int rc = 0;
    for (uint32_t r = 0; rc == 0 && r < m->rb; r++)
        for (uint32_t c = 0; rc == 0 && c < m->cb; c++) {
            const uint32_t i0 = r * R, j0 = c * C;
            const uint32_t ni = in - i0 < R ? in - i0 : R, nj = out - j0 < C ? out - j0 : C;
            const uint32_t tr = whole ? R : ni, tc = whole ? C : nj;
            aimc_periphery_config cfg = m->a.periphery;
            cfg.rows = tr;
            cfg.cols = tc;
            aimc_analog_tier *tier = aimc_analog_tier_create(&cfg, err);
            if (!tier) {
                rc = -1;
                break;
            }
            memset(blk, 0, (size_t)tr * tc * sizeof *blk); /* unused cells of an edge block hold 0 */
            for (uint32_t i = 0; i < ni; i++)
                for (uint32_t j = 0; j < nj; j++)
                    blk[(size_t)i * tc + j] = w[(size_t)(j0 + j) * in + i0 + i];
            const size_t k = (size_t)r * m->cb + c;
            const uint64_t key = aimc_nmatrix_block_seed(m->a.seed, m->a.draw, matrix, k);
            rc = aimc_analog_tier_program(tier, blk, key, err);
            const float *we = aimc_analog_tier_w_eff(tier), *v = aimc_analog_tier_read_var(tier);
            const double wmax = aimc_analog_tier_w_max(tier);
            m->w_max[k] = wmax;
            for (uint32_t i = 0; rc == 0 && i < ni; i++)
                for (uint32_t j = 0; j < nj; j++) {
                    const size_t s = (size_t)i * tc + j;
                    if (m->fast)
                        m->w[(size_t)(j0 + j) * in + i0 + i] = (float)(we[s] * wmax);
                    else {
                        const size_t d = (size_t)(i0 + i) * out + j0 + j;
                        m->w_eff[d] = we[s];
                        if (m->var)
                            m->var[d] = v[s];
                    }
                }
            if (rc == 0 && !m->fast)
                gsl_rng_set(m->rng[k], (unsigned long)aimc_seed_mix(key, 0x5DEECE66Dull)); /* per-MVM noise */
            aimc_analog_tier_destroy(tier);
        }
    free(blk);
    return rc;
}

aimc_nmatrix *aimc_nmatrix_analog(float *w, uint32_t out_dim, uint32_t in_dim, const aimc_analog_setup *a,
                                  uint64_t matrix, double input_bound, aimc_error *err)
{
    aimc_nmatrix *m = aimc_nmatrix_digital(w, out_dim, in_dim, err);
    if (!m)
        return NULL;
    if (!(input_bound > 0) || !isfinite(input_bound))
        return fail_destroy(m, err, "input bound must be a positive number");
    m->analog = true;
    m->a = *a;
    m->a.periphery.dac_input_bound = input_bound * a->periphery.dac_input_bound;
    aimc_dac_init(&m->dac, &m->a.periphery);
    aimc_adc_init(&m->adc, &m->a.periphery);
    const aimc_analog_noise *nz = &a->periphery.noise;
    const bool per_mvm = nz->read_noise || nz->adc_noise;
    const bool static_exact = !nz->programming_noise && !nz->drift && !nz->ir_drop;
    m->fast = !per_mvm && !a->adc_quantization;
    m->R = a->periphery.rows;
    m->C = a->periphery.cols;
    if (m->R == 0 || m->C == 0)
        return fail_destroy(m, err, "tier of 0 rows or columns");
    m->rb = (in_dim + m->R - 1) / m->R;
    m->cb = (out_dim + m->C - 1) / m->C;
    const size_t nb = (size_t)m->rb * m->cb;
    if (!(m->w_max = calloc(nb, sizeof *m->w_max)))
        return fail_destroy(m, err, "out of memory");
    if (m->fast && static_exact)
        return m; /* the devices hold exactly W: nothing to program */
    for (size_t k = 0; k < (size_t)in_dim * out_dim; k++)
        if (!isfinite(w[k])) {
            aimc_fail(err, "numeric matrix: weight [%zu][%zu] is not a finite number", k / in_dim, k % in_dim);
            return fail_destroy(m, err, NULL);
        }
    float *orig = NULL;
    if (!m->fast) {
        m->w_eff = malloc((size_t)in_dim * out_dim * sizeof *m->w_eff);
        m->var = nz->read_noise ? malloc((size_t)in_dim * out_dim * sizeof *m->var) : NULL;
        m->rng = calloc(nb, sizeof *m->rng);
        if (!m->w_eff || (nz->read_noise && !m->var) || !m->rng)
            return fail_destroy(m, err, "out of memory");
        for (size_t k = 0; k < nb; k++)
            if (!(m->rng[k] = gsl_rng_alloc(gsl_rng_mt19937)))
                return fail_destroy(m, err, "out of memory");
        orig = m->w; /* the block path keeps no out x in copy */
        m->w = NULL;
    }
    m->matrix = matrix;
    double t0 = now_s();
    int rc = program_blocks(m, orig ? orig : m->w, matrix, err);
    m->stats.program_s += now_s() - t0;
    free(orig);
    return rc ? fail_destroy(m, err, NULL) : m;
}

static int reserve(aimc_nmatrix *m, size_t n)
{
    if (n <= m->cap)
        return 0;
    const size_t in = m->in_dim, out = m->out_dim;
    free_scratch(m);
    m->u = malloc(n * in * sizeof *m->u);
    m->u2 = m->var ? malloc(n * in * sizeof *m->u2) : NULL;
    m->mean = m->fast ? NULL : malloc(n * out * sizeof *m->mean);
    m->vv = m->var ? malloc(n * out * sizeof *m->vv) : NULL;
    m->an = m->fast || m->a.adc_quantization ? NULL : malloc(n * out * sizeof *m->an);
    m->codes = malloc(n * (in > out ? in : out) * sizeof *m->codes);
    m->cap = n;
    if (!m->u || (m->var && (!m->u2 || !m->vv)) || (!m->fast && !m->mean) ||
        (!m->fast && !m->a.adc_quantization && !m->an) || !m->codes) {
        m->cap = 0;
        return -1;
    }
    return 0;
}

/* The row drive: DAC codes (as floats), or with the DAC off the exact input in code units. */
static void drive(aimc_nmatrix *m, const float *x, size_t n, size_t ldx, float scale_to_value)
{
    const size_t in = m->in_dim;
    for (size_t b = 0; b < n; b++) {
        float *u = m->u + b * in;
        if (m->a.dac_quantization) {
            m->stats.inputs_clipped += aimc_dac_quantize_vector(&m->dac, x + b * ldx, in, m->codes);
            for (size_t i = 0; i < in; i++)
                u[i] = (float)m->codes[i] * scale_to_value;
        } else {
            const float inv = (float)(1.0 / m->dac.lsb); /* only the block path drives without the DAC */
            for (size_t i = 0; i < in; i++)
                u[i] = x[b * ldx + i] * inv;
        }
    }
}

static int apply_blocks(aimc_nmatrix *m, const float *x, size_t n, size_t ldx, float *y, size_t ldy)
{
    const size_t in = m->in_dim, out = m->out_dim;
    drive(m, x, n, ldx, 1.0f); /* code units */
    if (m->var)
        for (size_t k = 0; k < n * in; k++)
            m->u2[k] = m->u[k] * m->u[k];
    for (size_t b = 0; b < n; b++)
        memset(y + b * ldy, 0, out * sizeof *y);
    for (uint32_t r = 0; r < m->rb; r++) {
        const size_t i0 = (size_t)r * m->R, ni = in - i0 < m->R ? in - i0 : m->R;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)out, (int)ni, 1.0f, m->u + i0, (int)in,
                    m->w_eff + i0 * out, (int)out, 0.0f, m->mean, (int)out);
        if (m->var)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)out, (int)ni, 1.0f, m->u2 + i0,
                        (int)in, m->var + i0 * out, (int)out, 0.0f, m->vv, (int)out);
        for (uint32_t c = 0; c < m->cb; c++) {
            const size_t j0 = (size_t)c * m->C, j1 = out - j0 < m->C ? out : j0 + m->C;
            const size_t k = (size_t)r * m->cb + c;
            const double scale = m->dac.lsb * m->w_max[k];
            if (m->a.adc_quantization) {
                m->stats.outputs_saturated +=
                    aimc_adc_convert_block(&m->adc, m->rng[k], m->mean, m->vv, out, n, j0, j1, m->codes, NULL);
                const float s = (float)(scale * m->adc.lsb);
                for (size_t b = 0; b < n; b++)
                    for (size_t j = j0; j < j1; j++)
                        y[b * ldy + j] += (float)m->codes[b * out + j] * s;
            } else {
                /* Unquantized read: the converter's noisy column values (the same Gaussians, same order). */
                aimc_adc_convert_block(&m->adc, m->rng[k], m->mean, m->vv, out, n, j0, j1, m->codes, m->an);
                for (size_t b = 0; b < n; b++)
                    for (size_t j = j0; j < j1; j++)
                        y[b * ldy + j] += (float)(m->an[b * out + j] * scale);
            }
        }
    }
    m->stats.conversions += (uint64_t)n * out * m->rb;
    return 0;
}

static int apply(aimc_nmatrix *m, const float *x, size_t n, size_t ldx, float *y, size_t ldy, aimc_error *err)
{
    if (n == 0)
        return 0;
    m->stats.rows += n;
    m->stats.macs += (double)n * m->in_dim * m->out_dim;
    if (!m->analog || (m->fast && !m->a.dac_quantization)) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m->out_dim, (int)m->in_dim, 1.0f, x,
                    (int)ldx, m->w, (int)m->in_dim, 0.0f, y, (int)ldy);
        if (m->analog)
            m->stats.block_mvms += (uint64_t)n * m->rb * m->cb;
        return 0;
    }
    if (reserve(m, n))
        return aimc_fail(err, "numeric matrix: out of memory for a batch of %zu rows", n);
    m->stats.block_mvms += (uint64_t)n * m->rb * m->cb;
    if (m->fast) {
        /* DAC on, nothing per MVM: the dequantized inputs through the assembled effective weights. */
        drive(m, x, n, ldx, (float)m->dac.lsb);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m->out_dim, (int)m->in_dim, 1.0f, m->u,
                    (int)m->in_dim, m->w, (int)m->in_dim, 0.0f, y, (int)ldy);
        return 0;
    }
    return apply_blocks(m, x, n, ldx, y, ldy);
}

int aimc_nmatrix_apply(aimc_nmatrix *m, const float *x, size_t n, size_t ldx, float *y, size_t ldy,
                       aimc_error *err)
{
    double t0 = now_s();
    int rc = apply(m, x, n, ldx, y, ldy, err);
    m->stats.apply_s += now_s() - t0;
    return rc;
}

void aimc_nmatrix_reset(aimc_nmatrix *m)
{
    memset(&m->stats, 0, sizeof m->stats);
    if (m->rng)
        for (size_t k = 0; k < (size_t)m->rb * m->cb; k++)
            gsl_rng_set(m->rng[k], (unsigned long)aimc_seed_mix(
                                       aimc_nmatrix_block_seed(m->a.seed, m->a.draw, m->matrix, k), 0x5DEECE66Dull));
}

uint32_t aimc_nmatrix_blocks(const aimc_nmatrix *m) { return m->analog ? m->rb * m->cb : 0; }
bool aimc_nmatrix_is_analog(const aimc_nmatrix *m) { return m->analog; }

void aimc_nmatrix_stats_add(const aimc_nmatrix *m, aimc_nmatrix_stats *sum)
{
    sum->rows += m->stats.rows;
    sum->block_mvms += m->stats.block_mvms;
    sum->inputs_clipped += m->stats.inputs_clipped;
    sum->conversions += m->stats.conversions;
    sum->outputs_saturated += m->stats.outputs_saturated;
    sum->macs += m->stats.macs;
    sum->program_s += m->stats.program_s;
    sum->apply_s += m->stats.apply_s;
}
