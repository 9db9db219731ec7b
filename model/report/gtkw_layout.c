#include "report/gtkw_layout.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output_file.h"

struct aimc_gtkw {
    char *text;
    size_t len, cap;
};

static void append(aimc_gtkw *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(aimc_gtkw *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (g->len + (size_t)need + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 1024;
        while (g->len + (size_t)need + 1 > cap)
            cap *= 2;
        char *grown = realloc(g->text, cap);
        if (!grown)
            abort();
        g->text = grown;
        g->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(g->text + g->len, g->cap - g->len, fmt, ap);
    va_end(ap);
    g->len += (size_t)need;
}

aimc_gtkw *aimc_gtkw_create(const char *dumpfile)
{
    aimc_gtkw *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    append(g, "[*] aimc3d layout (generated; see docs/file-formats.md)\n");
    append(g, "[dumpfile] \"%s\"\n", dumpfile);
    append(g, "[timestart] 0\n[size] 1600 900\n[pos] -1 -1\n*-24.0 0 -1\n[sst_width] 260\n[signals_width] 300\n");
    append(g, "[sst_expanded] 1\n[sst_vpaned_height] 250\n");
    return g;
}

void aimc_gtkw_destroy(aimc_gtkw *g)
{
    if (!g)
        return;
    free(g->text);
    free(g);
}

/* GTKWave trace flags (gtkwave's analyzer.h): TR_HEX 0x2, TR_DEC 0x4, TR_BIN 0x8, TR_RJUSTIFY 0x20,
 * TR_BLANK 0x200, TR_ANALOG_STEP 0x8000, TR_GRP_BEGIN 0x800000, TR_GRP_END 0x1000000, TR_ENUM 0x100000000. */
void aimc_gtkw_group_begin(aimc_gtkw *g, const char *label) { append(g, "@800200\n-%s\n", label); }
void aimc_gtkw_group_end(aimc_gtkw *g, const char *label) { append(g, "@1000200\n-%s\n", label); }

void aimc_gtkw_signal(aimc_gtkw *g, const char *name, aimc_gtkw_style style)
{
    aimc_gtkw_signal_as(g, name, NULL, style);
}

void aimc_gtkw_signal_as(aimc_gtkw *g, const char *name, const char *alias, aimc_gtkw_style style)
{
    static const char *const flags[] = {"28", "22", "24", "28", "100000028", "8024"};
    if (alias)
        append(g, "@%s\n+{%s} %s\n", flags[style], alias, name);
    else
        append(g, "@%s\n%s\n", flags[style], name);
    if (style == AIMC_GTKW_ANALOG)  /* give the analog trace some height: blank, stretched rows */
        append(g, "@20000\n-\n@20000\n-\n");
}

const char *aimc_gtkw_text(const aimc_gtkw *g) { return g->text; }

int aimc_gtkw_write(const aimc_gtkw *g, const char *path, aimc_error *err)
{
    return aimc_output_write_text(path, g->text, err);
}

static void absolute(const char *path, char *out, size_t n)
{
    if (path[0] == '/') {
        snprintf(out, n, "%s", path);
        return;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    size_t used = strlen(cwd);
    snprintf(out, n, "%s", cwd);
    if (used + 1 < n)
        snprintf(out + used, n - used, "/%s", path);
}

void aimc_relative_path(const char *from_file, const char *target, char *out, size_t n)
{
    char from[PATH_MAX], to[PATH_MAX];
    absolute(from_file, from, sizeof from);
    absolute(target, to, sizeof to);
    char *slash = strrchr(from, '/');
    if (slash)
        slash[1] = '\0';
    /* common folder prefix, then one "../" per remaining folder of `from` */
    size_t common = 0;
    for (size_t i = 0; from[i] && from[i] == to[i]; i++)
        if (from[i] == '/')
            common = i + 1;
    size_t used = 0;
    out[0] = '\0';
    for (const char *p = from + common; *p; p++)
        if (*p == '/' && used + 3 < n)
            used += (size_t)snprintf(out + used, n - used, "../");
    snprintf(out + used, n - used, "%s", to + common);
}
