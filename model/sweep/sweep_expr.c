#include "sweep/sweep_expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *text, *p;
    aimc_sweep_ref_fn resolve;
    void *ctx;
    bool missing;
    char *why;
    size_t why_size;
} parser;

static void skip(parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static int fail(parser *ps, const char *what)
{
    snprintf(ps->why, ps->why_size, "expected %s at column %d of \"%s\"", what, (int)(ps->p - ps->text) + 1, ps->text);
    return -1;
}

static bool name_char(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' || (!first && (isdigit((unsigned char)c) || c == '.'));
}

static int expr(parser *ps, double *v);

/* A reference's value as a number (booleans as 0 or 1). */
static int ref_number(parser *ps, const char *name, size_t len, double *v)
{
    if (!ps->resolve) {
        *v = 1;
        return 0;
    }
    json_object *o = ps->resolve(ps->ctx, name, len);
    if (!o) {
        ps->missing = true;
        *v = 0;
        return 0;
    }
    switch (json_object_get_type(o)) {
    case json_type_int: *v = (double)json_object_get_int64(o); return 0;
    case json_type_double: *v = json_object_get_double(o); return 0;
    case json_type_boolean: *v = json_object_get_boolean(o) ? 1 : 0; return 0;
    default:
        snprintf(ps->why, ps->why_size, "%.*s: expected a number in \"%s\", found %s", (int)len, name, ps->text,
                 json_object_to_json_string(o));
        return -1;
    }
}

static int primary(parser *ps, double *v)
{
    skip(ps);
    if (*ps->p == '(') {
        ps->p++;
        if (expr(ps, v))
            return -1;
        skip(ps);
        if (*ps->p != ')')
            return fail(ps, "')'");
        ps->p++;
        return 0;
    }
    if (*ps->p == '-') {
        ps->p++;
        if (primary(ps, v))
            return -1;
        *v = -*v;
        return 0;
    }
    if (isdigit((unsigned char)*ps->p) || *ps->p == '.') {
        char *end;
        *v = strtod(ps->p, &end);
        if (end == ps->p)
            return fail(ps, "a number");
        ps->p = end;
        return 0;
    }
    if (name_char(*ps->p, true)) {
        const char *name = ps->p;
        while (name_char(*ps->p, false))
            ps->p++;
        size_t len = (size_t)(ps->p - name);
        skip(ps);
        if (*ps->p == '(' && (len == 3 && (!strncmp(name, "min", 3) || !strncmp(name, "max", 3)))) {
            double a, b;
            ps->p++;
            if (expr(ps, &a))
                return -1;
            skip(ps);
            if (*ps->p != ',')
                return fail(ps, "','");
            ps->p++;
            if (expr(ps, &b))
                return -1;
            skip(ps);
            if (*ps->p != ')')
                return fail(ps, "')'");
            ps->p++;
            *v = name[1] == 'i' ? (a < b ? a : b) : (a > b ? a : b);
            return 0;
        }
        if (*ps->p == '(')
            return fail(ps, "min( or max( (the only functions)");
        return ref_number(ps, name, len, v);
    }
    return fail(ps, "a number, a reference, '(' or '-'");
}

static int term(parser *ps, double *v)
{
    if (primary(ps, v))
        return -1;
    for (;;) {
        skip(ps);
        char op = *ps->p;
        if (op != '*' && op != '/')
            return 0;
        ps->p++;
        double r;
        if (primary(ps, &r))
            return -1;
        *v = op == '*' ? *v * r : *v / r;
    }
}

static int expr(parser *ps, double *v)
{
    if (term(ps, v))
        return -1;
    for (;;) {
        skip(ps);
        char op = *ps->p;
        if (op != '+' && op != '-')
            return 0;
        ps->p++;
        double r;
        if (term(ps, &r))
            return -1;
        *v = op == '+' ? *v + r : *v - r;
    }
}

/* The whole text is one reference: its name. */
static bool single_ref(const char *text, const char **name, size_t *len)
{
    while (isspace((unsigned char)*text))
        text++;
    if (!name_char(*text, true))
        return false;
    const char *s = text;
    while (name_char(*text, false))
        text++;
    *name = s;
    *len = (size_t)(text - s);
    while (isspace((unsigned char)*text))
        text++;
    return *text == '\0';
}

int aimc_sweep_expr_eval(const char *text, aimc_sweep_ref_fn resolve, void *ctx, aimc_sweep_expr_value *out,
                         char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    const char *name;
    size_t len;
    if (single_ref(text, &name, &len)) {
        if (resolve) {
            out->ref = resolve(ctx, name, len);
            out->missing = out->ref == NULL;
        }
        return 0;
    }
    parser ps = {text, text, resolve, ctx, false, why, why_size};
    if (expr(&ps, &out->number))
        return -1;
    skip(&ps);
    if (*ps.p)
        return fail(&ps, "an operator or the end");
    out->missing = ps.missing;
    return 0;
}

void aimc_sweep_expr_refs(const char *text, void (*fn)(void *ctx, const char *name, size_t len), void *ctx)
{
    for (const char *p = text; *p;) {
        if (name_char(*p, true) && (p == text || !name_char(p[-1], false))) {
            const char *s = p;
            while (name_char(*p, false))
                p++;
            const char *q = p;
            while (isspace((unsigned char)*q))
                q++;
            if (*q != '(') /* min( max( are functions */
                fn(ctx, s, (size_t)(p - s));
        } else if (isdigit((unsigned char)*p) || *p == '.') {
            char *end;
            strtod(p, &end);
            p = end > p ? end : p + 1;
        } else {
            p++;
        }
    }
}
