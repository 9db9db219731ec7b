/* GTKWave save files (.gtkw): a ready layout for a run's trace, with signals grouped by block, FSM states
 * shown by name (SV typedef enum in an FST trace) and counters drawn as analog step traces. */
#ifndef AIMC_GTKW_LAYOUT_H
#define AIMC_GTKW_LAYOUT_H

#include <stdint.h>

#include "core/aimc_error.h"
#include "core/energy_ledger.h"

/* The wave area of the layout's window (1600 px wide, less the tree and signal panes), which the initial
 * zoom spreads the window over. */
#define AIMC_GTKW_WAVE_PIXELS 1000.0

typedef enum {
    AIMC_GTKW_BIT,     /* 1-bit signals */
    AIMC_GTKW_HEX,     /* buses */
    AIMC_GTKW_DEC,     /* counts, indices */
    AIMC_GTKW_BIN,     /* one-hot enables */
    AIMC_GTKW_ENUM,    /* FSM state, shown by its enum names */
    AIMC_GTKW_ANALOG,  /* counters drawn as an analog step trace */
} aimc_gtkw_style;

typedef struct aimc_gtkw aimc_gtkw;

/* dumpfile: the trace's path relative to the .gtkw's folder; the written layout also names itself
 * ([savefile]), so GTKWave finds the trace from any working directory. */
aimc_gtkw *aimc_gtkw_create(const char *dumpfile);
void aimc_gtkw_destroy(aimc_gtkw *g);
/* The initial view: [start, end] in trace time units (ps), zoomed to fill the wave area. */
void aimc_gtkw_set_window(aimc_gtkw *g, uint64_t start, uint64_t end);
/* A named marker (A, B, ... in the order added) at `time` (ps); -1 once GTKWave's 26 are used. */
int aimc_gtkw_add_marker(aimc_gtkw *g, uint64_t time, const char *label);
void aimc_gtkw_group_begin(aimc_gtkw *g, const char *label);
void aimc_gtkw_group_end(aimc_gtkw *g, const char *label);
/* name: full hierarchical name as in the trace, e.g. "TOP.tile.ctrl.state[1:0]". */
void aimc_gtkw_signal(aimc_gtkw *g, const char *name, aimc_gtkw_style style);
/* The same, shown under `alias` in the signal list (GTKWave's "+{alias} name" rows). */
void aimc_gtkw_signal_as(aimc_gtkw *g, const char *name, const char *alias, aimc_gtkw_style style);
/* The view of a run from its ledger: cycle 0 through the end of the first token to finish (its first MVMs
 * readable), and begin/end markers at the cycles the report gives (cycle x period_ps) for the first tokens by
 * begin cycle, as many as GTKWave's 26 markers hold.  tokens_per_seq > 0 labels ledger token k as sequence
 * k / tokens_per_seq, token k % tokens_per_seq; 0 as "token k". */
void aimc_gtkw_token_view(aimc_gtkw *g, const aimc_ledger *l, uint32_t period_ps, uint32_t tokens_per_seq);
/* The layout text (owned by g, valid until the next call on g). */
const char *aimc_gtkw_text(aimc_gtkw *g);
int aimc_gtkw_write(aimc_gtkw *g, const char *path, aimc_error *err);

/* The path of `target` relative to the folder of `from_file` (both as given, made absolute first). */
void aimc_relative_path(const char *from_file, const char *target, char *out, size_t n);

#endif
