#include "periphery_analog.h"

#include <gsl/gsl_randist.h>
#include <math.h>

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

size_t aimc_adc_convert_block(const aimc_adc *adc, gsl_rng *rng, const float *mean, const float *var, size_t ld,
                              size_t n_mvms, size_t j0, size_t j1, int16_t *codes, float *analog)
{
    size_t saturated = 0;
    const double inv_lsb = 1.0 / adc->lsb;
    const uint32_t top = 2 * adc->half - 1;
    const double offset = (double)adc->half + 0.5;
    double s2 = adc->noise_sigma * adc->noise_sigma;
    int noisy = var != NULL || s2 > 0;
    for (size_t b = 0; b < n_mvms; b++) {
        const float *m = mean + b * ld;
        const float *vr = var ? var + b * ld : NULL;
        int16_t *out = codes + b * ld;
        float *an = analog ? analog + b * ld : NULL;
        for (size_t j = j0; j < j1; j++) {
            double v = m[j];
            if (noisy) {
                double variance = (vr ? (double)vr[j] : 0.0) + s2;
                if (variance > 0)
                    v += sqrt(variance) * gsl_ran_gaussian_ziggurat(rng, 1.0);
            }
            /* fast path: the scaled guess, confirmed by the two decision levels around it */
            double x = v * inv_lsb + offset;
            uint32_t t;
            if (x >= 1.0 && x < (double)top && (t = (uint32_t)x, compare(adc, v, t) && !compare(adc, v, t + 1)))
                ;
            else
                t = settle(adc, inv_lsb, v);
            saturated += t == 0 || t == top;
            out[j] = (int16_t)((int32_t)t - (int32_t)adc->half);
            if (an)
                an[j] = (float)v;
        }
    }
    return saturated;
}
