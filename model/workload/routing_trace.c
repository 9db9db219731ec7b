#include "workload/routing_trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "core/output_file.h"

#define FORMAT "aimc3d-routing-trace/1"

struct aimc_routing_trace {
    aimc_moe_model model;
    uint32_t moe_layers, top_k;
    uint32_t tokens, capacity;
    uint32_t next_layer; /* the MoE layer the next record of token `tokens` is for */
    uint32_t *experts; /* [token][moe layer][k] */
    float *gates;
};

aimc_routing_trace *aimc_routing_trace_create(const aimc_moe_model *m, aimc_error *err)
{
    if (m->experts == 0) {
        aimc_fail(err, "routing trace: model %s is dense: it has no routing to trace", m->name);
        return NULL;
    }
    aimc_routing_trace *t = calloc(1, sizeof *t);
    if (!t) {
        aimc_fail(err, "routing trace: out of memory");
        return NULL;
    }
    t->model = *m;
    t->moe_layers = aimc_moe_model_moe_layers(m);
    t->top_k = m->top_k;
    t->next_layer = m->dense_layers;
    return t;
}

void aimc_routing_trace_destroy(aimc_routing_trace *t)
{
    if (!t)
        return;
    free(t->experts);
    free(t->gates);
    free(t);
}

static size_t per_token(const aimc_routing_trace *t) { return (size_t)t->moe_layers * t->top_k; }

static int reserve(aimc_routing_trace *t, uint32_t tokens, aimc_error *err)
{
    if (tokens <= t->capacity)
        return 0;
    uint32_t cap = t->capacity ? t->capacity : 256;
    while (cap < tokens)
        cap *= 2;
    uint32_t *e = realloc(t->experts, cap * per_token(t) * sizeof *e);
    if (e)
        t->experts = e;
    float *g = realloc(t->gates, cap * per_token(t) * sizeof *g);
    if (g)
        t->gates = g;
    if (!e || !g)
        return aimc_fail(err, "routing trace: out of memory for %u tokens", tokens);
    t->capacity = cap;
    return 0;
}

uint32_t aimc_routing_trace_tokens(const aimc_routing_trace *t) { return t->tokens; }
uint32_t aimc_routing_trace_top_k(const aimc_routing_trace *t) { return t->top_k; }
int aimc_routing_trace_check_model(const aimc_routing_trace *t, const aimc_moe_model *m, aimc_error *err)
{
    const aimc_moe_model *tm = &t->model;
    if (tm->layers == m->layers && tm->dense_layers == m->dense_layers && tm->experts == m->experts &&
        tm->top_k == m->top_k)
        return 0;
    return aimc_fail(err, "routing trace: it is for %u layers (%u dense) of %u experts, top-%u; model %s has %u layers "
                          "(%u dense) of %u experts, top-%u", tm->layers, tm->dense_layers, tm->experts, tm->top_k,
                     m->name, m->layers, m->dense_layers, m->experts, m->top_k);
}

static size_t record_at(const aimc_routing_trace *t, uint32_t token, uint32_t layer)
{
    return ((size_t)token * t->moe_layers + (layer - t->model.dense_layers)) * t->top_k;
}

const uint32_t *aimc_routing_trace_experts(const aimc_routing_trace *t, uint32_t token, uint32_t layer)
{
    if (token >= t->tokens || !aimc_moe_model_layer_is_moe(&t->model, layer))
        return NULL;
    return t->experts + record_at(t, token, layer);
}

const float *aimc_routing_trace_gates(const aimc_routing_trace *t, uint32_t token, uint32_t layer)
{
    if (token >= t->tokens || !aimc_moe_model_layer_is_moe(&t->model, layer))
        return NULL;
    return t->gates + record_at(t, token, layer);
}

void aimc_routing_trace_expert_stats(const aimc_routing_trace *t, uint32_t layer, uint64_t *selected,
                                     double *gate_sum)
{
    uint32_t E = t->model.experts;
    if (selected)
        memset(selected, 0, E * sizeof *selected);
    if (gate_sum)
        memset(gate_sum, 0, E * sizeof *gate_sum);
    for (uint32_t tok = 0; tok < t->tokens; tok++) {
        const uint32_t *e = aimc_routing_trace_experts(t, tok, layer);
        const float *g = aimc_routing_trace_gates(t, tok, layer);
        for (uint32_t i = 0; e && i < t->top_k; i++) {
            if (selected)
                selected[e[i]]++;
            if (gate_sum)
                gate_sum[e[i]] += g[i];
        }
    }
}

void aimc_routing_trace_coselection(const aimc_routing_trace *t, uint32_t layer, uint64_t *counts)
{
    uint32_t E = t->model.experts;
    memset(counts, 0, (size_t)E * E * sizeof *counts);
    for (uint32_t tok = 0; tok < t->tokens; tok++) {
        const uint32_t *e = aimc_routing_trace_experts(t, tok, layer);
        for (uint32_t i = 0; e && i < t->top_k; i++)
            for (uint32_t j = 0; j < t->top_k; j++)
                if (i != j)
                    counts[(size_t)e[i] * E + e[j]]++;
    }
}

/* ---- appending ---- */

static int check_record(const aimc_routing_trace *t, const char *where, uint32_t token, uint32_t layer,
                        const uint32_t *experts, const double *gates, aimc_error *err)
{
    if (token != t->tokens)
        return aimc_fail_field(err, where, "token", "%u (records go token by token from 0), found %u", t->tokens, token);
    if (layer != t->next_layer)
        return aimc_fail_field(err, where, "layer", "%u (each token's MoE layers in increasing order), found %u",
                               t->next_layer, layer);
    for (uint32_t i = 0; i < t->top_k; i++) {
        if (experts[i] >= t->model.experts)
            return aimc_fail_field(err, where, "experts", "expert ids in [0, %u), found %u", t->model.experts,
                                   experts[i]);
        for (uint32_t j = 0; j < i; j++)
            if (experts[j] == experts[i])
                return aimc_fail_field(err, where, "experts", "distinct expert ids, found %u twice", experts[i]);
        if (!(gates[i] >= 0 && isfinite(gates[i])))
            return aimc_fail_field(err, where, "gates", "finite numbers >= 0, found %g", gates[i]);
    }
    return 0;
}

static int append_at(aimc_routing_trace *t, const char *where, uint32_t token, uint32_t layer,
                     const uint32_t *experts, const double *gates, aimc_error *err)
{
    if (check_record(t, where, token, layer, experts, gates, err) || reserve(t, t->tokens + 1, err))
        return -1;
    size_t at = record_at(t, token, layer);
    for (uint32_t i = 0; i < t->top_k; i++) {
        t->experts[at + i] = experts[i];
        t->gates[at + i] = (float)gates[i];
    }
    if (++t->next_layer == t->model.layers) {
        t->tokens++;
        t->next_layer = t->model.dense_layers;
    }
    return 0;
}

int aimc_routing_trace_append(aimc_routing_trace *t, uint32_t token, uint32_t layer, const uint32_t *experts,
                              const double *gates, aimc_error *err)
{
    return append_at(t, "routing trace", token, layer, experts, gates, err);
}

/* ---- reading ---- */

typedef struct {
    const char *file;
    long line;
    char where[600]; /* "file:line" */
    aimc_routing_trace *t;
} reader;

static json_object *parse_line(const reader *r, const char *text, size_t len, aimc_error *err)
{
    json_object *o = aimc_json_parse_line(r->file, r->line, text, len, err);
    if (o && !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
        aimc_fail(err, "%s:1: malformed JSON: expected an object", r->where);
    }
    return o;
}

static int header_field(const reader *r, json_object *o, const char *key, uint32_t expected, aimc_error *err)
{
    long v;
    if (aimc_json_get_int(o, (aimc_json_where){r->where, ""}, key, 0, 1L << 30, &v, err))
        return -1;
    if ((uint32_t)v != expected)
        return aimc_fail_field(err, r->where, key, "%u (the model %s has that), found %ld", expected, r->t->model.name, v);
    return 0;
}

static int read_header(const reader *r, json_object *o, aimc_error *err)
{
    const char *format;
    if (aimc_json_get_string(o, (aimc_json_where){r->where, ""}, "format", &format, err))
        return -1;
    if (strcmp(format, FORMAT) != 0)
        return aimc_fail_field(err, r->where, "format", "\"" FORMAT "\", found \"%s\"", format);
    const aimc_moe_model *m = &r->t->model;
    return header_field(r, o, "layers", m->layers, err) || header_field(r, o, "experts", m->experts, err) ||
                   header_field(r, o, "top_k", m->top_k, err)
               ? -1
               : 0;
}

/* A list of top_k numbers; ids must be whole. */
static int read_list(const reader *r, json_object *o, const char *key, bool ids, double *out, aimc_error *err)
{
    json_object *a;
    uint32_t k = r->t->top_k;
    const char *what = ids ? "a list of top_k = %u expert ids" : "a list of top_k = %u gate values";
    if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
        json_object_array_length(a) != k)
        return aimc_fail_field(err, r->where, key, what, k);
    for (uint32_t i = 0; i < k; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        bool number = json_object_is_type(v, json_type_int) || (!ids && json_object_is_type(v, json_type_double));
        if (!number)
            return aimc_fail_field(err, r->where, key, what, k);
        out[i] = json_object_get_double(v);
    }
    return 0;
}

static int read_record(reader *r, json_object *o, aimc_error *err)
{
    aimc_json_where at = {r->where, ""};
    long token, layer;
    uint32_t k = r->t->top_k, experts[k];
    double ids[k], gates[k];
    if (aimc_json_get_int(o, at, "token", 0, UINT32_MAX - 1, &token, err) ||
        aimc_json_get_int(o, at, "layer", 0, r->t->model.layers, &layer, err) ||
        read_list(r, o, "experts", true, ids, err) || read_list(r, o, "gates", false, gates, err))
        return -1;
    for (uint32_t i = 0; i < k; i++)
        experts[i] = ids[i] >= 0 && ids[i] < UINT32_MAX ? (uint32_t)ids[i] : UINT32_MAX;
    return append_at(r->t, r->where, (uint32_t)token, (uint32_t)layer, experts, gates, err);
}

static int read_lines(reader *r, FILE *f, aimc_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        r->line++;
        snprintf(r->where, sizeof r->where, "%s:%ld", r->file, r->line);
        if (line[n - 1] != '\n') {
            rc = aimc_fail(err, "%s: truncated: the last line has no end of line", r->where);
            break;
        }
        json_object *o = parse_line(r, line, (size_t)n - 1, err);
        if (!o) {
            rc = -1;
            break;
        }
        rc = r->line == 1 ? read_header(r, o, err) : read_record(r, o, err);
        json_object_put(o);
    }
    free(line);
    const aimc_routing_trace *t = r->t;
    if (rc == 0 && ferror(f))
        rc = aimc_fail(err, "%s: cannot read file", r->file);
    else if (rc == 0 && r->line == 0)
        rc = aimc_fail(err, "%s:1: expected the header line {\"format\": \"" FORMAT "\", ...}, the file is empty",
                       r->file);
    else if (rc == 0 && t->next_layer != t->model.dense_layers)
        rc = aimc_fail(err, "%s:%ld: truncated: token %u stops after layer %u of %u layers", r->file, r->line,
                       t->tokens, t->next_layer - 1, t->model.layers);
    return rc;
}

aimc_routing_trace *aimc_routing_trace_load(const char *path, const aimc_moe_model *m, aimc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        aimc_fail(err, "%s: cannot open file", path);
        return NULL;
    }
    aimc_routing_trace *t = aimc_routing_trace_create(m, err);
    reader r = {.file = path, .t = t};
    if (t && read_lines(&r, f, err)) {
        aimc_routing_trace_destroy(t);
        t = NULL;
    }
    fclose(f);
    return t;
}

/* ---- writing ---- */

int aimc_routing_trace_write(const aimc_routing_trace *t, const char *path, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    const aimc_moe_model *m = &t->model;
    fprintf(f, "{\"format\": \"" FORMAT "\", \"model\": \"%s\", \"layers\": %u, \"experts\": %u, \"top_k\": %u}\n",
            m->name, m->layers, m->experts, m->top_k);
    for (uint32_t tok = 0; tok < t->tokens; tok++) {
        for (uint32_t l = m->dense_layers; l < m->layers; l++) {
            const uint32_t *e = aimc_routing_trace_experts(t, tok, l);
            const float *g = aimc_routing_trace_gates(t, tok, l);
            fprintf(f, "{\"token\": %u, \"layer\": %u, \"experts\": [", tok, l);
            for (uint32_t i = 0; i < t->top_k; i++)
                fprintf(f, "%s%u", i ? ", " : "", e[i]);
            fputs("], \"gates\": [", f);
            for (uint32_t i = 0; i < t->top_k; i++)
                fprintf(f, "%s%.9g", i ? ", " : "", (double)g[i]);
            fputs("]}\n", f);
        }
    }
    return aimc_output_commit(out, err);
}
