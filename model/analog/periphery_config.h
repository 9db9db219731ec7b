/* The "periphery" section of a chip preset: DAC and ADC resolution and timing, the PCM device constants and
 * which analog non-idealities are on, and the energy of every periphery event.  The timing and events of one
 * tier MVM that follow from it are defined once, in engine/tile_cost.h. */
#ifndef AIMC_PERIPHERY_CONFIG_H
#define AIMC_PERIPHERY_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"

typedef enum {
    AIMC_DAC_PWM,        /* pulse length |code| cycles at +-V_read; the phase lasts max|code| cycles */
    AIMC_DAC_BIT_SERIAL, /* one cycle per magnitude bit (b_in - 1 cycles), sign as drive polarity */
} aimc_dac_mode;

/* Which non-idealities are on, and their factors.  With all of them off a tier MVM returns the exact
 * quantized product (DAC quantization and ADC quantization only). */
typedef struct {
    bool programming_noise;       /* aihwkit PCM programming-noise polynomial, scaled by ... */
    double programming_noise_scale; /* ... the factor c (1 = aihwkit's PCM; 1.5 and 2.5 in arXiv 2603.02633) */
    bool drift;                   /* g(t) = g_prog (t / t_c)^-nu, nu drawn per device */
    double drift_scale;           /* multiplies nu (aihwkit drift_scale) */
    bool read_noise;              /* 1/f read noise, a fresh draw per device per MVM */
    double read_noise_scale;      /* multiplies its sigma (aihwkit read_noise_scale) */
    bool ir_drop;                 /* first-order IR drop on row and column wires */
    bool adc_noise;               /* additive Gaussian noise at the ADC input, per conversion */
    double adc_noise_sigma;       /* in normalised output units (same units as adc_full_scale) */
} aimc_analog_noise;

/* Energy per event; integer femtojoules so that per-token sums equal the chip total exactly. */
typedef struct {
    aimc_fJ dac_row_drive;        /* one DAC conversion driving one row (PWM: per row per MVM; bit-serial:
                                     per row per magnitude-bit cycle) */
    aimc_fJ crossbar_integration; /* one tier integration (the whole array, per MVM) */
    aimc_fJ adc_conversion;       /* one column converted */
    aimc_fJ tier_switch;          /* re-connecting the shared periphery to another tier */
    aimc_fJ buffer_access;        /* one activation word read from the input or written to the output buffer */
    double leakage_pJ_per_tile_ns; /* static power of one tile (1 pJ/ns = 1 mW), booked over time */
} aimc_periphery_energy;

typedef struct {
    uint32_t rows, cols;          /* the tier the section was validated against */
    aimc_dac_mode dac_mode;
    uint32_t b_in_bits;           /* signed DAC codes in [-(2^(b_in-1)-1), 2^(b_in-1)-1] */
    double dac_input_bound;       /* activation value mapped to the largest code; larger values clip */
    uint32_t b_out_bits;          /* signed ADC codes in [-2^(b_out-1), 2^(b_out-1)-1] */
    uint32_t adc_columns_per_adc; /* M: C/M converters behind an M:1 column mux */
    double adc_full_scale;        /* normalised column value of the largest code (aihwkit out_bound units:
                                     a full-scale input through g_max devices contributes 1 per row) */
    uint32_t integrate_cycles;    /* integration/settling phase after the drive */
    double g_max_uS;              /* conductance of a full-scale weight (each device of the pair) */
    double t_since_programming_s; /* read time t of the drift and read-noise laws (>= t_c = 20 s) */
    double wire_resistance_ohm;   /* row/column wire resistance per cell segment (IR drop) */
    aimc_analog_noise noise;
    aimc_periphery_energy energy;
} aimc_periphery_config;

/* Parses root's "periphery" object (file names the file in errors) for a tier of rows x cols.  Every field is
 * validated: b_out >= 1, M divides cols, energies >= 0, known DAC mode, no unknown fields...; on error
 * returns -1 with one line "<file>: periphery.<field>: expected ...". */
int aimc_periphery_config_load(json_object *root, const char *file, uint32_t rows, uint32_t cols,
                               aimc_periphery_config *out, aimc_error *err);

/* A configuration with every non-ideality off (for tests and ideal references); energies zero. */
void aimc_periphery_config_ideal(aimc_periphery_config *cfg, uint32_t rows, uint32_t cols, aimc_dac_mode mode,
                                 uint32_t b_in_bits, uint32_t b_out_bits, uint32_t columns_per_adc);

const char *aimc_dac_mode_name(aimc_dac_mode mode); /* "pwm" / "bit_serial" */

/* Leakage of `tiles` tiles over `ns` nanoseconds, rounded to the nearest fJ once (book spans, not cycles). */
aimc_fJ aimc_periphery_leakage_fJ(const aimc_periphery_config *cfg, uint64_t tiles, uint64_t ns);

#endif
