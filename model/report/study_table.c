#include "report/study_table.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "core/output_file.h"

typedef struct {
    double number;
    char *text; /* NULL: "" */
} cell;

struct aimc_study_table {
    char name[64], title[256];
    const aimc_study_column *cols;
    size_t ncols, nrows, cap;
    cell *cells; /* nrows x ncols */
};

aimc_study_table *aimc_study_table_create(const char *name, const char *title, const aimc_study_column *cols,
                                          size_t ncols)
{
    aimc_study_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->title, sizeof t->title, "%s", title);
    t->cols = cols;
    t->ncols = ncols;
    return t;
}

void aimc_study_table_destroy(aimc_study_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t);
}

long aimc_study_table_add_row(aimc_study_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        cell *grown = realloc(t->cells, cap * t->ncols * sizeof *grown);
        if (!grown)
            return -1;
        t->cells = grown;
        t->cap = cap;
    }
    memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof *t->cells);
    return (long)t->nrows++;
}

static long column_index(const aimc_study_table *t, const char *column)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, column) == 0)
            return (long)c;
    return -1;
}

/* The cell of the last row in `column`, checked against the expected kind. */
static cell *last_cell(aimc_study_table *t, const char *column, bool text, aimc_error *err)
{
    long c = column_index(t, column);
    if (t->nrows == 0) {
        aimc_fail(err, "study table %s: a cell set before any row was added", t->name);
        return NULL;
    }
    if (c < 0) {
        aimc_fail(err, "study table %s: no column \"%s\"", t->name, column);
        return NULL;
    }
    if ((t->cols[c].kind == AIMC_COL_TEXT) != text) {
        aimc_fail(err, "study table %s: column %s holds %s", t->name, column, text ? "numbers" : "text");
        return NULL;
    }
    return &t->cells[(t->nrows - 1) * t->ncols + (size_t)c];
}

int aimc_study_table_set(aimc_study_table *t, const char *column, double value, aimc_error *err)
{
    cell *x = last_cell(t, column, false, err);
    if (!x)
        return -1;
    if (!isfinite(value))
        return aimc_fail(err, "study table %s: column %s: expected a finite number, found %g", t->name, column, value);
    x->number = value;
    return 0;
}

int aimc_study_table_set_text(aimc_study_table *t, const char *column, const char *text, aimc_error *err)
{
    cell *x = last_cell(t, column, true, err);
    if (!x)
        return -1;
    if (strpbrk(text, ",\"\n\r"))
        return aimc_fail(err, "study table %s: column %s: expected a name without comma, quote or newline, found "
                              "\"%s\"", t->name, column, text);
    char *copy = strdup(text);
    if (!copy)
        return aimc_fail(err, "study table %s: out of memory", t->name);
    free(x->text);
    x->text = copy;
    return 0;
}

size_t aimc_study_table_rows(const aimc_study_table *t) { return t->nrows; }
const char *aimc_study_table_name(const aimc_study_table *t) { return t->name; }

double aimc_study_table_get(const aimc_study_table *t, size_t row, const char *column)
{
    long c = column_index(t, column);
    if (c < 0 || row >= t->nrows || t->cols[c].kind == AIMC_COL_TEXT)
        return NAN;
    return t->cells[row * t->ncols + (size_t)c].number;
}

const char *aimc_study_table_get_text(const aimc_study_table *t, size_t row, const char *column)
{
    long c = column_index(t, column);
    if (c < 0 || row >= t->nrows || t->cols[c].kind != AIMC_COL_TEXT)
        return NULL;
    const char *s = t->cells[row * t->ncols + (size_t)c].text;
    return s ? s : "";
}

/* One number as both files print it: integers whole, reals with 9 significant digits. */
static void format_number(const aimc_study_column *col, double v, char *buf, size_t size)
{
    if (col->kind == AIMC_COL_INT)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.9g", v);
}

static const char *kind_name(aimc_col_kind k)
{
    return k == AIMC_COL_TEXT ? "text" : k == AIMC_COL_INT ? "integer" : "real";
}

json_object *aimc_study_table_json(const aimc_study_table *t)
{
    json_object *o = json_object_new_object(), *cols = json_object_new_array(), *rows = json_object_new_array();
    json_object_object_add(o, "format", json_object_new_string("aimc3d-study-table/1"));
    json_object_object_add(o, "name", json_object_new_string(t->name));
    json_object_object_add(o, "title", json_object_new_string(t->title));
    for (size_t c = 0; c < t->ncols; c++) {
        json_object *col = json_object_new_object();
        json_object_object_add(col, "name", json_object_new_string(t->cols[c].name));
        json_object_object_add(col, "kind", json_object_new_string(kind_name(t->cols[c].kind)));
        json_object_object_add(col, "description", json_object_new_string(t->cols[c].description));
        json_object_array_add(cols, col);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        json_object *row = json_object_new_object();
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = &t->cells[r * t->ncols + c];
            char num[64];
            if (t->cols[c].kind == AIMC_COL_TEXT) {
                json_object_object_add(row, t->cols[c].name, json_object_new_string(x->text ? x->text : ""));
            } else {
                format_number(&t->cols[c], x->number, num, sizeof num);
                json_object_object_add(row, t->cols[c].name,
                                       t->cols[c].kind == AIMC_COL_INT ? json_object_new_int64((int64_t)x->number)
                                                                       : json_object_new_double_s(x->number, num));
            }
        }
        json_object_array_add(rows, row);
    }
    json_object_object_add(o, "columns", cols);
    json_object_object_add(o, "rows", rows);
    return o;
}

static int write_csv(const aimc_study_table *t, const char *path, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, "%s%s", c ? "," : "", t->cols[c].name);
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *x = &t->cells[r * t->ncols + c];
            char num[64];
            if (t->cols[c].kind != AIMC_COL_TEXT)
                format_number(&t->cols[c], x->number, num, sizeof num);
            fprintf(f, "%s%s", c ? "," : "", t->cols[c].kind == AIMC_COL_TEXT ? (x->text ? x->text : "") : num);
        }
        fputc('\n', f);
    }
    return aimc_output_commit(out, err);
}

int aimc_study_table_write(const aimc_study_table *t, const char *csv_path, const char *json_path, aimc_error *err)
{
    if (write_csv(t, csv_path, err))
        return -1;
    json_object *o = aimc_study_table_json(t);
    char *text = NULL;
    const char *s = aimc_json_to_text(o);
    if (s)
        text = malloc(strlen(s) + 2);
    if (text)
        sprintf(text, "%s\n", s);
    json_object_put(o);
    int rc = text ? aimc_output_write_text(json_path, text, err) : aimc_fail(err, "%s: out of memory", json_path);
    free(text);
    return rc;
}
