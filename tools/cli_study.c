/* aimc3d study 3d-moe: the 3D AIMC paper's headline study (Buechel, Vasilopoulos et al. 2025) on the fast engine,
 * run from the study spec shipped with the presets (model/presets/studies/3d-moe.json, docs/sweeps.md "Studies"):
 * each of its tables is a sweep spec (aimc3d-sweep/1: points, columns, findings, plot script; a full and a
 * reduced variant), planned into OUT/sweeps/<table>, run on the local pool (--jobs) and collected.  The study
 * writes per table a CSV and a JSON (aimc3d-study-table/1), the plot (gnuplot script, PNG and SVG), and
 * study.json with the options, the tables and the findings; each file atomically.  No point list, column or
 * finding is coded here: a study is data. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/interrupt.h"
#include "core/json_config.h"
#include "core/output_file.h"
#include "report/study_table.h"
#include "study_plots.h"
#include "sweep/sweep_dir.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_table.h"
#include "sweep_backends.h"
#include "system/chip_config.h"
#include "system/gpu_roofline.h"

#define STUDY_SPEC_FORMAT "aimc3d-study-spec/1"
#define MAX_TABLES 32

typedef struct {
    const char *name, *title;
    char spec[2300];
    aimc_sweep *sweep;
} table;

typedef struct {
    const char *out, *gpu_name, *study_name;
    long tokens, seed, jobs;
    bool reduced;
    aimc_gpu_config gpu;
    aimc_plot_terminals plots;
    json_object *spec; /* the study spec */
    table tables[MAX_TABLES];
    size_t ntables;
    json_object *index_tables, *findings;
} study;

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads the study spec and loads (checks) every table's sweep spec, before anything is written. */
static int load_study(study *c, aimc_error *err)
{
    char path[1100], dir[1100];
    aimc_preset_path("studies", c->study_name, path, sizeof path);
    if (!(c->spec = aimc_json_load_file(path, err)))
        return -1;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    aimc_json_where top = {path, ""};
    const char *format;
    json_object *tables, *options;
    if (aimc_json_get_string(c->spec, top, "format", &format, err))
        return -1;
    if (strcmp(format, STUDY_SPEC_FORMAT) != 0)
        return aimc_fail_field(err, path, "format", "\"%s\", found \"%s\"", STUDY_SPEC_FORMAT, format);
    if (aimc_json_get_object(c->spec, top, "options", &options, err))
        return -1;
    if (!json_object_object_get_ex(c->spec, "tables", &tables) || !json_object_is_type(tables, json_type_array) ||
        !json_object_array_length(tables) || json_object_array_length(tables) > MAX_TABLES)
        return aimc_fail_field(err, path, "tables", "an array of 1 to %d tables {name, title, spec, reduced}",
                               MAX_TABLES);
    /* the command line's options replace the specs' run options */
    json_object *over = json_object_new_object();
    if (c->tokens)
        json_object_object_add(over, "tokens", json_object_new_int64(c->tokens));
    json_object_object_add(over, "seed", json_object_new_int64(c->seed));
    json_object_object_add(over, "gpu", json_object_new_string(c->gpu_name));
    int rc = 0;
    for (size_t i = 0; i < json_object_array_length(tables) && !rc; i++) {
        json_object *t = json_object_array_get_idx(tables, i);
        char where[32];
        snprintf(where, sizeof where, "tables[%zu]", i);
        aimc_json_where at = {path, where};
        table *tb = &c->tables[c->ntables++];
        const char *spec;
        if (aimc_json_get_string(t, at, "name", &tb->name, err) || aimc_json_get_string(t, at, "title", &tb->title, err) ||
            aimc_json_get_string(t, at, c->reduced ? "reduced" : "spec", &spec, err)) {
            rc = -1;
            break;
        }
        if (!tb->name[0] || strpbrk(tb->name, "/ \t\n")) {
            rc = aimc_fail(err, "%s: %s.name: expected a file name without spaces or slashes", path, where);
            break;
        }
        snprintf(tb->spec, sizeof tb->spec, "%s/%s", dir, spec);
        if (!(tb->sweep = aimc_sweep_load_with(tb->spec, over, err)))
            rc = -1;
    }
    json_object_put(over);
    return rc;
}

static int make_out_dir(const char *dir, aimc_error *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return aimc_fail(err, "study --out %s: cannot create the folder (%s)", dir, strerror(errno));
    char path[1100];
    snprintf(path, sizeof path, "%s/study.json", dir);
    if (aimc_output_check_writable(path, err))
        return -1;
    snprintf(path, sizeof path, "%s/sweeps", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return aimc_fail(err, "%s: cannot create the folder (%s)", path, strerror(errno));
    return 0;
}

static int self_path(char *out, size_t size, aimc_error *err)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        return aimc_fail(err, "study: cannot find this program (/proc/self/exe): %s", strerror(errno));
    out[n] = '\0';
    return 0;
}

/* Plans the table's sweep into OUT/sweeps/<name>, runs its unfinished points on the local pool and checks that
 * every point finished ok (a study's point that does not run is an error, not a row). */
static int run_sweep(const study *c, const table *tb, char *dir, size_t size, aimc_error *err)
{
    char rel[1100], exe[PATH_MAX];
    snprintf(rel, sizeof rel, "%s/sweeps/%s", c->out, tb->name);
    if (aimc_sweep_write_plan(tb->sweep, rel, err) || self_path(exe, sizeof exe, err))
        return -1;
    if (!realpath(rel, dir) || strlen(dir) >= size)
        return aimc_fail(err, "%s: cannot resolve the sweep folder: %s", rel, strerror(errno));
    aimc_sweep_dir *d = aimc_sweep_dir_open(dir, err);
    if (!d)
        return -1;
    size_t n = 0, *idx = malloc((aimc_sweep_dir_points(d) + 1) * sizeof *idx);
    for (size_t i = 0; idx && i < aimc_sweep_dir_points(d); i++)
        if (aimc_sweep_dir_needs_run(d, i))
            idx[n++] = i;
    aimc_sweep_backend_options o = {.exe = exe, .jobs = c->jobs};
    int rc = !idx ? aimc_fail(err, "study: out of memory") : n ? aimc_sweep_run_local(d, idx, n, &o, err) : 0;
    free(idx);
    for (size_t i = 0; !rc && i < aimc_sweep_dir_points(d); i++) {
        if (aimc_sweep_dir_state(d, i) == AIMC_POINT_OK)
            continue;
        json_object *p = aimc_sweep_dir_point(d, i), *r = aimc_sweep_dir_result(d, i), *v;
        const char *why = r && json_object_object_get_ex(r, "error", &v)   ? json_object_get_string(v)
                          : json_object_object_get_ex(p, "reason", &v) ? json_object_get_string(v)
                                                                         : "not run";
        rc = aimc_fail(err, "study %s: %s: point %zu (%s): %s", c->study_name, tb->name, i,
                       json_object_object_get_ex(p, "label", &v) ? json_object_get_string(v) : "", why);
        json_object_put(r);
    }
    aimc_sweep_dir_close(d);
    return rc;
}

/* The collected table as a study table (the same columns, descriptions and cells). */
static int write_study_table(const study *c, const table *tb, const aimc_sweep_table *t, aimc_error *err)
{
    size_t ncols = aimc_sweep_table_columns(t);
    aimc_study_column *cols = calloc(ncols ? ncols : 1, sizeof *cols);
    if (!cols)
        return aimc_fail(err, "study: out of memory");
    for (size_t k = 0; k < ncols; k++) {
        char kind;
        const char *description;
        cols[k].name = aimc_sweep_table_column(t, k, &kind, &description);
        cols[k].kind = kind == 't' ? AIMC_COL_TEXT : kind == 'i' ? AIMC_COL_INT : AIMC_COL_REAL;
        cols[k].description = description;
    }
    aimc_study_table *st = aimc_study_table_create(tb->name, tb->title, cols, ncols);
    int rc = st ? 0 : aimc_fail(err, "study: out of memory");
    for (size_t r = 0; !rc && r < aimc_sweep_table_rows(t); r++) {
        if (aimc_study_table_add_row(st) < 0)
            rc = aimc_fail(err, "study: out of memory");
        for (size_t k = 0; !rc && k < ncols; k++) {
            json_object *v = aimc_sweep_table_cell(t, r, cols[k].name);
            if (!v)
                rc = aimc_fail(err, "study %s: %s: row %zu: column %s is empty", c->study_name, tb->name, r,
                               cols[k].name);
            else if (cols[k].kind == AIMC_COL_TEXT)
                rc = aimc_study_table_set_text(st, cols[k].name, json_object_get_string(v), err);
            else
                rc = aimc_study_table_set(st, cols[k].name, json_object_get_double(v), err);
        }
    }
    char csv[1100], json[1100];
    snprintf(csv, sizeof csv, "%s/%s.csv", c->out, tb->name);
    snprintf(json, sizeof json, "%s/%s.json", c->out, tb->name);
    if (!rc)
        rc = aimc_study_table_write(st, csv, json, err);
    aimc_study_table_destroy(st);
    free(cols);
    return rc;
}

/* The spec's gnuplot script reads its table through the variable `data`. */
static int plot_table(const study *c, const table *tb, const aimc_sweep_dir *d, aimc_error *err)
{
    json_object *script = aimc_sweep_dir_plan_field(d, "plot_script");
    if (!script)
        return 0;
    size_t len = strlen(json_object_get_string(script)) + strlen(tb->name) + 32;
    char *body = malloc(len);
    if (!body)
        return aimc_fail(err, "study: out of memory");
    snprintf(body, len, "data = '%s.csv'\n%s", tb->name, json_object_get_string(script));
    int rc = aimc_plot_render(&c->plots, c->out, tb->name, body, err);
    free(body);
    return rc;
}

static void index_entry(study *c, const table *tb, size_t rows, bool plot)
{
    json_object *entry = json_object_new_object();
    char file[160];
    json_object_object_add(entry, "title", json_object_new_string(tb->title));
    json_object_object_add(entry, "rows", json_object_new_int64((int64_t)rows));
    /* file names relative to the folder, so that study.json moves with it */
    const char *exts[] = {"csv", "json", "gp", "png", "svg"}, *keys[] = {"csv", "json", "plot_script", "png", "svg"};
    bool have[] = {true, true, plot, plot && c->plots.png, plot && c->plots.svg};
    for (size_t k = 0; k < 5; k++)
        if (have[k]) {
            snprintf(file, sizeof file, "%s.%s", tb->name, exts[k]);
            json_object_object_add(entry, keys[k], json_object_new_string(file));
        }
    snprintf(file, sizeof file, "sweeps/%s", tb->name);
    json_object_object_add(entry, "sweep", json_object_new_string(file));
    json_object_object_add(c->index_tables, tb->name, entry);
}

static int do_table(study *c, const table *tb, aimc_error *err)
{
    double t0 = wall_s();
    char dir[PATH_MAX];
    if (run_sweep(c, tb, dir, sizeof dir, err))
        return -1;
    aimc_sweep_dir *d = aimc_sweep_dir_open(dir, err);
    aimc_sweep_table *t = d ? aimc_sweep_table_build(d, NULL, err) : NULL;
    /* the sweep's own collected table beside its points, then the study's files */
    int rc = t ? aimc_sweep_table_write(t, dir, err) : -1;
    if (!rc)
        rc = write_study_table(c, tb, t, err);
    if (!rc)
        rc = plot_table(c, tb, d, err);
    if (!rc) {
        json_object *f = aimc_sweep_dir_plan_field(d, "findings");
        if (f)
            json_object_object_add(c->findings, tb->name, aimc_sweep_table_findings(t, f));
        bool plot = aimc_sweep_dir_plan_field(d, "plot_script") != NULL;
        index_entry(c, tb, aimc_sweep_table_rows(t), plot);
        printf("(%c) %-42s %3zu points, %6.1f s -> %s/%s.{csv,json%s%s%s}\n", tb->name[0], tb->title,
               aimc_sweep_table_rows(t), wall_s() - t0, c->out, tb->name, plot ? ",gp" : "",
               plot && c->plots.png ? ",png" : "", plot && c->plots.svg ? ",svg" : "");
        fflush(stdout);
    }
    aimc_sweep_table_destroy(t);
    aimc_sweep_dir_close(d);
    return rc;
}

static int write_index(const study *c, aimc_error *err)
{
    json_object *o = json_object_new_object(), *opt = json_object_new_object(), *spec_opt, *v;
    json_object_object_add(o, "format", json_object_new_string("aimc3d-study/1"));
    json_object_object_add(o, "study", json_object_new_string(c->study_name));
    json_object_object_add(opt, "reduced", json_object_new_boolean(c->reduced));
    /* the tokens every table ran with (the first table's spec says, unless --tokens did) */
    json_object *plan = aimc_sweep_point(c->tables[0].sweep, 0);
    json_object *run = plan && json_object_object_get_ex(plan, "run", &v) ? v : NULL;
    json_object_object_add(opt, "tokens_per_sequence",
                           json_object_new_int64(run && json_object_object_get_ex(run, "tokens", &v)
                                                     ? json_object_get_int64(v)
                                                     : c->tokens));
    json_object_object_add(opt, "seed", json_object_new_int64(c->seed));
    json_object_object_add(opt, "gpu", json_object_new_string(c->gpu.name));
    json_object_object_get_ex(c->spec, "options", &spec_opt);
    json_object_object_foreach(spec_opt, key, val) json_object_object_add(opt, key, json_object_get(val));
    json_object_object_add(o, "options", opt);
    json_object_object_add(o, "plots", json_object_new_string(!c->plots.gnuplot ? "none: gnuplot not found"
                                                              : c->plots.png   ? "png and svg"
                                                              : c->plots.svg   ? "svg only: gnuplot has no PNG terminal"
                                                                               : "none: gnuplot has neither PNG nor SVG"));
    json_object_object_add(o, "tables", json_object_get(c->index_tables));
    json_object_object_add(o, "findings", json_object_get(c->findings));
    char path[1100];
    snprintf(path, sizeof path, "%s/study.json", c->out);
    int rc = aimc_json_write_file(path, o, err);
    json_object_put(o);
    if (!rc)
        printf("study: %s (options, tables, findings)\n", path);
    return rc;
}

static int run_study(study *c, aimc_error *err)
{
    if (aimc_gpu_config_load(c->gpu_name, &c->gpu, err) || load_study(c, err) || make_out_dir(c->out, err))
        return -1;
    aimc_plot_terminals_probe(&c->plots);
    if (!c->plots.gnuplot)
        printf("note: gnuplot not found: tables only, no plots (tools/setup installs gnuplot-nox)\n");
    else if (!c->plots.png)
        printf("note: gnuplot has no PNG terminal: plots as SVG only\n");
    c->index_tables = json_object_new_object();
    c->findings = json_object_new_object();
    /* OUT/INCOMPLETE until study.json is written: an interrupted or killed study is never taken for a whole one */
    char marker[1100], text[1400];
    snprintf(marker, sizeof marker, "%s/INCOMPLETE", c->out);
    snprintf(text, sizeof text, "a study run (process %ld) started and has not finished\n", (long)getpid());
    int rc = aimc_output_write_text(marker, text, err);
    size_t done = 0;
    for (; done < c->ntables && !rc; done += !rc)
        rc = aimc_interrupt_check("study", err) || do_table(c, &c->tables[done], err) ? -1 : 0;
    if (!rc)
        rc = aimc_interrupt_check("study", err) || write_index(c, err) ? -1 : 0;
    if (!rc)
        return remove(marker) == 0 ? 0 : aimc_fail(err, "%s: cannot remove the mark: %s", marker, strerror(errno));
    if (aimc_interrupt_signal()) { /* the tables written so far stay; the mark says which are missing */
        size_t len = (size_t)snprintf(text, sizeof text, "the study was interrupted by %s\n"
                                                            "tables not written:", aimc_interrupt_name());
        for (size_t k = done; k < c->ntables && len < sizeof text; k++)
            len += (size_t)snprintf(text + len, sizeof text - len, " %s", c->tables[k].name);
        if (len < sizeof text)
            snprintf(text + len, sizeof text - len, "; study.json not written\n");
        aimc_error e;
        if (aimc_output_write_text(marker, text, &e))
            *err = e;
        else
            aimc_fail(err, "study: interrupted by %s: %zu of %zu tables written, the folder is marked incomplete (%s)",
                      aimc_interrupt_name(), done, c->ntables, marker);
    }
    return rc;
}

static void study_free(study *c)
{
    for (size_t i = 0; i < c->ntables; i++)
        aimc_sweep_destroy(c->tables[i].sweep);
    json_object_put(c->index_tables);
    json_object_put(c->findings);
    json_object_put(c->spec);
}

int aimc_cli_study(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    study c = {.out = "study-3d-moe", .gpu_name = "a100", .study_name = "3d-moe", .seed = 1,
               .jobs = cores > 0 ? cores : 1};
    const aimc_cli_opt opts[] = {
        {"--out", CLI_STRING, &c.out, 0, 0, "output folder (default study-3d-moe)"},
        {"--reduced", CLI_FLAG, &c.reduced, 0, 0, "small models and few tokens: seconds, not minutes (tests)"},
        {"--tokens", CLI_LONG, &c.tokens, 1, 4096, "tokens generated per sequence (default the spec's: 16; 2 with --reduced)"},
        {"--seed", CLI_LONG, &c.seed, 0, 4294967295.0, "random seed (default 1)"},
        {"--gpu", CLI_STRING, &c.gpu_name, 0, 0, "GPU baseline preset or JSON file (default a100)"},
        {"--jobs", CLI_LONG, &c.jobs, 1, 4096, "points run at once (default one per core)"},
    };
    aimc_error err;
    const char *synopsis = "Runs the 3D AIMC paper's study (Buechel et al. 2025) on the fast engine from its spec\n"
                           "(model/presets/studies/3d-moe.json: one sweep per table) and writes tables (CSV, JSON),\n"
                           "plots (gnuplot PNG and SVG), study.json and the sweeps (sweeps/) into the output folder.";
    if (argc >= 2 && strcmp(argv[1], "heterogeneous") == 0)
        return aimc_cli_study_heterogeneous(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "3d-moe") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
            return aimc_cli_parse("study 3d-moe", argc, argv, opts, sizeof opts / sizeof opts[0], synopsis, &err) > 0
                       ? 0
                       : aimc_cli_error(&err);
        aimc_fail(&err, "study: expected the study name 3d-moe or heterogeneous, found \"%s\"", argc >= 2 ? argv[1] : "");
        return aimc_cli_error(&err);
    }
    int parsed = aimc_cli_parse("study 3d-moe", argc - 1, argv + 1, opts, sizeof opts / sizeof opts[0], synopsis, &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    aimc_interrupt_install(); /* SIGINT/SIGTERM stop at the next safe point: exit 130/143 (core/interrupt.h) */
    int rc = run_study(&c, &err) ? aimc_cli_error(&err) : 0;
    study_free(&c);
    return rc;
}
