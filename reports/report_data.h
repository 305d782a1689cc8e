/* reports/report_data.h: what a report reads from the store, copied into
 * plain arrays it owns (the store's rows are only borrowed per callback). */
#ifndef GRIFFIN_REPORTS_REPORT_DATA_H
#define GRIFFIN_REPORTS_REPORT_DATA_H

#include <stdint.h>

#include "common/err.h"
#include "harness/store.h"

typedef struct report_run {
    int64_t id;
    char *uuid;
    store_run_kind kind;
    store_run_status status;
    char *created_at, *finished_at, *error;
    char *git_revision, *command_line, *host, *backend, *model_path, *settings_json;
    int n_threads;
    int64_t machine_id;
    int64_t n_bench_points, n_metrics;
    int has_machine;
    store_machine machine;
} report_run;

typedef struct report_point {
    int64_t run_id;
    char *label, *arch, *dtype, *backend, *model_path;
    store_bench_kind kind;
    int64_t prompt_len, gen_len, batch;
    int reps;
    double median_s, min_s, max_s, tok_per_s;
    int64_t state_bytes_per_seq, weight_bytes, peak_rss_bytes, mem_budget_bytes;
    int n_threads;
    double bytes_per_rep, flops_per_rep; /* NAN unknown */
} report_point;

typedef struct report_metric {
    int64_t run_id;
    char *task, *metric, *filter;
    double value, value_stderr;
    int64_t n;
    int higher_is_better, is_group;
} report_metric;

typedef struct report_data {
    report_run *runs;       /* every run in the store, oldest first */
    int n_runs;
    int64_t *bench_runs;    /* the bench runs the report shows */
    int n_bench_runs;
    report_point *points;   /* their points */
    int n_points;
    report_metric *metrics; /* metrics of every eval run */
    int n_metrics;
} report_data;

/* Reads the store. bench_run_ids (n of them) choose the bench runs; with
 * n == 0 the newest bench run that has points is shown (none: no bench
 * section). Asking for a run that is missing or not a bench run is an
 * error naming it. */
int report_data_load(store *st, const int64_t *bench_run_ids, int n, report_data *d, errbuf *e);
void report_data_deinit(report_data *d);

/* The run with this id, or NULL. */
const report_run *report_data_run(const report_data *d, int64_t id);

#endif
