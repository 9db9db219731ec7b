#include <check.h>
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
    ck_assert_ptr_nonnull(strstr(err.msg, "unexpected text after the value"));
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

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("json_config");
    TCase *tc = tcase_create("json_config");
    tcase_add_test(tc, syntax_error_names_line_and_column);
    tcase_add_test(tc, truncated_text_is_an_error);
    tcase_add_test(tc, int_range_and_type_are_checked);
    tcase_add_test(tc, calibrated_constant_needs_a_source);
    tcase_add_test(tc, doubles_print_rounded_and_stable);
    suite_add_tcase(s, tc);
    return s;
}
