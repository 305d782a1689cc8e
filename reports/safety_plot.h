/* reports/safety_plot.h: clustered bar charts (categories on the x axis,
 * one bar per metric) drawn by gnuplot as an external program, for the
 * safety report's per-category breakdowns.
 *
 * safety_plot_write puts DIR/plots/NAME.dat and DIR/plots/NAME.gp on disk
 * (kept, so anyone can re-draw a chart: `cd DIR && gnuplot plots/NAME.gp`);
 * safety_plot_render runs gnuplot there to make DIR/plots/NAME.png and
 * DIR/plots/NAME.svg. Nothing links against gnuplot: without it the caller
 * still has the data and the reason the images are absent. */
#ifndef GRIFFIN_REPORTS_SAFETY_PLOT_H
#define GRIFFIN_REPORTS_SAFETY_PLOT_H

#include <stddef.h>

#include "common/err.h"

#define SAFETY_PLOT_WIDTH_PX 900
#define SAFETY_PLOT_HEIGHT_PX 480
#define SAFETY_PLOT_MAX_SERIES 4
#define SAFETY_PLOT_MAX_LINES 4

typedef struct safety_bar_chart {
    const char *title;
    const char *ylabel;
    int n_cats;
    const char *const *cats;                         /* x labels, n_cats */
    int n_series;                                    /* <= SAFETY_PLOT_MAX_SERIES */
    const char *series[SAFETY_PLOT_MAX_SERIES];      /* legend entries */
    const double *values[SAFETY_PLOT_MAX_SERIES];    /* n_cats each; NaN: no bar */
    int n_lines;                                     /* horizontal reference lines (thresholds) */
    double line_y[SAFETY_PLOT_MAX_LINES];
    const char *line_label[SAFETY_PLOT_MAX_LINES];
} safety_bar_chart;

/* Finds gnuplot: `request` (a path, or a name searched on PATH) or
 * "gnuplot". Returns 0 with its path in out, or -1 with a reason a report
 * reader understands ("gnuplot was not found on PATH"). */
int safety_plot_find_gnuplot(const char *request, char *out, size_t cap, errbuf *e);

/* Writes dir/plots/name.dat and dir/plots/name.gp. */
int safety_plot_write(const safety_bar_chart *c, const char *dir, const char *name, errbuf *e);

/* Runs gnuplot on dir/plots/name.gp inside dir; on failure the message
 * quotes gnuplot's first error line (all of it is in dir/plots/name.log). */
int safety_plot_render(const char *gnuplot, const char *dir, const char *name, errbuf *e);

#endif
