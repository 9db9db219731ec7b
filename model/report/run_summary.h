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
    /* Prefill apart from decode.  Time to first token: the cycle the last sequence sampled its first token (the
     * end of its first pass: the prompt with prefill).  Prefill / decode energy: what is booked to the prompt's
     * rows / the generated tokens' rows (static energy, booked to the chip alone, is in neither). */
    uint64_t prefill_tokens, decode_tokens;
    double time_to_first_token_s;
    double prefill_energy_nJ, prefill_energy_per_token_nJ;
    double decode_seconds;        /* from the end of the prefill (0 without) to the end of the run */
    double decode_tokens_per_s, decode_energy_nJ, decode_energy_per_token_nJ;
} aimc_run_figures;

/* Which ledger rows are the prefill: sequence s row i (row s * per_seq + i) with i < prefill_rows. */
typedef struct {
    uint32_t per_seq, prefill_rows;
    uint64_t first_token_cycles;
} aimc_run_phases;

/* Area: tiles x tile area, the DPUs and MHA units, and the digital expert engine when the run uses it. */
double aimc_chip_area_mm2(const aimc_chip_config *chip, bool uses_digital_engine);
void aimc_run_figures_of(const aimc_chip_config *chip, bool uses_digital_engine, const aimc_ledger *l,
                         uint64_t tokens, uint64_t cycles, const aimc_run_phases *phases, aimc_run_figures *out);
/* "prefill" or "decode": the phase of ledger row `row` (the report's and CSV's per-token phase). */
const char *aimc_run_phase_of(const aimc_run_phases *phases, uint32_t row);
/* The same as a callback of the energy report (ctx: the aimc_run_phases). */
const char *aimc_run_phase_cb(const void *phases, uint32_t row);
json_object *aimc_run_figures_json(const aimc_run_figures *f);
/* Per tile: jobs' busy cycles and their share of the run, OTT conflict cycles, dispatcher stall cycles. */
json_object *aimc_tile_utilisation_json(const aimc_backend_stats *s, uint32_t tiles, uint64_t cycles);
void aimc_run_figures_print(FILE *f, const aimc_run_figures *fig, const aimc_ledger *l);

#endif
