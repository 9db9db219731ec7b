/* aimc3d map and aimc3d model, run as the user runs them: exit status, one-line errors, no partial output,
 * byte-identical repeats. */
#include <check.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "testutil.h"

#ifndef AIMC3D_EXE
#error "AIMC3D_EXE must be defined by the build"
#endif

typedef struct {
    int status;
    char *out, *err;
} run_result;

/* Runs aimc3d with the NULL-terminated arguments; captures stdout and stderr. */
static run_result run(const char *first, ...)
{
    const char *argv[32] = {AIMC3D_EXE, first};
    va_list ap;
    va_start(ap, first);
    for (int i = 2; i < 31 && (argv[i] = va_arg(ap, const char *)); i++)
        ;
    va_end(ap);
    argv[31] = NULL;
    char out_path[600], err_path[600];
    snprintf(out_path, sizeof out_path, "%s/stdout.txt", tu_tempdir());
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", tu_tempdir());
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execv(AIMC3D_EXE, (char *const *)argv);
        _exit(127);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    run_result r = {WEXITSTATUS(status), tu_read(out_path, NULL), tu_read(err_path, NULL)};
    return r;
}

static void free_result(run_result *r)
{
    free(r->out);
    free(r->err);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static const char *temp_path(const char *name)
{
    static char paths[4][600];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 600, "%s/%s", tu_tempdir(), name);
    return p;
}

/* Exit status 2, exactly one line on stderr holding `fragment`, nothing at `out` (if given). */
static void expect_bad_input(run_result r, const char *fragment, const char *out)
{
    ck_assert_msg(r.status == 2, "status %d, stderr: %s", r.status, r.err);
    size_t n = strlen(r.err);
    ck_assert_msg(n > 0 && r.err[n - 1] == '\n' && strchr(r.err, '\n') == r.err + n - 1, "not one line: %s", r.err);
    ck_assert_msg(strstr(r.err, fragment), "got: %s", r.err);
    ck_assert_msg(strncmp(r.err, "aimc3d: ", 8) == 0, "got: %s", r.err);
    if (out)
        ck_assert_msg(!exists(out), "%s was written", out);
    free_result(&r);
}

START_TEST(model_show_prints_the_counts)
{
    run_result r = run("model", "show", "olmoe-1b-7b", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "6,442,450,944"));          /* routed experts: 16 x 64 x 3 x 2048 x 1024 */
    ck_assert_ptr_nonnull(strstr(r.out, "6,919,028,736"));          /* total */
    ck_assert_ptr_nonnull(strstr(r.out, "1,281,884,160"));          /* active per token */
    free_result(&r);
    r = run("model", "show", "paper-moe:d_model=512,experts=16,layers=4", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "paper-moe-d512-e16-l4-k1"));
    free_result(&r);
    r = run("model", "list", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "deepseek-moe-16b\n"));
    free_result(&r);
    expect_bad_input(run("model", "show", "no-such-model", NULL), "no-such-model.json: cannot open file", NULL);
    expect_bad_input(run("model", "shows", NULL), "model: expected \"show MODEL\" or \"list\"", NULL);
}
END_TEST

START_TEST(map_writes_the_table_and_the_report)
{
    const char *out = temp_path("tiny.json");
    run_result r = run("map", "--model", "tiny-moe", "--chip", "paper", "--out", out, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    /* tiny-moe, heterogeneous: 2 layers x 4 experts x 3 matrices, one 512 x 512 block each */
    ck_assert_ptr_nonnull(strstr(r.out, "tiers used: 24 of 128"));
    ck_assert_ptr_nonnull(strstr(r.out, "chip area: 16.00 mm2"));
    free_result(&r);
    json_object *o = json_object_from_file(out);
    ck_assert_ptr_nonnull(o);
    json_object *v, *s;
    ck_assert(json_object_object_get_ex(o, "format", &v));
    ck_assert_str_eq(json_object_get_string(v), "aimc3d-mapping/1");
    ck_assert(json_object_object_get_ex(o, "summary", &s) && json_object_object_get_ex(s, "tiers_used", &v));
    ck_assert_int_eq(json_object_get_int(v), 24);
    ck_assert(json_object_object_get_ex(o, "matrices", &v));
    ck_assert_int_eq((int)json_object_array_length(v), 36);
    json_object_put(o);
}
END_TEST

START_TEST(same_inputs_and_seed_give_identical_tables)
{
    const char *a = temp_path("a.json"), *b = temp_path("b.json");
    const char *args[] = {"--model", "small-moe", "--chip", "paper", "--setting", "all-analog", "--strategy", "coselect",
                          "--digital-experts", "0.25", "--criterion", "random", "--seed", "7"};
    run_result r1 = run("map", args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9],
                        args[10], args[11], args[12], args[13], "--out", a, NULL);
    run_result r2 = run("map", args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9],
                        args[10], args[11], args[12], args[13], "--out", b, NULL);
    ck_assert_msg(r1.status == 0 && r2.status == 0, "%s%s", r1.err, r2.err);
    size_t na, nb;
    char *ta = tu_read(a, &na), *tb = tu_read(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(ta, tb, na);
    ck_assert_ptr_nonnull(strstr(ta, "\"digital_experts_count\":8")); /* a quarter of 4 x 8 experts */
    free(ta);
    free(tb);
    free_result(&r1);
    free_result(&r2);
}
END_TEST

START_TEST(a_model_that_does_not_fit_fails_without_output)
{
    const char *out = temp_path("olmoe.json");
    expect_bad_input(run("map", "--model", "olmoe-1b-7b", "--chip", "paper", "--out", out, NULL),
                     "tile.tiles: expected at least 3072 tiles of 8 tiers: model olmoe-1b-7b needs 24576 tiers", out);
}
END_TEST

START_TEST(bad_inputs_are_one_line_errors)
{
    const char *out = temp_path("bad.json");
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--criterion", "loudest", "--out", out, NULL),
                     "map --criterion: expected one of max-neuron-norm", out);
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--digital-experts", "0.5", "--out", out, NULL),
                     "map --criterion max-neuron-norm: expected --weights FILE", out);
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--digital-experts", "0.5", "--criterion",
                         "activation-frequency", NULL),
                     "expected --routing-trace FILE", NULL);
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--digital-experts", "1.5", NULL),
                     "map --digital-experts: expected a number in [0, 1]", NULL);
    const char *trace = tu_write_text("cut.jsonl",
        "{\"format\": \"aimc3d-routing-trace/1\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n"
        "{\"token\": 0, \"layer\": 0, \"experts\": [1, 0], \"gates\": [0.5, 0.5]}\n");
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--strategy", "coselect", "--routing-trace",
                         trace, "--out", out, NULL),
                     "cut.jsonl:2: truncated: token 0 stops after layer 0 of 2 layers", out);
    const char *model = tu_write_text("broken.json", "{\n  \"format\": \"aimc3d-model/1\",\n  \"layers\": ,\n}\n");
    expect_bad_input(run("map", "--model", model, "--chip", "paper", NULL), "broken.json:3:", NULL);
    const char *weights = tu_write("empty.safetensors", "", 0);
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--digital-experts", "0.5", "--weights",
                         weights, "--out", out, NULL),
                     "empty.safetensors: truncated: 0 bytes", out);
    expect_bad_input(run("map", "--model", "tiny-moe", "--chip", "paper", "--out", "/nonexistent/dir/m.json", NULL),
                     "/nonexistent/dir/m.json: cannot write output", NULL);
    expect_bad_input(run("map", "--chip", "paper", NULL), "map: expected --model and --chip", NULL);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("cli_map");
    TCase *tc = tcase_create("cli_map");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, model_show_prints_the_counts);
    tcase_add_test(tc, map_writes_the_table_and_the_report);
    tcase_add_test(tc, same_inputs_and_seed_give_identical_tables);
    tcase_add_test(tc, a_model_that_does_not_fit_fails_without_output);
    tcase_add_test(tc, bad_inputs_are_one_line_errors);
    suite_add_tcase(s, tc);
    return s;
}
