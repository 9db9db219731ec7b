/* C interface to the Verilated `tile` (tier-select controller + DAC/ADC periphery, hw/tile.sv).  Opaque
 * handle, plain types only.
 *
 * One clock cycle is:
 *   aimc_vtile_eval(t, in, out)   apply the cycle's inputs, evaluate with the clock low; out = the outputs seen
 *                                 during the cycle (they depend on registers and on `in` only);
 *   then, when the outputs ask for them, the cycle's late inputs, which the C analog model derives from those
 *   outputs before the edge:
 *     aimc_vtile_set_codes(...)   in a cycle with mvm_start: the MVM's DAC codes (sampled at the edge);
 *     aimc_vtile_set_cmp(...)     in a cycle with adc_deciding: the comparator decisions for the trial codes
 *                                 (aimc_vtile_sar gives the trial codes);
 *   aimc_vtile_edge(t)            trace the cycle and take the rising edge.
 * A late input keeps its value until it is set again. */
#ifndef AIMC_VTILE_H
#define AIMC_VTILE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most converters any build may have (sizes the comparator and saturation bit arrays). */
#define AIMC_VTILE_MAX_ADCS 256
#define AIMC_VTILE_ADC_WORDS (AIMC_VTILE_MAX_ADCS / 64)

typedef struct aimc_vtile aimc_vtile;

/* The maxima the RTL was built with (its parameters). */
typedef struct {
    uint32_t tiers;      /* TIERS */
    uint32_t rows;       /* ROWS: rows of in_codes */
    uint32_t b_in_bits;  /* B_IN: DAC code lane width, the largest b_in */
    uint32_t adcs;       /* NADC: converters, so columns / M <= adcs */
    uint32_t b_out_bits; /* B_OUT: SAR register width, the largest b_out */
} aimc_vtile_limits;

typedef struct {
    bool rst_n;
    uint16_t switch_cycles;
    /* periphery configuration, held constant during a run */
    uint16_t rows;             /* rows in use (<= limits.rows) */
    bool bit_serial;           /* DAC mode: false PWM, true bit-serial */
    uint8_t b_in_bits;         /* 2 .. limits.b_in_bits */
    uint8_t b_out_bits;        /* 1 .. limits.b_out_bits */
    uint16_t adcs;             /* converters in use = columns / M */
    uint16_t mux;              /* M */
    uint16_t integrate_cycles;
    /* requests */
    bool req_valid;
    uint8_t req_tier;
    uint16_t req_tag;
} aimc_vtile_in;

enum { AIMC_TILE_PH_IDLE = 0, AIMC_TILE_PH_LOAD, AIMC_TILE_PH_DRIVE, AIMC_TILE_PH_INTEGRATE, AIMC_TILE_PH_CONVERT };

typedef struct {
    /* tier-select controller */
    bool req_ready;
    bool mvm_start;
    bool done_valid;
    uint16_t done_tag;
    uint32_t tier_en;
    bool busy;
    bool switching;
    uint8_t active_tier;
    uint16_t active_tag;
    uint8_t state; /* 0 IDLE, 1 SWITCH, 2 COMPUTE */
    uint32_t switch_count;
    uint32_t mvm_count;
    /* periphery */
    uint8_t phase; /* AIMC_TILE_PH_* */
    bool dac_driving;
    uint16_t dac_drive_cycle, dac_drive_len;
    bool adc_sampling, adc_deciding;
    uint16_t adc_mux;
    uint8_t adc_bit;
    bool adc_valid;       /* the SAR registers hold the results of conversion adc_valid_mux */
    uint16_t adc_valid_mux;
    uint64_t adc_sat[AIMC_VTILE_ADC_WORDS]; /* bit a: converter a's result is an end code (with adc_valid) */
    /* events of the MVM completing (with done_valid) and cumulative */
    uint32_t done_dac_conversions, done_drive_pulses, done_conversions, done_saturated, done_buffer_accesses;
    uint64_t dac_conversions_total, drive_pulses_total, conversions_total, saturated_total;
} aimc_vtile_out;

void aimc_vtile_get_limits(aimc_vtile_limits *l);
/* Number of tiers the RTL was built with (the TIERS parameter). */
uint32_t aimc_vtile_tiers(void);
aimc_vtile *aimc_vtile_create(uint32_t clock_period_ps);
/* Finishes the simulation (final blocks) and closes the trace. */
void aimc_vtile_destroy(aimc_vtile *t);
/* Opens an FST or VCD trace (the format the build chose); returns false if it cannot be created. */
bool aimc_vtile_trace_open(aimc_vtile *t, const char *path);
/* "fst" or "vcd": the trace format compiled in. */
const char *aimc_vtile_trace_format(void);

void aimc_vtile_eval(aimc_vtile *t, const aimc_vtile_in *in, aimc_vtile_out *out);
/* The SAR registers of converters 0 .. n-1 as codes (offset-binary trial codes while deciding, results with
 * adc_valid); the RTL port adc_sar holds them bit-plane-major. */
void aimc_vtile_sar(const aimc_vtile *t, uint16_t *codes, uint32_t n);
/* codes[0 .. n) for rows 0 .. n-1 (n <= limits.rows; the other rows get 0). */
void aimc_vtile_set_codes(aimc_vtile *t, const int16_t *codes, uint32_t n);
/* bit a of bits[a / 64]: converter a's comparator decision (AIMC_VTILE_ADC_WORDS words). */
void aimc_vtile_set_cmp(aimc_vtile *t, const uint64_t *bits);
void aimc_vtile_edge(aimc_vtile *t);

uint64_t aimc_vtile_cycles(const aimc_vtile *t);
/* Number of RTL assertion failures ($error) so far. */
uint64_t aimc_vtile_rtl_errors(const aimc_vtile *t);

#ifdef __cplusplus
}
#endif

#endif
