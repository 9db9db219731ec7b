/* Switching activity of a simulated waveform, per net bit, for power-analysis tools: the time each bit spent at
 * 0, 1, X and Z and its 0<->1 toggle count over the run or a window, written as SAIF 2.0 (IEEE 1801 Annex
 * "SAIF"), one INSTANCE per scope of the design, so a tile's activity and the chip's are both there.
 *
 * Readers feed it value changes in time order: a VCD reader is built in; the cosim library registers an FST
 * reader (Verilator's bundled fstapi).  Debian's Verilator 5.006 has no SAIF writer of its own (5.042 adds
 * --trace-saif), so the activity is derived from the run's own trace. */
#ifndef AIMC_SWITCHING_ACTIVITY_H
#define AIMC_SWITCHING_ACTIVITY_H

#include <stdint.h>

#include "core/aimc_error.h"

typedef struct aimc_activity aimc_activity;

/* Counts changes inside the window [begin, end) in the trace's time unit; end == 0: up to the time passed to
 * aimc_activity_write_saif (the end of the run). */
aimc_activity *aimc_activity_create(uint64_t window_begin, uint64_t window_end);
void aimc_activity_destroy(aimc_activity *a);

/* ---- for readers: the hierarchy, then value changes ---- */

/* The trace's time unit as 10^exponent s (-12: ps). */
void aimc_activity_set_timescale(aimc_activity *a, int exponent);
int aimc_activity_scope_begin(aimc_activity *a, const char *name);
void aimc_activity_scope_end(aimc_activity *a);
/* A net of width bits in the current scope, its value changes named by handle (aliases share a handle).  The
 * name may end in " [msb:lsb]" (FST, VCD) which names its bits. */
int aimc_activity_net(aimc_activity *a, const char *name, uint32_t width, uint32_t handle);
/* bits: the net's value, MSB first, one of 0 1 x z per bit, exactly its width.  Changes on an unknown handle
 * (parameters, reals) are ignored; times must not decrease. */
void aimc_activity_change(aimc_activity *a, uint64_t time, uint32_t handle, const char *bits);

/* A time the trace reached without a change (a VCD #time, an FST's end time). */
void aimc_activity_note_time(aimc_activity *a, uint64_t time);
/* The latest time a reader saw: the waveform's last dump. */
uint64_t aimc_activity_last_time(const aimc_activity *a);

/* ---- reading a trace, writing SAIF ---- */

typedef int (*aimc_activity_reader)(const char *trace_path, aimc_activity *a, aimc_error *err);
/* Makes a reader available under a trace format name ("vcd" is built in). */
void aimc_activity_reader_register(const char *format, aimc_activity_reader reader);
/* Reads a trace of the given format ("fst", "vcd") into a. */
int aimc_activity_read_trace(aimc_activity *a, const char *trace_path, const char *format, aimc_error *err);

/* Writes SAIF 2.0 for design atomically, once; end_time closes the run (the trace's last time plus the last
 * half cycle).  Fails, naming path, when the window begins at or after the end. */
int aimc_activity_write_saif(aimc_activity *a, const char *path, const char *design, uint64_t end_time,
                             aimc_error *err);

/* What a SAIF holds: nets, their bits, toggles over every bit, and the window [begin, end) in trace time units
 * (end: the run's end once the SAIF is written). */
typedef struct {
    uint64_t nets, bits, toggles;
    uint64_t begin, end;
} aimc_activity_summary;
void aimc_activity_summary_of(const aimc_activity *a, aimc_activity_summary *out);

/* The whole path for a finished run: reads trace_path (format "fst" or "vcd"), writes saif_path for design over
 * [begin, end) trace time units (end 0: the run's end, half_period after the waveform's last dump, a rising
 * edge), and fills *out (may be NULL). */
int aimc_activity_trace_to_saif(const char *trace_path, const char *format, const char *saif_path,
                                const char *design, uint64_t begin, uint64_t end, uint64_t half_period,
                                aimc_activity_summary *out, aimc_error *err);

#endif
