/* libFuzzer harness: the sweep's small text languages; the first byte picks one: point indices
 * (`sweep point --index 1,4,9-12`), objectives (`sweep collect --objectives tokens_per_s:max`) or a column
 * formula (docs/sweeps.md, "Columns"), with every reference resolved to a number, a string or nothing. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "sweep/sweep_dir.h"
#include "sweep/sweep_expr.h"
#include "sweep/sweep_table.h"

static json_object *values[3];

static json_object *resolve(void *ctx, const char *name, size_t len)
{
    (void)ctx;
    return len ? values[(unsigned char)name[0] % 3] : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    values[0] = json_object_new_double(2.5);
    values[1] = json_object_new_string("text");
    values[2] = NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = fuzz_input_text(data + 1, size - 1);
    aimc_error err;
    switch (data[0] % 3) {
    case 0: {
        size_t *idx = NULL, n = 0;
        if (aimc_sweep_parse_indices(text, 1000, &idx, &n, &err) == 0)
            free(idx);
        break;
    }
    case 1:
        json_object_put(aimc_sweep_objectives_parse(text, &err));
        break;
    default: {
        aimc_sweep_expr_value v;
        char why[256];
        if (aimc_sweep_expr_eval(text, NULL, NULL, &v, why, sizeof why) == 0)
            aimc_sweep_expr_eval(text, resolve, NULL, &v, why, sizeof why);
        break;
    }
    }
    free(text);
    return 0;
}
