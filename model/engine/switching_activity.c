#include "engine/switching_activity.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"

enum { ST_0, ST_1, ST_X, ST_Z, NSTATES };
#define NO_BIT UINT32_MAX
#define NO_SCOPE UINT32_MAX

typedef struct {
    uint64_t time_in[NSTATES]; /* trace time units at each state inside the window */
    uint64_t toggles;          /* 0->1 and 1->0 inside the window */
    uint64_t since;            /* time of the last change */
    uint8_t state;
} bit_activity;

typedef struct {
    char *name; /* without the " [msb:lsb]" suffix */
    int64_t msb, lsb;
    uint32_t width, handle, scope;
} net;

typedef struct {
    char *name;
    uint32_t parent;
} scope;

typedef struct {
    uint32_t first_bit, width;
} handle_slot;

struct aimc_activity {
    uint64_t begin, end; /* window; end UINT64_MAX until the run's end is known */
    int timescale_exp;
    uint64_t last_time;
    scope *scopes;
    size_t nscopes, scope_cap;
    uint32_t current;
    net *nets;
    size_t nnets, net_cap;
    handle_slot *handles;
    size_t nhandles;
    bit_activity *bits;
    size_t nbits, bit_cap;
    bool finished;
};

/* ---- the hierarchy ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

aimc_activity *aimc_activity_create(uint64_t window_begin, uint64_t window_end)
{
    aimc_activity *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->begin = window_begin;
    a->end = window_end ? window_end : UINT64_MAX;
    a->timescale_exp = -12;
    a->current = NO_SCOPE;
    return a;
}

void aimc_activity_destroy(aimc_activity *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nscopes; i++)
        free(a->scopes[i].name);
    for (size_t i = 0; i < a->nnets; i++)
        free(a->nets[i].name);
    free(a->scopes);
    free(a->nets);
    free(a->handles);
    free(a->bits);
    free(a);
}

void aimc_activity_set_timescale(aimc_activity *a, int exponent) { a->timescale_exp = exponent; }

int aimc_activity_scope_begin(aimc_activity *a, const char *name)
{
    char *copy = strdup(name);
    if (!copy || grow((void **)&a->scopes, &a->scope_cap, a->nscopes + 1, sizeof *a->scopes)) {
        free(copy);
        return -1;
    }
    a->scopes[a->nscopes] = (scope){copy, a->current};
    a->current = (uint32_t)a->nscopes++;
    return 0;
}

void aimc_activity_scope_end(aimc_activity *a)
{
    if (a->current != NO_SCOPE)
        a->current = a->scopes[a->current].parent;
}

/* Splits "name [msb:lsb]" (or "name [i]"); without a range the bits are width-1 .. 0. */
static char *split_range(const char *full, uint32_t width, int64_t *msb, int64_t *lsb)
{
    *msb = (int64_t)width - 1;
    *lsb = 0;
    const char *open = strrchr(full, '[');
    size_t len = strlen(full);
    if (open && open > full && open[-1] == ' ' && full[len - 1] == ']') {
        long long hi, lo;
        int n = 0;
        if (sscanf(open, "[%lld:%lld]%n", &hi, &lo, &n) == 2 && (size_t)n == strlen(open) &&
            (uint64_t)llabs(hi - lo) + 1 == width) {
            *msb = hi;
            *lsb = lo;
            len = (size_t)(open - full - 1);
        } else if (sscanf(open, "[%lld]%n", &hi, &n) == 1 && (size_t)n == strlen(open) && width == 1) {
            *msb = *lsb = hi;
            len = (size_t)(open - full - 1);
        }
    }
    char *name = malloc(len + 1);
    if (name) {
        memcpy(name, full, len);
        name[len] = '\0';
    }
    return name;
}

static int bind_handle(aimc_activity *a, uint32_t handle, uint32_t width)
{
    if (handle >= a->nhandles) {
        size_t n = a->nhandles ? a->nhandles : 64;
        while (n <= handle)
            n *= 2;
        handle_slot *h = realloc(a->handles, n * sizeof *h);
        if (!h)
            return -1;
        for (size_t i = a->nhandles; i < n; i++)
            h[i] = (handle_slot){NO_BIT, 0};
        a->handles = h;
        a->nhandles = n;
    }
    handle_slot *s = &a->handles[handle];
    if (s->first_bit != NO_BIT)
        return s->width == width ? 0 : -1; /* an alias of a net of another width: a malformed trace */
    if (grow((void **)&a->bits, &a->bit_cap, a->nbits + width, sizeof *a->bits))
        return -1;
    for (uint32_t i = 0; i < width; i++)
        a->bits[a->nbits + i] = (bit_activity){.state = ST_X};
    *s = (handle_slot){(uint32_t)a->nbits, width};
    a->nbits += width;
    return 0;
}

int aimc_activity_net(aimc_activity *a, const char *name, uint32_t width, uint32_t handle)
{
    if (width == 0 || a->current == NO_SCOPE ||
        grow((void **)&a->nets, &a->net_cap, a->nnets + 1, sizeof *a->nets) || bind_handle(a, handle, width))
        return -1;
    net *n = &a->nets[a->nnets];
    if (!(n->name = split_range(name, width, &n->msb, &n->lsb)))
        return -1;
    n->width = width;
    n->handle = handle;
    n->scope = a->current;
    a->nnets++;
    return 0;
}

/* ---- value changes ---- */

static int state_of(char c)
{
    switch (c) {
    case '0': return ST_0;
    case '1': return ST_1;
    case 'z': case 'Z': return ST_Z;
    default: return ST_X;
    }
}

/* Adds the time [b->since, t) spent at b->state that lies inside the window. */
static void account(const aimc_activity *a, bit_activity *b, uint64_t t)
{
    uint64_t lo = b->since > a->begin ? b->since : a->begin, hi = t < a->end ? t : a->end;
    if (hi > lo)
        b->time_in[b->state] += hi - lo;
}

void aimc_activity_note_time(aimc_activity *a, uint64_t time)
{
    if (time > a->last_time)
        a->last_time = time;
}

uint64_t aimc_activity_last_time(const aimc_activity *a) { return a->last_time; }

void aimc_activity_change(aimc_activity *a, uint64_t time, uint32_t handle, const char *bits)
{
    aimc_activity_note_time(a, time);
    if (handle >= a->nhandles || a->handles[handle].first_bit == NO_BIT || a->finished)
        return;
    const handle_slot *s = &a->handles[handle];
    bool in_window = time >= a->begin && time < a->end;
    for (uint32_t k = 0; k < s->width; k++) {
        bit_activity *b = &a->bits[s->first_bit + k];
        int st = state_of(bits[k]);
        if (st == b->state)
            continue;
        account(a, b, time);
        if (in_window && b->state <= ST_1 && st <= ST_1)
            b->toggles++;
        b->state = (uint8_t)st;
        b->since = time;
    }
}

/* ---- readers ---- */

#define MAX_READERS 4
static struct {
    const char *format;
    aimc_activity_reader read;
} readers[MAX_READERS];

void aimc_activity_reader_register(const char *format, aimc_activity_reader reader)
{
    for (size_t i = 0; i < MAX_READERS; i++)
        if (!readers[i].format || strcmp(readers[i].format, format) == 0) {
            readers[i].format = format;
            readers[i].read = reader;
            return;
        }
}

static int read_vcd(const char *path, aimc_activity *a, aimc_error *err);

int aimc_activity_read_trace(aimc_activity *a, const char *trace_path, const char *format, aimc_error *err)
{
    if (strcmp(format, "vcd") == 0)
        return read_vcd(trace_path, a, err);
    for (size_t i = 0; i < MAX_READERS && readers[i].format; i++)
        if (strcmp(readers[i].format, format) == 0)
            return readers[i].read(trace_path, a, err);
    return aimc_fail(err, "%s: no switching-activity reader for %s traces in this build", trace_path, format);
}

/* The VCD reader: whitespace-separated tokens, declarations up to $enddefinitions, then #time and value
 * changes (0id 1id xid zid, bVALUE id; reals and anything else ignored).  Identifier codes map to dense handles
 * through an open-addressing table. */
typedef struct {
    FILE *f;
    char tok[65536];
    char **codes;   /* by slot */
    uint32_t *code_handle;
    size_t code_cap, ncodes;
    char *value;    /* a vector value widened to its net's width */
    size_t value_cap;
} vcd;

static bool next_token(vcd *v)
{
    int c;
    do
        c = getc(v->f);
    while (c != EOF && isspace(c));
    size_t n = 0;
    while (c != EOF && !isspace(c)) {
        if (n + 1 < sizeof v->tok)
            v->tok[n++] = (char)c;
        c = getc(v->f);
    }
    v->tok[n] = '\0';
    return n > 0;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The handle of an identifier code; adds it when `add`; UINT32_MAX when absent. */
static uint32_t code_handle(vcd *v, const char *code, bool add)
{
    if (add && 2 * (v->ncodes + 1) > v->code_cap) {
        size_t cap = v->code_cap ? 2 * v->code_cap : 1024;
        char **codes = calloc(cap, sizeof *codes);
        uint32_t *handles = calloc(cap, sizeof *handles);
        if (!codes || !handles) {
            free(codes);
            free(handles);
            return UINT32_MAX;
        }
        for (size_t i = 0; i < v->code_cap; i++)
            if (v->codes[i]) {
                size_t j = hash(v->codes[i]) & (cap - 1);
                while (codes[j])
                    j = (j + 1) & (cap - 1);
                codes[j] = v->codes[i];
                handles[j] = v->code_handle[i];
            }
        free(v->codes);
        free(v->code_handle);
        v->codes = codes;
        v->code_handle = handles;
        v->code_cap = cap;
    }
    if (!v->code_cap)
        return UINT32_MAX;
    size_t j = hash(code) & (v->code_cap - 1);
    while (v->codes[j]) {
        if (strcmp(v->codes[j], code) == 0)
            return v->code_handle[j];
        j = (j + 1) & (v->code_cap - 1);
    }
    if (!add || !(v->codes[j] = strdup(code)))
        return UINT32_MAX;
    v->code_handle[j] = (uint32_t)v->ncodes;
    return (uint32_t)v->ncodes++;
}

static void vcd_free(vcd *v)
{
    for (size_t i = 0; i < v->code_cap; i++)
        free(v->codes[i]);
    free(v->codes);
    free(v->code_handle);
    free(v->value);
    if (v->f)
        fclose(v->f);
}

/* Skips to the $end of a declaration command. */
static bool skip_command(vcd *v)
{
    while (next_token(v))
        if (strcmp(v->tok, "$end") == 0)
            return true;
    return false;
}

static int vcd_timescale(vcd *v, aimc_activity *a)
{
    char text[64] = "";
    while (next_token(v) && strcmp(v->tok, "$end") != 0)
        if (strlen(text) + strlen(v->tok) < sizeof text)
            strcat(text, v->tok);
    static const struct {
        const char *unit;
        int exp;
    } units[] = {{"fs", -15}, {"ps", -12}, {"ns", -9}, {"us", -6}, {"ms", -3}, {"s", 0}};
    char *unit;
    long mag = strtol(text, &unit, 10);
    int extra = mag == 1 ? 0 : mag == 10 ? 1 : mag == 100 ? 2 : -100;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && extra > -100; i++)
        if (strcmp(unit, units[i].unit) == 0) {
            aimc_activity_set_timescale(a, units[i].exp + extra);
            return 0;
        }
    return -1;
}

/* $var TYPE WIDTH CODE NAME [RANGE] $end; parameters and reals are not nets. */
static int vcd_var(vcd *v, aimc_activity *a)
{
    char type[64], code[256], name[2048];
    unsigned long width;
    if (!next_token(v) || strlen(v->tok) >= sizeof type)
        return -1;
    strcpy(type, v->tok);
    if (!next_token(v))
        return -1;
    width = strtoul(v->tok, NULL, 10);
    if (!next_token(v) || strlen(v->tok) >= sizeof code)
        return -1;
    strcpy(code, v->tok);
    name[0] = '\0';
    while (next_token(v) && strcmp(v->tok, "$end") != 0) {
        if (strlen(name) + strlen(v->tok) + 2 >= sizeof name)
            return -1;
        if (name[0])
            strcat(name, " ");
        strcat(name, v->tok);
    }
    if (strstr(type, "real") || strcmp(type, "parameter") == 0 || strcmp(type, "event") == 0)
        return 0;
    uint32_t h = code_handle(v, code, true);
    return width == 0 || width > UINT32_MAX || h == UINT32_MAX || aimc_activity_net(a, name, (uint32_t)width, h) ? -1
                                                                                                             : 0;
}

static int vcd_header(vcd *v, aimc_activity *a)
{
    while (next_token(v)) {
        const char *t = v->tok;
        int rc = 0;
        if (strcmp(t, "$enddefinitions") == 0)
            return skip_command(v) ? 0 : -1;
        if (strcmp(t, "$timescale") == 0)
            rc = vcd_timescale(v, a);
        else if (strcmp(t, "$scope") == 0) {
            rc = next_token(v) && next_token(v) ? aimc_activity_scope_begin(a, v->tok) : -1;
            if (!rc)
                rc = skip_command(v) ? 0 : -1;
        } else if (strcmp(t, "$upscope") == 0) {
            aimc_activity_scope_end(a);
            rc = skip_command(v) ? 0 : -1;
        } else if (strcmp(t, "$var") == 0)
            rc = vcd_var(v, a);
        else if (t[0] == '$')
            rc = skip_command(v) ? 0 : -1;
        else
            rc = -1;
        if (rc)
            return -1;
    }
    return -1;
}

/* A vector change: VALUE (MSB first, possibly shorter than the net) widened as VCD says: with 0, or with x / z
 * when that is the leading digit. */
static int vcd_vector(vcd *v, aimc_activity *a, uint64_t time)
{
    char value[sizeof v->tok];
    strcpy(value, v->tok + 1);
    if (!next_token(v))
        return -1;
    uint32_t h = code_handle(v, v->tok, false);
    if (h == UINT32_MAX || h >= a->nhandles || a->handles[h].first_bit == NO_BIT)
        return 0;
    size_t width = a->handles[h].width, len = strlen(value);
    if (len > width)
        return -1;
    if (grow((void **)&v->value, &v->value_cap, width + 1, 1))
        return -1;
    char fill = value[0] == 'x' || value[0] == 'X' || value[0] == 'z' || value[0] == 'Z' ? value[0] : '0';
    memset(v->value, fill, width - len);
    memcpy(v->value + (width - len), value, len + 1);
    aimc_activity_change(a, time, h, v->value);
    return 0;
}

static int vcd_changes(vcd *v, aimc_activity *a)
{
    uint64_t time = 0;
    while (next_token(v)) {
        char c = v->tok[0];
        if (c == '#') {
            char *end;
            unsigned long long t = strtoull(v->tok + 1, &end, 10);
            if (*end || t < time)
                return -1;
            time = t;
            aimc_activity_note_time(a, time);
        } else if (c == 'b' || c == 'B') {
            if (vcd_vector(v, a, time))
                return -1;
        } else if (c == 'r' || c == 'R') {
            if (!next_token(v))
                return -1;
        } else if (strchr("01xXzZ", c) && v->tok[1]) {
            uint32_t h = code_handle(v, v->tok + 1, false);
            char bit[2] = {c, '\0'};
            if (h != UINT32_MAX && h < a->nhandles && a->handles[h].width == 1)
                aimc_activity_change(a, time, h, bit);
        } else if (strcmp(v->tok, "$comment") == 0) {
            if (!skip_command(v))
                return -1;
        } else if (c != '$') {
            return -1; /* $dumpvars, $dumpon, ..., $end only bracket value changes */
        }
    }
    return 0;
}

static int read_vcd(const char *path, aimc_activity *a, aimc_error *err)
{
    vcd v = {.f = fopen(path, "r")};
    if (!v.f)
        return aimc_fail(err, "%s: cannot open the trace", path);
    int rc = vcd_header(&v, a) ? aimc_fail(err, "%s: expected VCD declarations (scopes, variables, timescale)", path)
             : vcd_changes(&v, a) ? aimc_fail(err, "%s: malformed VCD value change near \"%s\"", path, v.tok)
                                  : 0;
    vcd_free(&v);
    return rc;
}

/* ---- SAIF 2.0 ---- */

/* Identifiers escape every character other than letters, digits and '_' with a backslash. */
static void put_ident(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_')
            fputc('\\', f);
        fputc(*s, f);
    }
}

static void put_bit(FILE *f, const net *n, int64_t index, const bit_activity *b, int indent)
{
    fprintf(f, "%*s(", indent, "");
    put_ident(f, n->name);
    if (n->width > 1 || n->msb != 0 || n->lsb != 0)
        fprintf(f, "\\[%" PRId64 "\\]", index);
    fprintf(f, "\n%*s(T0 %" PRIu64 ") (T1 %" PRIu64 ") (TX %" PRIu64 ") (TZ %" PRIu64 ")\n%*s(TC %" PRIu64
               ") (IG 0)\n%*s)\n",
            indent + 3, "", b->time_in[ST_0], b->time_in[ST_1], b->time_in[ST_X], b->time_in[ST_Z], indent + 3, "",
            b->toggles, indent, "");
}

static void put_nets(FILE *f, const aimc_activity *a, uint32_t s, int indent)
{
    bool any = false;
    for (size_t i = 0; i < a->nnets; i++) {
        const net *n = &a->nets[i];
        if (n->scope != s)
            continue;
        if (!any)
            fprintf(f, "%*s(NET\n", indent, "");
        any = true;
        const bit_activity *bits = &a->bits[a->handles[n->handle].first_bit];
        int64_t step = n->msb >= n->lsb ? -1 : 1;
        for (uint32_t k = 0; k < n->width; k++)
            put_bit(f, n, n->msb + step * (int64_t)k, &bits[k], indent + 3);
    }
    if (any)
        fprintf(f, "%*s)\n", indent, "");
}

static void put_instance(FILE *f, const aimc_activity *a, uint32_t s, int indent)
{
    fprintf(f, "%*s(INSTANCE ", indent, "");
    put_ident(f, a->scopes[s].name);
    fputc('\n', f);
    put_nets(f, a, s, indent + 3);
    for (size_t c = 0; c < a->nscopes; c++)
        if (a->scopes[c].parent == s)
            put_instance(f, a, (uint32_t)c, indent + 3);
    fprintf(f, "%*s)\n", indent, "");
}

static const char *timescale_text(int exp, char *buf, size_t size)
{
    static const char *const units[] = {"fs", "ps", "ns", "us", "ms", "s"};
    int from_fs = exp + 15;
    if (from_fs < 0 || from_fs > 17)
        return NULL;
    static const int mags[] = {1, 10, 100};
    snprintf(buf, size, "%d %s", mags[from_fs % 3], units[from_fs / 3]);
    return buf;
}

int aimc_activity_write_saif(aimc_activity *a, const char *path, const char *design, uint64_t end_time,
                             aimc_error *err)
{
    char scale[16];
    if (!timescale_text(a->timescale_exp, scale, sizeof scale))
        return aimc_fail(err, "%s: trace time unit 1e%d s has no SAIF timescale", path, a->timescale_exp);
    if (a->end > end_time)
        a->end = end_time;
    if (a->begin >= a->end)
        return aimc_fail(err, "%s: the activity window begins at %" PRIu64 " (trace time units), at or after its end "
                         "%" PRIu64, path, a->begin, a->end);
    if (!a->finished)
        for (size_t i = 0; i < a->nbits; i++)
            account(a, &a->bits[i], a->end);
    a->finished = true;
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    FILE *f = aimc_output_stream(out);
    fprintf(f, "(SAIFILE\n(SAIFVERSION \"2.0\")\n(DIRECTION \"backward\")\n(DESIGN \"%s\")\n(VENDOR \"aimc3d\")\n"
               "(PROGRAM_NAME \"aimc3d\")\n(VERSION \"1\")\n(DIVIDER / )\n(TIMESCALE %s)\n(DURATION %" PRIu64 ")\n",
            design, scale, a->end - a->begin);
    for (size_t s = 0; s < a->nscopes; s++)
        if (a->scopes[s].parent == NO_SCOPE)
            put_instance(f, a, (uint32_t)s, 0);
    fprintf(f, ")\n");
    return aimc_output_commit(out, err);
}

void aimc_activity_summary_of(const aimc_activity *a, aimc_activity_summary *out)
{
    *out = (aimc_activity_summary){.nets = a->nnets, .begin = a->begin, .end = a->end};
    for (size_t i = 0; i < a->nnets; i++) {
        const handle_slot *s = &a->handles[a->nets[i].handle];
        out->bits += s->width;
        for (uint32_t k = 0; k < s->width; k++)
            out->toggles += a->bits[s->first_bit + k].toggles;
    }
}

int aimc_activity_trace_to_saif(const char *trace_path, const char *format, const char *saif_path,
                                const char *design, uint64_t begin, uint64_t end, uint64_t half_period,
                                aimc_activity_summary *out, aimc_error *err)
{
    aimc_activity *a = aimc_activity_create(begin, end);
    if (!a)
        return aimc_fail(err, "%s: out of memory", saif_path);
    int rc = aimc_activity_read_trace(a, trace_path, format, err);
    if (!rc)
        rc = aimc_activity_write_saif(a, saif_path, design, aimc_activity_last_time(a) + half_period, err);
    if (!rc && out)
        aimc_activity_summary_of(a, out);
    aimc_activity_destroy(a);
    return rc;
}
