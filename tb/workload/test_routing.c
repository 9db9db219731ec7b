/* Routing decisions: determinism independent of call order, well-formed routes, and the statistics of each
 * sampled mode against their definitions (binomial tolerances derived below). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "core/rng.h"
#include "workload/moe_model.h"
#include "workload/routing.h"
#include "workload/routing_trace.h"
#include "workload/model_load.h"

/* A count of n independent trials with success probability p is within 5 standard deviations,
 * 5 * sqrt(n p (1 - p)), of n p except with probability < 6e-7: a correct sampler essentially never fails,
 * and a sampler off by a few percent fails at these n. */
static double binomial_tol(double n, double p) { return 5.0 * sqrt(n * p * (1.0 - p)); }

static aimc_router *make(aimc_routing_mode mode, uint32_t E, uint32_t k, uint32_t layers, uint64_t seed)
{
    aimc_routing_params p = {.mode = mode, .experts = E, .top_k = k, .layers = layers, .seed = seed,
                             .zipf_exponent = 1.2, .partner_prob = 0.6};
    aimc_error err;
    aimc_router *r = aimc_router_create(&p, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    return r;
}

static void route(const aimc_router *r, uint32_t s, uint32_t t, uint32_t l, aimc_route *out)
{
    aimc_error err;
    ck_assert_msg(aimc_router_route(r, s, t, l, NULL, out, &err) == 0, "%s", err.msg);
}

/* Distinct experts in range, gates positive, non-increasing (equal gates by id), summing to 1 within tol. */
static void assert_well_formed_tol(const aimc_route *rt, uint32_t E, uint32_t k, double tol)
{
    ck_assert_uint_eq(rt->k, k);
    double sum = 0;
    for (uint32_t i = 0; i < k; i++) {
        ck_assert_uint_lt(rt->expert[i], E);
        ck_assert(rt->gate[i] > 0);
        sum += rt->gate[i];
        for (uint32_t j = 0; j < i; j++)
            ck_assert_uint_ne(rt->expert[i], rt->expert[j]);
        if (i > 0)
            ck_assert(rt->gate[i - 1] > rt->gate[i] ||
                      (rt->gate[i - 1] == rt->gate[i] && rt->expert[i - 1] < rt->expert[i]));
    }
    ck_assert_double_eq_tol(sum, 1.0, tol);
}

static void assert_well_formed(const aimc_route *rt, uint32_t E, uint32_t k) { assert_well_formed_tol(rt, E, k, 1e-12); }

START_TEST(mode_names_parse_and_unknown_is_one_clear_error)
{
    aimc_routing_mode m;
    aimc_error err;
    for (int i = 0; i < AIMC_ROUTE_MODE_COUNT; i++) {
        ck_assert_int_eq(aimc_routing_mode_parse(aimc_routing_mode_name((aimc_routing_mode)i), "x", "y", &m, &err), 0);
        ck_assert_int_eq(m, i);
    }
    ck_assert_int_eq(aimc_routing_mode_parse("zipf", "model.json", "routing.mode", &m, &err), -1);
    ck_assert_str_eq(err.msg, "model.json: routing.mode: expected a routing mode, one of uniform, skewed, "
                              "co-selection, computed, replay, found \"zipf\"");
}
END_TEST

START_TEST(bad_parameters_are_clear_errors)
{
    aimc_error err;
    aimc_routing_params p = {.mode = AIMC_ROUTE_UNIFORM, .experts = 8, .top_k = 9, .layers = 2};
    ck_assert_ptr_null(aimc_router_create(&p, &err));
    ck_assert_str_eq(err.msg, "routing parameters: top_k: expected an integer in [1, 8] (at most the 8 experts), found 9");
    p.top_k = 2;
    p.mode = AIMC_ROUTE_COSELECT;
    p.partner_prob = 1.5;
    ck_assert_ptr_null(aimc_router_create(&p, &err));
    ck_assert_str_eq(err.msg, "routing parameters: partner_prob: expected a probability in [0, 1], found 1.5");
    p.mode = AIMC_ROUTE_SKEWED;
    p.zipf_exponent = -1;
    ck_assert_ptr_null(aimc_router_create(&p, &err));
    ck_assert_str_eq(err.msg, "routing parameters: zipf_exponent: expected a number in [0, 100], found -1");
    p.mode = AIMC_ROUTE_COMPUTED;
    p.d_model = 4;
    ck_assert_ptr_null(aimc_router_create(&p, &err));
    ck_assert_str_eq(err.msg, "routing parameters: router_weights: expected router weights for computed routing");
    p.mode = AIMC_ROUTE_UNIFORM;
    aimc_router *r = aimc_router_create(&p, &err);
    ck_assert_ptr_nonnull(r);
    aimc_route rt;
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 2, NULL, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "routing: layer 2 asked for, the router has layers 0..1");
    aimc_router_destroy(r);
}
END_TEST

static int same_route(const aimc_route *a, const aimc_route *b)
{
    if (a->k != b->k)
        return 0;
    for (uint32_t i = 0; i < a->k; i++)
        if (a->expert[i] != b->expert[i] || memcmp(&a->gate[i], &b->gate[i], sizeof(double)) != 0)
            return 0;
    return 1;
}

/* Every decision of a grid, asked for in order, then again from a fresh router in a shuffled order with
 * other decisions interleaved: identical experts and bit-identical gates. */
static void check_order_independence(aimc_routing_mode mode, unsigned long seed)
{
    enum { S = 3, T = 40, L = 4, N = S * T * L };
    static aimc_route first[N];
    aimc_router *a = make(mode, 32, 4, L, 77);
    for (int i = 0; i < N; i++)
        route(a, i / (T * L), (i / L) % T, i % L, &first[i]);
    aimc_router_destroy(a);

    int order[N];
    for (int i = 0; i < N; i++)
        order[i] = i;
    aimc_rng *g = aimc_rng_create(seed);
    for (int i = N - 1; i > 0; i--) {
        int j = (int)aimc_rng_uniform_int(g, (uint32_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    aimc_router *b = make(mode, 32, 4, L, 77);
    for (int n = 0; n < N; n++) {
        int i = order[n];
        aimc_route noise, again;
        route(b, aimc_rng_uniform_int(g, 100), aimc_rng_uniform_int(g, 1000), aimc_rng_uniform_int(g, L), &noise);
        route(b, i / (T * L), (i / L) % T, i % L, &again);
        ck_assert(same_route(&again, &first[i]));
    }
    aimc_rng_destroy(g);
    aimc_router_destroy(b);
    /* another seed gives other decisions */
    aimc_router *c = make(mode, 32, 4, L, 78);
    int differ = 0;
    for (int i = 0; i < N; i++) {
        aimc_route rt;
        route(c, i / (T * L), (i / L) % T, i % L, &rt);
        differ += !same_route(&rt, &first[i]);
    }
    ck_assert_int_gt(differ, N / 2);
    aimc_router_destroy(c);
}

START_TEST(decisions_do_not_depend_on_call_order)
{
    unsigned long seed = aimc_test_seed("decisions_do_not_depend_on_call_order", 20260401);
    check_order_independence(AIMC_ROUTE_UNIFORM, seed);
    check_order_independence(AIMC_ROUTE_SKEWED, seed + 1);
    check_order_independence(AIMC_ROUTE_COSELECT, seed + 2);
}
END_TEST

START_TEST(routes_are_distinct_sorted_and_gates_sum_to_one)
{
    const aimc_routing_mode modes[3] = {AIMC_ROUTE_UNIFORM, AIMC_ROUTE_SKEWED, AIMC_ROUTE_COSELECT};
    const uint32_t shapes[4][2] = {{8, 2}, {64, 8}, {5, 5}, {128, 1}};
    for (int m = 0; m < 3; m++)
        for (int s = 0; s < 4; s++) {
            aimc_router *r = make(modes[m], shapes[s][0], shapes[s][1], 3, 5);
            for (uint32_t t = 0; t < 2000; t++) {
                aimc_route rt;
                route(r, t % 7, t, t % 3, &rt);
                assert_well_formed(&rt, shapes[s][0], shapes[s][1]);
            }
            aimc_router_destroy(r);
        }
}
END_TEST

START_TEST(uniform_frequencies_are_binomial)
{
    unsigned long seed = aimc_test_seed("uniform_frequencies_are_binomial", 31337);
    /* E = 16, k = 4: each expert is in a route with probability k/E = 1/4, independently per decision. */
    const uint32_t E = 16, k = 4, N = 40000;
    aimc_router *r = make(AIMC_ROUTE_UNIFORM, E, k, 1, seed);
    double count[16] = {0}, first[16] = {0};
    for (uint32_t t = 0; t < N; t++) {
        aimc_route rt;
        route(r, t % 10, t / 10, 0, &rt);
        for (uint32_t i = 0; i < k; i++)
            count[rt.expert[i]]++;
        first[rt.expert[0]]++;
    }
    for (uint32_t e = 0; e < E; e++) {
        /* 40000 * 1/4 = 10000 +- 5 * sqrt(40000 * 1/4 * 3/4) = +- 433 */
        ck_assert_msg(fabs(count[e] - N * 0.25) <= binomial_tol(N, 0.25), "expert %u: %g", e, count[e]);
        /* the highest gate goes to any of them alike: 40000/16 = 2500 +- 5 * sqrt(40000/16 * 15/16) */
        ck_assert_msg(fabs(first[e] - N / 16.0) <= binomial_tol(N, 1 / 16.0), "expert %u first: %g", e, first[e]);
    }
    aimc_router_destroy(r);
}
END_TEST

START_TEST(skewed_ranks_follow_zipf)
{
    unsigned long seed = aimc_test_seed("skewed_ranks_follow_zipf", 4242);
    /* k = 1: P(rank r) = r^-s / H, H = sum_{r=1..8} r^-s with s = 1.2 */
    const uint32_t E = 8, N = 60000;
    aimc_router *r = make(AIMC_ROUTE_SKEWED, E, 1, 4, seed);
    double H = 0;
    for (uint32_t q = 1; q <= E; q++)
        H += pow(q, -1.2);
    for (uint32_t layer = 0; layer < 4; layer++) {
        double count[8] = {0};
        for (uint32_t t = 0; t < N; t++) {
            aimc_route rt;
            route(r, 0, t, layer, &rt);
            count[rt.expert[0]]++;
        }
        for (uint32_t q = 0; q < E; q++) {
            double p = pow(q + 1, -1.2) / H;
            double c = count[aimc_router_expert_at_rank(r, layer, q)];
            ck_assert_msg(fabs(c - N * p) <= binomial_tol(N, p), "layer %u rank %u: %g, expected %g", layer, q + 1, c,
                          N * p);
        }
    }
    /* the popularity order is a permutation, redrawn per layer */
    int same = 1;
    for (uint32_t layer = 0; layer < 4; layer++) {
        int seen[8] = {0};
        for (uint32_t q = 0; q < E; q++)
            seen[aimc_router_expert_at_rank(r, layer, q)]++;
        for (uint32_t e = 0; e < E; e++)
            ck_assert_int_eq(seen[e], 1);
        for (uint32_t q = 0; q < E; q++)
            same &= aimc_router_expert_at_rank(r, layer, q) == aimc_router_expert_at_rank(r, 0, q);
    }
    ck_assert(!same);
    aimc_router_destroy(r);
}
END_TEST

START_TEST(skewed_top_k_samples_without_replacement)
{
    unsigned long seed = aimc_test_seed("skewed_top_k_samples_without_replacement", 99);
    /* E = 5, k = 3, s = 1.2: the exact inclusion probability of each rank, by enumerating every ordered triple
     * (a, b, c): P = w_a/W * w_b/(W - w_a) * w_c/(W - w_a - w_b). */
    const uint32_t E = 5, N = 60000;
    double w[5], W = 0, incl[5] = {0};
    for (uint32_t q = 0; q < E; q++)
        W += w[q] = pow(q + 1, -1.2);
    for (uint32_t a = 0; a < E; a++)
        for (uint32_t b = 0; b < E; b++)
            for (uint32_t c = 0; c < E; c++) {
                if (a == b || b == c || a == c)
                    continue;
                double p = w[a] / W * w[b] / (W - w[a]) * w[c] / (W - w[a] - w[b]);
                incl[a] += p;
                incl[b] += p;
                incl[c] += p;
            }
    aimc_router *r = make(AIMC_ROUTE_SKEWED, E, 3, 1, seed);
    double count[5] = {0};
    for (uint32_t t = 0; t < N; t++) {
        aimc_route rt;
        route(r, t, 0, 0, &rt);
        for (int i = 0; i < 3; i++)
            count[rt.expert[i]]++;
    }
    for (uint32_t q = 0; q < E; q++) {
        double c = count[aimc_router_expert_at_rank(r, 0, q)];
        ck_assert_msg(fabs(c - N * incl[q]) <= binomial_tol(N, incl[q]), "rank %u: %g, expected %g", q + 1, c,
                      N * incl[q]);
    }
    aimc_router_destroy(r);
}
END_TEST

static double coselection_rate(double p, uint64_t seed, uint32_t N)
{
    aimc_routing_params prm = {.mode = AIMC_ROUTE_COSELECT, .experts = 16, .top_k = 2, .layers = 2, .seed = seed,
                               .partner_prob = p};
    aimc_error err;
    aimc_router *r = aimc_router_create(&prm, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    uint32_t hits = 0;
    for (uint32_t t = 0; t < N; t++) {
        aimc_route rt;
        route(r, t % 3, t, t % 2, &rt);
        hits += rt.expert[1] == aimc_router_partner(r, t % 2, rt.expert[0]);
    }
    aimc_router_destroy(r);
    return (double)hits / N;
}

START_TEST(coselection_rate_matches_its_parameter)
{
    unsigned long seed = aimc_test_seed("coselection_rate_matches_its_parameter", 2718);
    const uint32_t N = 40000;
    /* p = 0.6: 0.6 +- 5 * sqrt(0.6 * 0.4 / 40000) = +- 0.0122 */
    double rate = coselection_rate(0.6, seed, N);
    ck_assert_msg(fabs(rate - 0.6) <= binomial_tol(N, 0.6) / N, "rate %g", rate);
    /* the partner is excluded from the non-partner draw, so the ends are exact */
    ck_assert_double_eq(coselection_rate(0.0, seed, 5000), 0.0);
    ck_assert_double_eq(coselection_rate(1.0, seed, 5000), 1.0);
    /* the pairing is a fixed-point-free involution for even E */
    aimc_router *r = make(AIMC_ROUTE_COSELECT, 16, 2, 2, seed);
    for (uint32_t l = 0; l < 2; l++)
        for (uint32_t e = 0; e < 16; e++) {
            uint32_t m = aimc_router_partner(r, l, e);
            ck_assert_uint_lt(m, 16);
            ck_assert_uint_ne(m, e);
            ck_assert_uint_eq(aimc_router_partner(r, l, m), e);
        }
    aimc_router_destroy(r);
    /* odd E: exactly one expert has no partner */
    r = make(AIMC_ROUTE_COSELECT, 7, 2, 1, seed);
    int alone = 0;
    for (uint32_t e = 0; e < 7; e++)
        alone += aimc_router_partner(r, 0, e) == UINT32_MAX;
    ck_assert_int_eq(alone, 1);
    aimc_router_destroy(r);
}
END_TEST

START_TEST(computed_routing_is_top_k_of_softmax)
{
    /* W_r rows (E = 4, d = 2) and h = (1, 2): logits (1, 2, 3, -1) */
    static const float w[8] = {1, 0, 0, 1, 1, 1, -1, 0};
    static const float h[2] = {1, 2};
    const float *layers[1] = {w};
    aimc_routing_params p = {.mode = AIMC_ROUTE_COMPUTED, .experts = 4, .top_k = 2, .layers = 1, .d_model = 2,
                             .router_weights = layers};
    aimc_error err;
    aimc_router *r = aimc_router_create(&p, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    aimc_route rt;
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, h, &rt, &err), 0);
    /* top-2: expert 2 (logit 3), expert 1 (logit 2); gates e^3/(e^3+e^2) = 1/(1+e^-1) and 1/(1+e) */
    ck_assert_uint_eq(rt.expert[0], 2);
    ck_assert_uint_eq(rt.expert[1], 1);
    ck_assert_double_eq_tol(rt.gate[0], 0.7310585786300049, 1e-12);
    ck_assert_double_eq_tol(rt.gate[1], 0.2689414213699951, 1e-12);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, NULL, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "routing: computed routing needs the hidden vector (sequence 0, token 0, layer 0)");
    aimc_router_destroy(r);

    /* a dense layer (no router weights) is never routed */
    const float *two[2] = {NULL, w};
    p.layers = 2;
    p.router_weights = two;
    r = aimc_router_create(&p, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 1, h, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], 2);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, h, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "routing: layer 0 has no router weights (not an MoE layer?)");
    aimc_router_destroy(r);
    p.layers = 1;
    p.router_weights = layers;

    /* ties: equal logits go to the lower expert id, with equal gates */
    static const float tie[8] = {0, 1, 5, 0, 0, 1, 0, 1};
    static const float h2[2] = {0, 1}; /* logits (1, 0, 1, 1) */
    layers[0] = tie;
    p.top_k = 2;
    r = aimc_router_create(&p, &err);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, h2, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], 0);
    ck_assert_uint_eq(rt.expert[1], 2);
    ck_assert_double_eq(rt.gate[0], 0.5);
    ck_assert_double_eq(rt.gate[1], 0.5);
    aimc_router_destroy(r);
}
END_TEST

/* Computed routing with a synthetic hidden state over router rows e_0 = +u, e_1 = -u, e_2 = e_3 = 0 (u a unit
 * vector, d = 8): the logits are (x, -x, 0, 0) with x = u.h.  h ~ N(0, I) makes x ~ N(0, 1), so:
 *   top-1: expert 0 when x > 0, else expert 1 (x = 0 has probability 0); gate 1.
 *   top-2: that expert first, then expert 2 (logit 0 ties expert 3's and goes to the lower id; the other of
 *          0/1 has logit -|x| < 0); gates 1/(1+e^-|x|) and 1/(1+e^|x|).
 * So experts 2 and 3 never lead, expert 3 is never chosen, and the number of tokens led by expert 0 is
 * Binomial(N, 1/2).  The number with |x| < 1 is Binomial(N, P(|Z| < 1) = erf(1/sqrt 2)): this checks h's
 * scale (unit variance), which sets the gates. */
#define SYN_D 8

static aimc_router *make_synthetic(uint32_t k, uint64_t seed, const float *const *layers)
{
    aimc_routing_params p = {.mode = AIMC_ROUTE_COMPUTED, .experts = 4, .top_k = k, .layers = 2, .d_model = SYN_D,
                             .router_weights = layers, .seed = seed, .synthetic_hidden = true};
    aimc_error err;
    aimc_router *r = aimc_router_create(&p, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    return r;
}

START_TEST(synthetic_hidden_routes_by_the_router_geometry)
{
    unsigned long seed = aimc_test_seed("synthetic_hidden_routes_by_the_router_geometry", 5150);
    static const float u[SYN_D] = {0.6f, 0, 0, -0.8f, 0, 0, 0, 0};
    float w[4 * SYN_D] = {0};
    for (int i = 0; i < SYN_D; i++) {
        w[i] = u[i];
        w[SYN_D + i] = -u[i];
    }
    const float *layers[2] = {w, w};
    const uint32_t N = 4000;
    for (uint32_t k = 1; k <= 2; k++) {
        aimc_router *r = make_synthetic(k, seed, layers);
        uint32_t led_by_0 = 0, within_1 = 0;
        for (uint32_t t = 0; t < N; t++) {
            float h[SYN_D];
            aimc_router_synthetic_hidden(r, 0, t, 1, h);
            double x = 0;
            for (int i = 0; i < SYN_D; i++)
                x += (double)u[i] * h[i];
            aimc_route rt;
            aimc_error err;
            ck_assert_msg(aimc_router_route(r, 0, t, 1, NULL, &rt, &err) == 0, "%s", err.msg);
            if (fabs(x) > 1e-5) /* the router's float dot product may round a smaller x to the other sign */
                ck_assert_uint_eq(rt.expert[0], x > 0 ? 0 : 1);
            else
                ck_assert_uint_le(rt.expert[0], 1);
            if (k == 2) {
                ck_assert_uint_eq(rt.expert[1], 2);
                ck_assert_double_eq_tol(rt.gate[0], 1.0 / (1.0 + exp(-fabs(x))), 1e-6);
            } else {
                ck_assert_double_eq(rt.gate[0], 1.0);
            }
            led_by_0 += rt.expert[0] == 0;
            within_1 += fabs(x) < 1;
        }
        double p1 = erf(1 / sqrt(2.0));
        ck_assert_msg(fabs(led_by_0 - N / 2.0) <= binomial_tol(N, 0.5), "top-%u: expert 0 led %u of %u tokens", k,
                      led_by_0, N);
        ck_assert_msg(fabs(within_1 - N * p1) <= binomial_tol(N, p1), "top-%u: |u.h| < 1 in %u of %u tokens", k,
                      within_1, N);
        printf("synthetic hidden, top-%u: expert 0 led %u of %u tokens, |u.h| < 1 in %u (expected %.0f)\n", k,
               led_by_0, N, within_1, N * p1);
        aimc_router_destroy(r);
    }
}
END_TEST

static void assert_same_route(const aimc_route *a, const aimc_route *b)
{
    ck_assert_uint_eq(a->k, b->k);
    for (uint32_t i = 0; i < a->k; i++) {
        ck_assert_uint_eq(a->expert[i], b->expert[i]);
        ck_assert_double_eq(a->gate[i], b->gate[i]);
    }
}

START_TEST(synthetic_hidden_is_a_function_of_the_decision)
{
    unsigned long seed = aimc_test_seed("synthetic_hidden_is_a_function_of_the_decision", 6060);
    float w[4 * SYN_D];
    for (int i = 0; i < 4 * SYN_D; i++)
        w[i] = (float)((i * 7) % 11) - 5.0f;
    const float *layers[2] = {w, w};
    aimc_router *r = make_synthetic(2, seed, layers), *again = make_synthetic(2, seed, layers);
    aimc_router *other_seed = make_synthetic(2, seed + 1, layers);
    /* the same decision draws the same h, in any router of the same seed; any other key draws another */
    float h[SYN_D], h2[SYN_D];
    aimc_router_synthetic_hidden(r, 3, 5, 1, h);
    aimc_router_synthetic_hidden(again, 3, 5, 1, h2);
    ck_assert_mem_eq(h, h2, sizeof h);
    const uint32_t keys[4][3] = {{3, 6, 1}, {4, 5, 1}, {3, 5, 0}, {3, 5, 1}};
    for (int i = 0; i < 4; i++) {
        aimc_router_synthetic_hidden(i < 3 ? r : other_seed, keys[i][0], keys[i][1], keys[i][2], h2);
        ck_assert_msg(memcmp(h, h2, sizeof h) != 0, "key %d drew the same hidden state", i);
    }
    /* the route is the route of that h given explicitly, bit for bit, and repeats */
    aimc_route a, b, c;
    aimc_error err;
    ck_assert_int_eq(aimc_router_route(r, 3, 5, 1, NULL, &a, &err), 0);
    ck_assert_int_eq(aimc_router_route(again, 3, 5, 1, NULL, &b, &err), 0);
    ck_assert_int_eq(aimc_router_route(r, 3, 5, 1, h, &c, &err), 0);
    assert_same_route(&a, &b);
    assert_same_route(&a, &c);
    /* routes differ across tokens: over 64 tokens, more than one distinct route */
    uint32_t distinct = 0;
    for (uint32_t t = 1; t < 64; t++) {
        ck_assert_int_eq(aimc_router_route(r, 3, t, 1, NULL, &b, &err), 0);
        distinct += b.expert[0] != a.expert[0] || b.expert[1] != a.expert[1] || b.gate[0] != a.gate[0];
    }
    ck_assert_uint_gt(distinct, 0);
    aimc_router_destroy(r);
    aimc_router_destroy(again);
    aimc_router_destroy(other_seed);
}
END_TEST

static aimc_router *make_replay(const aimc_routing_trace *t, uint32_t top_k, uint32_t per_seq, aimc_error *err)
{
    aimc_routing_params p = {.mode = AIMC_ROUTE_REPLAY, .experts = 4, .top_k = top_k, .layers = 2, .trace = t,
                             .tokens_per_sequence = per_seq, .trace_path = "trace.jsonl"};
    return aimc_router_create(&p, err);
}

/* Writes `text` to a fresh file and loads it as a trace of model m. */
static aimc_routing_trace *trace_from_text(const aimc_moe_model *m, const char *text)
{
    char path[] = "/tmp/aimc3d-trace-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    aimc_error err;
    aimc_routing_trace *t = aimc_routing_trace_load(path, m, &err);
    unlink(path);
    ck_assert_msg(t != NULL, "%s", err.msg);
    return t;
}

START_TEST(replay_reproduces_the_trace)
{
    unsigned long seed = aimc_test_seed("replay_reproduces_the_trace", 8080);
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load("tiny-moe", &m, &err) == 0, "%s", err.msg); /* 2 layers, 4 experts, top-2 */
    /* a 12-token trace: the uniform router's decisions for sequence 9, written out with 9-digit gates */
    aimc_router *src = make(AIMC_ROUTE_UNIFORM, 4, 2, 2, seed);
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "{\"format\": \"aimc3d-routing-trace/1\", \"model\": \"tiny-moe\", "
                                                   "\"layers\": 2, \"experts\": 4, \"top_k\": 2}\n");
    aimc_route want[12][2];
    for (uint32_t tok = 0; tok < 12; tok++)
        for (uint32_t l = 0; l < 2; l++) {
            route(src, 9, tok, l, &want[tok][l]);
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "{\"token\": %u, \"layer\": %u, \"experts\": [%u, %u], \"gates\": [%.9f, %.9f]}\n", tok, l,
                                  want[tok][l].expert[0], want[tok][l].expert[1], want[tok][l].gate[0],
                                  want[tok][l].gate[1]);
        }
    aimc_router_destroy(src);
    aimc_routing_trace *t = trace_from_text(&m, text);
    /* 3 sequences of 4 tokens: sequence s, token i replays trace token 4 s + i */
    aimc_router *r = make_replay(t, 2, 4, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    for (uint32_t s = 0; s < 3; s++)
        for (uint32_t i = 0; i < 4; i++)
            for (uint32_t l = 0; l < 2; l++) {
                aimc_route rt;
                ck_assert_msg(aimc_router_route(r, s, i, l, NULL, &rt, &err) == 0, "%s", err.msg);
                const aimc_route *w = &want[4 * s + i][l];
                ck_assert_uint_eq(rt.k, 2);
                for (int j = 0; j < 2; j++) {
                    ck_assert_uint_eq(rt.expert[j], w->expert[j]);
                    ck_assert_double_eq_tol(rt.gate[j], w->gate[j], 1e-7); /* 9 digits, then float */
                }
                assert_well_formed_tol(&rt, 4, 2, 1e-6);
            }
    aimc_route rt;
    ck_assert_int_eq(aimc_router_route(r, 0, 4, 0, NULL, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "trace.jsonl: token 4 of sequence 0 is past the 4 tokens per sequence it replays");
    ck_assert_int_eq(aimc_router_route(r, 3, 0, 0, NULL, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "trace.jsonl: holds 12 tokens; sequence 3 token 0 needs token 12 (4 tokens per sequence)");
    aimc_router_destroy(r);
    /* tokens_per_sequence 0: the whole trace is sequence 0 */
    r = make_replay(t, 2, 0, &err);
    ck_assert_int_eq(aimc_router_route(r, 0, 11, 1, NULL, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], want[11][1].expert[0]);
    ck_assert_int_eq(aimc_router_route(r, 1, 0, 0, NULL, &rt, &err), -1);
    aimc_router_destroy(r);
    /* the trace's top-k must be the run's */
    ck_assert_ptr_null(make_replay(t, 1, 4, &err));
    ck_assert_str_eq(err.msg, "trace.jsonl: top_k: expected 1 as the run routes, found 2");
    aimc_routing_trace_destroy(t);
}
END_TEST

START_TEST(replay_sorts_by_gate_and_keeps_recorded_gates)
{
    aimc_moe_model m;
    aimc_error err;
    ck_assert_msg(aimc_moe_model_load("tiny-moe", &m, &err) == 0, "%s", err.msg);
    /* gates listed smallest first, and (layer 1) not summing to 1, as a model without top-k normalisation */
    aimc_routing_trace *t = trace_from_text(&m,
        "{\"format\": \"aimc3d-routing-trace/1\", \"model\": \"tiny-moe\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n"
        "{\"token\": 0, \"layer\": 0, \"experts\": [1, 3], \"gates\": [0.25, 0.75]}\n"
        "{\"token\": 0, \"layer\": 1, \"experts\": [2, 0], \"gates\": [0.125, 0.5]}\n");
    aimc_router *r = make_replay(t, 2, 0, &err);
    ck_assert_msg(r != NULL, "%s", err.msg);
    aimc_route rt;
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, NULL, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], 3);
    ck_assert_double_eq(rt.gate[0], 0.75);
    ck_assert_uint_eq(rt.expert[1], 1);
    ck_assert_double_eq(rt.gate[1], 0.25);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 1, NULL, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], 0);
    ck_assert_double_eq(rt.gate[0], 0.5);
    ck_assert_uint_eq(rt.expert[1], 2);
    ck_assert_double_eq(rt.gate[1], 0.125);
    aimc_router_destroy(r);
    aimc_routing_trace_destroy(t);

    /* a dense first layer has no record to replay */
    m.dense_layers = 1;
    m.dense_hidden = 128;
    t = trace_from_text(&m,
        "{\"format\": \"aimc3d-routing-trace/1\", \"model\": \"tiny-moe\", \"layers\": 2, \"experts\": 4, \"top_k\": 2}\n"
        "{\"token\": 0, \"layer\": 1, \"experts\": [2, 0], \"gates\": [0.5, 0.5]}\n");
    r = make_replay(t, 2, 0, &err);
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 1, NULL, &rt, &err), 0);
    ck_assert_uint_eq(rt.expert[0], 0); /* equal gates: lower id first */
    ck_assert_int_eq(aimc_router_route(r, 0, 0, 0, NULL, &rt, &err), -1);
    ck_assert_str_eq(err.msg, "trace.jsonl: layer 0 is not an MoE layer of the traced model");
    aimc_router_destroy(r);
    aimc_routing_trace_destroy(t);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("routing");
    TCase *tc = tcase_create("routing");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, mode_names_parse_and_unknown_is_one_clear_error);
    tcase_add_test(tc, bad_parameters_are_clear_errors);
    tcase_add_test(tc, decisions_do_not_depend_on_call_order);
    tcase_add_test(tc, routes_are_distinct_sorted_and_gates_sum_to_one);
    tcase_add_test(tc, uniform_frequencies_are_binomial);
    tcase_add_test(tc, skewed_ranks_follow_zipf);
    tcase_add_test(tc, skewed_top_k_samples_without_replacement);
    tcase_add_test(tc, coselection_rate_matches_its_parameter);
    tcase_add_test(tc, computed_routing_is_top_k_of_softmax);
    tcase_add_test(tc, synthetic_hidden_routes_by_the_router_geometry);
    tcase_add_test(tc, synthetic_hidden_is_a_function_of_the_decision);
    tcase_add_test(tc, replay_reproduces_the_trace);
    tcase_add_test(tc, replay_sorts_by_gate_and_keeps_recorded_gates);
    suite_add_tcase(s, tc);
    return s;
}
