#include "run/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/interrupt.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "engine/decode_sequencer.h"
#include "params/chip_params.h"
#include "report/chip_layout.h"
#include "report/energy_report.h"
#include "report/trace_stamp.h"
#include "workload/matrices.h"

struct aimc_run {
    const aimc_plan *plan;
    aimc_run_options o;
    aimc_router *router;
    float **router_weights; /* computed routing: per layer, borrowed by the router */
    uint64_t *selections;   /* [layer][expert]: tokens routed to each expert (the report's routing section) */
    aimc_ledger *ledger;
    aimc_mvm_backend *backend;
    aimc_decode_options decode;
    aimc_decode_result result;
    bool decoded;
    /* taken from the backend after the decode, so the report outlives it */
    aimc_mvm_backend_checks checks;
    aimc_stats *stats; /* the counters the report's counters section emits */
    aimc_run_counters counters;
    json_object *tiles;
    aimc_run_figures figures;
    aimc_run_phases phases;
    aimc_gpu_comparison gpu;
    /* outputs: written under temporary names (core/output_file.h), published by finish */
    aimc_output_file *trace_out, *record_out; /* trace_out: the SAIF's private waveform when no trace was asked */
    char *layout;
    bool guarded;       /* the FST writer's mapped pages are guarded (aimc_output_guard_begin) */
    bool interrupted;   /* the decode stopped at a signal: only the trace is published */
    aimc_activity_summary activity;
    bool saif_written; /* removed again when a later output fails */
};

void aimc_run_options_defaults(aimc_run_options *o)
{
    *o = (aimc_run_options){.engine = "fast", .batch = 1, .tokens = 8, .prompt = 64, .routing = AIMC_ROUTE_UNIFORM,
                            .zipf_exponent = 1.0, .partner_prob = 0.5, .gpu_weight_bytes = 2};
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- routing ---- */

static void free_router_weights(float **w, uint32_t layers)
{
    for (uint32_t l = 0; w && l < layers; l++)
        free(w[l]);
    free(w);
}

/* Each MoE layer's router matrix from the checkpoint as float, E x d_model (NULL for dense layers).  The shape
 * is checked against the model by aimc_weights_matrix; an error names the file and the tensor. */
static float **load_router_weights(const aimc_plan *p, aimc_error *err)
{
    const aimc_moe_model *m = aimc_plan_model(p);
    float **w = calloc(m->layers, sizeof *w);
    int rc = w ? 0 : aimc_fail(err, "run: out of memory for the router weights");
    for (uint32_t l = 0; l < m->layers && !rc; l++) {
        if (!aimc_moe_model_layer_is_moe(m, l))
            continue;
        aimc_matrix x;
        const aimc_safetensors *st;
        const aimc_st_tensor *t;
        aimc_matrix_at(m, (size_t)aimc_matrix_index(m, (int)l, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), &x);
        rc = aimc_weights_matrix(aimc_plan_weights(p), m, &x, &st, &t, err);
        uint64_t n = aimc_matrix_params(&x);
        if (!rc && !(w[l] = malloc(n * sizeof *w[l])))
            rc = aimc_fail(err, "run: out of memory for the router weights");
        if (!rc)
            rc = aimc_safetensors_read_f32(st, t, 0, n, w[l], err);
    }
    if (rc) {
        free_router_weights(w, m ? m->layers : 0);
        return NULL;
    }
    return w;
}

/* Ledger rows per sequence: the prompt's positions with prefill, then the generated tokens. */
static uint32_t tokens_per_sequence(const aimc_run *r)
{
    return r->o.tokens + (r->o.prefill ? r->o.prompt : 0);
}

/* Routing decisions per sequence: every position of every pass (re-run prefixes included). */
static uint64_t route_tokens_per_sequence(const aimc_run *r) { return aimc_decode_route_tokens(&r->decode); }

/* A replayed trace must hold every routing token of the run: checked before anything runs. */
static int check_trace_length(const aimc_run *r, aimc_error *err)
{
    const aimc_routing_trace *t = aimc_plan_routing_trace(r->plan);
    uint64_t need = route_tokens_per_sequence(r) * r->o.batch, held = t ? aimc_routing_trace_tokens(t) : 0;
    if (r->o.routing != AIMC_ROUTE_REPLAY || !t || held >= need)
        return 0;
    if (r->o.no_kv_cache)
        return aimc_fail(err, "%s: holds %llu tokens; --no-kv-cache re-runs each token's prefix: %u sequences x "
                              "%llu routing tokens (every position of every pass) need %llu",
                         aimc_plan_options_of(r->plan)->routing_trace, (unsigned long long)held, r->o.batch,
                         (unsigned long long)route_tokens_per_sequence(r), (unsigned long long)need);
    return aimc_fail(err, "%s: holds %llu tokens; %u sequences x %llu tokens need %llu",
                     aimc_plan_options_of(r->plan)->routing_trace, (unsigned long long)held, r->o.batch,
                     (unsigned long long)route_tokens_per_sequence(r), (unsigned long long)need);
}

/* Computed routing in a timing run: the real router weights applied to a synthetic hidden state per decision
 * (the engines do no numeric forward pass; routing.h says what the routes then mean). */
static int make_router(aimc_run *r, aimc_error *err)
{
    const aimc_moe_model *m = aimc_plan_model(r->plan);
    aimc_routing_params p = {.mode = r->o.routing, .experts = m->experts, .top_k = m->top_k, .layers = m->layers,
                             .seed = aimc_plan_options_of(r->plan)->seed, .zipf_exponent = r->o.zipf_exponent,
                             .partner_prob = r->o.partner_prob, .d_model = m->d_model,
                             .trace = aimc_plan_routing_trace(r->plan),
                             .tokens_per_sequence = (uint32_t)route_tokens_per_sequence(r),
                             .trace_path = aimc_plan_options_of(r->plan)->routing_trace};
    if (r->o.routing == AIMC_ROUTE_REPLAY && !aimc_plan_options_of(r->plan)->routing_trace)
        return aimc_fail(err, "run: routing replay: expected a routing trace in the plan");
    if (m->experts && check_trace_length(r, err))
        return -1;
    if (r->o.routing == AIMC_ROUTE_COMPUTED) {
        if (!aimc_plan_weights(r->plan))
            return aimc_fail(err, "run: routing computed: expected the model's weights in the plan (the router "
                                  "weights: the model's safetensors file or folder)");
        if (m->experts == 0)
            return aimc_fail(err, "run: routing computed: model %s has no routed experts to route", m->name);
        if (!(r->router_weights = load_router_weights(r->plan, err)))
            return -1;
        p.router_weights = (const float *const *)r->router_weights;
        p.synthetic_hidden = true;
    }
    if (m->experts == 0)
        return 0; /* a dense model routes nothing */
    if (!(r->selections = calloc((size_t)m->layers * m->experts, sizeof *r->selections)))
        return aimc_fail(err, "run: out of memory for the routing counters");
    r->decode.expert_selections = r->selections;
    r->router = aimc_router_create(&p, err);
    return r->router ? 0 : -1;
}

/* The routes the run took, as a routing trace: every decision is a pure function of (seed, sequence, token,
 * layer), so asking the router again in trace order gives exactly the decode's routes.  Trace token
 * s * R + t is sequence s's routing token t (R routing tokens per sequence: every position of every pass), as
 * replay reads it. */
static int write_routing_record(const aimc_run *r, aimc_error *err)
{
    const aimc_moe_model *m = aimc_plan_model(r->plan);
    if (!r->router)
        return aimc_fail(err, "%s: model %s routes no experts: no routing trace to record", r->o.routing_record_path,
                         m->name);
    aimc_routing_trace *t = aimc_routing_trace_create(m, err);
    uint32_t per_seq = (uint32_t)route_tokens_per_sequence(r);
    int rc = t ? 0 : -1;
    for (uint32_t s = 0; s < r->o.batch && !rc; s++)
        for (uint32_t tok = 0; tok < per_seq && !rc; tok++)
            for (uint32_t l = m->dense_layers; l < m->layers && !rc; l++) {
                aimc_route route;
                rc = aimc_router_route(r->router, s, tok, l, NULL, &route, err) ||
                     aimc_routing_trace_append(t, s * per_seq + tok, l, route.expert, route.gate, err);
            }
    if (!rc)
        rc = aimc_routing_trace_write(t, r->o.routing_record_path, err);
    aimc_routing_trace_destroy(t);
    return rc ? -1 : 0;
}

/* ---- checks before anything runs ---- */

static int check_options(const aimc_run *r, aimc_error *err)
{
    const aimc_run_options *o = &r->o;
    bool cosim = o->engine && strcmp(o->engine, "cosim") == 0;
    if (!aimc_mvm_backend_available(o->engine))
        return aimc_fail(err, "run: engine: expected one of %s, found \"%s\"", aimc_mvm_backend_names(),
                         o->engine ? o->engine : "");
    if (o->batch == 0 || o->tokens == 0)
        return aimc_fail(err, "run: expected at least one sequence and one token per sequence");
    /* the OTT ablation exists only in the fast engine: the RTL's tier-select controller enforces OTT */
    if (aimc_plan_options_of(r->plan)->no_ott && cosim)
        return aimc_fail(err, "run: OTT off: expected the fast engine (the cosim runs the RTL, which enforces one "
                              "tier at a time per tile)");
    if (cosim && o->batch > AIMC_CHIP_SEQS)
        return aimc_fail(err, "run: batch: expected at most %u with the cosim engine (the chip's token-marker ports; "
                              "the fast engine has no limit), found %u", AIMC_CHIP_SEQS, o->batch);
    if (!cosim && (o->trace_path || o->record_path || o->saif_path))
        return aimc_fail(err, "run: %s: only the cosim engine %s",
                         o->trace_path ? "trace" : o->record_path ? "record" : "SAIF",
                         o->record_path && !o->trace_path ? "records the RTL's stimulus" : "writes waveforms");
    if (o->saif_end_cycle && o->saif_end_cycle <= o->saif_begin_cycle)
        return aimc_fail(err, "run: SAIF window: expected its end cycle (%llu) after its begin cycle (%llu)",
                         (unsigned long long)o->saif_end_cycle, (unsigned long long)o->saif_begin_cycle);
    char *layout = o->trace_path ? aimc_layout_path_new(o->trace_path) : NULL;
    if (o->trace_path && !layout)
        return aimc_fail(err, "run: out of memory");
    const aimc_named_path outs[] = {{"run: trace", o->trace_path}, {"run: trace layout", layout},
                                    {"run: record", o->record_path}, {"run: routing record", o->routing_record_path},
                                    {"run: SAIF", o->saif_path}};
    int rc = aimc_outputs_check(outs, sizeof outs / sizeof outs[0], NULL, 0, err);
    free(layout);
    return rc;
}

/* The backend's waveform and record go to temporaries; the FST writer's mapped pages are guarded from its open
 * to its close (close_backend). */
static int make_backend(aimc_run *r, aimc_error *err)
{
    /* a SAIF without a published waveform is read from a private one beside it */
    char *private_trace = NULL;
    if (!r->o.trace_path && r->o.saif_path) {
        size_t n = strlen(r->o.saif_path) + 8;
        if (!(private_trace = malloc(n)))
            return aimc_fail(err, "run: out of memory");
        snprintf(private_trace, n, "%s.trace", r->o.saif_path);
    }
    const char *trace = r->o.trace_path ? r->o.trace_path : private_trace;
    int rc = trace && !(r->trace_out = aimc_trace_output_reserve(trace, err)) ? -1 : 0;
    free(private_trace);
    if (rc || (r->o.record_path && !(r->record_out = aimc_output_reserve(r->o.record_path, err))))
        return -1;
    if (r->trace_out && aimc_output_guard_begin(err))
        return -1;
    r->guarded = r->trace_out != NULL;
    aimc_mvm_backend_params p = {aimc_plan_engine_chip(r->plan), aimc_plan_dispatch_table(r->plan),
                                 aimc_plan_options_of(r->plan)->seed, r->ledger,
                                 r->trace_out ? aimc_output_temp_path(r->trace_out) : NULL,
                                 r->record_out ? aimc_output_temp_path(r->record_out) : NULL};
    r->backend = aimc_mvm_backend_create(r->o.engine, &p, err);
    return r->backend ? 0 : -1;
}

/* Closes the backend (the trace and the record are complete only then); fails when the FST writer's files could
 * not be written (a full disk: the guard caught a fault on a mapped page). */
static int close_backend(aimc_run *r, aimc_error *err)
{
    aimc_mvm_backend_destroy(r->backend);
    r->backend = NULL;
    if (!r->guarded)
        return 0;
    r->guarded = false;
    char shown[AIMC_PATH_SHOWN];
    return aimc_output_guard_end()
               ? aimc_fail(err, "%s: writing the trace failed: its files could not be extended (is the disk full?)",
                           aimc_path_shown(aimc_output_path(r->trace_out), shown))
               : 0;
}

aimc_run *aimc_run_create(const aimc_plan *plan, const aimc_run_options *o, aimc_error *err)
{
    aimc_run *r = calloc(1, sizeof *r);
    if (!r) {
        aimc_fail(err, "run: out of memory");
        return NULL;
    }
    r->plan = plan;
    r->o = *o;
    r->decode = (aimc_decode_options){.batch = o->batch, .tokens = o->tokens, .prompt = o->prompt,
                                      .prefill = o->prefill, .no_kv_cache = o->no_kv_cache,
                                      .slots = AIMC_CHIP_SLOTS,
                                      .seed = aimc_plan_options_of(plan)->seed, .progress = o->progress,
                                      .progress_ctx = o->progress_ctx};
    int rc = check_options(r, err) || make_router(r, err) ? -1 : 0;
    size_t layers = o->per_layer ? aimc_plan_model(plan)->layers + 1 : 0;
    if (!rc && !(r->ledger = aimc_ledger_create(layers)))
        rc = aimc_fail(err, "run: out of memory for the energy ledger");
    if (!rc)
        rc = make_backend(r, err);
    if (rc) {
        aimc_run_destroy(r);
        return NULL;
    }
    return r;
}

/* ---- after the decode ---- */

/* Per-tile statistics of the physical tiles: under no_ott the engine's one-tier tiles are summed back into
 * their tile (its busy cycles can then exceed the run's: tiers computed in parallel). */
static json_object *tiles_json(const aimc_run *r, const aimc_backend_stats *st)
{
    uint32_t tiles = aimc_plan_chip(r->plan)->tile.tiles, engine_tiles = aimc_plan_engine_chip(r->plan)->tile.tiles;
    if (engine_tiles == tiles)
        return aimc_tile_utilisation_json(st, tiles, r->result.cycles);
    uint64_t *sums = calloc(3 * (size_t)tiles, sizeof *sums);
    if (!sums)
        return NULL;
    aimc_backend_stats folded = {st->jobs, st->tier_switches, sums, sums + tiles, sums + 2 * (size_t)tiles};
    for (uint32_t t = 0; t < engine_tiles; t++) {
        uint32_t phys = aimc_plan_physical_tile(r->plan, t);
        folded.busy_cycles[phys] += st->busy_cycles[t];
        folded.conflict_cycles[phys] += st->conflict_cycles[t];
        folded.stall_cycles[phys] += st->stall_cycles[t];
    }
    json_object *o = aimc_tile_utilisation_json(&folded, tiles, r->result.cycles);
    free(sums);
    return o;
}

static int take_counters(aimc_run *r)
{
    if (!(r->stats = aimc_stats_create()) || aimc_decode_result_register_stats(&r->result, r->backend, r->stats))
        return -1;
    const aimc_backend_stats *st = aimc_mvm_backend_stats(r->backend);
    aimc_run_counters *c = &r->counters;
    for (uint32_t t = 0; t < aimc_plan_engine_chip(r->plan)->tile.tiles; t++)
        c->ott_conflict_cycles += st->conflict_cycles[t];
    double latency = 0;
    for (uint64_t t = 0; t < r->result.tokens; t++)
        latency += (double)(aimc_ledger_token_end(r->ledger, (uint32_t)t) -
                            aimc_ledger_token_start(r->ledger, (uint32_t)t));
    c->mean_latency_ns =
        r->result.tokens ? latency / r->result.tokens * aimc_plan_chip(r->plan)->clock_period_ps * 1e-3 : 0;
    return 0;
}

static int summarise(aimc_run *r, aimc_error *err)
{
    aimc_assignment_stats as;
    aimc_assignment_stats_of(aimc_plan_assignment(r->plan), &as);
    r->phases = (aimc_run_phases){r->result.per_seq, r->result.prefill_rows, r->result.first_token_cycles};
    aimc_run_figures_of(aimc_plan_chip(r->plan), as.params[AIMC_PLACE_DIGITAL] > 0, r->ledger, r->result.tokens,
                        r->result.cycles, &r->phases, &r->figures);
    if (take_counters(r))
        return aimc_fail(err, "run: out of memory");
    aimc_mvm_backend_checks_of(r->backend, &r->checks);
    if (!(r->tiles = tiles_json(r, aimc_mvm_backend_stats(r->backend))))
        return aimc_fail(err, "run: out of memory");
    if (!r->o.gpu)
        return 0;
    aimc_gpu_decode work = {r->o.batch, r->o.tokens, r->o.prompt, r->o.prefill, r->o.gpu_weight_bytes,
                            r->o.no_kv_cache};
    return aimc_gpu_comparison_of(r->o.gpu, aimc_plan_model(r->plan), &work, &r->figures, &r->gpu, err);
}

int aimc_run_decode(aimc_run *r, aimc_error *err)
{
    if (r->decoded)
        return aimc_fail(err, "run: already decoded (create a new run)");
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = aimc_decode_run(aimc_plan_mapping(r->plan), aimc_plan_dispatch_table(r->plan), r->router, r->backend,
                             &r->decode, r->ledger, &r->result, err);
    r->counters.decode_wall_s = clock_s(CLOCK_MONOTONIC) - t0;
    r->counters.decode_cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc) {
        r->interrupted = aimc_interrupt_signal() != 0;
        return -1;
    }
    if (aimc_ledger_overflowed(r->ledger))
        return aimc_fail(err, "run: the energy total exceeds 2^63 fJ (about %.0f J), the ledger's limit: decode fewer "
                              "tokens (--tokens, --batch)", AIMC_FJ_MAX_J);
    r->decoded = true;
    double wall = r->counters.decode_wall_s, cpu = r->counters.decode_cpu_s;
    rc = summarise(r, err);
    r->counters.decode_wall_s = wall;
    r->counters.decode_cpu_s = cpu;
    return rc;
}

/* ---- outputs ---- */

static void remove_outputs(aimc_run *r)
{
    aimc_output_abort(r->trace_out);
    aimc_output_abort(r->record_out);
    r->trace_out = r->record_out = NULL;
    if (r->saif_written)
        remove(r->o.saif_path);
    r->saif_written = false;
}

static int publish_trace(aimc_run *r, aimc_error *err)
{
    const char *trace = r->o.trace_path;
    aimc_output_file *out = r->trace_out;
    r->trace_out = NULL;
    if (aimc_trace_output_commit(out, err))
        return -1;
    uint32_t slot_bits = 0;
    while ((1u << slot_bits) < AIMC_CHIP_SLOTS)
        slot_bits++;
    aimc_chip_layout_shape shape = {aimc_plan_chip(r->plan)->tile.tiles, AIMC_TILE_TIERS_BUILD,
                                    slot_bits + AIMC_CHIP_JOB_BITS, AIMC_CHIP_SEQS, r->o.batch,
                                    r->ledger, (uint32_t)aimc_plan_chip(r->plan)->clock_period_ps,
                                    tokens_per_sequence(r)};
    size_t n = strlen(trace) + 16;
    if (!(r->layout = malloc(n)))
        return aimc_fail(err, "run: out of memory");
    int rc = aimc_chip_layout_write(trace, &shape, r->layout, n, err);
    if (rc)
        remove(trace);
    return rc;
}

/* The SAIF of the finished waveform: run cycle c is trace time (setup + c) x period. */
static int write_activity(aimc_run *r, aimc_error *err)
{
    uint64_t period = (uint64_t)aimc_plan_chip(r->plan)->clock_period_ps, cycle0 = r->checks.setup_cycles * period;
    const aimc_run_options *o = &r->o;
    uint64_t begin = cycle0 + o->saif_begin_cycle * period;
    uint64_t end = o->saif_end_cycle ? cycle0 + o->saif_end_cycle * period : 0; /* 0: the run's end */
    if (aimc_activity_trace_to_saif(aimc_output_temp_path(r->trace_out), r->checks.trace_format, o->saif_path, "chip", begin, end, period / 2,
                                    &r->activity, err))
        return -1;
    r->saif_written = true;
    return 0;
}

int aimc_run_finish(aimc_run *r, aimc_error *err)
{
    int rc = close_backend(r, err); /* closes the trace and the record */
    if (!rc && !r->decoded)
        rc = aimc_fail(err, "run: finish before decode");
    if (!rc && r->o.saif_path)
        rc = write_activity(r, err);
    if (!rc && r->o.trace_path)
        rc = publish_trace(r, err);
    aimc_output_abort(r->trace_out); /* the private waveform of a SAIF, or a failed run's */
    r->trace_out = NULL;
    if (!rc && r->record_out) {
        aimc_output_file *out = r->record_out;
        r->record_out = NULL;
        rc = aimc_output_commit(out, err);
    }
    if (!rc && r->o.routing_record_path)
        rc = write_routing_record(r, err);
    if (rc) {
        remove_outputs(r);
        if (r->o.trace_path && !r->trace_out && r->layout) { /* published before a later output failed */
            remove(r->o.trace_path);
            remove(r->layout);
        }
    } else {
        r->saif_written = false; /* published: aimc_run_destroy must leave it */
    }
    return rc;
}

int aimc_run_keep_trace(aimc_run *r, aimc_error *err)
{
    if (!r->interrupted || !r->o.trace_path)
        return 0;
    aimc_error e;
    int rc = close_backend(r, &e);
    aimc_output_abort(r->record_out);
    r->record_out = NULL;
    if (!rc)
        rc = publish_trace(r, &e);
    if (rc) {
        remove_outputs(r);
        snprintf(err->msg, sizeof err->msg, "%s", e.msg); /* the trace's failure replaces the interruption */
    }
    return rc;
}

void aimc_run_activity_of(const aimc_run *r, aimc_activity_summary *out) { *out = r->activity; }

void aimc_run_destroy(aimc_run *r)
{
    if (!r)
        return;
    if (r->backend) /* never finished: nothing is published */
        close_backend(r, NULL);
    if (r->guarded) /* the backend failed to open */
        aimc_output_guard_end();
    remove_outputs(r);
    free(r->layout);
    json_object_put(r->tiles);
    aimc_stats_destroy(r->stats);
    aimc_ledger_destroy(r->ledger);
    aimc_router_destroy(r->router);
    free_router_weights(r->router_weights, aimc_plan_model(r->plan)->layers);
    free(r->selections);
    free(r);
}

const aimc_run_options *aimc_run_options_of(const aimc_run *r) { return &r->o; }
const aimc_ledger *aimc_run_ledger(const aimc_run *r) { return r->ledger; }
const aimc_run_figures *aimc_run_figures_get(const aimc_run *r) { return &r->figures; }
const aimc_run_phases *aimc_run_phases_get(const aimc_run *r) { return &r->phases; }
const aimc_gpu_comparison *aimc_run_gpu(const aimc_run *r) { return r->o.gpu ? &r->gpu : NULL; }
void aimc_run_checks(const aimc_run *r, aimc_mvm_backend_checks *out) { *out = r->checks; }
void aimc_run_counters_of(const aimc_run *r, aimc_run_counters *out) { *out = r->counters; }

const aimc_stats *aimc_run_stats(const aimc_run *r) { return r->stats; }
const char *aimc_run_layout_path(const aimc_run *r) { return r->layout ? r->layout : ""; }

bool aimc_run_checks_failed(const aimc_mvm_backend_checks *c)
{
    return c->scoreboard_errors || c->ott_violation_cycles || c->rtl_assertion_failures ||
           c->energy_monitor_delta_fJ;
}

/* ---- the report ---- */

/* The routing section: per layer, how many tokens each routed expert took (null: dense layer). */
static json_object *routing_json(const aimc_run *r)
{
    const aimc_moe_model *m = aimc_plan_model(r->plan);
    json_object *o = json_object_new_object(), *layers = json_object_new_array();
    for (uint32_t l = 0; l < m->layers; l++) {
        json_object *row = NULL;
        if (r->selections && aimc_moe_model_layer_is_moe(m, l)) {
            row = json_object_new_array();
            for (uint32_t e = 0; e < m->experts; e++)
                json_object_array_add(row, json_object_new_uint64(r->selections[(size_t)l * m->experts + e]));
        }
        json_object_array_add(layers, row);
    }
    json_object_object_add(o, "expert_selections", layers);
    return o;
}

static json_object *config_echo(const aimc_run *r)
{
    const aimc_plan_options *po = aimc_plan_options_of(r->plan);
    const aimc_chip_config *chip = aimc_plan_chip(r->plan);
    const aimc_moe_model *m = aimc_plan_model(r->plan);
    json_object *c = json_object_new_object();
    json_object_object_add(c, "engine", json_object_new_string(r->o.engine));
    json_object_object_add(c, "model", aimc_moe_model_to_json(m));
    json_object_object_add(c, "model_source", json_object_new_string(m->path));
    json_object_object_add(c, "chip", json_object_new_string(chip->name));
    json_object_object_add(c, "chip_file", json_object_new_string(chip->path));
    json_object_object_add(c, "tiles", json_object_new_int64(chip->tile.tiles));
    json_object_object_add(c, "tiers", json_object_new_int64(chip->tile.tiers));
    json_object_object_add(c, "fit", json_object_new_boolean(po->fit));
    json_object_object_add(c, "ott", json_object_new_boolean(!po->no_ott));
    json_object_object_add(c, "clock_period_ps", json_object_new_int64((int64_t)chip->clock_period_ps));
    json_object_object_add(c, "setting", json_object_new_string(aimc_setting_name(po->assign.setting)));
    json_object_object_add(c, "strategy", json_object_new_string(aimc_strategy_name(po->strategy)));
    json_object_object_add(c, "digital_expert_fraction", aimc_json_double(po->assign.digital_expert_fraction, 6));
    json_object_object_add(c, "criterion", json_object_new_string(aimc_criterion_name(po->assign.criterion)));
    json_object_object_add(c, "routing", json_object_new_string(aimc_routing_mode_name(r->o.routing)));
    json_object_object_add(c, "weights", po->weights ? json_object_new_string(po->weights) : NULL);
    json_object_object_add(c, "batch", json_object_new_int64(r->o.batch));
    json_object_object_add(c, "tokens_per_sequence", json_object_new_int64(r->o.tokens));
    json_object_object_add(c, "prompt", json_object_new_int64(r->o.prompt));
    json_object_object_add(c, "prefill", json_object_new_boolean(r->o.prefill));
    json_object_object_add(c, "kv_cache", json_object_new_boolean(!r->o.no_kv_cache));
    json_object_object_add(c, "seed", json_object_new_int64((int64_t)po->seed));
    return c;
}


/* Where the report's cycles are in the waveform: the cosim's reset and mapping load come before cycle 0. */
static json_object *trace_json(const aimc_run *r)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "format", json_object_new_string(r->checks.trace_format));
    json_object_object_add(t, "setup_cycles", json_object_new_uint64(r->checks.setup_cycles));
    json_object_object_add(t, "cycle0_time_ps", json_object_new_uint64(r->checks.setup_cycles *
                                                                       (uint64_t)aimc_plan_chip(r->plan)->clock_period_ps));
    json_object_object_add(t, "token_markers",
                           json_object_new_string("top.chip.token_begin / token_end: bit s for sequence s"));
    return t;
}

json_object *aimc_run_report(const aimc_run *r)
{
    json_object *sections = json_object_new_object();
    json_object_object_add(sections, "summary", aimc_run_figures_json(&r->figures));
    json_object_object_add(sections, "tiles", json_object_get(r->tiles));
    if (r->o.gpu)
        json_object_object_add(sections, "gpu", aimc_gpu_comparison_json(&r->gpu));
    json_object_object_add(sections, "routing", routing_json(r));
    if (r->checks.trace_format)
        json_object_object_add(sections, "trace", trace_json(r));
    aimc_energy_report info = {.engine = r->o.engine,
                               .clock_period_ps = (uint64_t)aimc_plan_chip(r->plan)->clock_period_ps,
                               .cycles = r->result.cycles, .config = config_echo(r), .counters = aimc_stats_values_json(r->stats),
                               .sections = sections, .phase_of = aimc_run_phase_cb, .phase_ctx = &r->phases};
    return aimc_energy_report_build(r->ledger, &info);
}
