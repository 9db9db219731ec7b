#include "run/run_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "params/chip_params.h"
#include "report/chip_layout.h"

void aimc_run_args_defaults(aimc_run_args *a)
{
    *a = (aimc_run_args){.engine = "cosim", .routing = "uniform", .tokens = 8, .batch = 1, .prompt = 64,
                         .zipf = 1.0, .partner = 0.5, .gpu = "a100", .gpu_weight_bytes = 2};
    aimc_plan_args_defaults(&a->plan, "run");
}

/* What the library would refuse too, checked first so that the message names the flag. */
static int check_flags(const aimc_run_args *a, aimc_routing_mode mode, aimc_error *err)
{
    bool cosim = strcmp(a->engine, "cosim") == 0;
    if (cosim && !aimc_mvm_backend_available("cosim"))
        return aimc_fail(err, "run --engine cosim: this program has only the %s engine (the cosim engine links the "
                              "Verilated chip and C++: it is in the aimc3d program, not in libaimc3d)",
                         aimc_mvm_backend_names());
    if (!aimc_mvm_backend_available(a->engine))
        return aimc_fail(err, "run --engine: expected one of %s, found \"%s\"", aimc_mvm_backend_names(), a->engine);
    if (a->plan.no_ott && strcmp(a->engine, "fast") != 0)
        return aimc_fail(err, "run --no-ott: expected --engine fast (the %s engine runs the RTL, which enforces one "
                              "tier at a time per tile)", a->engine);
    if (cosim && a->batch > (long)AIMC_CHIP_SEQS)
        return aimc_fail(err, "run --batch: expected at most %u with the cosim engine (the chip's token-marker "
                              "ports; the fast engine has no limit), found %ld", AIMC_CHIP_SEQS, a->batch);
    if (a->record && !cosim)
        return aimc_fail(err, "run --record: only the cosim engine records the RTL's stimulus");
    if (a->trace && !cosim)
        return aimc_fail(err, "run --trace: only the cosim engine writes waveforms");
    if (a->saif && !cosim)
        return aimc_fail(err, "run --saif: only the cosim engine has switching activity (its waveform)");
    if (a->saif_window && !a->saif)
        return aimc_fail(err, "run --saif-window: expected --saif FILE too");
    if (mode == AIMC_ROUTE_REPLAY && !a->plan.trace)
        return aimc_fail(err, "run --routing replay: expected --routing-trace FILE");
    if (mode == AIMC_ROUTE_COMPUTED && !a->plan.weights)
        return aimc_fail(err, "run --routing computed: expected --weights FILE (the router weights: the model's "
                              "safetensors file or folder)");
    /* every output can be created, each is a file of its own, none is an input */
    char *layout = a->trace ? aimc_layout_path_new(a->trace) : NULL;
    if (a->trace && !layout)
        return aimc_fail(err, "run: out of memory");
    const aimc_named_path outs[] = {{"run --trace", a->trace}, {"run --trace (its layout)", layout},
                                    {"run --report", a->report}, {"run --csv", a->csv}, {"run --record", a->record},
                                    {"run --write-routing-trace", a->routing_record}, {"run --saif", a->saif}};
    const aimc_named_path ins[] = {{"--model", a->plan.model}, {"--chip", a->plan.chip},
                                   {"--routing-trace", a->plan.trace}, {"--weights", a->plan.weights},
                                   {"--gpu", a->gpu}};
    int rc = aimc_outputs_check(outs, sizeof outs / sizeof outs[0], ins, sizeof ins / sizeof ins[0], err);
    free(layout);
    return rc;
}

/* --saif-window BEGIN:END, run cycles; END may be empty (to the run's end). */
static int parse_saif_window(const char *text, aimc_run_options *o, aimc_error *err)
{
    unsigned long long begin, end = 0;
    int n = 0;
    if (!text)
        return 0;
    if (!((sscanf(text, "%llu:%llu%n", &begin, &end, &n) == 2 && (size_t)n == strlen(text) && end > begin) ||
          (sscanf(text, "%llu:%n", &begin, &n) == 1 && (size_t)n == strlen(text))))
        return aimc_fail(err, "run --saif-window: expected BEGIN:END run cycles with END > BEGIN (or BEGIN: for the "
                              "rest of the run), found \"%s\"", text);
    o->saif_begin_cycle = begin;
    o->saif_end_cycle = end;
    return 0;
}

int aimc_run_args_options(const aimc_run_args *a, aimc_run_options *o, aimc_gpu_config *gpu, aimc_error *err)
{
    aimc_run_options_defaults(o);
    if (aimc_routing_mode_parse(a->routing, "command line", "--routing", &o->routing, err) ||
        check_flags(a, o->routing, err) || parse_saif_window(a->saif_window, o, err) ||
        aimc_gpu_config_load(a->gpu, gpu, err))
        return -1;
    o->engine = a->engine;
    o->batch = (uint32_t)a->batch;
    o->tokens = (uint32_t)a->tokens;
    o->prompt = (uint32_t)a->prompt;
    o->prefill = a->prefill;
    o->no_kv_cache = a->no_kv_cache;
    o->zipf_exponent = a->zipf;
    o->partner_prob = a->partner;
    o->per_layer = a->per_layer;
    o->trace_path = a->trace;
    o->record_path = a->record;
    o->saif_path = a->saif;
    o->routing_record_path = a->routing_record;
    o->gpu = gpu;
    o->gpu_weight_bytes = a->gpu_weight_bytes;
    return 0;
}
