/* safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N, N
 * bytes of UTF-8 JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then
 * the data, offsets relative to its start.
 *
 * The reader memory-maps the file and checks everything before anything is read: a file shorter than its
 * header length says, a header that is not UTF-8 JSON, duplicate or non-UTF-8 names, unknown dtypes,
 * shape/dtype sizes that disagree with the offsets, begin > end, overlapping tensors, data not covered by
 * any tensor, a truncated data section and bytes after the last tensor are each refused with one error
 * line naming the file (and the tensor).  Accessors never read outside the file.  Values of F32, F16 and
 * BF16 tensors are read as float. */
#ifndef AIMC_SAFETENSORS_H
#define AIMC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"

#define AIMC_ST_MAX_DIMS 8

typedef enum {
    AIMC_ST_F64, AIMC_ST_F32, AIMC_ST_F16, AIMC_ST_BF16,
    AIMC_ST_I64, AIMC_ST_I32, AIMC_ST_I16, AIMC_ST_I8,
    AIMC_ST_U64, AIMC_ST_U32, AIMC_ST_U16, AIMC_ST_U8,
    AIMC_ST_BOOL, AIMC_ST_F8_E4M3, AIMC_ST_F8_E5M2,
    AIMC_ST_DTYPE_COUNT
} aimc_st_dtype;

typedef struct {
    const char *name;
    aimc_st_dtype dtype;
    uint32_t ndim;
    uint64_t shape[AIMC_ST_MAX_DIMS];
    uint64_t begin, end; /* byte offsets in the data section */
} aimc_st_tensor;

typedef struct aimc_safetensors aimc_safetensors;

aimc_safetensors *aimc_safetensors_open(const char *path, aimc_error *err);
void aimc_safetensors_close(aimc_safetensors *st);

const char *aimc_safetensors_path(const aimc_safetensors *st);
size_t aimc_safetensors_count(const aimc_safetensors *st);
const aimc_st_tensor *aimc_safetensors_at(const aimc_safetensors *st, size_t i); /* sorted by name */
const aimc_st_tensor *aimc_safetensors_find(const aimc_safetensors *st, const char *name); /* NULL if absent */
uint64_t aimc_st_tensor_elements(const aimc_st_tensor *t);

/* Reads elements [first, first + count) of an F32/F16/BF16 tensor as float. */
int aimc_safetensors_read_f32(const aimc_safetensors *st, const aimc_st_tensor *t, uint64_t first, uint64_t count,
                              float *out, aimc_error *err);
/* For a 2-D F32/F16/BF16 tensor [rows, cols]: the L2 norm of every row (norms: rows entries). */
int aimc_safetensors_row_norms(const aimc_safetensors *st, const aimc_st_tensor *t, double *norms, aimc_error *err);
/* The largest row L2 norm of a 2-D tensor (a layer's maximum neuron norm). */
int aimc_safetensors_max_row_norm(const aimc_safetensors *st, const aimc_st_tensor *t, double *out, aimc_error *err);

const char *aimc_st_dtype_name(aimc_st_dtype d);
size_t aimc_st_dtype_size(aimc_st_dtype d);

/* IEEE half and bfloat16 <-> float; float -> half/bfloat16 round to nearest even. */
float aimc_f16_to_f32(uint16_t h);
float aimc_bf16_to_f32(uint16_t h);
uint16_t aimc_f32_to_f16(float f);
uint16_t aimc_f32_to_bf16(float f);

/* ---- writing (tests and benchmarks generate checkpoints with it) ---- */

typedef struct {
    const char *name;
    aimc_st_dtype dtype;
    uint32_t ndim;
    uint64_t shape[AIMC_ST_MAX_DIMS];
} aimc_st_spec;

typedef struct aimc_st_writer aimc_st_writer;

/* Writes the header for tensors laid out in the given order; their data follows, in that order, through
 * aimc_st_writer_put_f32 (converted to each tensor's dtype) or aimc_st_writer_put_raw.  The file appears
 * under path only when close succeeds with every byte written.  The specs' names must stay valid until
 * close (they name tensors in messages). */
aimc_st_writer *aimc_st_writer_open(const char *path, const aimc_st_spec *specs, size_t n, aimc_error *err);
int aimc_st_writer_put_f32(aimc_st_writer *w, const float *values, size_t count, aimc_error *err);
int aimc_st_writer_put_raw(aimc_st_writer *w, const void *bytes, size_t n, aimc_error *err);
int aimc_st_writer_close(aimc_st_writer *w, aimc_error *err);
void aimc_st_writer_abort(aimc_st_writer *w);

#endif
