/* One clear error line per failure: every fallible function fills an aimc_error and returns -1 (or NULL).
 * The command-line program prints `aimc3d: <msg>` and exits with status 2.
 *
 * Every message passes through aimc_escape, so it is one line of valid UTF-8 whatever input it echoes
 * (file names, field values, model names): see aimc_escape for the form. */
#ifndef AIMC_ERROR_H
#define AIMC_ERROR_H

#include <stddef.h>

#define AIMC_EXIT_BAD_INPUT 2

typedef struct {
    char msg[768];
} aimc_error;

/* Formats the message into err (when err is not NULL) and returns -1, so callers can `return aimc_fail(...)`.
 * The arguments may point into err->msg (to prefix context to an earlier message). */
int aimc_fail(aimc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fails with "<file>: <field>: expected <what>" – the shape every input-validation error takes. */
int aimc_fail_field(aimc_error *err, const char *file, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fails with "out of memory for <what>" after a failed allocation (what names the thing being allocated). */
int aimc_fail_oom(aimc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Copies in[0..len) to out as one line of valid UTF-8 and returns its length (out is always terminated,
 * cap >= 64): a byte below 0x20, 0x7f and a byte that is not part of valid UTF-8 become \xNN (two hex
 * digits); the C1 controls U+0080..U+009F and the separators U+2028/U+2029 become \uNNNN.  Everything else,
 * backslashes included, is copied, so escaping escaped text changes nothing.  When the result does not fit,
 * its middle is replaced by " [... N bytes left out ...] " (N counted in the input), keeping the start (which
 * names the file) and the end (which says what went wrong). */
size_t aimc_escape(char *out, size_t cap, const char *in, size_t len);

/* Length of the longest valid UTF-8 prefix of s[0..n) (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
size_t aimc_utf8_valid_prefix(const char *s, size_t n);

#endif
