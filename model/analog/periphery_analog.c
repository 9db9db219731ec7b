#include "analog/periphery_analog.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

void aimc_dac_init(aimc_dac *dac, const aimc_periphery_config *cfg)
{
    dac->mode = cfg->dac_mode;
    dac->b_in_bits = cfg->b_in_bits;
    dac->code_max = (int32_t)((1u << (cfg->b_in_bits - 1)) - 1);
    dac->input_bound = cfg->dac_input_bound;
    dac->lsb = cfg->dac_input_bound / dac->code_max;
}

int32_t aimc_dac_quantize(const aimc_dac *dac, double x, bool *clipped)
{
    bool clip = false;
    int32_t code;
    if (isnan(x)) {
        clip = true;
        code = 0;
    } else if (fabs(x) > dac->input_bound) {
        clip = true;
        code = x > 0 ? dac->code_max : -dac->code_max;
    } else {
        /* |x| <= bound, so |round(x / lsb)| <= code_max up to one rounding step of the division */
        code = (int32_t)lround(x / dac->lsb);
        if (code > dac->code_max)
            code = dac->code_max;
        if (code < -dac->code_max)
            code = -dac->code_max;
    }
    if (clipped)
        *clipped = clip;
    return code;
}

size_t aimc_dac_quantize_vector(const aimc_dac *dac, const float *x, size_t n, int16_t *codes)
{
    size_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        bool c;
        codes[i] = (int16_t)aimc_dac_quantize(dac, x[i], &c);
        clipped += c;
    }
    return clipped;
}

int aimc_dac_row_level(const aimc_dac *dac, int32_t code, uint32_t cycle)
{
    int sign = code > 0 ? 1 : code < 0 ? -1 : 0;
    uint32_t mag = (uint32_t)(code < 0 ? -code : code);
    if (dac->mode == AIMC_DAC_PWM)
        return cycle < mag ? sign : 0;
    return cycle < 31 && ((mag >> cycle) & 1u) ? sign : 0;
}

uint32_t aimc_dac_cycle_weight(const aimc_dac *dac, uint32_t cycle)
{
    return dac->mode == AIMC_DAC_PWM ? 1u : 1u << cycle;
}

void aimc_adc_init(aimc_adc *adc, const aimc_periphery_config *cfg)
{
    double code_max_in = (double)((1u << (cfg->b_in_bits - 1)) - 1);
    adc->b_out_bits = cfg->b_out_bits;
    adc->half = 1u << (cfg->b_out_bits - 1);
    adc->code_min = -(int32_t)adc->half;
    adc->code_max = (int32_t)adc->half - 1;
    adc->lsb = cfg->adc_full_scale * code_max_in / adc->half;
    adc->noise_sigma = cfg->noise.adc_noise ? cfg->noise.adc_noise_sigma * code_max_in : 0.0;
}

/* Static copies of the comparator so the hot loops inline it (the exported symbols may be interposed). */
static inline double threshold(const aimc_adc *adc, uint32_t trial_code)
{
    return ((double)trial_code - (double)adc->half - 0.5) * adc->lsb;
}

static inline bool compare(const aimc_adc *adc, double v, uint32_t trial_code)
{
    return v >= threshold(adc, trial_code);
}

double aimc_adc_threshold(const aimc_adc *adc, uint32_t trial_code) { return threshold(adc, trial_code); }

bool aimc_adc_compare(const aimc_adc *adc, double v, uint32_t trial_code) { return compare(adc, v, trial_code); }

/* The converter's decision, settled on the decision levels themselves so that the result is exactly what a
 * SAR built on aimc_adc_compare returns, whatever the floating-point rounding of v / lsb: a first guess by
 * scaling, then at most a step either way.  Returns the offset-binary code. */
static inline uint32_t settle(const aimc_adc *adc, double inv_lsb, double v)
{
    const uint32_t top = 2 * adc->half - 1;
    if (compare(adc, v, top))
        return top;
    if (!compare(adc, v, 1)) /* also a NaN: every comparator answers "below" */
        return 0;
    /* threshold(1) <= v < threshold(top): the code lies in [1, top - 1] and the guess is non-negative */
    uint32_t t = (uint32_t)(v * inv_lsb + ((double)adc->half + 0.5));
    if (t < 1)
        t = 1;
    if (t > top - 1)
        t = top - 1;
    while (!compare(adc, v, t))
        t--;
    while (compare(adc, v, t + 1))
        t++;
    return t;
}

int32_t aimc_adc_quantize(const aimc_adc *adc, double v, bool *saturated)
{
    uint32_t t = settle(adc, 1.0 / adc->lsb, v);
    if (saturated)
        *saturated = t == 0 || t == 2 * adc->half - 1;
    return (int32_t)t - (int32_t)adc->half;
}

int32_t aimc_adc_sar_convert(const aimc_adc *adc, double v)
{
    uint32_t result = 0;
    for (int bit = (int)adc->b_out_bits - 1; bit >= 0; bit--) {
        uint32_t trial = result | (1u << bit);
        if (aimc_adc_compare(adc, v, trial))
            result = trial;
    }
    return (int32_t)result - (int32_t)adc->half;
}

/* Branch-free quantization of a float charge: the scaled guess clamped into [1, top - 1], then corrected by
 * the two decision levels around it.  The guess is within one code of the answer (the scaling's rounding is
 * far below a code), so the result is exactly the largest t whose level v reaches; a NaN fails every
 * comparison and lands on 0, as in settle(). */
static inline uint32_t quantize_fast(const aimc_adc *adc, double inv_lsb, double offset, uint32_t top, double v)
{
    double x = v * inv_lsb + offset;
    double xc = x >= 1.0 ? (x <= (double)(top - 1) ? x : (double)(top - 1)) : 1.0;
    uint32_t t0 = (uint32_t)xc;
    return t0 - (uint32_t)!compare(adc, v, t0) + (uint32_t)compare(adc, v, t0 + 1);
}

/* Conversions are done in chunks: first the chunk's Gaussians (the GSL calls in a tight loop), then the
 * arithmetic and the quantization without calls in between. */
#define CHUNK 256
/* Largest number of decision levels kept as a float table (12-bit converters). */
#define LEVEL_TABLE_MAX 4096

size_t aimc_adc_convert_block(const aimc_adc *adc, gsl_rng *rng, const float *mean, const float *var, size_t ld,
                              size_t n_mvms, size_t j0, size_t j1, int16_t *codes, float *analog)
{
    size_t saturated = 0;
    const double inv_lsb = 1.0 / adc->lsb;
    const uint32_t top = 2 * adc->half - 1;
    const double offset = (double)adc->half + 0.5;
    const int32_t half = (int32_t)adc->half;
    const float s2 = (float)(adc->noise_sigma * adc->noise_sigma);
    const int noisy = var != NULL || s2 > 0;
    float z[CHUNK], v[CHUNK];
    if (top < 2) { /* a 1-bit converter has a single decision level: no guess to correct */
        for (size_t b = 0; b < n_mvms; b++)
            for (size_t j = j0; j < j1; j++) {
                size_t k = b * ld + j;
                float vk = mean[k];
                if (noisy) {
                    float variance = (var ? var[k] : 0.0f) + s2;
                    if (variance > 0)
                        vk += sqrtf(variance) * (float)gsl_ran_gaussian_ziggurat(rng, 1.0);
                }
                uint32_t t = compare(adc, vk, 1) ? 1u : 0u;
                saturated++; /* both codes are end codes */
                codes[k] = (int16_t)((int32_t)t - half);
                if (analog)
                    analog[k] = vk;
            }
        return saturated;
    }
    /* For a float charge v, "v >= level(t)" (in double) is "v >= the smallest float not below level(t)".  With
     * those float levels in a table the quantization runs in float; worth it when the batch is larger than
     * the table. */
    float level[LEVEL_TABLE_MAX + 1];
    const int table = top + 1 <= LEVEL_TABLE_MAX && n_mvms * (j1 - j0) >= (size_t)top + 1;
    if (table) {
        for (uint32_t t = 1; t <= top; t++) {
            double d = threshold(adc, t);
            float f = (float)d;
            if ((double)f < d)
                f = nextafterf(f, INFINITY);
            level[t] = f;
        }
    }
    const float inv_lsb_f = (float)inv_lsb, offset_f = (float)offset, top_f = (float)(top - 1);
    for (size_t b = 0; b < n_mvms; b++) {
        for (size_t c0 = j0; c0 < j1; c0 += CHUNK) {
            size_t len = j1 - c0 < CHUNK ? j1 - c0 : CHUNK;
            size_t base = b * ld + c0;
            if (noisy) {
                for (size_t k = 0; k < len; k++)
                    z[k] = (float)gsl_ran_gaussian_ziggurat(rng, 1.0);
                for (size_t k = 0; k < len; k++) {
                    float variance = (var ? var[base + k] : 0.0f) + s2;
                    /* a negative variance cannot arise (sums of squares); guard NaN-free sqrt anyway */
                    v[k] = mean[base + k] + (variance > 0 ? sqrtf(variance) : 0.0f) * z[k];
                }
            } else {
                memcpy(v, mean + base, len * sizeof *v);
            }
            if (table) {
                for (size_t k = 0; k < len; k++) {
                    /* as quantize_fast, in float against the float images of the levels */
                    float x = v[k] * inv_lsb_f + offset_f;
                    float xc = x >= 1.0f ? (x <= top_f ? x : top_f) : 1.0f;
                    uint32_t t0 = (uint32_t)xc;
                    uint32_t t = t0 - (uint32_t)!(v[k] >= level[t0]) + (uint32_t)(v[k] >= level[t0 + 1]);
                    saturated += (t == 0) | (t == top);
                    codes[base + k] = (int16_t)((int32_t)t - half);
                }
            } else {
                for (size_t k = 0; k < len; k++) {
                    uint32_t t = quantize_fast(adc, inv_lsb, offset, top, v[k]);
                    saturated += (t == 0) | (t == top);
                    codes[base + k] = (int16_t)((int32_t)t - half);
                }
            }
            if (analog)
                memcpy(analog + base, v, len * sizeof *v);
        }
    }
    return saturated;
}
