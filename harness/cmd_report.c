/* harness/cmd_report.c: `griffin report`, the HTML and Markdown report of a
 * results store (reports/report.h); reads only the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "reports/report.h"

int cmd_report(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const char *db_path = "results.db", *out_dir = "report", *gnuplot = NULL, *title = NULL;
    const char *runs_text = NULL;
    const cli_opt opts[] = {
        {"--db", CLI_STR, &db_path, "FILE", "results store to read", 1, 0, 0},
        {"--out", CLI_STR, &out_dir, "DIR", "output directory (index.html, report.md, plots)", 1, 0, 0},
        {"--runs", CLI_STR, &runs_text, "IDS", "bench runs to show, comma-separated ids (default: the newest bench run "
                                               "with points)", 1, 0, 0},
        {"--gnuplot", CLI_STR, &gnuplot, "PROG", "gnuplot program (default: gnuplot on PATH; 'none': tables only)", 1, 0, 0},
        {"--title", CLI_STR, &title, "TEXT", "report title", 1, 0, 0},
    };
    const cli_spec spec = {
        "report", "Write an HTML and Markdown report (tables and gnuplot plots) from a results store.",
        "griffin report [--db FILE] [--out DIR] [--runs IDS] [--gnuplot PROG|none]",
        "Writes DIR/index.html (self-contained, works offline) and DIR/report.md, with the plots as\n"
        "DIR/NAME.png and DIR/NAME.svg and their data and gnuplot scripts in DIR/data/. Shows\n"
        "throughput and memory against sequence length for the bench run's models side by side,\n"
        "and the evaluation results (tasks x runs) when the store has eval runs. Without gnuplot\n"
        "the report still has every table and says why the plots are missing.\n\n"
        "Example:\n  griffin report --db results.db --out out/report",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    report_opts o = {.title = title, .gnuplot = gnuplot};
    if (runs_text) {
        long *ids = NULL;
        int n = cli_parse_int_list("report", "--runs", runs_text, 1, 0x7fffffffL, &ids);
        if (n < 0) return EXIT_USAGE;
        if (n > REPORT_MAX_RUNS) {
            free(ids);
            return cli_usage_error("report", "--runs: %d runs, at most %d", n, REPORT_MAX_RUNS);
        }
        for (int i = 0; i < n; i++) o.bench_runs[i] = ids[i];
        o.n_bench_runs = n;
        free(ids);
    }
    errbuf e;
    report_summary sum;
    if (report_write(db_path, out_dir, &o, &sum, &e) != 0) {
        cli_error("report", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    if (sum.plots_skipped && sum.n_bench_points > 0)
        fprintf(stderr, "griffin report: warning: plots skipped: %s\n", sum.plots_skipped_why);
    if (sum.n_plot_errors)
        fprintf(stderr, "griffin report: %d plot%s failed (see the notes in the report)\n", sum.n_plot_errors,
                sum.n_plot_errors == 1 ? "" : "s");
    if (sum.n_untrusted)
        fprintf(stderr, "griffin report: %d figure%s flagged as not to be trusted (too few repetitions or too much "
                        "spread)\n", sum.n_untrusted, sum.n_untrusted == 1 ? "" : "s");
    fprintf(stderr, "griffin report: %d bench point%s, %d eval run%s, %d plot%s\n", sum.n_bench_points,
            sum.n_bench_points == 1 ? "" : "s", sum.n_eval_runs, sum.n_eval_runs == 1 ? "" : "s", sum.n_plots,
            sum.n_plots == 1 ? "" : "s");
    /* stdout: where the result is. */
    printf("%s/index.html\n%s/report.md\n", out_dir, out_dir);
    return sum.n_plot_errors ? EXIT_RUNTIME : EXIT_OK;
}
