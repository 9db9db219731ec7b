/* Helpers shared by the workload tests: a private temporary folder and files written into it. */
#ifndef AIMC_WORKLOAD_TESTUTIL_H
#define AIMC_WORKLOAD_TESTUTIL_H

#include <stddef.h>

/* A fresh folder under $TMPDIR (or /tmp), removed with everything in it at exit. */
const char *tu_tempdir(void);
/* Writes len bytes to <tempdir>/<name>; returns the path (static storage, one per call slot of 8). */
const char *tu_write(const char *name, const void *data, size_t len);
const char *tu_write_text(const char *name, const char *text);
/* Reads a whole file into a malloc'd, NUL-terminated buffer; *len gets its size. */
char *tu_read(const char *path, size_t *len);

#endif
