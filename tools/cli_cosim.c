/* aimc3d cosim: one tile co-simulated (Verilated tier-select controller and DAC/ADC periphery RTL + the C analog
 * model), with its scoreboards, an FST/VCD trace with a GTKWave layout, and the per-token energy report. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/interrupt.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "engine/cosim_tile.h"
#include "engine/switching_activity.h"
#include "engine/tile_cost.h"
#include "report/chip_layout.h"
#include "report/energy_report.h"
#include "report/gtkw_layout.h"
#include "report/trace_stamp.h"
#include "shim/vtile.h"
#include "system/chip_config.h"

typedef struct {
    const char *chip, *trace, *report, *csv, *record, *dac_mode, *saif;
    long tiers, switch_cycles, tokens, mvms_per_token, seed;
    long b_in, b_out, mux, integrate_cycles; /* -1: the preset's */
    double stay, valid;
    bool no_numeric, no_check, ideal;
} cosim_args;

/* Signal names as the Verilated trace has them: scope "top" (the model's name), then the tile instance. */
static void add_tile_signals(aimc_gtkw *g)
{
    aimc_vtile_limits l;
    aimc_vtile_get_limits(&l);
    unsigned tier_w = 0;
    while ((1u << tier_w) < l.tiers)
        tier_w++;
    char tier_bus[32], en_bus[32], adc_bus[32], name[96];
    snprintf(tier_bus, sizeof tier_bus, "[%u:0]", tier_w - 1);
    snprintf(en_bus, sizeof en_bus, "[%u:0]", l.tiers - 1);
    snprintf(adc_bus, sizeof adc_bus, "[%u:0]", l.adcs - 1);
    /* a row with a NULL signal starts a new group named by its bus field */
    const struct { const char *signal, *bus; aimc_gtkw_style style; } rows[] = {
        {NULL, "tier-select controller", 0},
        {"clk", "", AIMC_GTKW_BIT},         {"rst_n", "", AIMC_GTKW_BIT},
        {"ctrl.state", "[1:0]", AIMC_GTKW_ENUM}, {"req_valid", "", AIMC_GTKW_BIT},
        {"req_ready", "", AIMC_GTKW_BIT},   {"req_tier", tier_bus, AIMC_GTKW_DEC},
        {"req_tag", "[15:0]", AIMC_GTKW_DEC}, {"tier_en", en_bus, AIMC_GTKW_BIN},
        {"active_tier", tier_bus, AIMC_GTKW_DEC}, {"switching", "", AIMC_GTKW_BIT},
        {NULL, "MVM phases", 0},
        {"ph", "[2:0]", AIMC_GTKW_ENUM},    {"mvm_start", "", AIMC_GTKW_BIT},
        {"mvm_done", "", AIMC_GTKW_BIT},    {"done_valid", "", AIMC_GTKW_BIT},
        {"done_tag", "[15:0]", AIMC_GTKW_DEC},
        {NULL, "DAC row drivers", 0},
        {"dac.state", "[1:0]", AIMC_GTKW_ENUM},  {"dac_drive_cycle", "[15:0]", AIMC_GTKW_DEC},
        {"dac_drive_len", "[15:0]", AIMC_GTKW_DEC}, {"dac.conversions", "[31:0]", AIMC_GTKW_DEC},
        {"dac.pulses", "[31:0]", AIMC_GTKW_DEC}, {"dac_done", "", AIMC_GTKW_BIT}, {"dac_empty", "", AIMC_GTKW_BIT},
        {NULL, "integration", 0},
        {"integrating", "", AIMC_GTKW_BIT}, {"integrate_left", "[15:0]", AIMC_GTKW_DEC},
        {"adc_start", "", AIMC_GTKW_BIT},
        {NULL, "ADC column bank (SAR)", 0},
        {"adc.state", "[1:0]", AIMC_GTKW_ENUM}, {"adc_mux", "[15:0]", AIMC_GTKW_DEC},
        {"adc_bit", "[4:0]", AIMC_GTKW_DEC}, {"#planes", adc_bus, AIMC_GTKW_HEX},
        {"adc_cmp", adc_bus, AIMC_GTKW_HEX}, {"adc_valid", "", AIMC_GTKW_BIT},
        {"adc_valid_mux", "[15:0]", AIMC_GTKW_DEC}, {"adc_sat", adc_bus, AIMC_GTKW_HEX},
        {NULL, "events and counters", 0},
        {"done_dac_conversions", "[31:0]", AIMC_GTKW_DEC}, {"done_drive_pulses", "[31:0]", AIMC_GTKW_DEC},
        {"done_conversions", "[31:0]", AIMC_GTKW_DEC},
        {"done_saturated", "[31:0]", AIMC_GTKW_DEC}, {"done_buffer_accesses", "[31:0]", AIMC_GTKW_DEC},
        {"switch_count", "[31:0]", AIMC_GTKW_ANALOG}, {"mvm_count", "[31:0]", AIMC_GTKW_ANALOG},
        {"dac_conversions_total", "[63:0]", AIMC_GTKW_ANALOG}, {"drive_pulses_total", "[63:0]", AIMC_GTKW_ANALOG},
        {"conversions_total", "[63:0]", AIMC_GTKW_ANALOG},
        {"saturated_total", "[63:0]", AIMC_GTKW_ANALOG},
    };
    const char *group = NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!rows[i].signal) {
            if (group)
                aimc_gtkw_group_end(g, group);
            aimc_gtkw_group_begin(g, group = rows[i].bus);
            continue;
        }
        if (strcmp(rows[i].signal, "#planes") == 0) {
            /* the SAR registers, bit-plane-major: plane k holds bit k of every converter (bit a = converter a) */
            for (unsigned k = l.b_out_bits; k-- > 0;) {
                snprintf(name, sizeof name, "top.tile.adc.plane[%u]%s", k, rows[i].bus);
                aimc_gtkw_signal(g, name, rows[i].style);
            }
            continue;
        }
        snprintf(name, sizeof name, "top.tile.%s%s", rows[i].signal, rows[i].bus);
        aimc_gtkw_signal(g, name, rows[i].style);
    }
    aimc_gtkw_group_end(g, group);
}

static int write_layout(const char *trace, const aimc_ledger *ledger, uint32_t period_ps, const char *layout,
                        aimc_error *err)
{
    char rel[1024]; /* the trace's name: it is in the layout's folder */
    aimc_relative_path(layout, trace, rel, sizeof rel);
    aimc_gtkw *g = aimc_gtkw_create(rel);
    if (!g)
        return aimc_fail(err, "%s: out of memory for the layout", layout);
    aimc_gtkw_token_view(g, ledger, period_ps, 0);
    add_tile_signals(g);
    int rc = aimc_gtkw_write(g, layout, err);
    aimc_gtkw_destroy(g);
    return rc;
}

static json_object *config_echo(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, uint32_t tiers)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "chip", json_object_new_string(chip->name));
    json_object_object_add(c, "chip_file", json_object_new_string(chip->path));
    json_object_object_add(c, "clock_period_ps", json_object_new_int64((int64_t)chip->clock_period_ps));
    json_object_object_add(c, "tiers", json_object_new_int64(tiers));
    json_object_object_add(c, "rows", json_object_new_int64(chip->tile.rows));
    json_object_object_add(c, "cols", json_object_new_int64(chip->tile.cols));
    json_object_object_add(c, "tier_switch_cycles", json_object_new_int64(chip->tile.tier_switch_cycles));
    const aimc_periphery_config *p = &chip->periphery;
    json_object_object_add(c, "dac_mode", json_object_new_string(aimc_dac_mode_name(p->dac_mode)));
    json_object_object_add(c, "b_in_bits", json_object_new_int64(p->b_in_bits));
    json_object_object_add(c, "b_out_bits", json_object_new_int64(p->b_out_bits));
    json_object_object_add(c, "columns_per_adc", json_object_new_int64(p->adc_columns_per_adc));
    json_object_object_add(c, "integrate_cycles", json_object_new_int64(p->integrate_cycles));
    json_object_object_add(c, "tier_switch_energy_pJ", aimc_json_pJ(aimc_tile_switch_energy(chip)));
    json_object_object_add(c, "dac_row_drive_energy_pJ", aimc_json_pJ(p->energy.dac_row_drive));
    json_object_object_add(c, "crossbar_integration_energy_pJ", aimc_json_pJ(p->energy.crossbar_integration));
    json_object_object_add(c, "adc_conversion_energy_pJ", aimc_json_pJ(p->energy.adc_conversion));
    json_object_object_add(c, "buffer_access_energy_pJ", aimc_json_pJ(p->energy.buffer_access));
    json_object_object_add(c, "leakage_pJ_per_tile_ns", aimc_json_double(p->energy.leakage_pJ_per_tile_ns, 6));
    json_object_object_add(c, "tokens", json_object_new_int64(o->tokens));
    json_object_object_add(c, "mvms_per_token", json_object_new_int64(o->mvms_per_token));
    json_object_object_add(c, "stay_probability", aimc_json_double(o->stay_probability, 6));
    json_object_object_add(c, "valid_probability", aimc_json_double(o->valid_probability, 6));
    json_object_object_add(c, "numeric", json_object_new_boolean(o->numeric));
    json_object_object_add(c, "ideal", json_object_new_boolean(o->ideal));
    json_object_object_add(c, "seed", json_object_new_uint64(o->seed));
    return c;
}

static void print_summary(const aimc_chip_config *chip, const aimc_cosim_tile_result *r, uint32_t tokens)
{
    uint64_t ps = (uint64_t)chip->clock_period_ps;
    char t[48], e[48];
    aimc_format_ns(r->cycles, ps, t, sizeof t);
    printf("cosim: %" PRIu64 " cycles (%s ns at %" PRIu64 " ps/cycle), %" PRIu64 " MVMs, %" PRIu64 " tier switches\n",
           r->cycles, t, ps, r->mvms, r->switches);
    aimc_format_pJ(aimc_ledger_chip_total(r->ledger), e, sizeof e);
    printf("energy: %s pJ in total, %.3f nJ per token (%u tokens)\n", e,
           aimc_fJ_to_nJ(aimc_ledger_chip_total(r->ledger)) / tokens, tokens);
    for (int c = 0; c < AIMC_E_COUNT; c++) {
        aimc_fJ v = aimc_ledger_chip_energy(r->ledger, (aimc_energy_component)c);
        if (v) {
            aimc_format_pJ(v, e, sizeof e);
            printf("  %-12s %14s pJ\n", aimc_energy_component_name((aimc_energy_component)c), e);
        }
    }
    printf("events (RTL): %" PRIu64 " DAC conversions (%" PRIu64 " row-drive pulses), %" PRIu64
           " ADC conversions (%" PRIu64 " saturated); longest MVM %" PRIu64 " cycles; output code error RMS %.4f LSB\n",
           r->dac_conversions, r->drive_pulses, r->conversions, r->saturated, r->max_mvm_cycles, r->code_error_rms);
    printf("scoreboards: %" PRIu64 " signal mismatches vs the reference model, %" PRIu64
           " conversions off the ideal quantizer, %" PRIu64 " output codes off the quantized product (ideal runs), %"
           PRIu64 " MVMs off the closed form, %" PRIu64 " cycles with OTT violated, %" PRIu64
           " RTL assertion failures\n",
           r->signal_mismatches, r->conversion_mismatches, r->golden_mismatches, r->closed_form_mismatches,
           r->ott_violations, r->rtl_assertion_failures);
    if (r->signal_mismatches)
        printf("  first mismatch: %s\n", r->first_mismatch);
    if (r->closed_form_mismatches)
        printf("  first closed-form mismatch: %s\n", r->first_closed_form_mismatch);
}

/* Before anything runs: every output can be created, each is a file of its own, none is the chip file. */
static int check_outputs(const cosim_args *a, const char *layout, aimc_error *err)
{
    const aimc_named_path outs[] = {{"cosim --trace", a->trace}, {"cosim --trace (its layout)", layout},
                                    {"cosim --report", a->report}, {"cosim --csv", a->csv},
                                    {"cosim --record", a->record}, {"cosim --saif", a->saif}};
    const aimc_named_path ins[] = {{"--chip", a->chip}};
    return aimc_outputs_check(outs, sizeof outs / sizeof outs[0], ins, 1, err);
}

/* Writes the report and the CSV; written[0], [1] say which ones were (to remove them if a later output fails). */
static int write_outputs(const cosim_args *a, const aimc_chip_config *chip, const aimc_cosim_tile_options *o,
                         aimc_cosim_tile_result *r, uint32_t tiers, bool written[2], aimc_error *err)
{
    if (a->report) {
        json_object *counters = json_object_new_object();
        json_object_object_add(counters, "mvms", json_object_new_uint64(r->mvms));
        json_object_object_add(counters, "tier_switches", json_object_new_uint64(r->switches));
        json_object_object_add(counters, "signal_mismatches", json_object_new_uint64(r->signal_mismatches));
        json_object_object_add(counters, "conversion_mismatches", json_object_new_uint64(r->conversion_mismatches));
        json_object_object_add(counters, "golden_mismatches", json_object_new_uint64(r->golden_mismatches));
        json_object_object_add(counters, "closed_form_mismatches", json_object_new_uint64(r->closed_form_mismatches));
        json_object_object_add(counters, "dac_conversions", json_object_new_uint64(r->dac_conversions));
        json_object_object_add(counters, "row_drive_pulses", json_object_new_uint64(r->drive_pulses));
        json_object_object_add(counters, "conversions", json_object_new_uint64(r->conversions));
        json_object_object_add(counters, "saturated_conversions", json_object_new_uint64(r->saturated));
        json_object_object_add(counters, "ott_violations", json_object_new_uint64(r->ott_violations));
        json_object_object_add(counters, "rtl_assertion_failures", json_object_new_uint64(r->rtl_assertion_failures));
        aimc_energy_report info = {.engine = "cosim-tile", .clock_period_ps = (uint64_t)chip->clock_period_ps,
                                   .cycles = r->cycles, .config = config_echo(chip, o, tiers), .counters = counters};
        if (aimc_energy_report_write_json(a->report, r->ledger, &info, err))
            return -1;
        written[0] = true;
        printf("report: %s\n", a->report);
    }
    if (a->csv) {
        if (aimc_energy_report_write_csv(a->csv, r->ledger, (uint64_t)chip->clock_period_ps, NULL, NULL, err))
            return -1;
        written[1] = true;
        printf("csv: %s\n", a->csv);
    }
    return 0;
}

/* The tile's switching activity over the whole run, from its finished waveform. */
static int write_saif(const cosim_args *a, const char *trace, const aimc_chip_config *chip, aimc_error *err)
{
    aimc_activity_summary s;
    if (aimc_activity_trace_to_saif(trace, aimc_vtile_trace_format(), a->saif, "tile", 0, 0,
                                    (uint64_t)chip->clock_period_ps / 2, &s, err))
        return -1;
    printf("saif: %s (SAIF 2.0: %" PRIu64 " nets, %" PRIu64 " bits, %" PRIu64 " toggles over %" PRIu64 " ps)\n",
           a->saif, s.nets, s.bits, s.toggles, s.end - s.begin);
    return 0;
}

static void options_from_args(const cosim_args *a, aimc_cosim_tile_options *o)
{
    aimc_cosim_tile_defaults(o);
    o->tiers = (uint32_t)a->tiers;
    o->tokens = (uint32_t)a->tokens;
    o->mvms_per_token = (uint32_t)a->mvms_per_token;
    o->stay_probability = a->stay;
    o->valid_probability = a->valid;
    o->seed = (uint64_t)a->seed;
    o->numeric = !a->no_numeric;
    o->ideal = a->ideal;
    o->check = !a->no_check;
}

/* Command-line overrides of the preset's periphery; the RTL fit and the divisibility of the columns are
 * checked with the preset's own values by aimc_cosim_tile_check_chip. */
static int apply_overrides(const cosim_args *a, aimc_chip_config *chip, aimc_error *err)
{
    aimc_periphery_config *p = &chip->periphery;
    if (a->dac_mode) {
        if (strcmp(a->dac_mode, "pwm") == 0)
            p->dac_mode = AIMC_DAC_PWM;
        else if (strcmp(a->dac_mode, "bit_serial") == 0)
            p->dac_mode = AIMC_DAC_BIT_SERIAL;
        else
            return aimc_fail(err, "cosim --dac-mode: expected pwm or bit_serial, got \"%s\"", a->dac_mode);
    }
    if (a->b_in >= 0)
        p->b_in_bits = (uint32_t)a->b_in;
    if (a->b_out >= 0)
        p->b_out_bits = (uint32_t)a->b_out;
    if (a->mux >= 0 && chip->tile.cols % (uint32_t)a->mux != 0) /* blame the option, not the preset */
        return aimc_fail(err, "cosim --mux: expected a divisor of the tile's %u columns (%s), got %ld", chip->tile.cols,
                         a->chip, a->mux);
    if (a->mux >= 0)
        p->adc_columns_per_adc = (uint32_t)a->mux;
    if (a->integrate_cycles >= 0)
        p->integrate_cycles = (uint32_t)a->integrate_cycles;
    return 0;
}

/* The waveform (the trace, or a SAIF's private one) and the record go to temporaries the RTL run writes by name
 * (core/output_file.h); renamed into place once every output succeeded. */
typedef struct {
    aimc_output_file *trace, *record;
} staged;

static int stage(const cosim_args *a, staged *st, aimc_error *err)
{
    char *private_trace = NULL; /* a SAIF without --trace is read from a waveform of its own */
    if (!a->trace && a->saif) {
        size_t n = strlen(a->saif) + 8;
        if (!(private_trace = malloc(n)))
            return aimc_fail(err, "cosim: out of memory");
        snprintf(private_trace, n, "%s.trace", a->saif);
    }
    const char *trace = a->trace ? a->trace : private_trace;
    int rc = trace && !(st->trace = aimc_trace_output_reserve(trace, err)) ? -1 : 0;
    free(private_trace);
    if (!rc && a->record && !(st->record = aimc_output_reserve(a->record, err)))
        rc = -1;
    return rc;
}

static void discard(staged *st)
{
    aimc_output_abort(st->trace);
    aimc_output_abort(st->record);
    st->trace = st->record = NULL;
}

/* A signal stopped the run: the trace (closed, so readable) is published with the run up to there. */
static int keep_trace(const cosim_args *a, staged *st, aimc_error *err)
{
    aimc_error e;
    aimc_output_file *trace = a->trace ? st->trace : NULL;
    if (trace)
        st->trace = NULL;
    discard(st);
    if (!trace)
        return -1;
    char shown[AIMC_PATH_SHOWN];
    if (aimc_trace_output_commit(trace, &e)) {
        *err = e;
        return -1;
    }
    size_t len = strlen(err->msg);
    snprintf(err->msg + len, sizeof err->msg - len, "; the trace up to there: %s", aimc_path_shown(a->trace, shown));
    return -1;
}

static int run(const cosim_args *a, aimc_error *err)
{
    aimc_chip_config chip;
    char *layout = a->trace ? aimc_layout_path_new(a->trace) : NULL; /* <trace without extension>.gtkw */
    if (a->trace && !layout)
        return aimc_fail(err, "cosim: out of memory");
    int rc = check_outputs(a, layout, err) || aimc_chip_config_load(a->chip, &chip, err) ? -1 : 0;
    if (!rc && a->switch_cycles >= 0)
        chip.tile.tier_switch_cycles = (uint32_t)a->switch_cycles;
    staged st = {NULL, NULL};
    if (rc || apply_overrides(a, &chip, err) || stage(a, &st, err)) {
        discard(&st);
        free(layout);
        return -1;
    }
    aimc_cosim_tile_options o;
    options_from_args(a, &o);
    o.trace_path = st.trace ? aimc_output_temp_path(st.trace) : NULL;
    o.trace_name = a->trace;
    o.record_path = st.record ? aimc_output_temp_path(st.record) : NULL;
    aimc_cosim_tile_result r;
    if (aimc_cosim_tile_run(&chip, &o, &r, err)) {
        if (aimc_interrupt_signal() && !r.trace_failed)
            keep_trace(a, &st, err);
        discard(&st);
        free(layout);
        return -1;
    }
    uint32_t tiers = o.tiers ? o.tiers : chip.tile.tiers;
    print_summary(&chip, &r, o.tokens);
    bool written[2] = {false, false};
    rc = write_outputs(a, &chip, &o, &r, tiers, written, err);
    bool saif_written = false;
    if (!rc && a->saif)
        saif_written = !(rc = write_saif(a, o.trace_path, &chip, err));
    if (!a->trace) { /* the SAIF's private waveform */
        aimc_output_abort(st.trace);
        st.trace = NULL;
    }
    aimc_output_file *record = st.record, *trace = st.trace;
    st.record = st.trace = NULL;
    bool record_written = false, trace_written = false;
    rc = rc ? (aimc_output_abort(record), rc) : aimc_output_commit(record, err);
    record_written = !rc && record;
    rc = rc ? (aimc_output_abort(trace), rc) : aimc_trace_output_commit(trace, err);
    trace_written = !rc && trace;
    if (!rc && a->trace && !(rc = write_layout(a->trace, r.ledger, (uint32_t)chip.clock_period_ps, layout, err)))
        printf("trace: %s (%s)\nlayout: %s (open with: gtkwave %s)\n", a->trace, aimc_vtile_trace_format(), layout,
               layout);
    if (rc) { /* nothing is left: the outputs written before the one that failed go too */
        const char *done[] = {written[0] ? a->report : NULL, written[1] ? a->csv : NULL, saif_written ? a->saif : NULL,
                              record_written ? a->record : NULL, trace_written ? a->trace : NULL};
        for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
            if (done[i])
                remove(done[i]);
    }
    if (!rc && a->record)
        printf("record: %s\n", a->record);
    aimc_ledger_destroy(r.ledger);
    free(layout);
    if (rc)
        return -1;
    return r.signal_mismatches || r.conversion_mismatches || r.golden_mismatches || r.closed_form_mismatches ||
                   r.ott_violations || r.rtl_assertion_failures
               ? 1
               : 0;
}

int aimc_cli_cosim(int argc, char **argv)
{
    cosim_args a = {.chip = "paper", .tiers = 0, .switch_cycles = -1, .tokens = 64, .mvms_per_token = 4, .seed = 1,
                    .b_in = -1, .b_out = -1, .mux = -1, .integrate_cycles = -1, .stay = 0.5, .valid = 0.8};
    const aimc_cli_opt opts[] = {
        {"--chip", CLI_STRING, &a.chip, 0, 0, "chip preset name or JSON file (default paper)"},
        {"--tiers", CLI_LONG, &a.tiers, 1, 32, "tiers in use, <= the RTL's TIERS (default: the preset's)"},
        {"--switch-cycles", CLI_LONG, &a.switch_cycles, 0, 65535, "tier switch time in cycles (default: preset)"},
        {"--dac-mode", CLI_STRING, &a.dac_mode, 0, 0, "DAC drive: pwm or bit_serial (default: preset)"},
        {"--b-in", CLI_LONG, &a.b_in, 2, 16, "DAC resolution in bits, signed (default: preset)"},
        {"--b-out", CLI_LONG, &a.b_out, 1, 16, "ADC resolution in bits (default: preset)"},
        {"--mux", CLI_LONG, &a.mux, 1, 65535, "columns per ADC, M (default: preset)"},
        {"--integrate-cycles", CLI_LONG, &a.integrate_cycles, 0, 65535, "integration phase in cycles (default: preset)"},
        {"--tokens", CLI_LONG, &a.tokens, 1, 65536, "tokens issuing MVMs (default 64)"},
        {"--mvms-per-token", CLI_LONG, &a.mvms_per_token, 1, 1000000, "MVM requests per token (default 4)"},
        {"--stay", CLI_DOUBLE, &a.stay, 0, 1, "probability a request stays on the previous tier (default 0.5)"},
        {"--valid", CLI_DOUBLE, &a.valid, 1e-6, 1, "probability per cycle an idle requester issues (default 0.8)"},
        {"--seed", CLI_LONG, &a.seed, 0, 4294967295.0, "random seed (default 1)"},
        {"--trace", CLI_STRING, &a.trace, 0, 0, "waveform file (FST, or VCD if built so); a .gtkw goes beside it"},
        {"--report", CLI_STRING, &a.report, 0, 0, "per-token energy report, JSON"},
        {"--csv", CLI_STRING, &a.csv, 0, 0, "per-token energy table, CSV"},
        {"--record", CLI_STRING, &a.record, 0, 0, "every cycle's inputs and RTL outputs, for replay (iverilog)"},
        {"--saif", CLI_STRING, &a.saif, 0, 0, "switching activity per net of the whole run, SAIF 2.0 (from the waveform)"},
        {"--no-numeric", CLI_FLAG, &a.no_numeric, 0, 0, "timing and energy only: seeded activation codes, comparators 0"},
        {"--ideal", CLI_FLAG, &a.ideal, 0, 0, "every analog non-ideality off (outputs = the quantized product)"},
        {"--no-check", CLI_FLAG, &a.no_check, 0, 0, "skip the scoreboards (for benchmarks)"},
    };
    aimc_error err;
    int parsed = aimc_cli_parse("cosim", argc, argv, opts, sizeof opts / sizeof opts[0],
                                "Co-simulates one 3D tile: the Verilated tier-select controller and DAC/ADC periphery\n"
                                "clocked cycle by cycle, the C analog model supplying column values and comparator\n"
                                "decisions, scoreboards, trace and energy report.",
                                &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    aimc_interrupt_install(); /* SIGINT/SIGTERM stop at the next safe point: exit 130/143 (core/interrupt.h) */
    int rc = run(&a, &err);
    return rc < 0 ? aimc_cli_error(&err) : rc;
}
