/* Cycle-exact C reference model of hw/tile.sv (tier_select_ctrl + dac_periphery + integration +
 * adc_periphery), written from the RTL's specification, used as the scoreboard of the tile cosim: fed the same
 * inputs every cycle (including the late ones: the DAC codes and the comparator decisions), its outputs must
 * equal the Verilated RTL's.  Uses the shim's signal structs so the two compare field by field.
 *
 * The same timing and event counts in closed form, which the engines use, are engine/tile_cost.h. */
#ifndef AIMC_TILE_REF_H
#define AIMC_TILE_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "shim/vtile.h"

enum { AIMC_TILE_IDLE = 0, AIMC_TILE_SWITCH = 1, AIMC_TILE_COMPUTE = 2 };

/* The late inputs of a cycle (see vtile.h): codes are read in a cycle with mvm_start, cmp in a cycle with
 * adc_deciding; the RTL ports keep their values otherwise, so the pointers may stay set. */
typedef struct {
    const int16_t *codes; /* rows codes (ncodes of them; the other rows are 0) */
    uint32_t ncodes;
    const uint64_t *cmp;  /* AIMC_VTILE_ADC_WORDS words */
} aimc_tile_ref_late;

typedef struct {
    uint32_t tiers;
    /* tier_select_ctrl */
    uint8_t state;
    bool tier_selected, first_compute;
    uint16_t switch_left;
    uint8_t active_tier;
    uint16_t active_tag;
    bool done_valid;
    uint16_t done_tag;
    uint32_t switch_count, mvm_count;
    /* dac_periphery */
    bool dac_driving, dac_done, dac_empty;
    uint16_t drive_cycle, drive_len;
    uint32_t dac_conversions, drive_pulses;
    uint32_t dac_max_code;  /* max |code| of the MVM (the port max_code) */
    bool dac_range_error;   /* a code loaded at the last edge was outside b_in bits (the port range_error) */
    uint64_t dac_conversions_total, drive_pulses_total;
    /* integration */
    bool integrating, adc_go;
    uint16_t integrate_left;
    /* adc_periphery */
    uint8_t adc_state; /* 0 IDLE, 1 SAMPLE, 2 DECIDE */
    uint16_t sar[AIMC_VTILE_MAX_ADCS];
    uint16_t mux;
    uint8_t bit;
    bool valid;
    uint16_t valid_mux;
    uint64_t sat[AIMC_VTILE_ADC_WORDS];
    uint16_t sar_out[AIMC_VTILE_MAX_ADCS]; /* sar as output during the last cycle simulated */
    uint32_t conv_count, sat_count, mvm_conversions, mvm_saturated;
    uint64_t conversions_total, saturated_total;
    /* tile */
    uint32_t done_dac_conversions, done_drive_pulses, done_buffer_accesses;
} aimc_tile_ref;

void aimc_tile_ref_init(aimc_tile_ref *r, uint32_t tiers);
/* One cycle: out = the outputs during the cycle with these inputs, then the rising edge is taken.  The outputs
 * do not depend on the late inputs, so `late` may be filled from the RTL's outputs of the same cycle. */
void aimc_tile_ref_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late,
                         aimc_vtile_out *out);
/* The SAR registers (trial codes while deciding, results with adc_valid) during the cycle last simulated by
 * aimc_tile_ref_cycle; only maintained in cycles with adc_deciding or adc_valid. */
const uint16_t *aimc_tile_ref_sar(const aimc_tile_ref *r);
/* Whether the request presented this cycle would switch tiers (valid before the edge). */
bool aimc_tile_ref_needs_switch(const aimc_tile_ref *r, uint8_t tier);

/* The tile's blocks alone (hw/tier_select_ctrl.sv, dac_periphery.sv, adc_periphery.sv), for block-level benches
 * (tb/cocotb): one cycle of one block, the signals the tile wires between its blocks given as inputs (mvm_done
 * of the controller, load of the DAC, start of the ADC).  Each uses and updates only its block's part of r (a
 * reference used for one block only), the same edge functions aimc_tile_ref_cycle is made of. */
/* tier_select_ctrl: fills out's controller fields (req_ready .. mvm_count); the other fields are left alone. */
void aimc_tile_ref_ctrl_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, bool mvm_done, aimc_vtile_out *out);

typedef struct {
    bool driving, drive_done, drive_empty, range_error;
    uint16_t drive_cycle, drive_len;
    uint32_t conversions, pulses, max_code;
    uint64_t conversions_total, pulses_total;
} aimc_tile_ref_dac_out;
/* dac_periphery (in: rst_n, rows, bit_serial, b_in_bits; the codes in late, read when load is set). */
void aimc_tile_ref_dac_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, bool load,
                             aimc_tile_ref_dac_out *out);

typedef struct {
    bool sampling, deciding, last, valid;
    uint16_t mux, valid_mux;
    uint8_t bit;
    uint64_t sat[AIMC_VTILE_ADC_WORDS]; /* with valid (0 otherwise) */
    uint32_t mvm_conversions, mvm_saturated;
    uint64_t conversions_total, saturated_total;
} aimc_tile_ref_adc_out;
/* adc_periphery (in: rst_n, b_out_bits, adcs, mux; the decisions in late, read in deciding cycles); the SAR
 * registers of the cycle: aimc_tile_ref_sar. */
void aimc_tile_ref_adc_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, bool start,
                             aimc_tile_ref_adc_out *out);

#endif
