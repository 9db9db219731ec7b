#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "core/json_config.h"

static json_object *parse(const char *text, aimc_error *err)
{
    return aimc_json_parse_text("cfg.json", text, strlen(text), err);
}

START_TEST(syntax_error_names_line_and_column)
{
    aimc_error err;
    json_object *o = parse("{\n  \"a\": 1,\n  \"b\": ]\n}", &err);
    ck_assert_ptr_null(o);
    ck_assert_msg(strncmp(err.msg, "cfg.json:3:", 11) == 0, "got: %s", err.msg);
}
END_TEST

START_TEST(truncated_text_is_an_error)
{
    aimc_error err;
    ck_assert_ptr_null(parse("{\"a\": [1, 2", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "cfg.json:1:"));
    ck_assert_ptr_null(parse("{\"a\": 1} trailing", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "expected nothing after the value"));
}
END_TEST

START_TEST(int_range_and_type_are_checked)
{
    aimc_error err;
    json_object *o = parse("{\"t\": {\"tiers\": 0, \"name\": 3}}", &err);
    ck_assert_ptr_nonnull(o);
    json_object *t;
    aimc_json_where top = {"cfg.json", ""};
    ck_assert_int_eq(aimc_json_get_object(o, top, "t", &t, &err), 0);
    aimc_json_where at = {"cfg.json", "t"};
    long v = 42;
    ck_assert_int_eq(aimc_json_get_int(t, at, "tiers", 1, 8, &v, &err), -1);
    ck_assert_str_eq(err.msg, "cfg.json: t.tiers: expected an integer in [1, 8], found 0");
    ck_assert_int_eq(v, 42);
    const char *s;
    ck_assert_int_eq(aimc_json_get_string(t, at, "name", &s, &err), -1);
    ck_assert_str_eq(err.msg, "cfg.json: t.name: expected a string, found int");
    ck_assert_int_eq(aimc_json_get_int(t, at, "missing", 1, 8, &v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "t.missing: expected an integer in [1, 8] (field is missing)"));
    json_object_put(o);
}
END_TEST

START_TEST(calibrated_constant_needs_a_source)
{
    aimc_error err;
    json_object *o = parse("{\"e\": {\"value\": 1.5, \"source\": \"ISAAC\"}, \"f\": {\"value\": 2, \"source\": \"\"},"
                           " \"g\": 3}", &err);
    aimc_json_where top = {"chip.json", ""};
    double v;
    const char *src;
    ck_assert_int_eq(aimc_json_get_param(o, top, "e", 0, 10, &v, &src, &err), 0);
    ck_assert_double_eq(v, 1.5);
    ck_assert_str_eq(src, "ISAAC");
    ck_assert_int_eq(aimc_json_get_param(o, top, "f", 0, 10, &v, &src, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "chip.json: f: expected a non-empty \"source\""));
    ck_assert_int_eq(aimc_json_get_param(o, top, "g", 0, 10, &v, &src, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "chip.json: g: expected {\"value\": number"));
    json_object_put(o);
}
END_TEST

START_TEST(doubles_print_rounded_and_stable)
{
    json_object *d = aimc_json_double(1.0 / 3.0, 3);
    ck_assert_str_eq(json_object_to_json_string(d), "0.333");
    json_object_put(d);
}
END_TEST


/* Each case: text, the expected message after "cfg.json:" (line:column and reason). */
START_TEST(strict_json_refuses_what_json_c_lets_through)
{
    static const char *const cases[][2] = {
        {"{\"a\":1,\"b\":2 /*,\"x*/}", "1:14: malformed JSON: expected ',' or '}' after a value in an object"},
        {"{'a':1}", "1:2: malformed JSON: expected a key in double quotes, found '"},
        {"{\"a\":'x'}", "1:6: malformed JSON: expected a value (strings take double quotes, found ')"},
        {"{\"a\":\"x\ny\"}", "1:8: malformed JSON: expected no raw control character inside a string"},
        {"{\"a\":\"\xc0\x80\"}", "1:7: malformed JSON: expected valid UTF-8, found a byte that is not"},
        {"{\"a\":\"\xed\xa0\x80\"}", "1:7: malformed JSON: expected valid UTF-8"},
        {"{\"a\":\"\xf4\x90\x80\x80\"}", "1:7: malformed JSON: expected valid UTF-8"},
        {"{\"a\":NaN}", "1:6: malformed JSON: expected a value (object, list"},
        {"{\"a\":Infinity}", "1:6: malformed JSON: expected a value"},
        {"{\"a\":1e999}", "1:6: malformed JSON: expected a number within the range of a double"},
        {"{\"a\":1.}", "1:8: malformed JSON: expected a digit after the decimal point"},
        {"{\"a\":01}", "1:7: malformed JSON: expected no leading zero in a number"},
        {"{\"a\":99999999999999999999}", "1:6: malformed JSON: expected an integer within [-2^63, 2^63)"},
        {"{\"a\":\"\\u0000b\"}", "1:7: malformed JSON: expected no \\u0000 in a string"},
        {"{\"a\":\"\\ud800\"}", "1:7: malformed JSON: expected a low surrogate after a high one"},
        {"{\"a\":\"\\udc00\"}", "1:7: malformed JSON: expected no lone low surrogate"},
        {"{\"a\":\"\\x41\"}", "1:7: malformed JSON: expected a known escape in a string"},
        {"{\"a\":[1,2,]}", "1:11: malformed JSON: expected a value"},
        {"{\"a\":1,}", "1:8: malformed JSON: expected a key in double quotes"},
        {"{\"a\":1}\n// c", "2:1: malformed JSON: expected nothing after the value, found more text"},
        {"{\"a\":1,\n \"a\":2}", "2:2: malformed JSON: key \"a\" appears twice in an object"},
        {"{\"x\":{\"b\":1,\"\\u0062\":2}}", "1:13: malformed JSON: key \"b\" appears twice in an object"},
        {"[{\"a\":{}},{\"k\":1,\"j\":2,\"k\":3}]", "1:24: malformed JSON: key \"k\" appears twice"},
        {"\xef\xbb\xbf{}", "1:1: malformed JSON: expected a value"},
        {"", "1:1: malformed JSON: unexpected end of data"},
        {"{\"a\": tru}", "1:7: malformed JSON: expected a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aimc_error err;
        json_object *o = parse(cases[i][0], &err);
        ck_assert_msg(o == NULL, "case %zu accepted: %s", i, cases[i][0]);
        char want[300];
        snprintf(want, sizeof want, "cfg.json:%s", cases[i][1]);
        ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "case %zu: got \"%s\", expected \"%s\"", i, err.msg,
                      want);
        ck_assert_ptr_null(strchr(err.msg, '\n'));
    }
}
END_TEST

START_TEST(strict_json_accepts_rfc_8259)
{
    aimc_error err;
    const char *text = " {\"a\": [1, -0, 0.5, -1.5e-3, 2E+2, true, false, null, \"\\u00e9\\ud83d\\ude00\\/\\\\\"], "
                       "\"b\": {}, \"c\": [], \"\xc3\xa9\": \"\xf0\x9f\x98\x80\", \"d\": 9223372036854775807}\r\n\t";
    json_object *o = parse(text, &err);
    ck_assert_msg(o != NULL, "%s", err.msg);
    json_object_put(o);
    char deep[80] = "", *p = deep;
    for (int i = 0; i < 32; i++)
        *p++ = '[';
    for (int i = 0; i < 32; i++)
        *p++ = ']';
    *p = 0;
    ck_assert_ptr_nonnull(o = parse(deep, &err));
    json_object_put(o);
    char deeper[80];
    snprintf(deeper, sizeof deeper, "[%s]", deep);
    ck_assert_ptr_null(parse(deeper, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "nested at most 32 deep"));
}
END_TEST

START_TEST(json_lines_name_their_line)
{
    aimc_error err;
    ck_assert_ptr_null(aimc_json_parse_line("t.jsonl", 7, "{\"a\": 1", 7, &err));
    ck_assert_str_eq(err.msg, "t.jsonl:7:8: malformed JSON: unexpected end of line");
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("json_config");
    TCase *tc = tcase_create("json_config");
    tcase_add_test(tc, syntax_error_names_line_and_column);
    tcase_add_test(tc, truncated_text_is_an_error);
    tcase_add_test(tc, int_range_and_type_are_checked);
    tcase_add_test(tc, calibrated_constant_needs_a_source);
    tcase_add_test(tc, doubles_print_rounded_and_stable);
    tcase_add_test(tc, strict_json_refuses_what_json_c_lets_through);
    tcase_add_test(tc, strict_json_accepts_rfc_8259);
    tcase_add_test(tc, json_lines_name_their_line);
    suite_add_tcase(s, tc);
    return s;
}
