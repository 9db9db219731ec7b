#include "engine/fast_backend.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/activation_codes.h"
#include "engine/tile_cost.h"

/* What rule 2 and rule 3 need of one tile: no history beyond its last Q accept cycles. */
typedef struct {
    uint64_t ready;   /* ready_n: the cycle the tile can accept its next job (a_{n-1} + S + K; 0 at first) */
    uint64_t jobs;    /* n: jobs this tile has been given so far */
    uint32_t ring_at; /* n mod Q: where a_{n-Q} sits in the tile's ring of accept cycles */
    int32_t tier;     /* tier of the last job; -1 before the first (the first job always switches) */
} tile_state;

/* One group slot: in flight from submit until advance() reports it. */
typedef struct {
    bool in_flight;
    uint32_t token, layer;
    uint64_t done; /* group_done cycle (rule 4) */
    aimc_fJ energy[AIMC_E_COUNT];
} group;

typedef struct {
    aimc_mvm_backend base; /* first: the ops table */
    aimc_chip_config chip;
    const aimc_dispatch_table *table;
    aimc_ledger *ledger;
    uint32_t q, slots, codes_bits;
    uint64_t codes_seed;
    bool codes_matter; /* the tile cost depends on the codes (PWM drive): summarise them per input slice */
    aimc_codes_summariser summariser; /* for codes_bits */
    aimc_fJ switch_energy;

    uint64_t now;
    uint64_t dispatch_free;   /* previous command's last push + 1: the first cycle the dispatcher is IDLE */

    tile_state *tiles;
    uint64_t *accepts; /* tiles x Q ring: the accept cycles of each tile's last Q jobs */
    aimc_backend_stats stats;

    group *groups;
    uint32_t *heap; /* slots in flight, a min-heap on (done, slot) */
    uint32_t heap_len;

    /* Activation codes of one job and a per-in_block cache of their summaries: the blocks of one unit that
     * share an input slice (same in_block, other out_block) are driven with the same codes. */
    aimc_codes_summary *summary;
    uint64_t *summary_stamp; /* == unit_stamp when summary[in_block] belongs to the current unit */
    uint64_t unit_stamp;
    uint32_t max_in_blocks;
    char broken[160]; /* set when a submit failed half-way; every later call fails with it */
} fast_backend;

static bool heap_less(const fast_backend *f, uint32_t x, uint32_t y)
{
    const group *gx = &f->groups[x], *gy = &f->groups[y];
    return gx->done < gy->done || (gx->done == gy->done && x < y);
}

static void heap_push(fast_backend *f, uint32_t slot)
{
    uint32_t i = f->heap_len++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!heap_less(f, slot, f->heap[parent]))
            break;
        f->heap[i] = f->heap[parent];
        i = parent;
    }
    f->heap[i] = slot;
}

static uint32_t heap_pop(fast_backend *f)
{
    uint32_t top = f->heap[0], last = f->heap[--f->heap_len], i = 0;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= f->heap_len)
            break;
        if (child + 1 < f->heap_len && heap_less(f, f->heap[child + 1], f->heap[child]))
            child++;
        if (!heap_less(f, f->heap[child], last))
            break;
        f->heap[i] = f->heap[child];
        i = child;
    }
    f->heap[i] = last;
    return top;
}

/* Checks everything about a command before any state changes, so a refused submit leaves the backend as it was. */
static int validate(const fast_backend *f, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err)
{
    const aimc_dispatch_table *t = f->table;
    if (f->broken[0])
        return aimc_fail(err, "%s", f->broken);
    if (cycle < f->now)
        return aimc_fail(err, "fast backend: command submitted at cycle %llu, before the current cycle %llu",
                         (unsigned long long)cycle, (unsigned long long)f->now);
    if (cmd->slot >= f->slots)
        return aimc_fail(err, "fast backend: slot %u out of range (expected < %u slots)", cmd->slot, f->slots);
    if (f->groups[cmd->slot].in_flight)
        return aimc_fail(err, "fast backend: slot %u is already in flight (token %u, layer %u)", cmd->slot,
                         f->groups[cmd->slot].token, f->groups[cmd->slot].layer);
    if (cmd->nunits == 0 || cmd->nunits > AIMC_MAX_GROUP_UNITS)
        return aimc_fail(err, "fast backend: command with %u units (expected 1..%u)", cmd->nunits,
                         AIMC_MAX_GROUP_UNITS);
    if (cmd->layer >= aimc_dispatch_table_layers(t) || cmd->phase >= aimc_dispatch_table_phases(t))
        return aimc_fail(err, "fast backend: command for layer %u, phase %u outside the dispatch table (%u layers, %u phases)",
                         cmd->layer, cmd->phase, aimc_dispatch_table_layers(t), aimc_dispatch_table_phases(t));
    for (uint32_t u = 0; u < cmd->nunits; u++) {
        uint32_t count;
        if (cmd->unit[u] >= aimc_dispatch_table_units(t))
            return aimc_fail(err, "fast backend: command unit %u out of range (expected < %u units)", cmd->unit[u],
                             aimc_dispatch_table_units(t));
        aimc_dispatch_table_entry(t, cmd->layer, cmd->unit[u], cmd->phase, &count);
        if (count == 0)
            return aimc_fail(err, "fast backend: dispatch table entry (layer %u, unit %u, phase %u) has no blocks",
                             cmd->layer, cmd->unit[u], cmd->phase);
    }
    return 0;
}

static const aimc_codes_summary *codes_of(fast_backend *f, const aimc_mvm_command *cmd, uint32_t unit,
                                          uint32_t in_block)
{
    static const aimc_codes_summary unused = {0};
    if (!f->codes_matter)
        return &unused;
    if (f->summary_stamp[in_block] != f->unit_stamp) {
        aimc_codes_key key = {f->codes_seed, cmd->token, cmd->layer, unit, cmd->phase, in_block};
        aimc_codes_summariser_run(&f->summariser, &key, f->chip.tile.rows, &f->summary[in_block]);
        f->summary_stamp[in_block] = f->unit_stamp;
    }
    return &f->summary[in_block];
}

static int fast_submit(aimc_mvm_backend *b, uint64_t cycle, const aimc_mvm_command *cmd, aimc_error *err)
{
    fast_backend *f = (fast_backend *)b;
    if (validate(f, cycle, cmd, err))
        return -1;
    group *g = &f->groups[cmd->slot];
    memset(g, 0, sizeof *g);
    g->in_flight = true;
    g->token = cmd->token;
    g->layer = cmd->layer;

    /* Rule 1: accepted when presented and the dispatcher is IDLE again after the previous command.  The FIFO
     * presents commands in submission order, so one submitted for an earlier cycle than the previous command's
     * still waits behind it (dispatch_free > the previous accept cycle). */
    uint64_t accept = cycle > f->dispatch_free ? cycle : f->dispatch_free;
    uint64_t push = accept; /* p_{j-1}; the first job may be pushed from accept + 1 */
    uint64_t last_done = 0;
    const uint32_t q = f->q, switch_cycles = f->chip.tile.tier_switch_cycles;
    for (uint32_t u = 0; u < cmd->nunits; u++) {
        uint32_t count;
        const aimc_dispatch_block *blocks =
            aimc_dispatch_table_entry(f->table, cmd->layer, cmd->unit[u], cmd->phase, &count);
        f->unit_stamp++;
        for (uint32_t j = 0; j < count; j++) {
            const aimc_dispatch_block *blk = &blocks[j];
            tile_state *ts = &f->tiles[blk->tile];
            uint64_t *ring = &f->accepts[(size_t)blk->tile * q + ts->ring_at];
            /* Rule 2: one push per cycle, and only into a queue holding fewer than Q jobs: job n of the tile
             * waits for job n-Q's accept (pop) cycle to have passed. */
            uint64_t earliest = push + 1;
            push = earliest;
            if (ts->jobs >= q && *ring + 1 > push)
                push = *ring + 1;
            f->stats.stall_cycles[blk->tile] += push - earliest;
            /* Rule 3: visible from push + 1; accepted then, or when the tile is ready again. */
            uint64_t visible = push + 1;
            uint64_t a = visible > ts->ready ? visible : ts->ready;
            f->stats.conflict_cycles[blk->tile] += a - visible;
            bool switches = ts->tier != (int32_t)blk->tier;
            aimc_tile_job_cost cost;
            aimc_tile_job_cost_compute(&f->chip, codes_of(f, cmd, cmd->unit[u], blk->in_block), &cost);
            if (cost.compute_cycles == 0) { /* a tile cost bug: the RTL's compute timer needs >= 1 cycle */
                snprintf(f->broken, sizeof f->broken,
                         "fast backend: the tile cost gave a 0-cycle compute phase for token %u layer %u unit %u "
                         "(expected >= 1)", cmd->token, cmd->layer, cmd->unit[u]);
                return aimc_fail(err, "%s", f->broken);
            }
            uint64_t busy = (switches ? switch_cycles : 0) + (uint64_t)cost.compute_cycles;
            ts->ready = a + busy; /* the last COMPUTE cycle, where req_ready is high again */
            ts->tier = blk->tier;
            ts->jobs++;
            *ring = a;
            ts->ring_at = ts->ring_at + 1 == q ? 0 : ts->ring_at + 1;
            f->stats.busy_cycles[blk->tile] += busy;
            f->stats.jobs++;
            if (switches) {
                f->stats.tier_switches++;
                g->energy[AIMC_E_TIER_SWITCH] += f->switch_energy;
            }
            for (int c = 0; c < AIMC_E_COUNT; c++)
                g->energy[c] += cost.energy[c];
            if (ts->ready + 1 > last_done) /* done_valid = a + S + K + 1 */
                last_done = ts->ready + 1;
        }
    }
    f->dispatch_free = push + 1;
    g->done = last_done + 1; /* Rule 4 */
    heap_push(f, cmd->slot);
    return 0;
}

static int fast_advance(aimc_mvm_backend *b, uint64_t until, uint32_t *done_slots, uint32_t *ndone,
                        uint64_t *done_cycle, aimc_error *err)
{
    fast_backend *f = (fast_backend *)b;
    *ndone = 0;
    if (f->broken[0])
        return aimc_fail(err, "%s", f->broken);
    if (f->heap_len == 0 || f->groups[f->heap[0]].done >= until) {
        if (until > f->now) /* nothing to simulate when until <= now (as the cosim backend) */
            f->now = until;
        return 0;
    }
    uint64_t d = f->groups[f->heap[0]].done;
    /* The heap orders equal done cycles by slot, so the slots come out ascending. */
    while (f->heap_len > 0 && f->groups[f->heap[0]].done == d) {
        uint32_t slot = heap_pop(f);
        group *g = &f->groups[slot];
        if (f->ledger)
            for (int c = 0; c < AIMC_E_COUNT; c++)
                if (g->energy[c])
                    aimc_ledger_book(f->ledger, g->token, (int)g->layer, (aimc_energy_component)c, g->energy[c]);
        g->in_flight = false;
        done_slots[(*ndone)++] = slot;
    }
    *done_cycle = d;
    f->now = d + 1;
    return 0;
}

static uint64_t fast_now(const aimc_mvm_backend *b) { return ((const fast_backend *)b)->now; }

static const aimc_backend_stats *fast_stats(const aimc_mvm_backend *b) { return &((const fast_backend *)b)->stats; }

static void fast_destroy(aimc_mvm_backend *b)
{
    fast_backend *f = (fast_backend *)b;
    if (!f)
        return;
    free(f->tiles);
    free(f->accepts);
    free(f->stats.busy_cycles);
    free(f->stats.conflict_cycles);
    free(f->stats.stall_cycles);
    free(f->groups);
    free(f->heap);
    free(f->summary);
    free(f->summary_stamp);
    free(f);
}

static const aimc_mvm_backend_ops fast_ops = {
    .submit = fast_submit,
    .advance = fast_advance,
    .now = fast_now,
    .stats = fast_stats,
    .destroy = fast_destroy,
};

/* Every block must be on a real tile and tier; returns the number of input slices (largest in_block + 1). */
static int check_table(const aimc_chip_config *chip, const aimc_dispatch_table *table, uint32_t *max_in_blocks,
                       aimc_error *err)
{
    *max_in_blocks = 1;
    for (uint32_t l = 0; l < aimc_dispatch_table_layers(table); l++)
        for (uint32_t u = 0; u < aimc_dispatch_table_units(table); u++)
            for (uint32_t p = 0; p < aimc_dispatch_table_phases(table); p++) {
                uint32_t count;
                const aimc_dispatch_block *blk = aimc_dispatch_table_entry(table, l, u, p, &count);
                for (uint32_t j = 0; j < count; j++) {
                    if (blk[j].tile >= chip->tile.tiles || blk[j].tier >= chip->tile.tiers)
                        return aimc_fail(err,
                                         "fast backend: dispatch table entry (layer %u, unit %u, phase %u) block %u "
                                         "on tile %u tier %u (expected < %u tiles and < %u tiers of chip %s)",
                                         l, u, p, j, blk[j].tile, blk[j].tier, chip->tile.tiles, chip->tile.tiers,
                                         chip->name);
                    if ((uint32_t)blk[j].in_block + 1 > *max_in_blocks)
                        *max_in_blocks = (uint32_t)blk[j].in_block + 1;
                }
            }
    return 0;
}

aimc_mvm_backend *aimc_fast_backend_create(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                           uint32_t queue_depth, uint32_t slots, uint64_t codes_seed,
                                           uint32_t codes_bits, aimc_ledger *ledger, aimc_error *err)
{
    uint32_t max_in_blocks;
    if (queue_depth == 0) {
        aimc_fail(err, "fast backend: queue depth 0 (expected >= 1 job per tile queue)");
        return NULL;
    }
    if (slots == 0) {
        aimc_fail(err, "fast backend: 0 group slots (expected >= 1)");
        return NULL;
    }
    if (codes_bits < 2 || codes_bits > 16) {
        aimc_fail(err, "fast backend: activation codes of %u bits (expected 2..16)", codes_bits);
        return NULL;
    }
    if (chip->tile.tiles == 0 || chip->tile.rows == 0) {
        aimc_fail(err, "fast backend: chip %s has %u tiles of %u rows (expected >= 1 of each)", chip->name,
                  chip->tile.tiles, chip->tile.rows);
        return NULL;
    }
    if (check_table(chip, table, &max_in_blocks, err))
        return NULL;
    fast_backend *f = calloc(1, sizeof *f);
    if (!f) {
        aimc_fail(err, "fast backend: out of memory");
        return NULL;
    }
    f->base.ops = &fast_ops;
    f->chip = *chip;
    f->table = table;
    f->ledger = ledger;
    f->q = queue_depth;
    f->slots = slots;
    f->codes_seed = codes_seed;
    f->codes_matter = aimc_tile_job_cost_depends_on_codes(chip);
    f->codes_bits = codes_bits;
    aimc_codes_summariser_init(&f->summariser, codes_bits);
    f->switch_energy = aimc_tile_switch_energy(chip);
    f->max_in_blocks = max_in_blocks;
    size_t tiles = chip->tile.tiles;
    f->tiles = calloc(tiles, sizeof *f->tiles);
    f->accepts = calloc(tiles * queue_depth, sizeof *f->accepts);
    f->stats.busy_cycles = calloc(tiles, sizeof(uint64_t));
    f->stats.conflict_cycles = calloc(tiles, sizeof(uint64_t));
    f->stats.stall_cycles = calloc(tiles, sizeof(uint64_t));
    f->groups = calloc(slots, sizeof *f->groups);
    f->heap = calloc(slots, sizeof *f->heap);
    f->summary = calloc(max_in_blocks, sizeof *f->summary);
    f->summary_stamp = calloc(max_in_blocks, sizeof *f->summary_stamp);
    if (!f->tiles || !f->accepts || !f->stats.busy_cycles || !f->stats.conflict_cycles || !f->stats.stall_cycles ||
        !f->groups || !f->heap || !f->summary || !f->summary_stamp) {
        fast_destroy(&f->base);
        aimc_fail(err, "fast backend: out of memory for %u tiles x queue depth %u and %u slots", chip->tile.tiles,
                  queue_depth, slots);
        return NULL;
    }
    for (size_t i = 0; i < tiles; i++)
        f->tiles[i].tier = -1;
    return &f->base;
}
