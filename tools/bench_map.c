/* bench_map: how long mapping takes and how much memory it needs for DeepSeekMoE-16B and Mixtral-8x7B (no
 * weights; every matrix analog, on a chip just big enough), and how fast max-neuron-norm scoring reads a
 * generated multi-GB safetensors checkpoint, against `cat file > /dev/null` in the same run.
 * Figures go to docs/PERFORMANCE.md; this program asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workload/expert_scores.h"
#include "workload/mapping.h"
#include "workload/routing.h"
#include "workload/model_load.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const aimc_error *err)
{
    fprintf(stderr, "bench_map: %s\n", err->msg);
    exit(2);
}

/* Analog blocks of a model under an assignment, on R x C crossbars. */
static uint64_t analog_blocks(const aimc_moe_model *m, const aimc_assignment *a, uint32_t R, uint32_t C)
{
    uint64_t n = 0;
    for (size_t i = 0; i < aimc_matrix_count(m); i++) {
        aimc_matrix x;
        aimc_matrix_at(m, i, &x);
        if (aimc_assignment_placement(a, i) == AIMC_PLACE_ANALOG)
            n += (uint64_t)((x.in_dim + R - 1) / R) * ((x.out_dim + C - 1) / C);
    }
    return n;
}

/* In a child process, so that ru_maxrss is this case's peak alone: load, assign, map; print the figures. */
static void map_case(const char *model, aimc_strategy strategy)
{
    double t0 = now_s();
    aimc_error err;
    aimc_moe_model m;
    aimc_chip_config chip;
    if (aimc_moe_model_load(model, &m, &err) || aimc_chip_config_load("paper", &chip, &err))
        die(&err);
    aimc_assignment_options ao = {AIMC_SETTING_ALL_ANALOG, 0, AIMC_CRITERION_RANDOM, false};
    aimc_assignment *a = aimc_assignment_create(&m, &ao, NULL, &err);
    if (!a)
        die(&err);
    uint64_t blocks = analog_blocks(&m, a, chip.tile.rows, chip.tile.cols);
    chip.tile.tiles = (uint32_t)((blocks + chip.tile.tiers - 1) / chip.tile.tiers);
    aimc_routing_trace *trace = NULL;
    if (strategy == AIMC_STRATEGY_COSELECT) {
        aimc_routing_params rp = {.mode = AIMC_ROUTE_COSELECT, .experts = m.experts, .top_k = m.top_k,
                                  .layers = m.layers, .seed = 1, .partner_prob = 0.5};
        aimc_router *r = aimc_router_create(&rp, &err);
        if (!r || !(trace = aimc_router_sample_trace(r, &m, 4096, &err)))
            die(&err);
        aimc_router_destroy(r);
    }
    double t1 = now_s();
    aimc_mapping_options mo = {strategy, trace};
    aimc_mapping *mp = aimc_mapping_create(&m, a, &chip, &mo, &err);
    if (!mp)
        die(&err);
    double t2 = now_s();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("| %s | %s | %llu | %u x %u | %.1f | %.1f | %.1f |\n", m.name, aimc_strategy_name(strategy),
           (unsigned long long)blocks, chip.tile.tiles, chip.tile.tiers, (t2 - t1) * 1e3, (t2 - t0) * 1e3,
           (double)ru.ru_maxrss / 1024.0);
    aimc_mapping_destroy(mp);
    aimc_routing_trace_destroy(trace);
    aimc_assignment_destroy(a);
}

static void mapping_benchmark(void)
{
    printf("## mapping (all matrices analog, 512 x 512 tiers, 8 tiers per tile, just enough tiles)\n\n");
    printf("| model | strategy | blocks | tiles x tiers | mapping ms | with model load and co-selection sampling ms "
           "| peak RSS MB |\n|---|---|---|---|---|---|---|\n");
    fflush(stdout);
    const char *models[] = {"deepseek-moe-16b", "mixtral-8x7b"};
    for (int i = 0; i < 2; i++)
        for (int s = 0; s < AIMC_STRATEGY_COUNT; s++) {
            pid_t pid = fork();
            if (pid == 0) {
                map_case(models[i], (aimc_strategy)s);
                fflush(stdout);
                _exit(0);
            }
            int status;
            waitpid(pid, &status, 0);
        }
}

/* ---- scoring ---- */

/* An OLMoE-shaped slice: `layers` MoE layers of 64 SwiGLU experts, d_model 2048, width 1024. */
static aimc_moe_model scoring_model(uint32_t layers)
{
    aimc_moe_model m;
    aimc_error err;
    if (aimc_moe_model_load("olmoe-1b-7b", &m, &err))
        die(&err);
    m.layers = layers;
    snprintf(m.name, sizeof m.name, "olmoe-slice-%u", layers);
    return m;
}

/* Writes every routed expert matrix of m in BF16, values from a cheap generator; returns the bytes. */
static uint64_t write_checkpoint(const aimc_moe_model *m, const char *path)
{
    size_t n = (size_t)m->layers * m->experts * 3, k = 0;
    aimc_st_spec *specs = calloc(n, sizeof *specs);
    char (*names)[128] = calloc(n, sizeof *names);
    uint64_t bytes = 0;
    for (uint32_t l = 0; l < m->layers; l++)
        for (uint32_t e = 0; e < m->experts; e++)
            for (uint32_t r = 0; r < 3; r++, k++) {
                aimc_matrix x;
                aimc_matrix_at(m, (size_t)aimc_matrix_expert_first(m, (int)l, (int)e) + r, &x);
                aimc_weight_name(m, &x, names[k], sizeof names[k]);
                specs[k] = (aimc_st_spec){names[k], AIMC_ST_BF16, 2, {x.out_dim, x.in_dim}};
                bytes += 2ULL * x.out_dim * x.in_dim;
            }
    aimc_error err;
    aimc_st_writer *w = aimc_st_writer_open(path, specs, n, &err);
    if (!w)
        die(&err);
    enum { CHUNK = 1 << 16 };
    static float buf[CHUNK];
    uint32_t state = 12345;
    for (uint64_t left = bytes / 2; left > 0;) {
        size_t c = left < CHUNK ? (size_t)left : CHUNK;
        for (size_t i = 0; i < c; i++) {
            state = state * 1664525u + 1013904223u;
            buf[i] = (float)((int32_t)state >> 8) * 0x1p-23f;
        }
        if (aimc_st_writer_put_f32(w, buf, c, &err))
            die(&err);
        left -= c;
    }
    if (aimc_st_writer_close(w, &err))
        die(&err);
    free(specs);
    free(names);
    return bytes;
}

static double time_cat(const char *path)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "cat '%s' > /dev/null", path);
    double t0 = now_s();
    if (system(cmd) != 0)
        fprintf(stderr, "bench_map: cat failed\n");
    return now_s() - t0;
}

static double time_scoring(const aimc_moe_model *m, const char *path)
{
    aimc_error err;
    double t0 = now_s();
    aimc_weights *w = aimc_weights_open(path, &err);
    if (!w)
        die(&err);
    double *scores = malloc((size_t)m->layers * m->experts * sizeof *scores);
    aimc_score_inputs in = {w, NULL, 0};
    if (aimc_expert_scores(m, AIMC_CRITERION_MAX_NEURON_NORM, &in, scores, &err))
        die(&err);
    double t = now_s() - t0;
    free(scores);
    aimc_weights_close(w);
    return t;
}

static void scoring_benchmark(uint32_t layers)
{
    aimc_moe_model m = scoring_model(layers);
    char path[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/bench_map-%ld.safetensors", tmp && tmp[0] ? tmp : "/tmp", (long)getpid());
    double t0 = now_s();
    uint64_t bytes = write_checkpoint(&m, path);
    double gen = now_s() - t0;
    double cat1 = time_cat(path), score1 = time_scoring(&m, path), cat2 = time_cat(path), score2 = time_scoring(&m, path);
    double cat = cat1 < cat2 ? cat1 : cat2, score = score1 < score2 ? score1 : score2;
    double gb = (double)bytes / 1e9;
    printf("\n## max-neuron-norm scoring of a generated BF16 checkpoint (%s, %u layers x %u experts x 3 matrices)\n\n",
           m.name, m.layers, m.experts);
    printf("| file GB | generated in s | cat > /dev/null GB/s | scoring GB/s | scoring / cat |\n|---|---|---|---|---|\n");
    printf("| %.2f | %.1f | %.2f | %.2f | %.2f |\n", gb, gen, gb / cat, gb / score, cat / score);
    printf("(best of two runs each, file in the page cache; %s removed)\n", path);
    remove(path);
}

int main(int argc, char **argv)
{
    long layers = argc > 1 ? strtol(argv[1], NULL, 10) : 4;
    if (layers < 1 || layers > 16) {
        fprintf(stderr, "usage: bench_map [SCORING_LAYERS (1-16, default 4: a 3.2 GB checkpoint)]\n");
        return 2;
    }
    mapping_benchmark();
    scoring_benchmark((uint32_t)layers);
    return 0;
}
