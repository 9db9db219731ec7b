/* Running a helper program (gnuplot, sbatch, squeue) and reading what it said. */
#ifndef AIMC_SUBPROCESS_H
#define AIMC_SUBPROCESS_H

#include <stddef.h>

/* Runs argv (argv[0] looked up on PATH) in dir (NULL: the current folder) with its stdout and stderr captured
 * into out, of which the last size - 1 bytes are kept (the last message matters); returns the exit status, or
 * -1 when it could not run. */
int aimc_run_captured(const char *dir, char *const argv[], char *out, size_t size);

#endif
