/* Timing and energy of one tier-MVM job on a tile, exactly as the tile RTL produces them: the fast backend
 * computes every job with it, and the cosim checks the RTL against it.  With the fixed-latency tile the
 * compute phase is the preset's mvm_compute_cycles and the whole MVM's energy is booked as crossbar energy;
 * the periphery model (DAC drive, integration, ADC conversion) refines both from the job's codes. */
#ifndef AIMC_TILE_COST_H
#define AIMC_TILE_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/energy_ledger.h"
#include "engine/activation_codes.h"
#include "system/chip_config.h"

typedef struct {
    uint32_t compute_cycles;      /* K: cycles the tile spends in COMPUTE for this job */
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
