/* The fast MVM backend against independent expectations: hand-derived timelines of small cases (the arithmetic
 * is written out next to every assertion) and, over thousands of random commands, a brute-force model that
 * clocks the same four rules of mvm_backend.h cycle by cycle (written here, sharing no code with the backend).
 *
 * A job's compute phase K and its energies come from the shared tile cost (tile_cost.h) with the job's
 * activation codes, as both engines take them; the tests read them through job_cost() so that the timing
 * arithmetic holds for any tile cost.  Numbers in the comments are for tile_small.json with a fixed-latency
 * tile (S = 3 switch cycles, K = 5 compute cycles, 10 nJ per MVM, 13.1 pJ per switch). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/energy_ledger.h"
#include "core/rng.h"
#include "engine/activation_codes.h"
#include "engine/dispatch_table.h"
#include "engine/fast_backend.h"
#include "engine/tile_cost.h"
#include "system/chip_config.h"

#define SMALL_CHIP AIMC_TB_DIR "/engine/tile_small.json"
#define CODES_SEED 77u
#define CODES_BITS 8u
#define FAR (UINT64_C(1) << 60)

static aimc_chip_config chip_with(uint32_t tiles, uint32_t tiers)
{
    aimc_chip_config chip;
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &chip, &err) == 0, "%s", err.msg);
    chip.tile.tiles = tiles;
    chip.tile.tiers = tiers;
    return chip;
}

/* The job's compute cycles and energies, from the shared tile cost with the job's activation codes.
 * (Hot loops here avoid ck_assert: each passing Check assertion writes a checkpoint to Check's pipe.) */
static aimc_tile_job_cost job_cost(const aimc_chip_config *chip, uint32_t token, uint32_t layer, uint32_t unit,
                                   uint32_t phase, uint32_t in_block)
{
    aimc_codes_key key = {CODES_SEED, token, layer, unit, phase, in_block};
    int16_t *codes = malloc(chip->tile.rows * sizeof *codes);
    if (!codes)
        ck_abort_msg("out of memory");
    aimc_activation_codes(&key, chip->tile.rows, CODES_BITS, codes);
    aimc_codes_summary s;
    aimc_codes_summarise(codes, chip->tile.rows, &s);
    free(codes);
    aimc_tile_job_cost cost;
    aimc_tile_job_cost_compute(chip, &s, &cost);
    return cost;
}

static uint64_t K(const aimc_chip_config *chip, uint32_t token, uint32_t layer, uint32_t unit, uint32_t phase,
                  uint32_t in_block)
{
    return job_cost(chip, token, layer, unit, phase, in_block).compute_cycles;
}

static uint64_t max2(uint64_t a, uint64_t b) { return a > b ? a : b; }

static void add(aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase, uint16_t tile, uint16_t tier,
                uint16_t in_block)
{
    aimc_error err;
    aimc_dispatch_block b = {tile, tier, in_block, 0};
    ck_assert_msg(aimc_dispatch_table_add(t, layer, unit, phase, b, &err) == 0, "%s", err.msg);
}

static aimc_mvm_backend *make(const aimc_chip_config *chip, const aimc_dispatch_table *t, uint32_t q,
                              uint32_t slots, aimc_ledger *ledger)
{
    aimc_error err;
    aimc_mvm_backend *b = aimc_fast_backend_create(chip, t, q, slots, CODES_SEED, CODES_BITS, ledger, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    return b;
}

static aimc_mvm_command cmd1(uint32_t slot, uint32_t token, uint32_t layer, uint32_t phase, uint32_t unit)
{
    aimc_mvm_command c = {.slot = slot, .token = token, .layer = layer, .phase = phase, .nunits = 1};
    c.unit[0] = unit;
    return c;
}

static void submit(aimc_mvm_backend *b, uint64_t cycle, const aimc_mvm_command *c)
{
    aimc_error err;
    ck_assert_msg(aimc_mvm_backend_submit(b, cycle, c, &err) == 0, "%s", err.msg);
}

/* Advances until the next completion (or `until`); returns the number of groups done. */
static uint32_t step(aimc_mvm_backend *b, uint64_t until, uint32_t *slots, uint64_t *cycle)
{
    aimc_error err;
    uint32_t n = 99;
    ck_assert_msg(aimc_mvm_backend_advance(b, until, slots, &n, cycle, &err) == 0, "%s", err.msg);
    return n;
}

/* The completion cycle of the only group in flight. */
static uint64_t run_one(aimc_mvm_backend *b, uint32_t expect_slot)
{
    uint32_t slots[16];
    uint64_t d = 0;
    ck_assert_uint_eq(step(b, FAR, slots, &d), 1);
    ck_assert_uint_eq(slots[0], expect_slot);
    ck_assert_uint_eq(aimc_mvm_backend_now(b), d + 1);
    return d;
}

/* Advances until n groups have completed; per_slot[slot] = the cycle it completed in.  Every report must list
 * its slots ascending, and report cycles must increase (all groups of one cycle come in one report). */
static void drain(aimc_mvm_backend *b, uint32_t n, uint64_t *per_slot)
{
    uint32_t slots[16];
    uint64_t d = 0, last = 0;
    for (uint32_t got = 0; got < n;) {
        uint32_t nd = step(b, FAR, slots, &d);
        ck_assert_uint_gt(nd, 0);
        ck_assert(got == 0 || d > last);
        for (uint32_t i = 0; i < nd; i++) {
            ck_assert(i == 0 || slots[i] > slots[i - 1]);
            per_slot[slots[i]] = d;
        }
        got += nd;
        last = d;
    }
}

START_TEST(one_command_one_block)
{
    aimc_chip_config chip = chip_with(1, 8);
    const uint64_t S = chip.tile.tier_switch_cycles; /* 3 */
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 0, 2, 0);
    aimc_dispatch_table_finish(t);
    aimc_ledger *ledger = aimc_ledger_create(1);
    aimc_mvm_backend *b = make(&chip, t, 2, 4, ledger);
    aimc_mvm_command c = cmd1(3, 5, 0, 0, 0);
    submit(b, 10, &c);
    /* accept c = 10 (submitted while IDLE); push p = 11; visible 12; the idle tile accepts a = 12;
     * first job: SWITCH 13..12+S, COMPUTE S+13..12+S+K; done_valid 13+S+K; group_done 14+S+K (= 22). */
    uint64_t k = K(&chip, 5, 0, 0, 0, 0), expect = 14 + S + k;
    uint32_t slots[4];
    uint64_t d = 0;
    /* cycles [10, expect) hold no completion: advance stops at `until` with now = until */
    ck_assert_uint_eq(step(b, expect, slots, &d), 0);
    ck_assert_uint_eq(aimc_mvm_backend_now(b), expect);
    ck_assert_uint_eq(run_one(b, 3), expect);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    ck_assert_uint_eq(st->jobs, 1);
    ck_assert_uint_eq(st->tier_switches, 1);
    ck_assert_uint_eq(st->busy_cycles[0], S + k); /* 8 */
    ck_assert_uint_eq(st->conflict_cycles[0], 0);
    ck_assert_uint_eq(st->stall_cycles[0], 0);
    aimc_mvm_backend_destroy(b);
    aimc_ledger_destroy(ledger);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(blocks_on_one_tile_serialize_and_switch_only_on_tier_change)
{
    aimc_chip_config chip = chip_with(1, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 0, 0, 0); /* job 0: tier 0 */
    add(t, 0, 0, 0, 0, 0, 1); /* job 1: tier 0 again: no switch */
    add(t, 0, 0, 0, 0, 1, 2); /* job 2: tier 1: switch */
    aimc_dispatch_table_finish(t);
    aimc_mvm_backend *b = make(&chip, t, 4, 1, NULL);
    aimc_mvm_command c = cmd1(0, 0, 0, 0, 0);
    submit(b, 0, &c);
    uint64_t k0 = K(&chip, 0, 0, 0, 0, 0), k1 = K(&chip, 0, 0, 0, 0, 1), k2 = K(&chip, 0, 0, 0, 0, 2);
    /* c = 0; pushes p = 1, 2, 3 (Q = 4: never full).
     * job 0: visible 2, a0 = 2, switch: ready = 2 + S + k0 (= 10)
     * job 1: visible 3, a1 = max(3, 2+S+k0) = 2+S+k0 (10), no switch: ready = 2+S+k0+k1 (15); waited a1 - 3
     * job 2: visible 4, a2 = 2+S+k0+k1 (15), switch: ready = 2+2S+k0+k1+k2 (23), done_valid 3+2S+k0+k1+k2
     * group_done = 4 + 2S + k0 + k1 + k2 (= 25) */
    ck_assert_uint_eq(run_one(b, 0), 4 + 2 * S + k0 + k1 + k2);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    ck_assert_uint_eq(st->jobs, 3);
    ck_assert_uint_eq(st->tier_switches, 2);
    ck_assert_uint_eq(st->busy_cycles[0], 2 * S + k0 + k1 + k2);                 /* 21 */
    ck_assert_uint_eq(st->conflict_cycles[0], (2 + S + k0 - 3) + (2 + S + k0 + k1 - 4)); /* 7 + 11 = 18 */
    ck_assert_uint_eq(st->stall_cycles[0], 0);
    aimc_mvm_backend_destroy(b);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(full_queue_stalls_the_dispatcher)
{
    aimc_chip_config chip = chip_with(2, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 0, 0, 0);
    add(t, 0, 0, 0, 0, 0, 1);
    add(t, 0, 0, 0, 0, 0, 2);
    add(t, 0, 0, 0, 1, 0, 3); /* tile 1: waits behind tile 0's stalls (in-order dispatcher) */
    aimc_dispatch_table_finish(t);
    uint64_t k0 = K(&chip, 0, 0, 0, 0, 0), k1 = K(&chip, 0, 0, 0, 0, 1), k2 = K(&chip, 0, 0, 0, 0, 2),
             k3 = K(&chip, 0, 0, 0, 0, 3);
    aimc_mvm_command c = cmd1(0, 0, 0, 0, 0);

    /* Q = 1.  c = 0.
     * job 0 (tile 0, n=0): p0 = 1; a0 = 2; switch: ready 2+S+k0 (10)
     * job 1 (tile 0, n=1): earliest 2, needs a0 + 1 = 3: p1 = 3, 1 stall; visible 4; a1 = max(4, 2+S+k0) (10);
     *        ready a1 + k1 (15)
     * job 2 (tile 0, n=2): earliest 4, needs a1 + 1 (11): p2 = a1 + 1, a1 - 3 stalls (7); visible a1 + 2 (12);
     *        a2 = max(a1 + 2, a1 + k1) (15); ready a2 + k2 (20); done_valid a2 + k2 + 1
     * job 3 (tile 1, n=0): p3 = p2 + 1 = a1 + 2 (12); visible a1 + 3; a3 = a1 + 3 (13); switch;
     *        done_valid a1 + 3 + S + k3 + 1 (22)
     * group_done = max(done_valid) + 1 (= 23) */
    {
        aimc_mvm_backend *b = make(&chip, t, 1, 1, NULL);
        submit(b, 0, &c);
        uint64_t a1 = max2(4, 2 + S + k0), a2 = max2(a1 + 2, a1 + k1);
        uint64_t done = max2(a2 + k2 + 1, a1 + 3 + S + k3 + 1);
        ck_assert_uint_eq(run_one(b, 0), done + 1);
        const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
        ck_assert_uint_eq(st->stall_cycles[0], 1 + (a1 - 3)); /* 1 + 7 = 8 */
        ck_assert_uint_eq(st->stall_cycles[1], 0);
        ck_assert_uint_eq(st->conflict_cycles[0], (a1 - 4) + (a2 - (a1 + 2))); /* 6 + 3 = 9 */
        ck_assert_uint_eq(st->conflict_cycles[1], 0);
        ck_assert_uint_eq(st->busy_cycles[0], S + k0 + k1 + k2);
        ck_assert_uint_eq(st->busy_cycles[1], S + k3);
        ck_assert_uint_eq(st->tier_switches, 2);
        aimc_mvm_backend_destroy(b);
    }
    /* Q = 2.  c = 0.
     * job 0: p0 = 1; a0 = 2; ready 2+S+k0 (10)
     * job 1: p1 = 2 (n=1 < Q); visible 3; a1 = 2+S+k0 (10); ready a1 + k1 (15)
     * job 2: earliest 3, needs a0 + 1 = 3: p2 = 3, no stall; visible 4; a2 = a1 + k1 (15); ready a2 + k2 (20)
     * job 3 (tile 1): p3 = 4; visible 5; a3 = 5; switch; done_valid 6 + S + k3 (14)
     * group_done = max(a2 + k2 + 1, 6 + S + k3) + 1 (= 22) */
    {
        aimc_mvm_backend *b = make(&chip, t, 2, 1, NULL);
        submit(b, 0, &c);
        uint64_t a1 = 2 + S + k0, a2 = a1 + k1;
        ck_assert_uint_eq(run_one(b, 0), max2(a2 + k2 + 1, 6 + S + k3) + 1);
        const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
        ck_assert_uint_eq(st->stall_cycles[0], 0);
        ck_assert_uint_eq(st->conflict_cycles[0], (a1 - 3) + (a2 - 4)); /* 7 + 11 */
        aimc_mvm_backend_destroy(b);
    }
    /* Q = 2 with a fourth job on tile 0 in a second command submitted at 0: it is accepted at p3 + 1 = 5,
     * pushes its job n=3 from 6, which needs a1 + 1 (11): 5 stalls; visible a1 + 2; a = max(a1 + 2, a2 + k2)
     * = a2 + k2 (20); done_valid a2 + k2 + k4 + 1; group_done one more (= 27). */
    {
        aimc_mvm_backend *b = make(&chip, t, 2, 2, NULL);
        submit(b, 0, &c);
        aimc_mvm_command c2 = cmd1(1, 1, 0, 0, 0); /* token 1: the same entry again, other codes */
        submit(b, 0, &c2);
        uint64_t a1 = 2 + S + k0, a2 = a1 + k1;
        uint64_t j0 = K(&chip, 1, 0, 0, 0, 0), j1 = K(&chip, 1, 0, 0, 0, 1);
        /* second command: c' = p3 + 1 = 5; its job 0 (tile 0, n=3): earliest 6, needs a1 + 1; p = a1 + 1;
         * a = max(a1 + 2, a2 + k2) = a2 + k2; no switch; ready a2 + k2 + j0 (25).  Its job 1 (tile 0, n=4):
         * earliest a1 + 2, needs a2 + 1 (16): stall a2 - a1 - 1 (4); a = max(a2 + 2, a2 + k2 + j0) (25);
         * its job 2 (n=5) needs a(n=3) + 1 = a2 + k2 + 1 (21): earliest a2 + 2 (17): stall k2 - 1 (4);
         * job 3 (tile 1, n=1): pushed a2 + k2 + 2 (22), visible +1, tile 1 ready since its last COMPUTE cycle
         * 5 + S + k3: a = max(a2 + k2 + 3, 5 + S + k3) (no switch, tier 0). */
        uint64_t j2 = K(&chip, 1, 0, 0, 0, 2), j3 = K(&chip, 1, 0, 0, 0, 3);
        uint64_t first = max2(a2 + k2 + 1, 6 + S + k3) + 1;
        uint32_t slots[4];
        uint64_t d = 0;
        ck_assert_uint_eq(step(b, FAR, slots, &d), 1);
        ck_assert_uint_eq(d, first);
        uint64_t b0 = a2 + k2, b1 = max2(a2 + 2, b0 + j0), b2 = max2(a2 + k2 + 2, b1 + j1);
        uint64_t b3 = max2(a2 + k2 + 3, 5 + S + k3);
        ck_assert_uint_eq(run_one(b, 1), max2(b2 + j2 + 1, b3 + j3 + 1) + 1);
        const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
        ck_assert_uint_eq(st->stall_cycles[0], (a1 + 1 - 6) + (a2 - a1 - 1) + (k2 - 1)); /* 5 + 4 + 4 */
        ck_assert_uint_eq(st->stall_cycles[1], 0);
        ck_assert_uint_eq(st->tier_switches, 2);
        aimc_mvm_backend_destroy(b);
    }
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(back_to_back_commands_and_parallel_tiles)
{
    aimc_chip_config chip = chip_with(4, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 2, 1);
    for (uint16_t tile = 0; tile < 4; tile++)
        add(t, 0, 0, 0, tile, 1, tile); /* unit 0: one block on each tile */
    add(t, 0, 1, 0, 0, 1, 0);           /* unit 1: one block on tile 0 */
    aimc_dispatch_table_finish(t);
    aimc_mvm_backend *b = make(&chip, t, 2, 2, NULL);
    aimc_mvm_command ca = cmd1(0, 0, 0, 0, 0), cb = cmd1(1, 0, 0, 0, 1);
    submit(b, 0, &ca);
    submit(b, 2, &cb); /* presented at 2, but the dispatcher pushes A until 4 */
    /* A: c = 0; job j on tile j pushed at 1 + j, visible 2 + j, accepted 2 + j (tiles idle, in parallel),
     * switch: done_valid 3 + j + S + k_j; group_done = max_j(3 + j + S + k_j) + 1 (= 15 with K = 5).
     * B: accepted at A's last push + 1 = 5; pushed 6; visible 7; tile 0 ready at 2 + S + k_A0 (10):
     * a = max(7, 2 + S + k_A0); same tier 1: no switch; group_done a + k_B + 2 (= 17). */
    uint64_t ga = 0;
    for (uint32_t j = 0; j < 4; j++)
        ga = max2(ga, 3 + j + S + K(&chip, 0, 0, 0, 0, j) + 1);
    uint64_t a_b = max2(7, 2 + S + K(&chip, 0, 0, 0, 0, 0));
    uint64_t gb = a_b + K(&chip, 0, 0, 1, 0, 0) + 2;
    ck_assert_uint_ne(ga, gb);
    uint32_t slots[4];
    uint64_t d1 = 0, d2 = 0;
    ck_assert_uint_eq(step(b, FAR, slots, &d1), 1);
    uint32_t s1 = slots[0];
    ck_assert_uint_eq(step(b, FAR, slots, &d2), 1);
    ck_assert_uint_eq(s1, ga < gb ? 0 : 1);
    ck_assert_uint_eq(d1, ga < gb ? ga : gb);
    ck_assert_uint_eq(d2, ga < gb ? gb : ga);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    ck_assert_uint_eq(st->tier_switches, 4); /* one per tile; B stays on tier 1 */
    ck_assert_uint_eq(st->conflict_cycles[0], a_b - 7);
    for (uint32_t tile = 1; tile < 4; tile++)
        ck_assert_uint_eq(st->conflict_cycles[tile], 0);
    aimc_mvm_backend_destroy(b);

    /* Submitted after the dispatcher went IDLE (A's last push 4): accepted in the submit cycle itself. */
    b = make(&chip, t, 2, 2, NULL);
    submit(b, 0, &ca);
    submit(b, 20, &cb);
    /* B: c = 20, p = 21, visible 22; tile 0 ready at 2 + S + k_A0 (10): a = max(22, 2 + S + k_A0) (22);
     * group_done a + k_B + 2 (= 29) */
    uint64_t gb2 = max2(22, 2 + S + K(&chip, 0, 0, 0, 0, 0)) + K(&chip, 0, 0, 1, 0, 0) + 2;
    ck_assert_uint_eq(step(b, FAR, slots, &d1), 1);
    ck_assert_uint_eq(d1, ga);
    ck_assert_uint_eq(run_one(b, 1), gb2);
    aimc_mvm_backend_destroy(b);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(advance_stops_at_the_first_completion_and_reports_slots_ascending)
{
    aimc_chip_config chip = chip_with(3, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 3, 1);
    add(t, 0, 0, 0, 0, 0, 0); /* unit 0: two blocks on tile 0, same tier */
    add(t, 0, 0, 0, 0, 0, 1);
    add(t, 0, 1, 0, 1, 0, 0); /* unit 1: one block on tile 1 */
    add(t, 0, 2, 0, 2, 0, 0); /* unit 2: one block on tile 2 */
    aimc_dispatch_table_finish(t);
    uint64_t k0 = K(&chip, 0, 0, 0, 0, 0), k1 = K(&chip, 0, 0, 0, 0, 1), ky = K(&chip, 1, 0, 1, 0, 0);
    /* X (slot 5): c = 0, p = 1, 2; a0 = 2, switch; a1 = 2 + S + k0; done_valid a1 + k1 + 1;
     *   group_done X = 4 + S + k0 + k1 (= 17).
     * Y (slot 2, one block on idle tile 1) submitted at s: c = s (>= 3), p = s+1, a = s+2, switch;
     *   group_done Y = s + 4 + S + ky: equal to X's for s = k0 + k1 - ky (= 5).
     * Z (slot 0, tile 2) submitted at gx, ahead of now (s): c = gx, p = gx + 1, accepted by idle tile 2 at
 *   gx + 2, switch: group_done gx + 4 + S + kz (= 29). */
    uint64_t s = k0 + k1 - ky;
    ck_assert_uint_ge(s, 3);
    uint64_t gx = 4 + S + k0 + k1;
    aimc_mvm_backend *b = make(&chip, t, 2, 8, NULL);
    aimc_mvm_command x = cmd1(5, 0, 0, 0, 0), y = cmd1(2, 1, 0, 0, 1), z = cmd1(0, 2, 0, 0, 2);
    submit(b, 0, &x);
    uint32_t slots[8];
    uint64_t d = 0;
    ck_assert_uint_eq(step(b, s, slots, &d), 0); /* nothing completes in [0, s) */
    ck_assert_uint_eq(aimc_mvm_backend_now(b), s);
    submit(b, s, &y);
    submit(b, gx, &z);
    uint64_t gz = gx + 4 + S + K(&chip, 2, 0, 2, 0, 0);
    ck_assert_uint_eq(step(b, gx, slots, &d), 0); /* [s, gx) still nothing */
    ck_assert_uint_eq(step(b, FAR, slots, &d), 2);
    ck_assert_uint_eq(d, gx);
    ck_assert_uint_eq(slots[0], 2); /* ascending */
    ck_assert_uint_eq(slots[1], 5);
    ck_assert_uint_eq(aimc_mvm_backend_now(b), gx + 1);
    /* resumes from gx + 1: Z next */
    ck_assert_uint_eq(run_one(b, 0), gz);
    ck_assert_uint_eq(step(b, gz + 100, slots, &d), 0); /* nothing left: now = until */
    ck_assert_uint_eq(aimc_mvm_backend_now(b), gz + 100);
    aimc_mvm_backend_destroy(b);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(energies_are_counts_times_constants_booked_at_completion)
{
    aimc_chip_config chip = chip_with(2, 8);
    aimc_dispatch_table *t = aimc_dispatch_table_create(2, 1, 2);
    add(t, 0, 0, 0, 0, 0, 0); /* layer 0 phase 0: tier 0, tier 0, tier 1 on tile 0: 2 switches */
    add(t, 0, 0, 0, 0, 0, 1);
    add(t, 0, 0, 0, 0, 1, 2);
    add(t, 1, 0, 1, 1, 3, 0); /* layer 1 phase 1: one block on tile 1: 1 switch */
    aimc_dispatch_table_finish(t);
    aimc_ledger *ledger = aimc_ledger_create(2);
    aimc_mvm_backend *b = make(&chip, t, 2, 2, ledger);
    aimc_mvm_command c0 = cmd1(0, 4, 0, 0, 0), c1 = cmd1(1, 9, 1, 1, 0);
    submit(b, 0, &c0);
    submit(b, 0, &c1);
    ck_assert_int_eq(aimc_ledger_chip_total(ledger), 0); /* booked when the group completes */
    /* token 9's single job (tile 1) completes first: c = 4, p = 5, a = 6, group_done 8 + S + k (= 16);
     * token 4's three jobs on tile 0 later (25) */
    uint32_t slots[2];
    uint64_t d;
    ck_assert_uint_eq(step(b, FAR, slots, &d), 1);
    ck_assert_uint_eq(slots[0], 1);
    ck_assert_int_eq(aimc_ledger_token_total(ledger, 4), 0);
    ck_assert_int_gt(aimc_ledger_token_total(ledger, 9), 0);
    run_one(b, 0);
    /* token 4: 3 MVMs + 2 switches; token 9: 1 MVM + 1 switch.  With the fixed-latency tile:
     * token 4 crossbar 3 x 10 nJ = 30,000,000 fJ, switch 2 x 13.1 pJ = 26,200 fJ. */
    aimc_fJ sw = aimc_tile_switch_energy(&chip);
    for (int c = 0; c < AIMC_E_COUNT; c++) {
        aimc_fJ e4 = job_cost(&chip, 4, 0, 0, 0, 0).energy[c] + job_cost(&chip, 4, 0, 0, 0, 1).energy[c] +
                     job_cost(&chip, 4, 0, 0, 0, 2).energy[c] + (c == AIMC_E_TIER_SWITCH ? 2 * sw : 0);
        aimc_fJ e9 = job_cost(&chip, 9, 1, 0, 1, 0).energy[c] + (c == AIMC_E_TIER_SWITCH ? sw : 0);
        ck_assert_int_eq(aimc_ledger_token_energy(ledger, 4, c), e4);
        ck_assert_int_eq(aimc_ledger_token_layer_energy(ledger, 4, 0, c), e4);
        ck_assert_int_eq(aimc_ledger_token_layer_energy(ledger, 4, 1, c), 0);
        ck_assert_int_eq(aimc_ledger_token_energy(ledger, 9, c), e9);
        ck_assert_int_eq(aimc_ledger_token_layer_energy(ledger, 9, 1, c), e9);
        ck_assert_int_eq(aimc_ledger_chip_energy(ledger, c), e4 + e9);
    }
    ck_assert_int_eq(aimc_ledger_token_energy(ledger, 4, AIMC_E_TIER_SWITCH), 2 * chip.periphery.energy.tier_switch);
    ck_assert_int_gt(aimc_ledger_token_total(ledger, 4), 0);
    ck_assert_uint_eq(aimc_mvm_backend_stats(b)->tier_switches, 3);
    /* the token's time window is the sequencer's: the backend books energy only */
    ck_assert(!aimc_ledger_token_seen(ledger, 4) && !aimc_ledger_token_seen(ledger, 9));
    aimc_mvm_backend_destroy(b);
    aimc_ledger_destroy(ledger);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(slot_reuse_and_refused_commands)
{
    aimc_chip_config chip = chip_with(2, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(2, 3, 1);
    add(t, 0, 0, 0, 0, 0, 0);
    add(t, 0, 1, 0, 1, 0, 0); /* (0, 2, 0) and all of layer 1 stay empty */
    aimc_dispatch_table_finish(t);
    aimc_mvm_backend *b = make(&chip, t, 1, 2, NULL);
    aimc_error err;
    aimc_mvm_command c = cmd1(1, 0, 0, 0, 0);
    submit(b, 0, &c);

#define REFUSED(cycle, cmd, words)                                                                            \
    do {                                                                                                      \
        ck_assert_int_eq(aimc_mvm_backend_submit(b, (cycle), (cmd), &err), -1);                                         \
        ck_assert_msg(strstr(err.msg, (words)) != NULL, "message \"%s\" lacks \"%s\"", err.msg, (words));       \
        ck_assert_ptr_null(strchr(err.msg, '\n'));                                                             \
    } while (0)

    REFUSED(0, &c, "slot 1 is already in flight");
    aimc_mvm_command bad = cmd1(2, 0, 0, 0, 0);
    REFUSED(0, &bad, "slot 2 out of range");
    bad = cmd1(0, 0, 0, 0, 2);
    REFUSED(0, &bad, "(layer 0, unit 2, phase 0) has no blocks");
    bad = cmd1(0, 0, 0, 0, 3);
    REFUSED(0, &bad, "unit 3 out of range");
    bad = cmd1(0, 0, 2, 0, 0);
    REFUSED(0, &bad, "layer 2");
    bad = cmd1(0, 0, 0, 0, 0);
    bad.nunits = 0;
    REFUSED(0, &bad, "0 units");

    /* first group: c = 0, p = 1, a = 2, switch; group_done 4 + S + k (= 12) */
    uint64_t g1 = 4 + S + K(&chip, 0, 0, 0, 0, 0);
    ck_assert_uint_eq(run_one(b, 1), g1);
    bad = cmd1(0, 0, 0, 0, 1);
    REFUSED(g1, &bad, "before the current cycle"); /* now is g1 + 1 */
    /* the refused commands changed nothing; slot 1 is free again: the same command on the same tile, which
     * stays on tier 0: c = g1 + 1, p = g1 + 2, a = g1 + 3 (tile idle since 2 + S + k), no switch;
     * group_done g1 + 5 + k' */
    c.token = 1;
    submit(b, g1 + 1, &c);
    aimc_mvm_command c2 = cmd1(0, 1, 0, 0, 1);
    submit(b, g1 + 1, &c2); /* tile 1: c = g1 + 3, p = g1 + 4, a = g1 + 5, switch */
    REFUSED(g1, &c2, "before the current cycle");
    uint64_t g2 = g1 + 5 + K(&chip, 1, 0, 0, 0, 0);
    uint64_t g3 = g1 + 7 + S + K(&chip, 1, 0, 1, 0, 0);
    uint64_t per_slot[2];
    drain(b, 2, per_slot);
    ck_assert_uint_eq(per_slot[1], g2);
    ck_assert_uint_eq(per_slot[0], g3);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    ck_assert_uint_eq(st->jobs, 3);
    ck_assert_uint_eq(st->tier_switches, 2);

    /* advance to a cycle already simulated: nothing happens (as in the cosim backend) */
    uint32_t slots[2];
    uint64_t d;
    ck_assert_uint_eq(step(b, 3, slots, &d), 0);
    ck_assert_uint_eq(aimc_mvm_backend_now(b), g3 + 1);
    aimc_mvm_backend_destroy(b);
#undef REFUSED
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(a_command_for_an_earlier_cycle_waits_behind_the_previous_one)
{
    aimc_chip_config chip = chip_with(2, 8);
    const uint64_t S = chip.tile.tier_switch_cycles;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 2, 1);
    add(t, 0, 0, 0, 0, 0, 0);
    add(t, 0, 1, 0, 1, 0, 0);
    aimc_dispatch_table_finish(t);
    aimc_mvm_backend *b = make(&chip, t, 1, 2, NULL);
    aimc_mvm_command a = cmd1(0, 0, 0, 0, 0), c = cmd1(1, 0, 0, 0, 1);
    submit(b, 50, &a);
    submit(b, 40, &c); /* both >= now (0); the FIFO presents c only after a */
    /* a: accepted 50, pushed 51, tile 0 accepts 52, switch: group_done 54 + S + k_a (= 62).
     * c: presented from 51 (a accepted in 50), dispatcher IDLE from 52: accepted 52, pushed 53, tile 1 accepts
     *    54, switch: group_done 56 + S + k_c (= 64). */
    uint64_t per_slot[2];
    drain(b, 2, per_slot);
    ck_assert_uint_eq(per_slot[0], 54 + S + K(&chip, 0, 0, 0, 0, 0));
    ck_assert_uint_eq(per_slot[1], 56 + S + K(&chip, 0, 0, 1, 0, 0));
    aimc_mvm_backend_destroy(b);
    aimc_dispatch_table_destroy(t);
}
END_TEST

START_TEST(bad_configuration_is_refused)
{
    aimc_chip_config chip = chip_with(2, 4);
    aimc_error err;
    aimc_dispatch_table *t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 2, 0, 0); /* tile 2 of a 2-tile chip */
    aimc_dispatch_table_finish(t);
    ck_assert_ptr_null(aimc_fast_backend_create(&chip, t, 2, 2, 1, 8, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "tile 2 tier 0 (expected < 2 tiles"));
    aimc_dispatch_table_destroy(t);
    t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 1, 4, 0); /* tier 4 of 4 */
    aimc_dispatch_table_finish(t);
    ck_assert_ptr_null(aimc_fast_backend_create(&chip, t, 2, 2, 1, 8, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "< 4 tiers"));
    aimc_dispatch_table_destroy(t);
    t = aimc_dispatch_table_create(1, 1, 1);
    add(t, 0, 0, 0, 1, 3, 0);
    aimc_dispatch_table_finish(t);
    ck_assert_ptr_null(aimc_fast_backend_create(&chip, t, 0, 2, 1, 8, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "queue depth 0"));
    ck_assert_ptr_null(aimc_fast_backend_create(&chip, t, 1, 0, 1, 8, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "0 group slots"));
    ck_assert_ptr_null(aimc_fast_backend_create(&chip, t, 1, 1, 1, 1, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "1 bits"));
    aimc_dispatch_table_destroy(t);
}
END_TEST

/* ---------------------------------------------------------------------------------------------------------
 * Brute force: the four rules clocked cycle by cycle, with explicit queues, counters and per-cycle checks.
 * --------------------------------------------------------------------------------------------------------- */

typedef struct {
    uint64_t submit;
    aimc_mvm_command cmd;
} bf_command;

typedef struct {
    uint32_t cmd, tile, tier;
    uint64_t k;
    aimc_fJ energy[AIMC_E_COUNT];
    uint64_t pushed; /* cycle it was pushed into its tile queue */
} bf_job;

typedef struct {
    uint64_t *group_done; /* per command */
    uint64_t jobs, switches;
    uint64_t *busy, *conflict, *stall;
} bf_result;

static void brute_force(const aimc_chip_config *chip, const aimc_dispatch_table *t, uint32_t q,
                        const bf_command *cmds, uint32_t ncmds, aimc_ledger *ledger, bf_result *r)
{
    uint32_t tiles = chip->tile.tiles;
    /* expand every command into its jobs, in command order */
    uint32_t njobs = 0, cap = 64;
    bf_job *jobs = malloc(cap * sizeof *jobs);
    uint32_t *first = calloc(ncmds + 1, sizeof *first), *left = calloc(ncmds, sizeof *left);
    for (uint32_t i = 0; i < ncmds; i++) {
        first[i] = njobs;
        const aimc_mvm_command *c = &cmds[i].cmd;
        for (uint32_t u = 0; u < c->nunits; u++) {
            uint32_t count;
            const aimc_dispatch_block *blk = aimc_dispatch_table_entry(t, c->layer, c->unit[u], c->phase, &count);
            for (uint32_t j = 0; j < count; j++) {
                if (njobs == cap)
                    jobs = realloc(jobs, (cap *= 2) * sizeof *jobs);
                aimc_tile_job_cost cost = job_cost(chip, c->token, c->layer, c->unit[u], c->phase, blk[j].in_block);
                bf_job *jb = &jobs[njobs++];
                jb->cmd = i;
                jb->tile = blk[j].tile;
                jb->tier = blk[j].tier;
                jb->k = cost.compute_cycles;
                memcpy(jb->energy, cost.energy, sizeof jb->energy);
                left[i]++;
            }
        }
    }
    first[ncmds] = njobs;

    /* tile queues hold job indices; tile state: busy countdown (cycles of SWITCH + COMPUTE left) */
    uint32_t **queue = calloc(tiles, sizeof *queue);
    uint32_t *qlen = calloc(tiles, sizeof *qlen), *occ = calloc(tiles, sizeof *occ);
    uint64_t *busy_left = calloc(tiles, sizeof *busy_left);
    int64_t *tier = malloc(tiles * sizeof *tier);
    int64_t *active = malloc(tiles * sizeof *active);
    for (uint32_t T = 0; T < tiles; T++) {
        queue[T] = malloc(q * sizeof **queue);
        tier[T] = -1;
        active[T] = -1;
    }
    /* done_valid of the job each tile finishes: seen in the cycle after its last COMPUTE cycle */
    int64_t *done_next = malloc(tiles * sizeof *done_next);
    for (uint32_t T = 0; T < tiles; T++)
        done_next[T] = -1;

    uint32_t head = 0, completed = 0;   /* command FIFO */
    bool pushing = false;
    uint64_t idle_from = 0, accepted_at = 0;
    uint32_t next_job = 0, end_job = 0;

    for (uint64_t cyc = 0; completed < ncmds; cyc++) {
        if (cyc > UINT64_C(100000000)) /* a bug here must not hang the test */
            ck_abort_msg("brute force: no end after %llu cycles", (unsigned long long)cyc);
        for (uint32_t T = 0; T < tiles; T++)
            occ[T] = qlen[T]; /* queue occupancy at the start of the cycle */
        /* groups that completed in the previous cycle's done_valid: group_done = done_valid + 1 */
        for (uint32_t T = 0; T < tiles; T++) {
            /* done_valid this cycle */
            if (done_next[T] >= 0) {
                bf_job *jb = &jobs[done_next[T]];
                for (int c = 0; c < AIMC_E_COUNT; c++)
                    if (jb->energy[c])
                        aimc_ledger_book(ledger, cmds[jb->cmd].cmd.token, (int)cmds[jb->cmd].cmd.layer,
                                         (aimc_energy_component)c, jb->energy[c]);
                if (--left[jb->cmd] == 0) {
                    r->group_done[jb->cmd] = cyc + 1;
                    completed++;
                }
                done_next[T] = -1;
            }
            bool busy = busy_left[T] > 0;
            bool ready = busy_left[T] <= 1; /* IDLE, or the last COMPUTE cycle (K >= 1, so the last is COMPUTE) */
            if (busy)
                r->busy[T]++;
            if (busy_left[T] == 1)
                done_next[T] = active[T]; /* done_valid next cycle */
            bool accepted = false;
            if (ready && qlen[T] > 0 && jobs[queue[T][0]].pushed < cyc) {
                uint32_t jn = queue[T][0];
                memmove(queue[T], queue[T] + 1, (qlen[T] - 1) * sizeof **queue);
                qlen[T]--;
                bf_job *jb = &jobs[jn];
                uint64_t s = 0;
                if (tier[T] != (int64_t)jb->tier) {
                    s = chip->tile.tier_switch_cycles;
                    r->switches++;
                    aimc_ledger_book(ledger, cmds[jb->cmd].cmd.token, (int)cmds[jb->cmd].cmd.layer,
                                     AIMC_E_TIER_SWITCH, aimc_tile_switch_energy(chip));
                }
                tier[T] = jb->tier;
                active[T] = jn;
                busy_left[T] = s + jb->k + 1; /* decremented at the end of this cycle: S + K cycles from cyc+1 */
                r->jobs++;
                accepted = true;
            }
            /* every job left visible in the queue this cycle waits for a busy tile */
            for (uint32_t i = 0; i < qlen[T]; i++)
                if (jobs[queue[T][i]].pushed < cyc) {
                    if (!busy && !accepted)
                        ck_abort_msg("brute force: a visible job waits at an idle tile in cycle %llu",
                                     (unsigned long long)cyc);
                    r->conflict[T]++;
                }
        }
        /* the dispatcher: accept a command in an IDLE cycle, push one job per cycle from the next */
        if (pushing && cyc > accepted_at) {
            bf_job *jb = &jobs[next_job];
            if (occ[jb->tile] < q) {
                jb->pushed = cyc;
                queue[jb->tile][qlen[jb->tile]++] = next_job;
                if (++next_job == end_job) {
                    pushing = false;
                    idle_from = cyc + 1;
                }
            } else {
                r->stall[jb->tile]++;
            }
        } else if (!pushing && cyc >= idle_from && head < ncmds && cmds[head].submit <= cyc) {
            pushing = true;
            accepted_at = cyc;
            next_job = first[head];
            end_job = first[head + 1];
            head++;
        }
        for (uint32_t T = 0; T < tiles; T++)
            if (busy_left[T] > 0)
                busy_left[T]--;
    }
    for (uint32_t T = 0; T < tiles; T++)
        free(queue[T]);
    free(queue);
    free(qlen);
    free(occ);
    free(busy_left);
    free(tier);
    free(active);
    free(done_next);
    free(first);
    free(left);
    free(jobs);
}

typedef struct {
    uint32_t tiles, tiers, q, slots, switch_cycles, ncmds, max_gap;
} trial_shape;

/* The sequencer side of a random trial: which command each slot carries, and every completion seen. */
typedef struct {
    aimc_mvm_backend *b;
    uint64_t *fast_done; /* per command */
    uint32_t *slot_cmd;
    bool *slot_busy;
    uint32_t *done;
    uint32_t in_flight, reported;
    uint64_t last_report;
    bool any_report;
} driver;

/* One advance call; checks its completions against the contract and frees their slots. */
static void drive(driver *d, uint64_t until)
{
    aimc_error err;
    uint32_t nd;
    uint64_t dc = 0, before = aimc_mvm_backend_now(d->b);
    ck_assert_msg(aimc_mvm_backend_advance(d->b, until, d->done, &nd, &dc, &err) == 0, "%s", err.msg);
    if (nd == 0) {
        ck_assert_uint_eq(aimc_mvm_backend_now(d->b), until);
        return;
    }
    ck_assert_uint_ge(dc, before);
    ck_assert_uint_lt(dc, until);
    ck_assert(!d->any_report || dc > d->last_report); /* one report per completion cycle */
    d->any_report = true;
    d->last_report = dc;
    ck_assert_uint_eq(aimc_mvm_backend_now(d->b), dc + 1);
    for (uint32_t i = 0; i < nd; i++) {
        ck_assert(i == 0 || d->done[i] > d->done[i - 1]);
        ck_assert(d->slot_busy[d->done[i]]);
        d->slot_busy[d->done[i]] = false;
        d->fast_done[d->slot_cmd[d->done[i]]] = dc;
        d->in_flight--;
        d->reported++;
    }
}

static void random_trial(aimc_rng *rng, const trial_shape *sh, unsigned long seed, uint64_t *total_jobs)
{
    aimc_chip_config chip = chip_with(sh->tiles, sh->tiers);
    chip.tile.tier_switch_cycles = sh->switch_cycles;
    uint32_t layers = 1 + aimc_rng_uniform_int(rng, 3), units = 2 + aimc_rng_uniform_int(rng, 5),
             phases = 1 + aimc_rng_uniform_int(rng, 2);
    aimc_dispatch_table *t = aimc_dispatch_table_create(layers, units, phases);
    for (uint32_t l = 0; l < layers; l++)
        for (uint32_t u = 0; u < units; u++)
            for (uint32_t p = 0; p < phases; p++) {
                uint32_t n = 1 + aimc_rng_uniform_int(rng, 4);
                for (uint32_t j = 0; j < n; j++)
                    add(t, l, u, p, (uint16_t)aimc_rng_uniform_int(rng, sh->tiles),
                        (uint16_t)aimc_rng_uniform_int(rng, sh->tiers), (uint16_t)aimc_rng_uniform_int(rng, 3));
            }
    aimc_dispatch_table_finish(t);
    aimc_ledger *fast_ledger = aimc_ledger_create(layers), *bf_ledger = aimc_ledger_create(layers);
    aimc_mvm_backend *b = make(&chip, t, sh->q, sh->slots, fast_ledger);

    bf_command *cmds = calloc(sh->ncmds, sizeof *cmds);
    uint64_t *fast_done = calloc(sh->ncmds, sizeof *fast_done);
    driver dr = {.b = b, .fast_done = fast_done, .slot_cmd = calloc(sh->slots, sizeof *dr.slot_cmd),
                 .slot_busy = calloc(sh->slots, sizeof *dr.slot_busy), .done = calloc(sh->slots, sizeof *dr.done)};
    aimc_error err;


    uint64_t last_submit = 0;
    for (uint32_t i = 0; i < sh->ncmds; i++) {
        /* gaps: often none (back-to-back pressure), sometimes long (idle tiles) */
        uint32_t r = aimc_rng_uniform_int(rng, 10);
        uint64_t gap = r < 5 ? 0 : r < 8 ? aimc_rng_uniform_int(rng, 4) : aimc_rng_uniform_int(rng, sh->max_gap + 1);
        /* usually after the previous submit; sometimes for an earlier cycle (still >= now), which the FIFO
         * presents after the previous command anyway */
        uint64_t base = aimc_rng_uniform_int(rng, 8) == 0 || aimc_mvm_backend_now(b) > last_submit ? aimc_mvm_backend_now(b)
                                                                                          : last_submit;
        uint64_t target = base + gap;
        if (aimc_rng_uniform_int(rng, 4) == 0 && target > aimc_mvm_backend_now(b)) /* a partial advance first */
            drive(&dr, aimc_mvm_backend_now(b) + aimc_rng_uniform_int(rng, (uint32_t)(target - aimc_mvm_backend_now(b))) + 1);
        while (aimc_mvm_backend_now(b) < target)
            drive(&dr, target);
        while (dr.in_flight == sh->slots) {
            drive(&dr, FAR);
            if (target < aimc_mvm_backend_now(b))
                target = aimc_mvm_backend_now(b);
        }
        uint32_t slot;
        do
            slot = aimc_rng_uniform_int(rng, sh->slots);
        while (dr.slot_busy[slot]);
        aimc_mvm_command *c = &cmds[i].cmd;
        c->slot = slot;
        c->token = aimc_rng_uniform_int(rng, 40);
        c->layer = aimc_rng_uniform_int(rng, layers);
        c->phase = aimc_rng_uniform_int(rng, phases);
        c->nunits = 1 + aimc_rng_uniform_int(rng, units < 4 ? units : 4);
        uint32_t start = aimc_rng_uniform_int(rng, units); /* distinct units, in a rotated order */
        for (uint32_t u = 0; u < c->nunits; u++)
            c->unit[u] = (start + u) % units;
        cmds[i].submit = target;
        ck_assert_msg(aimc_mvm_backend_submit(b, target, c, &err) == 0, "%s", err.msg);
        last_submit = target;
        dr.slot_busy[slot] = true;
        dr.slot_cmd[slot] = i;
        dr.in_flight++;
    }
    while (dr.in_flight > 0)
        drive(&dr, FAR);
    ck_assert_uint_eq(dr.reported, sh->ncmds);

    bf_result r = {0};
    r.group_done = calloc(sh->ncmds, sizeof *r.group_done);
    r.busy = calloc(sh->tiles, sizeof *r.busy);
    r.conflict = calloc(sh->tiles, sizeof *r.conflict);
    r.stall = calloc(sh->tiles, sizeof *r.stall);
    brute_force(&chip, t, sh->q, cmds, sh->ncmds, bf_ledger, &r);

    for (uint32_t i = 0; i < sh->ncmds; i++)
        ck_assert_msg(fast_done[i] == r.group_done[i],
                      "seed %lu: command %u (submitted %llu) completes at %llu, brute force says %llu", seed, i,
                      (unsigned long long)cmds[i].submit, (unsigned long long)fast_done[i],
                      (unsigned long long)r.group_done[i]);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    ck_assert_uint_eq(st->jobs, r.jobs);
    ck_assert_uint_eq(st->tier_switches, r.switches);
    for (uint32_t T = 0; T < sh->tiles; T++) {
        ck_assert_msg(st->busy_cycles[T] == r.busy[T], "seed %lu tile %u busy", seed, T);
        ck_assert_msg(st->conflict_cycles[T] == r.conflict[T], "seed %lu tile %u conflicts %llu vs %llu", seed, T,
                      (unsigned long long)st->conflict_cycles[T], (unsigned long long)r.conflict[T]);
        ck_assert_msg(st->stall_cycles[T] == r.stall[T], "seed %lu tile %u stalls %llu vs %llu", seed, T,
                      (unsigned long long)st->stall_cycles[T], (unsigned long long)r.stall[T]);
    }
    ck_assert_uint_eq(aimc_ledger_tokens(fast_ledger), aimc_ledger_tokens(bf_ledger));
    for (int c = 0; c < AIMC_E_COUNT; c++) {
        ck_assert_int_eq(aimc_ledger_chip_energy(fast_ledger, c), aimc_ledger_chip_energy(bf_ledger, c));
        for (uint32_t tok = 0; tok < aimc_ledger_tokens(bf_ledger); tok++) {
            ck_assert_int_eq(aimc_ledger_token_energy(fast_ledger, tok, c), aimc_ledger_token_energy(bf_ledger, tok, c));
            for (uint32_t l = 0; l < layers; l++)
                ck_assert_int_eq(aimc_ledger_token_layer_energy(fast_ledger, tok, l, c),
                                 aimc_ledger_token_layer_energy(bf_ledger, tok, l, c));
        }
    }
    *total_jobs += r.jobs;
    free(r.group_done);
    free(r.busy);
    free(r.conflict);
    free(r.stall);
    free(cmds);
    free(fast_done);
    free(dr.slot_cmd);
    free(dr.slot_busy);
    free(dr.done);
    aimc_mvm_backend_destroy(b);
    aimc_ledger_destroy(fast_ledger);
    aimc_ledger_destroy(bf_ledger);
    aimc_dispatch_table_destroy(t);
}

START_TEST(random_commands_match_the_brute_force_model)
{
    unsigned long seed = aimc_test_seed("random_commands_match_the_brute_force_model", 20261122);
    aimc_rng *rng = aimc_rng_create(seed);
    uint64_t jobs = 0, cmds = 0;
    for (uint32_t trial = 0; trial < 40; trial++) {
        trial_shape sh = {
            .tiles = 1 + aimc_rng_uniform_int(rng, 6),
            .tiers = 2 + aimc_rng_uniform_int(rng, 7),
            .q = 1 + aimc_rng_uniform_int(rng, 4),
            .slots = 1 + aimc_rng_uniform_int(rng, 8),
            .switch_cycles = aimc_rng_uniform_int(rng, 5), /* 0: a switch that takes no cycles */
            .ncmds = 400,
            .max_gap = 40,
        };
        random_trial(rng, &sh, seed, &jobs);
        cmds += sh.ncmds;
    }
    printf("random_commands_match_the_brute_force_model: %llu commands, %llu jobs, identical\n",
           (unsigned long long)cmds, (unsigned long long)jobs);
    aimc_rng_destroy(rng);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("fast_backend");
    TCase *tc = tcase_create("fast_backend");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_command_one_block);
    tcase_add_test(tc, blocks_on_one_tile_serialize_and_switch_only_on_tier_change);
    tcase_add_test(tc, full_queue_stalls_the_dispatcher);
    tcase_add_test(tc, back_to_back_commands_and_parallel_tiles);
    tcase_add_test(tc, advance_stops_at_the_first_completion_and_reports_slots_ascending);
    tcase_add_test(tc, energies_are_counts_times_constants_booked_at_completion);
    tcase_add_test(tc, slot_reuse_and_refused_commands);
    tcase_add_test(tc, a_command_for_an_earlier_cycle_waits_behind_the_previous_one);
    tcase_add_test(tc, bad_configuration_is_refused);
    tcase_add_test(tc, random_commands_match_the_brute_force_model);
    suite_add_tcase(s, tc);
    return s;
}
