/* aimc3d run: decodes tokens of a MoE model on a chip through the cosim engine (Verilated dispatcher and
 * tiles, with a waveform) or the fast engine (their analytic model), and writes the per-token energy
 * annotation (JSON, CSV) and a summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "engine/cosim_backend.h"
#include "engine/decode_sequencer.h"
#include "engine/dispatch_build.h"
#include "engine/fast_backend.h"
#include "plan.h"
#include "progress.h"
#include "report/chip_layout.h"
#include "report/energy_report.h"
#include "report/gpu_comparison.h"
#include "report/run_summary.h"
#include "report/trace_stamp.h"
#include "shim/vchip.h"

typedef struct {
    aimc_plan_args plan;
    const char *engine, *routing, *trace, *report, *csv, *gpu, *record;
    long tokens, batch, prompt;
    double zipf, partner, gpu_weight_bytes;
    bool prefill, per_layer;
} run_args;

typedef struct {
    aimc_plan plan;
    aimc_dispatch_table *table;
    aimc_router *router;
    float **router_weights; /* computed routing: per layer, borrowed by the router */
    uint64_t *selections;   /* [layer][expert]: tokens routed to each expert (the report's routing section) */
    aimc_ledger *ledger;
    aimc_mvm_backend *backend;
    aimc_decode_options opt;
    aimc_decode_result result;
    aimc_gpu_config gpu;
    aimc_progress progress;
    char trace_tmp[1100], record_tmp[1100];
} run_state;

static void free_router_weights(float **w, uint32_t layers)
{
    if (!w)
        return;
    for (uint32_t l = 0; l < layers; l++)
        free(w[l]);
    free(w);
}

/* Each MoE layer's router matrix from the checkpoint as float, E x d_model (NULL for dense layers).  The shape
 * is checked against the model by aimc_weights_matrix; an error names the file and the tensor. */
static float **load_router_weights(const aimc_plan *p, aimc_error *err)
{
    const aimc_moe_model *m = &p->model;
    float **w = calloc(m->layers, sizeof *w);
    if (!w) {
        aimc_fail(err, "run: out of memory");
        return NULL;
    }
    int rc = 0;
    for (uint32_t l = 0; l < m->layers && !rc; l++) {
        if (!aimc_moe_model_layer_is_moe(m, l))
            continue;
        aimc_matrix x;
        const aimc_safetensors *st;
        const aimc_st_tensor *t;
        aimc_matrix_at(m, (size_t)aimc_matrix_index(m, (int)l, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), &x);
        rc = aimc_weights_matrix(p->weights, m, &x, &st, &t, err);
        uint64_t n = aimc_matrix_params(&x);
        if (!rc && !(w[l] = malloc(n * sizeof *w[l])))
            rc = aimc_fail(err, "run: out of memory");
        if (!rc)
            rc = aimc_safetensors_read_f32(st, t, 0, n, w[l], err);
    }
    if (rc) {
        free_router_weights(w, m->layers);
        return NULL;
    }
    return w;
}

/* Computed routing in a timing run: the real router weights applied to a synthetic hidden state per decision
 * (the engines do no numeric forward pass; routing.h says what the routes then mean). */
static int computed_routing(const run_args *a, run_state *s, aimc_routing_params *p, aimc_error *err)
{
    if (!a->plan.weights)
        return aimc_fail(err, "run --routing computed: expected --weights FILE (the router weights: the model's "
                              "safetensors file or folder)");
    if (s->plan.model.experts == 0)
        return aimc_fail(err, "run --routing computed: model %s has no routed experts to route",
                         s->plan.model.name);
    if (!(s->router_weights = load_router_weights(&s->plan, err)))
        return -1;
    p->router_weights = (const float *const *)s->router_weights;
    p->synthetic_hidden = true;
    return 0;
}

static int make_router(const run_args *a, run_state *s, aimc_error *err)
{
    const aimc_moe_model *m = &s->plan.model;
    aimc_routing_mode mode;
    if (aimc_routing_mode_parse(a->routing, "command line", "--routing", &mode, err))
        return -1;
    if (mode == AIMC_ROUTE_REPLAY && !a->plan.trace)
        return aimc_fail(err, "run --routing replay: expected --routing-trace FILE");
    aimc_routing_params p = {.mode = mode, .experts = m->experts, .top_k = m->top_k, .layers = m->layers,
                             .seed = (uint64_t)a->plan.seed, .zipf_exponent = a->zipf, .partner_prob = a->partner,
                             .d_model = m->d_model, .trace_path = a->plan.trace};
    if (mode == AIMC_ROUTE_COMPUTED && computed_routing(a, s, &p, err))
        return -1;
    if (m->experts == 0)
        return 0; /* a dense model routes nothing */
    if (!(s->selections = calloc((size_t)m->layers * m->experts, sizeof *s->selections)))
        return aimc_fail(err, "run: out of memory");
    s->opt.expert_selections = s->selections;
    s->router = aimc_router_create(&p, err);
    return s->router ? 0 : -1;
}

/* The routing section: per layer, how many tokens each routed expert took (null: dense layer). */
static json_object *routing_json(const run_state *s)
{
    const aimc_moe_model *m = &s->plan.model;
    json_object *o = json_object_new_object(), *layers = json_object_new_array();
    for (uint32_t l = 0; l < m->layers; l++) {
        json_object *row = NULL;
        if (s->selections && aimc_moe_model_layer_is_moe(m, l)) {
            row = json_object_new_array();
            for (uint32_t e = 0; e < m->experts; e++)
                json_object_array_add(row, json_object_new_uint64(s->selections[(size_t)l * m->experts + e]));
        }
        json_object_array_add(layers, row);
    }
    json_object_object_add(o, "expert_selections", layers);
    return o;
}

static json_object *config_echo(const run_args *a, const aimc_plan *p, const aimc_decode_options *o)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "engine", json_object_new_string(a->engine));
    json_object_object_add(c, "model", aimc_moe_model_to_json(&p->model));
    json_object_object_add(c, "model_source", json_object_new_string(p->model.path));
    json_object_object_add(c, "chip", json_object_new_string(p->chip.name));
    json_object_object_add(c, "chip_file", json_object_new_string(p->chip.path));
    json_object_object_add(c, "tiles", json_object_new_int64(p->chip.tile.tiles));
    json_object_object_add(c, "tiers", json_object_new_int64(p->chip.tile.tiers));
    json_object_object_add(c, "fit", json_object_new_boolean(a->plan.fit));
    json_object_object_add(c, "ott", json_object_new_boolean(!a->plan.no_ott));
    json_object_object_add(c, "clock_period_ps", json_object_new_int64((int64_t)p->chip.clock_period_ps));
    json_object_object_add(c, "setting", json_object_new_string(a->plan.setting));
    json_object_object_add(c, "strategy", json_object_new_string(a->plan.strategy));
    json_object_object_add(c, "digital_expert_fraction", aimc_json_double(a->plan.fraction, 6));
    json_object_object_add(c, "criterion", json_object_new_string(a->plan.criterion));
    json_object_object_add(c, "routing", json_object_new_string(a->routing));
    json_object_object_add(c, "weights", a->plan.weights ? json_object_new_string(a->plan.weights) : NULL);
    json_object_object_add(c, "batch", json_object_new_int64(o->batch));
    json_object_object_add(c, "tokens_per_sequence", json_object_new_int64(o->tokens));
    json_object_object_add(c, "prompt", json_object_new_int64(o->prompt));
    json_object_object_add(c, "prefill", json_object_new_boolean(o->prefill));
    json_object_object_add(c, "seed", json_object_new_int64(a->plan.seed));
    return c;
}

static void release(run_state *s)
{
    if (s->backend)
        s->backend->ops->destroy(s->backend);
    aimc_ledger_destroy(s->ledger);
    aimc_router_destroy(s->router);
    free_router_weights(s->router_weights, s->plan.model.layers);
    free(s->selections);
    aimc_dispatch_table_destroy(s->table);
    aimc_plan_release(&s->plan);
}

static int check_outputs(const run_args *a, aimc_error *err)
{
    const char *paths[] = {a->trace, a->report, a->csv, a->record};
    for (size_t i = 0; i < 4; i++)
        if (paths[i] && aimc_output_check_writable(paths[i], err))
            return -1;
    if (a->trace) {
        char layout[1100];
        aimc_layout_path_for(a->trace, layout, sizeof layout);
        if (aimc_output_check_writable(layout, err))
            return -1;
    }
    if (a->record && strcmp(a->engine, "cosim") != 0)
        return aimc_fail(err, "run --record: only the cosim engine records the RTL's stimulus");
    if (a->trace && strcmp(a->engine, "cosim") != 0)
        return aimc_fail(err, "run --trace: only the cosim engine writes waveforms");
    return 0;
}

/* The OTT ablation exists only in the fast engine: the RTL's tier-select controller enforces OTT.  The cosim's
 * batch is bounded by the chip's token-marker ports (one bit per sequence). */
static int check_engine(const run_args *a, aimc_error *err)
{
    if (a->plan.no_ott && strcmp(a->engine, "fast") != 0)
        return aimc_fail(err, "run --no-ott: expected --engine fast (the %s engine runs the RTL, which enforces one "
                              "tier at a time per tile)", a->engine);
    if (strcmp(a->engine, "cosim") == 0 && a->batch > (long)aimc_cosim_backend_max_batch())
        return aimc_fail(err, "run --batch: expected at most %u with the cosim engine (the chip's token-marker "
                              "ports; the fast engine has no limit), found %ld", aimc_cosim_backend_max_batch(),
                         a->batch);
    return 0;
}

/* Per-tile statistics of the physical tiles: under --no-ott the engine's one-tier tiles are summed back into
 * their tile (its busy cycles can then exceed the run's: tiers computed in parallel). */
static json_object *tiles_json(const run_state *s, const aimc_mvm_stats *st)
{
    uint32_t tiles = s->plan.chip.tile.tiles, engine_tiles = s->plan.engine_chip.tile.tiles;
    if (engine_tiles == tiles)
        return aimc_tile_utilisation_json(st, tiles, s->result.cycles);
    uint64_t *sums = calloc(3 * (size_t)tiles, sizeof *sums);
    if (!sums)
        return NULL;
    aimc_mvm_stats folded = {st->jobs, st->tier_switches, sums, sums + tiles, sums + 2 * (size_t)tiles};
    for (uint32_t t = 0; t < engine_tiles; t++) {
        uint32_t phys = aimc_plan_physical_tile(&s->plan, t);
        folded.busy_cycles[phys] += st->busy_cycles[t];
        folded.conflict_cycles[phys] += st->conflict_cycles[t];
        folded.stall_cycles[phys] += st->stall_cycles[t];
    }
    json_object *o = aimc_tile_utilisation_json(&folded, tiles, s->result.cycles);
    free(sums);
    return o;
}

/* Both engines use the RTL's queue depth and slot count, so they run the same dispatcher. */
static int make_backend(const run_args *a, run_state *s, aimc_error *err)
{
    s->opt.slots = aimc_cosim_backend_slots();
    if (strcmp(a->engine, "fast") == 0) {
        s->backend = aimc_fast_backend_create(&s->plan.engine_chip, s->table, aimc_cosim_backend_queue_depth(), s->opt.slots,
                                              (uint64_t)a->plan.seed, s->plan.chip.periphery.b_in_bits, s->ledger, err);
        return s->backend ? 0 : -1;
    }
    if (strcmp(a->engine, "cosim") != 0)
        return aimc_fail(err, "run --engine: expected one of cosim, fast, found \"%s\"", a->engine);
    if (a->trace)
        snprintf(s->trace_tmp, sizeof s->trace_tmp, "%s.tmp.%ld", a->trace, (long)getpid());
    if (a->record)
        snprintf(s->record_tmp, sizeof s->record_tmp, "%s.tmp.%ld", a->record, (long)getpid());
    s->backend = aimc_cosim_backend_create_recorded(&s->plan.chip, s->table, (uint64_t)a->plan.seed, s->ledger,
                                                    a->trace ? s->trace_tmp : NULL,
                                                    a->record ? s->record_tmp : NULL, err);
    return s->backend ? 0 : -1;
}

/* The cosim's own checks: a failure here is a verification failure (exit 1), not bad input. */
static int cosim_verdict(run_state *s)
{
    aimc_cosim_backend_report r;
    aimc_cosim_backend_report_get(s->backend, &r);
    printf("scoreboard: %llu errors, %llu cycles with OTT violated, %llu RTL assertion failures, energy monitor "
           "%+lld fJ off the ledger%s%s\n",
           (unsigned long long)r.scoreboard_errors, (unsigned long long)r.ott_violation_cycles,
           (unsigned long long)r.rtl_assertion_failures, (long long)r.energy_monitor_delta_fJ,
           r.scoreboard_errors ? "; first: " : "", r.first_error);
    return r.scoreboard_errors || r.ott_violation_cycles || r.rtl_assertion_failures || r.energy_monitor_delta_fJ;
}

/* Where the report's cycles are in the waveform: the cosim's reset and mapping load come before cycle 0. */
static json_object *trace_json(run_state *s)
{
    aimc_cosim_backend_report r;
    aimc_cosim_backend_report_get(s->backend, &r);
    json_object *t = json_object_new_object();
    json_object_object_add(t, "format", json_object_new_string(aimc_vchip_trace_format()));
    json_object_object_add(t, "setup_cycles", json_object_new_uint64(r.setup_cycles));
    json_object_object_add(t, "cycle0_time_ps",
                           json_object_new_uint64(r.setup_cycles * (uint64_t)s->plan.chip.clock_period_ps));
    json_object_object_add(t, "token_markers",
                           json_object_new_string("top.chip.token_begin / token_end: bit s for sequence s"));
    return t;
}

static int write_outputs(const run_args *a, run_state *s, const aimc_run_figures *fig,
                         const aimc_gpu_comparison *gpu, aimc_error *err)
{
    uint64_t period = (uint64_t)s->plan.chip.clock_period_ps;
    if (a->report) {
        const aimc_mvm_stats *st = s->backend->ops->stats(s->backend);
        json_object *counters = json_object_new_object();
        json_object_object_add(counters, "groups", json_object_new_uint64(s->result.groups));
        json_object_object_add(counters, "tier_mvms", json_object_new_uint64(st->jobs));
        json_object_object_add(counters, "tier_switches", json_object_new_uint64(st->tier_switches));
        json_object_object_add(counters, "digital_ops", json_object_new_uint64(s->result.digital_ops));
        json_object_object_add(counters, "dram_busy_cycles", json_object_new_uint64(s->result.dram_busy_cycles));
        json_object *sections = json_object_new_object();
        json_object_object_add(sections, "summary", aimc_run_figures_json(fig));
        json_object *tiles = tiles_json(s, st);
        if (!tiles) {
            json_object_put(counters);
            json_object_put(sections);
            return aimc_fail(err, "run: out of memory");
        }
        json_object_object_add(sections, "tiles", tiles);
        json_object_object_add(sections, "gpu", aimc_gpu_comparison_json(gpu));
        json_object_object_add(sections, "routing", routing_json(s));
        if (a->trace)
            json_object_object_add(sections, "trace", trace_json(s));
        aimc_energy_report info = {.engine = a->engine, .clock_period_ps = period, .cycles = s->result.cycles,
                                   .config = config_echo(a, &s->plan, &s->opt), .counters = counters,
                                   .sections = sections};
        if (aimc_energy_report_write_json(a->report, s->ledger, &info, err))
            return -1;
        printf("report: %s\n", a->report);
    }
    if (a->csv) {
        if (aimc_energy_report_write_csv(a->csv, s->ledger, period, err))
            return -1;
        printf("csv: %s\n", a->csv);
    }
    return 0;
}

static int publish_trace(const run_args *a, run_state *s, aimc_error *err)
{
    if (!a->trace)
        return 0;
    if (aimc_trace_fix_date(s->trace_tmp, err))
        return -1;
    if (rename(s->trace_tmp, a->trace) != 0)
        return aimc_fail(err, "%s: cannot write the trace", a->trace);
    char layout[1100];
    const aimc_vchip_params *rtl = aimc_vchip_api_for(s->plan.chip.tile.tiles)->params;
    uint32_t slot_bits = 0;
    while ((1u << slot_bits) < rtl->slots)
        slot_bits++;
    aimc_chip_layout_shape shape = {s->plan.chip.tile.tiles, rtl->tiers, slot_bits + rtl->job_bits, rtl->seqs,
                                    s->opt.batch};
    if (aimc_chip_layout_write(a->trace, &shape, layout, sizeof layout, err))
        return -1;
    printf("trace: %s (%s)\nlayout: %s (open with: gtkwave %s)\n", a->trace, aimc_vchip_trace_format(), layout,
           layout);
    return 0;
}

/* The printed summary (chip, GPU side, ratios), the cosim's own checks and the report files. */
static int summarise(const run_args *a, run_state *s, int *verdict, aimc_error *err)
{
    aimc_run_figures fig;
    aimc_assignment_stats as;
    aimc_assignment_stats_of(s->plan.assignment, &as);
    aimc_run_figures_of(&s->plan.chip, as.params[AIMC_PLACE_DIGITAL] > 0, s->ledger, s->result.tokens,
                        s->result.cycles, &fig);
    aimc_gpu_decode work = {s->opt.batch, s->opt.tokens, s->opt.prompt, s->opt.prefill, a->gpu_weight_bytes};
    aimc_gpu_comparison gpu;
    if (aimc_gpu_comparison_of(&s->gpu, &s->plan.model, &work, &fig, &gpu, err))
        return -1;
    printf("%s engine: %s on %s (%u tiles x %u tiers%s), batch %u, %u tokens per sequence\n", a->engine,
           s->plan.model.name, s->plan.chip.name, s->plan.chip.tile.tiles, s->plan.chip.tile.tiers,
           a->plan.no_ott ? ", OTT off: tiers in parallel" : "", s->opt.batch, s->opt.tokens);
    aimc_run_figures_print(stdout, &fig, s->ledger);
    aimc_gpu_comparison_print(stdout, &gpu, &fig);
    if (strcmp(a->engine, "cosim") == 0)
        *verdict = cosim_verdict(s);
    return write_outputs(a, s, &fig, &gpu, err);
}

static int run(const run_args *a, aimc_error *err)
{
    run_state s = {0};
    s.opt = (aimc_decode_options){.batch = (uint32_t)a->batch, .tokens = (uint32_t)a->tokens,
                                  .prompt = (uint32_t)a->prompt, .prefill = a->prefill, .seed = (uint64_t)a->plan.seed};
    int rc = check_engine(a, err) || check_outputs(a, err) || aimc_gpu_config_load(a->gpu, &s.gpu, err) ? -1 : 0;
    if (!rc)
        rc = aimc_plan_build(&a->plan, &s.plan, err);
    if (!rc && !(s.table = aimc_plan_dispatch_table(&s.plan, err)))
        rc = -1;
    if (!rc)
        rc = make_router(a, &s, err);
    if (!rc && !(s.ledger = aimc_ledger_create(a->per_layer ? s.plan.model.layers + 1 : 0)))
        rc = aimc_fail(err, "run: out of memory");
    if (!rc)
        rc = make_backend(a, &s, err);
    if (!rc) {
        aimc_progress_start(&s.progress, s.plan.chip.clock_period_ps, NULL);
        s.opt.progress = aimc_progress_tokens;
        s.opt.progress_ctx = &s.progress;
        rc = aimc_decode_run(s.plan.mapping, s.table, s.router, s.backend, &s.opt, s.ledger, &s.result, err);
        aimc_progress_end(&s.progress);
    }
    int verdict = 0;
    if (!rc)
        rc = summarise(a, &s, &verdict, err);
    if (s.backend) { /* closes the trace */
        s.backend->ops->destroy(s.backend);
        s.backend = NULL;
    }
    if (!rc)
        rc = publish_trace(a, &s, err);
    else if (a->trace)
        remove(s.trace_tmp);
    if (a->record && (rc || rename(s.record_tmp, a->record) != 0)) {
        remove(s.record_tmp);
        rc = rc ? rc : aimc_fail(err, "%s: cannot write the stimulus record", a->record);
    } else if (a->record) {
        printf("record: %s\n", a->record);
    }
    release(&s);
    return rc ? -1 : verdict;
}

int aimc_cli_run(int argc, char **argv)
{
    run_args a = {.engine = "cosim", .routing = "uniform", .tokens = 8, .batch = 1, .prompt = 64, .zipf = 1.0,
                  .partner = 0.5, .gpu = "a100", .gpu_weight_bytes = 2};
    aimc_plan_args_defaults(&a.plan, "run");
    a.plan.fraction = 0;
    const aimc_cli_opt opts[] = {
        {"--engine", CLI_STRING, &a.engine, 0, 0, "cosim (Verilated RTL, waveforms) or fast (default cosim)"},
        {"--model", CLI_STRING, &a.plan.model, 0, 0, "model preset, JSON or config.json, or family:key=value,..."},
        {"--chip", CLI_STRING, &a.plan.chip, 0, 0, "chip preset name or JSON file"},
        {"--tokens", CLI_LONG, &a.tokens, 1, 1e9, "tokens generated per sequence (default 8)"},
        {"--batch", CLI_LONG, &a.batch, 1, 65536, "sequences decoded together (default 1)"},
        {"--prompt", CLI_LONG, &a.prompt, 0, 1e7, "prompt tokens in the KV cache (default 64)"},
        {"--prefill", CLI_FLAG, &a.prefill, 0, 0, "run the prompt tokens through the chip too"},
        {"--seed", CLI_LONG, &a.plan.seed, 0, 4294967295.0, "random seed (default 1)"},
        {"--routing", CLI_STRING, &a.routing, 0, 0, "uniform (default), skewed, co-selection, replay, computed (--weights; synthetic hidden)"},
        {"--zipf", CLI_DOUBLE, &a.zipf, 0, 100, "skewed routing: Zipf exponent (default 1)"},
        {"--partner", CLI_DOUBLE, &a.partner, 0, 1, "co-selection routing: partner probability (default 0.5)"},
        {"--routing-trace", CLI_STRING, &a.plan.trace, 0, 0, "routing trace file (replay; mapping statistics)"},
        {"--setting", CLI_STRING, &a.plan.setting, 0, 0, "heterogeneous or all-analog (default heterogeneous)"},
        {"--strategy", CLI_STRING, &a.plan.strategy, 0, 0, "greedy, stacked or coselect (default greedy)"},
        {"--digital-experts", CLI_DOUBLE, &a.plan.fraction, 0, 1, "fraction of routed experts kept digital"},
        {"--criterion", CLI_STRING, &a.plan.criterion, 0, 0, "max-neuron-norm, activation-frequency, ..., random"},
        {"--ranking", CLI_STRING, &a.plan.ranking, 0, 0, "per-layer or global (default per-layer)"},
        {"--weights", CLI_STRING, &a.plan.weights, 0, 0, "safetensors file or folder (weight criteria; computed routing)"},
        {"--tiles", CLI_LONG, &a.plan.tiles, 1, 65536, "override the chip's tile count"},
        {"--tiers", CLI_LONG, &a.plan.tiers, 2, 256, "override the chip's tiers per tile"},
        {"--fit", CLI_FLAG, &a.plan.fit, 0, 0, "size the tile count to the model: ceil(analog blocks / tiers)"},
        {"--no-ott", CLI_FLAG, &a.plan.no_ott, 0, 0, "ablation: a tile's tiers compute in parallel (fast engine)"},
        {"--gpu", CLI_STRING, &a.gpu, 0, 0, "GPU baseline: a100, a100-80gb, h100, h200 or a JSON file (default a100)"},
        {"--gpu-weight-bytes", CLI_DOUBLE, &a.gpu_weight_bytes, 0.0625, 16,
         "GPU weight bytes per parameter (default 2, BF16)"},
        {"--trace", CLI_STRING, &a.trace, 0, 0, "waveform (cosim engine); a .gtkw layout goes beside it"},
        {"--record", CLI_STRING, &a.record, 0, 0, "stimulus record (cosim engine), for replay under iverilog"},
        {"--report", CLI_STRING, &a.report, 0, 0, "per-token energy annotation, JSON"},
        {"--csv", CLI_STRING, &a.csv, 0, 0, "per-token table, CSV"},
        {"--per-layer", CLI_FLAG, &a.per_layer, 0, 0, "break each token's energy down by layer"},
    };
    aimc_error err;
    int parsed = aimc_cli_parse("run", argc, argv, opts, sizeof opts / sizeof opts[0],
                                "Decodes tokens of a MoE model on a chip (cosim or fast engine) and reports latency,\n"
                                "throughput and per-token energy.",
                                &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    int rc = run(&a, &err);
    return rc < 0 ? aimc_cli_error(&err) : rc;
}
