/* libFuzzer harness: a sweep spec (aimc3d-sweep/1: base, axes, columns, findings, plots) as
 * `aimc3d sweep plan SPEC` reads and resolves it, every point's chip and model checked.  The study's tables
 * are sweep specs too (model/presets/studies/3d-moe/). */
#include "fuzz_input.h"
#include "sweep/sweep_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    aimc_sweep_destroy(aimc_sweep_load(fuzz_input_file(data, size, ".json"), &err));
    return 0;
}
