/* The single-tile cosimulation: the Verilated tile (tier-select controller + compute phase) clocked cycle
 * by cycle, the C crossbars computing each MVM the RTL fires, two scoreboards (the cycle-exact C reference
 * model of the RTL, and a golden product for every MVM result), and per-token energy booking. */
#ifndef AIMC_COSIM_TILE_H
#define AIMC_COSIM_TILE_H

#include <stdbool.h>
#include <stdint.h>

#include "aimc_error.h"
#include "chip_config.h"
#include "energy_ledger.h"

typedef struct {
    uint32_t tiers;             /* tiers in use (<= the RTL's TIERS); 0 = the chip preset's */
    uint32_t tokens;            /* tokens issuing requests (tags 0..tokens-1) */
    uint32_t mvms_per_token;    /* MVM requests per token, each on a random tier */
    double stay_probability;    /* chance a request reuses the previous request's tier (no switch) */
    double valid_probability;   /* chance per cycle that an idle requester presents its next request */
    uint64_t seed;
    double noise_rel;           /* programming noise std / max|W| */
    bool numeric;               /* compute the MVMs on the C crossbars */
    bool check;                 /* run the scoreboards */
    const char *trace_path;     /* NULL: no waveform */
    const char *record_path;    /* NULL, or a file receiving every cycle's inputs and RTL outputs (for
                                   replay under a second simulator; format in docs/file-formats.md) */
} aimc_cosim_tile_options;

typedef struct {
    uint64_t cycles;
    uint64_t mvms, switches;            /* as counted by the RTL */
    uint64_t signal_mismatches;         /* cycles where RTL outputs differ from the reference model */
    char first_mismatch[256];
    uint64_t result_mismatches;         /* MVM results off the golden product */
    double max_result_error;            /* largest |y - golden| / (sum |w||x|) seen */
    uint64_t ott_violations;            /* cycles with more than one tier enabled on the RTL outputs */
    uint64_t rtl_assertion_failures;    /* SystemVerilog assertions that fired in the RTL */
    uint64_t c_side_switches;           /* switches of the C tile's OTT state (numeric runs) */
    aimc_ledger *ledger;                /* per-token energy; caller destroys */
} aimc_cosim_tile_result;

void aimc_cosim_tile_defaults(aimc_cosim_tile_options *o);
/* Runs to completion of every request.  Fails on bad options or a hung RTL; scoreboard mismatches are
 * counted in r, not failures, so a caller can report them. */
int aimc_cosim_tile_run(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, aimc_cosim_tile_result *r,
                        aimc_error *err);

#endif
