#include "model/sample.h"

#include <math.h>
#include <stdlib.h>

int sample_argmax(const float *logits, int n_vocab) {
    int best = 0;
    for (int i = 1; i < n_vocab; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}

/* Sorting context: qsort has no user pointer, so sort (logit, id) pairs. */
typedef struct scored {
    float logit;
    int id;
} scored;

static int by_logit_desc(const void *a, const void *b) {
    const scored *x = a, *y = b;
    if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
    return x->id - y->id;
}

int sample_token(const float *logits, int n_vocab, const sample_opts *o, rng *r, int *scratch) {
    if (o->temperature <= 0) return sample_argmax(logits, n_vocab);
    /* scratch is 2 * n_vocab ints = n_vocab (float, int) pairs. */
    scored *s = (scored *)scratch;
    for (int i = 0; i < n_vocab; i++) {
        s[i].logit = logits[i];
        s[i].id = i;
    }
    int n = n_vocab;
    if (o->top_k > 0 && o->top_k < n) {
        /* Partial selection would be faster; a full sort keeps it simple and
         * is negligible next to a forward pass. */
        qsort(s, (size_t)n, sizeof *s, by_logit_desc);
        n = o->top_k;
    } else if (o->top_p < 1.0) {
        qsort(s, (size_t)n, sizeof *s, by_logit_desc);
    }
    double mx = -INFINITY;
    for (int i = 0; i < n; i++)
        if (s[i].logit > mx) mx = s[i].logit;
    double total = 0;
    for (int i = 0; i < n; i++) total += exp((s[i].logit - mx) / o->temperature);
    if (o->top_p < 1.0) {
        double acc = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            acc += exp((s[i].logit - mx) / o->temperature) / total;
            if (acc >= o->top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
        total = 0;
        for (int i = 0; i < n; i++) total += exp((s[i].logit - mx) / o->temperature);
    }
    double u = rng_uniform(r) * total, acc = 0;
    for (int i = 0; i < n; i++) {
        acc += exp((s[i].logit - mx) / o->temperature);
        if (u < acc) return s[i].id;
    }
    return s[n - 1].id;
}
