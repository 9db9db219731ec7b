/* The physics-level analog MVM of one tier: an R x C weight block programmed as differential PCM conductance
 * pairs (G+ holds the positive part, G- the negative part, a full-scale weight max|W| maps to g_max), with
 * programming noise, drift, per-MVM read noise, optional first-order IR drop, the DAC on the rows and the SAR
 * ADCs on the columns.  Each non-ideality is switched by the periphery configuration; with all of them off
 * the result is exactly the quantized product  q_ADC( sum_i code_i * W_ij / max|W| ).
 *
 * Speed.  Everything static (programming noise, drift to time t, IR drop) is sampled once at programming into
 * an effective weight matrix W_eff = (G+_eff - G-_eff) / g_max, so an MVM is one SGEMM.  Read noise is a fresh
 * Gaussian conductance error per device and per MVM; on column j it adds sum_i c_i (n+_ij - n-_ij), a sum of
 * independent Gaussians, i.e. exactly one Gaussian of variance sum_i c_i^2 V_ij with
 * V_ij = (sigma+_ij^2 + sigma-_ij^2) / g_max^2, independent across columns (disjoint devices) and across MVMs
 * (fresh draws).  The variances of a batch are a second SGEMM, (C o C) V; one Gaussian per conversion then
 * carries read noise and ADC noise together.  This is the same distribution of every output as drawing every
 * device's noise, at the cost of 2 SGEMMs instead of R x C draws per MVM (see docs/analog-model.md). */
#ifndef AIMC_ANALOG_TIER_H
#define AIMC_ANALOG_TIER_H

#include <stddef.h>
#include <stdint.h>

#include "analog/periphery_analog.h"
#include "analog/periphery_config.h"
#include "core/aimc_error.h"

/* A tier keeps scratch buffers and noise streams: use one tier from one thread at a time. */
typedef struct aimc_analog_tier aimc_analog_tier;

/* Per-MVM noise comes from this many fixed GSL streams, each owning a fixed slice of the columns and drawing
 * in MVM order, so the noise draws do not depend on how MVMs are batched (the noise-free charges may differ
 * by float rounding between an SGEMM of a batch and an SGEMV of one MVM).  Large batches run the lanes on
 * threads; the numbers are the same either way. */
#define AIMC_ANALOG_TIER_LANES 2

aimc_analog_tier *aimc_analog_tier_create(const aimc_periphery_config *cfg, aimc_error *err);
/* Whether large batches may run the lanes on threads (default on); the results are identical either way. */
void aimc_analog_tier_set_threaded(aimc_analog_tier *t, int threaded);
void aimc_analog_tier_destroy(aimc_analog_tier *t);

/* Programs the weights w (rows x cols, row-major: w[i * cols + j] couples input i to output j).  Draws the
 * devices' programming noise and drift from `seed`, and seeds the per-MVM noise streams from it.  Fails on a
 * non-finite weight. */
int aimc_analog_tier_program(aimc_analog_tier *t, const float *w, uint64_t seed, aimc_error *err);

/* n MVMs of DAC codes (n x rows, each |code| <= code_max) to ADC codes (n x cols).  analog (may be NULL)
 * receives each column's value as the comparators see it (charge units, noise included): the RTL SAR asks
 * aimc_adc_compare(aimc_analog_tier_adc(t), analog[j], trial) per decision.  *saturated (may be NULL) counts
 * end codes.  Fails when the tier is not programmed or a code is out of range. */
int aimc_analog_tier_mvm_codes(aimc_analog_tier *t, const int16_t *codes, size_t n, int16_t *out, float *analog,
                               size_t *saturated, aimc_error *err);

typedef struct {
    size_t inputs_clipped;    /* DAC inputs beyond the input bound */
    size_t outputs_saturated; /* ADC end codes */
} aimc_analog_tier_clip_stats;

/* Float activations in, float outputs out: DAC quantization, the analog MVM, ADC conversion, then the digital
 * rescale y = code * aimc_analog_tier_output_scale(t).  x is n x rows, y is n x cols. */
int aimc_analog_tier_mvm(aimc_analog_tier *t, const float *x, size_t n, float *y, aimc_analog_tier_clip_stats *stats,
                         aimc_error *err);

/* Activation units per output code: adc.lsb * dac.lsb * max|W|. */
double aimc_analog_tier_output_scale(const aimc_analog_tier *t);
double aimc_analog_tier_w_max(const aimc_analog_tier *t);
/* rows x cols effective normalised weights W_eff (static non-idealities included) and read-noise variances
 * V (NULL when read noise is off); valid after programming. */
const float *aimc_analog_tier_w_eff(const aimc_analog_tier *t);
const float *aimc_analog_tier_read_var(const aimc_analog_tier *t);
const aimc_dac *aimc_analog_tier_dac(const aimc_analog_tier *t);
const aimc_adc *aimc_analog_tier_adc(const aimc_analog_tier *t);
const aimc_periphery_config *aimc_analog_tier_config(const aimc_analog_tier *t);

/* First-order IR drop (exposed for tests): given the device conductances g (uS) of a rows x pcols physical
 * array (row-major; rows driven from column 0, columns sensed at virtual ground below row rows-1) and the
 * wire resistance r per cell segment, writes each device's factor a_ip = max(0, 1 - r (A_ip + B_ip)) so that
 * column p's current is sum_i V_i g_ip a_ip to first order in r:
 *   A_ip = sum_{s<=p} sum_{m>=s} g_im   (row wire: segment s carries the cells at and beyond s)
 *   B_ip = sum_{s>=i} sum_{k<=s} g_kp   (column wire: segment s carries the cells at and above s)
 * Returns -1 when out of memory. */
int aimc_ir_drop_factors(const double *g_uS, uint32_t rows, uint32_t pcols, double r_ohm, double *a);

#endif
