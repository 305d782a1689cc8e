/* harness/eval.h: an evaluation run, from task names to stored metrics.
 *
 * Builds every request of every selected task first (so a bad spec or a
 * malformed dataset row fails before any model work), skips the requests a
 * resumed run already finished, removes duplicates, scores log-likelihood
 * requests through shared contexts (harness/scorer.h) and generates
 * (harness/generator.h), committing results to the store batch by batch,
 * then scores the documents, aggregates, and stores samples and metrics.
 * An interrupted run (Ctrl-C, kill -9) keeps every committed batch;
 * re-running the same command, or --resume RUN_ID, finishes it without
 * recomputing a finished request. */
#ifndef GRIFFIN_HARNESS_EVAL_H
#define GRIFFIN_HARNESS_EVAL_H

#include <signal.h>
#include <stdint.h>

#include "datasets/dataset.h"
#include "kernels/kernels.h"
#include "tasks/tox_scorer.h"

typedef enum run_eval_kind { RUN_EVAL_ACADEMIC, RUN_EVAL_SAFETY } run_eval_kind;

typedef struct run_eval_opts {
    run_eval_kind kind;              /* the store's run kind: eval or safety */
    const char *model_dir;
    const char *tokenizer_path;      /* NULL: <model_dir>/tokenizer.model */
    const char *const *names;        /* tasks, groups or suites */
    int n_names;
    const char *const *spec_paths;   /* extra spec files or directories */
    int n_spec_paths;
    const char *const *text_files;   /* records of the "text_file" dataset (perplexity) */
    int n_text_files;
    const char *const *ppl_datasets; /* "dataset[:config]:split:field": perplexity over a dataset field */
    int n_ppl_datasets;
    int num_fewshot;                 /* -1: each task's (or suite's) default */
    int limit;                       /* -1: every document (a suite's limit still applies) */
    uint64_t fewshot_seed;           /* 1234 */
    uint64_t sample_seed;            /* sampled generations: each request's seed derives from this and its id */
    int repeats;                     /* responses per prompt of sampled (do_sample) tasks; 0: each spec's (safety --samples) */
    tox_scorer *tox_scorer;          /* scores generations of tasks whose metrics need toxicity; borrowed */
    int max_length;                  /* 0: 8192, or 2048 with compat_lmeval */
    int compat_lmeval;               /* --compat lmeval (TASKS.md A.8) */
    int share;                       /* share contexts through state snapshots */
    int batch_seqs;                  /* sequences per forward call (0: default) */
    int bootstrap_iters;             /* for bootstrap standard errors */
    int commit_requests;             /* requests per store commit (0: about 8192 tokens of work) */
    const char *system_instruction;
    const char *db_path;
    int64_t resume_run_id;           /* 0: find a resumable run by config hash */
    int fresh;                       /* never resume: always a new run */
    const char *output_path;         /* results JSON, lm-eval layout; NULL: none */
    const char *log_samples_path;    /* JSONL, one line per document and filter; NULL: none */
    const char *command_line;
    int n_threads;
    int quiet;                       /* no progress lines */
    ds_opts datasets;
    volatile sig_atomic_t *interrupted; /* set by a signal handler; checked between batches */
} run_eval_opts;

void run_eval_opts_default(run_eval_opts *o);

typedef struct run_eval_summary {
    int64_t run_id;
    char run_uuid[64];
    int resumed;
    long n_requests, n_reused, n_duplicates, n_computed;
    long tokens_forwarded, tokens_requested;
    double wall_s, model_s;
    int interrupted;
} run_eval_summary;

/* Runs the evaluation and prints the results table to stdout. Returns 0,
 * or -1 with a message (the run is marked failed or interrupted in the
 * store when it got that far). */
int run_eval(const run_eval_opts *o, const kctx *k, run_eval_summary *sum, errbuf *e);

#endif
