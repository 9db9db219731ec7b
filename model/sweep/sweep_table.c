#include "sweep/sweep_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"
#include "core/output_file.h"
#include "sweep/sweep_expr.h"
#include "sweep/sweep_findings.h"

typedef enum { COL_INT, COL_REAL, COL_TEXT } col_kind;

typedef struct {
    char name[96];
    col_kind kind;
    bool axis, figure;
    char description[256]; /* the spec's columns */
} column;

struct aimc_sweep_table {
    char name[128];
    column *cols;
    size_t ncols, capcols;
    json_object *rows;       /* array of objects: column name -> value (absent: empty cell) */
    json_object *objectives; /* figure -> "min"/"max" */
    aimc_sweep_counts counts;
};

static const char *const headline[] = {"tokens_per_s", "energy_per_token_nJ", "tokens_per_s_per_W",
                                       "tokens_per_s_per_mm2", "area_mm2", "average_power_W"};

static column *find_col(const aimc_sweep_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

static column *add_col(aimc_sweep_table *t, const char *name, col_kind kind)
{
    column *c = find_col(t, name);
    if (c) {
        if (c->kind != kind)
            c->kind = c->kind == COL_TEXT || kind == COL_TEXT ? COL_TEXT : COL_REAL;
        return c;
    }
    if (t->ncols == t->capcols) {
        size_t cap = t->capcols ? 2 * t->capcols : 32;
        column *n = realloc(t->cols, cap * sizeof *n);
        if (!n)
            return NULL;
        t->cols = n;
        t->capcols = cap;
    }
    c = &t->cols[t->ncols++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->kind = kind;
    return c;
}

static col_kind kind_of(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_int:
    case json_type_boolean: return COL_INT;
    case json_type_double: return COL_REAL;
    default: return COL_TEXT;
    }
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                                            : "";
}

/* Numeric fields of a report section go in as figures (prefix + key). */
static int add_figures(aimc_sweep_table *t, json_object *row, json_object *section, const char *prefix)
{
    if (!section || !json_object_is_type(section, json_type_object))
        return 0;
    json_object_object_foreach(section, key, val) {
        json_type ty = json_object_get_type(val);
        if (ty != json_type_int && ty != json_type_double)
            continue;
        char name[96];
        snprintf(name, sizeof name, "%s%s", prefix, key);
        column *c = add_col(t, name, kind_of(val));
        if (!c)
            return -1;
        c->figure = true;
        json_object_object_add(row, name, json_object_get(val));
    }
    return 0;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o)
        json_object_object_get_ex(o, key, &v);
    return v;
}

/* Whether a is at least as good as b in every objective and better in one. */
static bool dominates(const aimc_sweep_table *t, json_object *a, json_object *b)
{
    bool better = false;
    json_object_object_foreach(t->objectives, key, goal) {
        double x = json_object_get_double(get(a, key)), y = json_object_get_double(get(b, key));
        bool max = strcmp(json_object_get_string(goal), "max") == 0;
        if (max ? x < y : x > y)
            return false;
        if (max ? x > y : x < y)
            better = true;
    }
    return better;
}

static int pareto(aimc_sweep_table *t, aimc_error *err)
{
    size_t n = json_object_array_length(t->rows);
    json_object_object_foreach(t->objectives, key, goal) {
        (void)goal;
        column *c = find_col(t, key);
        if (!c || !c->figure) {
            char list[1024] = "";
            for (size_t i = 0; i < t->ncols; i++)
                if (t->cols[i].figure && strlen(list) + strlen(t->cols[i].name) + 3 < sizeof list)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", list[0] ? ", " : "",
                             t->cols[i].name);
            return aimc_fail(err, "objectives: %s: expected a figure of the table (%s)", key,
                             list[0] ? list : "no point has finished yet");
        }
    }
    bool any = json_object_object_length(t->objectives) > 0;
    if (any)
        add_col(t, "pareto", COL_INT);
    for (size_t i = 0; i < n && any; i++) {
        json_object *a = json_object_array_get_idx(t->rows, i);
        if (strcmp(str_of(a, "status"), "ok") != 0)
            continue;
        bool usable = true;
        json_object_object_foreach(t->objectives, key, goal) {
            (void)goal;
            usable &= get(a, key) && isfinite(json_object_get_double(get(a, key)));
        }
        bool front = usable;
        for (size_t j = 0; j < n && front; j++) {
            json_object *b = json_object_array_get_idx(t->rows, j);
            if (j != i && strcmp(str_of(b, "status"), "ok") == 0 && dominates(t, b, a))
                front = false;
        }
        json_object_object_add(a, "pareto", json_object_new_int(front));
        t->counts.front += front;
    }
    return 0;
}

/* ---- the spec's own columns ------------------------------------------------------------------------------------ */

typedef struct {
    json_object *point, *result, *status, *error;
} row_ctx;

/* json_object_object_get along a dotted path (array elements by index). */
static json_object *at_path(json_object *o, const char *path, size_t len)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)len, path);
    char *save = NULL;
    for (char *part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array)) {
            char *end;
            long i = strtol(part, &end, 10);
            o = !*end && i >= 0 && (size_t)i < json_object_array_length(o) ? json_object_array_get_idx(o, (size_t)i)
                                                                         : NULL;
        } else {
            o = get(o, part);
        }
    }
    return o;
}

static json_object *row_ref(void *ctx, const char *name, size_t len)
{
    row_ctx *c = ctx;
    struct {
        const char *prefix;
        json_object *root;
    } roots[] = {{"report.", get(c->result, "report")}, {"figures.", get(c->result, "figures")},
                 {"run.", get(c->point, "run")}};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(roots[k].prefix);
        if (len > n && strncmp(name, roots[k].prefix, n) == 0)
            return roots[k].root ? at_path(roots[k].root, name + n, len - n) : NULL;
    }
    if (len == 6 && strncmp(name, "status", 6) == 0)
        return c->status;
    if (len == 5 && strncmp(name, "error", 5) == 0)
        return c->error;
    if ((len == 5 && strncmp(name, "label", 5) == 0) || (len == 5 && strncmp(name, "index", 5) == 0) ||
        (len == 2 && strncmp(name, "id", 2) == 0)) {
        char key[8];
        snprintf(key, sizeof key, "%.*s", (int)len, name);
        return get(c->point, key);
    }
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)len, name);
    return get(get(c->point, "axes"), key); /* an axis path */
}

/* A cell of the column's kind from a formula's value, or NULL for an empty cell. */
static json_object *cell_of(const column *c, const aimc_sweep_expr_value *v)
{
    if (v->missing)
        return NULL;
    if (v->ref) {
        json_type ty = json_object_get_type(v->ref);
        if (c->kind == COL_TEXT)
            return json_object_new_string(ty == json_type_string ? json_object_get_string(v->ref)
                                                                 : json_object_to_json_string(v->ref));
        if (ty == json_type_boolean)
            return json_object_new_int(json_object_get_boolean(v->ref));
        if (ty == json_type_int)
            return c->kind == COL_INT ? json_object_get(v->ref) : json_object_new_double((double)json_object_get_int64(v->ref));
        if (ty != json_type_double)
            return json_object_new_string(json_object_to_json_string(v->ref));
        aimc_sweep_expr_value n = {.number = json_object_get_double(v->ref)};
        return cell_of(c, &n);
    }
    if (c->kind == COL_INT && v->number == floor(v->number) && fabs(v->number) < 9e15)
        return json_object_new_int64((int64_t)v->number);
    if (c->kind == COL_TEXT) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.9g", v->number);
        return json_object_new_string(buf);
    }
    return json_object_new_double(v->number);
}

static int spec_columns(aimc_sweep_table *t, json_object *columns, aimc_error *err)
{
    for (size_t k = 0; k < json_object_array_length(columns); k++) {
        json_object *c = json_object_array_get_idx(columns, k);
        const char *kind = json_object_get_string(get(c, "kind"));
        column *col = add_col(t, json_object_get_string(get(c, "name")),
                              !strcmp(kind, "text") ? COL_TEXT : !strcmp(kind, "int") ? COL_INT : COL_REAL);
        if (!col)
            return aimc_fail(err, "out of memory");
        col->figure = col->kind != COL_TEXT;
        snprintf(col->description, sizeof col->description, "%s",
                 get(c, "description") ? json_object_get_string(get(c, "description")) : "");
    }
    return 0;
}

static int spec_row(aimc_sweep_table *t, json_object *columns, json_object *row, row_ctx *ctx, size_t i,
                    aimc_error *err)
{
    for (size_t k = 0; k < json_object_array_length(columns); k++) {
        json_object *c = json_object_array_get_idx(columns, k);
        const char *formula = json_object_get_string(get(c, "value"));
        aimc_sweep_expr_value v;
        char why[1024];
        if (aimc_sweep_expr_eval(formula, row_ref, ctx, &v, why, sizeof why))
            return aimc_fail(err, "columns[%zu] (%s): point %zu: %s", k, json_object_get_string(get(c, "name")), i,
                             why);
        json_object *cell = cell_of(&t->cols[k], &v);
        if (cell)
            json_object_object_add(row, t->cols[k].name, cell);
    }
    return 0;
}

/* The table of the spec's columns: one row per point, every cell a formula over the point and its result. */
static int build_spec_rows(aimc_sweep_table *t, const aimc_sweep_dir *d, json_object *columns, aimc_error *err)
{
    if (spec_columns(t, columns, err))
        return -1;
    t->counts.points = aimc_sweep_dir_points(d);
    for (size_t i = 0; i < aimc_sweep_dir_points(d); i++) {
        json_object *p = aimc_sweep_dir_point(d, i), *row = json_object_new_object();
        json_object_array_add(t->rows, row);
        row_ctx ctx = {p, NULL, NULL, NULL};
        const char *status;
        if (strcmp(str_of(p, "status"), "infeasible") == 0) {
            status = "infeasible";
            ctx.error = json_object_new_string(str_of(p, "reason"));
        } else {
            ctx.result = aimc_sweep_dir_result(d, i);
            if (!ctx.result && aimc_sweep_dir_has_result(d, i)) {
                char path[1100];
                aimc_sweep_dir_result_path(d, i, path, sizeof path);
                return aimc_fail(err, "%s: expected a point result (the file does not parse)", path);
            }
            status = ctx.result ? str_of(ctx.result, "status") : "pending";
            if (ctx.result && get(ctx.result, "error"))
                ctx.error = json_object_get(get(ctx.result, "error"));
        }
        ctx.status = json_object_new_string(status);
        *(!strcmp(status, "ok") ? &t->counts.ok : !strcmp(status, "infeasible") ? &t->counts.infeasible
          : !strcmp(status, "failed")                                         ? &t->counts.failed
                                                                              : &t->counts.pending) += 1;
        json_object_object_add(row, "status", json_object_get(ctx.status)); /* for the front; not a column */
        int rc = spec_row(t, columns, row, &ctx, i, err);
        json_object_put(ctx.result);
        json_object_put(ctx.status);
        json_object_put(ctx.error);
        if (rc)
            return -1;
    }
    return pareto(t, err);
}

aimc_sweep_table *aimc_sweep_table_build(const aimc_sweep_dir *d, json_object *objectives, aimc_error *err)
{
    aimc_sweep_table *t = calloc(1, sizeof *t);
    if (!t) {
        aimc_fail(err, "out of memory");
        return NULL;
    }
    snprintf(t->name, sizeof t->name, "%s", aimc_sweep_dir_name(d));
    t->rows = json_object_new_array();
    t->objectives = json_object_get(objectives ? objectives : aimc_sweep_dir_objectives(d));
    if (!t->objectives)
        t->objectives = json_object_new_object();
    json_object *axes = aimc_sweep_dir_axes(d), *columns = aimc_sweep_dir_plan_field(d, "columns");
    if (columns) {
        if (build_spec_rows(t, d, columns, err)) {
            aimc_sweep_table_destroy(t);
            return NULL;
        }
        return t;
    }
    add_col(t, "index", COL_INT);
    add_col(t, "id", COL_TEXT);
    add_col(t, "status", COL_TEXT);
    /* the swept columns: their kind is that of every value they take */
    for (size_t a = 0; a < json_object_array_length(axes); a++) {
        const char *path = json_object_get_string(json_object_array_get_idx(axes, a));
        col_kind kind = COL_INT;
        for (size_t i = 0; i < aimc_sweep_dir_points(d); i++) {
            col_kind k = kind_of(get(get(aimc_sweep_dir_point(d, i), "axes"), path));
            kind = kind == COL_TEXT || k == COL_TEXT ? COL_TEXT : kind == COL_REAL || k == COL_REAL ? COL_REAL : COL_INT;
        }
        add_col(t, path, kind)->axis = true;
    }
    add_col(t, "tiles", COL_INT);
    add_col(t, "tiers", COL_INT);
    int rc = 0;
    t->counts.points = aimc_sweep_dir_points(d);
    for (size_t i = 0; i < aimc_sweep_dir_points(d) && !rc; i++) {
        json_object *p = aimc_sweep_dir_point(d, i), *row = json_object_new_object();
        json_object_array_add(t->rows, row);
        json_object_object_add(row, "index", json_object_new_int64((int64_t)i));
        json_object_object_add(row, "id", json_object_new_string(aimc_sweep_dir_point_id(d, i)));
        json_object_object_foreach(get(p, "axes"), key, val) json_object_object_add(row, key, json_object_get(val));
        if (strcmp(str_of(p, "status"), "infeasible") == 0) {
            json_object_object_add(row, "status", json_object_new_string("infeasible"));
            json_object_object_add(row, "error", json_object_new_string(str_of(p, "reason")));
            t->counts.infeasible++;
            continue;
        }
        json_object *r = aimc_sweep_dir_result(d, i);
        if (!r && aimc_sweep_dir_has_result(d, i)) {
            char path[1100];
            aimc_sweep_dir_result_path(d, i, path, sizeof path);
            rc = aimc_fail(err, "%s: expected a point result (the file does not parse)", path);
            break;
        }
        const char *status = r ? str_of(r, "status") : "pending";
        json_object_object_add(row, "status", json_object_new_string(status[0] ? status : "pending"));
        if (strcmp(status, "ok") == 0) {
            json_object *report = get(r, "report"), *config = get(report, "config"), *gpu = get(report, "gpu");
            json_object_object_add(row, "tiles", json_object_get(get(config, "tiles")));
            json_object_object_add(row, "tiers", json_object_get(get(config, "tiers")));
            rc = add_figures(t, row, get(report, "summary"), "") ||
                 add_figures(t, row, get(gpu, "figures"), "gpu_") ||
                 add_figures(t, row, get(gpu, "ratios_aimc_over_gpu"), "ratio_");
            t->counts.ok++;
        } else if (r) {
            json_object_object_add(row, "error", json_object_new_string(str_of(r, "error")));
            *(strcmp(status, "infeasible") == 0 ? &t->counts.infeasible : &t->counts.failed) += 1;
        } else {
            t->counts.pending++;
        }
        json_object_put(r);
    }
    if (rc)
        aimc_fail(err, "out of memory");
    if (!rc)
        rc = pareto(t, err);
    if (!rc)
        add_col(t, "error", COL_TEXT);
    if (rc) {
        aimc_sweep_table_destroy(t);
        return NULL;
    }
    return t;
}

void aimc_sweep_table_destroy(aimc_sweep_table *t)
{
    if (!t)
        return;
    json_object_put(t->rows);
    json_object_put(t->objectives);
    free(t->cols);
    free(t);
}

json_object *aimc_sweep_objectives_parse(const char *text, aimc_error *err)
{
    json_object *o = json_object_new_object();
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(item, ':');
        if (!colon || colon == item || (strcmp(colon + 1, "min") != 0 && strcmp(colon + 1, "max") != 0)) {
            json_object_put(o);
            aimc_fail(err, "collect --objectives: expected figure:min or figure:max items separated by commas "
                           "(tokens_per_s:max,energy_per_token_nJ:min), found \"%s\"", item);
            return NULL;
        }
        *colon = '\0';
        json_object_object_add(o, item, json_object_new_string(colon + 1));
    }
    if (!json_object_object_length(o)) {
        json_object_put(o);
        aimc_fail(err, "collect --objectives: expected at least one figure:min or figure:max");
        return NULL;
    }
    return o;
}

void aimc_sweep_table_counts(const aimc_sweep_table *t, aimc_sweep_counts *out)
{
    *out = t->counts;
}

/* ---- writing ---------------------------------------------------------------------------------------------------- */

/* A cell as text: whole numbers as such, reals with 9 significant digits (as the study tables), text quoted when
 * it holds a comma, a quote or a line break (RFC 4180). */
static void cell_text(const column *c, json_object *v, char *buf, size_t size, bool csv)
{
    buf[0] = '\0';
    if (!v)
        return;
    json_type ty = json_object_get_type(v);
    if (c->kind != COL_TEXT && ty == json_type_boolean) {
        snprintf(buf, size, "%d", json_object_get_boolean(v));
    } else if (c->kind == COL_INT && ty == json_type_int) {
        snprintf(buf, size, "%lld", (long long)json_object_get_int64(v));
    } else if (c->kind != COL_TEXT && (ty == json_type_int || ty == json_type_double)) {
        snprintf(buf, size, "%.9g", json_object_get_double(v));
    } else {
        const char *s = ty == json_type_string ? json_object_get_string(v) : json_object_to_json_string(v);
        if (csv && strpbrk(s, ",\"\n\r")) {
            size_t n = 0;
            buf[n++] = '"';
            for (const char *p = s; *p && n + 3 < size; p++) {
                if (*p == '"')
                    buf[n++] = '"';
                buf[n++] = *p;
            }
            buf[n++] = '"';
            buf[n] = '\0';
        } else {
            snprintf(buf, size, "%s", s);
        }
    }
}

static bool on_front(json_object *row)
{
    json_object *v = get(row, "pareto");
    return v && json_object_get_int(v) == 1;
}

static int write_csv(const aimc_sweep_table *t, const char *path, bool front_only, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, "%s%s", c ? "," : "", t->cols[c].name);
    fputc('\n', f);
    char cell[2048];
    for (size_t i = 0; i < json_object_array_length(t->rows); i++) {
        json_object *row = json_object_array_get_idx(t->rows, i);
        if (front_only && !on_front(row))
            continue;
        for (size_t c = 0; c < t->ncols; c++) {
            cell_text(&t->cols[c], get(row, t->cols[c].name), cell, sizeof cell, true);
            fprintf(f, "%s%s", c ? "," : "", cell);
        }
        fputc('\n', f);
    }
    return aimc_output_commit(out, err);
}

static int write_json(const aimc_sweep_table *t, const char *path, bool front_only, aimc_error *err)
{
    static const char *const kinds[] = {"int", "real", "text"};
    json_object *root = json_object_new_object(), *cols = json_object_new_array(), *rows = json_object_new_array();
    json_object_object_add(root, "format", json_object_new_string(AIMC_SWEEP_TABLE_FORMAT));
    json_object_object_add(root, "name", json_object_new_string(t->name));
    json_object_object_add(root, "objectives", json_object_get(t->objectives));
    for (size_t c = 0; c < t->ncols; c++) {
        json_object *col = json_object_new_object();
        json_object_object_add(col, "name", json_object_new_string(t->cols[c].name));
        json_object_object_add(col, "kind", json_object_new_string(kinds[t->cols[c].kind]));
        json_object_object_add(col, "role", json_object_new_string(t->cols[c].axis     ? "axis"
                                                                   : t->cols[c].figure ? "figure"
                                                                                       : "point"));
        json_object_array_add(cols, col);
    }
    json_object_object_add(root, "columns", cols);
    char cell[2048];
    for (size_t i = 0; i < json_object_array_length(t->rows); i++) {
        json_object *row = json_object_array_get_idx(t->rows, i), *o = json_object_new_object();
        if (front_only && !on_front(row)) {
            json_object_put(o);
            continue;
        }
        for (size_t c = 0; c < t->ncols; c++) {
            json_object *v = get(row, t->cols[c].name);
            if (!v)
                continue;
            cell_text(&t->cols[c], v, cell, sizeof cell, false);
            json_object *cellv = t->cols[c].kind == COL_TEXT ? json_object_new_string(cell)
                                 : t->cols[c].kind == COL_INT && json_object_get_type(v) != json_type_double
                                     ? json_object_new_int64(atoll(cell))
                                     : json_object_new_double_s(atof(cell), cell);
            json_object_object_add(o, t->cols[c].name, cellv);
        }
        json_object_array_add(rows, o);
    }
    json_object_object_add(root, "rows", rows);
    int rc = aimc_json_write_file(path, root, err);
    json_object_put(root);
    return rc;
}

int aimc_sweep_table_write(const aimc_sweep_table *t, const char *dir, aimc_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/table.csv", dir);
    if (write_csv(t, path, false, err))
        return -1;
    snprintf(path, sizeof path, "%s/table.json", dir);
    if (write_json(t, path, false, err))
        return -1;
    if (!json_object_object_length(t->objectives))
        return 0;
    snprintf(path, sizeof path, "%s/pareto.csv", dir);
    if (write_csv(t, path, true, err))
        return -1;
    snprintf(path, sizeof path, "%s/pareto.json", dir);
    return write_json(t, path, true, err);
}

/* ---- for plots -------------------------------------------------------------------------------------------------- */

size_t aimc_sweep_table_axes(const aimc_sweep_table *t)
{
    size_t n = 0;
    for (size_t c = 0; c < t->ncols; c++)
        n += t->cols[c].axis;
    return n;
}

const char *aimc_sweep_table_axis(const aimc_sweep_table *t, size_t i, bool *numeric)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (t->cols[c].axis && i-- == 0) {
            *numeric = t->cols[c].kind != COL_TEXT;
            return t->cols[c].name;
        }
    return NULL;
}

size_t aimc_sweep_table_objectives(const aimc_sweep_table *t)
{
    return (size_t)json_object_object_length(t->objectives);
}

const char *aimc_sweep_table_objective(const aimc_sweep_table *t, size_t i, bool *maximise)
{
    json_object_object_foreach(t->objectives, key, goal) {
        if (i-- == 0) {
            *maximise = strcmp(json_object_get_string(goal), "max") == 0;
            return key;
        }
    }
    return NULL;
}

bool aimc_sweep_table_has_figure(const aimc_sweep_table *t, const char *name)
{
    column *c = find_col(t, name);
    return c && c->figure;
}

const char *const *aimc_sweep_headline_figures(size_t *n)
{
    *n = sizeof headline / sizeof headline[0];
    return headline;
}

/* ---- cells, for studies and findings ---------------------------------------------------------------------------- */

size_t aimc_sweep_table_rows(const aimc_sweep_table *t) { return json_object_array_length(t->rows); }
size_t aimc_sweep_table_columns(const aimc_sweep_table *t) { return t->ncols; }

const char *aimc_sweep_table_column(const aimc_sweep_table *t, size_t i, char *kind, const char **description)
{
    if (i >= t->ncols)
        return NULL;
    *kind = t->cols[i].kind == COL_TEXT ? 't' : t->cols[i].kind == COL_INT ? 'i' : 'r';
    *description = t->cols[i].description;
    return t->cols[i].name;
}

json_object *aimc_sweep_table_cell(const aimc_sweep_table *t, size_t row, const char *column)
{
    return row < aimc_sweep_table_rows(t) ? get(json_object_array_get_idx(t->rows, row), column) : NULL;
}

static double cell_number(void *ctx, size_t row, const char *column)
{
    json_object *v = aimc_sweep_table_cell(ctx, row, column);
    json_type ty = json_object_get_type(v);
    return v && (ty == json_type_int || ty == json_type_double || ty == json_type_boolean) ? json_object_get_double(v)
                                                                                           : NAN;
}

static const char *cell_string(void *ctx, size_t row, const char *column)
{
    json_object *v = aimc_sweep_table_cell(ctx, row, column);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

json_object *aimc_sweep_table_findings(const aimc_sweep_table *t, json_object *spec)
{
    aimc_sweep_findings_table ft = {(void *)t, aimc_sweep_table_rows(t), cell_number, cell_string};
    return aimc_sweep_findings_eval(spec, &ft);
}
