#include "kernels/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Spin iterations a worker waits for the next job before it sleeps: about
 * 50 microseconds, longer than the gap between two kernels of one forward
 * pass, much shorter than the gap between user requests. */
#define POOL_SPIN_ITERS 20000
/* Worker stack: kernels keep their per-call scratch (packed weight panels,
 * quantized activations, up to ~200 KB) on the stack, so nothing is
 * allocated per token; set explicitly rather than inherited from
 * RLIMIT_STACK, which may be small or unlimited. */
#define POOL_STACK_BYTES ((size_t)8 << 20)

/* A job is split into n_threads parts; threads claim parts with one atomic
 * word holding (job generation << 32 | next part). The caller claims parts
 * too, so a job never waits for a worker the OS has not scheduled yet (the
 * machine may be busy): it only waits for parts a running worker has
 * actually claimed. Packing the generation into the claim word means a
 * worker waking late cannot claim a part of a newer job with a stale
 * function pointer. */

typedef struct worker {
    pool *p;
    pthread_t tid;
} worker;

struct pool {
    int n_threads;
    worker *workers; /* n_threads - 1 of them; the caller is the other */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    _Atomic uint64_t claim;     /* generation << 32 | next part */
    _Atomic int parts_done;
    _Atomic int stop;
    _Atomic int n_sleeping;     /* changed under mu; read without it by pool_run */
    pool_fn fn;                 /* stable while any part of a job is unclaimed or running */
    void *arg;
};

void pool_split(long n, int ith, int nth, long *lo, long *hi) {
    long base = n / nth, rem = n % nth;
    *lo = ith * base + (ith < rem ? ith : rem);
    *hi = *lo + base + (ith < rem ? 1 : 0);
}

/* Claims the next part of job gen; -1 when the job has no parts left (or a
 * newer job has started). */
static int claim_part(pool *p, uint32_t gen) {
    uint64_t cur = atomic_load_explicit(&p->claim, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(cur >> 32) != gen || (int)(cur & 0xffffffffu) >= p->n_threads) return -1;
        if (atomic_compare_exchange_weak_explicit(&p->claim, &cur, cur + 1, memory_order_acq_rel,
                                                  memory_order_acquire))
            return (int)(cur & 0xffffffffu);
    }
}

static void run_parts(pool *p, uint32_t gen) {
    int part;
    while ((part = claim_part(p, gen)) >= 0) {
        p->fn(p->arg, part, p->n_threads);
        atomic_fetch_add_explicit(&p->parts_done, 1, memory_order_release);
    }
}

static void *worker_main(void *varg) {
    worker *w = varg;
    pool *p = w->p;
    uint32_t seen = 0;
    for (;;) {
        uint32_t g;
        int spins = 0;
        while ((g = (uint32_t)(atomic_load_explicit(&p->claim, memory_order_acquire) >> 32)) == seen &&
               !atomic_load(&p->stop)) {
            if (++spins < POOL_SPIN_ITERS) {
                CPU_RELAX();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            p->n_sleeping++;
            while ((uint32_t)(atomic_load(&p->claim) >> 32) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->wake, &p->mu);
            p->n_sleeping--;
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        run_parts(p, g);
    }
}

pool *pool_create(int n_threads, errbuf *e) {
    if (n_threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        n_threads = n > 0 ? (int)n : 1;
    }
    if (n_threads > 1024) {
        err_set(e, "thread pool: %d threads requested, at most 1024 supported", n_threads);
        return NULL;
    }
    pool *p = calloc(1, sizeof *p);
    if (!p) {
        err_set(e, "thread pool: out of memory");
        return NULL;
    }
    p->n_threads = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    atomic_store(&p->claim, (uint64_t)n_threads); /* generation 0, nothing to claim */
    if (n_threads > 1) {
        p->workers = calloc((size_t)n_threads - 1, sizeof *p->workers);
        if (!p->workers) {
            err_set(e, "thread pool: out of memory");
            free(p);
            return NULL;
        }
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, POOL_STACK_BYTES);
        for (int i = 1; i < n_threads; i++) {
            worker *w = &p->workers[i - 1];
            w->p = p;
            if (pthread_create(&w->tid, &attr, worker_main, w) != 0) {
                pthread_attr_destroy(&attr);
                int started = i - 1;
                pthread_mutex_lock(&p->mu);
                atomic_store(&p->stop, 1);
                pthread_cond_broadcast(&p->wake);
                pthread_mutex_unlock(&p->mu);
                for (int k = 0; k < started; k++) pthread_join(p->workers[k].tid, NULL);
                free(p->workers);
                free(p);
                err_set(e, "thread pool: could not start thread %d of %d", i, n_threads);
                return NULL;
            }
        }
        pthread_attr_destroy(&attr);
    }
    return p;
}

void pool_free(pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n_threads; i++) pthread_join(p->workers[i - 1].tid, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    free(p->workers);
    free(p);
}

int pool_n_threads(const pool *p) { return p ? p->n_threads : 1; }

void pool_run(pool *p, pool_fn fn, void *arg) {
    if (!p || p->n_threads == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->parts_done, 0, memory_order_relaxed);
    uint32_t gen = (uint32_t)(atomic_load_explicit(&p->claim, memory_order_relaxed) >> 32) + 1;
    atomic_store(&p->claim, (uint64_t)gen << 32);
    /* A worker counts itself sleeping before it re-checks the generation
     * (both sequentially consistent), so either it sees the new job or we
     * see it asleep and wake it. */
    if (atomic_load(&p->n_sleeping) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
    }
    run_parts(p, gen);
    /* Only parts a running worker claimed are left: spin briefly, then
     * yield so that worker gets the CPU on a busy machine. */
    for (int spins = 0; atomic_load_explicit(&p->parts_done, memory_order_acquire) < p->n_threads; spins++) {
        if (spins < POOL_SPIN_ITERS) CPU_RELAX();
        else sched_yield();
    }
}

/* Parts are claimed, so a worker that is not running yet never holds a job
 * up: the caller claims its part and finds the shared counter exhausted. */
void pool_run_any(pool *p, pool_fn fn, void *arg) { pool_run(p, fn, arg); }
