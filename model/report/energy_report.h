/* Energy annotation exports, format "aimc3d-energy/1" (docs/file-formats.md): per token its start and end
 * time, latency and energy by component (and by layer when the ledger keeps layers); chip totals; the run's
 * configuration echoed.  JSON via json-c, and a CSV of the same per-token table.  Energies are exact:
 * integer femtojoules printed as picojoules with three decimals. */
#ifndef AIMC_ENERGY_REPORT_H
#define AIMC_ENERGY_REPORT_H

#include <json-c/json.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"

typedef struct {
    const char *engine;        /* "cosim-tile", "cosim", "fast" */
    uint64_t clock_period_ps;
    uint64_t cycles;           /* simulated cycles of the whole run */
    json_object *config;       /* echoed configuration (with provenance); ownership passes to the writer */
    json_object *counters;     /* run counters (mvms, tier switches, ...); ownership passes; may be NULL */
    json_object *sections;     /* further top-level sections (utilisation, ...); ownership passes; may be NULL */
    const char *(*phase_of)(const void *ctx, uint32_t token); /* "prefill"/"decode" per token, or NULL: none */
    const void *phase_ctx;
} aimc_energy_report;

#define AIMC_ENERGY_FORMAT "aimc3d-energy/1"

/* Builds the report object (caller puts it). Takes ownership of info->config/counters/sections. */
json_object *aimc_energy_report_build(const aimc_ledger *l, aimc_energy_report *info);
int aimc_energy_report_write_json(const char *path, const aimc_ledger *l, aimc_energy_report *info,
                                  aimc_error *err);
/* phase_of (may be NULL): a "phase" column after the token's ("prefill" / "decode"). */
int aimc_energy_report_write_csv(const char *path, const aimc_ledger *l, uint64_t clock_period_ps,
                                 const char *(*phase_of)(const void *ctx, uint32_t token), const void *phase_ctx,
                                 aimc_error *err);

/* Exact decimal renderings used in reports: fJ as pJ with 3 decimals, cycles x period as ns with 3 decimals. */
json_object *aimc_json_pJ(aimc_fJ energy);
json_object *aimc_json_ns(uint64_t cycles, uint64_t clock_period_ps);
void aimc_format_pJ(aimc_fJ energy, char *buf, size_t n);
void aimc_format_ns(uint64_t cycles, uint64_t clock_period_ps, char *buf, size_t n);

#endif
