/* What the libFuzzer harnesses share: the input as a file, for the parsers that take a path (the ones that
 * read a file's bytes, stat it or map it).  The file is a memfd (no disk I/O per execution), reached through
 * a symbolic link whose name ends in the suffix the parser dispatches on (".json" for token lists). */
#ifndef AIMC_FUZZ_INPUT_H
#define AIMC_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fuzz_input_fd = -1;
static char fuzz_input_links[4][256];

static void fuzz_input_cleanup(void)
{
    for (int i = 0; i < 4; i++)
        if (fuzz_input_links[i][0])
            unlink(fuzz_input_links[i]);
}

/* Replaces the file's contents with data; returns the path of a link to it whose name ends in suffix (one
 * link per suffix, at most 4 suffixes in a harness), or aborts. */
static inline const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix)
{
    if (fuzz_input_fd < 0) {
        fuzz_input_fd = memfd_create("aimc3d-fuzz", 0);
        if (fuzz_input_fd < 0) {
            perror("fuzz_input_file: memfd_create");
            abort();
        }
        atexit(fuzz_input_cleanup);
    }
    if (ftruncate(fuzz_input_fd, 0) != 0 || (size && pwrite(fuzz_input_fd, data, size, 0) != (ssize_t)size)) {
        perror("fuzz_input_file: write");
        abort();
    }
    const char *tmp = getenv("TMPDIR");
    char want[256];
    snprintf(want, sizeof want, "%s/aimc3d-fuzz-%ld%s", tmp && tmp[0] ? tmp : "/tmp", (long)getpid(), suffix);
    int i = 0;
    for (; i < 4 && fuzz_input_links[i][0]; i++)
        if (strcmp(fuzz_input_links[i], want) == 0)
            return fuzz_input_links[i];
    char target[64];
    snprintf(target, sizeof target, "/proc/%ld/fd/%d", (long)getpid(), fuzz_input_fd);
    unlink(want);
    if (i == 4 || symlink(target, want) != 0) {
        perror("fuzz_input_file: symlink");
        abort();
    }
    snprintf(fuzz_input_links[i], sizeof fuzz_input_links[i], "%s", want);
    return fuzz_input_links[i];
}

/* The input as a NUL-terminated string (the in-memory parsers take text and a length, the spec parsers a
 * C string); the caller frees it. */
static inline char *fuzz_input_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
