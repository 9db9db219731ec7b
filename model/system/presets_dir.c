/* The presets folder the library reads when $AIMC3D_PRESETS is unset: its own translation unit, compiled once for
 * the build tree (model/presets, so tests and the uninstalled program work) and once for the installed library
 * (<datadir>/aimc3d/presets), so that everything else is compiled once for both. */
#include "system/chip_config.h"

#ifndef AIMC_PRESETS_DIR
#error "AIMC_PRESETS_DIR must be defined by the build"
#endif

const char aimc_presets_default_dir[] = AIMC_PRESETS_DIR;
