/* tasks/pyrandom.c: CPython random.Random (Modules/_randommodule.c and
 * Lib/random.py of CPython 3.x), reproduced bit for bit. */
#include "tasks/pyrandom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MT_N 624
#define MT_M 397

static void init_genrand(task_rng *r, uint32_t s) {
    r->mt[0] = s;
    for (int i = 1; i < MT_N; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = MT_N;
}

/* The reference init_by_array (Matsumoto & Nishimura, 2002). */
static void init_by_array(task_rng *r, const uint32_t *key, int key_length) {
    init_genrand(r, 19650218u);
    int i = 1, j = 0;
    int k = MT_N > key_length ? MT_N : key_length;
    for (; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++, j++;
        if (i >= MT_N) r->mt[0] = r->mt[MT_N - 1], i = 1;
        if (j >= key_length) j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) r->mt[0] = r->mt[MT_N - 1], i = 1;
    }
    r->mt[0] = 0x80000000u; /* MSB is 1, assuring a non-zero initial array */
}

void task_rng_seed(task_rng *r, uint64_t seed) {
    /* CPython splits abs(seed) into 32-bit words, least significant first;
     * 0 gives the single word 0. */
    uint32_t key[2];
    int n = 0;
    key[n++] = (uint32_t)seed;
    if (seed >> 32) key[n++] = (uint32_t)(seed >> 32);
    init_by_array(r, key, n);
}

uint32_t task_rng_next32(task_rng *r) {
    static const uint32_t mag01[2] = {0x0u, 0x9908b0dfu};
    uint32_t y;
    if (r->mti >= MT_N) {
        int kk;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + MT_M] ^ (y >> 1) ^ mag01[y & 0x1u];
        }
        for (; kk < MT_N - 1; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 0x1u];
        }
        y = (r->mt[MT_N - 1] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[MT_N - 1] = r->mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 0x1u];
        r->mti = 0;
    }
    y = r->mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

uint32_t task_rng_getrandbits(task_rng *r, int k) {
    if (k <= 0) return 0;
    return task_rng_next32(r) >> (32 - k);
}

/* getrandbits(k) for k <= 64: 32-bit words filled least significant first,
 * the last one shifted down to its remaining bits. */
static uint64_t getrandbits64(task_rng *r, int k) {
    if (k <= 32) return task_rng_getrandbits(r, k);
    uint64_t lo = task_rng_next32(r);
    uint64_t hi = task_rng_next32(r) >> (64 - k);
    return lo | (hi << 32);
}

uint64_t task_rng_randbelow(task_rng *r, uint64_t n) {
    int k = 0;
    for (uint64_t t = n; t; t >>= 1) k++; /* n.bit_length() */
    uint64_t x = getrandbits64(r, k);
    while (x >= n) x = getrandbits64(r, k);
    return x;
}

double task_rng_random(task_rng *r) {
    uint32_t a = task_rng_next32(r) >> 5, b = task_rng_next32(r) >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

int task_rng_sample(task_rng *r, int n, int k, int *out, errbuf *e) {
    if (k < 0 || n < 0 || k > n) return err_set(e, "sample of %d from a population of %d", k, n);
    /* Lib/random.py: setsize = 21, plus 4 ** ceil(log(3k, 4)) when k > 5.
     * 3k is never a power of 4, so the float log cannot land on a boundary. */
    long setsize = 21;
    if (k > 5) setsize += (long)pow(4.0, ceil(log(k * 3.0) / log(4.0)));
    if (n <= setsize) {
        int *pool = malloc(sizeof(int) * (size_t)(n ? n : 1));
        if (!pool) return err_set(e, "out of memory sampling %d of %d", k, n);
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < k; i++) {
            int j = (int)task_rng_randbelow(r, (uint64_t)(n - i));
            out[i] = pool[j];
            pool[j] = pool[n - i - 1];
        }
        free(pool);
    } else {
        unsigned char *selected = calloc((size_t)n / 8 + 1, 1);
        if (!selected) return err_set(e, "out of memory sampling %d of %d", k, n);
        for (int i = 0; i < k; i++) {
            int j = (int)task_rng_randbelow(r, (uint64_t)n);
            while (selected[j / 8] & (1u << (j % 8))) j = (int)task_rng_randbelow(r, (uint64_t)n);
            selected[j / 8] |= (unsigned char)(1u << (j % 8));
            out[i] = j;
        }
        free(selected);
    }
    return 0;
}
