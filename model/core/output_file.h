/* Every file the program writes goes through this module (docs/developing.md, "Writing an output"):
 *
 *  - an output is written under a temporary name next to its target, `<target>.tmp.<pid>` (the base name cut to
 *    fit NAME_MAX, `.<k>` added if taken), created with O_EXCL so that no other file is ever truncated, and
 *    renamed onto the target once complete; a failed or interrupted run removes it on every path, so the target
 *    holds the whole output or nothing;
 *  - writers that open the file by name themselves (the Verilated trace, the stimulus record) reserve such a name
 *    (aimc_output_reserve) and any companion names they create beside it (the FST writer's `<name>.hier`);
 *  - before anything runs, a command checks its outputs together (aimc_outputs_check): each one's folder exists
 *    and is writable, none is a folder, no two are the same file and none is one of the inputs;
 *  - a write error (a full disk: ENOSPC) is one line naming the output and the cause;
 *  - writers that map their files (the FST writer) run inside aimc_output_guard_begin/end, which turns the
 *    SIGBUS of a mapped page the disk could not hold into a failure the caller reports, instead of a crash.
 * Live temporaries are also registered so that aimc_output_remove_temporaries (async-signal-safe) can remove
 * them when a second SIGINT/SIGTERM ends the process at once (core/interrupt.h). */
#ifndef AIMC_OUTPUT_FILE_H
#define AIMC_OUTPUT_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/aimc_error.h"

typedef struct aimc_output_file aimc_output_file;

/* Creates the temporary file next to path and opens it as a stream; fails (with the path named) if path is a
 * folder or its folder is missing or not writable. */
aimc_output_file *aimc_output_open(const char *path, aimc_error *err);
/* Creates the temporary file (empty, closed) for a writer that opens it by name: aimc_output_temp_path. */
aimc_output_file *aimc_output_reserve(const char *path, aimc_error *err);
/* Reserves `<temporary><suffix>` too (created with O_EXCL, removed with the output), for a file the writer
 * creates beside its own (FST: ".hier"); the writer replaces it, so the name is never someone else's file. */
int aimc_output_reserve_companion(aimc_output_file *out, const char *suffix, aimc_error *err);
/* The stream of aimc_output_open (NULL for a reserved output). */
FILE *aimc_output_stream(aimc_output_file *out);
const char *aimc_output_temp_path(const aimc_output_file *out);
const char *aimc_output_path(const aimc_output_file *out);
/* Flushes and closes the stream (if any), renames the temporary into place and removes the companions; on a
 * write error (ENOSPC: "No space left on device") removes the temporary and fails naming path.  Frees out in
 * every case.  Safe on NULL (returns 0). */
int aimc_output_commit(aimc_output_file *out, aimc_error *err);
/* Closes and removes the temporary file and its companions; frees out.  Safe on NULL. */
void aimc_output_abort(aimc_output_file *out);

/* One output of a command, named by its option ("--report") for the error line. */
typedef struct {
    const char *option;
    const char *path; /* NULL: not given (skipped) */
} aimc_named_path;

/* Checks up front, before a long run, that every given output can be created (its folder exists and is writable,
 * it is not a folder), that no two outputs are the same file and that no output is one of the given inputs
 * (inputs that are not existing files, such as preset names, are skipped).  Existing files are compared by
 * device and inode, new ones by their folder's real path and their name.  Nothing is left behind. */
int aimc_outputs_check(const aimc_named_path *outputs, size_t nout, const aimc_named_path *inputs, size_t nin,
                       aimc_error *err);
/* The single-output forms (no names): path can be created; each non-NULL paths[i] can. */
int aimc_output_check_writable(const char *path, aimc_error *err);
int aimc_outputs_check_writable(const char *const *paths, size_t n, aimc_error *err);

/* Writes text to path atomically. */
int aimc_output_write_text(const char *path, const char *text, aimc_error *err);

/* Around a writer that maps its files: a SIGBUS on a mapped page (BUS_ADRERR: the file could not be extended,
 * e.g. the disk is full) maps a zero page there instead and is counted, so the writer runs to its end; any other
 * SIGBUS stays fatal.  end returns the faults counted since begin (nonzero: the output is corrupt, discard it).
 * Not nested; begin fails only if the handler cannot be installed. */
int aimc_output_guard_begin(aimc_error *err);
unsigned aimc_output_guard_end(void);

/* Removes every live temporary (async-signal-safe: for a signal handler about to end the process). */
void aimc_output_remove_temporaries(void);

/* path for an error line: as is when short, else its start and end around "..." with its length, so that the
 * cause after it is never cut off (out: at least AIMC_PATH_SHOWN bytes). */
#define AIMC_PATH_SHOWN 320
const char *aimc_path_shown(const char *path, char *out);

#endif
