#include "numeric/token_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int load_json(const char *path, aimc_tokens *out, aimc_error *err)
{
    json_object *root = aimc_json_load_file(path, err);
    if (!root)
        return -1;
    json_object *list = root, *v;
    int rc = 0;
    if (json_object_is_type(root, json_type_object)) {
        if (json_object_object_get_ex(root, "tokenizer", &v) && json_object_is_type(v, json_type_string))
            snprintf(out->tokenizer, sizeof out->tokenizer, "%s", json_object_get_string(v));
        if (!json_object_object_get_ex(root, "tokens", &list))
            rc = aimc_fail_field(err, path, "tokens", "a list of token ids");
    }
    if (rc == 0 && !json_object_is_type(list, json_type_array))
        rc = aimc_fail_field(err, path, json_object_is_type(root, json_type_object) ? "tokens" : "(top level)",
                             "a list of token ids");
    size_t n = rc == 0 ? json_object_array_length(list) : 0;
    if (rc == 0 && n == 0)
        rc = aimc_fail(err, "%s: no token ids (an empty list)", path);
    if (rc == 0 && !(out->ids = malloc(n * sizeof *out->ids)))
        rc = aimc_fail(err, "%s: out of memory for %zu token ids", path, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i);
        int64_t id = json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;
        if (id < 0 || id > (int64_t)UINT32_MAX)
            rc = aimc_fail(err, "%s: token %zu: expected an integer id in [0, 2^32), found %s", path, i,
                           json_object_to_json_string(e));
        else
            out->ids[i] = (uint32_t)id;
    }
    json_object_put(root);
    if (rc == 0)
        out->n = n;
    return rc;
}

static int load_binary(const char *path, aimc_tokens *out, aimc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return aimc_fail(err, "%s: cannot open token file: %s", path, strerror(errno));
    int rc = 0;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        rc = aimc_fail(err, "%s: cannot read token file", path);
    else if (size == 0)
        rc = aimc_fail(err, "%s: empty token file (expected little-endian uint32 token ids)", path);
    else if (size % 4)
        rc = aimc_fail(err, "%s: truncated token file: %ld bytes is not a whole number of 4-byte token ids", path,
                       size);
    size_t n = rc == 0 ? (size_t)size / 4 : 0;
    unsigned char *raw = rc == 0 ? malloc((size_t)size) : NULL;
    if (rc == 0 && (!raw || !(out->ids = malloc(n * sizeof *out->ids))))
        rc = aimc_fail(err, "%s: out of memory for %zu token ids", path, n);
    if (rc == 0 && fread(raw, 1, (size_t)size, f) != (size_t)size)
        rc = aimc_fail(err, "%s: cannot read token file", path);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const unsigned char *b = raw + 4 * i;
        out->ids[i] = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    }
    free(raw);
    fclose(f);
    if (rc == 0)
        out->n = n;
    return rc;
}

int aimc_tokens_load(const char *path, aimc_tokens *out, aimc_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = ends_with(path, ".json") ? load_json(path, out, err) : load_binary(path, out, err);
    if (rc)
        aimc_tokens_free(out);
    return rc;
}

int aimc_tokens_check_vocab(const aimc_tokens *t, const char *path, uint32_t vocab, aimc_error *err)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ids[i] >= vocab)
            return aimc_fail(err, "%s: token %zu: id %u is not below the model's vocab_size %u", path, i, t->ids[i],
                             vocab);
    return 0;
}

void aimc_tokens_free(aimc_tokens *t)
{
    free(t->ids);
    t->ids = NULL;
    t->n = 0;
}
