/* kernels/cpu/matmul_avx2.c: float-weight products for CPUs with AVX2 and
 * FMA but no AVX-512: register tiles of 4 weight rows x up to 3 tokens,
 * 8 lanes, bf16/f16 widened in registers, masked column tails. One path for
 * decode and prefill: with 16 vector registers there is no room for a
 * broadcast micro-kernel wide enough to beat it. */
#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_impl.h"

#define MR 4
#define NR 3
#define ROW_PANEL 64

K_AVX2 K_INLINE __m256 load_w8(wtype t, const void *row, int c, int n) {
    if (n >= 8) {
        switch (t) {
        case W_BF16: {
            __m128i h = _mm_loadu_si128((const __m128i *)((const bf16 *)row + c));
            return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
        }
        case W_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const f16 *)row + c)));
        default: return _mm256_loadu_ps((const float *)row + c);
        }
    }
    /* Tail: through a small buffer (no 16-bit masked loads in AVX2). */
    float tmp[8] = {0};
    for (int i = 0; i < n; i++) {
        switch (t) {
        case W_BF16: tmp[i] = bf16_to_f32(((const bf16 *)row)[c + i]); break;
        case W_F16: tmp[i] = f16_to_f32(((const f16 *)row)[c + i]); break;
        default: tmp[i] = ((const float *)row)[c + i]; break;
        }
    }
    return _mm256_loadu_ps(tmp);
}

K_AVX2 K_INLINE float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

K_AVX2 K_INLINE void tile8(float *y, long ldy, const wmat *w, wtype wt, const float *x, const float *bias, int r,
                           int t, int mr, int nr) {
    const int cols = w->cols;
    const size_t eb = wtype_bytes(wt);
    const void *wrow[MR];
    #pragma GCC unroll 16
    for (int i = 0; i < mr; i++) wrow[i] = (const char *)w->data + (size_t)(r + i) * (size_t)cols * eb;
    __m256 acc[MR][NR];
    #pragma GCC unroll 16
    for (int i = 0; i < mr; i++)
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) acc[i][j] = _mm256_setzero_ps();
    const float *xrow[NR];
    #pragma GCC unroll 16
    for (int j = 0; j < nr; j++) xrow[j] = x + (size_t)(t + j) * (size_t)cols;
    int c = 0;
    for (; c + 8 <= cols; c += 8) {
        __m256 wv[MR];
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++) wv[i] = load_w8(wt, wrow[i], c, 8);
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) {
            __m256 xv = _mm256_loadu_ps(xrow[j] + c);
            #pragma GCC unroll 16
            for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    if (c < cols) {
        const __m256i m = k_mask8_avx2(cols - c);
        __m256 wv[MR];
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++) wv[i] = load_w8(wt, wrow[i], c, cols - c);
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) {
            __m256 xv = _mm256_maskload_ps(xrow[j] + c, m);
            #pragma GCC unroll 16
            for (int i = 0; i < mr; i++) acc[i][j] = _mm256_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < nr; j++)
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++)
            y[(size_t)(t + j) * (size_t)ldy + (size_t)(r + i)] = hsum8(acc[i][j]) + (bias ? bias[r + i] : 0.0f);
}

#define TILE_NR(WT, MRV)                                                                                  \
    switch (nr) {                                                                                        \
    case 1: tile8(y, ldy, w, WT, x, bias, r, t, MRV, 1); break;                                          \
    case 2: tile8(y, ldy, w, WT, x, bias, r, t, MRV, 2); break;                                          \
    default: tile8(y, ldy, w, WT, x, bias, r, t, MRV, 3); break;                                         \
    }
#define TILE_MR(WT)                                                                                       \
    switch (mr) {                                                                                        \
    case 1: TILE_NR(WT, 1); break;                                                                       \
    case 2: TILE_NR(WT, 2); break;                                                                       \
    case 3: TILE_NR(WT, 3); break;                                                                       \
    default: TILE_NR(WT, 4); break;                                                                      \
    }

K_AVX2 static void tile_any(float *y, long ldy, const wmat *w, const float *x, const float *bias, int r, int t,
                            int mr, int nr) {
    switch (w->type) {
    case W_BF16: TILE_MR(W_BF16); break;
    case W_F16: TILE_MR(W_F16); break;
    default: TILE_MR(W_F32); break;
    }
}

K_AVX2 void k_matmul_part_avx2(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok) {
    for (int p0 = 0; p0 < w->rows; p0 += ROW_PANEL) {
        int p1 = p0 + ROW_PANEL < w->rows ? p0 + ROW_PANEL : w->rows;
        for (int t = 0; t < n_tok; t += NR) {
            int nr = n_tok - t < NR ? n_tok - t : NR;
            for (int r = p0; r < p1; r += MR) {
                int mr = p1 - r < MR ? p1 - r : MR;
                tile_any(y, ldy, w, x, bias, r, t, mr, nr);
            }
        }
    }
}
