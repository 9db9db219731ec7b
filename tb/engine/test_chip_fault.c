/* Built against the fault-injected chip (hw/meson.build 'Vchip_fault': every tile's tier decoder also enables
 * the next tier): the chip-level random traffic of chip_random.h must trip every check of the cosim -- its
 * scoreboard (each MVM's tier enables against the mapping's tier), its OTT monitor and the RTL assertions -- while
 * the timing still agrees with the C reference (the fault changes no timing: only the checks can see it). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "chip_random.h"
#include "shim/vchip.h"

START_TEST(the_chip_checks_catch_a_second_tier_enable)
{
    chip_random_options o = {.seed = aimc_test_seed("the_chip_checks_catch_a_second_tier_enable", 16),
                             .cycles = 20000, .max_tiles = aimc_vchip_max_tiles(),
                             .chip = AIMC_TB_DIR "/engine/tile_small.json"};
    ck_assert_uint_eq(o.max_tiles, 4); /* the fault build's size, not a good chip's */
    chip_random_result r;
    ck_assert_msg(chip_random_run(&o, &r) == 0, "%s", r.first_error);
    printf("faulty chip: %llu cycles, %llu jobs; %llu scoreboard errors (%s), %llu OTT-violating cycles, "
           "%llu RTL assertion failures, %llu timing/energy mismatches with the C reference\n",
           (unsigned long long)r.cycles, (unsigned long long)r.jobs, (unsigned long long)r.scoreboard_errors,
           r.first_error, (unsigned long long)r.ott_violation_cycles, (unsigned long long)r.rtl_assertion_failures,
           (unsigned long long)r.mismatches);
    ck_assert_uint_ge(r.cycles, o.cycles);
    ck_assert_uint_gt(r.jobs, 0);
    ck_assert_uint_eq(r.scoreboard_errors, r.jobs); /* every MVM starts with two tiers enabled */
    ck_assert_ptr_nonnull(strstr(r.first_error, "tier enables"));
    ck_assert_uint_gt(r.ott_violation_cycles, 0);
    ck_assert_uint_gt(r.rtl_assertion_failures, 0);
    ck_assert_uint_eq(r.mismatches, 0);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("chip_fault");
    TCase *tc = tcase_create("chip_fault");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, the_chip_checks_catch_a_second_tier_enable);
    suite_add_tcase(s, tc);
    return s;
}
