/* tasks/results.h: results in lm-evaluation-harness's JSON layout.
 *
 * task_results_json builds the part of lm-eval's results file that the
 * tasks layer knows: "results" (per task and group: "name", "alias",
 * "sample_len", "<metric>,<filter>" and "<metric>_stderr,<filter>", with
 * "N/A" where there is no standard error), "groups", "group_subtasks",
 * "configs", "versions", "n-shot", "higher_is_better", "n-samples". The
 * runner adds its own top-level keys ("config", "git_hash", "date",
 * "max_length", model and tokenizer facts) to the same tree.
 *
 * task_inst_sample_json builds one line of lm-eval's --log_samples output
 * (samples_<task>.jsonl): doc_id, doc, target, arguments, resps,
 * filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash and
 * the per-document metric values, with the same sanitising lm-eval applies
 * (responses as strings, arguments as {"gen_args_i": {"arg_j": ...}}). */
#ifndef GRIFFIN_TASKS_RESULTS_H
#define GRIFFIN_TASKS_RESULTS_H

#include <cjson/cJSON.h>

#include "common/err.h"
#include "tasks/spec.h"
#include "tasks/task.h"

/* Group values over the leaf tasks present in insts (A.7). */
typedef struct task_group_value {
    const char *metric;
    char filter[64];
    double value;
    double stderr_value; /* NAN: "N/A" */
    int n_docs;          /* documents over all leaf tasks */
} task_group_value;

/* Aggregates group g over the scored instances. Members are found by name
 * among insts and, for nested groups, among groups. Writes up to cap
 * values; returns the number of values (or -1). */
int task_group_aggregate(const task_group *g, task_inst *const *insts, int n_insts, const task_group *const *groups,
                         int n_groups, task_group_value *out, int cap, errbuf *e);

/* The results tree for scored instances and the groups of the selection
 * (task_selection.groups). The caller deletes it. */
cJSON *task_results_json(task_inst *const *insts, int n_insts, const task_group *const *groups, int n_groups,
                         errbuf *e);

/* One --log_samples record: document doc under filter pipeline f. */
cJSON *task_inst_sample_json(const task_inst *t, int doc, int f, errbuf *e);

/* SHA-256 of the first request's context (lm-eval's prompt_hash), hex. */
void task_inst_prompt_hash(const task_inst *t, int doc, char out[65]);

#endif
