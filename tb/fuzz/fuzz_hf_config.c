/* libFuzzer harness: a Hugging Face config.json through the importer (shape) and the numeric configuration
 * the evaluation reads from it (`aimc3d eval`). */
#include "core/json_config.h"
#include "fuzz_input.h"
#include "numeric/lm_config.h"
#include "workload/hf_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    json_object *root = aimc_json_parse_text("config.json", (const char *)data, size, &err);
    if (!root)
        return 0;
    aimc_moe_model m;
    if (aimc_hf_config_import(root, "config.json", &m, &err) == 0) {
        aimc_lm_config c;
        aimc_lm_config_from_json(root, "config.json", &m, &c, &err);
    }
    json_object_put(root);
    return 0;
}
