/* Where `aimc3d sweep run` runs a planned sweep's unfinished points: each point (or chunk of points) is the
 * command `aimc3d sweep point DIR --index LIST`, started by
 *   local:    a pool of N worker processes on this machine (fork/exec, one point each),
 *   parallel: GNU parallel, which can spread them over machines (--sshlogin; DIR on a shared file system),
 *   slurm:    an sbatch array job, each task a chunk of K points (--wait follows it to the end).
 * The points write their own results (model/sweep/sweep_dir.h); a point process that dies is recorded as
 * failed by the local pool and by the parallel backend (from its job log).  Progress is drawn on stderr when it
 * is a terminal. */
#ifndef AIMC_SWEEP_BACKENDS_H
#define AIMC_SWEEP_BACKENDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/aimc_error.h"
#include "sweep/sweep_dir.h"

typedef struct {
    const char *exe;       /* this program, for the point commands */
    long jobs;             /* local and parallel: workers */
    const char *sshlogin;  /* parallel: --sshlogin, or NULL */
    const char *partition; /* slurm, or NULL */
    const char *time;      /* slurm --time, or NULL */
    long chunk;            /* slurm: points per array task */
    long array_max;        /* slurm: tasks running at once (0: no limit) */
    bool wait;             /* slurm: follow the job to its end */
} aimc_sweep_backend_options;

/* Each runs the given points (indices into d) and returns 0, or -1 with err when the backend could not be
 * started.  What finished is read back from the results by the caller. */
int aimc_sweep_run_local(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                         aimc_error *err);
int aimc_sweep_run_parallel(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                            aimc_error *err);
/* Writes DIR/slurm/<name>-<k>.sbatch and submits it; *submitted tells whether the job went in (without --wait
 * the points are still to run when this returns). */
int aimc_sweep_run_slurm(const aimc_sweep_dir *d, const size_t *idx, size_t n, const aimc_sweep_backend_options *o,
                         char *job_id, size_t job_id_size, aimc_error *err);

#endif
