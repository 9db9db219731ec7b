/* Benchmark: simulated cycles per second of the single-tile cosim with the full periphery (tier-select
 * controller, DAC drive, integration, SAR ADC bank in RTL; the C analog model supplying codes, column values and
 * comparator decisions), paper preset, with the trace off and with FST on: timing runs (seeded activation codes,
 * comparators answering 0) and numeric runs (noisy analog MVMs, every comparator decision from C).  No
 * scoreboards.  Prints figures; asserts nothing.  usage: bench_tile [tokens] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/cosim_tile.h"
#include "engine/tile_cost.h"
#include "system/chip_config.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench(const aimc_chip_config *chip, const char *label, uint32_t tokens, bool numeric, const char *trace)
{
    aimc_cosim_tile_options o;
    aimc_cosim_tile_defaults(&o);
    o.tokens = tokens;
    o.numeric = numeric;
    o.check = false;
    o.valid_probability = 1.0;
    o.trace_path = trace;
    aimc_cosim_tile_result r;
    aimc_error err;
    double t0 = now_s();
    if (aimc_cosim_tile_run(chip, &o, &r, &err)) {
        fprintf(stderr, "bench_tile: %s\n", err.msg);
        return -1;
    }
    double dt = now_s() - t0;
    printf("%-36s %10" PRIu64 " cycles %8" PRIu64 " MVMs in %7.3f s: %7.2f M cycles/s, %8.0f MVMs/s\n", label,
           r.cycles, r.mvms, dt, r.cycles / dt / 1e6, r.mvms / dt);
    aimc_ledger_destroy(r.ledger);
    if (trace)
        remove(trace);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t tokens = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 20000;
    aimc_chip_config chip;
    aimc_error err;
    if (aimc_chip_config_load("paper", &chip, &err)) {
        fprintf(stderr, "bench_tile: %s\n", err.msg);
        return 2;
    }
    char trace[64];
    snprintf(trace, sizeof trace, "/tmp/bench_tile_%ld.fst", (long)getpid());
    const aimc_periphery_config *p = &chip.periphery;
    aimc_codes_summary any = {0};
    aimc_tile_job_cost cost;
    aimc_tile_job_cost_compute(&chip, &any, &cost);
    printf("single-tile cosim, paper preset: %u tiers of %ux%u, %s DAC %u bit, %u SAR ADCs of %u bit (M = %u), "
           "%u integrate cycles, %u-cycle switch; MVM compute phase %u cycles; %u tokens x 4 MVMs\n",
           chip.tile.tiers, chip.tile.rows, chip.tile.cols, aimc_dac_mode_name(p->dac_mode), p->b_in_bits,
           chip.tile.cols / p->adc_columns_per_adc, p->b_out_bits, p->adc_columns_per_adc, p->integrate_cycles,
           chip.tile.tier_switch_cycles, cost.compute_cycles, tokens);
    int rc = bench(&chip, "timing (bit-serial), trace off", tokens, false, NULL);
    rc |= bench(&chip, "timing (bit-serial), FST on", tokens / 4, false, trace);
    rc |= bench(&chip, "numeric 512x512 noisy, trace off", tokens / 10, true, NULL);
    rc |= bench(&chip, "numeric 512x512 noisy, FST on", tokens / 40, true, trace);
    chip.periphery.dac_mode = AIMC_DAC_PWM;
    rc |= bench(&chip, "timing (PWM), trace off", tokens / 2, false, NULL);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
    return rc ? 1 : 0;
}
