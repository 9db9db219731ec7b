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
/* Writes the layout beside the trace; its path goes to layout_out.  tiers and tag_bits are the RTL's widths
 * (TIERS, and the job tag's slot + job bits), which GTKWave needs in the vectors' names. */
int aimc_chip_layout_write(const char *trace, uint32_t tiles, uint32_t tiers, uint32_t tag_bits, char *layout_out,
                           size_t n, aimc_error *err);

#endif
