/* The safetensors writer (safetensors.h): header from the specs, then the data streamed in order. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "workload/safetensors.h"

struct aimc_st_writer {
    aimc_output_file *out;
    aimc_st_spec *specs;
    size_t n;
    size_t current;      /* tensor being written */
    uint64_t written;    /* bytes of it written so far */
    uint64_t *nbytes;    /* per tensor */
};

static uint64_t spec_bytes(const aimc_st_spec *s)
{
    uint64_t n = aimc_st_dtype_size(s->dtype);
    for (uint32_t i = 0; i < s->ndim; i++)
        n *= s->shape[i];
    return n;
}

/* The header JSON, padded with spaces to a multiple of 8 bytes so the data starts aligned. */
static char *header_text(aimc_st_writer *w, size_t *len)
{
    json_object *h = json_object_new_object();
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "format", json_object_new_string("pt"));
    json_object_object_add(h, "__metadata__", meta);
    uint64_t at = 0;
    for (size_t i = 0; i < w->n; i++) {
        const aimc_st_spec *s = &w->specs[i];
        json_object *t = json_object_new_object(), *shape = json_object_new_array(), *off = json_object_new_array();
        for (uint32_t d = 0; d < s->ndim; d++)
            json_object_array_add(shape, json_object_new_int64((int64_t)s->shape[d]));
        json_object_array_add(off, json_object_new_int64((int64_t)at));
        json_object_array_add(off, json_object_new_int64((int64_t)(at + w->nbytes[i])));
        at += w->nbytes[i];
        json_object_object_add(t, "dtype", json_object_new_string(aimc_st_dtype_name(s->dtype)));
        json_object_object_add(t, "shape", shape);
        json_object_object_add(t, "data_offsets", off);
        json_object_object_add(h, s->name, t);
    }
    const char *text = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(text), padded = (n + 7) / 8 * 8;
    char *buf = malloc(padded);
    if (buf) {
        memcpy(buf, text, n);
        memset(buf + n, ' ', padded - n);
        *len = padded;
    }
    json_object_put(h);
    return buf;
}

static int write_header(aimc_st_writer *w, aimc_error *err)
{
    size_t len = 0;
    char *text = header_text(w, &len);
    if (!text)
        return aimc_fail(err, "safetensors writer: out of memory");
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)len >> (8 * i));
    FILE *f = aimc_output_stream(w->out);
    int ok = fwrite(le, 1, 8, f) == 8 && fwrite(text, 1, len, f) == len;
    free(text);
    return ok ? 0 : aimc_fail(err, "%s: write failed", aimc_output_temp_path(w->out));
}

aimc_st_writer *aimc_st_writer_open(const char *path, const aimc_st_spec *specs, size_t n, aimc_error *err)
{
    aimc_st_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->specs = malloc((n ? n : 1) * sizeof *specs)) || !(w->nbytes = malloc((n ? n : 1) * sizeof *w->nbytes))) {
        aimc_st_writer_abort(w);
        aimc_fail(err, "%s: out of memory", path);
        return NULL;
    }
    memcpy(w->specs, specs, n * sizeof *specs);
    w->n = n;
    for (size_t i = 0; i < n; i++)
        w->nbytes[i] = spec_bytes(&specs[i]);
    if (!(w->out = aimc_output_open(path, err)) || write_header(w, err)) {
        aimc_st_writer_abort(w);
        return NULL;
    }
    return w;
}

/* Moves past tensors that are complete (including empty ones). */
static void skip_full(aimc_st_writer *w)
{
    while (w->current < w->n && w->written == w->nbytes[w->current]) {
        w->current++;
        w->written = 0;
    }
}

int aimc_st_writer_put_raw(aimc_st_writer *w, const void *bytes, size_t n, aimc_error *err)
{
    const uint8_t *p = bytes;
    while (n > 0) {
        skip_full(w);
        if (w->current == w->n)
            return aimc_fail(err, "%s: more data than the header declares", aimc_output_temp_path(w->out));
        uint64_t room = w->nbytes[w->current] - w->written;
        size_t k = n < room ? n : (size_t)room;
        if (fwrite(p, 1, k, aimc_output_stream(w->out)) != k)
            return aimc_fail(err, "%s: write failed", aimc_output_temp_path(w->out));
        w->written += k;
        p += k;
        n -= k;
    }
    return 0;
}

static size_t encode(aimc_st_dtype d, const float *v, size_t count, uint8_t *out)
{
    size_t size = aimc_st_dtype_size(d);
    for (size_t i = 0; i < count; i++) {
        if (d == AIMC_ST_F32) {
            memcpy(out + 4 * i, &v[i], 4);
        } else {
            uint16_t h = d == AIMC_ST_BF16 ? aimc_f32_to_bf16(v[i]) : aimc_f32_to_f16(v[i]);
            memcpy(out + 2 * i, &h, 2);
        }
    }
    return count * size;
}

int aimc_st_writer_put_f32(aimc_st_writer *w, const float *values, size_t count, aimc_error *err)
{
    uint8_t buf[4096 * 4];
    while (count > 0) {
        skip_full(w);
        if (w->current == w->n)
            return aimc_fail(err, "%s: more data than the header declares", aimc_output_temp_path(w->out));
        aimc_st_dtype d = w->specs[w->current].dtype;
        if (d != AIMC_ST_F32 && d != AIMC_ST_F16 && d != AIMC_ST_BF16)
            return aimc_fail(err, "safetensors writer: tensor \"%s\" is %s, not a float type",
                             w->specs[w->current].name, aimc_st_dtype_name(d));
        uint64_t left = (w->nbytes[w->current] - w->written) / aimc_st_dtype_size(d);
        size_t k = count < 4096 ? count : 4096;
        k = k < left ? k : (size_t)left;
        if (aimc_st_writer_put_raw(w, buf, encode(d, values, k, buf), err))
            return -1;
        values += k;
        count -= k;
    }
    return 0;
}

int aimc_st_writer_close(aimc_st_writer *w, aimc_error *err)
{
    skip_full(w);
    if (w->current < w->n) {
        aimc_fail(err, "%s: tensor \"%s\" is missing %llu bytes of data", aimc_output_temp_path(w->out),
                  w->specs[w->current].name, (unsigned long long)(w->nbytes[w->current] - w->written));
        aimc_st_writer_abort(w);
        return -1;
    }
    int rc = aimc_output_commit(w->out, err);
    w->out = NULL;
    aimc_st_writer_abort(w);
    return rc;
}

void aimc_st_writer_abort(aimc_st_writer *w)
{
    if (!w)
        return;
    aimc_output_abort(w->out);
    free(w->specs);
    free(w->nbytes);
    free(w);
}
