/* libFuzzer harness: a parametric model family spec as typed on the command line
 * ("paper-moe:d_model=1024,experts=128,layers=48"). */
#include <stdlib.h>

#include "fuzz_input.h"
#include "workload/moe_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_input_text(data, size);
    aimc_moe_model m;
    aimc_error err;
    if (aimc_moe_model_from_spec(spec, &m, &err) == 0) {
        aimc_param_counts c;
        aimc_moe_model_params(&m, &c);
    }
    free(spec);
    return 0;
}
