#include "core/stats.h"

#include <stdlib.h>
#include <string.h>

struct aimc_stats {
    aimc_stat *items;
    size_t n, cap;
};

aimc_stats *aimc_stats_create(void) { return calloc(1, sizeof(aimc_stats)); }

void aimc_stats_destroy(aimc_stats *s)
{
    if (!s)
        return;
    free(s->items);
    free(s);
}

static aimc_stat *find(const aimc_stats *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    return NULL;
}

int aimc_stats_set(aimc_stats *s, const char *name, const char *unit, const char *description, uint64_t value)
{
    aimc_stat *st = find(s, name);
    if (st) {
        st->value = value;
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        aimc_stat *grown = realloc(s->items, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->items = grown;
        s->cap = cap;
    }
    s->items[s->n++] = (aimc_stat){name, unit, description, value};
    return 0;
}

size_t aimc_stats_count(const aimc_stats *s) { return s->n; }

const aimc_stat *aimc_stats_at(const aimc_stats *s, size_t i) { return i < s->n ? &s->items[i] : NULL; }

const aimc_stat *aimc_stats_find(const aimc_stats *s, const char *name) { return find(s, name); }

uint64_t aimc_stats_value(const aimc_stats *s, const char *name)
{
    const aimc_stat *st = find(s, name);
    return st ? st->value : 0;
}

json_object *aimc_stats_values_json(const aimc_stats *s)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < s->n; i++)
        json_object_object_add(o, s->items[i].name, json_object_new_uint64(s->items[i].value));
    return o;
}

void aimc_stats_print(FILE *f, const aimc_stats *s)
{
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "  %-24s %16llu %-8s %s\n", s->items[i].name, (unsigned long long)s->items[i].value,
                s->items[i].unit, s->items[i].description);
}
