/* common/arena.h: a bump allocator for per-batch scratch.
 *
 * One block is reserved up front (arena_init) and carved into aligned pieces;
 * arena_reset frees them all at once, so the token loop never calls malloc.
 * arena_reserve grows the block, and is only called between batches. */
#ifndef GRIFFIN_COMMON_ARENA_H
#define GRIFFIN_COMMON_ARENA_H

#include <stddef.h>

#include "common/err.h"

#define ARENA_ALIGN_BYTES 64 /* one cache line, and one AVX-512 register */

typedef struct arena {
    unsigned char *base; /* owned */
    size_t cap_bytes;
    size_t used_bytes;
    size_t peak_bytes;
} arena;

int  arena_init(arena *a, size_t cap_bytes, errbuf *e);
void arena_deinit(arena *a); /* safe on a zeroed arena */
/* Makes sure at least cap_bytes are available in total; invalidates every
 * pointer handed out (it may move the block), so call it only after a reset. */
int  arena_reserve(arena *a, size_t cap_bytes, errbuf *e);
void arena_reset(arena *a);
/* Returns ARENA_ALIGN_BYTES-aligned memory, or NULL when the arena is full
 * (a sizing bug in the caller: it computed the scratch it needs up front). */
void  *arena_alloc(arena *a, size_t n_bytes);
float *arena_alloc_f32(arena *a, size_t n);
/* Bytes an allocation of n_bytes takes, padding included: for sizing. */
size_t arena_round(size_t n_bytes);

#endif
