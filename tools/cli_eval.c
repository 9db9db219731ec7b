/* aimc3d eval: teacher-forced perplexity of a MoE checkpoint on a token file, every matrix where the plan's
 * assignment puts it (digital exact, or through the analog tier model on the chip's tiers; model/numeric/).
 * Prints perplexity, tokens and wall time; --report writes the JSON report (docs/file-formats.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "numeric/lm_config.h"
#include "numeric/lm_eval.h"
#include "numeric/token_file.h"
#include "run/plan_args.h"
#include "workload/matrices.h"

typedef struct {
    aimc_plan_args plan;
    const char *tokens, *calib, *noise, *report;
    long window, draw, calib_windows;
} eval_args;

/* ---- --noise ---- */

typedef struct {
    aimc_analog_noise noise;
    double t_s;
    bool dac, adc;
} noise_choice;

static int parse_switch(const char *key, const char *v, bool *out, aimc_error *err)
{
    if (strcmp(v, "on") == 0)
        *out = true;
    else if (strcmp(v, "off") == 0)
        *out = false;
    else
        return aimc_fail(err, "eval --noise: %s: expected on or off, found \"%s\"", key, v);
    return 0;
}

static int parse_value(const char *key, const char *v, double min, double max, double *out, aimc_error *err)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || !isfinite(x) || x < min || x > max)
        return aimc_fail(err, "eval --noise: %s: expected a number in [%g, %g], found \"%s\"", key, min, max, v);
    *out = x;
    return 0;
}

/* "off" (every non-ideality and both quantizers off: exact analog), "on" (everything the chip preset has
 * plus both quantizers), or comma-separated key=value: prog, drift, read, ir, adc-noise, dac, adc = on|off;
 * c (programming-noise scale), drift-scale, read-scale, adc-sigma, t (s since programming) = numbers. */
static int parse_noise(const char *spec, noise_choice *n, aimc_error *err)
{
    if (!spec || strcmp(spec, "on") == 0)
        return 0;
    if (strcmp(spec, "off") == 0) {
        n->noise.programming_noise = n->noise.drift = n->noise.read_noise = n->noise.ir_drop = false;
        n->noise.adc_noise = n->dac = n->adc = false;
        return 0;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq)
            return aimc_fail(err, "eval --noise: expected key=value items (prog=off,c=2.5,...), found \"%s\"", item);
        *eq = 0;
        const char *k = item, *v = eq + 1;
        int rc;
        if (strcmp(k, "prog") == 0)
            rc = parse_switch(k, v, &n->noise.programming_noise, err);
        else if (strcmp(k, "drift") == 0)
            rc = parse_switch(k, v, &n->noise.drift, err);
        else if (strcmp(k, "read") == 0)
            rc = parse_switch(k, v, &n->noise.read_noise, err);
        else if (strcmp(k, "ir") == 0)
            rc = parse_switch(k, v, &n->noise.ir_drop, err);
        else if (strcmp(k, "adc-noise") == 0)
            rc = parse_switch(k, v, &n->noise.adc_noise, err);
        else if (strcmp(k, "dac") == 0)
            rc = parse_switch(k, v, &n->dac, err);
        else if (strcmp(k, "adc") == 0)
            rc = parse_switch(k, v, &n->adc, err);
        else if (strcmp(k, "c") == 0)
            rc = parse_value(k, v, 0, 100, &n->noise.programming_noise_scale, err);
        else if (strcmp(k, "drift-scale") == 0)
            rc = parse_value(k, v, 0, 100, &n->noise.drift_scale, err);
        else if (strcmp(k, "read-scale") == 0)
            rc = parse_value(k, v, 0, 100, &n->noise.read_noise_scale, err);
        else if (strcmp(k, "adc-sigma") == 0)
            rc = parse_value(k, v, 0, 100, &n->noise.adc_noise_sigma, err);
        else if (strcmp(k, "t") == 0)
            rc = parse_value(k, v, 20, 1e12, &n->t_s, err);
        else
            rc = aimc_fail(err, "eval --noise: unknown key \"%s\" (prog, drift, read, ir, adc-noise, dac, adc, c, "
                                "drift-scale, read-scale, adc-sigma, t)", k);
        if (rc)
            return -1;
    }
    return 0;
}

/* ---- the run ---- */

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static json_object *stats_json(const aimc_nmatrix_stats *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "input_rows", json_object_new_int64((int64_t)s->rows));
    json_object_object_add(o, "multiply_accumulates", aimc_json_double(s->macs, 0));
    json_object_object_add(o, "tier_mvms", json_object_new_int64((int64_t)s->block_mvms));
    json_object_object_add(o, "dac_inputs_clipped", json_object_new_int64((int64_t)s->inputs_clipped));
    json_object_object_add(o, "adc_conversions", json_object_new_int64((int64_t)s->conversions));
    json_object_object_add(o, "adc_outputs_saturated", json_object_new_int64((int64_t)s->outputs_saturated));
    return o;
}

static json_object *noise_json(const aimc_analog_setup *a)
{
    const aimc_analog_noise *n = &a->periphery.noise;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "programming_noise", json_object_new_boolean(n->programming_noise));
    json_object_object_add(o, "programming_noise_scale_c", aimc_json_double(n->programming_noise_scale, 6));
    json_object_object_add(o, "drift", json_object_new_boolean(n->drift));
    json_object_object_add(o, "drift_scale", aimc_json_double(n->drift_scale, 6));
    json_object_object_add(o, "t_since_programming_s", aimc_json_double(a->periphery.t_since_programming_s, 3));
    json_object_object_add(o, "read_noise", json_object_new_boolean(n->read_noise));
    json_object_object_add(o, "read_noise_scale", aimc_json_double(n->read_noise_scale, 6));
    json_object_object_add(o, "ir_drop", json_object_new_boolean(n->ir_drop));
    json_object_object_add(o, "adc_noise", json_object_new_boolean(n->adc_noise));
    json_object_object_add(o, "adc_noise_sigma", aimc_json_double(n->adc_noise_sigma, 6));
    json_object_object_add(o, "dac_quantization", json_object_new_boolean(a->dac_quantization));
    json_object_object_add(o, "adc_quantization", json_object_new_boolean(a->adc_quantization));
    return o;
}

typedef struct {
    aimc_tokens eval, calib;
    aimc_plan *plan;
    aimc_lm_config lm;
    double *bounds;
} eval_state;

static int run(const eval_args *a, aimc_error *err)
{
    double t0 = seconds_now();
    if (!a->tokens || !a->plan.weights)
        return aimc_fail(err, "eval: expected --weights DIR and --tokens FILE (see aimc3d eval --help)");
    const aimc_named_path outs[] = {{"eval --report", a->report}};
    const aimc_named_path ins[] = {{"--tokens", a->tokens}, {"--model", a->plan.model}, {"--chip", a->plan.chip}};
    if (aimc_outputs_check(outs, 1, ins, sizeof ins / sizeof ins[0], err))
        return -1;
    eval_state s = {0};
    aimc_plan_args pa = a->plan;
    char config[1024];
    if (!pa.model) {
        snprintf(config, sizeof config, "%s/config.json", pa.weights);
        pa.model = config;
    }
    pa.fit = pa.tiles == 0; /* the numbers do not depend on the tile count: size the chip to the model */
    int rc = 0;
    aimc_moe_model shape;
    if (aimc_lm_config_load(pa.model, &shape, &s.lm, err) || aimc_tokens_load(a->tokens, &s.eval, err) ||
        (a->calib && aimc_tokens_load(a->calib, &s.calib, err)))
        rc = -1;
    if (rc == 0 && !(s.plan = aimc_plan_args_create(&pa, err)))
        rc = -1;
    const aimc_moe_model *m = rc == 0 ? aimc_plan_model(s.plan) : NULL;
    if (rc == 0 && (aimc_tokens_check_vocab(&s.eval, a->tokens, m->vocab, err) ||
                    (a->calib && aimc_tokens_check_vocab(&s.calib, a->calib, m->vocab, err))))
        rc = -1;
    uint32_t W = 0;
    if (rc == 0) {
        long w = a->window ? a->window : (long)(s.eval.n < 512 ? s.eval.n : 512);
        if (w > (long)s.lm.max_positions)
            w = a->window ? w : (long)s.lm.max_positions;
        if (w > (long)s.lm.max_positions)
            rc = aimc_fail(err, "eval --window: %ld is longer than the model's max_position_embeddings (%u, %s)", w,
                           s.lm.max_positions, m->path);
        else if ((size_t)w > s.eval.n || w < 2)
            rc = aimc_fail(err, "eval --window: expected 2 <= W <= the %zu tokens of %s, found %ld", s.eval.n,
                           a->tokens, w);
        W = (uint32_t)w;
    }
    if (rc == 0 && a->calib && s.calib.n < W)
        rc = aimc_fail(err, "eval --calib: %s has %zu tokens, fewer than one window of %u", a->calib, s.calib.n, W);
    const aimc_chip_config *chip = rc == 0 ? aimc_plan_chip(s.plan) : NULL;
    aimc_analog_setup as = {0};
    if (rc == 0) {
        /* the chip preset's non-idealities, then the --noise overrides */
        noise_choice base = {.noise = chip->periphery.noise, .t_s = chip->periphery.t_since_programming_s,
                             .dac = true, .adc = true};
        rc = parse_noise(a->noise, &base, err);
        as.periphery = chip->periphery;
        as.periphery.noise = base.noise;
        as.periphery.t_since_programming_s = base.t_s;
        as.dac_quantization = base.dac;
        as.adc_quantization = base.adc;
        as.seed = (uint64_t)a->plan.seed;
        as.draw = (uint32_t)a->draw;
    }
    if (rc == 0 && aimc_lm_check(m, &s.lm, aimc_plan_weights(s.plan), err))
        rc = -1;
    /* Everything is checked: compute. */
    aimc_assignment_stats st = {0};
    if (rc == 0)
        aimc_assignment_stats_of(aimc_plan_assignment(s.plan), &st);
    aimc_lm_setup setup = {.model = m, .lm = &s.lm, .weights = rc == 0 ? aimc_plan_weights(s.plan) : NULL,
                           .assignment = rc == 0 ? aimc_plan_assignment(s.plan) : NULL, .analog = &as,
                           .mapping = rc == 0 ? aimc_plan_mapping(s.plan) : NULL};
    size_t cal_windows = 0;
    const aimc_tokens *cal = a->calib ? &s.calib : &s.eval;
    if (rc == 0 && st.params[AIMC_PLACE_ANALOG] > 0) {
        cal_windows = cal->n / W;
        if (cal_windows > (size_t)a->calib_windows)
            cal_windows = (size_t)a->calib_windows;
        if (!(s.bounds = malloc(aimc_matrix_count(m) * sizeof *s.bounds)))
            rc = aimc_fail(err, "eval: out of memory");
        else
            rc = aimc_lm_calibrate(&setup, cal->ids, cal_windows, W, s.bounds, err);
        setup.input_bounds = s.bounds;
    }
    aimc_lm_result r;
    size_t windows = rc == 0 ? s.eval.n / W : 0;
    if (rc == 0)
        rc = aimc_lm_eval(&setup, s.eval.ids, windows, W, NULL, NULL, &r, err);
    double wall = seconds_now() - t0;
    json_object *rep = NULL;
    if (rc == 0 && a->report) {
        rep = json_object_new_object();
        json_object_object_add(rep, "format", json_object_new_string("aimc3d-eval-report/1"));
        json_object_object_add(rep, "model", json_object_new_string(m->name));
        json_object_object_add(rep, "family", json_object_new_string(aimc_model_family_name(m->family)));
        json_object_object_add(rep, "weights", json_object_new_string(a->plan.weights));
        json_object_object_add(rep, "tokens_file", json_object_new_string(a->tokens));
        json_object_object_add(rep, "tokenizer", json_object_new_string(s.eval.tokenizer));
        json_object_object_add(rep, "window", json_object_new_int64(W));
        json_object_object_add(rep, "windows", json_object_new_int64((int64_t)windows));
        json_object_object_add(rep, "tokens_evaluated", json_object_new_int64((int64_t)(windows * W)));
        json_object_object_add(rep, "tokens_dropped", json_object_new_int64((int64_t)(s.eval.n - windows * W)));
        json_object_object_add(rep, "targets", json_object_new_int64((int64_t)r.targets));
        json_object_object_add(rep, "mean_nll_nats", aimc_json_double(r.mean_nll, 9));
        json_object_object_add(rep, "perplexity", aimc_json_double(r.perplexity, 9));
        json_object_object_add(rep, "wall_time_s", aimc_json_double(wall, 3));
        json_object_object_add(rep, "chip", json_object_new_string(chip->name));
        json_object_object_add(rep, "setting", json_object_new_string(pa.setting));
        json_object_object_add(rep, "criterion", json_object_new_string(pa.criterion));
        json_object_object_add(rep, "digital_expert_fraction", aimc_json_double(pa.fraction, 6));
        json_object_object_add(rep, "digital_share", aimc_json_double(st.digital_share, 6));
        json_object_object_add(rep, "digital_share_with_embedding", aimc_json_double(st.digital_share_with_embedding, 6));
        json_object_object_add(rep, "digital_share_paper", aimc_json_double(st.digital_share_paper, 6));
        json_object_object_add(rep, "analog_params", json_object_new_int64((int64_t)st.params[AIMC_PLACE_ANALOG]));
        json_object_object_add(rep, "seed", json_object_new_int64(a->plan.seed));
        json_object_object_add(rep, "draw", json_object_new_int64(a->draw));
        json_object_object_add(rep, "noise", noise_json(&as));
        json_object_object_add(rep, "calibration_tokens_file", json_object_new_string(a->calib ? a->calib : a->tokens));
        json_object_object_add(rep, "calibration_windows", json_object_new_int64((int64_t)cal_windows));
        json_object_object_add(rep, "digital_matrices", stats_json(&r.digital));
        json_object_object_add(rep, "analog_matrices", stats_json(&r.analog));
        rc = aimc_json_write_file(a->report, rep, err);
        json_object_put(rep);
    }
    if (rc == 0) {
        printf("model %s (%s), %s, %s setting, %.1f %% of routed experts digital (%s), digital share %.2f %% "
               "(without the embedding)\n",
               m->name, aimc_model_family_name(m->family), chip->name, pa.setting, 100 * pa.fraction, pa.criterion,
               100 * st.digital_share);
        printf("perplexity   %.6f (unit-free)\n", r.perplexity);
        printf("mean NLL     %.6f nats/token\n", r.mean_nll);
        printf("tokens       %zu evaluated in %zu windows of %u (%llu targets, %zu tokens dropped)\n", windows * W,
               windows, W, (unsigned long long)r.targets, s.eval.n - windows * W);
        printf("wall time    %.3f s\n", wall);
        if (st.params[AIMC_PLACE_ANALOG] > 0)
            printf("analog       %llu tier MVMs, %llu DAC inputs clipped, %llu of %llu ADC conversions saturated "
                   "(seed %ld, draw %ld)\n",
                   (unsigned long long)r.analog.block_mvms, (unsigned long long)r.analog.inputs_clipped,
                   (unsigned long long)r.analog.outputs_saturated, (unsigned long long)r.analog.conversions,
                   a->plan.seed, a->draw);
        if (a->report)
            printf("report written to %s\n", a->report);
    }
    free(s.bounds);
    aimc_plan_destroy(s.plan);
    aimc_tokens_free(&s.eval);
    aimc_tokens_free(&s.calib);
    return rc;
}

int aimc_cli_eval(int argc, char **argv)
{
    eval_args a = {.window = 0, .draw = 0, .calib_windows = 8};
    aimc_plan_args_defaults(&a.plan, "eval");
    a.plan.chip = "paper";
    const aimc_cli_opt opts[] = {
        {"--model", CLI_STRING, &a.plan.model, 0, 0, "the model's HF config.json (default: config.json in --weights)"},
        {"--weights", CLI_STRING, &a.plan.weights, 0, 0, "the model's safetensors file or folder of shards"},
        {"--tokens", CLI_STRING, &a.tokens, 0, 0, "token ids to evaluate: little-endian uint32, or *.json (a list)"},
        {"--window", CLI_LONG, &a.window, 2, 1 << 24, "tokens per window (default min(512, tokens, max positions))"},
        {"--calib", CLI_STRING, &a.calib, 0, 0, "token ids that calibrate the DAC input ranges (default --tokens)"},
        {"--calib-windows", CLI_LONG, &a.calib_windows, 1, 1 << 20, "windows of calibration tokens used (default 8)"},
        {"--chip", CLI_STRING, &a.plan.chip, 0, 0, "chip preset or JSON: tier size and periphery (default paper)"},
        {"--tiers", CLI_LONG, &a.plan.tiers, 2, 256, "override the chip's tiers per tile"},
        {"--setting", CLI_STRING, &a.plan.setting, 0, 0, "heterogeneous (default) or all-analog"},
        {"--digital-experts", CLI_DOUBLE, &a.plan.fraction, 0, 1, "fraction of routed experts made digital (default 0)"},
        {"--criterion", CLI_STRING, &a.plan.criterion, 0, 0,
         "max-neuron-norm (default), activation-frequency, mean-routing-weight, router-norm, random"},
        {"--ranking", CLI_STRING, &a.plan.ranking, 0, 0, "per-layer (default) or global ranking of the experts"},
        {"--routing-trace", CLI_STRING, &a.plan.trace, 0, 0, "routing trace for the frequency criteria"},
        {"--noise", CLI_STRING, &a.noise, 0, 0,
         "on (the chip preset's, default), off (exact analog), or prog|drift|read|ir|adc-noise|dac|adc=on|off, "
         "c|drift-scale|read-scale|adc-sigma|t=number, comma-separated"},
        {"--seed", CLI_LONG, &a.plan.seed, 0, 4294967295.0, "seed of the device draws and the random criterion (default 1)"},
        {"--draw", CLI_LONG, &a.draw, 0, 4294967295.0, "device draw: another chip with the same seed (default 0)"},
        {"--report", CLI_STRING, &a.report, 0, 0, "write the JSON report here (aimc3d-eval-report/1)"},
    };
    aimc_error err;
    int p = aimc_cli_parse("eval", argc, argv, opts, sizeof opts / sizeof opts[0],
                           "Teacher-forced perplexity of a MoE checkpoint on a token file, every matrix digital or\n"
                           "through the analog tier model as the assignment places it.",
                           &err);
    if (p != 0)
        return p > 0 ? 0 : aimc_cli_error(&err);
    return run(&a, &err) ? aimc_cli_error(&err) : 0;
}
