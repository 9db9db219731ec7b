#include "core/aimc_error.h"

#include <stdarg.h>
#include <stdio.h>

int aimc_fail(aimc_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int aimc_fail_field(aimc_error *err, const char *file, const char *field, const char *fmt, ...)
{
    if (err) {
        char what[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(err->msg, sizeof err->msg, "%s: %s: expected %s", file, field, what);
    }
    return -1;
}
