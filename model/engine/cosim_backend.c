#include "engine/cosim_backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/backends.h"
#include "engine/cosim_tile.h"
#include "engine/tile_cost.h"
#include "shim/vchip.h"

#define MAX_SLOTS 64

typedef struct {
    aimc_mvm_command cmd;
    uint64_t cycle;
} pending_command;

/* A token boundary to drive into the chip's marker ports in its cycle. */
typedef struct {
    uint64_t cycle;
    uint32_t seq;
    bool end;
} token_mark;

/* Which unit and input slice a job of a group computes (expansion order: units as listed, blocks in table
 * order), for its activation codes, and the tier the mapping puts it on. */
typedef struct {
    uint16_t unit_index, in_block, tier;
} job_source;

typedef struct {
    bool busy;
    aimc_mvm_command cmd;
    job_source *source;     /* per job index */
    uint32_t jobs;          /* jobs the command expands into */
    uint32_t done;          /* jobs completed so far */
    uint8_t *seen;          /* per job index */
    int32_t *last_job_on_tile; /* per tile: last completed job index of this group (push order check) */
} slot_state;

typedef struct {
    aimc_mvm_backend base;
    const aimc_vchip_params *params; /* of the chip build the run uses */
    aimc_vchip *rtl;
    const aimc_chip_config *chip;
    const aimc_dispatch_table *table;
    aimc_ledger *ledger;
    uint64_t now;
    pending_command *fifo;
    size_t head, count, cap;
    token_mark *marks;      /* pending, latest cycle first (the next one is at the end) */
    size_t nmarks, marks_cap;
    slot_state slots[MAX_SLOTS];
    aimc_backend_stats stats;
    aimc_cosim_backend_report report;
    bool traced;
    aimc_fJ booked; /* energy booked from RTL events, to compare with the RTL's monitor */
    uint64_t codes_seed;
    int16_t *codes;  /* one job's DAC codes */
    FILE *record;    /* stimulus record, or NULL */
    uint32_t slot_bits, job_bits;
} cosim_backend;

__attribute__((format(printf, 2, 4))) static void scoreboard_error(cosim_backend *b, const char *fmt, uint64_t cycle,
                                                                   ...)
{
    if (b->report.scoreboard_errors++ == 0) {
        char what[160];
        va_list ap;
        va_start(ap, cycle);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(b->report.first_error, sizeof b->report.first_error, "cycle %llu: %s", (unsigned long long)cycle,
                 what);
    }
}

static uint32_t group_jobs(const aimc_dispatch_table *t, const aimc_mvm_command *cmd)
{
    uint32_t total = 0, n;
    for (uint32_t u = 0; u < cmd->nunits; u++) {
        aimc_dispatch_table_entry(t, cmd->layer, cmd->unit[u], cmd->phase, &n);
        total += n;
    }
    return total;
}

static int check_command(cosim_backend *b, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err)
{
    const aimc_vchip_params *p = b->params;
    if (cycle < b->now)
        return aimc_fail(err, "cosim backend: command submitted for cycle %llu, already at cycle %llu",
                         (unsigned long long)cycle, (unsigned long long)b->now);
    if (cmd->slot >= p->slots || b->slots[cmd->slot].busy)
        return aimc_fail(err, "cosim backend: group slot %u is out of range or still in flight", cmd->slot);
    if (cmd->nunits < 1 || cmd->nunits > p->max_units || cmd->layer >= aimc_dispatch_table_layers(b->table) ||
        cmd->phase >= aimc_dispatch_table_phases(b->table))
        return aimc_fail(err, "cosim backend: command of %u units for layer %u phase %u is outside the table",
                         cmd->nunits, cmd->layer, cmd->phase);
    for (uint32_t u = 0; u < cmd->nunits; u++) {
        uint32_t n;
        if (cmd->unit[u] >= aimc_dispatch_table_units(b->table))
            return aimc_fail(err, "cosim backend: unit %u is outside the table", cmd->unit[u]);
        aimc_dispatch_table_entry(b->table, cmd->layer, cmd->unit[u], cmd->phase, &n);
        if (n == 0)
            return aimc_fail(err, "cosim backend: layer %u unit %u phase %u has no blocks", cmd->layer,
                             cmd->unit[u], cmd->phase);
    }
    if (group_jobs(b->table, cmd) > (1u << p->job_bits))
        return aimc_fail(err, "cosim backend: a group of %u jobs exceeds the dispatcher's %u", group_jobs(b->table, cmd),
                         1u << p->job_bits);
    return 0;
}

static int submit(aimc_mvm_backend *base, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err)
{
    cosim_backend *b = (cosim_backend *)base;
    if (check_command(b, cycle, cmd, err))
        return -1;
    if (b->count == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        pending_command *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return aimc_fail(err, "cosim backend: out of memory");
        for (size_t i = 0; i < b->count; i++)
            grown[i] = b->fifo[(b->head + i) % b->cap];
        free(b->fifo);
        b->fifo = grown;
        b->head = 0;
        b->cap = cap;
    }
    b->fifo[(b->head + b->count++) % b->cap] = (pending_command){*cmd, cycle};
    slot_state *s = &b->slots[cmd->slot];
    s->busy = true;
    s->cmd = *cmd;
    s->jobs = 0;
    for (uint32_t u = 0; u < cmd->nunits; u++) {
        uint32_t n;
        const aimc_dispatch_block *blk = aimc_dispatch_table_entry(b->table, cmd->layer, cmd->unit[u], cmd->phase, &n);
        for (uint32_t k = 0; k < n; k++)
            s->source[s->jobs++] = (job_source){(uint16_t)u, blk[k].in_block, blk[k].tier};
    }
    s->done = 0;
    memset(s->seen, 0, 1u << b->job_bits);
    for (uint32_t t = 0; t < b->chip->tile.tiles; t++)
        s->last_job_on_tile[t] = -1;
    return 0;
}

/* Stimulus record: "I" inputs of the cycle, "C" a tile's DAC codes, "O" outputs seen during the cycle. */
static void record_inputs(const cosim_backend *b, const aimc_vchip_in *in)
{
    fprintf(b->record, "I %x %x %x %x %x %x %x %x %x %x %llx %llx", in->rst_n, in->map_we, in->map_is_block,
            in->map_addr, in->map_wdata, in->cmd_valid, in->cmd_slot, in->cmd_layer, in->cmd_phase, in->cmd_nunits,
            (unsigned long long)in->token_begin, (unsigned long long)in->token_end);
    for (int w = AIMC_VCHIP_MAX_UNITS / 4 - 1; w >= 0; w--)
        fprintf(b->record, w == AIMC_VCHIP_MAX_UNITS / 4 - 1 ? " %02x%02x%02x%02x" : "%02x%02x%02x%02x",
                in->cmd_units[4 * w + 3], in->cmd_units[4 * w + 2], in->cmd_units[4 * w + 1], in->cmd_units[4 * w]);
    fputc('\n', b->record);
}

/* A tile's codes as one hex number of rows x b_in bits, row 0 in the lowest bits (the port's layout). */
static void record_codes(const cosim_backend *b, uint32_t tile)
{
    uint32_t rows = b->params->rows, bits = b->params->b_in_bits;
    fprintf(b->record, "C %x ", tile);
    for (int nibble = (int)(rows * bits / 4) - 1; nibble >= 0; nibble--) {
        uint32_t v = 0;
        for (int k = 3; k >= 0; k--) {
            uint32_t bit = (uint32_t)nibble * 4 + (uint32_t)k, row = bit / bits;
            int16_t code = row < b->chip->tile.rows ? b->codes[row] : 0;
            v = v << 1 | ((uint32_t)(uint16_t)code >> (bit % bits) & 1);
        }
        fputc("0123456789abcdef"[v], b->record);
    }
    fputc('\n', b->record);
}

static void record_outputs(const cosim_backend *b, const aimc_vchip_out *out)
{
    fprintf(b->record, "O %x %llx %llx %x\n", out->cmd_ready, (unsigned long long)out->group_done,
            (unsigned long long)out->tile_done, out->tokens_done);
}

/* The activation codes of job `job` of a group (the key the fast backend summarises). */
static void job_codes(cosim_backend *b, const slot_state *s, uint32_t job)
{
    const job_source *src = &s->source[job];
    aimc_codes_key key = {b->codes_seed, s->cmd.token, s->cmd.layer, s->cmd.unit[src->unit_index], s->cmd.phase,
                          src->in_block};
    aimc_activation_codes(&key, b->chip->tile.rows, b->chip->periphery.b_in_bits, b->codes);
}

/* Energy of a completed job: the tile cost of its codes (the same function the fast backend uses). */
static void job_energy(cosim_backend *b, const slot_state *s, uint32_t job, aimc_tile_job_cost *cost)
{
    aimc_codes_summary summary;
    job_codes(b, s, job);
    aimc_codes_summarise(b->codes, b->chip->tile.rows, &summary);
    aimc_tile_job_cost_compute(b->chip, &summary, cost);
}

/* A tile starts an MVM this cycle: drive its job's codes into the DAC (sampled at the edge). */
static void on_mvm_start(cosim_backend *b, uint64_t cycle, uint32_t tile)
{
    uint32_t tag = aimc_vchip_active_tag(b->rtl, tile);
    uint32_t slot = tag >> b->job_bits, job = tag & ((1u << b->job_bits) - 1);
    if (slot >= MAX_SLOTS || !b->slots[slot].busy || job >= b->slots[slot].jobs) {
        scoreboard_error(b, "MVM start with tag slot %u job %u matches no job in flight", cycle, slot, job);
        return;
    }
    /* the tile computes on exactly the tier the mapping gives the job (a second or a wrong tier enabled is an error) */
    uint32_t tier_en = aimc_vchip_tier_en(b->rtl, tile), want = 1u << b->slots[slot].source[job].tier;
    if (tier_en != want)
        scoreboard_error(b, "tile %u starts slot %u job %u with tier enables 0x%x; the mapping's tier %u is 0x%x", cycle,
                         tile, slot, job, tier_en, b->slots[slot].source[job].tier, want);
    job_codes(b, &b->slots[slot], job);
    aimc_vchip_set_codes(b->rtl, tile, b->codes, b->chip->tile.rows);
    if (b->record)
        record_codes(b, tile);
}

static int mark_token(aimc_mvm_backend *base, uint64_t cycle, uint32_t seq, bool end, aimc_error *err)
{
    cosim_backend *b = (cosim_backend *)base;
    if (cycle < b->now)
        return aimc_fail(err, "cosim backend: token mark for cycle %llu, already at cycle %llu",
                         (unsigned long long)cycle, (unsigned long long)b->now);
    if (seq >= b->params->seqs)
        return aimc_fail(err, "cosim backend: sequence %u has no token-marker bit (the chip shows %u)", seq,
                         b->params->seqs);
    if (b->nmarks == b->marks_cap) {
        size_t cap = b->marks_cap ? 2 * b->marks_cap : 64;
        token_mark *grown = realloc(b->marks, cap * sizeof *grown);
        if (!grown)
            return aimc_fail(err, "cosim backend: out of memory");
        b->marks = grown;
        b->marks_cap = cap;
    }
    size_t i = b->nmarks++;
    for (; i > 0 && b->marks[i - 1].cycle < cycle; i--) /* keep latest first */
        b->marks[i] = b->marks[i - 1];
    b->marks[i] = (token_mark){cycle, seq, end};
    return 0;
}

/* The marker ports' value in cycle `cycle`: the marks due then, taken off the queue. */
static void take_marks(cosim_backend *b, uint64_t cycle, aimc_vchip_in *in)
{
    in->token_begin = in->token_end = 0;
    for (; b->nmarks && b->marks[b->nmarks - 1].cycle == cycle; b->nmarks--) {
        const token_mark *m = &b->marks[b->nmarks - 1];
        if (m->end)
            in->token_end |= 1ull << m->seq;
        else
            in->token_begin |= 1ull << m->seq;
    }
}

static void on_job_done(cosim_backend *b, uint64_t cycle, uint32_t tile, uint32_t tag)
{
    uint32_t slot = tag >> b->job_bits, job = tag & ((1u << b->job_bits) - 1);
    slot_state *s = slot < MAX_SLOTS ? &b->slots[slot] : NULL;
    if (!s || !s->busy || job >= s->jobs) {
        scoreboard_error(b, "completion with tag slot %u job %u matches no job in flight", cycle, slot, job);
        return;
    }
    if (s->seen[job]++)
        scoreboard_error(b, "slot %u job %u completed twice", cycle, slot, job);
    if ((int32_t)job < s->last_job_on_tile[tile])
        scoreboard_error(b, "slot %u job %u completed after a later job of its group on the same tile", cycle, slot,
                         job);
    s->last_job_on_tile[tile] = (int32_t)job;
    s->done++;
    aimc_tile_job_cost cost;
    job_energy(b, s, job, &cost);
    for (int c = 0; c < AIMC_E_COUNT; c++)
        if (cost.energy[c]) {
            aimc_ledger_book(b->ledger, s->cmd.token, (int)s->cmd.layer, (aimc_energy_component)c, cost.energy[c]);
            b->booked += cost.energy[c];
        }
    b->stats.jobs++;
}

static void on_switch(cosim_backend *b, uint64_t cycle, uint32_t tile)
{
    uint32_t tag = aimc_vchip_active_tag(b->rtl, tile);
    uint32_t slot = tag >> b->job_bits;
    if (slot >= MAX_SLOTS || !b->slots[slot].busy) {
        scoreboard_error(b, "tier switch on tile %u for slot %u with no group in flight", cycle, tile, slot);
        return;
    }
    aimc_fJ e = aimc_tile_switch_energy(b->chip);
    aimc_ledger_book(b->ledger, b->slots[slot].cmd.token, (int)b->slots[slot].cmd.layer, AIMC_E_TIER_SWITCH, e);
    b->booked += e;
    b->stats.tier_switches++;
}

static void complete_groups(cosim_backend *b, uint64_t cycle, uint64_t mask, uint32_t *done_slots, uint32_t *ndone)
{
    *ndone = 0;
    for (uint32_t slot = 0; slot < b->params->slots; slot++) {
        if (!(mask >> slot & 1))
            continue;
        slot_state *s = &b->slots[slot];
        if (!s->busy || s->done != s->jobs)
            scoreboard_error(b, "group_done for slot %u with %u jobs outstanding", cycle, slot,
                             s->busy ? s->jobs - s->done : 0);
        s->busy = false;
        done_slots[(*ndone)++] = slot;
    }
}

static int advance(aimc_mvm_backend *base, uint64_t until, uint32_t *done_slots, uint32_t *ndone,
                   uint64_t *done_cycle, aimc_error *err)
{
    (void)err;
    cosim_backend *b = (cosim_backend *)base;
    aimc_vchip_in in = {.rst_n = true};
    aimc_vchip_out out;
    *ndone = 0;
    for (uint64_t c = b->now; c < until; c++) {
        const pending_command *head = b->count ? &b->fifo[b->head] : NULL;
        in.cmd_valid = head && head->cycle <= c;
        if (in.cmd_valid) {
            in.cmd_slot = head->cmd.slot;
            in.cmd_layer = head->cmd.layer;
            in.cmd_phase = head->cmd.phase;
            in.cmd_nunits = head->cmd.nunits;
            for (uint32_t u = 0; u < AIMC_VCHIP_MAX_UNITS; u++)
                in.cmd_units[u] = (uint8_t)(u < head->cmd.nunits ? head->cmd.unit[u] : 0);
        }
        take_marks(b, c, &in);
        if (b->record)
            record_inputs(b, &in);
        aimc_vchip_eval(b->rtl, &in, &out);
        for (uint64_t m = out.mvm_start; m; m &= m - 1)
            on_mvm_start(b, c, (uint32_t)__builtin_ctzll(m));
        if (b->record)
            record_outputs(b, &out);
        aimc_vchip_edge(b->rtl);
        if (in.cmd_valid && out.cmd_ready) {
            b->head = (b->head + 1) % b->cap;
            b->count--;
        }
        if (out.ott_violation)
            b->report.ott_violation_cycles++;
        for (uint64_t m = out.tile_done; m; m &= m - 1) {
            uint32_t tile = (uint32_t)__builtin_ctzll(m);
            on_job_done(b, c, tile, aimc_vchip_done_tag(b->rtl, tile));
        }
        for (uint64_t m = out.switch_start; m; m &= m - 1)
            on_switch(b, c, (uint32_t)__builtin_ctzll(m));
        if (out.group_done) {
            complete_groups(b, c, out.group_done, done_slots, ndone);
            *done_cycle = c;
            b->now = c + 1;
            return 0;
        }
    }
    b->now = until > b->now ? until : b->now;
    return 0;
}

static uint64_t now_of(const aimc_mvm_backend *base) { return ((const cosim_backend *)base)->now; }

static const aimc_backend_stats *stats_of(const aimc_mvm_backend *base)
{
    cosim_backend *b = (cosim_backend *)base;
    for (uint32_t t = 0; t < b->chip->tile.tiles; t++) {
        aimc_vchip_tile_counters c;
        aimc_vchip_get_tile_counters(b->rtl, t, &c);
        b->stats.busy_cycles[t] = c.busy_cycles;
        b->stats.conflict_cycles[t] = c.conflict_cycles;
        b->stats.stall_cycles[t] = c.stall_cycles;
    }
    return &b->stats;
}

static void destroy(aimc_mvm_backend *base)
{
    cosim_backend *b = (cosim_backend *)base;
    if (!b)
        return;
    if (b->rtl)
        aimc_vchip_destroy(b->rtl);
    for (int s = 0; s < MAX_SLOTS; s++) {
        free(b->slots[s].seen);
        free(b->slots[s].last_job_on_tile);
        free(b->slots[s].source);
    }
    free(b->codes);
    if (b->record)
        fclose(b->record);
    free(b->stats.busy_cycles);
    free(b->stats.conflict_cycles);
    free(b->stats.stall_cycles);
    free(b->fifo);
    free(b->marks);
    free(b);
}

static void checks_of(aimc_mvm_backend *base, aimc_mvm_backend_checks *out)
{
    aimc_cosim_backend_report r;
    aimc_cosim_backend_report_get(base, &r);
    *out = (aimc_mvm_backend_checks){.checked = true, .scoreboard_errors = r.scoreboard_errors,
                                     .ott_violation_cycles = r.ott_violation_cycles,
                                     .rtl_assertion_failures = r.rtl_assertion_failures,
                                     .energy_monitor_delta_fJ = r.energy_monitor_delta_fJ,
                                     .setup_cycles = r.setup_cycles,
                                     .trace_format = ((cosim_backend *)base)->traced ? aimc_vchip_trace_format() : NULL};
    memcpy(out->first_error, r.first_error, sizeof out->first_error);
}

static const aimc_mvm_backend_ops cosim_ops = {
    .submit = submit,
    .advance = advance,
    .mark_token = mark_token,
    .now = now_of,
    .stats = stats_of,
    .checks = checks_of,
    .destroy = destroy,
};

void aimc_cosim_backend_report_get(aimc_mvm_backend *base, aimc_cosim_backend_report *out)
{
    cosim_backend *b = (cosim_backend *)base;
    aimc_vchip_totals t;
    aimc_vchip_get_totals(b->rtl, &t);
    b->report.rtl_assertion_failures = t.rtl_errors;
    b->report.energy_monitor_delta_fJ = (int64_t)t.energy_chip_fJ - b->booked;
    *out = b->report;
}

static int check_fits(const aimc_vchip_params *p, const aimc_chip_config *chip, const aimc_dispatch_table *table,
                      aimc_error *err)
{
    uint32_t entries = aimc_dispatch_table_layers(table) * aimc_dispatch_table_units(table) *
                       aimc_dispatch_table_phases(table);
    if (chip->tile.tiers > p->tiers)
        return aimc_fail(err, "%s: tile.tiers: expected at most %u (the RTL's TIERS; rebuild with -Dtile_tiers=N), "
                              "found %u", chip->path, p->tiers, chip->tile.tiers);
    if (aimc_cosim_tile_check_chip(chip, chip->tile.tiers, err)) /* the tiles' periphery fits their RTL build */
        return -1;
    if (entries > p->entries || aimc_dispatch_table_blocks(table) > p->blocks)
        return aimc_fail(err, "cosim: the mapping needs %u table entries and %u blocks; the dispatcher RTL holds %u "
                              "and %u", entries, aimc_dispatch_table_blocks(table), p->entries, p->blocks);
    if (aimc_dispatch_table_layers(table) > (1u << p->layer_bits) ||
        aimc_dispatch_table_units(table) >= (1u << p->unit_bits) ||
        aimc_dispatch_table_phases(table) > (1u << p->phase_bits))
        return aimc_fail(err, "cosim: %u layers x %u units x %u phases exceed the dispatcher's fields",
                         aimc_dispatch_table_layers(table), aimc_dispatch_table_units(table),
                         aimc_dispatch_table_phases(table));
    return 0;
}

/* One cycle before the run (reset, mapping load): no MVM starts, so no codes. */
static void setup_cycle(cosim_backend *b, const aimc_vchip_in *in)
{
    aimc_vchip_out out;
    if (b->record)
        record_inputs(b, in);
    aimc_vchip_eval(b->rtl, in, &out);
    if (b->record)
        record_outputs(b, &out);
    aimc_vchip_edge(b->rtl);
    b->report.setup_cycles++;
}

/* Reset for two cycles, then one mapping-memory write per cycle: blocks, then entries. */
static void load_mapping(cosim_backend *b)
{
    aimc_vchip_in in = {.rst_n = false};
    for (int i = 0; i < 2; i++)
        setup_cycle(b, &in);
    in.rst_n = true;
    in.map_we = true;
    in.map_is_block = true;
    const aimc_dispatch_table *t = b->table;
    for (uint32_t l = 0; l < aimc_dispatch_table_layers(t); l++)
        for (uint32_t u = 0; u < aimc_dispatch_table_units(t); u++)
            for (uint32_t p = 0; p < aimc_dispatch_table_phases(t); p++) {
                uint32_t n, first = aimc_dispatch_table_first(t, l, u, p);
                const aimc_dispatch_block *blocks = aimc_dispatch_table_entry(t, l, u, p, &n);
                in.map_is_block = true;
                for (uint32_t k = 0; k < n; k++) {
                    in.map_addr = first + k;
                    in.map_wdata = (uint32_t)blocks[k].tier << 16 | blocks[k].tile;
                    setup_cycle(b, &in);
                }
                in.map_is_block = false;
                in.map_addr = (l * aimc_dispatch_table_units(t) + u) * aimc_dispatch_table_phases(t) + p;
                in.map_wdata = n << 16 | first;
                setup_cycle(b, &in);
            }
}

aimc_mvm_backend *aimc_cosim_backend_create(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                            uint64_t codes_seed, aimc_ledger *ledger, const char *trace_path,
                                            aimc_error *err)
{
    return aimc_cosim_backend_create_recorded(chip, table, codes_seed, ledger, trace_path, NULL, err);
}

static void record_config(FILE *f, const aimc_vchip_config *cfg)
{
    fprintf(f, "F %x %x %x %x %x %x %x %x %x %x %llx %llx\n", cfg->switch_cycles, cfg->rows, cfg->bit_serial,
            cfg->b_in_bits, cfg->b_out_bits, cfg->adcs, cfg->mux, cfg->integrate_cycles, cfg->units, cfg->phases,
            (unsigned long long)cfg->mvm_energy_fJ, (unsigned long long)cfg->switch_energy_fJ);
}

aimc_mvm_backend *aimc_cosim_backend_create_recorded(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                                     uint64_t codes_seed, aimc_ledger *ledger, const char *trace_path,
                                                     const char *record_path, aimc_error *err)
{
    const aimc_vchip_params *params = aimc_vchip_params_for(chip->tile.tiles);
    if (!params) {
        aimc_fail(err, "%s: tile.tiles: expected at most %u (the largest chip the RTL is built for), found %u",
                  chip->path, aimc_vchip_max_tiles(), chip->tile.tiles);
        return NULL;
    }
    if (check_fits(params, chip, table, err))
        return NULL;
    cosim_backend *b = calloc(1, sizeof *b);
    if (!b) {
        aimc_fail(err, "cosim backend: out of memory");
        return NULL;
    }
    b->base.ops = &cosim_ops;
    b->params = params;
    b->chip = chip;
    b->table = table;
    b->ledger = ledger;
    b->job_bits = params->job_bits;
    b->codes_seed = codes_seed;
    b->codes = calloc(chip->tile.rows, sizeof *b->codes);
    uint32_t tiles = chip->tile.tiles;
    b->stats.busy_cycles = calloc(tiles, sizeof(uint64_t));
    b->stats.conflict_cycles = calloc(tiles, sizeof(uint64_t));
    b->stats.stall_cycles = calloc(tiles, sizeof(uint64_t));
    bool ok = b->stats.busy_cycles && b->stats.conflict_cycles && b->stats.stall_cycles && b->codes;
    for (int s = 0; s < MAX_SLOTS && ok; s++) {
        b->slots[s].seen = calloc(1u << b->job_bits, 1);
        b->slots[s].last_job_on_tile = calloc(tiles, sizeof(int32_t));
        b->slots[s].source = calloc(1u << b->job_bits, sizeof(job_source));
        ok = b->slots[s].seen && b->slots[s].last_job_on_tile && b->slots[s].source;
    }
    aimc_codes_summary none = {0};
    aimc_tile_job_cost cost;
    aimc_tile_job_cost_compute(chip, &none, &cost);
    const aimc_periphery_config *p = &chip->periphery;
    aimc_vchip_config cfg = {
        .switch_cycles = (uint16_t)chip->tile.tier_switch_cycles, .rows = (uint16_t)chip->tile.rows,
        .adcs = (uint16_t)(chip->tile.cols / p->adc_columns_per_adc), .mux = (uint16_t)p->adc_columns_per_adc,
        .integrate_cycles = (uint16_t)p->integrate_cycles, .b_in_bits = (uint8_t)p->b_in_bits,
        .b_out_bits = (uint8_t)p->b_out_bits, .bit_serial = p->dac_mode == AIMC_DAC_BIT_SERIAL,
        .units = aimc_dispatch_table_units(table), .phases = aimc_dispatch_table_phases(table),
        .mvm_energy_fJ = 0, .switch_energy_fJ = (uint64_t)aimc_tile_switch_energy(chip),
    };
    for (int c = 0; c < AIMC_E_COUNT; c++)
        cfg.mvm_energy_fJ += (uint64_t)cost.energy[c];
    if (ok)
        b->rtl = aimc_vchip_create(chip->tile.tiles, (uint32_t)chip->clock_period_ps, &cfg);
    if (!ok || !b->rtl) {
        destroy(&b->base);
        aimc_fail(err, "cosim backend: out of memory");
        return NULL;
    }
    b->traced = trace_path != NULL;
    if (trace_path && !aimc_vchip_trace_open(b->rtl, trace_path)) {
        destroy(&b->base);
        aimc_fail(err, "%s: cannot write the trace", trace_path);
        return NULL;
    }
    if (record_path && !(b->record = fopen(record_path, "w"))) {
        destroy(&b->base);
        aimc_fail(err, "%s: cannot write the stimulus record", record_path);
        return NULL;
    }
    if (b->record)
        record_config(b->record, &cfg);
    load_mapping(b);
    return &b->base;
}

static aimc_mvm_backend *create_from_params(const aimc_mvm_backend_params *p, aimc_error *err)
{
    return aimc_cosim_backend_create_recorded(p->chip, p->table, p->codes_seed, p->ledger, p->trace_path,
                                              p->record_path, err);
}

/* Programs that link this library (link_whole) have the "cosim" engine; pure-C programs do not. */
__attribute__((constructor)) static void register_cosim(void)
{
    static const aimc_mvm_backend_kind kind = {"cosim", create_from_params};
    aimc_mvm_backend_register(&kind);
}
