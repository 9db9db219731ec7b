/* A planned sweep folder (written by aimc_sweep_write_plan): its points, the state of each one's result, and
 * running one point through the run facade into its result file DIR/points/<id>.json (format
 * aimc3d-sweep-result/1), written atomically so that a killed run leaves either the whole result or none.
 *
 * Beside the whole report, an ok result holds "figures": the run's figures, energies (fJ) and counters unrounded,
 * for table columns computed from them (docs/sweeps.md).
 *
 * Point states: pending (no result), ok, infeasible (the configuration is refused: by the chip or model when
 * planned, by the plan or the run when run; final, like ok) and failed (the decode failed, or the process died:
 * retried by the next run, the earlier error lines kept in the new result). */
#ifndef AIMC_SWEEP_DIR_H
#define AIMC_SWEEP_DIR_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/aimc_error.h"

#define AIMC_SWEEP_RESULT_FORMAT "aimc3d-sweep-result/1"

typedef struct aimc_sweep_dir aimc_sweep_dir;

typedef enum { AIMC_POINT_PENDING, AIMC_POINT_OK, AIMC_POINT_INFEASIBLE, AIMC_POINT_FAILED } aimc_point_state;

/* Reads DIR/sweep.json and DIR/points.jsonl; one error line naming the file on a fault. */
aimc_sweep_dir *aimc_sweep_dir_open(const char *dir, aimc_error *err);
void aimc_sweep_dir_close(aimc_sweep_dir *d);

const char *aimc_sweep_dir_path(const aimc_sweep_dir *d);
const char *aimc_sweep_dir_name(const aimc_sweep_dir *d);
size_t aimc_sweep_dir_points(const aimc_sweep_dir *d);
/* The point object of points.jsonl (borrowed), its id. */
json_object *aimc_sweep_dir_point(const aimc_sweep_dir *d, size_t i);
const char *aimc_sweep_dir_point_id(const aimc_sweep_dir *d, size_t i);
/* The swept paths in column order, and the spec's objectives (object figure -> "min"/"max"); borrowed. */
json_object *aimc_sweep_dir_axes(const aimc_sweep_dir *d);
json_object *aimc_sweep_dir_objectives(const aimc_sweep_dir *d);
/* A field of sweep.json the spec may give, or NULL: "label" (template), "columns", "findings", "plot_script". */
json_object *aimc_sweep_dir_plan_field(const aimc_sweep_dir *d, const char *key);

/* DIR/points/<id>.json */
void aimc_sweep_dir_result_path(const aimc_sweep_dir *d, size_t i, char *out, size_t size);
/* The point's result (a new object the caller puts), or NULL when there is none or it does not parse. */
json_object *aimc_sweep_dir_result(const aimc_sweep_dir *d, size_t i);
aimc_point_state aimc_sweep_dir_state(const aimc_sweep_dir *d, size_t i);
/* Whether a run must (re)do the point: pending or failed. */
bool aimc_sweep_dir_needs_run(const aimc_sweep_dir *d, size_t i);
/* Whether a result file exists (cheap: no parse), for progress. */
bool aimc_sweep_dir_has_result(const aimc_sweep_dir *d, size_t i);

/* Runs point i (unless finished, or force) and writes its result: 0 when the result is ok or infeasible, 1 when
 * the run failed (the failure is recorded), -1 with err when no result could be written. */
int aimc_sweep_point_run(const aimc_sweep_dir *d, size_t i, bool force, aimc_error *err);
/* Records a failure seen from outside the point (the process died): a failed result with this error line. */
int aimc_sweep_point_record_failure(const aimc_sweep_dir *d, size_t i, const char *error, aimc_error *err);

/* A run in progress or interrupted leaves DIR/INCOMPLETE: its first line says why ("a sweep run started ... and
 * has not finished", "interrupted by SIGINT"), the second how many and which points have no final result.  A
 * run marks the folder before it starts points and clears the mark once it finished; collect refuses a marked
 * folder (aimc_sweep_dir_check_complete).  Written atomically. */
int aimc_sweep_dir_mark_incomplete(const aimc_sweep_dir *d, const char *why, aimc_error *err);
int aimc_sweep_dir_mark_complete(const aimc_sweep_dir *d, aimc_error *err);
/* Fails with "DIR: incomplete: <why> (DIR/INCOMPLETE) ..." while the folder is marked. */
int aimc_sweep_dir_check_complete(const aimc_sweep_dir *d, aimc_error *err);

/* Parses "3", "0-7", "1,4,9-12" into sorted unique indices below n (caller frees *out); -1 with err. */
int aimc_sweep_parse_indices(const char *text, size_t n, size_t **out, size_t *count, aimc_error *err);

#endif
