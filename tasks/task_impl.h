/* tasks/task_impl.h: task_inst internals shared by task.c and results.c. */
#ifndef GRIFFIN_TASKS_TASK_IMPL_H
#define GRIFFIN_TASKS_TASK_IMPL_H

#include "tasks/pyrandom.h"
#include "tasks/spec_impl.h"
#include "tasks/task.h"

typedef struct task_doc_state {
    cJSON *doc;      /* as logged and hashed (owned) */
    cJSON *view;     /* as templates see it: doc, or doc plus hidden derived fields (owned when != doc) */
    cJSON *target;   /* doc_to_target as Python holds it: number, string or list (owned) */
    cJSON *choices;  /* list of strings, or NULL (owned) */
    int multiple_input;
    int *gold; /* resolved gold choice indices (-1: invalid), multiple_choice only */
    int n_gold;
    char *prompt;  /* the shared context (owned); NULL for multiple-input documents */
    char **owned;  /* every other string the requests point at */
    int n_owned;
    task_request *reqs;
    int n_reqs;
    /* results */
    double *ll;
    int *greedy;
    char **resps;
    unsigned char *have;
    /* scores: [filter * n_metrics + metric] */
    double *vals, *wts;
    char **filtered; /* generate_until: [filter * n_reqs + req] */
    /* safety (issue 5) */
    char *category;         /* the rendered "category", or NULL (owned) */
    double *tox;            /* toxicity per request, NAN: missing */
    unsigned char *have_tox;
    double *aux;            /* process_results aux values (n_aux), after score */
} task_doc_state;

typedef struct task_pool_entry {
    cJSON *doc, *view; /* processed lazily (owned; view == doc or owned) */
    int ready;
} task_pool_entry;

struct task_inst {
    const task_spec *spec;
    task_opts opts;
    char *system_instruction;
    int shots;
    task_rng rng;
    task_gen_settings gen;
    task_doc_state *docs;
    int n_docs, n_in_split;
    cJSON *pool; /* pool records (owned copy) */
    const cJSON **pool_items; /* pool->child... as an array: draws index it */
    int pool_n;
    task_pool_entry *pool_cache;
    int pool_is_eval;
    int built, scored;
    task_metric_value *values;
    int n_values;
    /* safety (issue 5) */
    int repeats;
    char **value_names; /* "<metric>:<category>" names of per-category values (owned) */
    int n_value_names;
};

#endif
