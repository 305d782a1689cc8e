/* harness/cmd_safety.c: `griffin safety` (the safety suite, gates, report),
 * `griffin safety train-scorer`, `griffin safety report`, `griffin safety
 * policy` (docs/safety.md). */
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "harness/cli.h"
#include "harness/runinfo.h"
#include "harness/safety.h"
#include "harness/safety_policy.h"
#include "harness/safety_scorer.h"
#include "harness/store.h"
#include "reports/safety_report.h"
#include "tasks/tox_offline.h"
#include "tasks/tox_perspective.h"

#define PATH_BYTES 4096

static void fmt_num(char *b, size_t cap, double v) {
    if (isnan(v)) snprintf(b, cap, "–");
    else snprintf(b, cap, "%.4f", v);
}

/* The gate table (stdout: the result). */
static void print_gates(const safety_gate_results *g) {
    printf("| Benchmark | Metric | Value | 95%% CI | Threshold | Result | Baseline | Change |\n");
    printf("|---|---|---:|---|---:|---|---:|---:|\n");
    for (int i = 0; i < g->n; i++) {
        const store_gate *x = &g->r[i].g;
        char v[32], lo[32], hi[32], th[40], bv[32], d[32], ci[80];
        fmt_num(v, sizeof v, x->value);
        fmt_num(lo, sizeof lo, x->ci_low);
        fmt_num(hi, sizeof hi, x->ci_high);
        snprintf(th, sizeof th, "%s %.4f", x->direction == STORE_GATE_AT_LEAST ? ">=" : "<=", x->threshold);
        fmt_num(bv, sizeof bv, x->baseline_value);
        if (isnan(x->delta)) snprintf(d, sizeof d, "–");
        else snprintf(d, sizeof d, "%+.4f", x->delta);
        if (isnan(x->ci_low)) snprintf(ci, sizeof ci, "N/A");
        else snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        const char *res = !g->r[i].found ? (x->passed ? "not run (optional)" : "FAIL (not run)")
                                         : x->passed ? "pass" : "FAIL";
        char metric[300];
        size_t k = 0;
        for (const char *c = x->metric; *c && k + 2 < sizeof metric; c++) {
            if (*c == '|') metric[k++] = '\\'; /* a Markdown table cell */
            metric[k++] = *c;
        }
        metric[k] = 0;
        printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", x->benchmark, metric, v, ci, th, res, bv, d);
    }
    fflush(stdout);
}

static int resolve_run(const char *db, const char *id, int64_t *out, errbuf *e) {
    store_open_opts so = {.read_only = 1};
    store *st = store_open(db, &so, e);
    if (!st) return -1;
    int rc = store_run_lookup(st, id, out, e);
    store_close(st);
    return rc;
}

/* ---- griffin safety (the run) ---- */

static int cmd_run(cli_ctx *ctx, int argc, char **argv) {
    run_eval_opts eo;
    run_eval_opts_default(&eo);
    const char *model_dir = NULL, *suite = SAFETY_DEFAULT_SUITE, *policy_path = NULL, *baseline = NULL,
               *data_dir = NULL, *cache_dir = NULL, *scorer_name = "offline", *scorer_model = NULL,
               *report_dir = NULL, *compat = NULL, *persp_url = NULL;
    long limit = -1, samples = 0, seed = 1234, threads = 0, batch = 0, max_length = 0, bootstrap = 100000;
    double qps = 1;
    int offline = 0, quiet = 0, fresh = 0, redact = 0;
    cli_list includes = {0};
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory (config.json, safetensors, tokenizer.model)", 1, 0, 1},
        {"--suite", CLI_STR, &suite, "NAME", "safety (every safety benchmark) or safety_smoke (a few documents each)",
         1, 0, 0},
        {"--policy", CLI_STR, &policy_path, "FILE", "release policy JSON (default: the embedded " SAFETY_POLICY_DEFAULT_PATH ")",
         1, 0, 0},
        {"--baseline", CLI_STR, &baseline, "RUN_ID", "a previous run (id or uuid) in the store to compare against", 1,
         0, 0},
        {"--data-dir", CLI_STR, &data_dir, "DIR", "dataset files as DIR/<dataset>/<file> (e.g. ../shared/datasets)", 1,
         0, 0},
        {"--cache", CLI_STR, &cache_dir, "DIR", "download cache (default $GRIFFIN_CACHE or ~/.cache/griffin)", 1, 0, 0},
        {"--offline", CLI_FLAG, &offline, NULL, "never download (benchmarks without local data are left out)", 1, 0,
         0},
        {"--limit", CLI_INT, &limit, "N", "the first N records of each task (-1: all; BOLD: N people)", -1, 1e9, 0},
        {"--samples", CLI_INT, &samples, "K", "sampled continuations per prompt (0: each task's, 25)", 0, 10000, 0},
        {"--seed", CLI_INT, &seed, "S", "seed of the sampled generations (each request's derives from it)", 0, 9e18,
         0},
        {"--scorer", CLI_STR, &scorer_name, "NAME", "toxicity scorer: offline or perspective", 1, 0, 0},
        {"--scorer-model", CLI_STR, &scorer_model, "FILE",
         "offline scorer model (default: the one griffin safety train-scorer writes)", 1, 0, 0},
        {"--qps", CLI_FLOAT, &qps, "Q", "perspective: requests per second", 1e-3, 1e3, 0},
        {"--perspective-url", CLI_STR, &persp_url, "URL", "perspective: API base (default " TOX_PERSPECTIVE_BASE_URL ")",
         1, 0, 0},
        {"--db", CLI_STR, &eo.db_path, "FILE", "results store", 1, 0, 0},
        {"--report", CLI_STR, &report_dir, "DIR", "also write the release-review report there", 1, 0, 0},
        {"--redact", CLI_FLAG, &redact, NULL, "with --report: mask the worst generations' text", 1, 0, 0},
        {"--include", CLI_LIST, &includes, "PATH", "extra task spec or suite files or directories", 1, 0, 0},
        {"--compat", CLI_STR, &compat, "MODE", "lmeval: lm-eval's quirks (TASKS.md A.8; unscorable texts count 0)", 1,
         0, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--batch-size", CLI_INT, &batch, "B", "sequences per forward call (0: default)", 0, 4096, 0},
        {"--max-length", CLI_INT, &max_length, "N", "context length for truncation (0: 8192)", 0, 1 << 24, 0},
        {"--bootstrap-iters", CLI_INT, &bootstrap, "N", "bootstrap iterations for stderrs that need them", 0, 1e7, 0},
        {"--fresh", CLI_FLAG, &fresh, NULL, "start a new run even if an unfinished one matches", 1, 0, 0},
        {"--quiet", CLI_FLAG, &quiet, NULL, "no progress lines", 1, 0, 0},
    };
    const cli_spec spec = {
        "safety", "Run the safety suite into the store, evaluate the release policy, print the gates.",
        "griffin safety --model DIR [--baseline RUN_ID] [--policy FILE] [--data-dir DIR] [--limit N] [--samples K]\n"
        "       [--scorer offline|perspective] [--db FILE] [--report DIR]\n"
        "       griffin safety train-scorer | report | policy ... (each has --help)",
        "Exit codes: 0 every gate passed, 3 a gate failed (a release pipeline stops there), 1 the run\n"
        "failed, 2 bad command line or policy. stdout: the metrics table, then the gates; progress on\n"
        "stderr. Benchmarks whose data cannot be loaded are left out and named; their gates fail when\n"
        "the policy marks them required. Toxicity numbers carry the scorer's label.\n\n"
        "Examples:\n"
        "  griffin safety train-scorer --data-dir ../shared/datasets\n"
        "  griffin safety --model M --data-dir ../shared/datasets --limit 100 --report out/safety\n"
        "  griffin safety --model M2 --baseline 7 --policy release.json --db results.db",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    const char *cmd = "safety";
    int perspective = !strcmp(scorer_name, "perspective");
    if (!perspective && strcmp(scorer_name, "offline"))
        return cli_usage_error(cmd, "--scorer: expected offline or perspective, got '%s'", scorer_name);
    if (perspective && scorer_model) return cli_usage_error(cmd, "--scorer-model applies to --scorer offline only");
    if (compat && strcmp(compat, "lmeval")) return cli_usage_error(cmd, "--compat: expected 'lmeval', got '%s'", compat);
    if (redact && !report_dir) return cli_usage_error(cmd, "--redact applies to --report");
    errbuf e;
    /* The policy first: a bad one is a usage error, before any work. */
    safety_policy *pol = policy_path ? safety_policy_load(policy_path, &e) : safety_policy_default(&e);
    if (!pol) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_USAGE;
    }
    task_set *set = task_set_create(&e);
    int ok = set && task_set_add_builtin(set, &e) == 0;
    for (int i = 0; ok && i < includes.n; i++) ok = task_set_add_path(set, includes.items[i], &e) == 0;
    if (ok) ok = safety_policy_check(pol, set, &e) == 0;
    task_set_free(set);
    if (!ok) {
        cli_error(cmd, "%s", e.msg);
        safety_policy_free(pol);
        return EXIT_USAGE;
    }
    safety_opts so = {.suite = suite, .policy = pol};
    if (baseline && resolve_run(eo.db_path, baseline, &so.baseline_run_id, &e) != 0) {
        cli_error(cmd, "--baseline: %s", e.msg);
        safety_policy_free(pol);
        return EXIT_USAGE;
    }
    /* The store's folder, so the run does not fail after the work. */
    char dbdir[PATH_BYTES];
    snprintf(dbdir, sizeof dbdir, "%s", eo.db_path);
    char *slash = strrchr(dbdir, '/');
    if (slash && slash != dbdir) {
        *slash = 0;
        if (file_mkdirs(dbdir, &e) != 0) {
            cli_error(cmd, "--db: %s", e.msg);
            safety_policy_free(pol);
            return EXIT_RUNTIME;
        }
    }
    /* The toxicity scorer. */
    tox_scorer *scorer = NULL;
    char mpath[PATH_BYTES];
    if (perspective) {
        tox_perspective_opts po;
        tox_perspective_opts_default(&po);
        po.qps = qps;
        if (persp_url) po.base_url = persp_url;
        scorer = tox_perspective_create(&po, &e);
    } else {
        if (scorer_model) snprintf(mpath, sizeof mpath, "%s", scorer_model);
        else if (tox_offline_default_path(mpath, sizeof mpath, &e) != 0) mpath[0] = 0;
        if (mpath[0] && !file_exists(mpath))
            err_set(&e, "%s: no offline toxicity model (train one: griffin safety train-scorer --data-dir DIR%s%s)",
                    mpath, scorer_model ? " --out " : "", scorer_model ? scorer_model : "");
        else if (mpath[0])
            scorer = tox_offline_open(mpath, &e);
    }
    if (!scorer) {
        cli_error(cmd, "%s", e.msg);
        safety_policy_free(pol);
        return EXIT_RUNTIME;
    }
    if (!quiet) fprintf(stderr, "safety: policy %s (%s), toxicity scorer %s\n", pol->name, pol->origin,
                        tox_scorer_label(scorer));
    eo.model_dir = model_dir;
    eo.limit = (int)limit;
    eo.repeats = (int)samples;
    eo.sample_seed = (uint64_t)seed;
    eo.tox_scorer = scorer;
    eo.batch_seqs = (int)batch;
    eo.max_length = (int)max_length;
    eo.bootstrap_iters = (int)bootstrap;
    eo.compat_lmeval = compat != NULL;
    eo.fresh = fresh;
    eo.quiet = quiet;
    eo.spec_paths = includes.items;
    eo.n_spec_paths = includes.n;
    eo.datasets.data_dir = data_dir;
    if (cache_dir) eo.datasets.cache_dir = cache_dir;
    eo.datasets.offline = offline;
    char *cmdline = runinfo_command_line(ctx->argc, ctx->argv);
    eo.command_line = cmdline;
    so.eval = eo;
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) {
        free(cmdline);
        tox_scorer_free(scorer);
        safety_policy_free(pol);
        return EXIT_RUNTIME;
    }
    kctx k;
    kctx_init(&k, p, 0);
    cli_sigsave sigs;
    so.eval.interrupted = cli_interrupts_begin(&sigs);
    safety_summary sum;
    rc = safety_run(&so, &k, &sum, &e);
    cli_interrupts_end(&sigs);
    for (int i = 0; i < sum.n_skipped; i++)
        fprintf(stderr, "safety: not run: %s: %s\n", sum.skipped[i].task, sum.skipped[i].why);
    if (rc != 0) {
        cli_error(cmd, "%s", e.msg);
        rc = sum.eval.interrupted ? 130 : EXIT_RUNTIME;
        goto done;
    }
    printf("\n");
    print_gates(&sum.gates);
    int n_pass = sum.gates.n - sum.gates.n_failed, n_req_nv = 0;
    for (int i = 0; i < sum.gates.n; i++) n_req_nv += !sum.gates.r[i].found && !sum.gates.r[i].g.passed;
    fprintf(stderr,
            "safety: run %lld in %s: %d gates, %d passed, %d failed (%d of them required but not run); %d optional "
            "not run; toxicity by %s\n",
            (long long)sum.run_id, eo.db_path, sum.gates.n, n_pass, sum.gates.n_failed, n_req_nv,
            sum.gates.n_not_run - n_req_nv, tox_scorer_label(scorer));
    rc = sum.gates.n_failed ? EXIT_GATE : EXIT_OK;
    if (report_dir) {
        store_open_opts ro = {.read_only = 1};
        store *st = store_open(eo.db_path, &ro, &e);
        report_safety_opts rpo = {.run_id = sum.run_id, .baseline_run_id = so.baseline_run_id, .out_dir = report_dir,
                                  .redact = redact};
        report_safety_result rr;
        if (!st || report_safety_write(st, &rpo, &rr, &e) != 0) {
            cli_error(cmd, "report: %s", e.msg);
            rc = EXIT_RUNTIME;
        } else {
            fprintf(stderr, "safety: report %s and %s (%d charts%s%s)\n", rr.md_path, rr.html_path, rr.n_charts,
                    rr.charts_skipped[0] ? "; " : "", rr.charts_skipped);
        }
        store_close(st);
    }
done:
    safety_summary_deinit(&sum);
    free(cmdline);
    tox_scorer_free(scorer);
    safety_policy_free(pol);
    return rc;
}

/* ---- griffin safety train-scorer ---- */

static int cmd_train_scorer(int argc, char **argv) {
    const char *data_dir = NULL, *cache_dir = NULL, *out = NULL, *db = NULL;
    long n_benign = SAFETY_SCORER_DEFAULT_BENIGN, holdout = 10;
    int offline = 0, json = 0;
    const cli_opt opts[] = {
        {"--data-dir", CLI_STR, &data_dir, "DIR", "datasets folder (toxigen/, and piqa/, siqa/, arc/ for benign text)", 1,
         0, 0},
        {"--cache", CLI_STR, &cache_dir, "DIR", "download cache (default $GRIFFIN_CACHE or ~/.cache/griffin)", 1, 0, 0},
        {"--offline", CLI_FLAG, &offline, NULL, "never download", 1, 0, 0},
        {"--out", CLI_STR, &out, "FILE", "model file (default: $XDG_CACHE_HOME or ~/.cache, griffin/" TOX_OFFLINE_MODEL_FILE ")",
         1, 0, 0},
        {"--benign", CLI_INT, &n_benign, "N", "generic benign sentences added for training only (0: ToxiGen alone)", 0,
         1e7, 0},
        {"--holdout-pct", CLI_INT, &holdout, "N", "percent of ToxiGen sentences held out (by text hash) for the metrics",
         0, 50, 0},
        {"--db", CLI_STR, &db, "FILE", "also record the scorer and its held-out metrics in this store", 1, 0, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of text", 1, 0, 0},
    };
    const cli_spec spec = {
        "safety train-scorer", "Train the offline toxicity scorer griffin safety uses; print its held-out accuracy and AUC.",
        "griffin safety train-scorer --data-dir DIR [--out FILE] [--benign N] [--holdout-pct N] [--db FILE] [--json]",
        "Reads ToxiGen's prompts and demonstrations through the datasets layer (hate_* toxic, neutral_*\n"
        "benign), adds N generic sentences (PIQA goals, Social IQa contexts, ARC-Easy questions) as benign\n"
        "training-only examples so ordinary text is not scored toxic, holds out a share of ToxiGen by text\n"
        "hash and trains the logistic regression of `griffin toxicity train` (docs/toxicity.md).\n\n"
        "Example:\n  griffin safety train-scorer --data-dir ../shared/datasets",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    const char *cmd = "safety train-scorer";
    errbuf e;
    char path[PATH_BYTES];
    if (out) snprintf(path, sizeof path, "%s", out);
    else if (tox_offline_default_path(path, sizeof path, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_RUNTIME;
    }
    ds_opts ds;
    ds_opts_init(&ds);
    ds.data_dir = data_dir;
    if (cache_dir) ds.cache_dir = cache_dir;
    ds.offline = offline;
    safety_scorer_opts so;
    safety_scorer_opts_default(&so, &ds);
    so.n_benign = (int)n_benign;
    so.train.holdout_pct = (int)holdout;
    safety_scorer_info info;
    uint64_t t0 = clock_now_ns();
    tox_model *m = safety_scorer_train(&so, &info, &e);
    if (!m) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_RUNTIME;
    }
    char dir[PATH_BYTES];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) *slash = 0;
    if ((slash && slash != dir && file_mkdirs(dir, &e) != 0) || tox_model_save(m, path, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        tox_model_free(m);
        return EXIT_RUNTIME;
    }
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    tox_scorer *s = tox_offline_from_model(m, &e); /* owns m */
    if (!s) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_RUNTIME;
    }
    int n_files = info.toxigen_source[0] ? 1 : 0;
    for (const char *c = info.toxigen_source; *c; c++) n_files += *c == ',';
    fprintf(stderr, "safety train-scorer: %ld toxigen records from %d files; %.2f s\n", info.n_records, n_files,
            (double)(clock_now_ns() - t0) * 1e-9);
    rc = EXIT_OK;
    if (db) {
        store *st = store_open(db, NULL, &e);
        if (!st || safety_record_scorer(st, s, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            rc = EXIT_RUNTIME;
        }
        store_close(st);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", path);
        cJSON_AddStringToObject(o, "scorer", tox_scorer_id(s));
        cJSON_AddStringToObject(o, "label", tox_scorer_label(s));
        cJSON_AddNumberToObject(o, "n_toxigen", info.n_toxigen);
        cJSON_AddNumberToObject(o, "n_toxic", info.n_toxigen_toxic);
        cJSON_AddNumberToObject(o, "n_benign_extra", info.n_benign);
        cJSON_AddNumberToObject(o, "n_train", mt->n_train);
        cJSON_AddNumberToObject(o, "n_heldout", mt->n_heldout);
        const char *keys[] = {"heldout_acc", "heldout_auc"};
        const double vals[] = {mt->heldout_acc, mt->heldout_auc};
        for (int i = 0; i < 2; i++) {
            if (isnan(vals[i])) cJSON_AddNullToObject(o, keys[i]);
            else cJSON_AddNumberToObject(o, keys[i], vals[i]);
        }
        char *text = cJSON_PrintUnformatted(o);
        if (text) printf("%s\n", text);
        free(text);
        cJSON_Delete(o);
    } else {
        printf("model      %s\nscorer     %s\n", path, tox_scorer_label(s));
        printf("data       %d ToxiGen sentences (%d toxic) + %d generic benign (training only: %s)\n",
               info.n_toxigen, info.n_toxigen_toxic, info.n_benign, info.benign_sources);
        char a[4][16];
        const double v[4] = {mt->train_acc, mt->train_auc, mt->heldout_acc, mt->heldout_auc};
        for (int i = 0; i < 4; i++) {
            if (isnan(v[i])) snprintf(a[i], sizeof a[i], "n/a");
            else snprintf(a[i], sizeof a[i], "%.3f", v[i]);
        }
        printf("train      %d sentences: accuracy %s, AUC %s\n", mt->n_train, a[0], a[1]);
        printf("held out   %d ToxiGen sentences (%ld%%, %d toxic): accuracy %s, AUC %s\n", mt->n_heldout, holdout,
               mt->n_heldout_toxic, a[2], a[3]);
    }
    tox_scorer_free(s);
    return rc;
}

/* ---- griffin safety report ---- */

static int cmd_report(int argc, char **argv) {
    const char *db = "results.db", *run = NULL, *baseline = NULL, *out = NULL, *gnuplot = NULL;
    long n_worst = REPORT_SAFETY_WORST_DEFAULT;
    int redact = 0;
    const cli_opt opts[] = {
        {"--db", CLI_STR, &db, "FILE", "results store", 1, 0, 0},
        {"--run", CLI_STR, &run, "RUN_ID", "the safety run (id or uuid; default: the newest)", 1, 0, 0},
        {"--baseline", CLI_STR, &baseline, "RUN_ID", "compare with this run (default: the gates' baseline)", 1, 0, 0},
        {"--out", CLI_STR, &out, "DIR", "output folder (safety-report.md, .html, plots/)", 1, 0, 1},
        {"--redact", CLI_FLAG, &redact, NULL, "mask the text of the worst generations", 1, 0, 0},
        {"--worst", CLI_INT, &n_worst, "N", "worst-scoring generations listed", 0, 10000, 0},
        {"--gnuplot", CLI_STR, &gnuplot, "PATH", "gnuplot to run (default: gnuplot on PATH; none: no charts)", 1, 0, 0},
    };
    const cli_spec spec = {"safety report", "Write the release-review report of a safety run (Markdown and HTML).",
                           "griffin safety report --db FILE [--run ID] [--baseline ID] --out DIR [--redact]",
                           "Reads only the store. Example:\n  griffin safety report --db out/results.db --out out/safety",
                           opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    const char *cmd = "safety report";
    errbuf e;
    store_open_opts so = {.read_only = 1};
    store *st = store_open(db, &so, &e);
    if (!st) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_RUNTIME;
    }
    report_safety_opts ro = {.out_dir = out, .redact = redact, .n_worst = (int)n_worst, .gnuplot = gnuplot};
    if ((run && store_run_lookup(st, run, &ro.run_id, &e) != 0) ||
        (baseline && store_run_lookup(st, baseline, &ro.baseline_run_id, &e) != 0)) {
        cli_error(cmd, "%s", e.msg);
        store_close(st);
        return EXIT_USAGE;
    }
    report_safety_result rr;
    rc = report_safety_write(st, &ro, &rr, &e);
    store_close(st);
    if (rc != 0) {
        cli_error(cmd, "%s", e.msg);
        return EXIT_RUNTIME;
    }
    printf("%s\n%s\n", rr.md_path, rr.html_path);
    fprintf(stderr, "safety report: run %lld: %d gates, %d failed; %d charts%s%s\n", (long long)rr.run_id, rr.n_gates,
            rr.n_failed, rr.n_charts, rr.charts_skipped[0] ? "; " : "", rr.charts_skipped);
    return EXIT_OK;
}

/* ---- griffin safety policy ---- */

static int cmd_policy(int argc, char **argv) {
    const char *path = NULL;
    const cli_opt opts[] = {
        {"--policy", CLI_STR, &path, "FILE", "policy to check (default: the embedded " SAFETY_POLICY_DEFAULT_PATH ")", 1,
         0, 0},
    };
    const cli_spec spec = {"safety policy", "Check a release policy and print its gates.",
                           "griffin safety policy [--policy FILE]", NULL, opts, 1, 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    errbuf e;
    safety_policy *p = path ? safety_policy_load(path, &e) : safety_policy_default(&e);
    task_set *set = p ? task_set_create(&e) : NULL;
    if (!p || !set || task_set_add_builtin(set, &e) != 0 || safety_policy_check(p, set, &e) != 0) {
        cli_error("safety policy", "%s", e.msg);
        task_set_free(set);
        safety_policy_free(p);
        return EXIT_USAGE;
    }
    printf("# policy %s, version %g (%s)\n", p->name, p->version, p->origin);
    printf("| Benchmark | Metric | Threshold | Per category | Required |\n|---|---|---|---|---|\n");
    for (int i = 0; i < p->n_gates; i++) {
        const safety_gate_spec *g = &p->gates[i];
        printf("| %s | %s%s%s | %s %g | ", g->benchmark, g->use_abs ? "\\|" : "", g->metric, g->use_abs ? "\\|" : "",
               g->direction == STORE_GATE_AT_LEAST ? ">=" : "<=", g->threshold);
        for (int k = 0; k < g->n_cats; k++) printf("%s%s %g", k ? ", " : "", g->cats[k].category, g->cats[k].threshold);
        printf(" | %s |\n", g->required ? "yes" : "no");
    }
    task_set_free(set);
    safety_policy_free(p);
    return EXIT_OK;
}

int cmd_safety(cli_ctx *ctx, int argc, char **argv) {
    if (argc >= 2 && argv[1][0] != '-') {
        const char *sub = argv[1];
        if (!strcmp(sub, "train-scorer")) return cmd_train_scorer(argc - 1, argv + 1);
        if (!strcmp(sub, "report")) return cmd_report(argc - 1, argv + 1);
        if (!strcmp(sub, "policy")) return cmd_policy(argc - 1, argv + 1);
        return cli_usage_error("safety", "unknown subcommand '%s' (expected train-scorer, report or policy, or options "
                                         "for a run)", sub);
    }
    return cmd_run(ctx, argc, argv);
}
