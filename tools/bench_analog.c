/* bench_analog: numeric throughput of noisy 512x512 tier MVMs (aimc_analog_tier, codes in -> ADC codes out),
 * batched over tokens, against a plain OpenBLAS SGEMM of the same shape in the same run.  Not a test: it
 * prints figures.  Usage: bench_analog [min_seconds_per_point]  (default 0.5). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analog_tier.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const char *name;
    int prog, drift, read, ir, adc;
} variant;

int main(int argc, char **argv)
{
    double min_s = argc > 1 ? atof(argv[1]) : 0.5;
    if (!(min_s > 0)) {
        fprintf(stderr, "bench_analog: expected a positive number of seconds per point, found \"%s\"\n", argv[1]);
        return 2;
    }
    const uint32_t R = 512, C = 512;
    const size_t batches[] = {1, 16, 64, 256, 1024};
    const size_t max_b = 1024;
    const variant variants[] = {
        {"all on", 1, 1, 1, 1, 1},
        {"read noise off", 1, 1, 0, 1, 1},
        {"all off", 0, 0, 0, 0, 0},
    };
    float *w = malloc((size_t)R * C * sizeof *w);
    float *xf = malloc(max_b * R * sizeof *xf);
    float *yf = malloc(max_b * C * sizeof *yf);
    int16_t *codes = malloc(max_b * R * sizeof *codes);
    int16_t *out = malloc(max_b * C * sizeof *out);
    if (!w || !xf || !yf || !codes || !out) {
        fprintf(stderr, "bench_analog: out of memory\n");
        return 1;
    }
    srand(1);
    for (size_t k = 0; k < (size_t)R * C; k++)
        w[k] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (size_t k = 0; k < max_b * R; k++) {
        codes[k] = (int16_t)(rand() % 255 - 127);
        xf[k] = codes[k];
    }
    printf("bench_analog: %ux%u tier MVMs (8-bit DAC, 8-bit ADC), codes in -> ADC codes out, vs cblas_sgemm "
           "of the same shape; %.2f s per point\n",
           R, C, min_s);
    printf("%-16s %6s %14s %14s %14s %8s\n", "non-idealities", "batch", "sgemm ns/MVM", "tier ns/MVM",
           "tier MVM/s", "ratio");
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        aimc_periphery_config cfg;
        aimc_periphery_config_ideal(&cfg, R, C, AIMC_DAC_BIT_SERIAL, 8, 8, 8);
        cfg.t_since_programming_s = 86400;
        cfg.wire_resistance_ohm = 0.15;
        cfg.noise.programming_noise = variants[v].prog;
        cfg.noise.drift = variants[v].drift;
        cfg.noise.read_noise = variants[v].read;
        cfg.noise.ir_drop = variants[v].ir;
        cfg.noise.adc_noise = variants[v].adc;
        cfg.noise.adc_noise_sigma = 0.06;
        aimc_error err;
        aimc_analog_tier *t = aimc_analog_tier_create(&cfg, &err);
        if (!t || aimc_analog_tier_program(t, w, 42, &err)) {
            fprintf(stderr, "bench_analog: %s\n", err.msg);
            return 1;
        }
        for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
            size_t B = batches[bi];
            /* sgemm and the tier alternate in rounds so machine load affects both alike */
            double t_sgemm = 0, t_tier = 0;
            size_t n_sgemm = 0, n_tier = 0;
            while (t_sgemm < min_s || t_tier < min_s) {
                double t0 = now_s();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)C, (int)R, 1.0f, xf, (int)R, w,
                            (int)C, 0.0f, yf, (int)C);
                double t1 = now_s();
                if (aimc_analog_tier_mvm_codes(t, codes, B, out, NULL, NULL, &err)) {
                    fprintf(stderr, "bench_analog: %s\n", err.msg);
                    return 1;
                }
                double t2 = now_s();
                t_sgemm += t1 - t0;
                t_tier += t2 - t1;
                n_sgemm += B;
                n_tier += B;
            }
            double ns_sgemm = 1e9 * t_sgemm / (double)n_sgemm, ns_tier = 1e9 * t_tier / (double)n_tier;
            printf("%-16s %6zu %14.0f %14.0f %14.0f %7.1f%%\n", variants[v].name, B, ns_sgemm, ns_tier,
                   1e9 / ns_tier, 100.0 * ns_sgemm / ns_tier);
            fflush(stdout);
        }
        aimc_analog_tier_destroy(t);
    }
    free(w);
    free(xf);
    free(yf);
    free(codes);
    free(out);
    return 0;
}
