/* The analog tier MVM: exact quantized product with every non-ideality off; each non-ideality alone against
 * its theory (programming noise, drift, read noise through the MVM, IR drop against an exact nodal solve);
 * determinism and batching; bad input. */
#include <check.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analog/analog_tier.h"
#include "check_main.h"

static const double PI = 3.14159265358979323846;

static aimc_periphery_config make_cfg(uint32_t rows, uint32_t cols)
{
    aimc_periphery_config c;
    aimc_periphery_config_ideal(&c, rows, cols, AIMC_DAC_BIT_SERIAL, 8, 8, 8);
    return c;
}

static aimc_analog_tier *make_tier(const aimc_periphery_config *c, const float *w, uint64_t seed)
{
    aimc_error err;
    aimc_analog_tier *t = aimc_analog_tier_create(c, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    ck_assert_msg(aimc_analog_tier_program(t, w, seed, &err) == 0, "%s", err.msg);
    return t;
}

static void random_codes(gsl_rng *r, int16_t *codes, size_t n, int cmax)
{
    for (size_t k = 0; k < n; k++)
        codes[k] = (int16_t)((long)gsl_rng_uniform_int(r, 2 * (unsigned long)cmax + 1) - cmax);
}

/* Golden: q(sum_i c_i w_ij / w_max) with q = round half up to lsb, saturated to 8-bit codes, in double. */
static int32_t golden_code(double v, double lsb)
{
    double q = floor(v / lsb + 0.5);
    return (int32_t)(q > 127 ? 127 : q < -128 ? -128 : q);
}

START_TEST(all_off_is_the_exact_quantized_product)
{
    unsigned long seed = aimc_test_seed("all_off_is_the_exact_quantized_product", 31);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const uint32_t R = 256, C = 64;
    /* weights on a 1/64 grid with max|W| = 2 (a power of two): every product and partial sum of the SGEMM is
     * exact in float, so equality is exact, not approximate */
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = (float)((long)gsl_rng_uniform_int(r, 257) - 128) / 64.0f;
    w[5] = 2.0f;
    for (int m = 0; m < 2; m++) {
        aimc_periphery_config c = make_cfg(R, C);
        c.dac_mode = m ? AIMC_DAC_PWM : AIMC_DAC_BIT_SERIAL;
        aimc_analog_tier *t = make_tier(&c, w, 7);
        ck_assert_double_eq(aimc_analog_tier_w_max(t), 2.0);
        ck_assert_ptr_null(aimc_analog_tier_read_var(t));
        const double lsb = 12.0 * 127 / 128;
        const size_t sizes[] = {1, 37};
        for (size_t si = 0; si < 2; si++) {
            size_t n = sizes[si];
            int16_t *codes = malloc(n * R * sizeof *codes), *out = malloc(n * C * sizeof *out);
            float *an = malloc(n * C * sizeof *an);
            random_codes(r, codes, n * R, 127);
            aimc_error err;
            size_t sat = 99;
            ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, n, out, an, &sat, &err), 0);
            size_t want_sat = 0;
            for (size_t b = 0; b < n; b++)
                for (uint32_t j = 0; j < C; j++) {
                    double v = 0;
                    for (uint32_t i = 0; i < R; i++)
                        v += codes[b * R + i] * ((double)w[i * C + j] / 2.0);
                    int32_t g = golden_code(v, lsb);
                    want_sat += g == 127 || g == -128;
                    ck_assert_msg(out[b * C + j] == g, "MVM %zu col %u: %d, golden %d (v %g)", b, j,
                                  out[b * C + j], g, v);
                    ck_assert_double_eq(an[b * C + j], v); /* the comparators see the exact charge */
                }
            ck_assert_uint_eq(sat, want_sat);
            free(codes);
            free(out);
            free(an);
        }
        /* the float API: DAC quantization, then code * lsb_out * lsb_in * w_max */
        const size_t n = 3;
        float x[3 * 256], y[3 * 64];
        for (size_t k = 0; k < n * R; k++)
            x[k] = (float)gsl_ran_flat(r, -1.1, 1.1);
        aimc_analog_tier_clip_stats st;
        aimc_error err;
        ck_assert_int_eq(aimc_analog_tier_mvm(t, x, n, y, &st, &err), 0);
        ck_assert_double_eq_tol(aimc_analog_tier_output_scale(t), lsb / 127.0 * 2.0, 1e-12);
        size_t clipped = 0;
        for (size_t b = 0; b < n; b++)
            for (uint32_t j = 0; j < C; j++) {
                double v = 0;
                for (uint32_t i = 0; i < R; i++) {
                    float xi = x[b * R + i];
                    double code = fabs(xi) > 1 ? (xi > 0 ? 127 : -127) : (double)lround(xi * 127.0);
                    if (j == 0)
                        clipped += fabs(xi) > 1;
                    v += code * ((double)w[i * C + j] / 2.0);
                }
                ck_assert_float_eq_tol(y[b * C + j], (float)(golden_code(v, lsb) * lsb / 127.0 * 2.0), 1e-4);
            }
        ck_assert_uint_eq(st.inputs_clipped, clipped);
        aimc_analog_tier_destroy(t);
    }
    free(w);
    gsl_rng_free(r);
}
END_TEST

/* Quantization error of the whole MVM (all off, arbitrary weights): the output code minus the exact charge
 * has variance lsb^2/12.  N = 128000 unsaturated outputs; relative standard error 0.894/sqrt(N) = 0.25%;
 * tolerance 5 of them. */
START_TEST(output_quantization_variance_is_lsb2_over_12)
{
    unsigned long seed = aimc_test_seed("output_quantization_variance_is_lsb2_over_12", 32);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const uint32_t R = 128, C = 64;
    const size_t n = 2000;
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = (float)gsl_ran_flat(r, -0.3, 0.3);
    aimc_periphery_config c = make_cfg(R, C);
    aimc_analog_tier *t = make_tier(&c, w, 3);
    const float *we = aimc_analog_tier_w_eff(t);
    int16_t *codes = malloc(n * R * sizeof *codes), *out = malloc(n * C * sizeof *out);
    random_codes(r, codes, n * R, 127);
    aimc_error err;
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, n, out, NULL, NULL, &err), 0);
    const double lsb = aimc_analog_tier_adc(t)->lsb;
    double s2 = 0;
    size_t used = 0;
    for (size_t b = 0; b < n; b++)
        for (uint32_t j = 0; j < C; j++) {
            if (out[b * C + j] == 127 || out[b * C + j] == -128)
                continue;
            double v = 0;
            for (uint32_t i = 0; i < R; i++)
                v += codes[b * R + i] * (double)we[i * C + j];
            double e = out[b * C + j] * lsb - v;
            s2 += e * e;
            used++;
        }
    ck_assert_uint_gt(used, 120000);
    double want = lsb * lsb / 12;
    ck_assert_msg(fabs(s2 / used / want - 1) < 5 * 0.894 / sqrt((double)used), "E e^2 %g vs %g", s2 / used, want);
    aimc_analog_tier_destroy(t);
    free(w);
    free(codes);
    free(out);
    gsl_rng_free(r);
}
END_TEST

static aimc_periphery_config noisy_cfg(uint32_t R, uint32_t C)
{
    aimc_periphery_config c = make_cfg(R, C);
    c.t_since_programming_s = 86400;
    c.wire_resistance_ohm = 0.15;
    c.noise.programming_noise = c.noise.drift = c.noise.read_noise = c.noise.ir_drop = c.noise.adc_noise = true;
    c.noise.adc_noise_sigma = 0.06;
    return c;
}

/* Determinism: the same seed and calls give byte-identical numbers; a different seed other devices.  Batching
 * changes only the order in which BLAS sums each column (SGEMM vs SGEMV blocking), not the noise draws (each
 * lane owns fixed columns): batched and one-by-one analog values agree to float rounding, and the codes agree
 * except where a value sits within that rounding of a decision level. */
START_TEST(same_seed_same_numbers_whatever_the_batching)
{
    unsigned long seed = aimc_test_seed("same_seed_same_numbers_whatever_the_batching", 33);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const uint32_t R = 64, C = 512;
    const size_t n = 40; /* 40 x 512 conversions: the lanes run on threads */
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = (float)gsl_ran_flat(r, -1, 1);
    aimc_periphery_config c = noisy_cfg(R, C);
    aimc_analog_tier *a = make_tier(&c, w, seed), *b = make_tier(&c, w, seed), *d = make_tier(&c, w, seed + 1),
                     *e = make_tier(&c, w, seed);
    ck_assert_int_eq(memcmp(aimc_analog_tier_w_eff(a), aimc_analog_tier_w_eff(b), R * C * sizeof(float)), 0);
    ck_assert_int_ne(memcmp(aimc_analog_tier_w_eff(a), aimc_analog_tier_w_eff(d), R * C * sizeof(float)), 0);
    int16_t *codes = malloc(n * R * sizeof *codes), *oa = malloc(n * C * sizeof *oa), *ob = malloc(n * C * sizeof *ob);
    float *aa = malloc(n * C * sizeof *aa), *ab = malloc(n * C * sizeof *ab);
    random_codes(r, codes, n * R, 127);
    aimc_error err;
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(a, codes, n, oa, aa, NULL, &err), 0);
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(e, codes, n, ob, ab, NULL, &err), 0);
    ck_assert_int_eq(memcmp(oa, ob, n * C * sizeof *oa), 0);
    ck_assert_int_eq(memcmp(aa, ab, n * C * sizeof *aa), 0);
    /* the same batch with the lanes run one after the other on this thread: identical */
    aimc_analog_tier *f = make_tier(&c, w, seed);
    aimc_analog_tier_set_threaded(f, 0);
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(f, codes, n, ob, ab, NULL, &err), 0);
    ck_assert_int_eq(memcmp(oa, ob, n * C * sizeof *oa), 0);
    ck_assert_int_eq(memcmp(aa, ab, n * C * sizeof *aa), 0);
    aimc_analog_tier_destroy(f);
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq(aimc_analog_tier_mvm_codes(b, codes + k * R, 1, ob + k * C, ab + k * C, NULL, &err), 0);
    const aimc_adc *adc = aimc_analog_tier_adc(a);
    for (size_t k = 0; k < n * C; k++) {
        /* a float sum of 64 terms of size <= 127: its rounding is below 64 x 127 x 2^-24 = 5e-4 */
        ck_assert_msg(fabsf(aa[k] - ab[k]) < 1e-3f, "%zu: %g vs %g", k, aa[k], ab[k]);
        if (oa[k] != ob[k]) {
            double lvl = aimc_adc_threshold(adc, (uint32_t)((oa[k] > ob[k] ? oa[k] : ob[k]) + (int32_t)adc->half));
            ck_assert_msg(fabs(aa[k] - lvl) < 1e-3, "%zu: codes %d vs %d far from a level", k, oa[k], ob[k]);
        }
    }
    /* read noise is fresh per MVM: the same input twice gives different analog values */
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(a, codes, 1, oa, aa, NULL, &err), 0);
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(a, codes, 1, ob, ab, NULL, &err), 0);
    ck_assert_int_ne(memcmp(aa, ab, C * sizeof *aa), 0);
    aimc_analog_tier_destroy(a);
    aimc_analog_tier_destroy(b);
    aimc_analog_tier_destroy(d);
    aimc_analog_tier_destroy(e);
    free(w);
    free(codes);
    free(oa);
    free(ob);
    free(aa);
    free(ab);
    gsl_rng_free(r);
}
END_TEST

/* Programming noise alone.  Rows alternate +0.5 and -0.5 (max|W| = 0.5): the programmed device of each pair
 * has g_T = 1, sigma 1.0554 uS; the other has target 0, so g = max(0.2635 z, 0) uS (mean 0.2635/sqrt(2 pi),
 * variance 0.2635^2 (1/2 - 1/(2 pi))).  W_eff = (G+ - G-)/25 uS over N = 131072 devices per sign.
 * Standard errors: sqrt(var/N) for the mean; for the variance relative sqrt((kappa - 1)/N) with kurtosis
 * kappa <= 3.2 for this nearly normal mixture; tolerances 5 of them. */
START_TEST(programming_noise_in_the_effective_weights)
{
    const uint32_t R = 512, C = 512;
    float *w = malloc(R * C * sizeof *w);
    for (uint32_t i = 0; i < R; i++)
        for (uint32_t j = 0; j < C; j++)
            w[i * C + j] = i % 2 ? -0.5f : 0.5f;
    const double cs[] = {1.0, 2.5};
    for (int ci = 0; ci < 2; ci++) {
        aimc_periphery_config c = make_cfg(R, C);
        c.noise.programming_noise = true;
        c.noise.programming_noise_scale = cs[ci];
        aimc_analog_tier *t = make_tier(&c, w, 1000 + (uint64_t)ci);
        const float *we = aimc_analog_tier_w_eff(t);
        double sp = cs[ci] * 1.0554, s0 = cs[ci] * 0.2635;
        double zero_mean = s0 / sqrt(2 * PI), zero_var = s0 * s0 * (0.5 - 0.5 / PI);
        double want_mean = (25.0 - zero_mean) / 25.0, want_var = (sp * sp + zero_var) / 625.0;
        for (int sign = 0; sign < 2; sign++) {
            double s1 = 0, s2 = 0;
            size_t n = 0;
            for (uint32_t i = (uint32_t)sign; i < R; i += 2)
                for (uint32_t j = 0; j < C; j++) {
                    double v = sign ? -we[i * C + j] : we[i * C + j];
                    s1 += v;
                    s2 += v * v;
                    n++;
                }
            double mean = s1 / n, var = s2 / n - mean * mean;
            ck_assert_msg(fabs(mean - want_mean) < 5 * sqrt(want_var / n), "c %g: mean %g vs %g", cs[ci], mean,
                          want_mean);
            ck_assert_msg(fabs(var / want_var - 1) < 5 * sqrt(2.2 / n), "c %g: var %g vs %g", cs[ci], var, want_var);
        }
        aimc_analog_tier_destroy(t);
    }
    free(w);
}
END_TEST

/* Drift alone, one day after programming: every positive weight is a g_T = 1 device (nu ~ N(0.049, 0.008),
 * the fold at 0 is 6 sigma away), every zero-target device stays at 0, so W_eff = (t/t_c)^-nu with mean
 * exp(-mu L + sigma^2 L^2 / 2), L = ln(86400/20).  Standard error about mean * sigma L / sqrt(N). */
START_TEST(drift_in_the_effective_weights)
{
    const uint32_t R = 512, C = 256;
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = 0.25f;
    aimc_periphery_config c = make_cfg(R, C);
    c.noise.drift = true;
    c.t_since_programming_s = 86400;
    aimc_analog_tier *t = make_tier(&c, w, 77);
    const float *we = aimc_analog_tier_w_eff(t);
    const double L = log(86400.0 / 20.0), mu = 0.049, sg = 0.008;
    double want = exp(-mu * L + sg * sg * L * L / 2), s1 = 0, sl = 0;
    const size_t n = (size_t)R * C;
    for (size_t k = 0; k < n; k++) {
        ck_assert(we[k] > 0 && we[k] < 1);
        s1 += we[k];
        sl += log(we[k]);
    }
    ck_assert_msg(fabs(s1 / n - want) < 5 * want * sg * L / sqrt((double)n), "mean %g vs %g", s1 / n, want);
    ck_assert_msg(fabs(sl / n + mu * L) < 5 * sg * L / sqrt((double)n), "mean ln %g vs %g", sl / n, -mu * L);
    aimc_analog_tier_destroy(t);
    free(w);
}
END_TEST

/* Read noise alone.  The variance matrix equals the law worked out independently here:
 * V_ij = (|w~| Q_s(|w~|) sqrt(ln((t + t_read)/(2 t_read))))^2 with w~ = w / max|W| (the zero-target device of
 * the pair reads 0 and adds nothing).  Then 2000 MVMs of one input: each column's analog value, standardised
 * by the exact mean sum_i c_i w~_ij and the variance sum_i c_i^2 V_ij, must be N(0, 1): over N = 128000
 * values the mean is within 5/sqrt(N) and the variance within 5 sqrt(2/N) of 0 and 1. */
START_TEST(read_noise_through_the_mvm)
{
    unsigned long seed = aimc_test_seed("read_noise_through_the_mvm", 35);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const uint32_t R = 64, C = 64;
    const size_t n = 2000;
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = (float)gsl_ran_flat(r, -1, 1);
    aimc_periphery_config c = make_cfg(R, C);
    c.noise.read_noise = true;
    c.t_since_programming_s = 86400;
    aimc_analog_tier *t = make_tier(&c, w, 5);
    const float *V = aimc_analog_tier_read_var(t);
    ck_assert_ptr_nonnull(V);
    double wmax = aimc_analog_tier_w_max(t), tf = sqrt(log((86400 + 250e-9) / 500e-9));
    double *want_v = malloc(R * C * sizeof *want_v);
    for (size_t k = 0; k < R * C; k++) {
        double g = fabs(w[k]) / wmax;
        double q = g > 0 ? 0.0088 / pow(g, 0.65) : 0.2;
        q = q < 0.2 ? q : 0.2;
        want_v[k] = (g * q * tf) * (g * q * tf);
        ck_assert_msg(fabs(V[k] - want_v[k]) <= 1e-6 * want_v[k] + 1e-12, "V[%zu] %g vs %g", k, V[k], want_v[k]);
    }
    int16_t *one = malloc(R * sizeof *one), *codes = malloc(n * R * sizeof *codes), *out = malloc(n * C * sizeof *out);
    float *an = malloc(n * C * sizeof *an);
    random_codes(r, one, R, 127);
    for (size_t b = 0; b < n; b++)
        memcpy(codes + b * R, one, R * sizeof *one);
    aimc_error err;
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, n, out, an, NULL, &err), 0);
    double s1 = 0, s2 = 0;
    for (uint32_t j = 0; j < C; j++) {
        double mean = 0, var = 0;
        for (uint32_t i = 0; i < R; i++) {
            mean += one[i] * (w[i * C + j] / wmax);
            var += (double)one[i] * one[i] * want_v[i * C + j];
        }
        for (size_t b = 0; b < n; b++) {
            double z = (an[b * C + j] - mean) / sqrt(var);
            s1 += z;
            s2 += z * z;
        }
    }
    double N = (double)n * C;
    ck_assert_msg(fabs(s1 / N) < 5 / sqrt(N), "mean z %g", s1 / N);
    ck_assert_msg(fabs(s2 / N - 1) < 5 * sqrt(2 / N), "var z %g", s2 / N);
    aimc_analog_tier_destroy(t);
    free(w);
    free(want_v);
    free(one);
    free(codes);
    free(out);
    free(an);
    gsl_rng_free(r);
}
END_TEST

/* Column currents of a small crossbar with wire resistance r per segment, solved exactly by nodal analysis
 * (row nodes u, column nodes v; rows driven at column 0, columns to ground below the last row). */
static void exact_currents(const double *g_S, uint32_t R, uint32_t P, const double *V, double r, double *I)
{
    size_t n = 2 * (size_t)R * P;
    gsl_matrix *A = gsl_matrix_calloc(n, n);
    gsl_vector *b = gsl_vector_calloc(n), *x = gsl_vector_alloc(n);
    gsl_permutation *perm = gsl_permutation_alloc(n);
    const double G = 1.0 / r;
#define U(i, p) ((size_t)(i) * P + (p))
#define W(i, p) ((size_t)R * P + (size_t)(i) * P + (p))
    for (uint32_t i = 0; i < R; i++)
        for (uint32_t p = 0; p < P; p++) {
            double g = g_S[i * P + p];
            size_t u = U(i, p), v = W(i, p);
            /* row node: wire to the left (driver at p = 0), wire to the right, cell down */
            *gsl_matrix_ptr(A, u, u) += G + g;
            *gsl_matrix_ptr(A, u, v) -= g;
            if (p == 0)
                gsl_vector_set(b, u, G * V[i]);
            else
                *gsl_matrix_ptr(A, u, U(i, p - 1)) -= G;
            if (p + 1 < P) {
                *gsl_matrix_ptr(A, u, u) += G;
                *gsl_matrix_ptr(A, u, U(i, p + 1)) -= G;
            }
            /* column node: cell up, wire above, wire below (to ground under the last row) */
            *gsl_matrix_ptr(A, v, v) += g + G;
            *gsl_matrix_ptr(A, v, u) -= g;
            if (i + 1 < R)
                *gsl_matrix_ptr(A, v, W(i + 1, p)) -= G;
            if (i > 0) {
                *gsl_matrix_ptr(A, v, v) += G;
                *gsl_matrix_ptr(A, v, W(i - 1, p)) -= G;
            }
        }
    int sign;
    gsl_linalg_LU_decomp(A, perm, &sign);
    gsl_linalg_LU_solve(A, perm, b, x);
    for (uint32_t p = 0; p < P; p++)
        I[p] = gsl_vector_get(x, W(R - 1, p)) * G;
#undef U
#undef W
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
}

/* First-order IR drop against the exact network: the first-order currents are off by O(r^2), so their error
 * must be a small fraction of the whole drop and must shrink 4x when r halves. */
START_TEST(ir_drop_is_first_order_exact)
{
    unsigned long seed = aimc_test_seed("ir_drop_is_first_order_exact", 36);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    const uint32_t R = 6, P = 8;
    double g[6 * 8], gS[6 * 8], a[6 * 8], V[6], I[8], Iex[8];
    for (int k = 0; k < 48; k++) {
        g[k] = gsl_ran_flat(rng, 0, 25); /* uS */
        gS[k] = g[k] * 1e-6;
    }
    for (int i = 0; i < 6; i++)
        V[i] = gsl_ran_flat(rng, -0.2, 0.2);
    double err_prev = 0;
    const double rs[] = {50.0, 25.0, 12.5};
    for (int ri = 0; ri < 3; ri++) {
        ck_assert_int_eq(aimc_ir_drop_factors(g, R, P, rs[ri], a), 0);
        exact_currents(gS, R, P, V, rs[ri], Iex);
        double err = 0, drop = 0;
        for (uint32_t p = 0; p < P; p++) {
            double ideal = 0, first = 0;
            for (uint32_t i = 0; i < R; i++) {
                ideal += gS[i * P + p] * V[i];
                first += gS[i * P + p] * a[i * P + p] * V[i];
            }
            I[p] = first;
            err += fabs(first - Iex[p]);
            drop += fabs(ideal - Iex[p]);
        }
        ck_assert_msg(err < 0.05 * drop, "r %g: first-order error %g vs drop %g", rs[ri], err, drop);
        if (ri > 0)
            ck_assert_msg(err_prev / err > 3.5 && err_prev / err < 4.5, "r %g: error ratio %g", rs[ri],
                          err_prev / err);
        err_prev = err;
    }
    (void)I;
    /* by hand, one cell: A = g, B = g, a = 1 - 2 r g */
    double one = 10.0, fa;
    ck_assert_int_eq(aimc_ir_drop_factors(&one, 1, 1, 1000.0, &fa), 0);
    ck_assert_double_eq_tol(fa, 1 - 2 * 1000.0 * 10e-6, 1e-12);
    /* a 2x2 by hand: row 0 = [g00 g01], row 1 = [g10 g11].  A_00 = g00+g01, A_01 = (g00+g01) + g01;
     * B_00 = g00 + (g00+g10), B_10 = g00+g10 */
    double g4[4] = {1, 2, 3, 4}, a4[4];
    ck_assert_int_eq(aimc_ir_drop_factors(g4, 2, 2, 1e4, a4), 0);
    const double s = 1e4 * 1e-6;
    ck_assert_double_eq_tol(a4[0], 1 - s * ((1 + 2) + (1 + 1 + 3)), 1e-12);
    ck_assert_double_eq_tol(a4[1], 1 - s * ((1 + 2 + 2) + (2 + 2 + 4)), 1e-12);
    ck_assert_double_eq_tol(a4[2], 1 - s * ((3 + 4) + (1 + 3)), 1e-12);
    ck_assert_double_eq_tol(a4[3], 1 - s * ((3 + 4 + 4) + (2 + 4)), 1e-12);
    gsl_rng_free(rng);
}
END_TEST

START_TEST(ir_drop_lowers_the_effective_weights)
{
    const uint32_t R = 64, C = 64;
    float *w = malloc(R * C * sizeof *w);
    for (size_t k = 0; k < R * C; k++)
        w[k] = 1.0f;
    aimc_periphery_config c = make_cfg(R, C);
    c.noise.ir_drop = true;
    c.wire_resistance_ohm = 0.15;
    aimc_analog_tier *t = make_tier(&c, w, 1);
    const float *we = aimc_analog_tier_w_eff(t);
    /* every G+ device (even physical column) at 25 uS, every G- device at 0: along a row the row wire carries
     * A = sum_{s<=p} sum_{m>=s, m even} 25 uS; down a G+ column B = sum_{s>=i} 25 uS (s + 1); W_eff = a+ */
    for (uint32_t i = 0; i < R; i += 21)
        for (uint32_t j = 0; j < C; j += 13) {
            uint32_t p = 2 * j;
            double A = 0, B = 0;
            for (uint32_t s = 0; s <= p; s++)
                for (uint32_t m = s; m < 2 * C; m++)
                    A += m % 2 ? 0.0 : 25.0;
            for (uint32_t s = i; s < R; s++)
                B += 25.0 * (s + 1);
            double a = 1 - 0.15e-6 * (A + B);
            ck_assert_double_eq_tol(we[i * C + j], a, 1e-6);
        }
    aimc_analog_tier_destroy(t);
    free(w);
}
END_TEST

START_TEST(bad_input_is_refused)
{
    aimc_periphery_config c = make_cfg(8, 8);
    aimc_error err;
    aimc_analog_tier *t = aimc_analog_tier_create(&c, &err);
    ck_assert_ptr_nonnull(t);
    int16_t codes[8] = {0}, out[8];
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, 1, out, NULL, NULL, &err), -1);
    ck_assert_str_eq(err.msg, "analog tier: MVM before the tier was programmed");
    float w[64] = {0};
    w[9] = NAN;
    ck_assert_int_eq(aimc_analog_tier_program(t, w, 1, &err), -1);
    ck_assert_str_eq(err.msg, "analog tier: weight [1][1] is not a finite number");
    w[9] = 0;
    ck_assert_int_eq(aimc_analog_tier_program(t, w, 1, &err), 0); /* all-zero weights are fine */
    codes[3] = 128;
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, 1, out, NULL, NULL, &err), -1);
    ck_assert_str_eq(err.msg, "analog tier: DAC code 128 of MVM 0 row 3 outside [-127, 127]");
    codes[3] = -127;
    ck_assert_int_eq(aimc_analog_tier_mvm_codes(t, codes, 1, out, NULL, NULL, &err), 0);
    for (int j = 0; j < 8; j++)
        ck_assert_int_eq(out[j], 0);
    aimc_analog_tier_destroy(t);
    c.b_out_bits = 0;
    ck_assert_ptr_null(aimc_analog_tier_create(&c, &err));
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("analog_tier");
    TCase *tc = tcase_create("analog_tier");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, all_off_is_the_exact_quantized_product);
    tcase_add_test(tc, output_quantization_variance_is_lsb2_over_12);
    tcase_add_test(tc, same_seed_same_numbers_whatever_the_batching);
    tcase_add_test(tc, programming_noise_in_the_effective_weights);
    tcase_add_test(tc, drift_in_the_effective_weights);
    tcase_add_test(tc, read_noise_through_the_mvm);
    tcase_add_test(tc, ir_drop_is_first_order_exact);
    tcase_add_test(tc, ir_drop_lowers_the_effective_weights);
    tcase_add_test(tc, bad_input_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
