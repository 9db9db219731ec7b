#include "report/run_summary.h"

#include <string.h>

#include "core/json_config.h"
#include "report/energy_report.h"
#include "system/system_config.h"

double aimc_chip_area_mm2(const aimc_chip_config *chip, bool uses_digital_engine)
{
    return chip->tile.tiles * chip->tile.tile_area_mm2 + aimc_digital_units_area_mm2(&chip->system) +
           (uses_digital_engine ? chip->digital_expert.area_mm2 : 0);
}

const char *aimc_run_phase_of(const aimc_run_phases *phases, uint32_t row)
{
    return phases && phases->per_seq && row % phases->per_seq < phases->prefill_rows ? "prefill" : "decode";
}

const char *aimc_run_phase_cb(const void *phases, uint32_t row) { return aimc_run_phase_of(phases, row); }

/* The prefill / decode split: rows by phase, time to first token, decode time from the prefill's end. */
static void phase_figures(const aimc_chip_config *chip, const aimc_ledger *l, uint64_t cycles,
                          const aimc_run_phases *ph, aimc_run_figures *out)
{
    aimc_fJ prefill = 0, decode = 0;
    for (uint32_t t = 0; t < out->tokens && t < aimc_ledger_tokens(l); t++) {
        bool is_prefill = strcmp(aimc_run_phase_of(ph, t), "prefill") == 0;
        *(is_prefill ? &prefill : &decode) += aimc_ledger_token_total(l, t);
        *(is_prefill ? &out->prefill_tokens : &out->decode_tokens) += 1;
    }
    double period_s = chip->clock_period_ps * 1e-12;
    uint64_t first = ph ? ph->first_token_cycles : 0;
    out->time_to_first_token_s = (double)first * period_s;
    out->prefill_energy_nJ = aimc_fJ_to_nJ(prefill);
    out->prefill_energy_per_token_nJ = out->prefill_tokens ? out->prefill_energy_nJ / out->prefill_tokens : 0;
    out->decode_seconds = (double)(cycles - (out->prefill_tokens && first < cycles ? first : 0)) * period_s;
    out->decode_tokens_per_s = out->decode_seconds > 0 ? out->decode_tokens / out->decode_seconds : 0;
    out->decode_energy_nJ = aimc_fJ_to_nJ(decode);
    out->decode_energy_per_token_nJ = out->decode_tokens ? out->decode_energy_nJ / out->decode_tokens : 0;
}

void aimc_run_figures_of(const aimc_chip_config *chip, bool uses_digital_engine, const aimc_ledger *l,
                         uint64_t tokens, uint64_t cycles, const aimc_run_phases *phases, aimc_run_figures *out)
{
    *out = (aimc_run_figures){0};
    double joules = (double)aimc_ledger_chip_total(l) * 1e-15;
    out->tokens = tokens;
    out->cycles = cycles;
    out->seconds = (double)cycles * chip->clock_period_ps * 1e-12;
    out->tokens_per_s = out->seconds > 0 ? tokens / out->seconds : 0;
    out->energy_per_token_nJ = tokens ? joules * 1e9 / tokens : 0;
    out->power_W = out->seconds > 0 ? joules / out->seconds : 0;
    out->tokens_per_s_per_W = joules > 0 ? tokens / joules : 0;
    out->area_mm2 = aimc_chip_area_mm2(chip, uses_digital_engine);
    out->tokens_per_s_per_mm2 = out->area_mm2 > 0 ? out->tokens_per_s / out->area_mm2 : 0;
    phase_figures(chip, l, cycles, phases, out);
}

json_object *aimc_run_figures_json(const aimc_run_figures *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "tokens", json_object_new_uint64(f->tokens));
    json_object_object_add(o, "simulated_time_s", aimc_json_double(f->seconds, 12));
    json_object_object_add(o, "tokens_per_s", aimc_json_double(f->tokens_per_s, 3));
    json_object_object_add(o, "energy_per_token_nJ", aimc_json_double(f->energy_per_token_nJ, 3));
    json_object_object_add(o, "average_power_W", aimc_json_double(f->power_W, 6));
    json_object_object_add(o, "tokens_per_s_per_W", aimc_json_double(f->tokens_per_s_per_W, 3));
    json_object_object_add(o, "area_mm2", aimc_json_double(f->area_mm2, 3));
    json_object_object_add(o, "tokens_per_s_per_mm2", aimc_json_double(f->tokens_per_s_per_mm2, 3));
    json_object_object_add(o, "time_to_first_token_s", aimc_json_double(f->time_to_first_token_s, 12));
    json_object *p = json_object_new_object(), *d = json_object_new_object();
    json_object_object_add(p, "tokens", json_object_new_uint64(f->prefill_tokens));
    json_object_object_add(p, "energy_nJ", aimc_json_double(f->prefill_energy_nJ, 6));
    json_object_object_add(p, "energy_per_token_nJ", aimc_json_double(f->prefill_energy_per_token_nJ, 6));
    json_object_object_add(o, "prefill", p);
    json_object_object_add(d, "tokens", json_object_new_uint64(f->decode_tokens));
    json_object_object_add(d, "simulated_time_s", aimc_json_double(f->decode_seconds, 12));
    json_object_object_add(d, "tokens_per_s", aimc_json_double(f->decode_tokens_per_s, 3));
    json_object_object_add(d, "energy_nJ", aimc_json_double(f->decode_energy_nJ, 6));
    json_object_object_add(d, "energy_per_token_nJ", aimc_json_double(f->decode_energy_per_token_nJ, 6));
    json_object_object_add(o, "decode", d);
    return o;
}

json_object *aimc_tile_utilisation_json(const aimc_backend_stats *s, uint32_t tiles, uint64_t cycles)
{
    json_object *arr = json_object_new_array();
    for (uint32_t t = 0; t < tiles; t++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "tile", json_object_new_int64(t));
        json_object_object_add(o, "busy_cycles", json_object_new_uint64(s->busy_cycles[t]));
        json_object_object_add(o, "utilisation",
                               aimc_json_double(cycles ? (double)s->busy_cycles[t] / (double)cycles : 0, 6));
        json_object_object_add(o, "ott_conflict_cycles", json_object_new_uint64(s->conflict_cycles[t]));
        json_object_object_add(o, "dispatcher_stall_cycles", json_object_new_uint64(s->stall_cycles[t]));
        json_object_array_add(arr, o);
    }
    return arr;
}

void aimc_run_figures_print(FILE *f, const aimc_run_figures *fig, const aimc_ledger *l)
{
    fprintf(f, "%-26s %16llu\n", "tokens", (unsigned long long)fig->tokens);
    fprintf(f, "%-26s %16.3f us (%llu cycles)\n", "simulated time", fig->seconds * 1e6,
            (unsigned long long)fig->cycles);
    fprintf(f, "%-26s %16.1f tokens/s\n", "throughput", fig->tokens_per_s);
    fprintf(f, "%-26s %16.3f nJ/token\n", "energy", fig->energy_per_token_nJ);
    aimc_fJ total = aimc_ledger_chip_total(l);
    for (int c = 0; c < AIMC_E_COUNT; c++) {
        aimc_fJ e = aimc_ledger_chip_energy(l, (aimc_energy_component)c);
        if (e && fig->tokens)
            fprintf(f, "  %-24s %16.3f nJ/token (%5.1f %%)\n", aimc_energy_component_name((aimc_energy_component)c),
                    aimc_fJ_to_nJ(e) / fig->tokens, total ? 100.0 * (double)e / (double)total : 0.0);
    }
    fprintf(f, "%-26s %16.3f us\n", "time to first token", fig->time_to_first_token_s * 1e6);
    if (fig->prefill_tokens)
        fprintf(f, "%-26s %16.3f nJ/token (%llu prompt tokens, %.3f nJ; static not included)\n", "prefill energy",
                fig->prefill_energy_per_token_nJ, (unsigned long long)fig->prefill_tokens, fig->prefill_energy_nJ);
    fprintf(f, "%-26s %16.3f nJ/token (%llu tokens, %.1f tokens/s after the prefill; static not included)\n",
            "decode energy", fig->decode_energy_per_token_nJ, (unsigned long long)fig->decode_tokens,
            fig->decode_tokens_per_s);
    fprintf(f, "%-26s %16.3f W\n", "average power", fig->power_W);
    fprintf(f, "%-26s %16.1f tokens/s/W\n", "energy efficiency", fig->tokens_per_s_per_W);
    fprintf(f, "%-26s %16.3f mm2\n", "area", fig->area_mm2);
    fprintf(f, "%-26s %16.1f tokens/s/mm2\n", "area efficiency", fig->tokens_per_s_per_mm2);
}
