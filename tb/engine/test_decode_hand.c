/* One token through one MoE layer on a known mapping, derived by hand and checked on both engines.
 *
 * Chip tb/engine/hand_chip.json: 4 tiles x 4 tiers of 64 x 64, switch S = 3, MVM compute K = 5 (so a job
 * accepted in cycle a completes (done_valid) in a + 3 + 5 + 1 when it switches), 10 nJ per MVM, 13.1 pJ per
 * switch; one DPU, one MHA unit; every DPU op 2 ns / 1 pJ per 64 elements (proportional below); attention at
 * (d 64, seq 4) 40 ns / 20 pJ for the sequence, a decode token 1/4 of it; interconnect 1 ns per vector and
 * 0.001 pJ per bit; DRAM 64 GB/s at 1 mW; no passive power.  1 GHz clock: 1 ns = 1 cycle.
 * Model tb/engine/hand_model.json: 1 layer, d_model 64, 1 head, vocab 64, 2 experts of width 64, top-1, ReLU;
 * all analog: every matrix is one block.  Greedy mapping (least-used tile, lowest index; tiers upwards):
 * embedding t0/0, q t1/0, k t2/0, v t3/0, o t0/1, router t1/1, e0.up t2/1, e0.down t3/1, e1.up t0/2,
 * e1.down t1/2, LM head t2/2.  Every job switches tiers (each tile's first job, or a new tier).
 *
 * A group submitted in cycle s with n jobs on distinct tiles: pushes s+1..s+n, job i accepted s+2+i, done
 * s+2+i+9, group_done = s+n+11, the sequencer continues in s+n+12.  Prompt 3 in the KV cache: seq_len 4.
 *    0  embedding group (one-hot MVM)                                  -> continue 12+1 = 13
 *   13  transfer 64 (1)                                                 -> layer start 14
 *   14  LayerNorm (2) -> 16; KV read 2*4*64 = 512 B at 64 B/ns: DRAM 16..24; transfer (1) -> submit 17
 *   17  q, k, v: 3 jobs                                                 -> continue 17+3+12 = 32
 *   32  transfer 192 (1) -> 33; KV write 128 B (2, background); attention on the MHA 33..43 (10)
 *   43  transfer (1) -> submit 44: o                                     -> continue 44+13 = 57
 *   57  transfer (1) -> 58; residual add (2) -> 60; LayerNorm (2) -> 62; transfer (1) -> submit 63: router
 *   63                                                                   -> continue 76
 *   76  transfer 2 (1) -> 77; gating over 2 experts: 0.0625 ns -> 1 cycle -> 78; transfer (1) -> submit 79: up
 *   79                                                                   -> continue 92
 *   92  transfer 64 (1) -> 93; ReLU (2) -> 95; transfer (1) -> submit 96: down
 *   96                                                                   -> continue 109
 *  109  transfer 64 (1) -> 110; one expert, nothing to combine; residual add (2) -> 112
 *  112  LayerNorm (2) -> 114; transfer (1) -> submit 115: LM head       -> continue 128
 *  128  transfer 64 (1) -> 129; sampling: gating over 64 (2) -> 131.   The token ends in cycle 131.
 * Energy (fJ): 9 MVMs x 10,000,000 = 90,000,000 crossbar; 9 switches x 13,100 = 117,900;
 *   DPU: 3 LayerNorm + 2 adds + ReLU + sampling = 7 x 1,000, gating over 2 = 1,000 x 2/64 = 31.25 -> 31;
 *   MHA 20,000 / 4 = 5,000: digital 12,031;
 *   interconnect: 11 vectors of 64, one of 192, one of 2 = 898 elements x 8 bits x 1 fJ = 7,184;
 *   DRAM: 8 + 2 busy cycles x 1 mW x 1 ns = 10 x 1,000 = 10,000; static 0.  Total 90,147,115. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_main.h"
#include "run/run.h"

/* A run of the hand model and chip, all analog, prompt 3, batch 1. */
static aimc_run *hand_run(const char *engine, uint32_t tokens, bool prefill, bool no_kv, bool per_layer,
                          aimc_plan **plan)
{
    aimc_plan_options po;
    aimc_plan_options_defaults(&po);
    po.model = AIMC_TB_DIR "/engine/hand_model.json";
    po.chip = AIMC_TB_DIR "/engine/hand_chip.json";
    po.assign.setting = AIMC_SETTING_ALL_ANALOG;
    aimc_run_options o;
    aimc_run_options_defaults(&o);
    o.engine = engine;
    o.tokens = tokens;
    o.prompt = 3;
    o.prefill = prefill;
    o.no_kv_cache = no_kv;
    o.per_layer = per_layer;
    aimc_error err;
    *plan = aimc_plan_create(&po, &err);
    ck_assert_msg(*plan != NULL, "%s", err.msg);
    aimc_run *run = aimc_run_create(*plan, &o, &err);
    ck_assert_msg(run != NULL, "%s", err.msg);
    ck_assert_msg(aimc_run_decode(run, &err) == 0, "%s", err.msg);
    return run;
}

static void close_run(aimc_run *run, aimc_plan *p)
{
    aimc_error err;
    ck_assert_msg(aimc_run_finish(run, &err) == 0, "%s", err.msg);
    aimc_run_destroy(run);
    aimc_plan_destroy(p);
}

/* The whole decode through the library's run facade (model/run/run.h), on the engine named. */
static void check_one_token(const char *engine)
{
    aimc_plan *p;
    aimc_run *run = hand_run(engine, 1, false, false, true, &p);
    const aimc_ledger *ledger = aimc_run_ledger(run);
    const aimc_stats *c = aimc_run_stats(run);
    ck_assert_uint_eq(aimc_run_figures_get(run)->cycles, 131);
    ck_assert_uint_eq(aimc_ledger_token_start(ledger, 0), 0);
    ck_assert_uint_eq(aimc_ledger_token_end(ledger, 0), 131);
    ck_assert_uint_eq(aimc_stats_value(c, "groups"), 7);
    ck_assert_uint_eq(aimc_stats_value(c, "tier_mvms"), 9);
    ck_assert_uint_eq(aimc_stats_value(c, "tier_switches"), 9);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_CROSSBAR), 90000000);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_TIER_SWITCH), 117900);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_DIGITAL), 12031);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_INTERCONNECT), 7184);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_DRAM), 10000);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_STATIC), 0);
    ck_assert_int_eq(aimc_ledger_chip_total(ledger), 90147115);
    ck_assert_int_eq(aimc_ledger_token_total(ledger, 0), 90147115);
    close_run(run, p);
}

/* Passes on the hand model: per position 6 groups and 8 tier MVMs (embedding, q, k, v, o, router, the routed
 * expert's up and down), per pass one LM-head group and MVM, every MVM 10 nJ of crossbar energy.
 *   prefill, prompt 3, 1 token: the prompt pass 3 x 8 + 1 = 25 MVMs (rows 0, 1: 8 each, row 2: 9), 19 groups;
 *     the token's pass 9 MVMs, 7 groups: 34 MVMs, 26 groups; the prefill's energy is rows 0..2.
 *   no KV cache, prompt 3, 2 tokens: passes of 4 and 5 positions: 8 x 9 + 2 = 74 MVMs, 6 x 9 + 2 = 56 groups;
 *     row 0 33 MVMs, row 1 41; no DRAM traffic and no DRAM idle energy.
 *   prompt 3 in the KV cache, 1 token: the first token's pass ends in cycle 131 (above): time to first token. */
static void check_passes(const char *engine)
{
    aimc_plan *p;
    aimc_run *run = hand_run(engine, 1, true, false, false, &p);
    const aimc_ledger *l = aimc_run_ledger(run);
    const aimc_run_figures *f = aimc_run_figures_get(run);
    ck_assert_uint_eq(aimc_stats_value(aimc_run_stats(run), "tier_mvms"), 34);
    ck_assert_uint_eq(aimc_stats_value(aimc_run_stats(run), "groups"), 26);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 0, AIMC_E_CROSSBAR), 80000000);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 1, AIMC_E_CROSSBAR), 80000000);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 2, AIMC_E_CROSSBAR), 90000000);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 3, AIMC_E_CROSSBAR), 90000000);
    ck_assert_uint_eq(f->prefill_tokens, 3);
    ck_assert_uint_eq(f->decode_tokens, 1);
    aimc_fJ prefill = aimc_ledger_token_total(l, 0) + aimc_ledger_token_total(l, 1) + aimc_ledger_token_total(l, 2);
    ck_assert_msg(fabs(f->prefill_energy_nJ - aimc_fJ_to_nJ(prefill)) < 1e-9, "prefill %.6f nJ", f->prefill_energy_nJ);
    ck_assert_msg(fabs(f->decode_energy_nJ - aimc_fJ_to_nJ(aimc_ledger_token_total(l, 3))) < 1e-9, "decode");
    /* the first token is sampled at the end of the prompt's last row; the prompt's positions start together */
    ck_assert_msg(fabs(f->time_to_first_token_s - aimc_ledger_token_end(l, 2) * 1e-9) < 1e-15, "ttft %g",
                  f->time_to_first_token_s);
    ck_assert_uint_eq(aimc_ledger_token_start(l, 0), 0);
    ck_assert_uint_eq(aimc_ledger_token_start(l, 2), 0);
    ck_assert_uint_ge(aimc_ledger_token_start(l, 3), aimc_ledger_token_end(l, 2));
    close_run(run, p);

    run = hand_run(engine, 2, false, true, false, &p);
    l = aimc_run_ledger(run);
    ck_assert_uint_eq(aimc_stats_value(aimc_run_stats(run), "tier_mvms"), 74);
    ck_assert_uint_eq(aimc_stats_value(aimc_run_stats(run), "groups"), 56);
    ck_assert_uint_eq(aimc_ledger_tokens(l), 2);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 0, AIMC_E_CROSSBAR), 330000000);
    ck_assert_int_eq(aimc_ledger_token_energy(l, 1, AIMC_E_CROSSBAR), 410000000);
    ck_assert_int_eq(aimc_ledger_chip_energy(l, AIMC_E_DRAM), 0);
    ck_assert_uint_eq(aimc_stats_value(aimc_run_stats(run), "dram_busy_cycles"), 0);
    close_run(run, p);

    run = hand_run(engine, 1, false, false, false, &p);
    ck_assert_msg(fabs(aimc_run_figures_get(run)->time_to_first_token_s - 131e-9) < 1e-15, "ttft");
    ck_assert_uint_eq(aimc_run_figures_get(run)->prefill_tokens, 0);
    close_run(run, p);
}

START_TEST(passes_fast_engine) { check_passes("fast"); }
END_TEST

START_TEST(passes_cosim_engine) { check_passes("cosim"); }
END_TEST

START_TEST(one_token_one_layer_fast_engine) { check_one_token("fast"); }
END_TEST

START_TEST(one_token_one_layer_cosim_engine) { check_one_token("cosim"); }
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("decode_hand");
    TCase *tc = tcase_create("decode_hand");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_token_one_layer_fast_engine);
    tcase_add_test(tc, one_token_one_layer_cosim_engine);
    tcase_add_test(tc, passes_fast_engine);
    tcase_add_test(tc, passes_cosim_engine);
    suite_add_tcase(s, tc);
    return s;
}
