/* tasks/spec_impl.h: task_spec / task_group internals shared inside tasks/. */
#ifndef GRIFFIN_TASKS_SPEC_IMPL_H
#define GRIFFIN_TASKS_SPEC_IMPL_H

#include <cjson/cJSON.h>

#include "tasks/filter.h"
#include "tasks/metric.h"
#include "tasks/process.h"
#include "tasks/spec.h"
#include "tasks/template.h"

#define TASK_DEFAULT_MAX_GEN_TOKS 256 /* lm-eval HFLM.max_gen_toks (A.4) */

typedef struct task_metric_cfg {
    const metric_def *def;
    metric_em_opts em;      /* exact_match options; em.regexes_to_ignore points at regexes */
    task_regex **regexes;   /* owned */
} task_metric_cfg;

struct task_spec {
    char *origin, *name, *alias;
    double version;
    cJSON *json; /* the spec as loaded (owned) */
    char *dataset, *config, *split, *fewshot_split;
    cJSON *fewshot_samples; /* fixed few-shot documents, or NULL (owned) */
    int k_plus_one;         /* draw k+1 and drop the evaluated document (A.6) */
    int sampler_first_n;
    int num_fewshot, num_fewshot_fixed;
    task_kind kind;
    task_tmpl *description;   /* NULL: none */
    task_tmpl *doc_to_text;   /* NULL for loglikelihood_rolling */
    task_tmpl *doc_to_target; /* NULL when target_is_int */
    int target_is_int, target_int;
    task_tmpl *doc_to_choice; /* or choice_list, or neither */
    cJSON *choice_list;       /* a literal list of choices (owned) */
    char *target_delimiter, *fewshot_delimiter;
    const task_process_docs *process_docs;
    const task_process_results *process_results;
    cJSON *gen_kwargs; /* generation_kwargs as given (owned), or NULL */
    char **until;      /* stop strings, without the EOS text */
    int n_until;
    int max_gen_toks, do_sample;
    double temperature;
    int repeats;
    /* ---- safety (issue 5) ---- */
    double top_p;             /* nucleus cut; 1: none */
    int top_k;                /* 0: no limit */
    task_tmpl *category;      /* per-document category (bias type, group); NULL: none */
    char *explode_field;      /* one document per element of this list field; NULL: none */
    char *explode_as;         /* the element's field name in each document */
    task_filter *filters; /* at least the "none" pipeline */
    int n_filters;
    task_metric_cfg *metrics;
    int n_metrics;
};

typedef struct task_group_agg {
    char *metric;
    int weight_by_size;
} task_group_agg;

struct task_group {
    char *origin, *name, *alias;
    double version;
    char **members;
    int n_members;
    task_group_agg *metrics;
    int n_metrics;
};

#endif
