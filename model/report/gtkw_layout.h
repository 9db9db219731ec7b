/* GTKWave save files (.gtkw): a ready layout for a run's trace, with signals grouped by block, FSM states
 * shown by name (SV typedef enum in an FST trace) and counters drawn as analog step traces. */
#ifndef AIMC_GTKW_LAYOUT_H
#define AIMC_GTKW_LAYOUT_H

#include "core/aimc_error.h"

typedef enum {
    AIMC_GTKW_BIT,     /* 1-bit signals */
    AIMC_GTKW_HEX,     /* buses */
    AIMC_GTKW_DEC,     /* counts, indices */
    AIMC_GTKW_BIN,     /* one-hot enables */
    AIMC_GTKW_ENUM,    /* FSM state, shown by its enum names */
    AIMC_GTKW_ANALOG,  /* counters drawn as an analog step trace */
} aimc_gtkw_style;

typedef struct aimc_gtkw aimc_gtkw;

/* dumpfile: the trace's path as the layout should name it (relative to the .gtkw's folder opens anywhere). */
aimc_gtkw *aimc_gtkw_create(const char *dumpfile);
void aimc_gtkw_destroy(aimc_gtkw *g);
void aimc_gtkw_group_begin(aimc_gtkw *g, const char *label);
void aimc_gtkw_group_end(aimc_gtkw *g, const char *label);
/* name: full hierarchical name as in the trace, e.g. "TOP.tile.ctrl.state[1:0]". */
void aimc_gtkw_signal(aimc_gtkw *g, const char *name, aimc_gtkw_style style);
/* The same, shown under `alias` in the signal list (GTKWave's "+{alias} name" rows). */
void aimc_gtkw_signal_as(aimc_gtkw *g, const char *name, const char *alias, aimc_gtkw_style style);
/* The layout text (owned by g). */
const char *aimc_gtkw_text(const aimc_gtkw *g);
int aimc_gtkw_write(const aimc_gtkw *g, const char *path, aimc_error *err);

/* The path of `target` relative to the folder of `from_file` (both as given, made absolute first). */
void aimc_relative_path(const char *from_file, const char *target, char *out, size_t n);

#endif
