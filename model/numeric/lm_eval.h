/* Teacher-forced evaluation of a decoder-only MoE language model from its Hugging Face checkpoint, computed
 * as the family's transformers implementation computes it (float32): token embedding; per layer RMSNorm,
 * grouped-query attention (q/k/v/o projections, the family's q/k bias and q/k RMSNorm, RoPE with HF's
 * rotate_half convention, causal softmax), residual, RMSNorm, then a dense SwiGLU FFN (DeepSeekMoE's first
 * layers) or the MoE block (router softmax over all experts, top-k, gates renormalised when the family says
 * so, SwiGLU experts, shared experts with Qwen's sigmoid gate), residual; final RMSNorm, LM head (tied or not),
 * cross-entropy of every target token.
 *
 * Windows of W tokens are independent sequences (positions 0..W-1, target i+1 predicted from tokens 0..i).
 * The pass runs one layer at a time over all windows: the hidden states of every window are kept, and each
 * matrix is read from the checkpoint's mmap, converted to float, used for all tokens and freed, so memory
 * holds one matrix's weights at a time.  Each matrix runs where the assignment places it (nmatrix.h). */
#ifndef AIMC_LM_EVAL_H
#define AIMC_LM_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "numeric/lm_config.h"
#include "numeric/nmatrix.h"
#include "workload/assignment.h"
#include "workload/mapping.h"
#include "workload/moe_model.h"
#include "workload/weights.h"

/* Prepared analog matrices kept between evaluations with the same analog setup, input bounds and seed/draw
 * (e.g. a study's criteria and fractions on one device draw): each is programmed once; reuse restarts its noise
 * streams, so results are identical to preparing it afresh.  Holds every analog matrix it saw in float:
 * for small models. */
typedef struct aimc_lm_cache aimc_lm_cache;
aimc_lm_cache *aimc_lm_cache_create(const aimc_moe_model *m);
void aimc_lm_cache_destroy(aimc_lm_cache *c);

typedef struct {
    const aimc_moe_model *model;
    const aimc_lm_config *lm;
    const aimc_weights *weights;
    const aimc_assignment *assignment; /* NULL: every matrix digital (the embedding a lookup) */
    const aimc_analog_setup *analog;   /* required when the assignment places a matrix on analog tiers */
    const aimc_mapping *mapping;       /* optional; when given, its block grid of each analog matrix must be
                                          the tier's (a mapping made for another chip is refused) */
    const double *input_bounds;        /* per matrix (matrices.h order): DAC input range of its inputs, from
                                          aimc_lm_calibrate; NULL: 1 for every matrix */
    double *route_count;               /* optional [layers][experts]: incremented once per token that selects the
                                          expert (the activation-frequency statistics of this pass's routes) */
    double *route_gate;                /* optional [layers][experts]: the gate values of those selections added */
    /* optional: called with every MoE layer's expert inputs (the normalised hidden states, n x d_model) */
    void (*moe_input)(void *ctx, uint32_t layer, const float *x, size_t n);
    void *ctx;
    aimc_lm_cache *cache;              /* optional: analog matrices programmed once (see above) */
} aimc_lm_setup;

typedef struct {
    size_t windows;
    uint32_t window;
    uint64_t targets;                /* windows x (W - 1) */
    double mean_nll;                 /* nats per target token */
    double perplexity;               /* exp(mean_nll) */
    aimc_nmatrix_stats digital, analog; /* matrix work by placement */
    double attention_flops;          /* q k^T and p v of every head and window */
    double weights_read_s;           /* wall time reading tensors from the mmap and converting them to float */
} aimc_lm_result;

/* Checks, before anything is computed, that the checkpoint has every tensor the forward pass reads, each
 * F32/F16/BF16 and shaped as config.json says; errors name the file and the tensor. */
int aimc_lm_check(const aimc_moe_model *m, const aimc_lm_config *lm, const aimc_weights *w, aimc_error *err);

/* Evaluates `windows` windows of W tokens (tokens: windows x W ids).  W must be in [2, max_positions] and ids
 * below vocab.  nll (may be NULL) receives windows x (W - 1) losses in nats; logits (may be NULL) windows x W x
 * vocab float32 logits. */
int aimc_lm_eval(const aimc_lm_setup *s, const uint32_t *tokens, size_t windows, uint32_t W, double *nll,
                 float *logits, aimc_lm_result *r, aimc_error *err);

/* The DAC input range of every matrix: a clean all-digital pass over calibration windows records each matrix's
 * largest input magnitude; a routed expert no calibration token reached gets the largest of its layer's
 * experts in the same role.  bounds: aimc_matrix_count entries, each > 0. */
int aimc_lm_calibrate(const aimc_lm_setup *s, const uint32_t *tokens, size_t windows, uint32_t W, double *bounds,
                      aimc_error *err);

/* The relative output error ||y_analog - y_digital|| / ||y_digital|| of routed expert `expert` of MoE layer
 * `layer` on n input rows x (n x d_model), its gate, up and down matrices all on analog tiers with s->analog
 * and s->input_bounds (the same devices as in an evaluation: keyed by the matrices' indices). */
int aimc_lm_expert_error(const aimc_lm_setup *s, uint32_t layer, uint32_t expert, const float *x, size_t n,
                         double *rel_error, aimc_error *err);

#endif
