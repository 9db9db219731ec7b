/* A program outside the tree, built against the installed libaimc3d with `pkg-config --cflags --libs aimc3d`:
 * the facade (a fast-engine run's report) and the typed headers (a plan's blocks), as a user would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/aimc3d.h"
#include "run/plan.h"

int main(void)
{
    char err[AIMC3D_ERROR_SIZE];
    printf("aimc3d %s, presets %s\n", aimc3d_version(), aimc3d_presets_dir());
    char *report = aimc3d_call("run", "{\"model\": \"tiny-moe\", \"chip\": \"paper\", \"tokens\": 2}", err, sizeof err);
    if (!report) {
        fprintf(stderr, "external: %s\n", err);
        return 1;
    }
    int ok = strstr(report, "\"aimc3d-energy/1\"") != NULL;
    aimc3d_free(report);
    /* The cosim engine is not in the library: a clear error naming it. */
    char *none = aimc3d_call("run", "{\"model\": \"tiny-moe\", \"chip\": \"paper\", \"engine\": \"cosim\"}", err,
                             sizeof err);
    printf("cosim: %s\n", none ? "ran" : err);
    aimc_plan_options o;
    aimc_plan_options_defaults(&o);
    o.model = "tiny-moe";
    o.chip = "paper";
    aimc_error e;
    aimc_plan *p = aimc_plan_create(&o, &e);
    if (!p) {
        fprintf(stderr, "external: %s\n", e.msg);
        return 1;
    }
    printf("report %s, %llu analog blocks\n", ok ? "aimc3d-energy/1" : "missing", (unsigned long long)aimc_plan_analog_blocks(p));
    aimc_plan_destroy(p);
    return ok && !none ? 0 : 1;
}
