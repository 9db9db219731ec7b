#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_main.h"
#include "testutil.h"
#include "workload/assignment.h"
#include "workload/expert_scores.h"
#include "workload/model_load.h"

static aimc_moe_model load(const char *name)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(name, &m, &err) == 0, "%s", err.msg);
    return m;
}

static aimc_assignment *assign(const aimc_moe_model *m, aimc_setting s, double f, bool global, const double *scores)
{
    aimc_assignment_options o = {s, f, AIMC_CRITERION_MAX_NEURON_NORM, global};
    aimc_error err;
    aimc_assignment *a = aimc_assignment_create(m, &o, scores, &err);
    ck_assert_msg(a != NULL, "%s", err.msg);
    return a;
}

static aimc_placement placement(const aimc_moe_model *m, const aimc_assignment *a, int layer, aimc_module mod,
                                int expert, aimc_role role)
{
    long i = aimc_matrix_index(m, layer, mod, expert, role);
    ck_assert_int_ge(i, 0);
    return aimc_assignment_placement(a, (size_t)i);
}

/* ---- settings ---- */

START_TEST(heterogeneous_defaults_follow_the_paper)
{
    aimc_moe_model m = load("deepseek-moe-16b");
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, false, NULL);
    ck_assert_int_eq(placement(&m, a, -1, AIMC_MODULE_EMBEDDING, -1, AIMC_ROLE_WEIGHT), AIMC_PLACE_LOOKUP);
    ck_assert_int_eq(placement(&m, a, 3, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_K), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, 3, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, 3, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_UP), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, 0, AIMC_MODULE_DENSE_FFN, -1, AIMC_ROLE_DOWN), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, -1, AIMC_MODULE_LM_HEAD, -1, AIMC_ROLE_WEIGHT), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, 3, AIMC_MODULE_EXPERT, 17, AIMC_ROLE_GATE), AIMC_PLACE_ANALOG);
    aimc_assignment_destroy(a);

    a = assign(&m, AIMC_SETTING_ALL_ANALOG, 0, false, NULL);
    for (size_t i = 0; i < aimc_matrix_count(&m); i++)
        ck_assert_int_eq(aimc_assignment_placement(a, i), AIMC_PLACE_ANALOG);
    aimc_assignment_stats st;
    aimc_assignment_stats_of(a, &st);
    ck_assert_double_eq(st.digital_share, 0);
    ck_assert_double_eq(st.digital_share_with_embedding, 0);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(digital_share_with_and_without_embedding)
{
    aimc_moe_model m = load("olmoe-1b-7b");
    /* OLMoE: embedding 50304 x 2048, attention 16 x 4 x 2048^2, router 16 x 2048 x 64, LM head 50304 x 2048,
     * one expert 3 x 2048 x 1024; the total is 6,919,028,736. */
    const double emb = 50304.0 * 2048, attn = 16.0 * 4 * 2048 * 2048, router = 16.0 * 2048 * 64;
    const double head = 50304.0 * 2048, expert = 3.0 * 2048 * 1024, total = 6919028736.0;
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, false, NULL);
    aimc_assignment_stats st;
    aimc_assignment_stats_of(a, &st);
    ck_assert_double_eq_tol(st.digital_share, (attn + router + head) / (total - emb), 1e-12);
    ck_assert_double_eq_tol(st.digital_share_with_embedding, (attn + router + head + emb) / total, 1e-12);
    ck_assert_uint_eq(st.params[AIMC_PLACE_LOOKUP], (uint64_t)emb);
    ck_assert_uint_eq(st.params[AIMC_PLACE_ANALOG], (uint64_t)(16 * 64 * expert));
    ck_assert_uint_eq(st.digital_experts, 0);
    ck_assert_uint_eq(st.routed_experts, 16 * 64);
    aimc_assignment_destroy(a);

    double *scores = calloc(16 * 64, sizeof *scores);
    a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.125, false, scores); /* 8 of 64 per layer */
    aimc_assignment_stats_of(a, &st);
    ck_assert_uint_eq(st.digital_experts, 16 * 8);
    ck_assert_double_eq_tol(st.digital_share, (attn + router + head + 16 * 8 * expert) / (total - emb), 1e-12);
    aimc_assignment_destroy(a);
    /* arXiv 2603.02633's share (no router, over everything with the embedding): its published 5.37 % with the
     * dense modules digital and 28.65 % with 25 % of the experts too */
    a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, false, NULL);
    aimc_assignment_stats_of(a, &st);
    ck_assert_double_eq_tol(st.digital_share_paper, (attn + head) / total, 1e-12);
    ck_assert_double_eq_tol(100 * st.digital_share_paper, 5.37, 0.005);
    aimc_assignment_destroy(a);
    a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.25, false, scores);
    aimc_assignment_stats_of(a, &st);
    ck_assert_double_eq_tol(100 * st.digital_share_paper, 28.65, 0.005);
    aimc_assignment_destroy(a);
    free(scores);
}
END_TEST

START_TEST(per_layer_and_global_rankings)
{
    aimc_moe_model m = load("olmoe-1b-7b");
    double *scores = malloc(16 * 64 * sizeof *scores);
    for (int l = 0; l < 16; l++)
        for (int e = 0; e < 64; e++)
            scores[l * 64 + e] = l * 100 + e;
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.25, false, scores);
    for (int l = 0; l < 16; l++)
        for (int e = 0; e < 64; e++) /* per layer: the 16 highest, experts 48..63 */
            ck_assert_int_eq(aimc_assignment_expert_digital(a, (uint32_t)l, (uint32_t)e), e >= 48);
    ck_assert_int_eq(placement(&m, a, 5, AIMC_MODULE_EXPERT, 50, AIMC_ROLE_DOWN), AIMC_PLACE_DIGITAL);
    ck_assert_int_eq(placement(&m, a, 5, AIMC_MODULE_EXPERT, 47, AIMC_ROLE_DOWN), AIMC_PLACE_ANALOG);
    aimc_assignment_destroy(a);
    a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.25, true, scores);
    for (int l = 0; l < 16; l++) /* globally: 256 of 1024 experts, all of layers 12..15 */
        for (int e = 0; e < 64; e++)
            ck_assert_int_eq(aimc_assignment_expert_digital(a, (uint32_t)l, (uint32_t)e), l >= 12);
    aimc_assignment_destroy(a);
    for (int i = 0; i < 16 * 64; i++) /* ties go to the lower expert */
        scores[i] = 1;
    a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.125, false, scores);
    for (int e = 0; e < 64; e++)
        ck_assert_int_eq(aimc_assignment_expert_digital(a, 7, (uint32_t)e), e < 8);
    aimc_assignment_destroy(a);
    free(scores);
}
END_TEST

START_TEST(bad_options_are_refused)
{
    aimc_moe_model m = load("tiny-moe");
    aimc_error err;
    aimc_assignment_options o = {AIMC_SETTING_HETEROGENEOUS, 1.5, AIMC_CRITERION_RANDOM, false};
    ck_assert_ptr_null(aimc_assignment_create(&m, &o, NULL, &err));
    ck_assert_str_eq(err.msg, "assignment: digital expert fraction: expected a number in [0, 1], found 1.5");
    o.digital_expert_fraction = 0.5;
    ck_assert_ptr_null(aimc_assignment_create(&m, &o, NULL, &err));
    ck_assert_str_eq(err.msg, "assignment: digital expert fraction 0.5 needs expert scores");
    double scores[8] = {1, 2, 3, 4, 1, NAN, 3, 4};
    ck_assert_ptr_null(aimc_assignment_create(&m, &o, scores, &err));
    ck_assert_str_eq(err.msg, "assignment: score of layer 1 expert 1 is not finite (nan)");
}
END_TEST

/* ---- scores from generated checkpoints ---- */

/* tiny-moe's expert weights with chosen maximum neuron norms: the largest row of each matrix holds 3u and
 * 4u (norm 5u, exact in F32, F16 and BF16); other rows are small.  Expected scores: 125 x u_gate x u_up x
 * u_down.  Layer 0 ranks 1 > 0 > 3 > 2, layer 1 ranks 1 > 3 > 2 > 0; no single matrix gives that order. */
static const float unit[2][4][3] = {
    {{2, 1, 3}, {1, 8, 1}, {4, 0.5f, 1}, {0.5f, 2, 4}},
    {{1, 1, 0.25f}, {1, 1, 16}, {1, 1, 2}, {1, 1, 4}},
};
static const float router_unit[2][4] = {{1, 4, 2, 0.5f}, {8, 0.25f, 1, 2}};

static void fill_matrix(float *w, uint64_t rows, uint64_t cols, uint32_t big_row, float u)
{
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++)
            w[r * cols + c] = c == r % cols ? 0.0078125f * (float)(r % 5 + 1) : 0;
    memset(w + big_row * cols, 0, cols * sizeof *w);
    w[big_row * cols + 0] = -3 * u;
    w[big_row * cols + 1] = 4 * u;
}

/* Writes the expert and router tensors of the layers in [from, to) of model m (tiny-moe shapes). */
static const char *write_checkpoint(const aimc_moe_model *m, const char *file, aimc_st_dtype dtype, int from, int to)
{
    enum { MAXT = 2 * (1 + 4 * 3) };
    aimc_st_spec specs[MAXT];
    char names[MAXT][160];
    float *data[MAXT];
    size_t n = 0;
    for (int l = from; l < to; l++) {
        aimc_matrix x;
        aimc_matrix_at(m, (size_t)aimc_matrix_index(m, l, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), &x);
        for (int e = -1; e < 4; e++) {
            for (int r = 0; r < (e < 0 ? 1 : 3); r++, n++) {
                if (e >= 0)
                    aimc_matrix_at(m, (size_t)aimc_matrix_expert_first(m, l, e) + (size_t)r, &x);
                aimc_weight_name(m, &x, names[n], sizeof names[n]);
                specs[n] = (aimc_st_spec){names[n], dtype, 2, {x.out_dim, x.in_dim}};
                data[n] = malloc((size_t)x.out_dim * x.in_dim * sizeof(float));
                if (e < 0) { /* router: row e has norm 5 x router_unit */
                    for (uint32_t k = 0; k < 4; k++)
                        fill_matrix(data[n] + (size_t)k * x.in_dim, 1, x.in_dim, 0, router_unit[l][k]);
                } else {
                    fill_matrix(data[n], x.out_dim, x.in_dim, (uint32_t)(3 * e + l + r) % x.out_dim, unit[l][e][r]);
                }
            }
        }
    }
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tu_tempdir(), file);
    aimc_error err;
    aimc_st_writer *w = aimc_st_writer_open(path, specs, n, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(aimc_st_writer_put_f32(w, data[i], specs[i].shape[0] * specs[i].shape[1], &err), 0);
        free(data[i]);
    }
    ck_assert_msg(aimc_st_writer_close(w, &err) == 0, "%s", err.msg);
    static char out[4][600];
    static int next;
    char *slot = out[next++ % 4];
    snprintf(slot, 600, "%s", path);
    return slot;
}

static void scores_from(const aimc_moe_model *m, const char *path, aimc_criterion c, double *scores)
{
    aimc_error err;
    aimc_weights *w = aimc_weights_open(path, &err);
    ck_assert_msg(w != NULL, "%s", err.msg);
    aimc_score_inputs in = {w, NULL, 0};
    ck_assert_msg(aimc_expert_scores(m, c, &in, scores, &err) == 0, "%s", err.msg);
    aimc_weights_close(w);
}

START_TEST(max_neuron_norm_ranking_is_the_expected_one_in_every_dtype)
{
    aimc_moe_model m = load("tiny-moe");
    const aimc_st_dtype dtypes[3] = {AIMC_ST_F32, AIMC_ST_F16, AIMC_ST_BF16};
    const char *files[3] = {"w-f32.safetensors", "w-f16.safetensors", "w-bf16.safetensors"};
    for (int d = 0; d < 3; d++) {
        double scores[8];
        scores_from(&m, write_checkpoint(&m, files[d], dtypes[d], 0, 2), AIMC_CRITERION_MAX_NEURON_NORM, scores);
        for (int l = 0; l < 2; l++)
            for (int e = 0; e < 4; e++) {
                double expect = 125.0 * unit[l][e][0] * unit[l][e][1] * unit[l][e][2];
                ck_assert_msg(fabs(scores[l * 4 + e] - expect) < 1e-9 * expect, "%s layer %d expert %d: %g != %g",
                              files[d], l, e, scores[l * 4 + e], expect);
            }
        /* half of each layer digital: experts {1, 0} of layer 0 and {1, 3} of layer 1 */
        aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0.5, false, scores);
        const int digital[2][4] = {{1, 1, 0, 0}, {0, 1, 0, 1}};
        for (int l = 0; l < 2; l++)
            for (int e = 0; e < 4; e++)
                ck_assert_int_eq(aimc_assignment_expert_digital(a, (uint32_t)l, (uint32_t)e), digital[l][e]);
        aimc_assignment_destroy(a);
    }
}
END_TEST

START_TEST(router_norm_scores)
{
    aimc_moe_model m = load("tiny-moe");
    double scores[8];
    scores_from(&m, write_checkpoint(&m, "router.safetensors", AIMC_ST_BF16, 0, 2), AIMC_CRITERION_ROUTER_NORM, scores);
    for (int l = 0; l < 2; l++)
        for (int e = 0; e < 4; e++)
            ck_assert_double_eq_tol(scores[l * 4 + e], 5.0 * router_unit[l][e], 1e-12);
}
END_TEST

START_TEST(a_folder_of_shards_gives_the_same_scores)
{
    aimc_moe_model m = load("tiny-moe");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/shards", tu_tempdir());
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    write_checkpoint(&m, "shards/model-00001-of-00002.safetensors", AIMC_ST_F16, 0, 1);
    write_checkpoint(&m, "shards/model-00002-of-00002.safetensors", AIMC_ST_BF16, 1, 2);
    double sharded[8], single[8];
    scores_from(&m, dir, AIMC_CRITERION_MAX_NEURON_NORM, sharded);
    scores_from(&m, write_checkpoint(&m, "single.safetensors", AIMC_ST_F32, 0, 2), AIMC_CRITERION_MAX_NEURON_NORM, single);
    for (int i = 0; i < 8; i++)
        ck_assert_double_eq_tol(sharded[i], single[i], 1e-12);
    /* the same tensor in two shards is refused */
    write_checkpoint(&m, "shards/model-extra.safetensors", AIMC_ST_F32, 1, 2);
    aimc_error err;
    ck_assert_ptr_null(aimc_weights_open(dir, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "is in two shards"));
}
END_TEST

START_TEST(mixtral_names_are_read)
{
    const char *config = tu_write_text("mixtral-mini.json",
        "{\"model_type\": \"mixtral\", \"hidden_act\": \"silu\", \"hidden_size\": 64, \"intermediate_size\": 128,"
        " \"num_attention_heads\": 2, \"num_experts_per_tok\": 2, \"num_hidden_layers\": 2, \"num_local_experts\": 4,"
        " \"vocab_size\": 256}");
    aimc_moe_model m = load(config);
    aimc_matrix x;
    aimc_matrix_at(&m, (size_t)aimc_matrix_index(&m, 1, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_UP), &x);
    char name[160];
    aimc_weight_name(&m, &x, name, sizeof name);
    ck_assert_str_eq(name, "model.layers.1.block_sparse_moe.experts.2.w3.weight");
    double scores[8];
    scores_from(&m, write_checkpoint(&m, "mixtral.safetensors", AIMC_ST_BF16, 0, 2), AIMC_CRITERION_MAX_NEURON_NORM,
                scores);
    ck_assert_double_eq_tol(scores[1 * 4 + 1], 125.0 * 16, 1e-9);
}
END_TEST

START_TEST(family_tensor_names)
{
    struct {
        const char *preset;
        int layer;
        aimc_module mod;
        int expert;
        aimc_role role;
        const char *name;
    } cases[] = {
        {"deepseek-moe-16b", 4, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_GATE, "model.layers.4.mlp.shared_experts.gate_proj.weight"},
        {"deepseek-moe-16b", 0, AIMC_MODULE_DENSE_FFN, -1, AIMC_ROLE_DOWN, "model.layers.0.mlp.down_proj.weight"},
        {"qwen1.5-moe-a2.7b", 2, AIMC_MODULE_SHARED_EXPERT, -1, AIMC_ROLE_UP, "model.layers.2.mlp.shared_expert.up_proj.weight"},
        {"qwen1.5-moe-a2.7b", 2, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_SHARED_GATE, "model.layers.2.mlp.shared_expert_gate.weight"},
        {"olmoe-1b-7b", 15, AIMC_MODULE_EXPERT, 63, AIMC_ROLE_DOWN, "model.layers.15.mlp.experts.63.down_proj.weight"},
        {"olmoe-1b-7b", 3, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_O, "model.layers.3.self_attn.o_proj.weight"},
        {"mixtral-8x7b", 3, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT, "model.layers.3.block_sparse_moe.gate.weight"},
        {"mixtral-8x7b", -1, AIMC_MODULE_LM_HEAD, -1, AIMC_ROLE_WEIGHT, "lm_head.weight"},
        {"small-moe", 1, AIMC_MODULE_EXPERT, 0, AIMC_ROLE_UP, "model.layers.1.mlp.experts.0.up_proj.weight"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aimc_moe_model m = load(cases[i].preset);
        aimc_matrix x;
        aimc_matrix_at(&m, (size_t)aimc_matrix_index(&m, cases[i].layer, cases[i].mod, cases[i].expert, cases[i].role), &x);
        char name[160];
        aimc_weight_name(&m, &x, name, sizeof name);
        ck_assert_str_eq(name, cases[i].name);
    }
}
END_TEST

START_TEST(missing_or_misshapen_tensors_are_named)
{
    aimc_moe_model m = load("tiny-moe");
    const char *path = write_checkpoint(&m, "layer0.safetensors", AIMC_ST_F32, 0, 1);
    aimc_error err;
    aimc_weights *w = aimc_weights_open(path, &err);
    double scores[8];
    aimc_score_inputs in = {w, NULL, 0};
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_MAX_NEURON_NORM, &in, scores, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "tensor \"model.layers.1.mlp.experts.0.gate_proj.weight\" (layer 1 routed "
                                          "expert 0 gate of model tiny-moe) is missing"));
    aimc_weights_close(w);
    aimc_moe_model wider = m;
    wider.expert_hidden = 256;
    w = aimc_weights_open(path, &err);
    in.weights = w;
    ck_assert_int_eq(aimc_expert_scores(&wider, AIMC_CRITERION_MAX_NEURON_NORM, &in, scores, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "tensor \"model.layers.0.mlp.experts.0.gate_proj.weight\" (layer 0 routed "
                                          "expert 0 gate): expected shape [256, 64], found [128, 64]"));
    aimc_weights_close(w);
    in.weights = NULL;
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_MAX_NEURON_NORM, &in, scores, &err), -1);
    ck_assert_str_eq(err.msg, "criterion max-neuron-norm: expected the model's weights (a safetensors file or folder), "
                              "none given");
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_ACTIVATION_FREQUENCY, &in, scores, &err), -1);
    ck_assert_str_eq(err.msg, "criterion activation-frequency: expected a routing trace, none given");
}
END_TEST

/* ---- scores from a routing trace, and random ones ---- */

START_TEST(trace_criteria)
{
    aimc_moe_model m = load("tiny-moe");
    const char *path = tu_write_text("crit.jsonl",
        "{\"format\": \"aimc3d-routing-trace/1\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n"
        "{\"token\": 0, \"layer\": 0, \"experts\": [3, 0], \"gates\": [0.75, 0.25]}\n"
        "{\"token\": 0, \"layer\": 1, \"experts\": [1, 2], \"gates\": [0.5, 0.5]}\n"
        "{\"token\": 1, \"layer\": 0, \"experts\": [3, 1], \"gates\": [0.5, 0.5]}\n"
        "{\"token\": 1, \"layer\": 1, \"experts\": [2, 0], \"gates\": [1, 0]}\n");
    aimc_error err;
    aimc_routing_trace *t = aimc_routing_trace_load(path, &m, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    aimc_score_inputs in = {NULL, t, 0};
    double s[8];
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_ACTIVATION_FREQUENCY, &in, s, &err), 0);
    const double freq[8] = {0.5, 0.5, 0, 1, 0.5, 0.5, 1, 0};
    for (int i = 0; i < 8; i++)
        ck_assert_double_eq(s[i], freq[i]);
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_MEAN_ROUTING_WEIGHT, &in, s, &err), 0);
    const double mean[8] = {0.25, 0.5, 0, 0.625, 0, 0.5, 0.75, 0};
    for (int i = 0; i < 8; i++)
        ck_assert_double_eq(s[i], mean[i]);
    aimc_moe_model other = load("small-moe"); /* a trace of another model is refused, not read out of bounds */
    double s_other[4 * 8];
    ck_assert_int_eq(aimc_expert_scores(&other, AIMC_CRITERION_ACTIVATION_FREQUENCY, &in, s_other, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "routing trace: it is for 2 layers (0 dense) of 4 experts, top-2; model "
                                          "small-moe has 4 layers"));
    aimc_routing_trace_destroy(t);
}
END_TEST

START_TEST(random_scores_depend_on_the_seed_only)
{
    aimc_moe_model m = load("olmoe-1b-7b");
    double *a = malloc(16 * 64 * sizeof *a), *b = malloc(16 * 64 * sizeof *b);
    aimc_error err;
    unsigned long seed = aimc_test_seed("random scores", 99);
    aimc_score_inputs in = {NULL, NULL, seed};
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_RANDOM, &in, a, &err), 0);
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_RANDOM, &in, b, &err), 0);
    ck_assert_mem_eq(a, b, 16 * 64 * sizeof *a);
    in.seed = seed + 1;
    ck_assert_int_eq(aimc_expert_scores(&m, AIMC_CRITERION_RANDOM, &in, b, &err), 0);
    int differ = 0;
    for (int i = 0; i < 16 * 64; i++) {
        ck_assert(a[i] >= 0 && a[i] < 1);
        differ += a[i] != b[i];
    }
    ck_assert_int_gt(differ, 1000);
    free(a);
    free(b);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("assignment");
    TCase *tc = tcase_create("assignment");
    tcase_add_test(tc, heterogeneous_defaults_follow_the_paper);
    tcase_add_test(tc, digital_share_with_and_without_embedding);
    tcase_add_test(tc, per_layer_and_global_rankings);
    tcase_add_test(tc, bad_options_are_refused);
    tcase_add_test(tc, max_neuron_norm_ranking_is_the_expected_one_in_every_dtype);
    tcase_add_test(tc, router_norm_scores);
    tcase_add_test(tc, a_folder_of_shards_gives_the_same_scores);
    tcase_add_test(tc, mixtral_names_are_read);
    tcase_add_test(tc, family_tensor_names);
    tcase_add_test(tc, missing_or_misshapen_tensors_are_named);
    tcase_add_test(tc, trace_criteria);
    tcase_add_test(tc, random_scores_depend_on_the_seed_only);
    suite_add_tcase(s, tc);
    return s;
}
