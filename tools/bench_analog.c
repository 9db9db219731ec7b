/* bench_analog: numeric throughput of noisy 512x512 tier MVMs (aimc_analog_tier, codes in -> ADC codes out),
 * batched over tokens, against a plain OpenBLAS SGEMM of the same shape in the same run.  Not a test: it
 * prints figures.  Usage: bench_analog [min_seconds_per_point]  (default 0.5). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_rng.h>

#include "analog/analog_tier.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    const char *name;
    int prog, drift, read, ir, adc, threads;
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
        {"all on", 1, 1, 1, 1, 1, 1},
        {"all on, 1 thread", 1, 1, 1, 1, 1, 0},
        {"read noise off", 1, 1, 0, 1, 1, 1},
        {"all off", 0, 0, 0, 0, 0, 1},
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
           "of the same shape, alternating; best round of each over %.2f s per point\n",
           R, C, min_s);
    printf("%-18s %6s %14s %14s %14s %8s\n", "non-idealities", "batch", "sgemm ns/MVM", "tier ns/MVM",
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
        aimc_analog_tier_set_threaded(t, variants[v].threads);
        for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
            size_t B = batches[bi];
            /* SGEMM and the tier alternate, round by round, so machine load hits both alike; the best round of
             * each is reported (other processes on a shared machine only ever add time) */
            double t_sgemm = 0, t_tier = 0, best_sgemm = 1e30, best_tier = 1e30;
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
                best_sgemm = t1 - t0 < best_sgemm ? t1 - t0 : best_sgemm;
                best_tier = t2 - t1 < best_tier ? t2 - t1 : best_tier;
            }
            double ns_sgemm = 1e9 * best_sgemm / (double)B, ns_tier = 1e9 * best_tier / (double)B;
            printf("%-18s %6zu %14.0f %14.0f %14.0f %7.1f%%\n", variants[v].name, B, ns_sgemm, ns_tier,
                   1e9 / ns_tier, 100.0 * ns_sgemm / ns_tier);
            fflush(stdout);
        }
        if (v == 0) {
            /* where the time goes, for one batch of 256 with everything on: the two BLAS products and the
             * conversions (Gaussian + ADC) on one thread */
            const size_t B = 256;
            float *mean = malloc(B * C * sizeof *mean), *var = malloc(B * C * sizeof *var);
            float *x2 = malloc(B * R * sizeof *x2);
            gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
            aimc_adc adc = *aimc_analog_tier_adc(t);
            for (size_t k = 0; k < B * R; k++)
                x2[k] = xf[k] * xf[k];
            double tm = 1e30, tv = 1e30, tc = 1e30, total = 0;
            while (total < min_s) {
                double t0 = now_s();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)C, (int)R, 1.0f, xf, (int)R,
                            aimc_analog_tier_w_eff(t), (int)C, 0.0f, mean, (int)C);
                double t1 = now_s();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)C, (int)R, 1.0f, x2, (int)R,
                            aimc_analog_tier_read_var(t), (int)C, 0.0f, var, (int)C);
                double t2 = now_s();
                aimc_adc_convert_block(&adc, rng, mean, var, C, B, 0, C, out, NULL);
                double t3 = now_s();
                tm = t1 - t0 < tm ? t1 - t0 : tm;
                tv = t2 - t1 < tv ? t2 - t1 : tv;
                tc = t3 - t2 < tc ? t3 - t2 : tc;
                total += t3 - t0;
            }
            double per = 1e9 / (double)B;
            printf("%-18s %6zu   breakdown per MVM: SGEMM charges %.0f ns, SGEMM read-noise variances %.0f ns, "
                   "conversions on one thread %.0f ns (%.1f ns per column)\n",
                   variants[v].name, B, tm * per, tv * per, tc * per, tc * per / C);
            free(mean);
            free(var);
            free(x2);
            gsl_rng_free(rng);
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
