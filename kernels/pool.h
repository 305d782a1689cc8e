/* kernels/pool.h: the one thread pool a process uses for compute.
 *
 * main() creates it once and passes it down. pool_run calls fn(arg, ith, nth)
 * on every thread (the caller is thread 0) and returns when all are done;
 * kernels split their own rows by (ith, nth). Workers spin briefly between
 * jobs, then sleep, so back-to-back kernels in a token loop do not pay a
 * wake-up each. */
#ifndef GRIFFIN_KERNELS_POOL_H
#define GRIFFIN_KERNELS_POOL_H

#include "common/err.h"

typedef struct pool pool;
typedef void (*pool_fn)(void *arg, int ith, int nth);

/* n_threads <= 0 means one per online CPU. */
pool *pool_create(int n_threads, errbuf *e);
void  pool_free(pool *p); /* NULL is fine */
int   pool_n_threads(const pool *p);
/* Runs fn on all threads; p may be NULL (runs fn(arg, 0, 1) inline). Not
 * reentrant: fn must not call pool_run on the same pool. */
void  pool_run(pool *p, pool_fn fn, void *arg);

/* For jobs whose fn takes units of work from a shared counter until none are
 * left (so any subset of threads, the caller included, completes the job).
 * A worker not running yet never holds the job up (pool_run already lets the
 * caller claim its part; here that part finds no units left). fn must not
 * use (ith, nth) to split the work (ith is still unique among the calls). */
void  pool_run_any(pool *p, pool_fn fn, void *arg);

/* Splits [0, n) into nth near-equal contiguous parts; part ith is [*lo, *hi). */
void pool_split(long n, int ith, int nth, long *lo, long *hi);

#endif
