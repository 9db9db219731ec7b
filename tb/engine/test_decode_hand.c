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
#include <string.h>

#include "check_main.h"
#include "engine/cosim_backend.h"
#include "engine/decode_sequencer.h"
#include "engine/dispatch_build.h"
#include "engine/fast_backend.h"
#include "workload/mapping.h"
#include "workload/model_load.h"

typedef struct {
    aimc_moe_model model;
    aimc_chip_config chip;
    aimc_assignment *assignment;
    aimc_mapping *mapping;
    aimc_dispatch_table *table;
    aimc_router *router;
} hand_case;

static void open_case(hand_case *h)
{
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(AIMC_TB_DIR "/engine/hand_model.json", &h->model, &err) == 0, "%s", err.msg);
    ck_assert_msg(aimc_chip_config_load(AIMC_TB_DIR "/engine/hand_chip.json", &h->chip, &err) == 0, "%s", err.msg);
    aimc_assignment_options ao = {.setting = AIMC_SETTING_ALL_ANALOG};
    h->assignment = aimc_assignment_create(&h->model, &ao, NULL, &err);
    ck_assert_msg(h->assignment != NULL, "%s", err.msg);
    aimc_mapping_options mo = {AIMC_STRATEGY_GREEDY, NULL};
    h->mapping = aimc_mapping_create(&h->model, h->assignment, &h->chip, &mo, &err);
    ck_assert_msg(h->mapping != NULL, "%s", err.msg);
    h->table = aimc_dispatch_table_from_mapping(h->mapping, &err);
    ck_assert_msg(h->table != NULL, "%s", err.msg);
    aimc_routing_params rp = {.mode = AIMC_ROUTE_UNIFORM, .experts = 2, .top_k = 1, .layers = 1, .seed = 5};
    h->router = aimc_router_create(&rp, &err);
    ck_assert_msg(h->router != NULL, "%s", err.msg);
}

static void close_case(hand_case *h)
{
    aimc_router_destroy(h->router);
    aimc_dispatch_table_destroy(h->table);
    aimc_mapping_destroy(h->mapping);
    aimc_assignment_destroy(h->assignment);
}

static void check_one_token(aimc_mvm_backend *(*make)(hand_case *, aimc_ledger *))
{
    hand_case h;
    open_case(&h);
    aimc_ledger *ledger = aimc_ledger_create(2);
    aimc_mvm_backend *b = make(&h, ledger);
    aimc_decode_options o = {.batch = 1, .tokens = 1, .prompt = 3, .slots = aimc_cosim_backend_slots(), .seed = 1};
    aimc_decode_result r;
    aimc_error err;
    ck_assert_msg(aimc_decode_run(h.mapping, h.table, h.router, b, &o, ledger, &r, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(r.cycles, 131);
    ck_assert_uint_eq(aimc_ledger_token_start(ledger, 0), 0);
    ck_assert_uint_eq(aimc_ledger_token_end(ledger, 0), 131);
    ck_assert_uint_eq(r.groups, 7);
    ck_assert_uint_eq(b->ops->stats(b)->jobs, 9);
    ck_assert_uint_eq(b->ops->stats(b)->tier_switches, 9);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_CROSSBAR), 90000000);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_TIER_SWITCH), 117900);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_DIGITAL), 12031);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_INTERCONNECT), 7184);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_DRAM), 10000);
    ck_assert_int_eq(aimc_ledger_chip_energy(ledger, AIMC_E_STATIC), 0);
    ck_assert_int_eq(aimc_ledger_chip_total(ledger), 90147115);
    ck_assert_int_eq(aimc_ledger_token_total(ledger, 0), 90147115);
    b->ops->destroy(b);
    aimc_ledger_destroy(ledger);
    close_case(&h);
}

static aimc_mvm_backend *make_fast(hand_case *h, aimc_ledger *ledger)
{
    aimc_error err;
    aimc_mvm_backend *b = aimc_fast_backend_create(&h->chip, h->table, aimc_cosim_backend_queue_depth(),
                                                   aimc_cosim_backend_slots(), 1, 8, ledger, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    return b;
}

static aimc_mvm_backend *make_cosim(hand_case *h, aimc_ledger *ledger)
{
    aimc_error err;
    aimc_mvm_backend *b = aimc_cosim_backend_create(&h->chip, h->table, 1, ledger, NULL, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    return b;
}

START_TEST(one_token_one_layer_fast_engine) { check_one_token(make_fast); }
END_TEST

START_TEST(one_token_one_layer_cosim_engine) { check_one_token(make_cosim); }
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("decode_hand");
    TCase *tc = tcase_create("decode_hand");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_token_one_layer_fast_engine);
    tcase_add_test(tc, one_token_one_layer_cosim_engine);
    suite_add_tcase(s, tc);
    return s;
}
