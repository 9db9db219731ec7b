#include "sweep_backends.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/interrupt.h"
#include "core/output_file.h"
#include "subprocess.h"

/* ---- progress: points done / total, failed, rate, time left; on a terminal only --------------------------------- */

typedef struct {
    bool on, shown;
    double start_s, last_s;
    size_t total;
    const char *name;
} sweep_progress;

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void progress_start(sweep_progress *p, const aimc_sweep_dir *d, size_t total)
{
    *p = (sweep_progress){.on = isatty(STDERR_FILENO) == 1, .start_s = wall_s(), .total = total,
                          .name = aimc_sweep_dir_name(d)};
}

static void progress_show(sweep_progress *p, size_t done, size_t failed, bool force)
{
    if (!p->on)
        return;
    double now = wall_s();
    if (!force && p->shown && now - p->last_s < 0.2)
        return;
    p->last_s = now;
    p->shown = true;
    double rate = now > p->start_s ? (double)done / (now - p->start_s) : 0;
    char left[48] = "";
    if (rate > 0 && done < p->total)
        snprintf(left, sizeof left, ", %.0f s left", (double)(p->total - done) / rate);
    fprintf(stderr, "\rsweep %s: %zu/%zu points, %zu failed, %.2f points/s%s\033[K", p->name, done, p->total, failed,
            rate, left);
    fflush(stderr);
}

static void progress_end(sweep_progress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/* Done (a result exists) and failed among the given points. */
static void count_results(const aimc_sweep_dir *d, const size_t *idx, size_t n, const bool *seen_before, size_t *done,
                          size_t *failed)
{
    *done = *failed = 0;
    for (size_t k = 0; k < n; k++) {
        if (seen_before && seen_before[k]) { /* a failed result from before: done only once rewritten */
            if (aimc_sweep_dir_state(d, idx[k]) == AIMC_POINT_FAILED)
                continue;
        } else if (!aimc_sweep_dir_has_result(d, idx[k])) {
            continue;
        }
        (*done)++;
    }
    (void)failed;
}

/* ---- local pool ------------------------------------------------------------------------------------------------- */

static pid_t spawn(char *const argv[], int stdin_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setenv("AIMC3D_SWEEP_POOL", "1", 1); /* an interrupted point leaves the one report line to the pool */
    int null = open("/dev/null", O_RDWR);
    if (stdin_fd >= 0)
        dup2(stdin_fd, STDIN_FILENO);
    else if (null >= 0)
        dup2(null, STDIN_FILENO);
    if (null >= 0)
        dup2(null, STDOUT_FILENO);
    execvp(argv[0], argv);
    fprintf(stderr, "aimc3d: sweep: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* What became of a point process that did not write its result. */
static void record_death(const aimc_sweep_dir *d, size_t i, int status, const char *where)
{
    char msg[256];
    if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "the point process was killed by signal %d (%s)%s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), where);
    else
        snprintf(msg, sizeof msg, "the point process exited with status %d without a result%s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, where);
    aimc_error e;
    if (aimc_sweep_point_record_failure(d, i, msg, &e))
        fprintf(stderr, "aimc3d: %s\n", e.msg);
}

int aimc_sweep_run_local(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                         aimc_error *err)
{
    size_t jobs = o->jobs > 0 ? (size_t)o->jobs : 1;
    pid_t *pid = calloc(jobs, sizeof *pid);
    size_t *slot = calloc(jobs, sizeof *slot);
    if (!pid || !slot) {
        free(pid);
        free(slot);
        return aimc_fail(err, "sweep run: out of memory");
    }
    sweep_progress pr;
    progress_start(&pr, d, n);
    size_t next = 0, active = 0, done = 0, failed = 0;
    int rc = 0;
    bool forwarded = false;
    while (next < n || active) {
        if (aimc_interrupt_signal() && !forwarded) { /* stop: no new point; the running ones stop at theirs */
            forwarded = true;
            next = n;
            for (size_t s = 0; s < jobs; s++)
                if (pid[s])
                    kill(pid[s], aimc_interrupt_signal());
        }
        while (active < jobs && next < n && !rc) {
            char index[32];
            snprintf(index, sizeof index, "%zu", idx[next]);
            char *argv[] = {(char *)o->exe, "sweep", "point", (char *)aimc_sweep_dir_path(d), "--index", index, NULL};
            size_t s = 0;
            while (pid[s])
                s++;
            pid[s] = spawn(argv, -1);
            if (pid[s] < 0) {
                pid[s] = 0;
                rc = aimc_fail(err, "sweep run: cannot start a worker: %s", strerror(errno));
                break;
            }
            slot[s] = idx[next++];
            active++;
        }
        if (!active)
            break;
        int status;
        pid_t w = waitpid(-1, &status, WNOHANG); /* polled, so that a signal is seen while points run */
        if (w == 0) {
            sleep_s(0.02);
            continue;
        }
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = aimc_fail(err, "sweep run: waiting for the workers: %s", strerror(errno));
            break;
        }
        for (size_t s = 0; s < jobs; s++) {
            if (pid[s] != w)
                continue;
            pid[s] = 0;
            active--;
            bool wrote = WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
            bool stopped = forwarded && ((WIFEXITED(status) && WEXITSTATUS(status) >= 128) || WIFSIGNALED(status));
            if (!wrote && !stopped) /* a point the signal stopped stays pending */
                record_death(d, slot[s], status, "");
            failed += !wrote || WEXITSTATUS(status) == 1;
            done++;
        }
        progress_show(&pr, done, failed, false);
        if (rc)
            next = n;
    }
    progress_end(&pr);
    free(pid);
    free(slot);
    return rc;
}

/* ---- GNU parallel ----------------------------------------------------------------------------------------------- */

/* Records the jobs of parallel's job log (Seq Host Starttime JobRuntime Send Receive Exitval Signal Command) that
 * died without writing their result. */
static void read_joblog(const aimc_sweep_dir *d, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    bool header = true;
    while (fgets(line, sizeof line, f)) {
        if (header) {
            header = false;
            continue;
        }
        char host[256], *index;
        long seq, exitval, sig;
        double start, runtime;
        long send, recv;
        if (sscanf(line, "%ld\t%255[^\t]\t%lf\t%lf\t%ld\t%ld\t%ld\t%ld", &seq, host, &start, &runtime, &send, &recv,
                   &exitval, &sig) != 8 || !(index = strstr(line, "--index ")))
            continue;
        size_t i = (size_t)strtoull(index + 8, NULL, 10);
        if (i >= aimc_sweep_dir_points(d) || ((exitval == 0 || exitval == 1) && sig == 0))
            continue;
        char where[300];
        snprintf(where, sizeof where, " (GNU parallel, host %s)", host);
        int status = sig ? sig : (int)(exitval << 8); /* the wait status the log's fields describe */
        record_death(d, i, status, where);
    }
    fclose(f);
}

int aimc_sweep_run_parallel(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                            aimc_error *err)
{
    char joblog[1100], jobs[32];
    snprintf(joblog, sizeof joblog, "%s/logs", aimc_sweep_dir_path(d));
    if (mkdir(joblog, 0777) != 0 && errno != EEXIST)
        return aimc_fail(err, "%s: cannot create the folder: %s", joblog, strerror(errno));
    snprintf(joblog, sizeof joblog, "%s/logs/parallel-%ld.joblog", aimc_sweep_dir_path(d), (long)getpid());
    snprintf(jobs, sizeof jobs, "%ld", o->jobs > 0 ? o->jobs : 1);
    int fd[2];
    if (pipe(fd) != 0)
        return aimc_fail(err, "sweep run --backend parallel: pipe: %s", strerror(errno));
    fcntl(fd[1], F_SETFD, FD_CLOEXEC); /* parallel must see the list end: only this process holds the write end */
    char *argv[24];
    size_t a = 0;
    argv[a++] = "parallel";
    argv[a++] = "--will-cite";
    argv[a++] = "--halt";
    argv[a++] = "never";
    argv[a++] = "--jobs";
    argv[a++] = jobs;
    argv[a++] = "--joblog";
    argv[a++] = joblog;
    if (o->sshlogin) {
        argv[a++] = "--sshlogin";
        argv[a++] = (char *)o->sshlogin;
    }
    argv[a++] = (char *)o->exe;
    argv[a++] = "sweep";
    argv[a++] = "point";
    argv[a++] = (char *)aimc_sweep_dir_path(d);
    argv[a++] = "--index";
    argv[a++] = "{}";
    argv[a] = NULL;
    pid_t pid = spawn(argv, fd[0]);
    close(fd[0]);
    if (pid < 0) {
        close(fd[1]);
        return aimc_fail(err, "sweep run --backend parallel: cannot start GNU parallel: %s", strerror(errno));
    }
    FILE *in = fdopen(fd[1], "w");
    for (size_t k = 0; in && k < n; k++)
        fprintf(in, "%zu\n", idx[k]);
    if (in)
        fclose(in);
    else
        close(fd[1]);
    bool *before = calloc(n ? n : 1, sizeof *before);
    for (size_t k = 0; before && k < n; k++)
        before[k] = aimc_sweep_dir_has_result(d, idx[k]);
    sweep_progress pr;
    progress_start(&pr, d, n);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        size_t done, failed;
        count_results(d, idx, n, before, &done, &failed);
        progress_show(&pr, done, failed, false);
        sleep_s(0.2);
    }
    progress_end(&pr);
    free(before);
    read_joblog(d, joblog);
    /* parallel exits with the number of failed jobs (1-100), 101 beyond; 255 on its own errors */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return aimc_fail(err, "sweep run --backend parallel: GNU parallel is not installed (tools/setup installs it)");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 255)
        return aimc_fail(err, "sweep run --backend parallel: GNU parallel failed (exit 255)");
    return 0;
}

/* ---- Slurm ------------------------------------------------------------------------------------------------------ */

/* Runs argv and captures what it printed, trailing blanks trimmed; returns the exit status, or -1. */
static int capture(char *const argv[], char *out, size_t size)
{
    int rc = aimc_run_captured(NULL, argv, out, size);
    size_t len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    return rc;
}

/* The chunk's indices as a compact list: "0-3,7". */
static void index_list(const size_t *idx, size_t n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < n;) {
        size_t j = k;
        while (j + 1 < n && idx[j + 1] == idx[j] + 1)
            j++;
        int w = j > k ? snprintf(out + len, size - len, "%s%zu-%zu", len ? "," : "", idx[k], idx[j])
                      : snprintf(out + len, size - len, "%s%zu", len ? "," : "", idx[k]);
        if (w < 0 || (size_t)w >= size - len)
            return;
        len += (size_t)w;
        k = j + 1;
    }
}

static int write_script(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                        size_t tasks, char *path, size_t size, aimc_error *err)
{
    const char *dir = aimc_sweep_dir_path(d);
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/slurm", dir);
    if (mkdir(sub, 0777) != 0 && errno != EEXIST)
        return aimc_fail(err, "%s: cannot create the folder: %s", sub, strerror(errno));
    for (int k = 1;; k++) { /* the next free script name: earlier submissions stay for reference */
        snprintf(path, size, "%s/%s-%d.sbatch", sub, aimc_sweep_dir_name(d), k);
        if (access(path, F_OK) != 0)
            break;
    }
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    fprintf(f, "#!/bin/bash\n# Written by aimc3d sweep run --backend slurm: %zu points of sweep %s in %zu array tasks "
               "of up to %ld points.\n", n, aimc_sweep_dir_name(d), tasks, o->chunk);
    fprintf(f, "#SBATCH --job-name=aimc3d-%s\n", aimc_sweep_dir_name(d));
    if (o->array_max > 0)
        fprintf(f, "#SBATCH --array=0-%zu%%%ld\n", tasks - 1, o->array_max);
    else
        fprintf(f, "#SBATCH --array=0-%zu\n", tasks - 1);
    fprintf(f, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
    fprintf(f, "#SBATCH --output=%s/slurm/%%A_%%a.out\n", dir);
    if (o->partition)
        fprintf(f, "#SBATCH --partition=%s\n", o->partition);
    if (o->time)
        fprintf(f, "#SBATCH --time=%s\n", o->time);
    fprintf(f, "chunks=(\n");
    char list[8192];
    for (size_t t = 0; t < tasks; t++) {
        size_t first = t * (size_t)o->chunk, count = n - first < (size_t)o->chunk ? n - first : (size_t)o->chunk;
        index_list(idx + first, count, list, sizeof list);
        fprintf(f, "  %s\n", list);
    }
    fprintf(f, ")\nexec '%s' sweep point '%s' --index \"${chunks[$SLURM_ARRAY_TASK_ID]}\"\n", o->exe, dir);
    if (aimc_output_commit(out, err))
        return -1;
    chmod(path, 0755);
    return 0;
}

int aimc_sweep_run_slurm(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                         char *job_id, size_t job_id_size, aimc_error *err)
{
    size_t tasks = (n + (size_t)o->chunk - 1) / (size_t)o->chunk;
    char script[1200], out[4096];
    if (write_script(d, idx, n, o, tasks, script, sizeof script, err))
        return -1;
    char *sbatch[] = {"sbatch", "--parsable", script, NULL};
    int rc = capture(sbatch, out, sizeof out);
    if (rc == 127 || rc < 0)
        return aimc_fail(err, "sweep run --backend slurm: cannot run sbatch (Slurm's client commands: tools/setup "
                              "installs slurm-wlm)");
    if (rc != 0)
        return aimc_fail(err, "sweep run --backend slurm: sbatch %s failed (exit %d): %s", script, rc, out);
    char *semi = strchr(out, ';'); /* "jobid;cluster" */
    if (semi)
        *semi = '\0';
    snprintf(job_id, job_id_size, "%s", out);
    if (!o->wait)
        return 0;
    sweep_progress pr;
    progress_start(&pr, d, n);
    bool *before = calloc(n ? n : 1, sizeof *before);
    for (size_t k = 0; before && k < n; k++)
        before[k] = aimc_sweep_dir_has_result(d, idx[k]);
    for (;;) {
        /* the job is over when squeue lists none of its tasks (or no longer knows it) */
        char *squeue[] = {"squeue", "-h", "-j", job_id, "-o", "%i %T", NULL};
        int q = capture(squeue, out, sizeof out);
        size_t done, failed;
        count_results(d, idx, n, before, &done, &failed);
        progress_show(&pr, done, failed, false);
        if (q != 0 || !out[0])
            break;
        sleep_s(0.5);
    }
    progress_end(&pr);
    free(before);
    return 0;
}
