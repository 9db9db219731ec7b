/* The plan (model/run/plan.c, through model/run/plan_args.c): --fit sizes the chip to the model's analog blocks (hand-counted); --no-ott turns every tier into a
 * one-tier tile without switch cost (the dispatch table renamed block by block, tile numbers past 16 bits kept),
 * and the fast backend then runs the blocks of a group in parallel where OTT serialises them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "engine/dispatch_build.h"
#include "engine/fast_backend.h"
#include "run/plan_args.h"
#include "report/run_summary.h"

static aimc_plan *build(const char *model, const char *setting, long tiles, long tiers, bool fit, bool no_ott)
{
    aimc_plan_args a;
    aimc_plan_args_defaults(&a, "test");
    a.model = model;
    a.chip = "paper";
    a.setting = setting;
    a.tiles = tiles;
    a.tiers = tiers;
    a.fit = fit;
    a.no_ott = no_ott;
    aimc_error err;
    aimc_plan *p = aimc_plan_args_create(&a, &err);
    ck_assert_msg(p != NULL, "%s", err.msg);
    return p;
}

/* tiny-moe (2 layers, d 64, 4 SwiGLU experts of 128, vocab 256), every matrix one 512 x 512 block:
 *   all-analog: embedding 1 + per layer (q, k, v, o 4 + router 1 + 4 experts x 3) 17 x 2 + LM head 1 = 36 blocks
 *   heterogeneous: only the routed experts, 2 x 4 x 3 = 24 blocks. */
START_TEST(fit_counts_blocks_by_hand)
{
    aimc_plan *p;
    p = build("tiny-moe", "all-analog", 0, 0, true, false);
    ck_assert_uint_eq(aimc_plan_analog_blocks(p), 36);
    ck_assert_uint_eq(aimc_plan_chip(p)->tile.tiles, 5); /* ceil(36 / 8) */
    aimc_mapping_summary s;
    aimc_mapping_summary_of(aimc_plan_mapping(p), &s);
    ck_assert_uint_eq(s.tiers_used, 36);
    aimc_plan_destroy(p);

    p = build("tiny-moe", "heterogeneous", 0, 0, true, false);
    ck_assert_uint_eq(aimc_plan_analog_blocks(p), 24);
    ck_assert_uint_eq(aimc_plan_chip(p)->tile.tiles, 3);
    aimc_plan_destroy(p);

    p = build("tiny-moe", "all-analog", 0, 16, true, false);
    ck_assert_uint_eq(aimc_plan_chip(p)->tile.tiles, 3); /* ceil(36 / 16) */
    aimc_plan_destroy(p);

    /* OLMoE-1B-7B all analog (d 2048, 64 experts of 1024, vocab 50304, 16 layers), in 512 x 512 blocks:
     * embedding 50304 x 2048 -> 99 x 4 = 396; per layer q, k, v, o 4 x 16 = 64, router 2048 x 64 -> 4,
     * experts 64 x (gate 4 x 2 + up 4 x 2 + down 2 x 4) = 1536: 1604 x 16 = 25664; LM head 2048 x 50304 ->
     * 4 x 99 = 396.  26456 blocks, 3307 tiles of 8 tiers. */
    p = build("olmoe-1b-7b", "all-analog", 0, 0, true, false);
    ck_assert_uint_eq(aimc_plan_analog_blocks(p), 26456);
    ck_assert_uint_eq(aimc_plan_chip(p)->tile.tiles, 3307);
    aimc_plan_destroy(p);
}
END_TEST

START_TEST(fit_and_tiles_conflict)
{
    aimc_plan_args a;
    aimc_plan_args_defaults(&a, "run");
    a.model = "tiny-moe";
    a.chip = "paper";
    a.tiles = 4;
    a.fit = true;
    aimc_error err;
    ck_assert_ptr_null(aimc_plan_args_create(&a, &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "--fit or --tiles"));
}
END_TEST

/* Every block of the plain table reappears, in the same entry and order, on one-tier tile tile x tiers + tier. */
static void check_renamed(const aimc_plan *p, uint32_t *max_tile)
{
    aimc_error err;
    aimc_dispatch_table *plain = aimc_dispatch_table_from_mapping(aimc_plan_mapping(p), &err);
    const aimc_dispatch_table *eng = aimc_plan_dispatch_table(p);
    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(eng);
    ck_assert_uint_eq(aimc_dispatch_table_blocks(plain), aimc_dispatch_table_blocks(eng));
    ck_assert_uint_eq(aimc_dispatch_table_blocks(eng), aimc_plan_analog_blocks(p));
    uint32_t tiers = aimc_plan_chip(p)->tile.tiers;
    *max_tile = 0;
    for (uint32_t l = 0; l < aimc_dispatch_table_layers(plain); l++)
        for (uint32_t u = 0; u < aimc_dispatch_table_units(plain); u++)
            for (uint32_t ph = 0; ph < aimc_dispatch_table_phases(plain); ph++) {
                uint32_t n1, n2;
                const aimc_dispatch_block *a = aimc_dispatch_table_entry(plain, l, u, ph, &n1);
                const aimc_dispatch_block *b = aimc_dispatch_table_entry(eng, l, u, ph, &n2);
                ck_assert_uint_eq(n1, n2);
                for (uint32_t j = 0; j < n1; j++) {
                    ck_assert_uint_eq(b[j].tile, a[j].tile * tiers + a[j].tier);
                    ck_assert_uint_eq(b[j].tier, 0);
                    ck_assert_uint_eq(b[j].in_block, a[j].in_block);
                    ck_assert_uint_eq(b[j].out_block, a[j].out_block);
                    ck_assert_uint_eq(aimc_plan_physical_tile(p, b[j].tile), a[j].tile);
                    if (b[j].tile > *max_tile)
                        *max_tile = b[j].tile;
                }
            }
    aimc_dispatch_table_destroy(plain);
}

START_TEST(no_ott_engine_chip_and_table)
{
    aimc_plan *p;
    uint32_t max_tile;
    p = build("tiny-moe", "all-analog", 0, 0, true, true);
    ck_assert_uint_eq(aimc_plan_chip(p)->tile.tiles, 5);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.tiles, 40);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.tiers, 1);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.tier_switch_cycles, 0);
    ck_assert_int_eq(aimc_plan_engine_chip(p)->periphery.energy.tier_switch, 0);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.rows, aimc_plan_chip(p)->tile.rows);
    /* the area stays the 5 physical tiles' */
    ck_assert_double_eq(aimc_chip_area_mm2(aimc_plan_chip(p), false), 5 * aimc_plan_chip(p)->tile.tile_area_mm2 +
                                                                aimc_digital_units_area_mm2(&aimc_plan_chip(p)->system));
    check_renamed(p, &max_tile);
    ck_assert_uint_lt(max_tile, 40);
    aimc_plan_destroy(p);

    /* OTT on: the engine runs the chip itself */
    p = build("tiny-moe", "all-analog", 0, 0, true, false);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.tiles, 5);
    ck_assert_uint_eq(aimc_plan_physical_tile(p, 3), 3);
    aimc_plan_destroy(p);
}
END_TEST

/* DeepSeekMoE-16B all analog: 67916 blocks, 8490 tiles of 8 tiers; without OTT 67920 one-tier tiles, numbered
 * past 16 bits (the dispatch block's tile field is 32 bits wide). */
START_TEST(no_ott_tiles_past_16_bits)
{
    aimc_plan *p;
    uint32_t max_tile;
    p = build("deepseek-moe-16b", "all-analog", 0, 0, true, true);
    ck_assert_uint_eq(aimc_plan_analog_blocks(p), 67916);
    ck_assert_uint_eq(aimc_plan_engine_chip(p)->tile.tiles, 67920);
    check_renamed(p, &max_tile);
    ck_assert_uint_gt(max_tile, 65535);
    aimc_plan_destroy(p);
}
END_TEST

/* One group of two experts' gate and up (4 blocks) on a chip of one tile: with OTT its jobs wait for each other;
 * without, each runs on its own one-tier tile at once. */
typedef struct {
    uint64_t done, jobs, switches, conflicts;
} group_run;

static group_run one_group(const aimc_plan *p)
{
    aimc_error err;
    const aimc_dispatch_table *t = aimc_plan_dispatch_table(p);
    ck_assert_ptr_nonnull(t);
    /* queue depth 4 as the RTL's; 4 group slots */
    aimc_mvm_backend *b = aimc_fast_backend_create(aimc_plan_engine_chip(p), t, 4, 4, 1, 8, NULL, &err);
    ck_assert_msg(b != NULL, "%s", err.msg);
    aimc_mvm_command cmd = {.slot = 0, .token = 0, .layer = 0, .phase = AIMC_PHASE_IN, .nunits = 2, .unit = {0, 1}};
    ck_assert(aimc_mvm_backend_submit(b, 0, &cmd, &err) == 0);
    uint32_t done[4], n;
    group_run r = {0};
    ck_assert(aimc_mvm_backend_advance(b, UINT64_MAX, done, &n, &r.done, &err) == 0);
    ck_assert_uint_eq(n, 1);
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    r.jobs = st->jobs;
    r.switches = st->tier_switches;
    for (uint32_t i = 0; i < aimc_plan_engine_chip(p)->tile.tiles; i++)
        r.conflicts += st->conflict_cycles[i];
    aimc_mvm_backend_destroy(b);
    return r;
}

START_TEST(no_ott_runs_tiers_in_parallel)
{
    aimc_plan *on, *off;
    on = build("tiny-moe", "all-analog", 1, 64, false, false);
    off = build("tiny-moe", "all-analog", 1, 64, false, true);
    group_run a = one_group(on), b = one_group(off);
    ck_assert_uint_eq(a.jobs, 4);
    ck_assert_uint_eq(b.jobs, 4);
    ck_assert_uint_eq(a.switches, 4); /* 4 blocks on 4 tiers of one tile */
    ck_assert_uint_eq(b.switches, 4); /* each one-tier tile's first job */
    ck_assert_uint_gt(a.conflicts, 0); /* jobs waited for the busy tile */
    ck_assert_uint_eq(b.conflicts, 0);
    ck_assert_uint_lt(b.done, a.done);
    aimc_plan_destroy(on);
    aimc_plan_destroy(off);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("plan_fit");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fit_counts_blocks_by_hand);
    tcase_add_test(tc, fit_and_tiles_conflict);
    tcase_add_test(tc, no_ott_engine_chip_and_table);
    tcase_add_test(tc, no_ott_tiles_past_16_bits);
    tcase_add_test(tc, no_ott_runs_tiers_in_parallel);
    suite_add_tcase(s, tc);
    return s;
}
