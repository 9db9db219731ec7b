#include "workload/safetensors.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json_config.h"

#define MAX_HEADER_BYTES (100u << 20) /* the format's own limit */

struct aimc_safetensors {
    char *path;
    const uint8_t *map;
    size_t size;
    const uint8_t *data; /* start of the data section */
    uint64_t data_size;
    json_object *header; /* owns the names */
    size_t count;
    aimc_st_tensor *tensors; /* sorted by name */
};

static const struct {
    const char *name;
    size_t size;
} dtypes[AIMC_ST_DTYPE_COUNT] = {
    {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
    {"U64", 8}, {"U32", 4}, {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1},
};

const char *aimc_st_dtype_name(aimc_st_dtype d) { return dtypes[d].name; }
size_t aimc_st_dtype_size(aimc_st_dtype d) { return dtypes[d].size; }

/* ---- UTF-8 and the header's keys ---- */

/* What is wrong with a name, or NULL.  Control characters are refused so that messages stay one line. */
static const char *name_problem(const char *name, size_t len)
{
    if (len == 0)
        return "empty";
    if (aimc_utf8_valid_prefix(name, len) != len)
        return "not valid UTF-8";
    for (size_t i = 0; i < len; i++)
        if ((uint8_t)name[i] < 0x20 || name[i] == 0x7f)
            return "not free of control characters";
    return NULL;
}

/* Every name valid UTF-8 without control characters (the strict JSON reader has refused duplicates). */
static int check_names(const char *path, json_object *header, aimc_error *err)
{
    size_t i = 0;
    json_object_object_foreach(header, key, value) {
        (void)value;
        const char *why = name_problem(key, strlen(key));
        i++;
        if (why)
            return aimc_fail(err, "%s: header: tensor name #%zu is %s: \"%s\"", path, i, why, key);
    }
    return 0;
}

/* ---- tensor entries ---- */

static int parse_dtype(const char *text)
{
    for (int d = 0; d < AIMC_ST_DTYPE_COUNT; d++)
        if (strcmp(dtypes[d].name, text) == 0)
            return d;
    return -1;
}

/* A non-negative JSON integer (json-c saturates larger ones at INT64_MAX, which no file is as big as). */
static bool get_u64(json_object *v, uint64_t *out)
{
    if (!json_object_is_type(v, json_type_int))
        return false;
    int64_t x = json_object_get_int64(v);
    if (x < 0)
        return false;
    *out = (uint64_t)x;
    return true;
}

static int parse_shape(const char *path, const char *name, json_object *v, aimc_st_tensor *t, uint64_t *elements,
                       aimc_error *err)
{
    size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : SIZE_MAX;
    if (n > AIMC_ST_MAX_DIMS)
        return aimc_fail(err, "%s: tensor \"%s\": shape: expected a list of at most %d non-negative integers", path,
                         name, AIMC_ST_MAX_DIMS);
    t->ndim = (uint32_t)n;
    /* The dimensions, zeros left out, times the element size must stay below 2^63 bytes: so that a reader
     * may multiply any of them (rows x 8 bytes of norms, say) without overflow, even for an empty tensor. */
    uint64_t bytes = dtypes[t->dtype].size;
    *elements = 1;
    for (size_t i = 0; i < n; i++) {
        if (!get_u64(json_object_array_get_idx(v, i), &t->shape[i]))
            return aimc_fail(err, "%s: tensor \"%s\": shape: expected non-negative integers", path, name);
        if (__builtin_mul_overflow(bytes, t->shape[i] ? t->shape[i] : 1, &bytes) || bytes >= (1ull << 63))
            return aimc_fail(err, "%s: tensor \"%s\": shape: expected dimensions whose product (zeros left out) "
                                  "times %zu bytes stays below 2^63 bytes", path, name, dtypes[t->dtype].size);
        *elements *= t->shape[i];
    }
    return 0;
}

static int parse_offsets(const char *path, const char *name, json_object *v, aimc_st_tensor *t, aimc_error *err)
{
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2 ||
        !get_u64(json_object_array_get_idx(v, 0), &t->begin) || !get_u64(json_object_array_get_idx(v, 1), &t->end))
        return aimc_fail(err, "%s: tensor \"%s\": data_offsets: expected [begin, end], two non-negative integers",
                         path, name);
    if (t->begin > t->end)
        return aimc_fail(err, "%s: tensor \"%s\": data_offsets [%llu, %llu] out of range: begin after end", path, name,
                         (unsigned long long)t->begin, (unsigned long long)t->end);
    return 0;
}

static int parse_tensor(const char *path, const char *name, json_object *v, aimc_st_tensor *t, aimc_error *err)
{
    json_object *dtype, *shape, *offsets;
    if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, "dtype", &dtype) ||
        !json_object_object_get_ex(v, "shape", &shape) || !json_object_object_get_ex(v, "data_offsets", &offsets))
        return aimc_fail(err, "%s: tensor \"%s\": expected an object with dtype, shape and data_offsets", path, name);
    int d = json_object_is_type(dtype, json_type_string) ? parse_dtype(json_object_get_string(dtype)) : -1;
    if (d < 0)
        return aimc_fail(err, "%s: tensor \"%s\": dtype: expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, "
                              "U32, U16, U8, BOOL, F8_E4M3, F8_E5M2, found %s", path, name,
                         json_object_to_json_string(dtype));
    t->name = name;
    t->dtype = (aimc_st_dtype)d;
    uint64_t elements = 0;
    if (parse_shape(path, name, shape, t, &elements, err) || parse_offsets(path, name, offsets, t, err))
        return -1;
    if (elements * dtypes[d].size != t->end - t->begin)
        return aimc_fail(err, "%s: tensor \"%s\": shape and dtype make %llu x %zu bytes, data_offsets [%llu, %llu] "
                              "hold %llu", path, name, (unsigned long long)elements, dtypes[d].size,
                         (unsigned long long)t->begin, (unsigned long long)t->end,
                         (unsigned long long)(t->end - t->begin));
    return 0;
}

static int check_metadata(const char *path, json_object *v, aimc_error *err)
{
    if (!json_object_is_type(v, json_type_object))
        return aimc_fail(err, "%s: __metadata__: expected an object of strings", path);
    json_object_object_foreach(v, key, value) {
        if (name_problem(key, strlen(key)))
            return aimc_fail(err, "%s: __metadata__: a key is %s", path, name_problem(key, strlen(key)));
        if (!json_object_is_type(value, json_type_string))
            return aimc_fail(err, "%s: __metadata__.%s: expected a string", path, key);
    }
    return 0;
}

/* ---- the layout of the data section ---- */

static int by_offset(const void *a, const void *b)
{
    const aimc_st_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Tensors sorted by offset must tile [0, data_size) exactly: no overlap, no gap, nothing past the end. */
static int check_layout(aimc_safetensors *st, aimc_error *err)
{
    aimc_st_tensor *t = st->tensors;
    qsort(t, st->count, sizeof *t, by_offset);
    uint64_t covered = 0, total = 0;
    for (size_t i = 0; i < st->count; i++) {
        if (t[i].begin < covered)
            return aimc_fail(err, "%s: tensors \"%s\" and \"%s\" overlap: data_offsets [%llu, %llu] and [%llu, %llu]",
                             st->path, t[i - 1].name, t[i].name, (unsigned long long)t[i - 1].begin,
                             (unsigned long long)t[i - 1].end, (unsigned long long)t[i].begin,
                             (unsigned long long)t[i].end);
        covered = t[i].end;
        total += t[i].end - t[i].begin;
    }
    if (covered > st->data_size && covered == total)
        return aimc_fail(err, "%s: truncated: the header describes %llu bytes of data, the file holds %llu", st->path,
                         (unsigned long long)covered, (unsigned long long)st->data_size);
    for (size_t i = st->count; i-- > 0;)
        if (t[i].end > st->data_size)
            return aimc_fail(err, "%s: tensor \"%s\": data_offsets [%llu, %llu] out of range: the data holds %llu bytes",
                             st->path, t[i].name, (unsigned long long)t[i].begin, (unsigned long long)t[i].end,
                             (unsigned long long)st->data_size);
    uint64_t at = 0;
    for (size_t i = 0; i < st->count; i++) {
        if (t[i].begin > at)
            return aimc_fail(err, "%s: data bytes [%llu, %llu) belong to no tensor", st->path, (unsigned long long)at,
                             (unsigned long long)t[i].begin);
        at = t[i].end;
    }
    if (at < st->data_size)
        return aimc_fail(err, "%s: %llu bytes after the last tensor's data", st->path,
                         (unsigned long long)(st->data_size - at));
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const aimc_st_tensor *)a)->name, ((const aimc_st_tensor *)b)->name);
}

static int read_tensors(aimc_safetensors *st, aimc_error *err)
{
    size_t n = 0;
    json_object_object_foreach(st->header, k0, v0) {
        (void)v0;
        n += strcmp(k0, "__metadata__") != 0;
    }
    st->tensors = calloc(n ? n : 1, sizeof *st->tensors);
    if (!st->tensors)
        return aimc_fail(err, "%s: out of memory for %zu tensors", st->path, n);
    json_object_object_foreach(st->header, key, value) {
        if (strcmp(key, "__metadata__") == 0) {
            if (check_metadata(st->path, value, err))
                return -1;
        } else if (parse_tensor(st->path, key, value, &st->tensors[st->count++], err)) {
            return -1;
        }
    }
    if (check_layout(st, err))
        return -1;
    qsort(st->tensors, st->count, sizeof *st->tensors, by_name);
    return 0;
}

/* ---- open / close ---- */

static int map_file(aimc_safetensors *st, aimc_error *err)
{
    int fd = open(st->path, O_RDONLY);
    if (fd < 0)
        return aimc_fail(err, "%s: cannot open file: %s", st->path, strerror(errno));
    struct stat sb;
    int rc = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = aimc_fail(err, "%s: not a regular file", st->path);
    else if (sb.st_size < 8)
        rc = aimc_fail(err, "%s: truncated: %lld bytes, shorter than the 8-byte header length", st->path,
                       (long long)sb.st_size);
    if (rc == 0) {
        st->size = (size_t)sb.st_size;
        void *p = mmap(NULL, st->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            rc = aimc_fail(err, "%s: cannot map file: %s", st->path, strerror(errno));
        else
            st->map = p;
    }
    close(fd);
    return rc;
}

static int read_header(aimc_safetensors *st, aimc_error *err)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | st->map[i];
    if (n > st->size - 8)
        return aimc_fail(err, "%s: header length %llu runs past the end of the file (%zu bytes after the length)",
                         st->path, (unsigned long long)n, st->size - 8);
    if (n == 0 || n > MAX_HEADER_BYTES)
        return aimc_fail(err, "%s: header length %llu: expected 1 to %u bytes", st->path, (unsigned long long)n,
                         MAX_HEADER_BYTES);
    const char *text = (const char *)st->map + 8;
    st->header = aimc_json_parse_text(st->path, text, n, err);
    if (!st->header)
        return -1;
    if (!json_object_is_type(st->header, json_type_object))
        return aimc_fail(err, "%s: header: expected a JSON object", st->path);
    st->data = st->map + 8 + n;
    st->data_size = st->size - 8 - n;
    return check_names(st->path, st->header, err);
}

aimc_safetensors *aimc_safetensors_open(const char *path, aimc_error *err)
{
    aimc_safetensors *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        aimc_fail(err, "%s: out of memory", path);
        return NULL;
    }
    if (map_file(st, err) || read_header(st, err) || read_tensors(st, err)) {
        aimc_safetensors_close(st);
        return NULL;
    }
    return st;
}

void aimc_safetensors_close(aimc_safetensors *st)
{
    if (!st)
        return;
    if (st->map)
        munmap((void *)st->map, st->size);
    json_object_put(st->header);
    free(st->tensors);
    free(st->path);
    free(st);
}

const char *aimc_safetensors_path(const aimc_safetensors *st) { return st->path; }
size_t aimc_safetensors_count(const aimc_safetensors *st) { return st->count; }
const aimc_st_tensor *aimc_safetensors_at(const aimc_safetensors *st, size_t i)
{
    return i < st->count ? &st->tensors[i] : NULL;
}

const aimc_st_tensor *aimc_safetensors_find(const aimc_safetensors *st, const char *name)
{
    aimc_st_tensor key = {.name = name};
    return bsearch(&key, st->tensors, st->count, sizeof key, by_name);
}

uint64_t aimc_st_tensor_elements(const aimc_st_tensor *t)
{
    uint64_t n = 1;
    for (uint32_t i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

/* ---- values ---- */

float aimc_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, em = h & 0x7fffu;
    /* normal and subnormal at once: shift into place and rescale by 2^112, exact */
    uint32_t shifted = em << 13, bits;
    float f;
    memcpy(&f, &shifted, 4);
    f *= 0x1p112f;
    memcpy(&bits, &f, 4);
    uint32_t special = 0x7f800000u | ((em & 0x3ffu) << 13); /* infinity and NaN */
    bits = sign | (em >= 0x7c00u ? special : bits);
    memcpy(&f, &bits, 4);
    return f;
}

float aimc_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t aimc_f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

uint16_t aimc_f32_to_f16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return sign | 0x7e00u; /* NaN */
    if (a >= 0x477ff000u)      /* rounds to >= 65520: infinity */
        return sign | 0x7c00u;
    if (a < 0x38800000u) { /* below 2^-14: subnormal half; let the FPU round (x 2^24 is exact in float) */
        float mag;
        memcpy(&mag, &a, 4);
        return sign | (uint16_t)lrintf(mag * 0x1p24f);
    }
    uint32_t mant_odd = (a >> 13) & 1u;
    a += 0xfffu + mant_odd; /* round to nearest even on the 13 dropped bits */
    return sign | (uint16_t)((a - 0x38000000u) >> 13);
}

static bool is_float_dtype(aimc_st_dtype d) { return d == AIMC_ST_F32 || d == AIMC_ST_F16 || d == AIMC_ST_BF16; }

/* Branch-free loops, one per dtype, so that the compiler vectorises them. */
static void convert_bf16(const uint8_t *p, size_t count, float *out)
{
    for (size_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        uint32_t bits = (uint32_t)h << 16;
        memcpy(&out[i], &bits, 4);
    }
}

static void convert_f16(const uint8_t *p, size_t count, float *out)
{
    for (size_t i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        out[i] = aimc_f16_to_f32(h);
    }
}

/* Converts count values starting at element first; the caller has checked the range. */
static void convert(const aimc_safetensors *st, const aimc_st_tensor *t, uint64_t first, size_t count, float *out)
{
    const uint8_t *p = st->data + t->begin + first * dtypes[t->dtype].size;
    if (t->dtype == AIMC_ST_F32)
        memcpy(out, p, count * 4);
    else if (t->dtype == AIMC_ST_BF16)
        convert_bf16(p, count, out);
    else
        convert_f16(p, count, out);
}

int aimc_safetensors_read_f32(const aimc_safetensors *st, const aimc_st_tensor *t, uint64_t first, uint64_t count,
                              float *out, aimc_error *err)
{
    if (!is_float_dtype(t->dtype))
        return aimc_fail(err, "%s: tensor \"%s\": dtype %s: expected F32, F16 or BF16 to read as float", st->path,
                         t->name, dtypes[t->dtype].name);
    uint64_t n = aimc_st_tensor_elements(t);
    if (first > n || count > n - first)
        return aimc_fail(err, "%s: tensor \"%s\": elements [%llu, %llu) asked for, it has %llu", st->path, t->name,
                         (unsigned long long)first, (unsigned long long)(first + count), (unsigned long long)n);
    convert(st, t, first, (size_t)count, out);
    return 0;
}

#define CHUNK 4096

int aimc_safetensors_row_norms(const aimc_safetensors *st, const aimc_st_tensor *t, double *norms, aimc_error *err)
{
    if (t->ndim != 2)
        return aimc_fail(err, "%s: tensor \"%s\": expected a 2-D weight, found %u dimensions", st->path, t->name,
                         t->ndim);
    if (!is_float_dtype(t->dtype))
        return aimc_fail(err, "%s: tensor \"%s\": dtype %s: expected F32, F16 or BF16", st->path, t->name,
                         dtypes[t->dtype].name);
    float buf[CHUNK];
    uint64_t rows = t->shape[0], cols = t->shape[1];
    for (uint64_t r = 0; r < rows; r++) {
        double sum = 0;
        for (uint64_t c = 0; c < cols; c += CHUNK) {
            size_t n = cols - c < CHUNK ? (size_t)(cols - c) : CHUNK;
            convert(st, t, r * cols + c, n, buf);
            sum += cblas_dsdot((int)n, buf, 1, buf, 1);
        }
        if (!isfinite(sum))
            return aimc_fail(err, "%s: tensor \"%s\": row %llu holds a value that is not finite", st->path, t->name,
                             (unsigned long long)r);
        norms[r] = sqrt(sum);
    }
    return 0;
}

int aimc_safetensors_max_row_norm(const aimc_safetensors *st, const aimc_st_tensor *t, double *out, aimc_error *err)
{
    uint64_t rows = t->ndim == 2 ? t->shape[0] : 1;
    size_t bytes;
    if (__builtin_mul_overflow(rows ? rows : 1, sizeof(double), &bytes))
        return aimc_fail(err, "%s: tensor \"%s\": %llu rows: too many to hold their norms", st->path, t->name,
                         (unsigned long long)rows);
    double *norms = malloc(bytes);
    if (!norms)
        return aimc_fail_oom(err, "the %llu row norms of tensor \"%s\" (%s)", (unsigned long long)rows, t->name,
                             st->path);
    int rc = aimc_safetensors_row_norms(st, t, norms, err);
    *out = 0;
    for (uint64_t r = 0; rc == 0 && r < rows; r++)
        *out = norms[r] > *out ? norms[r] : *out;
    free(norms);
    return rc;
}
