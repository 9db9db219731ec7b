/* Plots of a study through gnuplot (Debian's gnuplot-nox, installed by tools/setup): the script is written next
 * to the data as <name>.gp (kept, so a plot can be restyled and re-run by hand), then run once per image format
 * from inside the output folder; each image is written under a temporary name and renamed into place. */
#ifndef AIMC_STUDY_PLOTS_H
#define AIMC_STUDY_PLOTS_H

#include <stdbool.h>

#include "core/aimc_error.h"

typedef struct {
    bool gnuplot; /* found on PATH */
    bool png;     /* pngcairo (or png) terminal */
    bool svg;
    char png_terminal[16];
} aimc_plot_terminals;

/* Asks gnuplot which terminals it has ("gnuplot -e 'set terminal'"). */
void aimc_plot_terminals_probe(aimc_plot_terminals *t);
/* Writes dir/<name>.gp (the body: data read from CSV files in dir, no terminal or output set) and renders
 * dir/<name>.png and dir/<name>.svg with whichever terminals exist.  One error line on failure, with gnuplot's
 * last message. */
int aimc_plot_render(const aimc_plot_terminals *t, const char *dir, const char *name, const char *body,
                     aimc_error *err);

#endif
