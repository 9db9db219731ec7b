/* The chip cosim (Verilated dispatcher + tiles) behind the MVM backend interface, against timings derived by
 * hand from the rules in model/engine/mvm_backend.h, and a randomized scoreboard run. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/rng.h"
#include "engine/cosim_backend.h"
#include "system/chip_config.h"

#define SMALL_CHIP AIMC_TB_DIR "/engine/tile_small.json" /* switch 3 cycles, compute 5 cycles */

typedef struct {
    aimc_chip_config chip;
    aimc_dispatch_table *table;
    aimc_ledger *ledger;
    aimc_mvm_backend *b;
} fixture;

static void add(aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase, uint16_t tile, uint16_t tier)
{
    aimc_error err;
    aimc_dispatch_block blk = {tile, tier, 0, 0};
    ck_assert_msg(aimc_dispatch_table_add(t, layer, unit, phase, blk, &err) == 0, "%s", err.msg);
}

static void open_fixture(fixture *f, uint32_t tiles, const char *trace)
{
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &f->chip, &err) == 0, "%s", err.msg);
    f->chip.tile.tiles = tiles;
    aimc_dispatch_table_finish(f->table);
    f->ledger = aimc_ledger_create(2);
    f->b = aimc_cosim_backend_create(&f->chip, f->table, 1, f->ledger, trace, &err);
    ck_assert_msg(f->b != NULL, "%s", err.msg);
}

static void close_fixture(fixture *f)
{
    aimc_cosim_backend_report r;
    aimc_cosim_backend_report_get(f->b, &r);
    ck_assert_msg(r.scoreboard_errors == 0, "%s", r.first_error);
    ck_assert_uint_eq(r.ott_violation_cycles, 0);
    ck_assert_uint_eq(r.rtl_assertion_failures, 0);
    ck_assert_int_eq(r.energy_monitor_delta_fJ, 0);
    aimc_mvm_backend_destroy(f->b);
    aimc_dispatch_table_destroy(f->table);
    aimc_ledger_destroy(f->ledger);
}

static void submit(fixture *f, uint64_t cycle, uint32_t slot, uint32_t token, uint32_t layer, uint32_t phase,
                   uint32_t nunits, const uint32_t *units)
{
    aimc_mvm_command c = {.slot = slot, .token = token, .layer = layer, .phase = phase, .nunits = nunits};
    memcpy(c.unit, units, nunits * sizeof *units);
    aimc_error err;
    ck_assert_msg(aimc_mvm_backend_submit(f->b, cycle, &c, &err) == 0, "%s", err.msg);
}

/* Runs until the next completion; returns its cycle and checks the completed slot. */
static uint64_t next_done(fixture *f, uint32_t expect_slot)
{
    uint32_t slots[64], n;
    uint64_t cycle;
    aimc_error err;
    ck_assert_int_eq(aimc_mvm_backend_advance(f->b, 1000000, slots, &n, &cycle, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(slots[0], expect_slot);
    return cycle;
}

START_TEST(one_block_group_timing)
{
    /* accept c=0; push p=1; tile accept a=2; switch 3 (first job); compute 5; done_valid 2+3+5+1 = 11;
     * group_done 12. */
    fixture f = {.table = aimc_dispatch_table_create(1, 1, 1)};
    add(f.table, 0, 0, 0, 0, 2);
    open_fixture(&f, 4, NULL);
    uint32_t u = 0;
    submit(&f, 0, 5, 7, 0, 0, 1, &u);
    ck_assert_uint_eq(next_done(&f, 5), 12);
    ck_assert_int_eq(aimc_ledger_token_energy(f.ledger, 7, AIMC_E_CROSSBAR), 10000000);
    ck_assert_int_eq(aimc_ledger_token_energy(f.ledger, 7, AIMC_E_TIER_SWITCH), 13100);
    close_fixture(&f);
}
END_TEST

START_TEST(blocks_on_one_tile_serialize)
{
    /* Three blocks on tile 1: tiers 0, 0, 3.  Pushes p = 1, 2, 3.  Job 0: a0 = 2, switch, done 2+3+5+1 = 11,
     * last compute cycle 10.  Job 1 (same tier, no switch): a1 = max(3, 10) = 10, done 10+5+1 = 16, last compute
     * 15.  Job 2 (tier 3: switch): a2 = max(4, 15) = 15, done 15+3+5+1 = 24.  group_done 25. */
    fixture f = {.table = aimc_dispatch_table_create(1, 2, 1)};
    add(f.table, 0, 1, 0, 1, 0);
    add(f.table, 0, 1, 0, 1, 0);
    add(f.table, 0, 1, 0, 1, 3);
    open_fixture(&f, 4, NULL);
    uint32_t u = 1;
    submit(&f, 0, 0, 0, 0, 0, 1, &u);
    ck_assert_uint_eq(next_done(&f, 0), 25);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(f.b);
    ck_assert_uint_eq(st->tier_switches, 2);
    ck_assert_uint_eq(st->busy_cycles[1], 3 * 5 + 2 * 3);
    /* queued while busy: job 1 visible from 3, accepted 10: 7 cycles; job 2 visible from 4, accepted 15: 11 */
    ck_assert_uint_eq(st->conflict_cycles[1], 18);
    close_fixture(&f);
}
END_TEST

START_TEST(full_queue_stalls_the_dispatcher)
{
    /* Six blocks on tile 0, one tier (queue depth 4).  Pushes p0..p3 = 1..4; job n needs accept of job n-4
     * before its push.  Tile: a0 = 2 (switch) -> last compute 10; a1 = 10, a2 = 15, a3 = 20, a4 = 25, a5 = 30.
     * p4 >= a0 + 1 = 3 and >= p3 + 1 = 5: 5; p5 >= a1 + 1 = 11: 11 (stalled cycles 6..10: 5 cycles).
     * done of job 5: 30 + 5 + 1 = 36; group_done 37. */
    fixture f = {.table = aimc_dispatch_table_create(1, 1, 1)};
    for (int k = 0; k < 6; k++)
        add(f.table, 0, 0, 0, 0, 1);
    open_fixture(&f, 4, NULL);
    uint32_t u = 0;
    submit(&f, 0, 3, 0, 0, 0, 1, &u);
    ck_assert_uint_eq(next_done(&f, 3), 37);
    ck_assert_uint_eq(aimc_mvm_backend_stats(f.b)->stall_cycles[0], 5);
    close_fixture(&f);
}
END_TEST

START_TEST(commands_back_to_back_and_tiles_in_parallel)
{
    /* Command A (slot 0): unit 0 = two blocks on tiles 0 and 1.  Command B (slot 1): unit 1 = one block on
     * tile 2.  A: accept 0, pushes 1, 2; B: accept 3 (the cycle after A's last push), push 4.
     * A: tile 0 job a=2 done 11; tile 1 job a=3 done 12 -> group_done 13.
     * B: tile 2 job a=5 done 5+3+5+1 = 14 -> group_done 15. */
    fixture f = {.table = aimc_dispatch_table_create(1, 2, 1)};
    add(f.table, 0, 0, 0, 0, 0);
    add(f.table, 0, 0, 0, 1, 0);
    add(f.table, 0, 1, 0, 2, 0);
    open_fixture(&f, 4, NULL);
    uint32_t a = 0, b = 1;
    submit(&f, 0, 0, 0, 0, 0, 1, &a);
    submit(&f, 0, 1, 1, 0, 0, 1, &b);
    ck_assert_uint_eq(next_done(&f, 0), 13);
    ck_assert_uint_eq(next_done(&f, 1), 15);
    close_fixture(&f);
}
END_TEST

/* One seed: random table, random groups kept in flight until >= 100k jobs completed; the backend's scoreboard
 * (checked in close_fixture) sees every job exactly once and in push order per tile. */
static void random_dispatch(unsigned long seed)
{
    aimc_rng *rng = aimc_rng_create(seed);
    const uint32_t layers = 2, units = 10, tiles = 16;
    fixture f = {.table = aimc_dispatch_table_create(layers, units, 2)};
    for (uint32_t l = 0; l < layers; l++)
        for (uint32_t u = 0; u < units; u++)
            for (uint32_t p = 0; p < 2; p++)
                for (uint32_t k = 1 + aimc_rng_uniform_int(rng, 4); k > 0; k--)
                    add(f.table, l, u, p, (uint16_t)aimc_rng_uniform_int(rng, tiles),
                        (uint16_t)aimc_rng_uniform_int(rng, 8));
    open_fixture(&f, tiles, NULL);
    bool in_flight[32] = {0};
    uint32_t free_slots = 32;
    uint64_t jobs_target = 100000, submitted_groups = 0;
    while (aimc_mvm_backend_stats(f.b)->jobs < jobs_target) {
        /* keep a random number of groups in flight, submitted at the backend's current cycle */
        while (free_slots > 0 && aimc_rng_uniform(rng) < 0.7) {
            uint32_t slot = aimc_rng_uniform_int(rng, 32);
            while (in_flight[slot])
                slot = (slot + 1) % 32;
            uint32_t us[4], n = 1 + aimc_rng_uniform_int(rng, 4);
            for (uint32_t i = 0; i < n; i++)
                us[i] = aimc_rng_uniform_int(rng, units);
            submit(&f, aimc_mvm_backend_now(f.b) + aimc_rng_uniform_int(rng, 3), slot, (uint32_t)(submitted_groups++ % 500),
                   aimc_rng_uniform_int(rng, layers), aimc_rng_uniform_int(rng, 2), n, us);
            in_flight[slot] = true;
            free_slots--;
        }
        uint32_t done[64], n;
        uint64_t cycle;
        aimc_error err;
        ck_assert_int_eq(aimc_mvm_backend_advance(f.b, aimc_mvm_backend_now(f.b) + 50, done, &n, &cycle, &err), 0);
        for (uint32_t i = 0; i < n; i++) {
            ck_assert(in_flight[done[i]]);
            in_flight[done[i]] = false;
            free_slots++;
        }
    }
    printf("random dispatch, seed %lu: %llu groups, %llu jobs, %llu cycles\n", seed, (unsigned long long)submitted_groups,
           (unsigned long long)aimc_mvm_backend_stats(f.b)->jobs, (unsigned long long)aimc_mvm_backend_now(f.b));
    /* drain */
    while (free_slots < 32) {
        uint32_t done[64], n;
        uint64_t cycle;
        aimc_error err;
        ck_assert_int_eq(aimc_mvm_backend_advance(f.b, aimc_mvm_backend_now(f.b) + 100000, done, &n, &cycle, &err), 0);
        ck_assert_uint_gt(n, 0);
        for (uint32_t i = 0; i < n; i++)
            in_flight[done[i]] = false;
        free_slots += n;
    }
    close_fixture(&f);
    aimc_rng_destroy(rng);
}

START_TEST(random_commands_never_lose_duplicate_or_reorder_jobs)
{
    unsigned long seed = aimc_test_seed("random_commands_never_lose_duplicate_or_reorder_jobs", 424242);
    for (unsigned long k = 0; k < 3; k++)
        random_dispatch(seed + k);
}
END_TEST

START_TEST(one_cycle_compute_back_to_back)
{
    /* The shortest compute phase the periphery tile has, K = 3 (PWM with nothing to drive -- the chip's tiles
     * get zero codes -- no integration, one 1-bit conversion per column: load cycle + sample + decision):
     * completions on one tile every 3 cycles, each matched to its own job. Four blocks on tile 0, one tier, no
     * switch cost: pushes 1..4; a0 = 2 (switch of 0 cycles), done 2+0+3+1 = 6; the next job is accepted in each
     * last compute cycle: a_n = max(p_n + 1, a_{n-1} + 3) = 5, 8, 11; last done 15; group_done 16. */
    fixture f = {.table = aimc_dispatch_table_create(1, 1, 1)};
    for (int k = 0; k < 4; k++)
        add(f.table, 0, 0, 0, 0, 1);
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &f.chip, &err) == 0, "%s", err.msg);
    f.chip.tile.tiles = 4;
    f.chip.tile.tier_switch_cycles = 0;
    f.chip.periphery.dac_mode = AIMC_DAC_PWM;
    f.chip.periphery.integrate_cycles = 0;
    aimc_dispatch_table_finish(f.table);
    f.ledger = aimc_ledger_create(2);
    f.b = aimc_cosim_backend_create(&f.chip, f.table, 1, f.ledger, NULL, &err);
    ck_assert_msg(f.b != NULL, "%s", err.msg);
    uint32_t u = 0;
    submit(&f, 0, 2, 0, 0, 0, 1, &u);
    ck_assert_uint_eq(next_done(&f, 2), 16);
    close_fixture(&f);
}
END_TEST

START_TEST(bad_commands_are_refused)
{
    fixture f = {.table = aimc_dispatch_table_create(1, 2, 1)};
    add(f.table, 0, 0, 0, 0, 0);
    open_fixture(&f, 4, NULL);
    aimc_error err;
    aimc_mvm_command c = {.slot = 0, .nunits = 1, .unit = {1}};
    ck_assert_int_eq(aimc_mvm_backend_submit(f.b, 0, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "has no blocks"));
    c.unit[0] = 0;
    ck_assert_int_eq(aimc_mvm_backend_submit(f.b, 0, &c, &err), 0);
    ck_assert_int_eq(aimc_mvm_backend_submit(f.b, 0, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "still in flight"));
    next_done(&f, 0);
    c.slot = 1;
    ck_assert_int_eq(aimc_mvm_backend_submit(f.b, 0, &c, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "already at cycle"));
    close_fixture(&f);
}
END_TEST

/* Token marks reach the chip's marker ports in their own cycles, whatever order they were made in, and the RTL
 * counts the ends: read back from the stimulus record (inputs and outputs of every cycle). */
START_TEST(token_marks_drive_the_marker_ports_in_their_cycles)
{
    char rec[] = "/tmp/aimc-marks-XXXXXX";
    int fd = mkstemp(rec);
    ck_assert_int_ge(fd, 0);
    close(fd);
    fixture f = {.table = aimc_dispatch_table_create(1, 1, 1)};
    add(f.table, 0, 0, 0, 0, 0);
    aimc_error err;
    ck_assert_msg(aimc_chip_config_load(SMALL_CHIP, &f.chip, &err) == 0, "%s", err.msg);
    aimc_dispatch_table_finish(f.table);
    f.ledger = aimc_ledger_create(0);
    f.b = aimc_cosim_backend_create_recorded(&f.chip, f.table, 1, f.ledger, NULL, rec, &err);
    ck_assert_msg(f.b != NULL, "%s", err.msg);
    /* made out of cycle order, as the sequencer does when a later event computes an earlier end */
    const struct { uint64_t cycle; uint32_t seq; bool end; } marks[] = {
        {30, 2, true}, {10, 0, false}, {10, 1, false}, {20, 0, true}, {20, 3, false}, {30, 0, false}, {30, 3, true}};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        ck_assert_msg(aimc_mvm_backend_mark_token(f.b, marks[i].cycle, marks[i].seq, marks[i].end, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(aimc_mvm_backend_mark_token(f.b, 5, 64, false, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "no token-marker bit"));
    uint32_t done[64], n;
    uint64_t cycle;
    ck_assert_int_eq(aimc_mvm_backend_advance(f.b, 40, done, &n, &cycle, &err), 0);
    ck_assert_int_eq(aimc_mvm_backend_mark_token(f.b, 39, 0, true, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "already at cycle"));
    aimc_cosim_backend_report r;
    aimc_cosim_backend_report_get(f.b, &r);
    close_fixture(&f); /* closes the record */

    FILE *in = fopen(rec, "r");
    ck_assert_ptr_nonnull(in);
    char line[512];
    long k = -1 - (long)r.setup_cycles; /* the report's cycle of the current record cycle */
    unsigned long long begin = 0, end = 0, tokens_done = 0, expect_done = 0;
    while (fgets(line, sizeof line, in)) {
        unsigned v[10];
        if (line[0] == 'I') {
            k++;
            ck_assert_int_eq(sscanf(line, "I %x %x %x %x %x %x %x %x %x %x %llx %llx", &v[0], &v[1], &v[2], &v[3],
                                    &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &begin, &end), 12);
            unsigned long long want_begin = k == 10 ? 0x3 : k == 20 ? 0x8 : k == 30 ? 0x1 : 0;
            unsigned long long want_end = k == 20 ? 0x1 : k == 30 ? 0xc : 0;
            ck_assert_msg(begin == want_begin && end == want_end, "cycle %ld: begin %llx end %llx", k, begin, end);
        } else if (line[0] == 'O') {
            ck_assert_int_eq(sscanf(line, "O %x %x %x %llx", &v[0], &v[1], &v[2], &tokens_done), 4);
            /* registers are undefined before the first (reset) edge */
            ck_assert_msg(k == -(long)r.setup_cycles || tokens_done == expect_done,
                          "cycle %ld: tokens_done %llu, expected %llu", k, tokens_done, expect_done);
            expect_done += (unsigned long long)__builtin_popcountll(end); /* counted at the edge */
        }
    }
    fclose(in);
    remove(rec);
    ck_assert_int_eq(k, 39);
    ck_assert_uint_eq(expect_done, 3);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("chip_cosim");
    TCase *tc = tcase_create("chip_cosim");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, one_block_group_timing);
    tcase_add_test(tc, blocks_on_one_tile_serialize);
    tcase_add_test(tc, full_queue_stalls_the_dispatcher);
    tcase_add_test(tc, commands_back_to_back_and_tiles_in_parallel);
    tcase_add_test(tc, random_commands_never_lose_duplicate_or_reorder_jobs);
    tcase_add_test(tc, one_cycle_compute_back_to_back);
    tcase_add_test(tc, bad_commands_are_refused);
    tcase_add_test(tc, token_marks_drive_the_marker_ports_in_their_cycles);
    suite_add_tcase(s, tc);
    return s;
}
