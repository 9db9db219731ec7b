#include "system/system_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json_config.h"

/* Upper bounds that catch unit mistakes (a latency in ps written as ns) without limiting real designs. */
#define MAX_LATENCY_NS 1e12
#define MAX_ENERGY_PJ 1e15
#define MAX_ELEMENTS 100000000L

static const char *const vop_names[AIMC_VOP_COUNT] = {
    [AIMC_VOP_LAYERNORM] = "layernorm", [AIMC_VOP_ADD] = "add",           [AIMC_VOP_GELU] = "gelu",
    [AIMC_VOP_RELU] = "relu",           [AIMC_VOP_SILU_MUL] = "silu_mul", [AIMC_VOP_GATING] = "gating",
    [AIMC_VOP_PSUM_ADD] = "psum_add",
};

const char *aimc_vector_op_name(aimc_vector_op op)
{
    return (unsigned)op < AIMC_VOP_COUNT ? vop_names[op] : "?";
}

/* A calibrated count: {"value": whole number in [min, max], "source": ...}. */
static int get_count(json_object *obj, aimc_json_where at, const char *key, long min, long max, uint32_t *out,
                     aimc_error *err)
{
    double v;
    if (aimc_json_get_param(obj, at, key, (double)min, (double)max, &v, NULL, err))
        return -1;
    if (v != floor(v)) {
        char name[128];
        aimc_json_child(at, key, name, sizeof name);
        return aimc_fail_field(err, at.file, name, "a whole number (value), found %g", v);
    }
    *out = (uint32_t)v;
    return 0;
}

/* The numbers of a JSON array, each in [min, max] (strictly positive when positive is set). */
static int read_numbers(json_object *arr, const char *file, const char *name, size_t expected, double min, double max,
                        int positive, double *out, aimc_error *err)
{
    size_t n = json_object_array_length(arr);
    if (n != expected)
        return aimc_fail_field(err, file, name, "an array of %zu numbers, found %zu", expected, n);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        char item[208]; /* name (at most 175 bytes) and "[index]" */
        snprintf(item, sizeof item, "%s[%zu]", name, i);
        if (!json_object_is_type(e, json_type_double) && !json_object_is_type(e, json_type_int))
            return aimc_fail_field(err, file, item, "a number, found %s", json_type_to_name(json_object_get_type(e)));
        double x = json_object_get_double(e);
        if (!(x >= min && x <= max) || (positive && !(x > 0)))
            return aimc_fail_field(err, file, item, "a %snumber in [%g, %g], found %g", positive ? "positive " : "",
                                   min, max, x);
        out[i] = x;
    }
    return 0;
}

/* A calibrated table: {"value": array, "source": non-empty string}; returns the array. */
static int get_param_array(json_object *obj, aimc_json_where at, const char *key, json_object **value, char *name,
                           size_t namesize, aimc_error *err)
{
    json_object *p = NULL;
    aimc_json_child(at, key, name, namesize);
    if (!json_object_object_get_ex(obj, key, &p) || !json_object_is_type(p, json_type_object))
        return aimc_fail_field(err, at.file, name, "{\"value\": [numbers], \"source\": string}%s",
                               p ? "" : " (field is missing)");
    aimc_json_where inner = {at.file, name};
    const char *src;
    json_object *v = NULL;
    if (!json_object_object_get_ex(p, "value", &v) || !json_object_is_type(v, json_type_array)) {
        char vname[160];
        snprintf(vname, sizeof vname, "%s.value", name);
        return aimc_fail_field(err, at.file, vname, "an array of numbers%s", v ? "" : " (field is missing)");
    }
    if (aimc_json_get_string(p, inner, "source", &src, err))
        return -1;
    if (!src[0])
        return aimc_fail_field(err, at.file, name, "a non-empty \"source\" citing where the value comes from");
    snprintf(name + strlen(name), namesize - strlen(name), ".value");
    *value = v;
    return 0;
}

/* A table axis: a plain array of strictly increasing whole numbers >= 1 (not calibrated: the points at
 * which the calibrated values were read). */
static int read_axis(json_object *obj, aimc_json_where at, const char *key, uint32_t min_points, uint32_t max_points,
                     uint32_t *out, uint32_t *points, aimc_error *err)
{
    char name[128];
    aimc_json_child(at, key, name, sizeof name);
    json_object *arr = NULL;
    if (!json_object_object_get_ex(obj, key, &arr) || !json_object_is_type(arr, json_type_array))
        return aimc_fail_field(err, at.file, name, "an array of increasing whole numbers%s",
                               arr ? "" : " (field is missing)");
    size_t n = json_object_array_length(arr);
    if (n < min_points || n > max_points)
        return aimc_fail_field(err, at.file, name, "between %u and %u points, found %zu", min_points, max_points, n);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        char item[160];
        snprintf(item, sizeof item, "%s[%zu]", name, i);
        if (!json_object_is_type(e, json_type_int))
            return aimc_fail_field(err, at.file, item, "a whole number, found %s",
                                   json_type_to_name(json_object_get_type(e)));
        int64_t x = json_object_get_int64(e);
        if (x < 1 || x > MAX_ELEMENTS || (i > 0 && x <= (int64_t)out[i - 1]))
            return aimc_fail_field(err, at.file, item, "a whole number in [%ld, %ld], greater than the previous point, found %lld",
                                   i > 0 ? (long)out[i - 1] + 1 : 1L, MAX_ELEMENTS, (long long)x);
        out[i] = (uint32_t)x;
    }
    *points = (uint32_t)n;
    return 0;
}

static int load_vector_op(json_object *ops, aimc_json_where at, aimc_vector_op op, aimc_vector_op_table *t,
                          aimc_error *err)
{
    json_object *o;
    if (aimc_json_get_object(ops, at, vop_names[op], &o, err))
        return -1;
    char sect[128], name[160];
    aimc_json_where in = {at.file, aimc_json_child(at, vop_names[op], sect, sizeof sect)};
    json_object *v;
    if (read_axis(o, in, "elements", 1, AIMC_OP_TABLE_MAX_POINTS, t->elements, &t->points, err) ||
        get_param_array(o, in, "latency_ns", &v, name, sizeof name, err) ||
        read_numbers(v, at.file, name, t->points, 0, MAX_LATENCY_NS, 0, t->latency_ns, err) ||
        get_param_array(o, in, "energy_pJ", &v, name, sizeof name, err) ||
        read_numbers(v, at.file, name, t->points, 0, MAX_ENERGY_PJ, 0, t->energy_pJ, err))
        return -1;
    return 0;
}

/* A [seq][d] matrix: one row (array) per sequence length, one number per d_model. */
static int read_matrix(json_object *obj, aimc_json_where at, const char *key, const aimc_attention_table *t,
                       double max, double (*out)[AIMC_ATTN_TABLE_MAX_POINTS], aimc_error *err)
{
    char name[160];
    json_object *rows;
    if (get_param_array(obj, at, key, &rows, name, sizeof name, err))
        return -1;
    size_t n = json_object_array_length(rows);
    if (n != t->seq_points)
        return aimc_fail_field(err, at.file, name, "%u rows (one per seq_len point), found %zu", t->seq_points, n);
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        char rname[176];
        snprintf(rname, sizeof rname, "%s[%zu]", name, i);
        if (!json_object_is_type(row, json_type_array))
            return aimc_fail_field(err, at.file, rname, "an array of %u numbers (one per d_model point), found %s",
                                   t->d_points, json_type_to_name(json_object_get_type(row)));
        if (read_numbers(row, at.file, rname, t->d_points, 0, max, 1, out[i], err))
            return -1;
    }
    return 0;
}

static int load_attention(json_object *du, aimc_json_where at, aimc_attention_table *t, aimc_error *err)
{
    json_object *o;
    if (aimc_json_get_object(du, at, "attention", &o, err))
        return -1;
    char sect[128];
    aimc_json_where in = {at.file, aimc_json_child(at, "attention", sect, sizeof sect)};
    if (read_axis(o, in, "d_model", 2, AIMC_ATTN_TABLE_MAX_POINTS, t->d_model, &t->d_points, err) ||
        read_axis(o, in, "seq_len", 2, AIMC_ATTN_TABLE_MAX_POINTS, t->seq_len, &t->seq_points, err) ||
        read_matrix(o, in, "latency_ns", t, MAX_LATENCY_NS, t->latency_ns, err) ||
        read_matrix(o, in, "energy_pJ", t, MAX_ENERGY_PJ, t->energy_pJ, err))
        return -1;
    return 0;
}

static int load_digital(json_object *root, const char *file, aimc_digital_units_config *d, aimc_error *err)
{
    aimc_json_where top = {file, ""};
    json_object *du, *ops;
    if (aimc_json_get_object(root, top, "digital_units", &du, err))
        return -1;
    aimc_json_where at = {file, "digital_units"};
    if (get_count(du, at, "dpus", 1, 4096, &d->dpus, err) || get_count(du, at, "mha_units", 1, 4096, &d->mha_units, err) ||
        aimc_json_get_param(du, at, "dpu_passive_power_W", 0, 1e4, &d->dpu_passive_power_W, NULL, err) ||
        aimc_json_get_param(du, at, "mha_passive_power_W", 0, 1e4, &d->mha_passive_power_W, NULL, err) ||
        aimc_json_get_param(du, at, "dpu_area_mm2", 0, 1e5, &d->dpu_area_mm2, NULL, err) ||
        aimc_json_get_param(du, at, "mha_area_mm2", 0, 1e5, &d->mha_area_mm2, NULL, err) ||
        aimc_json_get_object(du, at, "ops", &ops, err))
        return -1;
    aimc_json_where at_ops = {file, "digital_units.ops"};
    for (int op = 0; op < AIMC_VOP_COUNT; op++)
        if (load_vector_op(ops, at_ops, (aimc_vector_op)op, &d->op[op], err))
            return -1;
    return load_attention(du, at, &d->attention, err);
}

static int load_interconnect(json_object *root, const char *file, aimc_interconnect_config *ic, aimc_error *err)
{
    aimc_json_where top = {file, ""};
    json_object *o;
    if (aimc_json_get_object(root, top, "interconnect", &o, err))
        return -1;
    aimc_json_where at = {file, "interconnect"};
    if (aimc_json_get_param(o, at, "latency_per_vector_ns", 0, MAX_LATENCY_NS, &ic->latency_per_vector_ns, NULL, err) ||
        aimc_json_get_param(o, at, "energy_per_bit_pJ", 0, 1e6, &ic->energy_per_bit_pJ, NULL, err))
        return -1;
    return 0;
}

static int load_dram(json_object *root, const char *file, aimc_dram_config *dr, aimc_error *err)
{
    aimc_json_where top = {file, ""};
    json_object *o;
    if (aimc_json_get_object(root, top, "dram", &o, err))
        return -1;
    aimc_json_where at = {file, "dram"};
    if (aimc_json_get_param(o, at, "bandwidth_GBps", 0, 1e7, &dr->bandwidth_GBps, NULL, err) ||
        aimc_json_get_param(o, at, "active_power_W", 0, 1e4, &dr->active_power_W, NULL, err) ||
        aimc_json_get_param(o, at, "idle_power_W", 0, 1e4, &dr->idle_power_W, NULL, err) ||
        get_count(o, at, "kv_bytes_per_element", 1, 16, &dr->kv_bytes_per_element, err))
        return -1;
    if (!(dr->bandwidth_GBps > 0))
        return aimc_fail_field(err, file, "dram.bandwidth_GBps.value", "a positive number of GB/s, found %g",
                               dr->bandwidth_GBps);
    return 0;
}

int aimc_system_config_load(json_object *root, const char *file, aimc_system_config *out, aimc_error *err)
{
    memset(out, 0, sizeof *out);
    if (load_digital(root, file, &out->digital, err) || load_interconnect(root, file, &out->interconnect, err) ||
        load_dram(root, file, &out->dram, err)) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

double aimc_digital_units_area_mm2(const aimc_system_config *cfg)
{
    return cfg->digital.dpus * cfg->digital.dpu_area_mm2 + cfg->digital.mha_units * cfg->digital.mha_area_mm2;
}
