#include "sweep/sweep_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/energy_ledger.h"
#include "core/interrupt.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "run/run.h"
#include "sweep/sweep_spec.h"
#include "workload/model_load.h"

struct aimc_sweep_dir {
    char path[900];
    json_object *plan;   /* sweep.json */
    json_object *points; /* array of point objects */
    const char *name;
};

static int read_points(aimc_sweep_dir *d, aimc_error *err)
{
    char path[1000];
    snprintf(path, sizeof path, "%s/points.jsonl", d->path);
    FILE *f = fopen(path, "r");
    if (!f)
        return aimc_fail(err, "%s: cannot read the points (%s; run aimc3d sweep plan first)", path, strerror(errno));
    d->points = json_object_new_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while (!rc && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        char name[1100];
        snprintf(name, sizeof name, "%s:%ld", path, lineno);
        json_object *p = aimc_json_parse_line(path, lineno, line, (size_t)len, err);
        json_object *id, *index;
        if (!p)
            rc = -1;
        else if (!json_object_object_get_ex(p, "id", &id) || !json_object_object_get_ex(p, "index", &index) ||
                 json_object_get_int64(index) != lineno - 1)
            rc = aimc_fail(err, "%s: expected a point with its id and index %ld", name, lineno - 1);
        if (p)
            json_object_array_add(d->points, p);
    }
    free(line);
    fclose(f);
    return rc;
}

aimc_sweep_dir *aimc_sweep_dir_open(const char *dir, aimc_error *err)
{
    aimc_sweep_dir *d = calloc(1, sizeof *d);
    if (!d) {
        aimc_fail(err, "%s: out of memory", dir);
        return NULL;
    }
    snprintf(d->path, sizeof d->path, "%s", dir);
    char path[1000];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    if (access(path, R_OK) != 0) {
        aimc_fail(err, "%s: expected a planned sweep folder (no sweep.json: run aimc3d sweep plan SPEC --out %s)", dir,
                  dir);
        free(d);
        return NULL;
    }
    d->plan = aimc_json_load_file(path, err);
    aimc_json_where top = {path, ""};
    const char *format;
    int rc = d->plan ? 0 : -1;
    if (!rc)
        rc = aimc_json_get_string(d->plan, top, "format", &format, err);
    if (!rc && strcmp(format, AIMC_SWEEP_PLAN_FORMAT) != 0)
        rc = aimc_fail_field(err, path, "format", "\"%s\", found \"%s\"", AIMC_SWEEP_PLAN_FORMAT, format);
    if (!rc)
        rc = aimc_json_get_string(d->plan, top, "name", &d->name, err);
    if (!rc)
        rc = read_points(d, err);
    if (rc) {
        aimc_sweep_dir_close(d);
        return NULL;
    }
    return d;
}

void aimc_sweep_dir_close(aimc_sweep_dir *d)
{
    if (!d)
        return;
    json_object_put(d->points);
    json_object_put(d->plan);
    free(d);
}

const char *aimc_sweep_dir_path(const aimc_sweep_dir *d) { return d->path; }
const char *aimc_sweep_dir_name(const aimc_sweep_dir *d) { return d->name; }
size_t aimc_sweep_dir_points(const aimc_sweep_dir *d) { return json_object_array_length(d->points); }

json_object *aimc_sweep_dir_point(const aimc_sweep_dir *d, size_t i)
{
    return json_object_array_get_idx(d->points, i);
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                            : "";
}

const char *aimc_sweep_dir_point_id(const aimc_sweep_dir *d, size_t i)
{
    return str_of(aimc_sweep_dir_point(d, i), "id");
}

json_object *aimc_sweep_dir_axes(const aimc_sweep_dir *d)
{
    json_object *a = NULL;
    json_object_object_get_ex(d->plan, "axes", &a);
    return a;
}

json_object *aimc_sweep_dir_plan_field(const aimc_sweep_dir *d, const char *key)
{
    json_object *o = NULL;
    json_object_object_get_ex(d->plan, key, &o);
    return o;
}

json_object *aimc_sweep_dir_objectives(const aimc_sweep_dir *d)
{
    json_object *o = NULL;
    json_object_object_get_ex(d->plan, "objectives", &o);
    return o;
}

void aimc_sweep_dir_result_path(const aimc_sweep_dir *d, size_t i, char *out, size_t size)
{
    snprintf(out, size, "%s/points/%s.json", d->path, aimc_sweep_dir_point_id(d, i));
}

bool aimc_sweep_dir_has_result(const aimc_sweep_dir *d, size_t i)
{
    char path[1100];
    aimc_sweep_dir_result_path(d, i, path, sizeof path);
    return access(path, F_OK) == 0;
}

json_object *aimc_sweep_dir_result(const aimc_sweep_dir *d, size_t i)
{
    char path[1100];
    aimc_sweep_dir_result_path(d, i, path, sizeof path);
    if (access(path, F_OK) != 0)
        return NULL;
    aimc_error e;
    json_object *r = aimc_json_load_file(path, &e);
    if (r && !json_object_is_type(r, json_type_object)) {
        json_object_put(r);
        r = NULL;
    }
    return r;
}

static aimc_point_state state_of(const char *status)
{
    return strcmp(status, "ok") == 0           ? AIMC_POINT_OK
           : strcmp(status, "infeasible") == 0 ? AIMC_POINT_INFEASIBLE
           : strcmp(status, "failed") == 0     ? AIMC_POINT_FAILED
                                               : AIMC_POINT_PENDING;
}

aimc_point_state aimc_sweep_dir_state(const aimc_sweep_dir *d, size_t i)
{
    if (strcmp(str_of(aimc_sweep_dir_point(d, i), "status"), "infeasible") == 0)
        return AIMC_POINT_INFEASIBLE; /* refused when planned: never run */
    json_object *r = aimc_sweep_dir_result(d, i);
    aimc_point_state s = r ? state_of(str_of(r, "status")) : AIMC_POINT_PENDING;
    json_object_put(r);
    return s;
}

bool aimc_sweep_dir_needs_run(const aimc_sweep_dir *d, size_t i)
{
    aimc_point_state s = aimc_sweep_dir_state(d, i);
    return s == AIMC_POINT_PENDING || s == AIMC_POINT_FAILED;
}

/* ---- running a point -------------------------------------------------------------------------------------------- */

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static json_object *opt(json_object *run, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(run, key, &v);
    return v;
}

/* The plan's and the run's typed options from the point's run object (checked when planned). */
static void point_options(const aimc_sweep_dir *d, json_object *p, char *model, size_t msize, char *chip,
                          size_t csize, aimc_plan_options *po, aimc_run_options *ro, const char **gpu)
{
    json_object *run = opt(p, "run");
    const char *m = str_of(p, "model");
    if (aimc_moe_model_is_spec(m))
        snprintf(model, msize, "%s", m);
    else
        snprintf(model, msize, "%s/%s", d->path, m);
    snprintf(chip, csize, "%s/%s", d->path, str_of(p, "chip"));
    aimc_plan_options_defaults(po);
    po->model = model;
    po->chip = chip;
    const char *w = json_object_get_string(opt(run, "weights")), *t = json_object_get_string(opt(run, "routing_trace"));
    po->weights = w && w[0] ? w : NULL;
    po->routing_trace = t && t[0] ? t : NULL;
    po->assign.setting = (aimc_setting)aimc_setting_parse(json_object_get_string(opt(run, "setting")));
    po->assign.digital_expert_fraction = json_object_get_double(opt(run, "digital_fraction"));
    po->assign.criterion = (aimc_criterion)aimc_criterion_parse(json_object_get_string(opt(run, "criterion")));
    po->assign.global_ranking = strcmp(json_object_get_string(opt(run, "ranking")), "global") == 0;
    po->strategy = (aimc_strategy)aimc_strategy_parse(json_object_get_string(opt(run, "strategy")));
    po->seed = (uint64_t)json_object_get_int64(opt(run, "seed"));
    po->sample_tokens = (uint32_t)json_object_get_int64(opt(run, "sample_tokens"));
    po->fit = json_object_get_boolean(opt(run, "fit"));
    po->no_ott = !json_object_get_boolean(opt(run, "ott"));
    aimc_run_options_defaults(ro);
    ro->engine = json_object_get_string(opt(run, "engine"));
    ro->batch = (uint32_t)json_object_get_int64(opt(run, "batch"));
    ro->tokens = (uint32_t)json_object_get_int64(opt(run, "tokens"));
    ro->prompt = (uint32_t)json_object_get_int64(opt(run, "prompt"));
    ro->prefill = json_object_get_boolean(opt(run, "prefill"));
    ro->no_kv_cache = !json_object_get_boolean(opt(run, "kv_cache"));
    aimc_error e;
    aimc_routing_mode_parse(json_object_get_string(opt(run, "routing")), "", "", &ro->routing, &e);
    ro->zipf_exponent = json_object_get_double(opt(run, "zipf"));
    ro->partner_prob = json_object_get_double(opt(run, "partner"));
    ro->gpu_weight_bytes = json_object_get_double(opt(run, "gpu_weight_bytes"));
    *gpu = json_object_get_string(opt(run, "gpu"));
}

/* The error line without the sweep folder's own path, so the table reads the same wherever the folder was named
 * from (relative, absolute, another machine's mount). */
static void strip_dir(const aimc_sweep_dir *d, const char *error, char *out, size_t size)
{
    char prefix[sizeof d->path + 1];
    snprintf(prefix, sizeof prefix, "%s/", d->path);
    size_t plen = strlen(prefix), n = 0;
    for (const char *p = error; *p && n + 1 < size;) {
        if (strncmp(p, prefix, plen) == 0) {
            p += plen;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
}

/* The run's figures unrounded (json-c prints doubles so that they read back to the same bits), for table columns
 * that compute from them as the C code would: the headline figures, the energy by component and by group in fJ,
 * the counters, the model's parameters and the GPU comparison. */
static json_object *exact_figures(const aimc_plan *plan, const aimc_run *run)
{
    json_object *o = json_object_new_object(), *e = json_object_new_object(), *g = json_object_new_object();
    const aimc_run_figures *f = aimc_run_figures_get(run);
    struct {
        const char *name;
        double v;
    } fig[] = {{"seconds", f->seconds}, {"tokens_per_s", f->tokens_per_s},
               {"energy_per_token_nJ", f->energy_per_token_nJ}, {"power_W", f->power_W},
               {"tokens_per_s_per_W", f->tokens_per_s_per_W}, {"area_mm2", f->area_mm2},
               {"tokens_per_s_per_mm2", f->tokens_per_s_per_mm2}};
    json_object_object_add(o, "tokens", json_object_new_int64((int64_t)f->tokens));
    json_object_object_add(o, "cycles", json_object_new_int64((int64_t)f->cycles));
    for (size_t k = 0; k < sizeof fig / sizeof fig[0]; k++)
        json_object_object_add(o, fig[k].name, json_object_new_double(fig[k].v));
    aimc_fJ by[AIMC_E_COUNT];
    for (int k = 0; k < AIMC_E_COUNT; k++) {
        by[k] = aimc_ledger_chip_energy(aimc_run_ledger(run), (aimc_energy_component)k);
        json_object_object_add(e, aimc_energy_component_name((aimc_energy_component)k), json_object_new_int64(by[k]));
    }
    for (int k = 0; k < AIMC_EG_COUNT; k++)
        json_object_object_add(g, aimc_energy_group_name((aimc_energy_group)k),
                               json_object_new_int64(aimc_energy_group_sum(by, (aimc_energy_group)k)));
    json_object_object_add(o, "energy_fJ", e);
    json_object_object_add(o, "energy_group_fJ", g);
    aimc_param_counts pc;
    aimc_moe_model_params(aimc_plan_model(plan), &pc);
    aimc_run_counters c;
    aimc_run_counters_of(run, &c);
    const aimc_stats *st = aimc_run_stats(run);
    json_object_object_add(o, "params_total", json_object_new_int64((int64_t)pc.total_all));
    json_object_object_add(o, "params_active", json_object_new_int64((int64_t)pc.active_all));
    json_object_object_add(o, "analog_blocks", json_object_new_int64((int64_t)aimc_plan_analog_blocks(plan)));
    json_object_object_add(o, "tier_mvms", json_object_new_int64((int64_t)aimc_stats_value(st, "tier_mvms")));
    json_object_object_add(o, "tier_switches", json_object_new_int64((int64_t)aimc_stats_value(st, "tier_switches")));
    json_object_object_add(o, "dram_busy_cycles",
                           json_object_new_int64((int64_t)aimc_stats_value(st, "dram_busy_cycles")));
    json_object_object_add(o, "ott_conflict_cycles", json_object_new_int64((int64_t)c.ott_conflict_cycles));
    json_object_object_add(o, "mean_latency_ns", json_object_new_double(c.mean_latency_ns));
    const aimc_gpu_comparison *gc = aimc_run_gpu(run);
    if (gc) {
        json_object *gpu = json_object_new_object();
        struct {
            const char *name;
            double v;
        } gf[] = {{"seconds", gc->seconds}, {"tokens_per_s", gc->tokens_per_s},
                  {"energy_per_token_nJ", gc->energy_per_token_nJ}, {"power_W", gc->power_W},
                  {"tokens_per_s_per_W", gc->tokens_per_s_per_W}, {"area_mm2", gc->area_mm2},
                  {"tokens_per_s_per_mm2", gc->tokens_per_s_per_mm2}, {"ratio_tokens_per_s", gc->ratio_tokens_per_s},
                  {"ratio_tokens_per_s_per_W", gc->ratio_tokens_per_s_per_W},
                  {"ratio_tokens_per_s_per_mm2", gc->ratio_tokens_per_s_per_mm2}};
        json_object_object_add(gpu, "compute_bound_steps", json_object_new_int64(gc->compute_bound_steps));
        for (size_t k = 0; k < sizeof gf / sizeof gf[0]; k++)
            json_object_object_add(gpu, gf[k].name, json_object_new_double(gf[k].v));
        json_object_object_add(o, "gpu", gpu);
    }
    return o;
}

/* Writes the result; the earlier failures of the point (when retried) are kept in it. */
static int write_result(const aimc_sweep_dir *d, size_t i, const char *status, const char *error, double wall,
                        json_object *report, json_object *figures, aimc_error *err)
{
    json_object *p = aimc_sweep_dir_point(d, i), *old = aimc_sweep_dir_result(d, i), *v;
    json_object *r = json_object_new_object(), *previous = json_object_new_array();
    int64_t attempts = 1;
    if (old && strcmp(str_of(old, "status"), "failed") == 0) {
        if (json_object_object_get_ex(old, "previous_errors", &v) && json_object_is_type(v, json_type_array))
            for (size_t k = 0; k < json_object_array_length(v); k++)
                json_object_array_add(previous, json_object_get(json_object_array_get_idx(v, k)));
        json_object_array_add(previous, json_object_new_string(str_of(old, "error")));
        if (json_object_object_get_ex(old, "attempts", &v))
            attempts = json_object_get_int64(v) + 1;
    }
    json_object_put(old);
    json_object_object_add(r, "format", json_object_new_string(AIMC_SWEEP_RESULT_FORMAT));
    json_object_object_add(r, "id", json_object_new_string(aimc_sweep_dir_point_id(d, i)));
    json_object_object_add(r, "axes", json_object_get(opt(p, "axes")));
    json_object_object_add(r, "status", json_object_new_string(status));
    if (error) {
        char clean[1024];
        strip_dir(d, error, clean, sizeof clean);
        json_object_object_add(r, "error", json_object_new_string(clean));
    }
    json_object_object_add(r, "attempts", json_object_new_int64(attempts));
    if (json_object_array_length(previous))
        json_object_object_add(r, "previous_errors", previous);
    else
        json_object_put(previous);
    json_object_object_add(r, "wall_s", aimc_json_double(wall, 6));
    if (figures)
        json_object_object_add(r, "figures", figures);
    if (report)
        json_object_object_add(r, "report", report);
    char path[1100];
    aimc_sweep_dir_result_path(d, i, path, sizeof path);
    int rc = aimc_json_write_file(path, r, err);
    json_object_put(r);
    return rc;
}

int aimc_sweep_point_record_failure(const aimc_sweep_dir *d, size_t i, const char *error, aimc_error *err)
{
    return write_result(d, i, "failed", error, 0, NULL, NULL, err);
}

int aimc_sweep_point_run(const aimc_sweep_dir *d, size_t i, bool force, aimc_error *err)
{
    if (i >= aimc_sweep_dir_points(d))
        return aimc_fail(err, "%s: no point %zu (the sweep has %zu)", d->path, i, aimc_sweep_dir_points(d));
    json_object *p = aimc_sweep_dir_point(d, i);
    if (strcmp(str_of(p, "status"), "infeasible") == 0)
        return 0; /* refused when planned: points.jsonl holds the reason */
    if (!force && !aimc_sweep_dir_needs_run(d, i))
        return 0;
    double t0 = wall_s();
    char model[1100], chip[1100];
    aimc_plan_options po;
    aimc_run_options ro;
    const char *gpu_name;
    point_options(d, p, model, sizeof model, chip, sizeof chip, &po, &ro, &gpu_name);
    aimc_gpu_config gpu;
    aimc_error e = {{0}};
    const char *status = "ok";
    json_object *report = NULL, *figures = NULL;
    aimc_plan *plan = NULL;
    aimc_run *run = NULL;
    if (strcmp(gpu_name, "none") != 0 && aimc_gpu_config_load(gpu_name, &gpu, &e))
        status = "infeasible";
    else
        ro.gpu = strcmp(gpu_name, "none") != 0 ? &gpu : NULL;
    /* refused by the plan or the run: the configuration does not fit (final, like ok) */
    if (!strcmp(status, "ok") && (!(plan = aimc_plan_create(&po, &e)) || !(run = aimc_run_create(plan, &ro, &e))))
        status = "infeasible";
    if (!strcmp(status, "ok") && (aimc_run_decode(run, &e) || aimc_run_finish(run, &e)))
        status = "failed";
    if (!strcmp(status, "failed") && aimc_interrupt_signal()) { /* not the point's failure: it stays pending */
        aimc_run_destroy(run);
        aimc_plan_destroy(plan);
        return aimc_fail(err, "%s: point %zu: %s", d->path, i, e.msg);
    }
    if (!strcmp(status, "ok")) {
        aimc_mvm_backend_checks c;
        aimc_run_checks(run, &c);
        if (aimc_run_checks_failed(&c)) {
            status = "failed";
            snprintf(e.msg, sizeof e.msg, "verification failed: %llu scoreboard errors, %llu cycles with OTT "
                                          "violated, %llu RTL assertion failures%s%s",
                     (unsigned long long)c.scoreboard_errors, (unsigned long long)c.ott_violation_cycles,
                     (unsigned long long)c.rtl_assertion_failures, c.first_error[0] ? "; first: " : "", c.first_error);
        }
        report = aimc_run_report(run);
        figures = exact_figures(plan, run);
    }
    aimc_run_destroy(run);
    aimc_plan_destroy(plan);
    if (write_result(d, i, status, strcmp(status, "ok") ? e.msg : NULL, wall_s() - t0, report, figures, err))
        return -1;
    return strcmp(status, "failed") == 0 ? 1 : 0;
}

/* ---- the INCOMPLETE mark ---- */

static void marker_path(const aimc_sweep_dir *d, char *out, size_t n) { snprintf(out, n, "%s/INCOMPLETE", d->path); }

int aimc_sweep_dir_mark_incomplete(const aimc_sweep_dir *d, const char *why, aimc_error *err)
{
    char path[1000];
    marker_path(d, path, sizeof path);
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    size_t missing = 0, n = aimc_sweep_dir_points(d);
    for (size_t i = 0; i < n; i++)
        missing += aimc_sweep_dir_needs_run(d, i);
    fprintf(f, "%s\n%zu of %zu points not run (or failed) yet:", why, missing, n);
    for (size_t i = 0; i < n; i++)
        if (aimc_sweep_dir_needs_run(d, i))
            fprintf(f, " %zu", i);
    fprintf(f, "\nrun `aimc3d sweep run %s` again to finish them; collect refuses the folder until then\n", d->path);
    return aimc_output_commit(out, err);
}

int aimc_sweep_dir_mark_complete(const aimc_sweep_dir *d, aimc_error *err)
{
    char path[1000];
    marker_path(d, path, sizeof path);
    if (remove(path) != 0 && errno != ENOENT)
        return aimc_fail(err, "%s: cannot remove the mark: %s", path, strerror(errno));
    return 0;
}

int aimc_sweep_dir_check_complete(const aimc_sweep_dir *d, aimc_error *err)
{
    char path[1000], why[200] = "";
    marker_path(d, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fgets(why, sizeof why, f))
        why[strcspn(why, "\n")] = '\0';
    fclose(f);
    return aimc_fail(err, "%s: incomplete: %s (%s); run aimc3d sweep run %s first", d->path, why, path, d->path);
}

/* ---- index lists ------------------------------------------------------------------------------------------------ */

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

int aimc_sweep_parse_indices(const char *text, size_t n, size_t **out, size_t *count, aimc_error *err)
{
    size_t cap = 16, len = 0;
    size_t *v = malloc(cap * sizeof *v);
    const char *s = text;
    if (!v)
        return aimc_fail(err, "out of memory");
    while (*s) {
        char *end;
        errno = 0;
        unsigned long long a = strtoull(s, &end, 10), b;
        if (end == s || errno || *s == '-' || *s == '+')
            goto bad;
        b = a;
        s = end;
        if (*s == '-') {
            s++;
            b = strtoull(s, &end, 10);
            if (end == s || errno || b < a)
                goto bad;
            s = end;
        }
        if (b >= n) {
            free(v);
            return aimc_fail(err, "--index %s: expected indices below %zu (the sweep's points), found %llu", text, n, b);
        }
        for (unsigned long long k = a; k <= b; k++) {
            if (len == cap) {
                size_t *w = realloc(v, (cap *= 2) * sizeof *v);
                if (!w) {
                    free(v);
                    return aimc_fail(err, "out of memory");
                }
                v = w;
            }
            v[len++] = (size_t)k;
        }
        if (*s == ',' && s[1])
            s++;
        else if (*s)
            goto bad;
    }
    if (!len)
        goto bad;
    qsort(v, len, sizeof *v, cmp_size);
    size_t u = 0;
    for (size_t k = 0; k < len; k++)
        if (!u || v[u - 1] != v[k])
            v[u++] = v[k];
    *out = v;
    *count = u;
    return 0;
bad:
    free(v);
    return aimc_fail(err, "--index: expected point indices such as 3, 0-7 or 1,4,9-12, found \"%s\"", text);
}
