/* tasks/spec.h: task specs (JSON data), groups, suites, and the set of them.
 *
 * A task is one JSON file under tasks/specs/ (docs/tasks.md documents every
 * field). The files are embedded in the binary and more can be loaded from a
 * path. A file may expand into many tasks from one template ("expand", the
 * 57 MMLU subjects) and define groups of tasks ("groups"); tasks/suites/
 * holds named lists of tasks with shot counts (academic, smoke).
 *
 * Everything is validated when loaded, before any model work: unknown
 * fields, wrong types, unknown metrics, filters and functions (with "did you
 * mean"), template syntax, group members. Errors name the file, the field
 * and the reason. */
#ifndef GRIFFIN_TASKS_SPEC_H
#define GRIFFIN_TASKS_SPEC_H

#include <cjson/cJSON.h>

#include "common/err.h"
#include "tasks/metric.h"

typedef struct task_spec task_spec;
typedef struct task_group task_group;
typedef struct task_set task_set;

/* ---- the set ---- */

task_set *task_set_create(errbuf *e);
void task_set_free(task_set *s); /* NULL is fine */

/* Adds every spec and suite embedded in the binary (tasks/specs/ and
 * tasks/suites/ JSON files), then validates group members. */
int task_set_add_builtin(task_set *s, errbuf *e);
/* Adds one spec, group or suite file from disk; a directory adds every
 * *.json in it. Names must not clash with ones already in the set. */
int task_set_add_path(task_set *s, const char *path, errbuf *e);
/* Adds one document given as text; origin names it in errors. */
int task_set_add_text(task_set *s, const char *origin, const char *json_text, errbuf *e);
/* Checks that every group member names a task or group of the set and
 * that groups do not contain themselves. Called by add_builtin; call it
 * after add_path/add_text when groups refer across files. */
int task_set_check(const task_set *s, errbuf *e);
/* Adds a copy of task `base` under a new name with some fields replaced
 * (e.g. perplexity over another dataset field); the result is validated
 * like any spec. overrides is a JSON object of spec fields. */
int task_set_add_variant(task_set *s, const char *base, const char *new_name, const cJSON *overrides, errbuf *e);

int task_set_n_tasks(const task_set *s);
const task_spec *task_set_task(const task_set *s, int i);
const task_spec *task_set_find(const task_set *s, const char *name);
int task_set_n_groups(const task_set *s);
const task_group *task_set_group(const task_set *s, int i);
const task_group *task_set_find_group(const task_set *s, const char *name);

/* ---- selection: what a run evaluates ---- */

typedef struct task_selected {
    const task_spec *spec;
    int num_fewshot; /* from a suite, else -1 (the run's --num-fewshot or the spec's default) */
    int limit;       /* from a suite, else -1 */
} task_selected;

typedef struct task_selection {
    task_selected *tasks; /* leaf tasks, deduplicated, in request order */
    int n_tasks;
    const task_group **groups; /* every group reached, parents before children */
    int n_groups;
} task_selection;

/* Expands names of tasks, groups ("mmlu", "mmlu_stem") and suites
 * ("academic") into leaf tasks. An unknown name is an error with a
 * suggestion. */
int task_set_select(const task_set *s, const char *const *names, int n_names, task_selection *out, errbuf *e);
void task_selection_deinit(task_selection *sel);

/* ---- one task ---- */

const char *task_spec_name(const task_spec *t);
const char *task_spec_alias(const task_spec *t); /* the name when no alias */
const char *task_spec_origin(const task_spec *t); /* file the spec came from */
double task_spec_version(const task_spec *t);
task_kind task_spec_kind(const task_spec *t);
/* What the runner asks the datasets layer for. config may be NULL. */
const char *task_spec_dataset(const task_spec *t);
const char *task_spec_config(const task_spec *t);
const char *task_spec_split(const task_spec *t);
/* The few-shot pool split: the spec's fewshot_split, or the evaluated
 * split when it has none (a test-only task); NULL when the spec carries
 * fixed few-shot samples. */
const char *task_spec_fewshot_split(const task_spec *t);
int task_spec_num_fewshot(const task_spec *t);       /* default shots */
int task_spec_num_fewshot_fixed(const task_spec *t); /* run overrides ignored (A.6) */
/* Shots a run uses given its --num-fewshot (-1 when not given). */
int task_spec_effective_shots(const task_spec *t, int requested);
/* The spec as loaded (after expansion), for the results' "configs". */
const cJSON *task_spec_json(const task_spec *t);
int task_spec_n_metrics(const task_spec *t);
const metric_def *task_spec_metric(const task_spec *t, int i);

/* ---- one group ---- */

const char *task_group_name(const task_group *g);
const char *task_group_alias(const task_group *g);
double task_group_version(const task_group *g);
int task_group_n_members(const task_group *g);
const char *task_group_member(const task_group *g, int i); /* task or group name */
/* Metrics aggregated over the leaf tasks (lm-eval aggregate_metric_list). */
int task_group_n_metrics(const task_group *g);
const char *task_group_metric(const task_group *g, int i, int *weight_by_size);

/* ---- suites ---- */

typedef struct task_suite_entry {
    const char *name; /* task or group */
    int num_fewshot;  /* -1: default */
    int limit;        /* -1: all documents */
} task_suite_entry;

int task_set_n_suites(const task_set *s);
const char *task_set_suite_name(const task_set *s, int i);
const char *task_set_suite_description(const task_set *s, int i);
int task_set_suite_entries(const task_set *s, int i, const task_suite_entry **entries);

#endif
