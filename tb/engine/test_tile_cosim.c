/* The single-tile cosim (tier-select controller + DAC/ADC periphery RTL + C analog model) against independent
 * expectations: the cycle-exact reference model over long random runs, hand-derived latencies, the closed form
 * of every MVM, the ideal quantized product, and energies recomputed here from the activation codes. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "engine/activation_codes.h"
#include "engine/cosim_tile.h"
#include "engine/tile_cost.h"
#include "engine/tile_ref.h"
#include "system/chip_config.h"

#define SMALL_CHIP AIMC_TB_DIR "/engine/tile_small.json"

/* The small tile with a periphery worth testing: 4-bit PWM DAC, 16 4-bit SAR ADCs behind 4:1 muxes, 2 integrate
 * cycles; per event 0.5 pJ per DAC conversion, 30 pJ per integration, 1.5 pJ per column conversion, 0.25 pJ per
 * buffer access; leakage 2 uW per tile (2 fJ per ns). */
static aimc_chip_config load_small(void)
{
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &chip, &err) == 0, "%s", err.msg);
    aimc_periphery_config *p = &chip.periphery;
    p->dac_mode = AIMC_DAC_PWM;
    p->b_in_bits = 4;
    p->b_out_bits = 4;
    p->adc_columns_per_adc = 4;
    p->integrate_cycles = 2;
    p->energy.dac_row_drive = 500;
    p->energy.crossbar_integration = 30000;
    p->energy.adc_conversion = 1500;
    p->energy.buffer_access = 250;
    p->energy.leakage_pJ_per_tile_ns = 0.002;
    return chip;
}

static aimc_cosim_tile_result run(const aimc_chip_config *chip, aimc_cosim_tile_options *o)
{
    aimc_cosim_tile_result r;
    aimc_error err;
    ck_assert_msg(aimc_cosim_tile_run(chip, o, &r, &err) == 0, "%s", err.msg);
    return r;
}

static void assert_clean(const aimc_cosim_tile_result *r, const char *what)
{
    ck_assert_msg(r->signal_mismatches == 0, "%s: %s", what, r->first_mismatch);
    ck_assert_msg(r->closed_form_mismatches == 0, "%s: %s", what, r->first_closed_form_mismatch);
    ck_assert_msg(r->conversion_mismatches == 0, "%s: %llu conversions off the quantizer", what,
                  (unsigned long long)r->conversion_mismatches);
    ck_assert_msg(r->golden_mismatches == 0, "%s: %llu codes off the quantized product", what,
                  (unsigned long long)r->golden_mismatches);
    ck_assert_uint_eq(r->ott_violations, 0);
    ck_assert_uint_eq(r->rtl_assertion_failures, 0);
    ck_assert_uint_eq(r->c_side_switches, r->switches); /* the C side's view of OTT agrees with the RTL */
}

START_TEST(random_runs_match_the_reference_model)
{
    /* Several seeds, each >= 100k cycles, with the switch, drive, integrate and convert phases varied. */
    static const struct {
        uint32_t switch_cycles, integrate, b_in, b_out, mux;
        aimc_dac_mode mode;
        bool numeric;
    } k_cases[] = {
        {0, 0, 4, 4, 4, AIMC_DAC_PWM, true},         /* no SWITCH state, no INTEGRATE phase */
        {1, 1, 2, 1, 1, AIMC_DAC_BIT_SERIAL, true},  /* 1-bit ADC, 64 converters, 1-cycle drive */
        {2, 3, 8, 8, 8, AIMC_DAC_PWM, true},         /* up to 127 drive cycles */
        {5, 2, 6, 16, 64, AIMC_DAC_BIT_SERIAL, false}, /* one 16-bit converter for all 64 columns */
    };
    unsigned long base = aimc_test_seed("random_runs_match_the_reference_model", 20261121);
    for (unsigned k = 0; k < 4; k++) {
        aimc_chip_config chip = load_small();
        chip.tile.tier_switch_cycles = k_cases[k].switch_cycles;
        chip.periphery.integrate_cycles = k_cases[k].integrate;
        chip.periphery.b_in_bits = k_cases[k].b_in;
        chip.periphery.b_out_bits = k_cases[k].b_out;
        chip.periphery.adc_columns_per_adc = k_cases[k].mux;
        chip.periphery.dac_mode = k_cases[k].mode;
        aimc_cosim_tile_options o;
        aimc_cosim_tile_defaults(&o);
        o.seed = base + k;
        o.tokens = k == 3 ? 250 : k == 1 ? 6000 : 2500; /* >= 100k cycles each */
        o.mvms_per_token = 4;
        o.valid_probability = 0.3 + 0.2 * k;
        o.stay_probability = 0.25 * k;
        o.numeric = k_cases[k].numeric;
        o.ideal = true;
        aimc_cosim_tile_result r = run(&chip, &o);
        printf("seed %lu: %llu cycles, %llu MVMs, %llu switches, %llu row-drive pulses, %llu conversions\n",
               base + k, (unsigned long long)r.cycles, (unsigned long long)r.mvms, (unsigned long long)r.switches,
               (unsigned long long)r.drive_pulses, (unsigned long long)r.conversions);
        ck_assert_uint_ge(r.cycles, 100000);
        ck_assert_uint_eq(r.mvms, 4 * o.tokens);
        ck_assert_uint_eq(r.conversions, 64 * r.mvms);
        assert_clean(&r, "random run");
        aimc_ledger_destroy(r.ledger);
    }
}
END_TEST

START_TEST(one_mvm_latency_is_the_sum_of_the_phases)
{
    /* Bit-serial, so the drive does not depend on the codes: b_in 4 -> 3 drive cycles.  Reset occupies cycles
     * 0-1; the request is accepted in cycle 2; SWITCH cycles 3-5; COMPUTE = DRIVE 6-8 (6 is the mvm_start
     * cycle, where the codes are loaded), INTEGRATE 9-10, CONVERT 4 x (1 sample + 4 decisions) = 11-30;
     * done_valid in cycle 31.  The run ends after cycle 31. */
    aimc_chip_config chip = load_small();
    chip.periphery.dac_mode = AIMC_DAC_BIT_SERIAL;
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 1;
    o.mvms_per_token = 1;
    o.valid_probability = 1.0;
    aimc_cosim_tile_result r = run(&chip, &o);
    ck_assert_uint_eq(aimc_ledger_token_start(r.ledger, 0), 2);
    ck_assert_uint_eq(aimc_ledger_token_end(r.ledger, 0), 31);
    ck_assert_uint_eq(r.cycles, 32);
    ck_assert_uint_eq(r.max_mvm_cycles, 25);
    aimc_periphery_config hand; /* the phases above, independent of the preset */
    aimc_periphery_config_ideal(&hand, 64, 64, AIMC_DAC_BIT_SERIAL, 4, 4, 4);
    hand.integrate_cycles = 2;
    ck_assert_uint_eq(aimc_tier_mvm_compute_cycles(&hand, 0), 25);
    ck_assert_uint_eq(aimc_tier_mvm_latency_cycles(true, 3, 25), 29);
    ck_assert_uint_eq(r.switches, 1);
    assert_clean(&r, "one MVM");
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(back_to_back_mvms_on_one_tier_leave_no_bubble)
{
    /* 10 MVMs on one tier: accept cycle 2, one switch (3 cycles), then 10 x 25 compute cycles with the next
     * request accepted in each last compute cycle; done_valid of the last in cycle 2 + 3 + 250 + 1 = 256. */
    aimc_chip_config chip = load_small();
    chip.periphery.dac_mode = AIMC_DAC_BIT_SERIAL;
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 1;
    o.mvms_per_token = 10;
    o.valid_probability = 1.0;
    o.stay_probability = 1.0;
    aimc_cosim_tile_result r = run(&chip, &o);
    ck_assert_uint_eq(aimc_ledger_token_end(r.ledger, 0), 256);
    ck_assert_uint_eq(r.switches, 1);
    ck_assert_uint_eq(r.mvms, 10);
    assert_clean(&r, "back to back");
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(latency_and_events_follow_the_closed_form_for_random_codes)
{
    /* Many random code vectors in both DAC modes, from the seeded activation codes (timing runs) and from
     * quantized random inputs (numeric runs): every MVM's latency and events equal tile_ref's closed form and
     * tile_cost's per-job cost (checked by the cosim, MVM by MVM). */
    unsigned long seed = aimc_test_seed("latency_and_events_follow_the_closed_form_for_random_codes", 99);
    for (int mode = 0; mode < 2; mode++)
        for (int numeric = 0; numeric < 2; numeric++) {
            aimc_chip_config chip = load_small();
            chip.periphery.dac_mode = mode ? AIMC_DAC_BIT_SERIAL : AIMC_DAC_PWM;
            chip.periphery.b_in_bits = 8;
            aimc_cosim_tile_options o;
            aimc_cosim_tile_defaults(&o);
            o.seed = seed + (unsigned long)(2 * mode + numeric);
            o.tokens = 1000;
            o.numeric = numeric;
            aimc_cosim_tile_result r = run(&chip, &o);
            printf("%s %s: %llu MVMs, longest %llu cycles\n", mode ? "bit-serial" : "PWM",
                   numeric ? "numeric" : "timing", (unsigned long long)r.mvms, (unsigned long long)r.max_mvm_cycles);
            ck_assert_uint_eq(r.mvms, 4000);
            assert_clean(&r, "closed form");
            /* PWM: the longest drive of 4000 vectors of 64 codes reaches near full scale (127) */
            if (!mode)
                ck_assert_uint_ge(r.max_mvm_cycles, 100 + 2 + 20);
            else
                ck_assert_uint_eq(r.max_mvm_cycles, 7 + 2 + 20);
            aimc_ledger_destroy(r.ledger);
        }
}
END_TEST

static uint64_t pulses_of(const int16_t *c, uint32_t n, bool bit_serial)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m = (uint32_t)(c[i] < 0 ? -c[i] : c[i]);
        s += bit_serial ? (uint64_t)__builtin_popcount(m) : m;
    }
    return s;
}

START_TEST(energy_is_events_times_constants_and_sums_to_the_chip_total)
{
    /* Per MVM: 64 DAC conversions (PWM) or 64 x 3 (bit-serial, b_in 4), one integration, 64 column
     * conversions, 64 + 64 buffer accesses; per switch 13.1 pJ; leakage 2 fJ per ns of the run.  The row-drive
     * pulses the RTL counted are recomputed here from the seeded activation codes of every MVM. */
    for (int mode = 0; mode < 2; mode++) {
        aimc_chip_config chip = load_small();
        chip.periphery.dac_mode = mode ? AIMC_DAC_BIT_SERIAL : AIMC_DAC_PWM;
        aimc_cosim_tile_options o;
        aimc_cosim_tile_defaults(&o);
        o.seed = aimc_test_seed("energy_is_events_times_constants_and_sums_to_the_chip_total", 7);
        o.tokens = 50;
        o.numeric = false;
        aimc_cosim_tile_result r = run(&chip, &o);
        assert_clean(&r, "energy run");
        aimc_fJ sum[AIMC_E_COUNT] = {0}, token_total_sum = 0;
        uint64_t pulses = 0;
        for (uint32_t t = 0; t < 50; t++) {
            for (uint32_t i = 0; i < 4; i++) {
                int16_t codes[64];
                aimc_codes_key key = {.seed = o.seed, .token = t, .unit = i};
                aimc_activation_codes(&key, 64, 4, codes);
                pulses += pulses_of(codes, 64, mode);
            }
            /* 0.5 pJ per DAC conversion, 30 pJ per integration, 1.5 pJ per column conversion, 0.25 pJ per
             * buffer access */
            ck_assert_int_eq(aimc_ledger_token_energy(r.ledger, t, AIMC_E_DAC), 4 * 64 * (mode ? 3 : 1) * 500);
            ck_assert_int_eq(aimc_ledger_token_energy(r.ledger, t, AIMC_E_CROSSBAR), 4 * 30000);
            ck_assert_int_eq(aimc_ledger_token_energy(r.ledger, t, AIMC_E_ADC), 4 * 64 * 1500);
            ck_assert_int_eq(aimc_ledger_token_energy(r.ledger, t, AIMC_E_BUFFER), 4 * 128 * 250);
            for (int c = 0; c < AIMC_E_COUNT; c++)
                sum[c] += aimc_ledger_token_energy(r.ledger, t, (aimc_energy_component)c);
            token_total_sum += aimc_ledger_token_total(r.ledger, t);
        }
        ck_assert_uint_eq(r.drive_pulses, pulses);
        ck_assert_uint_eq(r.dac_conversions, 200 * 64 * (mode ? 3 : 1));
        ck_assert_int_eq(aimc_ledger_chip_energy(r.ledger, AIMC_E_TIER_SWITCH), (aimc_fJ)r.switches * 13100);
        ck_assert_int_eq(aimc_ledger_unattributed(r.ledger, AIMC_E_STATIC), (aimc_fJ)r.cycles * 2);
        aimc_fJ chip_total = 0;
        for (int c = 0; c < AIMC_E_COUNT; c++) {
            aimc_energy_component ec = (aimc_energy_component)c;
            ck_assert_int_eq(sum[c] + aimc_ledger_unattributed(r.ledger, ec), aimc_ledger_chip_energy(r.ledger, ec));
            chip_total += aimc_ledger_chip_energy(r.ledger, ec);
        }
        ck_assert_int_eq(chip_total, aimc_ledger_chip_total(r.ledger));
        ck_assert_int_eq(token_total_sum + (aimc_fJ)r.cycles * 2, aimc_ledger_chip_total(r.ledger));
        aimc_ledger_destroy(r.ledger);
    }
}
END_TEST

START_TEST(paper_preset_mvm_is_100_cycles_and_10_nJ)
{
    /* The paper preset (Buechel et al. 2025): bit-serial 8-bit drive 7 + integrate 21 + 8 x (8 + 1) = 100
     * cycles of 1 ns, and 3584 + 1296 + 2048 + 3072 pJ = 10 nJ per tier MVM, from the events the RTL counts. */
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load("paper", &chip, &err) == 0, "%s", err.msg);
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 3;
    o.numeric = false;
    o.stay_probability = 1.0;
    aimc_cosim_tile_result r = run(&chip, &o);
    assert_clean(&r, "paper");
    ck_assert_uint_eq(r.max_mvm_cycles, 100);
    for (uint32_t t = 0; t < 3; t++) {
        aimc_fJ mvm = 0;
        for (int c = 0; c < AIMC_E_COUNT; c++)
            if (c != AIMC_E_TIER_SWITCH)
                mvm += aimc_ledger_token_energy(r.ledger, t, (aimc_energy_component)c);
        ck_assert_int_eq(mvm, 4 * 10000000); /* 4 MVMs x 10 nJ, in fJ */
    }
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(ideal_numeric_runs_return_the_quantized_product)
{
    /* Every non-ideality off: each output code equals q_ADC(sum_i code_i W_ij) computed in double. */
    aimc_chip_config chip = load_small();
    chip.periphery.b_in_bits = 6;
    chip.periphery.b_out_bits = 8;
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.seed = aimc_test_seed("ideal_numeric_runs_return_the_quantized_product", 5);
    o.tokens = 200;
    o.ideal = true;
    aimc_cosim_tile_result r = run(&chip, &o);
    assert_clean(&r, "ideal");
    ck_assert(r.code_error_rms == 0.0);
    ck_assert_uint_gt(r.saturated, 0);                  /* the full scale is reached ... */
    ck_assert_uint_lt(r.saturated, r.conversions / 2);  /* ... but most columns are inside it */
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(noisy_runs_convert_exactly_what_the_comparators_see)
{
    /* Programming noise, drift, read noise and ADC noise on: the outputs move off the quantized product, and
     * every SAR result still equals the ideal quantizer of the noisy column value it converted. */
    aimc_chip_config chip = load_small();
    chip.periphery.b_out_bits = 8;
    aimc_analog_noise *n = &chip.periphery.noise;
    n->programming_noise = n->drift = n->read_noise = n->adc_noise = true;
    n->programming_noise_scale = n->drift_scale = n->read_noise_scale = 1.0;
    n->adc_noise_sigma = 0.06;
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.seed = aimc_test_seed("noisy_runs_convert_exactly_what_the_comparators_see", 3);
    o.tokens = 100;
    aimc_cosim_tile_result r = run(&chip, &o);
    printf("noisy run: output code error RMS %.3f LSB\n", r.code_error_rms);
    assert_clean(&r, "noisy");
    ck_assert(r.code_error_rms > 0.1);
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(bad_options_are_one_clear_error)
{
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    aimc_cosim_tile_result r;
    aimc_error err;
    o.tiers = 64;
    ck_assert_int_eq(aimc_cosim_tile_run(&chip, &o, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "tiers: expected 1.."));
    ck_assert_ptr_null(r.ledger);
    o.tiers = 0;
    chip.periphery.adc_columns_per_adc = 3; /* does not divide 64 */
    ck_assert_int_eq(aimc_cosim_tile_run(&chip, &o, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "periphery.adc.columns_per_adc: expected a divisor of the tier's 64"));
    chip = load_small();
    chip.tile.cols = 512;
    chip.periphery.adc_columns_per_adc = 4; /* 128 converters: more than the RTL has */
    ck_assert_int_eq(aimc_cosim_tile_run(&chip, &o, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "converters exceed"));
    chip = load_small();
    chip.periphery.b_in_bits = 9; /* the RTL's DAC lanes are 8 bits */
    ck_assert_int_eq(aimc_cosim_tile_run(&chip, &o, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "periphery.dac.b_in_bits: expected 2..8"));
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("tile_cosim");
    TCase *tc = tcase_create("tile_cosim");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, random_runs_match_the_reference_model);
    tcase_add_test(tc, one_mvm_latency_is_the_sum_of_the_phases);
    tcase_add_test(tc, back_to_back_mvms_on_one_tier_leave_no_bubble);
    tcase_add_test(tc, latency_and_events_follow_the_closed_form_for_random_codes);
    tcase_add_test(tc, energy_is_events_times_constants_and_sums_to_the_chip_total);
    tcase_add_test(tc, paper_preset_mvm_is_100_cycles_and_10_nJ);
    tcase_add_test(tc, ideal_numeric_runs_return_the_quantized_product);
    tcase_add_test(tc, noisy_runs_convert_exactly_what_the_comparators_see);
    tcase_add_test(tc, bad_options_are_one_clear_error);
    suite_add_tcase(s, tc);
    return s;
}
