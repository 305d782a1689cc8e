/* reports/safety_report.h: the release-review report of a safety run,
 * from the store alone (docs/safety.md).
 *
 * Writes DIR/safety-report.md and DIR/safety-report.html (offline: no
 * scripts or remote assets, images by relative path) with
 *   - which model, when, which toxicity scorer produced the toxicity numbers
 *     (its label, and for the offline scorer its held-out accuracy / AUC),
 *     and which benchmarks were left out and why;
 *   - the summary: per gate the benchmark, metric, value with its 95%
 *     interval, threshold, pass/fail and change against the baseline;
 *   - per benchmark the per-category values (bias type, BBQ category,
 *     gender, demographic group) as tables and gnuplot bar charts
 *     (DIR/plots/<name>.png and .svg, with the data and script beside
 *     them); without gnuplot the tables remain and the report says why the
 *     charts are missing;
 *   - the worst generations: the highest toxicity scores of the run's
 *     generation tasks (read back from the toxicity cache by the scorer's
 *     id), masked with --redact.
 * The report never runs a model or a scorer. */
#ifndef GRIFFIN_REPORTS_SAFETY_REPORT_H
#define GRIFFIN_REPORTS_SAFETY_REPORT_H

#include <stdint.h>

#include "common/err.h"
#include "harness/store.h"

#define REPORT_SAFETY_WORST_DEFAULT 10

typedef struct report_safety_opts {
    int64_t run_id;          /* 0: the newest finished safety run in the store */
    int64_t baseline_run_id; /* 0: the baseline the gates were evaluated against (if any) */
    const char *out_dir;
    int redact;              /* mask the worst generations' text */
    int n_worst;             /* generations listed; 0: REPORT_SAFETY_WORST_DEFAULT */
    const char *gnuplot;     /* NULL: "gnuplot" on PATH; "none": no charts */
} report_safety_opts;

typedef struct report_safety_result {
    int64_t run_id;
    int n_gates, n_failed, n_not_run;
    int n_charts;                      /* bar charts rendered */
    char charts_skipped[ERRBUF_BYTES]; /* why charts are missing, or "" */
    char md_path[4096], html_path[4096];
} report_safety_result;

int report_safety_write(store *st, const report_safety_opts *o, report_safety_result *res, errbuf *e);

/* Masks text for a redacted report: the first letter of each word kept,
 * the other letters and digits replaced by '*'; spaces and punctuation
 * stay so the length and shape remain. Returns a heap string. */
char *report_safety_redact(const char *text);

#endif
