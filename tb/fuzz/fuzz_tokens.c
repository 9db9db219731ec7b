/* libFuzzer harness: a token file as `aimc3d eval --tokens FILE` reads it; the first byte picks the format
 * (raw little-endian uint32 ids, or a *.json list or object). */
#include "fuzz_input.h"
#include "numeric/token_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    aimc_tokens t = {0};
    aimc_error err;
    const char *path = fuzz_input_file(data + 1, size - 1, data[0] & 1 ? ".json" : ".tokens");
    if (aimc_tokens_load(path, &t, &err) == 0) {
        aimc_tokens_check_vocab(&t, path, 2048, &err);
        aimc_tokens_free(&t);
    }
    return 0;
}
