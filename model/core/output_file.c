#define _POSIX_C_SOURCE 200809L
#include "core/output_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct aimc_output_file {
    FILE *stream;
    char *path;
    char *temp_path;
};

aimc_output_file *aimc_output_open(const char *path, aimc_error *err)
{
    aimc_output_file *out = calloc(1, sizeof *out);
    size_t n = strlen(path) + 32;
    if (!out || !(out->path = strdup(path)) || !(out->temp_path = malloc(n))) {
        aimc_output_abort(out);
        aimc_fail(err, "%s: out of memory", path);
        return NULL;
    }
    snprintf(out->temp_path, n, "%s.tmp.%ld", path, (long)getpid());
    out->stream = fopen(out->temp_path, "wb");
    if (!out->stream) {
        aimc_fail(err, "%s: cannot write output: %s", path, strerror(errno));
        aimc_output_abort(out);
        return NULL;
    }
    return out;
}

FILE *aimc_output_stream(aimc_output_file *out) { return out->stream; }

const char *aimc_output_temp_path(const aimc_output_file *out) { return out->temp_path; }

int aimc_output_commit(aimc_output_file *out, aimc_error *err)
{
    int failed = ferror(out->stream) != 0;
    failed |= fclose(out->stream) != 0;
    out->stream = NULL;
    if (!failed && rename(out->temp_path, out->path) != 0)
        failed = 1;
    int rc = failed ? aimc_fail(err, "%s: writing output failed: %s", out->path, strerror(errno)) : 0;
    aimc_output_abort(out);
    return rc;
}

void aimc_output_abort(aimc_output_file *out)
{
    if (!out)
        return;
    if (out->stream) {
        fclose(out->stream);
        remove(out->temp_path);
    }
    free(out->path);
    free(out->temp_path);
    free(out);
}

int aimc_output_check_writable(const char *path, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    aimc_output_abort(out);
    return 0;
}

int aimc_output_write_text(const char *path, const char *text, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    fputs(text, aimc_output_stream(out));
    return aimc_output_commit(out, err);
}

int aimc_outputs_check_writable(const char *const *paths, size_t n, aimc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (paths[i] && aimc_output_check_writable(paths[i], err))
            return -1;
    return 0;
}
