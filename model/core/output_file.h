/* Outputs are written to `<path>.tmp.<pid>` and renamed into place on success, so a failed run never
 * leaves a partial file under the requested name. */
#ifndef AIMC_OUTPUT_FILE_H
#define AIMC_OUTPUT_FILE_H

#include <stdio.h>

#include "core/aimc_error.h"

typedef struct aimc_output_file aimc_output_file;

/* Opens the temporary file next to path; fails (with the path named) if its folder is not writable. */
aimc_output_file *aimc_output_open(const char *path, aimc_error *err);
FILE *aimc_output_stream(aimc_output_file *out);
const char *aimc_output_temp_path(const aimc_output_file *out);
/* Flushes, closes and renames into place; frees out in every case. */
int aimc_output_commit(aimc_output_file *out, aimc_error *err);
/* Closes and removes the temporary file; frees out. Safe on NULL. */
void aimc_output_abort(aimc_output_file *out);

/* Checks up front that path can be created (its folder exists and is writable), before a long run. */
int aimc_output_check_writable(const char *path, aimc_error *err);
/* The same for each of paths[0 .. n) that is not NULL, in order; fails on the first that cannot be created. */
int aimc_outputs_check_writable(const char *const *paths, size_t n, aimc_error *err);

/* Writes text to path atomically. */
int aimc_output_write_text(const char *path, const char *text, aimc_error *err);

#endif
