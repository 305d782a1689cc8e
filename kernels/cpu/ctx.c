/* kernels/cpu/ctx.c: the kernel context and weight-matrix helpers. */
#include <string.h>

#include "kernels/kernels.h"

size_t wtype_bytes(wtype t) { return t == W_F32 ? 4 : 2; }

const char *wtype_name(wtype t) {
    switch (t) {
    case W_F32: return "f32";
    case W_BF16: return "bf16";
    case W_F16: return "f16";
    }
    return "?";
}

float wmat_at(const wmat *w, long r, long c) {
    long i = r * (long)w->cols + c;
    switch (w->type) {
    case W_F32: return ((const float *)w->data)[i];
    case W_BF16: return bf16_to_f32(((const bf16 *)w->data)[i]);
    case W_F16: return f16_to_f32(((const f16 *)w->data)[i]);
    }
    return 0;
}

size_t wmat_bytes(const wmat *w) { return (size_t)w->rows * (size_t)w->cols * wtype_bytes(w->type); }

void kctx_init(kctx *k, pool *p, int use_ref) {
    memset(k, 0, sizeof *k);
    k->pool = p;
    k->use_ref = use_ref;
#if defined(__x86_64__)
    __builtin_cpu_init();
    k->has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("f16c") &&
                    __builtin_cpu_supports("fma");
#endif
}

const char *kctx_variant(const kctx *k) { return (!k->use_ref && k->has_avx512) ? "avx512" : "ref"; }
