/* Plain-C entry points over the project's reference models, for the cocotb benches' scoreboards (loaded from
 * Python with ctypes, tb/cocotb/aimc_ref.py).  Nothing is modelled here: each function forwards to the model
 * library's reference (engine/tile_ref.h cycle by cycle, engine/tile_cost.h per MVM, analog/periphery_analog.h
 * for the comparator and the SAR, engine/dispatch_table.h for the dispatcher's expansion).
 *
 * Signals cross as uint64_t arrays in the order of a block's name table (the RTL port names), so the Python
 * side writes and reads ports by those names and needs no copy of a C struct layout. */
#include <stdlib.h>
#include <string.h>

#include "analog/periphery_analog.h"
#include "engine/activation_codes.h"
#include "engine/dispatch_table.h"
#include "engine/tile_cost.h"
#include "engine/tile_ref.h"

enum { SB_CTRL = 0, SB_DAC = 1, SB_ADC = 2, SB_TILE = 3, SB_BLOCKS };

/* Inputs of each block, by RTL port name. */
static const char *const in_ctrl[] = {"rst_n", "switch_cycles", "req_valid", "req_tier", "req_tag", "mvm_done"};
static const char *const in_dac[] = {"rst_n", "cfg_bit_serial", "cfg_b_in", "cfg_rows", "load"};
static const char *const in_adc[] = {"rst_n", "cfg_b_out", "cfg_adcs", "cfg_mux", "start"};
static const char *const in_tile[] = {"rst_n",    "switch_cycles", "cfg_rows",  "cfg_bit_serial",
                                      "cfg_b_in", "cfg_b_out",     "cfg_adcs",  "cfg_mux",
                                      "cfg_integrate_cycles", "req_valid", "req_tier", "req_tag"};
/* Outputs (the wide ones, sar/adc_sar and in_codes, go through the code arrays; sat/adc_sat is the first word). */
static const char *const out_ctrl[] = {"req_ready", "mvm_start", "done_valid", "done_tag", "tier_en", "busy",
                                       "switching", "active_tier", "active_tag", "fsm_state", "switch_count",
                                       "mvm_count"};
static const char *const out_dac[] = {"driving", "drive_cycle", "drive_len", "drive_done", "drive_empty",
                                      "conversions", "pulses", "max_code", "conversions_total", "pulses_total",
                                      "range_error"};
static const char *const out_adc[] = {"sampling", "deciding", "last", "mux", "bit_idx", "valid", "valid_mux", "sat",
                                      "mvm_conversions", "mvm_saturated", "conversions_total", "saturated_total"};
static const char *const out_tile[] = {
    "req_ready", "mvm_start", "done_valid", "done_tag", "done_dac_conversions", "done_drive_pulses",
    "done_conversions", "done_saturated", "done_buffer_accesses", "tier_en", "busy", "switching", "fsm_state",
    "active_tier", "active_tag", "switch_count", "mvm_count", "phase", "dac_driving", "dac_drive_cycle",
    "dac_drive_len", "adc_sampling", "adc_deciding", "adc_mux", "adc_bit", "adc_valid", "adc_valid_mux", "adc_sat",
    "dac_conversions_total", "drive_pulses_total", "conversions_total", "saturated_total"};

#define N(a) (uint32_t)(sizeof a / sizeof a[0])
static const char *const *const in_names[SB_BLOCKS] = {in_ctrl, in_dac, in_adc, in_tile};
static const uint32_t in_counts[SB_BLOCKS] = {N(in_ctrl), N(in_dac), N(in_adc), N(in_tile)};
static const char *const *const out_names[SB_BLOCKS] = {out_ctrl, out_dac, out_adc, out_tile};
static const uint32_t out_counts[SB_BLOCKS] = {N(out_ctrl), N(out_dac), N(out_adc), N(out_tile)};

uint32_t aimc_sb_inputs(int block) { return block >= 0 && block < SB_BLOCKS ? in_counts[block] : 0; }
uint32_t aimc_sb_outputs(int block) { return block >= 0 && block < SB_BLOCKS ? out_counts[block] : 0; }
const char *aimc_sb_input_name(int block, uint32_t i) { return i < aimc_sb_inputs(block) ? in_names[block][i] : NULL; }
const char *aimc_sb_output_name(int block, uint32_t i) { return i < aimc_sb_outputs(block) ? out_names[block][i] : NULL; }
uint32_t aimc_sb_max_adcs(void) { return AIMC_VTILE_MAX_ADCS; }

typedef struct {
    int block;
    aimc_tile_ref ref;
} sb_ref;

void *aimc_sb_ref_create(int block, uint32_t tiers)
{
    if (block < 0 || block >= SB_BLOCKS)
        return NULL;
    sb_ref *h = calloc(1, sizeof *h);
    if (h) {
        h->block = block;
        aimc_tile_ref_init(&h->ref, tiers);
    }
    return h;
}

void aimc_sb_ref_destroy(void *h) { free(h); }

/* One cycle of the block's reference: `in` in the order of its input names, codes (rows of them) and cmp
 * (AIMC_VTILE_ADC_WORDS words, bit a = converter a) the late inputs; `out` gets the outputs during the cycle,
 * then the edge is taken. */
void aimc_sb_ref_cycle(void *handle, const uint64_t *in, const int16_t *codes, uint32_t ncodes, const uint64_t *cmp,
                       uint64_t *out)
{
    sb_ref *h = handle;
    static const uint64_t no_cmp[AIMC_VTILE_ADC_WORDS];
    aimc_tile_ref_late late = {codes, ncodes, cmp ? cmp : no_cmp};
    aimc_vtile_in vi;
    memset(&vi, 0, sizeof vi);
    vi.rst_n = in[0] != 0;
    switch (h->block) {
    case SB_CTRL: {
        vi.switch_cycles = (uint16_t)in[1];
        vi.req_valid = in[2] != 0;
        vi.req_tier = (uint8_t)in[3];
        vi.req_tag = (uint16_t)in[4];
        aimc_vtile_out o;
        memset(&o, 0, sizeof o);
        aimc_tile_ref_ctrl_cycle(&h->ref, &vi, in[5] != 0, &o);
        uint64_t v[] = {o.req_ready,  o.mvm_start, o.done_valid,  o.done_tag,   o.tier_en,      o.busy,
                        o.switching,  o.active_tier, o.active_tag, o.state,     o.switch_count, o.mvm_count};
        memcpy(out, v, sizeof v);
        break;
    }
    case SB_DAC: {
        vi.bit_serial = in[1] != 0;
        vi.b_in_bits = (uint8_t)in[2];
        vi.rows = (uint16_t)in[3];
        aimc_tile_ref_dac_out o;
        aimc_tile_ref_dac_cycle(&h->ref, &vi, &late, in[4] != 0, &o);
        uint64_t v[] = {o.driving,     o.drive_cycle, o.drive_len, o.drive_done,        o.drive_empty, o.conversions,
                        o.pulses,      o.max_code,    o.conversions_total, o.pulses_total, o.range_error};
        memcpy(out, v, sizeof v);
        break;
    }
    case SB_ADC: {
        vi.b_out_bits = (uint8_t)in[1];
        vi.adcs = (uint16_t)in[2];
        vi.mux = (uint16_t)in[3];
        aimc_tile_ref_adc_out o;
        aimc_tile_ref_adc_cycle(&h->ref, &vi, &late, in[4] != 0, &o);
        uint64_t v[] = {o.sampling, o.deciding,        o.last,          o.mux,
                        o.bit,      o.valid,           o.valid_mux,     o.sat[0],
                        o.mvm_conversions, o.mvm_saturated, o.conversions_total, o.saturated_total};
        memcpy(out, v, sizeof v);
        break;
    }
    case SB_TILE: {
        vi.switch_cycles = (uint16_t)in[1];
        vi.rows = (uint16_t)in[2];
        vi.bit_serial = in[3] != 0;
        vi.b_in_bits = (uint8_t)in[4];
        vi.b_out_bits = (uint8_t)in[5];
        vi.adcs = (uint16_t)in[6];
        vi.mux = (uint16_t)in[7];
        vi.integrate_cycles = (uint16_t)in[8];
        vi.req_valid = in[9] != 0;
        vi.req_tier = (uint8_t)in[10];
        vi.req_tag = (uint16_t)in[11];
        aimc_vtile_out o;
        aimc_tile_ref_cycle(&h->ref, &vi, &late, &o);
        uint64_t v[] = {o.req_ready,         o.mvm_start,          o.done_valid,        o.done_tag,
                        o.done_dac_conversions, o.done_drive_pulses, o.done_conversions, o.done_saturated,
                        o.done_buffer_accesses, o.tier_en,          o.busy,              o.switching,
                        o.state,             o.active_tier,        o.active_tag,        o.switch_count,
                        o.mvm_count,         o.phase,              o.dac_driving,       o.dac_drive_cycle,
                        o.dac_drive_len,     o.adc_sampling,       o.adc_deciding,      o.adc_mux,
                        o.adc_bit,           o.adc_valid,          o.adc_valid_mux,     o.adc_sat[0],
                        o.dac_conversions_total, o.drive_pulses_total, o.conversions_total, o.saturated_total};
        memcpy(out, v, sizeof v);
        break;
    }
    }
}

/* The SAR registers of the last cycle (trial codes while deciding, results with valid), converters 0 .. n-1. */
void aimc_sb_ref_sar(const void *handle, uint16_t *codes, uint32_t n)
{
    const sb_ref *h = handle;
    const uint16_t *sar = aimc_tile_ref_sar(&h->ref);
    memcpy(codes, sar, (n < AIMC_VTILE_MAX_ADCS ? n : AIMC_VTILE_MAX_ADCS) * sizeof *codes);
}

/* ---- periphery analog model: the comparator the benches answer the SAR with ---- */

static void periphery(aimc_periphery_config *p, uint32_t rows, uint32_t cols, int bit_serial, uint32_t b_in_bits,
                      uint32_t b_out_bits, uint32_t mux, uint32_t integrate_cycles, double adc_full_scale)
{
    memset(p, 0, sizeof *p);
    p->rows = rows;
    p->cols = cols;
    p->dac_mode = bit_serial ? AIMC_DAC_BIT_SERIAL : AIMC_DAC_PWM;
    p->b_in_bits = b_in_bits;
    p->dac_input_bound = 1.0;
    p->b_out_bits = b_out_bits;
    p->adc_columns_per_adc = mux;
    p->adc_full_scale = adc_full_scale;
    p->integrate_cycles = integrate_cycles;
}

void *aimc_sb_adc_create(uint32_t b_in_bits, uint32_t b_out_bits, double adc_full_scale)
{
    aimc_periphery_config p;
    periphery(&p, 1, 1, 0, b_in_bits, b_out_bits, 1, 0, adc_full_scale);
    aimc_adc *adc = malloc(sizeof *adc);
    if (adc)
        aimc_adc_init(adc, &p);
    return adc;
}
void aimc_sb_adc_destroy(void *adc) { free(adc); }
double aimc_sb_adc_lsb(const void *adc) { return ((const aimc_adc *)adc)->lsb; }
int aimc_sb_adc_compare(const void *adc, double v, uint32_t trial_code) { return aimc_adc_compare(adc, v, trial_code); }
/* The SAR conversion written out in C (MSB first), as the offset-binary code the RTL's registers hold. */
uint32_t aimc_sb_adc_sar_code(const void *adc, double v)
{
    return (uint32_t)(aimc_adc_sar_convert(adc, v) + (int32_t)((const aimc_adc *)adc)->half);
}
int aimc_sb_adc_quantize(const void *adc, double v, int *saturated)
{
    bool sat = false;
    int32_t code = aimc_adc_quantize(adc, v, &sat);
    *saturated = sat;
    return code;
}

/* ---- tile cost model, per MVM ---- */

/* K, the compute cycles of an MVM with these codes. */
uint32_t aimc_sb_compute_cycles(int bit_serial, uint32_t b_in_bits, uint32_t b_out_bits, uint32_t mux,
                                uint32_t integrate_cycles, const int16_t *codes, uint32_t rows)
{
    aimc_periphery_config p;
    periphery(&p, rows, mux, bit_serial, b_in_bits, b_out_bits, mux, integrate_cycles, 1.0);
    aimc_codes_summary s;
    aimc_codes_summarise(codes, rows, &s);
    return aimc_tier_mvm_compute_cycles(&p, s.max_abs);
}

/* The phases of that MVM: out = {drive, integrate, convert, idle} cycles. */
void aimc_sb_mvm_phases(int bit_serial, uint32_t b_in_bits, uint32_t b_out_bits, uint32_t mux,
                        uint32_t integrate_cycles, const int16_t *codes, uint32_t rows, uint32_t out[4])
{
    aimc_periphery_config p;
    periphery(&p, rows, mux, bit_serial, b_in_bits, b_out_bits, mux, integrate_cycles, 1.0);
    aimc_codes_summary s;
    aimc_codes_summarise(codes, rows, &s);
    aimc_tier_mvm_phases ph;
    aimc_tier_mvm_phases_of(&p, s.max_abs, &ph);
    uint32_t v[4] = {ph.drive, ph.integrate, ph.convert, ph.idle};
    memcpy(out, v, sizeof v);
}

uint64_t aimc_sb_latency_cycles(int switches, uint32_t switch_cycles, uint32_t compute_cycles)
{
    return aimc_tier_mvm_latency_cycles(switches != 0, switch_cycles, compute_cycles);
}

/* The events of one MVM: out = {dac_conversions, drive_pulses, integrations, conversions, buffer_accesses}. */
void aimc_sb_mvm_events(int bit_serial, uint32_t b_in_bits, uint32_t rows, uint32_t adcs, uint32_t mux,
                        const int16_t *codes, uint64_t out[5])
{
    aimc_periphery_config p;
    periphery(&p, rows, adcs * mux, bit_serial, b_in_bits, 1, mux, 0, 1.0);
    aimc_codes_summary s;
    aimc_codes_summarise(codes, rows, &s);
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(&p, &s, &ev);
    uint64_t v[5] = {ev.dac_conversions, ev.drive_pulses, ev.integrations, ev.conversions, ev.buffer_accesses};
    memcpy(out, v, sizeof v);
}

/* ---- dispatch table: what the dispatcher's mapping memory holds and how a command expands ---- */

void *aimc_sb_table_create(uint32_t layers, uint32_t units, uint32_t phases)
{
    return aimc_dispatch_table_create(layers, units, phases);
}
void aimc_sb_table_destroy(void *t) { aimc_dispatch_table_destroy(t); }
int aimc_sb_table_add(void *t, uint32_t layer, uint32_t unit, uint32_t phase, uint32_t tile, uint32_t tier)
{
    aimc_error err;
    aimc_dispatch_block b = {tile, (uint16_t)tier, 0, 0};
    return aimc_dispatch_table_add(t, layer, unit, phase, b, &err);
}
void aimc_sb_table_finish(void *t) { aimc_dispatch_table_finish(t); }
uint32_t aimc_sb_table_blocks(const void *t) { return aimc_dispatch_table_blocks(t); }
uint32_t aimc_sb_table_first(const void *t, uint32_t layer, uint32_t unit, uint32_t phase)
{
    return aimc_dispatch_table_first(t, layer, unit, phase);
}
/* The blocks of an entry in expansion order: tiles[i], tiers[i] for i < the returned count (at most max). */
uint32_t aimc_sb_table_entry(const void *t, uint32_t layer, uint32_t unit, uint32_t phase, uint32_t *tiles,
                             uint32_t *tiers, uint32_t max)
{
    uint32_t count = 0;
    const aimc_dispatch_block *b = aimc_dispatch_table_entry(t, layer, unit, phase, &count);
    for (uint32_t i = 0; i < count && i < max; i++) {
        tiles[i] = b[i].tile;
        tiers[i] = b[i].tier;
    }
    return count;
}
