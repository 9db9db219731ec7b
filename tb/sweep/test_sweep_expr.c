/* Column formulas (model/sweep/sweep_expr) and findings (model/sweep/sweep_findings) against hand-computed values:
 * the evaluation order of a formula is that of the C expression written the same way (bit for bit), references
 * resolve to JSON values, a missing one empties the cell; each findings kind on a small table worked out by hand. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "sweep/sweep_expr.h"
#include "sweep/sweep_findings.h"

static json_object *doc;

/* References: keys of doc (dots are part of the key here: the caller's naming is its own). */
static json_object *lookup(void *ctx, const char *name, size_t len)
{
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)len, name);
    json_object *v = NULL;
    json_object_object_get_ex(ctx, key, &v);
    return v;
}

static double eval(const char *text)
{
    aimc_sweep_expr_value v;
    char why[256];
    ck_assert_msg(aimc_sweep_expr_eval(text, lookup, doc, &v, why, sizeof why) == 0, "%s: %s", text, why);
    ck_assert(!v.missing && !v.ref);
    return v.number;
}

START_TEST(formulas)
{
    doc = json_object_new_object();
    json_object_object_add(doc, "figures.energy_fJ.dram", json_object_new_int64(6302691600));
    json_object_object_add(doc, "figures.tokens", json_object_new_int64(3));
    json_object_object_add(doc, "figures.mean_latency_ns", json_object_new_double(19886.5));
    json_object_object_add(doc, "report.config.ott", json_object_new_boolean(1));
    json_object_object_add(doc, "label", json_object_new_string("moe d256"));
    /* the bits of the C expression written the same way: ((double)e / 1e6) / (double)n */
    volatile int64_t e = 6302691600, n = 3;
    double c = (double)e / 1e6 / (double)n;
    double f = eval("figures.energy_fJ.dram / 1e6 / figures.tokens");
    ck_assert(memcmp(&c, &f, sizeof c) == 0);
    /* * 1e-3 is not / 1000 in general: the formula keeps the operation it says */
    ck_assert(eval("figures.mean_latency_ns * 1e-3") == 19886.5 * 1e-3);
    ck_assert(eval("1 - 2 - 3") == -4);          /* left to right */
    ck_assert(eval("2 + 3 * 4") == 14);          /* precedence */
    ck_assert(eval("(2 + 3) * 4") == 20);
    ck_assert(eval("-(2 + 3) * -4") == 20);      /* unary minus */
    ck_assert(eval("8 / 4 / 2") == 1);
    ck_assert(eval("min(figures.tokens, 2) + max(1, figures.tokens)") == 5);
    ck_assert(eval("report.config.ott * 7") == 7); /* booleans are 0 / 1 */
    ck_assert(eval("1.5e3 + .5") == 1500.5);
    /* a single reference keeps its value and type */
    aimc_sweep_expr_value v;
    char why[256];
    ck_assert_int_eq(aimc_sweep_expr_eval(" label ", lookup, doc, &v, why, sizeof why), 0);
    ck_assert_ptr_nonnull(v.ref);
    ck_assert_str_eq(json_object_get_string(v.ref), "moe d256");
    /* a missing reference: an empty cell, not an error */
    ck_assert_int_eq(aimc_sweep_expr_eval("figures.nope / 2", lookup, doc, &v, why, sizeof why), 0);
    ck_assert(v.missing);
    /* text inside arithmetic, syntax errors: an error naming the place */
    ck_assert_int_eq(aimc_sweep_expr_eval("label * 2", lookup, doc, &v, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "label: expected a number"));
    ck_assert_int_eq(aimc_sweep_expr_eval("1 +", NULL, NULL, &v, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "column 4"));
    ck_assert_int_eq(aimc_sweep_expr_eval("(1 + 2", NULL, NULL, &v, why, sizeof why), -1);
    ck_assert_int_eq(aimc_sweep_expr_eval("sqrt(4)", NULL, NULL, &v, why, sizeof why), -1);
    ck_assert_int_eq(aimc_sweep_expr_eval("1 2", NULL, NULL, &v, why, sizeof why), -1);
    json_object_put(doc);
}
END_TEST

static void count_ref(void *ctx, const char *name, size_t len)
{
    char *out = ctx;
    strncat(out, name, len);
    strcat(out, ";");
}

START_TEST(references)
{
    char seen[256] = "";
    aimc_sweep_expr_refs("min(figures.a, 2e3) / run.batch - tag.x1", count_ref, seen);
    ck_assert_str_eq(seen, "figures.a;run.batch;tag.x1;");
}
END_TEST

/* A hand-made table: model, batch, aimc, gpu, label. */
static const struct {
    const char *label, *model;
    double batch, aimc, gpu;
} rows[] = {
    {"m1 B1", "m1", 1, 100, 10},   {"m1 B2", "m1", 2, 150, 40},  {"m1 B4", "m1", 4, 160, 200},
    {"m1 B8", "m1", 8, 171, 300},  {"m2 B1", "m2", 1, 5, 50},    {"m2 B2", "m2", 2, 6, 60},
};
#define NROWS (sizeof rows / sizeof rows[0])

static double number(void *ctx, size_t r, const char *col)
{
    (void)ctx;
    return !strcmp(col, "batch") ? rows[r].batch : !strcmp(col, "aimc") ? rows[r].aimc : !strcmp(col, "gpu") ? rows[r].gpu : NAN;
}

static const char *text(void *ctx, size_t r, const char *col)
{
    (void)ctx;
    return !strcmp(col, "point") ? rows[r].label : !strcmp(col, "model") ? rows[r].model : "";
}

static bool has(void *ctx, const char *name)
{
    (void)ctx;
    return !strcmp(name, "point") || !strcmp(name, "model") || !strcmp(name, "batch") || !strcmp(name, "aimc") ||
           !strcmp(name, "gpu");
}

static const char *run(const char *spec_text)
{
    json_object *spec = json_tokener_parse(spec_text);
    char why[256];
    ck_assert_msg(aimc_sweep_findings_check(spec, has, NULL, why, sizeof why) == 0, "%s", why);
    aimc_sweep_findings_table t = {NULL, NROWS, number, text};
    json_object *o = aimc_sweep_findings_eval(spec, &t);
    static char out[4096];
    snprintf(out, sizeof out, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    json_object_put(spec);
    return out;
}

START_TEST(findings)
{
    /* largest / smallest aimc: rows 3 (171) and 4 (5) */
    ck_assert_str_eq(run("{\"kind\": \"extremes\", \"columns\": [\"aimc\"]}"),
                     "{\"aimc\":{\"max\":{\"point\":\"m1 B8\",\"aimc\":171.000000},"
                     "\"min\":{\"point\":\"m2 B1\",\"aimc\":5.000000}}}");
    /* m1: gpu > aimc first at batch 4, aimc ahead up to 2, last 8; m2: the GPU ahead from batch 1 */
    ck_assert_str_eq(run("{\"kind\": \"first_flip\", \"group_by\": \"model\", \"key\": \"batch\", \"when\": [\"gpu\", "
                         "\">\", \"aimc\"], \"names\": {\"first\": \"f\", \"before\": \"b\", \"last\": \"l\"}}"),
                     "{\"m1\":{\"f\":4,\"b\":2,\"l\":8},\"m2\":{\"f\":1,\"b\":0,\"l\":2}}");
    /* pairs (0,1) (2,3) (4,5): second / first of aimc, the first's gpu at 1 decimal */
    ck_assert_str_eq(run("{\"kind\": \"pairs\", \"fields\": [{\"name\": \"p\", \"column\": \"point\", \"value\": "
                         "\"text\"}, {\"name\": \"r\", \"column\": \"aimc\", \"value\": \"ratio\", \"digits\": 3}, "
                         "{\"name\": \"g\", \"column\": \"gpu\", \"digits\": 1}, {\"name\": \"b2\", \"column\": "
                         "\"batch\", \"value\": \"int\", \"row\": \"second\"}]}"),
                     "[{\"p\":\"m1 B1\",\"r\":1.500,\"g\":10.0,\"b2\":2},{\"p\":\"m1 B4\",\"r\":1.069,\"g\":200.0,"
                     "\"b2\":8},{\"p\":\"m2 B1\",\"r\":1.200,\"g\":50.0,\"b2\":2}]");
    /* steps: each row over the previous one */
    const char *s = run("{\"kind\": \"steps\", \"fields\": [{\"name\": \"from\", \"column\": \"batch\", \"value\": "
                        "\"int\", \"row\": \"previous\"}, {\"name\": \"to\", \"column\": \"batch\", \"value\": \"int\"}, "
                        "{\"name\": \"r\", \"column\": \"gpu\", \"value\": \"ratio\", \"digits\": 2}]}");
    ck_assert_str_eq(s, "[{\"from\":1,\"to\":2,\"r\":4.00},{\"from\":2,\"to\":4,\"r\":5.00},{\"from\":4,\"to\":8,"
                        "\"r\":1.50},{\"from\":8,\"to\":1,\"r\":0.17},{\"from\":1,\"to\":2,\"r\":1.20}]");
    ck_assert_str_eq(run("{\"kind\": \"rows\", \"fields\": [{\"name\": \"a\", \"column\": \"aimc\", \"digits\": 0}]}"),
                     "[{\"a\":100},{\"a\":150},{\"a\":160},{\"a\":171},{\"a\":5},{\"a\":6}]");
}
END_TEST

START_TEST(findings_checked)
{
    const char *bad[][2] = {
        {"{\"kind\": \"mean\"}", "findings.kind"},
        {"{\"kind\": \"extremes\", \"columns\": [\"nope\"]}", "findings.columns[0]"},
        {"{\"kind\": \"first_flip\", \"group_by\": \"model\", \"key\": \"batch\", \"when\": [\"gpu\", \"!=\", "
         "\"aimc\"], \"names\": {\"first\": \"f\", \"before\": \"b\", \"last\": \"l\"}}", "findings.when"},
        {"{\"kind\": \"rows\", \"fields\": [{\"name\": \"r\", \"column\": \"aimc\", \"value\": \"ratio\"}]}",
         "findings.fields[0].value"},
        {"{\"kind\": \"pairs\", \"fields\": [{\"name\": \"r\", \"column\": \"aimc\", \"row\": \"previous\"}]}",
         "findings.fields[0].row"},
        {"{\"kind\": \"steps\", \"fields\": [{\"name\": \"r\", \"column\": \"aimc\", \"digits\": 40}]}",
         "findings.fields[0].digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *spec = json_tokener_parse(bad[i][0]);
        char why[256];
        ck_assert_int_eq(aimc_sweep_findings_check(spec, has, NULL, why, sizeof why), -1);
        ck_assert_msg(strstr(why, bad[i][1]) != NULL, "%s: %s", bad[i][0], why);
        json_object_put(spec);
    }
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("sweep_expr");
    TCase *tc = tcase_create("expr");
    tcase_add_test(tc, formulas);
    tcase_add_test(tc, references);
    tcase_add_test(tc, findings);
    tcase_add_test(tc, findings_checked);
    suite_add_tcase(s, tc);
    return s;
}
