/* The digital expert engine: the digital unit that runs the matrices the assignment keeps digital (routed
 * experts chosen by a criterion, and in the heterogeneous setting attention projections, router, shared
 * experts, dense FFNs and the LM head).  A roofline: work takes the longer of its FLOPs at the peak
 * throughput and its bytes (weights once per call, activations per token) at the memory bandwidth; energy
 * is FLOPs x energy per FLOP + bytes x energy per byte.
 *
 * Parameters: section "digital_expert_engine" of the chip preset, each {"value": x, "source": "..."}:
 *   peak_flops_per_ns   (FLOP/ns = GFLOP/s)   energy_per_flop_pJ
 *   bandwidth_GBps      (bytes/ns)            energy_per_byte_pJ
 *   weight_bytes        (bytes per weight)    activation_bytes (bytes per activation element)
 *   area_mm2 */
#ifndef AIMC_DIGITAL_EXPERT_H
#define AIMC_DIGITAL_EXPERT_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"

typedef struct {
    double peak_flops_per_ns;
    double bandwidth_GBps;
    double energy_per_flop_pJ;
    double energy_per_byte_pJ;
    double weight_bytes;
    double activation_bytes;
    double area_mm2;
} aimc_digital_expert_config;

/* Reads root["digital_expert_engine"] of a chip preset (file names it in messages). */
int aimc_digital_expert_config_load(json_object *root, const char *file, aimc_digital_expert_config *out,
                                    aimc_error *err);

typedef struct {
    uint64_t flops;
    uint64_t bytes;
    double latency_ns;
    uint64_t cycles;  /* latency rounded up to whole clock cycles */
    aimc_fJ energy;
} aimc_digital_cost;

/* `tokens` input vectors through linear layers holding `weights` parameters whose inputs and outputs add up
 * to `io_elements` per token: 2 x weights x tokens FLOPs; weights x weight_bytes + tokens x io_elements x
 * activation_bytes bytes. */
void aimc_digital_expert_cost(const aimc_digital_expert_config *c, double clock_period_ps, uint64_t weights,
                              uint64_t io_elements, uint32_t tokens, aimc_digital_cost *out);
#endif
