#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/aimc_error.h"

START_TEST(echoed_control_and_bad_bytes_are_escaped)
{
    aimc_error err;
    aimc_fail(&err, "model \"%s\": bad", "a\nb\tc\x7f\xff\xc3\xa9\xc2\x85\xe2\x80\xa8z");
    ck_assert_str_eq(err.msg, "model \"a\\x0Ab\\x09c\\x7F\\xFF\xc3\xa9\\u0085\\u2028z\": bad");
    aimc_error again;
    aimc_fail(&again, "%s", err.msg); /* escaping escaped text changes nothing */
    ck_assert_str_eq(again.msg, err.msg);
    aimc_fail_field(&err, "m.json", "name", "a name, found \"%s\"", "x\r\ny");
    ck_assert_str_eq(err.msg, "m.json: name: expected a name, found \"x\\x0D\\x0Ay\"");
    /* a prefix of the message itself as argument */
    aimc_fail(&err, "first");
    aimc_fail(&err, "context: %s", err.msg);
    ck_assert_str_eq(err.msg, "context: first");
}
END_TEST

START_TEST(long_messages_keep_head_and_tail)
{
    size_t n = 10000;
    char *path = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        path[i] = (char)('a' + i % 26);
    memcpy(path, "/start", 6);
    memcpy(path + n - 8, "end.json", 8);
    path[n] = 0;
    aimc_error err;
    aimc_fail(&err, "%s: cannot open file: No such file or directory", path);
    size_t len = strlen(err.msg);
    ck_assert_uint_lt(len, sizeof err.msg);
    ck_assert_uint_gt(len, sizeof err.msg - 40);
    ck_assert(strncmp(err.msg, "/start", 6) == 0);
    ck_assert_ptr_nonnull(strstr(err.msg, " bytes left out ...] "));
    const char *tail = "end.json: cannot open file: No such file or directory";
    ck_assert_str_eq(err.msg + len - strlen(tail), tail);
    /* the count is exact: kept + left out = all */
    const char *mark = strstr(err.msg, " [... ");
    unsigned long left = strtoul(mark + 6, NULL, 10);
    const char *after = strstr(mark, " ...] ") + 6;
    ck_assert_uint_eq((size_t)(mark - err.msg) + left + strlen(after), n + strlen(": cannot open file: No such file or directory"));
    /* escapes are never cut in half */
    for (size_t i = 0; i < n; i++)
        path[i] = '\n';
    aimc_fail_field(&err, "f.json", "name", "a name, found \"%s\"", path);
    ck_assert(strncmp(err.msg, "f.json: name: expected a name, found \"\\x0A", 42) == 0);
    mark = strstr(err.msg, " [... ");
    ck_assert_ptr_nonnull(mark);
    ck_assert_uint_eq((size_t)(mark - err.msg - 38) % 4, 0);
    ck_assert(strcmp(err.msg + strlen(err.msg) - 5, "\\x0A\"") == 0);
    free(path);
}
END_TEST

START_TEST(utf8_prefix_follows_rfc_3629)
{
    ck_assert_uint_eq(aimc_utf8_valid_prefix("ab\xc3\xa9", 4), 4);
    ck_assert_uint_eq(aimc_utf8_valid_prefix("a\xc0\x80", 3), 1);         /* overlong */
    ck_assert_uint_eq(aimc_utf8_valid_prefix("a\xed\xa0\x80", 4), 1);     /* surrogate */
    ck_assert_uint_eq(aimc_utf8_valid_prefix("\xf4\x90\x80\x80", 4), 0);  /* > U+10FFFF */
    ck_assert_uint_eq(aimc_utf8_valid_prefix("\xf0\x9f\x98\x80", 4), 4);
    ck_assert_uint_eq(aimc_utf8_valid_prefix("\xf0\x9f\x98", 3), 0);      /* cut */
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("aimc_error");
    TCase *tc = tcase_create("aimc_error");
    tcase_add_test(tc, echoed_control_and_bad_bytes_are_escaped);
    tcase_add_test(tc, long_messages_keep_head_and_tail);
    tcase_add_test(tc, utf8_prefix_follows_rfc_3629);
    suite_add_tcase(s, tc);
    return s;
}
