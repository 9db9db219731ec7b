#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/interrupt.h"

static void print_help(const char *command, const aimc_cli_opt *opts, size_t n, const char *synopsis)
{
    printf("usage: aimc3d %s [options]\n%s\n\noptions:\n", command, synopsis);
    for (size_t i = 0; i < n; i++) {
        const char *arg = opts[i].type == CLI_FLAG ? "" : opts[i].type == CLI_STRING ? " TEXT" : " N";
        printf("  %s%-*s %s\n", opts[i].name, (int)(24 - strlen(opts[i].name)), arg, opts[i].help);
    }
    printf("  --help%-18s this text\n", "");
}

static int parse_value(const char *command, const aimc_cli_opt *o, const char *text, aimc_error *err)
{
    char *end;
    errno = 0;
    if (o->type == CLI_STRING) {
        if (!text[0])
            return aimc_fail(err, "%s %s: expected a non-empty value", command, o->name);
        *(const char **)o->out = text;
        return 0;
    }
    double v = strtod(text, &end);
    bool whole = o->type == CLI_LONG;
    if (end == text || *end || errno || !isfinite(v) || (whole && v != floor(v)) || v < o->min || v > o->max) {
        if (whole)
            return aimc_fail(err, "%s %s: expected a whole number in [%.0f, %.0f], got \"%s\"", command, o->name,
                             o->min, o->max, text);
        return aimc_fail(err, "%s %s: expected a number in [%g, %g], got \"%s\"", command, o->name, o->min,
                         o->max, text);
    }
    if (whole)
        *(long *)o->out = (long)v;
    else
        *(double *)o->out = v;
    return 0;
}

int aimc_cli_parse(const char *command, int argc, char **argv, const aimc_cli_opt *opts, size_t nopts,
                   const char *synopsis, aimc_error *err)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(command, opts, nopts, synopsis);
            return 1;
        }
        const aimc_cli_opt *o = NULL;
        for (size_t k = 0; k < nopts && !o; k++)
            if (strcmp(arg, opts[k].name) == 0)
                o = &opts[k];
        if (!o)
            return aimc_fail(err, "%s: unknown option \"%s\" (see aimc3d %s --help)", command, arg, command);
        if (o->type == CLI_FLAG) {
            *(bool *)o->out = true;
            continue;
        }
        if (i + 1 >= argc)
            return aimc_fail(err, "%s %s: expected a value after it", command, o->name);
        if (parse_value(command, o, argv[++i], err))
            return -1;
    }
    return 0;
}

int aimc_cli_error(const aimc_error *err)
{
    fprintf(stderr, "aimc3d: %s\n", err->msg);
    int interrupted = aimc_interrupt_exit_status(); /* 130, 143: whatever failed, a signal stopped the command */
    return interrupted ? interrupted : AIMC_EXIT_BAD_INPUT;
}
