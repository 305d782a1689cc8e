/* harness/scorer.h: log-likelihoods of continuations given contexts, with
 * contexts shared through state snapshots.
 *
 * A recurrent model's state is small and fixed-size, so a context is run
 * once, its state copied, and every continuation scored from the copy; and
 * contexts that share a prefix (the few-shot examples of a task) run that
 * prefix once. Requests are sorted by context, prefixes kept on a stack of
 * snapshots, and the rest batched across sequences. The result equals
 * scoring each context + continuation from scratch (`share = 0`, kept to
 * prove it). */
#ifndef GRIFFIN_HARNESS_SCORER_H
#define GRIFFIN_HARNESS_SCORER_H

#include <stdint.h>

#include "model/model.h"

typedef struct ll_req {
    const int32_t *ctx; /* context tokens, >= 1 (at least <bos>); borrowed */
    int n_ctx;
    const int32_t *cont; /* continuation tokens, >= 1; borrowed */
    int n_cont;
    /* results */
    double ll;     /* sum over j of log p(cont[j] | ctx, cont[:j]), log-softmax in f32 logits, sums in double */
    int is_greedy; /* every cont[j] is the arg-max (ties to the lowest id) */
} ll_req;

typedef struct scorer_opts {
    int share;              /* 1: share contexts and prefixes through snapshots */
    int max_batch_seqs;     /* sequences per forward call (0: default) */
    int max_logit_rows;     /* rows of full logits held at once (0: default) */
    int min_shared_tokens;  /* snapshot a shared prefix only if at least this long (0: default) */
    /* Called after each batch with the number of requests done so far. */
    void (*progress)(void *arg, long done, long total);
    void *progress_arg;
} scorer_opts;

typedef struct scorer_stats {
    long tokens_forwarded; /* tokens that went through the model */
    long tokens_requested; /* sum of n_ctx + n_cont - 1: the cost without sharing */
    long forward_calls;
    long snapshots;        /* shared-prefix snapshots taken */
    double model_s;        /* seconds inside model_forward */
} scorer_stats;

/* Fills ll and is_greedy of every request. opts and stats may be NULL. */
int scorer_loglik(model *m, const kctx *k, ll_req *reqs, int n, const scorer_opts *opts, scorer_stats *stats,
                  errbuf *e);

/* log p(target) and whether target is the arg-max, for one row of logits. */
double scorer_logprob(const float *logits, int n_vocab, int target, int *is_argmax);

#endif
