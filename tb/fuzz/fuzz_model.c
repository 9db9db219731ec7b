/* libFuzzer harness: a model description as `--model FILE` reads it (aimc3d-model/1, or a Hugging Face
 * config.json, told apart by its fields), then its parameter counts (`model show`). */
#include "core/json_config.h"
#include "fuzz_input.h"
#include "workload/model_load.h"
#include "workload/moe_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    json_object *root = aimc_json_parse_text("fuzz-model.json", (const char *)data, size, &err);
    if (!root)
        return 0;
    aimc_moe_model m;
    if (aimc_moe_model_load_json(root, "fuzz-model.json", &m, &err) == 0) {
        aimc_param_counts c;
        aimc_moe_model_params(&m, &c);
    }
    json_object_put(root);
    return 0;
}
