#include <check.h>
#include <string.h>

#include "check_main.h"
#include "core/json_config.h"
#include "system/chip_config.h"
#include "system/digital_expert.h"
#include "workload/matrices.h"
#include "testutil.h"
#include "workload/model_load.h"

static aimc_digital_expert_config load_text(const char *text)
{
    aimc_error err;
    json_object *root = aimc_json_parse_text("engine.json", text, strlen(text), &err);
    ck_assert_msg(root != NULL, "%s", err.msg);
    aimc_digital_expert_config c;
    ck_assert_msg(aimc_digital_expert_config_load(root, "engine.json", &c, &err) == 0, "%s", err.msg);
    json_object_put(root);
    return c;
}

#define P(v) "{\"value\": " #v ", \"source\": \"test\"}"
static const char *const round_numbers =
    "{\"digital_expert_engine\": {\"peak_flops_per_ns\": " P(1000) ", \"bandwidth_GBps\": " P(100)
    ", \"energy_per_flop_pJ\": " P(1) ", \"energy_per_byte_pJ\": " P(10) ", \"weight_bytes\": " P(2)
    ", \"activation_bytes\": " P(1) ", \"area_mm2\": " P(5) "}}";

START_TEST(bandwidth_bound_at_batch_one)
{
    aimc_digital_expert_config c = load_text(round_numbers);
    aimc_digital_cost k;
    /* 1e6 weights, 3000 activations in and out: 2e6 FLOP (2,000 ns at 1000 FLOP/ns); 2e6 + 3000 bytes
     * (20,030 ns at 100 bytes/ns): memory bound; 2e6 x 1 pJ + 2,003,000 x 10 pJ = 22,030,000 pJ. */
    aimc_digital_expert_cost(&c, 1000, 1000000, 3000, 1, &k);
    ck_assert_uint_eq(k.flops, 2000000);
    ck_assert_uint_eq(k.bytes, 2003000);
    ck_assert_double_eq_tol(k.latency_ns, 20030, 1e-9);
    ck_assert_uint_eq(k.cycles, 20030);
    ck_assert_int_eq(k.energy, 22030000LL * 1000);
    /* a 750 ps clock: 20,030 ns = 26,706.67 cycles, rounded up */
    aimc_digital_expert_cost(&c, 750, 1000000, 3000, 1, &k);
    ck_assert_uint_eq(k.cycles, 26707);
}
END_TEST

START_TEST(compute_bound_at_a_large_batch)
{
    aimc_digital_expert_config c = load_text(round_numbers);
    aimc_digital_cost k;
    /* 100 tokens share one weight fetch: 2e8 FLOP = 200,000 ns; 2e6 + 300,000 bytes = 23,000 ns. */
    aimc_digital_expert_cost(&c, 1000, 1000000, 3000, 100, &k);
    ck_assert_uint_eq(k.flops, 200000000);
    ck_assert_uint_eq(k.bytes, 2300000);
    ck_assert_double_eq_tol(k.latency_ns, 200000, 1e-9);
    ck_assert_uint_eq(k.cycles, 200000);
    ck_assert_int_eq(k.energy, (200000000LL + 23000000LL) * 1000);
}
END_TEST

START_TEST(an_expert_of_olmoe_on_the_paper_engine)
{
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load("paper", &chip, &err) == 0, "%s", err.msg);
    json_object *root = aimc_json_load_file(chip.path, &err);
    aimc_digital_expert_config c;
    ck_assert_msg(aimc_digital_expert_config_load(root, chip.path, &c, &err) == 0, "%s", err.msg);
    json_object_put(root);
    ck_assert_double_eq(c.peak_flops_per_ns, 312000);
    ck_assert_double_eq(c.bandwidth_GBps, 1555);
    aimc_moe_model m;
    ck_assert_msg(aimc_moe_model_load("olmoe-1b-7b", &m, &err) == 0, "%s", err.msg);
    aimc_matrix x[3];
    for (int r = 0; r < 3; r++)
        aimc_matrix_at(&m, (size_t)aimc_matrix_expert_first(&m, 0, 0) + (size_t)r, &x[r]);
    aimc_digital_cost k;
    aimc_digital_matrices_cost(&c, chip.clock_period_ps, x, 3, 1, &k);
    /* 3 x 2048 x 1024 = 6,291,456 weights; in + out = 3 x (2048 + 1024) = 9,216 activations;
     * bytes 2 x 6,291,456 + 2 x 9,216 = 12,601,344 at 1555 bytes/ns = 8,103.76 ns -> 8,104 cycles of 1 ns */
    ck_assert_uint_eq(k.flops, 2ULL * 6291456);
    ck_assert_uint_eq(k.bytes, 12601344);
    ck_assert_double_eq_tol(k.latency_ns, 12601344.0 / 1555, 1e-6);
    ck_assert_uint_eq(k.cycles, 8104);
    ck_assert_int_eq(k.energy, aimc_pJ_to_fJ(12582912.0 * 1.282 + 12601344.0 * 31.2));
}
END_TEST

START_TEST(every_constant_needs_a_source)
{
    const char *text = "{\"digital_expert_engine\": {\"peak_flops_per_ns\": {\"value\": 1000}}}";
    aimc_error err;
    json_object *root = aimc_json_parse_text("engine.json", text, strlen(text), &err);
    aimc_digital_expert_config c;
    ck_assert_int_eq(aimc_digital_expert_config_load(root, "engine.json", &c, &err), -1);
    ck_assert_str_eq(err.msg, "engine.json: digital_expert_engine.peak_flops_per_ns.source: expected a string (field is "
                              "missing)");
    json_object_put(root);
    root = aimc_json_parse_text("chip.json", "{}", 2, &err);
    ck_assert_int_eq(aimc_digital_expert_config_load(root, "chip.json", &c, &err), -1);
    ck_assert_str_eq(err.msg, "chip.json: digital_expert_engine: expected an object (field is missing)");
    json_object_put(root);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("digital_expert");
    TCase *tc = tcase_create("digital_expert");
    tcase_add_test(tc, bandwidth_bound_at_batch_one);
    tcase_add_test(tc, compute_bound_at_a_large_batch);
    tcase_add_test(tc, an_expert_of_olmoe_on_the_paper_engine);
    tcase_add_test(tc, every_constant_needs_a_source);
    suite_add_tcase(s, tc);
    return s;
}
