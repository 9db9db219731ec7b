#include "engine/tile_ref.h"

#include <string.h>

enum { ADC_IDLE = 0, ADC_SAMPLE = 1, ADC_DECIDE = 2 };

void aimc_tile_ref_init(aimc_tile_ref *r, uint32_t tiers)
{
    memset(r, 0, sizeof *r);
    r->tiers = tiers;
}

bool aimc_tile_ref_needs_switch(const aimc_tile_ref *r, uint8_t tier)
{
    return !r->tier_selected || tier != r->active_tier;
}

const uint16_t *aimc_tile_ref_sar(const aimc_tile_ref *r) { return r->sar_out; }

/* ---- cycle model ---- */

typedef struct {
    bool mvm_done, mvm_start, adc_start, adc_sampling, adc_deciding;
    uint16_t integrate_todo;
} comb;

/* The outputs of each block during the cycle: they depend on its registers and on the signals it takes from the
 * other blocks (mvm_done, the ADC's start), not on the late inputs. */
static void ctrl_outputs(const aimc_tile_ref *r, bool mvm_done, aimc_vtile_out *out)
{
    out->req_ready = r->state == AIMC_TILE_IDLE || (r->state == AIMC_TILE_COMPUTE && mvm_done);
    out->mvm_start = r->state == AIMC_TILE_COMPUTE && r->first_compute;
    out->done_valid = r->done_valid;
    out->done_tag = r->done_tag;
    out->tier_en = r->tier_selected ? (uint32_t)1 << r->active_tier : 0;
    out->busy = r->state != AIMC_TILE_IDLE;
    out->switching = r->state == AIMC_TILE_SWITCH;
    out->active_tier = r->active_tier;
    out->active_tag = r->active_tag;
    out->state = r->state;
    out->switch_count = r->switch_count;
    out->mvm_count = r->mvm_count;
}

static void dac_outputs(const aimc_tile_ref *r, aimc_tile_ref_dac_out *out)
{
    out->driving = r->dac_driving;
    out->drive_done = r->dac_done;
    out->drive_empty = r->dac_empty;
    out->range_error = r->dac_range_error;
    out->drive_cycle = r->drive_cycle;
    out->drive_len = r->drive_len;
    out->conversions = r->dac_conversions;
    out->pulses = r->drive_pulses;
    out->max_code = r->dac_max_code;
    out->conversions_total = r->dac_conversions_total;
    out->pulses_total = r->drive_pulses_total;
}

static void adc_outputs(const aimc_tile_ref *r, const aimc_vtile_in *in, const comb *c, aimc_tile_ref_adc_out *out)
{
    out->sampling = c->adc_sampling;
    out->deciding = c->adc_deciding;
    out->last = c->adc_deciding && r->bit == 0 && r->mux == (uint16_t)(in->mux - 1);
    out->valid = r->valid;
    out->mux = r->mux;
    out->valid_mux = r->valid_mux;
    out->bit = r->bit;
    if (r->valid)
        memcpy(out->sat, r->sat, sizeof out->sat);
    else
        memset(out->sat, 0, sizeof out->sat);
    out->mvm_conversions = r->mvm_conversions;
    out->mvm_saturated = r->mvm_saturated;
    out->conversions_total = r->conversions_total;
    out->saturated_total = r->saturated_total;
}

/* The SAR registers as seen during the cycle (kept for aimc_tile_ref_sar). */
static void keep_sar(aimc_tile_ref *r, const aimc_vtile_in *in, bool deciding, bool valid)
{
    if (deciding || valid) {
        uint32_t adcs = in->adcs < AIMC_VTILE_MAX_ADCS ? in->adcs : AIMC_VTILE_MAX_ADCS;
        memcpy(r->sar_out, r->sar, adcs * sizeof r->sar[0]);
    }
}

static void outputs(const aimc_tile_ref *r, const aimc_vtile_in *in, aimc_vtile_out *out, comb *c)
{
    c->adc_deciding = r->adc_state == ADC_DECIDE;
    c->mvm_done = c->adc_deciding && r->bit == 0 && r->mux == (uint16_t)(in->mux - 1);
    c->mvm_start = r->state == AIMC_TILE_COMPUTE && r->first_compute;
    c->integrate_todo = r->dac_done ? in->integrate_cycles
                        : in->integrate_cycles == 0 ? 0 : (uint16_t)(in->integrate_cycles - 1);
    c->adc_start = r->adc_go || ((r->dac_done || r->dac_empty) && c->integrate_todo == 0);
    c->adc_sampling = c->adc_start || r->adc_state == ADC_SAMPLE;

    ctrl_outputs(r, c->mvm_done, out);

    if (c->mvm_start)
        out->phase = AIMC_TILE_PH_LOAD;
    else if (r->dac_driving)
        out->phase = AIMC_TILE_PH_DRIVE;
    else if (r->integrating || ((r->dac_done || r->dac_empty) && c->integrate_todo != 0))
        out->phase = AIMC_TILE_PH_INTEGRATE;
    else if (c->adc_sampling || c->adc_deciding)
        out->phase = AIMC_TILE_PH_CONVERT;
    else
        out->phase = AIMC_TILE_PH_IDLE;

    aimc_tile_ref_dac_out dac;
    dac_outputs(r, &dac);
    out->dac_driving = dac.driving;
    out->dac_drive_cycle = dac.drive_cycle;
    out->dac_drive_len = dac.drive_len;
    out->dac_conversions_total = dac.conversions_total;
    out->drive_pulses_total = dac.pulses_total;

    aimc_tile_ref_adc_out adc;
    adc_outputs(r, in, c, &adc);
    out->adc_sampling = adc.sampling;
    out->adc_deciding = adc.deciding;
    out->adc_mux = adc.mux;
    out->adc_bit = adc.bit;
    out->adc_valid = adc.valid;
    out->adc_valid_mux = adc.valid_mux;
    memcpy(out->adc_sat, adc.sat, sizeof out->adc_sat);
    out->conversions_total = adc.conversions_total;
    out->saturated_total = adc.saturated_total;

    out->done_dac_conversions = r->done_dac_conversions;
    out->done_drive_pulses = r->done_drive_pulses;
    out->done_conversions = r->mvm_conversions;
    out->done_saturated = r->mvm_saturated;
    out->done_buffer_accesses = r->done_buffer_accesses;
}

/* The rising edge of tier_select_ctrl: later assignments win, as in the RTL's always_ff. */
static void ctrl_edge(const aimc_tile_ref *r, const aimc_vtile_in *in, bool mvm_done, bool accept,
                      aimc_tile_ref *next)
{
    next->done_valid = false;
    if (r->state == AIMC_TILE_COMPUTE) {
        next->first_compute = false;
        if (mvm_done) {
            next->done_valid = true;
            next->done_tag = r->active_tag;
            next->mvm_count = r->mvm_count + 1;
            next->state = AIMC_TILE_IDLE;
        }
    }
    if (r->state == AIMC_TILE_SWITCH) {
        next->switch_left = (uint16_t)(r->switch_left - 1);
        if (r->switch_left == 1) {
            next->tier_selected = true;
            next->first_compute = true;
            next->state = AIMC_TILE_COMPUTE;
        }
    }
    if (accept) {
        next->active_tag = in->req_tag;
        next->active_tier = in->req_tier;
        next->first_compute = true;
        next->state = AIMC_TILE_COMPUTE;
        if (aimc_tile_ref_needs_switch(r, in->req_tier)) {
            next->switch_count = r->switch_count + 1;
            if (in->switch_cycles != 0) {
                next->tier_selected = false;
                next->switch_left = in->switch_cycles;
                next->state = AIMC_TILE_SWITCH;
            } else {
                next->tier_selected = true;
            }
        }
    }
}

/* dac_periphery: the statistics of the codes at the load edge (the load cycle was drive cycle 0), then a
 * cycle counter. */
static void dac_edge(const aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, bool load,
                     aimc_tile_ref *next)
{
    next->dac_done = false;
    next->dac_empty = false;
    next->dac_range_error = false;
    if (load) {
        uint32_t mx = 0, sum = 0, ones = 0;
        uint32_t code_max = (1u << (in->b_in_bits - 1)) - 1;
        bool bad = false;
        uint32_t n = late->ncodes < in->rows ? late->ncodes : in->rows;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t m = (uint32_t)(late->codes[i] < 0 ? -late->codes[i] : late->codes[i]);
            bad = bad || m > code_max;
            mx = m > mx ? m : mx;
            sum += m;
            ones += (uint32_t)__builtin_popcount(m);
        }
        uint32_t len = in->bit_serial ? (uint32_t)in->b_in_bits - 1 : mx;
        uint32_t pulses = in->bit_serial ? ones : sum;
        uint32_t conversions = in->bit_serial ? (uint32_t)in->rows * (in->b_in_bits - 1u) : in->rows;
        next->drive_len = (uint16_t)len;
        next->dac_max_code = mx;
        next->dac_range_error = bad;
        next->drive_pulses = pulses;
        next->drive_pulses_total = r->drive_pulses_total + pulses;
        next->dac_conversions = conversions;
        next->dac_conversions_total = r->dac_conversions_total + conversions;
        next->drive_cycle = 1;
        next->dac_driving = len >= 2;
        next->dac_done = len == 1;
        next->dac_empty = len == 0;
    } else if (r->dac_driving) {
        next->drive_cycle = (uint16_t)(r->drive_cycle + 1);
        if (r->drive_cycle == (uint16_t)(r->drive_len - 1)) {
            next->dac_driving = false;
            next->dac_done = true;
        }
    }
}

/* Integration: I cycles from the first cycle after the drive; after an empty drive the load cycle already
 * integrated, so I - 1 more. */
static void integrate_edge(const aimc_tile_ref *r, const comb *c, aimc_tile_ref *next)
{
    next->adc_go = false;
    if (r->dac_done || r->dac_empty) {
        if (c->integrate_todo == 1) {
            next->adc_go = true;
        } else if (c->integrate_todo > 1) {
            next->integrating = true;
            next->integrate_left = (uint16_t)(c->integrate_todo - 1);
        }
    } else if (r->integrating) {
        next->integrate_left = (uint16_t)(r->integrate_left - 1);
        if (r->integrate_left == 1) {
            next->integrating = false;
            next->adc_go = true;
        }
    }
}

/* adc_periphery: sample, then one SAR decision per cycle, MSB first, for every converter in lock step. */
static void adc_edge(const aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, const comb *c,
                     aimc_tile_ref *next)
{
    uint32_t adcs = in->adcs < AIMC_VTILE_MAX_ADCS ? in->adcs : AIMC_VTILE_MAX_ADCS;
    next->valid = false;
    if (c->adc_sampling) {
        uint16_t msb = (uint16_t)(1u << (in->b_out_bits - 1));
        memset(next->sar, 0, sizeof next->sar);
        for (uint32_t a = 0; a < adcs; a++)
            next->sar[a] = msb;
        next->bit = (uint8_t)(in->b_out_bits - 1);
        next->adc_state = ADC_DECIDE;
        if (c->adc_start) {
            next->mux = 0;
            next->conv_count = 0;
            next->sat_count = 0;
        }
    } else if (c->adc_deciding) {
        uint16_t top = (uint16_t)((1u << in->b_out_bits) - 1);
        uint16_t kbit = (uint16_t)(1u << r->bit);
        uint64_t sat[AIMC_VTILE_ADC_WORDS] = {0};
        uint32_t nsat = 0;
        for (uint32_t a = 0; a < adcs; a++) {
            uint16_t code = r->sar[a];
            if (!((late->cmp[a / 64] >> (a % 64)) & 1))
                code &= (uint16_t)~kbit;
            code |= (uint16_t)(kbit >> 1);
            next->sar[a] = code;
            if (code == 0 || code == top) {
                sat[a / 64] |= 1ull << (a % 64);
                nsat++;
            }
        }
        if (r->bit != 0) {
            next->bit = (uint8_t)(r->bit - 1);
        } else {
            next->valid = true;
            next->valid_mux = r->mux;
            memcpy(next->sat, sat, sizeof sat);
            next->conv_count = r->conv_count + in->adcs;
            next->sat_count = r->sat_count + nsat;
            next->conversions_total = r->conversions_total + in->adcs;
            next->saturated_total = r->saturated_total + nsat;
            if (r->mux == (uint16_t)(in->mux - 1)) {
                next->mvm_conversions = r->conv_count + in->adcs;
                next->mvm_saturated = r->sat_count + nsat;
                next->adc_state = ADC_IDLE;
            } else {
                next->mux = (uint16_t)(r->mux + 1);
                next->adc_state = ADC_SAMPLE;
            }
        }
    }
}

void aimc_tile_ref_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late,
                         aimc_vtile_out *out)
{
    comb c;
    outputs(r, in, out, &c);
    keep_sar(r, in, out->adc_deciding, out->adc_valid);
    if (!in->rst_n) {
        aimc_tile_ref_init(r, r->tiers);
        return;
    }
    /* The edge reads only the state before it: build the next state in a copy. */
    aimc_tile_ref *next = r; /* fields not assigned below keep their values */
    aimc_tile_ref prev = *r;
    ctrl_edge(&prev, in, c.mvm_done, in->req_valid && out->req_ready, next);
    dac_edge(&prev, in, late, c.mvm_start, next);
    integrate_edge(&prev, &c, next);
    adc_edge(&prev, in, late, &c, next);
    if (c.mvm_done) {
        next->done_dac_conversions = prev.dac_conversions;
        next->done_drive_pulses = prev.drive_pulses;
        next->done_buffer_accesses = (uint32_t)in->rows + (uint32_t)in->adcs * in->mux;
    }
}

/* ---- the blocks alone ---- */

void aimc_tile_ref_ctrl_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, bool mvm_done, aimc_vtile_out *out)
{
    ctrl_outputs(r, mvm_done, out);
    if (!in->rst_n) {
        aimc_tile_ref_init(r, r->tiers);
        return;
    }
    aimc_tile_ref prev = *r;
    ctrl_edge(&prev, in, mvm_done, in->req_valid && out->req_ready, r);
}

void aimc_tile_ref_dac_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, bool load,
                             aimc_tile_ref_dac_out *out)
{
    dac_outputs(r, out);
    if (!in->rst_n) {
        aimc_tile_ref_init(r, r->tiers);
        return;
    }
    aimc_tile_ref prev = *r;
    dac_edge(&prev, in, late, load, r);
}

void aimc_tile_ref_adc_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, const aimc_tile_ref_late *late, bool start,
                             aimc_tile_ref_adc_out *out)
{
    comb c = {0};
    c.adc_start = start;
    c.adc_deciding = r->adc_state == ADC_DECIDE;
    c.adc_sampling = start || r->adc_state == ADC_SAMPLE;
    adc_outputs(r, in, &c, out);
    keep_sar(r, in, out->deciding, out->valid);
    if (!in->rst_n) {
        aimc_tile_ref_init(r, r->tiers);
        return;
    }
    aimc_tile_ref prev = *r;
    adc_edge(&prev, in, late, &c, r);
}
