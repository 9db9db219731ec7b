/* libFuzzer harness: a GPU baseline description (aimc3d-gpu/1) as `--gpu FILE` reads it. */
#include "fuzz_input.h"
#include "system/gpu_roofline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_gpu_config gpu;
    aimc_error err;
    aimc_gpu_config_load(fuzz_input_file(data, size, ".json"), &gpu, &err);
    return 0;
}
