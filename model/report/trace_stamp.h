/* Waveform writers stamp the wall-clock date into a trace's header, which would make two runs with the same
 * inputs and seed differ.  This overwrites the date, in place and at the same length, with a fixed text, so
 * traces are byte-identical across runs (docs/file-formats.md). */
#ifndef AIMC_TRACE_STAMP_H
#define AIMC_TRACE_STAMP_H

#include "core/aimc_error.h"
#include "core/output_file.h"

/* FST: the header block's 119-byte date field; VCD: the text between "$date" and "$end".  Fails (naming the
 * file) if the file is neither. */
int aimc_trace_fix_date(const char *path, aimc_error *err);

/* A closed trace is whole: for FST, its blocks (tag, 8-byte length) add up to exactly its size, the header counts
 * as many value-change blocks as there are, and the geometry and hierarchy blocks are there.  The FST writer
 * ignores its write errors, so this is where a write the disk refused (ENOSPC) shows.  Then fixes the date.
 * name is the path the error line shows (the trace's target, not its temporary). */
int aimc_trace_finish(const char *path, const char *name, aimc_error *err);

/* A trace output: its temporary (core/output_file.h) with the FST writer's "<temporary>.hier" reserved beside it;
 * the writer opens aimc_output_temp_path.  commit finishes the closed trace (aimc_trace_finish) and renames it
 * into place, or removes it (and fails) when it is incomplete; abort with aimc_output_abort. */
aimc_output_file *aimc_trace_output_reserve(const char *path, aimc_error *err);
int aimc_trace_output_commit(aimc_output_file *out, aimc_error *err);

#endif
