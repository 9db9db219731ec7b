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
    ST_O_DONE,
    ST_ROUTER_DONE,
    ST_FFN_IN_DONE,
    ST_FFN_OUT_DONE,
    ST_FFN_JOIN,
    ST_OUTPUT,
    ST_OUTPUT_DONE,
    ST_SUBMIT, /* hand the pending group to the backend (submissions happen in time order) */
} stage;

typedef struct {
    uint32_t token;        /* index within the sequence */
    uint32_t layer;
    stage next;            /* what runs at the next event */
    stage after_group;     /* what runs when the group in flight completes */
    aimc_mvm_command pending_cmd; /* the group ST_SUBMIT hands to the backend */
    uint64_t token_start;
    uint64_t kv_ready;     /* this layer's KV-cache read is done */
    uint64_t digital_done; /* digital experts of this layer are done */
    uint32_t units[MAX_UNITS_PER_GROUP], nunits; /* analog units of the current FFN */
    uint32_t ffn_experts;  /* experts combined in this layer (routed + shared) */
} seq_state;

typedef struct {
    uint64_t time;
    uint32_t seq;
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
    int32_t slot_seq[MAX_SLOTS];  /* sequence owning a slot, -1 when free */
    uint32_t *waiters;            /* sequences waiting for a slot, FIFO */
    size_t nwaiters, waiter_head;
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
    if (a->seq != b->seq)
        return a->seq < b->seq;
    return a->serial < b->serial;
}

static int schedule(run_ctx *c, uint32_t seq, uint64_t time, stage next, aimc_error *err)
{
    if (c->nheap == c->heap_cap) {
        size_t cap = c->heap_cap ? 2 * c->heap_cap : 64;
        event *grown = realloc(c->heap, cap * sizeof *grown);
        if (!grown)
            return aimc_fail(err, "sequencer: out of memory");
        c->heap = grown;
        c->heap_cap = cap;
    }
    c->seqs[seq].next = next;
    size_t i = c->nheap++;
    c->heap[i] = (event){time, seq, c->serial++};
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

static uint32_t ledger_token(const run_ctx *c, uint32_t seq) { return seq * c->per_seq + c->seqs[seq].token; }

static void book(run_ctx *c, uint32_t seq, uint32_t layer, aimc_energy_component comp, aimc_fJ e)
{
    if (e)
        aimc_ledger_book(c->ledger, ledger_token(c, seq), (int)layer, comp, e);
}

/* Runs an op of `cost` on the earliest-free unit of a pool (lowest index on ties); returns its end. */
static uint64_t on_pool(run_ctx *c, uint64_t *free_at, uint32_t n, uint64_t ready, aimc_op_cost cost, uint32_t seq,
                        uint32_t layer, aimc_energy_component comp)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++)
        if (free_at[i] < free_at[best])
            best = i;
    uint64_t start = ready > free_at[best] ? ready : free_at[best];
    free_at[best] = start + cost.latency_cycles;
    book(c, seq, layer, comp, cost.energy);
    c->r->digital_ops++;
    return free_at[best];
}

static uint64_t dpu(run_ctx *c, uint64_t ready, aimc_vector_op op, uint64_t elements, uint32_t seq, uint32_t layer)
{
    if (elements == 0)
        return ready;
    aimc_op_cost cost = aimc_vector_op_cost(c->sys, c->period_ps, op, (uint32_t)elements);
    return on_pool(c, c->dpu_free, c->sys->digital.dpus, ready, cost, seq, layer, AIMC_E_DIGITAL);
}

static uint64_t transfer(run_ctx *c, uint64_t ready, uint64_t elements, uint32_t seq, uint32_t layer)
{
    aimc_op_cost cost = aimc_interconnect_cost(c->sys, c->period_ps, (uint32_t)elements);
    book(c, seq, layer, AIMC_E_INTERCONNECT, cost.energy);
    return ready + cost.latency_cycles;
}

static uint64_t dram(run_ctx *c, uint64_t ready, aimc_op_cost cost, uint32_t seq, uint32_t layer)
{
    uint64_t start = ready > c->dram_free ? ready : c->dram_free;
    c->dram_free = start + cost.latency_cycles;
    c->r->dram_busy_cycles += cost.latency_cycles;
    book(c, seq, layer, AIMC_E_DRAM, cost.energy);
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
static uint64_t partial_sums(run_ctx *c, uint64_t ready, uint32_t seq, uint32_t layer, const uint32_t *units,
                             uint32_t nunits, uint32_t phase)
{
    uint64_t t = ready;
    for (uint32_t u = 0; u < nunits; u++) {
        unit_matrices um;
        matrices_of(c, layer, units[u], phase, &um);
        for (uint32_t i = 0; i < um.n; i++)
            if (um.x[i]->row_blocks > 1)
                t = dpu(c, t, AIMC_VOP_PSUM_ADD, (uint64_t)(um.x[i]->row_blocks - 1) * um.x[i]->matrix.out_dim, seq,
                        layer);
    }
    return t;
}

/* Runs the units' matrices (both phases when `both`) on the digital expert engine. */
static uint64_t digital_engine(run_ctx *c, uint64_t ready, uint32_t seq, uint32_t layer, const uint32_t *units,
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
    book(c, seq, layer, AIMC_E_DIGITAL, cost.energy);
    c->r->digital_ops++;
    return c->engine_free;
}

/* ---- analog groups ---------------------------------------------------------------------------------------------------- */

static int issue(run_ctx *c, uint32_t seq, uint64_t cycle, aimc_mvm_command *cmd, aimc_error *err)
{
    for (uint32_t s = 0; s < c->o->slots && s < MAX_SLOTS; s++)
        if (c->slot_seq[s] < 0) {
            cmd->slot = s;
            c->slot_seq[s] = (int32_t)seq;
            c->groups_in_flight++;
            c->r->groups++;
            return aimc_mvm_backend_submit(c->be, cycle, cmd, err);
        }
    /* no free slot: the sequence waits (its command stays pending) until a group completes */
    c->waiters[(c->waiter_head + c->nwaiters++) % c->o->batch] = seq;
    return 0;
}

/* Sends the units' phase as one group from `cycle`; the sequence continues with `next` when it completes.
 * The submission itself is an event at `cycle`, so the backend receives commands in time order. */
static int group(run_ctx *c, uint32_t seq, uint64_t cycle, uint32_t layer, uint32_t phase, const uint32_t *units,
                 uint32_t nunits, stage next, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    st->pending_cmd = (aimc_mvm_command){.token = ledger_token(c, seq), .layer = layer, .phase = phase,
                                         .nunits = nunits};
    memcpy(st->pending_cmd.unit, units, nunits * sizeof *units);
    st->after_group = next;
    return schedule(c, seq, cycle, ST_SUBMIT, err);
}

/* ---- the dataflow ------------------------------------------------------------------------------------------------------ */

static uint32_t seq_len(const run_ctx *c, uint32_t seq)
{
    uint32_t i = c->seqs[seq].token;
    return c->o->prefill ? i + 1 : c->o->prompt + i + 1;
}

/* A token boundary for the backend's waveform (token_start and output_done). */
static int mark_token(run_ctx *c, uint32_t seq, uint64_t t, bool end, aimc_error *err)
{
    return aimc_mvm_backend_mark_token(c->be, t, seq, end, err);
}

static int token_start(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    if (mark_token(c, seq, t, false, err))
        return -1;
    st->token_start = t;
    st->layer = 0;
    aimc_ledger_touch(c->ledger, ledger_token(c, seq), t, t);
    const aimc_mapped_matrix *emb = aimc_mapping_find(c->mp, -1, AIMC_MODULE_EMBEDDING, -1, AIMC_ROLE_WEIGHT);
    if (emb && emb->placement == AIMC_PLACE_ANALOG) {
        /* one-hot MVM on the row block holding the token's row; token ids are synthetic, from the seed */
        uint64_t id = aimc_seed_mix(c->o->seed, ((uint64_t)seq << 32) | st->token) % c->m->vocab;
        uint32_t unit = c->un.embedding_first + (uint32_t)(id / c->chip->tile.rows);
        return group(c, seq, t, c->un.output_layer, AIMC_PHASE_IN, &unit, 1, ST_EMBED_DONE, err);
    }
    return schedule(c, seq, transfer(c, t, c->m->d_model, seq, c->un.output_layer), ST_LAYER_START, err);
}

static int layer_start(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, d = c->m->d_model, attn = c->un.attention;
    uint64_t t1 = dpu(c, t, AIMC_VOP_LAYERNORM, d, seq, l);
    st->kv_ready = dram(c, t1, aimc_dram_kv_read_cost(c->sys, c->period_ps, c->m->kv_heads * c->m->head_dim,
                                                      seq_len(c, seq)), seq, l);
    if (unit_analog(c, l, attn))
        return group(c, seq, transfer(c, t1, d, seq, l), l, AIMC_PHASE_IN, &attn, 1, ST_QKV_DONE, err);
    return schedule(c, seq, digital_engine(c, t1, seq, l, &attn, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_QKV_DONE, err);
}

static int qkv_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, d = c->m->d_model, attn = c->un.attention, kv_dim = c->m->kv_heads * c->m->head_dim;
    if (unit_analog(c, l, attn)) {
        t = transfer(c, t, out_elements(c, l, attn, AIMC_PHASE_IN), seq, l);
        t = partial_sums(c, t, seq, l, &attn, 1, AIMC_PHASE_IN);
    }
    dram(c, t, aimc_dram_kv_write_cost(c->sys, c->period_ps, kv_dim), seq, l); /* in the background */
    uint64_t ready = t > st->kv_ready ? t : st->kv_ready;
    aimc_op_cost cost = aimc_attention_decode_cost(c->sys, c->period_ps, d, seq_len(c, seq));
    uint64_t t3 = on_pool(c, c->mha_free, c->sys->digital.mha_units, ready, cost, seq, l, AIMC_E_DIGITAL);
    if (unit_analog(c, l, attn))
        return group(c, seq, transfer(c, t3, d, seq, l), l, AIMC_PHASE_OUT, &attn, 1, ST_O_DONE, err);
    return schedule(c, seq, digital_engine(c, t3, seq, l, &attn, 1, AIMC_PHASE_OUT, AIMC_PHASE_OUT), ST_O_DONE, err);
}

/* Starts the layer's FFN: analog units as groups, digital ones on the engine in parallel. */
static int ffn_start(run_ctx *c, uint32_t seq, uint64_t t, const uint32_t *units, uint32_t n, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, digital[MAX_UNITS_PER_GROUP], nd = 0;
    st->nunits = 0;
    st->ffn_experts = n;
    for (uint32_t i = 0; i < n; i++) {
        if (unit_analog(c, l, units[i]))
            st->units[st->nunits++] = units[i];
        else
            digital[nd++] = units[i];
    }
    st->digital_done = digital_engine(c, t, seq, l, digital, nd, AIMC_PHASE_IN, AIMC_PHASE_OUT);
    if (st->nunits == 0)
        return schedule(c, seq, t, ST_FFN_JOIN, err);
    return group(c, seq, transfer(c, t, c->m->d_model, seq, l), l, AIMC_PHASE_IN, st->units, st->nunits,
                 ST_FFN_IN_DONE, err);
}

static int o_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, d = c->m->d_model, attn = c->un.attention;
    if (unit_analog(c, l, attn)) {
        t = transfer(c, t, d, seq, l);
        t = partial_sums(c, t, seq, l, &attn, 1, AIMC_PHASE_OUT);
    }
    t = dpu(c, t, AIMC_VOP_ADD, d, seq, l);
    t = dpu(c, t, AIMC_VOP_LAYERNORM, d, seq, l);
    if (!aimc_moe_model_layer_is_moe(c->m, l)) {
        uint32_t dense = c->un.dense;
        return ffn_start(c, seq, t, &dense, 1, err);
    }
    uint32_t router = c->un.router;
    if (unit_analog(c, l, router))
        return group(c, seq, transfer(c, t, d, seq, l), l, AIMC_PHASE_IN, &router, 1, ST_ROUTER_DONE, err);
    return schedule(c, seq, digital_engine(c, t, seq, l, &router, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_ROUTER_DONE,
                    err);
}

static int router_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, router = c->un.router;
    if (unit_analog(c, l, router)) {
        t = transfer(c, t, c->m->experts, seq, l);
        t = partial_sums(c, t, seq, l, &router, 1, AIMC_PHASE_IN);
    }
    t = dpu(c, t, AIMC_VOP_GATING, c->m->experts, seq, l);
    aimc_route route;
    if (aimc_router_route(c->router, seq, st->token, l, NULL, &route, err))
        return -1;
    uint32_t units[MAX_UNITS_PER_GROUP], n = 0;
    for (uint32_t i = 0; i < route.k && n < MAX_UNITS_PER_GROUP - 1; i++)
        units[n++] = route.expert[i];
    for (uint32_t i = 0; i < n && c->o->expert_selections; i++)
        c->o->expert_selections[(size_t)l * c->m->experts + units[i]]++;
    if (unit_exists(c, l, c->un.shared))
        units[n++] = c->un.shared;
    return ffn_start(c, seq, t, units, n, err);
}

static aimc_vector_op activation_op(const aimc_moe_model *m)
{
    if (m->gated)
        return AIMC_VOP_SILU_MUL;
    return m->activation == AIMC_ACT_RELU ? AIMC_VOP_RELU : AIMC_VOP_GELU;
}

static int ffn_in_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer;
    uint64_t outs = 0;
    for (uint32_t i = 0; i < st->nunits; i++)
        outs += out_elements(c, l, st->units[i], AIMC_PHASE_IN);
    uint64_t hidden = c->m->gated ? outs / 2 : outs; /* gate and up outputs meet in SiLU(gate) * up */
    t = transfer(c, t, outs, seq, l);
    t = partial_sums(c, t, seq, l, st->units, st->nunits, AIMC_PHASE_IN);
    t = dpu(c, t, activation_op(c->m), hidden, seq, l);
    return group(c, seq, transfer(c, t, hidden, seq, l), l, AIMC_PHASE_OUT, st->units, st->nunits, ST_FFN_OUT_DONE,
                 err);
}

static int ffn_out_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer;
    t = transfer(c, t, (uint64_t)c->m->d_model * st->nunits, seq, l);
    t = partial_sums(c, t, seq, l, st->units, st->nunits, AIMC_PHASE_OUT);
    return schedule(c, seq, t > st->digital_done ? t : st->digital_done, ST_FFN_JOIN, err);
}

static int ffn_join(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t l = st->layer, d = c->m->d_model;
    if (st->ffn_experts > 1) /* gate-weighted combination of the experts' outputs */
        t = dpu(c, t, AIMC_VOP_ADD, (uint64_t)d * (st->ffn_experts - 1), seq, l);
    t = dpu(c, t, AIMC_VOP_ADD, d, seq, l); /* residual */
    st->layer++;
    return schedule(c, seq, t, st->layer < c->m->layers ? ST_LAYER_START : ST_OUTPUT, err);
}

static int output_start(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    uint32_t out = c->un.output_layer, head = c->un.lm_head;
    t = dpu(c, t, AIMC_VOP_LAYERNORM, c->m->d_model, seq, out);
    if (unit_analog(c, out, head))
        return group(c, seq, transfer(c, t, c->m->d_model, seq, out), out, AIMC_PHASE_IN, &head, 1, ST_OUTPUT_DONE,
                     err);
    return schedule(c, seq, digital_engine(c, t, seq, out, &head, 1, AIMC_PHASE_IN, AIMC_PHASE_IN), ST_OUTPUT_DONE,
                    err);
}

static int output_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    seq_state *st = &c->seqs[seq];
    uint32_t out = c->un.output_layer, head = c->un.lm_head;
    if (unit_analog(c, out, head)) {
        t = transfer(c, t, c->m->vocab, seq, out);
        t = partial_sums(c, t, seq, out, &head, 1, AIMC_PHASE_IN);
    }
    t = dpu(c, t, AIMC_VOP_GATING, c->m->vocab, seq, out); /* sampling: softmax and pick over the vocabulary */
    aimc_ledger_touch(c->ledger, ledger_token(c, seq), st->token_start, t);
    if (mark_token(c, seq, t, true, err))
        return -1;
    if (t > c->r->cycles)
        c->r->cycles = t;
    c->tokens_done++;
    if (c->o->progress)
        c->o->progress(c->o->progress_ctx, c->tokens_done, c->tokens_total, t);
    if (++st->token < c->per_seq)
        return schedule(c, seq, t, ST_TOKEN_START, err);
    return 0;
}

static int embed_done(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    return schedule(c, seq, transfer(c, t, c->m->d_model, seq, c->un.output_layer), ST_LAYER_START, err);
}

static int run_stage(run_ctx *c, uint32_t seq, uint64_t t, aimc_error *err)
{
    switch (c->seqs[seq].next) {
    case ST_TOKEN_START: return token_start(c, seq, t, err);
    case ST_EMBED_DONE: return embed_done(c, seq, t, err);
    case ST_LAYER_START: return layer_start(c, seq, t, err);
    case ST_QKV_DONE: return qkv_done(c, seq, t, err);
    case ST_O_DONE: return o_done(c, seq, t, err);
    case ST_ROUTER_DONE: return router_done(c, seq, t, err);
    case ST_FFN_IN_DONE: return ffn_in_done(c, seq, t, err);
    case ST_FFN_OUT_DONE: return ffn_out_done(c, seq, t, err);
    case ST_FFN_JOIN: return ffn_join(c, seq, t, err);
    case ST_OUTPUT: return output_start(c, seq, t, err);
    case ST_OUTPUT_DONE: return output_done(c, seq, t, err);
    case ST_SUBMIT: return issue(c, seq, t, &c->seqs[seq].pending_cmd, err);
    }
    return aimc_fail(err, "sequencer: unknown stage");
}

/* A group completed in `cycle`: its sequence continues in the next cycle; a waiting group takes the slot. */
static int on_group_done(run_ctx *c, uint32_t slot, uint64_t cycle, aimc_error *err)
{
    int32_t seq = slot < MAX_SLOTS ? c->slot_seq[slot] : -1;
    if (seq < 0)
        return aimc_fail(err, "sequencer: completion of slot %u, which no group holds", slot);
    c->slot_seq[slot] = -1;
    c->groups_in_flight--;
    if (schedule(c, (uint32_t)seq, cycle + 1, c->seqs[seq].after_group, err))
        return -1;
    if (c->nwaiters) {
        uint32_t w = c->waiters[c->waiter_head];
        c->waiter_head = (c->waiter_head + 1) % c->o->batch;
        c->nwaiters--;
        return issue(c, w, cycle + 1, &c->seqs[w].pending_cmd, err);
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
        if (run_stage(c, e.seq, e.time, err))
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
    c.per_seq = o->tokens + (o->prefill ? o->prompt : 0);
    c.tokens_total = (uint64_t)o->batch * c.per_seq;
    r->tokens = c.tokens_total;
    c.dpu_free = calloc(c.sys->digital.dpus ? c.sys->digital.dpus : 1, sizeof(uint64_t));
    c.mha_free = calloc(c.sys->digital.mha_units ? c.sys->digital.mha_units : 1, sizeof(uint64_t));
    c.seqs = calloc(o->batch, sizeof *c.seqs);
    c.waiters = calloc(o->batch, sizeof *c.waiters);
    int rc = -1;
    if (!c.dpu_free || !c.mha_free || !c.seqs || !c.waiters) {
        aimc_fail(err, "decode: out of memory");
        goto out;
    }
    for (uint32_t s = 0; s < MAX_SLOTS; s++)
        c.slot_seq[s] = -1;
    rc = 0;
    for (uint32_t s = 0; s < o->batch && !rc; s++)
        rc = schedule(&c, s, 0, ST_TOKEN_START, err);
    if (!rc)
        rc = loop(&c, err);
    if (!rc)
        book_static(&c);
out:
    free(c.dpu_free);
    free(c.mha_free);
    free(c.seqs);
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
