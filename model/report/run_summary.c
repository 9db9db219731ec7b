#include "report/run_summary.h"

#include "core/json_config.h"
#include "report/energy_report.h"
#include "system/system_config.h"

double aimc_chip_area_mm2(const aimc_chip_config *chip, bool uses_digital_engine)
{
    return chip->tile.tiles * chip->tile.tile_area_mm2 + aimc_digital_units_area_mm2(&chip->system) +
           (uses_digital_engine ? chip->digital_expert.area_mm2 : 0);
}

void aimc_run_figures_of(const aimc_chip_config *chip, bool uses_digital_engine, const aimc_ledger *l,
                         uint64_t tokens, uint64_t cycles, aimc_run_figures *out)
{
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
    fprintf(f, "%-26s %16.3f W\n", "average power", fig->power_W);
    fprintf(f, "%-26s %16.1f tokens/s/W\n", "energy efficiency", fig->tokens_per_s_per_W);
    fprintf(f, "%-26s %16.3f mm2\n", "area", fig->area_mm2);
    fprintf(f, "%-26s %16.1f tokens/s/mm2\n", "area efficiency", fig->tokens_per_s_per_mm2);
}
