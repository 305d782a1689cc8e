/* tasks/filter.h: filter pipelines applied to generated text (TASKS.md A.4).
 *
 * A pipeline has a name ("strict-match", "flexible-extract", "none", ...)
 * and steps run in order on each response: regex (Python re.findall, then
 * match number group_select, first non-empty group of a tuple, stripped,
 * fallback when nothing matches), remove_whitespace (str.strip()),
 * lowercase / uppercase, take_first (keeps the first of the repeats; with
 * one response per request it changes nothing). Results are reported per
 * pipeline as "<metric>,<pipeline name>". */
#ifndef GRIFFIN_TASKS_FILTER_H
#define GRIFFIN_TASKS_FILTER_H

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "tasks/pyregex.h"

typedef enum task_filter_fn {
    TASK_FILTER_REGEX,
    TASK_FILTER_REMOVE_WHITESPACE,
    TASK_FILTER_TAKE_FIRST,
    TASK_FILTER_LOWERCASE,
    TASK_FILTER_UPPERCASE,
} task_filter_fn;

typedef struct task_filter_step {
    task_filter_fn fn;
    task_regex *re;   /* regex only (owned) */
    int group_select; /* regex: match index, negative from the end */
    char *fallback;   /* regex: text when nothing matches (owned) */
} task_filter_step;

typedef struct task_filter {
    char *name; /* owned */
    task_filter_step *steps;
    int n_steps;
} task_filter;

/* Parses one pipeline object {"name": ..., "steps": [{"function": ...}]}.
 * Errors name the field path (e.g. "filters[1].steps[0].regex_pattern"). */
int task_filter_parse(task_filter *f, const cJSON *obj, const char *path, errbuf *e);
/* The default pipeline lm-eval uses when a task lists none: "none" = take_first. */
int task_filter_init_none(task_filter *f, errbuf *e);
void task_filter_deinit(task_filter *f);

/* Runs the pipeline on one response; the result is appended to out. */
int task_filter_apply(const task_filter *f, const char *resp, strbuf *out, errbuf *e);

#endif
