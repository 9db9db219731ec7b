#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "testutil.h"
#include "workload/mapping.h"
#include "workload/routing.h"
#include "workload/model_load.h"

static aimc_moe_model load(const char *name)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load(name, &m, &err) == 0, "%s", err.msg);
    return m;
}

static aimc_chip_config chip(uint32_t tiles, uint32_t tiers, uint32_t rows, uint32_t cols)
{
    aimc_chip_config c;
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "test");
    snprintf(c.path, sizeof c.path, "test-chip.json");
    c.clock_period_ps = 1000;
    c.tile = (aimc_tile_config){tiles, tiers, rows, cols, 0, 1.0};
    return c;
}

static aimc_assignment *assign(const aimc_moe_model *m, aimc_setting s, double fraction, const double *scores)
{
    aimc_assignment_options o = {s, fraction, AIMC_CRITERION_RANDOM, false};
    aimc_error err;
    aimc_assignment *a = aimc_assignment_create(m, &o, scores, &err);
    ck_assert_msg(a != NULL, "%s", err.msg);
    return a;
}

static aimc_mapping *map(const aimc_moe_model *m, const aimc_assignment *a, const aimc_chip_config *c,
                         aimc_strategy s, const aimc_routing_trace *trace)
{
    aimc_mapping_options o = {s, trace};
    aimc_error err;
    aimc_mapping *mp = aimc_mapping_create(m, a, c, &o, &err);
    ck_assert_msg(mp != NULL, "%s", err.msg);
    return mp;
}

/* Every block on its own (tile, tier), the reverse table agreeing, each tile's tiers filled from 0 up. */
static void assert_consistent(const aimc_mapping *mp)
{
    const aimc_chip_config *c = aimc_mapping_chip(mp);
    size_t n = aimc_mapping_block_count(mp), seen = 0;
    const aimc_block *b = aimc_mapping_blocks(mp);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_lt(b[i].tile, c->tile.tiles);
        ck_assert_uint_lt(b[i].tier, aimc_mapping_tile_tiers_used(mp, b[i].tile));
        ck_assert_int_eq(aimc_mapping_block_at(mp, b[i].tile, b[i].tier), (long)i);
    }
    for (uint32_t t = 0; t < c->tile.tiles; t++)
        for (uint32_t k = 0; k < c->tile.tiers; k++) {
            long at = aimc_mapping_block_at(mp, t, k);
            ck_assert_int_eq(at >= 0, k < aimc_mapping_tile_tiers_used(mp, t));
            seen += at >= 0;
        }
    ck_assert_uint_eq(seen, n);
}

START_TEST(greedy_block_counts_and_tier_usage_on_a_hand_sized_case)
{
    /* tiny-moe (d_model 64, 4 SwiGLU experts of width 128) on 64 x 64 crossbars, heterogeneous setting
     * (router, attention and LM head digital, embedding a lookup): per layer 4 experts x (gate 1x2 + up 1x2
     * + down 2x1 = 6 blocks) = 24 blocks, 48 for the two layers. */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(4, 16, 64, 64);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_GREEDY, NULL);
    ck_assert_uint_eq(aimc_mapping_block_count(mp), 48);
    /* Greedy to the least-used tile, lowest index on ties, is round robin: block n on tile n % 4, tier n / 4. */
    const aimc_block *b = aimc_mapping_blocks(mp);
    for (uint32_t i = 0; i < 48; i++) {
        ck_assert_uint_eq(b[i].tile, i % 4);
        ck_assert_uint_eq(b[i].tier, i / 4);
    }
    aimc_mapping_summary s;
    aimc_mapping_summary_of(mp, &s);
    ck_assert_uint_eq(s.tiers_used, 48);
    ck_assert_uint_eq(s.tiles_used, 4);
    ck_assert_uint_eq(s.max_tiers_per_tile, 12);
    ck_assert_uint_eq(s.min_tiers_per_used_tile, 12);
    ck_assert_uint_eq(s.cells_used, 2 * 4 * 3 * 64 * 128); /* every block full */
    ck_assert_double_eq_tol(s.block_utilisation, 1.0, 1e-12);
    ck_assert_double_eq_tol(s.chip_area_mm2, 4.0, 1e-12);
    ck_assert_double_eq_tol(s.used_area_mm2, 4.0, 1e-12);
    ck_assert_uint_eq(s.matrices[AIMC_PLACE_ANALOG], 2 * 12);
    ck_assert_uint_eq(s.matrices[AIMC_PLACE_LOOKUP], 1);
    ck_assert_uint_eq(s.matrices[AIMC_PLACE_DIGITAL], 2 * (4 + 1) + 1);
    assert_consistent(mp);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(edge_blocks_are_partial)
{
    /* 100 x 50 crossbars: gate 64 -> 128 is 1 x 3 blocks (columns 50, 50, 28); down 128 -> 64 is 2 x 2
     * (rows 100, 28; columns 50, 14). */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(8, 64, 100, 50);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_GREEDY, NULL);
    const aimc_mapped_matrix *gate = aimc_mapping_find(mp, 1, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_GATE);
    ck_assert_uint_eq(gate->row_blocks, 1);
    ck_assert_uint_eq(gate->col_blocks, 3);
    ck_assert_uint_eq(aimc_mapping_block(mp, gate, 0, 2)->cols, 28);
    ck_assert_uint_eq(aimc_mapping_block(mp, gate, 0, 1)->rows, 64);
    const aimc_mapped_matrix *down = aimc_mapping_find(mp, 1, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_DOWN);
    ck_assert_uint_eq(down->row_blocks, 2);
    ck_assert_uint_eq(down->col_blocks, 2);
    const aimc_block *last = aimc_mapping_block(mp, down, 1, 1);
    ck_assert_uint_eq(last->rows, 28);
    ck_assert_uint_eq(last->cols, 14);
    ck_assert_uint_eq(last->row_block, 1);
    ck_assert_uint_eq(last->col_block, 1);
    ck_assert_int_eq((long)last->matrix, aimc_matrix_index(&m, 1, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_DOWN));
    ck_assert_ptr_null(aimc_mapping_block(mp, down, 2, 0));
    const aimc_mapped_matrix *q = aimc_mapping_find(mp, 0, AIMC_MODULE_ATTENTION, -1, AIMC_ROLE_Q);
    ck_assert_uint_eq(q->placement, AIMC_PLACE_DIGITAL);
    ck_assert_uint_eq(q->row_blocks * q->col_blocks, 0);
    ck_assert_ptr_null(aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, 4, AIMC_ROLE_UP));
    /* 2 layers x 4 experts x (3 + 3 + 4) blocks of 100 x 50 cells, holding 2 x 4 x 3 x 64 x 128 weights */
    aimc_mapping_summary s;
    aimc_mapping_summary_of(mp, &s);
    ck_assert_uint_eq(s.tiers_used, 80);
    ck_assert_double_eq_tol(s.block_utilisation, 196608.0 / (80.0 * 100 * 50), 1e-12);
    ck_assert_uint_eq(s.tiles_used, 8);
    assert_consistent(mp);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(all_analog_maps_embedding_attention_and_lm_head)
{
    /* On 64 x 64: embedding 256 -> 64 is 4 x 1 blocks, LM head 64 -> 256 is 1 x 4, each attention
     * projection and router 1 block: 48 + 2 x (4 + 1) + 8 = 66 blocks. */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(4, 32, 64, 64);
    aimc_assignment *a = assign(&m, AIMC_SETTING_ALL_ANALOG, 0, NULL);
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_GREEDY, NULL);
    ck_assert_uint_eq(aimc_mapping_block_count(mp), 66);
    const aimc_mapped_matrix *emb = aimc_mapping_find(mp, -1, AIMC_MODULE_EMBEDDING, -1, AIMC_ROLE_WEIGHT);
    ck_assert_uint_eq(emb->row_blocks, 4);
    ck_assert_uint_eq(emb->col_blocks, 1);
    ck_assert_uint_eq(emb->first_block, 0);
    assert_consistent(mp);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(stacked_puts_expert_i_on_tier_i)
{
    /* 8 tiles x 8 tiers, 64 x 64: in layer 0, block j of experts 0..3 is one stack on the least-used tile:
     * tile j, expert e on tier e. */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(8, 8, 64, 64);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_STACKED, NULL);
    for (int e = 0; e < 4; e++) {
        const aimc_mapped_matrix *x = aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, e, AIMC_ROLE_GATE);
        for (uint32_t j = 0; j < 6; j++) { /* an expert's 6 blocks are consecutive in the table */
            const aimc_block *b = &aimc_mapping_blocks(mp)[x->first_block + j];
            ck_assert_uint_eq(b->tile, j);
            ck_assert_uint_eq(b->tier, (uint32_t)e);
        }
    }
    /* Layer 1: tiles 6 and 7 are empty (tiers 0-3), then tiles 0-3 (tiers 4-7). */
    const uint32_t tiles[6] = {6, 7, 0, 1, 2, 3}, base[6] = {0, 0, 4, 4, 4, 4};
    for (int e = 0; e < 4; e++) {
        const aimc_mapped_matrix *x = aimc_mapping_find(mp, 1, AIMC_MODULE_EXPERT, e, AIMC_ROLE_GATE);
        for (uint32_t j = 0; j < 6; j++) {
            const aimc_block *b = &aimc_mapping_blocks(mp)[x->first_block + j];
            ck_assert_uint_eq(b->tile, tiles[j]);
            ck_assert_uint_eq(b->tier, base[j] + (uint32_t)e);
        }
    }
    assert_consistent(mp);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(stacked_splits_a_stack_taller_than_a_tile)
{
    /* 2 tiers per tile: the stack of 4 experts' block j spans two tiles, 2 experts each. */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(64, 2, 64, 64);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_STACKED, NULL);
    const aimc_mapped_matrix *x0 = aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, 0, AIMC_ROLE_GATE);
    const aimc_mapped_matrix *x1 = aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, 1, AIMC_ROLE_GATE);
    const aimc_mapped_matrix *x2 = aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, 2, AIMC_ROLE_GATE);
    const aimc_block *b0 = aimc_mapping_block(mp, x0, 0, 0), *b1 = aimc_mapping_block(mp, x1, 0, 0);
    const aimc_block *b2 = aimc_mapping_block(mp, x2, 0, 0);
    ck_assert_uint_eq(b0->tile, b1->tile);
    ck_assert_uint_eq(b1->tier, b0->tier + 1);
    ck_assert_uint_ne(b2->tile, b0->tile);
    assert_consistent(mp);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

/* A trace where experts (0, 2) and (1, 3) are always selected together, in both layers. */
static aimc_routing_trace *paired_trace(const aimc_moe_model *m)
{
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "{\"format\": \"aimc3d-routing-trace/1\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n");
    for (int t = 0; t < 20; t++)
        for (int l = 0; l < 2; l++)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "{\"token\": %d, \"layer\": %d, \"experts\": [%d, %d], \"gates\": [0.6, 0.4]}\n", t, l,
                                  t % 2, t % 2 + 2);
    aimc_error err;
    aimc_routing_trace *tr = aimc_routing_trace_load(tu_write_text("pairs.jsonl", text), m, &err);
    ck_assert_msg(tr != NULL, "%s", err.msg);
    return tr;
}

/* How many tiles expert e and expert f of layer 0 share. */
static int shared_tiles(const aimc_mapping *mp, int e, int f)
{
    int shared = 0;
    for (aimc_role ra = AIMC_ROLE_GATE; ra <= AIMC_ROLE_DOWN; ra++)
        for (aimc_role rb = AIMC_ROLE_GATE; rb <= AIMC_ROLE_DOWN; rb++)
            shared += aimc_mapping_block(mp, aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, e, ra), 0, 0)->tile ==
                      aimc_mapping_block(mp, aimc_mapping_find(mp, 0, AIMC_MODULE_EXPERT, f, rb), 0, 0)->tile;
    return shared;
}

START_TEST(coselect_separates_experts_selected_together)
{
    /* 512 x 512 tiers: each expert is 3 blocks; 6 tiles.  Greedy puts expert 0 on tiles 0-2, 1 on 3-5 and
     * expert 2 back on tiles 0-2, with its partner 0.  Co-selection aware placement keeps pairs apart. */
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(6, 8, 512, 512);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_routing_trace *tr = paired_trace(&m);
    aimc_mapping *greedy = map(&m, a, &c, AIMC_STRATEGY_GREEDY, NULL);
    ck_assert_int_eq(shared_tiles(greedy, 0, 2), 3);
    aimc_mapping *co = map(&m, a, &c, AIMC_STRATEGY_COSELECT, tr);
    ck_assert_int_eq(shared_tiles(co, 0, 2), 0);
    ck_assert_int_eq(shared_tiles(co, 1, 3), 0);
    ck_assert_int_eq(shared_tiles(co, 0, 1), 0); /* free tiles were left for expert 1 too */
    assert_consistent(co);
    aimc_mapping_destroy(greedy);
    aimc_mapping_destroy(co);
    aimc_routing_trace_destroy(tr);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(every_strategy_is_consistent_on_a_real_model)
{
    aimc_moe_model m = load("deepseek-moe-16b");
    aimc_chip_config c = chip(2200, 32, 512, 512);
    double *scores = calloc((size_t)m.layers * m.experts, sizeof *scores);
    aimc_assignment *a = assign(&m, AIMC_SETTING_ALL_ANALOG, 0.125, scores);
    aimc_error err;
    aimc_routing_params rp = {.mode = AIMC_ROUTE_SKEWED, .experts = m.experts, .top_k = m.top_k,
                              .layers = m.layers, .seed = 7, .zipf_exponent = 1.0};
    aimc_router *router = aimc_router_create(&rp, &err);
    ck_assert_msg(router != NULL, "%s", err.msg);
    aimc_routing_trace *tr = aimc_router_sample_trace(router, &m, 256, &err);
    ck_assert_msg(tr != NULL, "%s", err.msg);
    aimc_router_destroy(router);
    /* All analog minus 8 digital experts per MoE layer (56 of 64 stay, each 4x3 + 4x3 + 3x4 = 36 blocks):
     * embedding 200 x 4, LM head 4 x 200, 28 x 4 attention x 16, dense layer 3 x 4 x 22 (10944 = 21.4 x 512),
     * 27 x (router 4 + 56 x 36 + shared 3 x 4 x 6). */
    size_t expected = 800 + 800 + 28 * 4 * 16 + 3 * 4 * 22 + 27 * (4 + 56 * 36 + 3 * 4 * 6);
    for (aimc_strategy s = 0; s < AIMC_STRATEGY_COUNT; s++) {
        aimc_mapping *mp = map(&m, a, &c, s, tr);
        ck_assert_uint_eq(aimc_mapping_block_count(mp), expected);
        assert_consistent(mp);
        aimc_mapping_destroy(mp);
    }
    aimc_routing_trace_destroy(tr);
    aimc_assignment_destroy(a);
    free(scores);
}
END_TEST

START_TEST(a_model_that_does_not_fit_gives_the_numbers)
{
    /* OLMoE, heterogeneous: 16 layers x 64 experts x (gate 4x2 + up 4x2 + down 2x4 = 24 blocks) = 24576
     * tiers; the paper chip has 16 x 8 = 128; 24576 / 8 = 3072 tiles would do. */
    aimc_moe_model m = load("olmoe-1b-7b");
    aimc_chip_config c = chip(16, 8, 512, 512);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping_options o = {AIMC_STRATEGY_GREEDY, NULL};
    aimc_error err;
    ck_assert_ptr_null(aimc_mapping_create(&m, a, &c, &o, &err));
    ck_assert_str_eq(err.msg, "test-chip.json: tile.tiles: expected at least 3072 tiles of 8 tiers: model olmoe-1b-7b "
                              "needs 24576 tiers (its analog blocks of 512 x 512) and the chip has 128 (16 tiles x 8 "
                              "tiers), found 16");
    c = chip(3072, 8, 512, 512); /* exactly enough */
    aimc_mapping *mp = map(&m, a, &c, AIMC_STRATEGY_GREEDY, NULL);
    aimc_mapping_summary s;
    aimc_mapping_summary_of(mp, &s);
    ck_assert_uint_eq(s.tiers_used, s.tiers_total);
    aimc_mapping_destroy(mp);
    aimc_assignment_destroy(a);
}
END_TEST

START_TEST(coselect_needs_a_trace_of_the_model)
{
    aimc_moe_model m = load("tiny-moe");
    aimc_chip_config c = chip(4, 16, 512, 512);
    aimc_assignment *a = assign(&m, AIMC_SETTING_HETEROGENEOUS, 0, NULL);
    aimc_mapping_options o = {AIMC_STRATEGY_COSELECT, NULL};
    aimc_error err;
    ck_assert_ptr_null(aimc_mapping_create(&m, a, &c, &o, &err));
    ck_assert_str_eq(err.msg, "mapping: strategy coselect needs a routing trace (recorded or sampled)");
    aimc_moe_model other = load("small-moe");
    aimc_routing_trace *tr = aimc_routing_trace_create(&other, &err);
    o.trace = tr;
    ck_assert_ptr_null(aimc_mapping_create(&m, a, &c, &o, &err));
    ck_assert_str_eq(err.msg, "routing trace: it is for 4 layers (0 dense) of 8 experts, top-2; model tiny-moe has 2 "
                              "layers (0 dense) of 4 experts, top-2");
    aimc_routing_trace_destroy(tr);
    aimc_assignment_destroy(a);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("mapping");
    TCase *tc = tcase_create("mapping");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, greedy_block_counts_and_tier_usage_on_a_hand_sized_case);
    tcase_add_test(tc, edge_blocks_are_partial);
    tcase_add_test(tc, all_analog_maps_embedding_attention_and_lm_head);
    tcase_add_test(tc, stacked_puts_expert_i_on_tier_i);
    tcase_add_test(tc, stacked_splits_a_stack_taller_than_a_tile);
    tcase_add_test(tc, coselect_separates_experts_selected_together);
    tcase_add_test(tc, every_strategy_is_consistent_on_a_real_model);
    tcase_add_test(tc, a_model_that_does_not_fit_gives_the_numbers);
    tcase_add_test(tc, coselect_needs_a_trace_of_the_model);
    suite_add_tcase(s, tc);
    return s;
}
