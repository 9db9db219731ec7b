#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "testutil.h"
#include "workload/routing_trace.h"
#include "workload/model_load.h"

#define HEADER "{\"format\": \"aimc3d-routing-trace/1\", \"model\": \"tiny-moe\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n"
#define REC(t, l, a, b, ga, gb) \
    "{\"token\": " #t ", \"layer\": " #l ", \"experts\": [" #a ", " #b "], \"gates\": [" #ga ", " #gb "]}\n"

/* Three tokens of tiny-moe (2 MoE layers, 4 experts, top-2). */
static const char *const three_tokens = HEADER REC(0, 0, 1, 0, 0.75, 0.25) REC(0, 1, 2, 3, 0.5, 0.5)
    REC(1, 0, 1, 2, 0.5, 0.5) REC(1, 1, 3, 2, 0.625, 0.375) REC(2, 0, 0, 1, 1, 0) REC(2, 1, 2, 1, 0.5, 0.5);

static aimc_moe_model tiny(void)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load("tiny-moe", &m, &err) == 0, "%s", err.msg);
    return m;
}

static aimc_routing_trace *load_text(const char *name, const char *text, aimc_error *err)
{
    aimc_moe_model m = tiny();
    return aimc_routing_trace_load(tu_write_text(name, text), &m, err);
}

START_TEST(reads_records_and_statistics)
{
    aimc_error err;
    aimc_routing_trace *t = load_text("ok.jsonl", three_tokens, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    ck_assert_uint_eq(aimc_routing_trace_tokens(t), 3);
    ck_assert_uint_eq(aimc_routing_trace_top_k(t), 2);
    ck_assert_uint_eq(aimc_routing_trace_experts(t, 1, 1)[0], 3);
    ck_assert_float_eq(aimc_routing_trace_gates(t, 1, 1)[1], 0.375f);
    ck_assert_ptr_null(aimc_routing_trace_experts(t, 3, 0));
    ck_assert_ptr_null(aimc_routing_trace_experts(t, 0, 2));
    uint64_t sel[4];
    double gsum[4];
    aimc_routing_trace_expert_stats(t, 0, sel, gsum);
    /* layer 0 picks {1,0}, {1,2}, {0,1} */
    ck_assert_uint_eq(sel[0], 2);
    ck_assert_uint_eq(sel[1], 3);
    ck_assert_uint_eq(sel[2], 1);
    ck_assert_uint_eq(sel[3], 0);
    ck_assert_double_eq_tol(gsum[1], 0.75 + 0.5 + 0, 1e-9);
    ck_assert_double_eq_tol(gsum[0], 0.25 + 1, 1e-9);
    uint64_t co[16];
    aimc_routing_trace_coselection(t, 1, co); /* layer 1: {2,3}, {3,2}, {2,1} */
    ck_assert_uint_eq(co[2 * 4 + 3], 2);
    ck_assert_uint_eq(co[3 * 4 + 2], 2);
    ck_assert_uint_eq(co[1 * 4 + 2], 1);
    ck_assert_uint_eq(co[2 * 4 + 2], 0);
    ck_assert_uint_eq(co[0 * 4 + 1], 0);
    aimc_routing_trace_destroy(t);
}
END_TEST

START_TEST(write_and_read_back)
{
    aimc_moe_model m = tiny();
    aimc_error err;
    aimc_routing_trace *t = aimc_routing_trace_create(&m, &err);
    ck_assert_ptr_nonnull(t);
    for (uint32_t tok = 0; tok < 50; tok++)
        for (uint32_t l = 0; l < 2; l++) {
            uint32_t e[2] = {(tok + l) % 4, (tok + l + 1 + tok % 3) % 4};
            if (e[1] == e[0])
                e[1] = (e[0] + 1) % 4;
            double g[2] = {1.0 / (tok + 2), 1 - 1.0 / (tok + 2)};
            ck_assert_msg(aimc_routing_trace_append(t, tok, l, e, g, &err) == 0, "%s", err.msg);
        }
    char path[600];
    snprintf(path, sizeof path, "%s/written.jsonl", tu_tempdir());
    ck_assert_msg(aimc_routing_trace_write(t, path, &err) == 0, "%s", err.msg);
    aimc_routing_trace *back = aimc_routing_trace_load(path, &m, &err);
    ck_assert_msg(back != NULL, "%s", err.msg);
    ck_assert_uint_eq(aimc_routing_trace_tokens(back), 50);
    for (uint32_t tok = 0; tok < 50; tok++)
        for (uint32_t l = 0; l < 2; l++) {
            ck_assert_mem_eq(aimc_routing_trace_experts(t, tok, l), aimc_routing_trace_experts(back, tok, l),
                             2 * sizeof(uint32_t));
            ck_assert_mem_eq(aimc_routing_trace_gates(t, tok, l), aimc_routing_trace_gates(back, tok, l),
                             2 * sizeof(float));
        }
    aimc_routing_trace_destroy(t);
    aimc_routing_trace_destroy(back);
}
END_TEST

START_TEST(dense_layers_have_no_records)
{
    const char *model = tu_write_text("dense-first.json",
        "{\"format\": \"aimc3d-model/1\", \"name\": \"df\", \"layers\": 3, \"d_model\": 64, \"heads\": 2, \"vocab\": 10,"
        " \"experts\": 4, \"top_k\": 2, \"expert_hidden\": 32, \"dense_layers\": 1, \"dense_hidden\": 128,"
        " \"gated\": true, \"activation\": \"silu\"}");
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(model, &m, &err) == 0, "%s", err.msg);
    const char *path = tu_write_text("df.jsonl",
        "{\"format\": \"aimc3d-routing-trace/1\", \"layers\": 3, \"experts\": 4, \"top_k\": 2}\n" REC(0, 1, 0, 1, 0.5, 0.5)
        REC(0, 2, 2, 3, 0.5, 0.5));
    aimc_routing_trace *t = aimc_routing_trace_load(path, &m, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    ck_assert_uint_eq(aimc_routing_trace_tokens(t), 1);
    ck_assert_ptr_null(aimc_routing_trace_experts(t, 0, 0));
    ck_assert_uint_eq(aimc_routing_trace_experts(t, 0, 2)[1], 3);
    aimc_routing_trace_destroy(t);
}
END_TEST

static void expect_error(const char *name, const char *text, const char *expected_suffix)
{
    aimc_error err;
    ck_assert_ptr_null(load_text(name, text, &err));
    size_t n = strlen(err.msg), k = strlen(expected_suffix);
    ck_assert_msg(n >= k && strcmp(err.msg + n - k, expected_suffix) == 0 && strstr(err.msg, name), "got: %s",
                  err.msg);
}

START_TEST(bad_traces_are_refused_with_file_and_line)
{
    expect_error("cut-token.jsonl", HEADER REC(0, 0, 1, 0, 0.5, 0.5) REC(0, 1, 2, 3, 0.5, 0.5) REC(1, 0, 1, 2, 0.5, 0.5),
                 "cut-token.jsonl:4: truncated: token 1 stops after layer 0 of 2 layers");
    expect_error("cut-line.jsonl", HEADER "{\"token\": 0, \"layer\": 0, \"experts\": [1, 0], \"gates\": [0.5, 0.5]}",
                 "cut-line.jsonl:2: truncated: the last line has no end of line");
    expect_error("cut-json.jsonl", HEADER "{\"token\": 0, \"layer\": 0, \"expe\n",
                 "cut-json.jsonl:2:31: malformed JSON: unexpected end of line");
    expect_error("id.jsonl", HEADER REC(0, 0, 1, 4, 0.5, 0.5), "id.jsonl:2: experts: expected expert ids in [0, 4), found 4");
    expect_error("dup.jsonl", HEADER REC(0, 0, 1, 1, 0.5, 0.5), "dup.jsonl:2: experts: expected distinct expert ids, found 1 twice");
    expect_error("gate.jsonl", HEADER REC(0, 0, 1, 2, -0.5, 0.5), "gate.jsonl:2: gates: expected finite numbers >= 0, found -0.5");
    expect_error("k.jsonl", HEADER "{\"token\": 0, \"layer\": 0, \"experts\": [1], \"gates\": [1]}\n",
                 "k.jsonl:2: experts: expected a list of top_k = 2 expert ids");
    expect_error("order.jsonl", HEADER REC(0, 1, 1, 2, 0.5, 0.5),
                 "order.jsonl:2: layer: expected 0 (each token's MoE layers in increasing order), found 1");
    expect_error("skip.jsonl", HEADER REC(0, 0, 1, 0, 0.5, 0.5) REC(0, 1, 2, 3, 0.5, 0.5) REC(2, 0, 1, 2, 0.5, 0.5),
                 "skip.jsonl:4: token: expected 1 (records go token by token from 0), found 2");
    expect_error("hdr.jsonl", "{\"format\": \"aimc3d-routing-trace/1\", \"layers\": 2, \"experts\": 8, \"top_k\": 2}\n",
                 "hdr.jsonl:1: experts: expected 4 (the model tiny-moe has that), found 8");
    expect_error("fmt.jsonl", "{\"format\": \"csv\"}\n", "fmt.jsonl:1: format: expected \"aimc3d-routing-trace/1\", found \"csv\"");
    expect_error("empty.jsonl", "", "empty.jsonl:1: expected the header line {\"format\": \"aimc3d-routing-trace/1\", ...}, the file is empty");
}
END_TEST

START_TEST(append_checks_order_and_values)
{
    aimc_moe_model m = tiny();
    aimc_error err;
    aimc_routing_trace *t = aimc_routing_trace_create(&m, &err);
    uint32_t e[2] = {0, 1};
    double g[2] = {0.5, 0.5};
    ck_assert_int_eq(aimc_routing_trace_append(t, 0, 1, e, g, &err), -1);
    ck_assert_str_eq(err.msg, "routing trace: layer: expected 0 (each token's MoE layers in increasing order), found 1");
    ck_assert_int_eq(aimc_routing_trace_append(t, 0, 0, e, g, &err), 0);
    ck_assert_uint_eq(aimc_routing_trace_tokens(t), 0); /* token 0 is not complete yet */
    ck_assert_int_eq(aimc_routing_trace_append(t, 0, 1, e, g, &err), 0);
    ck_assert_uint_eq(aimc_routing_trace_tokens(t), 1);
    aimc_routing_trace_destroy(t);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("routing_trace");
    TCase *tc = tcase_create("routing_trace");
    tcase_add_test(tc, reads_records_and_statistics);
    tcase_add_test(tc, write_and_read_back);
    tcase_add_test(tc, dense_layers_have_no_records);
    tcase_add_test(tc, bad_traces_are_refused_with_file_and_line);
    tcase_add_test(tc, append_checks_order_and_values);
    suite_add_tcase(s, tc);
    return s;
}
