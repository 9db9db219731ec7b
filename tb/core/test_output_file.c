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

/* A file already under the first temporary name is another's: left untouched, the next name is used. */
START_TEST(temporary_never_truncates_an_existing_file)
{
    make_dir();
    char path[512], taken[600];
    snprintf(path, sizeof path, "%s/r.json", dir);
    snprintf(taken, sizeof taken, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(taken, "w");
    fputs("not ours", f);
    fclose(f);
    aimc_error err;
    aimc_output_file *out = aimc_output_open(path, &err);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_ne(aimc_output_temp_path(out), taken);
    fputs("{}", aimc_output_stream(out));
    ck_assert_int_eq(aimc_output_commit(out, &err), 0);
    char buf[32] = "";
    f = fopen(taken, "r");
    ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
    fclose(f);
    ck_assert_str_eq(buf, "not ours");
    remove(taken);
    remove(path);
    rmdir(dir);
}
END_TEST

START_TEST(outputs_checked_against_each_other_and_inputs)
{
    make_dir();
    char in[512], a[512], b[512];
    snprintf(in, sizeof in, "%s/m.json", dir);
    snprintf(a, sizeof a, "%s/o.json", dir);
    snprintf(b, sizeof b, "%s/./o.json", dir);
    FILE *f = fopen(in, "w");
    fclose(f);
    aimc_error err;
    aimc_named_path outs[] = {{"--report", a}, {"--csv", b}}, ins[] = {{"--model", in}, {"--chip", "paper"}};
    ck_assert_int_eq(aimc_outputs_check(outs, 2, ins, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "--csv"));
    ck_assert_ptr_nonnull(strstr(err.msg, "the same file as --report"));
    outs[1].path = in;
    ck_assert_int_eq(aimc_outputs_check(outs, 2, ins, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "the same file as the input --model"));
    outs[1].path = dir;
    ck_assert_int_eq(aimc_outputs_check(outs, 2, ins, 2, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "it is a folder"));
    outs[1].path = NULL;
    ck_assert_int_eq(aimc_outputs_check(outs, 2, ins, 2, &err), 0);
    ck_assert_int_eq(access(a, F_OK), -1); /* checking leaves nothing */
    remove(in);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("output_file");
    TCase *tc = tcase_create("output_file");
    tcase_add_test(tc, commit_renames_and_abort_leaves_nothing);
    tcase_add_test(tc, unwritable_folder_is_one_clear_error);
    tcase_add_test(tc, temporary_never_truncates_an_existing_file);
    tcase_add_test(tc, outputs_checked_against_each_other_and_inputs);
    suite_add_tcase(s, tc);
    return s;
}
