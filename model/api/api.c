/* The bindings' facade (api/aimc3d.h): a JSON request is read into the same by-name options the command line
 * fills (run/plan_args.h, run/run_args.h) and run through the plan and run facade; results are the texts the
 * command line writes. */
#include "api/aimc3d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "run/run_args.h"
#include "system/chip_config.h"
#include "workload/mapping_report.h"
#include "workload/model_load.h"

typedef enum { OPT_STRING, OPT_LONG, OPT_DOUBLE, OPT_FLAG } opt_type;

typedef struct {
    const char *name; /* the command line's flag without its dashes */
    opt_type type;
    void *out;        /* const char **, long *, double *, bool * */
    double min, max;  /* the command line's ranges */
} opt;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The plan's options as `aimc3d map` and `aimc3d run` both name them. */
#define PLAN_OPTS(p)                                                                                          \
    {"model", OPT_STRING, &(p)->model, 0, 0}, {"chip", OPT_STRING, &(p)->chip, 0, 0},                         \
        {"weights", OPT_STRING, &(p)->weights, 0, 0}, {"routing-trace", OPT_STRING, &(p)->trace, 0, 0},       \
        {"criterion", OPT_STRING, &(p)->criterion, 0, 0}, {"ranking", OPT_STRING, &(p)->ranking, 0, 0},       \
        {"setting", OPT_STRING, &(p)->setting, 0, 0}, {"strategy", OPT_STRING, &(p)->strategy, 0, 0},         \
        {"digital-experts", OPT_DOUBLE, &(p)->fraction, 0, 1}, {"seed", OPT_LONG, &(p)->seed, 0, 4294967295.0}, \
        {"tiers", OPT_LONG, &(p)->tiers, 2, 256}

static int read_value(const char *fn, const opt *o, json_object *v, aimc_error *err)
{
    if (o->type == OPT_STRING) {
        if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
            return aimc_fail(err, "%s --%s: expected a non-empty value", fn, o->name);
        *(const char **)o->out = json_object_get_string(v);
        return 0;
    }
    if (o->type == OPT_FLAG) {
        if (!json_object_is_type(v, json_type_boolean))
            return aimc_fail(err, "%s --%s: expected true or false", fn, o->name);
        *(bool *)o->out = json_object_get_boolean(v);
        return 0;
    }
    bool number = json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
    double x = number ? json_object_get_double(v) : NAN;
    const char *text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (o->type == OPT_LONG) {
        if (!number || x != floor(x) || x < o->min || x > o->max)
            return aimc_fail(err, "%s --%s: expected a whole number in [%.0f, %.0f], got \"%s\"", fn, o->name, o->min,
                             o->max, text);
        *(long *)o->out = (long)x;
    } else {
        if (!number || !isfinite(x) || x < o->min || x > o->max)
            return aimc_fail(err, "%s --%s: expected a number in [%g, %g], got \"%s\"", fn, o->name, o->min, o->max,
                             text);
        *(double *)o->out = x;
    }
    return 0;
}

/* Every key of the request must be one of the function's options. */
static int read_request(const char *fn, json_object *req, const opt *opts, size_t n, aimc_error *err)
{
    json_object_object_foreach(req, key, value) {
        const opt *o = NULL;
        for (size_t i = 0; i < n && !o; i++)
            if (strcmp(opts[i].name, key) == 0)
                o = &opts[i];
        if (!o)
            return aimc_fail(err, "%s: unknown option \"%s\" (the options of aimc3d %s --help, without the dashes)", fn,
                             key, fn);
        if (read_value(fn, o, value, err))
            return -1;
    }
    return 0;
}

static char *text_of(json_object *obj)
{
    size_t n = strlen(aimc_json_to_text(obj));
    char *s = malloc(n + 2);
    if (s) {
        memcpy(s, aimc_json_to_text(obj), n);
        memcpy(s + n, "\n", 2); /* as aimc_json_write_file ends the file */
    }
    return s;
}

static json_object *models(json_object *req, aimc_error *err)
{
    char **names;
    size_t n;
    if (read_request("models", req, NULL, 0, err) || aimc_preset_names("models", &names, &n, err))
        return NULL;
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(list, json_object_new_string(names[i]));
    aimc_preset_names_free(names, n);
    return list;
}

/* The model as its JSON description, with the parameter counts `aimc3d model show` prints. */
static json_object *model(json_object *req, aimc_error *err)
{
    const char *name = NULL;
    const opt opts[] = {{"model", OPT_STRING, &name, 0, 0}};
    aimc_moe_model m;
    if (read_request("model", req, opts, N(opts), err))
        return NULL;
    if (!name) {
        aimc_fail(err, "model: expected \"model\" (a preset name, model JSON, HF config.json or family spec)");
        return NULL;
    }
    if (aimc_moe_model_load(name, &m, err))
        return NULL;
    json_object *out = aimc_moe_model_to_json(&m);
    aimc_param_counts c;
    aimc_moe_model_params(&m, &c);
    json_object *params = json_object_new_object(), *total = json_object_new_object(),
                *active = json_object_new_object();
    for (int i = 0; i < AIMC_MODULE_COUNT; i++) {
        json_object_object_add(total, aimc_module_name((aimc_module)i), json_object_new_int64((int64_t)c.total[i]));
        json_object_object_add(active, aimc_module_name((aimc_module)i), json_object_new_int64((int64_t)c.active[i]));
    }
    json_object_object_add(total, "all", json_object_new_int64((int64_t)c.total_all));
    json_object_object_add(active, "all", json_object_new_int64((int64_t)c.active_all));
    json_object_object_add(params, "total", total);
    json_object_object_add(params, "active_per_token", active);
    json_object_object_add(out, "parameters", params);
    json_object_object_add(out, "source", json_object_new_string(m.path));
    return out;
}

/* The mapping table `aimc3d map --out` writes. */
static json_object *map(json_object *req, aimc_error *err)
{
    aimc_plan_args a;
    aimc_plan_args_defaults(&a, "map");
    const opt opts[] = {PLAN_OPTS(&a), {"tiles", OPT_LONG, &a.tiles, 1, 1 << 20},
                        {"sample-tokens", OPT_LONG, &a.sample_tokens, 1, 1e7}};
    if (read_request("map", req, opts, N(opts), err))
        return NULL;
    aimc_plan *p = aimc_plan_args_create(&a, err);
    json_object *out = p ? aimc_mapping_to_json(aimc_plan_mapping(p), aimc_plan_assignment(p)) : NULL;
    aimc_plan_destroy(p);
    return out;
}

/* The report `aimc3d run --report` writes; the API's engine defaults to fast (the library's only engine). */
static json_object *run(json_object *req, aimc_error *err)
{
    aimc_run_args a;
    aimc_run_args_defaults(&a);
    a.engine = "fast";
    const opt opts[] = {
        PLAN_OPTS(&a.plan),
        {"tiles", OPT_LONG, &a.plan.tiles, 1, 65536},
        {"fit", OPT_FLAG, &a.plan.fit, 0, 0},
        {"no-ott", OPT_FLAG, &a.plan.no_ott, 0, 0},
        {"engine", OPT_STRING, &a.engine, 0, 0},
        {"tokens", OPT_LONG, &a.tokens, 1, 1e9},
        {"batch", OPT_LONG, &a.batch, 1, 65536},
        {"prompt", OPT_LONG, &a.prompt, 0, 1e7},
        {"prefill", OPT_FLAG, &a.prefill, 0, 0},
        {"no-kv-cache", OPT_FLAG, &a.no_kv_cache, 0, 0},
        {"routing", OPT_STRING, &a.routing, 0, 0},
        {"zipf", OPT_DOUBLE, &a.zipf, 0, 100},
        {"partner", OPT_DOUBLE, &a.partner, 0, 1},
        {"write-routing-trace", OPT_STRING, &a.routing_record, 0, 0},
        {"gpu", OPT_STRING, &a.gpu, 0, 0},
        {"gpu-weight-bytes", OPT_DOUBLE, &a.gpu_weight_bytes, 0.0625, 16},
        {"per-layer", OPT_FLAG, &a.per_layer, 0, 0},
    };
    aimc_run_options o;
    aimc_gpu_config gpu;
    if (read_request("run", req, opts, N(opts), err) || aimc_run_args_options(&a, &o, &gpu, err))
        return NULL;
    aimc_plan *p = aimc_plan_args_create(&a.plan, err);
    aimc_run *r = p ? aimc_run_create(p, &o, err) : NULL;
    json_object *out = NULL;
    if (r && !aimc_run_decode(r, err)) {
        out = aimc_run_report(r);
        if (aimc_run_finish(r, err)) {
            json_object_put(out);
            out = NULL;
        }
    }
    aimc_run_destroy(r);
    aimc_plan_destroy(p);
    return out;
}

static const struct {
    const char *name;
    json_object *(*call)(json_object *req, aimc_error *err);
} functions[] = {{"models", models}, {"model", model}, {"map", map}, {"run", run}};

const char *aimc3d_version(void) { return AIMC3D_VERSION; }

const char *aimc3d_presets_dir(void) { return aimc_presets_dir(); }

char *aimc3d_call(const char *function, const char *request_json, char *error, size_t error_size)
{
    aimc_error err = {{0}};
    char *text = NULL;
    json_object *req = NULL;
    size_t f = 0;
    while (f < N(functions) && (!function || strcmp(functions[f].name, function) != 0))
        f++;
    if (f == N(functions)) {
        aimc_fail(&err, "aimc3d_call: expected one of models, model, map, run, found \"%s\"", function ? function : "");
    } else if ((req = aimc_json_parse_text("request", request_json ? request_json : "{}",
                                           strlen(request_json ? request_json : "{}"), &err))) {
        if (!json_object_is_type(req, json_type_object)) {
            aimc_fail(&err, "%s: expected the request as a JSON object of options", function);
        } else {
            json_object *out = functions[f].call(req, &err);
            if (out)
                text = text_of(out);
            json_object_put(out);
        }
        json_object_put(req);
    }
    if (!text && error && error_size)
        snprintf(error, error_size, "%s", err.msg[0] ? err.msg : "out of memory");
    return text;
}

void aimc3d_free(char *text) { free(text); }
