/* The single-tile cosim against independent expectations: the cycle-exact reference model over long random
 * runs, hand-derived latencies, and energies computed by hand from the counts. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "chip_config.h"
#include "cosim_tile.h"
#include "tile_ref.h"

#define SMALL_CHIP AIMC_TB_DIR "/engine/tile_small.json"

static aimc_chip_config load_small(void)
{
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &chip, &err) == 0, "%s", err.msg);
    return chip;
}

static aimc_cosim_tile_result run(const aimc_chip_config *chip, aimc_cosim_tile_options *o)
{
    aimc_cosim_tile_result r;
    aimc_error err;
    ck_assert_msg(aimc_cosim_tile_run(chip, o, &r, &err) == 0, "%s", err.msg);
    return r;
}

START_TEST(random_runs_match_the_reference_model)
{
    /* Several seeds, each >= 100k cycles, with switch and compute phases varied per seed. */
    unsigned long base = aimc_test_seed("random_runs_match_the_reference_model", 20261121);
    for (unsigned k = 0; k < 4; k++) {
        aimc_chip_config chip = load_small();
        chip.tile.tier_switch_cycles = k;          /* 0 exercises the no-SWITCH-state path */
        chip.tile.mvm_compute_cycles = 1 + 3 * k;  /* 1 exercises the single-cycle compute path */
        aimc_cosim_tile_options o;
        aimc_cosim_tile_defaults(&o);
        o.seed = base + k;
        o.tokens = 10000;
        o.mvms_per_token = 4;
        o.valid_probability = 0.3 + 0.2 * k;
        o.stay_probability = 0.25 * k;
        aimc_cosim_tile_result r = run(&chip, &o);
        printf("seed %lu: %llu cycles, %llu MVMs, %llu switches\n", base + k, (unsigned long long)r.cycles,
               (unsigned long long)r.mvms, (unsigned long long)r.switches);
        ck_assert_uint_ge(r.cycles, 100000);
        ck_assert_uint_eq(r.mvms, 40000);
        ck_assert_msg(r.signal_mismatches == 0, "seed %lu: %s", base + k, r.first_mismatch);
        ck_assert_uint_eq(r.result_mismatches, 0);
        ck_assert_uint_eq(r.ott_violations, 0);
        ck_assert_uint_eq(r.rtl_assertion_failures, 0);
        ck_assert_uint_eq(r.c_side_switches, r.switches); /* the C tile's OTT state agrees with the RTL */
        aimc_ledger_destroy(r.ledger);
    }
}
END_TEST

START_TEST(one_mvm_latency_is_switch_plus_compute_plus_one)
{
    /* Reset occupies cycles 0-1; the request is presented and accepted in cycle 2; SWITCH cycles 3-5;
     * COMPUTE cycles 6-10; done_valid in cycle 11.  The run ends after cycle 11: 12 cycles. */
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 1;
    o.mvms_per_token = 1;
    o.valid_probability = 1.0;
    aimc_cosim_tile_result r = run(&chip, &o);
    ck_assert_uint_eq(aimc_ledger_token_start(r.ledger, 0), 2);
    ck_assert_uint_eq(aimc_ledger_token_end(r.ledger, 0), 11);
    ck_assert_uint_eq(r.cycles, 12);
    ck_assert_uint_eq(aimc_tile_ref_latency_cycles(true, 3, 5), 9);
    ck_assert_uint_eq(r.switches, 1);
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(back_to_back_mvms_on_one_tier_leave_no_bubble)
{
    /* 10 MVMs on one tier: accept cycle 2, one switch (3 cycles), then 10 x 5 compute cycles with the next
     * request accepted in each last compute cycle; done_valid of the last in cycle 2 + 3 + 50 + 1 = 56. */
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 1;
    o.mvms_per_token = 10;
    o.valid_probability = 1.0;
    o.stay_probability = 1.0;
    aimc_cosim_tile_result r = run(&chip, &o);
    ck_assert_uint_eq(aimc_ledger_token_end(r.ledger, 0), 56);
    ck_assert_uint_eq(r.switches, 1);
    ck_assert_uint_eq(r.mvms, 10);
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(energy_is_counts_times_constants)
{
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.seed = aimc_test_seed("energy_is_counts_times_constants", 7);
    o.tokens = 50;
    aimc_cosim_tile_result r = run(&chip, &o);
    /* 10 nJ per MVM and 13.1 pJ per switch, in femtojoules */
    aimc_fJ expected = (aimc_fJ)r.mvms * 10000000 + (aimc_fJ)r.switches * 13100;
    ck_assert_int_eq(aimc_ledger_chip_total(r.ledger), expected);
    aimc_fJ sum = 0;
    for (uint32_t t = 0; t < 50; t++) {
        ck_assert_int_eq(aimc_ledger_token_energy(r.ledger, t, AIMC_E_CROSSBAR), 4 * 10000000);
        sum += aimc_ledger_token_total(r.ledger, t);
    }
    ck_assert_int_eq(sum, aimc_ledger_chip_total(r.ledger));
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(programming_noise_is_seeded_and_checked_against_the_programmed_weights)
{
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.seed = 3;
    o.tokens = 20;
    o.noise_rel = 0.05;
    aimc_cosim_tile_result r = run(&chip, &o);
    ck_assert_uint_eq(r.result_mismatches, 0);
    ck_assert_uint_eq(r.signal_mismatches, 0);
    aimc_ledger_destroy(r.ledger);
}
END_TEST

START_TEST(bad_options_are_one_clear_error)
{
    aimc_chip_config chip = load_small();
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tiers = 64;
    aimc_cosim_tile_result r;
    aimc_error err;
    ck_assert_int_eq(aimc_cosim_tile_run(&chip, &o, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "tiers: expected 1.."));
    ck_assert_ptr_null(r.ledger);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("tile_cosim");
    TCase *tc = tcase_create("tile_cosim");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, random_runs_match_the_reference_model);
    tcase_add_test(tc, one_mvm_latency_is_switch_plus_compute_plus_one);
    tcase_add_test(tc, back_to_back_mvms_on_one_tier_leave_no_bubble);
    tcase_add_test(tc, energy_is_counts_times_constants);
    tcase_add_test(tc, programming_noise_is_seeded_and_checked_against_the_programmed_weights);
    tcase_add_test(tc, bad_options_are_one_clear_error);
    suite_add_tcase(s, tc);
    return s;
}
