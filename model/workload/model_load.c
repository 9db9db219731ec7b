#include "workload/model_load.h"

#include <string.h>

#include "core/json_config.h"
#include "system/chip_config.h"
#include "workload/hf_config.h"

int aimc_moe_model_load_json(json_object *root, const char *path, aimc_moe_model *m, aimc_error *err)
{
    if (!json_object_is_type(root, json_type_object))
        return aimc_fail(err, "%s: expected a JSON object at the top level", path);
    if (json_object_object_get_ex(root, "format", NULL))
        return aimc_moe_model_from_json(root, path, m, err);
    if (json_object_object_get_ex(root, "model_type", NULL))
        return aimc_hf_config_import(root, path, m, err);
    return aimc_fail(err, "%s: format: expected \"aimc3d-model/1\" or a Hugging Face config.json with model_type "
                          "(neither field is present)", path);
}

int aimc_moe_model_load(const char *spec_or_path, aimc_moe_model *m, aimc_error *err)
{
    if (aimc_moe_model_is_spec(spec_or_path))
        return aimc_moe_model_from_spec(spec_or_path, m, err);
    char path[512];
    if (aimc_preset_path("models", spec_or_path, path, sizeof path))
        return aimc_fail(err, "%s: expected a model path of at most %zu bytes", spec_or_path, sizeof path - 1);
    json_object *root = aimc_json_load_file(path, err);
    if (!root)
        return -1;
    int rc = aimc_moe_model_load_json(root, path, m, err);
    json_object_put(root);
    return rc;
}

bool aimc_moe_model_is_spec(const char *spec_or_path)
{
    return strchr(spec_or_path, ':') && !strchr(spec_or_path, '/');
}
