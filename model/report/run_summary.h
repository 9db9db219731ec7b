/* The headline figures of a decode run (tokens/s, energy per token, tokens/s/W, tokens/s/mm2) and their
 * printed table; the per-tile utilisation section of the energy report. */
#ifndef AIMC_RUN_SUMMARY_H
#define AIMC_RUN_SUMMARY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/energy_ledger.h"
#include "engine/mvm_backend.h"
#include "system/chip_config.h"

typedef struct {
    uint64_t tokens, cycles;
    double seconds;               /* simulated time */
    double tokens_per_s;
    double energy_per_token_nJ;   /* all energy, static included, per token */
    double power_W;               /* average */
    double tokens_per_s_per_W;
    double area_mm2;              /* tiles + digital units + digital expert engine */
    double tokens_per_s_per_mm2;
} aimc_run_figures;

/* Area: tiles x tile area, the DPUs and MHA units, and the digital expert engine when the run uses it. */
double aimc_chip_area_mm2(const aimc_chip_config *chip, bool uses_digital_engine);
void aimc_run_figures_of(const aimc_chip_config *chip, bool uses_digital_engine, const aimc_ledger *l,
                         uint64_t tokens, uint64_t cycles, aimc_run_figures *out);
json_object *aimc_run_figures_json(const aimc_run_figures *f);
/* Per tile: jobs' busy cycles and their share of the run, OTT conflict cycles, dispatcher stall cycles. */
json_object *aimc_tile_utilisation_json(const aimc_backend_stats *s, uint32_t tiles, uint64_t cycles);
void aimc_run_figures_print(FILE *f, const aimc_run_figures *fig, const aimc_ledger *l);

#endif
