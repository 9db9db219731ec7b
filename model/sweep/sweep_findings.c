#include "sweep/sweep_findings.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/json_config.h"

static const char *str(json_object *o, const char *key, const char *def)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                            : def;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static int check_column(json_object *o, const char *key, const char *where, bool (*has)(void *, const char *),
                        void *ctx, char *why, size_t size)
{
    json_object *v = get(o, key);
    if (!v || !json_object_is_type(v, json_type_string))
        return snprintf(why, size, "%s.%s: expected a column name (a string)", where, key), -1;
    if (!has(ctx, json_object_get_string(v)))
        return snprintf(why, size, "%s.%s: expected a column of the table, found \"%s\"", where, key,
                        json_object_get_string(v)), -1;
    return 0;
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

int aimc_sweep_findings_check(json_object *spec, bool (*has)(void *ctx, const char *name), void *ctx, char *why,
                              size_t size)
{
    static const char *const kinds[] = {"extremes", "first_flip", "rows", "pairs", "steps", NULL};
    static const char *const values[] = {"text", "int", "number", "ratio", NULL};
    static const char *const ops[] = {">", "<", ">=", "<=", NULL};
    if (!json_object_is_type(spec, json_type_object))
        return snprintf(why, size, "findings: expected an object {\"kind\": ...}"), -1;
    const char *kind = str(spec, "kind", "");
    if (!one_of(kind, kinds))
        return snprintf(why, size, "findings.kind: expected extremes, first_flip, rows, pairs or steps, found \"%s\"",
                        kind), -1;
    if (strcmp(kind, "extremes") == 0) {
        json_object *cols = get(spec, "columns");
        if (!cols || !json_object_is_type(cols, json_type_array) || !json_object_array_length(cols))
            return snprintf(why, size, "findings.columns: expected a non-empty array of column names"), -1;
        for (size_t i = 0; i < json_object_array_length(cols); i++) {
            json_object *c = json_object_array_get_idx(cols, i);
            if (!json_object_is_type(c, json_type_string) || !has(ctx, json_object_get_string(c)))
                return snprintf(why, size, "findings.columns[%zu]: expected a column of the table, found %s", i,
                                json_object_to_json_string(c)), -1;
        }
        return get(spec, "label") ? check_column(spec, "label", "findings", has, ctx, why, size) : 0;
    }
    if (strcmp(kind, "first_flip") == 0) {
        json_object *when = get(spec, "when"), *names = get(spec, "names");
        if (check_column(spec, "group_by", "findings", has, ctx, why, size) ||
            check_column(spec, "key", "findings", has, ctx, why, size))
            return -1;
        if (!when || !json_object_is_type(when, json_type_array) || json_object_array_length(when) != 3 ||
            !json_object_is_type(json_object_array_get_idx(when, 1), json_type_string) ||
            !one_of(json_object_get_string(json_object_array_get_idx(when, 1)), ops))
            return snprintf(why, size, "findings.when: expected [column, op, column] with op one of > < >= <="), -1;
        for (size_t k = 0; k < 3; k += 2) {
            json_object *c = json_object_array_get_idx(when, k);
            if (!json_object_is_type(c, json_type_string) || !has(ctx, json_object_get_string(c)))
                return snprintf(why, size, "findings.when[%zu]: expected a column of the table, found %s", k,
                                json_object_to_json_string(c)), -1;
        }
        const char *keys[] = {"first", "before", "last"};
        for (size_t k = 0; k < 3; k++)
            if (!names || !json_object_is_type(get(names, keys[k]), json_type_string))
                return snprintf(why, size, "findings.names.%s: expected the output name (a string)", keys[k]), -1;
        return 0;
    }
    json_object *fields = get(spec, "fields");
    if (!fields || !json_object_is_type(fields, json_type_array) || !json_object_array_length(fields))
        return snprintf(why, size, "findings.fields: expected a non-empty array of fields"), -1;
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *f = json_object_array_get_idx(fields, i), *d;
        char where[48];
        snprintf(where, sizeof where, "findings.fields[%zu]", i);
        if (!json_object_is_type(f, json_type_object) || !json_object_is_type(get(f, "name"), json_type_string))
            return snprintf(why, size, "%s.name: expected the output name (a string)", where), -1;
        if (check_column(f, "column", where, has, ctx, why, size))
            return -1;
        const char *v = str(f, "value", "number"), *row = str(f, "row", "");
        if (!one_of(v, values))
            return snprintf(why, size, "%s.value: expected text, int, number or ratio, found \"%s\"", where, v), -1;
        if (strcmp(v, "ratio") == 0 && strcmp(kind, "rows") == 0)
            return snprintf(why, size, "%s.value: a ratio needs two rows (pairs or steps)", where), -1;
        static const char *const pair_rows[] = {"", "first", "second", NULL}, *const step_rows[] = {"", "previous",
                                                                                                     "current", NULL};
        if (!one_of(row, strcmp(kind, "pairs") == 0   ? pair_rows
                         : strcmp(kind, "steps") == 0 ? step_rows
                                                      : (const char *const[]){"", NULL}))
            return snprintf(why, size, "%s.row: expected %s, found \"%s\"", where,
                            strcmp(kind, "pairs") == 0   ? "first or second"
                            : strcmp(kind, "steps") == 0 ? "previous or current"
                                                         : "nothing (one row)",
                            row), -1;
        if ((d = get(f, "digits")) && (!json_object_is_type(d, json_type_int) || json_object_get_int(d) < 0 ||
                                       json_object_get_int(d) > 17))
            return snprintf(why, size, "%s.digits: expected a whole number in [0, 17]", where), -1;
    }
    return 0;
}

static json_object *number(double v, int digits) { return aimc_json_double(v, digits); }

static int digits_of(json_object *f)
{
    json_object *d = get(f, "digits");
    return d ? json_object_get_int(d) : 6;
}

static json_object *extremes(json_object *spec, const aimc_sweep_findings_table *t)
{
    json_object *o = json_object_new_object(), *cols = get(spec, "columns");
    const char *label = str(spec, "label", "point");
    for (size_t i = 0; i < json_object_array_length(cols); i++) {
        const char *c = json_object_get_string(json_object_array_get_idx(cols, i));
        size_t hi = 0, lo = 0;
        for (size_t r = 1; r < t->rows; r++) {
            hi = t->number(t->ctx, r, c) > t->number(t->ctx, hi, c) ? r : hi;
            lo = t->number(t->ctx, r, c) < t->number(t->ctx, lo, c) ? r : lo;
        }
        json_object *m = json_object_new_object();
        size_t at[2] = {hi, lo};
        for (int k = 0; k < 2 && t->rows; k++) {
            json_object *ref = json_object_new_object();
            json_object_object_add(ref, label, json_object_new_string(t->text(t->ctx, at[k], label)));
            json_object_object_add(ref, c, number(t->number(t->ctx, at[k], c), 6));
            json_object_object_add(m, k ? "min" : "max", ref);
        }
        json_object_object_add(o, c, m);
    }
    return o;
}

static bool holds(double a, const char *op, double b)
{
    return op[0] == '>' ? (op[1] ? a >= b : a > b) : (op[1] ? a <= b : a < b);
}

static json_object *first_flip(json_object *spec, const aimc_sweep_findings_table *t)
{
    json_object *o = json_object_new_object(), *when = get(spec, "when"), *names = get(spec, "names");
    const char *group = str(spec, "group_by", ""), *key = str(spec, "key", "");
    const char *left = json_object_get_string(json_object_array_get_idx(when, 0));
    const char *op = json_object_get_string(json_object_array_get_idx(when, 1));
    const char *right = json_object_get_string(json_object_array_get_idx(when, 2));
    const char *first = str(names, "first", ""), *before = str(names, "before", ""), *last = str(names, "last", "");
    for (size_t r = 0; r < t->rows; r++) {
        const char *g = t->text(t->ctx, r, group);
        json_object *m;
        if (!json_object_object_get_ex(o, g, &m)) {
            m = json_object_new_object();
            json_object_object_add(m, first, json_object_new_int64(0));
            json_object_object_add(m, before, json_object_new_int64(0));
            json_object_object_add(m, last, json_object_new_int64(0));
            json_object_object_add(o, g, m);
        }
        int64_t k = (int64_t)t->number(t->ctx, r, key);
        if (json_object_get_int64(json_object_object_get(m, first)) == 0) {
            if (holds(t->number(t->ctx, r, left), op, t->number(t->ctx, r, right)))
                json_object_object_add(m, first, json_object_new_int64(k));
            else
                json_object_object_add(m, before, json_object_new_int64(k));
        }
        json_object_object_add(m, last, json_object_new_int64(k));
    }
    return o;
}

/* One output object from rows a (first / previous) and b (second / current). */
static json_object *record(json_object *fields, const aimc_sweep_findings_table *t, size_t a, size_t b, bool two,
                           bool steps)
{
    json_object *p = json_object_new_object();
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *f = json_object_array_get_idx(fields, i);
        const char *name = str(f, "name", ""), *col = str(f, "column", ""), *v = str(f, "value", "number");
        const char *row = str(f, "row", "");
        /* the row a value is read from: pairs default to the first, steps to the current */
        size_t r = !two ? b : steps ? (strcmp(row, "previous") == 0 ? a : b) : (strcmp(row, "second") == 0 ? b : a);
        json_object *x;
        if (strcmp(v, "text") == 0)
            x = json_object_new_string(t->text(t->ctx, r, col));
        else if (strcmp(v, "int") == 0)
            x = json_object_new_int64((int64_t)t->number(t->ctx, r, col));
        else if (strcmp(v, "ratio") == 0)
            x = number(t->number(t->ctx, b, col) / t->number(t->ctx, a, col), digits_of(f));
        else
            x = number(t->number(t->ctx, r, col), digits_of(f));
        json_object_object_add(p, name, x);
    }
    return p;
}

json_object *aimc_sweep_findings_eval(json_object *spec, const aimc_sweep_findings_table *t)
{
    const char *kind = str(spec, "kind", "");
    if (strcmp(kind, "extremes") == 0)
        return extremes(spec, t);
    if (strcmp(kind, "first_flip") == 0)
        return first_flip(spec, t);
    json_object *o = json_object_new_array(), *fields = get(spec, "fields");
    if (strcmp(kind, "rows") == 0)
        for (size_t r = 0; r < t->rows; r++)
            json_object_array_add(o, record(fields, t, r, r, false, false));
    else if (strcmp(kind, "pairs") == 0)
        for (size_t r = 0; r + 1 < t->rows; r += 2)
            json_object_array_add(o, record(fields, t, r, r + 1, true, false));
    else
        for (size_t r = 1; r < t->rows; r++)
            json_object_array_add(o, record(fields, t, r - 1, r, true, true));
    return o;
}
