/* The seeded activation codes both engines drive the DAC with: the fused summary equals generating then
 * summarising, the distribution has the documented moments and range, and keys give independent streams. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>

#include "check_main.h"
#include "core/rng.h"
#include "engine/activation_codes.h"

START_TEST(fused_summary_equals_generate_then_summarise)
{
    int16_t codes[515];
    for (uint32_t b_in = 2; b_in <= 16; b_in++)
        for (uint32_t rows = 1; rows <= 515; rows += 73) {
            aimc_codes_key key = {7, 3, b_in, rows, 1, 2};
            aimc_codes_summary a, b;
            aimc_activation_codes(&key, rows, b_in, codes);
            aimc_codes_summarise(codes, rows, &a);
            aimc_activation_codes_summary(&key, rows, b_in, &b);
            ck_assert_uint_eq(a.max_abs, b.max_abs);
            ck_assert_uint_eq(a.sum_abs, b.sum_abs);
            ck_assert_uint_eq(a.ones, b.ones);
            ck_assert_uint_eq(a.nonzero, b.nonzero);
        }
}
END_TEST

/* The fast engine's summariser (table per nibble sum, packed accumulators flushed every 1024 codes, max from
 * the sums seen) against generating every code and summarising it, over random keys, widths and row counts
 * (0 to 4,200 rows: several flushes, every partial last hash), one summariser per width reused across keys. */
START_TEST(summariser_equals_per_code_generation_over_random_keys)
{
    static int16_t codes[4200];
    aimc_codes_summariser by_bits[17];
    for (uint32_t b_in = 2; b_in <= 16; b_in++)
        aimc_codes_summariser_init(&by_bits[b_in], b_in);
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("summariser_random", 15));
    for (int k = 0; k < 3000; k++) {
        aimc_codes_key key = {(uint64_t)aimc_rng_uniform_int(rng, 0xffffffffu) << 32 | aimc_rng_uniform_int(rng, 0xffffffffu),
                              aimc_rng_uniform_int(rng, 100000), aimc_rng_uniform_int(rng, 64),
                              aimc_rng_uniform_int(rng, 4096), aimc_rng_uniform_int(rng, 3),
                              aimc_rng_uniform_int(rng, 64)};
        uint32_t b_in = 2 + aimc_rng_uniform_int(rng, 15);
        uint32_t rows = k < 64 ? (uint32_t)k : aimc_rng_uniform_int(rng, 4201);
        aimc_codes_summary want, got;
        aimc_activation_codes(&key, rows, b_in, codes);
        aimc_codes_summarise(codes, rows, &want);
        aimc_codes_summariser_run(&by_bits[b_in], &key, rows, &got);
        ck_assert_msg(want.max_abs == got.max_abs && want.sum_abs == got.sum_abs && want.ones == got.ones &&
                          want.nonzero == got.nonzero,
                      "case %d (b_in %u, rows %u): max %u/%u, sum %llu/%llu, ones %llu/%llu, nonzero %u/%u", k, b_in,
                      rows, want.max_abs, got.max_abs, (unsigned long long)want.sum_abs,
                      (unsigned long long)got.sum_abs, (unsigned long long)want.ones, (unsigned long long)got.ones,
                      want.nonzero, got.nonzero);
    }
    aimc_rng_destroy(rng);
}
END_TEST

START_TEST(distribution_has_the_documented_moments_and_range)
{
    /* b_in 16 (full 32767) so the rounding of the scale does not matter: std = full/4 = 8191.75 by design.
     * Over n = 400,000 codes the sample mean has std 8191.75/sqrt(n) = 12.95: accept |mean| < 5 sigma = 65;
     * the sample std of a bounded, near-Gaussian variable has relative std ~1/sqrt(2n) = 0.11 %: accept 1 %.
     * Range: |v| <= 30 nibble-sum units, 30 / 36.878 = 0.8135 of full scale. */
    const uint32_t rows = 4000, blocks = 100;
    static int16_t codes[4000];
    double sum = 0, sum2 = 0;
    int32_t full = 32767, worst = 0;
    for (uint32_t k = 0; k < blocks; k++) {
        aimc_codes_key key = {aimc_test_seed("distribution", 11), k, 0, 0, 0, 0};
        aimc_activation_codes(&key, rows, 16, codes);
        for (uint32_t r = 0; r < rows; r++) {
            sum += codes[r];
            sum2 += (double)codes[r] * codes[r];
            worst = abs(codes[r]) > worst ? abs(codes[r]) : worst;
        }
    }
    double n = (double)rows * blocks, mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    printf("mean %.2f, std %.1f (designed %.2f), max |code| %d of %d\n", mean, sd, full / 4.0, worst, full);
    ck_assert(fabs(mean) < 65);
    ck_assert(fabs(sd / (full / 4.0) - 1) < 0.01);
    ck_assert_int_le(worst, (int32_t)(0.8136 * full));
    ck_assert_int_ge(worst, (int32_t)(0.7 * full)); /* 400k draws reach the tail */
}
END_TEST

START_TEST(keys_give_different_streams_and_the_same_key_the_same)
{
    int16_t a[64], b[64], c[64];
    aimc_codes_key k1 = {1, 2, 3, 4, 0, 5}, k2 = k1;
    k2.in_block = 6;
    aimc_activation_codes(&k1, 64, 8, a);
    aimc_activation_codes(&k2, 64, 8, b);
    aimc_activation_codes(&k1, 64, 8, c);
    int same = 0;
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(a[i], c[i]);
        same += a[i] == b[i];
    }
    ck_assert_int_lt(same, 32);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("activation_codes");
    TCase *tc = tcase_create("activation_codes");
    tcase_add_test(tc, fused_summary_equals_generate_then_summarise);
    tcase_add_test(tc, summariser_equals_per_code_generation_over_random_keys);
    tcase_add_test(tc, distribution_has_the_documented_moments_and_range);
    tcase_add_test(tc, keys_give_different_streams_and_the_same_key_the_same);
    suite_add_tcase(s, tc);
    return s;
}
