#include "core/json_config.h"

#include <math.h>
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

json_object *aimc_json_parse_text(const char *name, const char *text, size_t len, aimc_error *err)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        aimc_fail(err, "%s: out of memory", name);
        return NULL;
    }
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t offset = json_tokener_get_parse_end(tok);
    if (!root && jerr == json_tokener_continue) {
        jerr = json_tokener_error_parse_eof;
        offset = len;
    } else if (root && offset < len) {
        size_t i = offset;
        while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
            i++;
        if (i < len) {
            json_object_put(root);
            root = NULL;
            offset = i;
            jerr = json_tokener_error_parse_unexpected;
        }
    }
    json_tokener_free(tok);
    if (!root) {
        long line = 1, col = 1;
        for (size_t i = 0; i < offset && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        aimc_fail(err, "%s:%ld:%ld: malformed JSON: %s", name, line, col,
                  jerr == json_tokener_error_parse_unexpected && offset < len ? "unexpected text after the value"
                                                                               : json_tokener_error_desc(jerr));
    }
    return root;
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
    aimc_output_file *out = aimc_output_open(path, err);
    if (!out)
        return -1;
    fprintf(aimc_output_stream(out), "%s\n", aimc_json_to_text(obj));
    return aimc_output_commit(out, err);
}
