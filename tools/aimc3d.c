/* aimc3d: cycle-approximate model of a 3D analog in-memory-computing chip running MoE LLMs. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv)
{
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
