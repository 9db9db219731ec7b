#include "core/json_config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"

static void where_name(aimc_json_where at, const char *key, char *buf, size_t n)
{
    if (at.section && at.section[0])
        snprintf(buf, n, "%s.%s", at.section, key);
    else
        snprintf(buf, n, "%s", key);
}

const char *aimc_json_child(aimc_json_where at, const char *key, char *buf, size_t bufsize)
{
    where_name(at, key, buf, bufsize);
    return buf;
}

/* ---- strict JSON (RFC 8259) ----
 * json-c 0.16, even with JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, accepts single-quoted strings, raw
 * control characters in strings, overlong and surrogate UTF-8, NaN, Infinity, 1e999, "1.", \u0000, lone
 * surrogates and duplicate keys (keeping the last).  So the text is checked here first, in one pass, and
 * json-c only builds the tree of text already known to be strict JSON; duplicate keys are found by
 * comparing each object's key count in the text with the tree's (json-c merges duplicates). */

#define MAX_NUMBER_CHARS 127

typedef struct {
    const unsigned char *s;
    size_t n, i;
    const char *why;
    uint32_t *keys; /* key count of every object, in document order */
    size_t *at;     /* and where it starts */
    size_t objects, cap;
    bool oom;
} scanner;

static int scan_fail(scanner *sc, size_t at, const char *why)
{
    sc->i = at;
    sc->why = at < sc->n ? why : NULL; /* NULL: the text ended early */
    return -1;
}

static void scan_space(scanner *sc)
{
    while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' || sc->s[sc->i] == '\n' ||
                             sc->s[sc->i] == '\r'))
        sc->i++;
}

static bool hex4(const unsigned char *s, size_t i, size_t n, unsigned *out)
{
    if (n < 4 || i > n - 4)
        return false;
    unsigned v = 0;
    for (size_t k = i; k < i + 4; k++) {
        unsigned c = s[k];
        unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                     : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        if (d == 16)
            return false;
        v = v * 16 + d;
    }
    *out = v;
    return true;
}

/* At '"'.  UTF-8 was checked for the whole text already. */
static int scan_string(scanner *sc)
{
    const unsigned char *s = sc->s;
    size_t i = sc->i + 1, n = sc->n;
    while (i < n) {
        unsigned c = s[i];
        if (c == '"') {
            sc->i = i + 1;
            return 0;
        }
        if (c < 0x20)
            return scan_fail(sc, i, "no raw control character inside a string (write it as an escape, e.g. \\n)");
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= n)
            break;
        c = s[i + 1];
        if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
            i += 2;
            continue;
        }
        unsigned cp, lo;
        if (c != 'u')
            return scan_fail(sc, i, "a known escape in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        if (!hex4(s, i + 2, n, &cp))
            return scan_fail(sc, i, "\\u followed by four hex digits");
        if (cp == 0)
            return scan_fail(sc, i, "no \\u0000 in a string (names and values are C strings)");
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return scan_fail(sc, i, "no lone low surrogate in a string");
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!(i + 7 < n && s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(s, i + 8, n, &lo) && lo >= 0xdc00 &&
                  lo <= 0xdfff))
                return scan_fail(sc, i, "a low surrogate after a high one in a string");
            i += 12;
        } else {
            i += 6;
        }
    }
    return scan_fail(sc, n, NULL);
}

static bool is_digit(const scanner *sc, size_t i) { return i < sc->n && sc->s[i] >= '0' && sc->s[i] <= '9'; }

static int scan_number(scanner *sc)
{
    size_t start = sc->i, i = start;
    bool integer = true;
    if (sc->s[i] == '-')
        i++;
    if (i < sc->n && sc->s[i] == '0')
        i++;
    else if (is_digit(sc, i))
        while (is_digit(sc, i))
            i++;
    else
        return scan_fail(sc, i, "a digit in the number");
    if (is_digit(sc, i))
        return scan_fail(sc, i, "no leading zero in a number");
    if (i < sc->n && sc->s[i] == '.') {
        integer = false;
        if (!is_digit(sc, ++i))
            return scan_fail(sc, i, "a digit after the decimal point");
        while (is_digit(sc, i))
            i++;
    }
    if (i < sc->n && (sc->s[i] == 'e' || sc->s[i] == 'E')) {
        integer = false;
        i++;
        if (i < sc->n && (sc->s[i] == '+' || sc->s[i] == '-'))
            i++;
        if (!is_digit(sc, i))
            return scan_fail(sc, i, "a digit in the exponent");
        while (is_digit(sc, i))
            i++;
    }
    if (i - start > MAX_NUMBER_CHARS)
        return scan_fail(sc, start, "a number of at most 127 characters");
    char text[MAX_NUMBER_CHARS + 1];
    memcpy(text, sc->s + start, i - start);
    text[i - start] = 0;
    if (integer) {
        /* json-c saturates integers outside 64 bits silently (and doubles read from them go wrong too) */
        errno = 0;
        (void)strtoll(text, NULL, 10);
        if (errno == ERANGE)
            return scan_fail(sc, start, "an integer within [-2^63, 2^63) (write larger values with an exponent, "
                                        "e.g. 1e20)");
    } else if (!isfinite(strtod(text, NULL))) {
        return scan_fail(sc, start, "a number within the range of a double (about 1.8e308)");
    }
    sc->i = i;
    return 0;
}

static int scan_value(scanner *sc, int depth);

/* After a member of an object or list: 1 past a ',', 0 past the closing bracket, -1 otherwise. */
static int scan_next(scanner *sc, char close, const char *expected)
{
    scan_space(sc);
    if (sc->i < sc->n && (sc->s[sc->i] == ',' || sc->s[sc->i] == close))
        return sc->s[sc->i++] == ',';
    return scan_fail(sc, sc->i, expected);
}

static int scan_object(scanner *sc, int depth)
{
    if (sc->objects == sc->cap) {
        size_t cap = sc->cap ? 2 * sc->cap : 64;
        uint32_t *keys = realloc(sc->keys, cap * sizeof *keys);
        if (keys)
            sc->keys = keys;
        size_t *at = keys ? realloc(sc->at, cap * sizeof *at) : NULL;
        if (!at) {
            sc->oom = true;
            return scan_fail(sc, sc->i, "memory for the object table");
        }
        sc->at = at;
        sc->cap = cap;
    }
    size_t slot = sc->objects++;
    uint32_t count = 0;
    sc->at[slot] = sc->i++;
    scan_space(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        sc->keys[slot] = 0;
        return 0;
    }
    for (;;) {
        scan_space(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != '"')
            return scan_fail(sc, sc->i, sc->i < sc->n && sc->s[sc->i] == '\'' ? "a key in double quotes, found '"
                                                                              : "a key in double quotes");
        if (scan_string(sc))
            return -1;
        if (count == UINT32_MAX)
            return scan_fail(sc, sc->i, "fewer than 2^32 keys in an object");
        count++;
        scan_space(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return scan_fail(sc, sc->i, "':' after the key");
        sc->i++;
        int more = scan_value(sc, depth) ? -1 : scan_next(sc, '}', "',' or '}' after a value in an object");
        if (more <= 0) {
            sc->keys[slot] = count;
            return more;
        }
    }
}

static int scan_array(scanner *sc, int depth)
{
    sc->i++;
    scan_space(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        return 0;
    }
    for (;;) {
        int more = scan_value(sc, depth) ? -1 : scan_next(sc, ']', "',' or ']' after a value in a list");
        if (more <= 0)
            return more;
    }
}

static int scan_value(scanner *sc, int depth)
{
    scan_space(sc);
    if (sc->i >= sc->n)
        return scan_fail(sc, sc->n, NULL);
    unsigned char c = sc->s[sc->i];
    if ((c == '{' || c == '[') && depth >= AIMC_JSON_MAX_DEPTH)
        return scan_fail(sc, sc->i, "objects and lists nested at most " AIMC_JSON_MAX_DEPTH_TEXT " deep");
    if (c == '{')
        return scan_object(sc, depth + 1);
    if (c == '[')
        return scan_array(sc, depth + 1);
    if (c == '"')
        return scan_string(sc);
    if (c == '-' || (c >= '0' && c <= '9'))
        return scan_number(sc);
    static const char *const words[] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t len = strlen(words[w]);
        if (sc->n - sc->i >= len && memcmp(sc->s + sc->i, words[w], len) == 0) {
            sc->i += len;
            return 0;
        }
    }
    return scan_fail(sc, sc->i, c == '\'' ? "a value (strings take double quotes, found ')"
                                          : "a value (object, list, string, number, true, false or null)");
}

/* Where a duplicate key is: the first key in the text of object `at` that is not the tree's next key
 * (json-c keeps keys in the order they first appear).  Returns its offset and its text, or SIZE_MAX. */
static size_t find_duplicate(scanner *sc, size_t at, json_object *obj, json_object **name)
{
    struct lh_entry *e = json_object_get_object(obj)->head;
    sc->i = at + 1;
    for (;;) {
        scan_space(sc);
        size_t start = sc->i;
        if (start >= sc->n || sc->s[start] != '"' || scan_string(sc))
            return SIZE_MAX;
        /* the key's span alone, unescaped by json-c as the tree's keys were */
        json_tokener *tok = json_tokener_new();
        json_object *key = tok ? json_tokener_parse_ex(tok, (const char *)sc->s + start, (int)(sc->i - start)) : NULL;
        json_tokener_free(tok);
        if (!key)
            return SIZE_MAX;
        if (!e || strcmp((const char *)lh_entry_k(e), json_object_get_string(key)) != 0) {
            *name = key;
            return start;
        }
        json_object_put(key);
        e = e->next;
        scan_space(sc);
        sc->i++; /* ':' */
        if (scan_value(sc, 0))
            return SIZE_MAX;
        scan_space(sc);
        sc->i++; /* ',' */
    }
}

/* Walks the tree in document order next to the scanner's object table; -1 at the first object whose
 * key count differs (a duplicate key), with *bad its index. */
static int check_counts(const scanner *sc, json_object *v, size_t *next, size_t *bad)
{
    if (json_object_is_type(v, json_type_object)) {
        size_t me = (*next)++;
        if (me >= sc->objects || (size_t)json_object_object_length(v) != sc->keys[me]) {
            *bad = me;
            return -1;
        }
        json_object_object_foreach(v, key, child) {
            (void)key;
            if (check_counts(sc, child, next, bad))
                return -1;
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t k = 0; k < json_object_array_length(v); k++)
            if (check_counts(sc, json_object_array_get_idx(v, k), next, bad))
                return -1;
    }
    return 0;
}

static json_object *find_object(json_object *v, size_t want, size_t *next)
{
    if (json_object_is_type(v, json_type_object)) {
        if ((*next)++ == want)
            return v;
        json_object_object_foreach(v, key, child) {
            (void)key;
            json_object *o = find_object(child, want, next);
            if (o)
                return o;
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t k = 0; k < json_object_array_length(v); k++) {
            json_object *o = find_object(json_object_array_get_idx(v, k), want, next);
            if (o)
                return o;
        }
    }
    return NULL;
}

static void fail_at(aimc_error *err, const char *name, long first_line, const char *text, size_t len,
                    size_t offset, const char *fmt, const char *arg)
{
    long line = first_line, col = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char why[300];
    snprintf(why, sizeof why, fmt, arg);
    aimc_fail(err, "%s:%ld:%ld: malformed JSON: %s", name, line, col, why);
}

static json_object *parse_strict(const char *name, long first_line, const char *end_word, const char *text,
                                 size_t len, aimc_error *err)
{
    if (len > INT32_MAX) {
        aimc_fail(err, "%s: %zu bytes of JSON: expected at most 2 GiB", name, len);
        return NULL;
    }
    scanner sc = {.s = (const unsigned char *)text, .n = len};
    size_t valid = aimc_utf8_valid_prefix(text, len);
    int rc = 0;
    if (valid < len)
        rc = scan_fail(&sc, valid, "valid UTF-8, found a byte that is not");
    else if (scan_value(&sc, 0) == 0) {
        scan_space(&sc);
        if (sc.i < len)
            rc = scan_fail(&sc, sc.i, "nothing after the value, found more text");
    } else {
        rc = -1;
    }
    if (rc) {
        if (sc.oom)
            aimc_fail(err, "%s: out of memory checking the JSON (%zu bytes)", name, len);
        else if (!sc.why)
            fail_at(err, name, first_line, text, len, sc.i, "unexpected end of %s", end_word);
        else
            fail_at(err, name, first_line, text, len, sc.i, "expected %s", sc.why);
        free(sc.keys);
        free(sc.at);
        return NULL;
    }
    json_tokener *tok = json_tokener_new_ex(2 * AIMC_JSON_MAX_DEPTH);
    json_object *root = NULL;
    if (tok) {
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        root = json_tokener_parse_ex(tok, text, (int)len);
    }
    if (!root) {
        /* the text is strict JSON: json-c only fails to build the tree when an allocation fails */
        aimc_fail(err, "%s: out of memory building the JSON tree (%zu bytes of text)", name, len);
    } else {
        size_t next = 0, bad = 0;
        if (check_counts(&sc, root, &next, &bad)) {
            size_t k = 0;
            json_object *obj = find_object(root, bad, &k), *key = NULL;
            size_t at = obj ? find_duplicate(&sc, sc.at[bad], obj, &key) : SIZE_MAX;
            if (at == SIZE_MAX)
                fail_at(err, name, first_line, text, len, sc.at[bad], "%s", "expected each key once in an object");
            else
                fail_at(err, name, first_line, text, len, at, "key \"%s\" appears twice in an object (expected each key once)",
                        json_object_get_string(key));
            json_object_put(key);
            json_object_put(root);
            root = NULL;
        }
    }
    json_tokener_free(tok);
    free(sc.keys);
    free(sc.at);
    return root;
}

json_object *aimc_json_parse_text(const char *name, const char *text, size_t len, aimc_error *err)
{
    return parse_strict(name, 1, "data", text, len, err);
}

json_object *aimc_json_parse_line(const char *name, long line, const char *text, size_t len, aimc_error *err)
{
    return parse_strict(name, line, "line", text, len, err);
}

json_object *aimc_json_load_file(const char *path, aimc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        aimc_fail(err, "%s: cannot open file", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                aimc_fail(err, "%s: out of memory", path);
                return NULL;
            }
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int read_failed = ferror(f);
    fclose(f);
    json_object *root = NULL;
    if (read_failed)
        aimc_fail(err, "%s: cannot read file", path);
    else
        root = aimc_json_parse_text(path, text, len, err);
    free(text);
    return root;
}

static int get_typed(json_object *obj, aimc_json_where at, const char *key, json_type type, const char *what,
                     json_object **out, aimc_error *err)
{
    *out = NULL; /* set on every path: callers read it only on success, and -O3 cannot tell */
    char name[128];
    where_name(at, key, name, sizeof name);
    json_object *v = NULL;
    if (!obj || !json_object_object_get_ex(obj, key, &v))
        return aimc_fail_field(err, at.file, name, "%s (field is missing)", what);
    bool ok = json_object_is_type(v, type) ||
              (type == json_type_double && json_object_is_type(v, json_type_int));
    if (!ok)
        return aimc_fail_field(err, at.file, name, "%s, found %s", what, json_type_to_name(json_object_get_type(v)));
    *out = v;
    return 0;
}

int aimc_json_get_int(json_object *obj, aimc_json_where at, const char *key, long min, long max, long *out,
                      aimc_error *err)
{
    json_object *v;
    char what[96];
    snprintf(what, sizeof what, "an integer in [%ld, %ld]", min, max);
    if (get_typed(obj, at, key, json_type_int, what, &v, err))
        return -1;
    int64_t x = json_object_get_int64(v);
    if (x < min || x > max) {
        char name[128];
        where_name(at, key, name, sizeof name);
        return aimc_fail_field(err, at.file, name, "%s, found %lld", what, (long long)x);
    }
    *out = (long)x;
    return 0;
}

int aimc_json_get_number(json_object *obj, aimc_json_where at, const char *key, double min, double max,
                         double *out, aimc_error *err)
{
    json_object *v;
    char what[96];
    snprintf(what, sizeof what, "a number in [%g, %g]", min, max);
    if (get_typed(obj, at, key, json_type_double, what, &v, err))
        return -1;
    double x = json_object_get_double(v);
    if (!(x >= min && x <= max)) {
        char name[128];
        where_name(at, key, name, sizeof name);
        return aimc_fail_field(err, at.file, name, "%s, found %g", what, x);
    }
    *out = x;
    return 0;
}

int aimc_json_get_bool(json_object *obj, aimc_json_where at, const char *key, bool *out, aimc_error *err)
{
    json_object *v;
    if (get_typed(obj, at, key, json_type_boolean, "true or false", &v, err))
        return -1;
    *out = json_object_get_boolean(v);
    return 0;
}

int aimc_json_get_string(json_object *obj, aimc_json_where at, const char *key, const char **out,
                         aimc_error *err)
{
    json_object *v;
    if (get_typed(obj, at, key, json_type_string, "a string", &v, err))
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

int aimc_json_get_object(json_object *obj, aimc_json_where at, const char *key, json_object **out,
                         aimc_error *err)
{
    return get_typed(obj, at, key, json_type_object, "an object", out, err);
}

int aimc_json_get_param(json_object *obj, aimc_json_where at, const char *key, double min, double max,
                        double *value, const char **source, aimc_error *err)
{
    char name[128];
    json_object *p;
    if (get_typed(obj, at, key, json_type_object, "{\"value\": number, \"source\": string}", &p, err))
        return -1;
    where_name(at, key, name, sizeof name);
    aimc_json_where inner = {at.file, name};
    const char *src;
    if (aimc_json_get_number(p, inner, "value", min, max, value, err) ||
        aimc_json_get_string(p, inner, "source", &src, err))
        return -1;
    if (!src[0])
        return aimc_fail_field(err, at.file, name, "a non-empty \"source\" citing where the value comes from");
    if (source)
        *source = src;
    return 0;
}

int aimc_json_opt_int(json_object *obj, aimc_json_where at, const char *key, long min, long max, long *out,
                      aimc_error *err)
{
    if (!obj || !json_object_object_get_ex(obj, key, NULL))
        return 0;
    return aimc_json_get_int(obj, at, key, min, max, out, err);
}

int aimc_json_opt_bool(json_object *obj, aimc_json_where at, const char *key, bool *out, aimc_error *err)
{
    if (!obj || !json_object_object_get_ex(obj, key, NULL))
        return 0;
    return aimc_json_get_bool(obj, at, key, out, err);
}

int aimc_json_opt_string(json_object *obj, aimc_json_where at, const char *key, const char **out,
                         aimc_error *err)
{
    if (!obj || !json_object_object_get_ex(obj, key, NULL))
        return 0;
    return aimc_json_get_string(obj, at, key, out, err);
}

const char *aimc_json_to_text(json_object *obj)
{
    return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
}

json_object *aimc_json_double(double value, int decimals)
{
    char text[64];
    double scale = pow(10.0, decimals);
    double rounded = round(value * scale) / scale;
    snprintf(text, sizeof text, "%.*f", decimals, rounded);
    return json_object_new_double_s(rounded, text);
}

int aimc_json_write_file(const char *path, json_object *obj, aimc_error *err)
{
    /* json-c returns NULL when it cannot allocate the text (or obj is NULL: a json_object_new_* that failed) */
    const char *text = obj ? aimc_json_to_text(obj) : NULL;
    if (!text)
        return aimc_fail_oom(err, "the JSON text of %s", path);
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    fprintf(aimc_output_stream(out), "%s\n", text);
    return aimc_output_commit(out, err);
}
