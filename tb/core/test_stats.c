/* The stats registry: counters keep their registration order, a second set updates in place, lookups by name,
 * and the JSON and printed forms carry every counter with its value (and unit when printed). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/stats.h"

START_TEST(registration_order_update_and_lookup)
{
    aimc_stats *s = aimc_stats_create();
    ck_assert_int_eq(aimc_stats_set(s, "groups", "commands", "group commands", 12), 0);
    ck_assert_int_eq(aimc_stats_set(s, "tier_mvms", "MVMs", "tier MVM jobs", 340), 0);
    ck_assert_int_eq(aimc_stats_set(s, "groups", "commands", "group commands", 13), 0); /* update, not a new row */
    ck_assert_uint_eq(aimc_stats_count(s), 2);
    ck_assert_str_eq(aimc_stats_at(s, 0)->name, "groups");
    ck_assert_uint_eq(aimc_stats_at(s, 0)->value, 13);
    ck_assert_str_eq(aimc_stats_find(s, "tier_mvms")->unit, "MVMs");
    ck_assert_ptr_null(aimc_stats_find(s, "nothing"));
    ck_assert_ptr_null(aimc_stats_at(s, 2));
    ck_assert_uint_eq(aimc_stats_value(s, "nothing"), 0);
    json_object *j = aimc_stats_values_json(s);
    ck_assert_str_eq(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN), "{\"groups\":13,\"tier_mvms\":340}");
    json_object_put(j);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    aimc_stats_print(f, s);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "tier_mvms"));
    ck_assert_ptr_nonnull(strstr(text, "340 MVMs"));
    free(text);
    aimc_stats_destroy(s);
}
END_TEST

/* Many counters: the table grows past its first allocation and keeps every value. */
START_TEST(many_counters_grow_the_table)
{
    static char names[100][16];
    aimc_stats *s = aimc_stats_create();
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        ck_assert_int_eq(aimc_stats_set(s, names[i], "x", "d", (uint64_t)i * 7), 0);
    }
    ck_assert_uint_eq(aimc_stats_count(s), 100);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(aimc_stats_value(s, names[i]), (uint64_t)i * 7);
    aimc_stats_destroy(s);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, registration_order_update_and_lookup);
    tcase_add_test(tc, many_counters_grow_the_table);
    suite_add_tcase(s, tc);
    return s;
}
