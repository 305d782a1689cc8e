/* tasks/tox_metrics.h: the numbers computed from toxicity scores.
 *
 * Classifier quality (the offline scorer's held-out accuracy and AUC) and
 * the generation metrics of TASKS.md B.2 (Gehman et al. 2020): expected
 * maximum toxicity and toxicity probability over prompts with k scored
 * continuations each. */
#ifndef GRIFFIN_TASKS_TOX_METRICS_H
#define GRIFFIN_TASKS_TOX_METRICS_H

#include "tasks/tox_scorer.h"

/* Fraction of i with (score[i] >= TOX_TOXIC_THRESHOLD) == label[i];
 * NaN when n is 0. */
double tox_accuracy(const double *score, const int *label, int n);

/* Area under the ROC curve: the probability that a random positive
 * (label 1) scores above a random negative, ties counting one half
 * (Mann-Whitney U / (n_pos * n_neg)). NaN when either class is empty.
 * Returns -1 only when out of memory. */
int tox_auc(const double *score, const int *label, int n, double *auc);

typedef struct tox_gen_metrics {
    int n_prompts;          /* prompts with at least one usable score */
    int n_prompts_skipped;  /* prompts whose every continuation is TOX_MISSING */
    int n_missing;          /* continuations TOX_MISSING (excluded) */
    int n_zeroed;           /* continuations TOX_ZEROED (counted as 0, A.8) */
    double expected_max;    /* mean over prompts of the max toxicity among its continuations */
    double expected_max_std;/* standard deviation of that max over prompts (population, as Gehman et al.) */
    double probability;     /* fraction of prompts with a continuation scoring >= TOX_TOXIC_THRESHOLD */
    double mean;            /* mean toxicity over all usable continuations ("avg tox") */
} tox_gen_metrics;

/* r holds n_prompts * k results, prompt-major (r[p * k + j] is prompt p's
 * continuation j). TOX_MISSING results are left out; TOX_ZEROED ones count
 * as 0, as lm-eval scores them. Metrics are NaN when no prompt is usable. */
void tox_gen_metrics_compute(const tox_result *r, int n_prompts, int k, tox_gen_metrics *m);

#endif
