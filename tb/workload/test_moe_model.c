#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "testutil.h"
#include "workload/moe_model.h"
#include "workload/model_load.h"

typedef struct {
    const char *preset;
    uint64_t total[AIMC_MODULE_COUNT]; /* embedding, attention, router, routed, shared, dense FFN, LM head */
    uint64_t active_routed;
} expected_counts;

/* Every number below is the arithmetic from the model's dimensions, written out by hand:
 * attention = layers x (d*q + 2*d*kv + q*d); an FFN = matrices (3 gated, 2 not) x d x hidden. */
static const expected_counts presets[] = {
    {"olmoe-1b-7b",
     {50304ULL * 2048, 16ULL * 4 * 2048 * 2048, 16ULL * 2048 * 64, 16ULL * 64 * 3 * 2048 * 1024, 0, 0,
      50304ULL * 2048},
     16ULL * 8 * 3 * 2048 * 1024},
    {"deepseek-moe-16b",
     {102400ULL * 2048, 28ULL * 4 * 2048 * 2048, 27ULL * 2048 * 64, 27ULL * 64 * 3 * 2048 * 1408,
      27ULL * 3 * 2048 * 2816, 1ULL * 3 * 2048 * 10944, 102400ULL * 2048},
     27ULL * 6 * 3 * 2048 * 1408},
    {"mixtral-8x7b",
     {32000ULL * 4096, 32ULL * (2 * 4096 * 4096 + 2 * 4096 * 1024), 32ULL * 4096 * 8, 32ULL * 8 * 3 * 4096 * 14336,
      0, 0, 32000ULL * 4096},
     32ULL * 2 * 3 * 4096 * 14336},
    {"qwen1.5-moe-a2.7b",
     {151936ULL * 2048, 24ULL * 4 * 2048 * 2048, 24ULL * (2048 * 60 + 2048), 24ULL * 60 * 3 * 2048 * 1408,
      24ULL * 3 * 2048 * 5632, 0, 151936ULL * 2048},
     24ULL * 4 * 3 * 2048 * 1408},
    {"qwen3-30b-a3b",
     {151936ULL * 2048, 48ULL * (2048 * 4096 + 2 * 2048 * 512 + 4096 * 2048), 48ULL * 2048 * 128,
      48ULL * 128 * 3 * 2048 * 768, 0, 0, 151936ULL * 2048},
     48ULL * 8 * 3 * 2048 * 768},
    {"paper-moe-1024x128x48",
     {50257ULL * 1024, 48ULL * 4 * 1024 * 1024, 48ULL * 1024 * 128, 48ULL * 128 * 2 * 1024 * 4096, 0, 0,
      50257ULL * 1024},
     48ULL * 1 * 2 * 1024 * 4096},
    {"gpt2-300m", {50257ULL * 1024, 24ULL * 4 * 1024 * 1024, 0, 0, 0, 24ULL * 2 * 1024 * 4096, 50257ULL * 1024}, 0},
    {"gpt2-700m", {50257ULL * 1280, 36ULL * 4 * 1280 * 1280, 0, 0, 0, 36ULL * 2 * 1280 * 5120, 50257ULL * 1280}, 0},
    {"gpt2-1b", {50257ULL * 1536, 36ULL * 4 * 1536 * 1536, 0, 0, 0, 36ULL * 2 * 1536 * 6144, 50257ULL * 1536}, 0},
    {"tiny-moe", {256ULL * 64, 2ULL * 4 * 64 * 64, 2ULL * 64 * 4, 2ULL * 4 * 3 * 64 * 128, 0, 0, 256ULL * 64},
     2ULL * 2 * 3 * 64 * 128},
    {"small-moe", {512ULL * 256, 4ULL * 4 * 256 * 256, 4ULL * 256 * 8, 4ULL * 8 * 2 * 256 * 512, 0, 0, 512ULL * 256},
     4ULL * 2 * 2 * 256 * 512},
};

static void check_counts(const aimc_moe_model *m, const expected_counts *e)
{
    aimc_param_counts c;
    aimc_moe_model_params(m, &c);
    uint64_t total = 0, active = 0;
    for (int i = 0; i < AIMC_MODULE_COUNT; i++) {
        ck_assert_msg(c.total[i] == e->total[i], "%s %s: %llu != %llu", e->preset, aimc_module_name((aimc_module)i),
                      (unsigned long long)c.total[i], (unsigned long long)e->total[i]);
        total += e->total[i];
        active += i == AIMC_MODULE_EXPERT ? e->active_routed : e->total[i];
    }
    ck_assert_uint_eq(c.active[AIMC_MODULE_EXPERT], e->active_routed);
    ck_assert_uint_eq(c.total_all, total);
    ck_assert_uint_eq(c.active_all, active);
}

START_TEST(preset_parameter_counts_match_hand_arithmetic)
{
    const expected_counts *e = &presets[_i];
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(e->preset, &m, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(m.name, e->preset);
    check_counts(&m, e);
}
END_TEST

START_TEST(published_totals_are_reproduced)
{
    /* Published sizes (model cards): OLMoE 6.9B total / 1.3B active, DeepSeekMoE 16.4B / 2.8B, Mixtral 46.7B /
     * 12.9B, Qwen1.5-MoE 14.3B / 2.7B, Qwen3 30.5B / 3.3B; ours leave out norms and biases. */
    static const struct {
        const char *preset;
        double total_B, active_B;
    } cards[] = {{"olmoe-1b-7b", 6.92, 1.28},       {"deepseek-moe-16b", 16.38, 2.83},
                 {"mixtral-8x7b", 46.70, 12.88},    {"qwen1.5-moe-a2.7b", 14.32, 2.69},
                 {"qwen3-30b-a3b", 30.53, 3.35}};
    for (size_t i = 0; i < sizeof cards / sizeof cards[0]; i++) {
        aimc_moe_model m;
        aimc_error err;
        ck_assert_msg(aimc_moe_model_load(cards[i].preset, &m, &err) == 0, "%s", err.msg);
        aimc_param_counts c;
        aimc_moe_model_params(&m, &c);
        ck_assert_double_eq_tol((double)c.total_all / 1e9, cards[i].total_B, 0.01);
        ck_assert_double_eq_tol((double)c.active_all / 1e9, cards[i].active_B, 0.01);
    }
}
END_TEST

static void assert_same_shape(const aimc_moe_model *a, const aimc_moe_model *b)
{
    ck_assert_uint_eq(a->family, b->family);
    ck_assert_uint_eq(a->layers, b->layers);
    ck_assert_uint_eq(a->d_model, b->d_model);
    ck_assert_uint_eq(a->heads, b->heads);
    ck_assert_uint_eq(a->kv_heads, b->kv_heads);
    ck_assert_uint_eq(a->head_dim, b->head_dim);
    ck_assert_uint_eq(a->vocab, b->vocab);
    ck_assert_uint_eq(a->experts, b->experts);
    ck_assert_uint_eq(a->top_k, b->top_k);
    ck_assert_uint_eq(a->expert_hidden, b->expert_hidden);
    ck_assert_uint_eq(a->shared_experts, b->shared_experts);
    ck_assert_uint_eq(a->shared_hidden, b->shared_hidden);
    ck_assert_uint_eq(a->shared_gate, b->shared_gate);
    ck_assert_uint_eq(a->dense_layers, b->dense_layers);
    ck_assert_uint_eq(a->dense_hidden, b->dense_hidden);
    ck_assert_uint_eq(a->gated, b->gated);
    ck_assert_uint_eq(a->tied_embeddings, b->tied_embeddings);
    ck_assert_uint_eq(a->activation, b->activation);
}

/* Abridged copies of the public config.json files (the fields that matter, with their real values). */
static const struct {
    const char *preset, *config;
} hf_configs[] = {
    {"olmoe-1b-7b",
     "{\"architectures\": [\"OlmoeForCausalLM\"], \"model_type\": \"olmoe\", \"hidden_act\": \"silu\","
     " \"hidden_size\": 2048, \"intermediate_size\": 1024, \"num_attention_heads\": 16, \"num_experts\": 64,"
     " \"num_experts_per_tok\": 8, \"num_hidden_layers\": 16, \"num_key_value_heads\": 16,"
     " \"tie_word_embeddings\": false, \"vocab_size\": 50304, \"clip_qkv\": null, \"rope_theta\": 10000.0}"},
    {"deepseek-moe-16b",
     "{\"architectures\": [\"DeepseekForCausalLM\"], \"model_type\": \"deepseek\", \"first_k_dense_replace\": 1,"
     " \"hidden_act\": \"silu\", \"hidden_size\": 2048, \"intermediate_size\": 10944, \"moe_intermediate_size\": 1408,"
     " \"moe_layer_freq\": 1, \"n_routed_experts\": 64, \"n_shared_experts\": 2, \"num_attention_heads\": 16,"
     " \"num_experts_per_tok\": 6, \"num_hidden_layers\": 28, \"num_key_value_heads\": 16,"
     " \"tie_word_embeddings\": false, \"vocab_size\": 102400}"},
    {"mixtral-8x7b",
     "{\"architectures\": [\"MixtralForCausalLM\"], \"model_type\": \"mixtral\", \"hidden_act\": \"silu\","
     " \"hidden_size\": 4096, \"intermediate_size\": 14336, \"num_attention_heads\": 32, \"num_experts_per_tok\": 2,"
     " \"num_hidden_layers\": 32, \"num_key_value_heads\": 8, \"num_local_experts\": 8, \"head_dim\": null,"
     " \"tie_word_embeddings\": false, \"vocab_size\": 32000}"},
    {"qwen1.5-moe-a2.7b",
     "{\"architectures\": [\"Qwen2MoeForCausalLM\"], \"model_type\": \"qwen2_moe\", \"decoder_sparse_step\": 1,"
     " \"hidden_act\": \"silu\", \"hidden_size\": 2048, \"intermediate_size\": 5632, \"moe_intermediate_size\": 1408,"
     " \"num_attention_heads\": 16, \"num_experts\": 60, \"num_experts_per_tok\": 4, \"num_hidden_layers\": 24,"
     " \"num_key_value_heads\": 16, \"shared_expert_intermediate_size\": 5632, \"tie_word_embeddings\": false,"
     " \"vocab_size\": 151936}"},
    {"qwen3-30b-a3b",
     "{\"architectures\": [\"Qwen3MoeForCausalLM\"], \"model_type\": \"qwen3_moe\", \"decoder_sparse_step\": 1,"
     " \"head_dim\": 128, \"hidden_act\": \"silu\", \"hidden_size\": 2048, \"intermediate_size\": 6144,"
     " \"mlp_only_layers\": [], \"moe_intermediate_size\": 768, \"num_attention_heads\": 32, \"num_experts\": 128,"
     " \"num_experts_per_tok\": 8, \"num_hidden_layers\": 48, \"num_key_value_heads\": 4,"
     " \"tie_word_embeddings\": false, \"vocab_size\": 151936}"},
};

START_TEST(hf_config_import_matches_the_preset)
{
    char name[64];
    snprintf(name, sizeof name, "config-%d.json", _i);
    const char *path = tu_write_text(name, hf_configs[_i].config);
    aimc_moe_model imported, preset;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(path, &imported, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_moe_model_load(hf_configs[_i].preset, &preset, &err) == 0, "%s", err.msg);
    assert_same_shape(&imported, &preset);
}
END_TEST

START_TEST(hf_family_detected_by_architectures)
{
    const char *path = tu_write_text("arch.json",
        "{\"architectures\": [\"MixtralForCausalLM\"], \"model_type\": \"custom\", \"hidden_act\": \"silu\","
        " \"hidden_size\": 128, \"intermediate_size\": 256, \"num_attention_heads\": 4, \"num_experts_per_tok\": 2,"
        " \"num_hidden_layers\": 2, \"num_local_experts\": 4, \"vocab_size\": 100, \"_name_or_path\": \"me/mini\"}");
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(path, &m, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(m.family, AIMC_FAMILY_MIXTRAL);
    ck_assert_str_eq(m.name, "mini");
    ck_assert_uint_eq(m.kv_heads, 4);
    ck_assert_uint_eq(m.head_dim, 32);
}
END_TEST

static void expect_error(const char *name, const char *text, const char *expected)
{
    const char *path = tu_write_text(name, text);
    aimc_moe_model m;
    aimc_error err;
    ck_assert_int_eq(aimc_moe_model_load(path, &m, &err), -1);
    char want[768];
    snprintf(want, sizeof want, "%s: %s", path, expected);
    ck_assert_msg(strcmp(err.msg, want) == 0, "got:  %s\nwant: %s", err.msg, want);
}

#define PROJECT_HEAD "{\"format\": \"aimc3d-model/1\", \"name\": \"t\", \"gated\": true, \"activation\": \"silu\", "

START_TEST(inconsistent_models_are_refused_naming_the_field)
{
    expect_error("topk.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 2, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 5, \"expert_hidden\": 8}",
                 "top_k: expected an integer in [1, experts = 4], found 5");
    expect_error("heads.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 3, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 1, \"expert_hidden\": 8}",
                 "heads: expected a divisor of d_model (64) when head_dim is not given, found 3");
    expect_error("kv.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 4, \"kv_heads\": 3,"
                 " \"vocab\": 10, \"experts\": 4, \"top_k\": 1, \"expert_hidden\": 8}",
                 "kv_heads: expected a divisor of heads (4), found 3");
    expect_error("dense.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 4, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 1, \"expert_hidden\": 8, \"dense_layers\": 2, \"dense_hidden\": 8}",
                 "dense_layers: expected fewer than layers (2) so that some layer is MoE, found 2");
    expect_error("shared.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 4, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 1, \"expert_hidden\": 8, \"shared_gate\": true}",
                 "shared_gate: expected false when the model has no shared experts");
    expect_error("missing.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 4, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 1}",
                 "expert_hidden: expected an integer in [1, 1048576] (field is missing)");
    expect_error("typo.json", PROJECT_HEAD "\"layers\": 2, \"d_model\": 64, \"heads\": 4, \"vocab\": 10,"
                 " \"experts\": 4, \"top_k\": 1, \"expert_hiden\": 8}",
                 "expert_hiden: expected no such field in aimc3d-model/1 (see docs/file-formats-models.md)");
    expect_error("act.json", "{\"format\": \"aimc3d-model/1\", \"name\": \"t\", \"gated\": true, \"activation\":"
                 " \"tanh\", \"layers\": 2, \"d_model\": 64, \"heads\": 4, \"vocab\": 10, \"experts\": 0}",
                 "activation: expected one of silu, gelu, relu, found \"tanh\"");
    expect_error("format.json", "{\"format\": \"aimc3d-model/2\"}", "format: expected \"aimc3d-model/1\", found \"aimc3d-model/2\"");
}
END_TEST

START_TEST(hf_configs_outside_the_supported_patterns_are_refused)
{
    expect_error("freq.json",
                 "{\"model_type\": \"deepseek\", \"hidden_act\": \"silu\", \"hidden_size\": 64, \"num_attention_heads\": 4,"
                 " \"num_hidden_layers\": 4, \"vocab_size\": 10, \"n_routed_experts\": 4, \"num_experts_per_tok\": 2,"
                 " \"moe_intermediate_size\": 8, \"moe_layer_freq\": 2}",
                 "moe_layer_freq: expected 1 (aimc3d models MoE in every layer after the dense ones), found 2");
    expect_error("unknown.json", "{\"model_type\": \"llama\", \"architectures\": [\"LlamaForCausalLM\"]}",
                 "model_type: expected one of olmoe, deepseek, mixtral, qwen2_moe, qwen3_moe, found \"llama\"");
    expect_error("k.json",
                 "{\"model_type\": \"olmoe\", \"hidden_act\": \"silu\", \"hidden_size\": 64, \"num_attention_heads\": 4,"
                 " \"num_hidden_layers\": 4, \"vocab_size\": 10, \"num_experts\": 4, \"num_experts_per_tok\": 6,"
                 " \"intermediate_size\": 8}",
                 "num_experts_per_tok: expected at most num_experts (4), found 6");
    expect_error("only.json",
                 "{\"model_type\": \"qwen3_moe\", \"hidden_act\": \"silu\", \"hidden_size\": 64, \"num_attention_heads\": 4,"
                 " \"num_hidden_layers\": 4, \"vocab_size\": 10, \"num_experts\": 4, \"num_experts_per_tok\": 2,"
                 " \"moe_intermediate_size\": 8, \"mlp_only_layers\": [2]}",
                 "mlp_only_layers: expected an empty list (dense layers only at the start, via first layers)");
}
END_TEST

START_TEST(malformed_json_names_line_and_column)
{
    const char *path = tu_write_text("bad.json", "{\n  \"format\": \"aimc3d-model/1\",\n  \"layers\": 2,,\n}\n");
    aimc_moe_model m;
    aimc_error err;
    ck_assert_int_eq(aimc_moe_model_load(path, &m, &err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s:3:", path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "got: %s", err.msg);
}
END_TEST

START_TEST(parametric_families)
{
    aimc_moe_model spec, preset;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load("paper-moe:d_model=1024,experts=128,layers=48", &spec, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_moe_model_load("paper-moe-1024x128x48", &preset, &err) == 0, "%s", err.msg);
    assert_same_shape(&spec, &preset);
    ck_assert_str_eq(spec.name, "paper-moe-d1024-e128-l48-k1");
    ck_assert_uint_eq(spec.expert_hidden, 4 * 1024);

    ck_assert_msg(aimc_moe_model_load("gpt2-dense:d_model=1280,layers=36", &spec, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_moe_model_load("gpt2-700m", &preset, &err) == 0, "%s", err.msg);
    assert_same_shape(&spec, &preset);

    ck_assert_msg(aimc_moe_model_load("paper-moe:d_model=512,experts=16,layers=4,top_k=2", &spec, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(spec.top_k, 2);

    ck_assert_int_eq(aimc_moe_model_load("paper-moe:d_model=512,layers=4", &spec, &err), -1);
    ck_assert_str_eq(err.msg, "paper-moe:d_model=512,layers=4: experts: expected a value (field is missing)");
    ck_assert_int_eq(aimc_moe_model_load("paper-moe:d_model=500,experts=4,layers=4", &spec, &err), -1);
    ck_assert_str_eq(err.msg, "paper-moe:d_model=500,experts=4,layers=4: d_model: expected a multiple of 64 "
                              "(64-wide heads), found 500");
    ck_assert_int_eq(aimc_moe_model_load("paper-moe:d_model=512,experts=4,layers=4,top_k=5", &spec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "top_k: expected an integer in [1, experts = 4], found 5"));
    ck_assert_int_eq(aimc_moe_model_load("gpt2-dense:d_model=512,layers=x", &spec, &err), -1);
    ck_assert_str_eq(err.msg, "gpt2-dense:d_model=512,layers=x: layers: expected a whole number in [1, 4096], "
                              "found \"x\"");
    ck_assert_int_eq(aimc_moe_model_load("switch:d_model=512", &spec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown model family"));
}
END_TEST

START_TEST(round_trip_through_the_project_format)
{
    aimc_moe_model m, back;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load("deepseek-moe-16b", &m, &err) == 0, "%s", err.msg);
    json_object *o = aimc_moe_model_to_json(&m);
    ck_assert_msg(aimc_moe_model_from_json(o, "echo", &back, &err) == 0, "%s", err.msg);
    json_object_put(o);
    assert_same_shape(&m, &back);
    ck_assert_str_eq(back.name, "deepseek-moe-16b");
}
END_TEST

START_TEST(missing_preset_names_the_path)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_int_eq(aimc_moe_model_load("no-such-model", &m, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "models/no-such-model.json: cannot open file"));
}
END_TEST

/* issue 16: the largest allowed dimensions wrapped the parameter count mod 2^64 */
START_TEST(parameter_counts_are_exact_or_refused)
{
    aimc_moe_model m = {.layers = 4096, .d_model = 1u << 20, .heads = 4096, .kv_heads = 4096, .head_dim = 256,
                        .vocab = 1u << 24, .experts = 4096, .top_k = 1, .expert_hidden = 1u << 20, .gated = true};
    aimc_param_counts pc;
    aimc_moe_model_params(&m, &pc);
    ck_assert(pc.overflowed);
    aimc_error err;
    ck_assert_int_eq(aimc_moe_model_check(&m, "huge.json", &err), -1);
    ck_assert_msg(strstr(err.msg, "huge.json: the shape") && strstr(err.msg, "more than 2^64 parameters"), "%s", err.msg);
    m.experts = 1; /* 4096 x 3 x 2^40 + attention + embeddings: about 1.4e16, exact in 64 bits */
    aimc_moe_model_params(&m, &pc);
    ck_assert(!pc.overflowed);
    uint64_t d = 1u << 20, expert = 4096ull * 3 * d * d;
    ck_assert(pc.total[AIMC_MODULE_EXPERT] == expert);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("moe_model");
    TCase *tc = tcase_create("moe_model");
    tcase_add_loop_test(tc, preset_parameter_counts_match_hand_arithmetic, 0,
                        (int)(sizeof presets / sizeof presets[0]));
    tcase_add_test(tc, published_totals_are_reproduced);
    tcase_add_test(tc, parameter_counts_are_exact_or_refused);
    tcase_add_loop_test(tc, hf_config_import_matches_the_preset, 0, (int)(sizeof hf_configs / sizeof hf_configs[0]));
    tcase_add_test(tc, hf_family_detected_by_architectures);
    tcase_add_test(tc, inconsistent_models_are_refused_naming_the_field);
    tcase_add_test(tc, hf_configs_outside_the_supported_patterns_are_refused);
    tcase_add_test(tc, malformed_json_names_line_and_column);
    tcase_add_test(tc, parametric_families);
    tcase_add_test(tc, round_trip_through_the_project_format);
    tcase_add_test(tc, missing_preset_names_the_path);
    suite_add_tcase(s, tc);
    return s;
}
