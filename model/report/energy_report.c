#include "report/energy_report.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/json_config.h"
#include "core/output_file.h"

/* value / 1000 printed exactly with three decimals (value >= 0 or < 0). */
static void format_milli(int64_t value, char *buf, size_t n)
{
    const char *sign = value < 0 ? "-" : "";
    uint64_t mag = value < 0 ? (uint64_t)(-(value + 1)) + 1 : (uint64_t)value;
    snprintf(buf, n, "%s%" PRIu64 ".%03" PRIu64, sign, mag / 1000, mag % 1000);
}

void aimc_format_pJ(aimc_fJ energy, char *buf, size_t n) { format_milli(energy, buf, n); }

void aimc_format_ns(uint64_t cycles, uint64_t clock_period_ps, char *buf, size_t n)
{
    format_milli((int64_t)(cycles * clock_period_ps), buf, n);
}

json_object *aimc_json_pJ(aimc_fJ energy)
{
    char text[48];
    aimc_format_pJ(energy, text, sizeof text);
    return json_object_new_double_s((double)energy / 1e3, text);
}

json_object *aimc_json_ns(uint64_t cycles, uint64_t clock_period_ps)
{
    char text[48];
    aimc_format_ns(cycles, clock_period_ps, text, sizeof text);
    return json_object_new_double_s((double)(cycles * clock_period_ps) / 1e3, text);
}

static json_object *components_object(aimc_fJ (*get)(const aimc_ledger *, uint32_t, aimc_energy_component),
                                      const aimc_ledger *l, uint32_t token)
{
    json_object *o = json_object_new_object();
    for (int c = 0; c < AIMC_E_COUNT; c++)
        json_object_object_add(o, aimc_energy_component_name((aimc_energy_component)c),
                               aimc_json_pJ(get(l, token, (aimc_energy_component)c)));
    return o;
}

static aimc_fJ chip_component(const aimc_ledger *l, uint32_t unused, aimc_energy_component c)
{
    (void)unused;
    return aimc_ledger_chip_energy(l, c);
}

static json_object *token_layers(const aimc_ledger *l, uint32_t token)
{
    json_object *layers = json_object_new_array();
    for (size_t layer = 0; layer < aimc_ledger_layers(l); layer++) {
        json_object *o = json_object_new_object();
        aimc_fJ total = 0;
        for (int c = 0; c < AIMC_E_COUNT; c++) {
            aimc_fJ e = aimc_ledger_token_layer_energy(l, token, layer, (aimc_energy_component)c);
            total += e;
            json_object_object_add(o, aimc_energy_component_name((aimc_energy_component)c), aimc_json_pJ(e));
        }
        json_object_object_add(o, "total", aimc_json_pJ(total));
        json_object_array_add(layers, o);
    }
    return layers;
}

static json_object *token_entry(const aimc_ledger *l, uint32_t token, const aimc_energy_report *info)
{
    uint64_t period_ps = info->clock_period_ps;
    uint64_t start = aimc_ledger_token_start(l, token), end = aimc_ledger_token_end(l, token);
    json_object *t = json_object_new_object();
    json_object_object_add(t, "token", json_object_new_int64(token));
    if (info->phase_of)
        json_object_object_add(t, "phase", json_object_new_string(info->phase_of(info->phase_ctx, token)));
    json_object_object_add(t, "start_cycle", json_object_new_uint64(start));
    json_object_object_add(t, "end_cycle", json_object_new_uint64(end));
    json_object_object_add(t, "start_ns", aimc_json_ns(start, period_ps));
    json_object_object_add(t, "end_ns", aimc_json_ns(end, period_ps));
    json_object_object_add(t, "latency_ns", aimc_json_ns(end - start, period_ps));
    json_object_object_add(t, "energy_pJ", components_object(aimc_ledger_token_energy, l, token));
    json_object_object_add(t, "total_pJ", aimc_json_pJ(aimc_ledger_token_total(l, token)));
    if (aimc_ledger_layers(l))
        json_object_object_add(t, "layers_pJ", token_layers(l, token));
    return t;
}

json_object *aimc_energy_report_build(const aimc_ledger *l, aimc_energy_report *info)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "format", json_object_new_string(AIMC_ENERGY_FORMAT));
    json_object_object_add(root, "engine", json_object_new_string(info->engine));
    json_object *units = json_object_new_object();
    json_object_object_add(units, "energy", json_object_new_string("pJ"));
    json_object_object_add(units, "time", json_object_new_string("ns"));
    json_object_object_add(root, "units", units);
    json_object_object_add(root, "config", info->config ? info->config : json_object_new_object());

    json_object *tokens = json_object_new_array();
    for (uint32_t t = 0; t < aimc_ledger_tokens(l); t++)
        if (aimc_ledger_token_seen(l, t))
            json_object_array_add(tokens, token_entry(l, t, info));
    json_object_object_add(root, "tokens", tokens);

    json_object *totals = json_object_new_object();
    json_object_object_add(totals, "cycles", json_object_new_uint64(info->cycles));
    json_object_object_add(totals, "time_ns", aimc_json_ns(info->cycles, info->clock_period_ps));
    json_object_object_add(totals, "energy_pJ", components_object(chip_component, l, 0));
    json_object *unattributed = json_object_new_object();
    for (int c = 0; c < AIMC_E_COUNT; c++)
        json_object_object_add(unattributed, aimc_energy_component_name((aimc_energy_component)c),
                               aimc_json_pJ(aimc_ledger_unattributed(l, (aimc_energy_component)c)));
    json_object_object_add(totals, "not_attributed_to_tokens_pJ", unattributed);
    json_object_object_add(totals, "total_pJ", aimc_json_pJ(aimc_ledger_chip_total(l)));
    if (info->counters)
        json_object_object_add(totals, "counters", info->counters);
    json_object_object_add(root, "totals", totals);
    if (info->sections) {
        json_object_object_foreach(info->sections, key, value) json_object_object_add(root, key, json_object_get(value));
        json_object_put(info->sections);
    }
    info->config = info->counters = info->sections = NULL;
    return root;
}

int aimc_energy_report_write_json(const char *path, const aimc_ledger *l, aimc_energy_report *info,
                                  aimc_error *err)
{
    json_object *root = aimc_energy_report_build(l, info);
    int rc = aimc_json_write_file(path, root, err);
    json_object_put(root);
    return rc;
}

int aimc_energy_report_write_csv(const char *path, const aimc_ledger *l, uint64_t clock_period_ps,
                                 const char *(*phase_of)(const void *ctx, uint32_t token), const void *phase_ctx,
                                 aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    fprintf(f, phase_of ? "token,phase,start_ns,end_ns,latency_ns" : "token,start_ns,end_ns,latency_ns");
    for (int c = 0; c < AIMC_E_COUNT; c++)
        fprintf(f, ",%s_pJ", aimc_energy_component_name((aimc_energy_component)c));
    fprintf(f, ",total_pJ\n");
    char a[48], b[48], d[48];
    for (uint32_t t = 0; t < aimc_ledger_tokens(l); t++) {
        if (!aimc_ledger_token_seen(l, t))
            continue;
        uint64_t s = aimc_ledger_token_start(l, t), e = aimc_ledger_token_end(l, t);
        aimc_format_ns(s, clock_period_ps, a, sizeof a);
        aimc_format_ns(e, clock_period_ps, b, sizeof b);
        aimc_format_ns(e - s, clock_period_ps, d, sizeof d);
        if (phase_of)
            fprintf(f, "%u,%s,%s,%s,%s", t, phase_of(phase_ctx, t), a, b, d);
        else
            fprintf(f, "%u,%s,%s,%s", t, a, b, d);
        for (int c = 0; c < AIMC_E_COUNT; c++) {
            aimc_format_pJ(aimc_ledger_token_energy(l, t, (aimc_energy_component)c), a, sizeof a);
            fprintf(f, ",%s", a);
        }
        aimc_format_pJ(aimc_ledger_token_total(l, t), a, sizeof a);
        fprintf(f, ",%s\n", a);
    }
    return aimc_output_commit(out, err);
}
