/* The linear matrices of a model, in one fixed order, with O(1) index <-> (layer, module, expert, role).
 * The mapping table, the assignment and both engines refer to a matrix by this index.
 *
 * Order: the embedding; then per layer: q, k, v, o; for an MoE layer the router, Qwen's shared-expert gate
 * (if any), routed expert 0's (gate,) up, down, expert 1's, ..., the shared expert's (gate,) up, down;
 * for a dense layer its FFN's (gate,) up, down; last the LM head.
 *
 * A matrix computes y = W x with in_dim inputs (crossbar rows) and out_dim outputs (crossbar columns); in a
 * checkpoint its tensor has shape [out_dim, in_dim].  The embedding is a vocab -> d_model matrix (a lookup,
 * or a one-hot MVM when analog). */
#ifndef AIMC_MATRICES_H
#define AIMC_MATRICES_H

#include <stddef.h>
#include <stdint.h>

#include "system/digital_expert.h"
#include "workload/moe_model.h"

typedef enum {
    AIMC_ROLE_WEIGHT,      /* the one matrix of the embedding, router and LM head */
    AIMC_ROLE_Q,
    AIMC_ROLE_K,
    AIMC_ROLE_V,
    AIMC_ROLE_O,
    AIMC_ROLE_GATE,        /* FFN gate projection (gated FFNs only) */
    AIMC_ROLE_UP,
    AIMC_ROLE_DOWN,
    AIMC_ROLE_SHARED_GATE, /* router module: Qwen's d_model -> 1 shared-expert gate */
    AIMC_ROLE_COUNT
} aimc_role;

typedef struct {
    int32_t layer;       /* -1 for the embedding and the LM head */
    aimc_module module;
    int32_t expert;      /* routed expert index; -1 for every other module */
    aimc_role role;
    uint32_t in_dim, out_dim;
} aimc_matrix;

size_t aimc_matrix_count(const aimc_moe_model *m);
/* Index of a matrix, or -1 when the model has no such matrix.  Use layer -1 for embedding and LM head,
 * expert -1 for anything but routed experts. */
long aimc_matrix_index(const aimc_moe_model *m, int layer, aimc_module module, int expert, aimc_role role);
/* The matrix at index (< aimc_matrix_count). */
void aimc_matrix_at(const aimc_moe_model *m, size_t index, aimc_matrix *out);
/* Index of the first matrix of routed expert `expert` of MoE layer `layer` (its matrices are consecutive). */
long aimc_matrix_expert_first(const aimc_moe_model *m, int layer, int expert);

static inline uint64_t aimc_matrix_params(const aimc_matrix *x) { return (uint64_t)x->in_dim * x->out_dim; }

const char *aimc_role_name(aimc_role r);
/* "layer 3 routed expert 5 down", "embedding", ... */
void aimc_matrix_label(const aimc_matrix *x, char *buf, size_t size);

/* aimc_digital_expert_cost of a list of matrices run one after the other (e.g. an expert's gate, up and down). */
void aimc_digital_matrices_cost(const aimc_digital_expert_config *c, double clock_period_ps, const aimc_matrix *x,
                                size_t n, uint32_t tokens, aimc_digital_cost *out);

#endif
