/* tests/test_report.c: `griffin report` from a store filled here by hand:
 * the files exist, every image the HTML names exists and is a real PNG or
 * SVG, the tables hold the stored numbers, missing gnuplot leaves a report
 * with tables and a plain reason, and (where chromium is installed) the
 * page renders headless to a screenshot. */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/fileio.h"
#include "harness/store.h"
#include "reports/plot.h"
#include "reports/report.h"
#include "tests/test.h"

#define MIB_BYTES (1024LL * 1024)

typedef struct fixture_point {
    const char *label, *arch;
    store_bench_kind kind;
    int64_t len, batch;
    int reps;
    double tok_per_s;
    int64_t state_bytes, peak_rss_bytes;
} fixture_point;

/* Griffin: flat decode and a state that stops at 1024; Gemma: falling
 * decode and a KV cache linear in the length. One figure has 2 reps. */
static const fixture_point fixture[] = {
    {"griffin-x", "griffin", STORE_BENCH_DECODE, 128, 1, 5, 100.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_DECODE, 1024, 1, 5, 99.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_DECODE, 8192, 1, 5, 98.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_DECODE, 128, 4, 5, 310.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_DECODE, 8192, 4, 2, 305.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_DECODE, 128, 1, 5, 120.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_DECODE, 1024, 1, 5, 90.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_DECODE, 8192, 1, 5, 45.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_DECODE, 128, 4, 5, 350.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_PREFILL, 128, 1, 5, 1500.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_PREFILL, 1024, 1, 5, 1400.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_PREFILL, 128, 1, 5, 1700.0, 0, 0},
    {"gemma-x", "gemma", STORE_BENCH_PREFILL, 1024, 1, 5, 1200.0, 0, 0},
    {"griffin-x", "griffin", STORE_BENCH_MEMORY, 128, 1, 0, NAN, 1 * MIB_BYTES, 205 * MIB_BYTES},
    {"griffin-x", "griffin", STORE_BENCH_MEMORY, 1024, 1, 0, NAN, 4 * MIB_BYTES, 208 * MIB_BYTES},
    {"griffin-x", "griffin", STORE_BENCH_MEMORY, 8192, 1, 0, NAN, 4 * MIB_BYTES, 208 * MIB_BYTES},
    {"gemma-x", "gemma", STORE_BENCH_MEMORY, 128, 1, 0, NAN, 3 * MIB_BYTES, 207 * MIB_BYTES},
    {"gemma-x", "gemma", STORE_BENCH_MEMORY, 1024, 1, 0, NAN, 24 * MIB_BYTES, 228 * MIB_BYTES},
    {"gemma-x", "gemma", STORE_BENCH_MEMORY, 8192, 1, 0, NAN, 192 * MIB_BYTES, 398 * MIB_BYTES},
    {"griffin-x", "griffin", STORE_BENCH_MAX_THROUGHPUT, 128, 64, 5, 2000.0, 1 * MIB_BYTES, 300 * MIB_BYTES},
    {"griffin-x", "griffin", STORE_BENCH_MAX_THROUGHPUT, 8192, 64, 5, 1900.0, 4 * MIB_BYTES, 470 * MIB_BYTES},
    {"gemma-x", "gemma", STORE_BENCH_MAX_THROUGHPUT, 128, 64, 5, 2100.0, 3 * MIB_BYTES, 400 * MIB_BYTES},
    {"gemma-x", "gemma", STORE_BENCH_MAX_THROUGHPUT, 8192, 4, 5, 123.5, 192 * MIB_BYTES, 980 * MIB_BYTES},
};
#define N_FIXTURE ((int)(sizeof fixture / sizeof fixture[0]))
#define WEIGHT_BYTES (200 * MIB_BYTES)
#define BUDGET_BYTES (1024 * MIB_BYTES)

/* Fills dir/results.db: a machine, one bench run with the fixture points,
 * one eval run with two metrics. Returns the store path (static per test). */
static const char *fill_store(char *db, size_t cap) {
    snprintf(db, cap, "%s/results.db", test_tmpdir());
    errbuf e;
    store *st = store_open(db, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return NULL;
    store_machine m;
    int64_t mid = 0;
    CHECK(store_machine_detect(&m, &e) == 0);
    m.mem_bw_bytes_per_s = 25e9; /* a roofline measured with the run */
    m.peak_f32_flops = 400e9;
    m.peak_bf16_flops = 200e9;
    m.peak_int8_ops = 800e9;
    CHECK(store_machine_put(st, &m, &mid, &e) == 0);
    store_run_info bench = {.kind = STORE_RUN_BENCH, .command_line = "griffin bench --model a --model b",
                            .git_revision = "abc123", .backend = "cpu", .n_threads = 2, .machine_id = mid,
                            .settings_json = "{\"models\":[{\"label\":\"griffin-x\",\"dir\":\"a\"},"
                                             "{\"label\":\"gemma-x\",\"dir\":\"b\"}],\"reps\":5,\"warmup\":1,"
                                             "\"decode_steps\":16}"};
    int64_t run = 0;
    if (!CHECKF(store_run_begin(st, &bench, &run, &e) == 0, "%s", e.msg)) goto done;
    store_bench_point pts[N_FIXTURE];
    for (int i = 0; i < N_FIXTURE; i++) {
        const fixture_point *f = &fixture[i];
        store_bench_point *p = &pts[i];
        memset(p, 0, sizeof *p);
        p->model_label = f->label;
        p->model_path = f->arch;
        p->arch = f->arch;
        p->dtype = "bf16";
        p->kind = f->kind;
        p->prompt_len = f->len;
        p->gen_len = f->kind == STORE_BENCH_PREFILL ? 0 : f->len;
        p->batch = f->batch;
        p->reps = f->reps;
        /* median 1 s with +-5% (trusted) around it; tok/s as given. */
        p->median_s = f->reps ? 1.0 : NAN;
        p->min_s = f->reps ? 0.95 : NAN;
        p->max_s = f->reps ? 1.05 : NAN;
        p->tok_per_s = f->tok_per_s;
        p->state_bytes_per_seq = f->state_bytes ? f->state_bytes : 2 * MIB_BYTES;
        p->weight_bytes = WEIGHT_BYTES;
        p->peak_rss_bytes = f->peak_rss_bytes ? f->peak_rss_bytes : -1;
        p->mem_budget_bytes = f->kind == STORE_BENCH_MAX_THROUGHPUT ? BUDGET_BYTES : -1;
        p->n_threads = 2;
        p->backend = "cpu-avx512";
        /* In 1 s: decode reads 21.25 GB (85% of 25 GB/s), prefill does
         * 248 GFLOP (62% of the f32 peak, 124% of the bf16 one). */
        p->bytes_per_rep = f->reps ? 21.25e9 : NAN;
        p->flops_per_rep = f->reps ? 248e9 : NAN;
    }
    CHECKF(store_put_bench_points(st, run, pts, N_FIXTURE, &e) == 0, "%s", e.msg);
    CHECK(store_run_finish(st, run, &e) == 0);
    store_run_info eval = {.kind = STORE_RUN_EVAL, .model_path = "models/small", .backend = "cpu", .n_threads = 2};
    int64_t erun = 0;
    if (CHECKF(store_run_begin(st, &eval, &erun, &e) == 0, "%s", e.msg)) {
        store_metric ms[2] = {
            {.task = "arc_easy", .metric = "acc", .value = 0.523, .value_stderr = 0.012, .n = 100, .higher_is_better = 1},
            {.task = "hellaswag", .metric = "acc_norm", .value = 0.3111, .value_stderr = NAN, .n = 50,
             .higher_is_better = 1},
        };
        CHECKF(store_put_metrics(st, erun, ms, 2, &e) == 0, "%s", e.msg);
    }
done:
    store_close(st);
    return db;
}

static char *read_text(const char *dir, const char *name) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    errbuf e;
    size_t n;
    char *s = file_read_all(path, 16 << 20, &n, &e);
    CHECKF(s, "%s", e.msg);
    return s;
}

/* Every src="..." and href="..." in the page is a relative path to a file
 * that exists (and the page fetches nothing from the network). Returns the
 * number of images. */
static int check_links(const char *dir, const char *html) {
    CHECKF(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL, "the page refers to the network");
    int n_img = 0;
    static const char *const attrs[] = {"src=\"", "href=\""};
    for (int a = 0; a < 2; a++) {
        for (const char *p = html; (p = strstr(p, attrs[a])) != NULL;) {
            p += strlen(attrs[a]);
            const char *end = strchr(p, '"');
            if (!CHECK(end)) break;
            char ref[512];
            snprintf(ref, sizeof ref, "%.*s", (int)(end - p), p);
            p = end;
            if (ref[0] == '#') continue;
            CHECKF(ref[0] != '/' && !strstr(ref, ".."), "non-relative reference %s", ref);
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, ref);
            CHECKF(file_exists(path), "the page refers to %s, which does not exist", ref);
            if (a == 0) {
                n_img++;
                errbuf e;
                size_t n;
                char *img = file_read_all(path, 16 << 20, &n, &e);
                if (!CHECKF(img, "%s", e.msg)) continue;
                if (strstr(ref, ".png")) CHECKF(n > 1000 && memcmp(img, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", ref);
                else CHECKF(strstr(img, "<svg") != NULL, "%s is not an SVG", ref);
                free(img);
            }
        }
    }
    return n_img;
}

static void check_tables(const char *text, const char *what) {
    /* Decode figures, the eval table with its stderr, the untrusted mark,
     * the summary's verdicts. */
    static const char *const want[] = {"98.0", "45.0", "305.0", "1400.0", "123.5", "0.5230 \xc2\xb1 0.0120", "0.3111",
                                       "\xe2\x80\xa0", "flat: within 15%", "it falls with length",
                                       "constant from 1024 tokens on", "linear, a KV cache", "arc_easy", "abc123",
                                       "Against the machine", "85%", "62%", "124%"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECKF(strstr(text, want[i]) != NULL, "%s lacks \"%s\"", what, want[i]);
}

TEST(report_from_fixture_store_with_plots) {
    char gp[4096];
    errbuf e;
    if (plot_find_gnuplot(NULL, gp, sizeof gp, &e) != 0) SKIP("%s", e.msg);
    char db[1024], out[1200];
    if (!fill_store(db, sizeof db)) return;
    snprintf(out, sizeof out, "%s/report", test_tmpdir());
    report_summary sum;
    report_opts o = {0};
    if (!CHECKF(report_write(db, out, &o, &sum, &e) == 0, "%s", e.msg)) return;
    CHECK_EQ_INT(sum.n_plots, 5);
    CHECK_EQ_INT(sum.n_plot_errors, 0);
    CHECK_EQ_INT(sum.plots_skipped, 0);
    CHECK_EQ_INT(sum.n_bench_points, N_FIXTURE);
    CHECK_EQ_INT(sum.n_eval_runs, 1);
    CHECK_EQ_INT(sum.n_untrusted, 1);
    char *html = read_text(out, "index.html"), *md = read_text(out, "report.md");
    if (html) {
        CHECK_EQ_INT(check_links(out, html), 5);
        check_tables(html, "index.html");
        CHECK(strstr(html, "<!DOCTYPE html>") == html);
    }
    if (md) {
        check_tables(md, "report.md");
        CHECK(strstr(md, "](decode.png)") != NULL);
    }
    free(html);
    free(md);
}

TEST(report_without_gnuplot_keeps_tables) {
    char db[1024], out[1200];
    if (!fill_store(db, sizeof db)) return;
    snprintf(out, sizeof out, "%s/report", test_tmpdir());
    report_summary sum;
    report_opts o = {.gnuplot = "/nonexistent/bin/gnuplot"};
    errbuf e;
    if (!CHECKF(report_write(db, out, &o, &sum, &e) == 0, "%s", e.msg)) return;
    CHECK_EQ_INT(sum.plots_skipped, 1);
    CHECK_EQ_INT(sum.n_plots, 0);
    CHECKF(strstr(sum.plots_skipped_why, "/nonexistent/bin/gnuplot") != NULL, "%s", sum.plots_skipped_why);
    char *html = read_text(out, "index.html"), *md = read_text(out, "report.md");
    if (html) {
        CHECK(strstr(html, "<img") == NULL);
        CHECK(strstr(html, "Plots were skipped: gnuplot was not found at /nonexistent/bin/gnuplot") != NULL);
        check_tables(html, "index.html");
        CHECK_EQ_INT(check_links(out, html), 0);
    }
    if (md) check_tables(md, "report.md");
    free(html);
    free(md);
    /* The data and scripts are there to draw later; no images. */
    char path[2048];
    snprintf(path, sizeof path, "%s/data/decode.gp", out);
    CHECK(file_exists(path));
    snprintf(path, sizeof path, "%s/decode.png", out);
    CHECK(!file_exists(path));
}

TEST(report_cli_path_without_gnuplot_and_bad_values) {
    const char *bin = test_griffin_bin();
    if (!file_exists(bin)) SKIP("%s not built", bin);
    char db[1024];
    if (!fill_store(db, sizeof db)) return;
    const char *t = test_tmpdir();
    char cmd[4096];
    /* PATH without gnuplot: still a report, exit 0, the reason on stderr. */
    snprintf(cmd, sizeof cmd, "env PATH=/nonexistent %s report --db %s --out %s/r >%s/out.txt 2>%s/err.txt", bin, db, t,
             t, t);
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 0);
    char *err = read_text(t, "err.txt"), *out = read_text(t, "out.txt");
    if (err) CHECKF(strstr(err, "plots skipped: gnuplot was not found on PATH (/nonexistent)"), "stderr: %s", err);
    if (out) CHECKF(strstr(out, "/r/index.html\n") != NULL, "stdout: %s", out);
    free(err);
    free(out);
    char r[1200];
    snprintf(r, sizeof r, "%s/r", t);
    char *html = read_text(r, "index.html");
    if (html) CHECK(strstr(html, "Plots were skipped") != NULL);
    free(html);
    static const char *const usage[] = {"--runs x", "--runs 0", "--runs 1,,2", "--out", "--frobnicate"};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s report --db %s --out %s/r2 %s >/dev/null 2>&1", bin, db, t, usage[i]);
        CHECKF(test_run_cmd(cmd, NULL, 0) == 2, "griffin report %s: expected exit 2", usage[i]);
    }
    /* Runtime errors: a run that is not there, a run that is not a bench
     * run (2 is the eval run), a store that is not there. */
    snprintf(cmd, sizeof cmd, "%s report --db %s --out %s/r3 --runs 99 >/dev/null 2>&1", bin, db, t);
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 1);
    snprintf(cmd, sizeof cmd, "%s report --db %s --out %s/r3 --runs 2 >/dev/null 2>&1", bin, db, t);
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 1);
    snprintf(cmd, sizeof cmd, "%s report --db %s/missing.db --out %s/r3 >/dev/null 2>&1", bin, t, t);
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 1);
}

/* The page in a real browser engine: headless Chromium screenshots it. The
 * screenshot stays in the test's directory with GRIFFIN_KEEP_TMP=1, for a
 * person to look at. */
TEST(report_html_renders_in_headless_chromium) {
    char browser[4096], gp[4096];
    errbuf e;
    if (plot_find_gnuplot("chromium", browser, sizeof browser, &e) != 0 &&
        plot_find_gnuplot("chromium-browser", browser, sizeof browser, &e) != 0)
        SKIP("chromium is not installed (Debian: apt-get install chromium)");
    if (plot_find_gnuplot(NULL, gp, sizeof gp, &e) != 0) SKIP("%s", e.msg);
    char db[1024], out[1200];
    if (!fill_store(db, sizeof db)) return;
    snprintf(out, sizeof out, "%s/report", test_tmpdir());
    report_opts o = {0};
    if (!CHECKF(report_write(db, out, &o, NULL, &e) == 0, "%s", e.msg)) return;
    char abs_out[PATH_MAX];
    if (!CHECK(realpath(out, abs_out))) return;
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2600 "
             "--screenshot=%s/screenshot.png file://%s/index.html >%s/chromium.log 2>&1",
             browser, abs_out, abs_out, abs_out);
    int rc = test_run_cmd(cmd, NULL, 0);
    CHECKF(rc == 0, "chromium exited %d (see %s/chromium.log)", rc, abs_out);
    char shot[PATH_MAX + 32];
    snprintf(shot, sizeof shot, "%s/screenshot.png", abs_out);
    size_t n = 0;
    char *png = file_read_all(shot, 64 << 20, &n, &e);
    if (CHECKF(png, "no screenshot: %s", e.msg)) {
        CHECKF(n > 20000 && memcmp(png, "\x89PNG", 4) == 0, "screenshot is %zu bytes", n);
        free(png);
    }
}
