#include "engine/decode_sequencer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/interrupt.h"
#include "core/rng.h"
#include "engine/dispatch_build.h"
#include "system/digital_expert.h"
#include "system/digital_units.h"

#define MAX_SLOTS 64
#define MAX_UNITS_PER_GROUP AIMC_MAX_GROUP_UNITS

typedef enum {
    ST_TOKEN_START,
    ST_EMBED_DONE,
    ST_LAYER_START,
    ST_QKV_DONE,
    ST_ATTEND,     /* the K and V of the lanes before this one are ready: attention, then o */
    ST_O_DONE,
    ST_ROUTER_DONE,
    ST_FFN_IN_DONE,
    ST_FFN_OUT_DONE,
    ST_FFN_JOIN,
    ST_OUTPUT,
    ST_OUTPUT_DONE,
    ST_SUBMIT, /* hand the pending group to the backend (submissions happen in time order) */
} stage;

#define NOT_YET UINT64_MAX

/* One position of a pass on its way through the layers. */
typedef struct {
    uint32_t seq, lane;    /* the sequence, and the position's index within the pass */
    uint32_t layer;
    stage next;            /* what runs at the next event */
    stage after_group;     /* what runs when the group in flight completes */
    aimc_mvm_command pending_cmd; /* the group ST_SUBMIT hands to the backend */
    uint64_t kv_ready;     /* this layer's KV-cache read is done */
    uint64_t digital_done; /* digital experts of this layer are done */
    uint32_t units[MAX_UNITS_PER_GROUP], nunits; /* analog units of the current FFN */
    uint32_t ffn_experts;  /* experts combined in this layer (routed + shared) */
} lane_state;

/* A sequence and its current pass: positions first_pos .. first_pos + nlanes - 1. */
typedef struct {
    uint32_t pass, passes;
    uint32_t first_pos, nlanes, lanes_done;
    bool prompt_pass;      /* the prefill: lane p books to the sequence's row p */
    uint32_t row;          /* the ledger row of a generated token's pass; the sequence's row 0 for the prompt */
    uint64_t route_base;   /* routing tokens of the sequence's earlier passes */
    uint64_t start, end, sampled; /* pass start; latest lane end; the last lane's sampling end */
    /* causal attention: per layer, how many leading lanes have their K and V (and the latest of those cycles);
     * per (lane, layer) the cycle each lane's are ready (NOT_YET before) */
    uint32_t *kv_prefix;
    uint64_t *kv_prefix_max, *kv_time;
} seq_state;

typedef struct {
    uint64_t time;
    uint32_t lane; /* global lane id: seq * lanes_cap + lane (ties: lower sequence, then lower position first) */
    uint64_t serial;
} event;

typedef struct {
    const aimc_moe_model *m;
    const aimc_mapping *mp;
    const aimc_chip_config *chip;
    const aimc_system_config *sys;
    const aimc_router *router;
    aimc_mvm_backend *be;
    aimc_ledger *ledger;
    const aimc_decode_options *o;
    aimc_unit_numbering un;
    uint32_t period_ps;
    uint64_t *dpu_free, *mha_free;
    uint64_t engine_free, dram_free;
    event *heap;
    size_t nheap, heap_cap;
    uint64_t serial;
    seq_state *seqs;
    lane_state *lanes;            /* batch x lanes_cap */
    uint32_t lanes_cap, prefill_rows;
    int32_t slot_lane[MAX_SLOTS]; /* lane owning a slot, -1 when free */
    uint32_t *waiters;            /* lanes waiting for a slot, FIFO */
    size_t nwaiters, waiter_head, waiters_cap;
    uint32_t groups_in_flight;
    uint32_t per_seq;
    uint64_t tokens_done, tokens_total;
    aimc_decode_result *r;
} run_ctx;

/* ---- event heap: (time, sequence, serial) order ------------------------------------------------------------ */

static bool before(const event *a, const event *b)
{
    if (a->time != b->time)
        return a->time < b->time;
    if (a->lane != b->lane)
        return a->lane < b->lane;
    return a->serial < b->serial;
}

static int schedule(run_ctx *c, uint32_t g, uint64_t time, stage next, aimc_error *err)
{
    if (c->nheap == c->heap_cap) {
        size_t cap = c->heap_cap ? 2 * c->heap_cap : 64;
        event *grown = realloc(c->heap, cap * sizeof *grown);
        if (!grown)
            return aimc_fail(err, "sequencer: out of memory");
        c->heap = grown;
        c->heap_cap = cap;
    }
    c->lanes[g].next = next;
    size_t i = c->nheap++;
    c->heap[i] = (event){time, g, c->serial++};
    while (i > 0 && before(&c->heap[i], &c->heap[(i - 1) / 2])) {
        event tmp = c->heap[i];
        c->heap[i] = c->heap[(i - 1) / 2];
        c->heap[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
    return 0;
}

static event pop_event(run_ctx *c)
{
    event top = c->heap[0];
    c->heap[0] = c->heap[--c->nheap];
    for (size_t i = 0;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->nheap && before(&c->heap[l], &c->heap[m]))
            m = l;
        if (r < c->nheap && before(&c->heap[r], &c->heap[m]))
            m = r;
        if (m == i)
            break;
        event tmp = c->heap[i];
        c->heap[i] = c->heap[m];
        c->heap[m] = tmp;
        i = m;
    }
    return top;
}

/* ---- resources -------------------------------------------------------------------------------------------------- */

static lane_state *lane_of(run_ctx *c, uint32_t g) { return &c->lanes[g]; }
static seq_state *seq_of(run_ctx *c, uint32_t g) { return &c->seqs[c->lanes[g].seq]; }
static uint32_t lane_id(const run_ctx *c, uint32_t seq, uint32_t lane) { return seq * c->lanes_cap + lane; }

/* The ledger row a lane's energy goes to: its own prompt position in the prefill, else its pass's token. */
static uint32_t ledger_token(run_ctx *c, uint32_t g)
{
    const seq_state *sq = seq_of(c, g);
    return sq->prompt_pass ? sq->row + c->lanes[g].lane : sq->row;
}

/* The lane's position in its sequence, and the KV length its attention covers (itself included). */
static uint32_t position(run_ctx *c, uint32_t g) { return seq_of(c, g)->first_pos + c->lanes[g].lane; }
static uint32_t seq_len(run_ctx *c, uint32_t g) { return position(c, g) + 1; }

static bool last_lane(run_ctx *c, uint32_t g) { return c->lanes[g].lane + 1 == seq_of(c, g)->nlanes; }

static void book(run_ctx *c, uint32_t g, uint32_t layer, aimc_energy_component comp, aimc_fJ e)
{
    if (e)
        aimc_ledger_book(c->ledger, ledger_token(c, g), (int)layer, comp, e);
}

/* Runs an op of `cost` on the earliest-free unit of a pool (lowest index on ties); returns its end. */
static uint64_t on_pool(run_ctx *c, uint64_t *free_at, uint32_t n, uint64_t ready, aimc_op_cost cost, uint32_t g,
                        uint32_t layer, aimc_energy_component comp)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++)
        if (free_at[i] < free_at[best])
            best = i;
    uint64_t start = ready > free_at[best] ? ready : free_at[best];
    free_at[best] = start + cost.latency_cycles;
    book(c, g, layer, comp, cost.energy);
    c->r->digital_ops++;
    return free_at[best];
}

static uint64_t dpu(run_ctx *c, uint64_t ready, aimc_vector_op op, uint64_t elements, uint32_t g, uint32_t layer)
{
    if (elements == 0)
        return ready;
    aimc_op_cost cost = aimc_vector_op_cost(c->sys, c->period_ps, op, (uint32_t)elements);
    return on_pool(c, c->dpu_free, c->sys->digital.dpus, ready, cost, g, layer, AIMC_E_DIGITAL);
}

static uint64_t transfer(run_ctx *c, uint64_t ready, uint64_t elements, uint32_t g, uint32_t layer)
{
    aimc_op_cost cost = aimc_interconnect_cost(c->sys, c->period_ps, (uint32_t)elements);
    book(c, g, layer, AIMC_E_INTERCONNECT, cost.energy);
    return ready + cost.latency_cycles;
}

static uint64_t dram(run_ctx *c, uint64_t ready, aimc_op_cost cost, uint32_t g, uint32_t layer)
{
    uint64_t start = ready > c->dram_free ? ready : c->dram_free;
    c->dram_free = start + cost.latency_cycles;
    c->r->dram_busy_cycles += cost.latency_cycles;
    book(c, g, layer, AIMC_E_DRAM, cost.energy);
    return c->dram_free;
}

/* ---- the matrices of a unit ---------------------------------------------------------------------------------------- */

typedef struct {
    const aimc_mapped_matrix *x[4];
    uint32_t n;
} unit_matrices;

/* The matrices of (layer, unit) in a phase, in model order. */
static void matrices_of(const run_ctx *c, uint32_t layer, uint32_t unit, uint32_t phase, unit_matrices *out)
{
    static const aimc_role ffn_in[] = {AIMC_ROLE_GATE, AIMC_ROLE_UP}, ffn_out[] = {AIMC_ROLE_DOWN};
    static const aimc_role attn_in[] = {AIMC_ROLE_Q, AIMC_ROLE_K, AIMC_ROLE_V}, attn_out[] = {AIMC_ROLE_O};
    static const aimc_role weight[] = {AIMC_ROLE_WEIGHT};
    const aimc_role *roles = weight;
    uint32_t nroles = 1;
    aimc_module module;
    int expert = -1, l = (int)layer;
    if (layer == c->un.output_layer) {
        module = AIMC_MODULE_LM_HEAD;
        l = -1;
    } else if (unit == c->un.attention) {
        module = AIMC_MODULE_ATTENTION;
        roles = phase ? attn_out : attn_in;
        nroles = phase ? 1 : 3;
    } else if (unit == c->un.router) {
        module = AIMC_MODULE_ROUTER;
    } else {
        module = unit < c->un.experts ? AIMC_MODULE_EXPERT
                 : unit == c->un.shared ? AIMC_MODULE_SHARED_EXPERT
                                        : AIMC_MODULE_DENSE_FFN;
        expert = unit < c->un.experts ? (int)unit : -1;
        roles = phase ? ffn_out : ffn_in;
        nroles = phase ? 1 : 2;
    }
    out->n = 0;
    for (uint32_t i = 0; i < nroles; i++) {
        const aimc_mapped_matrix *x = aimc_mapping_find(c->mp, l, module, expert, roles[i]);
        if (x)
            out->x[out->n++] = x;
    }
}

static bool unit_exists(const run_ctx *c, uint32_t layer, uint32_t unit)
{
    unit_matrices um;
    matrices_of(c, layer, unit, AIMC_PHASE_IN, &um);
    return um.n > 0;
}

static bool unit_analog(const run_ctx *c, uint32_t layer, uint32_t unit)
{
    unit_matrices um;
    matrices_of(c, layer, unit, AIMC_PHASE_IN, &um);
    return um.n > 0 && um.x[0]->placement == AIMC_PLACE_ANALOG;
}

/* Sum of the output widths of a unit's matrices in a phase. */
static uint64_t out_elements(const run_ctx *c, uint32_t layer, uint32_t unit, uint32_t phase)
{
    unit_matrices um;
    matrices_of(c, layer, unit, phase, &um);
    uint64_t n = 0;
    for (uint32_t i = 0; i < um.n; i++)
        n += um.x[i]->matrix.out_dim;
    return n;
}

/* Adds the partial sums of the analog matrices of the units' phase (one DPU op per matrix cut over rows). */
static uint64_t partial_sums(run_ctx *c, uint64_t ready, uint32_t g, uint32_t layer, const uint32_t *units,
                             uint32_t nunits, uint32_t phase)
{
    uint64_t t = ready;
    for (uint32_t u = 0; u < nunits; u++) {
        unit_matrices um;
        matrices_of(c, layer, units[u], phase, &um);
        for (uint32_t i = 0; i < um.n; i++)
            if (um.x[i]->row_blocks > 1)
                t = dpu(c, t, AIMC_VOP_PSUM_ADD, (uint64_t)(um.x[i]->row_blocks - 1) * um.x[i]->matrix.out_dim, g,
                        layer);
    }
    return t;
}

/* Runs the units' matrices (both phases when `both`) on the digital expert engine. */
static uint64_t digital_engine(run_ctx *c, uint64_t ready, uint32_t g, uint32_t layer, const uint32_t *units,
                               uint32_t nunits, uint32_t phase_from, uint32_t phase_to)
{
    aimc_matrix mats[4 * MAX_UNITS_PER_GROUP];
    size_t n = 0;
    for (uint32_t u = 0; u < nunits; u++)
        for (uint32_t p = phase_from; p <= phase_to; p++) {
            unit_matrices um;
            matrices_of(c, layer, units[u], p, &um);
            for (uint32_t i = 0; i < um.n; i++)
                mats[n++] = um.x[i]->matrix;
        }
    if (n == 0)
        return ready;
    aimc_digital_cost cost;
    aimc_digital_matrices_cost(&c->chip->digital_expert, c->chip->clock_period_ps, mats, n, 1, &cost);
    uint64_t start = ready > c->engine_free ? ready : c->engine_free;
    c->engine_free = start + cost.cycles;
    book(c, g, layer, AIMC_E_DIGITAL, cost.energy);
    c->r->digital_ops++;
    return c->engine_free;
}

/* ---- analog groups ---------------------------------------------------------------------------------------------------- */

static int issue(run_ctx *c, uint32_t g, uint64_t cycle, aimc_mvm_command *cmd, aimc_error *err)
{
    for (uint32_t s = 0; s < c->o->slots && s < MAX_SLOTS; s++)
        if (c->slot_lane[s] < 0) {
            cmd->slot = s;
            c->slot_lane[s] = (int32_t)g;
            c->groups_in_flight++;
            c->r->groups++;
            return aimc_mvm_backend_submit(c->be, cycle, cmd, err);
        }
    /* no free slot: the lane waits (its command stays pending) until a group completes */
    c->waiters[(c->waiter_head + c->nwaiters++) % c->waiters_cap] = g;
    return 0;
}

/* Sends the units' phase as one group from `cycle`; the lane continues with `next` when it completes.
 * The submission itself is an event at `cycle`, so the backend receives commands in time order. */
static int group(run_ctx *c, uint32_t g, uint64_t cycle, uint32_t layer, uint32_t phase, const uint32_t *units,
                 uint32_t nunits, stage next, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    ln->pending_cmd = (aimc_mvm_command){.token = ledger_token(c, g), .layer = layer, .phase = phase,
                                         .nunits = nunits};
    memcpy(ln->pending_cmd.unit, units, nunits * sizeof *units);
    ln->after_group = next;
    return schedule(c, g, cycle, ST_SUBMIT, err);
}

/* ---- passes ------------------------------------------------------------------------------------------------------------ */

static bool prefilling(const aimc_decode_options *o) { return o->prefill && o->prompt > 0; }

/* Pass k of a sequence: its first position and its number of positions. */
static void pass_shape(const aimc_decode_options *o, uint32_t k, bool *prompt, uint32_t *first, uint32_t *n)
{
    *prompt = prefilling(o) && k == 0;
    uint32_t j = k - (prefilling(o) ? 1 : 0); /* the generated token of a decode pass */
    *first = *prompt || o->no_kv_cache ? 0 : o->prompt + j;
    *n = *prompt ? o->prompt : o->no_kv_cache ? o->prompt + j + 1 : 1;
}

uint64_t aimc_decode_route_tokens(const aimc_decode_options *o)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < o->tokens + (prefilling(o) ? 1u : 0u); k++) {
        bool prompt;
        uint32_t first, lanes;
        pass_shape(o, k, &prompt, &first, &lanes);
        n += lanes;
    }
    return n;
}

/* Sets up pass k of sequence `seq` and starts its lanes at cycle t. */
static int pass_start(run_ctx *c, uint32_t seq, uint32_t k, uint64_t t, aimc_error *err)
{
    seq_state *sq = &c->seqs[seq];
    if (k > 0)
        sq->route_base += sq->nlanes;
    sq->pass = k;
    pass_shape(c->o, k, &sq->prompt_pass, &sq->first_pos, &sq->nlanes);
    sq->row = seq * c->per_seq + (sq->prompt_pass ? 0 : c->prefill_rows + k - (prefilling(c->o) ? 1 : 0));
    sq->lanes_done = 0;
    sq->start = sq->end = sq->sampled = t;
    c->r->lane_passes += sq->nlanes;
    if (sq->nlanes > 1) {
        uint32_t layers = c->m->layers;
        for (size_t i = 0; i < (size_t)sq->nlanes * layers; i++)
            sq->kv_time[i] = NOT_YET;
        memset(sq->kv_prefix, 0, layers * sizeof *sq->kv_prefix);
        memset(sq->kv_prefix_max, 0, layers * sizeof *sq->kv_prefix_max);
    }
    if (aimc_mvm_backend_mark_token(c->be, t, seq, false, err)) /* one token window per pass in the waveform */
        return -1;
    for (uint32_t p = 0; p < sq->nlanes; p++) {
        uint32_t g = lane_id(c, seq, p);
        c->lanes[g] = (lane_state){.seq = seq, .lane = p};
        if (schedule(c, g, t, ST_TOKEN_START, err))
            return -1;
    }
    return 0;
}

/* All lanes of the sequence's pass are done: its token is out; the next pass starts. */
static int pass_done(run_ctx *c, uint32_t seq, aimc_error *err)
{
    seq_state *sq = &c->seqs[seq];
    uint64_t t = sq->end;
    if (aimc_mvm_backend_mark_token(c->be, t, seq, true, err))
        return -1;
    if (t > c->r->cycles)
        c->r->cycles = t;
    if (sq->pass == 0 && sq->sampled > c->r->first_token_cycles)
        c->r->first_token_cycles = sq->sampled;
    c->tokens_done += sq->prompt_pass ? sq->nlanes : 1;
    if (c->o->progress)
        c->o->progress(c->o->progress_ctx, c->tokens_done, c->tokens_total, t);
    if (sq->pass + 1 < sq->passes)
        return pass_start(c, seq, sq->pass + 1, t, err);
    return 0;
}

/* A lane has left the last layer (the last lane: after the LM head and sampling). */
static int lane_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    seq_state *sq = seq_of(c, g);
    aimc_ledger_touch(c->ledger, ledger_token(c, g), sq->start, t);
    if (t > sq->end)
        sq->end = t;
    if (++sq->lanes_done == sq->nlanes)
        return pass_done(c, lane_of(c, g)->seq, err);
    return 0;
}

/* ---- the dataflow ------------------------------------------------------------------------------------------------------ */

static int token_start(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    ln->layer = 0;
    aimc_ledger_touch(c->ledger, ledger_token(c, g), t, t);
    const aimc_mapped_matrix *emb = aimc_mapping_find(c->mp, -1, AIMC_MODULE_EMBEDDING, -1, AIMC_ROLE_WEIGHT);
    if (emb && emb->placement == AIMC_PLACE_ANALOG) {
        /* one-hot MVM on the row block holding the token's row; token ids are synthetic, from the seed and the
         * position counted from the first token the run generates (or from the prompt's first, with prefill) */
        uint32_t counted = prefilling(c->o) ? position(c, g) : position(c, g) - c->o->prompt;
        uint64_t id = aimc_seed_mix(c->o->seed, ((uint64_t)ln->seq << 32) | counted) % c->m->vocab;
        uint32_t unit = c->un.embedding_first + (uint32_t)(id / c->chip->tile.rows);
        return group(c, g, t, c->un.output_layer, AIMC_PHASE_IN, &unit, 1, ST_EMBED_DONE, err);
    }
    return schedule(c, g, transfer(c, t, c->m->d_model, g, c->un.output_layer), ST_LAYER_START, err);
}

static int layer_start(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer, d = c->m->d_model, attn = c->un.attention;
    uint64_t t1 = dpu(c, t, AIMC_VOP_LAYERNORM, d, g, l);
    ln->kv_ready = c->o->no_kv_cache
                       ? t1
                       : dram(c, t1, aimc_dram_kv_read_cost(c->sys, c->period_ps, c->m->kv_heads * c->m->head_dim,
                                                            seq_len(c, g)), g, l);
    if (unit_analog(c, l, attn))
        return group(c, g, transfer(c, t1, d, g, l), l, AIMC_PHASE_IN, &attn, 1, ST_QKV_DONE, err);
    return schedule(c, g, digital_engine(c, t1, g, l, &attn, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_QKV_DONE, err);
}

/* Attention of the lane from `ready` (its K and V and those of the lanes before it are there), then o. */
static int attend(run_ctx *c, uint32_t g, uint64_t ready, aimc_error *err)
{
    uint32_t l = lane_of(c, g)->layer, d = c->m->d_model, attn = c->un.attention;
    aimc_op_cost cost = aimc_attention_decode_cost(c->sys, c->period_ps, d, seq_len(c, g));
    uint64_t t3 = on_pool(c, c->mha_free, c->sys->digital.mha_units, ready, cost, g, l, AIMC_E_DIGITAL);
    if (unit_analog(c, l, attn))
        return group(c, g, transfer(c, t3, d, g, l), l, AIMC_PHASE_OUT, &attn, 1, ST_O_DONE, err);
    return schedule(c, g, digital_engine(c, t3, g, l, &attn, 1, AIMC_PHASE_OUT, AIMC_PHASE_OUT), ST_O_DONE, err);
}

/* The lane's K and V of this layer are ready at t.  Causal attention: every lane whose predecessors' K and V are
 * now all ready attends from the latest of those cycles (a lone lane at once, as a decode token always did). */
static int kv_arrive(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    seq_state *sq = seq_of(c, g);
    uint32_t l = ln->layer, layers = c->m->layers;
    if (sq->nlanes == 1)
        return attend(c, g, t > ln->kv_ready ? t : ln->kv_ready, err);
    sq->kv_time[(size_t)ln->lane * layers + l] = t;
    while (sq->kv_prefix[l] < sq->nlanes) {
        uint32_t p = sq->kv_prefix[l];
        uint64_t at = sq->kv_time[(size_t)p * layers + l];
        if (at == NOT_YET)
            break;
        if (at > sq->kv_prefix_max[l])
            sq->kv_prefix_max[l] = at;
        sq->kv_prefix[l]++;
        uint32_t gp = lane_id(c, ln->seq, p);
        uint64_t ready = sq->kv_prefix_max[l] > c->lanes[gp].kv_ready ? sq->kv_prefix_max[l] : c->lanes[gp].kv_ready;
        if (schedule(c, gp, ready, ST_ATTEND, err))
            return -1;
    }
    return 0;
}

static int qkv_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    uint32_t l = lane_of(c, g)->layer, attn = c->un.attention, kv_dim = c->m->kv_heads * c->m->head_dim;
    if (unit_analog(c, l, attn)) {
        t = transfer(c, t, out_elements(c, l, attn, AIMC_PHASE_IN), g, l);
        t = partial_sums(c, t, g, l, &attn, 1, AIMC_PHASE_IN);
    }
    if (!c->o->no_kv_cache)
        dram(c, t, aimc_dram_kv_write_cost(c->sys, c->period_ps, kv_dim), g, l); /* in the background */
    return kv_arrive(c, g, t, err);
}

/* Starts the layer's FFN: analog units as groups, digital ones on the engine in parallel. */
static int ffn_start(run_ctx *c, uint32_t g, uint64_t t, const uint32_t *units, uint32_t n, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer, digital[MAX_UNITS_PER_GROUP], nd = 0;
    ln->nunits = 0;
    ln->ffn_experts = n;
    for (uint32_t i = 0; i < n; i++) {
        if (unit_analog(c, l, units[i]))
            ln->units[ln->nunits++] = units[i];
        else
            digital[nd++] = units[i];
    }
    ln->digital_done = digital_engine(c, t, g, l, digital, nd, AIMC_PHASE_IN, AIMC_PHASE_OUT);
    if (ln->nunits == 0)
        return schedule(c, g, t, ST_FFN_JOIN, err);
    return group(c, g, transfer(c, t, c->m->d_model, g, l), l, AIMC_PHASE_IN, ln->units, ln->nunits,
                 ST_FFN_IN_DONE, err);
}

static int o_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    uint32_t l = lane_of(c, g)->layer, d = c->m->d_model, attn = c->un.attention;
    if (unit_analog(c, l, attn)) {
        t = transfer(c, t, d, g, l);
        t = partial_sums(c, t, g, l, &attn, 1, AIMC_PHASE_OUT);
    }
    t = dpu(c, t, AIMC_VOP_ADD, d, g, l);
    t = dpu(c, t, AIMC_VOP_LAYERNORM, d, g, l);
    if (!aimc_moe_model_layer_is_moe(c->m, l)) {
        uint32_t dense = c->un.dense;
        return ffn_start(c, g, t, &dense, 1, err);
    }
    uint32_t router = c->un.router;
    if (unit_analog(c, l, router))
        return group(c, g, transfer(c, t, d, g, l), l, AIMC_PHASE_IN, &router, 1, ST_ROUTER_DONE, err);
    return schedule(c, g, digital_engine(c, t, g, l, &router, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_ROUTER_DONE, err);
}

static int router_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer, router = c->un.router;
    if (unit_analog(c, l, router)) {
        t = transfer(c, t, c->m->experts, g, l);
        t = partial_sums(c, t, g, l, &router, 1, AIMC_PHASE_IN);
    }
    t = dpu(c, t, AIMC_VOP_GATING, c->m->experts, g, l);
    aimc_route route;
    uint64_t token = seq_of(c, g)->route_base + ln->lane; /* the sequence's routing token (docs/engines.md) */
    if (aimc_router_route(c->router, ln->seq, (uint32_t)token, l, NULL, &route, err))
        return -1;
    uint32_t units[MAX_UNITS_PER_GROUP], n = 0;
    for (uint32_t i = 0; i < route.k && n < MAX_UNITS_PER_GROUP - 1; i++)
        units[n++] = route.expert[i];
    for (uint32_t i = 0; i < n && c->o->expert_selections; i++)
        c->o->expert_selections[(size_t)l * c->m->experts + units[i]]++;
    if (unit_exists(c, l, c->un.shared))
        units[n++] = c->un.shared;
    return ffn_start(c, g, t, units, n, err);
}

static aimc_vector_op activation_op(const aimc_moe_model *m)
{
    if (m->gated)
        return AIMC_VOP_SILU_MUL;
    return m->activation == AIMC_ACT_RELU ? AIMC_VOP_RELU : AIMC_VOP_GELU;
}

static int ffn_in_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer;
    uint64_t outs = 0;
    for (uint32_t i = 0; i < ln->nunits; i++)
        outs += out_elements(c, l, ln->units[i], AIMC_PHASE_IN);
    uint64_t hidden = c->m->gated ? outs / 2 : outs; /* gate and up outputs meet in SiLU(gate) * up */
    t = transfer(c, t, outs, g, l);
    t = partial_sums(c, t, g, l, ln->units, ln->nunits, AIMC_PHASE_IN);
    t = dpu(c, t, activation_op(c->m), hidden, g, l);
    return group(c, g, transfer(c, t, hidden, g, l), l, AIMC_PHASE_OUT, ln->units, ln->nunits, ST_FFN_OUT_DONE,
                 err);
}

static int ffn_out_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer;
    t = transfer(c, t, (uint64_t)c->m->d_model * ln->nunits, g, l);
    t = partial_sums(c, t, g, l, ln->units, ln->nunits, AIMC_PHASE_OUT);
    return schedule(c, g, t > ln->digital_done ? t : ln->digital_done, ST_FFN_JOIN, err);
}

static int ffn_join(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    lane_state *ln = lane_of(c, g);
    uint32_t l = ln->layer, d = c->m->d_model;
    if (ln->ffn_experts > 1) /* gate-weighted combination of the experts' outputs */
        t = dpu(c, t, AIMC_VOP_ADD, (uint64_t)d * (ln->ffn_experts - 1), g, l);
    t = dpu(c, t, AIMC_VOP_ADD, d, g, l); /* residual */
    ln->layer++;
    if (ln->layer < c->m->layers)
        return schedule(c, g, t, ST_LAYER_START, err);
    if (last_lane(c, g)) /* only the pass's last position is sampled */
        return schedule(c, g, t, ST_OUTPUT, err);
    return lane_done(c, g, t, err);
}

static int output_start(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    uint32_t out = c->un.output_layer, head = c->un.lm_head;
    t = dpu(c, t, AIMC_VOP_LAYERNORM, c->m->d_model, g, out);
    if (unit_analog(c, out, head))
        return group(c, g, transfer(c, t, c->m->d_model, g, out), out, AIMC_PHASE_IN, &head, 1, ST_OUTPUT_DONE,
                     err);
    return schedule(c, g, digital_engine(c, t, g, out, &head, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_OUTPUT_DONE,
                    err);
}

static int output_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    uint32_t out = c->un.output_layer, head = c->un.lm_head;
    if (unit_analog(c, out, head)) {
        t = transfer(c, t, c->m->vocab, g, out);
        t = partial_sums(c, t, g, out, &head, 1, AIMC_PHASE_IN);
    }
    t = dpu(c, t, AIMC_VOP_GATING, c->m->vocab, g, out); /* sampling: softmax and pick over the vocabulary */
    seq_of(c, g)->sampled = t;
    return lane_done(c, g, t, err);
}

static int embed_done(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    return schedule(c, g, transfer(c, t, c->m->d_model, g, c->un.output_layer), ST_LAYER_START, err);
}

static int run_stage(run_ctx *c, uint32_t g, uint64_t t, aimc_error *err)
{
    switch (c->lanes[g].next) {
    case ST_TOKEN_START: return token_start(c, g, t, err);
    case ST_EMBED_DONE: return embed_done(c, g, t, err);
    case ST_LAYER_START: return layer_start(c, g, t, err);
    case ST_QKV_DONE: return qkv_done(c, g, t, err);
    case ST_ATTEND: return attend(c, g, t, err);
    case ST_O_DONE: return o_done(c, g, t, err);
    case ST_ROUTER_DONE: return router_done(c, g, t, err);
    case ST_FFN_IN_DONE: return ffn_in_done(c, g, t, err);
    case ST_FFN_OUT_DONE: return ffn_out_done(c, g, t, err);
    case ST_FFN_JOIN: return ffn_join(c, g, t, err);
    case ST_OUTPUT: return output_start(c, g, t, err);
    case ST_OUTPUT_DONE: return output_done(c, g, t, err);
    case ST_SUBMIT: return issue(c, g, t, &c->lanes[g].pending_cmd, err);
    }
    return aimc_fail(err, "sequencer: unknown stage");
}

/* A group completed in `cycle`: its lane continues in the next cycle; a waiting group takes the slot. */
static int on_group_done(run_ctx *c, uint32_t slot, uint64_t cycle, aimc_error *err)
{
    int32_t g = slot < MAX_SLOTS ? c->slot_lane[slot] : -1;
    if (g < 0)
        return aimc_fail(err, "sequencer: completion of slot %u, which no group holds", slot);
    c->slot_lane[slot] = -1;
    c->groups_in_flight--;
    if (schedule(c, (uint32_t)g, cycle + 1, c->lanes[g].after_group, err))
        return -1;
    if (c->nwaiters) {
        uint32_t w = c->waiters[c->waiter_head];
        c->waiter_head = (c->waiter_head + 1) % c->waiters_cap;
        c->nwaiters--;
        return issue(c, w, cycle + 1, &c->lanes[w].pending_cmd, err);
    }
    return 0;
}

static int loop(run_ctx *c, aimc_error *err)
{
    while (c->tokens_done < c->tokens_total) {
        if (aimc_interrupt_signal()) /* the safe point: between two events, every structure consistent */
            return aimc_fail(err, "run: interrupted by %s after %llu of %llu tokens", aimc_interrupt_name(),
                             (unsigned long long)c->tokens_done, (unsigned long long)c->tokens_total);
        uint64_t t_next = c->nheap ? c->heap[0].time : UINT64_MAX;
        if (c->groups_in_flight > 0) {
            uint32_t done[MAX_SLOTS], n;
            uint64_t cycle;
            if (aimc_mvm_backend_advance(c->be, t_next, done, &n, &cycle, err))
                return -1;
            if (n > 0) {
                for (uint32_t i = 0; i < n; i++)
                    if (on_group_done(c, done[i], cycle, err))
                        return -1;
                continue;
            }
        }
        if (!c->nheap)
            return aimc_fail(err, "sequencer: stalled with %llu of %llu tokens done",
                             (unsigned long long)c->tokens_done, (unsigned long long)c->tokens_total);
        event e = pop_event(c);
        if (run_stage(c, e.lane, e.time, err))
            return -1;
    }
    /* The backend runs through the last token's end cycle (the cosim's trace then shows every token end). */
    uint32_t done[MAX_SLOTS], n;
    uint64_t cycle;
    return aimc_mvm_backend_advance(c->be, c->r->cycles + 1, done, &n, &cycle, err);
}

/* Static energy over the run, booked to the chip (no token caused it), one entry per source, the same for every
 * engine: the digital units' passive power, the DRAM's idle power while it is not busy, and the leakage of every
 * physical tile. */
static aimc_fJ digital_passive(const run_ctx *c, uint64_t cycles)
{
    return aimc_digital_passive_energy(c->sys, c->period_ps, cycles);
}

static aimc_fJ dram_idle(const run_ctx *c, uint64_t cycles)
{
    if (c->o->no_kv_cache) /* no KV cache: the DRAM holds nothing and is not powered */
        return 0;
    uint64_t busy = c->r->dram_busy_cycles < cycles ? c->r->dram_busy_cycles : cycles;
    return aimc_dram_idle_energy(c->sys, c->period_ps, cycles - busy);
}

static aimc_fJ tile_leakage(const run_ctx *c, uint64_t cycles)
{
    uint64_t ns = (uint64_t)llround((double)cycles * c->chip->clock_period_ps / 1000.0);
    return aimc_periphery_leakage_fJ(&c->chip->periphery, c->chip->tile.tiles, ns);
}

static aimc_fJ (*const static_sources[])(const run_ctx *, uint64_t) = {digital_passive, dram_idle, tile_leakage};

static void book_static(run_ctx *c)
{
    for (size_t i = 0; i < sizeof static_sources / sizeof static_sources[0]; i++) {
        aimc_fJ e = static_sources[i](c, c->r->cycles);
        if (e)
            aimc_ledger_book_chip(c->ledger, AIMC_E_STATIC, e);
    }
}

static void free_seqs(run_ctx *c)
{
    for (uint32_t s = 0; c->seqs && s < c->o->batch; s++) {
        free(c->seqs[s].kv_prefix);
        free(c->seqs[s].kv_prefix_max);
        free(c->seqs[s].kv_time);
    }
    free(c->seqs);
}

/* Per sequence, the causal-attention bookkeeping of passes with more than one lane. */
static int alloc_seqs(run_ctx *c)
{
    uint32_t layers = c->m->layers;
    if (!(c->seqs = calloc(c->o->batch, sizeof *c->seqs)))
        return -1;
    for (uint32_t s = 0; s < c->o->batch; s++) {
        seq_state *sq = &c->seqs[s];
        sq->passes = c->o->tokens + (prefilling(c->o) ? 1 : 0);
        if (c->lanes_cap == 1)
            continue;
        sq->kv_prefix = calloc(layers, sizeof *sq->kv_prefix);
        sq->kv_prefix_max = calloc(layers, sizeof *sq->kv_prefix_max);
        sq->kv_time = calloc((size_t)c->lanes_cap * layers, sizeof *sq->kv_time);
        if (!sq->kv_prefix || !sq->kv_prefix_max || !sq->kv_time)
            return -1;
    }
    return 0;
}

int aimc_decode_run(const aimc_mapping *mp, const aimc_dispatch_table *table, const aimc_router *router,
                    aimc_mvm_backend *backend, const aimc_decode_options *o, aimc_ledger *ledger,
                    aimc_decode_result *r, aimc_error *err)
{
    (void)table;
    memset(r, 0, sizeof *r);
    if (o->batch < 1 || o->tokens < 1 || o->slots < 1)
        return aimc_fail(err, "decode: batch, tokens and slots must be at least 1");
    run_ctx c = {.m = aimc_mapping_model(mp), .mp = mp, .chip = aimc_mapping_chip(mp), .router = router,
                 .be = backend, .ledger = ledger, .o = o, .r = r};
    c.sys = &c.chip->system;
    c.period_ps = (uint32_t)c.chip->clock_period_ps;
    aimc_unit_numbering_of(c.m, c.chip->tile.rows, &c.un);
    c.prefill_rows = prefilling(o) ? o->prompt : 0;
    c.per_seq = o->tokens + c.prefill_rows;
    /* the longest pass: the prompt, or the last generated token's whole prefix without a KV cache */
    uint64_t cap = o->no_kv_cache ? (uint64_t)o->prompt + o->tokens : prefilling(o) ? o->prompt : 1;
    if (cap * o->batch > UINT32_MAX / 2)
        return aimc_fail(err, "decode: %llu positions in flight (batch %u x %llu per pass) exceed the sequencer's "
                              "%u", (unsigned long long)(cap * o->batch), o->batch, (unsigned long long)cap,
                         UINT32_MAX / 2);
    c.lanes_cap = (uint32_t)cap;
    c.tokens_total = (uint64_t)o->batch * c.per_seq;
    r->tokens = c.tokens_total;
    r->per_seq = c.per_seq;
    r->prefill_rows = c.prefill_rows;
    c.waiters_cap = (size_t)o->batch * c.lanes_cap;
    c.dpu_free = calloc(c.sys->digital.dpus ? c.sys->digital.dpus : 1, sizeof(uint64_t));
    c.mha_free = calloc(c.sys->digital.mha_units ? c.sys->digital.mha_units : 1, sizeof(uint64_t));
    c.lanes = calloc(c.waiters_cap, sizeof *c.lanes);
    c.waiters = calloc(c.waiters_cap, sizeof *c.waiters);
    int rc = -1;
    if (!c.dpu_free || !c.mha_free || !c.lanes || !c.waiters || alloc_seqs(&c)) {
        aimc_fail(err, "decode: out of memory for %u sequences x %u positions per pass", o->batch, c.lanes_cap);
        goto out;
    }
    for (uint32_t s = 0; s < MAX_SLOTS; s++)
        c.slot_lane[s] = -1;
    rc = 0;
    for (uint32_t s = 0; s < o->batch && !rc; s++)
        rc = pass_start(&c, s, 0, 0, err);
    if (!rc)
        rc = loop(&c, err);
    if (!rc)
        book_static(&c);
out:
    free(c.dpu_free);
    free(c.mha_free);
    free_seqs(&c);
    free(c.lanes);
    free(c.waiters);
    free(c.heap);
    return rc;
}

int aimc_decode_result_register_stats(const aimc_decode_result *r, const aimc_mvm_backend *backend, aimc_stats *s)
{
    return aimc_stats_set(s, "groups", "commands", "analog group commands sent to the dispatcher", r->groups) ||
           aimc_mvm_backend_register_stats(backend, s) ||
           aimc_stats_set(s, "digital_ops", "ops", "DPU, MHA-unit and digital-expert-engine operations",
                          r->digital_ops) ||
           aimc_stats_set(s, "dram_busy_cycles", "cycles", "cycles the DRAM channel moved KV-cache data",
                          r->dram_busy_cycles);
}
