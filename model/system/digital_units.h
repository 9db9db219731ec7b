/* Latency and energy of everything that is not a tier MVM: DPU vector ops, attention on an MHA unit,
 * interconnect transfers, KV-cache DRAM traffic, and the passive power of the digital units and the DRAM.
 *
 * Pure, deterministic functions of the configuration and their arguments, returning whole clock cycles and
 * integer femtojoules, so that the cosim and fast engines, calling the same function with the same
 * arguments, book identical numbers.  Rounding rules (docs/system-models.md):
 *   - a duration is resolved to the nearest picosecond, then rounded UP to whole clock cycles
 *     (an op that takes 20.4 ns on a 1 ns clock occupies its unit for 21 cycles; 0 ns takes 0 cycles);
 *   - an energy is rounded to the nearest femtojoule;
 *   - a power is turned into femtojoules per clock cycle (rounded to the nearest fJ) and multiplied by whole
 *     cycles, so energy over consecutive intervals adds up exactly. */
#ifndef AIMC_DIGITAL_UNITS_H
#define AIMC_DIGITAL_UNITS_H

#include <stdint.h>

#include "core/energy_ledger.h"
#include "system/system_config.h"

typedef struct {
    uint64_t latency_cycles;
    aimc_fJ energy;
} aimc_op_cost;

/* ns -> whole cycles: round to the nearest ps, then up to a multiple of the clock period. */
uint64_t aimc_ns_to_cycles(double ns, uint32_t clock_period_ps);

/* The table value at a vector length, before rounding: exact at the table's points, linear in the element
 * count between points, and proportional to the element count (value(n) = value(n_end) * n / n_end) below
 * the first and above the last point.  0 elements cost nothing. */
void aimc_vector_op_table_eval(const aimc_vector_op_table *t, uint32_t elements, double *latency_ns,
                               double *energy_pJ);

/* A DPU op over a vector of `elements` values.  The caller picks the length: d_model for LayerNorm and the
 * residual add, the expert hidden width for GeLU / ReLU / SiLU*up, E for the router gating, C for the
 * partial-sum add of one crossbar's outputs. */
aimc_op_cost aimc_vector_op_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, aimc_vector_op op,
                                 uint32_t elements);

/* Whole-sequence attention (seq_len queries over seq_len keys, as calibrated) before rounding: exact at the
 * table's points; elsewhere log(value) is bilinear in (log d_model, log seq_len) over the enclosing cell, and
 * outside the table the nearest edge cell's power law is extended (the calibration follows
 * seq^2 * (a d + b d^2) in latency and 0.022289 pJ * d * seq^2 in energy, which this preserves).
 * d_model or seq_len of 0 cost nothing. */
void aimc_attention_table_eval(const aimc_attention_table *t, uint32_t d_model, uint32_t seq_len,
                               double *latency_ns, double *energy_pJ);

/* Attention of the whole sequence on one MHA unit (prefill without a KV cache, non-causal as calibrated). */
aimc_op_cost aimc_attention_sequence_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t d_model,
                                          uint32_t seq_len);
/* Attention of ONE decode token over a KV cache of seq_len tokens (itself included) on one MHA unit:
 * the whole-sequence value divided by seq_len, as the public simulator does for KV-cached decoding.
 * The KV-cache DRAM read is separate (aimc_dram_kv_read_cost). */
aimc_op_cost aimc_attention_decode_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t d_model,
                                        uint32_t seq_len);

/* Moving a vector of `elements` int8 values between units: latency_per_vector_ns (independent of the
 * length), energy 8 * elements * energy_per_bit_pJ.  0 elements cost nothing. */
aimc_op_cost aimc_interconnect_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t elements);

/* KV-cache bytes one token reads in one layer: 2 (K and V) * seq_len * kv_dim * kv_bytes_per_element.
 * kv_dim is the K (= V) width: d_model for multi-head attention, kv_heads * head_dim with grouped queries. */
uint64_t aimc_dram_kv_bytes(const aimc_system_config *cfg, uint32_t kv_dim, uint32_t seq_len);
/* Any DRAM transfer: time = bytes / bandwidth; energy = active power for the whole cycles it is busy. */
aimc_op_cost aimc_dram_transfer_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t bytes);
/* Reading the KV cache of one token-layer at sequence length seq_len. */
aimc_op_cost aimc_dram_kv_read_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t kv_dim,
                                    uint32_t seq_len);
/* Appending one token's K and V for one layer (2 * kv_dim * kv_bytes_per_element bytes). */
aimc_op_cost aimc_dram_kv_write_cost(const aimc_system_config *cfg, uint32_t clock_period_ps, uint32_t kv_dim);

/* Power as whole femtojoules per clock cycle: llround(P_W * clock_period_ps * 1000). */
aimc_fJ aimc_power_to_fJ_per_cycle(double power_W, uint32_t clock_period_ps);
/* Passive energy of all digital units (dpus * dpu_passive_power_W + mha_units * mha_passive_power_W)
 * over `cycles`; drawn whenever the chip runs, busy or not. */
aimc_fJ aimc_digital_passive_energy(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t cycles);
/* DRAM idle power over `cycles` during which it transfers nothing (a transfer's own cycles are charged at
 * active power by aimc_dram_transfer_cost, so the engine books idle energy for the other cycles only). */
aimc_fJ aimc_dram_idle_energy(const aimc_system_config *cfg, uint32_t clock_period_ps, uint64_t cycles);

#endif
