/* Waveform writers stamp the wall-clock date into a trace's header, which would make two runs with the same
 * inputs and seed differ.  This overwrites the date, in place and at the same length, with a fixed text, so
 * traces are byte-identical across runs (docs/file-formats.md). */
#ifndef AIMC_TRACE_STAMP_H
#define AIMC_TRACE_STAMP_H

#include "core/aimc_error.h"

/* FST: the header block's 119-byte date field; VCD: the text between "$date" and "$end".  Fails (naming the
 * file) if the file is neither. */
int aimc_trace_fix_date(const char *path, aimc_error *err);

#endif
