/* The collected table of a sweep: one row per point in plan order (index, id, status, the swept values, the
 * figures read from the point's report: the summary section, the GPU figures as gpu_*, the AIMC/GPU ratios as
 * ratio_*, the chip's tiles and tiers, whether the point is on the Pareto front, and the reason of a refused or
 * failed point), written as CSV and JSON ("format": "aimc3d-sweep-table/1").  Only inputs and simulated figures
 * go in (no wall times, attempts or paths), so the table is byte-identical whatever the backend, chunking or
 * job count.  A spec with its own "columns" gets exactly those, each cell a formula over the point (label, axes,
 * run options) and its result (report, exact figures).  The Pareto front is over the chosen objectives (figure -> "min" or "max") among the ok points. */
#ifndef AIMC_SWEEP_TABLE_H
#define AIMC_SWEEP_TABLE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aimc_error.h"
#include "sweep/sweep_dir.h"

#define AIMC_SWEEP_TABLE_FORMAT "aimc3d-sweep-table/1"

typedef struct aimc_sweep_table aimc_sweep_table;

typedef struct {
    size_t points, ok, infeasible, failed, pending, front;
} aimc_sweep_counts;

/* objectives: NULL for the spec's.  Fails on an objective that is not a figure of the table, or a result that
 * does not parse. */
aimc_sweep_table *aimc_sweep_table_build(const aimc_sweep_dir *d, json_object *objectives, aimc_error *err);
void aimc_sweep_table_destroy(aimc_sweep_table *t);

/* "tokens_per_s:max,energy_per_token_nJ:min" -> {"tokens_per_s": "max", ...} (caller puts it). */
json_object *aimc_sweep_objectives_parse(const char *text, aimc_error *err);

void aimc_sweep_table_counts(const aimc_sweep_table *t, aimc_sweep_counts *out);
/* Writes dir/table.csv, table.json, pareto.csv and pareto.json (the front's rows), each atomically. */
int aimc_sweep_table_write(const aimc_sweep_table *t, const char *dir, aimc_error *err);

/* For plots: the swept columns (numeric or not), the headline figures present, the objectives in order. */
size_t aimc_sweep_table_axes(const aimc_sweep_table *t);
const char *aimc_sweep_table_axis(const aimc_sweep_table *t, size_t i, bool *numeric);
size_t aimc_sweep_table_objectives(const aimc_sweep_table *t);
const char *aimc_sweep_table_objective(const aimc_sweep_table *t, size_t i, bool *maximise);
bool aimc_sweep_table_has_figure(const aimc_sweep_table *t, const char *name);
/* The headline figures plotted against each swept axis (when the table has them). */
const char *const *aimc_sweep_headline_figures(size_t *n);

/* The cells (rows in plan order): a column's name, kind ('t' text, 'i' int, 'r' real) and description (the spec's
 * columns; "" otherwise); a cell (borrowed; NULL when empty). */
size_t aimc_sweep_table_rows(const aimc_sweep_table *t);
size_t aimc_sweep_table_columns(const aimc_sweep_table *t);
const char *aimc_sweep_table_column(const aimc_sweep_table *t, size_t i, char *kind, const char **description);
json_object *aimc_sweep_table_cell(const aimc_sweep_table *t, size_t row, const char *column);
/* The findings of a (checked) findings spec over the table (model/sweep/sweep_findings.h); the caller puts it. */
json_object *aimc_sweep_table_findings(const aimc_sweep_table *t, json_object *spec);

#endif
