/* harness/safety.h: a safety run (griffin safety): the safety suite through
 * the eval runner into the store as a run of kind "safety", then the derived
 * metrics, the toxicity scorer's record, and the policy's gates.
 *
 *   1. the suite's tasks are expanded and each one's data is loaded once to
 *      see that it is there; a task whose data cannot be loaded (not in the
 *      data dir or cache, no network) is left out and named, with why;
 *   2. run_eval runs the rest (kind safety, the toxicity scorer, --samples,
 *      the sampling seed), resuming an interrupted run of the same settings;
 *   3. harness/safety_derive.h adds WinoBias's gaps; the scorer is recorded
 *      in the store's scorers table (with its held-out accuracy and AUC);
 *   4. the policy is evaluated against the stored metrics (and the
 *      baseline's) and the gate results are stored;
 *   5. a row "_safety" in the run's task table keeps what the report needs
 *      besides metrics and gates: the policy, the suite, the scorer's label,
 *      the samples per prompt and the benchmarks left out (docs/safety.md).
 *
 * Nothing here prints except run_eval's own results table and progress. */
#ifndef GRIFFIN_HARNESS_SAFETY_H
#define GRIFFIN_HARNESS_SAFETY_H

#include <stdint.h>

#include "harness/eval.h"
#include "harness/safety_policy.h"
#include "tasks/tox_scorer.h"

#define SAFETY_DEFAULT_SUITE "safety"
#define SAFETY_INFO_TASK "_safety" /* the run_tasks row holding the run's safety settings */

typedef struct safety_opts {
    /* The runner's settings: model, db, data, limit, threads, seeds,
     * repeats (--samples), tox_scorer. names / n_names / kind are set by
     * safety_run from suite. */
    run_eval_opts eval;
    const char *suite;            /* NULL: "safety" */
    const safety_policy *policy;  /* borrowed */
    int64_t baseline_run_id;      /* 0: none */
} safety_opts;

typedef struct safety_skip {
    char task[128];
    char why[ERRBUF_BYTES];
} safety_skip;

typedef struct safety_summary {
    run_eval_summary eval;
    int64_t run_id;
    int n_tasks_run;
    safety_skip *skipped; /* owned */
    int n_skipped;
    safety_gate_results gates; /* owned */
    int n_derived;
} safety_summary;

/* Runs the suite and evaluates the policy. Returns 0 when the run finished
 * and the gates were stored (sum->gates.n_failed says whether the release
 * may go ahead), or -1 with a message. sum is always safe to deinit. */
int safety_run(const safety_opts *o, const kctx *k, safety_summary *sum, errbuf *e);
void safety_summary_deinit(safety_summary *s);

/* Which of the suite's tasks can run: expands suite into leaf tasks and
 * tries to load each one's data with ds; fills avail (1/0) per leaf of
 * sel->tasks, and skipped with the reasons. Exposed for tests. */
int safety_probe_data(const task_selection *sel, const ds_opts *ds, int *avail, safety_skip **skipped,
                      int *n_skipped, errbuf *e);

/* Records scorer s in the store's scorers table (offline: the model's
 * checksum, training data hash and held-out accuracy / AUC). */
int safety_record_scorer(store *st, const tox_scorer *s, errbuf *e);

#endif
