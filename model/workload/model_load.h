/* Loading a model description from wherever a user names it: a preset, an aimc3d model JSON, a Hugging Face
 * config.json or a family spec; above both formats' readers (moe_model.h, hf_config.h). */
#ifndef AIMC_MODEL_LOAD_H
#define AIMC_MODEL_LOAD_H

#include <json-c/json.h>
#include <stdbool.h>

#include "core/aimc_error.h"
#include "workload/moe_model.h"

/* Loads a model: a parametric spec ("family:key=value,..."), else a preset name (model/presets/models/),
 * else a path; a file with "format": "aimc3d-model/1" is the project format, one with "model_type" a
 * Hugging Face config.json.  Returns 0, or -1 with one error line naming the file and the field. */
int aimc_moe_model_load(const char *spec_or_path, aimc_moe_model *m, aimc_error *err);
/* The same from an already parsed file (a sweep edits fields before the model validates them). */
int aimc_moe_model_load_json(json_object *root, const char *path, aimc_moe_model *m, aimc_error *err);
/* Whether a name is a parametric spec ("family:key=value,...") rather than a preset or a path. */
bool aimc_moe_model_is_spec(const char *spec_or_path);

#endif
