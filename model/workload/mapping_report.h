/* The mapping and assignment as a file ("format": "aimc3d-mapping/1", docs/file-formats-models.md) and as
 * the printed report of `aimc3d map`. */
#ifndef AIMC_MAPPING_REPORT_H
#define AIMC_MAPPING_REPORT_H

#include <json-c/json.h>
#include <stdio.h>

#include "core/aimc_error.h"
#include "system/digital_expert.h"
#include "workload/assignment.h"
#include "workload/mapping.h"

/* The whole table: model, chip, strategy, assignment (digital experts, parameter shares), summary and, per
 * matrix, its placement and the (tile, tier) of each block.  Caller puts it. */
json_object *aimc_mapping_to_json(const aimc_mapping *mp, const aimc_assignment *a);
/* Writes it atomically (no partial file on failure). */
int aimc_mapping_write_json(const aimc_mapping *mp, const aimc_assignment *a, const char *path, aimc_error *err);

/* Tiers and tiles used, tiers per tile, block utilisation, chip area, parameters by placement and digital
 * shares; with the digital expert engine given (may be NULL), what one routed expert costs on it per token. */
void aimc_mapping_print_report(const aimc_mapping *mp, const aimc_assignment *a,
                               const aimc_digital_expert_config *engine, FILE *out);

#endif
