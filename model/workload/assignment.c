#include "workload/assignment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct aimc_assignment {
    aimc_moe_model model;
    aimc_assignment_options options;
    size_t matrices;
    uint8_t *placement;  /* per matrix */
    uint8_t *digital;    /* per (layer, expert) */
};

static const char *const placement_names[AIMC_PLACE_COUNT] = {"analog", "digital", "lookup"};
static const char *const setting_names[AIMC_SETTING_COUNT] = {"heterogeneous", "all-analog"};
static const char *const criterion_names[AIMC_CRITERION_COUNT] = {
    "max-neuron-norm", "activation-frequency", "mean-routing-weight", "router-norm", "random",
};

const char *aimc_placement_name(aimc_placement p) { return placement_names[p]; }
const char *aimc_setting_name(aimc_setting s) { return setting_names[s]; }
const char *aimc_criterion_name(aimc_criterion c) { return criterion_names[c]; }

static int parse(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int aimc_setting_parse(const char *name) { return parse(setting_names, AIMC_SETTING_COUNT, name); }
int aimc_criterion_parse(const char *name) { return parse(criterion_names, AIMC_CRITERION_COUNT, name); }

/* Where a module goes before any routed expert is moved to digital. */
static aimc_placement module_default(aimc_setting s, aimc_module mod)
{
    if (s == AIMC_SETTING_ALL_ANALOG)
        return AIMC_PLACE_ANALOG;
    switch (mod) {
    case AIMC_MODULE_EMBEDDING:
        return AIMC_PLACE_LOOKUP;
    case AIMC_MODULE_EXPERT:
        return AIMC_PLACE_ANALOG;
    default: /* attention, router, shared experts, dense FFNs, LM head: densely activated */
        return AIMC_PLACE_DIGITAL;
    }
}

typedef struct {
    double score;
    uint32_t layer, expert;
} ranked;

static int by_score_desc(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    return a->expert < b->expert ? -1 : a->expert > b->expert;
}

/* Marks the `take` best of items[0..n) digital. */
static void take_best(aimc_assignment *a, ranked *items, size_t n, size_t take)
{
    qsort(items, n, sizeof *items, by_score_desc);
    for (size_t i = 0; i < take && i < n; i++)
        a->digital[(size_t)items[i].layer * a->model.experts + items[i].expert] = 1;
}

static int choose_digital_experts(aimc_assignment *a, const double *scores, aimc_error *err)
{
    const aimc_moe_model *m = &a->model;
    double f = a->options.digital_expert_fraction;
    uint32_t moe = aimc_moe_model_moe_layers(m);
    if (f == 0 || moe == 0)
        return 0;
    if (!scores)
        return aimc_fail(err, "assignment: digital expert fraction %g needs expert scores", f);
    ranked *items = malloc((size_t)moe * m->experts * sizeof *items);
    if (!items)
        return aimc_fail(err, "assignment: out of memory");
    size_t n = 0;
    for (uint32_t l = m->dense_layers; l < m->layers; l++) {
        size_t first = n;
        for (uint32_t e = 0; e < m->experts; e++) {
            double s = scores[(size_t)l * m->experts + e];
            if (!isfinite(s)) {
                free(items);
                return aimc_fail(err, "assignment: score of layer %u expert %u is not finite (%g)", l, e, s);
            }
            items[n++] = (ranked){s, l, e};
        }
        if (!a->options.global_ranking)
            take_best(a, items + first, m->experts, (size_t)llround(f * m->experts));
    }
    if (a->options.global_ranking)
        take_best(a, items, n, (size_t)llround(f * (double)n));
    free(items);
    return 0;
}

static void place_matrices(aimc_assignment *a)
{
    for (size_t i = 0; i < a->matrices; i++) {
        aimc_matrix x;
        aimc_matrix_at(&a->model, i, &x);
        aimc_placement p = module_default(a->options.setting, x.module);
        if (x.module == AIMC_MODULE_EXPERT && aimc_assignment_expert_digital(a, (uint32_t)x.layer, (uint32_t)x.expert))
            p = AIMC_PLACE_DIGITAL;
        a->placement[i] = (uint8_t)p;
    }
}

aimc_assignment *aimc_assignment_create(const aimc_moe_model *m, const aimc_assignment_options *o,
                                        const double *scores, aimc_error *err)
{
    if (!(o->digital_expert_fraction >= 0 && o->digital_expert_fraction <= 1)) {
        aimc_fail(err, "assignment: digital expert fraction: expected a number in [0, 1], found %g",
                  o->digital_expert_fraction);
        return NULL;
    }
    aimc_assignment *a = calloc(1, sizeof *a);
    if (!a) {
        aimc_fail(err, "assignment: out of memory");
        return NULL;
    }
    a->model = *m;
    a->options = *o;
    a->matrices = aimc_matrix_count(m);
    a->placement = calloc(a->matrices, 1);
    a->digital = calloc((size_t)m->layers * (m->experts ? m->experts : 1), 1);
    if (!a->placement || !a->digital) {
        aimc_fail(err, "assignment: out of memory");
        aimc_assignment_destroy(a);
        return NULL;
    }
    if (choose_digital_experts(a, scores, err)) {
        aimc_assignment_destroy(a);
        return NULL;
    }
    place_matrices(a);
    return a;
}

void aimc_assignment_destroy(aimc_assignment *a)
{
    if (!a)
        return;
    free(a->placement);
    free(a->digital);
    free(a);
}

const aimc_assignment_options *aimc_assignment_options_of(const aimc_assignment *a) { return &a->options; }

aimc_placement aimc_assignment_placement(const aimc_assignment *a, size_t index)
{
    return (aimc_placement)a->placement[index];
}

bool aimc_assignment_expert_digital(const aimc_assignment *a, uint32_t layer, uint32_t expert)
{
    if (layer >= a->model.layers || expert >= a->model.experts)
        return false;
    return a->digital[(size_t)layer * a->model.experts + expert] != 0;
}

void aimc_assignment_stats_of(const aimc_assignment *a, aimc_assignment_stats *out)
{
    memset(out, 0, sizeof *out);
    uint64_t rest[AIMC_PLACE_COUNT] = {0}; /* all but the embedding, by placement */
    uint64_t digital_no_router = 0;
    for (size_t i = 1; i < a->matrices; i++) {
        aimc_matrix x;
        aimc_matrix_at(&a->model, i, &x);
        /* A tied LM head computes with the embedding's parameters: they are counted once, at the embedding. */
        if (!(x.module == AIMC_MODULE_LM_HEAD && a->model.tied_embeddings)) {
            rest[a->placement[i]] += aimc_matrix_params(&x);
            if (a->placement[i] == AIMC_PLACE_DIGITAL && x.module != AIMC_MODULE_ROUTER)
                digital_no_router += aimc_matrix_params(&x);
        }
    }
    aimc_placement emb = (aimc_placement)a->placement[0];
    out->embedding = (uint64_t)a->model.vocab * a->model.d_model;
    uint64_t all = out->embedding;
    for (int p = 0; p < AIMC_PLACE_COUNT; p++) {
        out->params[p] = rest[p] + (p == (int)emb ? out->embedding : 0);
        all += rest[p];
    }
    out->digital_share = (double)rest[AIMC_PLACE_DIGITAL] / (double)(all - out->embedding);
    out->digital_share_with_embedding =
        (double)(rest[AIMC_PLACE_DIGITAL] + (emb != AIMC_PLACE_ANALOG ? out->embedding : 0)) / (double)all;
    out->digital_share_paper =
        (double)(digital_no_router + (emb == AIMC_PLACE_DIGITAL ? out->embedding : 0)) / (double)all;
    uint32_t moe = aimc_moe_model_moe_layers(&a->model);
    out->routed_experts = moe * a->model.experts;
    for (uint32_t l = a->model.dense_layers; moe && l < a->model.layers; l++)
        for (uint32_t e = 0; e < a->model.experts; e++)
            out->digital_experts += aimc_assignment_expert_digital(a, l, e);
}
