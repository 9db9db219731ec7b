/* The system sections of a chip preset: the paper preset's numbers as read, and one clear error line for
 * each kind of bad input. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/json_config.h"
#include "system/chip_config.h"
#include "system/system_config.h"

static json_object *load_paper(char *path, size_t n)
{
    aimc_error err;
    aimc_preset_path("chips", "paper", path, n);
    json_object *root = aimc_json_load_file(path, &err);
    ck_assert_msg(root != NULL, "%s", err.msg);
    return root;
}

/* Looks up a dotted path of objects ("dram.bandwidth_GBps"). */
static json_object *at_path(json_object *root, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    json_object *o = root;
    for (char *save = NULL, *key = strtok_r(buf, ".", &save); key; key = strtok_r(NULL, ".", &save))
        ck_assert_msg(json_object_object_get_ex(o, key, &o), "no %s in %s", key, dotted);
    return o;
}

/* Loads the paper preset after `edit`, expecting failure with exactly `expected`. */
static void expect_error(void (*edit)(json_object *root), const char *expected)
{
    char path[512];
    json_object *root = load_paper(path, sizeof path);
    edit(root);
    aimc_system_config cfg;
    aimc_error err;
    memset(&cfg, 0xab, sizeof cfg);
    ck_assert_int_eq(aimc_system_config_load(root, "paper.json", &cfg, &err), -1);
    ck_assert_str_eq(err.msg, expected);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    ck_assert_uint_eq(cfg.digital.dpus, 0); /* nothing half-loaded */
    ck_assert_uint_eq(cfg.dram.kv_bytes_per_element, 0);
    json_object_put(root);
}

START_TEST(paper_preset_loads_with_calibrated_values)
{
    char path[512];
    json_object *root = load_paper(path, sizeof path);
    aimc_system_config cfg;
    aimc_error err;
    ck_assert_msg(aimc_system_config_load(root, path, &cfg, &err) == 0, "%s", err.msg);
    json_object_put(root);
    /* CALIBRATION.md section 1 */
    ck_assert_uint_eq(cfg.digital.dpus, 4);
    ck_assert_uint_eq(cfg.digital.mha_units, 1);
    ck_assert_double_eq(cfg.digital.dpu_passive_power_W, 1.0);
    ck_assert_double_eq(cfg.digital.mha_passive_power_W, 1.0);
    /* 4 DPUs * 1.25 mm^2 + 1 MHA * 5 mm^2 = 10 mm^2 */
    ck_assert_double_eq(aimc_digital_units_area_mm2(&cfg), 10.0);
    const aimc_vector_op_table *ln = &cfg.digital.op[AIMC_VOP_LAYERNORM];
    ck_assert_uint_eq(ln->points, 4);
    ck_assert_uint_eq(ln->elements[3], 1024);
    ck_assert_double_eq(ln->latency_ns[2], 100);
    ck_assert_double_eq(ln->energy_pJ[0], 20.96);
    ck_assert_double_eq(cfg.digital.op[AIMC_VOP_GELU].latency_ns[1], 38);
    ck_assert_double_eq(cfg.digital.op[AIMC_VOP_ADD].energy_pJ[3], 37.72);
    ck_assert_double_eq(cfg.digital.op[AIMC_VOP_PSUM_ADD].latency_ns[1], 20);
    const aimc_attention_table *at = &cfg.digital.attention;
    ck_assert_uint_eq(at->d_points, 4);
    ck_assert_uint_eq(at->seq_points, 3);
    ck_assert_uint_eq(at->seq_len[2], 512);
    ck_assert_double_eq(at->latency_ns[2][3], 4210695);
    ck_assert_double_eq(at->energy_pJ[1][0], 93497);
    ck_assert_double_eq(cfg.interconnect.latency_per_vector_ns, 10);
    ck_assert_double_eq(cfg.interconnect.energy_per_bit_pJ, 0.01);
    ck_assert_double_eq(cfg.dram.bandwidth_GBps, 5.332);
    ck_assert_double_eq(cfg.dram.active_power_W, 0.2467);
    ck_assert_double_eq(cfg.dram.idle_power_W, 0.1297);
    ck_assert_uint_eq(cfg.dram.kv_bytes_per_element, 1);
}
END_TEST

START_TEST(every_op_name_is_a_preset_key)
{
    char path[512];
    json_object *root = load_paper(path, sizeof path);
    json_object *ops = at_path(root, "digital_units.ops");
    ck_assert_int_eq(json_object_object_length(ops), AIMC_VOP_COUNT);
    for (int op = 0; op < AIMC_VOP_COUNT; op++)
        ck_assert_msg(json_object_object_get_ex(ops, aimc_vector_op_name((aimc_vector_op)op), NULL), "op %d", op);
    json_object_put(root);
}
END_TEST

static void drop_table_source(json_object *r) { json_object_object_del(at_path(r, "digital_units.ops.gelu.energy_pJ"), "source"); }
static void drop_scalar_source(json_object *r) { json_object_object_del(at_path(r, "dram.bandwidth_GBps"), "source"); }
static void empty_source(json_object *r)
{
    json_object_object_add(at_path(r, "digital_units.dpu_area_mm2"), "source", json_object_new_string(""));
}
static void negative_table_energy(json_object *r)
{
    json_object_array_put_idx(at_path(r, "digital_units.ops.add.energy_pJ.value"), 1, json_object_new_double(-1.0));
}
static void negative_link_energy(json_object *r)
{
    json_object_object_add(at_path(r, "interconnect.energy_per_bit_pJ"), "value", json_object_new_double(-0.01));
}
static void zero_attention(json_object *r)
{
    json_object *row = json_object_array_get_idx(at_path(r, "digital_units.attention.energy_pJ.value"), 2);
    json_object_array_put_idx(row, 3, json_object_new_int(0));
}
static void short_row(json_object *r)
{
    json_object_array_del_idx(at_path(r, "digital_units.ops.relu.latency_ns.value"), 3, 1);
}
static void unsorted_axis(json_object *r)
{
    json_object_array_put_idx(at_path(r, "digital_units.attention.seq_len"), 1, json_object_new_int(64));
}
static void missing_section(json_object *r) { json_object_object_del(r, "dram"); }
static void missing_op(json_object *r) { json_object_object_del(at_path(r, "digital_units.ops"), "silu_mul"); }
static void fractional_count(json_object *r)
{
    json_object_object_add(at_path(r, "digital_units.dpus"), "value", json_object_new_double(2.5));
}
static void zero_bandwidth(json_object *r)
{
    json_object_object_add(at_path(r, "dram.bandwidth_GBps"), "value", json_object_new_int(0));
}
static void plain_number(json_object *r)
{
    json_object_object_add(at_path(r, "digital_units"), "mha_area_mm2", json_object_new_double(5.0));
}

START_TEST(missing_source_is_one_clear_error)
{
    expect_error(drop_table_source, "paper.json: digital_units.ops.gelu.energy_pJ.source: expected a string (field is missing)");
    expect_error(drop_scalar_source, "paper.json: dram.bandwidth_GBps.source: expected a string (field is missing)");
    expect_error(empty_source, "paper.json: digital_units.dpu_area_mm2: expected a non-empty \"source\" citing where the value comes from");
    expect_error(plain_number, "paper.json: digital_units.mha_area_mm2: expected {\"value\": number, \"source\": string}, found double");
}
END_TEST

START_TEST(negative_energy_is_one_clear_error)
{
    expect_error(negative_table_energy, "paper.json: digital_units.ops.add.energy_pJ.value[1]: expected a number in [0, 1e+15], found -1");
    expect_error(negative_link_energy, "paper.json: interconnect.energy_per_bit_pJ.value: expected a number in [0, 1e+06], found -0.01");
    expect_error(zero_attention, "paper.json: digital_units.attention.energy_pJ.value[2][3]: expected a positive number in [0, 1e+15], found 0");
}
END_TEST

START_TEST(malformed_tables_and_sections_are_clear_errors)
{
    expect_error(short_row, "paper.json: digital_units.ops.relu.latency_ns.value: expected an array of 4 numbers, found 3");
    expect_error(unsorted_axis, "paper.json: digital_units.attention.seq_len[1]: expected a whole number in [65, 100000000], greater than the previous point, found 64");
    expect_error(missing_section, "paper.json: dram: expected an object (field is missing)");
    expect_error(missing_op, "paper.json: digital_units.ops.silu_mul: expected an object (field is missing)");
    expect_error(fractional_count, "paper.json: digital_units.dpus: expected a whole number (value), found 2.5");
    expect_error(zero_bandwidth, "paper.json: dram.bandwidth_GBps.value: expected a positive number of GB/s, found 0");
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("system_config");
    TCase *tc = tcase_create("system_config");
    tcase_add_test(tc, paper_preset_loads_with_calibrated_values);
    tcase_add_test(tc, every_op_name_is_a_preset_key);
    tcase_add_test(tc, missing_source_is_one_clear_error);
    tcase_add_test(tc, negative_energy_is_one_clear_error);
    tcase_add_test(tc, malformed_tables_and_sections_are_clear_errors);
    suite_add_tcase(s, tc);
    return s;
}
