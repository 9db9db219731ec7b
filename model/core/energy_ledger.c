#include "core/energy_ledger.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const aimc_energy_component_info components[AIMC_E_COUNT] = {
    [AIMC_E_DAC] = {"dac", AIMC_EG_ANALOG_TILE, "DAC conversions driving the rows of a tier"},
    [AIMC_E_CROSSBAR] = {"crossbar", AIMC_EG_ANALOG_TILE, "integration of the cell currents of a tier"},
    [AIMC_E_ADC] = {"adc", AIMC_EG_ANALOG_TILE, "column conversions"},
    [AIMC_E_TIER_SWITCH] = {"tier_switch", AIMC_EG_ANALOG_TILE,
                            "re-connecting a tile's shared periphery to another tier"},
    [AIMC_E_BUFFER] = {"buffer", AIMC_EG_ANALOG_TILE, "tile input and output buffer accesses"},
    [AIMC_E_INTERCONNECT] = {"interconnect", AIMC_EG_DATA_MOVEMENT, "activation vectors moved between units"},
    [AIMC_E_DIGITAL] = {"digital", AIMC_EG_DIGITAL, "DPUs, MHA units and the digital expert engine"},
    [AIMC_E_DRAM] = {"dram", AIMC_EG_MEMORY, "KV-cache traffic to and from DRAM"},
    [AIMC_E_STATIC] = {"static", AIMC_EG_STATIC, "tile leakage, digital passive power and DRAM idle power"},
};

static const char *const group_names[AIMC_EG_COUNT] = {"analog_tile", "data_movement", "digital", "memory", "static"};

typedef struct {
    aimc_fJ energy[AIMC_E_COUNT];
    aimc_fJ *layer_energy; /* layers x AIMC_E_COUNT, or NULL */
    uint64_t start_cycle, end_cycle;
    int seen;
} token_row;

struct aimc_ledger {
    size_t layers;
    token_row *rows;
    size_t nrows, cap;
    aimc_fJ chip_only[AIMC_E_COUNT];
    int overflowed;
};

/* a + b, saturated at AIMC_FJ_MAX (energies are never negative) */
static aimc_fJ sat_add(aimc_fJ a, aimc_fJ b)
{
    aimc_fJ s;
    return __builtin_add_overflow(a, b, &s) ? AIMC_FJ_MAX : s;
}

const aimc_energy_component_info *aimc_energy_component_info_of(aimc_energy_component c)
{
    return (unsigned)c < AIMC_E_COUNT ? &components[c] : NULL;
}

const char *aimc_energy_component_name(aimc_energy_component c)
{
    return (unsigned)c < AIMC_E_COUNT ? components[c].name : "?";
}

const char *aimc_energy_group_name(aimc_energy_group g) { return (unsigned)g < AIMC_EG_COUNT ? group_names[g] : "?"; }

aimc_fJ aimc_energy_group_sum(const aimc_fJ by_component[AIMC_E_COUNT], aimc_energy_group g)
{
    aimc_fJ sum = 0;
    for (int c = 0; c < AIMC_E_COUNT; c++)
        if (components[c].group == g)
            sum = sat_add(sum, by_component[c]);
    return sum;
}

aimc_fJ aimc_pJ_to_fJ(double pJ) { return (aimc_fJ)llround(pJ * 1e3); }

aimc_ledger *aimc_ledger_create(size_t layers)
{
    aimc_ledger *l = calloc(1, sizeof *l);
    if (l)
        l->layers = layers;
    return l;
}

void aimc_ledger_destroy(aimc_ledger *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nrows; i++)
        free(l->rows[i].layer_energy);
    free(l->rows);
    free(l);
}

/* Returns the token's row, growing the table; aborts only on out-of-memory, which a ledger cannot report. */
static token_row *row_for(aimc_ledger *l, uint32_t token)
{
    if (token >= l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        while (cap <= token)
            cap *= 2;
        token_row *grown = realloc(l->rows, cap * sizeof *grown);
        if (!grown)
            abort();
        memset(grown + l->cap, 0, (cap - l->cap) * sizeof *grown);
        l->rows = grown;
        l->cap = cap;
    }
    if (token >= l->nrows)
        l->nrows = (size_t)token + 1;
    token_row *r = &l->rows[token];
    if (l->layers && !r->layer_energy) {
        r->layer_energy = calloc(l->layers * AIMC_E_COUNT, sizeof *r->layer_energy);
        if (!r->layer_energy)
            abort();
    }
    return r;
}

aimc_fJ aimc_fJ_times(aimc_fJ per, uint64_t count)
{
    aimc_fJ out;
    if (count > (uint64_t)INT64_MAX || __builtin_mul_overflow(per, (aimc_fJ)count, &out))
        return AIMC_FJ_MAX;
    return out;
}

/* Adds without wrapping; a saturated product or a sum beyond 64 bits marks the ledger overflowed. */
static void add(aimc_ledger *l, aimc_fJ *to, aimc_fJ energy)
{
    if (energy == AIMC_FJ_MAX || __builtin_add_overflow(*to, energy, to)) {
        l->overflowed = 1;
        *to = AIMC_FJ_MAX;
    }
}

void aimc_ledger_book(aimc_ledger *l, uint32_t token, int layer, aimc_energy_component c, aimc_fJ energy)
{
    token_row *r = row_for(l, token);
    add(l, &r->energy[c], energy);
    if (layer >= 0 && (size_t)layer < l->layers)
        add(l, &r->layer_energy[(size_t)layer * AIMC_E_COUNT + c], energy);
}

void aimc_ledger_book_chip(aimc_ledger *l, aimc_energy_component c, aimc_fJ energy) { add(l, &l->chip_only[c], energy); }

int aimc_ledger_overflowed(const aimc_ledger *l)
{
    return l->overflowed || aimc_ledger_chip_total(l) == AIMC_FJ_MAX;
}

void aimc_ledger_touch(aimc_ledger *l, uint32_t token, uint64_t start_cycle, uint64_t end_cycle)
{
    token_row *r = row_for(l, token);
    if (!r->seen || start_cycle < r->start_cycle)
        r->start_cycle = start_cycle;
    if (!r->seen || end_cycle > r->end_cycle)
        r->end_cycle = end_cycle;
    r->seen = 1;
}

size_t aimc_ledger_tokens(const aimc_ledger *l) { return l->nrows; }
size_t aimc_ledger_layers(const aimc_ledger *l) { return l->layers; }
int aimc_ledger_token_seen(const aimc_ledger *l, uint32_t token) { return token < l->nrows && l->rows[token].seen; }

aimc_fJ aimc_ledger_token_energy(const aimc_ledger *l, uint32_t token, aimc_energy_component c)
{
    return token < l->nrows ? l->rows[token].energy[c] : 0;
}

aimc_fJ aimc_ledger_token_total(const aimc_ledger *l, uint32_t token)
{
    aimc_fJ sum = 0;
    for (int c = 0; c < AIMC_E_COUNT; c++)
        sum += aimc_ledger_token_energy(l, token, (aimc_energy_component)c);
    return sum;
}

aimc_fJ aimc_ledger_token_layer_energy(const aimc_ledger *l, uint32_t token, size_t layer, aimc_energy_component c)
{
    if (token >= l->nrows || layer >= l->layers || !l->rows[token].layer_energy)
        return 0;
    return l->rows[token].layer_energy[layer * AIMC_E_COUNT + c];
}

uint64_t aimc_ledger_token_start(const aimc_ledger *l, uint32_t token)
{
    return token < l->nrows ? l->rows[token].start_cycle : 0;
}

uint64_t aimc_ledger_token_end(const aimc_ledger *l, uint32_t token)
{
    return token < l->nrows ? l->rows[token].end_cycle : 0;
}

aimc_fJ aimc_ledger_unattributed(const aimc_ledger *l, aimc_energy_component c) { return l->chip_only[c]; }

aimc_fJ aimc_ledger_chip_energy(const aimc_ledger *l, aimc_energy_component c)
{
    aimc_fJ sum = l->chip_only[c];
    for (size_t t = 0; t < l->nrows; t++)
        sum = sat_add(sum, l->rows[t].energy[c]);
    return sum;
}

aimc_fJ aimc_ledger_chip_total(const aimc_ledger *l)
{
    aimc_fJ sum = 0;
    for (int c = 0; c < AIMC_E_COUNT; c++)
        sum = sat_add(sum, aimc_ledger_chip_energy(l, (aimc_energy_component)c));
    return sum;
}
