/* The numeric pass's matrices: digital against a plain triple loop; an analog matrix with every non-ideality
 * and both quantizers off bit for bit the digital result; with the DAC and ADC on, against a second
 * implementation that programs each block on its own analog tier (analog/analog_tier.h) and adds the tiers'
 * aimc_analog_tier_mvm outputs; device draws keyed by (seed, draw, matrix, block) only. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analog/analog_tier.h"
#include "check_main.h"
#include "core/rng.h"
#include "numeric/nmatrix.h"

enum { OUT = 37, IN = 45, N = 9, R = 16, C = 8 };

static float *random_matrix(aimc_rng *rng, size_t n, double scale)
{
    float *w = malloc(n * sizeof *w);
    for (size_t k = 0; k < n; k++)
        w[k] = (float)(scale * (2 * aimc_rng_uniform(rng) - 1));
    return w;
}

static float *copy(const float *w, size_t n)
{
    float *c = malloc(n * sizeof *c);
    memcpy(c, w, n * sizeof *c);
    return c;
}

static aimc_analog_setup ideal_setup(void)
{
    aimc_analog_setup a = {.seed = 7, .draw = 0};
    aimc_periphery_config_ideal(&a.periphery, R, C, AIMC_DAC_BIT_SERIAL, 8, 8, 1);
    a.periphery.g_max_uS = 25;
    a.periphery.t_since_programming_s = 86400;
    a.periphery.adc_full_scale = 4;
    return a;
}

START_TEST(digital_is_the_product)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("digital_is_the_product", 1));
    float *w = random_matrix(rng, OUT * IN, 1), *x = random_matrix(rng, N * IN, 1), y[N * OUT];
    aimc_error err;
    aimc_nmatrix *m = aimc_nmatrix_digital(copy(w, OUT * IN), OUT, IN, &err);
    ck_assert_int_eq(aimc_nmatrix_apply(m, x, N, IN, y, OUT, &err), 0);
    for (int b = 0; b < N; b++)
        for (int j = 0; j < OUT; j++) {
            double s = 0;
            for (int i = 0; i < IN; i++)
                s += (double)x[b * IN + i] * w[j * IN + i];
            ck_assert_double_eq_tol(y[b * OUT + j], s, 1e-5);
        }
    aimc_nmatrix_destroy(m);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}
END_TEST

START_TEST(ideal_analog_is_digital_bit_for_bit)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("ideal_analog_is_digital_bit_for_bit", 2));
    float *w = random_matrix(rng, OUT * IN, 0.3), *x = random_matrix(rng, N * IN, 2), yd[N * OUT], ya[N * OUT];
    aimc_error err;
    aimc_analog_setup a = ideal_setup(); /* noise off */
    a.dac_quantization = a.adc_quantization = false;
    aimc_nmatrix *d = aimc_nmatrix_digital(copy(w, OUT * IN), OUT, IN, &err);
    aimc_nmatrix *an = aimc_nmatrix_analog(copy(w, OUT * IN), OUT, IN, &a, 3, 2.0, &err);
    ck_assert_ptr_nonnull(an);
    ck_assert_uint_eq(aimc_nmatrix_blocks(an), 3 * 5); /* ceil(45/16) x ceil(37/8) */
    ck_assert_int_eq(aimc_nmatrix_apply(d, x, N, IN, yd, OUT, &err), 0);
    ck_assert_int_eq(aimc_nmatrix_apply(an, x, N, IN, ya, OUT, &err), 0);
    ck_assert_int_eq(memcmp(yd, ya, sizeof yd), 0);
    aimc_nmatrix_destroy(d);
    aimc_nmatrix_destroy(an);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}
END_TEST

/* The second implementation: every block on its own tier, programmed with the block's key, its float MVM
 * (DAC, analog MVM, ADC, rescale) summed over row blocks. */
static void reference(const float *w, const float *x, const aimc_analog_setup *a, uint64_t matrix, double bound,
                      float *y)
{
    aimc_periphery_config cfg = a->periphery;
    cfg.dac_input_bound = bound * a->periphery.dac_input_bound;
    aimc_error err;
    const int rb = (IN + R - 1) / R, cb = (OUT + C - 1) / C;
    memset(y, 0, N * OUT * sizeof *y);
    for (int r = 0; r < rb; r++)
        for (int c = 0; c < cb; c++) {
            /* without IR drop, an edge block is a tier of its used cells; with it, the whole crossbar */
            const int ni = IN - r * R < R ? IN - r * R : R, nj = OUT - c * C < C ? OUT - c * C : C;
            const bool whole = a->periphery.noise.ir_drop;
            cfg.rows = whole ? R : (uint32_t)ni;
            cfg.cols = whole ? C : (uint32_t)nj;
            const int tr = (int)cfg.rows, tc = (int)cfg.cols;
            aimc_analog_tier *t = aimc_analog_tier_create(&cfg, &err);
            ck_assert_ptr_nonnull(t);
            float blk[R * C] = {0}, xb[N * R] = {0}, yb[N * C];
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < nj; j++)
                    blk[i * tc + j] = w[(c * C + j) * IN + r * R + i];
            for (int b = 0; b < N; b++)
                for (int i = 0; i < ni; i++)
                    xb[b * tr + i] = x[b * IN + r * R + i];
            uint64_t key = aimc_nmatrix_block_seed(a->seed, a->draw, matrix, (uint64_t)(r * cb + c));
            ck_assert_int_eq(aimc_analog_tier_program(t, blk, key, &err), 0);
            ck_assert_int_eq(aimc_analog_tier_mvm(t, xb, N, yb, NULL, &err), 0);
            for (int b = 0; b < N; b++)
                for (int j = 0; j < nj; j++)
                    y[b * OUT + c * C + j] += yb[b * tc + j];
            aimc_analog_tier_destroy(t);
        }
}

static void check_against_tiers(bool static_noise, bool ir_drop, const char *name)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed(name, 3));
    float *w = random_matrix(rng, OUT * IN, 0.5), *x = random_matrix(rng, N * IN, 1.5), y[N * OUT], ref[N * OUT];
    aimc_error err;
    aimc_analog_setup a = ideal_setup();
    a.dac_quantization = a.adc_quantization = true;
    a.periphery.noise.programming_noise = a.periphery.noise.drift = static_noise;
    a.periphery.noise.programming_noise_scale = a.periphery.noise.drift_scale = 1;
    a.periphery.noise.ir_drop = ir_drop;
    a.periphery.wire_resistance_ohm = 50; /* large enough to matter on a 16 x 8 tier */
    aimc_nmatrix *an = aimc_nmatrix_analog(copy(w, OUT * IN), OUT, IN, &a, 11, 1.2, &err);
    ck_assert_ptr_nonnull(an);
    ck_assert_int_eq(aimc_nmatrix_apply(an, x, N, IN, y, OUT, &err), 0);
    reference(w, x, &a, 11, 1.2, ref);
    for (int k = 0; k < N * OUT; k++)
        ck_assert_float_eq_tol(y[k], ref[k], 1e-5f * (1 + fabsf(ref[k])));
    aimc_nmatrix_destroy(an);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}

START_TEST(quantized_blocks_match_the_tier_model)
{
    check_against_tiers(false, false, "quantized_blocks_match_the_tier_model");
}
END_TEST

START_TEST(static_noise_matches_the_tier_model)
{
    check_against_tiers(true, false, "static_noise_matches_the_tier_model");
}
END_TEST

/* With IR drop the edge blocks are whole crossbars whose unused cells hold target 0 (their devices load the
 * wires). */
START_TEST(ir_drop_matches_the_tier_model)
{
    check_against_tiers(true, true, "ir_drop_matches_the_tier_model");
}
END_TEST

/* Static noise without quantization: the assembled effective weights equal the tiers' W_eff x max|W|. */
START_TEST(static_noise_fast_path)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("static_noise_fast_path", 4));
    float *w = random_matrix(rng, OUT * IN, 0.5), *x = random_matrix(rng, N * IN, 1.5), y[N * OUT], yd[N * OUT];
    aimc_error err;
    aimc_analog_setup a = ideal_setup();
    a.dac_quantization = a.adc_quantization = false;
    a.periphery.noise.programming_noise = true;
    a.periphery.noise.programming_noise_scale = 1;
    aimc_nmatrix *an = aimc_nmatrix_analog(copy(w, OUT * IN), OUT, IN, &a, 5, 1, &err);
    ck_assert_int_eq(aimc_nmatrix_apply(an, x, N, IN, y, OUT, &err), 0);
    /* reference: each block programmed on a tier (of its used cells: no IR drop), y = sum_blocks x W_eff max|W| */
    double ref[N * OUT] = {0};
    const int rb = (IN + R - 1) / R, cb = (OUT + C - 1) / C;
    for (int r = 0; r < rb; r++)
        for (int c = 0; c < cb; c++) {
            const int ni = IN - r * R < R ? IN - r * R : R, nj = OUT - c * C < C ? OUT - c * C : C;
            aimc_periphery_config cfg = a.periphery;
            cfg.rows = (uint32_t)ni;
            cfg.cols = (uint32_t)nj;
            aimc_analog_tier *t = aimc_analog_tier_create(&cfg, &err);
            float blk[R * C] = {0};
            for (int i = 0; i < ni; i++)
                for (int j = 0; j < nj; j++)
                    blk[i * nj + j] = w[(c * C + j) * IN + r * R + i];
            ck_assert_int_eq(aimc_analog_tier_program(t, blk, aimc_nmatrix_block_seed(7, 0, 5, (uint64_t)(r * cb + c)),
                                                      &err), 0);
            const float *we = aimc_analog_tier_w_eff(t);
            double wm = aimc_analog_tier_w_max(t);
            for (int b = 0; b < N; b++)
                for (int i = 0; i < ni; i++)
                    for (int j = 0; j < nj; j++)
                        ref[b * OUT + c * C + j] += (double)x[b * IN + r * R + i] * we[i * nj + j] * wm;
            aimc_analog_tier_destroy(t);
        }
    aimc_nmatrix *d = aimc_nmatrix_digital(copy(w, OUT * IN), OUT, IN, &err);
    aimc_nmatrix_apply(d, x, N, IN, yd, OUT, &err);
    double diff = 0;
    for (int k = 0; k < N * OUT; k++) {
        ck_assert_double_eq_tol(y[k], ref[k], 1e-4);
        diff += fabs(y[k] - yd[k]);
    }
    ck_assert_double_gt(diff, 1e-3); /* the noise is there */
    aimc_nmatrix_destroy(an);
    aimc_nmatrix_destroy(d);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}
END_TEST

/* Same (seed, draw, matrix): the same devices and the same read noise; another draw or matrix: others. */
START_TEST(draws_are_keyed)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("draws_are_keyed", 5));
    float *w = random_matrix(rng, OUT * IN, 0.5), *x = random_matrix(rng, N * IN, 1.5);
    float y[4][N * OUT];
    aimc_error err;
    aimc_analog_setup a = ideal_setup();
    a.dac_quantization = a.adc_quantization = true;
    a.periphery.noise.programming_noise = a.periphery.noise.drift = a.periphery.noise.read_noise = true;
    a.periphery.noise.programming_noise_scale = a.periphery.noise.drift_scale = a.periphery.noise.read_noise_scale = 1;
    const struct {
        uint32_t draw;
        uint64_t matrix;
    } v[4] = {{0, 9}, {0, 9}, {1, 9}, {0, 10}};
    for (int k = 0; k < 4; k++) {
        a.draw = v[k].draw;
        aimc_nmatrix *an = aimc_nmatrix_analog(copy(w, OUT * IN), OUT, IN, &a, v[k].matrix, 1.5, &err);
        ck_assert_int_eq(aimc_nmatrix_apply(an, x, N, IN, y[k], OUT, &err), 0);
        if (k == 0) { /* read noise continues its stream: a second MVM of the same inputs differs */
            float again[N * OUT];
            aimc_nmatrix_apply(an, x, N, IN, again, OUT, &err);
            ck_assert_int_ne(memcmp(again, y[0], sizeof again), 0);
        }
        aimc_nmatrix_destroy(an);
    }
    ck_assert_int_eq(memcmp(y[0], y[1], sizeof y[0]), 0);
    ck_assert_int_ne(memcmp(y[0], y[2], sizeof y[0]), 0);
    ck_assert_int_ne(memcmp(y[0], y[3], sizeof y[0]), 0);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}
END_TEST

/* With the ADC off, a per-MVM noise reading is unquantized: no saturation is counted, and with DAC off and
 * read noise on the mean over many MVMs approaches the noise-free product. */
START_TEST(unquantized_read_noise_is_centred)
{
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("unquantized_read_noise_is_centred", 6));
    float *w = random_matrix(rng, OUT * IN, 0.5), *x = random_matrix(rng, IN, 1.5);
    aimc_error err;
    aimc_analog_setup a = ideal_setup();
    a.dac_quantization = a.adc_quantization = false;
    a.periphery.noise.adc_noise = true;
    a.periphery.noise.adc_noise_sigma = 0.05;
    aimc_nmatrix *an = aimc_nmatrix_analog(copy(w, OUT * IN), OUT, IN, &a, 1, 1.5, &err);
    aimc_nmatrix *d = aimc_nmatrix_digital(copy(w, OUT * IN), OUT, IN, &err);
    float yd[OUT], y[OUT];
    double mean[OUT] = {0};
    aimc_nmatrix_apply(d, x, 1, IN, yd, OUT, &err);
    const int reps = 4000;
    for (int r = 0; r < reps; r++) {
        ck_assert_int_eq(aimc_nmatrix_apply(an, x, 1, IN, y, OUT, &err), 0);
        for (int j = 0; j < OUT; j++)
            mean[j] += y[j] / reps;
    }
    /* one conversion's sigma in activation units: sigma x code_max_in x dac lsb x max|W|, x sqrt(row blocks) */
    double sigma = 0.05 * 127 * (1.5 / 127) * 0.5 * sqrt(3.0);
    for (int j = 0; j < OUT; j++)
        ck_assert_double_eq_tol(mean[j], yd[j], 5 * sigma / sqrt(reps));
    aimc_nmatrix_stats s = {0};
    aimc_nmatrix_stats_add(an, &s);
    ck_assert_uint_eq(s.outputs_saturated, 0);
    aimc_nmatrix_destroy(an);
    aimc_nmatrix_destroy(d);
    free(w);
    free(x);
    aimc_rng_destroy(rng);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("nmatrix");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, digital_is_the_product);
    tcase_add_test(tc, ideal_analog_is_digital_bit_for_bit);
    tcase_add_test(tc, quantized_blocks_match_the_tier_model);
    tcase_add_test(tc, static_noise_matches_the_tier_model);
    tcase_add_test(tc, ir_drop_matches_the_tier_model);
    tcase_add_test(tc, static_noise_fast_path);
    tcase_add_test(tc, draws_are_keyed);
    tcase_add_test(tc, unquantized_read_noise_is_centred);
    suite_add_tcase(s, tc);
    return s;
}
