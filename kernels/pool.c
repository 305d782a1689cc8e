
#include "kernels/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

typedef struct worker {
    pool *p;
    int ith;
    pthread_t tid;
} worker;

struct pool {
    int n_threads;
    worker *workers; /* n_threads - 1 of them; the caller is thread 0 */
    pthread_mutex_t mu;
    pthread_cond_t wake;
    /* bumped per job: (count << 1) | 1 for a pool_run_any job */
    _Atomic unsigned long generation;
    _Atomic int n_pending;            /* pool_run: workers still running the job */
    _Atomic unsigned long open;       /* pool_run_any: the generation still open to joiners, or 0 */
    _Atomic int n_active;             /* pool_run_any: workers inside the job */
    _Atomic int stop;
    int n_sleeping;                   /* guarded by mu */
    pool_fn fn;
    void *arg;
};

void pool_split(long n, int ith, int nth, long *lo, long *hi) {
    long base = n / nth, rem = n % nth;
    *lo = ith * base + (ith < rem ? ith : rem);
    *hi = *lo + base + (ith < rem ? 1 : 0);
}

static void *worker_main(void *varg) {
    worker *w = varg;
    pool *p = w->p;
    unsigned long seen = 0;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
               !atomic_load(&p->stop)) {
            if (++spins < POOL_SPIN_ITERS) {
                CPU_RELAX();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            p->n_sleeping++;
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->wake, &p->mu);
            p->n_sleeping--;
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        if (g & 1) {
            /* pool_run_any: join only while the job is open. Announcing
             * first (n_active) and checking second, while the caller closes
             * first and counts second, means either the caller waits for us
             * or we see it closed and never touch fn and arg. */
            atomic_fetch_add(&p->n_active, 1);
            if (atomic_load(&p->open) == g) p->fn(p->arg, w->ith, p->n_threads);
            atomic_fetch_sub(&p->n_active, 1);
            continue;
        }
        p->fn(p->arg, w->ith, p->n_threads);
        atomic_fetch_sub_explicit(&p->n_pending, 1, memory_order_release);
    }
}

/* The caller's wait for workers: spin, then yield the core now and then, so
 * a descheduled worker (the machine may be shared) gets it sooner. */
#define WAIT_SPINS_BEFORE_YIELD 4000

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
            w->ith = i;
            if (pthread_create(&w->tid, &attr, worker_main, w) != 0) {
                pthread_attr_destroy(&attr);
                p->n_threads = i; /* join the ones that started */
                pool_free(p);
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
    atomic_store_explicit(&p->n_pending, p->n_threads - 1, memory_order_relaxed);
    atomic_store_explicit(&p->generation, ((atomic_load(&p->generation) >> 1) + 1) << 1, memory_order_release);
    pthread_mutex_lock(&p->mu);
    if (p->n_sleeping > 0) pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0, p->n_threads);
    for (int spins = 0; atomic_load_explicit(&p->n_pending, memory_order_acquire) > 0;)
        if (++spins % WAIT_SPINS_BEFORE_YIELD) CPU_RELAX();
        else sched_yield();
}

void pool_run_any(pool *p, pool_fn fn, void *arg) {
    if (!p || p->n_threads == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    const unsigned long g = ((atomic_load(&p->generation) >> 1) + 1) << 1 | 1;
    atomic_store(&p->open, g);
    atomic_store_explicit(&p->generation, g, memory_order_release);
    pthread_mutex_lock(&p->mu);
    if (p->n_sleeping > 0) pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0, p->n_threads);
    /* Done when the caller's share is: close the job, then wait only for
     * the workers that joined it. */
    atomic_store(&p->open, 0);
    for (int spins = 0; atomic_load(&p->n_active) > 0;)
        if (++spins % WAIT_SPINS_BEFORE_YIELD) CPU_RELAX();
        else sched_yield();
}
