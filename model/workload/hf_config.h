/* Import of a Hugging Face config.json into the project's model description.  Families are detected by
 * "model_type" (else "architectures"): olmoe, deepseek (DeepSeekMoE), mixtral, qwen2_moe (Qwen1.5-MoE),
 * qwen3_moe.  Layer patterns the model cannot express (MoE every other layer, dense layers in the middle)
 * are refused with the field that sets them. */
#ifndef AIMC_HF_CONFIG_H
#define AIMC_HF_CONFIG_H

#include <json-c/json.h>

#include "core/aimc_error.h"
#include "workload/moe_model.h"

int aimc_hf_config_import(json_object *root, const char *file, aimc_moe_model *m, aimc_error *err);

#endif
