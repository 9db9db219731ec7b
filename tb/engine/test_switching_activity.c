/* Switching activity from a hand-written VCD: times at 0/1/X and toggle counts derived by hand, over the whole
 * trace and over a window; vectors widened as VCD says; parameters are not nets; aliases share their activity;
 * the SAIF text names bits as SAIF escapes them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "engine/switching_activity.h"

static const char vcd_text[] =
    "$date today $end\n$timescale 1ps $end\n"
    "$scope module top $end\n"
    "$var wire 1 ! clk $end\n"
    "$var wire 4 \" bus [3:0] $end\n"
    "$var parameter 32 # P [31:0] $end\n"
    "$scope module g_tile[0] $end\n"
    "$var wire 1 ! clk_alias $end\n"
    "$upscope $end\n"
    "$upscope $end\n"
    "$enddefinitions $end\n"
    "#0\n$dumpvars\n0!\nb0 \"\nb101 #\n$end\n"
    "#5\n1!\nb1010 \"\n"
    "#10\n0!\nb1x \"\n"  /* widened with 0: 001x */
    "#20\n";

static char dir[256], vcd_path[300], saif_path[300];

static void write_vcd(void)
{
    snprintf(dir, sizeof dir, "/tmp/aimc_saif_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(vcd_path, sizeof vcd_path, "%s/t.vcd", dir);
    snprintf(saif_path, sizeof saif_path, "%s/t.saif", dir);
    FILE *f = fopen(vcd_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(vcd_text, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[16384];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The activity block of one bit in the SAIF text, flattened to one line. */
static void expect_bit(const char *saif, const char *name, const char *figures)
{
    char want[256];
    snprintf(want, sizeof want, "(%s\n", name);
    const char *p = strstr(saif, want);
    ck_assert_msg(p != NULL, "no %s in the SAIF", name);
    char got[256];
    size_t n = 0;
    for (p += strlen(want); *p && *p != ')' ; ) {
        /* copy "(T0 a) (T1 b) ... (IG 0)" skipping layout whitespace */
        const char *close = strchr(p, ')');
        while (*p == ' ' || *p == '\n')
            p++;
        if (*p != '(')
            break;
        size_t len = (size_t)(close - p) + 1;
        memcpy(got + n, p, len);
        n += len;
        got[n++] = ' ';
        p = close + 1;
    }
    got[n ? n - 1 : 0] = '\0';
    ck_assert_msg(strcmp(got, figures) == 0, "%s: %s, expected %s", name, got, figures);
}

static void cleanup(void)
{
    remove(vcd_path);
    remove(saif_path);
    rmdir(dir);
}

START_TEST(whole_trace)
{
    write_vcd();
    aimc_error err;
    aimc_activity *a = aimc_activity_create(0, 0);
    ck_assert_int_eq(aimc_activity_read_trace(a, vcd_path, "vcd", &err), 0);
    ck_assert_int_eq(aimc_activity_write_saif(a, saif_path, "top", 20, &err), 0);
    aimc_activity_summary t;
    aimc_activity_summary_of(a, &t);
    /* clk (2 toggles), bus (bit 3: 2, bit 1: 1), the alias of clk (2); the parameter is no net */
    ck_assert_uint_eq(t.nets, 3);
    ck_assert_uint_eq(t.bits, 6);
    ck_assert_uint_eq(t.toggles, 7);
    ck_assert_uint_eq(t.begin, 0);
    ck_assert_uint_eq(t.end, 20);
    const char *s = slurp(saif_path);
    ck_assert_ptr_nonnull(strstr(s, "(SAIFVERSION \"2.0\")"));
    ck_assert_ptr_nonnull(strstr(s, "(TIMESCALE 1 ps)"));
    ck_assert_ptr_nonnull(strstr(s, "(DURATION 20)"));
    ck_assert_ptr_nonnull(strstr(s, "(INSTANCE g_tile\\[0\\]"));
    ck_assert_ptr_null(strstr(s, "(P\n")); /* the parameter */
    expect_bit(s, "clk", "(T0 15) (T1 5) (TX 0) (TZ 0) (TC 2) (IG 0)");
    expect_bit(s, "clk_alias", "(T0 15) (T1 5) (TX 0) (TZ 0) (TC 2) (IG 0)");
    expect_bit(s, "bus\\[3\\]", "(T0 15) (T1 5) (TX 0) (TZ 0) (TC 2) (IG 0)");
    expect_bit(s, "bus\\[2\\]", "(T0 20) (T1 0) (TX 0) (TZ 0) (TC 0) (IG 0)");
    expect_bit(s, "bus\\[1\\]", "(T0 5) (T1 15) (TX 0) (TZ 0) (TC 1) (IG 0)");
    expect_bit(s, "bus\\[0\\]", "(T0 10) (T1 0) (TX 10) (TZ 0) (TC 0) (IG 0)");
    aimc_activity_destroy(a);
    cleanup();
}
END_TEST

START_TEST(window)
{
    write_vcd();
    aimc_error err;
    aimc_activity *a = aimc_activity_create(5, 15);
    ck_assert_int_eq(aimc_activity_read_trace(a, vcd_path, "vcd", &err), 0);
    ck_assert_int_eq(aimc_activity_write_saif(a, saif_path, "top", 20, &err), 0);
    const char *s = slurp(saif_path);
    ck_assert_ptr_nonnull(strstr(s, "(DURATION 10)"));
    expect_bit(s, "clk", "(T0 5) (T1 5) (TX 0) (TZ 0) (TC 2) (IG 0)");
    expect_bit(s, "bus\\[0\\]", "(T0 5) (T1 0) (TX 5) (TZ 0) (TC 0) (IG 0)");
    aimc_activity_destroy(a);
    cleanup();
}
END_TEST

START_TEST(bad_input_names_the_file)
{
    write_vcd();
    aimc_error err;
    aimc_activity *a = aimc_activity_create(30, 0);
    ck_assert_int_eq(aimc_activity_read_trace(a, vcd_path, "vcd", &err), 0);
    ck_assert_int_eq(aimc_activity_write_saif(a, saif_path, "top", 20, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "window begins at 30"));
    ck_assert_int_eq(access(saif_path, F_OK), -1);
    aimc_activity_destroy(a);

    FILE *f = fopen(vcd_path, "w");
    fputs("$timescale 1ps $end\n$scope module top $end\n$var wire 1 ! clk $end\n$upscope $end\n"
          "$enddefinitions $end\n#5\n1!\n#3\n0!\n", f);
    fclose(f);
    a = aimc_activity_create(0, 0);
    ck_assert_int_eq(aimc_activity_read_trace(a, vcd_path, "vcd", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, vcd_path));
    ck_assert_int_eq(aimc_activity_read_trace(a, vcd_path, "lxt2", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no switching-activity reader for lxt2"));
    aimc_activity_destroy(a);
    cleanup();
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("switching_activity");
    TCase *tc = tcase_create("vcd");
    tcase_add_test(tc, whole_trace);
    tcase_add_test(tc, window);
    tcase_add_test(tc, bad_input_names_the_file);
    suite_add_tcase(s, tc);
    return s;
}
