/* model/sample.h: choosing the next token from logits. */
#ifndef GRIFFIN_MODEL_SAMPLE_H
#define GRIFFIN_MODEL_SAMPLE_H

#include "common/rng.h"

typedef struct sample_opts {
    double temperature; /* 0: greedy (arg-max, ties to the lowest id) */
    int top_k;          /* 0: no limit */
    double top_p;       /* 1: no nucleus cut */
} sample_opts;

/* Arg-max with ties broken towards the lowest id (lm-eval's greedy). */
int sample_argmax(const float *logits, int n_vocab);

/* Samples an id: softmax(logits / temperature) restricted to the top_k most
 * likely ids, then to the smallest prefix whose probability reaches top_p.
 * scratch holds 2 * n_vocab ints. Deterministic for a given rng state. */
int sample_token(const float *logits, int n_vocab, const sample_opts *o, rng *r, int *scratch);

#endif
