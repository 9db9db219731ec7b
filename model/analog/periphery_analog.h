/* Behavioural models of the tile periphery: the DAC row-driver bank and the SAR ADC column bank.
 *
 * Units.  A DAC code c drives a row with c "input LSB pulses" (PWM: |c| cycles at sign(c) V_read; bit-serial:
 * bit k of |c| for one cycle, weighted 2^k by the integrator's shift-and-add).  A column's analog value is the
 * charge it integrates, in units of one input LSB pulse through one g_max device:
 *     v_j = sum_i c_i (G+_ij - G-_ij) / g_max.
 * The ADC full scale is given in aihwkit's normalised units (input in [-1, 1], weight in [-1, 1]), so in
 * charge units it is full_scale * code_max_in.  These are the numbers the RTL exchanges with C. */
#ifndef AIMC_PERIPHERY_ANALOG_H
#define AIMC_PERIPHERY_ANALOG_H

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analog/periphery_config.h"

/* ---- DAC ---- */

typedef struct {
    aimc_dac_mode mode;
    uint32_t b_in_bits;
    int32_t code_max;   /* 2^(b_in-1) - 1; codes are symmetric in [-code_max, code_max] */
    double input_bound; /* activation value of code_max */
    double lsb;         /* input_bound / code_max */
} aimc_dac;

void aimc_dac_init(aimc_dac *dac, const aimc_periphery_config *cfg);
/* Nearest code to x / lsb (halves away from zero), clipped to +-code_max.  *clipped (may be NULL) is set when
 * |x| > input_bound or x is not a number (which maps to code 0). */
int32_t aimc_dac_quantize(const aimc_dac *dac, double x, bool *clipped);
/* A vector: returns how many elements clipped. */
size_t aimc_dac_quantize_vector(const aimc_dac *dac, const float *x, size_t n, int16_t *codes);
/* Drive semantics, per row code, cycle by cycle (cycle 0 first):
 *   level  -1, 0 or +1: the row's drive polarity in that cycle (PWM: sign(c) while cycle < |c|;
 *          bit-serial: sign(c) when bit `cycle` of |c| is set);
 *   weight the integrator's weight of that cycle (PWM 1, bit-serial 2^cycle).
 * For every code, sum over the drive cycles of weight * level equals the code. */
int aimc_dac_row_level(const aimc_dac *dac, int32_t code, uint32_t cycle);
uint32_t aimc_dac_cycle_weight(const aimc_dac *dac, uint32_t cycle);

/* ---- ADC ---- */

typedef struct {
    uint32_t b_out_bits;
    int32_t code_min, code_max; /* -2^(b_out-1), 2^(b_out-1) - 1 */
    uint32_t half;              /* 2^(b_out-1): offset-binary code of 0 */
    double lsb;                 /* charge units per output code */
    double noise_sigma;         /* additive input-referred noise, charge units (0 when off) */
} aimc_adc;

void aimc_adc_init(aimc_adc *adc, const aimc_periphery_config *cfg);
/* The decision level of SAR trial code t (offset binary, 1 <= t <= 2^b_out - 1): the comparator answers
 * "v >= threshold(t)", threshold(t) = (t - 2^(b_out-1) - 1/2) * lsb.  Binary search over these levels is the
 * SAR conversion; it yields exactly aimc_adc_quantize. */
double aimc_adc_threshold(const aimc_adc *adc, uint32_t trial_code);
bool aimc_adc_compare(const aimc_adc *adc, double v, uint32_t trial_code);
/* The ideal converter: the largest code whose lower decision level v reaches, i.e. v / lsb rounded to nearest
 * (halves up), saturated to [code_min, code_max].  *saturated (may be NULL) is set for the two end codes: the
 * converter cannot tell a value inside an end bin from one beyond it. */
int32_t aimc_adc_quantize(const aimc_adc *adc, double v, bool *saturated);
/* The SAR algorithm written out with aimc_adc_compare (MSB first), returning the signed code: the reference
 * the RTL SAR is checked against. */
int32_t aimc_adc_sar_convert(const aimc_adc *adc, double v);
/* Output code -> the column value it stands for (code * lsb). */
static inline double aimc_adc_value(const aimc_adc *adc, int32_t code) { return code * adc->lsb; }

/* The noisy conversion of a block of columns of n MVMs, fused so that one Gaussian per conversion carries both
 * the read noise and the ADC noise: for b < n_mvms and j in [j0, j1),
 *     v = mean[b*ld + j] + sqrt(var[b*ld + j] + noise_sigma^2) * z,   z ~ N(0, 1) from rng  (in float),
 *     codes[b*ld + j] = aimc_adc_quantize(v),  analog[b*ld + j] = v (when analog is not NULL),
 * so a SAR asking aimc_adc_compare about analog[] reproduces codes[] exactly.  var may be NULL (no read
 * noise); with neither read nor ADC noise no draw is made.  Draws happen in the order b, then j.  Returns
 * the number of saturated (end) codes. */
size_t aimc_adc_convert_block(const aimc_adc *adc, gsl_rng *rng, const float *mean, const float *var, size_t ld,
                              size_t n_mvms, size_t j0, size_t j1, int16_t *codes, float *analog);

#endif
