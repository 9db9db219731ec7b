#include "engine/tile_cost.h"

#include <string.h>

void aimc_tier_mvm_phases_of(const aimc_periphery_config *p, uint32_t max_abs_code, aimc_tier_mvm_phases *out)
{
    out->drive = p->dac_mode == AIMC_DAC_BIT_SERIAL ? p->b_in_bits - 1 : max_abs_code;
    out->integrate = p->integrate_cycles;
    out->convert = p->adc_columns_per_adc * (p->b_out_bits + 1);
    out->idle = out->drive + out->integrate == 0;
}

uint32_t aimc_tier_mvm_compute_cycles(const aimc_periphery_config *p, uint32_t max_abs_code)
{
    aimc_tier_mvm_phases ph;
    aimc_tier_mvm_phases_of(p, max_abs_code, &ph);
    return ph.drive + ph.integrate + ph.convert + ph.idle;
}

uint32_t aimc_tier_mvm_compute_cycles_max(const aimc_periphery_config *p)
{
    return aimc_tier_mvm_compute_cycles(p, (1u << (p->b_in_bits - 1)) - 1);
}

uint64_t aimc_tier_mvm_latency_cycles(bool switches, uint32_t switch_cycles, uint32_t compute_cycles)
{
    return (switches ? switch_cycles : 0) + (uint64_t)compute_cycles + 1;
}

void aimc_tier_mvm_count(const aimc_periphery_config *p, const aimc_codes_summary *codes, aimc_tier_mvm_events *out)
{
    bool bit_serial = p->dac_mode == AIMC_DAC_BIT_SERIAL;
    out->dac_conversions = bit_serial ? (uint64_t)p->rows * (p->b_in_bits - 1) : p->rows;
    out->drive_pulses = bit_serial ? codes->ones : codes->sum_abs;
    out->integrations = 1;
    out->conversions = p->cols;
    out->buffer_accesses = (uint64_t)p->rows + out->conversions;
}

aimc_fJ aimc_tier_mvm_price(const aimc_periphery_energy *e, const aimc_tier_mvm_events *ev,
                            aimc_fJ by_component[AIMC_E_COUNT])
{
    memset(by_component, 0, AIMC_E_COUNT * sizeof by_component[0]);
    by_component[AIMC_E_DAC] = (aimc_fJ)ev->dac_conversions * e->dac_row_drive;
    by_component[AIMC_E_CROSSBAR] = (aimc_fJ)ev->integrations * e->crossbar_integration;
    by_component[AIMC_E_ADC] = (aimc_fJ)ev->conversions * e->adc_conversion;
    by_component[AIMC_E_BUFFER] = (aimc_fJ)ev->buffer_accesses * e->buffer_access;
    return by_component[AIMC_E_DAC] + by_component[AIMC_E_CROSSBAR] + by_component[AIMC_E_ADC] +
           by_component[AIMC_E_BUFFER];
}

void aimc_tile_job_cost_compute(const aimc_chip_config *chip, const aimc_codes_summary *codes,
                                aimc_tile_job_cost *out)
{
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(&chip->periphery, codes, &ev);
    out->compute_cycles = aimc_tier_mvm_compute_cycles(&chip->periphery, codes->max_abs);
    aimc_tier_mvm_price(&chip->periphery.energy, &ev, out->energy);
}

bool aimc_tile_job_cost_depends_on_codes(const aimc_chip_config *chip)
{
    return chip->periphery.dac_mode != AIMC_DAC_BIT_SERIAL;
}

aimc_fJ aimc_tile_switch_energy(const aimc_chip_config *chip) { return chip->periphery.energy.tier_switch; }
