/* tasks/process.h: the named C functions specs refer to where data cannot
 * express a task (STYLE.md 11).
 *
 * process_docs functions derive fields from a record before any template
 * sees it (HellaSwag's cleaning, WinoGrande's partial-scoring split). Some
 * mirror an lm-eval process_docs, whose output is the document lm-eval logs
 * and hashes ("visible"); others stand in for lm-eval's Python doc_to_*
 * functions, whose derived fields never appear in the logged document.
 *
 * process_results functions compute per-document metric values that the
 * generic scoring of a request kind cannot (TruthfulQA MC2). */
#ifndef GRIFFIN_TASKS_PROCESS_H
#define GRIFFIN_TASKS_PROCESS_H

#include <cjson/cJSON.h>

#include "common/err.h"

typedef struct task_process_docs {
    const char *name;
    /* Adds the derived fields of `in` to `fields` (an empty object). */
    int (*fn)(const cJSON *in, cJSON *fields, errbuf *e);
    int visible; /* the derived fields belong to the logged document */
    const char *doc;
    /* Optional, for a visible function: more fields that only templates
     * see (what lm-eval's Python doc_to_choice / doc_to_target compute from
     * the processed document). Gets the processed document. */
    int (*hidden_fn)(const cJSON *processed, cJSON *fields, errbuf *e);
} task_process_docs;

/* What a process_results function sees of one scored document. */
typedef struct task_results_view {
    const cJSON *doc;   /* the document as templates see it */
    int n_requests;
    const double *ll;   /* loglikelihood results, or NULL */
    const int *greedy;
    const char *const *resps; /* filtered generations, or NULL */
    int n_choices;
    const char *const *choices;
} task_results_view;

typedef struct task_process_results {
    const char *name;
    unsigned kinds;             /* task_kind bits it supports */
    const char *const *provides; /* metric names it computes, NULL-terminated */
    /* Computes metric `metric` for one document. */
    int (*fn)(const task_results_view *v, const char *metric, double *value, errbuf *e);
    const char *doc;
    /* Optional, for metrics with a custom aggregation (METRIC_AGG_CUSTOM,
     * BBQ's bias scores): aux fills n_aux values per document, and
     * aggregate combines them over the documents docs[0..n) (every
     * document, or one category's); aux[d * n_aux + k] is document d's
     * value k. Returns the value (NAN when undefined). */
    int n_aux;
    int (*aux)(const task_results_view *v, double *aux, errbuf *e);
    double (*aggregate)(const char *metric, const double *aux, int n_aux, const int *docs, int n);
} task_process_results;

const task_process_docs *task_process_docs_find(const char *name);
const task_process_results *task_process_results_find(const char *name);
/* Comma-separated list of the known names, for error messages. */
const char *task_process_docs_names(void);
const char *task_process_results_names(void);

#endif
