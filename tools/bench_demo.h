/* The demo workload of the benchmarks (small-moe, all analog, batch 4, 8 tokens per sequence, prompt 64, the
 * paper chip with `tiles` tiles) run through the library's run facade on one engine. */
#ifndef AIMC_BENCH_DEMO_H
#define AIMC_BENCH_DEMO_H

#include <stdint.h>

typedef struct {
    uint64_t cycles, tokens, tier_mvms;
    double decode_wall_s, decode_cpu_s;
} aimc_bench_demo_result;

/* trace: a waveform path (cosim) or NULL; the trace and its layout are removed again.  Prints an error line
 * prefixed with `bench` and returns -1 on failure. */
int aimc_bench_demo(const char *bench, const char *engine, uint32_t tiles, const char *trace,
                    aimc_bench_demo_result *out);

#endif
