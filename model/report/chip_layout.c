#include "report/chip_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "report/gtkw_layout.h"

void aimc_layout_path_for(const char *trace, char *out, size_t n)
{
    snprintf(out, n, "%s", trace);
    char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (dot && (!slash || dot > slash))
        *dot = '\0';
    strncat(out, ".gtkw", n - strlen(out) - 1);
}

char *aimc_layout_path_new(const char *trace)
{
    size_t n = strlen(trace) + 6;
    char *out = malloc(n);
    if (out)
        aimc_layout_path_for(trace, out, n);
    return out;
}

static void signal(aimc_gtkw *g, const char *scope, const char *name, aimc_gtkw_style style)
{
    char full[160];
    snprintf(full, sizeof full, "%s.%s", scope, name);
    aimc_gtkw_signal(g, full, style);
}

static void dispatcher(aimc_gtkw *g)
{
    aimc_gtkw_group_begin(g, "token dispatcher");
    signal(g, "top.chip", "clk", AIMC_GTKW_BIT);
    signal(g, "top.chip.dispatcher", "state[1:0]", AIMC_GTKW_ENUM);
    signal(g, "top.chip", "cmd_valid", AIMC_GTKW_BIT);
    signal(g, "top.chip", "cmd_ready", AIMC_GTKW_BIT);
    signal(g, "top.chip", "cmd_slot[4:0]", AIMC_GTKW_DEC);
    signal(g, "top.chip", "cmd_layer[7:0]", AIMC_GTKW_DEC);
    signal(g, "top.chip", "cmd_phase[1:0]", AIMC_GTKW_DEC);
    signal(g, "top.chip", "dispatcher_stalled", AIMC_GTKW_BIT);
    signal(g, "top.chip", "group_open[31:0]", AIMC_GTKW_HEX);
    signal(g, "top.chip", "group_done[31:0]", AIMC_GTKW_HEX);
    signal(g, "top.chip", "jobs_pushed[31:0]", AIMC_GTKW_ANALOG);
    aimc_gtkw_group_end(g, "token dispatcher");
}

/* The sequencer's token boundaries: one row per sequence of the batch, high while it has a token in flight. */
static void tokens(aimc_gtkw *g, uint32_t seqs, uint32_t batch)
{
    char name[96], alias[48];
    aimc_gtkw_group_begin(g, "tokens");
    signal(g, "top.chip", "tokens_done[31:0]", AIMC_GTKW_DEC);
    snprintf(name, sizeof name, "token_begin[%u:0]", seqs - 1);
    signal(g, "top.chip", name, AIMC_GTKW_HEX);
    snprintf(name, sizeof name, "token_end[%u:0]", seqs - 1);
    signal(g, "top.chip", name, AIMC_GTKW_HEX);
    for (uint32_t s = 0; s < batch; s++) {
        snprintf(name, sizeof name, "top.chip.seqs[%u].in_token", s);
        snprintf(alias, sizeof alias, "sequence %u in token", s);
        aimc_gtkw_signal_as(g, name, alias, AIMC_GTKW_BIT);
    }
    aimc_gtkw_group_end(g, "tokens");
}

static void energy(aimc_gtkw *g, uint32_t tiles)
{
    aimc_gtkw_group_begin(g, "energy monitor (fJ)");
    signal(g, "top.chip", "energy_chip_fJ[63:0]", AIMC_GTKW_ANALOG);
    char name[96], alias[48];
    for (uint32_t t = 0; t < tiles; t++) {
        snprintf(name, sizeof name, "top.chip.tiles[%u].energy_fJ[63:0]", t);
        snprintf(alias, sizeof alias, "tile %u energy_fJ", t);
        aimc_gtkw_signal_as(g, name, alias, AIMC_GTKW_ANALOG);
    }
    aimc_gtkw_group_end(g, "energy monitor (fJ)");
}

static void tile(aimc_gtkw *g, uint32_t t, uint32_t tiers, uint32_t tag_bits)
{
    char scope[96], label[32], en[32], tag[32];
    snprintf(en, sizeof en, "tier_en[%u:0]", tiers - 1);
    snprintf(tag, sizeof tag, "active_tag[%u:0]", tag_bits - 1);
    snprintf(scope, sizeof scope, "top.chip.tiles[%u].tile", t);
    snprintf(label, sizeof label, "tile %u", t);
    aimc_gtkw_group_begin(g, label);
    signal(g, scope, "ctrl.state[1:0]", AIMC_GTKW_ENUM);
    signal(g, scope, "req_valid", AIMC_GTKW_BIT);
    signal(g, scope, "req_ready", AIMC_GTKW_BIT);
    signal(g, scope, en, AIMC_GTKW_BIN);
    signal(g, scope, tag, AIMC_GTKW_HEX);
    signal(g, scope, "done_valid", AIMC_GTKW_BIT);
    aimc_gtkw_group_end(g, label);
}

int aimc_chip_layout_write(const char *trace, const aimc_chip_layout_shape *shape, char *layout_out, size_t n,
                           aimc_error *err)
{
    aimc_layout_path_for(trace, layout_out, n);
    char rel[1024];
    aimc_relative_path(layout_out, trace, rel, sizeof rel);
    aimc_gtkw *g = aimc_gtkw_create(rel);
    if (!g)
        return aimc_fail(err, "%s: out of memory for the layout", layout_out);
    if (shape->ledger)
        aimc_gtkw_token_view(g, shape->ledger, shape->clock_period_ps, shape->tokens_per_seq);
    tokens(g, shape->seqs, shape->batch);
    dispatcher(g);
    energy(g, shape->tiles);
    for (uint32_t t = 0; t < shape->tiles; t++)
        tile(g, t, shape->tiers, shape->tag_bits);
    int rc = aimc_gtkw_write(g, layout_out, err);
    aimc_gtkw_destroy(g);
    return rc;
}
