#include "tile_cost.h"

#include <string.h>

void aimc_tile_job_cost_compute(const aimc_chip_config *chip, const aimc_codes_summary *codes,
                                aimc_tile_job_cost *out)
{
    (void)codes; /* the fixed-latency tile does not depend on the codes */
    memset(out, 0, sizeof *out);
    out->compute_cycles = chip->tile.mvm_compute_cycles;
    out->energy[AIMC_E_CROSSBAR] = chip->energy.tier_mvm;
}

aimc_fJ aimc_tile_switch_energy(const aimc_chip_config *chip) { return chip->energy.tier_switch; }
