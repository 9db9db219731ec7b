/* GPU roofline on hand-computed cases: weight bound, FLOP bound, the crossover batch, MoE expert union and
 * KV bytes; the presets as read; bad inputs. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "system/gpu_roofline.h"

static aimc_gpu_config load(const char *name)
{
    aimc_gpu_config g;
    aimc_error err;
    ck_assert_msg(aimc_gpu_config_load(name, &g, &err) == 0, "%s", err.msg);
    return g;
}

#define REL(a, b) ck_assert_msg(fabs((a) / (b) - 1) < 1e-12, "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

START_TEST(presets_hold_the_data_sheet_numbers)
{
    aimc_gpu_config a = load("a100"), a80 = load("a100-80gb"), h = load("h100"), h2 = load("h200");
    ck_assert_str_eq(a.name, "a100");
    ck_assert_double_eq(a.memory_bandwidth_GBps, 1555);
    ck_assert_double_eq(a.peak_TFLOPs, 312);
    ck_assert_double_eq(a.board_power_W, 400);
    ck_assert_double_eq(a.die_area_mm2, 826);
    ck_assert_double_eq(a.weight_bytes_per_param, 2);
    ck_assert_double_eq(a80.memory_bandwidth_GBps, 2039);
    ck_assert_double_eq(a80.die_area_mm2, 826);
    ck_assert_double_eq(h.memory_bandwidth_GBps, 3350);
    ck_assert_double_eq(h.peak_TFLOPs, 989);
    ck_assert_double_eq(h.board_power_W, 700);
    ck_assert_double_eq(h.die_area_mm2, 814);
    ck_assert_double_eq(h2.memory_bandwidth_GBps, 4800);
    ck_assert_double_eq(h2.peak_TFLOPs, 989);
}
END_TEST

START_TEST(expected_unique_experts)
{
    /* E = 8, k = 2: B = 1 touches 2; B = 2: 8 (1 - (3/4)^2) = 8 * 7/16 = 3.5 */
    ck_assert_double_eq_tol(aimc_gpu_expected_unique_experts(8, 2, 1), 2.0, 1e-12);
    ck_assert_double_eq_tol(aimc_gpu_expected_unique_experts(8, 2, 2), 3.5, 1e-12);
    /* E = 64, k = 8, B = 4: 64 (1 - (7/8)^4) = 64 (1 - 2401/4096) = 26.484375 */
    ck_assert_double_eq_tol(aimc_gpu_expected_unique_experts(64, 8, 4), 26.484375, 1e-12);
    /* every expert when k = E; all of them in the limit */
    ck_assert_double_eq(aimc_gpu_expected_unique_experts(8, 8, 3), 8.0);
    ck_assert_double_eq_tol(aimc_gpu_expected_unique_experts(64, 8, 1000), 64.0, 1e-9);
}
END_TEST

/* A dense 1 B-parameter model of width 1000, no attention layers, no KV: the textbook roofline. */
static const aimc_gpu_moe_model dense1b = {.dense_params = 1e9, .d_model = 1000, .kv_dim = 1000};

START_TEST(weight_bound_case)
{
    aimc_gpu_config a = load("a100");
    aimc_gpu_workload w = {.batch = 1};
    aimc_gpu_result r;
    aimc_error err;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &dense1b, &w, &r, &err), 0);
    /* bytes = 2 B/param * (1e9 params + 1 embedding row of 1000) = 2,000,002,000 B
     * memory time = 2.000002e9 B / 1.555e12 B/s = 1.28617491961...e-3 s
     * FLOPs = 2 * 1e9 = 2e9 -> 2e9 / 312e12 = 6.41e-6 s: weight bound */
    REL(r.weight_bytes, 2000002000.0);
    ck_assert_double_eq(r.kv_bytes, 0);
    REL(r.flops, 2e9);
    REL(r.memory_time_s, 2000002000.0 / 1.555e12);
    REL(r.compute_time_s, 2e9 / 312e12);
    ck_assert_int_eq(r.compute_bound, 0);
    REL(r.step_time_s, r.memory_time_s);
    /* 1 token / 1.2861749e-3 s = 777.4992 tokens/s; 400 W * 1.2861749e-3 s = 0.51447 J/token;
     * 777.4992 / 400 W = 1.94375 tokens/s/W; 777.4992 / 826 mm^2 = 0.941282 tokens/s/mm^2 */
    REL(r.tokens_per_s, 1.555e12 / 2000002000.0);
    REL(r.energy_per_token_J, 400 * 2000002000.0 / 1.555e12);
    REL(r.tokens_per_s_per_W, 1.555e12 / 2000002000.0 / 400);
    REL(r.tokens_per_s_per_mm2, 1.555e12 / 2000002000.0 / 826);
    /* one byte per weight halves the weight bytes */
    w.weight_bytes_per_param = 1;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &dense1b, &w, &r, &err), 0);
    REL(r.weight_bytes, 1000001000.0);
}
END_TEST

START_TEST(flop_bound_case)
{
    aimc_gpu_config a = load("a100");
    aimc_gpu_workload w = {.batch = 1000};
    aimc_gpu_result r;
    aimc_error err;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &dense1b, &w, &r, &err), 0);
    /* bytes = 2 (1e9 + 1000 * 1000) = 2.002e9 -> 1.2875e-3 s; FLOPs = 2e9 * 1000 = 2e12 -> 6.41e-3 s */
    REL(r.weight_bytes, 2.002e9);
    REL(r.flops, 2e12);
    ck_assert_int_eq(r.compute_bound, 1);
    REL(r.step_time_s, 2e12 / 312e12);
    /* FLOP bound: tokens/s = peak / (2 * params) = 312e12 / 2e9 = 156,000 */
    REL(r.tokens_per_s, 156000.0);
    REL(r.energy_per_token_J, 400.0 / 156000.0);
}
END_TEST

START_TEST(crossover_batch)
{
    aimc_gpu_config a = load("a100");
    aimc_gpu_workload w = {0};
    /* compute bound when 2e9 B / 312e12 > 2 (1e9 + 1000 B) / 1.555e12, i.e.
     * B > (2e9 / 1.555e12) / (2e9 / 312e12 - 2000 / 1.555e12) = 200.68: the first is B = 201 */
    ck_assert_uint_eq(aimc_gpu_crossover_batch(&a, &dense1b, &w, 100000), 201);
    aimc_gpu_result r;
    aimc_error err;
    w.batch = 200;
    aimc_gpu_roofline(&a, &dense1b, &w, &r, &err);
    ck_assert_int_eq(r.compute_bound, 0);
    w.batch = 201;
    aimc_gpu_roofline(&a, &dense1b, &w, &r, &err);
    ck_assert_int_eq(r.compute_bound, 1);
    /* not reached below it */
    ck_assert_uint_eq(aimc_gpu_crossover_batch(&a, &dense1b, &w, 200), 0);
    /* H100: B > (2e9 / 3.35e12) / (2e9 / 989e12 - 2000 / 3.35e12) = 295.3 -> 296 */
    aimc_gpu_config h = load("h100");
    ck_assert_uint_eq(aimc_gpu_crossover_batch(&h, &dense1b, &w, 100000), 296);
}
END_TEST

START_TEST(moe_step_counts_touched_experts_and_kv)
{
    aimc_gpu_config a = load("a100");
    /* OLMoE-like: 16 layers, d 2048, 64 experts of 3 * 2048 * 1024 = 6,291,456 params, top-8;
     * dense (attention 4 * 2048^2 * 16 = 268,435,456 + LM head 50304 * 2048 = 103,022,592) = 371,458,048 */
    aimc_gpu_moe_model m = {.dense_params = 371458048.0, .expert_params = 6291456.0, .moe_layers = 16,
                            .experts = 64, .top_k = 8, .attention_layers = 16, .d_model = 2048, .kv_dim = 2048};
    aimc_gpu_workload w = {.batch = 4, .seq_len = 1024};
    aimc_gpu_result r;
    aimc_error err;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &m, &w, &r, &err), 0);
    /* U(4) = 26.484375 experts per layer;
     * weights = 2 (371,458,048 + 16 * 26.484375 * 6,291,456 + 4 * 2048) = 2 (371,458,048 + 2,666,004,480 + 8192)
     *         = 6,074,941,440 B
     * KV = 4 seq * 16 layers * 2 * 1024 * 2048 * 2 B = 536,870,912 B */
    REL(r.unique_experts, 26.484375);
    REL(r.weight_bytes, 6074941440.0);
    REL(r.kv_bytes, 536870912.0);
    REL(r.total_bytes, 6074941440.0 + 536870912.0);
    /* FLOPs = 2 * 4 * (371,458,048 + 16 * 8 * 6,291,456) + 4 * 16 * 4 * 1024 * 2048
     *       = 8 * 1,176,764,416 + 536,870,912 = 9,950,986,240 */
    REL(r.flops, 9950986240.0);
    ck_assert_int_eq(r.compute_bound, 0);
    REL(r.tokens_per_s, 4 / ((6074941440.0 + 536870912.0) / 1.555e12));
}
END_TEST

START_TEST(bad_inputs_are_clear_errors)
{
    aimc_gpu_config a = load("a100");
    aimc_gpu_moe_model m = {.dense_params = 1e6, .expert_params = 1e6, .moe_layers = 2, .experts = 4, .top_k = 5,
                            .attention_layers = 2, .d_model = 64, .kv_dim = 64};
    aimc_gpu_workload w = {.batch = 1};
    aimc_gpu_result r;
    aimc_error err;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &m, &w, &r, &err), -1);
    ck_assert_str_eq(err.msg, "GPU roofline: model.top_k: expected at most the 4 experts, found 5");
    m.top_k = 2;
    w.batch = 0;
    ck_assert_int_eq(aimc_gpu_roofline(&a, &m, &w, &r, &err), -1);
    ck_assert_str_eq(err.msg, "GPU roofline: batch: expected at least 1 sequence, found 0");

    /* a preset whose constant has no source */
    char path[] = "/tmp/aimc3d-gpu-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"format\": \"aimc3d-gpu/1\", \"name\": \"x\", \"memory_bandwidth_GBps\": {\"value\": 100}}", f);
    fclose(f);
    aimc_gpu_config g;
    ck_assert_int_eq(aimc_gpu_config_load(path, &g, &err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: memory_bandwidth_GBps.source: expected a string (field is missing)", path);
    ck_assert_str_eq(err.msg, want);
    unlink(path);
    ck_assert_int_eq(aimc_gpu_config_load("no-such-gpu", &g, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "gpus/no-such-gpu.json: cannot open file"));
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("gpu_roofline");
    TCase *tc = tcase_create("gpu_roofline");
    tcase_add_test(tc, presets_hold_the_data_sheet_numbers);
    tcase_add_test(tc, expected_unique_experts);
    tcase_add_test(tc, weight_bound_case);
    tcase_add_test(tc, flop_bound_case);
    tcase_add_test(tc, crossover_batch);
    tcase_add_test(tc, moe_step_counts_touched_experts_and_kv);
    tcase_add_test(tc, bad_inputs_are_clear_errors);
    suite_add_tcase(s, tc);
    return s;
}
