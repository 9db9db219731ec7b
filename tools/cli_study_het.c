/* aimc3d study heterogeneous: the heterogeneous analog/digital paper's accuracy study (Chowdhury et al., arXiv
 * 2603.02633) on a real checkpoint: perplexity against the digital share of the routed experts, criterion by
 * criterion (max neuron norm, its reverse, random with several seeds, activation frequency and mean routing
 * weight from the clean pass's routes, router norm), at several programming-noise levels c, on the same device
 * draws (paired: model/numeric/nmatrix.h).  Writes the table (CSV, JSON), findings (each criterion against random:
 * the paired perplexity difference with a 95 % interval and a win count), the per-expert table of score against
 * measured output error under noise (Spearman per layer), a gnuplot plot and study.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/json_config.h"
#include "numeric/lm_config.h"
#include "numeric/lm_eval.h"
#include "numeric/token_file.h"
#include "report/study_table.h"
#include "study_plots.h"
#include "system/chip_config.h"
#include "workload/expert_scores.h"
#include "workload/matrices.h"

typedef struct {
    const char *weights, *tokens, *calib, *chip, *out, *levels;
    long window, windows, draws, seeds, seed;
    bool reduced;
} het_args;

enum { CRIT_MNN, CRIT_REV_MNN, CRIT_FREQ, CRIT_WEIGHT, CRIT_ROUTER, CRIT_RANDOM, N_CRIT };
static const char *const crit_names[N_CRIT] = {"max-neuron-norm", "reverse-max-neuron-norm", "activation-frequency",
                                               "mean-routing-weight", "router-norm", "random"};

typedef struct {
    const het_args *a;
    aimc_moe_model m;
    aimc_lm_config lm;
    aimc_weights *w;
    aimc_tokens tok, cal;
    uint32_t W;
    size_t windows;
    aimc_lm_setup s;
    double *bounds, *count, *gate;
    double *scores[N_CRIT]; /* random: one per seed, in scores_random */
    double **scores_random;
    aimc_chip_config chip;
    double *fractions;
    size_t n_fractions;
    double *levels;
    size_t n_levels;
    /* MoE layer inputs of the clean pass, for the per-expert errors */
    float **layer_x;
    size_t layer_n;
    aimc_lm_cache **caches; /* per draw, for the current noise level */
} het;

/* The paper's digital share (assignment.h's digital_share_paper). */
static double paper_share(const aimc_assignment *as)
{
    aimc_assignment_stats st;
    aimc_assignment_stats_of(as, &st);
    return st.digital_share_paper;
}

/* The paper's share with only the densely activated modules digital (no routed expert). */
static double dense_share(const aimc_moe_model *m)
{
    aimc_assignment_options o = {AIMC_SETTING_HETEROGENEOUS, 0, AIMC_CRITERION_MAX_NEURON_NORM, false};
    aimc_assignment *as = aimc_assignment_create(m, &o, NULL, NULL);
    double s = as ? paper_share(as) : NAN;
    aimc_assignment_destroy(as);
    return s;
}

static void keep_input(void *ctx, uint32_t layer, const float *x, size_t n)
{
    het *h = ctx;
    size_t d = h->m.d_model, keep = n < h->layer_n ? n : h->layer_n;
    if (!h->layer_x[layer] && (h->layer_x[layer] = malloc(keep * d * sizeof *x)))
        memcpy(h->layer_x[layer], x, keep * d * sizeof *x);
}

static int parse_list(const char *text, double min, double max, double **out, size_t *n, const char *flag,
                      aimc_error *err)
{
    *n = 0;
    *out = malloc(32 * sizeof **out);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        double v = strtod(t, &end);
        if (end == t || *end || !(v >= min && v <= max) || *n == 32)
            return aimc_fail(err, "study heterogeneous %s: expected up to 32 numbers in [%g, %g], found \"%s\"", flag,
                             min, max, t);
        (*out)[(*n)++] = v;
    }
    return *n ? 0 : aimc_fail(err, "study heterogeneous %s: expected a list of numbers", flag);
}

static int load(het *h, aimc_error *err)
{
    const het_args *a = h->a;
    char config[1024], path[1100];
    snprintf(config, sizeof config, "%s/config.json", a->weights);
    if (aimc_lm_config_load(a->weights, &h->m, &h->lm, err) || !(h->w = aimc_weights_open(a->weights, err)) ||
        aimc_lm_check(&h->m, &h->lm, h->w, err) || aimc_tokens_load(a->tokens, &h->tok, err) ||
        aimc_tokens_check_vocab(&h->tok, a->tokens, h->m.vocab, err) ||
        (a->calib && (aimc_tokens_load(a->calib, &h->cal, err) ||
                      aimc_tokens_check_vocab(&h->cal, a->calib, h->m.vocab, err))) ||
        aimc_chip_config_load(a->chip, &h->chip, err) ||
        parse_list(a->levels, 0, 100, &h->levels, &h->n_levels, "--noise-levels", err))
        return -1;
    (void)path;
    if (h->m.experts == 0 || aimc_moe_model_moe_layers(&h->m) == 0)
        return aimc_fail(err, "%s: a model without routed experts has nothing to assign", config);
    long W = a->window ? a->window : (long)(h->tok.n < 128 ? h->tok.n : 128);
    if (W > (long)h->lm.max_positions || W < 2 || (size_t)W > h->tok.n)
        return aimc_fail(err, "study heterogeneous --window: expected 2 <= W <= min(%u max_position_embeddings, %zu "
                              "tokens), found %ld", h->lm.max_positions, h->tok.n, W);
    h->W = (uint32_t)W;
    h->windows = h->tok.n / h->W;
    if (h->windows > (size_t)a->windows)
        h->windows = (size_t)a->windows;
    static const double full[] = {0, 0.125, 0.25, 0.5, 1}, reduced[] = {0, 0.25, 0.5, 1};
    h->n_fractions = a->reduced ? 4 : 5;
    h->fractions = malloc(h->n_fractions * sizeof *h->fractions);
    memcpy(h->fractions, a->reduced ? reduced : full, h->n_fractions * sizeof *h->fractions);
    return 0;
}

/* The clean digital pass: its perplexity, its routes (frequency criteria), the DAC ranges, the layer inputs. */
static int clean_pass(het *h, double *ppl, aimc_error *err)
{
    const size_t LE = (size_t)h->m.layers * h->m.experts;
    h->count = calloc(LE, sizeof *h->count);
    h->gate = calloc(LE, sizeof *h->gate);
    h->bounds = malloc(aimc_matrix_count(&h->m) * sizeof *h->bounds);
    h->layer_x = calloc(h->m.layers, sizeof *h->layer_x);
    h->layer_n = h->W < 64 ? h->W : 64;
    if (!h->count || !h->gate || !h->bounds || !h->layer_x)
        return aimc_fail(err, "study heterogeneous: out of memory");
    h->s = (aimc_lm_setup){.model = &h->m, .lm = &h->lm, .weights = h->w, .route_count = h->count,
                           .route_gate = h->gate, .moe_input = keep_input, .ctx = h};
    aimc_lm_result r;
    if (aimc_lm_eval(&h->s, h->tok.ids, h->windows, h->W, NULL, NULL, &r, err))
        return -1;
    *ppl = r.perplexity;
    h->s.route_count = h->s.route_gate = NULL;
    h->s.moe_input = NULL;
    const aimc_tokens *cal = h->a->calib ? &h->cal : &h->tok;
    size_t cw = cal->n / h->W < 8 ? cal->n / h->W : 8;
    if (cw == 0)
        return aimc_fail(err, "study heterogeneous --calib: fewer tokens than one window of %u", h->W);
    return aimc_lm_calibrate(&h->s, cal->ids, cw, h->W, h->bounds, err);
}

static int make_scores(het *h, aimc_error *err)
{
    const size_t LE = (size_t)h->m.layers * h->m.experts;
    aimc_score_inputs in = {.weights = h->w, .seed = (uint64_t)h->a->seed};
    for (int c = 0; c < N_CRIT; c++)
        if (!(h->scores[c] = calloc(LE, sizeof *h->scores[c])))
            return aimc_fail(err, "study heterogeneous: out of memory");
    if (aimc_expert_scores(&h->m, AIMC_CRITERION_MAX_NEURON_NORM, &in, h->scores[CRIT_MNN], err) ||
        aimc_expert_scores(&h->m, AIMC_CRITERION_ROUTER_NORM, &in, h->scores[CRIT_ROUTER], err))
        return -1;
    const double tokens = (double)h->windows * h->W;
    for (size_t k = 0; k < LE; k++) {
        h->scores[CRIT_REV_MNN][k] = -h->scores[CRIT_MNN][k];
        h->scores[CRIT_FREQ][k] = h->count[k] / tokens;
        h->scores[CRIT_WEIGHT][k] = h->count[k] > 0 ? h->gate[k] / h->count[k] : 0;
    }
    h->scores_random = calloc((size_t)h->a->seeds, sizeof *h->scores_random);
    for (long sd = 0; sd < h->a->seeds; sd++) {
        h->scores_random[sd] = calloc(LE, sizeof **h->scores_random);
        in.seed = (uint64_t)h->a->seed + (uint64_t)sd;
        if (!h->scores_random[sd] || aimc_expert_scores(&h->m, AIMC_CRITERION_RANDOM, &in, h->scores_random[sd], err))
            return -1;
    }
    return 0;
}

static const aimc_study_column columns[] = {
    {"noise_c", AIMC_COL_REAL, "programming-noise scale c (the chip preset's other non-idealities on)"},
    {"criterion", AIMC_COL_TEXT, "how the digital routed experts were chosen (per-layer ranking)"},
    {"criterion_seed", AIMC_COL_INT, "seed of the random criterion (0 for the others)"},
    {"digital_expert_fraction", AIMC_COL_REAL, "fraction of each MoE layer's routed experts kept digital"},
    {"draw", AIMC_COL_INT, "device draw (the same draw is the same chip for every criterion and fraction)"},
    {"digital_share_paper_pct", AIMC_COL_REAL,
     "digital parameters without the router over all parameters incl. the embedding (arXiv 2603.02633's), %"},
    {"digital_share_aimc3d_pct", AIMC_COL_REAL, "aimc3d's digital share (digital / all but the embedding), %"},
    {"perplexity", AIMC_COL_REAL, "teacher-forced perplexity on the eval tokens, unit-free"},
    {"perplexity_increase_pct", AIMC_COL_REAL, "perplexity over the clean digital perplexity, minus 1, %"},
};

static int eval_point(het *h, const double *scores, double fraction, double c, uint32_t draw, double *ppl,
                      double *share_paper, double *share_aimc, aimc_error *err)
{
    aimc_assignment_options o = {AIMC_SETTING_HETEROGENEOUS, fraction, AIMC_CRITERION_MAX_NEURON_NORM, false};
    aimc_assignment *as = aimc_assignment_create(&h->m, &o, scores, err);
    if (!as)
        return -1;
    aimc_assignment_stats st;
    aimc_assignment_stats_of(as, &st);
    *share_paper = 100 * st.digital_share_paper;
    *share_aimc = 100 * st.digital_share;
    aimc_analog_setup a = {.periphery = h->chip.periphery, .dac_quantization = true, .adc_quantization = true,
                           .seed = (uint64_t)h->a->seed, .draw = draw};
    a.periphery.noise.programming_noise = true;
    a.periphery.noise.programming_noise_scale = c;
    aimc_lm_setup s = h->s;
    s.assignment = as;
    s.analog = &a;
    s.input_bounds = h->bounds;
    s.cache = h->caches ? h->caches[draw] : NULL; /* this draw's devices, programmed once per noise level */
    aimc_lm_result r;
    int rc = aimc_lm_eval(&s, h->tok.ids, h->windows, h->W, NULL, NULL, &r, err);
    *ppl = r.perplexity;
    aimc_assignment_destroy(as);
    return rc;
}

/* Student's t 97.5 % quantiles for 1..30 degrees of freedom (then 1.96). */
static double t975(size_t dof)
{
    static const double q[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    return dof == 0 ? NAN : dof <= 30 ? q[dof - 1] : 1.96;
}

/* Spearman rank correlation (average ranks for ties). */
static void ranks(const double *v, size_t n, double *r)
{
    for (size_t i = 0; i < n; i++) {
        double less = 0, equal = 0;
        for (size_t j = 0; j < n; j++)
            less += v[j] < v[i], equal += v[j] == v[i];
        r[i] = less + (equal + 1) / 2;
    }
}

static double spearman(const double *a, const double *b, size_t n)
{
    double *ra = malloc(n * sizeof *ra), *rb = malloc(n * sizeof *rb), ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    ranks(a, n, ra);
    ranks(b, n, rb);
    for (size_t i = 0; i < n; i++)
        ma += ra[i] / n, mb += rb[i] / n;
    for (size_t i = 0; i < n; i++) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    free(ra);
    free(rb);
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

static void add_agg(double *g, double v)
{
    g[0] += v;
    g[1] = v < g[1] ? v : g[1];
    g[2] = v > g[2] ? v : g[2];
    g[3] += 1;
}

static int out_path(const het *h, const char *name, char *buf, size_t size)
{
    return snprintf(buf, size, "%s/%s", h->a->out, name) < (int)size ? 0 : -1;
}

static int run(het *h, aimc_error *err)
{
    const het_args *a = h->a;
    if (mkdir(a->out, 0755) != 0 && errno != EEXIST)
        return aimc_fail(err, "study heterogeneous --out: cannot create folder %s", a->out);
    double clean = 0;
    if (clean_pass(h, &clean, err) || make_scores(h, err))
        return -1;
    aimc_study_table *t = aimc_study_table_create("heterogeneous", "perplexity against digital share by criterion",
                                                  columns, sizeof columns / sizeof columns[0]);
    const size_t R = (size_t)a->seeds, D = (size_t)a->draws;
    json_object *findings = json_object_new_array();
    int rc = t ? 0 : aimc_fail(err, "study heterogeneous: out of memory");
#define ROW(c_, crit, seed, f, d, sp, sa, ppl)                                                                   \
    (aimc_study_table_add_row(t) < 0 || aimc_study_table_set(t, "noise_c", c_, err) ||                          \
     aimc_study_table_set_text(t, "criterion", crit, err) || aimc_study_table_set(t, "criterion_seed", seed, err) || \
     aimc_study_table_set(t, "digital_expert_fraction", f, err) || aimc_study_table_set(t, "draw", d, err) ||   \
     aimc_study_table_set(t, "digital_share_paper_pct", sp, err) ||                                            \
     aimc_study_table_set(t, "digital_share_aimc3d_pct", sa, err) || aimc_study_table_set(t, "perplexity", ppl, err) || \
     aimc_study_table_set(t, "perplexity_increase_pct", 100 * (ppl / clean - 1), err))
    double *rnd = malloc(R * D * sizeof *rnd), *crit = malloc(D * sizeof *crit);
    /* per (level, criterion, fraction): mean, min and max perplexity over draws (and seeds), for the plot */
    const size_t L = h->n_levels, F = h->n_fractions;
    double *agg = calloc(L * N_CRIT * F * 4, sizeof *agg), *shares = calloc(F, sizeof *shares);
#define AGG(li, k, fi) (agg + (((li) * N_CRIT + (size_t)(k)) * F + (fi)) * 4)
    for (size_t k = 0; k < L * N_CRIT * F; k++) {
        agg[4 * k + 1] = INFINITY;
        agg[4 * k + 2] = -INFINITY;
    }
    h->caches = calloc(D, sizeof *h->caches);
    for (size_t li = 0; rc == 0 && li < h->n_levels; li++) {
        const double c = h->levels[li];
        for (size_t d = 0; h->caches && d < D; d++) {
            aimc_lm_cache_destroy(h->caches[d]);
            h->caches[d] = aimc_lm_cache_create(&h->m);
        }
        for (size_t fi = 0; rc == 0 && fi < h->n_fractions; fi++) {
            const double f = h->fractions[fi];
            double sp, sa, ppl;
            if (f == 0 || f == 1) { /* the same assignment for every criterion */
                for (size_t d = 0; rc == 0 && d < D; d++) {
                    rc = eval_point(h, h->scores[CRIT_MNN], f, c, (uint32_t)d, &ppl, &sp, &sa, err);
                    if (rc == 0 && ROW(c, f == 0 ? "all-analog-experts" : "all-digital-experts", 0, f, d, sp, sa, ppl))
                        rc = -1;
                    shares[fi] = sp;
                    for (int k = 0; rc == 0 && k < N_CRIT; k++)
                        add_agg(AGG(li, k, fi), ppl);
                }
                continue;
            }
            for (size_t sd = 0; rc == 0 && sd < R; sd++)
                for (size_t d = 0; rc == 0 && d < D; d++) {
                    rc = eval_point(h, h->scores_random[sd], f, c, (uint32_t)d, &rnd[sd * D + d], &sp, &sa, err);
                    if (rc == 0 && ROW(c, "random", a->seed + (long)sd, f, d, sp, sa, rnd[sd * D + d]))
                        rc = -1;
                    shares[fi] = sp;
                    add_agg(AGG(li, CRIT_RANDOM, fi), rnd[sd * D + d]);
                }
            for (int k = 0; rc == 0 && k < CRIT_RANDOM; k++) {
                for (size_t d = 0; rc == 0 && d < D; d++) {
                    rc = eval_point(h, h->scores[k], f, c, (uint32_t)d, &crit[d], &sp, &sa, err);
                    if (rc == 0 && ROW(c, crit_names[k], 0, f, d, sp, sa, crit[d]))
                        rc = -1;
                    add_agg(AGG(li, k, fi), crit[d]);
                }
                if (rc)
                    break;
                /* paired over draws: criterion minus the mean of the random seeds on the same draw */
                double mean = 0, var = 0, diff[64];
                size_t wins = 0, n = D < 64 ? D : 64;
                for (size_t d = 0; d < n; d++) {
                    double r = 0;
                    for (size_t sd = 0; sd < R; sd++) {
                        r += rnd[sd * D + d] / (double)R;
                        wins += crit[d] < rnd[sd * D + d];
                    }
                    diff[d] = crit[d] - r;
                    mean += diff[d] / (double)n;
                }
                for (size_t d = 0; d < n; d++)
                    var += (diff[d] - mean) * (diff[d] - mean) / (double)(n > 1 ? n - 1 : 1);
                double half = n > 1 ? t975(n - 1) * sqrt(var / (double)n) : NAN;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "noise_c", aimc_json_double(c, 4));
                json_object_object_add(o, "criterion", json_object_new_string(crit_names[k]));
                json_object_object_add(o, "digital_expert_fraction", aimc_json_double(f, 4));
                json_object_object_add(o, "paired_perplexity_difference_vs_random", aimc_json_double(mean, 6));
                json_object_object_add(o, "ci95_low", isfinite(half) ? aimc_json_double(mean - half, 6) : NULL);
                json_object_object_add(o, "ci95_high", isfinite(half) ? aimc_json_double(mean + half, 6) : NULL);
                json_object_object_add(o, "wins_vs_random", json_object_new_int64((int64_t)wins));
                json_object_object_add(o, "comparisons", json_object_new_int64((int64_t)(n * R)));
                json_object_array_add(findings, o);
            }
        }
    }
#undef ROW
    for (size_t d = 0; h->caches && d < D; d++)
        aimc_lm_cache_destroy(h->caches[d]);
    free(h->caches);
    h->caches = NULL;
    free(rnd);
    free(crit);
    char csv[1100], js[1100], path[1100];
    static const aimc_study_column mcols[] = {
        {"noise_c", AIMC_COL_REAL, "programming-noise scale c"},
        {"criterion", AIMC_COL_TEXT, "criterion (fractions 0 and 1 are the same assignment for all)"},
        {"digital_expert_fraction", AIMC_COL_REAL, "fraction of each MoE layer's routed experts kept digital"},
        {"digital_share_paper_pct", AIMC_COL_REAL, "digital share as arXiv 2603.02633 defines it, %"},
        {"perplexity_mean", AIMC_COL_REAL, "mean over draws (and random seeds), unit-free"},
        {"perplexity_min", AIMC_COL_REAL, "smallest over draws (and seeds), unit-free"},
        {"perplexity_max", AIMC_COL_REAL, "largest over draws (and seeds), unit-free"},
    };
    aimc_study_table *mt = rc == 0 ? aimc_study_table_create("heterogeneous_mean", "perplexity by criterion and "
                                                             "fraction, over draws", mcols, sizeof mcols / sizeof mcols[0])
                                   : NULL;
    for (size_t li = 0; rc == 0 && mt && li < L; li++)
        for (int k = 0; rc == 0 && k < N_CRIT; k++)
            for (size_t fi = 0; rc == 0 && fi < F; fi++) {
                const double *g = AGG(li, k, fi);
                if (aimc_study_table_add_row(mt) < 0 || aimc_study_table_set(mt, "noise_c", h->levels[li], err) ||
                    aimc_study_table_set_text(mt, "criterion", crit_names[k], err) ||
                    aimc_study_table_set(mt, "digital_expert_fraction", h->fractions[fi], err) ||
                    aimc_study_table_set(mt, "digital_share_paper_pct", shares[fi], err) ||
                    aimc_study_table_set(mt, "perplexity_mean", g[0] / g[3], err) ||
                    aimc_study_table_set(mt, "perplexity_min", g[1], err) ||
                    aimc_study_table_set(mt, "perplexity_max", g[2], err))
                    rc = -1;
            }
#undef AGG
    free(agg);
    free(shares);
    if (rc == 0 && (out_path(h, "heterogeneous_mean.csv", csv, sizeof csv) ||
                    out_path(h, "heterogeneous_mean.json", js, sizeof js)))
        rc = aimc_fail(err, "study heterogeneous --out: path too long");
    if (rc == 0)
        rc = aimc_study_table_write(mt, csv, js, err);
    aimc_study_table_destroy(mt);
    if (rc == 0 && (out_path(h, "heterogeneous.csv", csv, sizeof csv) || out_path(h, "heterogeneous.json", js, sizeof js)))
        rc = aimc_fail(err, "study heterogeneous --out: path too long");
    if (rc == 0)
        rc = aimc_study_table_write(t, csv, js, err);
    /* per-expert: score against measured output error at the highest noise level, Spearman per layer */
    static const aimc_study_column ecols[] = {
        {"layer", AIMC_COL_INT, "MoE layer"},
        {"expert", AIMC_COL_INT, "routed expert"},
        {"max_neuron_norm", AIMC_COL_REAL, "the max-neuron-norm score (product of the matrices' largest row norms)"},
        {"activation_frequency", AIMC_COL_REAL, "fraction of the clean pass's tokens that selected it"},
        {"relative_output_error", AIMC_COL_REAL,
         "||y_analog - y_digital|| / ||y_digital|| on the layer's clean inputs, draw 0, highest noise level"},
        {"spearman_layer", AIMC_COL_REAL, "Spearman correlation of max_neuron_norm and the error over the layer"},
    };
    aimc_study_table *et = rc == 0 ? aimc_study_table_create("expert_error", "expert score against noise error", ecols,
                                                             sizeof ecols / sizeof ecols[0])
                                   : NULL;
    json_object *spear = json_object_new_array();
    double cmax = h->levels[0];
    for (size_t li = 1; li < h->n_levels; li++)
        cmax = h->levels[li] > cmax ? h->levels[li] : cmax;
    aimc_analog_setup an = {.periphery = h->chip.periphery, .dac_quantization = true, .adc_quantization = true,
                            .seed = (uint64_t)a->seed, .draw = 0};
    an.periphery.noise.programming_noise = true;
    an.periphery.noise.programming_noise_scale = cmax;
    const uint32_t E = h->m.experts;
    double *errs = malloc(E * sizeof *errs);
    for (uint32_t l = 0; rc == 0 && et && l < h->m.layers; l++) {
        if (!aimc_moe_model_layer_is_moe(&h->m, l) || !h->layer_x[l])
            continue;
        aimc_lm_setup s = h->s;
        s.analog = &an;
        s.input_bounds = h->bounds;
        for (uint32_t e = 0; rc == 0 && e < E; e++)
            rc = aimc_lm_expert_error(&s, l, e, h->layer_x[l], h->layer_n, &errs[e], err);
        double rho = rc == 0 ? spearman(h->scores[CRIT_MNN] + (size_t)l * E, errs, E) : NAN;
        for (uint32_t e = 0; rc == 0 && e < E; e++)
            if (aimc_study_table_add_row(et) < 0 || aimc_study_table_set(et, "layer", l, err) ||
                aimc_study_table_set(et, "expert", e, err) ||
                aimc_study_table_set(et, "max_neuron_norm", h->scores[CRIT_MNN][(size_t)l * E + e], err) ||
                aimc_study_table_set(et, "activation_frequency", h->scores[CRIT_FREQ][(size_t)l * E + e], err) ||
                aimc_study_table_set(et, "relative_output_error", errs[e], err) ||
                aimc_study_table_set(et, "spearman_layer", isfinite(rho) ? rho : 0, err))
                rc = -1;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "layer", json_object_new_int64(l));
        json_object_object_add(o, "spearman_max_neuron_norm_vs_error", isfinite(rho) ? aimc_json_double(rho, 4) : NULL);
        json_object_array_add(spear, o);
    }
    free(errs);
    if (rc == 0 && (out_path(h, "expert_error.csv", csv, sizeof csv) || out_path(h, "expert_error.json", js, sizeof js)))
        rc = aimc_fail(err, "study heterogeneous --out: path too long");
    if (rc == 0)
        rc = aimc_study_table_write(et, csv, js, err);
    /* the plot: perplexity against the paper's digital share, one line per criterion (mean over draws), at the
     * highest noise level; random as a band (min..max over seeds and draws) */
    aimc_plot_terminals term;
    aimc_plot_terminals_probe(&term);
    bool plotted = false;
    if (rc == 0 && term.gnuplot) {
        char body[4096];
        snprintf(body, sizeof body,
                 "set datafile separator ','\n"
                 "set xlabel 'digital parameter share (arXiv 2603.02633 definition), %%'\n"
                 "set ylabel 'perplexity (unit-free)'\n"
                 "set key outside right\n"
                 "set grid\n"
                 "set title 'perplexity against digital share, programming noise c = %g (mean over draws)'\n"
                 "sel(name) = sprintf(\"< awk -F, 'NR==1 || $1==%g && $2==\\\"%%s\\\"' heterogeneous_mean.csv\", name)\n"
                 "plot sel('random') using 4:6:7 with filledcurves fillcolor rgb '#d0d0d0' title 'random (min..max over "
                 "seeds and draws)', \\\n"
                 "     for [c in 'max-neuron-norm reverse-max-neuron-norm activation-frequency mean-routing-weight "
                 "router-norm random'] sel(c) using 4:5 with linespoints title c\n",
                 cmax, cmax);
        rc = aimc_plot_render(&term, a->out, "perplexity_vs_share", body, err);
        plotted = rc == 0;
    }
    if (rc == 0) {
        json_object *idx = json_object_new_object();
        json_object_object_add(idx, "format", json_object_new_string("aimc3d-study/1"));
        json_object_object_add(idx, "study", json_object_new_string("heterogeneous"));
        json_object_object_add(idx, "model", json_object_new_string(h->m.name));
        json_object_object_add(idx, "weights", json_object_new_string(a->weights));
        json_object_object_add(idx, "tokens_file", json_object_new_string(a->tokens));
        json_object_object_add(idx, "window", json_object_new_int64(h->W));
        json_object_object_add(idx, "windows", json_object_new_int64((int64_t)h->windows));
        json_object_object_add(idx, "clean_perplexity", aimc_json_double(clean, 6));
        json_object_object_add(idx, "digital_share_paper_pct_dense_only", aimc_json_double(100 * dense_share(&h->m), 4));
        json_object_object_add(idx, "draws", json_object_new_int64(a->draws));
        json_object_object_add(idx, "random_seeds", json_object_new_int64(a->seeds));
        json_object_object_add(idx, "findings", findings);
        json_object_object_add(idx, "spearman", spear);
        json_object_object_add(idx, "plot", plotted ? json_object_new_string("perplexity_vs_share.png") : NULL);
        findings = spear = NULL;
        if (out_path(h, "study.json", path, sizeof path))
            rc = aimc_fail(err, "study heterogeneous --out: path too long");
        else
            rc = aimc_json_write_file(path, idx, err);
        json_object_put(idx);
        if (rc == 0)
            printf("study heterogeneous: %s, clean perplexity %.4f (unit-free), %zu table rows; written to %s\n",
                   h->m.name, clean, aimc_study_table_rows(t), a->out);
    }
    json_object_put(findings);
    json_object_put(spear);
    aimc_study_table_destroy(t);
    aimc_study_table_destroy(et);
    return rc;
}

static void release(het *h)
{
    aimc_weights_close(h->w);
    aimc_tokens_free(&h->tok);
    aimc_tokens_free(&h->cal);
    free(h->bounds);
    free(h->count);
    free(h->gate);
    for (int c = 0; c < N_CRIT; c++)
        free(h->scores[c]);
    for (long s = 0; h->scores_random && s < h->a->seeds; s++)
        free(h->scores_random[s]);
    free(h->scores_random);
    for (uint32_t l = 0; h->layer_x && l < h->m.layers; l++)
        free(h->layer_x[l]);
    free(h->layer_x);
    free(h->fractions);
    free(h->levels);
}

int aimc_cli_study_heterogeneous(int argc, char **argv)
{
    het_args a = {.chip = "paper", .out = "study-heterogeneous", .levels = NULL, .windows = 16, .draws = 0,
                  .seeds = 0, .seed = 1};
    const aimc_cli_opt opts[] = {
        {"--weights", CLI_STRING, &a.weights, 0, 0, "the checkpoint folder (config.json and safetensors)"},
        {"--tokens", CLI_STRING, &a.tokens, 0, 0, "token ids to evaluate (docs/file-formats.md)"},
        {"--calib", CLI_STRING, &a.calib, 0, 0, "token ids that calibrate the DAC ranges (default --tokens)"},
        {"--chip", CLI_STRING, &a.chip, 0, 0, "chip preset or JSON: tier and periphery (default paper)"},
        {"--window", CLI_LONG, &a.window, 2, 1 << 24, "tokens per window (default min(128, tokens))"},
        {"--windows", CLI_LONG, &a.windows, 1, 1 << 20, "at most this many windows (default 16)"},
        {"--noise-levels", CLI_STRING, &a.levels, 0, 0, "programming-noise scales c (default 1,1.5,2.5; 2.5 reduced)"},
        {"--draws", CLI_LONG, &a.draws, 1, 64, "device draws (default 4; 2 with --reduced)"},
        {"--seeds", CLI_LONG, &a.seeds, 1, 64, "seeds of the random criterion (default 4; 2 with --reduced)"},
        {"--seed", CLI_LONG, &a.seed, 0, 4294967295.0, "seed of the devices and the random scores (default 1)"},
        {"--out", CLI_STRING, &a.out, 0, 0, "output folder (default study-heterogeneous)"},
        {"--reduced", CLI_FLAG, &a.reduced, 0, 0, "fewer levels, fractions, draws and seeds (tests)"},
    };
    aimc_error err;
    int p = aimc_cli_parse("study heterogeneous", argc, argv, opts, sizeof opts / sizeof opts[0],
                           "The heterogeneous analog/digital study (arXiv 2603.02633) on a checkpoint: perplexity\n"
                           "against digital share, criterion by criterion, on paired device draws.",
                           &err);
    if (p != 0)
        return p > 0 ? 0 : aimc_cli_error(&err);
    if (!a.weights || !a.tokens) {
        aimc_fail(&err, "study heterogeneous: expected --weights DIR and --tokens FILE");
        return aimc_cli_error(&err);
    }
    if (!a.levels)
        a.levels = a.reduced ? "2.5" : "1,1.5,2.5";
    if (!a.draws)
        a.draws = a.reduced ? 2 : 4;
    if (!a.seeds)
        a.seeds = a.reduced ? 2 : 4;
    het h = {.a = &a};
    int rc = load(&h, &err);
    if (rc == 0)
        rc = run(&h, &err);
    release(&h);
    return rc ? aimc_cli_error(&err) : 0;
}
