#include "study_run.h"

#include <string.h>
#include <time.h>

#include "engine/cosim_backend.h"
#include "engine/decode_sequencer.h"
#include "engine/fast_backend.h"
#include "workload/routing.h"

typedef struct {
    aimc_plan plan;
    aimc_dispatch_table *table;
    aimc_router *router;
    aimc_ledger *ledger;
    aimc_mvm_backend *backend;
} point_state;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void release(point_state *s)
{
    if (s->backend)
        s->backend->ops->destroy(s->backend);
    aimc_ledger_destroy(s->ledger);
    aimc_router_destroy(s->router);
    aimc_dispatch_table_destroy(s->table);
    aimc_plan_release(&s->plan);
}

static int make_router(const aimc_point_args *a, const aimc_moe_model *m, aimc_router **out, aimc_error *err)
{
    *out = NULL;
    if (m->experts == 0)
        return 0;
    aimc_routing_params p = {.mode = AIMC_ROUTE_UNIFORM, .experts = m->experts, .top_k = m->top_k,
                             .layers = m->layers, .seed = (uint64_t)a->plan.seed};
    *out = aimc_router_create(&p, err);
    return *out ? 0 : -1;
}

static void collect(point_state *s, const aimc_decode_result *dr, aimc_point_result *r)
{
    const aimc_mvm_stats *st = s->backend->ops->stats(s->backend);
    aimc_assignment_stats as;
    aimc_assignment_stats_of(s->plan.assignment, &as);
    r->model = s->plan.model;
    aimc_moe_model_params(&r->model, &r->params);
    r->tiles = s->plan.chip.tile.tiles;
    r->tiers = s->plan.chip.tile.tiers;
    r->analog_blocks = s->plan.analog_blocks;
    aimc_run_figures_of(&s->plan.chip, as.params[AIMC_PLACE_DIGITAL] > 0, s->ledger, dr->tokens, dr->cycles, &r->fig);
    for (int c = 0; c < AIMC_E_COUNT; c++)
        r->energy[c] = aimc_ledger_chip_energy(s->ledger, (aimc_energy_component)c);
    r->tier_mvms = st->jobs;
    r->tier_switches = st->tier_switches;
    for (uint32_t t = 0; t < s->plan.engine_chip.tile.tiles; t++)
        r->ott_conflict_cycles += st->conflict_cycles[t];
    r->dram_busy_cycles = dr->dram_busy_cycles;
    double latency = 0;
    for (uint64_t t = 0; t < dr->tokens; t++)
        latency += (double)(aimc_ledger_token_end(s->ledger, (uint32_t)t) -
                            aimc_ledger_token_start(s->ledger, (uint32_t)t));
    r->mean_latency_ns = dr->tokens ? latency / dr->tokens * s->plan.chip.clock_period_ps * 1e-3 : 0;
}

int aimc_point_run(const aimc_point_args *a, aimc_point_result *r, aimc_error *err)
{
    point_state s = {0};
    memset(r, 0, sizeof *r);
    aimc_decode_options o = {.batch = a->batch, .tokens = a->tokens, .prompt = a->prompt,
                             .slots = aimc_cosim_backend_slots(), .seed = (uint64_t)a->plan.seed};
    aimc_decode_result dr;
    int rc = aimc_plan_build(&a->plan, &s.plan, err);
    if (!rc && !(s.table = aimc_plan_dispatch_table(&s.plan, err)))
        rc = -1;
    if (!rc)
        rc = make_router(a, &s.plan.model, &s.router, err);
    if (!rc && !(s.ledger = aimc_ledger_create(0)))
        rc = aimc_fail(err, "study: out of memory");
    if (!rc && !(s.backend = aimc_fast_backend_create(&s.plan.engine_chip, s.table, aimc_cosim_backend_queue_depth(),
                                                      o.slots, (uint64_t)a->plan.seed,
                                                      s.plan.chip.periphery.b_in_bits, s.ledger,
                                                      err)))
        rc = -1;
    if (!rc) {
        if (a->progress) {
            char label[sizeof a->progress->label];
            memcpy(label, a->progress->label, sizeof label); /* start clears the struct */
            aimc_progress_start(a->progress, s.plan.chip.clock_period_ps, label);
            o.progress = aimc_progress_tokens;
            o.progress_ctx = a->progress;
        }
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        rc = aimc_decode_run(s.plan.mapping, s.table, s.router, s.backend, &o, s.ledger, &dr, err);
        r->decode_wall_s = clock_s(CLOCK_MONOTONIC) - t0;
        r->decode_cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (a->progress)
            aimc_progress_end(a->progress);
    }
    if (!rc)
        collect(&s, &dr, r);
    if (!rc && a->gpu) {
        aimc_gpu_decode w = {a->batch, a->tokens, a->prompt, false, a->gpu_weight_bytes};
        rc = aimc_gpu_comparison_of(a->gpu, &r->model, &w, &r->fig, &r->gpu, err);
    }
    release(&s);
    return rc;
}
