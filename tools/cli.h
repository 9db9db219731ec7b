/* The aimc3d command line: a table of subcommands (aimc3d.c), each in its own cli_<name>.c, sharing one
 * option parser so that every bad argument gets the same one-line error and exit status 2. */
#ifndef AIMC_CLI_H
#define AIMC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/aimc_error.h"

typedef enum { CLI_STRING, CLI_LONG, CLI_DOUBLE, CLI_FLAG } aimc_cli_type;

typedef struct {
    const char *name;   /* "--tiers" */
    aimc_cli_type type;
    void *out;          /* const char **, long *, double *, bool * */
    double min, max;    /* accepted range for numbers */
    const char *help;   /* one line, with the unit and the default */
} aimc_cli_opt;

/* Parses argv[1..] (argv[0] is the subcommand).  Returns 0, 1 when --help was printed, or -1 with err set.
 * Numbers must be whole (CLI_LONG) or finite (CLI_DOUBLE) and inside [min, max]. */
int aimc_cli_parse(const char *command, int argc, char **argv, const aimc_cli_opt *opts, size_t nopts,
                   const char *synopsis, aimc_error *err);

/* Prints "aimc3d: <msg>" on stderr and returns AIMC_EXIT_BAD_INPUT, or 128 + the signal when SIGINT/SIGTERM
 * stopped the command (core/interrupt.h). */
int aimc_cli_error(const aimc_error *err);

/* Subcommands. */
int aimc_cli_cosim(int argc, char **argv);
int aimc_cli_eval(int argc, char **argv);
int aimc_cli_run(int argc, char **argv);
int aimc_cli_map(int argc, char **argv);
int aimc_cli_model(int argc, char **argv);
int aimc_cli_study(int argc, char **argv);
int aimc_cli_study_heterogeneous(int argc, char **argv); /* aimc3d study heterogeneous */
int aimc_cli_sweep(int argc, char **argv);

#endif
