#include "report/gtkw_layout.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output_file.h"

enum { MARKERS = 26 }; /* GTKWave's named markers A..Z (Debian's 3.3 build has no "many markers" mode) */

typedef struct {
    char *text;
    size_t len, cap;
} buffer;

struct aimc_gtkw {
    char *dumpfile;
    buffer body, full;                /* signal rows; the whole layout as last composed */
    uint64_t start, end;              /* initial view, trace time units (end 0: GTKWave's default zoom) */
    uint64_t marker[MARKERS];
    char marker_label[MARKERS][48];
    unsigned markers;
};

static void append(buffer *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(buffer *g, const char *fmt, ...)
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
    if (!g || !(g->dumpfile = strdup(dumpfile))) {
        free(g);
        return NULL;
    }
    return g;
}

void aimc_gtkw_destroy(aimc_gtkw *g)
{
    if (!g)
        return;
    free(g->dumpfile);
    free(g->body.text);
    free(g->full.text);
    free(g);
}

void aimc_gtkw_set_window(aimc_gtkw *g, uint64_t start, uint64_t end)
{
    g->start = start;
    g->end = end > start ? end : 0;
}

int aimc_gtkw_add_marker(aimc_gtkw *g, uint64_t time, const char *label)
{
    if (g->markers == MARKERS)
        return -1;
    g->marker[g->markers] = time;
    snprintf(g->marker_label[g->markers], sizeof g->marker_label[0], "%s", label);
    g->markers++;
    return 0;
}

/* The header: [savefile] names the layout itself, so that GTKWave resolves a relative [dumpfile] against the
 * layout's folder wherever it is started from (its find_dumpfile: the dumpfile's path relative to the saved
 * layout's folder, applied to the folder of the layout being opened); then the view. */
static const char *compose(aimc_gtkw *g, const char *savefile)
{
    buffer *f = &g->full;
    f->len = 0;
    append(f, "[*] aimc3d layout (generated; see docs/file-formats.md)\n");
    append(f, "[dumpfile] \"%s\"\n", g->dumpfile);
    if (savefile)
        append(f, "[savefile] \"%s\"\n", savefile);
    /* zoom z: 2^-z trace time units per pixel (GTKWave's zoombase 2), the window spread over the wave area */
    double zoom = -24.0;
    if (g->end)
        zoom = -log2((double)(g->end - g->start) / AIMC_GTKW_WAVE_PIXELS);
    append(f, "[timestart] %" PRIu64 "\n[size] 1600 900\n[pos] -1 -1\n*%.6f 0", g->start, zoom);
    for (unsigned m = 0; m < MARKERS; m++)
        if (m < g->markers)
            append(f, " %" PRIu64, g->marker[m]);
        else
            append(f, " -1");
    append(f, "\n");
    for (unsigned m = 0; m < g->markers; m++)
        append(f, "[markername] %c%s\n", 'A' + m, g->marker_label[m]);
    append(f, "[sst_width] 260\n[signals_width] 300\n[sst_expanded] 1\n[sst_vpaned_height] 250\n");
    if (g->body.len)
        append(f, "%s", g->body.text);
    return f->text;
}

/* GTKWave trace flags (gtkwave's analyzer.h): TR_HEX 0x2, TR_DEC 0x4, TR_BIN 0x8, TR_RJUSTIFY 0x20,
 * TR_BLANK 0x200, TR_ANALOG_STEP 0x8000, TR_GRP_BEGIN 0x800000, TR_GRP_END 0x1000000, TR_ENUM 0x100000000. */
void aimc_gtkw_group_begin(aimc_gtkw *g, const char *label) { append(&g->body, "@800200\n-%s\n", label); }
void aimc_gtkw_group_end(aimc_gtkw *g, const char *label) { append(&g->body, "@1000200\n-%s\n", label); }

void aimc_gtkw_signal(aimc_gtkw *g, const char *name, aimc_gtkw_style style)
{
    aimc_gtkw_signal_as(g, name, NULL, style);
}

void aimc_gtkw_signal_as(aimc_gtkw *g, const char *name, const char *alias, aimc_gtkw_style style)
{
    static const char *const flags[] = {"28", "22", "24", "28", "100000028", "8024"};
    if (alias)
        append(&g->body, "@%s\n+{%s} %s\n", flags[style], alias, name);
    else
        append(&g->body, "@%s\n%s\n", flags[style], name);
    if (style == AIMC_GTKW_ANALOG)  /* give the analog trace some height: blank, stretched rows */
        append(&g->body, "@20000\n-\n@20000\n-\n");
}

const char *aimc_gtkw_text(aimc_gtkw *g) { return compose(g, NULL); }

int aimc_gtkw_write(aimc_gtkw *g, const char *path, aimc_error *err)
{
    const char *slash = strrchr(path, '/');
    return aimc_output_write_text(path, compose(g, slash ? slash + 1 : path), err);
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

/* Tokens by begin cycle (then index), for the markers. */
typedef struct {
    uint64_t start, end;
    uint32_t token;
} token_span;

static int by_start(const void *a, const void *b)
{
    const token_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->token < y->token ? -1 : x->token > y->token;
}

void aimc_gtkw_token_view(aimc_gtkw *g, const aimc_ledger *l, uint32_t period_ps, uint32_t tokens_per_seq)
{
    size_t n = aimc_ledger_tokens(l);
    token_span *t = n ? malloc(n * sizeof *t) : NULL;
    if (!t)
        return;
    size_t seen = 0;
    uint64_t first_end = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!aimc_ledger_token_seen(l, (uint32_t)i))
            continue;
        t[seen] = (token_span){aimc_ledger_token_start(l, (uint32_t)i), aimc_ledger_token_end(l, (uint32_t)i),
                               (uint32_t)i};
        if (t[seen].end < first_end)
            first_end = t[seen].end;
        seen++;
    }
    if (seen) {
        /* from cycle 0 through the first token to finish, and a tenth more: its MVMs fill the screen */
        uint64_t end_ps = (first_end + 1) * period_ps;
        aimc_gtkw_set_window(g, 0, end_ps + end_ps / 10);
        qsort(t, seen, sizeof *t, by_start);
        char label[48];
        for (size_t i = 0; i < seen; i++) {
            uint32_t k = t[i].token;
            int used = tokens_per_seq ? snprintf(label, sizeof label, "seq %u token %u", k / tokens_per_seq,
                                                 k % tokens_per_seq)
                                      : snprintf(label, sizeof label, "token %u", k);
            snprintf(label + used, sizeof label - (size_t)used, " begin");
            if (aimc_gtkw_add_marker(g, t[i].start * period_ps, label))
                break;
            snprintf(label + used, sizeof label - (size_t)used, " end");
            if (aimc_gtkw_add_marker(g, t[i].end * period_ps, label))
                break;
        }
    }
    free(t);
}
