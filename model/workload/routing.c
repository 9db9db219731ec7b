#include "workload/routing.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "workload/route_stream.h"
#include "workload/routing_trace.h"

static const char *const mode_names[AIMC_ROUTE_MODE_COUNT] = {
    [AIMC_ROUTE_UNIFORM] = "uniform",   [AIMC_ROUTE_SKEWED] = "skewed", [AIMC_ROUTE_COSELECT] = "co-selection",
    [AIMC_ROUTE_COMPUTED] = "computed", [AIMC_ROUTE_REPLAY] = "replay",
};

/* Domain tags, so the streams of different purposes never coincide. */
#define TAG_DECISION 0x524f555445ull /* "ROUTE" */
#define TAG_RANKS 0x52414e4bull      /* "RANK" */
#define TAG_PAIRS 0x50414952ull      /* "PAIR" */
#define TAG_HIDDEN 0x48494444454eull /* "HIDDEN" */

const char *aimc_routing_mode_name(aimc_routing_mode mode)
{
    return (unsigned)mode < AIMC_ROUTE_MODE_COUNT ? mode_names[mode] : "?";
}

int aimc_routing_mode_parse(const char *name, const char *file, const char *field, aimc_routing_mode *out,
                            aimc_error *err)
{
    for (int m = 0; m < AIMC_ROUTE_MODE_COUNT; m++)
        if (strcmp(name, mode_names[m]) == 0) {
            *out = (aimc_routing_mode)m;
            return 0;
        }
    return aimc_fail_field(err, file, field,
                           "a routing mode, one of uniform, skewed, co-selection, computed, replay, found \"%s\"",
                           name);
}

struct aimc_router {
    aimc_routing_params p;
    uint32_t *rank_expert; /* skewed: [layer][rank] -> expert */
    double *weight;        /* skewed: [layer][expert] -> Zipf weight of its rank */
    uint32_t *partner;     /* co-selection: [layer][expert] -> partner or UINT32_MAX */
};

/* A per-layer permutation of the experts (Fisher-Yates on the layer's own stream). */
static void layer_permutation(uint64_t seed, uint64_t tag, uint32_t layer, uint32_t n, uint32_t *perm)
{
    aimc_route_stream g = aimc_route_stream_open(aimc_seed_mix(aimc_seed_mix(seed, tag), layer));
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = aimc_route_stream_uniform_int(&g, i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static int check_params(const aimc_routing_params *p, aimc_error *err)
{
    const char *where = "routing parameters";
    if ((unsigned)p->mode >= AIMC_ROUTE_MODE_COUNT)
        return aimc_fail_field(err, where, "mode", "a routing mode, one of uniform, skewed, co-selection, computed, replay");
    if (p->experts < 1 || p->experts > AIMC_ROUTE_MAX_EXPERTS)
        return aimc_fail_field(err, where, "experts", "an integer in [1, %d], found %u", AIMC_ROUTE_MAX_EXPERTS,
                               p->experts);
    uint32_t kmax = p->experts < AIMC_ROUTE_MAX_K ? p->experts : AIMC_ROUTE_MAX_K;
    if (p->top_k < 1 || p->top_k > kmax)
        return aimc_fail_field(err, where, "top_k", "an integer in [1, %u] (at most the %u experts), found %u", kmax,
                               p->experts, p->top_k);
    if (p->layers < 1)
        return aimc_fail_field(err, where, "layers", "at least 1 layer, found 0");
    if (p->mode == AIMC_ROUTE_SKEWED && !(p->zipf_exponent >= 0 && p->zipf_exponent <= 100))
        return aimc_fail_field(err, where, "zipf_exponent", "a number in [0, 100], found %g", p->zipf_exponent);
    if (p->mode == AIMC_ROUTE_COSELECT && !(p->partner_prob >= 0 && p->partner_prob <= 1))
        return aimc_fail_field(err, where, "partner_prob", "a probability in [0, 1], found %g", p->partner_prob);
    if (p->mode == AIMC_ROUTE_COMPUTED) {
        if (p->d_model < 1)
            return aimc_fail_field(err, where, "d_model", "at least 1 for computed routing, found 0");
        if (!p->router_weights)
            return aimc_fail_field(err, where, "router_weights", "router weights for computed routing");
    }
    if (p->mode == AIMC_ROUTE_REPLAY) {
        const char *name = p->trace_path && p->trace_path[0] ? p->trace_path : "routing trace";
        if (!p->trace)
            return aimc_fail_field(err, where, "trace", "a loaded routing trace for replay");
        if (aimc_routing_trace_top_k(p->trace) != p->top_k)
            return aimc_fail_field(err, name, "top_k", "%u as the run routes, found %u", p->top_k,
                                   aimc_routing_trace_top_k(p->trace));
    }
    return 0;
}

aimc_router *aimc_router_create(const aimc_routing_params *params, aimc_error *err)
{
    if (check_params(params, err))
        return NULL;
    aimc_router *r = calloc(1, sizeof *r);
    if (!r) {
        aimc_fail(err, "routing: out of memory");
        return NULL;
    }
    r->p = *params;
    uint32_t E = params->experts, L = params->layers;
    size_t cells = (size_t)L * E;
    if (params->mode == AIMC_ROUTE_SKEWED) {
        r->rank_expert = malloc(cells * sizeof *r->rank_expert);
        r->weight = malloc(cells * sizeof *r->weight);
        if (!r->rank_expert || !r->weight)
            goto oom;
        for (uint32_t l = 0; l < L; l++) {
            uint32_t *perm = r->rank_expert + (size_t)l * E;
            layer_permutation(params->seed, TAG_RANKS, l, E, perm);
            for (uint32_t rank = 0; rank < E; rank++)
                r->weight[(size_t)l * E + perm[rank]] = pow(rank + 1.0, -params->zipf_exponent);
        }
    } else if (params->mode == AIMC_ROUTE_COSELECT) {
        uint32_t *perm = malloc(E * sizeof *perm);
        r->partner = malloc(cells * sizeof *r->partner);
        if (!perm || !r->partner) {
            free(perm);
            goto oom;
        }
        for (uint32_t l = 0; l < L; l++) {
            uint32_t *pa = r->partner + (size_t)l * E;
            layer_permutation(params->seed, TAG_PAIRS, l, E, perm);
            for (uint32_t i = 0; i < E; i++)
                pa[i] = UINT32_MAX;
            for (uint32_t i = 0; i + 1 < E; i += 2) {
                pa[perm[i]] = perm[i + 1];
                pa[perm[i + 1]] = perm[i];
            }
        }
        free(perm);
    }
    return r;
oom:
    aimc_router_destroy(r);
    aimc_fail(err, "routing: out of memory");
    return NULL;
}

void aimc_router_destroy(aimc_router *r)
{
    if (!r)
        return;
    free(r->rank_expert);
    free(r->weight);
    free(r->partner);
    free(r);
}

const aimc_routing_params *aimc_router_params(const aimc_router *r) { return &r->p; }

uint32_t aimc_router_expert_at_rank(const aimc_router *r, uint32_t layer, uint32_t rank)
{
    if (!r->rank_expert || layer >= r->p.layers || rank >= r->p.experts)
        return UINT32_MAX;
    return r->rank_expert[(size_t)layer * r->p.experts + rank];
}

uint32_t aimc_router_partner(const aimc_router *r, uint32_t layer, uint32_t expert)
{
    if (!r->partner || layer >= r->p.layers || expert >= r->p.experts)
        return UINT32_MAX;
    return r->partner[(size_t)layer * r->p.experts + expert];
}

/* ---- sampling ----------------------------------------------------------------------------------------- */

/* The picks so far, kept sorted so "the j-th expert not yet excluded" is one pass. */
typedef struct {
    uint32_t n;
    uint32_t id[AIMC_ROUTE_MAX_K + 1];
} id_set;

static int set_has(const id_set *s, uint32_t e)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->id[i] == e)
            return 1;
    return 0;
}

static void set_add(id_set *s, uint32_t e)
{
    uint32_t i = s->n++;
    while (i > 0 && s->id[i - 1] > e) {
        s->id[i] = s->id[i - 1];
        i--;
    }
    s->id[i] = e;
}

static void set_remove(id_set *s, uint32_t e)
{
    uint32_t i = 0;
    while (i < s->n && s->id[i] != e)
        i++;
    for (; i + 1 < s->n; i++)
        s->id[i] = s->id[i + 1];
    if (s->n)
        s->n--;
}

/* Uniform over [0, E) minus the excluded set (which must leave at least one expert). */
static uint32_t pick_uniform(aimc_route_stream *g, uint32_t E, const id_set *excluded)
{
    uint32_t e = aimc_route_stream_uniform_int(g, E - excluded->n);
    for (uint32_t i = 0; i < excluded->n; i++)
        if (excluded->id[i] <= e)
            e++;
    return e;
}

/* Proportional to weight over the experts not yet picked. */
static uint32_t pick_weighted(aimc_route_stream *g, const double *w, uint32_t E, const id_set *picked)
{
    double total = 0;
    for (uint32_t e = 0; e < E; e++)
        if (!set_has(picked, e))
            total += w[e];
    double u = aimc_route_stream_uniform(g) * total, acc = 0;
    uint32_t last = UINT32_MAX;
    for (uint32_t e = 0; e < E; e++) {
        if (set_has(picked, e))
            continue;
        acc += w[e];
        last = e;
        if (u < acc)
            return e;
    }
    return last; /* u rounded up to the total */
}

static void sample_experts(const aimc_router *r, aimc_route_stream *g, uint32_t layer, uint32_t *pick)
{
    const aimc_routing_params *p = &r->p;
    uint32_t E = p->experts;
    id_set picked = {0, {0}};
    for (uint32_t i = 0; i < p->top_k; i++) {
        uint32_t e;
        if (p->mode == AIMC_ROUTE_SKEWED) {
            e = pick_weighted(g, r->weight + (size_t)layer * E, E, &picked);
        } else if (p->mode == AIMC_ROUTE_COSELECT && i % 2 == 1) {
            uint32_t mate = aimc_router_partner(r, layer, pick[i - 1]);
            int mate_free = mate != UINT32_MAX && !set_has(&picked, mate);
            if (mate_free && aimc_route_stream_uniform(g) < p->partner_prob) {
                e = mate;
            } else if (mate_free && picked.n + 1 < E) {
                set_add(&picked, mate); /* exclude the partner from the uniform draw */
                e = pick_uniform(g, E, &picked);
                set_remove(&picked, mate);
            } else if (mate_free) {
                e = mate; /* the partner is the only expert left */
            } else {
                e = pick_uniform(g, E, &picked);
            }
        } else {
            e = pick_uniform(g, E, &picked);
        }
        pick[i] = e;
        set_add(&picked, e);
    }
}

/* Gates of the sampled picks: k standard-normal logits, largest to the first pick, softmax over the k. */
static void sampled_gates(aimc_route_stream *g, uint32_t k, double *logit)
{
    for (uint32_t i = 0; i < k; i++) {
        double x = aimc_route_stream_gaussian(g);
        uint32_t j = i;
        while (j > 0 && logit[j - 1] < x) {
            logit[j] = logit[j - 1];
            j--;
        }
        logit[j] = x;
    }
}

/* Top-k logits (ties to the lower id), in descending order. */
static void top_k(const float *logits, uint32_t E, uint32_t k, uint32_t *pick, double *logit)
{
    uint32_t n = 0;
    for (uint32_t e = 0; e < E; e++) {
        double x = logits[e];
        if (n == k && !(x > logit[k - 1]))
            continue;
        uint32_t j = n < k ? n++ : k - 1;
        while (j > 0 && logit[j - 1] < x) {
            logit[j] = logit[j - 1];
            pick[j] = pick[j - 1];
            j--;
        }
        logit[j] = x;
        pick[j] = e;
    }
}

/* The route in gate order (descending; equal gates by expert id). */
static void sort_route(uint32_t k, const uint32_t *pick, const double *gates, aimc_route *out)
{
    out->k = k;
    for (uint32_t i = 0; i < k; i++) {
        double gate = gates[i];
        uint32_t j = i;
        while (j > 0 && (out->gate[j - 1] < gate || (out->gate[j - 1] == gate && out->expert[j - 1] > pick[i]))) {
            out->gate[j] = out->gate[j - 1];
            out->expert[j] = out->expert[j - 1];
            j--;
        }
        out->gate[j] = gate;
        out->expert[j] = pick[i];
    }
}

/* Softmax over the selected logits, then in gate order. */
static void finish_route(uint32_t k, const uint32_t *pick, const double *logit, aimc_route *out)
{
    double max = logit[0], sum = 0;
    for (uint32_t i = 1; i < k; i++)
        if (logit[i] > max)
            max = logit[i];
    double w[AIMC_ROUTE_MAX_K];
    for (uint32_t i = 0; i < k; i++)
        sum += w[i] = exp(logit[i] - max);
    for (uint32_t i = 0; i < k; i++)
        w[i] /= sum;
    sort_route(k, pick, w, out);
}

static int replay(const aimc_routing_params *p, uint32_t sequence, uint32_t token, uint32_t layer, aimc_route *out,
                  aimc_error *err)
{
    const char *name = p->trace_path && p->trace_path[0] ? p->trace_path : "routing trace";
    uint32_t held = aimc_routing_trace_tokens(p->trace);
    uint64_t per_seq = p->tokens_per_sequence ? p->tokens_per_sequence : held;
    if (token >= per_seq)
        return aimc_fail(err, "%s: token %u of sequence %u is past the %llu tokens per sequence it replays", name,
                         token, sequence, (unsigned long long)per_seq);
    uint64_t rec = (uint64_t)sequence * per_seq + token;
    if (rec >= held)
        return aimc_fail(err, "%s: holds %u tokens; sequence %u token %u needs token %llu (%llu tokens per sequence)",
                         name, held, sequence, token, (unsigned long long)rec, (unsigned long long)per_seq);
    const uint32_t *experts = aimc_routing_trace_experts(p->trace, (uint32_t)rec, layer);
    const float *gates = aimc_routing_trace_gates(p->trace, (uint32_t)rec, layer);
    if (!experts || !gates)
        return aimc_fail(err, "%s: layer %u is not an MoE layer of the traced model", name, layer);
    double g[AIMC_ROUTE_MAX_K];
    for (uint32_t i = 0; i < p->top_k; i++) {
        if (experts[i] >= p->experts)
            return aimc_fail(err, "%s: token %llu layer %u selects expert %u, the model has %u", name,
                             (unsigned long long)rec, layer, experts[i], p->experts);
        g[i] = gates[i];
    }
    sort_route(p->top_k, experts, g, out);
    return 0;
}

/* The random stream of one (sequence, token, layer) for one purpose (tag). */
static aimc_route_stream decision_stream(uint64_t seed, uint64_t tag, uint32_t sequence, uint32_t token,
                                         uint32_t layer)
{
    uint64_t key = aimc_seed_mix(seed, tag);
    key = aimc_seed_mix(key, sequence);
    key = aimc_seed_mix(key, token);
    key = aimc_seed_mix(key, layer);
    return aimc_route_stream_open(key);
}

void aimc_router_synthetic_hidden(const aimc_router *r, uint32_t sequence, uint32_t token, uint32_t layer, float *h)
{
    aimc_route_stream g = decision_stream(r->p.seed, TAG_HIDDEN, sequence, token, layer);
    for (uint32_t i = 0; i < r->p.d_model; i++)
        h[i] = (float)aimc_route_stream_gaussian(&g);
}

/* Top-k of W_r h.  A synthetic h is allocated per call (d_model floats), so concurrent calls share nothing. */
static int computed(const aimc_router *r, uint32_t sequence, uint32_t token, uint32_t layer, const float *hidden,
                    uint32_t *pick, double *logit, aimc_error *err)
{
    const aimc_routing_params *p = &r->p;
    if (!hidden && !p->synthetic_hidden)
        return aimc_fail(err, "routing: computed routing needs the hidden vector (sequence %u, token %u, layer %u)",
                         sequence, token, layer);
    if (!p->router_weights[layer])
        return aimc_fail(err, "routing: layer %u has no router weights (not an MoE layer?)", layer);
    float *drawn = NULL;
    if (!hidden) {
        if (!(drawn = malloc((size_t)p->d_model * sizeof *drawn)))
            return aimc_fail(err, "routing: out of memory");
        aimc_router_synthetic_hidden(r, sequence, token, layer, drawn);
    }
    float logits[AIMC_ROUTE_MAX_EXPERTS];
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)p->experts, (int)p->d_model, 1.0f, p->router_weights[layer],
                (int)p->d_model, hidden ? hidden : drawn, 1, 0.0f, logits, 1);
    free(drawn);
    top_k(logits, p->experts, p->top_k, pick, logit);
    return 0;
}

int aimc_router_route(const aimc_router *r, uint32_t sequence, uint32_t token, uint32_t layer, const float *hidden,
                      aimc_route *out, aimc_error *err)
{
    const aimc_routing_params *p = &r->p;
    if (layer >= p->layers)
        return aimc_fail(err, "routing: layer %u asked for, the router has layers 0..%u", layer, p->layers - 1);
    uint32_t pick[AIMC_ROUTE_MAX_K];
    double logit[AIMC_ROUTE_MAX_K];
    if (p->mode == AIMC_ROUTE_REPLAY)
        return replay(p, sequence, token, layer, out, err);
    if (p->mode == AIMC_ROUTE_COMPUTED) {
        if (computed(r, sequence, token, layer, hidden, pick, logit, err))
            return -1;
    } else {
        aimc_route_stream g = decision_stream(p->seed, TAG_DECISION, sequence, token, layer);
        sample_experts(r, &g, layer, pick);
        sampled_gates(&g, p->top_k, logit);
    }
    finish_route(p->top_k, pick, logit, out);
    return 0;
}

aimc_routing_trace *aimc_router_sample_trace(const aimc_router *r, const aimc_moe_model *m, uint32_t tokens,
                                             aimc_error *err)
{
    aimc_routing_trace *t = aimc_routing_trace_create(m, err);
    for (uint32_t tok = 0; t && tok < tokens; tok++)
        for (uint32_t l = m->dense_layers; l < m->layers; l++) {
            aimc_route route;
            if (aimc_router_route(r, 0, tok, l, NULL, &route, err) ||
                aimc_routing_trace_append(t, tok, l, route.expert, route.gate, err)) {
                aimc_routing_trace_destroy(t);
                return NULL;
            }
        }
    return t;
}
