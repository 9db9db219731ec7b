/* Routing decisions: for each (sequence, token, MoE layer), the top-k routed experts (distinct, sorted by
 * gate, highest first; equal gates by expert id) and their gates (softmax-normalised over the k selected,
 * so they sum to 1).
 *
 * Modes (docs/system-models.md gives the exact procedures):
 *   uniform       k distinct experts drawn uniformly
 *   skewed        drawn without replacement with Zipf popularity: the expert of popularity rank r
 *                 (1-based) has weight r^-s; which expert holds which rank is a per-layer permutation
 *                 from the seed
 *   co-selection  experts come in fixed per-layer pairs (from the seed); the first pick is uniform, the
 *                 second is the first's partner with probability p, else uniform over the experts other
 *                 than the first and its partner; later picks continue in pairs the same way
 *   computed      top-k of softmax(W_r h) from the router weights W_r (E x d_model) and the hidden vector h;
 *                 with synthetic_hidden, a timing run (no numeric forward pass, so no real h) routes a seeded
 *                 h ~ N(0, I) instead (see the parameter)
 *   replay        the recorded experts and gates of a routing trace, in gate order (gates as recorded, not
 *                 re-normalised: a trace of a model that does not normalise its top-k gates keeps them)
 *
 * Determinism: each decision draws from its own random stream, keyed by a hash of (seed, sequence, token,
 * layer), so a decision never depends on which decisions were asked for before it, or in what order.
 * Sampled gates come from k i.i.d. standard-normal logits, sorted so the first pick gets the largest. */
#ifndef AIMC_ROUTING_H
#define AIMC_ROUTING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"

#include "workload/moe_model.h"
#include "workload/routing_trace.h"

#define AIMC_ROUTE_MAX_K 64
#define AIMC_ROUTE_MAX_EXPERTS 4096

typedef enum {
    AIMC_ROUTE_UNIFORM,
    AIMC_ROUTE_SKEWED,
    AIMC_ROUTE_COSELECT,
    AIMC_ROUTE_COMPUTED,
    AIMC_ROUTE_REPLAY,
    AIMC_ROUTE_MODE_COUNT
} aimc_routing_mode;

/* "uniform", "skewed", "co-selection", "computed", "replay". */
const char *aimc_routing_mode_name(aimc_routing_mode mode);
/* Parses a mode name; on an unknown one fails with "<file>: <field>: expected one of uniform, skewed,
 * co-selection, computed, replay, found \"<name>\"" (file/field: where the name came from, e.g. the model
 * JSON and its field, or "command line" and "--routing"). */
int aimc_routing_mode_parse(const char *name, const char *file, const char *field, aimc_routing_mode *out,
                            aimc_error *err);

typedef struct {
    aimc_routing_mode mode;
    uint32_t experts; /* routed experts per MoE layer, E (1..AIMC_ROUTE_MAX_EXPERTS) */
    uint32_t top_k;   /* 1..min(E, AIMC_ROUTE_MAX_K) */
    uint32_t layers;  /* layers of the model; a decision is asked for by the model's layer index 0..layers-1
                       * (dense layers are simply never asked for) */
    uint64_t seed;
    double zipf_exponent; /* skewed: s >= 0 (0 is uniform popularity) */
    double partner_prob;  /* co-selection: p in [0, 1] */
    /* computed: router weights per layer (NULL for dense layers), E x d_model row-major; borrowed, must outlive
     * the router */
    uint32_t d_model;
    const float *const *router_weights;
    /* computed: when the caller passes no hidden vector, route a synthetic one, h ~ N(0, I) (d_model i.i.d.
     * standard normals, a pure function of (seed, sequence, token, layer); aimc_router_synthetic_hidden).
     * The routing then reflects the geometry of the router weights (an expert whose row has a larger norm,
     * or points along more of the hidden space, wins more often), not the model's real activations, which
     * are neither isotropic nor independent across layers and tokens.  false: a missing hidden vector is an
     * error. */
    bool synthetic_hidden;
    /* replay: a routing trace loaded by the caller (model/workload/routing_trace.h, checked against the model
     * there); borrowed, must outlive the router.  Sequence s, token t replays the trace's token
     * s * tokens_per_sequence + t (0: the whole trace is one sequence).  trace_path names it in messages. */
    const aimc_routing_trace *trace;
    uint32_t tokens_per_sequence;
    const char *trace_path;
} aimc_routing_params;

typedef struct {
    uint32_t k;
    uint32_t expert[AIMC_ROUTE_MAX_K];
    double gate[AIMC_ROUTE_MAX_K];
} aimc_route;

typedef struct aimc_router aimc_router;

/* Validates the parameters (one error line naming the parameter) and prepares the per-layer tables. */
aimc_router *aimc_router_create(const aimc_routing_params *params, aimc_error *err);
void aimc_router_destroy(aimc_router *r);

/* The decision for (sequence, token, layer).  hidden (d_model floats) is read in computed mode only and may
 * be NULL otherwise (and in computed mode with synthetic_hidden, which then draws it).  Fails on a layer out
 * of range, a missing hidden vector or router weights, or a decision the replayed trace does not hold (past
 * its end, past tokens_per_sequence, not an MoE layer there).  A router is never modified by routing:
 * concurrent calls are safe. */
int aimc_router_route(const aimc_router *r, uint32_t sequence, uint32_t token, uint32_t layer, const float *hidden,
                      aimc_route *out, aimc_error *err);

const aimc_routing_params *aimc_router_params(const aimc_router *r);
/* The synthetic hidden vector computed routing with synthetic_hidden routes for (sequence, token, layer):
 * d_model standard normals into h, from the decision's own random stream (so a test can derive the route). */
void aimc_router_synthetic_hidden(const aimc_router *r, uint32_t sequence, uint32_t token, uint32_t layer, float *h);
/* skewed: the expert holding popularity rank `rank` (0-based: 0 is the most popular) in `layer`. */
uint32_t aimc_router_expert_at_rank(const aimc_router *r, uint32_t layer, uint32_t rank);
/* co-selection: the partner of `expert` in `layer`, or UINT32_MAX (odd E: one expert has none). */
uint32_t aimc_router_partner(const aimc_router *r, uint32_t layer, uint32_t expert);
/* A trace of `tokens` tokens (one sequence) routed by r, e.g. in skewed or co-selection mode: the "sampled
 * statistics" of the co-selection aware mapper. */
aimc_routing_trace *aimc_router_sample_trace(const aimc_router *r, const aimc_moe_model *m, uint32_t tokens,
                                             aimc_error *err);

#endif
