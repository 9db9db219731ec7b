/* libFuzzer harness: a chip description (aimc3d-chip/1: tile, periphery, digital units, system, digital
 * experts), parsed in memory as `--chip FILE` parses it. */
#include <stdlib.h>

#include "core/json_config.h"
#include "fuzz_input.h"
#include "system/chip_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aimc_error err;
    json_object *root = aimc_json_parse_text("fuzz-chip.json", (const char *)data, size, &err);
    if (!root)
        return 0;
    aimc_chip_config *cfg = malloc(sizeof *cfg);
    if (!cfg)
        abort();
    aimc_chip_config_from_json(root, "fuzz-chip.json", cfg, &err);
    free(cfg);
    json_object_put(root);
    return 0;
}
