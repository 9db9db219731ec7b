/* The tile RTL's periphery driven directly through its shim: the SAR converters against the ideal C quantizer
 * (periphery_analog.h) over >= 100k random noise-free column values across b_out and M, and the phases and
 * events of MVMs with hand-picked codes against numbers derived by hand. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analog/periphery_analog.h"
#include "analog/periphery_config.h"
#include "check_main.h"
#include "core/rng.h"
#include "shim/vtile.h"

#define COLS 64
#define ROWS 64

typedef struct {
    aimc_vtile *rtl;
    aimc_vtile_in in;
    aimc_vtile_out out;
    uint64_t cycle;
} bench;

static void bench_init(bench *b, bool bit_serial, uint32_t b_in, uint32_t b_out, uint32_t mux, uint32_t integrate)
{
    b->rtl = aimc_vtile_create(1000);
    b->in = (aimc_vtile_in){.rows = ROWS, .bit_serial = bit_serial, .b_in_bits = (uint8_t)b_in,
                            .b_out_bits = (uint8_t)b_out, .adcs = (uint16_t)(COLS / mux), .mux = (uint16_t)mux,
                            .integrate_cycles = (uint16_t)integrate};
    b->cycle = 0;
    for (int i = 0; i < 2; i++) { /* reset */
        aimc_vtile_eval(b->rtl, &b->in, &b->out);
        aimc_vtile_edge(b->rtl);
        b->cycle++;
    }
    b->in.rst_n = true;
}

/* ---- SAR against the quantizer ---- */

typedef struct {
    uint64_t values, mismatches, sat_mismatches, saturated;
} sar_stats;

/* A column value: uniform over 1.25 x the full scale, or exactly on a decision level, or one ulp either side. */
static double column_value(aimc_rng *rng, const aimc_adc *adc)
{
    double full = adc->lsb * adc->half;
    uint32_t kind = aimc_rng_uniform_int(rng, 4);
    if (kind == 0 || adc->b_out_bits == 0)
        return (2.0 * aimc_rng_uniform(rng) - 1.0) * 1.25 * full;
    uint32_t t = 1 + aimc_rng_uniform_int(rng, 2 * adc->half - 1);
    double level = aimc_adc_threshold(adc, t);
    return kind == 1 ? level : kind == 2 ? nextafter(level, INFINITY) : nextafter(level, -INFINITY);
}

static void run_sar(uint32_t b_out, uint32_t mux, uint32_t mvms, aimc_rng *rng, sar_stats *st)
{
    aimc_periphery_config pc;
    aimc_periphery_config_ideal(&pc, ROWS, COLS, AIMC_DAC_BIT_SERIAL, 4, b_out, mux);
    aimc_adc adc;
    aimc_adc_init(&adc, &pc);
    bench b;
    bench_init(&b, true, 4, b_out, mux, 1);
    double v[COLS];
    int16_t codes[ROWS] = {0};
    uint16_t sar[AIMC_VTILE_MAX_ADCS];
    uint64_t cmp[AIMC_VTILE_ADC_WORDS];
    uint32_t issued = 0, done = 0, adcs = COLS / mux, sat_this = 0;
    b.in.req_tier = 0;
    while (done < mvms) {
        b.in.req_valid = issued < mvms;
        aimc_vtile_eval(b.rtl, &b.in, &b.out);
        if (b.out.adc_deciding || b.out.adc_valid)
            aimc_vtile_sar(b.rtl, sar, adcs);
        if (b.out.adc_deciding) {
            for (int w = 0; w < AIMC_VTILE_ADC_WORDS; w++)
                cmp[w] = 0;
            for (uint32_t a = 0; a < adcs; a++)
                if (aimc_adc_compare(&adc, v[a * mux + b.out.adc_mux], sar[a]))
                    cmp[a / 64] |= 1ull << (a % 64);
            aimc_vtile_set_cmp(b.rtl, cmp);
        }
        if (b.out.adc_valid)
            for (uint32_t a = 0; a < adcs; a++) {
                bool sat;
                int32_t want = aimc_adc_quantize(&adc, v[a * mux + b.out.adc_valid_mux], &sat);
                int32_t got = (int32_t)sar[a] - (int32_t)adc.half;
                st->values++;
                st->mismatches += got != want;
                st->sat_mismatches += sat != (bool)((b.out.adc_sat[a / 64] >> (a % 64)) & 1);
                st->saturated += sat;
                sat_this += sat;
            }
        if (b.out.done_valid) {
            ck_assert_uint_eq(b.out.done_saturated, sat_this);
            ck_assert_uint_eq(b.out.done_conversions, COLS);
            done++;
        }
        /* a new MVM starts in the cycle its predecessor's last results are read: after them */
        if (b.out.mvm_start) {
            aimc_vtile_set_codes(b.rtl, codes, ROWS);
            for (uint32_t j = 0; j < COLS; j++)
                v[j] = column_value(rng, &adc);
            sat_this = 0;
        }
        if (b.in.req_valid && b.out.req_ready)
            issued++;
        aimc_vtile_edge(b.rtl);
    }
    ck_assert_uint_eq(aimc_vtile_rtl_errors(b.rtl), 0);
    aimc_vtile_destroy(b.rtl);
}

START_TEST(sar_codes_equal_the_ideal_quantizer)
{
    static const uint32_t b_outs[] = {1, 2, 3, 4, 5, 8, 11, 16};
    static const uint32_t muxes[] = {1, 2, 4, 8, 32, 64};
    aimc_rng *rng = aimc_rng_create(aimc_test_seed("sar_codes_equal_the_ideal_quantizer", 424242));
    sar_stats total = {0};
    for (size_t i = 0; i < sizeof b_outs / sizeof b_outs[0]; i++)
        for (size_t k = 0; k < sizeof muxes / sizeof muxes[0]; k++) {
            sar_stats st = {0};
            run_sar(b_outs[i], muxes[k], 100, rng, &st);
            ck_assert_msg(st.mismatches == 0 && st.sat_mismatches == 0,
                          "b_out %u, M %u: %llu codes and %llu saturation flags off the quantizer", b_outs[i],
                          muxes[k], (unsigned long long)st.mismatches, (unsigned long long)st.sat_mismatches);
            total.values += st.values;
            total.saturated += st.saturated;
        }
    aimc_rng_destroy(rng);
    printf("%llu column values converted by the RTL SAR, all equal to the ideal quantizer (%llu saturated)\n",
           (unsigned long long)total.values, (unsigned long long)total.saturated);
    ck_assert_uint_ge(total.values, 100000);
    ck_assert_uint_gt(total.saturated, total.values / 20); /* the end codes are exercised */
}
END_TEST

/* ---- phases and events by hand ---- */

typedef struct {
    uint64_t compute_cycles; /* mvm_start .. done_valid */
    uint64_t phase_cycles[5];
    uint32_t dac_conversions, drive_pulses, conversions, buffer_accesses;
} mvm_seen;

/* One MVM with these codes (comparators answer 0); counts the cycles of each phase the RTL reports. */
static mvm_seen one_mvm(bool bit_serial, uint32_t integrate, const int16_t *codes)
{
    bench b;
    bench_init(&b, bit_serial, 4, 4, 4, integrate);
    mvm_seen m = {0};
    uint64_t start = 0;
    uint64_t zeros[AIMC_VTILE_ADC_WORDS] = {0};
    aimc_vtile_set_cmp(b.rtl, zeros);
    b.in.req_valid = true;
    for (int guard = 0; guard < 1000; guard++, b.cycle++) {
        aimc_vtile_eval(b.rtl, &b.in, &b.out);
        if (b.out.req_ready)
            b.in.req_valid = false; /* accepted at this edge */
        if (b.out.mvm_start) {
            aimc_vtile_set_codes(b.rtl, codes, ROWS);
            start = b.cycle;
        }
        m.phase_cycles[b.out.phase]++;
        if (b.out.done_valid) {
            m.compute_cycles = b.cycle - start;
            m.dac_conversions = b.out.done_dac_conversions;
            m.drive_pulses = b.out.done_drive_pulses;
            m.conversions = b.out.done_conversions;
            m.buffer_accesses = b.out.done_buffer_accesses;
            break;
        }
        aimc_vtile_edge(b.rtl);
    }
    ck_assert_uint_eq(aimc_vtile_rtl_errors(b.rtl), 0);
    aimc_vtile_destroy(b.rtl);
    return m;
}

START_TEST(phases_and_events_of_hand_picked_codes)
{
    /* b_in 4, b_out 4, M 4 (16 converters), 64 rows; codes 5 -3 0 7 -7 1 2 -6, the other rows 0.
     * PWM: drive D = max |c| = 7 cycles, the mvm_start (LOAD) cycle being the first; DAC conversions = 64 rows;
     *      pulses = 5+3+0+7+7+1+2+6 = 31.
     * bit-serial: D = b_in - 1 = 3 cycles; DAC conversions = 64 x 3 = 192; pulses = popcounts 2+2+0+3+3+1+1+2 = 14.
     * INTEGRATE 2; CONVERT = 4 x (1 + 4) = 20; buffer accesses = 64 reads + 64 writes. */
    int16_t codes[ROWS] = {5, -3, 0, 7, -7, 1, 2, -6};
    int16_t zero[ROWS] = {0};
    mvm_seen pwm = one_mvm(false, 2, codes);
    ck_assert_uint_eq(pwm.compute_cycles, 7 + 2 + 20);
    ck_assert_uint_eq(pwm.phase_cycles[AIMC_TILE_PH_LOAD], 1);
    ck_assert_uint_eq(pwm.phase_cycles[AIMC_TILE_PH_DRIVE], 6);
    ck_assert_uint_eq(pwm.phase_cycles[AIMC_TILE_PH_INTEGRATE], 2);
    ck_assert_uint_eq(pwm.phase_cycles[AIMC_TILE_PH_CONVERT], 20);
    ck_assert_uint_eq(pwm.dac_conversions, 64);
    ck_assert_uint_eq(pwm.drive_pulses, 31);
    ck_assert_uint_eq(pwm.conversions, 64);
    ck_assert_uint_eq(pwm.buffer_accesses, 128);

    mvm_seen bs = one_mvm(true, 2, codes);
    ck_assert_uint_eq(bs.compute_cycles, 3 + 2 + 20);
    ck_assert_uint_eq(bs.phase_cycles[AIMC_TILE_PH_LOAD] + bs.phase_cycles[AIMC_TILE_PH_DRIVE], 3);
    ck_assert_uint_eq(bs.dac_conversions, 192);
    ck_assert_uint_eq(bs.drive_pulses, 14);

    /* PWM with nothing to drive: the load cycle is the first of the two integration cycles */
    mvm_seen none = one_mvm(false, 2, zero);
    ck_assert_uint_eq(none.compute_cycles, 0 + 2 + 20);
    ck_assert_uint_eq(none.phase_cycles[AIMC_TILE_PH_DRIVE], 0);
    ck_assert_uint_eq(none.phase_cycles[AIMC_TILE_PH_LOAD] + none.phase_cycles[AIMC_TILE_PH_INTEGRATE], 2);
    ck_assert_uint_eq(none.drive_pulses, 0);
    ck_assert_uint_eq(none.dac_conversions, 64);

    /* no integration phase: convert right after the drive */
    mvm_seen direct = one_mvm(false, 0, codes);
    ck_assert_uint_eq(direct.compute_cycles, 7 + 0 + 20);
    ck_assert_uint_eq(direct.phase_cycles[AIMC_TILE_PH_INTEGRATE], 0);

    /* neither: the load cycle stands alone before the conversions */
    mvm_seen bare = one_mvm(false, 0, zero);
    ck_assert_uint_eq(bare.compute_cycles, 1 + 20);
    ck_assert_uint_eq(bare.phase_cycles[AIMC_TILE_PH_CONVERT], 20);
}
END_TEST

START_TEST(a_code_outside_the_dac_range_fires_an_assertion)
{
    /* b_in 4 allows |code| <= 7: an 8 is a testbench bug the RTL must flag. */
    int16_t codes[ROWS] = {8};
    bench b;
    bench_init(&b, false, 4, 4, 4, 1);
    b.in.req_valid = true;
    for (int i = 0; i < 10; i++) {
        aimc_vtile_eval(b.rtl, &b.in, &b.out);
        if (b.out.mvm_start)
            aimc_vtile_set_codes(b.rtl, codes, ROWS);
        aimc_vtile_edge(b.rtl);
    }
    ck_assert_uint_eq(aimc_vtile_rtl_errors(b.rtl), 1);
    aimc_vtile_destroy(b.rtl);
}
END_TEST

Suite *aimc_test_suite(void)
{
    Suite *s = suite_create("tile_sar");
    TCase *tc = tcase_create("tile_sar");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sar_codes_equal_the_ideal_quantizer);
    tcase_add_test(tc, phases_and_events_of_hand_picked_codes);
    tcase_add_test(tc, a_code_outside_the_dac_range_fires_an_assertion);
    suite_add_tcase(s, tc);
    return s;
}
