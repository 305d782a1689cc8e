/* reports/report.h: `griffin report`, the benchmark and evaluation report.
 *
 * Reads only the store (never the engine) and writes DIR/index.html and
 * DIR/report.md: throughput and memory against sequence length for every
 * model of the chosen bench run(s), side by side (tables, and gnuplot plots
 * as DIR/NAME.png and DIR/NAME.svg with their data and scripts in
 * DIR/data/), the evaluation results (tasks x runs, with standard errors)
 * when the store has eval runs, and the runs and machines behind them.
 * Figures bench_untrusted_reason flags are marked and listed. */
#ifndef GRIFFIN_REPORTS_REPORT_H
#define GRIFFIN_REPORTS_REPORT_H

#include <stdint.h>

#include "common/err.h"

#define REPORT_MAX_RUNS 16

typedef struct report_opts {
    const char *title;    /* NULL: "griffin: throughput, memory and evaluation report" */
    const char *gnuplot;  /* NULL: "gnuplot" on PATH; a path or name; "none": no plots */
    int64_t bench_runs[REPORT_MAX_RUNS]; /* bench runs to show; none: the newest with points */
    int n_bench_runs;
} report_opts;

typedef struct report_summary {
    int n_bench_runs, n_bench_points, n_eval_runs, n_metrics;
    int n_plots;          /* rendered (PNG + SVG each) */
    int n_plot_errors;    /* plots gnuplot failed on (each noted in the report) */
    int plots_skipped;    /* no gnuplot: tables only */
    char plots_skipped_why[ERRBUF_BYTES];
    int n_untrusted;      /* flagged figures */
} report_summary;

/* Writes the report for the store at db_path into out_dir (created).
 * Returns 0 (with sum filled; sum may be NULL) or -1 with a message. A
 * missing gnuplot or a failed plot is not an error: the report says so
 * and sum counts it. */
int report_write(const char *db_path, const char *out_dir, const report_opts *o, report_summary *sum, errbuf *e);

#endif
