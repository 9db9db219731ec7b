/* Token files: the token ids an evaluation reads (docs/file-formats.md).
 *   *.json   a JSON list of ids [464, 3290, ...], or an object {"tokenizer": "...", "tokens": [...]} (other
 *            fields are ignored, so a file may say where it came from);
 *   else     raw little-endian uint32 ids, 4 bytes each, nothing else (numpy's "<u4" .tofile()).
 * An empty file, a binary file whose size is not a multiple of 4 (truncated) and ids that are not integers
 * in [0, 2^32) are refused with the file named. */
#ifndef AIMC_TOKEN_FILE_H
#define AIMC_TOKEN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/aimc_error.h"

typedef struct {
    uint32_t *ids;
    size_t n;
    char tokenizer[128]; /* the JSON object's "tokenizer", else "" */
} aimc_tokens;

int aimc_tokens_load(const char *path, aimc_tokens *out, aimc_error *err);
/* Fails on the first id >= vocab, naming the file and the position. */
int aimc_tokens_check_vocab(const aimc_tokens *t, const char *path, uint32_t vocab, aimc_error *err);
void aimc_tokens_free(aimc_tokens *t);

#endif
