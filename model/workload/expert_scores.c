#include "workload/expert_scores.h"

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "workload/matrices.h"

static int max_neuron_norm(const aimc_moe_model *m, const aimc_weights *w, uint32_t layer, uint32_t expert,
                           double *score, aimc_error *err)
{
    long first = aimc_matrix_expert_first(m, (int)layer, (int)expert);
    *score = 1;
    for (uint32_t r = 0; r < aimc_moe_model_ffn_matrices(m); r++) {
        aimc_matrix x;
        aimc_matrix_at(m, (size_t)first + r, &x);
        const aimc_safetensors *st;
        const aimc_st_tensor *t;
        double norm;
        if (aimc_weights_matrix(w, m, &x, &st, &t, err) || aimc_safetensors_max_row_norm(st, t, &norm, err))
            return -1;
        *score *= norm;
    }
    return 0;
}

static int router_norms(const aimc_moe_model *m, const aimc_weights *w, uint32_t layer, double *row, aimc_error *err)
{
    aimc_matrix x;
    aimc_matrix_at(m, (size_t)aimc_matrix_index(m, (int)layer, AIMC_MODULE_ROUTER, -1, AIMC_ROLE_WEIGHT), &x);
    const aimc_safetensors *st;
    const aimc_st_tensor *t;
    return aimc_weights_matrix(w, m, &x, &st, &t, err) || aimc_safetensors_row_norms(st, t, row, err) ? -1 : 0;
}

static int trace_scores(const aimc_moe_model *m, aimc_criterion c, const aimc_routing_trace *trace, uint32_t layer,
                        double *row, aimc_error *err)
{
    uint32_t tokens = aimc_routing_trace_tokens(trace);
    if (tokens == 0)
        return aimc_fail(err, "criterion %s: the routing trace holds no token", aimc_criterion_name(c));
    uint64_t *selected = malloc(m->experts * sizeof *selected);
    double *gate_sum = malloc(m->experts * sizeof *gate_sum);
    if (!selected || !gate_sum) {
        free(selected);
        free(gate_sum);
        return aimc_fail(err, "criterion %s: out of memory", aimc_criterion_name(c));
    }
    aimc_routing_trace_expert_stats(trace, layer, selected, gate_sum);
    for (uint32_t e = 0; e < m->experts; e++)
        row[e] = c == AIMC_CRITERION_ACTIVATION_FREQUENCY ? (double)selected[e] / tokens
                 : selected[e]                            ? gate_sum[e] / (double)selected[e]
                                                          : 0;
    free(selected);
    free(gate_sum);
    return 0;
}

static int random_scores(const aimc_moe_model *m, uint64_t seed, uint32_t layer, double *row, aimc_error *err)
{
    aimc_rng *r = aimc_rng_create(aimc_seed_mix(seed, layer));
    if (!r)
        return aimc_fail(err, "criterion random: out of memory");
    for (uint32_t e = 0; e < m->experts; e++)
        row[e] = aimc_rng_uniform(r);
    aimc_rng_destroy(r);
    return 0;
}

static int needs(aimc_criterion c, const void *input, const char *what, aimc_error *err)
{
    return input ? 0 : aimc_fail(err, "criterion %s: expected %s, none given", aimc_criterion_name(c), what);
}

static int layer_scores(const aimc_moe_model *m, aimc_criterion c, const aimc_score_inputs *in, uint32_t layer,
                        double *row, aimc_error *err)
{
    switch (c) {
    case AIMC_CRITERION_MAX_NEURON_NORM:
        for (uint32_t e = 0; e < m->experts; e++)
            if (max_neuron_norm(m, in->weights, layer, e, &row[e], err))
                return -1;
        return 0;
    case AIMC_CRITERION_ROUTER_NORM:
        return router_norms(m, in->weights, layer, row, err);
    case AIMC_CRITERION_ACTIVATION_FREQUENCY:
    case AIMC_CRITERION_MEAN_ROUTING_WEIGHT:
        return trace_scores(m, c, in->trace, layer, row, err);
    default:
        return random_scores(m, in->seed, layer, row, err);
    }
}

int aimc_expert_scores(const aimc_moe_model *m, aimc_criterion c, const aimc_score_inputs *in, double *scores,
                       aimc_error *err)
{
    if ((unsigned)c >= AIMC_CRITERION_COUNT)
        return aimc_fail(err, "expert scores: unknown criterion %d", (int)c);
    if (((c == AIMC_CRITERION_MAX_NEURON_NORM || c == AIMC_CRITERION_ROUTER_NORM) &&
         needs(c, in->weights, "the model's weights (a safetensors file or folder)", err)) ||
        ((c == AIMC_CRITERION_ACTIVATION_FREQUENCY || c == AIMC_CRITERION_MEAN_ROUTING_WEIGHT) &&
         (needs(c, in->trace, "a routing trace", err) || aimc_routing_trace_check_model(in->trace, m, err))))
        return -1;
    memset(scores, 0, (size_t)m->layers * m->experts * sizeof *scores);
    for (uint32_t l = m->dense_layers; m->experts && l < m->layers; l++)
        if (layer_scores(m, c, in, l, scores + (size_t)l * m->experts, err))
            return -1;
    return 0;
}
