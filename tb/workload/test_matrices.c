#include <check.h>
#include <string.h>

#include "check_main.h"
#include "workload/matrices.h"
#include "workload/model_load.h"

static aimc_moe_model load(const char *name)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(name, &m, &err) == 0, "%s", err.msg);
    return m;
}

START_TEST(counts_follow_the_layer_layout)
{
    aimc_moe_model m = load("tiny-moe");
    /* embedding + 2 layers x (4 attention + router + 4 experts x 3) + LM head */
    ck_assert_uint_eq(aimc_matrix_count(&m), 1 + 2 * (4 + 1 + 4 * 3) + 1);
    m = load("deepseek-moe-16b");
    /* one dense layer (4 + 3), 27 MoE layers (4 + router + 64 x 3 + shared 3) */
    ck_assert_uint_eq(aimc_matrix_count(&m), 1 + (4 + 3) + 27 * (4 + 1 + 64 * 3 + 3) + 1);
    m = load("qwen1.5-moe-a2.7b");
    ck_assert_uint_eq(aimc_matrix_count(&m), 1 + 24 * (4 + 2 + 60 * 3 + 3) + 1);
    m = load("gpt2-300m");
    ck_assert_uint_eq(aimc_matrix_count(&m), 1 + 24 * (4 + 2) + 1);
}
END_TEST

static const char *const all_presets[] = {
    "olmoe-1b-7b", "deepseek-moe-16b", "mixtral-8x7b", "qwen1.5-moe-a2.7b", "qwen3-30b-a3b",
    "paper-moe-1024x128x48", "gpt2-300m", "tiny-moe", "small-moe",
};

START_TEST(index_and_description_are_inverse_and_cover_every_parameter)
{
    aimc_moe_model m = load(all_presets[_i]);
    size_t n = aimc_matrix_count(&m);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        aimc_matrix x;
        aimc_matrix_at(&m, i, &x);
        long back = aimc_matrix_index(&m, x.layer, x.module, x.expert, x.role);
        ck_assert_msg(back == (long)i, "%s: matrix %zu maps back to %ld", all_presets[_i], i, back);
        sum += aimc_matrix_params(&x);
    }
    aimc_param_counts c;
    aimc_moe_model_params(&m, &c);
    /* A tied LM head is still a matrix to compute, but its parameters are the embedding's. */
    uint64_t tied = m.tied_embeddings ? (uint64_t)m.vocab * m.d_model : 0;
    ck_assert_uint_eq(sum, c.total_all + tied);
}
END_TEST

static aimc_matrix at(const aimc_moe_model *m, int layer, aimc_module mod, int expert, aimc_role role)
{
    long i = aimc_matrix_index(m, layer, mod, expert, role);
    ck_assert_int_ge(i, 0);
    aimc_matrix x;
    aimc_matrix_at(m, (size_t)i, &x);
    return x;
}

START_TEST(dimensions_of_individual_matrices)
{
    aimc_moe_model m = load("qwen3-30b-a3b");
    aimc_matrix x = at(&m, 5, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_Q);
    ck_assert_uint_eq(x.in_dim, 2048);
    ck_assert_uint_eq(x.out_dim, 32 * 128);
    x = at(&m, 5, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_K);
    ck_assert_uint_eq(x.out_dim, 4 * 128);
    x = at(&m, 5, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_O);
    ck_assert_uint_eq(x.in_dim, 4096);
    ck_assert_uint_eq(x.out_dim, 2048);
    x = at(&m, 47, AIMC_MODULE_EXPERT, 127, AIMC_ROLE_DOWN);
    ck_assert_uint_eq(x.in_dim, 768);
    ck_assert_uint_eq(x.out_dim, 2048);
    ck_assert_int_eq(aimc_matrix_index(&m, -1, AIMC_MODULE_LM_HEAD, -1, AIMC_ROLE_WEIGHT),
                     (long)aimc_matrix_count(&m) - 1);

    m = load("deepseek-moe-16b");
    x = at(&m, 0, AIMC_MODULE_DENSE_FFN, -1, AIMC_ROLE_GATE);
    ck_assert_uint_eq(x.out_dim, 10944);
    x = at(&m, 1, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_DOWN);
    ck_assert_uint_eq(x.in_dim, 2816);
    x = at(&m, 1, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT);
    ck_assert_uint_eq(x.out_dim, 64);
    ck_assert_int_eq(aimc_matrix_expert_first(&m, 3, 2), aimc_matrix_index(&m, 3, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_GATE));

    m = load("qwen1.5-moe-a2.7b");
    x = at(&m, 2, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_SHARED_GATE);
    ck_assert_uint_eq(x.in_dim, 2048);
    ck_assert_uint_eq(x.out_dim, 1);

    m = load("small-moe");
    x = at(&m, -1, AIMC_MODULE_EMBEDDING, -1, AIMC_ROLE_WEIGHT);
    ck_assert_uint_eq(x.in_dim, 512);
    ck_assert_uint_eq(x.out_dim, 256);
    ck_assert_int_eq(aimc_matrix_expert_first(&m, 1, 0), aimc_matrix_index(&m, 1, AIMC_MODULE_EXPERT, 0, AIMC_ROLE_UP));
}
END_TEST

START_TEST(absent_matrices_have_no_index)
{
    aimc_moe_model m = load("deepseek-moe-16b");
    ck_assert_int_eq(aimc_matrix_index(&m, 0, AIMC_MODULE_EXPERT, 0, AIMC_ROLE_UP), -1);    /* layer 0 is dense */
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_DENSE_FFN, -1, AIMC_ROLE_UP), -1); /* layer 1 is MoE */
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_EXPERT, 64, AIMC_ROLE_UP), -1);
    ck_assert_int_eq(aimc_matrix_index(&m, 28, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_Q), -1);
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_SHARED_GATE), -1);
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_UP), -1);
    m = load("small-moe");
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_EXPERT, 0, AIMC_ROLE_GATE), -1); /* not gated */
    ck_assert_int_eq(aimc_matrix_index(&m, 1, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_UP), -1);
}
END_TEST

START_TEST(labels)
{
    aimc_moe_model m = load("tiny-moe");
    char buf[96];
    aimc_matrix x = at(&m, 1, AIMC_MODULE_EXPERT, 3, AIMC_ROLE_DOWN);
    aimc_matrix_label(&x, buf, sizeof buf);
    ck_assert_str_eq(buf, "layer 1 routed expert 3 down");
    x = at(&m, 0, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_V);
    aimc_matrix_label(&x, buf, sizeof buf);
    ck_assert_str_eq(buf, "layer 0 attention v");
    x = at(&m, -1, AIMC_MODULE_LM_HEAD, -1, AIMC_ROLE_WEIGHT);
    aimc_matrix_label(&x, buf, sizeof buf);
    ck_assert_str_eq(buf, "lm_head");
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("matrices");
    TCase *tc = tcase_create("matrices");
    tcase_add_test(tc, counts_follow_the_layer_layout);
    tcase_add_loop_test(tc, index_and_description_are_inverse_and_cover_every_parameter, 0,
                        (int)(sizeof all_presets / sizeof all_presets[0]));
    tcase_add_test(tc, dimensions_of_individual_matrices);
    tcase_add_test(tc, absent_matrices_have_no_index);
    tcase_add_test(tc, labels);
    suite_add_tcase(s, tc);
    return s;
}
