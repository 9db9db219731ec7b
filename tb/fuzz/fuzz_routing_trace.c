/* libFuzzer harness: a routing trace (aimc3d-routing-trace/1 JSON lines) for the tiny-moe preset's shape
 * (2 layers, 4 experts, top-2), as `--routing-trace FILE` reads it. */
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "fuzz_input.h"
#include "workload/routing_trace.h"

static const char tiny_moe[] =
    "{\"format\": \"aimc3d-model/1\", \"name\": \"tiny-moe\", \"layers\": 2, \"d_model\": 64, \"heads\": 2,"
    " \"vocab\": 256, \"experts\": 4, \"top_k\": 2, \"expert_hidden\": 128, \"gated\": true, \"activation\": \"silu\"}";
static aimc_moe_model model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    aimc_error err;
    json_object *root = aimc_json_parse_text("tiny-moe", tiny_moe, strlen(tiny_moe), &err);
    if (!root || aimc_moe_model_from_json(root, "tiny-moe", &model, &err)) {
        fprintf(stderr, "fuzz_routing_trace: %s\n", err.msg);
        abort();
    }
    json_object_put(root);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    aimc_routing_trace *t = aimc_routing_trace_load(fuzz_input_file(data, size, ".jsonl"), &model, &err);
    aimc_routing_trace_destroy(t);
    return 0;
}
