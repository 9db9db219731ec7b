/* The "periphery" preset section: parsing, one-line errors naming file and field, the closed-form MVM
 * latency and event energies of the tier-MVM cost model (engine/tile_cost.h) on it, and the two shipped presets (paper: exactly 100 ns and 10 nJ per tier MVM;
 * circuit: the component sum worked out by hand). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analog/periphery_config.h"
#include "check_main.h"
#include "core/json_config.h"
#include "engine/tile_cost.h"
#include "system/chip_config.h"

/* A valid section; the error tests replace one piece of it. */
static const char *good =
    "{\"periphery\": {"
    " \"dac\": {\"mode\": \"pwm\", \"b_in_bits\": {\"value\": 6, \"source\": \"s\"},"
    "          \"input_bound\": {\"value\": 2.5, \"source\": \"s\"}},"
    " \"adc\": {\"b_out_bits\": {\"value\": 9, \"source\": \"s\"}, \"columns_per_adc\": {\"value\": 4, \"source\": \"s\"},"
    "          \"full_scale\": {\"value\": 10, \"source\": \"s\"}},"
    " \"crossbar\": {\"integrate_cycles\": {\"value\": 5, \"source\": \"s\"}, \"g_max_uS\": {\"value\": 20, \"source\": \"s\"},"
    "          \"t_since_programming_s\": {\"value\": 3600, \"source\": \"s\"},"
    "          \"wire_resistance_ohm\": {\"value\": 0.5, \"source\": \"s\"}},"
    " \"noise\": {\"programming\": {\"enabled\": true, \"scale\": {\"value\": 2.5, \"source\": \"s\"}},"
    "          \"drift\": {\"enabled\": false},"
    "          \"read\": {\"enabled\": true, \"scale\": {\"value\": 0.5, \"source\": \"s\"}},"
    "          \"ir_drop\": {\"enabled\": true},"
    "          \"adc\": {\"enabled\": true, \"sigma\": {\"value\": 0.04, \"source\": \"s\"}}},"
    " \"energy\": {\"dac_row_drive_pJ\": {\"value\": 0.19, \"source\": \"s\"},"
    "          \"crossbar_integration_pJ\": {\"value\": 480, \"source\": \"s\"},"
    "          \"adc_conversion_pJ\": {\"value\": 1.97, \"source\": \"s\"},"
    "          \"tier_switch_pJ\": {\"value\": 13.1, \"source\": \"s\"},"
    "          \"buffer_access_pJ\": {\"value\": 1.25, \"source\": \"s\"},"
    "          \"leakage_pJ_per_tile_ns\": {\"value\": 0.5, \"source\": \"s\"}}"
    "}}";

static int load_text(const char *text, uint32_t rows, uint32_t cols, aimc_periphery_config *out, aimc_error *err)
{
    json_object *root = aimc_json_parse_text("chip.json", text, strlen(text), err);
    ck_assert_msg(root != NULL, "%s", err->msg);
    int rc = aimc_periphery_config_load(root, "chip.json", rows, cols, out, err);
    json_object_put(root);
    return rc;
}

/* good with the first occurrence of `from` replaced by `to` */
static char *edit(const char *from, const char *to)
{
    const char *at = strstr(good, from);
    ck_assert_msg(at != NULL, "test bug: %s not in the text", from);
    size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
    return s;
}

START_TEST(a_good_section_loads)
{
    aimc_periphery_config c;
    aimc_error err;
    ck_assert_msg(load_text(good, 128, 64, &c, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(c.dac_mode, AIMC_DAC_PWM);
    ck_assert_str_eq(aimc_dac_mode_name(c.dac_mode), "pwm");
    ck_assert_uint_eq(c.b_in_bits, 6);
    ck_assert_double_eq(c.dac_input_bound, 2.5);
    ck_assert_uint_eq(c.b_out_bits, 9);
    ck_assert_uint_eq(c.adc_columns_per_adc, 4);
    ck_assert_double_eq(c.adc_full_scale, 10);
    ck_assert_uint_eq(c.integrate_cycles, 5);
    ck_assert_double_eq(c.g_max_uS, 20);
    ck_assert_double_eq(c.t_since_programming_s, 3600);
    ck_assert_double_eq(c.wire_resistance_ohm, 0.5);
    ck_assert(c.noise.programming_noise && !c.noise.drift && c.noise.read_noise && c.noise.ir_drop &&
              c.noise.adc_noise);
    ck_assert_double_eq(c.noise.programming_noise_scale, 2.5);
    ck_assert_double_eq(c.noise.read_noise_scale, 0.5);
    ck_assert_double_eq(c.noise.adc_noise_sigma, 0.04);
    ck_assert_int_eq(c.energy.dac_row_drive, 190);
    ck_assert_int_eq(c.energy.crossbar_integration, 480000);
    ck_assert_int_eq(c.energy.adc_conversion, 1970);
    ck_assert_int_eq(c.energy.tier_switch, 13100);
    ck_assert_int_eq(c.energy.buffer_access, 1250);
    ck_assert_double_eq(c.energy.leakage_pJ_per_tile_ns, 0.5);
}
END_TEST

static void expect_error(const char *from, const char *to, uint32_t cols, const char *want)
{
    char *text = edit(from, to);
    aimc_periphery_config c;
    aimc_error err;
    ck_assert_int_eq(load_text(text, 128, cols, &c, &err), -1);
    ck_assert_msg(strcmp(err.msg, want) == 0, "got:  %s\nwant: %s", err.msg, want);
    ck_assert_ptr_null(strchr(err.msg, '\n'));
    free(text);
}

START_TEST(bad_fields_get_one_line_naming_file_and_field)
{
    expect_error("\"b_out_bits\": {\"value\": 9", "\"b_out_bits\": {\"value\": 0", 64,
                 "chip.json: periphery.adc.b_out_bits.value: expected a number in [1, 16], found 0");
    expect_error("\"columns_per_adc\": {\"value\": 4", "\"columns_per_adc\": {\"value\": 3", 64,
                 "chip.json: periphery.adc.columns_per_adc.value: expected a divisor of the tier's 64 columns, "
                 "found 3");
    expect_error("\"adc_conversion_pJ\": {\"value\": 1.97", "\"adc_conversion_pJ\": {\"value\": -1.97", 64,
                 "chip.json: periphery.energy.adc_conversion_pJ.value: expected a number in [0, 1e+09], found -1.97");
    expect_error("\"leakage_pJ_per_tile_ns\": {\"value\": 0.5", "\"leakage_pJ_per_tile_ns\": {\"value\": -0.5", 64,
                 "chip.json: periphery.energy.leakage_pJ_per_tile_ns.value: expected a number in [0, 1e+09], "
                 "found -0.5");
    expect_error("\"mode\": \"pwm\"", "\"mode\": \"thermometer\"", 64,
                 "chip.json: periphery.dac.mode: expected \"pwm\" or \"bit_serial\", found \"thermometer\"");
    expect_error("\"b_in_bits\": {\"value\": 6", "\"b_in_bits\": {\"value\": 6.5", 64,
                 "chip.json: periphery.dac.b_in_bits.value: expected a whole number, found 6.5");
    expect_error("\"b_in_bits\": {\"value\": 6", "\"b_in_bits\": {\"value\": 1", 64,
                 "chip.json: periphery.dac.b_in_bits.value: expected a number in [2, 16], found 1");
    expect_error("\"g_max_uS\": {\"value\": 20", "\"g_max_uS\": {\"value\": 0", 64,
                 "chip.json: periphery.crossbar.g_max_uS.value: expected a positive number, found 0");
    expect_error("\"t_since_programming_s\": {\"value\": 3600", "\"t_since_programming_s\": {\"value\": 1", 64,
                 "chip.json: periphery.crossbar.t_since_programming_s.value: expected a number in [20, 1e+12], "
                 "found 1");
    expect_error("\"drift\": {\"enabled\": false}", "\"drift\": {\"enabled\": true}", 64,
                 "chip.json: periphery.noise.drift.scale: expected {\"value\": number, \"source\": string} "
                 "(field is missing)");
    expect_error("\"ir_drop\": {\"enabled\": true}", "\"ir_drop\": {\"enabled\": \"yes\"}", 64,
                 "chip.json: periphery.noise.ir_drop.enabled: expected true or false, found string");
    expect_error("\"ir_drop\": {\"enabled\": true}", "\"ir_drop\": {\"enabled\": true, \"scale\": 1}", 64,
                 "chip.json: periphery.noise.ir_drop.scale: expected one of the fields enabled; this name is unknown");
    expect_error("\"wire_resistance_ohm\"", "\"wire_resistance\"", 64,
                 "chip.json: periphery.crossbar.wire_resistance: expected one of the fields integrate_cycles, "
                 "g_max_uS, t_since_programming_s, wire_resistance_ohm; this name is unknown");
    expect_error("\"tier_switch_pJ\": {\"value\": 13.1, \"source\": \"s\"}",
                 "\"tier_switch_pJ\": {\"value\": 13.1, \"source\": \"\"}", 64,
                 "chip.json: periphery.energy.tier_switch_pJ: expected a non-empty \"source\" citing where the "
                 "value comes from");
    aimc_periphery_config c;
    aimc_error err;
    ck_assert_int_eq(load_text("{\"tile\": {}}", 128, 64, &c, &err), -1);
    ck_assert_str_eq(err.msg, "chip.json: periphery: expected an object (field is missing)");
}
END_TEST

/* Closed-form latency: drive + integrate + M (b_out + 1). */
START_TEST(mvm_latency_closed_form)
{
    aimc_periphery_config c;
    aimc_error err;
    ck_assert_int_eq(load_text(good, 128, 64, &c, &err), 0);
    int16_t codes[128] = {0};
    codes[17] = -23;
    codes[90] = 11;
    aimc_codes_summary sum;
    aimc_codes_summarise(codes, 128, &sum);
    aimc_tier_mvm_phases ph;
    aimc_tier_mvm_phases_of(&c, sum.max_abs, &ph);
    ck_assert_uint_eq(ph.convert, 4 * (9 + 1));
    ck_assert_uint_eq(ph.drive, 23); /* PWM: the longest pulse */
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles(&c, sum.max_abs), 23 + 5 + 40);
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles_max(&c), 31 + 5 + 40); /* 6-bit codes: |c| <= 31 */
    c.dac_mode = AIMC_DAC_BIT_SERIAL;
    aimc_tier_mvm_phases_of(&c, sum.max_abs, &ph);
    ck_assert_uint_eq(ph.drive, 5);
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles_max(&c), 5 + 5 + 40);
    /* nothing to drive, nothing to integrate: the load cycle stands alone before the conversions */
    c.integrate_cycles = 0;
    c.dac_mode = AIMC_DAC_PWM;
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles(&c, 0), 1 + 40);
    ck_assert_uint_eq(aimc_tier_mvm_latency_cycles(true, 3, 41), 3 + 41 + 1);
    ck_assert_uint_eq(aimc_tier_mvm_latency_cycles(false, 3, 41), 41 + 1);
}
END_TEST

START_TEST(mvm_events_and_energy_by_hand)
{
    aimc_periphery_config c;
    aimc_error err;
    ck_assert_int_eq(load_text(good, 128, 64, &c, &err), 0);
    aimc_codes_summary sum = {.max_abs = 3, .sum_abs = 40, .ones = 21, .nonzero = 20};
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(&c, &sum, &ev);
    ck_assert_uint_eq(ev.dac_conversions, 128); /* PWM: one conversion per row */
    ck_assert_uint_eq(ev.drive_pulses, 40);     /* PWM: sum |code| */
    ck_assert_uint_eq(ev.integrations, 1);
    ck_assert_uint_eq(ev.conversions, 64);
    ck_assert_uint_eq(ev.buffer_accesses, 192);
    aimc_fJ e[AIMC_E_COUNT];
    /* 128 x 190 + 480000 + 64 x 1970 + 192 x 1250 fJ = 24320 + 480000 + 126080 + 240000 */
    ck_assert_int_eq(aimc_tier_mvm_price(&c.energy, &ev, e), 870400);
    ck_assert_int_eq(e[AIMC_E_DAC], 24320);
    ck_assert_int_eq(e[AIMC_E_CROSSBAR], 480000);
    ck_assert_int_eq(e[AIMC_E_ADC], 126080);
    ck_assert_int_eq(e[AIMC_E_BUFFER], 240000);
    ck_assert_int_eq(e[AIMC_E_TIER_SWITCH] + e[AIMC_E_STATIC] + e[AIMC_E_DRAM], 0);
    c.dac_mode = AIMC_DAC_BIT_SERIAL; /* 5 magnitude-bit cycles per row */
    aimc_tier_mvm_count(&c, &sum, &ev);
    ck_assert_uint_eq(ev.dac_conversions, 640);
    ck_assert_uint_eq(ev.drive_pulses, 21); /* bit-serial: set magnitude bits */
    /* 0.5 pJ/ns per tile: 3 tiles over 1001 ns = 1501.5 pJ */
    ck_assert_int_eq(aimc_periphery_leakage_fJ(&c, 3, 1001), 1501500);
}
END_TEST

static void load_preset(const char *name, aimc_periphery_config *c, uint32_t *period_ps)
{
    char path[1024];
    aimc_preset_path("chips", name, path, sizeof path);
    aimc_error err;
    json_object *root = aimc_json_load_file(path, &err);
    ck_assert_msg(root != NULL, "%s", err.msg);
    aimc_chip_config chip;
    ck_assert_msg(aimc_chip_config_load(name, &chip, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_periphery_config_load(root, path, chip.tile.rows, chip.tile.cols, c, &err) == 0, "%s",
                  err.msg);
    *period_ps = (uint32_t)chip.clock_period_ps;
    json_object_put(root);
}

/* paper: a whole tier MVM is 100 ns and 10 nJ, as Buechel et al. 2025 */
START_TEST(paper_preset_sums_to_100_ns_and_10_nJ)
{
    aimc_periphery_config c;
    uint32_t period_ps;
    load_preset("paper", &c, &period_ps);
    ck_assert_int_eq(c.dac_mode, AIMC_DAC_BIT_SERIAL);
    aimc_codes_summary any = {0};
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles(&c, any.max_abs) * period_ps, 100000);
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(&c, &any, &ev);
    aimc_fJ e[AIMC_E_COUNT];
    ck_assert_int_eq(aimc_tier_mvm_price(&c.energy, &ev, e), 10000000);
    ck_assert_int_eq(e[AIMC_E_DAC], 3584000);
    ck_assert_int_eq(e[AIMC_E_ADC], 2048000);
    ck_assert_int_eq(e[AIMC_E_BUFFER], 3072000);
    ck_assert_int_eq(e[AIMC_E_CROSSBAR], 1296000);
}
END_TEST

/* circuit: 7 + 10 + 8 x 9 = 89 cycles of 1 ns; 3584 x 0.417 + 480 + 512 x 1.67 + 1024 x 1.25 = 4109.568 pJ */
START_TEST(circuit_preset_is_the_component_sum)
{
    aimc_periphery_config c;
    uint32_t period_ps;
    load_preset("circuit", &c, &period_ps);
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles_max(&c) * period_ps, 89000);
    aimc_codes_summary any = {0};
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(&c, &any, &ev);
    aimc_fJ e[AIMC_E_COUNT];
    ck_assert_int_eq(aimc_tier_mvm_price(&c.energy, &ev, e), 4109568);
    ck_assert_int_eq(e[AIMC_E_DAC], 1494528);
    ck_assert_int_eq(e[AIMC_E_CROSSBAR], 480000);
    ck_assert_int_eq(e[AIMC_E_ADC], 855040);
    ck_assert_int_eq(e[AIMC_E_BUFFER], 1280000);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("periphery_config");
    TCase *tc = tcase_create("periphery_config");
    tcase_add_test(tc, a_good_section_loads);
    tcase_add_test(tc, bad_fields_get_one_line_naming_file_and_field);
    tcase_add_test(tc, mvm_latency_closed_form);
    tcase_add_test(tc, mvm_events_and_energy_by_hand);
    tcase_add_test(tc, paper_preset_sums_to_100_ns_and_10_nJ);
    tcase_add_test(tc, circuit_preset_is_the_component_sum);
    suite_add_tcase(s, tc);
    return s;
}
