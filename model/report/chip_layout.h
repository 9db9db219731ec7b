/* The GTKWave layout of a chip run: the dispatcher (state, commands, stalls, group completions), the energy
 * monitor (chip and per-tile energy as analog traces), then one group per tile (controller state by name,
 * tier enables, busy, completions). */
#ifndef AIMC_CHIP_LAYOUT_H
#define AIMC_CHIP_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "aimc_error.h"

/* <trace without its extension>.gtkw */
void aimc_layout_path_for(const char *trace, char *out, size_t n);
/* Writes the layout beside the trace; its path goes to layout_out. */
int aimc_chip_layout_write(const char *trace, uint32_t tiles, char *layout_out, size_t n, aimc_error *err);

#endif
