/* Study tables: cells by column name, the checks on what goes in, and the CSV and JSON written out. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "report/study_table.h"

static const aimc_study_column cols[] = {
    {"point", AIMC_COL_TEXT, "label"},
    {"batch", AIMC_COL_INT, "sequences"},
    {"tokens_per_s", AIMC_COL_REAL, "throughput"},
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

START_TEST(cells_and_checks)
{
    aimc_study_table *t = aimc_study_table_create("t1", "a test", cols, 3);
    aimc_error err;
    ck_assert_int_eq(aimc_study_table_set(t, "batch", 1, &err), -1); /* no row yet */
    ck_assert_int_eq(aimc_study_table_add_row(t), 0);
    ck_assert_int_eq(aimc_study_table_set_text(t, "point", "moe d256", &err), 0);
    ck_assert_int_eq(aimc_study_table_set(t, "batch", 4, &err), 0);
    ck_assert_int_eq(aimc_study_table_set(t, "tokens_per_s", 1234.5678901234, &err), 0);
    ck_assert_int_eq(aimc_study_table_set(t, "nope", 1, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no column \"nope\""));
    ck_assert_int_eq(aimc_study_table_set(t, "point", 1, &err), -1);
    ck_assert_int_eq(aimc_study_table_set_text(t, "batch", "x", &err), -1);
    ck_assert_int_eq(aimc_study_table_set_text(t, "point", "a,b", &err), -1);
    ck_assert_int_eq(aimc_study_table_set(t, "tokens_per_s", NAN, &err), -1);
    ck_assert_int_eq(aimc_study_table_set(t, "tokens_per_s", INFINITY, &err), -1);
    ck_assert_int_eq(aimc_study_table_add_row(t), 1); /* a fresh row is empty */
    ck_assert_uint_eq(aimc_study_table_rows(t), 2);
    ck_assert_str_eq(aimc_study_table_get_text(t, 0, "point"), "moe d256");
    ck_assert_str_eq(aimc_study_table_get_text(t, 1, "point"), "");
    ck_assert_double_eq(aimc_study_table_get(t, 0, "batch"), 4);
    ck_assert_double_eq(aimc_study_table_get(t, 1, "tokens_per_s"), 0);
    ck_assert(isnan(aimc_study_table_get(t, 0, "point")));
    ck_assert(isnan(aimc_study_table_get(t, 2, "batch")));
    aimc_study_table_destroy(t);
}
END_TEST

START_TEST(csv_and_json_text)
{
    aimc_study_table *t = aimc_study_table_create("t2", "a test", cols, 3);
    aimc_error err;
    for (int i = 0; i < 40; i++) { /* past the first growth of the row array */
        ck_assert_int_ge(aimc_study_table_add_row(t), 0);
        char label[32];
        snprintf(label, sizeof label, "p%d", i);
        ck_assert(!aimc_study_table_set_text(t, "point", label, &err));
        ck_assert(!aimc_study_table_set(t, "batch", i, &err));
        ck_assert(!aimc_study_table_set(t, "tokens_per_s", i == 0 ? 1234.5678901234 : 0.000123456789012, &err));
    }
    char csv[64], json[64];
    snprintf(csv, sizeof csv, "/tmp/aimc_study_table_%ld.csv", (long)getpid());
    snprintf(json, sizeof json, "/tmp/aimc_study_table_%ld.json", (long)getpid());
    ck_assert_msg(aimc_study_table_write(t, csv, json, &err) == 0, "%s", err.msg);
    const char *c = slurp(csv);
    /* 9 significant digits, integers whole */
    ck_assert_msg(strncmp(c, "point,batch,tokens_per_s\np0,0,1234.56789\np1,1,0.000123456789\np2,2,", 66) == 0, "%s", c);
    int lines = 0;
    for (const char *s = c; *s; s++)
        lines += *s == '\n';
    ck_assert_int_eq(lines, 41);
    const char *j = slurp(json);
    ck_assert_ptr_nonnull(strstr(j, "\"format\": \"aimc3d-study-table/1\""));
    ck_assert_ptr_nonnull(strstr(j, "\"name\": \"t2\""));
    ck_assert_ptr_nonnull(strstr(j, "\"kind\": \"integer\""));
    ck_assert_ptr_nonnull(strstr(j, "\"tokens_per_s\": 1234.56789"));
    ck_assert_ptr_nonnull(strstr(j, "\"tokens_per_s\": 0.000123456789"));
    ck_assert_ptr_nonnull(strstr(j, "\"batch\": 39"));
    remove(csv);
    remove(json);
    /* an unwritable folder: an error naming it, nothing written */
    ck_assert_int_eq(aimc_study_table_write(t, "/nonexistent-dir/x.csv", "/nonexistent-dir/x.json", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent-dir"));
    aimc_study_table_destroy(t);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("study_table");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, cells_and_checks);
    tcase_add_test(tc, csv_and_json_text);
    suite_add_tcase(s, tc);
    return s;
}
