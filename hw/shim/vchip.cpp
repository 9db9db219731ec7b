// Thin shim over one Verilated chip build (compiled once per size with AIMC_VCHIP_CLASS / AIMC_VCHIP_HEADER /
// AIMC_VCHIP_BUILD set): the harness owns the context, the model and the trace; this moves bits and exposes
// the build's function table to vchip.c.
#include <cstring>
#include <memory>
#include <type_traits>

#include AIMC_VCHIP_HEADER
#include "vchip_build.h"
#include "verilated_harness.h"

namespace {

struct Chip {
    explicit Chip(uint32_t clock_period_ps) : harness(clock_period_ps) {}
    AimcHarness<AIMC_VCHIP_CLASS> harness;
    // The job tags as seen during the cycle (before its rising edge, which may already change them).
    std::remove_reference_t<decltype(AIMC_VCHIP_CLASS::tile_done_tag)> done_tags{};
    std::remove_reference_t<decltype(AIMC_VCHIP_CLASS::tile_active_tag)> active_tags{};
};

const aimc_vchip_params params = {
    AIMC_VCHIP_TILES, AIMC_VCHIP_TIERS, AIMC_VCHIP_SLOTS, AIMC_VCHIP_JOB_BITS, AIMC_VCHIP_QDEPTH,
    AIMC_VCHIP_MAX_UNITS, 8, 8, 2, AIMC_VCHIP_ENTRIES, AIMC_VCHIP_BLOCKS, AIMC_VCHIP_ROWS, AIMC_VCHIP_B_IN,
    AIMC_VCHIP_SEQS,
};

Chip *as_chip(aimc_vchip_model *c) { return reinterpret_cast<Chip *>(c); }
const Chip *as_chip(const aimc_vchip_model *c) { return reinterpret_cast<const Chip *>(c); }

// Reads `bits` (<= 32) bits at bit offset `at` of a Verilated wide or narrow port.
template <typename Port> uint32_t field(const Port &port, uint32_t at, uint32_t bits)
{
    uint64_t v;
    if constexpr (sizeof(Port) <= 8) {
        v = static_cast<uint64_t>(port) >> at;
    } else {
        v = port[at / 32] >> (at % 32);
        if (at % 32 + bits > 32)
            v |= static_cast<uint64_t>(port[at / 32 + 1]) << (32 - at % 32);
    }
    return static_cast<uint32_t>(v & ((1ull << bits) - 1));
}


template <typename Port> uint64_t as_u64(const Port &port)
{
    if constexpr (sizeof(Port) <= 8)
        return static_cast<uint64_t>(port);
    else
        return port[0] | (static_cast<uint64_t>(port[1]) << 32);
}

aimc_vchip_model *create(uint32_t clock_period_ps, const aimc_vchip_config *cfg)
{
    auto *c = new Chip(clock_period_ps);
    auto &t = c->harness.top();
    t.cfg_switch_cycles = cfg->switch_cycles;
    t.cfg_rows = cfg->rows;
    t.cfg_bit_serial = cfg->bit_serial;
    t.cfg_b_in = cfg->b_in_bits;
    t.cfg_b_out = cfg->b_out_bits;
    t.cfg_adcs = cfg->adcs;
    t.cfg_mux = cfg->mux;
    t.cfg_integrate_cycles = cfg->integrate_cycles;
    t.cfg_units = cfg->units;
    t.cfg_phases = cfg->phases;
    t.cfg_mvm_energy_fJ = cfg->mvm_energy_fJ;
    t.cfg_switch_energy_fJ = cfg->switch_energy_fJ;
    c->harness.eval_low();
    return reinterpret_cast<aimc_vchip_model *>(c);
}

void destroy(aimc_vchip_model *cp) { delete as_chip(cp); }

bool trace_open(aimc_vchip_model *cp, const char *path) { return as_chip(cp)->harness.trace_open(path); }

void eval(aimc_vchip_model *cp, const aimc_vchip_in *in, aimc_vchip_out *out)
{
    Chip *c = as_chip(cp);
    auto &t = c->harness.top();
    t.rst_n = in->rst_n;
    t.map_we = in->map_we;
    t.map_is_block = in->map_is_block;
    t.map_addr = in->map_addr;
    t.map_wdata = in->map_wdata;
    t.cmd_valid = in->cmd_valid;
    t.cmd_slot = in->cmd_slot;
    t.cmd_layer = in->cmd_layer;
    t.cmd_phase = in->cmd_phase;
    t.cmd_nunits = in->cmd_nunits;
    for (int w = 0; w < 4; w++)
        t.cmd_units[w] = static_cast<uint32_t>(in->cmd_units[4 * w]) | static_cast<uint32_t>(in->cmd_units[4 * w + 1]) << 8 |
                         static_cast<uint32_t>(in->cmd_units[4 * w + 2]) << 16 |
                         static_cast<uint32_t>(in->cmd_units[4 * w + 3]) << 24;
    t.token_begin = in->token_begin;
    t.token_end = in->token_end;
    c->harness.eval_low();
    out->tokens_done = t.tokens_done;
    out->cmd_ready = t.cmd_ready;
    out->ott_violation = t.ott_violation;
    out->group_done = as_u64(t.group_done);
    out->tile_done = as_u64(t.tile_done);
    out->switch_start = as_u64(t.tile_switch_start);
    out->mvm_start = as_u64(t.tile_mvm_start);
    if (out->tile_done || out->switch_start || out->mvm_start) {
        c->done_tags = t.tile_done_tag;
        c->active_tags = t.tile_active_tag;
    }
}

// Writes one tile's DAC codes (row r in bits [r*B_IN, (r+1)*B_IN) of its slice, two's complement).
void set_codes(aimc_vchip_model *cp, uint32_t tile, const int16_t *codes, uint32_t n)
{
    Chip *c = as_chip(cp);
    auto &port = c->harness.top().tile_in_codes;
    const uint32_t base = tile * AIMC_VCHIP_ROWS * AIMC_VCHIP_B_IN;
    for (uint32_t r = 0; r < AIMC_VCHIP_ROWS; r++) {
        uint32_t bit = base + r * AIMC_VCHIP_B_IN, word = bit / 32, shift = bit % 32;
        uint64_t mask = ((1ull << AIMC_VCHIP_B_IN) - 1) << shift;
        uint64_t value = (uint64_t)((uint16_t)(r < n ? codes[r] : 0) & ((1u << AIMC_VCHIP_B_IN) - 1)) << shift;
        port[word] = (port[word] & ~(uint32_t)mask) | (uint32_t)value;
        if (shift + AIMC_VCHIP_B_IN > 32)
            port[word + 1] = (port[word + 1] & ~(uint32_t)(mask >> 32)) | (uint32_t)(value >> 32);
    }
    c->harness.mark_late();
}

void edge(aimc_vchip_model *cp) { as_chip(cp)->harness.edge(); }

constexpr uint32_t tag_bits = AIMC_VCHIP_SLOT_BITS + AIMC_VCHIP_JOB_BITS;

uint32_t done_tag(const aimc_vchip_model *cp, uint32_t tile)
{
    return field(as_chip(cp)->done_tags, tile * tag_bits, tag_bits);
}

uint32_t active_tag(const aimc_vchip_model *cp, uint32_t tile)
{
    return field(as_chip(cp)->active_tags, tile * tag_bits, tag_bits);
}

uint32_t tier_en(const aimc_vchip_model *cp, uint32_t tile)
{
    static_assert(AIMC_VCHIP_TIERS <= 32, "tier enables are read as one 32-bit word per tile");
    return field(as_chip(cp)->harness.top().tile_tier_en, tile * AIMC_VCHIP_TIERS, AIMC_VCHIP_TIERS);
}

void totals(const aimc_vchip_model *cp, aimc_vchip_totals *out)
{
    const Chip *c = as_chip(cp);
    const auto &t = c->harness.top();
    out->jobs_pushed = t.jobs_pushed;
    out->energy_chip_fJ = t.energy_chip_fJ;
    out->rtl_errors = c->harness.rtl_errors();
}

void tile_counters(const aimc_vchip_model *cp, uint32_t tile, aimc_vchip_tile_counters *out)
{
    const auto &t = as_chip(cp)->harness.top();
    out->switches = field(t.tile_switch_count, tile * 32, 32);
    out->mvms = field(t.tile_mvm_count, tile * 32, 32);
    out->busy_cycles = field(t.tile_busy_cycles, tile * 32, 32);
    out->stall_cycles = field(t.stall_cycles, tile * 32, 32);
    out->conflict_cycles = field(t.conflict_cycles, tile * 32, 32);
    out->energy_fJ = field(t.energy_tile_fJ, tile * 64, 32) |
                     static_cast<uint64_t>(field(t.energy_tile_fJ, tile * 64 + 32, 32)) << 32;
}

}  // namespace

extern "C" const aimc_vchip_build AIMC_VCHIP_BUILD = {
    &params, create, destroy, trace_open, eval, set_codes, edge, done_tag, active_tag, tier_en, totals,
    tile_counters,
};
