/* aimc3d study 3d-moe: the 3D AIMC paper's headline study (Buechel, Vasilopoulos et al. 2025) on the fast engine:
 *   (a) dense (GPT-2-like 300M/700M/1B) vs MoE scaling of throughput, energy and area efficiency with size;
 *   (b) AIMC vs GPU ratios across the paper's MoE family (d_model x experts x layers, up to 1024 x 128 x 48);
 *   (c) the batch sweep where the GPU's throughput overtakes;
 *   (d) OTT on vs off;
 *   (e) the d_model step where matrices stop fitting one 512 x 512 tier.
 * Every point: the paper preset chip sized to the model (--fit), the all-analog setting, greedy mapping, uniform
 * routing, KV-cached decode of N tokens after a prompt of 64.  Writes per table a CSV, a JSON and a plot (gnuplot
 * PNG and SVG), and study.json with the options and the findings; each file atomically. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "report/study_table.h"
#include "study_plots.h"
#include "study_run.h"

#define STUDY_PROMPT 64
#define MAX_POINTS 96

typedef struct {
    const char *out, *gpu_name;
    long tokens, seed;
    bool reduced;
    aimc_gpu_config gpu;
    aimc_plot_terminals plots;
    aimc_progress progress;
    json_object *tables, *findings;
    char chip_kv_free[1100]; /* the paper preset with the KV-cache bandwidth x 1000 (written into the folder) */
    char chip_ideal[1100];   /* ... and no passive or idle power */
} study;

typedef struct {
    char label[96];   /* the row's name in the table and the plots */
    char model[128];  /* preset or parametric spec */
    const char *kind; /* "dense" or "moe" */
    const char *chip; /* NULL: the paper preset */
    const char *strategy; /* NULL: greedy */
    uint32_t batch, tokens, tiers;
    bool no_ott;
} point;

typedef struct {
    char letter; /* a .. e */
    point points[MAX_POINTS];
    size_t n;
} sweep;

static const aimc_study_column columns[] = {
    {"point", AIMC_COL_TEXT, "label of the point"},
    {"model", AIMC_COL_TEXT, "model name"},
    {"kind", AIMC_COL_TEXT, "dense or moe"},
    {"d_model", AIMC_COL_INT, "model width"},
    {"experts", AIMC_COL_INT, "routed experts per MoE layer (0: dense)"},
    {"top_k", AIMC_COL_INT, "experts per token"},
    {"layers", AIMC_COL_INT, "decoder layers"},
    {"params_total", AIMC_COL_INT, "parameters (linear layers and embedding)"},
    {"params_active", AIMC_COL_INT, "parameters one token uses"},
    {"batch", AIMC_COL_INT, "sequences decoded together"},
    {"tokens_per_sequence", AIMC_COL_INT, "tokens generated per sequence"},
    {"prompt", AIMC_COL_INT, "prompt tokens in the KV cache before the first generated token"},
    {"tiles", AIMC_COL_INT, "tiles of the chip (sized to the model)"},
    {"tiers", AIMC_COL_INT, "tiers per tile"},
    {"strategy", AIMC_COL_TEXT, "mapping strategy: greedy (blocks to the least-used tile) or stacked (expert i on tier i)"},
    {"ott", AIMC_COL_INT, "1: one tier at a time per tile; 0: the ablation, tiers in parallel"},
    {"analog_blocks", AIMC_COL_INT, "512 x 512 crossbar blocks of the analog matrices"},
    {"tier_mvms_per_token", AIMC_COL_REAL, "tier MVMs per token"},
    {"simulated_time_s", AIMC_COL_REAL, "simulated time of the run, s"},
    {"mean_latency_us", AIMC_COL_REAL, "mean token latency (start to end), us"},
    {"tokens_per_s", AIMC_COL_REAL, "AIMC throughput, tokens/s"},
    {"energy_per_token_nJ", AIMC_COL_REAL, "AIMC energy per token, all components, nJ"},
    {"analog_energy_per_token_nJ", AIMC_COL_REAL, "of which DAC, crossbar, ADC, buffers and tier switches, nJ"},
    {"dram_energy_per_token_nJ", AIMC_COL_REAL, "of which KV-cache DRAM traffic, nJ"},
    {"static_energy_per_token_nJ", AIMC_COL_REAL, "of which passive power of the digital units and DRAM idle, nJ"},
    {"dram_busy_share", AIMC_COL_REAL, "fraction of the run the KV-cache DRAM transfers"},
    {"ott_conflict_cycles_per_token", AIMC_COL_REAL, "cycles jobs waited for a busy tile, per token"},
    {"power_W", AIMC_COL_REAL, "AIMC average power, W"},
    {"tokens_per_s_per_W", AIMC_COL_REAL, "AIMC energy efficiency, tokens/s/W"},
    {"area_mm2", AIMC_COL_REAL, "AIMC chip area (tiles + digital units), mm2"},
    {"tokens_per_s_per_mm2", AIMC_COL_REAL, "AIMC area efficiency, tokens/s/mm2"},
    {"gpu_tokens_per_s", AIMC_COL_REAL, "GPU roofline throughput on the same decode steps, tokens/s"},
    {"gpu_energy_per_token_nJ", AIMC_COL_REAL, "GPU energy per token at board power, nJ"},
    {"gpu_tokens_per_s_per_W", AIMC_COL_REAL, "GPU energy efficiency, tokens/s/W"},
    {"gpu_tokens_per_s_per_mm2", AIMC_COL_REAL, "GPU area efficiency (die area), tokens/s/mm2"},
    {"gpu_compute_bound_steps", AIMC_COL_INT, "GPU decode steps bound by FLOPs rather than bytes"},
    {"ratio_tokens_per_s", AIMC_COL_REAL, "tokens_per_s / gpu_tokens_per_s"},
    {"ratio_tokens_per_s_per_W", AIMC_COL_REAL, "tokens_per_s_per_W / gpu_tokens_per_s_per_W"},
    {"ratio_tokens_per_s_per_mm2", AIMC_COL_REAL, "tokens_per_s_per_mm2 / gpu_tokens_per_s_per_mm2"},
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])

/* ---- the points of each sweep ---------------------------------------------------------------------------------- */

static point *add(sweep *s, const char *kind, uint32_t batch, uint32_t tokens, const char *label,
                  const char *model_fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds a point: the model spec is formatted from the arguments; the label is the spec when NULL. */
static point *add(sweep *s, const char *kind, uint32_t batch, uint32_t tokens, const char *label, const char *model_fmt,
                  ...)
{
    if (s->n == MAX_POINTS)
        return NULL;
    point *p = &s->points[s->n++];
    memset(p, 0, sizeof *p);
    va_list ap;
    va_start(ap, model_fmt);
    vsnprintf(p->model, sizeof p->model, model_fmt, ap);
    va_end(ap);
    snprintf(p->label, sizeof p->label, "%s", label ? label : p->model);
    p->kind = kind;
    p->batch = batch;
    p->tokens = tokens;
    return p;
}

static void paper_label(char *buf, size_t size, uint32_t d, uint32_t e, uint32_t l)
{
    snprintf(buf, size, "moe d%u e%u l%u", d, e, l);
}

static void sweep_a(const study *c, sweep *s)
{
    static const char *const dense[] = {"gpt2-300m", "gpt2-700m", "gpt2-1b"};
    static const uint32_t experts[] = {4, 8, 16, 32, 64, 128}, experts_reduced[] = {4, 8};
    uint32_t t = (uint32_t)c->tokens;
    char label[96];
    if (c->reduced) {
        add(s, "dense", 1, t, "dense d256 l2", "gpt2-dense:d_model=256,layers=2");
        add(s, "dense", 1, t, "dense d512 l2", "gpt2-dense:d_model=512,layers=2");
    } else {
        for (size_t i = 0; i < 3; i++)
            add(s, "dense", 1, t, NULL, "%s", dense[i]);
    }
    uint32_t d = c->reduced ? 256 : 1024, l = c->reduced ? 2 : 24;
    const uint32_t *e = c->reduced ? experts_reduced : experts;
    size_t ne = c->reduced ? 2 : 6;
    for (size_t i = 0; i < ne; i++) {
        paper_label(label, sizeof label, d, e[i], l);
        add(s, "moe", 1, t, label, "paper-moe:d_model=%u,experts=%u,layers=%u", d, e[i], l);
    }
}

static void sweep_b(const study *c, sweep *s)
{
    static const uint32_t d_full[] = {512, 768, 1024}, e_full[] = {8, 32, 128}, l_full[] = {12, 24, 48};
    static const uint32_t d_red[] = {256, 512}, e_red[] = {4, 8}, l_red[] = {2};
    const uint32_t *d = c->reduced ? d_red : d_full, *e = c->reduced ? e_red : e_full, *l = c->reduced ? l_red : l_full;
    size_t nd = c->reduced ? 2 : 3, ne = c->reduced ? 2 : 3, nl = c->reduced ? 1 : 3;
    char label[96];
    for (size_t i = 0; i < nd; i++)
        for (size_t j = 0; j < ne; j++)
            for (size_t k = 0; k < nl; k++) {
                paper_label(label, sizeof label, d[i], e[j], l[k]);
                add(s, "moe", 1, (uint32_t)c->tokens, label, "paper-moe:d_model=%u,experts=%u,layers=%u", d[i], e[j],
                    l[k]);
            }
}

/* Batch sweep: B x tokens tokens per point. */
static void sweep_c(const study *c, sweep *s)
{
    static const uint32_t b_paper[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    static const uint32_t b_mixtral[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
    static const uint32_t b_red[] = {1, 4, 16};
    uint32_t t = (uint32_t)c->tokens;
    char label[96];
    if (c->reduced) {
        for (size_t i = 0; i < 3; i++) {
            snprintf(label, sizeof label, "moe d256 e8 l2 B%u", b_red[i]);
            add(s, "moe", b_red[i], t, label, "paper-moe:d_model=256,experts=8,layers=2");
        }
        return;
    }
    for (size_t i = 0; i < sizeof b_paper / sizeof b_paper[0]; i++) {
        snprintf(label, sizeof label, "moe d1024 e128 l48 B%u", b_paper[i]);
        add(s, "moe", b_paper[i], t, label, "paper-moe:d_model=1024,experts=128,layers=48");
    }
    for (size_t i = 0; i < sizeof b_mixtral / sizeof b_mixtral[0]; i++) {
        snprintf(label, sizeof label, "mixtral-8x7b B%u", b_mixtral[i]);
        add(s, "moe", b_mixtral[i], t, label, "mixtral-8x7b");
    }
}

/* OTT on and off, side by side: greedy mapping on 8-tier tiles, experts stacked on 8 and on 32 tiers (expert i
 * on tier i: selected experts share tiles, so OTT serialises them), top-1 and top-2, batch 1 and 32; on the paper
 * preset and on its variant without the KV-cache bottleneck (where the tiles and digital units set the pace). */
static void sweep_d(const study *c, sweep *s)
{
    static const struct {
        const char *strategy;
        uint32_t tiers;
    } layouts[] = {{"greedy", 8}, {"stacked", 8}, {"stacked", 32}};
    static const uint32_t k_full[] = {1, 2}, b_full[] = {1, 32}, k_red[] = {2}, b_red[] = {1, 4};
    const uint32_t *k = c->reduced ? k_red : k_full, *b = c->reduced ? b_red : b_full;
    size_t nlayouts = c->reduced ? 2 : 3, nk = c->reduced ? 1 : 2;
    uint32_t d = c->reduced ? 256 : 1024, e = c->reduced ? 8 : 128, l = c->reduced ? 2 : 24;
    for (int kv_free = 0; kv_free < 2; kv_free++)
        for (size_t i = 0; i < nlayouts; i++)
            for (size_t j = 0; j < nk; j++)
                for (size_t m = 0; m < 2; m++)
                    for (int off = 0; off < 2; off++) {
                        char label[96];
                        snprintf(label, sizeof label, "%s%s T%u k%u B%u", kv_free ? "KVx1000 " : "",
                                 layouts[i].strategy, layouts[i].tiers, k[j], b[m]);
                        point *p = add(s, "moe", b[m], (uint32_t)c->tokens, label,
                                       "paper-moe:d_model=%u,experts=%u,layers=%u,top_k=%u", d, e, l, k[j]);
                        if (p) {
                            p->tiers = layouts[i].tiers;
                            p->strategy = layouts[i].strategy;
                            p->no_ott = off;
                            p->chip = kv_free ? c->chip_kv_free : NULL;
                        }
                    }
}

/* The paper's assumptions one by one, from the paper preset towards an idealised chip: KV-cache traffic
 * x1000 faster, no passive power, taller stacks (fewer tiles, same 1 mm2 each). */
static void sweep_f(const study *c, sweep *s)
{
    static const char *const full[] = {"paper-moe:d_model=1024,experts=128,layers=48", "mixtral-8x7b"};
    static const char *const reduced[] = {"paper-moe:d_model=256,experts=8,layers=2"};
    const char *const *models = c->reduced ? reduced : full;
    size_t n = c->reduced ? 1 : 2;
    uint32_t tall = c->reduced ? 16 : 64;
    for (size_t i = 0; i < n; i++) {
        char label[96];
        const char *short_name = strchr(models[i], ':') ? "paper-moe" : models[i];
        snprintf(label, sizeof label, "%s: paper preset", short_name);
        add(s, "moe", 1, (uint32_t)c->tokens, label, "%s", models[i]);
        snprintf(label, sizeof label, "%s: KV bandwidth x1000", short_name);
        point *p = add(s, "moe", 1, (uint32_t)c->tokens, label, "%s", models[i]);
        if (p)
            p->chip = c->chip_kv_free;
        snprintf(label, sizeof label, "%s: + no passive power", short_name);
        if ((p = add(s, "moe", 1, (uint32_t)c->tokens, label, "%s", models[i])))
            p->chip = c->chip_ideal;
        snprintf(label, sizeof label, "%s: + %u tiers per tile", short_name, tall);
        if ((p = add(s, "moe", 1, (uint32_t)c->tokens, label, "%s", models[i]))) {
            p->chip = c->chip_ideal;
            p->tiers = tall;
        }
    }
}

static void sweep_e(const study *c, sweep *s)
{
    static const uint32_t d_full[] = {256, 384, 512, 576, 640, 768, 896, 1024}, d_red[] = {256, 512, 576};
    const uint32_t *d = c->reduced ? d_red : d_full;
    size_t nd = c->reduced ? 3 : 8;
    uint32_t e = c->reduced ? 4 : 8, l = c->reduced ? 2 : 12;
    char label[96];
    for (size_t i = 0; i < nd; i++) {
        paper_label(label, sizeof label, d[i], e, l);
        add(s, "moe", 1, (uint32_t)c->tokens, label, "paper-moe:d_model=%u,experts=%u,layers=%u", d[i], e, l);
    }
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- running the points into a table ------------------------------------------------------------------------- */

static double per_token(aimc_fJ e, uint64_t tokens) { return tokens ? aimc_fJ_to_nJ(e) / (double)tokens : 0; }

static int set_all(aimc_study_table *t, const point *p, const aimc_point_result *r, aimc_error *err)
{
    const aimc_run_figures *f = &r->fig;
    const aimc_gpu_comparison *g = &r->gpu;
    uint64_t n = f->tokens;
    aimc_fJ analog = aimc_energy_group_sum(r->energy, AIMC_EG_ANALOG_TILE);
    struct {
        const char *col;
        double v;
    } nums[] = {
        {"d_model", r->model.d_model}, {"experts", r->model.experts}, {"top_k", r->model.experts ? r->model.top_k : 0},
        {"layers", r->model.layers}, {"params_total", (double)r->params.total_all},
        {"params_active", (double)r->params.active_all}, {"batch", p->batch}, {"tokens_per_sequence", p->tokens},
        {"prompt", STUDY_PROMPT}, {"tiles", r->tiles}, {"tiers", r->tiers}, {"ott", p->no_ott ? 0 : 1},
        {"analog_blocks", (double)r->analog_blocks}, {"tier_mvms_per_token", n ? (double)r->tier_mvms / n : 0},
        {"simulated_time_s", f->seconds}, {"mean_latency_us", r->mean_latency_ns * 1e-3},
        {"tokens_per_s", f->tokens_per_s}, {"energy_per_token_nJ", f->energy_per_token_nJ},
        {"analog_energy_per_token_nJ", per_token(analog, n)},
        {"dram_energy_per_token_nJ", per_token(r->energy[AIMC_E_DRAM], n)},
        {"static_energy_per_token_nJ", per_token(r->energy[AIMC_E_STATIC], n)},
        {"dram_busy_share", f->cycles ? (double)r->dram_busy_cycles / (double)f->cycles : 0},
        {"ott_conflict_cycles_per_token", n ? (double)r->ott_conflict_cycles / n : 0}, {"power_W", f->power_W},
        {"tokens_per_s_per_W", f->tokens_per_s_per_W}, {"area_mm2", f->area_mm2},
        {"tokens_per_s_per_mm2", f->tokens_per_s_per_mm2}, {"gpu_tokens_per_s", g->tokens_per_s},
        {"gpu_energy_per_token_nJ", g->energy_per_token_nJ}, {"gpu_tokens_per_s_per_W", g->tokens_per_s_per_W},
        {"gpu_tokens_per_s_per_mm2", g->tokens_per_s_per_mm2}, {"gpu_compute_bound_steps", g->compute_bound_steps},
        {"ratio_tokens_per_s", g->ratio_tokens_per_s}, {"ratio_tokens_per_s_per_W", g->ratio_tokens_per_s_per_W},
        {"ratio_tokens_per_s_per_mm2", g->ratio_tokens_per_s_per_mm2},
    };
    if (aimc_study_table_add_row(t) < 0)
        return aimc_fail(err, "study: out of memory");
    if (aimc_study_table_set_text(t, "point", p->label, err) ||
        aimc_study_table_set_text(t, "model", r->model.name, err) || aimc_study_table_set_text(t, "kind", p->kind, err) ||
        aimc_study_table_set_text(t, "strategy", p->strategy ? p->strategy : "greedy", err))
        return -1;
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (aimc_study_table_set(t, nums[i].col, nums[i].v, err))
            return -1;
    return 0;
}

static int run_sweep(study *c, const sweep *s, aimc_study_table *t, aimc_error *err)
{
    for (size_t i = 0; i < s->n; i++) {
        const point *p = &s->points[i];
        aimc_point_args a = {.batch = p->batch, .tokens = p->tokens, .prompt = STUDY_PROMPT, .gpu = &c->gpu,
                             .gpu_weight_bytes = 2, .progress = &c->progress};
        aimc_plan_args_defaults(&a.plan, "study");
        a.plan.model = p->model;
        a.plan.chip = p->chip ? p->chip : "paper";
        a.plan.setting = "all-analog";
        a.plan.fit = true;
        a.plan.no_ott = p->no_ott;
        a.plan.strategy = p->strategy ? p->strategy : "greedy";
        a.plan.tiers = p->tiers;
        a.plan.seed = c->seed;
        snprintf(c->progress.label, sizeof c->progress.label, "study (%c) %zu/%zu %s: ", s->letter, i + 1, s->n,
                 p->label);
        aimc_point_result r;
        if (aimc_point_run(&a, &r, err) || set_all(t, p, &r, err))
            return -1;
    }
    return 0;
}

/* ---- findings: what each table shows, in numbers ------------------------------------------------------------- */

static double col(const aimc_study_table *t, size_t row, const char *name) { return aimc_study_table_get(t, row, name); }

static json_object *row_ref(const aimc_study_table *t, size_t row, const char *name)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "point", json_object_new_string(aimc_study_table_get_text(t, row, "point")));
    json_object_object_add(o, name, aimc_json_double(col(t, row, name), 6));
    return o;
}

/* (b): the largest and smallest of each ratio over the family. */
static json_object *findings_b(const aimc_study_table *t)
{
    static const char *const ratios[] = {"ratio_tokens_per_s", "ratio_tokens_per_s_per_mm2", "ratio_tokens_per_s_per_W"};
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < 3; i++) {
        size_t hi = 0, lo = 0;
        for (size_t r = 1; r < aimc_study_table_rows(t); r++) {
            hi = col(t, r, ratios[i]) > col(t, hi, ratios[i]) ? r : hi;
            lo = col(t, r, ratios[i]) < col(t, lo, ratios[i]) ? r : lo;
        }
        json_object *m = json_object_new_object();
        json_object_object_add(m, "max", row_ref(t, hi, ratios[i]));
        json_object_object_add(m, "min", row_ref(t, lo, ratios[i]));
        json_object_object_add(o, ratios[i], m);
    }
    return o;
}

/* (c): per model (rows in increasing batch), the first batch at which the GPU's throughput exceeds the chip's
 * (0: not in the sweep) and the largest batch up to which the chip is ahead at every batch (0: the GPU is ahead
 * from the smallest batch on, so there is no crossover to speak of). */
static json_object *findings_c(const aimc_study_table *t)
{
    json_object *o = json_object_new_object();
    for (size_t r = 0; r < aimc_study_table_rows(t); r++) {
        const char *model = aimc_study_table_get_text(t, r, "model");
        json_object *m;
        if (!json_object_object_get_ex(o, model, &m)) {
            m = json_object_new_object();
            json_object_object_add(m, "gpu_overtakes_at_batch", json_object_new_int64(0));
            json_object_object_add(m, "aimc_ahead_up_to_batch", json_object_new_int64(0));
            json_object_object_add(m, "largest_batch", json_object_new_int64(0));
            json_object_object_add(o, model, m);
        }
        json_object *first = json_object_object_get(m, "gpu_overtakes_at_batch");
        int64_t b = (int64_t)col(t, r, "batch");
        if (json_object_get_int64(first) == 0) {
            if (col(t, r, "gpu_tokens_per_s") > col(t, r, "tokens_per_s"))
                json_object_object_add(m, "gpu_overtakes_at_batch", json_object_new_int64(b));
            else
                json_object_object_add(m, "aimc_ahead_up_to_batch", json_object_new_int64(b));
        }
        json_object_object_add(m, "largest_batch", json_object_new_int64(b));
    }
    return o;
}

/* (d): per pair (OTT on, then off), the throughput gain of removing OTT. */
static json_object *findings_d(const aimc_study_table *t)
{
    json_object *o = json_object_new_array();
    for (size_t r = 0; r + 1 < aimc_study_table_rows(t); r += 2) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "point", json_object_new_string(aimc_study_table_get_text(t, r, "point")));
        json_object_object_add(p, "tokens_per_s_off_over_on",
                               aimc_json_double(col(t, r + 1, "tokens_per_s") / col(t, r, "tokens_per_s"), 6));
        json_object_object_add(p, "ott_conflict_cycles_per_token_on",
                               aimc_json_double(col(t, r, "ott_conflict_cycles_per_token"), 3));
        json_object_array_add(o, p);
    }
    return o;
}

/* (e): tier MVMs and analog energy per token, each point over the previous one. */
static json_object *findings_e(const aimc_study_table *t)
{
    json_object *o = json_object_new_array();
    for (size_t r = 1; r < aimc_study_table_rows(t); r++) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "d_model_from", json_object_new_int64((int64_t)col(t, r - 1, "d_model")));
        json_object_object_add(p, "d_model_to", json_object_new_int64((int64_t)col(t, r, "d_model")));
        json_object_object_add(p, "tier_mvms_per_token_ratio",
                               aimc_json_double(col(t, r, "tier_mvms_per_token") / col(t, r - 1, "tier_mvms_per_token"), 6));
        json_object_object_add(p, "analog_energy_per_token_ratio",
                               aimc_json_double(col(t, r, "analog_energy_per_token_nJ") /
                                                    col(t, r - 1, "analog_energy_per_token_nJ"), 6));
        json_object_array_add(o, p);
    }
    return o;
}

/* (f): the three ratios of every variant. */
static json_object *findings_f(const aimc_study_table *t)
{
    static const char *const ratios[] = {"ratio_tokens_per_s", "ratio_tokens_per_s_per_mm2", "ratio_tokens_per_s_per_W"};
    json_object *o = json_object_new_array();
    for (size_t r = 0; r < aimc_study_table_rows(t); r++) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "point", json_object_new_string(aimc_study_table_get_text(t, r, "point")));
        for (size_t i = 0; i < 3; i++)
            json_object_object_add(p, ratios[i], aimc_json_double(col(t, r, ratios[i]), 6));
        json_object_array_add(o, p);
    }
    return o;
}

/* ---- plots ------------------------------------------------------------------------------------------------------ */

#define SERIES(kind) "(strcol('kind') eq '" kind "' ? column('params_total') : NaN)"

static const char plot_a[] =
    "set multiplot layout 2,2 title 'Dense vs MoE on the 3D AIMC chip: scaling with model size (batch 1)'\n"
    "set logscale xy\nset xlabel 'parameters'\n"
    "set ylabel 'tokens/s'\n"
    "plot 'a_dense_vs_moe.csv' using " SERIES("dense") ":'tokens_per_s' with linespoints title 'dense, AIMC', \\\n"
    "     '' using " SERIES("moe") ":'tokens_per_s' with linespoints title 'MoE, AIMC', \\\n"
    "     '' using " SERIES("dense") ":'gpu_tokens_per_s' with linespoints dt 2 title 'dense, GPU', \\\n"
    "     '' using " SERIES("moe") ":'gpu_tokens_per_s' with linespoints dt 2 title 'MoE, GPU'\n"
    "set ylabel 'energy per token (nJ)'\n"
    "plot 'a_dense_vs_moe.csv' using " SERIES("dense") ":'energy_per_token_nJ' with linespoints title 'dense, AIMC', \\\n"
    "     '' using " SERIES("moe") ":'energy_per_token_nJ' with linespoints title 'MoE, AIMC', \\\n"
    "     '' using " SERIES("dense") ":'gpu_energy_per_token_nJ' with linespoints dt 2 title 'dense, GPU', \\\n"
    "     '' using " SERIES("moe") ":'gpu_energy_per_token_nJ' with linespoints dt 2 title 'MoE, GPU'\n"
    "set ylabel 'tokens/s/W'\n"
    "plot 'a_dense_vs_moe.csv' using " SERIES("dense") ":'tokens_per_s_per_W' with linespoints title 'dense, AIMC', \\\n"
    "     '' using " SERIES("moe") ":'tokens_per_s_per_W' with linespoints title 'MoE, AIMC', \\\n"
    "     '' using " SERIES("dense") ":'gpu_tokens_per_s_per_W' with linespoints dt 2 title 'dense, GPU', \\\n"
    "     '' using " SERIES("moe") ":'gpu_tokens_per_s_per_W' with linespoints dt 2 title 'MoE, GPU'\n"
    "set ylabel 'tokens/s/mm^2'\n"
    "plot 'a_dense_vs_moe.csv' using " SERIES("dense") ":'tokens_per_s_per_mm2' with linespoints title 'dense, AIMC', \\\n"
    "     '' using " SERIES("moe") ":'tokens_per_s_per_mm2' with linespoints title 'MoE, AIMC', \\\n"
    "     '' using " SERIES("dense") ":'gpu_tokens_per_s_per_mm2' with linespoints dt 2 title 'dense, GPU', \\\n"
    "     '' using " SERIES("moe") ":'gpu_tokens_per_s_per_mm2' with linespoints dt 2 title 'MoE, GPU'\n"
    "unset multiplot\n";

static const char plot_b[] =
    "set title 'AIMC / GPU across the MoE family (batch 1)'\n"
    "set logscale xy\nset xlabel 'parameters'\nset ylabel 'AIMC / GPU'\n"
    "plot 'b_moe_family.csv' using 'params_total':'ratio_tokens_per_s' with points pt 7 title 'tokens/s', \\\n"
    "     '' using 'params_total':'ratio_tokens_per_s_per_mm2' with points pt 5 title 'tokens/s/mm^2', \\\n"
    "     '' using 'params_total':'ratio_tokens_per_s_per_W' with points pt 9 title 'tokens/s/W', \\\n"
    "     1 with lines dt 2 lc 'black' title 'parity'\n";

#define MODEL(m, c) "(strcol('model') eq '" m "' ? column('batch') : NaN):'" c "'"

static const char plot_c_full[] =
    "set title 'Batch sweep: AIMC chip vs GPU throughput'\n"
    "set logscale xy\nset xlabel 'batch (sequences)'\nset ylabel 'tokens/s'\nset key bottom right\n"
    "plot 'c_batch_sweep.csv' using " MODEL("paper-moe-d1024-e128-l48-k1", "tokens_per_s")
    " with linespoints title 'MoE d1024 e128 l48, AIMC', \\\n"
    "     '' using " MODEL("paper-moe-d1024-e128-l48-k1", "gpu_tokens_per_s") " with linespoints dt 2 title 'same, GPU', \\\n"
    "     '' using " MODEL("mixtral-8x7b", "tokens_per_s") " with linespoints title 'Mixtral-8x7B, AIMC', \\\n"
    "     '' using " MODEL("mixtral-8x7b", "gpu_tokens_per_s") " with linespoints dt 2 title 'same, GPU'\n";

static const char plot_c_reduced[] =
    "set title 'Batch sweep: AIMC chip vs GPU throughput'\n"
    "set logscale xy\nset xlabel 'batch (sequences)'\nset ylabel 'tokens/s'\n"
    "plot 'c_batch_sweep.csv' using 'batch':'tokens_per_s' with linespoints title 'AIMC', \\\n"
    "     '' using 'batch':'gpu_tokens_per_s' with linespoints dt 2 title 'GPU'\n";

static const char plot_d[] =
    "set multiplot layout 2,1 title 'OTT on vs off (off: tiles x tiers one-tier tiles, no switch cost; rows in pairs)'\n"
    "set bmargin 7\nset rmargin 8\nset xtics rotate by -40 font ',8'\nset logscale y\nset xlabel ''\n"
    "set ylabel 'tokens/s'\n"
    "plot 'd_ott.csv' using (int($0/2)):(column('ott') == 1 ? column('tokens_per_s') : NaN):xticlabels(strcol('point')) "
    "with points pt 7 ps 1.5 title 'OTT on', \\\n"
    "     '' using (int($0/2)):(column('ott') == 0 ? column('tokens_per_s') : NaN) with points pt 6 ps 2 title 'OTT off'\n"
    "set ylabel 'OTT conflict cycles per token + 1'\n"
    "plot 'd_ott.csv' using (int($0/2)):(column('ott') == 1 ? column('ott_conflict_cycles_per_token') + 1 : NaN)"
    ":xticlabels(strcol('point')) with points pt 7 ps 1.5 title 'OTT on', \\\n"
    "     '' using (int($0/2)):(column('ott') == 0 ? column('ott_conflict_cycles_per_token') + 1 : NaN) "
    "with points pt 6 ps 2 title 'OTT off'\n"
    "unset multiplot\n";

static const char plot_e[] =
    "set multiplot layout 2,1 title 'd_{model} step: matrices larger than one 512 x 512 tier'\n"
    "set xlabel 'd_{model}'\nset arrow from 512, graph 0 to 512, graph 1 nohead dt 2\n"
    "set ylabel 'tier MVMs per token'\n"
    "plot 'e_dmodel_step.csv' using 'd_model':'tier_mvms_per_token' with linespoints title 'tier MVMs'\n"
    "set ylabel 'nJ per token'\n"
    "plot 'e_dmodel_step.csv' using 'd_model':'analog_energy_per_token_nJ' with linespoints title 'analog energy', \\\n"
    "     '' using 'd_model':'dram_energy_per_token_nJ' with linespoints title 'KV-cache DRAM energy'\n"
    "unset multiplot\n";

static const char plot_f[] =
    "set title 'AIMC / GPU as the paper assumptions are added (batch 1)'\n"
    "set style data histogram\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
    "set logscale y\nset ylabel 'AIMC / GPU'\nset xtics rotate by -30 font ',8'\nset key top left\n"
    "plot 'f_assumptions.csv' using 'ratio_tokens_per_s':xticlabels(strcol('point')) title 'tokens/s', \\\n"
    "     '' using 'ratio_tokens_per_s_per_mm2' title 'tokens/s/mm^2', \\\n"
    "     '' using 'ratio_tokens_per_s_per_W' title 'tokens/s/W'\n";

/* ---- one table: run, write, plot, record --------------------------------------------------------------------- */

static int output_path(const study *c, const char *name, const char *ext, char *buf, size_t size)
{
    return snprintf(buf, size, "%s/%s.%s", c->out, name, ext) >= (int)size ? -1 : 0;
}

static int do_table(study *c, void (*points)(const study *, sweep *), const char *name, const char *title,
                    const char *plot, json_object *(*findings)(const aimc_study_table *), aimc_error *err)
{
    sweep *s = calloc(1, sizeof *s);
    aimc_study_table *t = aimc_study_table_create(name, title, columns, NCOLUMNS);
    char csv[1100], json[1100];
    if (!s || !t) {
        free(s);
        aimc_study_table_destroy(t);
        return aimc_fail(err, "study: out of memory");
    }
    s->letter = name[0];
    points(c, s);
    double t0 = wall_s();
    int rc = run_sweep(c, s, t, err);
    if (!rc && (output_path(c, name, "csv", csv, sizeof csv) || output_path(c, name, "json", json, sizeof json)))
        rc = aimc_fail(err, "study --out %s: path too long", c->out);
    if (!rc)
        rc = aimc_study_table_write(t, csv, json, err);
    if (!rc)
        rc = aimc_plot_render(&c->plots, c->out, name, plot, err);
    if (!rc) {
        json_object *entry = json_object_new_object();
        json_object_object_add(entry, "title", json_object_new_string(title));
        json_object_object_add(entry, "rows", json_object_new_int64((int64_t)aimc_study_table_rows(t)));
        /* file names relative to the folder, so that study.json moves with it */
        json_object_object_add(entry, "csv", json_object_new_string(strrchr(csv, '/') + 1));
        json_object_object_add(entry, "json", json_object_new_string(strrchr(json, '/') + 1));
        char file[128];
        snprintf(file, sizeof file, "%s.gp", name);
        json_object_object_add(entry, "plot_script", json_object_new_string(file));
        if (c->plots.png) {
            snprintf(file, sizeof file, "%s.png", name);
            json_object_object_add(entry, "png", json_object_new_string(file));
        }
        if (c->plots.svg) {
            snprintf(file, sizeof file, "%s.svg", name);
            json_object_object_add(entry, "svg", json_object_new_string(file));
        }
        json_object_object_add(c->tables, name, entry);
        if (findings)
            json_object_object_add(c->findings, name, findings(t));
        printf("(%c) %-42s %3zu points, %6.1f s -> %s/%s.{csv,json,gp%s%s}\n", name[0], title,
               aimc_study_table_rows(t), wall_s() - t0, c->out, name,
               c->plots.png ? ",png" : "", c->plots.svg ? ",svg" : "");
        fflush(stdout);
    }
    free(s);
    aimc_study_table_destroy(t);
    return rc;
}

/* Sets section.key to {"value": v, "source": why} in a chip preset's JSON. */
static void set_param(json_object *root, const char *section, const char *key, double v, const char *why)
{
    json_object *sec, *p = json_object_new_object();
    json_object_object_add(p, "value", json_object_new_double(v));
    json_object_object_add(p, "source", json_object_new_string(why));
    if (json_object_object_get_ex(root, section, &sec))
        json_object_object_add(sec, key, p);
    else
        json_object_put(p);
}

/* Writes a variant of the paper preset into the output folder: the KV-cache bandwidth x 1000 (KV traffic as if
 * on chip), and with `no_passive` also no passive power of the digital units and no DRAM idle power. */
static int write_chip_variant(const study *c, const char *name, bool no_passive, char *path, size_t size,
                              aimc_error *err)
{
    char preset[1100];
    aimc_preset_path("chips", "paper", preset, sizeof preset);
    json_object *root = aimc_json_load_file(preset, err);
    if (!root)
        return -1;
    json_object *dram, *bw, *v;
    double bandwidth = 0;
    if (json_object_object_get_ex(root, "dram", &dram) && json_object_object_get_ex(dram, "bandwidth_GBps", &bw) &&
        json_object_object_get_ex(bw, "value", &v))
        bandwidth = json_object_get_double(v);
    if (!(bandwidth > 0)) {
        json_object_put(root);
        return aimc_fail(err, "%s: dram.bandwidth_GBps: expected a positive value to scale", preset);
    }
    const char *why = "aimc3d study 3d-moe assumption variant, not a calibrated value (docs/VALIDATION.md)";
    json_object_object_add(root, "name", json_object_new_string(name));
    set_param(root, "dram", "bandwidth_GBps", bandwidth * 1000, why);
    if (no_passive) {
        set_param(root, "digital_units", "dpu_passive_power_W", 0, why);
        set_param(root, "digital_units", "mha_passive_power_W", 0, why);
        set_param(root, "dram", "idle_power_W", 0, why);
    }
    snprintf(path, size, "%s/chip-%s.json", c->out, name);
    size_t len = strlen(aimc_json_to_text(root));
    char *text = malloc(len + 2);
    int rc = text ? 0 : aimc_fail(err, "study: out of memory");
    if (!rc) {
        memcpy(text, aimc_json_to_text(root), len);
        memcpy(text + len, "\n", 2);
        rc = aimc_output_write_text(path, text, err);
    }
    free(text);
    json_object_put(root);
    return rc;
}

static int make_out_dir(const char *dir, aimc_error *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return aimc_fail(err, "study --out %s: cannot create the folder (%s)", dir, strerror(errno));
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/study.json", dir);
    return aimc_output_check_writable(probe, err);
}

static int write_index(const study *c, aimc_error *err)
{
    json_object *o = json_object_new_object(), *opt = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("aimc3d-study/1"));
    json_object_object_add(o, "study", json_object_new_string("3d-moe"));
    json_object_object_add(opt, "reduced", json_object_new_boolean(c->reduced));
    json_object_object_add(opt, "tokens_per_sequence", json_object_new_int64(c->tokens));
    json_object_object_add(opt, "prompt", json_object_new_int64(STUDY_PROMPT));
    json_object_object_add(opt, "seed", json_object_new_int64(c->seed));
    json_object_object_add(opt, "chip", json_object_new_string("paper (tiles sized to each model: --fit)"));
    json_object_object_add(opt, "setting", json_object_new_string("all-analog"));
    json_object_object_add(opt, "strategy", json_object_new_string("greedy (stacked too in table d)"));
    json_object_object_add(opt, "routing", json_object_new_string("uniform"));
    json_object_object_add(opt, "engine", json_object_new_string("fast"));
    json_object_object_add(opt, "gpu", json_object_new_string(c->gpu.name));
    json_object_object_add(opt, "gpu_weight_bytes_per_param", aimc_json_double(2, 1));
    json_object_object_add(o, "options", opt);
    json_object_object_add(o, "plots", json_object_new_string(!c->plots.gnuplot ? "none: gnuplot not found"
                                                              : c->plots.png   ? "png and svg"
                                                              : c->plots.svg   ? "svg only: gnuplot has no PNG terminal"
                                                                               : "none: gnuplot has neither PNG nor SVG"));
    json_object_object_add(o, "tables", json_object_get(c->tables));
    json_object_object_add(o, "findings", json_object_get(c->findings));
    char path[1100];
    snprintf(path, sizeof path, "%s/study.json", c->out);
    const char *s = aimc_json_to_text(o);
    size_t len = strlen(s);
    char *text = malloc(len + 2);
    int rc = text ? 0 : aimc_fail(err, "study: out of memory");
    if (!rc) {
        memcpy(text, s, len);
        memcpy(text + len, "\n", 2);
        rc = aimc_output_write_text(path, text, err);
    }
    free(text);
    json_object_put(o);
    if (!rc)
        printf("study: %s (options, tables, findings)\n", path);
    return rc;
}

static int run_study(study *c, aimc_error *err)
{
    if (aimc_gpu_config_load(c->gpu_name, &c->gpu, err) || make_out_dir(c->out, err) ||
        write_chip_variant(c, "paper-kv-x1000", false, c->chip_kv_free, sizeof c->chip_kv_free, err) ||
        write_chip_variant(c, "paper-kv-x1000-no-passive", true, c->chip_ideal, sizeof c->chip_ideal, err))
        return -1;
    aimc_plot_terminals_probe(&c->plots);
    if (!c->plots.gnuplot)
        printf("note: gnuplot not found: tables only, no plots (tools/setup installs gnuplot-nox)\n");
    else if (!c->plots.png)
        printf("note: gnuplot has no PNG terminal: plots as SVG only\n");
    c->tables = json_object_new_object();
    c->findings = json_object_new_object();
    int rc = do_table(c, sweep_a, "a_dense_vs_moe", "dense vs MoE scaling with model size", plot_a, NULL, err);
    if (!rc)
        rc = do_table(c, sweep_b, "b_moe_family", "AIMC vs GPU across the MoE family", plot_b, findings_b, err);
    if (!rc)
        rc = do_table(c, sweep_c, "c_batch_sweep", "batch sweep: where the GPU overtakes",
                      c->reduced ? plot_c_reduced : plot_c_full, findings_c, err);
    if (!rc)
        rc = do_table(c, sweep_d, "d_ott", "OTT on vs off", plot_d, findings_d, err);
    if (!rc)
        rc = do_table(c, sweep_e, "e_dmodel_step", "d_model step past one 512 x 512 tier", plot_e, findings_e, err);
    if (!rc)
        rc = do_table(c, sweep_f, "f_assumptions", "the paper's assumptions one by one", plot_f, findings_f, err);
    if (!rc)
        rc = write_index(c, err);
    json_object_put(c->tables);
    json_object_put(c->findings);
    return rc;
}

int aimc_cli_study(int argc, char **argv)
{
    study c = {.out = "study-3d-moe", .gpu_name = "a100", .tokens = 0, .seed = 1};
    const aimc_cli_opt opts[] = {
        {"--out", CLI_STRING, &c.out, 0, 0, "output folder (default study-3d-moe)"},
        {"--reduced", CLI_FLAG, &c.reduced, 0, 0, "small models and few tokens: seconds, not minutes (tests)"},
        {"--tokens", CLI_LONG, &c.tokens, 1, 4096, "tokens generated per sequence (default 16; 2 with --reduced)"},
        {"--seed", CLI_LONG, &c.seed, 0, 4294967295.0, "random seed (default 1)"},
        {"--gpu", CLI_STRING, &c.gpu_name, 0, 0, "GPU baseline preset or JSON file (default a100)"},
    };
    aimc_error err;
    const char *synopsis = "Runs the 3D AIMC paper's study (Buechel et al. 2025) on the fast engine and writes tables\n"
                           "(CSV, JSON), plots (gnuplot PNG and SVG) and study.json into the output folder.";
    if (argc >= 2 && strcmp(argv[1], "heterogeneous") == 0)
        return aimc_cli_study_heterogeneous(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "3d-moe") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
            return aimc_cli_parse("study 3d-moe", argc, argv, opts, sizeof opts / sizeof opts[0], synopsis, &err) > 0
                       ? 0
                       : aimc_cli_error(&err);
        aimc_fail(&err, "study: expected the study name 3d-moe or heterogeneous, found \"%s\"", argc >= 2 ? argv[1] : "");
        return aimc_cli_error(&err);
    }
    int parsed = aimc_cli_parse("study 3d-moe", argc - 1, argv + 1, opts, sizeof opts / sizeof opts[0], synopsis, &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    if (c.tokens == 0)
        c.tokens = c.reduced ? 2 : 16;
    return run_study(&c, &err) ? aimc_cli_error(&err) : 0;
}
