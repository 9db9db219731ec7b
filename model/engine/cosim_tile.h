/* The single-tile cosimulation: the Verilated tile (tier-select controller + DAC/ADC periphery) clocked cycle
 * by cycle with the C analog model around it.  For every MVM the RTL starts, the C side hands the DAC its codes
 * (numeric runs: a random input vector quantized by the DAC model; timing runs: the seeded activation codes of
 * activation_codes.h), computes the columns' analog values with the tier's physics model (analog_tier.h) and
 * answers the SAR comparators' decisions; timing runs answer 0 (the SAR timing does not depend on them).
 * Scoreboards: the cycle-exact C reference model of the RTL; every conversion against the ideal C quantizer of
 * the same analog value; with every non-ideality off, every MVM against the independently computed quantized
 * product; every MVM's latency and events against the closed form (tile_ref.h, tile_cost.h).  Energy is booked
 * per token from the event counts the RTL reports with done_valid. */
#ifndef AIMC_COSIM_TILE_H
#define AIMC_COSIM_TILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"
#include "system/chip_config.h"

typedef struct {
    uint32_t tiers;             /* tiers in use (<= the RTL's TIERS); 0 = the chip preset's */
    uint32_t tokens;            /* tokens issuing requests (tags 0..tokens-1) */
    uint32_t mvms_per_token;    /* MVM requests per token, each on a random tier */
    double stay_probability;    /* chance a request reuses the previous request's tier (no switch) */
    double valid_probability;   /* chance per cycle that an idle requester presents its next request */
    uint64_t seed;
    bool numeric;               /* analog MVMs and comparator decisions from the C model */
    bool ideal;                 /* numeric runs: every non-ideality off, whatever the preset says */
    bool check;                 /* run the scoreboards */
    const char *trace_path;     /* NULL: no waveform */
    const char *trace_name;     /* the path error lines show for the trace (its target); NULL: trace_path */
    const char *record_path;    /* NULL, or a file receiving every cycle's inputs and RTL outputs (for
                                   replay under a second simulator; format in docs/file-formats.md) */
} aimc_cosim_tile_options;

typedef struct {
    uint64_t cycles;
    uint64_t mvms, switches;            /* as counted by the RTL */
    uint64_t dac_conversions, drive_pulses;  /* DAC events as counted by the RTL (tile.sv) */
    uint64_t conversions, saturated;         /* ADC events as counted by the RTL */
    uint64_t signal_mismatches;         /* cycles where RTL outputs differ from the reference model */
    char first_mismatch[256];
    uint64_t conversion_mismatches;     /* RTL SAR results (or saturation flags) off the ideal C quantizer of the
                                           column values the comparators saw */
    uint64_t golden_mismatches;         /* ideal runs: output codes off the quantized product computed here */
    uint64_t closed_form_mismatches;    /* MVMs whose latency or events differ from tile_ref / tile_cost */
    char first_closed_form_mismatch[256];
    uint64_t ott_violations;            /* cycles with more than one tier enabled on the RTL outputs */
    uint64_t rtl_assertion_failures;    /* SystemVerilog assertions that fired in the RTL */
    uint64_t c_side_switches;           /* tier changes seen by the C side at MVM starts */
    uint64_t max_mvm_cycles;            /* longest mvm_start .. done_valid seen */
    double code_error_rms;              /* numeric runs: RMS of (output code - ideal quantized product) */
    aimc_ledger *ledger;                /* per-token energy; caller destroys */
    bool trace_failed;                  /* the trace's files could not be written (disk full): discard it */
} aimc_cosim_tile_result;

void aimc_cosim_tile_defaults(aimc_cosim_tile_options *o);
/* Checks that the chip's tile and periphery fit the RTL build (exit-2 material for the CLI). */
int aimc_cosim_tile_check_chip(const aimc_chip_config *chip, uint32_t tiers, aimc_error *err);
/* Runs to completion of every request.  Fails on bad options, a hung RTL, a trace the disk could not hold
 * (r->trace_failed) or a signal (core/interrupt.h: r->cycles says where; the trace is closed and readable);
 * scoreboard mismatches are counted in r, not failures, so a caller can report them. */
int aimc_cosim_tile_run(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, aimc_cosim_tile_result *r,
                        aimc_error *err);

#endif
