#include "engine/dispatch_table.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    aimc_dispatch_block *blocks;
    uint32_t count, cap;
} entry;

struct aimc_dispatch_table {
    uint32_t layers, units, phases;
    entry *entries;              /* before finish */
    aimc_dispatch_block *packed; /* after finish */
    uint32_t *first, *count;
    uint32_t total;
};

static size_t index_of(const aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase)
{
    return ((size_t)layer * t->units + unit) * t->phases + phase;
}

aimc_dispatch_table *aimc_dispatch_table_create(uint32_t layers, uint32_t units, uint32_t phases)
{
    aimc_dispatch_table *t = calloc(1, sizeof *t);
    size_t n = (size_t)layers * units * phases;
    if (!t)
        return NULL;
    t->layers = layers;
    t->units = units;
    t->phases = phases;
    t->entries = calloc(n ? n : 1, sizeof *t->entries);
    t->first = calloc(n ? n : 1, sizeof *t->first);
    t->count = calloc(n ? n : 1, sizeof *t->count);
    if (!t->entries || !t->first || !t->count) {
        aimc_dispatch_table_destroy(t);
        return NULL;
    }
    return t;
}

void aimc_dispatch_table_destroy(aimc_dispatch_table *t)
{
    if (!t)
        return;
    if (t->entries)
        for (size_t i = 0; i < (size_t)t->layers * t->units * t->phases; i++)
            free(t->entries[i].blocks);
    free(t->entries);
    free(t->packed);
    free(t->first);
    free(t->count);
    free(t);
}

int aimc_dispatch_table_add(aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase,
                            aimc_dispatch_block block, aimc_error *err)
{
    if (layer >= t->layers || unit >= t->units || phase >= t->phases || !t->entries)
        return aimc_fail(err, "dispatch table: entry (layer %u, unit %u, phase %u) outside %u x %u x %u", layer,
                         unit, phase, t->layers, t->units, t->phases);
    entry *e = &t->entries[index_of(t, layer, unit, phase)];
    if (e->count == e->cap) {
        uint32_t cap = e->cap ? 2 * e->cap : 4;
        aimc_dispatch_block *grown = realloc(e->blocks, cap * sizeof *grown);
        if (!grown)
            return aimc_fail(err, "dispatch table: out of memory");
        e->blocks = grown;
        e->cap = cap;
    }
    e->blocks[e->count++] = block;
    t->total++;
    return 0;
}

void aimc_dispatch_table_finish(aimc_dispatch_table *t)
{
    size_t n = (size_t)t->layers * t->units * t->phases;
    t->packed = malloc((t->total ? t->total : 1) * sizeof *t->packed);
    if (!t->packed)
        abort();
    uint32_t at = 0;
    for (size_t i = 0; i < n; i++) {
        t->first[i] = at;
        t->count[i] = t->entries[i].count;
        if (t->entries[i].count)
            memcpy(t->packed + at, t->entries[i].blocks, t->entries[i].count * sizeof *t->packed);
        at += t->entries[i].count;
        free(t->entries[i].blocks);
    }
    free(t->entries);
    t->entries = NULL;
}

uint32_t aimc_dispatch_table_layers(const aimc_dispatch_table *t) { return t->layers; }
uint32_t aimc_dispatch_table_units(const aimc_dispatch_table *t) { return t->units; }
uint32_t aimc_dispatch_table_phases(const aimc_dispatch_table *t) { return t->phases; }
uint32_t aimc_dispatch_table_blocks(const aimc_dispatch_table *t) { return t->total; }

const aimc_dispatch_block *aimc_dispatch_table_entry(const aimc_dispatch_table *t, uint32_t layer, uint32_t unit,
                                                     uint32_t phase, uint32_t *count)
{
    size_t i = index_of(t, layer, unit, phase);
    *count = t->count[i];
    return t->packed + t->first[i];
}

uint32_t aimc_dispatch_table_first(const aimc_dispatch_table *t, uint32_t layer, uint32_t unit, uint32_t phase)
{
    return t->first[index_of(t, layer, unit, phase)];
}
