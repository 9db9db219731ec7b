/* The cost model of one tier MVM, defined once: the phase lengths and event counts the tile RTL (hw/tile.sv)
 * produces for a job, from its codes' summary (docs/architecture.md, "The tile's MVM in closed form"), and
 * their price (events x the preset's energy per event).  The fast backend computes every job with it; the
 * cosim backends price the events the RTL counted with aimc_tier_mvm_price and check the RTL against the
 * rest; tile_ref.h is the cycle-by-cycle reference model the tests compare both with. */
#ifndef AIMC_TILE_COST_H
#define AIMC_TILE_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "analog/periphery_config.h"
#include "core/energy_ledger.h"
#include "engine/activation_codes.h"
#include "system/chip_config.h"

/* Cycles of each phase of one MVM's COMPUTE phase.  The mvm_start cycle, where the codes are loaded, is the
 * first drive cycle (the first integration cycle when there is nothing to drive); only with no drive and no
 * integration at all does it stand alone. */
typedef struct {
    uint32_t drive;     /* D: PWM max |code| (0 for an all-zero input); bit-serial b_in - 1 */
    uint32_t integrate; /* I = integrate_cycles */
    uint32_t convert;   /* M (b_out + 1): each of the C/M ADCs converts its M columns in turn, each conversion a
                           sample cycle and b_out comparator decisions */
    uint32_t idle;      /* 1 when D + I = 0 (the load cycle alone), else 0 */
} aimc_tier_mvm_phases;

void aimc_tier_mvm_phases_of(const aimc_periphery_config *p, uint32_t max_abs_code, aimc_tier_mvm_phases *out);
/* K = D + I + convert + idle: the COMPUTE cycles from mvm_start to mvm_done inclusive. */
uint32_t aimc_tier_mvm_compute_cycles(const aimc_periphery_config *p, uint32_t max_abs_code);
/* The largest K (PWM with a full-scale code somewhere). */
uint32_t aimc_tier_mvm_compute_cycles_max(const aimc_periphery_config *p);
/* Cycles from the accept cycle to the cycle done_valid is high, for a job that does or does not switch tiers:
 * SWITCH for switch_cycles, COMPUTE for compute_cycles, done_valid the cycle after. */
uint64_t aimc_tier_mvm_latency_cycles(bool switches, uint32_t switch_cycles, uint32_t compute_cycles);

/* Events of one MVM, as the RTL reports them with done_valid. */
typedef struct {
    uint64_t dac_conversions; /* PWM: rows; bit-serial: rows * (b_in - 1) */
    uint64_t drive_pulses;    /* PWM: sum |code|; bit-serial: set magnitude bits (the DAC is priced per
                                 conversion, so these are counted, not priced) */
    uint64_t integrations;    /* 1: the whole tier integrates once */
    uint64_t conversions;     /* every column of the tier */
    uint64_t buffer_accesses; /* rows read from the input buffer + conversions written to the output buffer */
} aimc_tier_mvm_events;

void aimc_tier_mvm_count(const aimc_periphery_config *p, const aimc_codes_summary *codes, aimc_tier_mvm_events *out);
/* Energy of the events by ledger component (DAC, CROSSBAR, ADC, BUFFER; the others 0); returns the sum.  Tier
 * switches and leakage are booked separately (aimc_tile_switch_energy, aimc_periphery_leakage_fJ). */
aimc_fJ aimc_tier_mvm_price(const aimc_periphery_energy *e, const aimc_tier_mvm_events *ev,
                            aimc_fJ by_component[AIMC_E_COUNT]);

/* A job's whole cost: its compute phase and its priced events. */
typedef struct {
    uint32_t compute_cycles;      /* K */
    aimc_fJ energy[AIMC_E_COUNT]; /* per component, for this MVM, excluding the tier switch */
} aimc_tile_job_cost;

void aimc_tile_job_cost_compute(const aimc_chip_config *chip, const aimc_codes_summary *codes,
                                aimc_tile_job_cost *out);
/* Whether a job's cost depends on its codes at all (a PWM drive lasts as long as the largest code; a
 * bit-serial one does not depend on them), so the fast backend can skip generating them. */
bool aimc_tile_job_cost_depends_on_codes(const aimc_chip_config *chip);
/* Energy of one tier switch. */
aimc_fJ aimc_tile_switch_energy(const aimc_chip_config *chip);

#endif
