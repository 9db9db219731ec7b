/* One progress line on stderr for long runs: tokens done / total, simulated time and simulated tokens per second
 * of wall time, redrawn in place at most every 0.2 s, and only when stderr is a terminal (never in pipes, files
 * or tests).  Its callback has the signature of aimc_decode_options.progress. */
#ifndef AIMC_PROGRESS_H
#define AIMC_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    bool on;             /* stderr is a terminal */
    bool shown;          /* a line is on the screen */
    double period_ps;    /* clock period, for the simulated time */
    double start_s, last_s;
    char label[128];     /* printed before the figures, e.g. the study's current point */
} aimc_progress;

/* Starts a run's progress (label may be NULL). */
void aimc_progress_start(aimc_progress *p, double clock_period_ps, const char *label);
/* aimc_decode_options.progress: ctx is the aimc_progress. */
void aimc_progress_tokens(void *ctx, uint64_t tokens_done, uint64_t tokens_total, uint64_t cycle);
/* Clears the line so what follows starts on a clean line. */
void aimc_progress_end(aimc_progress *p);

#endif
