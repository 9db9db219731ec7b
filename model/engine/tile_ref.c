#include "tile_ref.h"

#include <string.h>

void aimc_tile_ref_init(aimc_tile_ref *r, uint32_t tiers)
{
    memset(r, 0, sizeof *r);
    r->tiers = tiers;
}

bool aimc_tile_ref_needs_switch(const aimc_tile_ref *r, uint8_t tier)
{
    return !r->tier_selected || tier != r->active_tier;
}

uint64_t aimc_tile_ref_latency_cycles(bool needs_switch, uint32_t switch_cycles, uint32_t compute_cycles)
{
    /* accept cycle a; SWITCH a+1 .. a+S; COMPUTE the next compute_cycles; done_valid the cycle after. */
    return (needs_switch ? switch_cycles : 0) + compute_cycles + 1;
}

static void outputs(const aimc_tile_ref *r, const aimc_vtile_in *in, aimc_vtile_out *out, bool *mvm_done)
{
    bool mvm_start = r->state == AIMC_TILE_COMPUTE && r->first_compute;
    *mvm_done = mvm_start ? in->compute_cycles == 1 : (r->computing && r->compute_left == 1);
    out->req_ready = r->state == AIMC_TILE_IDLE || (r->state == AIMC_TILE_COMPUTE && *mvm_done);
    out->mvm_start = mvm_start;
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

/* The rising edge of tier_select_ctrl: later assignments win, as in the RTL's always_ff. */
static void ctrl_edge(aimc_tile_ref *r, const aimc_vtile_in *in, bool mvm_done, bool accept, aimc_tile_ref *next)
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

static void timer_edge(const aimc_tile_ref *r, const aimc_vtile_in *in, bool mvm_start, bool mvm_done,
                       aimc_tile_ref *next)
{
    if (mvm_start && !mvm_done) {
        next->computing = true;
        next->compute_left = (uint16_t)(in->compute_cycles - 1);
    } else if (r->computing) {
        next->compute_left = (uint16_t)(r->compute_left - 1);
        if (r->compute_left == 1)
            next->computing = false;
    }
}

void aimc_tile_ref_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, aimc_vtile_out *out)
{
    bool mvm_done;
    outputs(r, in, out, &mvm_done);
    if (!in->rst_n) {
        aimc_tile_ref_init(r, r->tiers);
        return;
    }
    aimc_tile_ref next = *r;
    ctrl_edge(r, in, mvm_done, in->req_valid && out->req_ready, &next);
    timer_edge(r, in, out->mvm_start, mvm_done, &next);
    *r = next;
}
