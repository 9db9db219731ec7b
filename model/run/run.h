/* The run facade: one decode of a plan on an engine chosen by name, and its report.  Everything that wires a
 * run (router, ledger, MVM backend, decode sequencer, GPU comparison, waveform and layout, routing record) is
 * here, so the command line, studies, sweeps, benches and the Python API call this and nothing else of it.
 *
 *   aimc_run *r = aimc_run_create(plan, &options, err);   checks the options against the plan and the engine
 *   aimc_run_decode(r, err);                              simulates; the figures and report are then ready
 *   aimc_run_finish(r, err);                              closes the backend; publishes trace, layout, record
 *   json_object *report = aimc_run_report(r);             the whole aimc3d-energy/1 report (caller puts it)
 *   aimc_run_destroy(r);
 */
#ifndef AIMC_RUN_H
#define AIMC_RUN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"
#include "core/stats.h"
#include "engine/backends.h"
#include "engine/switching_activity.h"
#include "report/gpu_comparison.h"
#include "report/run_summary.h"
#include "run/plan.h"
#include "workload/routing.h"

typedef struct {
    const char *engine;      /* "fast" or "cosim" (aimc_mvm_backend_create) */
    uint32_t batch;          /* sequences decoded together (cosim: at most AIMC_CHIP_SEQS) */
    uint32_t tokens;         /* generated per sequence */
    uint32_t prompt;         /* prompt tokens: in the KV cache, or run first with prefill */
    bool prefill;            /* the prompt runs through the chip first, as one batched pass (docs/engines.md) */
    bool no_kv_cache;        /* no KV cache: every generated token re-runs its whole prefix (3D-SiM's default) */
    aimc_routing_mode routing;
    double zipf_exponent;    /* skewed routing */
    double partner_prob;     /* co-selection routing */
    bool per_layer;          /* break each token's energy down by layer */
    const char *trace_path;  /* cosim waveform (a .gtkw layout goes beside it), or NULL */
    const char *record_path; /* cosim stimulus record, or NULL */
    const char *routing_record_path; /* the routes the run took, as a routing trace, or NULL */
    /* Cosim switching activity (SAIF 2.0, from the run's waveform: a private one when trace_path is NULL), or
     * NULL; counted over run cycles [saif_begin_cycle, saif_end_cycle), end 0: to the run's end. */
    const char *saif_path;
    uint64_t saif_begin_cycle, saif_end_cycle;
    const aimc_gpu_config *gpu;      /* the GPU baseline, or NULL for none */
    double gpu_weight_bytes;         /* GPU weight bytes per parameter (<= 0: the preset's) */
    /* Called (when not NULL) after each finished token with the tokens done so far and the current cycle. */
    void (*progress)(void *ctx, uint64_t tokens_done, uint64_t tokens_total, uint64_t cycle);
    void *progress_ctx;
} aimc_run_options;

/* Defaults: fast engine, batch 1, 8 tokens, prompt 64, uniform routing (Zipf 1, partner 0.5), GPU weight bytes 2. */
void aimc_run_options_defaults(aimc_run_options *o);

typedef struct aimc_run aimc_run;

/* Checks the options against the plan (computed routing needs its weights, replay a trace holding every routing
 * token the run asks for - with no_kv_cache the re-run prefixes' too -, the cosim's batch bound, OTT off only on
 * the fast engine) and the output paths, and builds router, ledger and backend.  The plan
 * must outlive the run. */
aimc_run *aimc_run_create(const aimc_plan *plan, const aimc_run_options *o, aimc_error *err);
int aimc_run_decode(aimc_run *r, aimc_error *err);
/* Closes the backend (the waveform is complete only then) and publishes the trace with its layout, the
 * stimulus record, the routing record and the SAIF under their names; on failure nothing is left under them. */
int aimc_run_finish(aimc_run *r, aimc_error *err);
/* After a decode a signal interrupted (core/interrupt.h): closes the trace, so that it holds the run up to the
 * interruption and stays readable, and publishes it (with its layout); every other output is discarded.  0
 * without a trace; on failure err says why (replacing the interruption's line) and nothing is left. */
int aimc_run_keep_trace(aimc_run *r, aimc_error *err);
void aimc_run_destroy(aimc_run *r);

const aimc_run_options *aimc_run_options_of(const aimc_run *r);
const aimc_ledger *aimc_run_ledger(const aimc_run *r);
/* After decode: the headline figures, the GPU comparison (NULL without a GPU), the backend's own checks. */
const aimc_run_figures *aimc_run_figures_get(const aimc_run *r);
/* After decode: which ledger rows are the prefill (for the report's and CSV's per-token phase). */
const aimc_run_phases *aimc_run_phases_get(const aimc_run *r);
const aimc_gpu_comparison *aimc_run_gpu(const aimc_run *r);
void aimc_run_checks(const aimc_run *r, aimc_mvm_backend_checks *out);
/* Whether the checks failed (a verification failure, not bad input). */
bool aimc_run_checks_failed(const aimc_mvm_backend_checks *c);
/* What a run measures beside its registered counters (aimc_run_stats): OTT conflict cycles over all tiles, the
 * mean token latency, and the decode's own wall and CPU time. */
typedef struct {
    uint64_t ott_conflict_cycles;
    double mean_latency_ns;  /* mean over tokens of end - start */
    double decode_wall_s, decode_cpu_s;
} aimc_run_counters;
void aimc_run_counters_of(const aimc_run *r, aimc_run_counters *out);
/* After decode: the registered counters (name, unit, description, value) the report's counters section emits. */
const aimc_stats *aimc_run_stats(const aimc_run *r);
/* The whole report (format aimc3d-energy/1, docs/engines.md); a new object the caller puts. */
json_object *aimc_run_report(const aimc_run *r);
/* After finish, with saif_path: what the SAIF holds and the window in trace time (ps) it covers. */
void aimc_run_activity_of(const aimc_run *r, aimc_activity_summary *out);
/* The published trace's layout path ("" without a trace), after finish. */
const char *aimc_run_layout_path(const aimc_run *r);

#endif
