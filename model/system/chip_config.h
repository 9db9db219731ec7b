/* A chip configuration, loaded from a preset JSON (model/presets/chips/<name>.json) or any file.
 * Each section is parsed by the module that owns the concept; this file holds the tile geometry and the
 * tier-select timing, which every engine needs. */
#ifndef AIMC_CHIP_CONFIG_H
#define AIMC_CHIP_CONFIG_H

#include <json-c/json.h>
#include <stdint.h>

#include "analog/periphery_config.h"
#include "core/aimc_error.h"
#include "core/energy_ledger.h"
#include "system/digital_expert.h"
#include "system/system_config.h"

typedef struct {
    uint32_t tiles;
    uint32_t tiers;              /* per tile (the 3D stack height) */
    uint32_t rows, cols;         /* crossbar of one tier: inputs x outputs */
    uint32_t tier_switch_cycles; /* OTT: re-connecting the periphery to another tier (its energy: periphery) */
    double tile_area_mm2;
} aimc_tile_config;

typedef struct {
    char name[64];
    char path[512];           /* file it came from, for messages and the report's echo */
    double clock_period_ps;   /* integer picoseconds */
    aimc_tile_config tile;
    aimc_periphery_config periphery; /* DAC/ADC, device and per-event energies (periphery_config.h) */
    aimc_system_config system;                 /* digital units, interconnect, DRAM (system_config.h) */
    aimc_digital_expert_config digital_expert; /* engine for the matrices kept digital (digital_expert.h) */
} aimc_chip_config;

/* Loads a preset by name (looked up in the presets folder) or by path (anything containing '/' or ending
 * in .json).  Returns 0, or -1 with one error line naming the file and field. */
int aimc_chip_config_load(const char *name_or_path, aimc_chip_config *cfg, aimc_error *err);
/* The same from an already parsed preset (a sweep edits fields before the chip validates them); path names the
 * source in messages and in cfg->path. */
int aimc_chip_config_from_json(json_object *root, const char *path, aimc_chip_config *cfg, aimc_error *err);

/* The folder presets are looked up in: $AIMC3D_PRESETS, else aimc_presets_default_dir: the source tree's
 * model/presets for the build tree's programs and tests, <datadir>/aimc3d/presets for the installed library. */
const char *aimc_presets_dir(void);
extern const char aimc_presets_default_dir[];
/* The names (without .json) of the presets of a kind ("models", "chips", ...), sorted: *names is a new array of
 * *n new strings for aimc_preset_names_free.  -1 when the folder cannot be read. */
int aimc_preset_names(const char *kind, char ***names, size_t *n, aimc_error *err);
void aimc_preset_names_free(char **names, size_t n);
/* Resolves "<kind>/<name>.json" in the presets folder, or returns name_or_path as given when it is a path. */
int aimc_preset_path(const char *kind, const char *name_or_path, char *out, size_t outsize); /* -1: too long */

#endif
