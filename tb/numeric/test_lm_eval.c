/* The numeric forward pass on small random checkpoints of every family: an all-digital run equals bit for bit
 * a run with every matrix analog and every non-ideality and quantizer off; a model whose blocks all vanish
 * but the embedding and the head gives the hand-derived losses; noise changes the result, the same seed and
 * draw reproduce it; bad inputs fail with one line naming the tensor or field.  The logits against
 * transformers are test_hf_reference's. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "families.h"
#include "numeric/lm_config.h"
#include "numeric/lm_eval.h"
#include "numeric/token_file.h"
#include "tiny_ckpt.h"
#include "workload/matrices.h"
#include "workload/testutil.h"

enum { WIN = 12, WINDOWS = 3 };

typedef struct {
    char dir[512];
    aimc_moe_model m;
    aimc_lm_config lm;
    aimc_weights *w;
} ckpt;

static void make(ckpt *c, const char *name, const char *config, const tiny_ckpt_options *o)
{
    snprintf(c->dir, sizeof c->dir, "%s/%s", tu_tempdir(), name);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", c->dir);
    ck_assert_int_eq(system(cmd), 0);
    aimc_error err;
    if (tiny_ckpt_write(c->dir, config, o, &err))
        ck_abort_msg("%s", err.msg);
    ck_assert_int_eq(aimc_lm_config_load(c->dir, &c->m, &c->lm, &err), 0);
    char st[600];
    snprintf(st, sizeof st, "%s/model.safetensors", c->dir);
    c->w = aimc_weights_open(st, &err);
    ck_assert_ptr_nonnull(c->w);
}

static void tokens_for(uint32_t *t, size_t n, uint32_t vocab, unsigned long seed)
{
    for (size_t i = 0; i < n; i++)
        t[i] = (uint32_t)((seed * 2654435761u + i * 40503u + (i * i) % 7) % vocab);
}

static aimc_analog_setup ideal(uint32_t rows, uint32_t cols)
{
    aimc_analog_setup a = {.seed = 3};
    aimc_periphery_config_ideal(&a.periphery, rows, cols, AIMC_DAC_BIT_SERIAL, 8, 8, 1);
    a.periphery.g_max_uS = 25;
    a.periphery.t_since_programming_s = 86400;
    a.periphery.adc_full_scale = 12;
    return a;
}

START_TEST(all_digital_equals_ideal_analog)
{
    const int f = _i;
    ckpt c;
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 100 + (uint64_t)f, .scale = 0.4};
    make(&c, tb_family_names[f], tb_family_configs[f], &o);
    uint32_t tok[WIN * WINDOWS];
    tokens_for(tok, WIN * WINDOWS, c.m.vocab, (unsigned long)f);
    const size_t V = c.m.vocab, nl = WINDOWS * (WIN - 1);
    float *ld = malloc(WINDOWS * WIN * V * sizeof *ld), *la = malloc(WINDOWS * WIN * V * sizeof *la);
    double nd[WINDOWS * (WIN - 1)], na[WINDOWS * (WIN - 1)];
    aimc_error err;
    aimc_lm_result rd, ra;
    const size_t LE = (size_t)c.m.layers * c.m.experts;
    double *count = calloc(LE, sizeof *count), *gate = calloc(LE, sizeof *gate);
    aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w, .route_count = count, .route_gate = gate};
    if (aimc_lm_eval(&s, tok, WINDOWS, WIN, nd, ld, &rd, &err))
        ck_abort_msg("%s", err.msg);
    /* the routes: every MoE layer selects top_k experts per token; the gates sum to 1 per token when
     * renormalised, to less otherwise */
    for (uint32_t l = 0; l < c.m.layers; l++) {
        double n = 0, g = 0;
        for (uint32_t e = 0; e < c.m.experts; e++) {
            n += count[l * c.m.experts + e];
            g += gate[l * c.m.experts + e];
        }
        bool moe = aimc_moe_model_layer_is_moe(&c.m, l);
        ck_assert_double_eq(n, moe ? (double)WIN * WINDOWS * c.m.top_k : 0);
        if (c.lm.renormalise_top_k || !moe)
            ck_assert_double_eq_tol(g, moe ? WIN * WINDOWS : 0, 1e-4);
        else
            ck_assert(g < WIN * WINDOWS && g > 0);
    }
    free(count);
    free(gate);
    s.route_count = s.route_gate = NULL;
    /* every matrix analog (the embedding as one-hot MVMs) on 8 x 4 tiers: every matrix cut into blocks */
    aimc_assignment_options ao = {AIMC_SETTING_ALL_ANALOG, 0, AIMC_CRITERION_MAX_NEURON_NORM, false};
    aimc_assignment *as = aimc_assignment_create(&c.m, &ao, NULL, &err);
    ck_assert_ptr_nonnull(as);
    aimc_analog_setup a = ideal(8, 4);
    a.dac_quantization = a.adc_quantization = false;
    s.assignment = as;
    s.analog = &a;
    if (aimc_lm_eval(&s, tok, WINDOWS, WIN, na, la, &ra, &err))
        ck_abort_msg("%s", err.msg);
    ck_assert_double_eq(rd.analog.macs, 0);
    ck_assert_double_eq(ra.digital.macs, 0);
    ck_assert_uint_gt(ra.analog.block_mvms, 0);
    ck_assert_int_eq(memcmp(ld, la, WINDOWS * WIN * V * sizeof *ld), 0);
    ck_assert_int_eq(memcmp(nd, na, nl * sizeof *nd), 0);
    ck_assert(isfinite(rd.perplexity) && rd.perplexity > 1);
    ck_assert_double_eq(rd.perplexity, ra.perplexity);
    /* the same through 12-bit converters: close, not equal */
    aimc_analog_setup q = ideal(8, 4);
    aimc_periphery_config_ideal(&q.periphery, 8, 4, AIMC_DAC_BIT_SERIAL, 12, 12, 1);
    q.periphery.adc_full_scale = 4;
    q.dac_quantization = q.adc_quantization = true;
    double *bounds = malloc(aimc_matrix_count(&c.m) * sizeof *bounds);
    s.assignment = NULL;
    ck_assert_int_eq(aimc_lm_calibrate(&s, tok, WINDOWS, WIN, bounds, &err), 0);
    s.assignment = as;
    s.analog = &q;
    s.input_bounds = bounds;
    aimc_lm_result rq;
    ck_assert_int_eq(aimc_lm_eval(&s, tok, WINDOWS, WIN, NULL, NULL, &rq, &err), 0);
    ck_assert_double_ne(rq.mean_nll, rd.mean_nll);
    ck_assert_double_eq_tol(rq.mean_nll, rd.mean_nll, 0.02 * rd.mean_nll);
    free(bounds);
    aimc_assignment_destroy(as);
    aimc_weights_close(c.w);
    free(ld);
    free(la);
}
END_TEST

/* Attention and FFN outputs vanish (o_proj and every down projection zero): the logits are the head applied
 * to the final norm of the token's embedding.  Embedding row v = 2 e_v, head = identity, gains 1, d = V = 16:
 * mean square 4/16, so the logit of the token itself is a = 2 / sqrt(1/4 + eps) and all others 0; the loss of a
 * target equal to the current token is log(e^a + 15) - a, of any other log(e^a + 15). */
static void zero_fill(const char *name, float *v, size_t len, void *ctx)
{
    (void)ctx;
    if (strstr(name, "o_proj") || strstr(name, "down_proj") || strstr(name, ".w2."))
        memset(v, 0, len * sizeof *v);
    else if (strstr(name, "norm"))
        for (size_t k = 0; k < len; k++)
            v[k] = 1;
    else if (strcmp(name, "model.embed_tokens.weight") == 0 || strcmp(name, "lm_head.weight") == 0)
        for (size_t k = 0; k < len; k++)
            v[k] = k / 16 == k % 16 ? (name[0] == 'm' ? 2.0f : 1.0f) : 0.0f;
}

START_TEST(vanishing_blocks_give_the_hand_derived_loss)
{
    const char *config =
        "{\"model_type\": \"olmoe\", \"hidden_size\": 16, \"intermediate_size\": 8, \"num_hidden_layers\": 2,"
        " \"num_attention_heads\": 4, \"num_key_value_heads\": 4, \"vocab_size\": 16, \"hidden_act\": \"silu\","
        " \"num_experts\": 4, \"num_experts_per_tok\": 2, \"max_position_embeddings\": 32, \"rms_norm_eps\": 1e-05}";
    ckpt c;
    tiny_ckpt_options o = {.dtype = AIMC_ST_BF16, .seed = 5, .scale = 0.5, .fill = zero_fill};
    make(&c, "vanishing", config, &o);
    const uint32_t tok[8] = {3, 3, 7, 0, 0, 15, 2, 2};
    double nll[7];
    aimc_lm_result r;
    aimc_error err;
    aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w};
    ck_assert_int_eq(aimc_lm_eval(&s, tok, 1, 8, nll, NULL, &r, &err), 0);
    const double a = 2 / sqrt(0.25 + 1e-5), other = log(exp(a) + 15);
    for (int i = 0; i < 7; i++)
        ck_assert_double_eq_tol(nll[i], (tok[i + 1] == tok[i] ? other - a : other), 1e-6);
    ck_assert_double_eq_tol(r.mean_nll, (3 * (other - a) + 4 * other) / 7, 1e-6);
    aimc_weights_close(c.w);
}
END_TEST

START_TEST(noise_is_paired_by_seed_and_draw)
{
    ckpt c;
    tiny_ckpt_options o = {.dtype = AIMC_ST_F16, .seed = 9, .scale = 0.4};
    make(&c, "noisy", tb_family_configs[0], &o);
    uint32_t tok[WIN * 2];
    tokens_for(tok, WIN * 2, c.m.vocab, 4);
    aimc_error err;
    aimc_assignment_options ao = {AIMC_SETTING_HETEROGENEOUS, 0, AIMC_CRITERION_MAX_NEURON_NORM, false};
    aimc_assignment *as = aimc_assignment_create(&c.m, &ao, NULL, &err);
    aimc_analog_setup a = ideal(8, 8);
    a.dac_quantization = a.adc_quantization = true;
    a.periphery.noise.programming_noise = a.periphery.noise.drift = true;
    a.periphery.noise.programming_noise_scale = 2.5;
    a.periphery.noise.drift_scale = 1;
    aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w, .assignment = as, .analog = &a};
    double r[3];
    const uint32_t draws[3] = {0, 0, 1};
    for (int k = 0; k < 3; k++) {
        a.draw = draws[k];
        aimc_lm_result res;
        ck_assert_int_eq(aimc_lm_eval(&s, tok, 2, WIN, NULL, NULL, &res, &err), 0);
        ck_assert_double_gt(res.analog.macs, 0);
        ck_assert_double_gt(res.digital.macs, 0); /* attention, router, head digital */
        r[k] = res.mean_nll;
    }
    ck_assert_double_eq(r[0], r[1]);
    ck_assert_double_ne(r[0], r[2]);
    aimc_assignment_destroy(as);
    aimc_weights_close(c.w);
}
END_TEST

/* A cache of programmed matrices changes nothing: with read and ADC noise on, two assignments evaluated with
 * the cache (reused between them) give exactly what they give without it. */
START_TEST(cache_changes_nothing)
{
    ckpt c;
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 12, .scale = 0.4};
    make(&c, "cached", tb_family_configs[2], &o);
    uint32_t tok[WIN * 2];
    tokens_for(tok, WIN * 2, c.m.vocab, 8);
    aimc_error err;
    double *scores = malloc((size_t)c.m.layers * c.m.experts * sizeof *scores);
    for (size_t k = 0; k < (size_t)c.m.layers * c.m.experts; k++)
        scores[k] = (double)((k * 7) % 5);
    aimc_analog_setup a = ideal(8, 8);
    a.dac_quantization = a.adc_quantization = true;
    a.periphery.noise.programming_noise = a.periphery.noise.drift = a.periphery.noise.read_noise = true;
    a.periphery.noise.adc_noise = true;
    a.periphery.noise.adc_noise_sigma = 0.02;
    a.periphery.noise.programming_noise_scale = a.periphery.noise.drift_scale = a.periphery.noise.read_noise_scale = 1;
    aimc_lm_cache *cache = aimc_lm_cache_create(&c.m);
    double plain[2], cached[2][2];
    const double fr[2] = {0, 0.5};
    for (int k = 0; k < 2; k++) {
        aimc_assignment_options ao = {AIMC_SETTING_HETEROGENEOUS, fr[k], AIMC_CRITERION_MAX_NEURON_NORM, false};
        aimc_assignment *as = aimc_assignment_create(&c.m, &ao, scores, &err);
        aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w, .assignment = as, .analog = &a};
        aimc_lm_result r;
        ck_assert_int_eq(aimc_lm_eval(&s, tok, 2, WIN, NULL, NULL, &r, &err), 0);
        plain[k] = r.mean_nll;
        s.cache = cache;
        for (int rep = 0; rep < 2; rep++) {
            ck_assert_int_eq(aimc_lm_eval(&s, tok, 2, WIN, NULL, NULL, &r, &err), 0);
            cached[k][rep] = r.mean_nll;
        }
        aimc_assignment_destroy(as);
    }
    for (int k = 0; k < 2; k++) {
        ck_assert_double_eq(cached[k][0], plain[k]);
        ck_assert_double_eq(cached[k][1], plain[k]);
    }
    ck_assert_double_ne(plain[0], plain[1]);
    aimc_lm_cache_destroy(cache);
    free(scores);
    aimc_weights_close(c.w);
}
END_TEST

/* ---- bad input ---- */

static void expect_eval_error(const char *name, const char *config, const tiny_ckpt_options *o, const char *needle)
{
    ckpt c;
    make(&c, name, config, o);
    uint32_t tok[WIN] = {0};
    aimc_error err;
    aimc_lm_result r;
    aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w};
    ck_assert_int_eq(aimc_lm_eval(&s, tok, 1, WIN, NULL, NULL, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, needle) && !strchr(err.msg, '\n'), "%s: \"%s\" lacks \"%s\"", name, err.msg, needle);
    aimc_weights_close(c.w);
}

START_TEST(missing_tensor)
{
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 1, .scale = 0.1, .omit = "model.layers.1.self_attn.k_norm.weight"};
    expect_eval_error("missing", tb_family_configs[0], &o, "tensor \"model.layers.1.self_attn.k_norm.weight\" is missing");
    o.omit = "model.layers.0.mlp.experts.3.up_proj.weight";
    expect_eval_error("missing2", tb_family_configs[0], &o, "model.layers.0.mlp.experts.3.up_proj.weight\" (layer 0");
}
END_TEST

START_TEST(shape_disagrees_with_config)
{
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 1, .scale = 0.1, .misshape = "model.layers.0.self_attn.q_proj.bias"};
    expect_eval_error("shape", tb_family_configs[2], &o, "\"model.layers.0.self_attn.q_proj.bias\": expected shape [16]");
    o.misshape = "model.layers.1.block_sparse_moe.experts.2.w1.weight";
    expect_eval_error("shape2", tb_family_configs[1], &o, "expected shape [8, 16], found [9, 16]");
}
END_TEST

static void expect_config_error(const char *config, const char *needle)
{
    const char *path = tu_write_text("config.json", config);
    aimc_moe_model m;
    aimc_lm_config lm;
    aimc_error err;
    ck_assert_int_eq(aimc_lm_config_load(path, &m, &lm, &err), -1);
    ck_assert_msg(strstr(err.msg, needle) && strstr(err.msg, "config.json"), "\"%s\" lacks \"%s\"", err.msg, needle);
}

START_TEST(unsupported_features)
{
    char buf[2048];
    const char *mixtral = tb_family_configs[1];
    snprintf(buf, sizeof buf, "%.*s\"sliding_window\": 16, %s", (int)(strstr(mixtral, "\"sliding_window\"") - mixtral),
             mixtral, strstr(mixtral, "\"tie_word"));
    expect_config_error(buf, "sliding_window: expected null or >= max_position_embeddings (64)");
    const char *qwen = tb_family_configs[2];
    snprintf(buf, sizeof buf, "%.*s\"use_sliding_window\": true, %s",
             (int)(strstr(qwen, "\"use_sliding_window\"") - qwen), qwen, strstr(qwen, "\"sliding_window\""));
    expect_config_error(buf, "sliding_window");
    snprintf(buf, sizeof buf, "%.*s, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}}",
             (int)strlen(tb_family_configs[0]) - 1, tb_family_configs[0]);
    expect_config_error(buf, "rope_scaling");
    snprintf(buf, sizeof buf, "%.*s, \"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 5000}}",
             (int)strlen(tb_family_configs[0]) - 1, tb_family_configs[0]);
    expect_config_error(buf, "rope_parameters.rope_type");
    expect_config_error("{\"model_type\": \"llama\", \"hidden_size\": 16}", "model_type");
    const char *ds = tb_family_configs[4];
    snprintf(buf, sizeof buf, "%.*s\"sigmoid\"%s", (int)(strstr(ds, "\"softmax\"") - ds), ds,
             strstr(ds, "\"softmax\"") + 9);
    expect_config_error(buf, "scoring_func");
    snprintf(buf, sizeof buf, "%.*s\"gelu\"%s", (int)(strstr(qwen, "\"silu\"") - qwen), qwen, strstr(qwen, "\"silu\"") + 6);
    expect_config_error(buf, "hidden_act");
}
END_TEST

START_TEST(bad_tokens_and_windows)
{
    ckpt c;
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 1, .scale = 0.1};
    make(&c, "tokens", tb_family_configs[3], &o);
    aimc_error err;
    aimc_lm_result r;
    aimc_lm_setup s = {.model = &c.m, .lm = &c.lm, .weights = c.w};
    uint32_t tok[70] = {0};
    tok[5] = 32; /* vocab 32 */
    ck_assert_int_eq(aimc_lm_eval(&s, tok, 1, WIN, NULL, NULL, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "token 5: id 32 is not below the model's vocab_size 32"));
    tok[5] = 0;
    ck_assert_int_eq(aimc_lm_eval(&s, tok, 1, 65, NULL, NULL, &r, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "max_position_embeddings"));
    ck_assert_int_eq(aimc_lm_eval(&s, tok, 1, 64, NULL, NULL, &r, &err), 0);
    aimc_weights_close(c.w);
}
END_TEST

START_TEST(token_files)
{
    aimc_tokens t;
    aimc_error err;
    const unsigned char raw[12] = {1, 0, 0, 0, 0x10, 0x27, 0, 0, 0xff, 0xff, 0xff, 0xff};
    ck_assert_int_eq(aimc_tokens_load(tu_write("a.bin", raw, 12), &t, &err), 0);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_uint_eq(t.ids[0], 1);
    ck_assert_uint_eq(t.ids[1], 10000);
    ck_assert_uint_eq(t.ids[2], 4294967295u);
    ck_assert_int_eq(aimc_tokens_check_vocab(&t, "a.bin", 10001, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "a.bin: token 2: id 4294967295"));
    aimc_tokens_free(&t);
    ck_assert_int_eq(aimc_tokens_load(tu_write("b.json", "[5, 6, 7]", 9), &t, &err), 0);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_uint_eq(t.ids[2], 7);
    aimc_tokens_free(&t);
    ck_assert_int_eq(aimc_tokens_load(tu_write_text("c.json", "{\"tokenizer\": \"bpe-1k\", \"tokens\": [9]}"), &t, &err), 0);
    ck_assert_str_eq(t.tokenizer, "bpe-1k");
    ck_assert_uint_eq(t.ids[0], 9);
    aimc_tokens_free(&t);
    const struct {
        const char *name, *text;
        size_t len;
        const char *needle;
    } bad[] = {
        {"empty.bin", "", 0, "empty token file"},
        {"trunc.bin", "\1\0\0\0\2", 5, "truncated token file: 5 bytes"},
        {"neg.json", "[1, -2]", 7, "token 1: expected an integer id"},
        {"empty.json", "[]", 2, "no token ids"},
        {"obj.json", "{\"ids\": [1]}", 12, "tokens: expected a list"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *p = tu_write(bad[k].name, bad[k].text, bad[k].len);
        ck_assert_int_eq(aimc_tokens_load(p, &t, &err), -1);
        ck_assert_msg(strstr(err.msg, bad[k].needle) && strstr(err.msg, bad[k].name), "%s", err.msg);
    }
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("lm_eval");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, all_digital_equals_ideal_analog, 0, (int)TB_FAMILIES);
    tcase_add_test(tc, vanishing_blocks_give_the_hand_derived_loss);
    tcase_add_test(tc, noise_is_paired_by_seed_and_draw);
    tcase_add_test(tc, cache_changes_nothing);
    tcase_add_test(tc, missing_tensor);
    tcase_add_test(tc, shape_disagrees_with_config);
    tcase_add_test(tc, unsupported_features);
    tcase_add_test(tc, bad_tokens_and_windows);
    tcase_add_test(tc, token_files);
    suite_add_tcase(s, tc);
    return s;
}
