/* harness/bench.h: throughput and memory sweeps (`griffin bench`).
 *
 * For each model and each length the sweep measures what the RecurrentGemma
 * report (arXiv 2404.07839, "Inference speed") plots, in the shape
 * llama-bench reports it:
 *   prefill         tokens/s of one forward pass over a P-token prompt;
 *   decode          tokens/s of B sequences decoding in lockstep (one
 *                   model_forward per step) once their states hold L tokens;
 *   max_throughput  the same at the largest B whose weights + B states (or KV
 *                   caches) fit a memory budget: the headline comparison;
 *   memory          analytic bytes per sequence at L and the measured peak
 *                   resident memory of one sequence decoding at L.
 * Every timed point has warm-up runs, then `reps` repetitions; the median,
 * min and max per repetition are kept.
 *
 * Isolation. Each (model, length) runs in a child process, and each timed
 * point in a grandchild forked from it once the child holds the state at L,
 * so a point's peak resident memory (VmHWM, reset through
 * /proc/self/clear_refs) counts the weights it touches, its own states and
 * scratch, and nothing a previous point left behind. Only the parent sees
 * the results; the library prints nothing (progress goes to a callback).
 *
 * Interleaving (the default). On a machine shared with other work the load
 * drifts over minutes, and a sweep that times one length after another
 * turns that drift into a slope. With interleave set, the children of one
 * model all stay alive holding their states, and the parent asks them for
 * decode repetitions in turn (rep 1 at every length and batch, then rep 2,
 * ...), so a drift hits every length alike. Those decode points then carry
 * no peak resident memory of their own (the child holds several batches);
 * the memory points (one sequence, isolated) and max-throughput points
 * (isolated) still do. */
#ifndef GRIFFIN_HARNESS_BENCH_H
#define GRIFFIN_HARNESS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define BENCH_MAX_MODELS 8
#define BENCH_MAX_LENS 32
#define BENCH_MAX_BATCHES 16
#define BENCH_LABEL_BYTES 64

/* A figure from fewer repetitions, or whose (max - min) / median is larger,
 * is flagged as not to be trusted (issue 4, "Done when"). */
#define BENCH_MIN_TRUSTED_REPS 3
#define BENCH_MAX_TRUSTED_SPREAD 0.20

typedef enum bench_kind {
    BENCH_PREFILL,
    BENCH_DECODE,
    BENCH_MAX_THROUGHPUT,
    BENCH_MEMORY,
} bench_kind;

/* "prefill", "decode", "max_throughput", "memory" (the store's names). */
const char *bench_kind_name(bench_kind k);

typedef struct bench_model {
    const char *dir;   /* borrowed */
    const char *label; /* borrowed; NULL: the directory's last component */
} bench_model;

/* Called with one line of progress (no newline); may be called from a
 * child process, so it should only write somewhere (stderr), not keep state
 * the parent needs. */
typedef void (*bench_progress_fn)(void *arg, const char *line);

typedef struct bench_opts {
    bench_model models[BENCH_MAX_MODELS];
    int n_models;
    long prompt_lens[BENCH_MAX_LENS]; /* prefill points; may be empty */
    int n_prompt_lens;
    long gen_lens[BENCH_MAX_LENS];    /* decode, max-throughput and memory points */
    int n_gen_lens;
    long batches[BENCH_MAX_BATCHES];  /* decode batch sizes */
    int n_batches;
    int reps;            /* timed repetitions per point and round, >= 1 */
    int rounds;          /* passes over the whole sweep, >= 1; a point's repetitions from
                          * every round are pooled, so a drift in the machine's load
                          * over the run spreads over all lengths alike */
    int warmup;          /* untimed runs before them, >= 0 (decode: at least one step runs) */
    int decode_steps;    /* decode steps per repetition at batch <= BENCH_STEPS_FULL_BATCH */
    int n_threads;       /* 0: one per online CPU */
    int use_ref;         /* scalar reference kernels */
    int cpu_clock;       /* time by process CPU time instead of wall time: with one
                          * thread, what an idle machine's wall clock would show, on
                          * a machine shared with other work; with n threads it
                          * counts n threads' time (spinning included) */
    int64_t mem_budget_bytes; /* 0: no max-throughput points */
    long max_batch;      /* upper bound on the max-throughput batch, >= 1 */
    int interleave;      /* decode points: repetitions taken in turn across the lengths
                          * (see below); 0: each point alone in its own process */
    uint64_t seed;       /* prompt token ids */
    /* This machine's limits, measured in the same run (griffin bench
     * --roofline), for the fractions the outputs add; NAN: not measured. */
    double roof_read_bytes_per_s, roof_f32_flops, roof_bf16_flops;
    bench_progress_fn progress;
    void *progress_arg;
} bench_opts;

/* Fills the defaults: reps 5, rounds 1, warmup 1, decode_steps 16,
 * max_batch 256, batches {1, 8}, interleave on, seed 1; no models, no
 * lengths, no budget. */
void bench_opts_default(bench_opts *o);

/* Larger batches run fewer steps per repetition (decode_steps *
 * BENCH_STEPS_FULL_BATCH / batch, at least BENCH_MIN_STEPS), so a repetition
 * processes about the same number of tokens whatever the batch. */
#define BENCH_STEPS_FULL_BATCH 8
#define BENCH_MIN_STEPS 2
int bench_decode_steps(const bench_opts *o, long batch);

/* Repetition times a point keeps (reps x rounds at most). */
#define BENCH_MAX_TIMES 64

/* One measured point. Plain data (no pointers), so it can cross a pipe. */
typedef struct bench_point {
    int model_idx;                    /* into bench_opts.models */
    char label[BENCH_LABEL_BYTES];
    char arch[16];                    /* "griffin", "gemma" */
    char dtype[16];                   /* "bf16", "f32", ... */
    char backend[32];                 /* "cpu-avx512", "cpu-ref" */
    bench_kind kind;
    long prompt_len;                  /* prefill: P; decode/max/memory: tokens prefilled (= L) */
    long gen_len;                     /* decode/max/memory: the length L; prefill: 0 */
    long batch;                       /* sequences; max_throughput: 0 when not even one fits */
    int reps;                         /* timed repetitions (memory: 0) */
    int steps;                        /* decode steps per repetition (prefill/memory: 0) */
    double median_s, min_s, max_s;    /* per repetition; NAN for memory points */
    double tok_per_s;                 /* tokens per repetition / median_s; NAN for memory */
    int64_t state_bytes_per_seq;      /* analytic (model_state_bytes at L) */
    int64_t weight_bytes;
    int64_t peak_rss_bytes;           /* measured; -1 when it could not be read */
    int64_t mem_budget_bytes;         /* max_throughput only; else -1 */
    int n_threads;
    double tokens_per_rep;            /* tokens one repetition processes */
    double bytes_per_rep;             /* memory one repetition must read: weights once per step, plus
                                       * each sequence's state (decode); NAN for memory points */
    double flops_per_rep;             /* its arithmetic (config_forward_flops); NAN for memory points */
    int n_times;                      /* = reps for timed points */
    double times_s[BENCH_MAX_TIMES];  /* each repetition's time */
} bench_point;

/* NULL when the point can be trusted, else a short reason ("2 reps (< 3)",
 * "spread 34% (> 20%)") in buf. Memory points are always trusted. Works on
 * what the store keeps (reps, median, min, max). */
const char *bench_untrusted_reason(int reps, double median_s, double min_s, double max_s, char *buf, size_t cap);

/* Weights plus `batch` analytic states: what a point's peak resident memory
 * is compared with. */
int64_t bench_expected_bytes(const bench_point *p);

/* The largest batch whose weights + batch * state_bytes fit budget_bytes
 * (0 when not even one does). */
long bench_fit_batch(int64_t budget_bytes, int64_t weight_bytes, int64_t state_bytes);

typedef struct bench_results {
    bench_point *points; /* owned */
    int n, cap;
    int interrupted;     /* a measuring process ended on SIGINT or SIGTERM */
} bench_results;

void bench_results_init(bench_results *r);
void bench_results_deinit(bench_results *r);
int bench_results_add(bench_results *r, const bench_point *p, errbuf *e);
/* Adds p, or pools it into the point with the same model, kind, lengths and
 * batch (another round): repetition times appended, median, min, max and
 * tokens/s recomputed, the larger peak resident memory kept. */
int bench_results_merge(bench_results *r, const bench_point *p, errbuf *e);
/* Sets median, min, max, reps and tok_per_s from p->times_s[0..n_times). */
void bench_point_stats(bench_point *p);
/* The point's median speed as a fraction of a limit: bytes read per second
 * over read_bytes_per_s, or arithmetic per second over flops_per_s. NAN when
 * either side is unknown. */
double bench_frac_bandwidth(const bench_point *p, double read_bytes_per_s);
double bench_frac_flops(const bench_point *p, double flops_per_s);
/* The limit that bounds the point: memory bandwidth for decode and max
 * throughput (each step reads every weight), arithmetic for prefill. */
int bench_bound_by_bandwidth(const bench_point *p);

/* Runs the sweep, appending points to r in order: per model, per length,
 * prefill, then memory, then decode per batch, then max throughput. Checks
 * o first (lengths >= 1, batches >= 1, reps >= 1, every model loads).
 * Returns 0, or -1 with a message naming the model, the length and the
 * point that failed (points measured before stay in r).
 *
 * Ctrl-C: the measuring processes reset SIGINT and SIGTERM to their default
 * action, so a caller that ignores SIGINT around this call sees the sweep
 * stop with r->interrupted set and can record the run as interrupted. They
 * also die with the process that forked them. */
int bench_run(const bench_opts *o, bench_results *r, errbuf *e);

/* Parses "512", "64K", "1.5G", "2GiB" into bytes (K/M/G/T = 1024^n; a
 * trailing "B" or "iB" is allowed). Returns -1 with a message otherwise. */
int bench_parse_bytes(const char *text, int64_t *bytes, errbuf *e);

/* The label for a model directory: its last path component ("models/small/"
 * -> "small"), copied into out. */
void bench_default_label(const char *dir, char *out, size_t cap);

#endif
