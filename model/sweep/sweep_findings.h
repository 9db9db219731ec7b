/* Findings of a sweep table: named reductions the spec defines ("findings", docs/sweeps.md), so that what a study
 * concludes from its table is data too.  Kinds:
 *   extremes:   for each of "columns", the rows with the largest and the smallest value (the first of equals):
 *               {column: {"max": {label: text, column: value}, "min": {...}}}
 *   first_flip: per value of "group_by" (rows in table order), the "key" of the first row where "when"
 *               ([left, op, right], op one of > < >= <=) holds ("first"), the key of the last row before it
 *               ("before"; 0 when there is none) and the key of the group's last row ("last"); 0 where none:
 *               {group: {first: k, before: k, last: k}} under the names given in "names"
 *   rows:       one object per row; pairs: one per two rows (r, r + 1); steps: one per row from the second on,
 *               with its previous row.  Each of "fields" is {"name", "column", "value": "text" | "int" | "number"
 *               | "ratio", "row", "digits"}: ratio is second / first (pairs) or current / previous (steps);
 *               row picks first or second (pairs), previous or current (steps); numbers are rounded to
 *               "digits" decimals (default 6).
 * Numbers of ratios and values are the table's cells as computed (not as printed). */
#ifndef AIMC_SWEEP_FINDINGS_H
#define AIMC_SWEEP_FINDINGS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* The table a reduction reads: rows of named cells. */
typedef struct {
    void *ctx;
    size_t rows;
    double (*number)(void *ctx, size_t row, const char *column); /* NAN when empty or text */
    const char *(*text)(void *ctx, size_t row, const char *column); /* "" when empty */
} aimc_sweep_findings_table;

/* Checks a findings spec against the table's column names (has_column); -1 with why naming the field. */
int aimc_sweep_findings_check(json_object *spec, bool (*has_column)(void *ctx, const char *name), void *ctx,
                              char *why, size_t why_size);
/* The findings (a new object the caller puts) of a checked spec. */
json_object *aimc_sweep_findings_eval(json_object *spec, const aimc_sweep_findings_table *t);

#endif
