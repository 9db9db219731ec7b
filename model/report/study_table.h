/* A table of a study (one row per simulated point, named columns whose names carry their unit), written as CSV
 * and as JSON ("format": "aimc3d-study-table/1", docs/VALIDATION.md).  Numbers are printed with 9 significant
 * digits in both files, so the CSV and the JSON hold the same values; text cells may not contain a comma, a
 * quote or a newline (they are names: models, labels). */
#ifndef AIMC_STUDY_TABLE_H
#define AIMC_STUDY_TABLE_H

#include <json-c/json.h>
#include <stddef.h>

#include "core/aimc_error.h"

typedef enum { AIMC_COL_TEXT, AIMC_COL_INT, AIMC_COL_REAL } aimc_col_kind;

typedef struct {
    const char *name;        /* with its unit: "energy_per_token_nJ", "tokens_per_s" */
    aimc_col_kind kind;
    const char *description; /* one line, for the JSON */
} aimc_study_column;

typedef struct aimc_study_table aimc_study_table;

/* The columns are copied by reference: they must outlive the table (static arrays). */
aimc_study_table *aimc_study_table_create(const char *name, const char *title, const aimc_study_column *cols,
                                          size_t ncols);
void aimc_study_table_destroy(aimc_study_table *t);

/* Appends a row (every cell empty: text "", number 0) and returns its index, or -1 when out of memory. */
long aimc_study_table_add_row(aimc_study_table *t);
/* Sets a cell of the last row by column name; -1 (with err) for an unknown column, a kind mismatch, a text with
 * a comma, quote or newline, or a number that is not finite. */
int aimc_study_table_set(aimc_study_table *t, const char *column, double value, aimc_error *err);
int aimc_study_table_set_text(aimc_study_table *t, const char *column, const char *text, aimc_error *err);

size_t aimc_study_table_rows(const aimc_study_table *t);
const char *aimc_study_table_name(const aimc_study_table *t);
/* A number cell (NAN for a text column or an unknown one). */
double aimc_study_table_get(const aimc_study_table *t, size_t row, const char *column);
const char *aimc_study_table_get_text(const aimc_study_table *t, size_t row, const char *column);

/* The JSON object: format, name, title, columns (name, kind, description), rows (objects keyed by column). */
json_object *aimc_study_table_json(const aimc_study_table *t);
/* Writes the CSV (header line of column names, one line per row) and the JSON, each atomically. */
int aimc_study_table_write(const aimc_study_table *t, const char *csv_path, const char *json_path, aimc_error *err);

#endif
