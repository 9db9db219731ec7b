#include "routing_trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_config.h"
#include "output_file.h"
#include "rng.h"

#define FORMAT "aimc3d-routing-trace/1"

struct aimc_routing_trace {
    aimc_moe_model model;
    uint32_t moe_layers, top_k;
    uint32_t tokens, capacity;
    uint32_t *experts; /* [token][moe layer][k] */
    float *gates;
};

static aimc_routing_trace *trace_new(const aimc_moe_model *m, aimc_error *err)
{
    aimc_routing_trace *t = calloc(1, sizeof *t);
    if (!t) {
        aimc_fail(err, "routing trace: out of memory");
        return NULL;
    }
    t->model = *m;
    t->moe_layers = aimc_moe_model_moe_layers(m);
    t->top_k = m->top_k;
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

/* ---- reading ---- */

typedef struct {
    const char *file;
    long line;
    aimc_routing_trace *t;
    uint32_t token, layer; /* the record expected next */
} reader;

static json_object *parse_line(const reader *r, const char *text, size_t len, aimc_error *err)
{
    json_tokener *tok = json_tokener_new();
    json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
    size_t end = tok ? json_tokener_get_parse_end(tok) : 0;
    const char *why = !tok ? "out of memory"
                      : !o ? (json_tokener_get_error(tok) == json_tokener_continue
                                  ? "unexpected end of line"
                                  : json_tokener_error_desc(json_tokener_get_error(tok)))
                           : NULL;
    if (o && end < len && strspn(text + end, " \t\r") < len - end) {
        why = "unexpected text after the value";
        json_object_put(o);
        o = NULL;
    }
    if (o && !json_object_is_type(o, json_type_object)) {
        why = "expected an object";
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    if (!o)
        aimc_fail(err, "%s:%ld:%zu: malformed JSON: %s", r->file, r->line, end + 1, why);
    return o;
}

static int header_field(const reader *r, json_object *o, const char *key, uint32_t expected, aimc_error *err)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%ld", r->file, r->line);
    long v;
    if (aimc_json_get_int(o, (aimc_json_where){where, ""}, key, 0, 1L << 30, &v, err))
        return -1;
    if ((uint32_t)v != expected)
        return aimc_fail_field(err, where, key, "%u (the model %s has that), found %ld", expected, r->t->model.name, v);
    return 0;
}

static int read_header(const reader *r, json_object *o, aimc_error *err)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%ld", r->file, r->line);
    const char *format;
    if (aimc_json_get_string(o, (aimc_json_where){where, ""}, "format", &format, err))
        return -1;
    if (strcmp(format, FORMAT) != 0)
        return aimc_fail_field(err, where, "format", "\"" FORMAT "\", found \"%s\"", format);
    const aimc_moe_model *m = &r->t->model;
    return header_field(r, o, "layers", m->layers, err) || header_field(r, o, "experts", m->experts, err) ||
                   header_field(r, o, "top_k", m->top_k, err)
               ? -1
               : 0;
}

/* experts: top_k distinct ids < experts; gates: top_k finite numbers >= 0. */
static int read_choices(const reader *r, json_object *o, uint32_t *experts, float *gates, aimc_error *err)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%ld", r->file, r->line);
    uint32_t k = r->t->top_k, E = r->t->model.experts;
    json_object *ea, *ga;
    if (!json_object_object_get_ex(o, "experts", &ea) || !json_object_is_type(ea, json_type_array) ||
        json_object_array_length(ea) != k)
        return aimc_fail_field(err, where, "experts", "a list of top_k = %u expert ids", k);
    if (!json_object_object_get_ex(o, "gates", &ga) || !json_object_is_type(ga, json_type_array) ||
        json_object_array_length(ga) != k)
        return aimc_fail_field(err, where, "gates", "a list of top_k = %u gate values", k);
    for (uint32_t i = 0; i < k; i++) {
        json_object *e = json_object_array_get_idx(ea, i), *g = json_object_array_get_idx(ga, i);
        int64_t id = json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;
        if (id < 0 || id >= E)
            return aimc_fail_field(err, where, "experts", "expert ids in [0, %u)", E);
        for (uint32_t j = 0; j < i; j++)
            if (experts[j] == (uint32_t)id)
                return aimc_fail_field(err, where, "experts", "distinct expert ids, found %u twice", experts[j]);
        double v = json_object_is_type(g, json_type_double) || json_object_is_type(g, json_type_int)
                       ? json_object_get_double(g) : -1;
        if (!(v >= 0 && isfinite(v)))
            return aimc_fail_field(err, where, "gates", "finite numbers >= 0");
        experts[i] = (uint32_t)id;
        gates[i] = (float)v;
    }
    return 0;
}

static int read_record(reader *r, json_object *o, aimc_error *err)
{
    char where[600];
    snprintf(where, sizeof where, "%s:%ld", r->file, r->line);
    aimc_json_where at = {where, ""};
    long token, layer;
    if (aimc_json_get_int(o, at, "token", 0, UINT32_MAX - 1, &token, err) ||
        aimc_json_get_int(o, at, "layer", 0, r->t->model.layers, &layer, err))
        return -1;
    if ((uint32_t)token != r->token)
        return aimc_fail_field(err, where, "token", "%u (records go token by token from 0), found %ld", r->token, token);
    if ((uint32_t)layer != r->layer)
        return aimc_fail_field(err, where, "layer", "%u (each token's MoE layers in increasing order), found %ld",
                               r->layer, layer);
    if (reserve(r->t, r->token + 1, err))
        return -1;
    size_t at_rec = record_at(r->t, r->token, r->layer);
    if (read_choices(r, o, r->t->experts + at_rec, r->t->gates + at_rec, err))
        return -1;
    if (++r->layer == r->t->model.layers) {
        r->t->tokens = ++r->token;
        r->layer = r->t->model.dense_layers;
    }
    return 0;
}

static int read_lines(reader *r, FILE *f, aimc_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
        r->line++;
        if (line[n - 1] != '\n') {
            rc = aimc_fail(err, "%s:%ld: truncated: the last line has no end of line", r->file, r->line);
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
    if (rc == 0 && ferror(f))
        rc = aimc_fail(err, "%s: cannot read file", r->file);
    else if (rc == 0 && r->line == 0)
        rc = aimc_fail(err, "%s:1: expected the header line {\"format\": \"" FORMAT "\", ...}, the file is empty", r->file);
    else if (rc == 0 && r->layer != r->t->model.dense_layers)
        rc = aimc_fail(err, "%s:%ld: truncated: token %u stops after layer %u of %u layers", r->file, r->line,
                       r->token, r->layer - 1, r->t->model.layers);
    return rc;
}

aimc_routing_trace *aimc_routing_trace_load(const char *path, const aimc_moe_model *m, aimc_error *err)
{
    if (m->experts == 0) {
        aimc_fail(err, "%s: model %s is dense: it has no routing to trace", path, m->name);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        aimc_fail(err, "%s: cannot open file", path);
        return NULL;
    }
    aimc_routing_trace *t = trace_new(m, err);
    reader r = {path, 0, t, 0, m->dense_layers};
    if (!t || read_lines(&r, f, err)) {
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

/* ---- sampling ---- */

/* Draws k distinct experts in proportion to weight (w is consumed: chosen weights are zeroed). */
static void draw_without_replacement(aimc_rng *rng, double *w, uint32_t E, double total, uint32_t k, uint32_t *out)
{
    for (uint32_t i = 0; i < k; i++) {
        double u = aimc_rng_uniform(rng) * total, acc = 0;
        uint32_t pick = E;
        for (uint32_t e = 0; e < E && pick == E; e++) {
            acc += w[e];
            if (w[e] > 0 && u < acc)
                pick = e;
        }
        for (uint32_t e = E; pick == E && e-- > 0;) /* rounding left u at the very end: take the last left */
            if (w[e] > 0)
                pick = e;
        out[i] = pick;
        total -= w[pick];
        w[pick] = 0;
    }
}

static int by_float_desc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void random_gates(aimc_rng *rng, uint32_t k, float *g)
{
    double sum = 0;
    for (uint32_t i = 0; i < k; i++)
        sum += g[i] = (float)(1.0 - aimc_rng_uniform(rng)); /* (0, 1] */
    for (uint32_t i = 0; i < k; i++)
        g[i] = (float)(g[i] / sum);
    qsort(g, k, sizeof *g, by_float_desc);
}

/* Zipf popularity over a random order of the experts (order is scratch space for E entries). */
static void popularity(aimc_rng *rng, uint32_t E, double skew, uint32_t *order, double *pop)
{
    for (uint32_t e = 0; e < E; e++)
        order[e] = e;
    for (uint32_t e = E; e-- > 1;) {
        uint32_t j = aimc_rng_uniform_int(rng, e + 1), tmp = order[e];
        order[e] = order[j];
        order[j] = tmp;
    }
    for (uint32_t rank = 0; rank < E; rank++)
        pop[order[rank]] = pow(rank + 1.0, -skew);
}

static void sample_tokens(aimc_routing_trace *t, aimc_rng *rng, uint32_t tokens, double skew, uint32_t *order,
                          double *pop, double *w)
{
    uint32_t E = t->model.experts;
    for (uint32_t j = 0; j < t->moe_layers; j++)
        popularity(rng, E, skew, order, pop + (size_t)j * E);
    for (uint32_t tok = 0; tok < tokens; tok++)
        for (uint32_t j = 0; j < t->moe_layers; j++) {
            double total = 0;
            for (uint32_t e = 0; e < E; e++)
                total += w[e] = pop[(size_t)j * E + e];
            size_t at = ((size_t)tok * t->moe_layers + j) * t->top_k;
            draw_without_replacement(rng, w, E, total, t->top_k, t->experts + at);
            random_gates(rng, t->top_k, t->gates + at);
        }
    t->tokens = tokens;
}

aimc_routing_trace *aimc_routing_trace_sample(const aimc_moe_model *m, uint32_t tokens, double skew, uint64_t seed,
                                              aimc_error *err)
{
    if (m->experts == 0) {
        aimc_fail(err, "routing trace: model %s is dense: it has no routing to sample", m->name);
        return NULL;
    }
    aimc_routing_trace *t = trace_new(m, err);
    if (!t)
        return NULL;
    uint32_t E = m->experts;
    aimc_rng *rng = aimc_rng_create(seed);
    uint32_t *order = malloc(E * sizeof *order);
    double *pop = malloc((size_t)t->moe_layers * E * sizeof *pop), *w = malloc(E * sizeof *w);
    int failed = !rng || !order || !pop || !w || reserve(t, tokens, err);
    if (failed)
        aimc_fail(err, "routing trace: out of memory for %u sampled tokens", tokens);
    else
        sample_tokens(t, rng, tokens, skew, order, pop, w);
    free(order);
    free(pop);
    free(w);
    aimc_rng_destroy(rng);
    if (failed) {
        aimc_routing_trace_destroy(t);
        return NULL;
    }
    return t;
}
