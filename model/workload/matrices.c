#include "workload/matrices.h"

#include <stdio.h>

static const char *const role_names[AIMC_ROLE_COUNT] = {
    "weight", "q", "k", "v", "o", "gate", "up", "down", "shared_gate",
};

const char *aimc_role_name(aimc_role r) { return role_names[r]; }

/* Sizes of the per-layer groups, so that an index is a few multiplications away. */
typedef struct {
    size_t ffn;        /* matrices of one FFN: 2 or 3 */
    size_t gates;      /* router matrices of an MoE layer: 1 or 2 */
    size_t shared;     /* shared-expert matrices of an MoE layer: 0 or ffn */
    size_t dense_size; /* matrices of a dense layer */
    size_t moe_size;   /* matrices of an MoE layer */
} layout;

static layout layout_of(const aimc_moe_model *m)
{
    layout L;
    L.ffn = aimc_moe_model_ffn_matrices(m);
    L.gates = 1 + (m->shared_gate ? 1 : 0);
    L.shared = m->shared_hidden > 0 ? L.ffn : 0;
    L.dense_size = 4 + L.ffn;
    L.moe_size = 4 + L.gates + (size_t)m->experts * L.ffn + L.shared;
    return L;
}

static size_t layer_base(const aimc_moe_model *m, const layout *L, uint32_t layer)
{
    uint32_t dense = layer < m->dense_layers ? layer : m->dense_layers;
    return 1 + dense * L->dense_size + (size_t)(layer - dense) * L->moe_size;
}

size_t aimc_matrix_count(const aimc_moe_model *m)
{
    layout L = layout_of(m);
    return layer_base(m, &L, m->layers) + 1;
}

/* Position of an FFN role among the FFN's matrices. */
static long ffn_slot(const layout *L, aimc_role role)
{
    if (role == AIMC_ROLE_GATE)
        return L->ffn == 3 ? 0 : -1;
    if (role == AIMC_ROLE_UP || role == AIMC_ROLE_DOWN)
        return (long)L->ffn - (role == AIMC_ROLE_UP ? 2 : 1);
    return -1;
}

static long moe_layer_index(const aimc_moe_model *m, const layout *L, size_t base, aimc_module module, int expert,
                            aimc_role role)
{
    size_t experts_base = base + 4 + L->gates;
    long slot = ffn_slot(L, role);
    switch (module) {
    case AIMC_MODULE_ROUTER:
        if (role == AIMC_ROLE_WEIGHT)
            return (long)base + 4;
        return role == AIMC_ROLE_SHARED_GATE && L->gates == 2 ? (long)base + 5 : -1;
    case AIMC_MODULE_EXPERT:
        if (expert < 0 || (uint32_t)expert >= m->experts || slot < 0)
            return -1;
        return (long)(experts_base + (size_t)expert * L->ffn) + slot;
    case AIMC_MODULE_SHARED_EXPERT:
        return L->shared && slot >= 0 ? (long)(experts_base + (size_t)m->experts * L->ffn) + slot : -1;
    default:
        return -1;
    }
}

long aimc_matrix_index(const aimc_moe_model *m, int layer, aimc_module module, int expert, aimc_role role)
{
    layout L = layout_of(m);
    if (module == AIMC_MODULE_EMBEDDING || module == AIMC_MODULE_LM_HEAD) {
        if (layer != -1 || expert != -1 || role != AIMC_ROLE_WEIGHT)
            return -1;
        return module == AIMC_MODULE_EMBEDDING ? 0 : (long)layer_base(m, &L, m->layers);
    }
    if (layer < 0 || (uint32_t)layer >= m->layers || (module != AIMC_MODULE_EXPERT && expert != -1))
        return -1;
    size_t base = layer_base(m, &L, (uint32_t)layer);
    if (module == AIMC_MODULE_ATTENTION)
        return role >= AIMC_ROLE_Q && role <= AIMC_ROLE_O ? (long)base + (role - AIMC_ROLE_Q) : -1;
    if (!aimc_moe_model_layer_is_moe(m, (uint32_t)layer)) {
        long slot = ffn_slot(&L, role);
        return module == AIMC_MODULE_DENSE_FFN && slot >= 0 ? (long)base + 4 + slot : -1;
    }
    return moe_layer_index(m, &L, base, module, expert, role);
}

long aimc_matrix_expert_first(const aimc_moe_model *m, int layer, int expert)
{
    return aimc_matrix_index(m, layer, AIMC_MODULE_EXPERT, expert, m->gated ? AIMC_ROLE_GATE : AIMC_ROLE_UP);
}

/* Fills role and dimensions of the FFN matrix at slot (gate, up, down order) of an FFN `hidden` wide. */
static void ffn_matrix(const aimc_moe_model *m, const layout *L, size_t slot, uint32_t hidden, aimc_matrix *x)
{
    static const aimc_role gated[3] = {AIMC_ROLE_GATE, AIMC_ROLE_UP, AIMC_ROLE_DOWN};
    x->role = L->ffn == 3 ? gated[slot] : gated[slot + 1];
    x->in_dim = x->role == AIMC_ROLE_DOWN ? hidden : m->d_model;
    x->out_dim = x->role == AIMC_ROLE_DOWN ? m->d_model : hidden;
}

static void attention_matrix(const aimc_moe_model *m, size_t slot, aimc_matrix *x)
{
    uint32_t q = m->heads * m->head_dim, kv = m->kv_heads * m->head_dim;
    x->module = AIMC_MODULE_ATTENTION;
    x->role = (aimc_role)(AIMC_ROLE_Q + slot);
    x->in_dim = x->role == AIMC_ROLE_O ? q : m->d_model;
    x->out_dim = x->role == AIMC_ROLE_Q ? q : x->role == AIMC_ROLE_O ? m->d_model : kv;
}

static void moe_matrix(const aimc_moe_model *m, const layout *L, size_t slot, aimc_matrix *x)
{
    if (slot < L->gates) {
        x->module = AIMC_MODULE_ROUTER;
        x->role = slot == 0 ? AIMC_ROLE_WEIGHT : AIMC_ROLE_SHARED_GATE;
        x->in_dim = m->d_model;
        x->out_dim = slot == 0 ? m->experts : 1;
        return;
    }
    slot -= L->gates;
    if (slot < (size_t)m->experts * L->ffn) {
        x->module = AIMC_MODULE_EXPERT;
        x->expert = (int32_t)(slot / L->ffn);
        ffn_matrix(m, L, slot % L->ffn, m->expert_hidden, x);
        return;
    }
    x->module = AIMC_MODULE_SHARED_EXPERT;
    ffn_matrix(m, L, slot - (size_t)m->experts * L->ffn, m->shared_hidden, x);
}

void aimc_matrix_at(const aimc_moe_model *m, size_t index, aimc_matrix *x)
{
    layout L = layout_of(m);
    *x = (aimc_matrix){.layer = -1, .expert = -1, .role = AIMC_ROLE_WEIGHT};
    size_t end = layer_base(m, &L, m->layers);
    if (index == 0 || index == end) {
        x->module = index == 0 ? AIMC_MODULE_EMBEDDING : AIMC_MODULE_LM_HEAD;
        x->in_dim = index == 0 ? m->vocab : m->d_model;
        x->out_dim = index == 0 ? m->d_model : m->vocab;
        return;
    }
    size_t dense_end = 1 + (size_t)m->dense_layers * L.dense_size;
    size_t slot;
    if (index < dense_end) {
        x->layer = (int32_t)((index - 1) / L.dense_size);
        slot = (index - 1) % L.dense_size;
    } else {
        x->layer = (int32_t)(m->dense_layers + (index - dense_end) / L.moe_size);
        slot = (index - dense_end) % L.moe_size;
    }
    if (slot < 4) {
        attention_matrix(m, slot, x);
    } else if (index < dense_end) {
        x->module = AIMC_MODULE_DENSE_FFN;
        ffn_matrix(m, &L, slot - 4, m->dense_hidden, x);
    } else {
        moe_matrix(m, &L, slot - 4, x);
    }
}

void aimc_matrix_label(const aimc_matrix *x, char *buf, size_t size)
{
    const char *module = aimc_module_name(x->module);
    if (x->layer < 0)
        snprintf(buf, size, "%s", module);
    else if (x->module == AIMC_MODULE_EXPERT)
        snprintf(buf, size, "layer %d routed expert %d %s", x->layer, x->expert, aimc_role_name(x->role));
    else
        snprintf(buf, size, "layer %d %s %s", x->layer, module, aimc_role_name(x->role));
}

void aimc_digital_matrices_cost(const aimc_digital_expert_config *c, double clock_period_ps, const aimc_matrix *x,
                                size_t n, uint32_t tokens, aimc_digital_cost *out)
{
    uint64_t weights = 0, io = 0;
    for (size_t i = 0; i < n; i++) {
        weights += aimc_matrix_params(&x[i]);
        io += (uint64_t)x[i].in_dim + x[i].out_dim;
    }
    aimc_digital_expert_cost(c, clock_period_ps, weights, io, tokens, out);
}
