#include "workload/mapping_report.h"

#include "core/json_config.h"
#include "core/output_file.h"

#define FORMAT "aimc3d-mapping/1"

static void add_u64(json_object *o, const char *key, uint64_t v) { json_object_object_add(o, key, json_object_new_int64((int64_t)v)); }

static json_object *chip_json(const aimc_chip_config *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(c->name));
    json_object_object_add(o, "path", json_object_new_string(c->path));
    add_u64(o, "tiles", c->tile.tiles);
    add_u64(o, "tiers", c->tile.tiers);
    add_u64(o, "rows", c->tile.rows);
    add_u64(o, "cols", c->tile.cols);
    json_object_object_add(o, "tile_area_mm2", aimc_json_double(c->tile.tile_area_mm2, 6));
    return o;
}

static json_object *digital_experts_json(const aimc_moe_model *m, const aimc_assignment *a)
{
    json_object *layers = json_object_new_array();
    for (uint32_t l = m->dense_layers; m->experts && l < m->layers; l++) {
        json_object *row = json_object_new_object(), *experts = json_object_new_array();
        for (uint32_t e = 0; e < m->experts; e++)
            if (aimc_assignment_expert_digital(a, l, e))
                json_object_array_add(experts, json_object_new_int64(e));
        add_u64(row, "layer", l);
        json_object_object_add(row, "experts", experts);
        json_object_array_add(layers, row);
    }
    return layers;
}

static json_object *assignment_json(const aimc_moe_model *m, const aimc_assignment *a)
{
    const aimc_assignment_options *o = aimc_assignment_options_of(a);
    aimc_assignment_stats st;
    aimc_assignment_stats_of(a, &st);
    json_object *j = json_object_new_object(), *params = json_object_new_object();
    json_object_object_add(j, "setting", json_object_new_string(aimc_setting_name(o->setting)));
    json_object_object_add(j, "digital_expert_fraction", aimc_json_double(o->digital_expert_fraction, 6));
    json_object_object_add(j, "criterion", json_object_new_string(aimc_criterion_name(o->criterion)));
    json_object_object_add(j, "ranking", json_object_new_string(o->global_ranking ? "global" : "per-layer"));
    add_u64(j, "digital_experts_count", st.digital_experts);
    add_u64(j, "routed_experts", st.routed_experts);
    json_object_object_add(j, "digital_experts", digital_experts_json(m, a));
    for (int p = 0; p < AIMC_PLACE_COUNT; p++)
        add_u64(params, aimc_placement_name((aimc_placement)p), st.params[p]);
    add_u64(params, "embedding", st.embedding);
    json_object_object_add(j, "parameters", params);
    json_object_object_add(j, "digital_share", aimc_json_double(st.digital_share, 6));
    json_object_object_add(j, "digital_share_with_embedding", aimc_json_double(st.digital_share_with_embedding, 6));
    json_object_object_add(j, "digital_share_paper", aimc_json_double(st.digital_share_paper, 6));
    return j;
}

static json_object *summary_json(const aimc_mapping_summary *s)
{
    json_object *o = json_object_new_object();
    add_u64(o, "tiles_used", s->tiles_used);
    add_u64(o, "tiers_used", s->tiers_used);
    add_u64(o, "tiers_total", s->tiers_total);
    add_u64(o, "min_tiers_per_used_tile", s->min_tiers_per_used_tile);
    add_u64(o, "max_tiers_per_tile", s->max_tiers_per_tile);
    add_u64(o, "cells_used", s->cells_used);
    json_object_object_add(o, "block_utilisation", aimc_json_double(s->block_utilisation, 6));
    json_object_object_add(o, "chip_area_mm2", aimc_json_double(s->chip_area_mm2, 6));
    json_object_object_add(o, "used_area_mm2", aimc_json_double(s->used_area_mm2, 6));
    return o;
}

static json_object *matrix_json(const aimc_mapping *mp, size_t i)
{
    const aimc_mapped_matrix *x = aimc_mapping_matrix(mp, i);
    json_object *o = json_object_new_object();
    add_u64(o, "index", i);
    json_object_object_add(o, "layer", json_object_new_int(x->matrix.layer));
    json_object_object_add(o, "module", json_object_new_string(aimc_module_name(x->matrix.module)));
    json_object_object_add(o, "expert", json_object_new_int(x->matrix.expert));
    json_object_object_add(o, "role", json_object_new_string(aimc_role_name(x->matrix.role)));
    add_u64(o, "in", x->matrix.in_dim);
    add_u64(o, "out", x->matrix.out_dim);
    json_object_object_add(o, "placement", json_object_new_string(aimc_placement_name(x->placement)));
    if (x->placement != AIMC_PLACE_ANALOG)
        return o;
    add_u64(o, "row_blocks", x->row_blocks);
    add_u64(o, "col_blocks", x->col_blocks);
    json_object *blocks = json_object_new_array_ext((int)(x->row_blocks * x->col_blocks));
    for (uint32_t r = 0; r < x->row_blocks; r++)
        for (uint32_t c = 0; c < x->col_blocks; c++) {
            const aimc_block *b = aimc_mapping_block(mp, x, r, c);
            json_object *pair = json_object_new_array_ext(2);
            json_object_array_add(pair, json_object_new_int64(b->tile));
            json_object_array_add(pair, json_object_new_int64(b->tier));
            json_object_array_add(blocks, pair);
        }
    json_object_object_add(o, "blocks", blocks);
    return o;
}

json_object *aimc_mapping_to_json(const aimc_mapping *mp, const aimc_assignment *a)
{
    const aimc_moe_model *m = aimc_mapping_model(mp);
    aimc_mapping_summary s;
    aimc_mapping_summary_of(mp, &s);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string(FORMAT));
    json_object_object_add(o, "model", aimc_moe_model_to_json(m));
    json_object_object_add(o, "chip", chip_json(aimc_mapping_chip(mp)));
    json_object_object_add(o, "strategy", json_object_new_string(aimc_strategy_name(aimc_mapping_strategy(mp))));
    json_object_object_add(o, "assignment", assignment_json(m, a));
    json_object_object_add(o, "summary", summary_json(&s));
    json_object *matrices = json_object_new_array_ext((int)aimc_mapping_matrix_count(mp));
    for (size_t i = 0; i < aimc_mapping_matrix_count(mp); i++)
        json_object_array_add(matrices, matrix_json(mp, i));
    json_object_object_add(o, "matrices", matrices);
    return o;
}

int aimc_mapping_write_json(const aimc_mapping *mp, const aimc_assignment *a, const char *path, aimc_error *err)
{
    json_object *o = aimc_mapping_to_json(mp, a);
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    aimc_output_file *out = aimc_output_open(path, err);
    int rc = -1;
    if (out) {
        FILE *f = aimc_output_stream(out);
        fputs(text, f);
        fputc('\n', f);
        rc = aimc_output_commit(out, err);
    }
    json_object_put(o);
    return rc;
}

/* ---- the printed report ---- */

/* A parameter count in words: "6.44 B", "8.39 M", "5120". */
static const char *count_text(uint64_t n, char buf[32])
{
    if (n >= 1000000000)
        snprintf(buf, 32, "%.2f B", (double)n / 1e9);
    else if (n >= 1000000)
        snprintf(buf, 32, "%.2f M", (double)n / 1e6);
    else
        snprintf(buf, 32, "%llu", (unsigned long long)n);
    return buf;
}

static void print_engine_cost(const aimc_moe_model *m, const aimc_chip_config *chip,
                              const aimc_digital_expert_config *engine, FILE *out)
{
    long first = aimc_matrix_expert_first(m, (int)m->dense_layers, 0);
    aimc_matrix x[3];
    for (uint32_t r = 0; r < aimc_moe_model_ffn_matrices(m); r++)
        aimc_matrix_at(m, (size_t)first + r, &x[r]);
    aimc_digital_cost c;
    aimc_digital_matrices_cost(engine, chip->clock_period_ps, x, aimc_moe_model_ffn_matrices(m), 1, &c);
    fprintf(out, "digital expert engine: one routed expert, one token: %llu FLOP, %llu bytes, %.1f ns (%llu cycles), "
                 "%.1f nJ; engine area %.1f mm2\n",
            (unsigned long long)c.flops, (unsigned long long)c.bytes, c.latency_ns, (unsigned long long)c.cycles,
            aimc_fJ_to_nJ(c.energy), engine->area_mm2);
}

void aimc_mapping_print_report(const aimc_mapping *mp, const aimc_assignment *a,
                               const aimc_digital_expert_config *engine, FILE *out)
{
    const aimc_moe_model *m = aimc_mapping_model(mp);
    const aimc_chip_config *chip = aimc_mapping_chip(mp);
    const aimc_assignment_options *o = aimc_assignment_options_of(a);
    aimc_mapping_summary s;
    aimc_mapping_summary_of(mp, &s);
    aimc_assignment_stats st;
    aimc_assignment_stats_of(a, &st);
    fprintf(out, "model %s on chip %s: %u tiles x %u tiers of %u x %u, strategy %s, setting %s\n", m->name, chip->name,
            s.tiles, s.tiers_per_tile, chip->tile.rows, chip->tile.cols, aimc_strategy_name(aimc_mapping_strategy(mp)),
            aimc_setting_name(o->setting));
    fprintf(out, "matrices: %u analog, %u digital, %u lookup\n", s.matrices[AIMC_PLACE_ANALOG],
            s.matrices[AIMC_PLACE_DIGITAL], s.matrices[AIMC_PLACE_LOOKUP]);
    fprintf(out, "tiers used: %llu of %llu (%.1f %%); tiles used: %u of %u\n", (unsigned long long)s.tiers_used,
            (unsigned long long)s.tiers_total, s.tiers_total ? 100.0 * (double)s.tiers_used / (double)s.tiers_total : 0,
            s.tiles_used, s.tiles);
    fprintf(out, "tiers per used tile: %u to %u\n", s.min_tiers_per_used_tile, s.max_tiers_per_tile);
    fprintf(out, "block utilisation: %.2f %% of the cells of used tiers hold a weight\n", 100.0 * s.block_utilisation);
    fprintf(out, "chip area: %.2f mm2 (%u tiles x %.3f mm2); tiles holding blocks: %.2f mm2\n", s.chip_area_mm2,
            s.tiles, chip->tile.tile_area_mm2, s.used_area_mm2);
    fprintf(out, "digital routed experts: %u of %u (fraction %.4f, criterion %s, %s ranking)\n", st.digital_experts,
            st.routed_experts, o->digital_expert_fraction, aimc_criterion_name(o->criterion),
            o->global_ranking ? "global" : "per-layer");
    char an[32], di[32], lo[32];
    fprintf(out, "parameters: %s analog, %s digital, %s lookup; digital share %.2f %% without the embedding, "
                 "%.2f %% with it\n",
            count_text(st.params[AIMC_PLACE_ANALOG], an), count_text(st.params[AIMC_PLACE_DIGITAL], di),
            count_text(st.params[AIMC_PLACE_LOOKUP], lo), 100.0 * st.digital_share,
            100.0 * st.digital_share_with_embedding);
    fprintf(out, "digital share as arXiv 2603.02633 counts it (digital matrices but the router, over all parameters "
                 "with the embedding): %.2f %%\n",
            100.0 * st.digital_share_paper);
    if (engine && m->experts > 0)
        print_engine_cost(m, chip, engine, out);
}
