/* bench_numeric [WORKDIR] [LAYERS] [WINDOWS] [W] [EXPERTS] [TOP_K]: the numeric forward pass (model/numeric/) on
 * an OLMoE-1B-7B-shaped slice of random BF16 weights (d_model 2048, 16 heads, experts of width 1024, vocab 50304;
 * LAYERS full-width layers, default 1; EXPERTS of them, default 64, TOP_K active, default 8), WINDOWS windows of
 * W tokens (default 4 x 128).
 * For each setting: tokens/s, achieved GFLOP/s (all matrix and attention flops over the wall time), the analog
 * matrices' MVM GFLOP/s beside OpenBLAS SGEMM's on the same shapes in the same run, the time programming the
 * tiers, and the peak resident memory with its extrapolation to the 16-layer model.  Prints figures for
 * docs/PERFORMANCE.md (not a test). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "numeric/lm_config.h"
#include "numeric/lm_eval.h"
#include "system/chip_config.h"
#include "tiny_ckpt.h"
#include "workload/matrices.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_MB(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

/* SGEMM GFLOP/s of Y (n x out) = X (n x in) W^T, W out x in, as the digital matrices call it. */
static double sgemm_gflops(int n, int in, int out, int reps)
{
    float *x = calloc((size_t)n * in, sizeof *x), *w = calloc((size_t)out * in, sizeof *w);
    float *y = malloc((size_t)n * out * sizeof *y);
    for (size_t k = 0; k < (size_t)n * in; k++)
        x[k] = (float)((k * 7919) % 17) * 0.01f;
    for (size_t k = 0; k < (size_t)out * in; k++)
        w[k] = (float)((k * 104729) % 13) * 0.01f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1, x, in, w, in, 0, y, out);
    double t0 = now_s();
    for (int r = 0; r < reps; r++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1, x, in, w, in, 0, y, out);
    double dt = now_s() - t0;
    free(x);
    free(w);
    free(y);
    return 2.0 * n * in * out * reps / dt / 1e9;
}

typedef struct {
    const char *name;
    bool analog, prog, drift, read, adc_noise, dac, adc;
} setting;

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as they are measured */
    const char *work = argc > 1 ? argv[1] : "/tmp";
    const int layers = argc > 2 ? atoi(argv[2]) : 1, windows = argc > 3 ? atoi(argv[3]) : 4,
              W = argc > 4 ? atoi(argv[4]) : 128, E = argc > 5 ? atoi(argv[5]) : 64, K = argc > 6 ? atoi(argv[6]) : 8;
    char dir[1024], config[2048];
    snprintf(dir, sizeof dir, "%s/bench-numeric-olmoe-slice-%d-%d-%d", work, layers, E, K);
    mkdir(dir, 0755);
    snprintf(config, sizeof config,
             "{\"model_type\": \"olmoe\", \"hidden_size\": 2048, \"intermediate_size\": 1024, \"num_hidden_layers\": %d,"
             " \"num_attention_heads\": 16, \"num_key_value_heads\": 16, \"vocab_size\": 50304, \"hidden_act\": \"silu\","
             " \"num_experts\": %d, \"num_experts_per_tok\": %d, \"max_position_embeddings\": 4096,"
             " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"norm_topk_prob\": false, \"tie_word_embeddings\": false}",
             layers, E, K);
    aimc_error err;
    double t0 = now_s();
    tiny_ckpt_options o = {.dtype = AIMC_ST_BF16, .seed = 1, .scale = 0.03};
    char existing[1100];
    snprintf(existing, sizeof existing, "%s/model.safetensors", dir);
    struct stat sb;
    if (stat(existing, &sb) != 0 && tiny_ckpt_write(dir, config, &o, &err)) {
        fprintf(stderr, "bench_numeric: %s\n", err.msg);
        return 1;
    }
    printf("OLMoE-1B-7B-shaped slice: %d layer(s) at full width, %d experts top-%d, %d windows x %d tokens; BF16 "
           "random weights ready in %.1f s (%s)\n", layers, E, K, windows, W, now_s() - t0, dir);
    aimc_moe_model m;
    aimc_lm_config lm;
    char path[1100];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    aimc_weights *w = aimc_weights_open(path, &err);
    aimc_chip_config chip;
    if (!w || aimc_lm_config_load(dir, &m, &lm, &err) || aimc_chip_config_load("paper", &chip, &err)) {
        fprintf(stderr, "bench_numeric: %s\n", err.msg);
        return 1;
    }
    const size_t N = (size_t)windows * W;
    uint32_t *tok = malloc(N * sizeof *tok);
    for (size_t i = 0; i < N; i++)
        tok[i] = (uint32_t)((i * 2654435761u) % m.vocab);
    aimc_assignment_options ao = {AIMC_SETTING_HETEROGENEOUS, 0, AIMC_CRITERION_MAX_NEURON_NORM, false};
    aimc_assignment *as = aimc_assignment_create(&m, &ao, NULL, &err);
    double *bounds = malloc(aimc_matrix_count(&m) * sizeof *bounds);
    aimc_lm_setup s = {.model = &m, .lm = &lm, .weights = w};
    t0 = now_s();
    if (aimc_lm_calibrate(&s, tok, 1, (uint32_t)W, bounds, &err)) {
        fprintf(stderr, "bench_numeric: %s\n", err.msg);
        return 1;
    }
    printf("calibration pass (1 window of %d tokens, all digital): %.2f s\n\n", W, now_s() - t0);
    const setting settings[] = {
        {"all digital", false, 0, 0, 0, 0, 0, 0},
        {"experts analog, static noise (prog+drift), no DAC/ADC", true, 1, 1, 0, 0, 0, 0},
        {"  + DAC quantization", true, 1, 1, 0, 0, 1, 0},
        {"  + ADC quantization/saturation", true, 1, 1, 0, 0, 1, 1},
        {"  + read noise and ADC noise (paper preset)", true, 1, 1, 1, 1, 1, 1},
    };
    printf("%-52s %8s %9s %9s %10s %10s %10s %9s\n", "setting", "wall s", "tokens/s", "GFLOP/s", "program s",
           "analog s", "analog GF/s", "mean NLL");
    double analog_macs = 0, analog_rows = 0;
    for (size_t k = 0; k < sizeof settings / sizeof settings[0]; k++) {
        const setting *st = &settings[k];
        aimc_analog_setup a = {.periphery = chip.periphery, .seed = 1, .dac_quantization = st->dac,
                               .adc_quantization = st->adc};
        a.periphery.noise.programming_noise = st->prog;
        a.periphery.noise.drift = st->drift;
        a.periphery.noise.read_noise = st->read;
        a.periphery.noise.adc_noise = st->adc_noise;
        a.periphery.noise.ir_drop = false;
        s.assignment = st->analog ? as : NULL;
        s.analog = &a;
        s.input_bounds = bounds;
        aimc_lm_result r;
        t0 = now_s();
        if (aimc_lm_eval(&s, tok, (size_t)windows, (uint32_t)W, NULL, NULL, &r, &err)) {
            fprintf(stderr, "bench_numeric: %s\n", err.msg);
            return 1;
        }
        double wall = now_s() - t0;
        double flops = 2 * (r.digital.macs + r.analog.macs) + r.attention_flops;
        printf("%-52s %8.2f %9.1f %9.2f %10.2f %10.2f %10.2f %9.5f\n", st->name, wall, N / wall, flops / wall / 1e9,
               r.analog.program_s, r.analog.apply_s, r.analog.apply_s > 0 ? 2 * r.analog.macs / r.analog.apply_s / 1e9 : 0,
               r.mean_nll);
        if (k == 0)
            printf("%-52s %8s weights read and converted: %.2f s\n", "", "", r.weights_read_s);
        if (st->analog) {
            analog_macs = r.analog.macs;
            analog_rows = (double)r.analog.rows;
        }
    }
    /* SGEMM on the routed experts' shapes: the mean rows an expert matrix gets per layer */
    int rows = (int)(analog_rows / (layers * (double)E * 3) + 0.5);
    double g_up = sgemm_gflops(rows, 2048, 1024, 20), g_down = sgemm_gflops(rows, 1024, 2048, 20);
    double g_full = sgemm_gflops((int)N, 2048, 2048, 5);
    printf("\nOpenBLAS SGEMM, same run: expert shapes (%d rows: 2048->1024 %.2f GFLOP/s, 1024->2048 %.2f GFLOP/s); "
           "%zu x 2048 -> 2048 %.2f GFLOP/s\n", rows, g_up, g_down, N, g_full);
    printf("analog expert multiply-accumulates per run: %.3g\n", analog_macs);
    double rss = peak_rss_MB();
    printf("peak resident memory: %.0f MB (includes the mmap'd checkpoint pages touched: %.0f MB of BF16 weights)\n",
           rss, 2.0 * (double)aimc_matrix_count(&m) * 0 + 2.0 * (103022592.0 * 2 + layers * (4 * 2048.0 * 2048 +
                                                                                         (double)E * 3 * 2048.0 * 1024 +
                                                                                         E * 2048.0)) / 1e6);
    aimc_assignment_destroy(as);
    aimc_weights_close(w);
    free(bounds);
    free(tok);
    return 0;
}
