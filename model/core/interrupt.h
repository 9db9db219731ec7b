/* SIGINT and SIGTERM stop a long command at its next safe point instead of killing it: the handler only sets a
 * flag; the decode loop, the cosim's cycle loop and the study and sweep drivers between points ask
 * aimc_interrupt_check, which then fails with "interrupted by SIGINT"; the ordinary failure path closes the trace
 * (so it stays readable), removes the temporaries (core/output_file.h), and the program exits 128 + the signal
 * (130, 143) with one line.  A second signal ends the process at once, removing the live temporaries first.
 * A library user that does not install the handlers never sees an interruption. */
#ifndef AIMC_INTERRUPT_H
#define AIMC_INTERRUPT_H

#include "core/aimc_error.h"

/* Installs the SIGINT and SIGTERM handlers: the commands with safe points do (run, cosim, study 3d-moe, sweep
 * run and point); the others keep the default action (their outputs are renamed into place only when whole). */
void aimc_interrupt_install(void);
/* The signal received (SIGINT, SIGTERM), or 0. */
int aimc_interrupt_signal(void);
/* "SIGINT", "SIGTERM" (the signal received), or "no signal". */
const char *aimc_interrupt_name(void);
/* 0 while no signal came; else fails with "<what>: interrupted by SIGINT" (what may be NULL) and returns -1. */
int aimc_interrupt_check(const char *what, aimc_error *err);
/* The exit status for an interrupted command: 128 + the signal, or 0 when none came. */
int aimc_interrupt_exit_status(void);

#endif
