/* reports/plot.h: line plots drawn by gnuplot, run as an external program.
 *
 * A plot is written as a data file and a script under DIR/data/ (kept, so
 * anyone can re-draw or restyle it: `cd DIR && gnuplot data/NAME.gp`), then
 * gnuplot renders DIR/NAME.png and DIR/NAME.svg from them. Nothing here
 * links against gnuplot; when it is missing the caller still has the data
 * and says why the images are absent. */
#ifndef GRIFFIN_REPORTS_PLOT_H
#define GRIFFIN_REPORTS_PLOT_H

#include <stddef.h>

#include "common/err.h"

typedef struct plot_series {
    const char *name;          /* legend entry */
    int n;                     /* points */
    const double *x, *y;       /* borrowed, n each; points with NaN y are left out */
    const double *y_lo, *y_hi; /* optional error bars (e.g. from min and max time); NULL: none */
    int color;                 /* palette index (same model, same colour across plots) */
    int dashed;                /* 0 solid; k > 0 a dash pattern (e.g. per batch size) */
} plot_series;

typedef struct plot_spec {
    const char *title;
    const char *xlabel, *ylabel;
    int logx;                  /* log2 x axis with the lengths as tick labels */
    int logy;                  /* log10 y axis */
    int y_from_zero;           /* linear y starting at 0 */
    const plot_series *series;
    int n_series;
} plot_spec;

#define PLOT_WIDTH_PX 960
#define PLOT_HEIGHT_PX 540

/* Looks for gnuplot: `request` if given (a path, or a name searched on
 * PATH), else "gnuplot" on PATH. Returns 0 and the full path in out, or -1
 * with a reason for a reader of the report in e ("gnuplot was not found on
 * PATH (...)"). */
int plot_find_gnuplot(const char *request, char *out, size_t cap, errbuf *e);

/* Writes dir/data/name.dat and dir/data/name.gp. */
int plot_write(const plot_spec *s, const char *dir, const char *name, errbuf *e);

/* Runs gnuplot on dir/data/name.gp inside dir, making dir/name.png and
 * dir/name.svg; on failure the message quotes gnuplot's first error line
 * (its whole output is in dir/data/name.log). */
int plot_render(const char *gnuplot, const char *dir, const char *name, errbuf *e);

#endif
