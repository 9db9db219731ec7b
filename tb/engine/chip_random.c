#include "chip_random.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/energy_ledger.h"
#include "core/rng.h"
#include "engine/cosim_backend.h"
#include "engine/dispatch_table.h"
#include "engine/fast_backend.h"
#include "params/chip_params.h"
#include "shim/vchip.h"
#include "system/chip_config.h"

#define MAX_DONE 64
#define HANG_CYCLES UINT64_C(10000000) /* groups in flight and no completion for this long: a hang */

typedef struct {
    chip_random_result *r;
    aimc_rng *rng;
    aimc_mvm_backend *rtl, *ref; /* cosim (Verilated chip) and fast (C reference) */
    bool diverged;
    bool slot_busy[AIMC_CHIP_SLOTS];
    uint32_t in_flight, trial;
    unsigned long seed;
} trial_state;

__attribute__((format(printf, 2, 3))) static void mismatch(trial_state *t, const char *fmt, ...)
{
    if (t->r->mismatches++ == 0) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(t->r->first_mismatch, sizeof t->r->first_mismatch, "seed %lu trial %u: %s", t->seed, t->trial, what);
    }
}

static int fail(chip_random_result *r, const char *what, const char *msg)
{
    snprintf(r->first_error, sizeof r->first_error, "%s: %s", what, msg);
    return -1;
}

/* One advance of both backends to `until`: the same completions in the same cycle, and the same time after. */
static void step(trial_state *t, uint64_t until)
{
    uint32_t ds_rtl[MAX_DONE], ds_ref[MAX_DONE], n_rtl = 0, n_ref = 0;
    uint64_t dc_rtl = 0, dc_ref = 0;
    aimc_error err;
    uint64_t from = aimc_mvm_backend_now(t->rtl);
    if (aimc_mvm_backend_advance(t->rtl, until, ds_rtl, &n_rtl, &dc_rtl, &err) ||
        aimc_mvm_backend_advance(t->ref, until, ds_ref, &n_ref, &dc_ref, &err)) {
        mismatch(t, "advance failed: %s", err.msg);
        t->diverged = true;
        return;
    }
    if (n_rtl != n_ref || (n_rtl && dc_rtl != dc_ref) ||
        aimc_mvm_backend_now(t->rtl) != aimc_mvm_backend_now(t->ref)) {
        mismatch(t, "advance from cycle %llu: RTL completes %u group(s) at cycle %llu, the reference %u at %llu",
                 (unsigned long long)from, n_rtl, (unsigned long long)(n_rtl ? dc_rtl : 0), n_ref,
                 (unsigned long long)(n_ref ? dc_ref : 0));
        t->diverged = true;
        return;
    }
    for (uint32_t i = 0; i < n_rtl; i++) {
        if (ds_rtl[i] != ds_ref[i]) {
            mismatch(t, "cycle %llu: RTL completes slot %u, the reference slot %u", (unsigned long long)dc_rtl,
                     ds_rtl[i], ds_ref[i]);
            t->diverged = true;
            return;
        }
        t->slot_busy[ds_rtl[i]] = false;
        t->in_flight--;
    }
    if (n_rtl == 0 && t->in_flight && until - from >= HANG_CYCLES) {
        mismatch(t, "no completion in %llu cycles from %llu with %u groups in flight", (unsigned long long)(until - from),
                 (unsigned long long)from, t->in_flight);
        t->diverged = true;
    }
}

/* A chip drawn around the base: tiles, tiers, switch time, DAC mode and bits, ADC bits and mux, integration. */
static void draw_chip(aimc_rng *rng, uint32_t max_tiles, aimc_chip_config *chip)
{
    /* mostly chips of the smallest build's size or less; a quarter larger ones (the next build) when allowed */
    uint32_t small = aimc_vchip_params_for(1)->tiles < max_tiles ? aimc_vchip_params_for(1)->tiles : max_tiles;
    if (max_tiles > small && aimc_rng_uniform_int(rng, 4) == 0)
        chip->tile.tiles = small + 1 + aimc_rng_uniform_int(rng, max_tiles - small);
    else
        chip->tile.tiles = 1 + aimc_rng_uniform_int(rng, small);
    chip->tile.tiers = 2 + aimc_rng_uniform_int(rng, AIMC_TILE_TIERS_BUILD - 1);
    chip->tile.tier_switch_cycles = aimc_rng_uniform_int(rng, 7); /* 0: a switch that takes no cycles */
    aimc_periphery_config *p = &chip->periphery;
    p->dac_mode = aimc_rng_uniform_int(rng, 2) ? AIMC_DAC_PWM : AIMC_DAC_BIT_SERIAL; /* PWM: K depends on codes */
    p->b_in_bits = 2 + aimc_rng_uniform_int(rng, 7);    /* 2 .. 8, the tile RTL's B_IN */
    p->b_out_bits = 1 + aimc_rng_uniform_int(rng, 8);   /* 1 .. 8 */
    p->adc_columns_per_adc = 1u << aimc_rng_uniform_int(rng, 4); /* divisors of the 64 columns */
    p->integrate_cycles = aimc_rng_uniform_int(rng, 4);
}

static aimc_dispatch_table *draw_table(aimc_rng *rng, const aimc_chip_config *chip, uint32_t *layers_out,
                                       uint32_t *units_out, uint32_t *phases_out)
{
    uint32_t layers = 1 + aimc_rng_uniform_int(rng, 4), units = 2 + aimc_rng_uniform_int(rng, 11),
             phases = 1 + aimc_rng_uniform_int(rng, 2);
    /* few tiers in use: long same-tier runs; many: a switch at nearly every job */
    uint32_t tiers_used = 1 + aimc_rng_uniform_int(rng, chip->tile.tiers);
    aimc_dispatch_table *t = aimc_dispatch_table_create(layers, units, phases);
    if (!t)
        return NULL;
    for (uint32_t l = 0; l < layers; l++)
        for (uint32_t u = 0; u < units; u++)
            for (uint32_t p = 0; p < phases; p++)
                for (uint32_t k = 1 + aimc_rng_uniform_int(rng, 6); k > 0; k--) {
                    aimc_dispatch_block b = {aimc_rng_uniform_int(rng, chip->tile.tiles),
                                             (uint16_t)aimc_rng_uniform_int(rng, tiers_used),
                                             (uint16_t)aimc_rng_uniform_int(rng, 4), 0};
                    aimc_error err;
                    if (aimc_dispatch_table_add(t, l, u, p, b, &err)) {
                        aimc_dispatch_table_destroy(t);
                        return NULL;
                    }
                }
    aimc_dispatch_table_finish(t);
    *layers_out = layers;
    *units_out = units;
    *phases_out = phases;
    return t;
}

static void compare_end(trial_state *t, const aimc_chip_config *chip, const aimc_ledger *lr, const aimc_ledger *lf,
                        uint32_t layers)
{
    const aimc_backend_stats *a = aimc_mvm_backend_stats(t->rtl), *b = aimc_mvm_backend_stats(t->ref);
    if (a->jobs != b->jobs || a->tier_switches != b->tier_switches)
        mismatch(t, "RTL %llu jobs and %llu switches, the reference %llu and %llu", (unsigned long long)a->jobs,
                 (unsigned long long)a->tier_switches, (unsigned long long)b->jobs,
                 (unsigned long long)b->tier_switches);
    for (uint32_t T = 0; T < chip->tile.tiles; T++)
        if (a->busy_cycles[T] != b->busy_cycles[T] || a->conflict_cycles[T] != b->conflict_cycles[T] ||
            a->stall_cycles[T] != b->stall_cycles[T])
            mismatch(t, "tile %u: busy/conflict/stall cycles RTL %llu/%llu/%llu, the reference %llu/%llu/%llu", T,
                     (unsigned long long)a->busy_cycles[T], (unsigned long long)a->conflict_cycles[T],
                     (unsigned long long)a->stall_cycles[T], (unsigned long long)b->busy_cycles[T],
                     (unsigned long long)b->conflict_cycles[T], (unsigned long long)b->stall_cycles[T]);
    if (aimc_ledger_tokens(lr) != aimc_ledger_tokens(lf))
        mismatch(t, "ledger tokens %zu, the reference %zu", aimc_ledger_tokens(lr), aimc_ledger_tokens(lf));
    for (int c = 0; c < AIMC_E_COUNT; c++)
        for (uint32_t tok = 0; tok < aimc_ledger_tokens(lr) && tok < aimc_ledger_tokens(lf); tok++)
            for (uint32_t l = 0; l < layers; l++) {
                aimc_fJ x = aimc_ledger_token_layer_energy(lr, tok, l, (aimc_energy_component)c),
                        y = aimc_ledger_token_layer_energy(lf, tok, l, (aimc_energy_component)c);
                if (x != y)
                    mismatch(t, "token %u layer %u %s: RTL %lld fJ, the reference %lld fJ", tok, l,
                             aimc_energy_component_name((aimc_energy_component)c), (long long)x, (long long)y);
            }
}

static int one_trial(trial_state *t, const aimc_chip_config *base, uint32_t max_tiles, uint64_t length, bool verbose)
{
    chip_random_result *r = t->r;
    aimc_rng *rng = t->rng;
    aimc_chip_config chip = *base;
    draw_chip(rng, max_tiles, &chip);
    uint32_t layers, units, phases;
    aimc_dispatch_table *table = draw_table(rng, &chip, &layers, &units, &phases);
    if (!table)
        return fail(r, "chip random", "cannot build the mapping table");
    uint64_t codes_seed = aimc_rng_uniform_int(rng, 1u << 30);
    aimc_ledger *lr = aimc_ledger_create(layers), *lf = aimc_ledger_create(layers);
    aimc_error err;
    t->rtl = lr ? aimc_cosim_backend_create(&chip, table, codes_seed, lr, NULL, &err) : NULL;
    t->ref = t->rtl && lf ? aimc_fast_backend_create(&chip, table, AIMC_CHIP_QUEUE_DEPTH, AIMC_CHIP_SLOTS, codes_seed,
                                                     chip.periphery.b_in_bits, lf, &err)
                          : NULL;
    if (!t->rtl || !t->ref) {
        aimc_mvm_backend_destroy(t->rtl);
        aimc_ledger_destroy(lr);
        aimc_ledger_destroy(lf);
        aimc_dispatch_table_destroy(table);
        return fail(r, "chip random", lr && lf ? err.msg : "out of memory");
    }
    t->diverged = false;
    t->in_flight = 0;
    memset(t->slot_busy, 0, sizeof t->slot_busy);
    uint32_t limit = 1 + aimc_rng_uniform_int(rng, AIMC_CHIP_SLOTS); /* groups kept in flight at most */
    uint32_t max_gap = 1 + aimc_rng_uniform_int(rng, 400);
    uint64_t last_submit = 0, commands = 0;
    while (!t->diverged && aimc_mvm_backend_now(t->rtl) < length) {
        uint64_t now = aimc_mvm_backend_now(t->rtl);
        /* gaps: often none (back-to-back pressure), sometimes long (idle tiles, gated clocks) */
        uint32_t g = aimc_rng_uniform_int(rng, 10);
        uint64_t gap = g < 5 ? 0 : g < 8 ? aimc_rng_uniform_int(rng, 4) : aimc_rng_uniform_int(rng, max_gap + 1);
        uint64_t target = (aimc_rng_uniform_int(rng, 8) == 0 || now > last_submit ? now : last_submit) + gap;
        if (aimc_rng_uniform_int(rng, 4) == 0 && target > now) /* a partial advance first */
            step(t, now + 1 + aimc_rng_uniform_int(rng, (uint32_t)(target - now)));
        while (!t->diverged && aimc_mvm_backend_now(t->rtl) < target)
            step(t, target);
        while (!t->diverged && t->in_flight >= limit)
            step(t, aimc_mvm_backend_now(t->rtl) + HANG_CYCLES);
        if (t->diverged)
            break;
        if (target < aimc_mvm_backend_now(t->rtl))
            target = aimc_mvm_backend_now(t->rtl);
        uint32_t slot = aimc_rng_uniform_int(rng, AIMC_CHIP_SLOTS);
        while (t->slot_busy[slot])
            slot = (slot + 1) % AIMC_CHIP_SLOTS;
        aimc_mvm_command c = {.slot = slot, .token = aimc_rng_uniform_int(rng, 64),
                              .layer = aimc_rng_uniform_int(rng, layers), .phase = aimc_rng_uniform_int(rng, phases)};
        c.nunits = 1 + aimc_rng_uniform_int(rng, units < AIMC_MAX_GROUP_UNITS ? units : AIMC_MAX_GROUP_UNITS);
        uint32_t start = aimc_rng_uniform_int(rng, units); /* distinct units, in a rotated order */
        for (uint32_t u = 0; u < c.nunits; u++)
            c.unit[u] = (start + u) % units;
        if (aimc_mvm_backend_submit(t->rtl, target, &c, &err) || aimc_mvm_backend_submit(t->ref, target, &c, &err)) {
            mismatch(t, "submit at cycle %llu failed: %s", (unsigned long long)target, err.msg);
            break;
        }
        last_submit = target;
        t->slot_busy[slot] = true;
        t->in_flight++;
        commands++;
    }
    while (!t->diverged && t->in_flight > 0) /* drain */
        step(t, aimc_mvm_backend_now(t->rtl) + HANG_CYCLES);
    if (!t->diverged)
        compare_end(t, &chip, lr, lf, layers);

    aimc_cosim_backend_report rep;
    aimc_cosim_backend_report_get(t->rtl, &rep);
    if (rep.scoreboard_errors && !r->scoreboard_errors)
        snprintf(r->first_error, sizeof r->first_error, "seed %lu trial %u: %s", t->seed, t->trial, rep.first_error);
    r->scoreboard_errors += rep.scoreboard_errors;
    r->ott_violation_cycles += rep.ott_violation_cycles;
    r->rtl_assertion_failures += rep.rtl_assertion_failures;
    r->energy_monitor_errors += rep.energy_monitor_delta_fJ != 0;
    const aimc_backend_stats *st = aimc_mvm_backend_stats(t->rtl);
    uint64_t cycles = aimc_mvm_backend_now(t->rtl);
    r->cycles += cycles;
    r->commands += commands;
    r->jobs += st->jobs;
    r->switches += st->tier_switches;
    r->trials++;
    if (verbose)
        printf("  trial %u: %u tiles x %u tiers, switch %u, %s DAC %u bits, ADC %u bits M %u, integrate %u; "
               "%llu cycles, %llu commands, %llu jobs, %llu switches, in flight <= %u, gaps <= %u cycles%s\n",
               t->trial, chip.tile.tiles, chip.tile.tiers, chip.tile.tier_switch_cycles,
               chip.periphery.dac_mode == AIMC_DAC_PWM ? "PWM" : "bit-serial", chip.periphery.b_in_bits,
               chip.periphery.b_out_bits, chip.periphery.adc_columns_per_adc, chip.periphery.integrate_cycles,
               (unsigned long long)cycles, (unsigned long long)commands, (unsigned long long)st->jobs,
               (unsigned long long)st->tier_switches, limit, max_gap, t->diverged ? " (diverged)" : "");
    aimc_mvm_backend_destroy(t->rtl);
    aimc_mvm_backend_destroy(t->ref);
    aimc_ledger_destroy(lr);
    aimc_ledger_destroy(lf);
    aimc_dispatch_table_destroy(table);
    return 0;
}

int chip_random_run(const chip_random_options *o, chip_random_result *r)
{
    memset(r, 0, sizeof *r);
    aimc_chip_config base;
    aimc_error err;
    if (aimc_chip_config_load(o->chip, &base, &err))
        return fail(r, o->chip, err.msg);
    if (base.tile.cols != 64)
        return fail(r, o->chip, "the random chips draw M from the divisors of 64 columns");
    aimc_rng *rng = aimc_rng_create(o->seed);
    if (!rng)
        return fail(r, "chip random", "out of memory");
    trial_state t = {.r = r, .rng = rng, .seed = o->seed};
    int rc = 0;
    while (rc == 0 && r->cycles < o->cycles) {
        uint64_t left = o->cycles - r->cycles, length = 20000 + aimc_rng_uniform_int(rng, 100000);
        rc = one_trial(&t, &base, o->max_tiles, length < left ? length : left, o->verbose);
        t.trial++;
    }
    aimc_rng_destroy(rng);
    return rc;
}
