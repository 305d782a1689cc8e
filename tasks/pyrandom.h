/* tasks/pyrandom.h: CPython's random.Random, bit for bit.
 *
 * lm-evaluation-harness picks few-shot examples with random.Random(1234)
 * .sample(pool, k) and resamples for bootstrap standard errors with
 * random.Random(chunk).choices(xs, k=n); reproducing its few-shot sets and
 * stderrs needs the same generator (TASKS.md A.6, A.7): MT19937 seeded by
 * init_by_array with the seed split into 32-bit words, getrandbits,
 * _randbelow_with_getrandbits, sample's small-pool/set switch, random(). */
#ifndef GRIFFIN_TASKS_PYRANDOM_H
#define GRIFFIN_TASKS_PYRANDOM_H

#include <stdint.h>

#include "common/err.h"

typedef struct task_rng {
    uint32_t mt[624];
    int mti;
} task_rng;

/* random.Random(seed) for a non-negative integer seed. */
void task_rng_seed(task_rng *r, uint64_t seed);
/* The next raw 32-bit MT19937 output (genrand_uint32). */
uint32_t task_rng_next32(task_rng *r);
/* getrandbits(k) for 1 <= k <= 32. */
uint32_t task_rng_getrandbits(task_rng *r, int k);
/* _randbelow(n) for n >= 1: rejection sampling on bit_length(n) bits. */
uint64_t task_rng_randbelow(task_rng *r, uint64_t n);
/* random(): a double in [0, 1) from 53 random bits. */
double task_rng_random(task_rng *r);
/* sample(range(n), k): writes k distinct indices, in draw order, to out.
 * -1 (with a message) if k > n or memory runs out. */
int task_rng_sample(task_rng *r, int n, int k, int *out, errbuf *e);

#endif
