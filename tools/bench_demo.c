#include "bench_demo.h"

#include <stdio.h>

#include "run/run.h"

int aimc_bench_demo(const char *bench, const char *engine, uint32_t tiles, const char *trace,
                    aimc_bench_demo_result *out)
{
    aimc_plan_options po;
    aimc_plan_options_defaults(&po);
    po.model = "small-moe";
    po.chip = "paper";
    po.assign.setting = AIMC_SETTING_ALL_ANALOG;
    po.tiles = tiles;
    aimc_run_options o;
    aimc_run_options_defaults(&o);
    o.engine = engine;
    o.batch = 4;
    o.tokens = 8;
    o.trace_path = trace;
    aimc_error err;
    aimc_plan *p = aimc_plan_create(&po, &err);
    aimc_run *r = p ? aimc_run_create(p, &o, &err) : NULL;
    int rc = r && aimc_run_decode(r, &err) == 0 && aimc_run_finish(r, &err) == 0 ? 0 : -1;
    if (rc) {
        fprintf(stderr, "%s: %s\n", bench, err.msg);
    } else {
        aimc_run_counters c;
        aimc_run_counters_of(r, &c);
        *out = (aimc_bench_demo_result){aimc_run_figures_get(r)->cycles, aimc_run_figures_get(r)->tokens,
                                        aimc_stats_value(aimc_run_stats(r), "tier_mvms"), c.decode_wall_s,
                                        c.decode_cpu_s};
        if (trace) {
            remove(trace);
            remove(aimc_run_layout_path(r));
        }
    }
    aimc_run_destroy(r);
    aimc_plan_destroy(p);
    return rc;
}
