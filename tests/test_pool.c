/* tests/test_pool.c: every part of every job runs exactly once, with any
 * number of threads, including more threads than CPUs. */
#include <stdatomic.h>
#include <string.h>

#include "kernels/pool.h"
#include "tests/test.h"

typedef struct job {
    _Atomic int hits[64];
    int nth_seen;
} job;

static void count_part(void *arg, int ith, int nth) {
    job *j = arg;
    atomic_fetch_add(&j->hits[ith], 1);
    j->nth_seen = nth;
}

TEST(pool_every_part_once) {
    const int threads[] = {1, 2, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        errbuf e;
        pool *p = pool_create(threads[t], &e);
        if (!CHECKF(p, "%s", e.msg)) return;
        for (int rep = 0; rep < 2000; rep++) {
            job j;
            memset(&j, 0, sizeof j);
            pool_run(p, count_part, &j);
            int ok = j.nth_seen == threads[t];
            for (int i = 0; i < threads[t]; i++) ok &= atomic_load(&j.hits[i]) == 1;
            if (!CHECKF(ok, "threads %d, job %d: a part ran %d times", threads[t], rep, atomic_load(&j.hits[0])))
                break;
        }
        pool_free(p);
    }
    job j;
    memset(&j, 0, sizeof j);
    pool_run(NULL, count_part, &j); /* no pool: inline, one part */
    CHECK(atomic_load(&j.hits[0]) == 1 && j.nth_seen == 1);
}

TEST(pool_split_covers_range) {
    for (long n = 0; n < 50; n++)
        for (int nth = 1; nth <= 7; nth++) {
            long prev = 0;
            for (int i = 0; i < nth; i++) {
                long lo, hi;
                pool_split(n, i, nth, &lo, &hi);
                CHECK(lo == prev && hi >= lo && hi - lo <= n / nth + 1);
                prev = hi;
            }
            CHECK(prev == n);
        }
}
