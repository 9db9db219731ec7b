#include <check.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"
#include "core/energy_ledger.h"

START_TEST(token_sums_plus_chip_only_equal_chip_total)
{
    aimc_ledger *l = aimc_ledger_create(2);
    aimc_ledger_book(l, 0, 0, AIMC_E_ADC, 1670);
    aimc_ledger_book(l, 0, 1, AIMC_E_ADC, 330);
    aimc_ledger_book(l, 3, 1, AIMC_E_DAC, 417);
    aimc_ledger_book_chip(l, AIMC_E_STATIC, 1000000);
    ck_assert_uint_eq(aimc_ledger_tokens(l), 4);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 0, AIMC_E_ADC), 2000);
    ck_assert_int_eq(aimc_ledger_token_layer_energy(l, 0, 1, AIMC_E_ADC), 330);
    ck_assert_int_eq(aimc_ledger_token_total(l, 3), 417);
    ck_assert_int_eq(aimc_ledger_chip_energy(l, AIMC_E_ADC), 2000);
    ck_assert_int_eq(aimc_ledger_chip_total(l), 2000 + 417 + 1000000);
    ck_assert_int_eq(aimc_ledger_unattributed(l, AIMC_E_STATIC), 1000000);
    ck_assert(!aimc_ledger_token_seen(l, 1));
    aimc_ledger_destroy(l);
}
END_TEST

START_TEST(token_window_spans_first_to_last_event)
{
    aimc_ledger *l = aimc_ledger_create(0);
    aimc_ledger_touch(l, 2, 50, 60);
    aimc_ledger_touch(l, 2, 10, 20);
    aimc_ledger_touch(l, 2, 30, 90);
    ck_assert(aimc_ledger_token_seen(l, 2));
    ck_assert_uint_eq(aimc_ledger_token_start(l, 2), 10);
    ck_assert_uint_eq(aimc_ledger_token_end(l, 2), 90);
    aimc_ledger_destroy(l);
}
END_TEST

START_TEST(picojoules_round_to_femtojoules)
{
    ck_assert_int_eq(aimc_pJ_to_fJ(1.67), 1670);
    ck_assert_int_eq(aimc_pJ_to_fJ(0.0128), 13);
    ck_assert_int_eq(aimc_pJ_to_fJ(10000), 10000000);
}
END_TEST

/* Every component has a unique name and a description, and the groups partition the components: the group
 * sums of any energies add up to their total, and the tile group is exactly the five tile components. */
START_TEST(component_table_names_describes_and_partitions)
{
    aimc_fJ e[AIMC_E_COUNT], total = 0;
    for (int c = 0; c < AIMC_E_COUNT; c++) {
        const aimc_energy_component_info *info = aimc_energy_component_info_of((aimc_energy_component)c);
        ck_assert_ptr_nonnull(info);
        ck_assert_str_eq(info->name, aimc_energy_component_name((aimc_energy_component)c));
        ck_assert_uint_gt(strlen(info->description), 10);
        ck_assert_int_lt(info->group, AIMC_EG_COUNT);
        for (int d = 0; d < c; d++)
            ck_assert_str_ne(info->name, aimc_energy_component_name((aimc_energy_component)d));
        e[c] = (aimc_fJ)1 << (3 * c); /* distinct bits: a sum shows which components it took */
        total += e[c];
    }
    ck_assert_ptr_null(aimc_energy_component_info_of(AIMC_E_COUNT));
    aimc_fJ groups = 0;
    for (int g = 0; g < AIMC_EG_COUNT; g++)
        groups += aimc_energy_group_sum(e, (aimc_energy_group)g);
    ck_assert_int_eq(groups, total);
    ck_assert_int_eq(aimc_energy_group_sum(e, AIMC_EG_ANALOG_TILE),
                     e[AIMC_E_DAC] + e[AIMC_E_CROSSBAR] + e[AIMC_E_ADC] + e[AIMC_E_BUFFER] + e[AIMC_E_TIER_SWITCH]);
    ck_assert_int_eq(aimc_energy_group_sum(e, AIMC_EG_STATIC), e[AIMC_E_STATIC]);
    ck_assert_str_eq(aimc_energy_group_name(AIMC_EG_ANALOG_TILE), "analog_tile");
}
END_TEST

/* issue 16: a 64-bit femtojoule total wrapped to negative nJ/token; now it saturates and is flagged */
START_TEST(overflow_is_flagged_never_wrapped)
{
    aimc_ledger *l = aimc_ledger_create(0);
    aimc_ledger_book(l, 0, -1, AIMC_E_DAC, INT64_MAX / 2);
    ck_assert(!aimc_ledger_overflowed(l));
    aimc_ledger_book(l, 1, -1, AIMC_E_DAC, INT64_MAX / 2);
    ck_assert(!aimc_ledger_overflowed(l));
    aimc_ledger_book(l, 2, -1, AIMC_E_ADC, INT64_MAX / 2); /* each row fits; the chip total does not */
    ck_assert(aimc_ledger_overflowed(l));
    ck_assert(aimc_ledger_chip_total(l) == AIMC_FJ_MAX);
    aimc_ledger_destroy(l);
    l = aimc_ledger_create(0);
    aimc_ledger_book_chip(l, AIMC_E_STATIC, aimc_fJ_times(1000000, 1ull << 50)); /* power x time beyond 2^63 */
    ck_assert(aimc_ledger_overflowed(l));
    aimc_ledger_destroy(l);
    ck_assert(aimc_fJ_times(3, 5) == 15);
    ck_assert(aimc_fJ_times(2, UINT64_MAX) == AIMC_FJ_MAX);
    ck_assert(aimc_fJ_times(INT64_MAX / 4, 4) == INT64_MAX / 4 * 4);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("energy_ledger");
    TCase *tc = tcase_create("energy_ledger");
    tcase_add_test(tc, token_sums_plus_chip_only_equal_chip_total);
    tcase_add_test(tc, token_window_spans_first_to_last_event);
    tcase_add_test(tc, picojoules_round_to_femtojoules);
    tcase_add_test(tc, component_table_names_describes_and_partitions);
    tcase_add_test(tc, overflow_is_flagged_never_wrapped);
    suite_add_tcase(s, tc);
    return s;
}
