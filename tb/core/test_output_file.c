#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/output_file.h"

static char dir[256];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/aimc_out_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

START_TEST(commit_renames_and_abort_leaves_nothing)
{
    make_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", dir);
    aimc_error err;
    aimc_output_file *out = aimc_output_open(path, &err);
    ck_assert_ptr_nonnull(out);
    fputs("{}", aimc_output_stream(out));
    ck_assert_int_eq(access(path, F_OK), -1); /* not there before commit */
    ck_assert_int_eq(aimc_output_commit(out, &err), 0);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove(path);

    out = aimc_output_open(path, &err);
    char temp[512];
    snprintf(temp, sizeof temp, "%s", aimc_output_temp_path(out));
    fputs("partial", aimc_output_stream(out));
    aimc_output_abort(out);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(access(temp, F_OK), -1);
    rmdir(dir);
}
END_TEST

START_TEST(unwritable_folder_is_one_clear_error)
{
    aimc_error err;
    ck_assert_int_eq(aimc_output_check_writable("/nonexistent-dir/x.json", &err), -1);
    ck_assert_str_eq(err.msg, "/nonexistent-dir/x.json: cannot write output: No such file or directory");
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("output_file");
    TCase *tc = tcase_create("output_file");
    tcase_add_test(tc, commit_renames_and_abort_leaves_nothing);
    tcase_add_test(tc, unwritable_folder_is_one_clear_error);
    suite_add_tcase(s, tc);
    return s;
}
