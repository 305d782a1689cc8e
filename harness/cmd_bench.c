/* harness/cmd_bench.c: `griffin bench`, throughput and memory sweeps over
 * one or more models (harness/bench.h), stored as a bench run. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "harness/bench.h"
#include "harness/bench_format.h"
#include "harness/bench_store.h"
#include "harness/cli.h"
#include "harness/store.h"
#include "kernels/roofline.h"

#define BENCH_DEFAULT_LENS "128,512,2048,8192"
#define BENCH_MAX_LEN (1L << 20) /* tokens; model_forward counts them in an int */

/* A build whose timings mean little: say so on stderr (STYLE.md, section 10). */
static void warn_build(const char *cmd, int use_ref) {
    const char *why = NULL;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    why = "a sanitizer build (make asan)";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    why = "a sanitizer build (make asan)";
#endif
#endif
#ifndef __OPTIMIZE__
    if (!why) why = "an unoptimised (debug) build";
#endif
    if (why)
        fprintf(stderr, "griffin %s: warning: this is %s; its timings are not representative of a release build\n",
                cmd, why);
    if (use_ref)
        fprintf(stderr, "griffin %s: warning: --reference runs the scalar reference kernels, not the fast ones\n", cmd);
}

static void progress_line(void *arg, const char *line) {
    fprintf(stderr, "%s %s\n", (const char *)arg, line);
}

/* `git describe` of the working directory, or NULL outside a repository. */
static char *git_revision(void) {
    FILE *p = popen("git describe --always --dirty --abbrev=12 2>/dev/null", "r");
    if (!p) return NULL;
    char buf[128] = "";
    char *ok = fgets(buf, sizeof buf, p);
    pclose(p);
    if (!ok) return NULL;
    buf[strcspn(buf, "\r\n")] = 0;
    return buf[0] ? strdup(buf) : NULL;
}

static char *command_line(const cli_ctx *ctx) {
    strbuf b;
    strbuf_init(&b);
    for (int i = 0; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        if (i) strbuf_putc(&b, ' ');
        if (!*a || strpbrk(a, " \t'\"\\$")) {
            strbuf_putc(&b, '\'');
            for (; *a; a++) {
                if (*a == '\'') strbuf_puts(&b, "'\\''");
                else strbuf_putc(&b, *a);
            }
            strbuf_putc(&b, '\'');
        } else {
            strbuf_puts(&b, a);
        }
    }
    return strbuf_take(&b);
}

/* "none" -> 0 lengths; otherwise a comma-separated list of positive ints. */
static int parse_lens(const char *opt, const char *text, long max, long *dst, int cap, int *n) {
    if (strcmp(text, "none") == 0) {
        *n = 0;
        return 0;
    }
    long *v = NULL;
    int k = cli_parse_int_list("bench", opt, text, 1, max, &v);
    if (k < 0) return EXIT_USAGE;
    if (k > cap) {
        free(v);
        return cli_usage_error("bench", "%s: %d values, at most %d", opt, k, cap);
    }
    memcpy(dst, v, (size_t)k * sizeof *v);
    free(v);
    *n = k;
    return 0;
}

/* With --roofline, measure this machine's memory read bandwidth and peak
 * f32 / bf16 / int8 arithmetic with the engine's thread pool
 * (kernels/roofline.h) and keep them in mach, which store_machine_put stores
 * with the machine; the outputs and the report give every speed as a
 * fraction of them. Without --roofline mach keeps the NAN placeholders
 * store_machine_detect set. The pool stays idle (asleep) while bench_run
 * forks its measuring processes, which start their own. */
static int bench_roofline_probe(cli_ctx *ctx, int use_ref, store_machine *mach, errbuf *e) {
    pool *p = cli_pool(ctx);
    if (!p) return err_set(e, "the roofline probe could not start its threads");
    kctx k;
    kctx_init(&k, p, use_ref);
    k_roofline rl;
    fprintf(stderr, "griffin bench: measuring the roofline (%d threads) ...\n", pool_n_threads(p));
    if (k_roofline_measure(&k, NULL, &rl, e) != 0) return -1;
    mach->mem_bw_bytes_per_s = rl.read_gbps * 1e9;
    mach->peak_f32_flops = rl.f32_gflops > 0 ? rl.f32_gflops * 1e9 : NAN;
    mach->peak_bf16_flops = rl.bf16_gflops > 0 ? rl.bf16_gflops * 1e9 : NAN;
    mach->peak_int8_ops = rl.int8_gops > 0 ? rl.int8_gops * 1e9 : NAN;
    fprintf(stderr, "griffin bench: roofline: read %.1f GB/s, f32 %.1f GFLOP/s, bf16 %.1f GFLOP/s, int8 %.1f GOP/s\n",
            rl.read_gbps, rl.f32_gflops, rl.bf16_gflops, rl.int8_gops);
    return 0;
}

int cmd_bench(cli_ctx *ctx, int argc, char **argv) {
    cli_list models = {0}, labels = {0};
    const char *prompt_text = BENCH_DEFAULT_LENS, *gen_text = BENCH_DEFAULT_LENS, *batch_text = "1,8";
    const char *budget_text = "4G", *db_path = "results.db", *clock_text = "wall";
    long reps = 5, rounds = 1, warmup = 1, steps = 16, threads = 0, max_batch = 256, seed = 1;
    int use_ref = 0, csv = 0, json = 0, no_db = 0, no_interleave = 0, roofline = 0;
    const cli_opt opts[] = {
        {"--model", CLI_LIST, &models, "DIR", "model directory; repeat to compare models in one run", 1, 0, 1},
        {"--label", CLI_LIST, &labels, "NAME", "label of the i-th --model in tables and plots (default: its "
                                               "directory's name)", 1, 0, 0},
        {"--prompt-lens", CLI_STR, &prompt_text, "LIST", "prefill prompt lengths, or 'none'", 1, 0, 0},
        {"--gen-lens", CLI_STR, &gen_text, "LIST", "lengths at which decode, max throughput and memory are "
                                                   "measured, or 'none'", 1, 0, 0},
        {"--batches", CLI_STR, &batch_text, "LIST", "decode batch sizes (sequences in lockstep)", 1, 0, 0},
        {"--reps", CLI_INT, &reps, "N", "timed repetitions per point (fewer than 3 are flagged)", 1, BENCH_MAX_TIMES, 0},
        {"--rounds", CLI_INT, &rounds, "N", "passes over the whole sweep, repetitions pooled per point (spreads a "
                                            "drifting machine load over all lengths)", 1, BENCH_MAX_TIMES, 0},
        {"--warmup", CLI_INT, &warmup, "N", "untimed repetitions before them", 0, 100, 0},
        {"--decode-steps", CLI_INT, &steps, "N", "decode steps per repetition (fewer for batches above 8)", 1, 1e6, 0},
        {"--mem-budget", CLI_STR, &budget_text, "SIZE", "memory for weights + states when finding the largest "
                                                        "batch (K/M/G suffixes; 0: skip max throughput)", 1, 0, 0},
        {"--max-batch", CLI_INT, &max_batch, "N", "largest batch the max-throughput point may use", 1, 1 << 20, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--seed", CLI_INT, &seed, "N", "seed of the random prompt tokens", 0, 9e18, 0},
        {"--no-interleave", CLI_FLAG, &no_interleave, NULL, "time each decode point alone in its own process (its own "
                                                            "peak memory) instead of in turn across the lengths", 1, 0, 0},
        {"--reference", CLI_FLAG, &use_ref, NULL, "time the scalar reference kernels", 1, 0, 0},
        {"--roofline", CLI_FLAG, &roofline, NULL, "first measure memory bandwidth and peak arithmetic and store them "
                                                  "with the machine", 1, 0, 0},
        {"--clock", CLI_STR, &clock_text, "wall|cpu", "time repetitions by wall time, or by the process's CPU time "
                                                      "(steadier on a shared machine; use with --threads 1)", 1, 0, 0},
        {"--db", CLI_STR, &db_path, "FILE", "results store the run is written to", 1, 0, 0},
        {"--no-db", CLI_FLAG, &no_db, NULL, "do not write a store", 1, 0, 0},
        {"--csv", CLI_FLAG, &csv, NULL, "print CSV on stdout instead of a table", 1, 0, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON on stdout instead of a table", 1, 0, 0},
    };
    const cli_spec spec = {
        "bench", "Measure prefill and decode throughput and memory against sequence length.",
        "griffin bench --model DIR [--model DIR ...] [--prompt-lens LIST] [--gen-lens LIST] [--batches LIST]\n"
        "                     [--mem-budget SIZE] [--reps N] [--db FILE] [--csv | --json]",
        "Points: prefill (one pass over each prompt length, batch 1); decode at each gen length\n"
        "(states brought to that length, then B sequences decode in lockstep) for each batch;\n"
        "max_throughput (the largest batch whose weights + states fit --mem-budget, up to\n"
        "--max-batch); memory (analytic state bytes per sequence and the measured peak resident\n"
        "memory of one sequence decoding at that length). Each length runs in its own process;\n"
        "decode repetitions are taken in turn across the lengths, so a drift in the machine's load\n"
        "does not tilt the curves (--no-interleave: one point at a time).\n"
        "Progress goes to stderr; stdout carries only the table, CSV or JSON. Figures from fewer\n"
        "than 3 repetitions or with (max-min)/median above 20% are flagged as untrusted.\n\n"
        "Example:\n  griffin bench --model models/small --model models/gemma-small --gen-lens 128,2048,8192 "
        "--mem-budget 8G",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (csv && json) return cli_usage_error("bench", "--csv and --json exclude each other");
    if (models.n > BENCH_MAX_MODELS) return cli_usage_error("bench", "--model: %d models, at most %d", models.n, BENCH_MAX_MODELS);
    if (labels.n > models.n)
        return cli_usage_error("bench", "--label: %d labels for %d models", labels.n, models.n);
    bench_opts o;
    bench_opts_default(&o);
    o.n_models = models.n;
    for (int i = 0; i < models.n; i++) {
        o.models[i].dir = models.items[i];
        o.models[i].label = i < labels.n ? labels.items[i] : NULL;
    }
    for (int i = 0; i < models.n; i++)
        for (int j = 0; j < i; j++) {
            char a[BENCH_LABEL_BYTES], b[BENCH_LABEL_BYTES];
            if (o.models[i].label) snprintf(a, sizeof a, "%s", o.models[i].label);
            else bench_default_label(o.models[i].dir, a, sizeof a);
            if (o.models[j].label) snprintf(b, sizeof b, "%s", o.models[j].label);
            else bench_default_label(o.models[j].dir, b, sizeof b);
            if (strcmp(a, b) == 0)
                return cli_usage_error("bench", "models %d and %d are both labelled '%s' (give --label)", j + 1, i + 1, a);
        }
    if ((rc = parse_lens("--prompt-lens", prompt_text, BENCH_MAX_LEN, o.prompt_lens, BENCH_MAX_LENS, &o.n_prompt_lens)))
        return rc;
    if ((rc = parse_lens("--gen-lens", gen_text, BENCH_MAX_LEN, o.gen_lens, BENCH_MAX_LENS, &o.n_gen_lens))) return rc;
    if ((rc = parse_lens("--batches", batch_text, 1 << 20, o.batches, BENCH_MAX_BATCHES, &o.n_batches))) return rc;
    if (o.n_prompt_lens + o.n_gen_lens == 0)
        return cli_usage_error("bench", "--prompt-lens and --gen-lens are both 'none': nothing to measure");
    errbuf e;
    int64_t budget = 0;
    if (strcmp(budget_text, "none") != 0 && bench_parse_bytes(budget_text, &budget, &e) != 0)
        return cli_usage_error("bench", "--mem-budget: %s", e.msg);
    long pages = sysconf(_SC_PHYS_PAGES), page_bytes = sysconf(_SC_PAGESIZE);
    int64_t phys_bytes = pages > 0 && page_bytes > 0 ? (int64_t)pages * page_bytes : 0;
    if (budget > 0 && phys_bytes > 0 && budget > phys_bytes)
        return cli_usage_error("bench", "--mem-budget: %s is more than this machine's memory (%.1f GiB); the "
                                        "max-throughput point allocates it", budget_text, phys_bytes / 1073741824.0);
    o.mem_budget_bytes = budget;
    if (reps * rounds > BENCH_MAX_TIMES)
        return cli_usage_error("bench", "--reps %ld x --rounds %ld: at most %d repetitions per point", reps, rounds,
                               BENCH_MAX_TIMES);
    o.reps = (int)reps;
    o.rounds = (int)rounds;
    o.warmup = (int)warmup;
    o.decode_steps = (int)steps;
    o.max_batch = max_batch;
    o.n_threads = (int)threads;
    o.use_ref = use_ref;
    o.interleave = !no_interleave;
    if (strcmp(clock_text, "cpu") == 0) o.cpu_clock = 1;
    else if (strcmp(clock_text, "wall") != 0)
        return cli_usage_error("bench", "--clock: expected wall or cpu, got '%s'", clock_text);
    if (o.cpu_clock && threads != 1)
        fprintf(stderr, "griffin bench: warning: --clock cpu with %s threads counts every thread's time (spinning "
                        "included); tokens/s then means per CPU-second, not per second\n",
                threads == 0 ? "all" : "several");
    o.seed = (uint64_t)seed;
    o.progress = progress_line;
    o.progress_arg = "griffin bench:";
    warn_build("bench", use_ref);

    store *st = NULL;
    int64_t run_id = 0;
    char *settings = NULL, *cmdline = NULL, *rev = NULL;
    bench_results res;
    bench_results_init(&res);
    rc = EXIT_RUNTIME;
    if (!no_db) {
        st = store_open(db_path, NULL, &e);
        if (!st) {
            cli_error("bench", "%s", e.msg);
            goto done;
        }
    }
    store_machine mach;
    ctx->n_threads = o.n_threads;
    if (store_machine_detect(&mach, &e) != 0 || (roofline && bench_roofline_probe(ctx, use_ref, &mach, &e) != 0)) {
        cli_error("bench", "%s", e.msg);
        goto done;
    }
    o.roof_read_bytes_per_s = mach.mem_bw_bytes_per_s;
    o.roof_f32_flops = mach.peak_f32_flops;
    o.roof_bf16_flops = mach.peak_bf16_flops;
    if (st) {
        int64_t machine_id = 0;
        settings = bench_settings_json(&o);
        cmdline = command_line(ctx);
        rev = git_revision();
        store_run_info info = {
            .kind = STORE_RUN_BENCH,
            .command_line = cmdline,
            .git_revision = rev,
            .model_path = o.n_models == 1 ? o.models[0].dir : NULL,
            .backend = "cpu",
            .n_threads = o.n_threads > 0 ? o.n_threads : mach.n_cores,
            .seed = seed,
            .settings_json = settings,
        };
        if (!settings || !cmdline || store_machine_put(st, &mach, &machine_id, &e) != 0 ||
            (info.machine_id = machine_id, store_run_begin(st, &info, &run_id, &e)) != 0) {
            cli_error("bench", "%s", settings && cmdline ? e.msg : "out of memory");
            goto done;
        }
        fprintf(stderr, "griffin bench: run %lld in %s (%s, %d CPUs)\n", (long long)run_id, db_path, mach.cpu_model,
                mach.n_cores);
    }
    /* Ctrl-C stops the measuring processes; this one stays to record the
     * run as interrupted with the points measured so far. */
    void (*old_int)(int) = signal(SIGINT, SIG_IGN);
    int bench_rc = bench_run(&o, &res, &e);
    signal(SIGINT, old_int);
    errbuf se;
    if (st && bench_store_points(st, run_id, &o, &res, &se) != 0) {
        cli_error("bench", "%s", se.msg);
        store_run_fail(st, run_id, se.msg, &se);
        goto done;
    }
    if (bench_rc != 0) {
        cli_error("bench", "%s", e.msg);
        if (st && res.interrupted) store_run_interrupt(st, run_id, &se);
        else if (st) store_run_fail(st, run_id, e.msg, &se);
        if (res.n == 0) goto done;
    } else if (st && store_run_finish(st, run_id, &e) != 0) {
        cli_error("bench", "%s", e.msg);
        goto done;
    }
    strbuf out;
    strbuf_init(&out);
    if (csv) bench_format_csv(&out, &o, &res);
    else if (json) bench_format_json(&out, &o, &res);
    else bench_format_table(&out, &o, &res);
    if (strbuf_failed(&out)) {
        cli_error("bench", "out of memory formatting %d points", res.n);
    } else {
        fputs(strbuf_str(&out), stdout);
        fflush(stdout);
        if (bench_rc == 0) rc = EXIT_OK;
    }
    strbuf_deinit(&out);
done:
    bench_results_deinit(&res);
    free(settings);
    free(cmdline);
    free(rev);
    store_close(st);
    return rc;
}
