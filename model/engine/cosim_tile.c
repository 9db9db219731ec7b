#include "cosim_tile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "rng.h"
#include "tile3d.h"
#include "tile_ref.h"
#include "vtile.h"

void aimc_cosim_tile_defaults(aimc_cosim_tile_options *o)
{
    *o = (aimc_cosim_tile_options){
        .tiers = 0, .tokens = 64, .mvms_per_token = 4, .stay_probability = 0.5, .valid_probability = 0.8,
        .seed = 1, .noise_rel = 0.0, .numeric = true, .check = true, .trace_path = NULL,
    };
}

/* A request in flight: accepted by the RTL, not yet completed.  At most two are in flight (the next request
 * is accepted in the last compute cycle of the current one). */
typedef struct {
    uint32_t token;
    uint8_t tier;
    uint64_t accept_cycle;
    float *x, *y;
} inflight;

typedef struct {
    const aimc_chip_config *chip;
    const aimc_cosim_tile_options *opt;
    uint32_t tiers;
    aimc_rng *rng;
    aimc_tile3d *tile;       /* C crossbars (numeric runs) */
    aimc_vtile *rtl;
    aimc_tile_ref ref;
    FILE *record;
    inflight ring[4];
    unsigned head, count, started;
    aimc_cosim_tile_result *r;
} run_state;

static void fill_random(aimc_rng *rng, float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(2.0 * aimc_rng_uniform(rng) - 1.0);
}

static int program_tiers(run_state *s, aimc_error *err)
{
    const aimc_tile_config *tc = &s->chip->tile;
    s->tile = aimc_tile3d_create(s->tiers, tc->rows, tc->cols);
    float *w = malloc((size_t)tc->rows * tc->cols * sizeof *w);
    if (!s->tile || !w) {
        free(w);
        return aimc_fail(err, "cosim: out of memory for %u tiers of %ux%u", s->tiers, tc->rows, tc->cols);
    }
    for (uint32_t t = 0; t < s->tiers; t++) {
        fill_random(s->rng, w, (size_t)tc->rows * tc->cols);
        aimc_crossbar_program(aimc_tile3d_tier(s->tile, t), w, s->opt->noise_rel, s->opt->seed * 1000003u + t);
    }
    free(w);
    return 0;
}

/* Golden product in double from the programmed weights; returns the relative error of y. */
static double golden_error(const aimc_crossbar *xb, const float *x, const float *y)
{
    uint32_t rows = aimc_crossbar_rows(xb), cols = aimc_crossbar_cols(xb);
    const float *w = aimc_crossbar_weights(xb);
    double worst = 0;
    for (uint32_t o = 0; o < cols; o++) {
        double acc = 0, scale = 0;
        for (uint32_t i = 0; i < rows; i++) {
            acc += (double)w[(size_t)o * rows + i] * x[i];
            scale += fabs((double)w[(size_t)o * rows + i] * x[i]);
        }
        worst = fmax(worst, fabs(y[o] - acc) / (scale > 0 ? scale : 1));
    }
    return worst;
}

static void note_mismatch(run_state *s, uint64_t cycle, const char *field, long rtl, long ref)
{
    if (s->r->signal_mismatches++ == 0)
        snprintf(s->r->first_mismatch, sizeof s->r->first_mismatch, "cycle %llu: %s RTL=%ld reference=%ld",
                 (unsigned long long)cycle, field, rtl, ref);
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
    if (a->done_valid) CMP(done_tag)
    if (a->busy) CMP(active_tag)
#undef CMP
}

static int start_mvm(run_state *s, aimc_error *err)
{
    if (s->started >= s->count)
        return aimc_fail(err, "cosim: the RTL started an MVM with no request in flight");
    inflight *f = &s->ring[(s->head + s->started++) % 4];
    if (!s->opt->numeric)
        return 0;
    if (aimc_tile3d_select(s->tile, f->tier))
        s->r->c_side_switches++;
    return aimc_tile3d_mvm(s->tile, f->tier, f->x, f->y, err);
}

static int complete(run_state *s, const aimc_vtile_out *out, uint64_t cycle, aimc_error *err)
{
    if (s->count == 0 || s->started == 0)
        return aimc_fail(err, "cosim: the RTL completed an MVM that was never started");
    inflight *f = &s->ring[s->head];
    if (out->done_tag != f->token)
        return aimc_fail(err, "cosim: completion tag %u, expected token %u", out->done_tag, f->token);
    aimc_ledger_book(s->r->ledger, f->token, -1, AIMC_E_CROSSBAR, s->chip->energy.tier_mvm);
    aimc_ledger_touch(s->r->ledger, f->token, f->accept_cycle, cycle);
    if (s->opt->numeric && s->opt->check) {
        double e = golden_error(aimc_tile3d_tier(s->tile, f->tier), f->x, f->y);
        s->r->max_result_error = fmax(s->r->max_result_error, e);
        if (e > 1e-5) /* float accumulation over <= 8192 terms stays far below this */
            s->r->result_mismatches++;
    }
    s->head = (s->head + 1) % 4;
    s->count--;
    s->started--;
    return 0;
}

static int accept(run_state *s, uint32_t token, uint8_t tier, int last_tier, uint64_t cycle)
{
    inflight *f = &s->ring[(s->head + s->count) % 4];
    f->token = token;
    f->tier = tier;
    f->accept_cycle = cycle;
    if (s->opt->numeric)
        fill_random(s->rng, f->x, s->chip->tile.rows);
    if (last_tier != tier)
        aimc_ledger_book(s->r->ledger, token, -1, AIMC_E_TIER_SWITCH, s->chip->energy.tier_switch);
    s->count++;
    return 0;
}

/* One line per cycle, hex: inputs, then the RTL outputs seen during the cycle. */
static void record_cycle(FILE *f, const aimc_vtile_in *in, const aimc_vtile_out *o)
{
    fprintf(f, "%x %x %x %x %x %x  %x %x %x %x %x %x %x %x %x %x %x\n", in->rst_n, in->switch_cycles,
            in->compute_cycles, in->req_valid, in->req_tier, in->req_tag, o->req_ready, o->mvm_start, o->done_valid,
            o->done_tag, o->tier_en, o->busy, o->switching, o->state, o->active_tier, o->switch_count, o->mvm_count);
}

static int check_options(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, uint32_t tiers,
                         aimc_error *err)
{
    if (tiers < 1 || tiers > aimc_vtile_tiers())
        return aimc_fail(err, "cosim: tiers: expected 1..%u (the tile RTL is built with TIERS=%u; rebuild with "
                              "-Dtile_tiers=N for more), got %u", aimc_vtile_tiers(), aimc_vtile_tiers(), tiers);
    if (o->tokens < 1 || o->tokens > 65536)
        return aimc_fail(err, "cosim: tokens: expected 1..65536 (16-bit token tags), got %u", o->tokens);
    if (o->mvms_per_token < 1)
        return aimc_fail(err, "cosim: mvms per token: expected at least 1");
    if (!(o->valid_probability > 0 && o->valid_probability <= 1))
        return aimc_fail(err, "cosim: valid probability: expected a number in (0, 1]");
    if (chip->tile.tier_switch_cycles > 65535 || chip->tile.mvm_compute_cycles > 65535)
        return aimc_fail(err, "%s: tile: cycle counts must fit the RTL's 16-bit configuration", chip->path);
    return 0;
}

static int simulate(run_state *s, aimc_error *err)
{
    const aimc_cosim_tile_options *o = s->opt;
    uint64_t total = (uint64_t)o->tokens * o->mvms_per_token, issued = 0, done = 0;
    uint64_t limit = 16 + total * (2 + s->chip->tile.tier_switch_cycles + s->chip->tile.mvm_compute_cycles) /
                              o->valid_probability * 4;
    aimc_vtile_in in = {.rst_n = false, .switch_cycles = (uint16_t)s->chip->tile.tier_switch_cycles,
                        .compute_cycles = (uint16_t)s->chip->tile.mvm_compute_cycles};
    aimc_vtile_out out, ref_out;
    int last_tier = -1;
    uint64_t cycle;
    for (cycle = 0; done < total; cycle++) {
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
        aimc_vtile_cycle(s->rtl, &in, &out);
        if (s->record)
            record_cycle(s->record, &in, &out);
        if (o->check) {
            aimc_tile_ref_cycle(&s->ref, &in, &ref_out);
            compare(s, cycle, &out, &ref_out);
        }
        if (__builtin_popcount(out.tier_en) > 1)
            s->r->ott_violations++;
        if (out.done_valid && complete(s, &out, cycle, err))
            return -1;
        if (out.mvm_start && start_mvm(s, err))
            return -1;
        if (in.req_valid && out.req_ready) {
            accept(s, (uint32_t)(issued / o->mvms_per_token), in.req_tier, last_tier, cycle);
            last_tier = in.req_tier;
            issued++;
            in.req_valid = false;
        }
        if (out.done_valid)
            done++;
        s->r->mvms = out.mvm_count;
        s->r->switches = out.switch_count;
    }
    s->r->cycles = cycle;
    return 0;
}

int aimc_cosim_tile_run(const aimc_chip_config *chip, const aimc_cosim_tile_options *o, aimc_cosim_tile_result *r,
                        aimc_error *err)
{
    memset(r, 0, sizeof *r);
    /* One 512x512 sgemv per MVM is too small to split across threads: OpenBLAS's threads would only spin
     * and take the core the RTL simulation needs (measured: 50x slower with 2 threads on 2 cores). */
    openblas_set_num_threads(1);
    run_state s = {.chip = chip, .opt = o, .r = r, .tiers = o->tiers ? o->tiers : chip->tile.tiers};
    if (check_options(chip, o, s.tiers, err))
        return -1;
    int rc = -1;
    s.rng = aimc_rng_create(o->seed);
    r->ledger = aimc_ledger_create(0);
    aimc_tile_ref_init(&s.ref, s.tiers);
    for (int i = 0; i < 4; i++) {
        s.ring[i].x = calloc(chip->tile.rows, sizeof(float));
        s.ring[i].y = calloc(chip->tile.cols, sizeof(float));
    }
    if (o->numeric && program_tiers(&s, err))
        goto out;
    s.rtl = aimc_vtile_create((uint32_t)chip->clock_period_ps);
    if (o->trace_path && !aimc_vtile_trace_open(s.rtl, o->trace_path)) {
        aimc_fail(err, "%s: cannot write the trace", o->trace_path);
        goto out;
    }
    if (o->record_path && !(s.record = fopen(o->record_path, "w"))) {
        aimc_fail(err, "%s: cannot write the stimulus record", o->record_path);
        goto out;
    }
    rc = simulate(&s, err);
    if (s.record && fclose(s.record) != 0 && !rc)
        rc = aimc_fail(err, "%s: writing the stimulus record failed", o->record_path);
    s.record = NULL;
    r->rtl_assertion_failures = aimc_vtile_rtl_errors(s.rtl);
out:
    if (s.record)
        fclose(s.record);
    aimc_vtile_destroy(s.rtl);
    aimc_tile3d_destroy(s.tile);
    for (int i = 0; i < 4; i++) {
        free(s.ring[i].x);
        free(s.ring[i].y);
    }
    aimc_rng_destroy(s.rng);
    if (rc) {
        aimc_ledger_destroy(r->ledger);
        r->ledger = NULL;
    }
    return rc;
}
