/* harness/cmd_eval.c: `griffin eval`. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/eval.h"
#include "harness/runinfo.h"

int cmd_eval(cli_ctx *ctx, int argc, char **argv) {
    run_eval_opts o;
    run_eval_opts_default(&o);
    cli_list tasks = {0}, suites = {0}, includes = {0}, texts = {0}, ppl = {0};
    const char *model_dir = NULL, *compat = NULL, *data_dir = NULL, *cache_dir = NULL;
    long num_fewshot = -1, limit = -1, seed = 1234, batch = 0, threads = 0, max_length = 0, resume = 0,
         bootstrap = 100000, commit_every = 0;
    int no_share = 0, offline = 0, quiet = 0, fresh = 0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory (config.json, safetensors, tokenizer.model)", 1, 0, 1},
        {"--tasks", CLI_LIST, &tasks, "LIST", "tasks or groups, comma-separated (e.g. hellaswag,arc_easy,mmlu)", 1, 0, 0},
        {"--suite", CLI_LIST, &suites, "NAME", "a named suite: academic (report shots) or smoke (bundled samples)", 1, 0,
         0},
        {"--num-fewshot", CLI_INT, &num_fewshot, "K", "shots for every task (-1: each task's default)", -1, 1000, 0},
        {"--limit", CLI_INT, &limit, "N", "evaluate the first N documents of each task (-1: all)", -1, 1e9, 0},
        {"--seed", CLI_INT, &seed, "S", "few-shot sampling seed (lm-eval's fewshot_random_seed)", 0, 9e18, 0},
        {"--batch-size", CLI_INT, &batch, "B", "sequences per forward call (0: default 16)", 0, 4096, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--max-length", CLI_INT, &max_length, "N", "context length for truncation (0: 8192; 2048 with --compat lmeval)",
         0, 1 << 24, 0},
        {"--compat", CLI_STR, &compat, "MODE", "lmeval: reproduce lm-eval's quirks (TASKS.md A.8)", 1, 0, 0},
        {"--no-share", CLI_FLAG, &no_share, NULL, "score every request from scratch (no shared-context snapshots)", 1, 0,
         0},
        {"--data-dir", CLI_STR, &data_dir, "DIR", "dataset files as DIR/<dataset>/<file> (e.g. ../shared/datasets)", 1,
         0, 0},
        {"--cache", CLI_STR, &cache_dir, "DIR", "download cache (default $GRIFFIN_CACHE or ~/.cache/griffin)", 1, 0, 0},
        {"--offline", CLI_FLAG, &offline, NULL, "never download", 1, 0, 0},
        {"--include", CLI_LIST, &includes, "PATH", "extra task spec files or directories", 1, 0, 0},
        {"--text-file", CLI_LIST, &texts, "FILE", "documents for the perplexity task (repeatable)", 1, 0, 0},
        {"--perplexity-dataset", CLI_LIST, &ppl, "SPEC",
         "perplexity over a dataset field: DATASET[:CONFIG]:SPLIT:FIELD (e.g. gsm8k:main:test:answer)", 1, 0, 0},
        {"--db", CLI_STR, &o.db_path, "FILE", "results store", 1, 0, 0},
        {"--resume", CLI_INT, &resume, "RUN_ID", "finish this interrupted run (default: found by its settings)", 1, 9e18,
         0},
        {"--fresh", CLI_FLAG, &fresh, NULL, "start a new run even if an unfinished one matches", 1, 0, 0},
        {"--output", CLI_STR, &o.output_path, "FILE", "results JSON in lm-evaluation-harness's layout", 1, 0, 0},
        {"--log-samples", CLI_STR, &o.log_samples_path, "FILE", "one JSON line per document (lm-eval's field names)", 1,
         0, 0},
        {"--commit-every", CLI_INT, &commit_every, "N", "requests per store commit (0: about 8192 tokens of work)", 0,
         1e9, 0},
        {"--bootstrap-iters", CLI_INT, &bootstrap, "N", "bootstrap iterations for stderrs that need them", 0, 1e7, 0},
        {"--tokenizer", CLI_STR, &o.tokenizer_path, "FILE", "tokenizer (default: DIR/tokenizer.model)", 1, 0, 0},
        {"--quiet", CLI_FLAG, &quiet, NULL, "no progress lines", 1, 0, 0},
    };
    const cli_spec spec = {
        "eval", "Evaluate a model on tasks with lm-evaluation-harness semantics; results go to the store.",
        "griffin eval --model DIR (--tasks LIST | --suite NAME) [options]",
        "The results table goes to stdout; progress, the run id and timings to stderr. An\n"
        "interrupted run keeps every finished request: run the same command again to finish it.\n\n"
        "Examples:\n"
        "  griffin eval --model build/models/default --suite smoke --data-dir datasets/samples\n"
        "  griffin eval --model M --tasks hellaswag,arc_easy,boolq,mmlu --data-dir ../shared/datasets \\\n"
        "      --limit 50 --log-samples s.jsonl --output r.json\n"
        "  griffin eval --model M --tasks perplexity --text-file book.txt",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (tasks.n + suites.n + ppl.n == 0) return cli_usage_error("eval", "give --tasks or --suite");
    if (compat && strcmp(compat, "lmeval") != 0)
        return cli_usage_error("eval", "--compat: expected 'lmeval', got '%s'", compat);
    const char *names[2 * CLI_LIST_MAX];
    int n_names = 0;
    for (int i = 0; i < tasks.n; i++) names[n_names++] = tasks.items[i];
    for (int i = 0; i < suites.n; i++) names[n_names++] = suites.items[i];
    o.model_dir = model_dir;
    o.names = names;
    o.n_names = n_names;
    o.spec_paths = includes.items;
    o.n_spec_paths = includes.n;
    o.text_files = texts.items;
    o.n_text_files = texts.n;
    o.ppl_datasets = ppl.items;
    o.n_ppl_datasets = ppl.n;
    o.num_fewshot = (int)num_fewshot;
    o.limit = (int)limit;
    o.fewshot_seed = (uint64_t)seed;
    o.batch_seqs = (int)batch;
    o.max_length = (int)max_length;
    o.compat_lmeval = compat != NULL;
    o.share = !no_share;
    o.resume_run_id = resume;
    o.fresh = fresh;
    o.bootstrap_iters = (int)bootstrap;
    o.commit_requests = (int)commit_every;
    o.quiet = quiet;
    o.datasets.data_dir = data_dir;
    if (cache_dir) o.datasets.cache_dir = cache_dir;
    o.datasets.offline = offline;
    char *cmdline = runinfo_command_line(ctx->argc, ctx->argv);
    o.command_line = cmdline;
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) {
        free(cmdline);
        return EXIT_RUNTIME;
    }
    kctx k;
    kctx_init(&k, p, 0);
    cli_sigsave sigs;
    o.interrupted = cli_interrupts_begin(&sigs);
    errbuf e;
    run_eval_summary sum;
    rc = run_eval(&o, &k, &sum, &e);
    cli_interrupts_end(&sigs);
    free(cmdline);
    if (rc != 0) {
        cli_error("eval", "%s", e.msg);
        return sum.interrupted ? 130 : EXIT_RUNTIME;
    }
    double share_saved = sum.tokens_requested > 0 ? 100.0 * (1.0 - (double)sum.tokens_forwarded / sum.tokens_requested)
                                                  : 0.0;
    fprintf(stderr,
                "eval: run %lld done in %.1f s: %.1f s in the model (%.1f%%), %.1f s elsewhere (%.1f%%); %ld requests "
                "(%ld computed, %ld reused from the store, %ld duplicates); %ld tokens through the model, %ld without "
                "context sharing (%.1f%% saved)\n",
                (long long)sum.run_id, sum.wall_s, sum.model_s, 100 * sum.model_s / (sum.wall_s > 0 ? sum.wall_s : 1),
                sum.wall_s - sum.model_s, 100 * (sum.wall_s - sum.model_s) / (sum.wall_s > 0 ? sum.wall_s : 1),
                sum.n_requests, sum.n_computed, sum.n_reused, sum.n_duplicates, sum.tokens_forwarded,
                sum.tokens_requested, share_saved);
    return EXIT_OK;
}
