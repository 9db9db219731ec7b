#include "engine/tile_cost.h"

#include <string.h>

/* The tile RTL (hw/tile.sv) runs an MVM's COMPUTE phase as DRIVE (from the mvm_start cycle) + INTEGRATE +
 * CONVERT and reports its DAC conversions, column conversions and buffer accesses with done_valid; the cosim
 * books events x energy per event from the chip preset's periphery section.  This is the same in closed form
 * from the job's code statistics (docs/architecture.md, "The tile's MVM in closed form"): the phase lengths of
 * periphery_config.h, and its per-MVM event energies, which do not depend on the data. */
void aimc_tile_job_cost_compute(const aimc_chip_config *chip, const aimc_codes_summary *codes,
                                aimc_tile_job_cost *out)
{
    const aimc_periphery_config *p = &chip->periphery;
    uint32_t drive = p->dac_mode == AIMC_DAC_BIT_SERIAL ? p->b_in_bits - 1 : codes->max_abs;
    memset(out, 0, sizeof *out);
    /* the load cycle is the first drive (or integration) cycle; it only stands alone when there is neither */
    out->compute_cycles = drive + p->integrate_cycles == 0 ? 1 + aimc_periphery_convert_cycles(p)
                                                            : aimc_periphery_mvm_cycles(p, drive);
    aimc_periphery_mvm_energy(p, out->energy);
}

bool aimc_tile_job_cost_depends_on_codes(const aimc_chip_config *chip)
{
    return chip->periphery.dac_mode != AIMC_DAC_BIT_SERIAL;
}

aimc_fJ aimc_tile_switch_energy(const aimc_chip_config *chip) { return chip->periphery.energy.tier_switch; }
