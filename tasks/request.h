/* tasks/request.h: how requests become token sequences (TASKS.md A.1, A.3,
 * A.4), and how generated text is cut at stop strings.
 *
 * The runner tokenizes with these functions and nothing else, so the
 * context / continuation split, the BOS rules and the truncation are the
 * ones lm-eval uses with a Gemma tokenizer. A loglikelihood request and a
 * rolling window have the same shape: context tokens (run once, the state
 * snapshotted and shared by every request with the same context tokens)
 * then continuation tokens, all of which are scored:
 *
 *   model input  = ctx + cont[0 .. n_cont-2]
 *   scored       = log p(cont[j] | ctx, cont[0..j-1]) for j = 0 .. n_cont-1
 *
 * i.e. the logits after the last context token predict cont[0]. */
#ifndef GRIFFIN_TASKS_REQUEST_H
#define GRIFFIN_TASKS_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "model/tokenizer.h"

/* encode(s) of A.0: the tokenizer's pieces with <bos> first when add_bos.
 * A string that starts with the literal text "<bos>" gets the BOS id for
 * it (as Hugging Face's tokenizer parses special tokens in text) and no
 * second one. *ids is heap memory the caller frees; returns the count. */
int task_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t **ids, errbuf *e);

/* A context / continuation token split. Owns both arrays. */
typedef struct task_ll_tokens {
    int32_t *ctx;
    int n_ctx;
    int32_t *cont;
    int n_cont;
    int n_truncated; /* context tokens dropped from the left (A.1 step 3) */
} task_ll_tokens;

void task_ll_tokens_deinit(task_ll_tokens *p); /* safe on a zeroed struct */

/* loglikelihood(context, continuation) tokenization, A.1 exactly: the
 * empty-context BOS rule, the trailing-whitespace move, the positional
 * split of encode(ctx + cont) at len(encode(ctx)) (no check that the
 * prefix matches: lm-eval's quirk), and left truncation of the context so
 * that n_ctx + n_cont <= max_length + 1. Fails if the continuation alone
 * is longer than max_length or has no tokens. */
int task_ll_tokenize(const tok *t, const char *context, const char *continuation, int max_length,
                     task_ll_tokens *out, errbuf *e);

/* loglikelihood_rolling(text) windows, A.3: every token predicted once,
 * the first window conditioned on one <bos>, later windows on a full
 * max_length context; with compat_lmeval the tokens are encode(text) with
 * its own <bos> after the prefix <bos> (lm-eval's double BOS, A.8). The
 * log-likelihood of the text is the sum over windows. *windows is an array
 * of *n_windows splits the caller frees with task_ll_windows_free. */
int task_rolling_windows(const tok *t, const char *text, int max_length, int compat_lmeval,
                         task_ll_tokens **windows, int *n_windows, errbuf *e);
void task_ll_windows_free(task_ll_tokens *w, int n); /* NULL is fine */

/* ---- generate_until (A.4) ---- */

typedef struct task_gen_settings {
    const char *const *until; /* the task's stop strings (the EOS text is added by the functions below) */
    int n_until;
    int max_gen_toks;
    int do_sample; /* 0: greedy */
    double temperature;
    double top_p;  /* nucleus sampling: 1 means no cut (lm-eval's generation_kwargs names) */
    int top_k;     /* 0: no limit */
} task_gen_settings;

/* Context tokens: encode(context) with <bos>, keeping only the last
 * max_length - max_gen_toks tokens (the <bos> is lost when that cuts). */
int task_gen_tokenize(const tok *t, const char *context, int max_length, int max_gen_toks, int32_t **ids, int *n,
                      errbuf *e);

/* The byte offset of the earliest occurrence of any non-empty stop string
 * (the task's, plus eos_text when not NULL) in text, or -1. The runner
 * stops decoding once this is >= 0. */
long task_gen_find_stop(const task_gen_settings *g, const char *eos_text, const char *text, size_t n_bytes);

/* The generated text as lm-eval keeps it: cut before the earliest stop
 * string, nothing else changed. A new string the caller frees. */
char *task_gen_cut(const task_gen_settings *g, const char *eos_text, const char *text, errbuf *e);

#endif
