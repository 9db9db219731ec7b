#include "engine/cosim_tile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "analog/analog_tier.h"
#include "analog/periphery_analog.h"
#include "core/interrupt.h"
#include "core/output_file.h"
#include "core/rng.h"
#include "engine/activation_codes.h"
#include "engine/tile_cost.h"
#include "engine/tile_ref.h"
#include "shim/vtile.h"

void aimc_cosim_tile_defaults(aimc_cosim_tile_options *o)
{
    *o = (aimc_cosim_tile_options){
        .tiers = 0, .tokens = 64, .mvms_per_token = 4, .stay_probability = 0.5, .valid_probability = 0.8,
        .seed = 1, .numeric = true, .ideal = false, .check = true, .trace_path = NULL,
    };
}

/* A request in flight: accepted by the RTL, not yet completed.  At most two are in flight (the next request
 * is accepted in the last compute cycle of the current one). */
typedef struct {
    uint32_t token, index; /* index: the request's number within its token */
    uint8_t tier;
    bool switched;         /* the request needed a tier switch when accepted */
    uint64_t accept_cycle, start_cycle;
    aimc_codes_summary summary;
    float *x;              /* numeric: input vector (rows) */
    int16_t *codes;        /* DAC codes (rows) */
    float *analog;         /* numeric: column values the comparators see (cols) */
    int16_t *golden;       /* numeric + check: ideal quantized product (cols) */
    int16_t *rtl;          /* output codes from the RTL's SAR registers (cols) */
} inflight;

typedef struct {
    const aimc_chip_config *chip;
    const aimc_cosim_tile_options *opt;
    aimc_periphery_config pcfg; /* the preset's, or with every non-ideality off (ideal runs) */
    aimc_vtile_in cfg;          /* the RTL's runtime configuration */
    aimc_vtile_limits lim;
    uint32_t tiers, rows, cols;
    aimc_rng *rng;
    aimc_analog_tier **tier;    /* numeric runs */
    float **weights;            /* numeric + check: the programmed weights, for the golden product */
    aimc_adc adc;
    double *threshold;          /* decision level of every trial code (aimc_adc_threshold) */
    aimc_vtile *rtl;
    aimc_tile_ref ref;
    aimc_tile_ref_late late;
    uint64_t cmp[AIMC_VTILE_ADC_WORDS];
    uint16_t sar[AIMC_VTILE_MAX_ADCS];       /* the RTL's SAR registers, read when needed */
    FILE *record;
    inflight ring[4];
    unsigned head, count, started;
    int last_started_tier;
    double sq_error;
    uint64_t error_samples;
    aimc_cosim_tile_result *r;
} run_state;

/* ---- configuration ---- */

static void rtl_config(const aimc_chip_config *chip, aimc_vtile_in *in)
{
    const aimc_periphery_config *p = &chip->periphery;
    memset(in, 0, sizeof *in);
    in->switch_cycles = (uint16_t)chip->tile.tier_switch_cycles;
    in->rows = (uint16_t)chip->tile.rows;
    in->bit_serial = p->dac_mode == AIMC_DAC_BIT_SERIAL;
    in->b_in_bits = (uint8_t)p->b_in_bits;
    in->b_out_bits = (uint8_t)p->b_out_bits;
    in->adcs = (uint16_t)(chip->tile.cols / p->adc_columns_per_adc);
    in->mux = (uint16_t)p->adc_columns_per_adc;
    in->integrate_cycles = (uint16_t)p->integrate_cycles;
}

int aimc_cosim_tile_check_chip(const aimc_chip_config *chip, uint32_t tiers, aimc_error *err)
{
    aimc_vtile_limits l;
    aimc_vtile_get_limits(&l);
    const aimc_periphery_config *p = &chip->periphery;
    const char *f = chip->path;
    const char *rebuild = "the tile RTL's maximum (hw/meson.build)";
    if (tiers < 1 || tiers > l.tiers)
        return aimc_fail(err, "cosim: tiers: expected 1..%u (the tile RTL is built with TIERS=%u; rebuild with "
                              "-Dtile_tiers=N for more), got %u", l.tiers, l.tiers, tiers);
    if (chip->tile.rows > l.rows)
        return aimc_fail_field(err, f, "tile.rows", "at most %u, %s; found %u", l.rows, rebuild, chip->tile.rows);
    if (chip->tile.tier_switch_cycles > 65535)
        return aimc_fail_field(err, f, "tile.tier_switch_cycles", "at most 65535 (16-bit RTL configuration)");
    if (p->b_in_bits < 2 || p->b_in_bits > l.b_in_bits)
        return aimc_fail_field(err, f, "periphery.dac.b_in_bits", "2..%u, %s; found %u", l.b_in_bits, rebuild,
                               p->b_in_bits);
    if (p->b_out_bits < 1 || p->b_out_bits > l.b_out_bits)
        return aimc_fail_field(err, f, "periphery.adc.b_out_bits", "1..%u, %s; found %u", l.b_out_bits, rebuild,
                               p->b_out_bits);
    if (p->adc_columns_per_adc < 1 || chip->tile.cols % p->adc_columns_per_adc != 0)
        return aimc_fail_field(err, f, "periphery.adc.columns_per_adc", "a divisor of the tier's %u columns, found %u",
                               chip->tile.cols, p->adc_columns_per_adc);
    if (chip->tile.cols / p->adc_columns_per_adc > l.adcs)
        return aimc_fail_field(err, f, "periphery.adc.columns_per_adc",
                               "at least %u: %u columns / %u = %u converters exceed the %u of %s",
                               (chip->tile.cols + l.adcs - 1) / l.adcs, chip->tile.cols, p->adc_columns_per_adc,
                               chip->tile.cols / p->adc_columns_per_adc, l.adcs, rebuild);
    if (p->adc_columns_per_adc > 65535 || p->integrate_cycles > 65535)
        return aimc_fail_field(err, f, p->integrate_cycles > 65535 ? "periphery.crossbar.integrate_cycles"
                                                                   : "periphery.adc.columns_per_adc",
                               "at most 65535 (16-bit RTL configuration)");
    return 0;
}

static int check_options(const aimc_cosim_tile_options *o, aimc_error *err)
{
    if (o->tokens < 1 || o->tokens > 65536)
        return aimc_fail(err, "cosim: tokens: expected 1..65536 (16-bit token tags), got %u", o->tokens);
    if (o->mvms_per_token < 1)
        return aimc_fail(err, "cosim: mvms per token: expected at least 1");
    if (!(o->valid_probability > 0 && o->valid_probability <= 1))
        return aimc_fail(err, "cosim: valid probability: expected a number in (0, 1]");
    return 0;
}

/* ---- the analog side ---- */

/* Weights are multiples of 2^-7 in [-1, 1] with max|W| = 1, so that every product and partial sum of an MVM
 * (|code| <= 127, 512 rows: |sum| < 2^16 in steps of 2^-7) is exact in float: the BLAS product of the analog
 * model and the double golden product here agree to the last bit, and "equal to the quantized product" is
 * an exact statement. */
static void random_weights(aimc_rng *rng, float *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((int)aimc_rng_uniform_int(rng, 257) - 128) / 128.0f;
    w[0] = 1.0f;
}

static int program_tiers(run_state *s, aimc_error *err)
{
    size_t n = (size_t)s->rows * s->cols;
    s->tier = calloc(s->tiers, sizeof *s->tier);
    s->weights = calloc(s->tiers, sizeof *s->weights);
    if (!s->tier || !s->weights)
        return aimc_fail(err, "cosim: out of memory for %u tiers", s->tiers);
    for (uint32_t t = 0; t < s->tiers; t++) {
        s->weights[t] = malloc(n * sizeof(float));
        if (!s->weights[t])
            return aimc_fail(err, "cosim: out of memory for %u tiers of %ux%u", s->tiers, s->rows, s->cols);
        random_weights(s->rng, s->weights[t], n);
        if (!(s->tier[t] = aimc_analog_tier_create(&s->pcfg, err)) ||
            aimc_analog_tier_program(s->tier[t], s->weights[t], s->opt->seed * 1000003u + t, err))
            return -1;
    }
    return 0;
}

static void golden_product(const run_state *s, const inflight *f)
{
    const float *w = s->weights[f->tier];
    for (uint32_t j = 0; j < s->cols; j++) {
        double v = 0;
        for (uint32_t i = 0; i < s->rows; i++)
            v += (double)f->codes[i] * w[(size_t)i * s->cols + j];
        f->golden[j] = (int16_t)aimc_adc_quantize(&s->adc, v, NULL);
    }
}

/* ---- scoreboards ---- */

static void note_mismatch(run_state *s, uint64_t cycle, const char *field, long rtl, long ref)
{
    if (s->r->signal_mismatches++ == 0)
        snprintf(s->r->first_mismatch, sizeof s->r->first_mismatch, "cycle %llu: %s RTL=%ld reference=%ld",
                 (unsigned long long)cycle, field, rtl, ref);
}

static void note_closed_form(run_state *s, const inflight *f, const char *what, uint64_t rtl, uint64_t closed)
{
    if (s->r->closed_form_mismatches++ == 0)
        snprintf(s->r->first_closed_form_mismatch, sizeof s->r->first_closed_form_mismatch,
                 "token %u MVM %u: %s RTL=%llu closed form=%llu", f->token, f->index, what, (unsigned long long)rtl,
                 (unsigned long long)closed);
}

static void compare(run_state *s, uint64_t cycle, const aimc_vtile_out *a, const aimc_vtile_out *b)
{
#define CMP(f)                                                   \
    if (a->f != b->f) {                                          \
        note_mismatch(s, cycle, #f, (long)a->f, (long)b->f);     \
        return;                                                  \
    }
    CMP(req_ready) CMP(mvm_start) CMP(done_valid) CMP(tier_en) CMP(busy) CMP(switching) CMP(state)
    CMP(active_tier) CMP(switch_count) CMP(mvm_count)
    CMP(phase) CMP(dac_driving) CMP(dac_drive_cycle) CMP(dac_drive_len) CMP(adc_sampling) CMP(adc_deciding)
    CMP(adc_mux) CMP(adc_bit) CMP(adc_valid) CMP(adc_valid_mux)
    CMP(done_dac_conversions) CMP(done_drive_pulses) CMP(done_conversions) CMP(done_saturated)
    CMP(done_buffer_accesses) CMP(dac_conversions_total) CMP(drive_pulses_total) CMP(conversions_total)
    CMP(saturated_total)
    for (int w = 0; w < AIMC_VTILE_ADC_WORDS; w++)
        CMP(adc_sat[w])
    if (a->done_valid) CMP(done_tag)
    if (a->busy) CMP(active_tag)
#undef CMP
    if (a->adc_deciding || a->adc_valid) {
        const uint16_t *ref = aimc_tile_ref_sar(&s->ref);
        for (uint32_t i = 0; i < s->cfg.adcs; i++)
            if (s->sar[i] != ref[i]) {
                note_mismatch(s, cycle, "adc_sar lane", (long)s->sar[i], (long)ref[i]);
                return;
            }
    }
}

/* ---- the MVM's life on the C side ---- */

static int start_mvm(run_state *s, const aimc_vtile_out *out, uint64_t cycle, aimc_error *err)
{
    if (s->started >= s->count)
        return aimc_fail(err, "cosim: the RTL started an MVM with no request in flight");
    inflight *f = &s->ring[(s->head + s->started++) % 4];
    f->start_cycle = cycle;
    if (out->tier_en != (uint32_t)1 << f->tier)
        note_mismatch(s, cycle, "tier_en at mvm_start (reference: the request's tier)", (long)out->tier_en,
                      1l << f->tier);
    if (s->last_started_tier != f->tier)
        s->r->c_side_switches++;
    s->last_started_tier = f->tier;
    if (s->opt->numeric) {
        aimc_dac dac;
        aimc_dac_init(&dac, &s->pcfg);
        aimc_dac_quantize_vector(&dac, f->x, s->rows, f->codes);
    } else {
        aimc_codes_key key = {.seed = s->opt->seed, .token = f->token, .layer = 0, .unit = f->index, .phase = 0,
                              .in_block = 0};
        aimc_activation_codes(&key, s->rows, s->pcfg.b_in_bits, f->codes);
    }
    aimc_codes_summarise(f->codes, s->rows, &f->summary);
    aimc_vtile_set_codes(s->rtl, f->codes, s->rows);
    s->late.codes = f->codes;
    s->late.ncodes = s->rows;
    if (!s->opt->numeric)
        return 0;
    /* the model's own output codes land in f->rtl as scratch: the RTL's results overwrite every column */
    if (aimc_analog_tier_mvm_codes(s->tier[f->tier], f->codes, 1, f->rtl, f->analog, NULL, err))
        return -1;
    if (s->opt->check)
        golden_product(s, f);
    return 0;
}

/* Comparator decisions for the trial codes in the SAR registers: column a*M + mux of converter a. */
static void answer_comparators(run_state *s, const aimc_vtile_out *out)
{
    if (!s->opt->numeric)
        return; /* timing runs: all zeros, set once */
    const inflight *f = &s->ring[s->head];
    memset(s->cmp, 0, sizeof s->cmp);
    uint32_t m = s->cfg.mux;
    for (uint32_t a = 0; a < s->cfg.adcs; a++)
        if ((double)f->analog[a * m + out->adc_mux] >= s->threshold[s->sar[a]])
            s->cmp[a / 64] |= 1ull << (a % 64);
    aimc_vtile_set_cmp(s->rtl, s->cmp);
}

/* The SAR registers hold the results of conversion adc_valid_mux. */
static void collect_results(run_state *s, const aimc_vtile_out *out)
{
    inflight *f = &s->ring[s->head];
    uint32_t m = s->cfg.mux;
    int32_t half = 1 << (s->cfg.b_out_bits - 1);
    for (uint32_t a = 0; a < s->cfg.adcs; a++) {
        uint32_t col = a * m + out->adc_valid_mux;
        f->rtl[col] = (int16_t)((int32_t)s->sar[a] - half);
        if (s->opt->numeric && s->opt->check) {
            bool sat;
            int32_t want = aimc_adc_quantize(&s->adc, (double)f->analog[col], &sat);
            bool rtl_sat = (out->adc_sat[a / 64] >> (a % 64)) & 1;
            if (want != f->rtl[col] || sat != rtl_sat)
                s->r->conversion_mismatches++;
        }
    }
}

/* The RTL's counted events priced by the one cost model, then (with checks on) the RTL's timing and counts
 * checked against the cost model's closed form. */
static void book_and_check_cost(run_state *s, const inflight *f, const aimc_vtile_out *out, uint64_t cycle)
{
    const aimc_periphery_config *p = &s->chip->periphery;
    aimc_tier_mvm_events counted = {.dac_conversions = out->done_dac_conversions,
                                    .drive_pulses = out->done_drive_pulses,
                                    .integrations = 1,
                                    .conversions = out->done_conversions,
                                    .buffer_accesses = out->done_buffer_accesses};
    aimc_fJ booked[AIMC_E_COUNT];
    aimc_tier_mvm_price(&p->energy, &counted, booked);
    for (int c = 0; c < AIMC_E_COUNT; c++)
        if (booked[c])
            aimc_ledger_book(s->r->ledger, f->token, -1, (aimc_energy_component)c, booked[c]);
    aimc_ledger_touch(s->r->ledger, f->token, f->accept_cycle, cycle);
    uint64_t k = cycle - f->start_cycle;
    if (k > s->r->max_mvm_cycles)
        s->r->max_mvm_cycles = k;
    if (!s->opt->check)
        return;
    uint32_t k_closed = aimc_tier_mvm_compute_cycles(p, f->summary.max_abs);
    if (k != k_closed)
        note_closed_form(s, f, "compute cycles (mvm_start to done_valid)", k, k_closed);
    uint64_t latency = cycle - f->accept_cycle;
    uint64_t l_closed = aimc_tier_mvm_latency_cycles(f->switched, s->cfg.switch_cycles, k_closed);
    if (latency != l_closed)
        note_closed_form(s, f, "latency (accept to done_valid)", latency, l_closed);
    aimc_tier_mvm_events ev;
    aimc_tier_mvm_count(p, &f->summary, &ev);
    if (counted.dac_conversions != ev.dac_conversions)
        note_closed_form(s, f, "DAC conversions", counted.dac_conversions, ev.dac_conversions);
    if (counted.drive_pulses != ev.drive_pulses)
        note_closed_form(s, f, "row-drive pulses", counted.drive_pulses, ev.drive_pulses);
    if (counted.conversions != ev.conversions)
        note_closed_form(s, f, "conversions", counted.conversions, ev.conversions);
    if (counted.buffer_accesses != ev.buffer_accesses)
        note_closed_form(s, f, "buffer accesses", counted.buffer_accesses, ev.buffer_accesses);
}

static int complete(run_state *s, const aimc_vtile_out *out, uint64_t cycle, aimc_error *err)
{
    if (s->count == 0 || s->started == 0)
        return aimc_fail(err, "cosim: the RTL completed an MVM that was never started");
    inflight *f = &s->ring[s->head];
    if (out->done_tag != f->token)
        return aimc_fail(err, "cosim: completion tag %u, expected token %u", out->done_tag, f->token);
    book_and_check_cost(s, f, out, cycle);
    if (s->opt->check) {
        uint32_t sat = 0;
        for (uint32_t j = 0; j < s->cols; j++) {
            int32_t lo = -(1 << (s->cfg.b_out_bits - 1)), hi = (1 << (s->cfg.b_out_bits - 1)) - 1;
            sat += f->rtl[j] == lo || f->rtl[j] == hi;
            if (s->opt->numeric) {
                double d = (double)f->rtl[j] - f->golden[j];
                s->sq_error += d * d;
                s->error_samples++;
                if (s->opt->ideal && f->rtl[j] != f->golden[j])
                    s->r->golden_mismatches++;
            } else if (f->rtl[j] != lo) {
                s->r->conversion_mismatches++; /* comparators answered 0: every result is the lowest code */
            }
        }
        if (out->done_saturated != sat)
            s->r->conversion_mismatches++;
    }
    s->head = (s->head + 1) % 4;
    s->count--;
    s->started--;
    return 0;
}

static void accept(run_state *s, uint32_t token, uint32_t index, uint8_t tier, int last_tier, uint64_t cycle)
{
    inflight *f = &s->ring[(s->head + s->count) % 4];
    f->token = token;
    f->index = index;
    f->tier = tier;
    f->switched = last_tier != tier;
    f->accept_cycle = cycle;
    if (s->opt->numeric)
        for (uint32_t i = 0; i < s->rows; i++)
            f->x[i] = (float)(2.0 * aimc_rng_uniform(s->rng) - 1.0);
    if (f->switched)
        aimc_ledger_book(s->r->ledger, token, -1, AIMC_E_TIER_SWITCH, aimc_tile_switch_energy(s->chip));
    s->count++;
}

/* ---- stimulus record (docs/file-formats.md) ---- */

/* lanes of `width` bits, lane 0 least significant, as one hexadecimal number of nlanes*width bits */
static void print_lanes(FILE *f, const uint16_t *v, uint32_t nlanes, uint32_t width)
{
    uint32_t bits = nlanes * width, words = (bits + 31) / 32;
    uint32_t w[1024] = {0};
    for (uint32_t i = 0; i < nlanes; i++) {
        uint64_t x = (uint64_t)(v[i] & ((1u << width) - 1)) << ((i * width) % 32);
        w[i * width / 32] |= (uint32_t)x;
        if ((i * width) % 32 + width > 32)
            w[i * width / 32 + 1] |= (uint32_t)(x >> 32);
    }
    for (uint32_t k = words; k-- > 0;)
        fprintf(f, "%08x", w[k]);
}

static void record_cycle(run_state *s, const aimc_vtile_in *in, const aimc_vtile_out *o)
{
    FILE *f = s->record;
    if (o->mvm_start) {
        uint16_t lanes[4096] = {0};
        for (uint32_t i = 0; i < s->rows; i++)
            lanes[i] = (uint16_t)s->late.codes[i];
        fputs("k ", f);
        print_lanes(f, lanes, s->lim.rows, s->lim.b_in_bits);
        fputc('\n', f);
    }
    if (o->adc_deciding || o->adc_valid) { /* the adc_sar port: bit-plane-major, bit k of converter a at k*NADC+a */
        uint16_t bits[16 * AIMC_VTILE_MAX_ADCS];
        for (uint32_t k = 0; k < s->lim.b_out_bits; k++)
            for (uint32_t a = 0; a < s->lim.adcs; a++)
                bits[k * s->lim.adcs + a] = a < s->cfg.adcs ? (s->sar[a] >> k) & 1 : 0;
        fputs("s ", f);
        print_lanes(f, bits, s->lim.b_out_bits * s->lim.adcs, 1);
        fputc('\n', f);
    }
    uint16_t cmp[AIMC_VTILE_MAX_ADCS], sat[AIMC_VTILE_MAX_ADCS];
    for (uint32_t a = 0; a < s->lim.adcs; a++) {
        cmp[a] = (s->cmp[a / 64] >> (a % 64)) & 1;
        sat[a] = (o->adc_sat[a / 64] >> (a % 64)) & 1;
    }
    fprintf(f, "c %x %x %x %x %x %x %x %x %x %x %x %x ", in->rst_n, in->switch_cycles, in->rows, in->bit_serial,
            in->b_in_bits, in->b_out_bits, in->adcs, in->mux, in->integrate_cycles, in->req_valid, in->req_tier,
            in->req_tag);
    print_lanes(f, cmp, s->lim.adcs, 1);
    fprintf(f, "  %x %x %x %x %x %x %x %x %x %x %x", o->req_ready, o->mvm_start, o->done_valid, o->done_tag,
            o->tier_en, o->busy, o->switching, o->state, o->active_tier, o->switch_count, o->mvm_count);
    fprintf(f, " %x %x %x %x %x %x %x %x %x %x ", o->phase, o->dac_driving, o->dac_drive_cycle, o->dac_drive_len,
            o->adc_sampling, o->adc_deciding, o->adc_mux, o->adc_bit, o->adc_valid, o->adc_valid_mux);
    print_lanes(f, sat, s->lim.adcs, 1);
    fprintf(f, " %x %x %x %x %x %llx %llx %llx %llx\n", o->done_dac_conversions, o->done_drive_pulses,
            o->done_conversions, o->done_saturated, o->done_buffer_accesses,
            (unsigned long long)o->dac_conversions_total, (unsigned long long)o->drive_pulses_total,
            (unsigned long long)o->conversions_total, (unsigned long long)o->saturated_total);
}

/* ---- the run ---- */

static int simulate(run_state *s, aimc_error *err)
{
    const aimc_cosim_tile_options *o = s->opt;
    uint64_t total = (uint64_t)o->tokens * o->mvms_per_token, issued = 0, done = 0;
    uint64_t k_max = aimc_tier_mvm_compute_cycles_max(&s->chip->periphery);
    uint64_t limit = 16 + (uint64_t)(total * (2 + s->cfg.switch_cycles + k_max) / o->valid_probability * 4);
    aimc_vtile_in in = s->cfg;
    aimc_vtile_out out, ref_out;
    int last_tier = -1;
    uint64_t cycle;
    aimc_vtile_set_cmp(s->rtl, s->cmp); /* all zeros until the analog model answers */
    for (cycle = 0; done < total; cycle++) {
        if (aimc_interrupt_signal()) { /* the safe point: between two cycles */
            s->r->cycles = cycle;
            return aimc_fail(err, "cosim: interrupted by %s at cycle %llu (%llu of %llu MVMs done)",
                             aimc_interrupt_name(), (unsigned long long)cycle, (unsigned long long)done,
                             (unsigned long long)total);
        }
        if (cycle >= limit)
            return aimc_fail(err, "cosim: RTL hung: %llu of %llu MVMs done after %llu cycles",
                             (unsigned long long)done, (unsigned long long)total, (unsigned long long)cycle);
        in.rst_n = cycle >= 2;
        if (in.rst_n && !in.req_valid && issued < total && aimc_rng_uniform(s->rng) < o->valid_probability) {
            bool stay = last_tier >= 0 && aimc_rng_uniform(s->rng) < o->stay_probability;
            in.req_tier = (uint8_t)(stay ? (uint32_t)last_tier : aimc_rng_uniform_int(s->rng, s->tiers));
            in.req_tag = (uint16_t)(issued / o->mvms_per_token);
            in.req_valid = true;
        }
        aimc_vtile_eval(s->rtl, &in, &out);
        /* the late inputs, from this cycle's outputs */
        if (out.mvm_start && start_mvm(s, &out, cycle, err))
            return -1;
        bool sar_needed = out.adc_valid || (out.adc_deciding && (o->numeric || o->check || s->record));
        if (sar_needed)
            aimc_vtile_sar(s->rtl, s->sar, s->cfg.adcs);
        if (out.adc_deciding)
            answer_comparators(s, &out);
        if (o->check) {
            s->late.cmp = s->cmp;
            aimc_tile_ref_cycle(&s->ref, &in, &s->late, &ref_out);
            compare(s, cycle, &out, &ref_out);
        }
        if (s->record)
            record_cycle(s, &in, &out);
        if (__builtin_popcount(out.tier_en) > 1)
            s->r->ott_violations++;
        if (out.adc_valid)
            collect_results(s, &out);
        if (out.done_valid && complete(s, &out, cycle, err))
            return -1;
        if (in.req_valid && out.req_ready) {
            accept(s, (uint32_t)(issued / o->mvms_per_token), (uint32_t)(issued % o->mvms_per_token), in.req_tier,
                   last_tier, cycle);
            last_tier = in.req_tier;
            issued++;
            in.req_valid = false;
        }
        if (out.done_valid)
            done++;
        aimc_vtile_edge(s->rtl);
        s->r->mvms = out.mvm_count;
        s->r->switches = out.switch_count;
        s->r->dac_conversions = out.dac_conversions_total;
        s->r->drive_pulses = out.drive_pulses_total;
        s->r->conversions = out.conversions_total;
        s->r->saturated = out.saturated_total;
    }
    s->r->cycles = cycle;
    return 0;
}

static int setup(run_state *s, aimc_error *err)
{
    const aimc_cosim_tile_options *o = s->opt;
    s->rng = aimc_rng_create(o->seed);
    s->r->ledger = aimc_ledger_create(0);
    aimc_tile_ref_init(&s->ref, s->tiers);
    s->last_started_tier = -1;
    s->pcfg = s->chip->periphery;
    if (o->ideal) {
        s->pcfg.noise.programming_noise = s->pcfg.noise.drift = s->pcfg.noise.read_noise = false;
        s->pcfg.noise.ir_drop = s->pcfg.noise.adc_noise = false;
    }
    aimc_adc_init(&s->adc, &s->pcfg);
    s->threshold = malloc(((size_t)1 << s->cfg.b_out_bits) * sizeof *s->threshold);
    if (!s->threshold)
        return aimc_fail(err, "cosim: out of memory");
    for (uint32_t t = 0; t < 1u << s->cfg.b_out_bits; t++)
        s->threshold[t] = aimc_adc_threshold(&s->adc, t);
    for (int i = 0; i < 4; i++) {
        inflight *f = &s->ring[i];
        f->x = calloc(s->rows, sizeof *f->x);
        f->codes = calloc(s->rows, sizeof *f->codes);
        f->analog = calloc(s->cols, sizeof *f->analog);
        f->golden = calloc(s->cols, sizeof *f->golden);
        f->rtl = calloc(s->cols, sizeof *f->rtl);
        if (!f->x || !f->codes || !f->analog || !f->golden || !f->rtl)
            return aimc_fail(err, "cosim: out of memory");
    }
    if (o->numeric && program_tiers(s, err))
        return -1;
    s->rtl = aimc_vtile_create((uint32_t)s->chip->clock_period_ps);
    if (o->trace_path && !aimc_vtile_trace_open(s->rtl, o->trace_path))
        return aimc_fail(err, "%s: cannot write the trace", o->trace_path);
    if (o->record_path && (s->lim.rows > 4096 || s->lim.rows * s->lim.b_in_bits > 32768))
        return aimc_fail(err, "cosim: the stimulus record holds at most 4096 rows of 32768 code bits; this RTL "
                              "build has %u rows of %u bits", s->lim.rows, s->lim.b_in_bits);
    if (o->record_path && !(s->record = fopen(o->record_path, "w")))
        return aimc_fail(err, "%s: cannot write the stimulus record", o->record_path);
    return 0;
}

static void teardown(run_state *s)
{
    if (s->record)
        fclose(s->record);
    aimc_vtile_destroy(s->rtl);
    for (uint32_t t = 0; s->tier && t < s->tiers; t++)
        aimc_analog_tier_destroy(s->tier[t]);
    for (uint32_t t = 0; s->weights && t < s->tiers; t++)
        free(s->weights[t]);
    free(s->tier);
    free(s->weights);
    for (int i = 0; i < 4; i++) {
        inflight *f = &s->ring[i];
        free(f->x);
        free(f->codes);
        free(f->analog);
        free(f->golden);
        free(f->rtl);
    }
    free(s->threshold);
    aimc_rng_destroy(s->rng);
}

int aimc_cosim_tile_run(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, aimc_cosim_tile_result *r,
                        aimc_error *err)
{
    memset(r, 0, sizeof *r);
    /* One 512x512 sgemv per MVM is too small to split across threads: OpenBLAS's threads would only spin
     * and take the core the RTL simulation needs (measured: 50x slower with 2 threads on 2 cores). */
    openblas_set_num_threads(1);
    run_state s = {.chip = chip, .opt = o, .r = r, .tiers = o->tiers ? o->tiers : chip->tile.tiers,
                   .rows = chip->tile.rows, .cols = chip->tile.cols};
    if (aimc_cosim_tile_check_chip(chip, s.tiers, err) || check_options(o, err))
        return -1;
    rtl_config(chip, &s.cfg);
    aimc_vtile_get_limits(&s.lim);
    /* the FST writer maps its files: a page the disk cannot hold is a failure, not a SIGBUS (core/output_file.h) */
    if (o->trace_path && aimc_output_guard_begin(err))
        return -1;
    int rc = setup(&s, err);
    if (!rc)
        rc = simulate(&s, err);
    if (!rc && s.record) {
        FILE *f = s.record;
        s.record = NULL;
        if (fclose(f) != 0)
            rc = aimc_fail(err, "%s: writing the stimulus record failed", o->record_path);
    }
    if (!rc) {
        r->rtl_assertion_failures = aimc_vtile_rtl_errors(s.rtl);
        r->code_error_rms = s.error_samples ? sqrt(s.sq_error / (double)s.error_samples) : 0.0;
        /* leakage of the tile over the run, booked to the chip (no token caused it) */
        uint64_t ns = (uint64_t)llround((double)r->cycles * chip->clock_period_ps / 1000.0);
        aimc_fJ leak = aimc_periphery_leakage_fJ(&chip->periphery, 1, ns);
        if (leak)
            aimc_ledger_book_chip(r->ledger, AIMC_E_STATIC, leak);
    }
    teardown(&s); /* closes the trace */
    if (o->trace_path && aimc_output_guard_end()) {
        char shown[AIMC_PATH_SHOWN];
        r->trace_failed = true;
        rc = aimc_fail(err, "%s: writing the trace failed: its files could not be extended (is the disk full?)",
                       aimc_path_shown(o->trace_name ? o->trace_name : o->trace_path, shown));
    }
    if (rc) {
        aimc_ledger_destroy(r->ledger);
        r->ledger = NULL;
    }
    return rc;
}
