#include "analog/periphery_config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analog/pcm_device.h"
#include "core/json_config.h"

const char *aimc_dac_mode_name(aimc_dac_mode mode)
{
    return mode == AIMC_DAC_PWM ? "pwm" : "bit_serial";
}

/* Rejects any key of obj not in allowed (a NULL-terminated list): a misspelt switch must not silently fall
 * back to a default. */
static int check_keys(json_object *obj, aimc_json_where at, const char *const *allowed, aimc_error *err)
{
    json_object_object_foreach(obj, key, val) {
        (void)val;
        int known = 0;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known) {
            char name[128], list[256] = "";
            aimc_json_child(at, key, name, sizeof name);
            for (const char *const *a = allowed; *a; a++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a == allowed ? "" : ", ", *a);
            return aimc_fail_field(err, at.file, name, "one of the fields %s; this name is unknown", list);
        }
    }
    return 0;
}

static int get_section(json_object *parent, aimc_json_where at, const char *key, const char *const *allowed,
                       json_object **out, char *name, aimc_json_where *inner, aimc_error *err)
{
    if (aimc_json_get_object(parent, at, key, out, err))
        return -1;
    aimc_json_child(at, key, name, 128);
    *inner = (aimc_json_where){at.file, name};
    return check_keys(*out, *inner, allowed, err);
}

/* A calibrated constant that must be a whole number. */
static int get_count(json_object *obj, aimc_json_where at, const char *key, double min, double max, uint32_t *out,
                     aimc_error *err)
{
    double v;
    if (aimc_json_get_param(obj, at, key, min, max, &v, NULL, err))
        return -1;
    if (v != floor(v)) {
        char name[160];
        aimc_json_child(at, key, name, 128);
        strcat(name, ".value");
        return aimc_fail_field(err, at.file, name, "a whole number, found %g", v);
    }
    *out = (uint32_t)v;
    return 0;
}

static int get_positive(json_object *obj, aimc_json_where at, const char *key, double max, double *out,
                        aimc_error *err)
{
    if (aimc_json_get_param(obj, at, key, 0, max, out, NULL, err))
        return -1;
    if (*out <= 0) {
        char name[160];
        aimc_json_child(at, key, name, 128);
        strcat(name, ".value");
        return aimc_fail_field(err, at.file, name, "a positive number, found %g", *out);
    }
    return 0;
}

static int get_energy(json_object *obj, aimc_json_where at, const char *key, aimc_fJ *out, aimc_error *err)
{
    double pJ;
    if (aimc_json_get_param(obj, at, key, 0, 1e9, &pJ, NULL, err))
        return -1;
    *out = aimc_pJ_to_fJ(pJ);
    return 0;
}

/* {"enabled": bool, "<factor>": {"value", "source"}}: the factor is required when the effect is enabled and
 * validated whenever present. */
static int get_switch(json_object *noise, aimc_json_where at, const char *key, const char *factor, double fmin,
                      double fmax, bool *enabled, double *value, aimc_error *err)
{
    const char *const with_factor[] = {"enabled", factor, NULL};
    const char *const plain[] = {"enabled", NULL};
    json_object *obj;
    char name[128];
    aimc_json_where in;
    if (get_section(noise, at, key, factor ? with_factor : plain, &obj, name, &in, err) ||
        aimc_json_get_bool(obj, in, "enabled", enabled, err))
        return -1;
    if (!factor)
        return 0;
    if (*enabled || json_object_object_get_ex(obj, factor, NULL))
        return aimc_json_get_param(obj, in, factor, fmin, fmax, value, NULL, err);
    return 0;
}

int aimc_periphery_config_load(json_object *root, const char *file, uint32_t rows, uint32_t cols,
                               aimc_periphery_config *out, aimc_error *err)
{
    static const char *const top_keys[] = {"dac", "adc", "crossbar", "noise", "energy", NULL};
    static const char *const dac_keys[] = {"mode", "b_in_bits", "input_bound", NULL};
    static const char *const adc_keys[] = {"b_out_bits", "columns_per_adc", "full_scale", NULL};
    static const char *const xbar_keys[] = {"integrate_cycles", "g_max_uS", "t_since_programming_s",
                                            "wire_resistance_ohm", NULL};
    static const char *const noise_keys[] = {"programming", "drift", "read", "ir_drop", "adc", NULL};
    static const char *const energy_keys[] = {"dac_row_drive_pJ", "crossbar_integration_pJ", "adc_conversion_pJ",
                                              "tier_switch_pJ", "buffer_access_pJ", "leakage_pJ_per_tile_ns",
                                              NULL};
    aimc_periphery_config c;
    memset(&c, 0, sizeof c);
    c.rows = rows;
    c.cols = cols;
    json_object *per, *dac, *adc, *xbar, *noise, *energy;
    char n_per[128], n_dac[128], n_adc[128], n_xbar[128], n_noise[128], n_energy[128];
    aimc_json_where top = {file, ""}, at, at_dac, at_adc, at_xbar, at_noise, at_energy;
    if (get_section(root, top, "periphery", top_keys, &per, n_per, &at, err) ||
        get_section(per, at, "dac", dac_keys, &dac, n_dac, &at_dac, err) ||
        get_section(per, at, "adc", adc_keys, &adc, n_adc, &at_adc, err) ||
        get_section(per, at, "crossbar", xbar_keys, &xbar, n_xbar, &at_xbar, err) ||
        get_section(per, at, "noise", noise_keys, &noise, n_noise, &at_noise, err) ||
        get_section(per, at, "energy", energy_keys, &energy, n_energy, &at_energy, err))
        return -1;

    const char *mode;
    if (aimc_json_get_string(dac, at_dac, "mode", &mode, err))
        return -1;
    if (strcmp(mode, "pwm") == 0)
        c.dac_mode = AIMC_DAC_PWM;
    else if (strcmp(mode, "bit_serial") == 0)
        c.dac_mode = AIMC_DAC_BIT_SERIAL;
    else
        return aimc_fail_field(err, file, "periphery.dac.mode", "\"pwm\" or \"bit_serial\", found \"%s\"", mode);
    /* b_in >= 2: a signed code needs a sign and at least one magnitude bit.  16-bit codes are the most the
     * int16_t code vectors carry. */
    if (get_count(dac, at_dac, "b_in_bits", 2, 16, &c.b_in_bits, err) ||
        get_positive(dac, at_dac, "input_bound", 1e30, &c.dac_input_bound, err) ||
        get_count(adc, at_adc, "b_out_bits", 1, 16, &c.b_out_bits, err) ||
        get_count(adc, at_adc, "columns_per_adc", 1, 65536, &c.adc_columns_per_adc, err) ||
        get_positive(adc, at_adc, "full_scale", 1e30, &c.adc_full_scale, err))
        return -1;
    if (cols % c.adc_columns_per_adc != 0)
        return aimc_fail_field(err, file, "periphery.adc.columns_per_adc.value",
                               "a divisor of the tier's %u columns, found %u", cols, c.adc_columns_per_adc);
    if (get_count(xbar, at_xbar, "integrate_cycles", 1, 1e6, &c.integrate_cycles, err) ||
        get_positive(xbar, at_xbar, "g_max_uS", 1e6, &c.g_max_uS, err) ||
        aimc_json_get_param(xbar, at_xbar, "t_since_programming_s", AIMC_PCM_T_C_S, 1e12,
                            &c.t_since_programming_s, NULL, err) ||
        aimc_json_get_param(xbar, at_xbar, "wire_resistance_ohm", 0, 1e6, &c.wire_resistance_ohm, NULL, err))
        return -1;

    aimc_analog_noise *nz = &c.noise;
    double unused;
    if (get_switch(noise, at_noise, "programming", "scale", 0, 100, &nz->programming_noise,
                   &nz->programming_noise_scale, err) ||
        get_switch(noise, at_noise, "drift", "scale", 0, 100, &nz->drift, &nz->drift_scale, err) ||
        get_switch(noise, at_noise, "read", "scale", 0, 100, &nz->read_noise, &nz->read_noise_scale, err) ||
        get_switch(noise, at_noise, "ir_drop", NULL, 0, 0, &nz->ir_drop, &unused, err) ||
        get_switch(noise, at_noise, "adc", "sigma", 0, 1e30, &nz->adc_noise, &nz->adc_noise_sigma, err))
        return -1;

    aimc_periphery_energy *e = &c.energy;
    if (get_energy(energy, at_energy, "dac_row_drive_pJ", &e->dac_row_drive, err) ||
        get_energy(energy, at_energy, "crossbar_integration_pJ", &e->crossbar_integration, err) ||
        get_energy(energy, at_energy, "adc_conversion_pJ", &e->adc_conversion, err) ||
        get_energy(energy, at_energy, "tier_switch_pJ", &e->tier_switch, err) ||
        get_energy(energy, at_energy, "buffer_access_pJ", &e->buffer_access, err) ||
        aimc_json_get_param(energy, at_energy, "leakage_pJ_per_tile_ns", 0, 1e9, &e->leakage_pJ_per_tile_ns, NULL,
                            err))
        return -1;
    *out = c;
    return 0;
}

void aimc_periphery_config_ideal(aimc_periphery_config *cfg, uint32_t rows, uint32_t cols, aimc_dac_mode mode,
                                 uint32_t b_in_bits, uint32_t b_out_bits, uint32_t columns_per_adc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->rows = rows;
    cfg->cols = cols;
    cfg->dac_mode = mode;
    cfg->b_in_bits = b_in_bits;
    cfg->dac_input_bound = 1.0;
    cfg->b_out_bits = b_out_bits;
    cfg->adc_columns_per_adc = columns_per_adc;
    cfg->adc_full_scale = 12.0;
    cfg->integrate_cycles = 1;
    cfg->g_max_uS = 25.0;
    cfg->t_since_programming_s = AIMC_PCM_T_C_S;
    cfg->noise.programming_noise_scale = 1.0;
    cfg->noise.drift_scale = 1.0;
    cfg->noise.read_noise_scale = 1.0;
}

aimc_fJ aimc_periphery_leakage_fJ(const aimc_periphery_config *cfg, uint64_t tiles, uint64_t ns)
{
    return (aimc_fJ)llround(cfg->energy.leakage_pJ_per_tile_ns * 1e3 * (double)tiles * (double)ns);
}
