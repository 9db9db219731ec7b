/* The GPU side of a run on hand-computed cases: the roofline's model numbers from a model's shape, the sum over
 * the decode steps with the sequencer's KV lengths, and the AIMC / GPU ratios. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_main.h"
#include "report/gpu_comparison.h"
#include "workload/model_load.h"

#define REL(a, b) ck_assert_msg(fabs((a) / (b) - 1) < 1e-12, "%s = %.17g, expected %.17g", #a, (double)(a), (double)(b))

static aimc_moe_model load_model(const char *spec)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(spec, &m, &err) == 0, "%s", err.msg);
    return m;
}

static aimc_gpu_config load_gpu(const char *name)
{
    aimc_gpu_config g;
    aimc_error err;
    ck_assert_msg(aimc_gpu_config_load(name, &g, &err) == 0, "%s", err.msg);
    return g;
}

START_TEST(model_numbers_of_tiny_moe)
{
    /* tiny-moe: 2 layers, d 64, 2 heads of 32 (MHA), 4 SwiGLU experts of width 128, top-2, vocab 256, untied.
     * attention 2 x 4 x 64 x 64 = 32768; routers 2 x 64 x 4 = 512; LM head 256 x 64 = 16384;
     * one expert 3 x 64 x 128 = 24576. */
    aimc_moe_model m = load_model("tiny-moe");
    aimc_param_counts pc;
    aimc_gpu_moe_model g;
    aimc_moe_model_params(&m, &pc);
    aimc_gpu_model_from(&m, &pc, &g);
    ck_assert_double_eq(g.dense_params, 32768 + 512 + 16384);
    ck_assert_double_eq(g.expert_params, 24576);
    ck_assert_uint_eq(g.moe_layers, 2);
    ck_assert_uint_eq(g.experts, 4);
    ck_assert_uint_eq(g.top_k, 2);
    ck_assert_uint_eq(g.attention_layers, 2);
    ck_assert_uint_eq(g.d_model, 64);
    ck_assert_uint_eq(g.kv_dim, 64);
}
END_TEST

START_TEST(model_numbers_dense_tied_and_gqa)
{
    /* gpt2-dense d 64, 1 layer: attention 4 x 64^2 = 16384, FFN 2 x 64 x 256 = 32768, LM head 50257 x 64 =
     * 3216448; no experts. */
    aimc_moe_model d = load_model("gpt2-dense:d_model=64,layers=1");
    aimc_param_counts pc;
    aimc_gpu_moe_model g;
    aimc_moe_model_params(&d, &pc);
    aimc_gpu_model_from(&d, &pc, &g);
    ck_assert_double_eq(g.dense_params, 16384 + 32768 + 3216448);
    ck_assert_double_eq(g.expert_params, 0);
    ck_assert_uint_eq(g.moe_layers, 0);
    ck_assert_uint_eq(g.experts, 0);
    /* a tied LM head has no parameters of its own but is still read every token */
    d.tied_embeddings = true;
    aimc_moe_model_params(&d, &pc);
    aimc_gpu_model_from(&d, &pc, &g);
    ck_assert_double_eq(g.dense_params, 16384 + 32768 + 3216448);
    /* Mixtral: 8 KV heads of 128 -> kv_dim 1024; one expert 3 x 4096 x 14336 */
    aimc_moe_model x = load_model("mixtral-8x7b");
    aimc_moe_model_params(&x, &pc);
    aimc_gpu_model_from(&x, &pc, &g);
    ck_assert_uint_eq(g.kv_dim, 1024);
    ck_assert_double_eq(g.expert_params, 3.0 * 4096 * 14336);
}
END_TEST

/* tiny-moe, batch 2, 3 tokens after a prompt of 5 (KV lengths 6, 7, 8), 2-byte weights, A100:
 *   U(2) = 4 (1 - (1/2)^2) = 3 experts per MoE layer
 *   bytes(s) = 2 (49664 + 2 x 3 x 24576 + 2 x 64) + 2 x 2 x 2 x s x 64 x 2 = 394496 + 1024 s
 *            = 400640, 401664, 402688: 1204992 bytes in all
 *   FLOPs(6) = 2 x 2 (49664 + 2 x 2 x 24576) + 2 x 2 x 4 x 6 x 64 = 598016: 1.9 ns against 258 ns of bytes,
 *   so every step is weight bound: time = 1204992 B / 1555 GB/s. */
START_TEST(decode_steps_hand_case)
{
    aimc_moe_model m = load_model("tiny-moe");
    aimc_gpu_config a100 = load_gpu("a100");
    aimc_gpu_decode w = {.batch = 2, .tokens = 3, .prompt = 5, .prefill = false, .weight_bytes_per_param = 2};
    aimc_run_figures chip = {.tokens_per_s = 1e6, .tokens_per_s_per_W = 1000, .tokens_per_s_per_mm2 = 10};
    aimc_gpu_comparison c;
    aimc_error err;
    ck_assert_msg(aimc_gpu_comparison_of(&a100, &m, &w, &chip, &c, &err) == 0, "%s", err.msg);
    double seconds = 1204992.0 / 1555e9;
    ck_assert_uint_eq(c.steps, 3);
    ck_assert_uint_eq(c.seq_len_first, 6);
    ck_assert_uint_eq(c.seq_len_last, 8);
    ck_assert_uint_eq(c.compute_bound_steps, 0);
    REL(c.unique_experts, 3.0);
    REL(c.bytes_per_step_first, 400640.0);
    REL(c.flops_per_step_first, 598016.0);
    REL(c.seconds, seconds);
    REL(c.tokens_per_s, 6 / seconds);
    REL(c.energy_per_token_nJ, 400 * seconds / 6 * 1e9);
    REL(c.tokens_per_s_per_W, 6 / seconds / 400);
    REL(c.tokens_per_s_per_mm2, 6 / seconds / 826);
    REL(c.ratio_tokens_per_s, 1e6 / (6 / seconds));
    REL(c.ratio_tokens_per_s_per_W, 1000 / (6 / seconds / 400));
    REL(c.ratio_tokens_per_s_per_mm2, 10 / (6 / seconds / 826));
    /* 1-byte weights halve the weight part: 2 x 197248 -> 197248 */
    w.weight_bytes_per_param = 1;
    ck_assert(aimc_gpu_comparison_of(&a100, &m, &w, &chip, &c, &err) == 0);
    REL(c.seconds, (1204992.0 - 3 * 197248.0) / 1555e9);
}
END_TEST

/* With prefill the prompt is one pass, then one decode step per token at KV lengths 6 .. 8; a long prompt's
 * prefill is FLOP bound; without a KV cache every step is a pass over its prefix; an H100 at a huge batch is
 * FLOP bound. */
START_TEST(prefill_steps_and_compute_bound)
{
    aimc_moe_model m = load_model("tiny-moe");
    aimc_gpu_config h100 = load_gpu("h100");
    aimc_gpu_decode w = {.batch = 1, .tokens = 3, .prompt = 5, .prefill = true, .weight_bytes_per_param = 0};
    aimc_run_figures chip = {.tokens_per_s = 1};
    aimc_gpu_comparison c;
    aimc_error err;
    ck_assert(aimc_gpu_comparison_of(&h100, &m, &w, &chip, &c, &err) == 0);
    ck_assert_uint_eq(c.steps, 4);
    ck_assert_uint_eq(c.seq_len_first, 6);
    ck_assert_uint_eq(c.seq_len_last, 8);
    ck_assert_double_eq(c.weight_bytes_per_param, 2); /* the preset's */
    /* The prefill pass, N = 5 tokens: U(5) = 4 (1 - (1/2)^5) = 3.875; weights 2 (49664 + 2 x 3.875 x 24576 +
     * 5 x 64) = 480896 B, K and V written 2 layers x 2 x 5 x 64 x 2 B = 2560 B: 483456 B.  FLOPs
     * 2 (5 (147968 - 16384) + 16384) + 2 x 4 x 64 x 15 = 1356288: memory bound (1.37 ns < 144 ns).
     * Decode steps: bytes(s) = 296064 + 512 s for s = 6, 7, 8. */
    REL(c.prefill_seconds, 483456.0 / 3350e9);
    ck_assert_int_eq(c.prefill_compute_bound, 0);
    REL(c.prefill_energy_nJ, 700 * 483456.0 / 3350e9 * 1e9);
    REL(c.seconds, (483456.0 + 3 * 296064.0 + 512 * 21.0) / 3350e9);
    REL(c.tokens_per_s, 8 / c.seconds); /* 5 prompt rows + 3 generated, as the chip counts them */
    /* A 100000-token prompt: U = 4; FLOPs 2 (1e5 x 131584 + 16384) + 2 x 4 x 64 x 1e5 x 100001 / 2, bytes
     * 2 (49664 + 196608 + 6.4e6) + 2 x 2 x 1e5 x 64 x 2 = 64492544: FLOP bound. */
    w = (aimc_gpu_decode){.batch = 1, .tokens = 1, .prompt = 100000, .prefill = true};
    ck_assert(aimc_gpu_comparison_of(&h100, &m, &w, &chip, &c, &err) == 0);
    ck_assert_int_eq(c.prefill_compute_bound, 1);
    REL(c.prefill_seconds, (2 * (1e5 * 131584.0 + 16384.0) + 2 * 4 * 64 * 1e5 * 100001.0 / 2) / 989e12);
    /* No KV cache, no prefill, prompt 2, 2 tokens: passes over 3 and 4 positions, nothing written:
     * U(3) = 3.5, U(4) = 3.75: bytes 2 (49664 + 2 U 24576 + n 64). */
    w = (aimc_gpu_decode){.batch = 1, .tokens = 2, .prompt = 2, .no_kv_cache = true};
    ck_assert(aimc_gpu_comparison_of(&h100, &m, &w, &chip, &c, &err) == 0);
    ck_assert_uint_eq(c.steps, 2);
    REL(c.seconds, (2 * (49664 + 2 * 3.5 * 24576 + 3 * 64.0) + 2 * (49664 + 2 * 3.75 * 24576 + 4 * 64.0)) / 3350e9);
    /* batch 100000, one token after an empty prompt (s = 1): U -> 4; per token 2 x 147968 + 2 x 4 x 1 x 64 = 296448
     * FLOPs against 2 x 64 + 2 x 2 x 2 x 64 = 640 bytes (+ the shared weights): FLOP bound on an H100
     * (989e12 / 3350e9 = 295 FLOPs per byte) */
    w = (aimc_gpu_decode){.batch = 100000, .tokens = 1, .prompt = 0, .prefill = false};
    ck_assert(aimc_gpu_comparison_of(&h100, &m, &w, &chip, &c, &err) == 0);
    ck_assert_uint_eq(c.compute_bound_steps, 1);
    double flops = 1e5 * 296448.0;
    REL(c.seconds, flops / 989e12);
}
END_TEST

START_TEST(refuses_empty_work)
{
    aimc_moe_model m = load_model("tiny-moe");
    aimc_gpu_config a100 = load_gpu("a100");
    aimc_run_figures chip = {0};
    aimc_gpu_comparison c;
    aimc_error err;
    aimc_gpu_decode w = {.batch = 0, .tokens = 3};
    ck_assert_int_eq(aimc_gpu_comparison_of(&a100, &m, &w, &chip, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "batch 0"));
    w = (aimc_gpu_decode){.batch = 1, .tokens = 0};
    ck_assert_int_eq(aimc_gpu_comparison_of(&a100, &m, &w, &chip, &c, &err), -1);
    /* no chip figures: ratios are 0, not a division by zero */
    w.tokens = 1;
    ck_assert(aimc_gpu_comparison_of(&a100, &m, &w, &chip, &c, &err) == 0);
    ck_assert_double_eq(c.ratio_tokens_per_s, 0);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("gpu_comparison");
    TCase *tc = tcase_create("hand");
    tcase_add_test(tc, model_numbers_of_tiny_moe);
    tcase_add_test(tc, model_numbers_dense_tied_and_gqa);
    tcase_add_test(tc, decode_steps_hand_case);
    tcase_add_test(tc, prefill_steps_and_compute_bound);
    tcase_add_test(tc, refuses_empty_work);
    suite_add_tcase(s, tc);
    return s;
}
