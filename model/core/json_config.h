/* Reading JSON inputs (presets, model descriptions, routing traces) with errors that name the file,
 * the field and what was expected.  A calibrated constant is written {"value": x, "source": "..."}
 * and the reader refuses one without a source. */
#ifndef AIMC_JSON_CONFIG_H
#define AIMC_JSON_CONFIG_H

#include <json-c/json.h>
#include <stdbool.h>

#include "core/aimc_error.h"

/* Where a field lives, for error messages: file name and the dotted path of the enclosing object. */
typedef struct {
    const char *file;
    const char *section; /* "" for the top level */
} aimc_json_where;

/* The one JSON reader of the project: strict RFC 8259 (no comments, no single quotes, no trailing commas,
 * NaN or Infinity, valid UTF-8 only, no raw control characters, no \u0000 or lone surrogates in strings,
 * no duplicate keys, integers within 64 bits, numbers finite, nesting at most AIMC_JSON_MAX_DEPTH deep,
 * nothing but white space after the value).  A problem is reported as
 * "<file>:<line>:<column>: malformed JSON: expected ..." (column in bytes).  Caller puts the result. */
#define AIMC_JSON_MAX_DEPTH 32
#define AIMC_JSON_MAX_DEPTH_TEXT "32"
json_object *aimc_json_load_file(const char *path, aimc_error *err);
/* Same for text already in memory (name is used in messages). */
json_object *aimc_json_parse_text(const char *name, const char *text, size_t len, aimc_error *err);
/* One line of a JSON Lines file (no newline in text): positions are reported as "<name>:<line>:<column>". */
json_object *aimc_json_parse_line(const char *name, long line, const char *text, size_t len, aimc_error *err);

/* Each getter fails if the field is missing, has the wrong type or lies outside [min, max]. */
int aimc_json_get_int(json_object *obj, aimc_json_where at, const char *key, long min, long max, long *out,
                      aimc_error *err);
int aimc_json_get_number(json_object *obj, aimc_json_where at, const char *key, double min, double max,
                         double *out, aimc_error *err);
int aimc_json_get_bool(json_object *obj, aimc_json_where at, const char *key, bool *out, aimc_error *err);
int aimc_json_get_string(json_object *obj, aimc_json_where at, const char *key, const char **out,
                         aimc_error *err);
int aimc_json_get_object(json_object *obj, aimc_json_where at, const char *key, json_object **out,
                         aimc_error *err);
/* A calibrated constant: {"value": number in [min,max], "source": non-empty string}. source may be NULL. */
int aimc_json_get_param(json_object *obj, aimc_json_where at, const char *key, double min, double max,
                        double *value, const char **source, aimc_error *err);

/* Optional variants: leave *out untouched and succeed when the key is absent. */
int aimc_json_opt_int(json_object *obj, aimc_json_where at, const char *key, long min, long max, long *out,
                      aimc_error *err);
int aimc_json_opt_bool(json_object *obj, aimc_json_where at, const char *key, bool *out, aimc_error *err);
int aimc_json_opt_string(json_object *obj, aimc_json_where at, const char *key, const char **out,
                         aimc_error *err);

/* The dotted name of a child section, e.g. "tile" + "adc" -> "tile.adc"; buf must hold 128 bytes. */
const char *aimc_json_child(aimc_json_where at, const char *key, char *buf, size_t bufsize);

/* Serialises with the project's conventions (pretty, no slash escaping, %.17g doubles avoided: callers
 * add doubles with aimc_json_double so a value prints the same on every run). Caller frees nothing. */
const char *aimc_json_to_text(json_object *obj);
/* Writes aimc_json_to_text(obj) and a newline to path atomically (core/output_file.h). */
int aimc_json_write_file(const char *path, json_object *obj, aimc_error *err);
/* A double rounded to `decimals` places, printed as such (so reports are byte-stable and readable). */
json_object *aimc_json_double(double value, int decimals);

#endif
