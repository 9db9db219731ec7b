/* aimc3d: cycle-approximate model of a 3D analog in-memory-computing chip running MoE LLMs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"run", aimc_cli_run, "decode a MoE model on a chip: cosim (Verilated dispatcher + tiles) or fast engine"},
    {"cosim", aimc_cli_cosim, "co-simulate one tile: Verilated tier-select RTL + C crossbars, trace, energy"},
    {"map", aimc_cli_map, "assign a model's matrices analog/digital and map them onto the chip's tiles and tiers"},
    {"study", aimc_cli_study, "run a published study on the fast engine: tables, plots (study 3d-moe)"},
    {"eval", aimc_cli_eval, "perplexity of a MoE checkpoint on a token file, matrices digital or through the analog tiers"},
    {"sweep", aimc_cli_sweep, "design-space sweeps: plan a spec, run it (local, GNU parallel, Slurm), collect tables"},
    {"model", aimc_cli_model, "show a model's shape and parameter counts (model show M), list presets (model list)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: aimc3d <command> [options]   (aimc3d <command> --help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
}

/* OpenBLAS starts its worker threads in its library constructor, before main, and each worker at once
 * allocates its buffer (128 MB of address space) and retries forever when that fails; exit() then joins
 * it, so under a small memory limit every command hung at exit.  openblas_set_num_threads(1) in main is
 * too late (the worker exists and spins), and OpenBLAS reads OPENBLAS_NUM_THREADS only in that constructor:
 * so, unless the user chose (OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS set), the program
 * sets it to 1 and executes itself again, once.  One thread is also what the runs want (cosim_tile.c: a
 * 512x512 sgemv is too small to split, threads only take the core the RTL simulation needs). */
static void single_blas_thread(char **argv)
{
    if (getenv("OPENBLAS_NUM_THREADS") || getenv("GOTO_NUM_THREADS") || getenv("OMP_NUM_THREADS"))
        return;
    if (setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0)
        execv("/proc/self/exe", argv);
    /* no /proc or no exec: carry on as before */
}

int main(int argc, char **argv)
{
    single_blas_thread(argv);
    if (argc < 2) {
        usage(stderr);
        return AIMC_EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("aimc3d %s\n", AIMC3D_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "aimc3d: unknown command \"%s\" (see aimc3d --help)\n", argv[1]);
    return AIMC_EXIT_BAD_INPUT;
}
