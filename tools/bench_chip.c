/* Benchmark: the cosim engine (Verilated dispatcher + tiles, clocked every cycle) and the fast engine on the
 * demo workload (small-moe, all analog, batch 4, 8 tokens per sequence) on 16- and 64-tile chips, trace off
 * and FST on.  Prints simulated cycles/s, simulated tokens/s and peak memory; asserts nothing. */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_demo.h"

static int bench(uint32_t tiles, const char *engine, const char *trace)
{
    aimc_bench_demo_result r;
    if (aimc_bench_demo("bench_chip", engine, tiles, trace, &r))
        return -1;
    double dt = r.decode_wall_s;
    printf("%2u tiles, %-5s %-9s %9llu cycles, %3llu tokens in %7.3f s: %7.2f M cycles/s, %9.1f tokens/s\n", tiles,
           engine, trace ? "FST on" : "trace off", (unsigned long long)r.cycles, (unsigned long long)r.tokens, dt,
           r.cycles / dt / 1e6, r.tokens / dt);
    return 0;
}

int main(void)
{
    char trace[64];
    snprintf(trace, sizeof trace, "/tmp/bench_chip_%ld.fst", (long)getpid());
    int rc = 0;
    for (uint32_t tiles = 16; tiles <= 64; tiles *= 4) {
        rc |= bench(tiles, "cosim", NULL);
        rc |= bench(tiles, "cosim", trace);
        rc |= bench(tiles, "fast", NULL);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
    return rc ? 1 : 0;
}
