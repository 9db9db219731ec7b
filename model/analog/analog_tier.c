#include "analog/analog_tier.h"

#include <cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "analog/pcm_device.h"

struct aimc_analog_tier {
    aimc_periphery_config cfg;
    uint32_t rows, cols;
    aimc_dac dac;
    aimc_adc adc;
    double w_max;
    int programmed;
    int threaded;
    float *w_eff; /* rows x cols */
    float *var;   /* rows x cols, NULL when read noise is off */
    gsl_rng *lane[AIMC_ANALOG_TIER_LANES];
    /* scratch for batches, grown on demand */
    size_t cap;
    float *x, *x2, *mean, *vv;
    int16_t *codes;
};

aimc_analog_tier *aimc_analog_tier_create(const aimc_periphery_config *cfg, aimc_error *err)
{
    if (cfg->rows == 0 || cfg->cols == 0 || cfg->b_in_bits < 2 || cfg->b_in_bits > 16 || cfg->b_out_bits < 1 ||
        cfg->b_out_bits > 16) {
        aimc_fail(err, "analog tier: unusable periphery configuration (%ux%u, b_in %u, b_out %u bits)", cfg->rows,
                  cfg->cols, cfg->b_in_bits, cfg->b_out_bits);
        return NULL;
    }
    aimc_analog_tier *t = calloc(1, sizeof *t);
    if (!t) {
        aimc_fail(err, "analog tier: out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    t->threaded = 1;
    t->rows = cfg->rows;
    t->cols = cfg->cols;
    aimc_dac_init(&t->dac, cfg);
    aimc_adc_init(&t->adc, cfg);
    size_t n = (size_t)t->rows * t->cols;
    t->w_eff = malloc(n * sizeof *t->w_eff);
    if (cfg->noise.read_noise)
        t->var = malloc(n * sizeof *t->var);
    int ok = t->w_eff && (!cfg->noise.read_noise || t->var);
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++)
        ok = ok && (t->lane[k] = gsl_rng_alloc(gsl_rng_mt19937)) != NULL;
    if (!ok) {
        aimc_analog_tier_destroy(t);
        aimc_fail(err, "analog tier: out of memory for a %ux%u tier", cfg->rows, cfg->cols);
        return NULL;
    }
    return t;
}

void aimc_analog_tier_set_threaded(aimc_analog_tier *t, int threaded)
{
    t->threaded = threaded;
}

void aimc_analog_tier_destroy(aimc_analog_tier *t)
{
    if (!t)
        return;
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++)
        if (t->lane[k])
            gsl_rng_free(t->lane[k]);
    free(t->w_eff);
    free(t->var);
    free(t->x);
    free(t->x2);
    free(t->mean);
    free(t->vv);
    free(t->codes);
    free(t);
}

/* splitmix64: decorrelated stream seeds from one user seed. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int aimc_ir_drop_factors(const double *g, uint32_t rows, uint32_t pcols, double r_ohm, double *a)
{
    size_t n = (size_t)rows * pcols;
    double *acc = malloc(n * sizeof *acc);
    double *col = malloc((size_t)pcols * sizeof *col);
    if (!acc || !col) {
        free(acc);
        free(col);
        return -1;
    }
    const double r = r_ohm * 1e-6; /* ohm x uS -> dimensionless */
    /* Row term A_ip: suffix sums S_i(s) = sum_{m>=s} g_im, then prefix sums of S along the row. */
    for (uint32_t i = 0; i < rows; i++) {
        const double *gi = g + (size_t)i * pcols;
        double *ai = acc + (size_t)i * pcols;
        double suffix = 0;
        for (uint32_t p = pcols; p-- > 0;) {
            suffix += gi[p];
            ai[p] = suffix; /* S_i(p) */
        }
        double prefix = 0;
        for (uint32_t p = 0; p < pcols; p++) {
            prefix += ai[p];
            ai[p] = prefix; /* A_ip */
        }
    }
    /* Column term B_ip: prefix sums P_p(s) = sum_{k<=s} g_kp down the column, then suffix sums of P. The
     * prefixes of all columns are kept in a[] (row by row) so the arrays are walked in memory order. */
    for (uint32_t p = 0; p < pcols; p++)
        col[p] = 0;
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t p = 0; p < pcols; p++) {
            col[p] += g[(size_t)i * pcols + p];
            a[(size_t)i * pcols + p] = col[p]; /* P_p(i) */
        }
    for (uint32_t p = 0; p < pcols; p++)
        col[p] = 0;
    for (uint32_t i = rows; i-- > 0;)
        for (uint32_t p = 0; p < pcols; p++) {
            size_t k = (size_t)i * pcols + p;
            col[p] += a[k]; /* B_ip */
            double f = 1.0 - r * (acc[k] + col[p]);
            a[k] = f > 0 ? f : 0;
        }
    free(acc);
    free(col);
    return 0;
}

int aimc_analog_tier_program(aimc_analog_tier *t, const float *w, uint64_t seed, aimc_error *err)
{
    const uint32_t R = t->rows, C = t->cols;
    const size_t n = (size_t)R * C;
    double w_max = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(w[k]))
            return aimc_fail(err, "analog tier: weight [%zu][%zu] is not a finite number", k / C, k % C);
        double m = fabs((double)w[k]);
        if (m > w_max)
            w_max = m;
    }
    t->w_max = w_max > 0 ? w_max : 1.0;

    const aimc_analog_noise *nz = &t->cfg.noise;
    aimc_pcm_params p = {
        .g_max_uS = t->cfg.g_max_uS,
        .programming_noise = nz->programming_noise,
        .programming_noise_scale = nz->programming_noise_scale,
        .drift = nz->drift,
        .drift_scale = nz->drift_scale,
        .read_noise = nz->read_noise,
        .read_noise_scale = nz->read_noise_scale,
        .t_s = t->cfg.t_since_programming_s,
    };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    /* Physical array: columns 2j (G+) and 2j+1 (G-) side by side; conductance now, and read sigma. */
    double *g = malloc(2 * n * sizeof *g);
    double *sig = nz->read_noise ? malloc(2 * n * sizeof *sig) : NULL;
    double *a = nz->ir_drop ? malloc(2 * n * sizeof *a) : NULL;
    if (!rng || !g || (nz->read_noise && !sig) || (nz->ir_drop && !a)) {
        gsl_rng_free(rng);
        free(g);
        free(sig);
        free(a);
        return aimc_fail(err, "analog tier: out of memory while programming");
    }
    gsl_rng_set(rng, (unsigned long)mix64(seed));
    const double g_max = t->cfg.g_max_uS;
    for (size_t k = 0; k < n; k++) {
        double wn = (double)w[k] / t->w_max; /* in [-1, 1] */
        double target[2] = {wn > 0 ? wn * g_max : 0.0, wn < 0 ? -wn * g_max : 0.0};
        for (int d = 0; d < 2; d++) {
            double now = aimc_pcm_program_device(&p, rng, target[d], NULL, NULL);
            g[2 * k + d] = now;
            if (sig)
                sig[2 * k + d] = aimc_pcm_read_sigma_uS(&p, target[d] / g_max, now);
        }
    }
    gsl_rng_free(rng);
    if (a && aimc_ir_drop_factors(g, R, 2 * C, t->cfg.wire_resistance_ohm, a)) {
        free(g);
        free(sig);
        free(a);
        return aimc_fail(err, "analog tier: out of memory while programming");
    }
    for (size_t k = 0; k < n; k++) {
        double ap = a ? a[2 * k] : 1.0, am = a ? a[2 * k + 1] : 1.0;
        t->w_eff[k] = (float)((ap * g[2 * k] - am * g[2 * k + 1]) / g_max);
        if (sig) {
            double sp = ap * sig[2 * k] / g_max, sm = am * sig[2 * k + 1] / g_max;
            t->var[k] = (float)(sp * sp + sm * sm);
        }
    }
    free(g);
    free(sig);
    free(a);
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++)
        gsl_rng_set(t->lane[k], (unsigned long)mix64(seed ^ (0xA5A5A5A5ull * (uint64_t)(k + 1))));
    t->programmed = 1;
    return 0;
}

/* Conversions per call from which the lanes run on their own threads (below, thread start-up costs more
 * than it saves). */
#define AIMC_ANALOG_TIER_THREAD_MIN 16384

typedef struct {
    const aimc_adc *adc;
    gsl_rng *rng;
    const float *mean, *var;
    size_t ld, n, j0, j1;
    int16_t *out;
    float *analog;
    size_t saturated;
} lane_job;

static int run_lane(void *arg)
{
    lane_job *j = arg;
    j->saturated = aimc_adc_convert_block(j->adc, j->rng, j->mean, j->var, j->ld, j->n, j->j0, j->j1, j->out,
                                          j->analog);
    return 0;
}

static int reserve(aimc_analog_tier *t, size_t n)
{
    if (n <= t->cap)
        return 0;
    size_t cap = n > 2 * t->cap ? n : 2 * t->cap;
    float *x = realloc(t->x, cap * t->rows * sizeof *x);
    if (x)
        t->x = x;
    float *x2 = realloc(t->x2, cap * t->rows * sizeof *x2);
    if (x2)
        t->x2 = x2;
    float *mean = realloc(t->mean, cap * t->cols * sizeof *mean);
    if (mean)
        t->mean = mean;
    float *vv = realloc(t->vv, cap * t->cols * sizeof *vv);
    if (vv)
        t->vv = vv;
    int16_t *codes = realloc(t->codes, cap * t->rows * sizeof *codes);
    if (codes)
        t->codes = codes;
    if (!x || !x2 || !mean || !vv || !codes)
        return -1;
    t->cap = cap;
    return 0;
}

int aimc_analog_tier_mvm_codes(aimc_analog_tier *t, const int16_t *codes, size_t n, int16_t *out, float *analog,
                               size_t *saturated, aimc_error *err)
{
    if (!t->programmed)
        return aimc_fail(err, "analog tier: MVM before the tier was programmed");
    if (n == 0) {
        if (saturated)
            *saturated = 0;
        return 0;
    }
    if (reserve(t, n))
        return aimc_fail(err, "analog tier: out of memory for a batch of %zu MVMs", n);
    const uint32_t R = t->rows, C = t->cols;
    const int32_t cmax = t->dac.code_max;
    const int noisy_read = t->var != NULL;
    for (size_t k = 0; k < n * R; k++) {
        int32_t c = codes[k];
        if (c > cmax || c < -cmax)
            return aimc_fail(err, "analog tier: DAC code %d of MVM %zu row %zu outside [-%d, %d]", c, k / R, k % R,
                             cmax, cmax);
        t->x[k] = (float)c;
        if (noisy_read)
            t->x2[k] = (float)(c * c);
    }
    /* Means (and read-noise variances) of all columns of the batch: one or two BLAS calls. */
    if (n == 1) {
        cblas_sgemv(CblasRowMajor, CblasTrans, (int)R, (int)C, 1.0f, t->w_eff, (int)C, t->x, 1, 0.0f, t->mean, 1);
        if (noisy_read)
            cblas_sgemv(CblasRowMajor, CblasTrans, (int)R, (int)C, 1.0f, t->var, (int)C, t->x2, 1, 0.0f, t->vv, 1);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)C, (int)R, 1.0f, t->x, (int)R,
                    t->w_eff, (int)C, 0.0f, t->mean, (int)C);
        if (noisy_read)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)C, (int)R, 1.0f, t->x2, (int)R,
                        t->var, (int)C, 0.0f, t->vv, (int)C);
    }
    /* The conversions: each lane draws its own columns' noise from its own stream.  A large batch runs the
     * lanes on threads; the numbers are the same either way. */
    lane_job jobs[AIMC_ANALOG_TIER_LANES];
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++)
        jobs[k] = (lane_job){&t->adc, t->lane[k], t->mean, noisy_read ? t->vv : NULL, C, n,
                             (size_t)C * k / AIMC_ANALOG_TIER_LANES, (size_t)C * (k + 1) / AIMC_ANALOG_TIER_LANES,
                             out, analog, 0};
    thrd_t helper[AIMC_ANALOG_TIER_LANES];
    int started[AIMC_ANALOG_TIER_LANES] = {0};
    if (t->threaded && n * C >= AIMC_ANALOG_TIER_THREAD_MIN)
        for (int k = 1; k < AIMC_ANALOG_TIER_LANES; k++)
            started[k] = thrd_create(&helper[k], run_lane, &jobs[k]) == thrd_success;
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++)
        if (!started[k])
            run_lane(&jobs[k]);
    size_t sat = 0;
    for (int k = 0; k < AIMC_ANALOG_TIER_LANES; k++) {
        if (started[k])
            thrd_join(helper[k], NULL);
        sat += jobs[k].saturated;
    }
    if (saturated)
        *saturated = sat;
    return 0;
}

int aimc_analog_tier_mvm(aimc_analog_tier *t, const float *x, size_t n, float *y, aimc_analog_tier_clip_stats *stats,
                         aimc_error *err)
{
    if (reserve(t, n))
        return aimc_fail(err, "analog tier: out of memory for a batch of %zu MVMs", n);
    size_t clipped = aimc_dac_quantize_vector(&t->dac, x, n * t->rows, t->codes);
    int16_t *out = malloc(n * t->cols * sizeof *out);
    if (!out && n)
        return aimc_fail(err, "analog tier: out of memory for a batch of %zu MVMs", n);
    size_t sat = 0;
    if (aimc_analog_tier_mvm_codes(t, t->codes, n, out, NULL, &sat, err)) {
        free(out);
        return -1;
    }
    const float scale = (float)aimc_analog_tier_output_scale(t);
    for (size_t k = 0; k < n * t->cols; k++)
        y[k] = (float)out[k] * scale;
    free(out);
    if (stats) {
        stats->inputs_clipped = clipped;
        stats->outputs_saturated = sat;
    }
    return 0;
}

double aimc_analog_tier_output_scale(const aimc_analog_tier *t)
{
    return t->adc.lsb * t->dac.lsb * t->w_max;
}

double aimc_analog_tier_w_max(const aimc_analog_tier *t) { return t->w_max; }
const float *aimc_analog_tier_w_eff(const aimc_analog_tier *t) { return t->w_eff; }
const float *aimc_analog_tier_read_var(const aimc_analog_tier *t) { return t->var; }
const aimc_dac *aimc_analog_tier_dac(const aimc_analog_tier *t) { return &t->dac; }
const aimc_adc *aimc_analog_tier_adc(const aimc_analog_tier *t) { return &t->adc; }
const aimc_periphery_config *aimc_analog_tier_config(const aimc_analog_tier *t) { return &t->cfg; }
