#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/sweep_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json_config.h"
#include "core/output_file.h"
#include "sweep/sweep_expr.h"
#include "sweep/sweep_findings.h"
#include "engine/backends.h"
#include "system/chip_config.h"
#include "system/gpu_roofline.h"
#include "workload/assignment.h"
#include "workload/mapping.h"
#include "workload/model_load.h"
#include "workload/routing.h"

#define MAX_AXES 64
#define MAX_POINTS 1000000

/* ---- run options: names, types, ranges and defaults (the ranges of `aimc3d run`'s flags) ------------------------ */

typedef enum { OPT_INT, OPT_NUM, OPT_BOOL, OPT_STR } opt_type;

typedef struct {
    const char *name;
    opt_type type;
    double min, max, def; /* numbers and booleans */
    const char *def_text; /* strings */
} run_opt;

static const run_opt run_opts[] = {
    {"engine", OPT_STR, 0, 0, 0, "fast"},
    {"batch", OPT_INT, 1, 65536, 1, NULL},
    {"tokens", OPT_INT, 1, 1e9, 8, NULL},
    {"prompt", OPT_INT, 0, 1e7, 64, NULL},
    {"prefill", OPT_BOOL, 0, 0, 0, NULL},
    {"kv_cache", OPT_BOOL, 0, 0, 1, NULL},
    {"routing", OPT_STR, 0, 0, 0, "uniform"},
    {"zipf", OPT_NUM, 0, 100, 1, NULL},
    {"partner", OPT_NUM, 0, 1, 0.5, NULL},
    {"seed", OPT_INT, 0, 4294967295.0, 1, NULL},
    {"setting", OPT_STR, 0, 0, 0, "heterogeneous"},
    {"strategy", OPT_STR, 0, 0, 0, "greedy"},
    {"digital_fraction", OPT_NUM, 0, 1, 0, NULL},
    {"criterion", OPT_STR, 0, 0, 0, "max-neuron-norm"},
    {"ranking", OPT_STR, 0, 0, 0, "per-layer"},
    {"sample_tokens", OPT_INT, 1, 1e8, 4096, NULL},
    {"fit", OPT_BOOL, 0, 0, 0, NULL},
    {"ott", OPT_BOOL, 0, 0, 1, NULL},
    {"gpu", OPT_STR, 0, 0, 0, "a100"},
    {"gpu_weight_bytes", OPT_NUM, 0.0625, 16, 2, NULL},
    {"weights", OPT_STR, 0, 0, 0, ""},
    {"routing_trace", OPT_STR, 0, 0, 0, ""},
};
#define NRUN_OPTS (sizeof run_opts / sizeof run_opts[0])

static const run_opt *find_run_opt(const char *name)
{
    for (size_t i = 0; i < NRUN_OPTS; i++)
        if (strcmp(run_opts[i].name, name) == 0)
            return &run_opts[i];
    return NULL;
}

static const char *type_name(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a number";
    case json_type_int: return "a whole number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "?";
}

static int ranking_parse(const char *name)
{
    return strcmp(name, "per-layer") == 0 ? 0 : strcmp(name, "global") == 0 ? 1 : -1;
}

/* What a run option refuses, as "expected ..., found ..." in why. */
static int check_run_value(const run_opt *o, json_object *v, char *why, size_t size)
{
    json_type t = json_object_get_type(v);
    switch (o->type) {
    case OPT_INT: {
        double d = t == json_type_int ? (double)json_object_get_int64(v) : NAN;
        if (t != json_type_int || d < o->min || d > o->max)
            return snprintf(why, size, "expected a whole number in [%.0f, %.0f], found %s", o->min, o->max,
                            json_object_to_json_string(v)), -1;
        return 0;
    }
    case OPT_NUM: {
        double d = json_object_get_double(v);
        if ((t != json_type_int && t != json_type_double) || !isfinite(d) || d < o->min || d > o->max)
            return snprintf(why, size, "expected a number in [%g, %g], found %s", o->min, o->max,
                            json_object_to_json_string(v)), -1;
        return 0;
    }
    case OPT_BOOL:
        if (t != json_type_boolean)
            return snprintf(why, size, "expected true or false, found %s", json_object_to_json_string(v)), -1;
        return 0;
    case OPT_STR:
        break;
    }
    if (t != json_type_string)
        return snprintf(why, size, "expected a string, found %s", json_object_to_json_string(v)), -1;
    const char *s = json_object_get_string(v);
    aimc_error e;
    const char *expected = NULL;
    if (strcmp(o->name, "engine") == 0 && !aimc_mvm_backend_available(s))
        expected = aimc_mvm_backend_names();
    else if (strcmp(o->name, "routing") == 0) {
        aimc_routing_mode m;
        if (aimc_routing_mode_parse(s, "", "", &m, &e))
            expected = "uniform, skewed, co-selection, replay, computed";
    } else if (strcmp(o->name, "setting") == 0 && aimc_setting_parse(s) < 0)
        expected = "heterogeneous, all-analog";
    else if (strcmp(o->name, "strategy") == 0 && aimc_strategy_parse(s) < 0)
        expected = "greedy, stacked, coselect";
    else if (strcmp(o->name, "criterion") == 0 && aimc_criterion_parse(s) < 0)
        expected = "max-neuron-norm, activation-frequency, mean-routing-weight, router-norm, random";
    else if (strcmp(o->name, "ranking") == 0 && ranking_parse(s) < 0)
        expected = "per-layer, global";
    else if (strcmp(o->name, "gpu") == 0 && strcmp(s, "none") != 0) {
        aimc_gpu_config g;
        if (aimc_gpu_config_load(s, &g, &e))
            return snprintf(why, size, "expected a GPU preset or file, or none: %s", e.msg), -1;
    } else if ((strcmp(o->name, "weights") == 0 || strcmp(o->name, "routing_trace") == 0) && s[0] &&
               access(s, R_OK) != 0)
        return snprintf(why, size, "expected a readable file or folder, found \"%s\" (%s)", s, strerror(errno)), -1;
    if (expected)
        return snprintf(why, size, "expected one of %s, found \"%s\"", expected, s), -1;
    return 0;
}

/* ---- the spec ------------------------------------------------------------------------------------------------- */

/* AXIS_TAG (tag.<name>): a value that names the point (labels, table columns) and configures nothing. */
typedef enum { AXIS_CHIP_FIELD, AXIS_MODEL_FIELD, AXIS_RUN, AXIS_CHIP, AXIS_MODEL, AXIS_TAG } axis_kind;

typedef struct {
    char path[128];      /* as written: "chip.tile.tiers" */
    char where[64];      /* its place in the spec: "axes[1].zip[0]" */
    axis_kind kind;
    const char *field;   /* path without its prefix ("tile.tiers", "batch") */
    const run_opt *opt;  /* AXIS_RUN */
    json_object *values; /* array, borrowed from the spec */
} axis;

typedef struct {
    size_t first, n; /* axes [first, first + n) advance together (n = 1: a grid axis) */
    size_t len;
} group;

struct aimc_sweep {
    char spec_path[512];
    char spec_dir[512];
    json_object *spec;
    const char *name;
    const char *base_model, *base_chip;
    json_object *base_run; /* every option, defaults filled in, paths made absolute */
    axis axes[MAX_AXES];
    size_t naxes;
    group groups[MAX_AXES];
    size_t ngroups;
    json_object *objectives; /* borrowed */
    json_object *presets;    /* loaded chip and model files by "chip:<name>" / "model:<name>" */
    json_object *chips, *models; /* edited content by hash, to write */
    json_object *checked;        /* validation verdicts by content hash: "" or the reason */
    json_object *points;         /* array */
    size_t infeasible;
    const char *label;           /* the point label template, or NULL */
    json_object *columns;        /* the table's own columns (resolved from a file when named by one), or NULL */
    json_object *findings;       /* borrowed, or NULL */
    char *plot_script;           /* the gnuplot script's text, or NULL */
};

uint64_t aimc_sweep_hash(const char *text)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h;
}

static void hash_hex(const char *text, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, aimc_sweep_hash(text));
}

static const char *plain(json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The first key of obj not in allowed, or NULL. */
static const char *unknown_key(json_object *obj, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok)
            return key;
    }
    return NULL;
}

/* A preset file (chip or model), loaded once; NULL with the reader's error. */
static json_object *preset_json(aimc_sweep *s, const char *kind, const char *name, char *path, size_t pathsize,
                                aimc_error *err)
{
    aimc_preset_path(strcmp(kind, "chip") == 0 ? "chips" : "models", name, path, pathsize);
    char key[700];
    snprintf(key, sizeof key, "%s:%s", kind, path);
    json_object *o;
    if (json_object_object_get_ex(s->presets, key, &o))
        return o;
    o = aimc_json_load_file(path, err);
    if (!o)
        return NULL;
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        aimc_fail(err, "%s: expected a JSON object at the top level", path);
        return NULL;
    }
    json_object_object_add(s->presets, key, o);
    return o;
}

/* Sets the field at a dotted path (object keys, array indices) of root to a copy of value.  A calibrated constant
 * {"value": x, "source": ...} takes the value in "value" and a source naming the sweep.  Fails with why on an
 * unknown path or a value of another type than the field's. */
static int set_path(json_object *root, const char *path, json_object *value, const char *sweep_name, char *why,
                    size_t size)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_object *parent = NULL, *node = root;
    char *key = NULL, *save = NULL;
    long index = -1;
    for (char *part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
        parent = node;
        key = part;
        index = -1;
        if (json_object_is_type(node, json_type_object)) {
            if (!json_object_object_get_ex(node, part, &node))
                return snprintf(why, size, "no field \"%s\" at %s", part, path), -2;
        } else if (json_object_is_type(node, json_type_array)) {
            char *end;
            index = strtol(part, &end, 10);
            if (*end || index < 0 || (size_t)index >= json_object_array_length(node))
                return snprintf(why, size, "no element \"%s\" at %s", part, path), -2;
            node = json_object_array_get_idx(node, (size_t)index);
        } else {
            return snprintf(why, size, "no field \"%s\" at %s (its parent is %s)", part, path, type_name(node)), -2;
        }
    }
    if (!parent)
        return snprintf(why, size, "an empty field path"), -1;
    json_object *param = NULL, *target = node;
    if (json_object_is_type(node, json_type_object) && json_object_object_get_ex(node, "value", &target) &&
        !json_object_is_type(target, json_type_object)) {
        param = node; /* a calibrated constant: the value goes inside */
    } else {
        target = node;
    }
    json_type want = json_object_get_type(target), got = json_object_get_type(value);
    bool ok = want == got || (want == json_type_double && got == json_type_int);
    if (!ok)
        return snprintf(why, size, "expected %s (as %s in the preset), found %s", type_name(target), path,
                        json_object_to_json_string(value)), -1;
    json_object *copy = NULL;
    if (json_object_deep_copy(value, &copy, NULL) != 0)
        return snprintf(why, size, "out of memory"), -1;
    if (param) {
        json_object_object_add(param, "value", copy);
        char source[256];
        snprintf(source, sizeof source, "design-space sweep %s: axis value (not calibrated)", sweep_name);
        json_object_object_add(param, "source", json_object_new_string(source));
    } else if (index >= 0) {
        json_object_array_put_idx(parent, (size_t)index, copy);
    } else {
        json_object_object_add(parent, key, copy);
    }
    return 0;
}

/* Sets key=value in a parametric model spec "family:k=v,...". */
static int set_spec_key(char *spec, size_t size, const char *key, json_object *value, char *why, size_t wsize)
{
    json_type t = json_object_get_type(value);
    if (t != json_type_int && t != json_type_double && t != json_type_string)
        return snprintf(why, wsize, "expected a number or a string for the model spec's %s, found %s", key,
                        json_object_to_json_string(value)), -1;
    const char *text = t == json_type_string ? json_object_get_string(value) : json_object_to_json_string(value);
    char *colon = strchr(spec, ':');
    char out[512], rest[512];
    snprintf(rest, sizeof rest, "%s", colon + 1);
    snprintf(out, sizeof out, "%.*s:", (int)(colon - spec), spec);
    bool found = false;
    char *save = NULL;
    for (char *kv = strtok_r(rest, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        size_t klen = strcspn(kv, "=");
        bool same = klen == strlen(key) && strncmp(kv, key, klen) == 0;
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s%s%s", out[n - 1] == ':' ? "" : ",", same ? key : kv,
                 same ? "=" : "", same ? text : "");
        found |= same;
    }
    if (!found) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s=%s", out[n - 1] == ':' ? "" : ",", key, text);
    }
    if (strlen(out) >= size)
        return snprintf(why, wsize, "the model spec grows too long"), -1;
    snprintf(spec, size, "%s", out);
    return 0;
}

/* ---- resolving a point ------------------------------------------------------------------------------------------ */

typedef struct {
    json_object *model_json; /* NULL for a parametric spec */
    char model_spec[512];    /* the spec, or the preset path the JSON came from */
    json_object *chip_json;
    char chip_path[512];
    json_object *run;
    json_object *axes;       /* path -> value */
} resolved;

static void resolved_free(resolved *r)
{
    json_object_put(r->model_json);
    json_object_put(r->chip_json);
    json_object_put(r->run);
    json_object_put(r->axes);
    memset(r, 0, sizeof *r);
}

/* Applies the given axis values (value[a] for axis a, NULL: the base) to the base run.  A refused value fails with
 * why naming it; a preset that does not load fails with err (a bad spec in every case). */
static int resolve(aimc_sweep *s, json_object *const *value, resolved *r, char *why, size_t wsize, size_t *bad_axis)
{
    memset(r, 0, sizeof *r);
    const char *model = s->base_model, *chip = s->base_chip;
    *bad_axis = SIZE_MAX;
    for (size_t a = 0; a < s->naxes; a++) {
        if (!value[a])
            continue;
        if (s->axes[a].kind == AXIS_CHIP || s->axes[a].kind == AXIS_MODEL) {
            if (!json_object_is_type(value[a], json_type_string)) {
                *bad_axis = a;
                return snprintf(why, wsize, "expected a preset name or file (a string), found %s",
                                json_object_to_json_string(value[a])), -1;
            }
            *(s->axes[a].kind == AXIS_CHIP ? &chip : &model) = json_object_get_string(value[a]);
        }
    }
    aimc_error e;
    r->axes = json_object_new_object();
    r->run = NULL;
    json_object_deep_copy(s->base_run, &r->run, NULL);
    /* the chip: the preset, then its fields */
    json_object *base = preset_json(s, "chip", chip, r->chip_path, sizeof r->chip_path, &e);
    if (!base) {
        for (size_t a = 0; a < s->naxes; a++)
            if (value[a] && s->axes[a].kind == AXIS_CHIP)
                *bad_axis = a;
        return snprintf(why, wsize, "%s", e.msg), -1;
    }
    json_object_deep_copy(base, &r->chip_json, NULL);
    if (aimc_moe_model_is_spec(model)) {
        snprintf(r->model_spec, sizeof r->model_spec, "%s", model);
    } else {
        base = preset_json(s, "model", model, r->model_spec, sizeof r->model_spec, &e);
        if (!base) {
            for (size_t a = 0; a < s->naxes; a++)
                if (value[a] && s->axes[a].kind == AXIS_MODEL)
                    *bad_axis = a;
            return snprintf(why, wsize, "%s", e.msg), -1;
        }
        json_object_deep_copy(base, &r->model_json, NULL);
    }
    for (size_t a = 0; a < s->naxes; a++) {
        const axis *x = &s->axes[a];
        if (!value[a])
            continue;
        json_object_object_add(r->axes, x->path, json_object_get(value[a]));
        int rc = 0;
        *bad_axis = a;
        switch (x->kind) {
        case AXIS_CHIP_FIELD:
            rc = set_path(r->chip_json, x->field, value[a], s->name, why, wsize);
            break;
        case AXIS_MODEL_FIELD:
            rc = r->model_json ? set_path(r->model_json, x->field, value[a], s->name, why, wsize)
                               : set_spec_key(r->model_spec, sizeof r->model_spec, x->field, value[a], why, wsize);
            break;
        case AXIS_RUN:
            rc = check_run_value(x->opt, value[a], why, wsize);
            if (!rc)
                json_object_object_add(r->run, x->field, json_object_get(value[a]));
            break;
        case AXIS_CHIP:
        case AXIS_MODEL:
        case AXIS_TAG:
            break;
        }
        if (rc)
            return rc; /* -2: the path names no field */
    }
    *bad_axis = SIZE_MAX;
    return 0;
}

/* The chip's and the model's own validation of an edited configuration (cached by content): "" or the reason. */
static const char *validate(aimc_sweep *s, const resolved *r)
{
    const char *kinds[2] = {"chip", "model"};
    for (int k = 0; k < 2; k++) {
        json_object *doc = k == 0 ? r->chip_json : r->model_json;
        char key[600];
        if (k == 1 && !doc)
            snprintf(key, sizeof key, "spec:%s", r->model_spec);
        else
            snprintf(key, sizeof key, "%s:%016" PRIx64, kinds[k], aimc_sweep_hash(plain(doc)));
        json_object *verdict;
        if (!json_object_object_get_ex(s->checked, key, &verdict)) {
            aimc_error e = {{0}};
            int rc;
            if (k == 0) {
                aimc_chip_config *cfg = malloc(sizeof *cfg);
                rc = cfg ? aimc_chip_config_from_json(doc, r->chip_path, cfg, &e) : aimc_fail(&e, "out of memory");
                free(cfg);
            } else {
                aimc_moe_model m;
                rc = doc ? aimc_moe_model_load_json(doc, r->model_spec, &m, &e)
                         : aimc_moe_model_from_spec(r->model_spec, &m, &e);
            }
            verdict = json_object_new_string(rc ? e.msg : "");
            json_object_object_add(s->checked, key, verdict);
        }
        if (json_object_get_string(verdict)[0])
            return json_object_get_string(verdict);
    }
    return "";
}

/* The label template with each {axis path} replaced by the point's value (text as is, numbers as in JSON). */
static void expand_label(const char *tmpl, json_object *axes, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = tmpl; *p && n + 1 < size;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (!close) {
            out[n++] = *p++;
            out[n] = '\0';
            continue;
        }
        char path[128];
        snprintf(path, sizeof path, "%.*s", (int)(close - p - 1), p + 1);
        json_object *v = NULL;
        json_object_object_get_ex(axes, path, &v);
        const char *text = !v ? "" : json_object_is_type(v, json_type_string) ? json_object_get_string(v) : plain(v);
        n += (size_t)snprintf(out + n, size - n, "%s", text);
        if (n >= size)
            n = size - 1;
        p = close + 1;
    }
}

/* The point object of points.jsonl; the edited presets are registered for writing under their hashes. */
static json_object *point_object(aimc_sweep *s, size_t index, const resolved *r, const char *reason)
{
    char chip_hash[17], model_hash[17], id[17], name[64];
    const char *chip_text = plain(r->chip_json);
    hash_hex(chip_text, chip_hash);
    json_object *p = json_object_new_object();
    json_object_object_add(p, "index", json_object_new_int64((int64_t)index));
    json_object *canon = json_object_new_object();
    if (r->model_json) {
        const char *model_text = plain(r->model_json);
        hash_hex(model_text, model_hash);
        json_object_object_add(canon, "model", json_object_new_string(model_text));
    } else {
        json_object_object_add(canon, "model", json_object_new_string(r->model_spec));
    }
    json_object_object_add(canon, "chip", json_object_new_string(chip_text));
    json_object_object_add(canon, "run", json_object_get(r->run));
    hash_hex(plain(canon), id);
    json_object_put(canon);
    json_object_object_add(p, "id", json_object_new_string(id));
    json_object_object_add(p, "axes", json_object_get(r->axes));
    if (r->model_json) {
        snprintf(name, sizeof name, "models/%s.json", model_hash);
        if (!json_object_object_get_ex(s->models, model_hash, NULL))
            json_object_object_add(s->models, model_hash, json_object_get(r->model_json));
        json_object_object_add(p, "model", json_object_new_string(name));
    } else {
        json_object_object_add(p, "model", json_object_new_string(r->model_spec));
    }
    snprintf(name, sizeof name, "chips/%s.json", chip_hash);
    if (!json_object_object_get_ex(s->chips, chip_hash, NULL))
        json_object_object_add(s->chips, chip_hash, json_object_get(r->chip_json));
    json_object_object_add(p, "chip", json_object_new_string(name));
    json_object_object_add(p, "run", json_object_get(r->run));
    if (s->label) {
        char label[512];
        expand_label(s->label, r->axes, label, sizeof label);
        json_object_object_add(p, "label", json_object_new_string(label));
    }
    json_object_object_add(p, "status", json_object_new_string(reason[0] ? "infeasible" : "planned"));
    if (reason[0])
        json_object_object_add(p, "reason", json_object_new_string(reason));
    return p;
}

/* ---- parsing ---------------------------------------------------------------------------------------------------- */

static int parse_axis(aimc_sweep *s, json_object *a, const char *where, aimc_error *err)
{
    static const char *const allowed[] = {"path", "values", NULL};
    const char *file = s->spec_path, *bad;
    if (!json_object_is_type(a, json_type_object))
        return aimc_fail_field(err, file, where, "an object {\"path\": ..., \"values\": [...]}, found %s",
                               type_name(a));
    if ((bad = unknown_key(a, allowed))) {
        char f[96];
        snprintf(f, sizeof f, "%s.%s", where, bad);
        return aimc_fail_field(err, file, f, "one of path, values (an unknown field)");
    }
    if (s->naxes == MAX_AXES)
        return aimc_fail_field(err, file, where, "at most %d axes", MAX_AXES);
    axis *x = &s->axes[s->naxes];
    memset(x, 0, sizeof *x);
    snprintf(x->where, sizeof x->where, "%s", where);
    json_object *path, *values;
    char f[96];
    snprintf(f, sizeof f, "%s.path", where);
    if (!json_object_object_get_ex(a, "path", &path) || !json_object_is_type(path, json_type_string))
        return aimc_fail_field(err, file, f, "a field path (chip.tile.tiers, model.experts, run.batch, chip, model)");
    snprintf(x->path, sizeof x->path, "%s", json_object_get_string(path));
    if (strcmp(x->path, "chip") == 0)
        x->kind = AXIS_CHIP;
    else if (strcmp(x->path, "model") == 0)
        x->kind = AXIS_MODEL;
    else if (strncmp(x->path, "chip.", 5) == 0 && x->path[5])
        x->kind = AXIS_CHIP_FIELD, x->field = x->path + 5;
    else if (strncmp(x->path, "model.", 6) == 0 && x->path[6])
        x->kind = AXIS_MODEL_FIELD, x->field = x->path + 6;
    else if (strncmp(x->path, "run.", 4) == 0 && (x->opt = find_run_opt(x->path + 4)))
        x->kind = AXIS_RUN, x->field = x->path + 4;
    else if (strncmp(x->path, "tag.", 4) == 0 && x->path[4] && !strchr(x->path + 4, '.'))
        x->kind = AXIS_TAG, x->field = x->path + 4;
    else
        return aimc_fail_field(err, file, f, "chip.<field>, model.<field>, run.<option>, tag.<name>, chip or model, found \"%s\"%s",
                               x->path, strncmp(x->path, "run.", 4) == 0 ? " (an unknown run option)" : "");
    for (size_t k = 0; k < s->naxes; k++)
        if (strcmp(s->axes[k].path, x->path) == 0)
            return aimc_fail_field(err, file, f, "a path no other axis sweeps, found \"%s\" again", x->path);
    snprintf(f, sizeof f, "%s.values", where);
    if (!json_object_object_get_ex(a, "values", &values) || !json_object_is_type(values, json_type_array) ||
        json_object_array_length(values) == 0)
        return aimc_fail_field(err, file, f, "a non-empty array of values for %s", x->path);
    x->values = values;
    for (size_t k = 0; x->kind == AXIS_TAG && k < json_object_array_length(values); k++) {
        json_type t = json_object_get_type(json_object_array_get_idx(values, k));
        if (t != json_type_string && t != json_type_int && t != json_type_double && t != json_type_boolean)
            return aimc_fail_field(err, file, f, "text, numbers or booleans for the tag %s, found %s at [%zu]",
                                   x->path, type_name(json_object_array_get_idx(values, k)), k);
    }
    s->naxes++;
    return 0;
}

static int parse_axes(aimc_sweep *s, json_object *axes, aimc_error *err)
{
    const char *file = s->spec_path;
    if (!json_object_is_type(axes, json_type_array) || json_object_array_length(axes) == 0)
        return aimc_fail_field(err, file, "axes", "a non-empty array of axes");
    for (size_t i = 0; i < json_object_array_length(axes); i++) {
        json_object *a = json_object_array_get_idx(axes, i), *zip;
        char where[32];
        snprintf(where, sizeof where, "axes[%zu]", i);
        group *g = &s->groups[s->ngroups++];
        g->first = s->naxes;
        if (json_object_is_type(a, json_type_object) && json_object_object_get_ex(a, "zip", &zip)) {
            char f[64];
            snprintf(f, sizeof f, "%s.zip", where);
            if (json_object_object_length(a) != 1)
                return aimc_fail_field(err, file, where, "only \"zip\" in a zipped group");
            if (!json_object_is_type(zip, json_type_array) || json_object_array_length(zip) == 0)
                return aimc_fail_field(err, file, f, "a non-empty array of axes advancing together");
            for (size_t k = 0; k < json_object_array_length(zip); k++) {
                char w[64];
                snprintf(w, sizeof w, "%.24s.zip[%zu]", where, k);
                if (parse_axis(s, json_object_array_get_idx(zip, k), w, err))
                    return -1;
                size_t len = json_object_array_length(s->axes[s->naxes - 1].values);
                if (k > 0 && len != g->len) {
                    snprintf(w, sizeof w, "%.24s.zip[%zu].values", where, k);
                    return aimc_fail_field(err, file, w, "%zu values (as zip[0]: zipped axes advance together), "
                                                         "found %zu", g->len, len);
                }
                g->len = len;
            }
        } else {
            if (parse_axis(s, a, where, err))
                return -1;
            g->len = json_object_array_length(s->axes[s->naxes - 1].values);
        }
        g->n = s->naxes - g->first;
    }
    return 0;
}

static int parse_base(aimc_sweep *s, json_object *base, aimc_error *err)
{
    static const char *const allowed[] = {"model", "chip", "run", NULL};
    const char *file = s->spec_path, *bad;
    aimc_json_where top = {file, ""}, at = {file, "base"};
    json_object *run = NULL;
    if (aimc_json_get_object(s->spec, top, "base", &base, err))
        return -1;
    if ((bad = unknown_key(base, allowed))) {
        char f[96];
        snprintf(f, sizeof f, "base.%s", bad);
        return aimc_fail_field(err, file, f, "one of model, chip, run (an unknown field)");
    }
    if (aimc_json_get_string(base, at, "model", &s->base_model, err) ||
        aimc_json_get_string(base, at, "chip", &s->base_chip, err))
        return -1;
    s->base_run = json_object_new_object();
    for (size_t i = 0; i < NRUN_OPTS; i++) {
        const run_opt *o = &run_opts[i];
        json_object *v = o->type == OPT_STR    ? json_object_new_string(o->def_text)
                         : o->type == OPT_BOOL ? json_object_new_boolean(o->def != 0)
                         : o->type == OPT_INT  ? json_object_new_int64((int64_t)o->def)
                                               : json_object_new_double(o->def);
        json_object_object_add(s->base_run, o->name, v);
    }
    if (!json_object_object_get_ex(base, "run", &run))
        return 0;
    if (!json_object_is_type(run, json_type_object))
        return aimc_fail_field(err, file, "base.run", "an object of run options, found %s", type_name(run));
    json_object_object_foreach(run, key, val) {
        char f[96], why[1024];
        snprintf(f, sizeof f, "base.run.%s", key);
        const run_opt *o = find_run_opt(key);
        if (!o)
            return aimc_fail_field(err, file, f, "a run option (docs/sweeps.md), found an unknown one");
        if (check_run_value(o, val, why, sizeof why))
            return aimc_fail(err, "%s: %s: %s", file, f, why);
        json_object_object_add(s->base_run, key, json_object_get(val));
    }
    return 0;
}

/* Paths in the run options are taken relative to the spec's folder and stored absolute, so a point runs from
 * anywhere (a Slurm node, a GNU parallel host sharing the file system). */
static void absolute_paths(aimc_sweep *s, json_object *run)
{
    const char *keys[] = {"weights", "routing_trace"};
    for (size_t i = 0; i < 2; i++) {
        json_object *v;
        if (!json_object_object_get_ex(run, keys[i], &v))
            continue;
        const char *p = json_object_get_string(v);
        if (!p[0] || p[0] == '/')
            continue;
        char joined[1100], real[PATH_MAX];
        snprintf(joined, sizeof joined, "%s/%s", s->spec_dir, p);
        json_object_object_add(run, keys[i], json_object_new_string(realpath(joined, real) ? real : joined));
    }
}

static int parse_objectives(aimc_sweep *s, aimc_error *err)
{
    json_object *o;
    if (!json_object_object_get_ex(s->spec, "objectives", &o))
        return 0;
    if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) == 0)
        return aimc_fail_field(err, s->spec_path, "objectives",
                               "an object of figure: \"min\" or \"max\" (e.g. {\"tokens_per_s\": \"max\"})");
    json_object_object_foreach(o, key, val) {
        char f[128];
        snprintf(f, sizeof f, "objectives.%s", key);
        const char *g = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : "";
        if (strcmp(g, "min") != 0 && strcmp(g, "max") != 0)
            return aimc_fail_field(err, s->spec_path, f, "\"min\" or \"max\", found %s", json_object_to_json_string(val));
    }
    s->objectives = o;
    return 0;
}

static bool is_axis(const aimc_sweep *s, const char *path, size_t len)
{
    for (size_t a = 0; a < s->naxes; a++)
        if (strlen(s->axes[a].path) == len && strncmp(s->axes[a].path, path, len) == 0)
            return true;
    return false;
}

static int parse_label(aimc_sweep *s, aimc_error *err)
{
    json_object *l;
    if (!json_object_object_get_ex(s->spec, "label", &l))
        return 0;
    if (!json_object_is_type(l, json_type_string))
        return aimc_fail_field(err, s->spec_path, "label", "a label template such as \"d{model.d_model} B{run.batch}\"");
    s->label = json_object_get_string(l);
    for (const char *p = strchr(s->label, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close)
            return aimc_fail_field(err, s->spec_path, "label", "a '}' closing the '{' at column %d",
                                   (int)(p - s->label) + 1);
        if (!is_axis(s, p + 1, (size_t)(close - p - 1)))
            return aimc_fail_field(err, s->spec_path, "label", "{an axis path} (the spec's axes), found {%.*s}",
                                   (int)(close - p - 1), p + 1);
    }
    return 0;
}

typedef struct {
    const aimc_sweep *s;
    char bad[128];
} ref_check;

/* The names a column formula may read: the point's own fields, its report and exact figures, its run options
 * and its axis values. */
static void check_ref(void *ctx, const char *name, size_t len)
{
    ref_check *c = ctx;
    static const char *const whole[] = {"label", "index", "id", "status", "error", NULL};
    static const char *const roots[] = {"report.", "figures.", "run.", NULL};
    for (size_t i = 0; whole[i]; i++)
        if (strlen(whole[i]) == len && strncmp(whole[i], name, len) == 0)
            return;
    for (size_t i = 0; roots[i]; i++)
        if (len > strlen(roots[i]) && strncmp(roots[i], name, strlen(roots[i])) == 0)
            return;
    if (!is_axis(c->s, name, len) && !c->bad[0])
        snprintf(c->bad, sizeof c->bad, "%.*s", (int)len, name);
}

static int parse_columns(aimc_sweep *s, aimc_error *err)
{
    json_object *c;
    const char *file = s->spec_path;
    if (!json_object_object_get_ex(s->spec, "columns", &c))
        return 0;
    char from[1100];
    snprintf(from, sizeof from, "%s", file);
    if (json_object_is_type(c, json_type_string)) { /* a file beside the spec, shared by several specs */
        snprintf(from, sizeof from, "%s/%s", s->spec_dir, json_object_get_string(c));
        aimc_error e;
        if (!(s->columns = aimc_json_load_file(from, &e)))
            return aimc_fail(err, "%s: columns: expected a readable JSON file of columns: %s", file, e.msg);
    } else {
        s->columns = json_object_get(c);
    }
    if (!json_object_is_type(s->columns, json_type_array) || !json_object_array_length(s->columns))
        return aimc_fail(err, "%s: columns: expected a non-empty array of {name, kind, value, description}%s%s", file,
                         strcmp(from, file) ? " in " : "", strcmp(from, file) ? from : "");
    static const char *const allowed[] = {"name", "kind", "value", "description", NULL};
    for (size_t i = 0; i < json_object_array_length(s->columns); i++) {
        json_object *col = json_object_array_get_idx(s->columns, i), *v;
        char where[64], why[1024];
        snprintf(where, sizeof where, "columns[%zu]", i);
        const char *bad, *name;
        if (!json_object_is_type(col, json_type_object))
            return aimc_fail_field(err, file, where, "an object {name, kind, value, description}");
        if ((bad = unknown_key(col, allowed)))
            return aimc_fail(err, "%s: %s.%s: expected one of name, kind, value, description (an unknown field)",
                             file, where, bad);
        if (!json_object_object_get_ex(col, "name", &v) || !json_object_is_type(v, json_type_string) ||
            !(name = json_object_get_string(v))[0] || strpbrk(name, ",\"\n\r"))
            return aimc_fail(err, "%s: %s.name: expected a name without commas, quotes or line breaks", file, where);
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(s->columns, k),
                                                                     "name")), name) == 0)
                return aimc_fail(err, "%s: %s.name: expected a name no other column has, found \"%s\" again", file,
                                 where, name);
        if (!json_object_object_get_ex(col, "kind", &v) || !json_object_is_type(v, json_type_string) ||
            (strcmp(json_object_get_string(v), "text") && strcmp(json_object_get_string(v), "int") &&
             strcmp(json_object_get_string(v), "real")))
            return aimc_fail(err, "%s: %s.kind: expected text, int or real", file, where);
        if (!json_object_object_get_ex(col, "value", &v) || !json_object_is_type(v, json_type_string))
            return aimc_fail(err, "%s: %s.value: expected a formula (a string such as \"figures.tier_mvms / "
                                  "figures.tokens\")", file, where);
        aimc_sweep_expr_value ev;
        if (aimc_sweep_expr_eval(json_object_get_string(v), NULL, NULL, &ev, why, sizeof why))
            return aimc_fail(err, "%s: %s.value: %s", file, where, why);
        ref_check rc = {s, ""};
        aimc_sweep_expr_refs(json_object_get_string(v), check_ref, &rc);
        if (rc.bad[0])
            return aimc_fail(err, "%s: %s.value: expected label, index, id, status, error, report.<path>, "
                                  "figures.<path>, run.<option> or an axis path, found \"%s\"", file, where, rc.bad);
        if (json_object_object_get_ex(col, "description", &v) && !json_object_is_type(v, json_type_string))
            return aimc_fail(err, "%s: %s.description: expected a string", file, where);
    }
    return 0;
}

static bool has_column(void *ctx, const char *name)
{
    const aimc_sweep *s = ctx;
    if (!s->columns)
        return true; /* the default table: its figures are known when collected */
    for (size_t k = 0; k < json_object_array_length(s->columns); k++)
        if (strcmp(json_object_get_string(json_object_object_get(json_object_array_get_idx(s->columns, k), "name")),
                   name) == 0)
            return true;
    return false;
}

static int parse_findings_and_plot(aimc_sweep *s, aimc_error *err)
{
    json_object *v;
    char why[1024];
    if (json_object_object_get_ex(s->spec, "findings", &v)) {
        if (aimc_sweep_findings_check(v, has_column, s, why, sizeof why))
            return aimc_fail(err, "%s: %s", s->spec_path, why);
        s->findings = v;
    }
    if (!json_object_object_get_ex(s->spec, "plot", &v))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return aimc_fail_field(err, s->spec_path, "plot", "a gnuplot script file beside the spec (a string)");
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", s->spec_dir, json_object_get_string(v));
    FILE *f = fopen(path, "r");
    long len = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len >= 0 && len < (1 << 20) && (s->plot_script = calloc(1, (size_t)len + 1)) && fseek(f, 0, SEEK_SET) == 0 &&
        fread(s->plot_script, 1, (size_t)len, f) == (size_t)len) {
        fclose(f);
        return 0;
    }
    if (f)
        fclose(f);
    return aimc_fail(err, "%s: plot: expected a readable gnuplot script of at most 1 MiB, found \"%s\" (%s)",
                     s->spec_path, path, errno ? strerror(errno) : "too long");
}

/* Every value of every axis on the base configuration: a refusal there is the spec's fault. */
static int check_values(aimc_sweep *s, aimc_error *err)
{
    json_object *value[MAX_AXES];
    for (size_t g = 0; g < s->ngroups; g++) {
        const group *gr = &s->groups[g];
        for (size_t j = 0; j < gr->len; j++) {
            memset(value, 0, sizeof value);
            for (size_t a = gr->first; a < gr->first + gr->n; a++)
                value[a] = json_object_array_get_idx(s->axes[a].values, j);
            resolved r;
            char why[1024];
            size_t bad;
            int rc = resolve(s, value, &r, why, sizeof why, &bad);
            const char *reason = rc ? why : validate(s, &r);
            if (rc || reason[0]) {
                /* name the axis the refusal is about: the one resolve stopped at, else the group's first */
                size_t a = bad != SIZE_MAX ? bad : gr->first;
                char shown[200];
                snprintf(shown, sizeof shown, "%s", json_object_to_json_string(value[a]));
                if (rc == -2)
                    aimc_fail(err, "%s: %s.path: expected a field of the %s, found \"%s\": %s", s->spec_path,
                              s->axes[a].where, s->axes[a].kind == AXIS_CHIP_FIELD ? "chip" : "model", s->axes[a].path,
                              reason);
                else
                    aimc_fail(err, "%s: %s.values[%zu]: %s = %s refused: %s", s->spec_path, s->axes[a].where, j,
                              s->axes[a].path, shown, reason);
                resolved_free(&r);
                return -1;
            }
            resolved_free(&r);
        }
    }
    return 0;
}

static int build_points(aimc_sweep *s, aimc_error *err)
{
    size_t n = 1;
    for (size_t g = 0; g < s->ngroups; g++) {
        if (n > MAX_POINTS / s->groups[g].len)
            return aimc_fail_field(err, s->spec_path, "axes", "at most %d points", MAX_POINTS);
        n *= s->groups[g].len;
    }
    s->points = json_object_new_array_ext((int)n);
    size_t pos[MAX_AXES] = {0};
    for (size_t i = 0; i < n; i++) {
        /* the first group varies slowest */
        size_t rest = i;
        for (size_t g = s->ngroups; g-- > 0;) {
            pos[g] = rest % s->groups[g].len;
            rest /= s->groups[g].len;
        }
        json_object *value[MAX_AXES] = {0};
        for (size_t g = 0; g < s->ngroups; g++)
            for (size_t a = s->groups[g].first; a < s->groups[g].first + s->groups[g].n; a++)
                value[a] = json_object_array_get_idx(s->axes[a].values, pos[g]);
        resolved r;
        char why[1024];
        size_t bad;
        if (resolve(s, value, &r, why, sizeof why, &bad)) { /* every value passed alone: cannot happen */
            resolved_free(&r);
            return aimc_fail(err, "%s: point %zu: %s", s->spec_path, i, why);
        }
        absolute_paths(s, r.run);
        const char *reason = validate(s, &r);
        if (reason[0])
            s->infeasible++;
        json_object_array_add(s->points, point_object(s, i, &r, reason));
        resolved_free(&r);
    }
    return 0;
}

aimc_sweep *aimc_sweep_load(const char *spec_path, aimc_error *err)
{
    return aimc_sweep_load_with(spec_path, NULL, err);
}

/* The overrides go into the spec's base.run (created when missing) before it is read, so they are checked like
 * the spec's own options and sweep.json shows the spec as run. */
static void apply_overrides(json_object *spec, json_object *run_overrides)
{
    json_object *base, *run;
    if (!run_overrides || !json_object_object_get_ex(spec, "base", &base) || !json_object_is_type(base, json_type_object))
        return;
    if (!json_object_object_get_ex(base, "run", &run)) {
        run = json_object_new_object();
        json_object_object_add(base, "run", run);
    }
    if (!json_object_is_type(run, json_type_object))
        return;
    json_object_object_foreach(run_overrides, key, val) json_object_object_add(run, key, json_object_get(val));
}

aimc_sweep *aimc_sweep_load_with(const char *spec_path, json_object *run_overrides, aimc_error *err)
{
    static const char *const allowed[] = {"format", "name",    "description", "base", "axes", "objectives",
                                          "label",  "columns", "findings",    "plot", NULL};
    aimc_sweep *s = calloc(1, sizeof *s);
    if (!s) {
        aimc_fail(err, "%s: out of memory", spec_path);
        return NULL;
    }
    snprintf(s->spec_path, sizeof s->spec_path, "%s", spec_path);
    snprintf(s->spec_dir, sizeof s->spec_dir, "%s", spec_path);
    char *slash = strrchr(s->spec_dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(s->spec_dir, sizeof s->spec_dir, ".");
    s->presets = json_object_new_object();
    s->chips = json_object_new_object();
    s->models = json_object_new_object();
    s->checked = json_object_new_object();
    aimc_json_where top = {spec_path, ""};
    const char *format, *bad;
    json_object *axes;
    s->spec = aimc_json_load_file(spec_path, err);
    int rc = s->spec ? 0 : -1;
    if (!rc && !json_object_is_type(s->spec, json_type_object))
        rc = aimc_fail(err, "%s: expected a JSON object at the top level", spec_path);
    if (!rc && (bad = unknown_key(s->spec, allowed)))
        rc = aimc_fail_field(err, spec_path, bad, "one of format, name, description, base, axes, objectives, "
                                                  "label, columns, findings, plot (an unknown field)");
    if (!rc)
        apply_overrides(s->spec, run_overrides);
    if (!rc)
        rc = aimc_json_get_string(s->spec, top, "format", &format, err);
    if (!rc && strcmp(format, AIMC_SWEEP_FORMAT) != 0)
        rc = aimc_fail_field(err, spec_path, "format", "\"%s\", found \"%s\"", AIMC_SWEEP_FORMAT, format);
    if (!rc)
        rc = aimc_json_get_string(s->spec, top, "name", &s->name, err);
    if (!rc && (!s->name[0] || strpbrk(s->name, "/ \t\n")))
        rc = aimc_fail_field(err, spec_path, "name", "a non-empty name without spaces or slashes, found \"%s\"",
                             s->name);
    if (!rc)
        rc = parse_base(s, NULL, err);
    if (!rc && !json_object_object_get_ex(s->spec, "axes", &axes))
        rc = aimc_fail_field(err, spec_path, "axes", "a non-empty array of axes (the field is missing)");
    if (!rc)
        rc = parse_axes(s, axes, err) || parse_objectives(s, err) || parse_label(s, err) || parse_columns(s, err) ||
             parse_findings_and_plot(s, err);
    if (!rc) {
        /* the base itself */
        json_object *none[MAX_AXES] = {0};
        resolved r;
        char why[1024];
        size_t bad_axis;
        rc = resolve(s, none, &r, why, sizeof why, &bad_axis);
        const char *reason = rc ? why : validate(s, &r);
        if (rc || reason[0])
            rc = aimc_fail(err, "%s: base: refused: %s", spec_path, reason);
        resolved_free(&r);
    }
    if (!rc)
        rc = check_values(s, err) || build_points(s, err);
    if (rc) {
        aimc_sweep_destroy(s);
        return NULL;
    }
    return s;
}

void aimc_sweep_destroy(aimc_sweep *s)
{
    if (!s)
        return;
    json_object_put(s->points);
    json_object_put(s->checked);
    json_object_put(s->chips);
    json_object_put(s->models);
    json_object_put(s->presets);
    json_object_put(s->base_run);
    json_object_put(s->spec);
    json_object_put(s->columns);
    free(s->plot_script);
    free(s);
}

size_t aimc_sweep_points(const aimc_sweep *s)
{
    return json_object_array_length(s->points);
}

json_object *aimc_sweep_point(const aimc_sweep *s, size_t i)
{
    return json_object_array_get_idx(s->points, i);
}

size_t aimc_sweep_infeasible(const aimc_sweep *s)
{
    return s->infeasible;
}

/* ---- writing the plan ------------------------------------------------------------------------------------------- */

static int make_dir(const char *path, aimc_error *err)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        return aimc_fail(err, "%s: expected a folder (a file of that name exists)", path);
    }
    return aimc_fail(err, "%s: cannot create the folder: %s", path, strerror(errno));
}

static int write_docs(json_object *docs, const char *dir, const char *sub, aimc_error *err)
{
    json_object_object_foreach(docs, hash, doc) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s/%s.json", dir, sub, hash);
        if (access(path, F_OK) == 0)
            continue; /* named by its content: already there */
        if (aimc_json_write_file(path, doc, err))
            return -1;
    }
    return 0;
}

int aimc_sweep_write_plan(const aimc_sweep *s, const char *dir, aimc_error *err)
{
    char path[1200];
    const char *subs[] = {"chips", "models", "points"};
    if (make_dir(dir, err))
        return -1;
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
        if (make_dir(path, err))
            return -1;
    }
    if (write_docs(s->chips, dir, "chips", err) || write_docs(s->models, dir, "models", err))
        return -1;
    json_object *plan = json_object_new_object();
    json_object_object_add(plan, "format", json_object_new_string(AIMC_SWEEP_PLAN_FORMAT));
    json_object_object_add(plan, "name", json_object_new_string(s->name));
    json_object_object_add(plan, "spec_file", json_object_new_string(s->spec_path));
    json_object *axes = json_object_new_array();
    for (size_t a = 0; a < s->naxes; a++)
        json_object_array_add(axes, json_object_new_string(s->axes[a].path));
    json_object_object_add(plan, "axes", axes);
    json_object_object_add(plan, "objectives", s->objectives ? json_object_get(s->objectives) : json_object_new_object());
    json_object_object_add(plan, "points", json_object_new_int64((int64_t)aimc_sweep_points(s)));
    json_object_object_add(plan, "infeasible_points", json_object_new_int64((int64_t)s->infeasible));
    if (s->label)
        json_object_object_add(plan, "label", json_object_new_string(s->label));
    if (s->columns)
        json_object_object_add(plan, "columns", json_object_get(s->columns));
    if (s->findings)
        json_object_object_add(plan, "findings", json_object_get(s->findings));
    if (s->plot_script)
        json_object_object_add(plan, "plot_script", json_object_new_string(s->plot_script));
    json_object_object_add(plan, "spec", json_object_get(s->spec));
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    int rc = aimc_json_write_file(path, plan, err);
    json_object_put(plan);
    if (rc)
        return -1;
    snprintf(path, sizeof path, "%s/points.jsonl", dir);
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    for (size_t i = 0; i < aimc_sweep_points(s); i++)
        fprintf(aimc_output_stream(out), "%s\n", plain(aimc_sweep_point(s, i)));
    return aimc_output_commit(out, err);
}
