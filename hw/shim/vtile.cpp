// Thin shim over the Verilated tile: the harness owns the context, the model and the trace; this moves bits.
#include "vtile.h"

#include <cstring>
#include <memory>

// The fault-injected build compiles this same file against the Vtile_fault model.
#ifndef AIMC_VTILE_CLASS
#define AIMC_VTILE_CLASS Vtile
#define AIMC_VTILE_HEADER "Vtile.h"
#endif
#include AIMC_VTILE_HEADER
#include "verilated_harness.h"

static_assert(AIMC_VTILE_NADC <= AIMC_VTILE_MAX_ADCS, "NADC exceeds the C interface's bit arrays");
static_assert(AIMC_VTILE_B_IN <= 16 && AIMC_VTILE_B_OUT <= 16, "code lanes wider than 16 bits");

struct aimc_vtile {
    explicit aimc_vtile(uint32_t clock_period_ps) : harness(clock_period_ps) {}
    AimcHarness<AIMC_VTILE_CLASS> harness;
};

// Lane access in Verilator's wide vectors (32-bit words, least significant first).
template <std::size_t N> static uint32_t get_lane(const VlWide<N> &w, uint32_t bit, uint32_t width)
{
    uint32_t word = bit / 32, shift = bit % 32;
    uint64_t v = w[word] >> shift;
    if (shift + width > 32 && word + 1 < N)
        v |= (uint64_t)w[word + 1] << (32 - shift);
    return (uint32_t)(v & ((1ull << width) - 1));
}

template <std::size_t N> static void or_lane(VlWide<N> &w, uint32_t bit, uint32_t width, uint32_t value)
{
    uint32_t word = bit / 32, shift = bit % 32;
    uint64_t v = (uint64_t)(value & ((1u << width) - 1)) << shift;
    w[word] |= (uint32_t)v;
    if (shift + width > 32 && word + 1 < N)
        w[word + 1] |= (uint32_t)(v >> 32);
}

// Bit vectors of up to AIMC_VTILE_MAX_ADCS bits: Verilator uses an integer type up to 64 bits, VlWide above.
template <typename T> static void set_bits(T &dst, const uint64_t *src)
{
    constexpr uint64_t mask = AIMC_VTILE_NADC >= 64 ? ~0ull : (1ull << (AIMC_VTILE_NADC % 64)) - 1;
    dst = (T)(src[0] & mask);
}
template <std::size_t N> static void set_bits(VlWide<N> &dst, const uint64_t *src)
{
    for (std::size_t w = 0; w < N; w++)
        dst[w] = (uint32_t)(src[w / 2] >> (32 * (w % 2)));
}
template <typename T> static void get_bits(const T &src, uint64_t *dst)
{
    std::memset(dst, 0, AIMC_VTILE_ADC_WORDS * sizeof *dst);
    dst[0] = (uint64_t)src;
}
template <std::size_t N> static void get_bits(const VlWide<N> &src, uint64_t *dst)
{
    std::memset(dst, 0, AIMC_VTILE_ADC_WORDS * sizeof *dst);
    for (std::size_t w = 0; w < N; w++)
        dst[w / 2] |= (uint64_t)src[w] << (32 * (w % 2));
}

extern "C" void aimc_vtile_get_limits(aimc_vtile_limits *l)
{
    *l = aimc_vtile_limits{AIMC_VTILE_TIERS, AIMC_VTILE_ROWS, AIMC_VTILE_B_IN, AIMC_VTILE_NADC, AIMC_VTILE_B_OUT};
}

extern "C" uint32_t aimc_vtile_tiers(void) { return AIMC_VTILE_TIERS; }

extern "C" const char *aimc_vtile_trace_format(void) { return AIMC_TRACE_FORMAT; }

extern "C" aimc_vtile *aimc_vtile_create(uint32_t clock_period_ps)
{
    auto *t = new aimc_vtile(clock_period_ps);
    t->harness.eval_low();
    return t;
}

extern "C" void aimc_vtile_destroy(aimc_vtile *t) { delete t; }

extern "C" bool aimc_vtile_trace_open(aimc_vtile *t, const char *path) { return t->harness.trace_open(path); }

extern "C" uint64_t aimc_vtile_rtl_errors(const aimc_vtile *t) { return t->harness.rtl_errors(); }

extern "C" uint64_t aimc_vtile_cycles(const aimc_vtile *t) { return t->harness.cycles(); }

extern "C" void aimc_vtile_eval(aimc_vtile *t, const aimc_vtile_in *in, aimc_vtile_out *out)
{
    AIMC_VTILE_CLASS &top = t->harness.top();
    top.rst_n = in->rst_n;
    top.switch_cycles = in->switch_cycles;
    top.cfg_rows = in->rows;
    top.cfg_bit_serial = in->bit_serial;
    top.cfg_b_in = in->b_in_bits;
    top.cfg_b_out = in->b_out_bits;
    top.cfg_adcs = in->adcs;
    top.cfg_mux = in->mux;
    top.cfg_integrate_cycles = in->integrate_cycles;
    top.req_valid = in->req_valid;
    top.req_tier = in->req_tier;
    top.req_tag = in->req_tag;
    t->harness.eval_low();

    out->req_ready = top.req_ready;
    out->mvm_start = top.mvm_start;
    out->done_valid = top.done_valid;
    out->done_tag = top.done_tag;
    out->tier_en = top.tier_en;
    out->busy = top.busy;
    out->switching = top.switching;
    out->active_tier = top.active_tier;
    out->active_tag = top.active_tag;
    out->state = top.fsm_state;
    out->switch_count = top.switch_count;
    out->mvm_count = top.mvm_count;
    out->phase = top.phase;
    out->dac_driving = top.dac_driving;
    out->dac_drive_cycle = top.dac_drive_cycle;
    out->dac_drive_len = top.dac_drive_len;
    out->adc_sampling = top.adc_sampling;
    out->adc_deciding = top.adc_deciding;
    out->adc_mux = top.adc_mux;
    out->adc_bit = top.adc_bit;
    out->adc_valid = top.adc_valid;
    out->adc_valid_mux = top.adc_valid_mux;
    if (top.adc_valid)
        get_bits(top.adc_sat, out->adc_sat);
    else
        std::memset(out->adc_sat, 0, sizeof out->adc_sat);
    out->done_dac_conversions = top.done_dac_conversions;
    out->done_drive_pulses = top.done_drive_pulses;
    out->done_conversions = top.done_conversions;
    out->done_saturated = top.done_saturated;
    out->done_buffer_accesses = top.done_buffer_accesses;
    out->dac_conversions_total = top.dac_conversions_total;
    out->drive_pulses_total = top.drive_pulses_total;
    out->conversions_total = top.conversions_total;
    out->saturated_total = top.saturated_total;
}

// The SAR registers are bit-plane-major in the RTL (plane k = bit k of every converter): transpose the planes
// that have bits set into per-converter codes.
extern "C" void aimc_vtile_sar(const aimc_vtile *t, uint16_t *codes, uint32_t n)
{
    const auto &sar = t->harness.top().adc_sar;
    if (n > AIMC_VTILE_NADC)
        n = AIMC_VTILE_NADC;
    std::memset(codes, 0, n * sizeof *codes);
    for (uint32_t k = 0; k < AIMC_VTILE_B_OUT; k++)
        for (uint32_t a0 = 0; a0 < n; a0 += 32) {
            uint32_t width = n - a0 < 32 ? n - a0 : 32;
            uint32_t bits = get_lane(sar, k * AIMC_VTILE_NADC + a0, width);
            while (bits) {
                uint32_t a = (uint32_t)__builtin_ctz(bits);
                codes[a0 + a] |= (uint16_t)(1u << k);
                bits &= bits - 1;
            }
        }
}

extern "C" void aimc_vtile_set_codes(aimc_vtile *t, const int16_t *codes, uint32_t n)
{
    auto &port = t->harness.top().in_codes;
    std::memset(port.data(), 0, sizeof port);
    for (uint32_t r = 0; r < n && r < AIMC_VTILE_ROWS; r++)
        or_lane(port, r * AIMC_VTILE_B_IN, AIMC_VTILE_B_IN, (uint32_t)(uint16_t)codes[r]);
    t->harness.mark_late();
}

extern "C" void aimc_vtile_set_cmp(aimc_vtile *t, const uint64_t *bits)
{
    set_bits(t->harness.top().adc_cmp, bits);
    t->harness.mark_late();
}

extern "C" void aimc_vtile_edge(aimc_vtile *t) { t->harness.edge(); }
