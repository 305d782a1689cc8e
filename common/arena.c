#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

size_t arena_round(size_t n_bytes) {
    return (n_bytes + ARENA_ALIGN_BYTES - 1) & ~(size_t)(ARENA_ALIGN_BYTES - 1);
}

int arena_init(arena *a, size_t cap_bytes, errbuf *e) {
    memset(a, 0, sizeof *a);
    return arena_reserve(a, cap_bytes, e);
}

void arena_deinit(arena *a) {
    if (!a) return;
    free(a->base);
    memset(a, 0, sizeof *a);
}

int arena_reserve(arena *a, size_t cap_bytes, errbuf *e) {
    cap_bytes = arena_round(cap_bytes ? cap_bytes : ARENA_ALIGN_BYTES);
    if (cap_bytes <= a->cap_bytes) return 0;
    void *p = NULL;
    if (posix_memalign(&p, ARENA_ALIGN_BYTES, cap_bytes) != 0)
        return err_set(e, "out of memory reserving %zu bytes of scratch", cap_bytes);
    free(a->base);
    a->base = p;
    a->cap_bytes = cap_bytes;
    a->used_bytes = 0;
    return 0;
}

void arena_reset(arena *a) { a->used_bytes = 0; }

void *arena_alloc(arena *a, size_t n_bytes) {
    size_t need = arena_round(n_bytes);
    if (need > a->cap_bytes - a->used_bytes) return NULL;
    void *p = a->base + a->used_bytes;
    a->used_bytes += need;
    if (a->used_bytes > a->peak_bytes) a->peak_bytes = a->used_bytes;
    return p;
}

float *arena_alloc_f32(arena *a, size_t n) { return arena_alloc(a, n * sizeof(float)); }
