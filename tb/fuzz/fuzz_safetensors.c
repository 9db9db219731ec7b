/* libFuzzer harness: a safetensors file (its header, then every accessor the weight criteria and the numeric
 * forward pass use) as `--weights FILE` reads it. */
#include <stdbool.h>
#include <stdlib.h>

#include "fuzz_input.h"
#include "workload/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    aimc_safetensors *st = aimc_safetensors_open(fuzz_input_file(data, size, ".safetensors"), &err);
    if (!st)
        return 0;
    for (size_t i = 0; i < aimc_safetensors_count(st); i++) {
        const aimc_st_tensor *t = aimc_safetensors_at(st, i);
        if (aimc_safetensors_find(st, t->name) != t)
            abort(); /* names are unique: find must return the same tensor */
        bool is_float = t->dtype == AIMC_ST_F32 || t->dtype == AIMC_ST_F16 || t->dtype == AIMC_ST_BF16;
        uint64_t n = aimc_st_tensor_elements(t);
        if (is_float && n > 0) {
            float v[64];
            aimc_safetensors_read_f32(st, t, n > 64 ? n - 64 : 0, n > 64 ? 64 : n, v, &err);
        }
        /* Every 2-D float tensor with rows (a matrix whose data the file holds).  A shape [2^61, 0] is issue 16's
         * open library defect (max_row_norm's row buffer overflows); the CLI checks shapes first. */
        if (is_float && t->ndim == 2 && n > 0) {
            double norm;
            aimc_safetensors_max_row_norm(st, t, &norm, &err);
        }
    }
    aimc_safetensors_close(st);
    return 0;
}
