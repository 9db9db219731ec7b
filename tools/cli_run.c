/* aimc3d run: decodes tokens of a MoE model on a chip through the cosim engine (Verilated dispatcher and
 * tiles, with a waveform) or the fast engine (their analytic model), and writes the per-token energy
 * annotation (JSON, CSV) and a summary.  The run itself is the library's (model/run/run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/energy_ledger.h"
#include "core/interrupt.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "progress.h"
#include "report/energy_report.h"
#include "run/run_args.h"

typedef aimc_run_args run_args;

/* The cosim's own checks: a failure here is a verification failure (exit 1), not bad input. */
static int print_checks(const aimc_run *run)
{
    aimc_mvm_backend_checks c;
    aimc_run_checks(run, &c);
    if (!c.checked)
        return 0;
    printf("scoreboard: %llu errors, %llu cycles with OTT violated, %llu RTL assertion failures, energy monitor "
           "%+lld fJ off the ledger%s%s\n",
           (unsigned long long)c.scoreboard_errors, (unsigned long long)c.ott_violation_cycles,
           (unsigned long long)c.rtl_assertion_failures, (long long)c.energy_monitor_delta_fJ,
           c.scoreboard_errors ? "; first: " : "", c.first_error);
    return aimc_run_checks_failed(&c);
}

static void print_summary(const run_args *a, const aimc_plan *p, const aimc_run *run)
{
    const aimc_chip_config *chip = aimc_plan_chip(p);
    printf("%s engine: %s on %s (%u tiles x %u tiers%s), batch %ld, %ld tokens per sequence\n", a->engine,
           aimc_plan_model(p)->name, chip->name, chip->tile.tiles, chip->tile.tiers,
           a->plan.no_ott ? ", OTT off: tiers in parallel" : "", a->batch, a->tokens);
    aimc_run_figures_print(stdout, aimc_run_figures_get(run), aimc_run_ledger(run));
    printf("counters\n");
    aimc_stats_print(stdout, aimc_run_stats(run));
    aimc_gpu_comparison_print(stdout, aimc_run_gpu(run), aimc_run_figures_get(run));
}

/* written[0], [1]: whether the report and the CSV were written (removed again if a later output fails). */
static int write_reports(const run_args *a, const aimc_plan *p, const aimc_run *run, bool written[2],
                         aimc_error *err)
{
    if (a->report) {
        json_object *report = aimc_run_report(run);
        int rc = aimc_json_write_file(a->report, report, err);
        json_object_put(report);
        if (rc)
            return -1;
        written[0] = true;
    }
    if (a->csv) {
        if (aimc_energy_report_write_csv(a->csv, aimc_run_ledger(run), (uint64_t)aimc_plan_chip(p)->clock_period_ps,
                                         aimc_run_phase_cb, aimc_run_phases_get(run),
                                         err))
            return -1;
        written[1] = true;
    }
    return 0;
}

static void print_outputs(const run_args *a, const aimc_run *run)
{
    if (a->report)
        printf("report: %s\n", a->report);
    if (a->csv)
        printf("csv: %s\n", a->csv);
    if (a->trace) {
        aimc_mvm_backend_checks c;
        aimc_run_checks(run, &c);
        printf("trace: %s (%s)\nlayout: %s (open with: gtkwave %s)\n", a->trace, c.trace_format,
               aimc_run_layout_path(run), aimc_run_layout_path(run));
    }
    if (a->record)
        printf("record: %s\n", a->record);
    if (a->saif) {
        aimc_activity_summary s;
        aimc_run_activity_of(run, &s);
        printf("saif: %s (SAIF 2.0: %llu nets, %llu bits, %llu toggles; window from trace time [%llu, %llu) ps)\n",
               a->saif, (unsigned long long)s.nets, (unsigned long long)s.bits, (unsigned long long)s.toggles,
               (unsigned long long)s.begin, (unsigned long long)s.end);
    }
    if (a->routing_record)
        printf("routing trace: %s\n", a->routing_record);
}

static int run(const run_args *a, aimc_error *err)
{
    aimc_run_options o;
    aimc_gpu_config gpu;
    if (aimc_run_args_options(a, &o, &gpu, err))
        return -1;
    aimc_progress progress;
    o.progress = aimc_progress_tokens;
    o.progress_ctx = &progress;
    aimc_plan *p = aimc_plan_args_create(&a->plan, err);
    aimc_run *r = p ? aimc_run_create(p, &o, err) : NULL;
    int rc = r ? 0 : -1, verdict = 0;
    if (!rc) {
        aimc_progress_start(&progress, aimc_plan_chip(p)->clock_period_ps, NULL);
        rc = aimc_run_decode(r, err);
        aimc_progress_end(&progress);
        /* a signal stopped the decode: the trace holds the run up to there; nothing else is written */
        if (rc && aimc_interrupt_signal() && a->trace && !aimc_run_keep_trace(r, err)) {
            char shown[AIMC_PATH_SHOWN];
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, "; the trace up to there: %s",
                     aimc_path_shown(a->trace, shown));
        }
    }
    if (!rc) {
        print_summary(a, p, r);
        verdict = print_checks(r);
        bool written[2] = {false, false};
        rc = write_reports(a, p, r, written, err) || aimc_run_finish(r, err) ? -1 : 0;
        if (rc && written[0])
            remove(a->report);
        if (rc && written[1])
            remove(a->csv);
    }
    if (!rc)
        print_outputs(a, r);
    aimc_run_destroy(r);
    aimc_plan_destroy(p);
    return rc ? -1 : verdict;
}

int aimc_cli_run(int argc, char **argv)
{
    run_args a;
    aimc_run_args_defaults(&a);
    const aimc_cli_opt opts[] = {
        {"--engine", CLI_STRING, &a.engine, 0, 0, "cosim (Verilated RTL, waveforms) or fast (default cosim)"},
        {"--model", CLI_STRING, &a.plan.model, 0, 0, "model preset, JSON or config.json, or family:key=value,..."},
        {"--chip", CLI_STRING, &a.plan.chip, 0, 0, "chip preset name or JSON file"},
        {"--tokens", CLI_LONG, &a.tokens, 1, 1e9, "tokens generated per sequence (default 8)"},
        {"--batch", CLI_LONG, &a.batch, 1, 65536, "sequences decoded together (default 1)"},
        {"--prompt", CLI_LONG, &a.prompt, 0, 1e7, "prompt tokens in the KV cache (default 64)"},
        {"--prefill", CLI_FLAG, &a.prefill, 0, 0, "run the prompt through the chip first, its tokens through each layer together"},
        {"--no-kv-cache", CLI_FLAG, &a.no_kv_cache, 0, 0, "no KV cache: every generated token re-runs its whole prefix"},
        {"--seed", CLI_LONG, &a.plan.seed, 0, 4294967295.0, "random seed (default 1)"},
        {"--routing", CLI_STRING, &a.routing, 0, 0, "uniform (default), skewed, co-selection, replay, computed (--weights; synthetic hidden)"},
        {"--zipf", CLI_DOUBLE, &a.zipf, 0, 100, "skewed routing: Zipf exponent (default 1)"},
        {"--partner", CLI_DOUBLE, &a.partner, 0, 1, "co-selection routing: partner probability (default 0.5)"},
        {"--routing-trace", CLI_STRING, &a.plan.trace, 0, 0, "routing trace file (replay; mapping statistics)"},
        {"--write-routing-trace", CLI_STRING, &a.routing_record, 0, 0,
         "record the routes this run took as a routing trace (replayable)"},
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
        {"--saif", CLI_STRING, &a.saif, 0, 0, "switching activity per net, SAIF 2.0 (cosim engine; from its waveform)"},
        {"--saif-window", CLI_STRING, &a.saif_window, 0, 0, "BEGIN:END run cycles the SAIF covers (default: the whole run)"},
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
    /* the ledger keeps a row per decoded token (and a prefilled prompt's): refuse what it cannot hold */
    if (a.tokens * a.batch > AIMC_LEDGER_MAX_TOKENS) {
        aimc_fail(&err, "run --tokens %ld x --batch %ld: expected at most %ld tokens in all (the energy ledger's "
                        "limit)", a.tokens, a.batch, (long)AIMC_LEDGER_MAX_TOKENS);
        return aimc_cli_error(&err);
    }
    aimc_interrupt_install(); /* SIGINT/SIGTERM stop at the next safe point: exit 130/143 (core/interrupt.h) */
    int rc = run(&a, &err);
    return rc < 0 ? aimc_cli_error(&err) : rc;
}
