/* chip_diff: chip-level random differential traffic (chip_random.h), the RTL against the C reference.
 *   chip_diff [--cycles N] [--seed S] [--max-tiles N] [--chip FILE] [--verbose]
 * Defaults: 10^6 cycles, seed $AIMC_TEST_SEED or 1, 64 tiles, tb/engine/tile_small.json.  Prints one summary line
 * (seed, cycles, commands, jobs, mismatches, check findings, wall time, simulated cycles/s) and exits 0 when the RTL
 * and the reference agree everywhere and the cosim's checks found nothing, 1 otherwise, 2 on bad arguments.  The
 * test suite runs it for 10^6 cycles; tools/chip_soak runs it for 10^8 and more in a release build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip_random.h"
#include "shim/vchip.h"

static int usage(const char *msg)
{
    fprintf(stderr, "chip_diff: %s (usage: chip_diff [--cycles N] [--seed S] [--max-tiles N] [--chip FILE] "
                    "[--verbose])\n", msg);
    return 2;
}

static int parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    *out = strtoull(s, &end, 10);
    return errno || *end ? -1 : 0;
}

int main(int argc, char **argv)
{
    const char *env = getenv("AIMC_TEST_SEED");
    unsigned long long cycles = 1000000, seed = 1, tiles = aimc_vchip_max_tiles();
    if (env && parse_u64(env, &seed))
        return usage("AIMC_TEST_SEED: expected a whole number");
    chip_random_options o = {.chip = AIMC_TB_DIR "/engine/tile_small.json"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o.verbose = true;
            continue;
        }
        if (!strcmp(a, "--chip") && v)
            o.chip = v;
        else if (!strcmp(a, "--cycles") && !parse_u64(v, &cycles) && cycles > 0)
            ;
        else if (!strcmp(a, "--seed") && !parse_u64(v, &seed))
            ;
        else if (!strcmp(a, "--max-tiles") && !parse_u64(v, &tiles) && tiles >= 1 && tiles <= aimc_vchip_max_tiles())
            ;
        else
            return usage(!strcmp(a, "--max-tiles") ? "--max-tiles: expected 1 .. the largest chip build's tiles"
                                                   : "bad option or value");
        i++;
    }
    o.seed = (unsigned long)seed;
    o.cycles = cycles;
    o.max_tiles = (uint32_t)tiles;
    printf("chip_diff: seed %llu (set with --seed or AIMC_TEST_SEED), %llu cycles, up to %llu tiles\n", seed, cycles,
           tiles);
    fflush(stdout);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    chip_random_result r;
    if (chip_random_run(&o, &r)) {
        fprintf(stderr, "chip_diff: %s\n", r.first_error);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    bool clean = r.mismatches == 0 && r.scoreboard_errors == 0 && r.ott_violation_cycles == 0 &&
                 r.rtl_assertion_failures == 0 && r.energy_monitor_errors == 0;
    printf("chip_diff: seed %llu: %llu cycles, %llu trials, %llu commands, %llu jobs, %llu tier switches; "
           "%llu mismatches, %llu scoreboard errors, %llu OTT-violating cycles, %llu RTL assertion failures, "
           "%llu energy-monitor disagreements; %.1f s wall, %.3f M cycles/s\n",
           seed, (unsigned long long)r.cycles, (unsigned long long)r.trials, (unsigned long long)r.commands,
           (unsigned long long)r.jobs, (unsigned long long)r.switches, (unsigned long long)r.mismatches,
           (unsigned long long)r.scoreboard_errors, (unsigned long long)r.ott_violation_cycles,
           (unsigned long long)r.rtl_assertion_failures, (unsigned long long)r.energy_monitor_errors, wall_s,
           (double)r.cycles / wall_s / 1e6);
    if (r.mismatches)
        printf("first mismatch: %s\n", r.first_mismatch);
    if (r.scoreboard_errors)
        printf("first scoreboard error: %s\n", r.first_error);
    printf("%s\n", clean ? "chip_diff: PASS" : "chip_diff: FAIL");
    return clean ? 0 : 1;
}
