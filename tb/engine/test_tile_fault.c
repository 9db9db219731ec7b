/* Built against the fault-injected tile (a tier decoder that also enables the next tier): every check of
 * the OTT invariant must fire — the RTL assertion, the C invariant monitor and the reference scoreboard. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "engine/cosim_tile.h"
#include "system/chip_config.h"

START_TEST(a_second_tier_enable_is_caught)
{
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(AIMC_TB_DIR "/engine/tile_small.json", &chip, &err) == 0, "%s", err.msg);
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = 3;
    o.numeric = false;
    o.seed = aimc_test_seed("a_second_tier_enable_is_caught", 5);
    o.trace_path = getenv("AIMC_FAULT_TRACE");
    aimc_cosim_tile_result r;
    ck_assert_msg(aimc_cosim_tile_run(&chip, &o, &r, &err) == 0, "%s", err.msg);
    printf("faulty tile: %llu OTT-violating cycles, %llu assertion failures, %llu mismatching cycles (%s)\n",
           (unsigned long long)r.ott_violations, (unsigned long long)r.rtl_assertion_failures,
           (unsigned long long)r.signal_mismatches, r.first_mismatch);
    ck_assert_uint_gt(r.ott_violations, 0);
    ck_assert_uint_gt(r.rtl_assertion_failures, 0);
    ck_assert_uint_gt(r.signal_mismatches, 0);
    aimc_ledger_destroy(r.ledger);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("tile_fault");
    TCase *tc = tcase_create("tile_fault");
    tcase_add_test(tc, a_second_tier_enable_is_caught);
    suite_add_tcase(s, tc);
    return s;
}
