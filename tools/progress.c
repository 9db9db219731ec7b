#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_INTERVAL_S 0.2

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void aimc_progress_start(aimc_progress *p, double clock_period_ps, const char *label)
{
    memset(p, 0, sizeof *p);
    p->on = isatty(STDERR_FILENO) == 1;
    p->period_ps = clock_period_ps;
    p->start_s = wall_s();
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
}

void aimc_progress_tokens(void *ctx, uint64_t tokens_done, uint64_t tokens_total, uint64_t cycle)
{
    aimc_progress *p = ctx;
    if (!p->on)
        return;
    double now = wall_s();
    if (p->shown && now - p->last_s < PROGRESS_INTERVAL_S)
        return;
    p->last_s = now;
    p->shown = true;
    double wall = now - p->start_s, simulated_ms = (double)cycle * p->period_ps * 1e-9;
    /* \r and "erase to end of line": the line is redrawn in place */
    fprintf(stderr, "\r%s%llu/%llu tokens, simulated %.3f ms, %.0f simulated tokens/s of wall time\033[K",
            p->label, (unsigned long long)tokens_done, (unsigned long long)tokens_total, simulated_ms,
            wall > 0 ? (double)tokens_done / wall : 0.0);
    fflush(stderr);
}

void aimc_progress_end(aimc_progress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->shown = false;
}
