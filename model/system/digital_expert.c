#include "system/digital_expert.h"

#include <math.h>

#include "core/json_config.h"

int aimc_digital_expert_config_load(json_object *root, const char *file, aimc_digital_expert_config *out,
                                    aimc_error *err)
{
    json_object *sec;
    if (aimc_json_get_object(root, (aimc_json_where){file, ""}, "digital_expert_engine", &sec, err))
        return -1;
    aimc_json_where at = {file, "digital_expert_engine"};
    aimc_digital_expert_config c;
    if (aimc_json_get_param(sec, at, "peak_flops_per_ns", 1e-3, 1e9, &c.peak_flops_per_ns, NULL, err) ||
        aimc_json_get_param(sec, at, "bandwidth_GBps", 1e-3, 1e9, &c.bandwidth_GBps, NULL, err) ||
        aimc_json_get_param(sec, at, "energy_per_flop_pJ", 0, 1e6, &c.energy_per_flop_pJ, NULL, err) ||
        aimc_json_get_param(sec, at, "energy_per_byte_pJ", 0, 1e6, &c.energy_per_byte_pJ, NULL, err) ||
        aimc_json_get_param(sec, at, "weight_bytes", 0.125, 8, &c.weight_bytes, NULL, err) ||
        aimc_json_get_param(sec, at, "activation_bytes", 0.125, 8, &c.activation_bytes, NULL, err) ||
        aimc_json_get_param(sec, at, "area_mm2", 0, 1e6, &c.area_mm2, NULL, err))
        return -1;
    *out = c;
    return 0;
}

void aimc_digital_expert_cost(const aimc_digital_expert_config *c, double clock_period_ps, uint64_t weights,
                              uint64_t io_elements, uint32_t tokens, aimc_digital_cost *out)
{
    out->flops = 2 * weights * tokens;
    out->bytes = (uint64_t)llround((double)weights * c->weight_bytes +
                                   (double)tokens * (double)io_elements * c->activation_bytes);
    double compute_ns = (double)out->flops / c->peak_flops_per_ns;
    double memory_ns = (double)out->bytes / c->bandwidth_GBps;
    out->latency_ns = compute_ns > memory_ns ? compute_ns : memory_ns;
    /* 1e-9 absorbs the rounding of an exact multiple of the period */
    out->cycles = (uint64_t)ceil(out->latency_ns * 1000.0 / clock_period_ps - 1e-9);
    out->energy = aimc_pJ_to_fJ((double)out->flops * c->energy_per_flop_pJ + (double)out->bytes * c->energy_per_byte_pJ);
}
