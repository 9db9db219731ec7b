#include "study_plots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output_file.h"
#include "subprocess.h"

void aimc_plot_terminals_probe(aimc_plot_terminals *t)
{
    memset(t, 0, sizeof *t);
    char out[16384];
    char *argv[] = {"gnuplot", "-e", "set terminal", NULL};
    int rc = aimc_run_captured(NULL, argv, out, sizeof out);
    if (rc != 0)
        return;
    t->gnuplot = true;
    /* "set terminal" lists one terminal per line: its name, then a description */
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char name[16]; /* terminal names of interest are short; a longer one is cut and matches nothing */
        if (sscanf(line, " %15s", name) != 1)
            continue;
        if (strcmp(name, "pngcairo") == 0 || (strcmp(name, "png") == 0 && !t->png)) {
            t->png = true;
            snprintf(t->png_terminal, sizeof t->png_terminal, "%s", name);
        }
        if (strcmp(name, "svg") == 0)
            t->svg = true;
    }
}

/* The last non-empty line of gnuplot's output, for the error message. */
static const char *last_line(char *out)
{
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    char *nl = strrchr(out, '\n');
    return nl ? nl + 1 : out;
}

static int render_one(const char *dir, const char *name, const char *ext, const char *terminal, aimc_error *err)
{
    char final[1100], tmp[1100], setup[1400], script[300], out[4096];
    snprintf(final, sizeof final, "%s/%s.%s", dir, name, ext);
    snprintf(tmp, sizeof tmp, "%s.%s.tmp.%ld", name, ext, (long)getpid());
    snprintf(setup, sizeof setup, "set terminal %s size 1200,900 font ',11'; set output '%s'", terminal, tmp);
    snprintf(script, sizeof script, "%s.gp", name);
    char *argv[] = {"gnuplot", "-e", setup, script, NULL};
    int rc = aimc_run_captured(dir, argv, out, sizeof out);
    char tmp_path[2300];
    snprintf(tmp_path, sizeof tmp_path, "%s/%s", dir, tmp);
    if (rc != 0) {
        remove(tmp_path);
        return aimc_fail(err, "%s/%s: gnuplot failed (exit %d): %s", dir, script, rc, last_line(out));
    }
    if (rename(tmp_path, final) != 0) {
        remove(tmp_path);
        return aimc_fail(err, "%s: cannot write the plot", final);
    }
    return 0;
}

int aimc_plot_render(const aimc_plot_terminals *t, const char *dir, const char *name, const char *body,
                     aimc_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    size_t size = strlen(body) + 512;
    char *text = malloc(size);
    if (!text)
        return aimc_fail(err, "%s: out of memory", path);
    snprintf(text, size,
             "# %s: written by aimc3d study; render with e.g.\n"
             "#   gnuplot -e \"set terminal svg; set output '%s.svg'\" %s.gp   (inside this folder)\n"
             "set datafile separator ','\nset datafile columnheaders\nset grid\nset key top left\n%s",
             name, name, name, body);
    int rc = aimc_output_write_text(path, text, err);
    free(text);
    if (rc || !t->gnuplot)
        return rc;
    if (t->png && render_one(dir, name, "png", t->png_terminal, err))
        return -1;
    if (t->svg && render_one(dir, name, "svg", "svg", err))
        return -1;
    return 0;
}
