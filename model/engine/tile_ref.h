/* Cycle-exact C reference model of hw/tile.sv (tier_select_ctrl + fixed compute phase), written from the
 * RTL's specification, used as the scoreboard of the tile cosim: fed the same inputs every cycle, its
 * outputs must equal the Verilated RTL's.  Uses the shim's signal structs so the two compare field by field. */
#ifndef AIMC_TILE_REF_H
#define AIMC_TILE_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "vtile.h"

enum { AIMC_TILE_IDLE = 0, AIMC_TILE_SWITCH = 1, AIMC_TILE_COMPUTE = 2 };

typedef struct {
    uint32_t tiers;
    uint8_t state;
    bool tier_selected, first_compute;
    uint16_t switch_left;
    uint8_t active_tier;
    uint16_t active_tag;
    bool done_valid;
    uint16_t done_tag;
    uint32_t switch_count, mvm_count;
    bool computing;
    uint16_t compute_left;
} aimc_tile_ref;

void aimc_tile_ref_init(aimc_tile_ref *r, uint32_t tiers);
/* One cycle: out = the outputs during the cycle with these inputs, then the rising edge is taken. */
void aimc_tile_ref_cycle(aimc_tile_ref *r, const aimc_vtile_in *in, aimc_vtile_out *out);
/* Whether the request presented this cycle would switch tiers (valid before the edge). */
bool aimc_tile_ref_needs_switch(const aimc_tile_ref *r, uint8_t tier);

/* Closed form of the same timing, for the fast engine and hand checks: cycles from the accept cycle to the
 * cycle done_valid is high, for a request that does (switch=true) or does not switch tiers. */
uint64_t aimc_tile_ref_latency_cycles(bool needs_switch, uint32_t switch_cycles, uint32_t compute_cycles);

#endif
