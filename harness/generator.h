/* harness/generator.h: batched text generation until a stop condition
 * (lm-eval's generate_until, TASKS.md A.4).
 *
 * Each request decodes greedily (or samples, seeded per request) after its
 * context until <eos>, until the decoded text contains one of its stop
 * strings, or until max_gen_toks tokens. Requests run together: one
 * model_forward call advances every active sequence by one token. The text
 * returned is the decoded generation (special tokens skipped), not yet cut
 * at the stop string: post-processing belongs to the task. */
#ifndef GRIFFIN_HARNESS_GENERATOR_H
#define GRIFFIN_HARNESS_GENERATOR_H

#include <stdint.h>

#include "model/model.h"
#include "model/sample.h"
#include "model/tokenizer.h"

typedef struct gen_req {
    const int32_t *ctx; /* context tokens (>= 1); borrowed */
    int n_ctx;
    int max_gen_toks;
    const char *const *until; /* stop strings; borrowed */
    int n_until;
    sample_opts sampling;     /* temperature 0: greedy */
    uint64_t seed;            /* per request, so results do not depend on batching */
    /* results, owned by the request after gen_run (free with gen_req_clear) */
    char *text;
    int32_t *tokens;
    int n_tokens;
    int hit_eos;
} gen_req;

typedef struct gen_opts {
    int max_batch_seqs; /* sequences decoded together (0: default) */
    void (*progress)(void *arg, long done, long total);
    void *progress_arg;
} gen_opts;

typedef struct gen_stats {
    long tokens_prefilled, tokens_generated, forward_calls;
    double model_s;
} gen_stats;

int gen_run(model *m, const kctx *k, const tok *t, gen_req *reqs, int n, const gen_opts *o, gen_stats *st,
            errbuf *e);
void gen_req_clear(gen_req *r);

#endif
