/* Benchmark: tier-MVM events (jobs) per second of the fast MVM backend on a 64-tile chip (paper preset,
 * tiles = 64), driven like the sequencer drives it: every free group slot gets a new command at the current
 * cycle, then advance() to the next completion.  Prints figures (per CPU second of this process); asserts
 * nothing.
 * usage: bench_fast_backend [million jobs per case] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "core/energy_ledger.h"
#include "core/rng.h"
#include "engine/dispatch_table.h"
#include "engine/fast_backend.h"
#include "system/chip_config.h"

#define SLOTS 64
#define QUEUE_DEPTH 4
#define CODES_BITS 8
#define EXPERTS 16
#define LAYERS 2

/* CPU time of this process: the machine is shared, and CPU time is what one core spends on the run. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* An MoE-like mapping on 64 tiles x 8 tiers: per layer 16 experts, phase 0 an up projection of in_blocks x
 * out_blocks blocks and phase 1 a down projection of out_blocks x in_blocks, every block on its own (tile,
 * tier), experts stacked on tiers.  blocks_in x blocks_out = 2 x 4 gives 16 blocks per expert; 1 x 1 gives
 * one block per unit (every job has its own activation codes). */
static aimc_dispatch_table *moe_table(const aimc_chip_config *chip, uint32_t blocks_in, uint32_t blocks_out,
                                      aimc_error *err)
{
    aimc_dispatch_table *t = aimc_dispatch_table_create(LAYERS, EXPERTS, 2);
    uint32_t place = 0, tiles = chip->tile.tiles;
    for (uint32_t l = 0; l < LAYERS; l++)
        for (uint32_t e = 0; e < EXPERTS; e++)
            for (uint32_t p = 0; p < 2; p++) {
                uint32_t nin = p == 0 ? blocks_in : blocks_out, nout = p == 0 ? blocks_out : blocks_in;
                for (uint32_t i = 0; i < nin; i++)
                    for (uint32_t o = 0; o < nout; o++, place++) {
                        aimc_dispatch_block b = {(uint16_t)(place % tiles),
                                                 (uint16_t)((place / tiles) % chip->tile.tiers), (uint16_t)i,
                                                 (uint16_t)o};
                        if (aimc_dispatch_table_add(t, l, e, p, b, err)) {
                            aimc_dispatch_table_destroy(t);
                            return NULL;
                        }
                    }
            }
    aimc_dispatch_table_finish(t);
    return t;
}

static int bench(const aimc_chip_config *chip, const char *label, uint32_t blocks_in, uint32_t blocks_out,
                 uint64_t target_jobs)
{
    aimc_error err;
    aimc_dispatch_table *t = moe_table(chip, blocks_in, blocks_out, &err);
    aimc_ledger *ledger = aimc_ledger_create(LAYERS);
    aimc_mvm_backend *b = t ? aimc_fast_backend_create(chip, t, QUEUE_DEPTH, SLOTS, 1, CODES_BITS, ledger, &err)
                            : NULL;
    aimc_rng *rng = aimc_rng_create(12345);
    if (!b) {
        fprintf(stderr, "bench_fast_backend: %s\n", err.msg);
        return -1;
    }
    uint32_t free_slots[SLOTS], nfree = SLOTS, done[SLOTS], ndone;
    for (uint32_t i = 0; i < SLOTS; i++)
        free_slots[i] = SLOTS - 1 - i;
    uint64_t commands = 0, cycle;
    const aimc_backend_stats *st = aimc_mvm_backend_stats(b);
    double t0 = now_s();
    while (st->jobs < target_jobs) {
        while (nfree > 0) {
            /* a decode step: token, layer, phase in order; top-2 of the experts */
            uint64_t n = commands++;
            aimc_mvm_command c = {.slot = free_slots[--nfree], .token = (uint32_t)((n / (2 * LAYERS)) % 4096),
                                  .layer = (uint32_t)((n / 2) % LAYERS), .phase = (uint32_t)(n % 2), .nunits = 2};
            c.unit[0] = aimc_rng_uniform_int(rng, EXPERTS);
            c.unit[1] = (c.unit[0] + 1 + aimc_rng_uniform_int(rng, EXPERTS - 1)) % EXPERTS;
            if (aimc_mvm_backend_submit(b, aimc_mvm_backend_now(b), &c, &err))
                goto fail;
        }
        if (aimc_mvm_backend_advance(b, UINT64_MAX, done, &ndone, &cycle, &err))
            goto fail;
        for (uint32_t i = 0; i < ndone; i++)
            free_slots[nfree++] = done[i];
    }
    double dt = now_s() - t0;
    uint64_t switches = st->tier_switches, busy = 0;
    for (uint32_t i = 0; i < chip->tile.tiles; i++)
        busy += st->busy_cycles[i];
    printf("%-34s %9.3f M jobs %8.3f M commands in %6.3f CPU s: %6.2f M tier-MVM events/s (%5.1f ns/job), "
           "%.1f M simulated cycles/s, tile utilisation %.1f %%, %.1f %% of jobs switch\n",
           label, st->jobs / 1e6, commands / 1e6, dt, st->jobs / dt / 1e6, dt / st->jobs * 1e9,
           aimc_mvm_backend_now(b) / dt / 1e6, 100.0 * busy / ((double)aimc_mvm_backend_now(b) * chip->tile.tiles),
           100.0 * switches / st->jobs);
    aimc_mvm_backend_destroy(b);
    aimc_ledger_destroy(ledger);
    aimc_dispatch_table_destroy(t);
    aimc_rng_destroy(rng);
    return 0;
fail:
    fprintf(stderr, "bench_fast_backend: %s\n", err.msg);
    aimc_mvm_backend_destroy(b);
    aimc_ledger_destroy(ledger);
    aimc_dispatch_table_destroy(t);
    aimc_rng_destroy(rng);
    return -1;
}

int main(int argc, char **argv)
{
    double millions = argc > 1 ? strtod(argv[1], NULL) : 4.0;
    if (!(millions > 0 && millions < 1e4)) {
        fprintf(stderr, "bench_fast_backend: expected a positive number of million jobs, got \"%s\"\n", argv[1]);
        return 2;
    }
    aimc_chip_config chip;
    aimc_error err;
    if (aimc_chip_config_load("paper", &chip, &err)) {
        fprintf(stderr, "bench_fast_backend: %s\n", err.msg);
        return 2;
    }
    chip.tile.tiles = 64;
    printf("fast MVM backend, paper preset with 64 tiles (%u tiers of %ux%u, %u-cycle switch), queue depth %d, "
           "%d slots, %d layers x %d experts, top-2 commands issued as slots free\n",
           chip.tile.tiers, chip.tile.rows, chip.tile.cols, chip.tile.tier_switch_cycles, QUEUE_DEPTH, SLOTS,
           LAYERS, EXPERTS);
    uint64_t jobs = (uint64_t)(millions * 1e6);
    int rc = bench(&chip, "16 blocks/expert (2x4, 4x2)", 2, 4, jobs);
    rc |= bench(&chip, "1 block/expert (own codes per job)", 1, 1, jobs / 4);
    /* The backend's own cost: the same 16-block mapping with 16-row code vectors, so that generating the
     * activation codes costs next to nothing and what is left is the rules, the tile cost call and the ledger. */
    aimc_chip_config short_rows = chip;
    short_rows.tile.rows = 16;
    rc |= bench(&short_rows, "16 blocks/expert, 16-row codes", 2, 4, jobs);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
    return rc ? 1 : 0;
}
