#include "system/chip_config.h"

#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_config.h"

const char *aimc_presets_dir(void)
{
    const char *env = getenv("AIMC3D_PRESETS");
    return env && env[0] ? env : aimc_presets_default_dir;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int aimc_preset_names(const char *kind, char ***names, size_t *n, aimc_error *err)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", aimc_presets_dir(), kind);
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return aimc_fail(err, "%s: cannot open the %s presets folder", dir, kind);
    size_t cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(*names, cap * sizeof *grown);
            if (!grown)
                break;
            *names = grown;
        }
        char *name = strndup(e->d_name, len - 5);
        if (name)
            (*names)[(*n)++] = name;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, by_name);
    return 0;
}

void aimc_preset_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int aimc_preset_path(const char *kind, const char *name_or_path, char *out, size_t outsize)
{
    size_t n = strlen(name_or_path);
    int is_path = strchr(name_or_path, '/') || (n > 5 && strcmp(name_or_path + n - 5, ".json") == 0);
    int len = is_path ? snprintf(out, outsize, "%s", name_or_path)
                      : snprintf(out, outsize, "%s/%s/%s.json", aimc_presets_dir(), kind, name_or_path);
    return len < 0 || (size_t)len >= outsize ? -1 : 0;
}

static int load_tile(json_object *root, const char *file, aimc_chip_config *cfg, aimc_error *err)
{
    json_object *tile;
    aimc_json_where top = {file, ""};
    if (aimc_json_get_object(root, top, "tile", &tile, err))
        return -1;
    aimc_json_where at = {file, "tile"};
    long tiles, tiers, rows, cols, sw;
    double area;
    if (aimc_json_get_int(tile, at, "tiles", 1, 65536, &tiles, err) ||
        aimc_json_get_int(tile, at, "tiers", 2, 256, &tiers, err) ||
        aimc_json_get_int(tile, at, "rows", 1, 8192, &rows, err) ||
        aimc_json_get_int(tile, at, "cols", 1, 8192, &cols, err) ||
        aimc_json_get_int(tile, at, "tier_switch_cycles", 0, 65535, &sw, err) ||
        aimc_json_get_param(tile, at, "tile_area_mm2", 0, 1e6, &area, NULL, err))
        return -1;
    cfg->tile = (aimc_tile_config){(uint32_t)tiles, (uint32_t)tiers, (uint32_t)rows, (uint32_t)cols, (uint32_t)sw,
                                   area};
    return 0;
}

int aimc_chip_config_from_json(json_object *root, const char *path, aimc_chip_config *cfg, aimc_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", path);
    aimc_json_where top = {cfg->path, ""};
    const char *format, *name;
    double period;
    if (!json_object_is_type(root, json_type_object))
        return aimc_fail(err, "%s: expected a JSON object at the top level", cfg->path);
    if (aimc_json_get_string(root, top, "format", &format, err))
        return -1;
    if (strcmp(format, "aimc3d-chip/1") != 0)
        return aimc_fail_field(err, cfg->path, "format", "\"aimc3d-chip/1\", found \"%s\"", format);
    if (aimc_json_get_string(root, top, "name", &name, err) ||
        aimc_json_get_param(root, top, "clock_period_ps", 1, 1e6, &period, NULL, err) ||
        load_tile(root, cfg->path, cfg, err) ||
        aimc_periphery_config_load(root, cfg->path, cfg->tile.rows, cfg->tile.cols, &cfg->periphery, err) ||
        aimc_system_config_load(root, cfg->path, &cfg->system, err) ||
        aimc_digital_expert_config_load(root, cfg->path, &cfg->digital_expert, err))
        return -1;
    if (period != (double)(long)period)
        return aimc_fail_field(err, cfg->path, "clock_period_ps.value", "a whole number of picoseconds, found %g",
                               period);
    snprintf(cfg->name, sizeof cfg->name, "%s", name);
    cfg->clock_period_ps = period;
    return 0;
}

int aimc_chip_config_load(const char *name_or_path, aimc_chip_config *cfg, aimc_error *err)
{
    char path[sizeof cfg->path];
    if (aimc_preset_path("chips", name_or_path, path, sizeof path)) {
        memset(cfg, 0, sizeof *cfg);
        return aimc_fail(err, "%s: expected a chip path of at most %zu bytes", name_or_path, sizeof path - 1);
    }
    json_object *root = aimc_json_load_file(path, err);
    if (!root) {
        memset(cfg, 0, sizeof *cfg);
        return -1;
    }
    int rc = aimc_chip_config_from_json(root, path, cfg, err);
    json_object_put(root);
    return rc;
}
