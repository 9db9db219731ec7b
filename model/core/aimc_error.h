/* One clear error line per failure: every fallible function fills an aimc_error and returns -1 (or NULL).
 * The command-line program prints `aimc3d: <msg>` and exits with status 2. */
#ifndef AIMC_ERROR_H
#define AIMC_ERROR_H

#include <stddef.h>

#define AIMC_EXIT_BAD_INPUT 2

typedef struct {
    char msg[768];
} aimc_error;

/* Formats the message into err (when err is not NULL) and returns -1, so callers can `return aimc_fail(...)`. */
int aimc_fail(aimc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails with "<file>: <field>: expected <what>" – the shape every input-validation error takes. */
int aimc_fail_field(aimc_error *err, const char *file, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
