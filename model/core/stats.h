/* A run's counters, each registered once with its unit and description (in the spirit of gem5's ADD_STAT and
 * Ramulator's Stats::add): the modules that count register their counters here, and every output (the report's
 * counters section, the printed summary, studies) reads them from the registry instead of from the modules. */
#ifndef AIMC_STATS_H
#define AIMC_STATS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct aimc_stats aimc_stats;

typedef struct {
    const char *name;        /* stable snake_case key, as in reports ("tier_mvms") */
    const char *unit;        /* what one count is ("MVMs", "cycles") */
    const char *description; /* one line */
    uint64_t value;
} aimc_stat;

aimc_stats *aimc_stats_create(void);
void aimc_stats_destroy(aimc_stats *s);
/* Registers a counter, or sets its value when one of that name is registered already (unit and description
 * then must be the same static strings).  The strings are not copied.  -1 when out of memory. */
int aimc_stats_set(aimc_stats *s, const char *name, const char *unit, const char *description, uint64_t value);

size_t aimc_stats_count(const aimc_stats *s);
const aimc_stat *aimc_stats_at(const aimc_stats *s, size_t i); /* in registration order */
const aimc_stat *aimc_stats_find(const aimc_stats *s, const char *name);
/* The value of a registered counter, 0 when none has that name. */
uint64_t aimc_stats_value(const aimc_stats *s, const char *name);

/* {name: value, ...} in registration order (a new object the caller puts). */
json_object *aimc_stats_values_json(const aimc_stats *s);
/* One line per counter: name, value, unit, description. */
void aimc_stats_print(FILE *f, const aimc_stats *s);

#endif
