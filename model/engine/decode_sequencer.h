/* The decode sequencer: the dataflow of every token through the model, shared by both engines.  It runs the
 * digital units (DPUs, MHA units, the digital expert engine, DRAM, the interconnect) from the C cost models,
 * asks the router for each MoE layer's experts, and hands every analog matrix phase to an MVM backend as one
 * group command: the Verilated dispatcher and tiles (cosim engine) or their analytic model (fast engine).
 * Because everything but the backend is this one code, the two engines agree exactly when their backends do.
 *
 * Passes: a sequence runs one *pass* after another; a pass is a set of consecutive positions that go through the
 * layers together, each position a *lane* with the per-token dataflow below, the LM head and sampling on its
 * last lane only.  With prefill the first pass is the prompt (positions 0..prompt-1); then one pass per
 * generated token: with the KV cache just the new position prompt + i, without it (no_kv_cache) the whole
 * prefix 0..prompt + i again.  The lanes' group commands go to the backend as they become ready, so the
 * dispatcher interleaves them on the tiles as it accepts them (the same contract in both engines).  Attention
 * is causal over the pass: lane p attends in a layer once the K and V of lanes 0..p of that layer are ready.
 * docs/engines.md, "Prefill and KV-cache-off passes", gives the whole convention.
 *
 * Per token and layer (docs/architecture.md, "Decode dataflow"):
 *   norm -> q,k,v (analog group or digital engine) -> attention on an MHA unit after the KV-cache read ->
 *   o projection -> residual add -> norm -> router + gating -> experts: the analog ones (and the shared expert)
 *   as group gate/up, activation, group down; the digital ones on the digital engine in parallel -> combine ->
 *   residual add.  After the last layer: norm, LM head, sampling.  Partial sums of matrices cut over several
 *   crossbar row blocks are added on DPUs; activation vectors cross the interconnect to and from the tiles.
 * Scheduling: every unit serves requests in the order they become ready (ties: lower sequence first); the
 * sequencer reacts to a group completion in the cycle after it. */
#ifndef AIMC_DECODE_SEQUENCER_H
#define AIMC_DECODE_SEQUENCER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/energy_ledger.h"
#include "engine/dispatch_table.h"
#include "engine/mvm_backend.h"
#include "workload/mapping.h"
#include "workload/routing.h"

typedef struct {
    uint32_t batch;   /* sequences decoded together */
    uint32_t tokens;  /* tokens generated per sequence */
    uint32_t prompt;  /* prompt tokens: in the KV cache already, or run first when prefill is set */
    bool prefill;     /* run the prompt through the chip first, as one pass (its tokens through each layer together) */
    bool no_kv_cache; /* no KV cache: every generated token re-runs the whole prefix (no DRAM traffic or idle power) */
    uint32_t slots;   /* group slots of the backend (in-flight analog groups) */
    uint64_t seed;    /* token ids of the synthetic text (analog embedding row blocks) */
    /* Called (when not NULL) after each finished token with the tokens done so far and the current cycle. */
    void (*progress)(void *ctx, uint64_t tokens_done, uint64_t tokens_total, uint64_t cycle);
    void *progress_ctx;
    /* When not NULL, layers x experts counters: [l * experts + e] is incremented each time a token's routing in
     * MoE layer l selects routed expert e (the route the engines ran, for the report). */
    uint64_t *expert_selections;
} aimc_decode_options;

typedef struct {
    uint64_t cycles;         /* from cycle 0 to the end of the last token */
    uint64_t tokens;         /* ledger rows 0..tokens-1: sequence s row i is s * per_seq + i, the prompt positions
                              * first with prefill (per_seq = prompt + tokens), then one row per generated token;
                              * a no-KV-cache pass books all its lanes to its generated token's row */
    uint32_t per_seq;        /* ledger rows per sequence */
    uint32_t prefill_rows;   /* of those, the prompt positions run as the prefill pass (0 without prefill) */
    uint64_t first_token_cycles; /* time to first token: the cycle the last sequence sampled its first token */
    uint64_t lane_passes;    /* positions run through the layers, summed over passes (with the re-run prefixes) */
    uint64_t groups;         /* analog group commands */
    uint64_t digital_ops;    /* DPU, MHA and digital-engine operations */
    uint64_t dram_busy_cycles;
} aimc_decode_result;

/* Router decisions each sequence asks for: one per lane of every pass (sequence s, decision i is routing token
 * i of s: the passes in order, each pass's positions in order), so a replayed trace needs this many tokens per
 * sequence. */
uint64_t aimc_decode_route_tokens(const aimc_decode_options *o);

/* Registers the decode's counters and its backend's with their units, in the report's order: groups, the
 * backend's tier MVMs and switches, digital operations, DRAM busy cycles. */
int aimc_decode_result_register_stats(const aimc_decode_result *r, const aimc_mvm_backend *backend, aimc_stats *s);

/* Runs the whole decode.  The ledger must keep model.layers + 1 layers when per-layer energy is wanted (the
 * last one is the output side: LM head, sampling); static energy (passive power, DRAM idle) is booked to the
 * chip at the end. */
int aimc_decode_run(const aimc_mapping *mp, const aimc_dispatch_table *table, const aimc_router *router,
                    aimc_mvm_backend *backend, const aimc_decode_options *o, aimc_ledger *ledger,
                    aimc_decode_result *r, aimc_error *err);

#endif
