/* kernels/cpu/ctx.c: the kernel context and weight-matrix helpers. */
#include <stdio.h>
#include <string.h>

#include "kernels/kernels.h"

size_t wtype_bytes(wtype t) {
    switch (t) {
    case W_F32: return 4;
    case W_BF16:
    case W_F16: return 2;
    case W_Q8: return 1;
    case W_Q4: return 0;
    }
    return 0;
}

const char *wtype_name(wtype t) {
    switch (t) {
    case W_F32: return "f32";
    case W_BF16: return "bf16";
    case W_F16: return "f16";
    case W_Q8: return "int8";
    case W_Q4: return "q4";
    }
    return "?";
}

float wmat_at(const wmat *w, long r, long c) {
    long i = r * (long)w->cols + c;
    switch (w->type) {
    case W_F32: return ((const float *)w->data)[i];
    case W_BF16: return bf16_to_f32(((const bf16 *)w->data)[i]);
    case W_F16: return f16_to_f32(((const f16 *)w->data)[i]);
    case W_Q8: {
        long g = r * k_n_groups(w->cols, w->group) + c / w->group;
        return (float)((const int8_t *)w->data)[i] * f16_to_f32(w->scales[g]);
    }
    case W_Q4: {
        long g = r * k_n_groups(w->cols, w->group) + c / w->group;
        const uint8_t *row = (const uint8_t *)w->data + r * k_q4_row_bytes(w->cols);
        long blk = c / 32, j = c % 32;
        uint8_t byte = row[blk * 16 + (j & 15)];
        int q = j < 16 ? (byte & 15) : (byte >> 4);
        return (float)q * f16_to_f32(w->scales[g]) + f16_to_f32(w->offsets[g]);
    }
    }
    return 0;
}

size_t wmat_bytes(const wmat *w) {
    size_t rows = (size_t)w->rows, cols = (size_t)w->cols;
    switch (w->type) {
    case W_Q8: return rows * cols + rows * (size_t)k_n_groups(w->cols, w->group) * sizeof(f16);
    case W_Q4: return rows * (size_t)k_q4_row_bytes(w->cols) + 2 * rows * (size_t)k_n_groups(w->cols, w->group) * sizeof(f16);
    default: return rows * cols * wtype_bytes(w->type);
    }
}

wmat wmat_rows(const wmat *w, int r0, int r1) {
    wmat v = *w;
    v.rows = r1 - r0;
    size_t row_bytes = w->type == W_Q4 ? (size_t)k_q4_row_bytes(w->cols) : (size_t)w->cols * wtype_bytes(w->type);
    v.data = (const char *)w->data + (size_t)r0 * row_bytes;
    if (w->type == W_Q8 || w->type == W_Q4) {
        size_t ng = (size_t)k_n_groups(w->cols, w->group);
        v.scales = w->scales + (size_t)r0 * ng;
        if (w->offsets) v.offsets = w->offsets + (size_t)r0 * ng;
    }
    return v;
}

void kctx_init(kctx *k, pool *p, int use_ref) {
    memset(k, 0, sizeof *k);
    k->pool = p;
    k->use_ref = use_ref;
#if defined(__x86_64__)
    __builtin_cpu_init();
    k->has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    k->has_avx512 = k->has_avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    k->has_avx512_bf16 = k->has_avx512 && __builtin_cpu_supports("avx512bf16");
    k->has_avx512_vnni = k->has_avx512 && __builtin_cpu_supports("avx512vnni");
#endif
    k->isa = use_ref ? K_ISA_REF : k->has_avx512 ? K_ISA_AVX512 : k->has_avx2 ? K_ISA_AVX2 : K_ISA_REF;
}

k_isa kctx_set_isa(kctx *k, k_isa isa) {
    k_isa best = k->has_avx512 ? K_ISA_AVX512 : k->has_avx2 ? K_ISA_AVX2 : K_ISA_REF;
    k->isa = isa < best ? isa : best;
    if (k->isa == K_ISA_REF) k->use_ref = 1;
    else k->use_ref = 0;
    return k->isa;
}

const char *kctx_variant(const kctx *k) {
    if (k->use_ref) return "ref";
    return k->isa == K_ISA_AVX512 ? "avx512" : k->isa == K_ISA_AVX2 ? "avx2" : "ref";
}

const char *kctx_features(const kctx *k, char *buf, size_t cap) {
    snprintf(buf, cap, "%s%s%s%s", k->has_avx2 ? "avx2 " : "", k->has_avx512 ? "avx512 " : "",
             k->has_avx512_bf16 ? "avx512_bf16 " : "", k->has_avx512_vnni ? "avx512_vnni " : "");
    size_t n = strlen(buf);
    if (n && buf[n - 1] == ' ') buf[n - 1] = 0;
    if (!n) snprintf(buf, cap, "scalar");
    return buf;
}
