/* Cost functions of the digital units, interconnect and DRAM on the paper preset, against hand-computed
 * numbers (the arithmetic is written next to each expectation). */
#include <check.h>
#include <math.h>
#include <stdio.h>

#include "check_main.h"
#include "core/json_config.h"
#include "system/chip_config.h"
#include "system/digital_units.h"

static aimc_system_config cfg;

static void load_paper(void)
{
    char path[512];
    aimc_error err;
    aimc_preset_path("chips", "paper", path, sizeof path);
    json_object *root = aimc_json_load_file(path, &err);
    ck_assert_msg(root != NULL, "%s", err.msg);
    ck_assert_msg(aimc_system_config_load(root, path, &cfg, &err) == 0, "%s", err.msg);
    json_object_put(root);
}

#define ASSERT_COST(c, cycles, fJ)                                                                               \
    do {                                                                                                         \
        aimc_op_cost c_ = (c);                                                                                   \
        ck_assert_uint_eq(c_.latency_cycles, (cycles));                                                          \
        ck_assert_int_eq(c_.energy, (fJ));                                                                       \
    } while (0)

START_TEST(durations_round_to_ps_then_up_to_cycles)
{
    ck_assert_uint_eq(aimc_ns_to_cycles(0, 1000), 0);
    ck_assert_uint_eq(aimc_ns_to_cycles(20, 1000), 20);      /* 20000 ps / 1000 ps */
    ck_assert_uint_eq(aimc_ns_to_cycles(20, 3000), 7);       /* 20000 / 3000 = 6.67 -> 7 */
    ck_assert_uint_eq(aimc_ns_to_cycles(12, 2000), 6);       /* exactly 6, not 7 */
    ck_assert_uint_eq(aimc_ns_to_cycles(20.0001, 1000), 20); /* 20000.1 ps resolves to 20000 ps */
    ck_assert_uint_eq(aimc_ns_to_cycles(20.0006, 1000), 21); /* 20000.6 ps resolves to 20001 ps -> 21 cycles */
    ck_assert_uint_eq(aimc_ns_to_cycles(0.0004, 1000), 0);   /* under half a ps is nothing */
}
END_TEST

START_TEST(table_points_cost_exactly_their_values)
{
    /* At 1 ns per cycle a table latency of X ns is X cycles, and Y pJ is 1000 Y fJ. */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_LAYERNORM, 768), 100, 41920);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_LAYERNORM, 256), 50, 20960);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_ADD, 512), 20, 18860);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_GELU, 1024), 70, 38510);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_RELU, 1024), 1, 60);
    /* SwiGLU assumption: GeLU + add = 70 + 36 ns, 38.51 + 37.72 = 76.23 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_SILU_MUL, 1024), 106, 76230);
    /* partial sums of one 512-column crossbar: the add row at 512 */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_PSUM_ADD, 512), 20, 18860);
    /* 3 ns clock: 50 ns -> 16.67 -> 17 cycles; 100 ns -> 33.3 -> 34 */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 3000, AIMC_VOP_LAYERNORM, 512), 17, 20960);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 3000, AIMC_VOP_LAYERNORM, 1024), 34, 41920);
}
END_TEST

START_TEST(between_points_is_linear_outside_is_proportional)
{
    /* GeLU at 640, halfway between 512 and 768: 38 + (54 - 38)/2 = 46 ns; 19.25 + (28.88 - 19.25)/2 = 24.065 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_GELU, 640), 46, 24065);
    /* GeLU at 2048 = 2 x the 1024 point: 140 ns, 77.02 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_GELU, 2048), 140, 77020);
    /* GeLU at 128 = half the 256 point: 11 ns, 4.815 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_GELU, 128), 11, 4815);
    /* gating over E = 64 logits: (22 + 12) * 64/256 = 8.5 ns -> 9 cycles; (9.63 + 9.43) / 4 = 4.765 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_GATING, 64), 9, 4765);
    /* LayerNorm at 896 lies on the flat 768..1024 segment */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_LAYERNORM, 896), 100, 41920);
    /* ReLU at 4096: 1 ns * 4 = 4 ns, 0.06 pJ * 4 = 0.24 pJ */
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_RELU, 4096), 4, 240);
    ASSERT_COST(aimc_vector_op_cost(&cfg, 1000, AIMC_VOP_ADD, 0), 0, 0);
}
END_TEST

START_TEST(attention_table_points_are_reproduced_exactly)
{
    static const unsigned d[4] = {256, 512, 768, 1024}, s[3] = {64, 128, 512};
    static const double ns[3][4] = {{4295, 16775, 37575, 66695},
                                    {17031, 66567, 149127, 264711},
                                    {270855, 1058823, 2372103, 4210695}};
    static const double pJ[3][4] = {{23376, 46744, 70112, 93484},
                                    {93497, 186972, 280466, 373925},
                                    {1495908, 2991525, 4487143, 5982764}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double l, e;
            aimc_attention_table_eval(&cfg.digital.attention, d[j], s[i], &l, &e);
            ck_assert_double_eq(l, ns[i][j]);
            ck_assert_double_eq(e, pJ[i][j]);
            ASSERT_COST(aimc_attention_sequence_cost(&cfg, 1000, d[j], s[i]), (uint64_t)ns[i][j],
                        (aimc_fJ)pJ[i][j] * 1000);
            /* 1 ps clock: X ns = 1000 X cycles */
            ASSERT_COST(aimc_attention_sequence_cost(&cfg, 1, d[j], s[i]), (uint64_t)ns[i][j] * 1000,
                        (aimc_fJ)pJ[i][j] * 1000);
        }
}
END_TEST

START_TEST(attention_decode_is_the_sequence_cost_over_seq_len)
{
    /* d 1024, seq 512: 4,210,695 ns / 512 = 8224.013671875 ns -> 8,224,014 ps -> 8225 cycles of 1 ns;
     * 5,982,764 pJ / 512 = 11685.0859375 pJ -> 11,685,086 fJ */
    ASSERT_COST(aimc_attention_decode_cost(&cfg, 1000, 1024, 512), 8225, 11685086);
    /* d 256, seq 64: 4295 / 64 = 67.109375 ns -> 68 cycles; 23376 / 64 = 365.25 pJ */
    ASSERT_COST(aimc_attention_decode_cost(&cfg, 1000, 256, 64), 68, 365250);
    ASSERT_COST(aimc_attention_decode_cost(&cfg, 1000, 256, 0), 0, 0);
}
END_TEST

START_TEST(attention_interpolates_as_a_power_law)
{
    double l, e;
    /* seq 256 is the log-midpoint of 128 and 512: the geometric mean of the two rows at d 1024 */
    aimc_attention_table_eval(&cfg.digital.attention, 1024, 256, &l, &e);
    ck_assert_double_eq_tol(l, sqrt(264711.0 * 4210695.0), 1e-6 * l);
    ck_assert_double_eq_tol(e, sqrt(373925.0 * 5982764.0), 1e-6 * e);
    /* off both axes, d 640 in [512, 768], seq 256 in [128, 512]: the product of the four corners, each raised
     * to its bilinear weight in log space */
    double td = log(640.0 / 512.0) / log(768.0 / 512.0), ts = 0.5;
    double want = pow(66567.0, (1 - td) * (1 - ts)) * pow(149127.0, td * (1 - ts)) * pow(1058823.0, (1 - td) * ts) *
                  pow(2372103.0, td * ts);
    aimc_attention_table_eval(&cfg.digital.attention, 640, 256, &l, &e);
    ck_assert_double_eq_tol(l, want, 1e-9 * want);
    /* beyond the table the edge power law continues: seq 1024 at d 1024 from the 128 -> 512 segment */
    double slope = log(4210695.0 / 264711.0) / log(4.0);
    aimc_attention_table_eval(&cfg.digital.attention, 1024, 1024, &l, &e);
    ck_assert_double_eq_tol(l, 4210695.0 * pow(2.0, slope), 1e-9 * l);
    /* energy far outside (d 2048, seq 2048) stays on the supplementary's fit 0.022289 pJ * d * seq^2 */
    aimc_attention_table_eval(&cfg.digital.attention, 2048, 2048, &l, &e);
    double fit = 0.022289 * 2048.0 * 2048.0 * 2048.0;
    ck_assert_msg(fabs(e / fit - 1) < 0.005, "extrapolated %g pJ, fit %g pJ", e, fit);
    /* and far below (d 64, seq 8) */
    aimc_attention_table_eval(&cfg.digital.attention, 64, 8, &l, &e);
    fit = 0.022289 * 64.0 * 8.0 * 8.0;
    ck_assert_msg(fabs(e / fit - 1) < 0.01, "extrapolated %g pJ, fit %g pJ", e, fit);
}
END_TEST

START_TEST(attention_grows_with_d_model_and_seq_len)
{
    double prev_l = 0, prev_e = 0;
    for (unsigned s = 1; s <= 4096; s *= 2) {
        double row_l = 0, row_e = 0;
        for (unsigned d = 64; d <= 8192; d += 64) {
            double l, e;
            aimc_attention_table_eval(&cfg.digital.attention, d, s, &l, &e);
            ck_assert_msg(l > row_l && e > row_e, "not increasing in d at d %u seq %u", d, s);
            row_l = l;
            row_e = e;
        }
        ck_assert_msg(row_l > prev_l && row_e > prev_e, "not increasing in seq at seq %u", s);
        prev_l = row_l;
        prev_e = row_e;
    }
}
END_TEST

START_TEST(interconnect_costs_latency_per_vector_and_energy_per_bit)
{
    /* 512 int8 = 4096 bits * 0.01 pJ = 40.96 pJ; 10 ns per vector */
    ASSERT_COST(aimc_interconnect_cost(&cfg, 1000, 512), 10, 40960);
    /* 2048 int8 = 16384 bits -> 163.84 pJ; same 10 ns; 3 ns clock -> 4 cycles */
    ASSERT_COST(aimc_interconnect_cost(&cfg, 3000, 2048), 4, 163840);
    ASSERT_COST(aimc_interconnect_cost(&cfg, 1000, 0), 0, 0);
}
END_TEST

START_TEST(dram_kv_read_time_from_bandwidth_energy_from_active_power)
{
    /* d 1024, seq 128, int8: 2 * 128 * 1024 = 262,144 bytes */
    ck_assert_uint_eq(aimc_dram_kv_bytes(&cfg, 1024, 128), 262144);
    /* 262,144 B / 5.332 B/ns = 49,164.291 ns -> 49,164,291 ps -> 49,165 cycles of 1 ns;
     * 0.2467 W * 1 ns = 246.7 pJ = 246,700 fJ per cycle * 49,165 = 12,129,005,500 fJ */
    ASSERT_COST(aimc_dram_kv_read_cost(&cfg, 1000, 1024, 128), 49165, 12129005500LL);
    /* one token's K and V: 2 * 1024 B / 5.332 = 384.096 ns -> 385 cycles * 246,700 fJ = 94,979,500 fJ */
    ASSERT_COST(aimc_dram_kv_write_cost(&cfg, 1000, 1024), 385, 94979500);
    ASSERT_COST(aimc_dram_kv_read_cost(&cfg, 1000, 1024, 0), 0, 0);
    /* grouped queries: kv_dim 1024 of an 4096-wide model reads the same as d_model 1024 */
    ck_assert_uint_eq(aimc_dram_kv_bytes(&cfg, 1024, 4096), 2ull * 4096 * 1024);
}
END_TEST

START_TEST(passive_energy_is_power_times_time_and_adds_up)
{
    /* 4 DPUs + 1 MHA at 1 W each = 5 W; 5 W * 1 ns = 5 nJ = 5,000,000 fJ per cycle */
    ck_assert_int_eq(aimc_digital_passive_energy(&cfg, 1000, 1), 5000000);
    /* 1 us = 1000 cycles: 5 W * 1 us = 5 uJ */
    ck_assert_int_eq(aimc_digital_passive_energy(&cfg, 1000, 1000), 5000000000LL);
    /* DRAM idle 0.1297 W * 1 ns = 129.7 pJ per cycle */
    ck_assert_int_eq(aimc_dram_idle_energy(&cfg, 1000, 1), 129700);
    /* 2.5 ns clock: 0.1297 W * 2.5 ns = 324.25 pJ */
    ck_assert_int_eq(aimc_dram_idle_energy(&cfg, 2500, 4), 4 * 324250);
    /* energy over consecutive intervals adds up exactly, whatever the split */
    for (uint64_t a = 0; a < 2000; a += 37)
        ck_assert_int_eq(aimc_digital_passive_energy(&cfg, 1250, a) + aimc_digital_passive_energy(&cfg, 1250, 2000 - a),
                         aimc_digital_passive_energy(&cfg, 1250, 2000));
    ck_assert_int_eq(aimc_power_to_fJ_per_cycle(0.2467, 1000), 246700);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("digital_units");
    TCase *tc = tcase_create("digital_units");
    tcase_add_unchecked_fixture(tc, load_paper, NULL);
    tcase_add_test(tc, durations_round_to_ps_then_up_to_cycles);
    tcase_add_test(tc, table_points_cost_exactly_their_values);
    tcase_add_test(tc, between_points_is_linear_outside_is_proportional);
    tcase_add_test(tc, attention_table_points_are_reproduced_exactly);
    tcase_add_test(tc, attention_decode_is_the_sequence_cost_over_seq_len);
    tcase_add_test(tc, attention_interpolates_as_a_power_law);
    tcase_add_test(tc, attention_grows_with_d_model_and_seq_len);
    tcase_add_test(tc, interconnect_costs_latency_per_vector_and_energy_per_bit);
    tcase_add_test(tc, dram_kv_read_time_from_bandwidth_energy_from_active_power);
    tcase_add_test(tc, passive_energy_is_power_times_time_and_adds_up);
    suite_add_tcase(s, tc);
    return s;
}
