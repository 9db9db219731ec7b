/* make_tiny_ckpt DIR FAMILY [omit=TENSOR] [misshape=TENSOR] [dtype=f32|f16|bf16] [seed=N] [set=KEY:VALUE]...
 * writes a small random checkpoint of FAMILY (tb/numeric/families.h) into DIR for the command-line tests;
 * set= replaces or adds a top-level config.json field (VALUE as JSON) after the tensors are written, so a
 * checkpoint can carry a config the forward pass refuses. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output_file.h"
#include "families.h"
#include "tiny_ckpt.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: make_tiny_ckpt DIR FAMILY [omit=T] [misshape=T] [dtype=..] [seed=N] [set=K:V]\n");
        return 2;
    }
    const char *config = NULL;
    for (size_t f = 0; f < TB_FAMILIES; f++)
        if (strcmp(argv[2], tb_family_names[f]) == 0)
            config = tb_family_configs[f];
    if (!config) {
        fprintf(stderr, "make_tiny_ckpt: unknown family %s\n", argv[2]);
        return 2;
    }
    json_object *root = json_tokener_parse(config);
    tiny_ckpt_options o = {.dtype = AIMC_ST_F32, .seed = 1, .scale = 0.4};
    for (int i = 3; i < argc; i++) {
        if (strncmp(argv[i], "omit=", 5) == 0)
            o.omit = argv[i] + 5;
        else if (strncmp(argv[i], "misshape=", 9) == 0)
            o.misshape = argv[i] + 9;
        else if (strncmp(argv[i], "seed=", 5) == 0)
            o.seed = strtoull(argv[i] + 5, NULL, 10);
        else if (strcmp(argv[i], "dtype=f16") == 0)
            o.dtype = AIMC_ST_F16;
        else if (strcmp(argv[i], "dtype=bf16") == 0)
            o.dtype = AIMC_ST_BF16;
        else if (strncmp(argv[i], "set=", 4) == 0 && strchr(argv[i], ':')) {
            char key[128];
            const char *colon = strchr(argv[i], ':');
            snprintf(key, sizeof key, "%.*s", (int)(colon - argv[i] - 4), argv[i] + 4);
            json_object_object_add(root, key, json_tokener_parse(colon + 1));
        } else {
            fprintf(stderr, "make_tiny_ckpt: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    aimc_error err;
    int rc = tiny_ckpt_write(argv[1], config, &o, &err);
    char path[1024];
    snprintf(path, sizeof path, "%s/config.json", argv[1]);
    if (rc == 0)
        rc = aimc_output_write_text(path, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY), &err);
    json_object_put(root);
    if (rc) {
        fprintf(stderr, "make_tiny_ckpt: %s\n", err.msg);
        return 1;
    }
    return 0;
}
