#define _GNU_SOURCE /* MAP_ANONYMOUS, BUS_ADRERR, O_CLOEXEC; realpath */
#include "core/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_COMPANIONS = 2, MAX_LIVE = 64, MAX_TRIES = 1000 };

struct aimc_output_file {
    FILE *stream;
    char *path;
    char *temp_path;
    char *companion[MAX_COMPANIONS];
};

/* ---- the registry of live temporaries (read by a signal handler: lock-free atomic pointers) ---- */

static _Atomic(char *) live[MAX_LIVE];

static void live_add(char *name)
{
    for (size_t i = 0; i < MAX_LIVE; i++) {
        char *expected = NULL;
        if (atomic_compare_exchange_strong(&live[i], &expected, name))
            return;
    }
    /* more than MAX_LIVE at once: still removed on every ordinary path, only not by the second-signal exit */
}

static void live_remove(const char *name)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (atomic_load(&live[i]) == name)
            atomic_store(&live[i], NULL);
}

void aimc_output_remove_temporaries(void)
{
    for (size_t i = 0; i < MAX_LIVE; i++) {
        char *name = atomic_exchange(&live[i], NULL);
        if (name)
            unlink(name);
    }
}

/* ---- names ---- */

const char *aimc_path_shown(const char *path, char *out)
{
    size_t n = strlen(path), keep = 120;
    if (n < AIMC_PATH_SHOWN - 40)
        return path;
    snprintf(out, AIMC_PATH_SHOWN, "%.*s...%s (a path of %zu bytes)", (int)keep, path, path + n - keep, n);
    return out;
}

/* `<dir>/<base>.tmp.<pid>[.<k>]`, the base name cut (at a UTF-8 boundary) so that the name and a companion
 * suffix fit NAME_MAX. */
static char *temp_name(const char *path, unsigned k)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0, base_len = strlen(path) - dir_len;
    char suffix[48];
    int s = k ? snprintf(suffix, sizeof suffix, ".tmp.%ld.%u", (long)getpid(), k)
              : snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    size_t room = NAME_MAX - (size_t)s - 8; /* 8: a companion's suffix (".hier") */
    if (base_len > room) {
        base_len = room;
        while (base_len > 0 && ((unsigned char)path[dir_len + base_len] & 0xC0) == 0x80)
            base_len--;
    }
    char *t = malloc(dir_len + base_len + (size_t)s + 1);
    if (t) {
        memcpy(t, path, dir_len + base_len);
        memcpy(t + dir_len + base_len, suffix, (size_t)s + 1);
    }
    return t;
}

/* Creates a new file under a fresh temporary name (O_EXCL: never an existing file); returns its descriptor. */
static int create_temp(const char *path, char **name, int *error)
{
    for (unsigned k = 0; k < MAX_TRIES; k++) {
        char *t = temp_name(path, k);
        if (!t) {
            *error = ENOMEM;
            return -1;
        }
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *name = t;
            live_add(t);
            return fd;
        }
        *error = errno;
        free(t);
        if (*error != EEXIST)
            return -1;
    }
    return -1;
}

/* Refuses a target that exists and is not a regular file: a folder, or a device or pipe that a rename would
 * replace. */
static int check_target(const char *path, aimc_error *err)
{
    struct stat st;
    char shown[AIMC_PATH_SHOWN];
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    if (strlen(base) > NAME_MAX || strlen(path) >= PATH_MAX) /* the temporary fits (its base is cut); this would not */
        return aimc_fail(err, "%s: cannot write output: %s", aimc_path_shown(path, shown), strerror(ENAMETOOLONG));
    if (stat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return aimc_fail(err, "%s: cannot write output: it is a folder", aimc_path_shown(path, shown));
    if (!S_ISREG(st.st_mode))
        return aimc_fail(err, "%s: cannot write output: it exists and is not a regular file",
                         aimc_path_shown(path, shown));
    return 0;
}

static aimc_output_file *create(const char *path, bool stream, aimc_error *err)
{
    char shown[AIMC_PATH_SHOWN];
    if (check_target(path, err))
        return NULL;
    aimc_output_file *out = calloc(1, sizeof *out);
    int error = ENOMEM, fd = -1;
    if (out && (out->path = strdup(path)))
        fd = create_temp(path, &out->temp_path, &error);
    if (fd >= 0 && stream && !(out->stream = fdopen(fd, "wb")))
        error = errno;
    else if (fd >= 0 && !stream)
        close(fd);
    if (fd < 0 || (stream && !out->stream)) {
        if (fd >= 0 && stream)
            close(fd);
        aimc_output_abort(out);
        aimc_fail(err, "%s: cannot write output: %s", aimc_path_shown(path, shown), strerror(error));
        return NULL;
    }
    return out;
}

aimc_output_file *aimc_output_open(const char *path, aimc_error *err) { return create(path, true, err); }

aimc_output_file *aimc_output_reserve(const char *path, aimc_error *err) { return create(path, false, err); }

int aimc_output_reserve_companion(aimc_output_file *out, const char *suffix, aimc_error *err)
{
    char shown[AIMC_PATH_SHOWN];
    size_t i = 0;
    while (i < MAX_COMPANIONS && out->companion[i])
        i++;
    size_t n = strlen(out->temp_path) + strlen(suffix) + 1;
    char *name = i < MAX_COMPANIONS ? malloc(n) : NULL;
    if (!name)
        return aimc_fail(err, "%s: out of memory for a temporary name", aimc_path_shown(out->path, shown));
    snprintf(name, n, "%s%s", out->temp_path, suffix);
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        free(name);
        return aimc_fail(err, "%s: cannot write output: %s", aimc_path_shown(out->path, shown), strerror(e));
    }
    close(fd);
    out->companion[i] = name;
    live_add(name);
    return 0;
}

FILE *aimc_output_stream(aimc_output_file *out) { return out->stream; }

const char *aimc_output_temp_path(const aimc_output_file *out) { return out->temp_path; }

const char *aimc_output_path(const aimc_output_file *out) { return out->path; }

static void release(aimc_output_file *out, bool remove_temp)
{
    if (out->temp_path) {
        live_remove(out->temp_path);
        if (remove_temp)
            unlink(out->temp_path);
    }
    for (size_t i = 0; i < MAX_COMPANIONS; i++)
        if (out->companion[i]) {
            live_remove(out->companion[i]);
            unlink(out->companion[i]);
            free(out->companion[i]);
        }
    free(out->path);
    free(out->temp_path);
    free(out);
}

int aimc_output_commit(aimc_output_file *out, aimc_error *err)
{
    if (!out)
        return 0;
    int error = 0;
    if (out->stream) {
        /* an earlier failed write (the disk filled up) leaves the error flag; its errno is gone by now */
        if (fflush(out->stream) != 0)
            error = errno;
        else if (ferror(out->stream))
            error = EIO;
        if (fclose(out->stream) != 0 && !error)
            error = errno;
        out->stream = NULL;
    }
    if (!error && rename(out->temp_path, out->path) != 0)
        error = errno;
    int rc = 0;
    if (error) {
        char shown[AIMC_PATH_SHOWN];
        rc = aimc_fail(err, "%s: writing output failed: %s", aimc_path_shown(out->path, shown),
                       error == EIO ? "a write failed (is the disk full?)" : strerror(error));
    }
    release(out, error != 0);
    return rc;
}

void aimc_output_abort(aimc_output_file *out)
{
    if (!out)
        return;
    if (out->stream)
        fclose(out->stream);
    out->stream = NULL;
    release(out, true);
}

/* ---- checks before anything runs ---- */

int aimc_output_check_writable(const char *path, aimc_error *err)
{
    aimc_output_file *out = aimc_output_reserve(path, err);
    if (!out)
        return -1;
    aimc_output_abort(out);
    return 0;
}

int aimc_outputs_check_writable(const char *const *paths, size_t n, aimc_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (paths[i] && aimc_output_check_writable(paths[i], err))
            return -1;
    return 0;
}

/* What a path names: an existing file by device and inode, a new one by its folder's real path and its name. */
typedef struct {
    bool exists;
    dev_t dev;
    ino_t ino;
    char *where; /* new files only */
} file_id;

static int identify(const char *path, file_id *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (stat(path, &st) == 0) {
        id->exists = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return 0;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    char *real = dir ? realpath(dir, NULL) : NULL;
    const char *base = slash ? slash + 1 : path;
    size_t n = real ? strlen(real) + strlen(base) + 2 : 0;
    if (real && (id->where = malloc(n)))
        snprintf(id->where, n, "%s/%s", real, base);
    free(dir);
    free(real);
    return id->where ? 0 : -1;
}

static bool same_file(const file_id *a, const file_id *b)
{
    if (a->exists != b->exists)
        return false;
    return a->exists ? a->dev == b->dev && a->ino == b->ino : strcmp(a->where, b->where) == 0;
}

int aimc_outputs_check(const aimc_named_path *outputs, size_t nout, const aimc_named_path *inputs, size_t nin,
                       aimc_error *err)
{
    for (size_t i = 0; i < nout; i++)
        if (outputs[i].path && aimc_output_check_writable(outputs[i].path, err))
            return -1;
    file_id *ids = calloc(nout + nin + 1, sizeof *ids);
    if (!ids)
        return aimc_fail(err, "out of memory checking the outputs");
    int rc = 0;
    char s1[AIMC_PATH_SHOWN], s2[AIMC_PATH_SHOWN];
    for (size_t i = 0; i < nout && !rc; i++) {
        if (!outputs[i].path)
            continue;
        if (identify(outputs[i].path, &ids[i]))
            rc = aimc_fail(err, "%s %s: cannot resolve its folder", outputs[i].option,
                           aimc_path_shown(outputs[i].path, s1));
        for (size_t j = 0; j < i && !rc; j++)
            if (outputs[j].path && same_file(&ids[i], &ids[j]))
                rc = aimc_fail(err, "%s %s: the same file as %s %s: expected a file of its own for each output",
                               outputs[i].option, aimc_path_shown(outputs[i].path, s1), outputs[j].option,
                               aimc_path_shown(outputs[j].path, s2));
    }
    for (size_t k = 0; k < nin && !rc; k++) {
        file_id *in = &ids[nout + k];
        struct stat st;
        if (!inputs[k].path || stat(inputs[k].path, &st) != 0 || identify(inputs[k].path, in))
            continue; /* not a file (a preset name, say): nothing an output could overwrite */
        for (size_t i = 0; i < nout && !rc; i++)
            if (outputs[i].path && same_file(&ids[i], in))
                rc = aimc_fail(err, "%s %s: the same file as the input %s %s: refusing to overwrite an input",
                               outputs[i].option, aimc_path_shown(outputs[i].path, s1), inputs[k].option,
                               aimc_path_shown(inputs[k].path, s2));
    }
    for (size_t i = 0; i < nout + nin; i++)
        free(ids[i].where);
    free(ids);
    return rc;
}

int aimc_output_write_text(const char *path, const char *text, aimc_error *err)
{
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    fputs(text, aimc_output_stream(out));
    return aimc_output_commit(out, err);
}

/* ---- the SIGBUS guard ---- */

static volatile sig_atomic_t guard_on;
static atomic_uint guard_faults;
static struct sigaction guard_previous;

static void on_sigbus(int sig, siginfo_t *si, void *context)
{
    (void)context;
    long page = sysconf(_SC_PAGESIZE);
    if (guard_on && si->si_code == BUS_ADRERR && page > 0) {
        void *at = (void *)((uintptr_t)si->si_addr & ~((uintptr_t)page - 1));
        /* the writer's later munmap of its whole mapping removes this page too */
        if (mmap(at, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            atomic_fetch_add(&guard_faults, 1);
            return; /* the access is retried on the zero page */
        }
    }
    /* not ours: the default action, when the access is retried */
    signal(sig, SIG_DFL);
}

int aimc_output_guard_begin(aimc_error *err)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    atomic_store(&guard_faults, 0);
    if (sigaction(SIGBUS, &sa, &guard_previous) != 0)
        return aimc_fail(err, "cannot install the SIGBUS handler: %s", strerror(errno));
    guard_on = 1;
    return 0;
}

unsigned aimc_output_guard_end(void)
{
    guard_on = 0;
    sigaction(SIGBUS, &guard_previous, NULL);
    return atomic_load(&guard_faults);
}
