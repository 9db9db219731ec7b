/* The cosim engine's MVM backend: the Verilated chip (token dispatcher + tiles + energy monitor) clocked cycle
 * by cycle behind the aimc_mvm_backend interface.  It loads the dispatch table into the dispatcher's mapping
 * memory, feeds commands through the RTL's command port, books the energy of the events the RTL signals
 * (completed MVMs, tier switches) to the ledger, and keeps a scoreboard: every job of every group completes
 * exactly once, jobs of a group on one tile complete in push order, no tile ever has two tiers enabled, and the
 * RTL's own energy monitor agrees with the ledger. */
#ifndef AIMC_COSIM_BACKEND_H
#define AIMC_COSIM_BACKEND_H

#include <stdint.h>

#include "engine/dispatch_table.h"
#include "engine/mvm_backend.h"
#include "system/chip_config.h"

typedef struct {
    uint64_t scoreboard_errors;   /* lost, duplicated or reordered jobs, unknown tags */
    char first_error[256];
    uint64_t ott_violation_cycles;
    uint64_t rtl_assertion_failures;
    int64_t energy_monitor_delta_fJ; /* RTL energy monitor minus the energy this backend booked */
    uint64_t setup_cycles;        /* reset and mapping-memory load before cycle 0 */
} aimc_cosim_backend_report;

/* Queue depth and slot count are the RTL's (params/chip_params.h); the chip build used is the smallest with
 * chip->tile.tiles tiles; the batch is bounded by its token-marker ports (AIMC_CHIP_SEQS).  trace_path may be NULL. */
aimc_mvm_backend *aimc_cosim_backend_create(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                            uint64_t codes_seed, aimc_ledger *ledger, const char *trace_path,
                                            aimc_error *err);
/* The same, also writing every cycle's inputs, DAC codes and key outputs to record_path (docs/file-formats.md,
 * "Chip stimulus record"), for replay of the same RTL under iverilog (tb/iverilog/chip_replay_tb.sv). */
aimc_mvm_backend *aimc_cosim_backend_create_recorded(const aimc_chip_config *chip, const aimc_dispatch_table *table,
                                                     uint64_t codes_seed, aimc_ledger *ledger, const char *trace_path,
                                                     const char *record_path, aimc_error *err);
/* Reads the scoreboard and the end-of-run checks (call after the last completion). */
void aimc_cosim_backend_report_get(aimc_mvm_backend *b, aimc_cosim_backend_report *out);

#endif
