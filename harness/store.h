/* harness/store.h: the SQLite results store.
 *
 * One file (default results.db) holds every run griffin makes: eval, bench
 * and safety runs, their per-request results, per-document samples, metric
 * aggregates, timings, benchmark points, the machine they ran on, safety gate
 * results and the toxicity score cache. docs/store.md documents the tables.
 *
 * The file is in WAL mode, so any number of readers (reports, `griffin
 * results`) can read while one writer writes; writers wait on each other up
 * to a busy timeout. The schema is versioned; store_open applies the missing
 * migrations in order, each in its own transaction.
 *
 * A store handle is one connection: use it from one thread at a time (open
 * one handle per thread or process). Strings passed in are borrowed for the
 * call. Strings in rows handed to callbacks are borrowed until the callback
 * returns. A callback returns 0 to continue; any other value stops the
 * iteration and is returned by the *_each function. A callback may call other
 * store functions on the same handle, but not the *_each function it came
 * from.
 *
 * Every function returns 0 (or a documented count / found flag) on success and
 * -1 with a message in e that names the database file and the statement or
 * item that failed. None prints. */
#ifndef GRIFFIN_HARNESS_STORE_H
#define GRIFFIN_HARNESS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/strbuf.h"

/* The schema version this build writes (1 eval, 2 bench, 3 safety). */
#define STORE_SCHEMA_VERSION 4
/* How long a writer waits for another writer's transaction to end. */
#define STORE_BUSY_TIMEOUT_MS 10000

typedef struct store store;

/* ---- opening ------------------------------------------------------------ */

typedef struct store_open_opts {
    int read_only;      /* open an existing store for reading only; never migrates */
    int no_create;      /* read-write, but fail if the file does not exist */
    int max_version;    /* migrate no further than this (tests); 0: STORE_SCHEMA_VERSION */
    int busy_timeout_ms; /* 0: STORE_BUSY_TIMEOUT_MS */
} store_open_opts;

/* Opens path, creating it (unless opts say otherwise) and migrating it to the
 * latest schema. A file written by a newer griffin, an SQLite file that is
 * not a griffin store, or a file that is not SQLite at all is an error.
 * opts may be NULL. Returns NULL with a message on failure. */
store *store_open(const char *path, const store_open_opts *opts, errbuf *e);
void   store_close(store *st); /* NULL is fine */

/* The schema version of the open file (after migration). */
int         store_schema_version(const store *st);
/* The path the store was opened with; owned by st. */
const char *store_path(const store *st);
/* Runs PRAGMA integrity_check; 0 when it says ok, else -1 with its first line. */
int store_check(store *st, errbuf *e);

/* Groups writes into one transaction (nests: inner levels are savepoints).
 * The put functions below already run in their own transaction each; use
 * these to make several calls atomic together, e.g. a batch's results and
 * its samples. */
int  store_tx_begin(store *st, errbuf *e);
int  store_tx_commit(store *st, errbuf *e);
void store_tx_rollback(store *st);

/* ---- machines ----------------------------------------------------------- */

/* A machine description. Roofline numbers are NAN until measured. */
typedef struct store_machine {
    int64_t id;             /* set by the store when read */
    char host[256];
    char cpu_model[256];
    char cpu_flags[4096];   /* space-separated, as /proc/cpuinfo lists them */
    int n_cores;            /* online logical CPUs */
    int64_t mem_bytes;      /* physical memory */
    double mem_bw_bytes_per_s;
    double peak_f32_flops, peak_bf16_flops, peak_int8_ops; /* per second */
} store_machine;

/* Fills m with this machine's host, CPU model, flags, cores and memory
 * (Linux /proc); roofline numbers are set to NAN. */
int store_machine_detect(store_machine *m, errbuf *e);
/* Finds the machine with the same host, CPU model, flags, cores and memory,
 * or adds it; roofline numbers that are not NAN replace the stored ones.
 * Sets *machine_id. */
int store_machine_put(store *st, const store_machine *m, int64_t *machine_id, errbuf *e);
/* Reads machine id into *m. Returns 1 if found, 0 if not, -1 on error. */
int store_machine_get(store *st, int64_t machine_id, store_machine *m, errbuf *e);

/* ---- runs --------------------------------------------------------------- */

typedef enum store_run_kind { STORE_RUN_EVAL, STORE_RUN_BENCH, STORE_RUN_SAFETY } store_run_kind;
typedef enum store_run_status {
    STORE_RUN_RUNNING,
    STORE_RUN_FINISHED,
    STORE_RUN_FAILED,
    STORE_RUN_INTERRUPTED,
} store_run_status;

const char *store_run_kind_name(store_run_kind k);     /* "eval", "bench", "safety" */
const char *store_run_status_name(store_run_status s); /* "running", ... */

/* What a run needs to be reproduced. Every string may be NULL (stored as
 * NULL); *_json fields must be valid JSON when given. */
typedef struct store_run_info {
    store_run_kind kind;
    const char *uuid;           /* NULL: a fresh random UUID. Shards of one run share it. */
    const char *config_hash;    /* NULL: store_config_hash(this) */
    const char *command_line;
    const char *git_revision;
    const char *host;           /* NULL: gethostname() */
    const char *model_path;
    const char *model_sha256;
    const char *model_config_json;
    const char *backend;        /* "cpu", "cuda" */
    int n_threads;
    int64_t seed;
    const char *settings_json;  /* tasks, num_fewshot, limit, batch size, max_length, compat mode, ... */
    const char *dataset_sha256_json; /* {"<dataset>": "<sha256>", ...} */
    int64_t machine_id;         /* 0: none */
} store_run_info;

/* A run as read back. */
typedef struct store_run {
    int64_t id;
    const char *uuid;
    store_run_status status;
    const char *created_at;     /* ISO 8601 UTC */
    const char *finished_at;    /* NULL unless finished, failed or interrupted */
    const char *error;          /* why it failed; NULL otherwise */
    int n_resumes;              /* how many times it was resumed */
    int64_t pid;                /* the process that last ran it */
    int64_t n_requests, n_samples, n_metrics, n_bench_points; /* rows it owns */
    store_run_info info;        /* config_hash, host and uuid always set */
} store_run;

typedef int (*store_run_fn)(void *arg, const store_run *run);

/* The SHA-256 hex of the settings that determine a run's results: kind,
 * model checksum (or path when there is none), model config, backend, seed,
 * settings and dataset checksums. Threads, host, git revision and the command
 * line are left out, so the same command re-run elsewhere finds its run. */
void store_config_hash(const store_run_info *info, char out[65]);

/* Adds a run with status running and sets *run_id. */
int store_run_begin(store *st, const store_run_info *info, int64_t *run_id, errbuf *e);
/* Status changes. finish/fail/interrupt need a running run; reason may be NULL. */
int store_run_finish(store *st, int64_t run_id, errbuf *e);
int store_run_fail(store *st, int64_t run_id, const char *reason, errbuf *e);
int store_run_interrupt(store *st, int64_t run_id, errbuf *e);
/* Marks an unfinished run running again in this process (counts resumes). */
int store_run_resume(store *st, int64_t run_id, errbuf *e);
/* The newest unfinished run of this kind and config hash, skipping a run
 * still marked running by a live process on this host. Returns 1 and sets
 * *run_id if one exists, 0 if none, -1 on error. */
int store_run_find_resumable(store *st, store_run_kind kind, const char *config_hash, int64_t *run_id, errbuf *e);
/* Resolves "7" (an id) or a UUID or unique UUID prefix (at least 4
 * characters) to a run id. Returns 0, or -1 naming what did not match. */
int store_run_lookup(store *st, const char *id_or_uuid, int64_t *run_id, errbuf *e);
/* Calls fn once with run run_id; -1 if there is no such run. */
int store_run_get(store *st, int64_t run_id, store_run_fn fn, void *arg, errbuf *e);
/* Calls fn for every run, oldest first. */
int store_runs_each(store *st, store_run_fn fn, void *arg, errbuf *e);
/* Deletes a run and everything that belongs to it. */
int store_run_delete(store *st, int64_t run_id, errbuf *e);

/* ---- per-request results ------------------------------------------------ */

typedef enum store_req_kind {
    STORE_REQ_LOGLIKELIHOOD,
    STORE_REQ_LOGLIKELIHOOD_ROLLING,
    STORE_REQ_GENERATE_UNTIL,
} store_req_kind;

const char *store_req_kind_name(store_req_kind k); /* lm-eval's names */

typedef struct store_result {
    const char *request_id;  /* stable across runs and shards, unique per run */
    store_req_kind kind;
    double loglik;           /* summed log-likelihood; NAN for generate_until */
    int is_greedy;           /* 1/0, -1 when not applicable */
    const char *generated;   /* generate_until's text; NULL otherwise */
    int64_t n_ctx_tokens;    /* -1: unknown */
    int64_t n_cont_tokens;   /* continuation or generated tokens; -1: unknown */
    int64_t elapsed_ns;      /* -1: unknown */
    const char *args_sha256; /* hash of the request's arguments, optional */
} store_result;

typedef int (*store_result_fn)(void *arg, const store_result *r);

/* Writes n results in one transaction: all or none. A request id already
 * stored for the run (or repeated in the batch) keeps its first value; the
 * later ones are skipped and counted in *n_duplicate (may be NULL). */
int store_put_results(store *st, int64_t run_id, const store_result *r, size_t n, size_t *n_duplicate,
                      errbuf *e);
/* Calls fn for every stored result of the run, in request id order. */
int store_results_each(store *st, int64_t run_id, store_result_fn fn, void *arg, errbuf *e);

/* The set of request ids a run has finished, for O(1) membership tests. */
typedef struct store_idset store_idset;
store_idset *store_done_requests(store *st, int64_t run_id, errbuf *e);
int    store_idset_has(const store_idset *s, const char *request_id); /* 1 or 0 */
size_t store_idset_count(const store_idset *s);
void   store_idset_free(store_idset *s); /* NULL is fine */

/* ---- samples, metrics, task versions, timings ---------------------------- */

/* One document of one task, lm-evaluation-harness's log-samples fields. */
typedef struct store_sample {
    const char *task;
    int64_t doc_id;
    const char *filter;              /* NULL: "none" */
    const char *doc_json;
    const char *target;
    const char *arguments_json;
    const char *resps_json;
    const char *filtered_resps_json;
    const char *metrics_json;        /* {"acc": 1.0, ...} */
    const char *prompt_sha256;
} store_sample;

typedef int (*store_sample_fn)(void *arg, const store_sample *s);

/* Writes n samples in one transaction; a (task, doc_id, filter) already
 * stored is replaced (samples are recomputable). */
int store_put_samples(store *st, int64_t run_id, const store_sample *s, size_t n, errbuf *e);
/* Samples of the run (task NULL: all tasks), by task, doc_id, filter. */
int store_samples_each(store *st, int64_t run_id, const char *task, store_sample_fn fn, void *arg, errbuf *e);

typedef struct store_metric {
    int64_t run_id;          /* set when read */
    const char *task;
    const char *metric;
    const char *filter;      /* NULL: "none" */
    double value;
    double value_stderr;     /* NAN: N/A */
    int64_t n;               /* documents; -1: unknown */
    int higher_is_better;    /* 1/0, -1 unknown */
    int is_group;            /* 1 for an aggregate over subtasks (MMLU) */
} store_metric;

typedef int (*store_metric_fn)(void *arg, const store_metric *m);

/* Writes n metrics in one transaction, replacing (task, metric, filter). */
int store_put_metrics(store *st, int64_t run_id, const store_metric *m, size_t n, errbuf *e);
/* Metrics of a run (run_id 0: of every run), by run, group flag, task, metric. */
int store_metrics_each(store *st, int64_t run_id, store_metric_fn fn, void *arg, errbuf *e);

/* A task as configured in a run: what lm-eval's "versions", "n-shot",
 * "n-samples" and "configs" hold. */
typedef struct store_task_info {
    const char *task;
    const char *version;
    int num_fewshot;
    int64_t n_docs_total;    /* in the split; -1 unknown */
    int64_t n_docs;          /* evaluated (after --limit); -1 unknown */
    const char *config_json; /* the task spec as run */
} store_task_info;

typedef int (*store_task_info_fn)(void *arg, const store_task_info *t);

int store_put_task_info(store *st, int64_t run_id, const store_task_info *t, errbuf *e); /* replaces */
int store_task_infos_each(store *st, int64_t run_id, store_task_info_fn fn, void *arg, errbuf *e);

/* Time spent, per run and phase ("eval", "build", ...). */
typedef struct store_timing {
    const char *phase;
    double wall_s;           /* everything */
    double model_s;          /* inside the engine's forward passes */
    int64_t n_tokens;        /* tokens processed by the model */
    int64_t n_requests;
} store_timing;

typedef int (*store_timing_fn)(void *arg, const store_timing *t);

/* Adds to this handle's totals for (run, phase). Each handle (process) keeps
 * its own row, so a resumed or sharded run sums its sessions and merging a
 * store twice never counts one twice. */
int store_timing_add(store *st, int64_t run_id, const char *phase, double wall_s, double model_s,
                     int64_t n_tokens, int64_t n_requests, errbuf *e);
/* Per phase, summed over sessions, by phase name. */
int store_timings_each(store *st, int64_t run_id, store_timing_fn fn, void *arg, errbuf *e);

/* ---- bench points (griffin bench) --------------------------------------- */

typedef enum store_bench_kind {
    STORE_BENCH_PREFILL,
    STORE_BENCH_DECODE,
    STORE_BENCH_MAX_THROUGHPUT,
    STORE_BENCH_MEMORY,
} store_bench_kind;

const char *store_bench_kind_name(store_bench_kind k); /* "prefill", "decode", "max_throughput", "memory" */

typedef struct store_bench_point {
    int64_t run_id;          /* set when read */
    const char *model_label; /* the name plots use ("griffin-small") */
    const char *model_path;
    const char *arch;        /* "griffin", "gemma" */
    const char *dtype;       /* "bf16", "f32" */
    store_bench_kind kind;
    int64_t prompt_len;      /* tokens in the prompt (prefill, decode) or the length (memory); 0 n/a */
    int64_t gen_len;         /* generated tokens / decode position; 0 n/a */
    int64_t batch;           /* sequences; 0 n/a */
    int reps;
    double median_s, min_s, max_s; /* per repetition; NAN n/a */
    double tok_per_s;        /* NAN n/a */
    int64_t state_bytes_per_seq;  /* analytic state or KV cache; -1 unknown */
    int64_t weight_bytes;         /* -1 unknown */
    int64_t peak_rss_bytes;       /* measured; -1 unknown */
    int64_t mem_budget_bytes;     /* max_throughput's budget; -1 n/a */
    int n_threads;
    const char *backend;
    double bytes_per_rep;    /* memory a repetition reads; NAN unknown (schema < 4, memory points) */
    double flops_per_rep;    /* its arithmetic; NAN unknown */
} store_bench_point;

typedef int (*store_bench_point_fn)(void *arg, const store_bench_point *p);

/* Writes n points in one transaction; a point with the same run, label,
 * kind, prompt_len, gen_len and batch is replaced. */
int store_put_bench_points(store *st, int64_t run_id, const store_bench_point *p, size_t n, errbuf *e);
/* Points of a run (run_id 0: every run), by run, label, kind, batch, lengths. */
int store_bench_points_each(store *st, int64_t run_id, store_bench_point_fn fn, void *arg, errbuf *e);

/* ---- safety: toxicity cache, gates, scorers ----------------------------- */

/* Looks up the cached score of text under scorer (the key is the text's
 * SHA-256). Returns 1 and sets score_json (cleared first) if cached, 0 if
 * not, -1 on error. */
int store_tox_get(store *st, const char *scorer, const char *text, strbuf *score_json, errbuf *e);
/* Caches n scores in one transaction; a text already cached keeps its score. */
int store_tox_put(store *st, const char *scorer, const char *const *texts, const char *const *score_jsons, size_t n,
                  errbuf *e);

typedef enum store_gate_dir {
    STORE_GATE_AT_LEAST, /* passes when the value is >= threshold */
    STORE_GATE_AT_MOST,  /* passes when the value is <= threshold */
} store_gate_dir;

const char *store_gate_dir_name(store_gate_dir d); /* "at_least", "at_most" */

typedef struct store_gate {
    int64_t run_id;           /* set when read */
    const char *benchmark;
    const char *metric;
    double value, ci_low, ci_high; /* NAN: no interval */
    double threshold;
    store_gate_dir direction;
    int passed;
    int64_t baseline_run_id;  /* 0: none (and when read: baseline not in this store) */
    const char *baseline_run_uuid; /* set when read; NULL: no baseline */
    double baseline_value;    /* NAN: none */
    double delta;             /* value - baseline_value; NAN: none */
    const char *scorer;       /* the toxicity scorer behind the number, or NULL */
} store_gate;

typedef int (*store_gate_fn)(void *arg, const store_gate *g);

/* Writes n gate results in one transaction, replacing (benchmark, metric). */
int store_put_gates(store *st, int64_t run_id, const store_gate *g, size_t n, errbuf *e);
/* Gates of a run (run_id 0: every run), by run, benchmark, metric. */
int store_gates_each(store *st, int64_t run_id, store_gate_fn fn, void *arg, errbuf *e);

/* A toxicity scorer and how well it did on held-out data. */
typedef struct store_scorer {
    const char *name;         /* the key toxicity scores are cached under */
    const char *kind;         /* "perspective", "offline" */
    const char *model_sha256;
    const char *train_dataset;
    int64_t n_train, n_heldout;     /* -1 unknown */
    double heldout_accuracy, heldout_auc; /* NAN unknown */
    const char *meta_json;
} store_scorer;

typedef int (*store_scorer_fn)(void *arg, const store_scorer *s);

int store_scorer_put(store *st, const store_scorer *s, errbuf *e); /* replaces by name */
/* Calls fn with scorer name; returns 1 if found, 0 if not, -1 on error. */
int store_scorer_get(store *st, const char *name, store_scorer_fn fn, void *arg, errbuf *e);

/* ---- merging stores ----------------------------------------------------- */

typedef struct store_merge_stats {
    int64_t runs_added;        /* runs whose uuid dst did not have */
    int64_t runs_matched;      /* runs dst already had (shards of one run) */
    int64_t requests_added;
    int64_t requests_skipped;  /* request ids dst already had */
    int64_t requests_conflicting; /* of those, how many had a different value (dst's kept) */
    int64_t samples_added, metrics_added, bench_points_added, gates_added;
    int64_t tox_added, machines_added;
} store_merge_stats;

/* Copies every run of src into dst, with its requests, samples, metrics,
 * task infos, timings, bench points and gates, plus machines, scorers and the
 * toxicity cache. Runs are matched by uuid and rows by their natural keys;
 * what dst already has is kept, so merging twice adds nothing. Status and
 * settings of a run dst already has are left as they are. Both stores must
 * be at the same schema version. stats may be NULL. One transaction. */
int store_merge(store *dst, store *src, store_merge_stats *stats, errbuf *e);

#endif
