/* DAC and ADC models: hand-derived codes, drive semantics, the SAR against the ideal quantizer, and
 * quantization / noise statistics against theory. */
#include <check.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include "analog/periphery_analog.h"
#include "engine/tile_cost.h"
#include "check_main.h"

static aimc_periphery_config cfg_bits(aimc_dac_mode mode, uint32_t b_in, uint32_t b_out)
{
    aimc_periphery_config c;
    aimc_periphery_config_ideal(&c, 512, 512, mode, b_in, b_out, 8);
    return c;
}

START_TEST(dac_codes_by_hand)
{
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, 8);
    aimc_dac d;
    aimc_dac_init(&d, &c);
    ck_assert_int_eq(d.code_max, 127);
    ck_assert_double_eq_tol(d.lsb, 1.0 / 127, 1e-15);
    bool clip;
    ck_assert_int_eq(aimc_dac_quantize(&d, 0.0, &clip), 0);
    ck_assert(!clip);
    ck_assert_int_eq(aimc_dac_quantize(&d, 63.5 / 127, &clip), 64); /* halves away from zero */
    ck_assert_int_eq(aimc_dac_quantize(&d, -63.5 / 127, &clip), -64);
    ck_assert_int_eq(aimc_dac_quantize(&d, 63.49 / 127, &clip), 63);
    ck_assert_int_eq(aimc_dac_quantize(&d, 1.0, &clip), 127);
    ck_assert(!clip);
    ck_assert_int_eq(aimc_dac_quantize(&d, 1.2, &clip), 127);
    ck_assert(clip);
    ck_assert_int_eq(aimc_dac_quantize(&d, -7.0, &clip), -127);
    ck_assert(clip);
    ck_assert_int_eq(aimc_dac_quantize(&d, NAN, &clip), 0);
    ck_assert(clip);
    float x[4] = {0.1f, 2.0f, -2.0f, 0.0f};
    int16_t codes[4];
    ck_assert_uint_eq(aimc_dac_quantize_vector(&d, x, 4, codes), 2);
    ck_assert_int_eq(codes[0], 13); /* 12.7 -> 13 */
    ck_assert_int_eq(codes[1], 127);
    ck_assert_int_eq(codes[2], -127);
    /* 4-bit DAC with bound 3: lsb 3/7 */
    c = cfg_bits(AIMC_DAC_BIT_SERIAL, 4, 8);
    c.dac_input_bound = 3.0;
    aimc_dac_init(&d, &c);
    ck_assert_int_eq(d.code_max, 7);
    ck_assert_int_eq(aimc_dac_quantize(&d, 1.0, NULL), 2); /* 2.33 */
    ck_assert_int_eq(aimc_dac_quantize(&d, -2.9, NULL), -7); /* -6.77 */
}
END_TEST

/* The drive phase the tier-MVM cost model gives these codes. */
static uint32_t drive_cycles(const aimc_periphery_config *c, const int16_t *codes, uint32_t rows)
{
    aimc_codes_summary sum;
    aimc_codes_summarise(codes, rows, &sum);
    aimc_tier_mvm_phases ph;
    aimc_tier_mvm_phases_of(c, sum.max_abs, &ph);
    return ph.drive;
}

/* Every code, in both modes: the weighted drive levels add up to the code, PWM drives |c| cycles, bit-serial
 * drives the set bits of |c|, and the phase lengths are the closed forms. */
START_TEST(drive_semantics_reproduce_every_code)
{
    for (uint32_t b_in = 2; b_in <= 9; b_in++) {
        for (int m = 0; m < 2; m++) {
            aimc_periphery_config c = cfg_bits(m ? AIMC_DAC_BIT_SERIAL : AIMC_DAC_PWM, b_in, 8);
            aimc_dac d;
            aimc_dac_init(&d, &c);
            int32_t cmax = (1 << (b_in - 1)) - 1;
            for (int32_t code = -cmax; code <= cmax; code++) {
                int16_t one = (int16_t)code;
                uint32_t cycles = drive_cycles(&c, &one, 1);
                ck_assert_uint_eq(cycles, m ? b_in - 1 : (uint32_t)abs(code));
                long sum = 0;
                uint32_t active = 0;
                for (uint32_t k = 0; k < cycles; k++) {
                    int lvl = aimc_dac_row_level(&d, code, k);
                    ck_assert(lvl == 0 || lvl == (code > 0 ? 1 : -1));
                    active += lvl != 0;
                    sum += (long)aimc_dac_cycle_weight(&d, k) * lvl;
                }
                ck_assert_int_eq(sum, code);
                ck_assert_int_eq(aimc_dac_row_level(&d, code, cycles), 0); /* nothing after the phase */
                if (!m)
                    ck_assert_uint_eq(active, (uint32_t)abs(code));
                else
                    ck_assert_uint_eq(active, (uint32_t)__builtin_popcount((unsigned)abs(code)));
            }
        }
    }
    /* PWM phase of a vector: the longest pulse */
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, 8);
    int16_t v[5] = {3, -90, 0, 17, 89};
    ck_assert_uint_eq(drive_cycles(&c, v, 5), 90);
    int16_t zero[3] = {0, 0, 0};
    ck_assert_uint_eq(drive_cycles(&c, zero, 3), 0);
}
END_TEST

START_TEST(dac_quantization_error_variance_is_lsb2_over_12)
{
    unsigned long seed = aimc_test_seed("dac_quantization_error_variance", 11);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 6, 8);
    c.dac_input_bound = 2.0;
    aimc_dac d;
    aimc_dac_init(&d, &c);
    /* Inputs uniform over the range: the error is uniform on [-lsb/2, lsb/2] (the two half end bins too), so
     * E e^2 = lsb^2/12.  Var(e^2) = lsb^4/80 - lsb^4/144 = lsb^4/180, so the sample mean of e^2 has relative
     * standard error 12/sqrt(180 N) = 0.894/sqrt(N) = 0.2% at N = 200000; the tolerance is 5 of them (1%). */
    const int n = 200000;
    double s2 = 0, s1 = 0;
    for (int k = 0; k < n; k++) {
        double x = gsl_ran_flat(r, -2.0, 2.0);
        double e = x - aimc_dac_quantize(&d, x, NULL) * d.lsb;
        s1 += e;
        s2 += e * e;
    }
    double want = d.lsb * d.lsb / 12;
    ck_assert_msg(fabs(s2 / n / want - 1) < 5 * 0.894 / sqrt(n), "E e^2 = %g, lsb^2/12 = %g", s2 / n, want);
    /* mean error: standard error lsb/sqrt(12 N) */
    ck_assert_msg(fabs(s1 / n) < 5 * d.lsb / sqrt(12.0 * n), "mean error %g", s1 / n);
    gsl_rng_free(r);
}
END_TEST

START_TEST(adc_codes_by_hand)
{
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, 8);
    aimc_adc a;
    aimc_adc_init(&a, &c);
    /* full scale 12 normalised units = 12 * 127 charge units over 128 codes */
    ck_assert_double_eq_tol(a.lsb, 12.0 * 127 / 128, 1e-12);
    ck_assert_int_eq(a.code_min, -128);
    ck_assert_int_eq(a.code_max, 127);
    ck_assert_double_eq_tol(aimc_adc_threshold(&a, 128), -0.5 * a.lsb, 1e-12);
    ck_assert_double_eq_tol(aimc_adc_threshold(&a, 1), -127.5 * a.lsb, 1e-12);
    bool sat;
    ck_assert_int_eq(aimc_adc_quantize(&a, 0, &sat), 0);
    ck_assert(!sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, 0.5 * a.lsb, &sat), 1);   /* halves up */
    ck_assert_int_eq(aimc_adc_quantize(&a, -0.5 * a.lsb, &sat), 0);
    ck_assert_int_eq(aimc_adc_quantize(&a, -0.51 * a.lsb, &sat), -1);
    ck_assert_int_eq(aimc_adc_quantize(&a, 41.2 * a.lsb, &sat), 41);
    ck_assert_int_eq(aimc_adc_quantize(&a, 126.4 * a.lsb, &sat), 126);
    ck_assert(!sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, 126.5 * a.lsb, &sat), 127);
    ck_assert(sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, 1e9, &sat), 127);
    ck_assert(sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, -127.49 * a.lsb, &sat), -127);
    ck_assert(!sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, -1e9, &sat), -128);
    ck_assert(sat);
    ck_assert_int_eq(aimc_adc_quantize(&a, NAN, &sat), -128);
    ck_assert_double_eq_tol(aimc_adc_value(&a, -3), -3 * a.lsb, 1e-12);
    /* a 1-bit converter: one decision against 0 */
    c = cfg_bits(AIMC_DAC_PWM, 8, 1);
    aimc_adc_init(&a, &c);
    ck_assert_int_eq(a.code_min, -1);
    ck_assert_int_eq(a.code_max, 0);
    ck_assert_int_eq(aimc_adc_quantize(&a, -0.6 * a.lsb, NULL), -1);
    ck_assert_int_eq(aimc_adc_quantize(&a, -0.5 * a.lsb, NULL), 0);
    ck_assert_int_eq(aimc_adc_sar_convert(&a, -0.6 * a.lsb), -1);
}
END_TEST

/* The SAR written with the comparator equals the ideal quantizer: random values spanning beyond the range,
 * plus every decision level exactly and the double just below it, for b_out = 1..12. */
START_TEST(sar_equals_ideal_quantizer)
{
    unsigned long seed = aimc_test_seed("sar_equals_ideal_quantizer", 12);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    long checked = 0;
    for (uint32_t b = 1; b <= 12; b++) {
        aimc_periphery_config c = cfg_bits(AIMC_DAC_BIT_SERIAL, 8, b);
        c.adc_full_scale = gsl_ran_flat(r, 0.5, 20);
        aimc_adc a;
        aimc_adc_init(&a, &c);
        double span = 1.2 * (a.half + 1) * a.lsb;
        for (int k = 0; k < 10000; k++) {
            double v = gsl_ran_flat(r, -span, span);
            ck_assert_int_eq(aimc_adc_sar_convert(&a, v), aimc_adc_quantize(&a, v, NULL));
            /* the ideal code by its definition: round half up, saturate */
            double ideal = floor(v / a.lsb + 0.5);
            ideal = ideal > a.code_max ? a.code_max : ideal < a.code_min ? a.code_min : ideal;
            ck_assert_int_eq(aimc_adc_quantize(&a, v, NULL), (int32_t)ideal);
            checked++;
        }
        for (uint32_t t = 1; t < 2 * a.half; t++) {
            double lvl = aimc_adc_threshold(&a, t);
            ck_assert_int_eq(aimc_adc_sar_convert(&a, lvl), (int32_t)t - (int32_t)a.half);
            ck_assert_int_eq(aimc_adc_quantize(&a, lvl, NULL), (int32_t)t - (int32_t)a.half);
            double below = nextafter(lvl, -INFINITY);
            ck_assert_int_eq(aimc_adc_sar_convert(&a, below), (int32_t)t - 1 - (int32_t)a.half);
            ck_assert_int_eq(aimc_adc_quantize(&a, below, NULL), (int32_t)t - 1 - (int32_t)a.half);
            checked += 2;
        }
    }
    ck_assert_int_ge(checked, 100000);
    gsl_rng_free(r);
}
END_TEST

/* The fused block conversion (float charges, a float table of the levels for big batches, a direct path for
 * small ones) gives exactly aimc_adc_quantize's code: on every level's float images and their neighbours and
 * on random floats, b_out = 1..12. */
START_TEST(block_conversion_equals_the_quantizer)
{
    unsigned long seed = aimc_test_seed("block_conversion_equals_the_quantizer", 15);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    for (uint32_t b = 1; b <= 12; b++) {
        aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, b);
        c.adc_full_scale = gsl_ran_flat(r, 0.3, 30);
        aimc_adc a;
        aimc_adc_init(&a, &c);
        size_t n = 0, cap = 8 * (2 * (size_t)a.half) + 5000;
        float *v = malloc(cap * sizeof *v);
        for (uint32_t t = 1; t < 2 * a.half; t++) {
            float f = (float)aimc_adc_threshold(&a, t);
            v[n++] = f;
            v[n++] = nextafterf(f, INFINITY);
            v[n++] = nextafterf(f, -INFINITY);
            v[n++] = nextafterf(nextafterf(f, -INFINITY), -INFINITY);
        }
        while (n < cap - 4)
            v[n++] = (float)gsl_ran_flat(r, -1.3 * a.half * a.lsb, 1.3 * a.half * a.lsb);
        v[n++] = INFINITY;
        v[n++] = -INFINITY;
        v[n++] = NAN;
        int16_t *big = malloc(n * sizeof *big), one;
        size_t sat = aimc_adc_convert_block(&a, NULL, v, NULL, n, 1, 0, n, big, NULL), want_sat = 0;
        for (size_t k = 0; k < n; k++) {
            bool s_k;
            int32_t want = aimc_adc_quantize(&a, v[k], &s_k);
            want_sat += s_k;
            ck_assert_msg(big[k] == want, "b %u value %a: batch %d, quantizer %d", b, (double)v[k], big[k], want);
            aimc_adc_convert_block(&a, NULL, v + k, NULL, 1, 1, 0, 1, &one, NULL);
            ck_assert_msg(one == want, "b %u value %a: single %d, quantizer %d", b, (double)v[k], one, want);
        }
        ck_assert_uint_eq(sat, want_sat);
        free(v);
        free(big);
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(adc_quantization_error_variance_is_lsb2_over_12)
{
    unsigned long seed = aimc_test_seed("adc_quantization_error_variance", 13);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, 6);
    aimc_adc a;
    aimc_adc_init(&a, &c);
    /* values uniform inside the unsaturated range; same derivation as the DAC test: relative standard error
     * of the mean square 0.894/sqrt(N), tolerance 5 of them */
    const size_t n = 200000;
    float *mean = malloc(n * sizeof *mean);
    int16_t *codes = malloc(n * sizeof *codes);
    for (size_t k = 0; k < n; k++)
        mean[k] = (float)gsl_ran_flat(r, (a.code_min + 0.5) * a.lsb, (a.code_max - 0.5) * a.lsb);
    ck_assert_uint_eq(aimc_adc_convert_block(&a, r, mean, NULL, n, 1, 0, n, codes, NULL), 0);
    double s2 = 0;
    for (size_t k = 0; k < n; k++) {
        double e = codes[k] * a.lsb - mean[k];
        s2 += e * e;
    }
    double want = a.lsb * a.lsb / 12;
    ck_assert_msg(fabs(s2 / n / want - 1) < 5 * 0.894 / sqrt((double)n), "E e^2 %g vs %g", s2 / n, want);
    free(mean);
    free(codes);
    gsl_rng_free(r);
}
END_TEST

/* Additive output noise and the fused read-noise variance: the analog value handed to the comparators has the
 * mean it was given and variance var + sigma_adc^2.  The sample variance of N normal draws has relative
 * standard error sqrt(2/N) (0.32% at N = 200000); tolerance 5 of them.  The mean's standard error is
 * sigma/sqrt(N). */
START_TEST(adc_noise_has_the_stated_sigma)
{
    unsigned long seed = aimc_test_seed("adc_noise_has_the_stated_sigma", 14);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    aimc_periphery_config c = cfg_bits(AIMC_DAC_PWM, 8, 8);
    c.noise.adc_noise = true;
    c.noise.adc_noise_sigma = 0.06; /* normalised units -> 0.06 * 127 = 7.62 charge units */
    aimc_adc a;
    aimc_adc_init(&a, &c);
    ck_assert_double_eq_tol(a.noise_sigma, 7.62, 1e-12);
    const size_t n = 200000;
    float *mean = malloc(n * sizeof *mean), *var = malloc(n * sizeof *var), *an = malloc(n * sizeof *an);
    int16_t *codes = malloc(n * sizeof *codes);
    for (int with_var = 0; with_var < 2; with_var++) {
        for (size_t k = 0; k < n; k++) {
            mean[k] = 100.0f;
            var[k] = 40.0f;
        }
        aimc_adc_convert_block(&a, r, mean, with_var ? var : NULL, n, 1, 0, n, codes, an);
        double s1 = 0, s2 = 0;
        for (size_t k = 0; k < n; k++) {
            s1 += an[k];
            s2 += (an[k] - 100.0) * (an[k] - 100.0);
            ck_assert_int_eq(codes[k], aimc_adc_quantize(&a, an[k], NULL));
        }
        double want_var = 7.62 * 7.62 + (with_var ? 40.0 : 0.0);
        ck_assert_msg(fabs(s2 / n / want_var - 1) < 5 * sqrt(2.0 / n), "variance %g vs %g", s2 / n, want_var);
        ck_assert_msg(fabs(s1 / n - 100.0) < 5 * sqrt(want_var / n), "mean %g", s1 / n);
    }
    free(mean);
    free(var);
    free(an);
    free(codes);
    gsl_rng_free(r);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("periphery_analog");
    TCase *tc = tcase_create("periphery_analog");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dac_codes_by_hand);
    tcase_add_test(tc, drive_semantics_reproduce_every_code);
    tcase_add_test(tc, dac_quantization_error_variance_is_lsb2_over_12);
    tcase_add_test(tc, adc_codes_by_hand);
    tcase_add_test(tc, sar_equals_ideal_quantizer);
    tcase_add_test(tc, block_conversion_equals_the_quantizer);
    tcase_add_test(tc, adc_quantization_error_variance_is_lsb2_over_12);
    tcase_add_test(tc, adc_noise_has_the_stated_sigma);
    suite_add_tcase(s, tc);
    return s;
}
