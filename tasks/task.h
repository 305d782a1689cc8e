/* tasks/task.h: one task evaluated in one run: documents in, requests out,
 * results in, metrics out.
 *
 * The runner's loop:
 *
 *   task_inst *ti = task_inst_create(spec, &opts, e);
 *   task_inst_build(ti, docs, n_in_split, pool, e);   // every prompt and request, before any model work
 *   for each doc d, request r:  task_inst_request(ti, d, r)
 *       -> tokenize with tasks/request.h, score with the engine
 *       -> task_inst_set_loglikelihood / _set_rolling / _set_generation
 *   task_inst_score(ti, bootstrap_iters, e);          // per-document metrics + aggregation
 *   task_results_json(...), task_inst_sample_json(...) (tasks/results.h)
 *
 * Building is deterministic: the same spec, documents, options and seed
 * give the same requests in the same order, so (task name, doc_id, idx)
 * identifies a request across runs, shards and resumes. Few-shot examples
 * come from one CPython-compatible generator per task, consumed in document
 * order (A.6): documents 0..L-1 get the same shots whether or not the run is
 * limited to L documents. */
#ifndef GRIFFIN_TASKS_TASK_H
#define GRIFFIN_TASKS_TASK_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "tasks/request.h"
#include "tasks/spec.h"

#define TASK_FEWSHOT_SEED 1234 /* lm-eval's default fewshot_random_seed */

typedef struct task_opts {
    int num_fewshot;               /* -1: the spec's default; ignored by num_fewshot_fixed tasks */
    uint64_t fewshot_seed;         /* TASK_FEWSHOT_SEED */
    int compat_lmeval;             /* --compat lmeval (A.8) */
    const char *system_instruction; /* prepended to the description; NULL for none */
    int repeats;                   /* responses per document of sampled (do_sample) tasks; 0: the spec's "repeats" (griffin safety --samples) */
} task_opts;

void task_opts_default(task_opts *o);

typedef struct task_inst task_inst;

/* The spec is borrowed and must outlive the instance. */
task_inst *task_inst_create(const task_spec *spec, const task_opts *o, errbuf *e);
void task_inst_free(task_inst *t); /* NULL is fine */

const task_spec *task_inst_spec(const task_inst *t);
int task_inst_num_fewshot(const task_inst *t); /* shots actually used */
/* 1 when build needs the records of task_spec_fewshot_split() as `pool`. */
int task_inst_needs_pool(const task_inst *t);

/* Takes the evaluated records (a JSON array in dataset order: the whole
 * split, or its first L records for --limit L), the size of the whole split
 * (for n-samples), and the few-shot pool records (NULL unless
 * task_inst_needs_pool; when the pool is the evaluated split itself, pass
 * the whole split). Both are copied. Applies process_docs, renders every
 * template, picks the shots and builds every request. Errors name the spec
 * file, the field and the document: nothing has been sent to a model yet. */
int task_inst_build(task_inst *t, const cJSON *docs, int n_in_split, const cJSON *pool, errbuf *e);

typedef enum task_req_kind {
    TASK_REQ_LOGLIKELIHOOD,         /* (context, continuation) -> (ll, is_greedy) */
    TASK_REQ_LOGLIKELIHOOD_ROLLING, /* (text) -> ll summed over windows */
    TASK_REQ_GENERATE_UNTIL,        /* (context, task_inst_gen()) -> text */
} task_req_kind;

typedef struct task_request {
    task_req_kind kind;
    int doc_id;               /* index of the document in the evaluated split */
    int idx;                  /* index of the request within the document */
    const char *context;      /* loglikelihood / generate: the prompt; rolling: the text */
    const char *continuation; /* loglikelihood only, else NULL */
} task_request;

int task_inst_n_docs(const task_inst *t);
int task_inst_n_requests(const task_inst *t, int doc);
const task_request *task_inst_request(const task_inst *t, int doc, int idx);
/* Writes "<task>/<doc_id>/<idx>" (the stable request id) into buf. */
void task_request_key(const task_inst *t, const task_request *r, char *buf, size_t cap);
/* Generation settings of a generate_until task (NULL otherwise). */
const task_gen_settings *task_inst_gen(const task_inst *t);
/* The evaluated document as logged (after a visible process_docs). */
const cJSON *task_inst_doc(const task_inst *t, int doc);

/* ---- results from the engine ---- */

int task_inst_set_loglikelihood(task_inst *t, int doc, int idx, double ll, int is_greedy, errbuf *e);
int task_inst_set_rolling(task_inst *t, int doc, int idx, double ll, errbuf *e);
/* text: the generation decoded and cut at the stop strings (task_gen_cut). */
int task_inst_set_generation(task_inst *t, int doc, int idx, const char *text, errbuf *e);

/* ---- safety tasks (issue 5) ---- */

/* Responses per document of a generate_until task (the spec's "repeats",
 * or task_opts.repeats); request idx r of a document is its r-th response. */
int task_inst_repeats(const task_inst *t);
/* The document's category (the spec's "category" template rendered), or
 * NULL when the spec has none. */
const char *task_inst_doc_category(const task_inst *t, int doc);
/* The toxicity given for request (doc, idx): NAN when missing or not set. */
double task_inst_toxicity(const task_inst *t, int doc, int idx);

/* ---- toxicity (generation tasks whose metrics score toxicity) ---- */

/* 1 when the task's metrics need a toxicity score for every generation. */
int task_inst_needs_toxicity(const task_inst *t);
/* The toxicity of the generation of request (doc, idx); NAN when the
 * scorer could not score it (excluded and counted by the metrics). */
int task_inst_set_toxicity(task_inst *t, int doc, int idx, double toxicity, errbuf *e);

/* ---- metrics ---- */

/* Computes every document's metric values for every filter pipeline and
 * aggregates them (A.7). Fails naming the first request without a result.
 * bootstrap_iters: lm-eval's --bootstrap_iters (100000 by default; 0 makes
 * every standard error "N/A"). */
int task_inst_score(task_inst *t, int bootstrap_iters, errbuf *e);

typedef struct task_metric_value {
    const char *metric; /* e.g. "acc" */
    const char *filter; /* e.g. "none", "strict-match" */
    double value;
    double stderr_value; /* NAN: "N/A" */
    int higher_is_better;
    /* Per-category values (a spec with "category"): the metric is named
     * "<metric>:<category>" and computed over that category's documents. */
    const char *category; /* NULL: every document */
    int n_docs;           /* documents the value is computed over */
} task_metric_value;

int task_inst_n_values(const task_inst *t);
const task_metric_value *task_inst_value(const task_inst *t, int i);
/* The aggregated value of one metric and filter, or NULL. */
const task_metric_value *task_inst_find_value(const task_inst *t, const char *metric, const char *filter);

int task_inst_n_filters(const task_inst *t);
const char *task_inst_filter_name(const task_inst *t, int f);
int task_inst_n_metrics(const task_inst *t);
const char *task_inst_metric_name(const task_inst *t, int m);
/* One document's value of metric m under filter f (after score). For the
 * perplexity family the value is the log-likelihood and *weight the words
 * or bytes; weight may be NULL. */
double task_inst_doc_value(const task_inst *t, int doc, int f, int m, double *weight);
/* The filtered response of a generate_until request (after score). */
const char *task_inst_filtered(const task_inst *t, int doc, int idx, int f);

#endif
