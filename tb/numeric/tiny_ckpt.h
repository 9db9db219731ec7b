/* Random checkpoints of any supported family for tests and benchmarks: config.json text in, a folder with
 * config.json and model.safetensors out (every tensor the numeric pass reads, uniform random values). */
#ifndef AIMC_TINY_CKPT_H
#define AIMC_TINY_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"
#include "workload/safetensors.h"

typedef struct {
    aimc_st_dtype dtype;   /* F32, F16 or BF16 */
    uint64_t seed;
    double scale;          /* matrices uniform in [-scale, scale]; norm gains 1 +- 0.2, biases +- scale */
    const char *omit;      /* a tensor name to leave out, or NULL */
    const char *misshape;  /* a tensor name written one row longer than config.json says, or NULL */
    /* called after the random fill of every tensor, to set chosen values (may be NULL) */
    void (*fill)(const char *name, float *values, size_t len, void *ctx);
    void *ctx;
} tiny_ckpt_options;

/* Writes dir/config.json (the text as given) and dir/model.safetensors.  dir must exist. */
int tiny_ckpt_write(const char *dir, const char *config_json, const tiny_ckpt_options *o, aimc_error *err);

#endif
