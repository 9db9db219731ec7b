/* aimc3d sweep: design-space sweeps (docs/sweeps.md).
 *   sweep plan SPEC --out DIR     resolves every point of a spec (aimc3d-sweep/1) into DIR/points.jsonl
 *   sweep run DIR [--backend local|parallel|slurm ...]   runs the unfinished points
 *   sweep point DIR --index LIST  runs points in this process (what every backend starts)
 *   sweep collect DIR             the table (CSV, JSON), the Pareto front and gnuplot plots
 * The spec, the folder, the points and the table are the library's (model/sweep/); the backends are
 * tools/sweep_backends.c. */
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
#include "study_plots.h"
#include "sweep/sweep_dir.h"
#include "sweep/sweep_spec.h"
#include "sweep/sweep_table.h"
#include "sweep_backends.h"

static const char usage_text[] =
    "usage: aimc3d sweep plan SPEC --out DIR\n"
    "       aimc3d sweep run DIR [--backend local|parallel|slurm] [options]\n"
    "       aimc3d sweep point DIR --index LIST\n"
    "       aimc3d sweep collect DIR [--objectives LIST] [--no-plots]\n"
    "(aimc3d sweep <action> --help for its options; the spec format: docs/sweeps.md)\n";

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The positional argument after the action, then the options. */
static int parse(const char *command, int argc, char **argv, const char *what, const char **positional,
                 const aimc_cli_opt *opts, size_t nopts, const char *synopsis, aimc_error *err)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return aimc_cli_parse(command, argc, argv, opts, nopts, synopsis, err);
    if (argc < 2 || argv[1][0] == '-')
        return aimc_fail(err, "%s: expected %s first (see aimc3d %s --help)", command, what, command);
    *positional = argv[1];
    return aimc_cli_parse(command, argc - 1, argv + 1, opts, nopts, synopsis, err);
}

/* ---- plan ------------------------------------------------------------------------------------------------------- */

static int sweep_plan(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL;
    const aimc_cli_opt opts[] = {
        {"--out", CLI_STRING, &out, 0, 0, "the sweep folder (created; results of unchanged points stay)"},
    };
    aimc_error err;
    int parsed = parse("sweep plan", argc, argv, "the spec file", &spec, opts, 1,
                       "Resolves every point of a sweep spec (aimc3d-sweep/1) into DIR/points.jsonl; a point's id is "
                       "the hash of its\nconfiguration.",
                       &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    if (!out)
        return aimc_fail(&err, "sweep plan: expected --out DIR"), aimc_cli_error(&err);
    aimc_sweep *s = aimc_sweep_load(spec, &err);
    if (!s || aimc_sweep_write_plan(s, out, &err)) {
        aimc_sweep_destroy(s);
        return aimc_cli_error(&err);
    }
    printf("sweep: %zu points planned in %s (%zu refused by the chip or model, kept with their reason)\n",
           aimc_sweep_points(s), out, aimc_sweep_infeasible(s));
    aimc_sweep_destroy(s);
    return 0;
}

/* ---- point ------------------------------------------------------------------------------------------------------ */

static int sweep_point(int argc, char **argv)
{
    const char *dir = NULL, *index = NULL;
    bool force = false;
    const aimc_cli_opt opts[] = {
        {"--index", CLI_STRING, &index, 0, 0, "points to run: 3, 0-7 or 1,4,9-12 (indices of points.jsonl)"},
        {"--force", CLI_FLAG, &force, 0, 0, "run finished points again"},
    };
    aimc_error err;
    int parsed = parse("sweep point", argc, argv, "the sweep folder", &dir, opts, 2,
                       "Runs points of a planned sweep in this process, one after the other, each into its result "
                       "file\n(DIR/points/ID.json, written atomically); finished points are skipped.",
                       &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    if (!index)
        return aimc_fail(&err, "sweep point: expected --index LIST"), aimc_cli_error(&err);
    aimc_sweep_dir *d = aimc_sweep_dir_open(dir, &err);
    size_t *idx = NULL, n = 0;
    if (!d || aimc_sweep_parse_indices(index, aimc_sweep_dir_points(d), &idx, &n, &err)) {
        aimc_sweep_dir_close(d);
        return aimc_cli_error(&err);
    }
    int verdict = 0;
    for (size_t k = 0; k < n; k++) {
        int rc = aimc_interrupt_check("sweep point", &err) ? -1 : aimc_sweep_point_run(d, idx[k], force, &err);
        if (rc < 0) {
            free(idx);
            aimc_sweep_dir_close(d);
            /* a signal forwarded by the pool (sweep run): the pool says once what was interrupted */
            if (aimc_interrupt_signal() && getenv("AIMC3D_SWEEP_POOL"))
                return aimc_interrupt_exit_status();
            return aimc_cli_error(&err);
        }
        verdict |= rc;
    }
    free(idx);
    aimc_sweep_dir_close(d);
    return verdict;
}

/* ---- run -------------------------------------------------------------------------------------------------------- */

static int self_path(char *out, size_t size, aimc_error *err)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        return aimc_fail(err, "sweep run: cannot find this program (/proc/self/exe): %s", strerror(errno));
    out[n] = '\0';
    return 0;
}

static void summary_line(const aimc_sweep_dir *d, double seconds, size_t ran, size_t *unfinished)
{
    size_t ok = 0, infeasible = 0, failed = 0, pending = 0;
    for (size_t i = 0; i < aimc_sweep_dir_points(d); i++) {
        switch (aimc_sweep_dir_state(d, i)) {
        case AIMC_POINT_OK: ok++; break;
        case AIMC_POINT_INFEASIBLE: infeasible++; break;
        case AIMC_POINT_FAILED: failed++; break;
        case AIMC_POINT_PENDING: pending++; break;
        }
    }
    printf("sweep %s: %zu points: %zu ok, %zu infeasible, %zu failed, %zu not run; %zu run in %.2f s (%.2f points/s)\n",
           aimc_sweep_dir_name(d), aimc_sweep_dir_points(d), ok, infeasible, failed, pending, ran, seconds,
           seconds > 0 ? (double)ran / seconds : 0.0);
    *unfinished = failed + pending;
}

static int sweep_run(int argc, char **argv)
{
    const char *dir = NULL, *backend = "local", *sshlogin = NULL, *partition = NULL, *time_limit = NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long jobs = cores > 0 ? cores : 1, chunk = 4, array_max = 0;
    bool wait = false;
    const aimc_cli_opt opts[] = {
        {"--backend", CLI_STRING, &backend, 0, 0, "local (default), parallel (GNU parallel) or slurm (sbatch array)"},
        {"--jobs", CLI_LONG, &jobs, 1, 4096, "local, parallel: points run at once (default one per core)"},
        {"--sshlogin", CLI_STRING, &sshlogin, 0, 0, "parallel: GNU parallel's --sshlogin (DIR on a shared file system)"},
        {"--partition", CLI_STRING, &partition, 0, 0, "slurm: the partition (default the cluster's)"},
        {"--time", CLI_STRING, &time_limit, 0, 0, "slurm: time limit per array task, as sbatch --time"},
        {"--chunk", CLI_LONG, &chunk, 1, 1e6, "slurm: points per array task (default 4)"},
        {"--array-max", CLI_LONG, &array_max, 0, 1e6, "slurm: array tasks running at once (default no limit)"},
        {"--wait", CLI_FLAG, &wait, 0, 0, "slurm: follow the job to its end (progress on a terminal)"},
    };
    aimc_error err;
    int parsed = parse("sweep run", argc, argv, "the sweep folder", &dir, opts, sizeof opts / sizeof opts[0],
                       "Runs the points of a planned sweep that have no result yet, or whose run failed (finished "
                       "and\ninfeasible points are skipped).",
                       &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    bool slurm = strcmp(backend, "slurm") == 0, par = strcmp(backend, "parallel") == 0;
    if (!slurm && !par && strcmp(backend, "local") != 0)
        return aimc_fail(&err, "sweep run --backend: expected local, parallel or slurm, found \"%s\"", backend),
               aimc_cli_error(&err);
    if (!slurm && (partition || time_limit || wait || array_max))
        return aimc_fail(&err, "sweep run: --partition, --time, --array-max and --wait need --backend slurm"),
               aimc_cli_error(&err);
    if (!par && sshlogin)
        return aimc_fail(&err, "sweep run --sshlogin: expected --backend parallel"), aimc_cli_error(&err);
    char exe[PATH_MAX], absdir[PATH_MAX];
    if (self_path(exe, sizeof exe, &err))
        return aimc_cli_error(&err);
    if (!realpath(dir, absdir))
        return aimc_fail(&err, "%s: expected a planned sweep folder: %s", dir, strerror(errno)), aimc_cli_error(&err);
    aimc_sweep_dir *d = aimc_sweep_dir_open(absdir, &err);
    if (!d)
        return aimc_cli_error(&err);
    size_t n = 0, *idx = malloc((aimc_sweep_dir_points(d) + 1) * sizeof *idx);
    for (size_t i = 0; idx && i < aimc_sweep_dir_points(d); i++)
        if (aimc_sweep_dir_needs_run(d, i))
            idx[n++] = i;
    aimc_sweep_backend_options o = {.exe = exe, .jobs = jobs, .sshlogin = sshlogin, .partition = partition,
                                    .time = time_limit, .chunk = chunk, .array_max = array_max, .wait = wait};
    double t0 = wall_s();
    int rc = 0;
    char job[128] = "";
    /* the folder is marked until the run finished (a submitted Slurm job that is not followed is not marked) */
    bool mark = n && (!slurm || wait);
    char why[160];
    snprintf(why, sizeof why, "a sweep run (process %ld) started and has not finished", (long)getpid());
    if (mark && aimc_sweep_dir_mark_incomplete(d, why, &err)) {
        free(idx);
        aimc_sweep_dir_close(d);
        return aimc_cli_error(&err);
    }
    if (!idx)
        rc = aimc_fail(&err, "sweep run: out of memory");
    else if (n && slurm)
        rc = aimc_sweep_run_slurm(d, idx, n, &o, job, sizeof job, &err);
    else if (n && par)
        rc = aimc_sweep_run_parallel(d, idx, n, &o, &err);
    else if (n)
        rc = aimc_sweep_run_local(d, idx, n, &o, &err);
    free(idx);
    if (aimc_interrupt_signal()) { /* the points that finished are kept; the mark names the others */
        aimc_sweep_dir_close(d);
        aimc_error e;
        if (!(d = aimc_sweep_dir_open(absdir, &e))) {
            err = e;
            return aimc_cli_error(&err);
        }
        snprintf(why, sizeof why, "the sweep run was interrupted by %s", aimc_interrupt_name());
        size_t left = 0;
        for (size_t i = 0; i < aimc_sweep_dir_points(d); i++)
            left += aimc_sweep_dir_needs_run(d, i);
        if (aimc_sweep_dir_mark_incomplete(d, why, &e))
            err = e;
        else
            aimc_fail(&err, "sweep run %s: interrupted by %s: %zu of %zu points not run (%s/INCOMPLETE)", dir,
                      aimc_interrupt_name(), left, aimc_sweep_dir_points(d), dir);
        aimc_sweep_dir_close(d);
        return aimc_cli_error(&err);
    }
    if (!rc && mark)
        rc = aimc_sweep_dir_mark_complete(d, &err);
    if (rc) {
        aimc_sweep_dir_close(d);
        return aimc_cli_error(&err);
    }
    if (slurm && n && !wait) {
        printf("sweep %s: %zu points submitted as Slurm job %s (follow with squeue -j %s; then aimc3d sweep collect "
               "%s)\n", aimc_sweep_dir_name(d), n, job, job, dir);
        aimc_sweep_dir_close(d);
        return 0;
    }
    size_t unfinished;
    summary_line(d, wall_s() - t0, n, &unfinished);
    aimc_sweep_dir_close(d);
    if (unfinished) {
        fprintf(stderr, "aimc3d: sweep run: %zu points unfinished (failed, cancelled or killed): run again to retry "
                        "them\n", unfinished);
        return 1;
    }
    return 0;
}

/* ---- collect ---------------------------------------------------------------------------------------------------- */

/* gnuplot's column() of a header holding dots: the name quoted. */
static int plot_front(const aimc_plot_terminals *pt, const char *plots, const aimc_sweep_table *t, aimc_error *err)
{
    if (aimc_sweep_table_objectives(t) < 2)
        return 0;
    bool mx, my;
    const char *x = aimc_sweep_table_objective(t, 0, &mx), *y = aimc_sweep_table_objective(t, 1, &my);
    char body[2048];
    snprintf(body, sizeof body,
             "set title 'Pareto front: %s (%s) vs %s (%s)' noenhanced\n"
             "set xlabel '%s' noenhanced\nset ylabel '%s' noenhanced\nset key outside bottom center horizontal\n"
             "plot '../table.csv' using (column('%s')):(column('%s')) with points pt 7 ps 0.8 lc rgb '#9a9a9a' "
             "title 'points', \\\n"
             "     '../pareto.csv' using (column('%s')):(column('%s')) smooth unique with linespoints pt 7 ps 1.2 "
             "lw 2 lc rgb '#c0392b' title 'Pareto front'\n",
             x, mx ? "max" : "min", y, my ? "max" : "min", x, y, x, y, x, y);
    return aimc_plot_render(pt, plots, "front", body, err);
}

/* One image per numeric axis: each headline figure against it, one panel per figure. */
static int plot_axes(const aimc_plot_terminals *pt, const char *plots, const aimc_sweep_table *t, aimc_error *err)
{
    size_t nf;
    const char *const *figs = aimc_sweep_headline_figures(&nf);
    const char *have[16];
    size_t nh = 0;
    for (size_t f = 0; f < nf && nh < 16; f++)
        if (aimc_sweep_table_has_figure(t, figs[f]))
            have[nh++] = figs[f];
    for (size_t a = 0; a < aimc_sweep_table_axes(t) && nh; a++) {
        bool numeric;
        const char *axis = aimc_sweep_table_axis(t, a, &numeric);
        if (!numeric)
            continue;
        char body[8192], name[160];
        size_t len = (size_t)snprintf(body, sizeof body, "set multiplot layout %zu,2 title 'figures against %s' "
                                                         "noenhanced\nset xlabel '%s' noenhanced\nunset key\n",
                                      (nh + 1) / 2, axis, axis);
        for (size_t f = 0; f < nh && len < sizeof body; f++)
            len += (size_t)snprintf(body + len, sizeof body - len,
                                    "set ylabel '%s' noenhanced\nplot '../table.csv' using (column('%s')):"
                                    "(column('%s')) with points pt 7 ps 0.8\n",
                                    have[f], axis, have[f]);
        if (len < sizeof body)
            snprintf(body + len, sizeof body - len, "unset multiplot\n");
        snprintf(name, sizeof name, "vs_%s", axis);
        for (char *c = name; *c; c++)
            if (*c == '.' || *c == '/')
                *c = '_';
        if (aimc_plot_render(pt, plots, name, body, err))
            return -1;
    }
    return 0;
}

/* The spec's own plot script: it reads the table through the variable `data`. */
static int plot_spec(const aimc_plot_terminals *pt, const char *plots, const aimc_sweep_dir *d, aimc_error *err)
{
    json_object *script = aimc_sweep_dir_plan_field(d, "plot_script");
    if (!script)
        return 0;
    size_t len = strlen(json_object_get_string(script)) + 32;
    char *body = malloc(len);
    if (!body)
        return aimc_fail(err, "sweep collect: out of memory");
    snprintf(body, len, "data = '../table.csv'\n%s", json_object_get_string(script));
    int rc = aimc_plot_render(pt, plots, aimc_sweep_dir_name(d), body, err);
    free(body);
    return rc;
}

/* The spec's findings over the table: DIR/findings.json. */
static int write_findings(const aimc_sweep_dir *d, const aimc_sweep_table *t, const char *dir, aimc_error *err)
{
    json_object *spec = aimc_sweep_dir_plan_field(d, "findings");
    if (!spec)
        return 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_string("aimc3d-sweep-findings/1"));
    json_object_object_add(o, "name", json_object_new_string(aimc_sweep_dir_name(d)));
    json_object_object_add(o, "findings", aimc_sweep_table_findings(t, spec));
    char path[1100];
    snprintf(path, sizeof path, "%s/findings.json", dir);
    int rc = aimc_json_write_file(path, o, err);
    json_object_put(o);
    return rc;
}

static int sweep_collect(int argc, char **argv)
{
    const char *dir = NULL, *objectives = NULL;
    bool no_plots = false;
    const aimc_cli_opt opts[] = {
        {"--objectives", CLI_STRING, &objectives, 0, 0,
         "Pareto objectives, e.g. tokens_per_s:max,energy_per_token_nJ:min (default the spec's)"},
        {"--no-plots", CLI_FLAG, &no_plots, 0, 0, "write the tables only"},
    };
    aimc_error err;
    int parsed = parse("sweep collect", argc, argv, "the sweep folder", &dir, opts, 2,
                       "Collects every point into DIR/table.csv and table.json, the Pareto front into pareto.csv "
                       "and\npareto.json, and gnuplot plots into DIR/plots (the front, each figure against each "
                       "axis).",
                       &err);
    if (parsed)
        return parsed > 0 ? 0 : aimc_cli_error(&err);
    json_object *obj = NULL;
    if (objectives && !(obj = aimc_sweep_objectives_parse(objectives, &err)))
        return aimc_cli_error(&err);
    aimc_sweep_dir *d = aimc_sweep_dir_open(dir, &err);
    aimc_sweep_table *t = d && !aimc_sweep_dir_check_complete(d, &err) ? aimc_sweep_table_build(d, obj, &err) : NULL;
    json_object_put(obj);
    int rc = t ? aimc_sweep_table_write(t, dir, &err) : -1;
    if (!rc)
        rc = write_findings(d, t, dir, &err);
    if (!rc && !no_plots) {
        char plots[1100];
        snprintf(plots, sizeof plots, "%s/plots", dir);
        if (mkdir(plots, 0777) != 0 && errno != EEXIST)
            rc = aimc_fail(&err, "%s: cannot create the folder: %s", plots, strerror(errno));
        aimc_plot_terminals pt;
        aimc_plot_terminals_probe(&pt);
        if (!rc)
            rc = plot_front(&pt, plots, t, &err) || plot_axes(&pt, plots, t, &err) || plot_spec(&pt, plots, d, &err)
                     ? -1
                     : 0;
    }
    if (!rc) {
        aimc_sweep_counts c;
        aimc_sweep_table_counts(t, &c);
        printf("sweep %s: %zu points: %zu ok, %zu infeasible, %zu failed, %zu not run; %zu on the Pareto front; "
               "table: %s/table.csv\n", aimc_sweep_dir_name(d), c.points, c.ok, c.infeasible, c.failed, c.pending,
               c.front, dir);
    }
    aimc_sweep_table_destroy(t);
    aimc_sweep_dir_close(d);
    return rc ? aimc_cli_error(&err) : 0;
}

int aimc_cli_sweep(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? AIMC_EXIT_BAD_INPUT : 0;
    }
    const char *action = argv[1];
    argv[1] = argv[0]; /* the action's argv: [sweep <action>, positional, options...] */
    if (strcmp(action, "plan") == 0)
        return sweep_plan(argc - 1, argv + 1);
    /* the actions with safe points (between points, in each point's decode) take SIGINT/SIGTERM there */
    if (strcmp(action, "run") == 0 || strcmp(action, "point") == 0)
        aimc_interrupt_install();
    if (strcmp(action, "run") == 0)
        return sweep_run(argc - 1, argv + 1);
    if (strcmp(action, "point") == 0)
        return sweep_point(argc - 1, argv + 1);
    if (strcmp(action, "collect") == 0)
        return sweep_collect(argc - 1, argv + 1);
    fprintf(stderr, "aimc3d: sweep: unknown action \"%s\" (expected plan, run, point or collect)\n", action);
    return AIMC_EXIT_BAD_INPUT;
}
