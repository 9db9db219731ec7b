/* Benchmark: the cosim engine (Verilated dispatcher + tiles, clocked every cycle) and the fast engine on the
 * demo workload (small-moe, all analog, batch 4, 8 tokens per sequence) on 16- and 64-tile chips, trace off
 * and FST on.  Prints simulated cycles/s, simulated tokens/s and peak memory; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/cosim_backend.h"
#include "engine/decode_sequencer.h"
#include "engine/dispatch_build.h"
#include "engine/fast_backend.h"
#include "plan.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench(uint32_t tiles, const char *engine, const char *trace)
{
    aimc_plan_args a;
    aimc_plan_args_defaults(&a, "bench");
    a.model = "small-moe";
    a.chip = "paper";
    a.setting = "all-analog";
    a.tiles = tiles;
    aimc_plan p;
    aimc_error err;
    aimc_dispatch_table *table = NULL;
    aimc_router *router = NULL;
    aimc_ledger *ledger = aimc_ledger_create(0);
    aimc_mvm_backend *b = NULL;
    int rc = aimc_plan_build(&a, &p, &err);
    if (!rc && !(table = aimc_dispatch_table_from_mapping(p.mapping, &err)))
        rc = -1;
    aimc_routing_params rp = {.mode = AIMC_ROUTE_UNIFORM, .experts = p.model.experts, .top_k = p.model.top_k,
                              .layers = p.model.layers, .seed = 1};
    if (!rc && !(router = aimc_router_create(&rp, &err)))
        rc = -1;
    uint32_t slots = aimc_cosim_backend_slots();
    if (!rc)
        b = strcmp(engine, "fast") == 0
                ? aimc_fast_backend_create(&p.chip, table, aimc_cosim_backend_queue_depth(), slots, 1, 8, ledger, &err)
                : aimc_cosim_backend_create(&p.chip, table, 1, ledger, trace, &err);
    if (!rc && !b)
        rc = -1;
    aimc_decode_options o = {.batch = 4, .tokens = 8, .prompt = 64, .slots = slots, .seed = 1};
    aimc_decode_result r;
    double t0 = now_s();
    if (!rc)
        rc = aimc_decode_run(p.mapping, table, router, b, &o, ledger, &r, &err);
    double dt = now_s() - t0;
    if (rc) {
        fprintf(stderr, "bench_chip: %s\n", err.msg);
    } else {
        uint64_t cycles = b->ops->now(b); /* every cycle through the last token's end is simulated */
        printf("%2u tiles, %-5s %-9s %9llu cycles, %3llu tokens in %7.3f s: %7.2f M cycles/s, %9.1f tokens/s\n", tiles,
               engine, trace ? "FST on" : "trace off", (unsigned long long)cycles, (unsigned long long)r.tokens, dt,
               cycles / dt / 1e6, r.tokens / dt);
    }
    if (b)
        b->ops->destroy(b);
    aimc_router_destroy(router);
    aimc_dispatch_table_destroy(table);
    aimc_ledger_destroy(ledger);
    aimc_plan_release(&p);
    return rc;
}

int main(void)
{
    char trace[64];
    snprintf(trace, sizeof trace, "/tmp/bench_chip_%ld.fst", (long)getpid());
    int rc = 0;
    for (uint32_t tiles = 16; tiles <= 64; tiles *= 4) {
        rc |= bench(tiles, "cosim", NULL);
        rc |= bench(tiles, "cosim", trace);
        remove(trace);
        rc |= bench(tiles, "fast", NULL);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
    return rc ? 1 : 0;
}
