/* kernels/cpu/matmul_avx512.c: float-weight products with AVX-512.
 *
 * Decode (few tokens): register tiles of 4 weight rows x up to 6 tokens in
 * 24 accumulators; each weight vector loaded (and widened from bf16/f16)
 * feeds up to 6 FMAs and each activation vector 4. Rows are independent
 * dot products reduced at the end, so a thread streams its rows once; the
 * loop is bound by memory bandwidth, not arithmetic.
 *
 * Prefill (many tokens): a packed GEMM. A block of GM_RB weight rows x GM_KC
 * columns is widened once into f32 micro-panels laid out [k][32 rows], so
 * the micro-kernel loads two vectors of 16 output rows per k and broadcasts
 * one activation per token: GM_MT tokens x 32 rows = 28 accumulators, every
 * FMA fed from registers or an embedded broadcast, no widening or shuffles
 * in the inner loop. The packed block (128 KB) stays in L2 while every token
 * block passes over it; the activations a micro-kernel reads (14 tokens x
 * 256 columns, 14 KB) stay in L1 across the block's micro-panels. */
#include <string.h>

#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_impl.h"

/* ---- register tiles (decode) ---- */

#define MR 4 /* weight rows per tile */
#define NR 6 /* tokens per tile */

K_AVX512 K_INLINE __m512 load_w(wtype t, const void *row, int c, __mmask16 m) {
    switch (t) {
    case W_BF16: {
        __m256i h = _mm256_maskz_loadu_epi16(m, (const bf16 *)row + c);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    case W_F16: {
        __m256i h = _mm256_maskz_loadu_epi16(m, (const f16 *)row + c);
        return _mm512_cvtph_ps(h);
    }
    default: return _mm512_maskz_loadu_ps(m, (const float *)row + c);
    }
}

/* One tile: mr rows from r, nr tokens from t; inlined with constant mr, nr
 * (and weight type) so the accumulators live in registers. */
K_AVX512 K_INLINE void tile(float *y, long ldy, const wmat *w, wtype wt, const float *x, const float *bias, int r,
                            int t, int mr, int nr) {
    const int cols = w->cols;
    const size_t eb = wtype_bytes(wt);
    const void *wrow[MR];
    #pragma GCC unroll 16
    for (int i = 0; i < mr; i++) wrow[i] = (const char *)w->data + (size_t)(r + i) * (size_t)cols * eb;
    __m512 acc[MR][NR];
    #pragma GCC unroll 16
    for (int i = 0; i < mr; i++)
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) acc[i][j] = _mm512_setzero_ps();
    const float *xrow[NR];
    #pragma GCC unroll 16
    for (int j = 0; j < nr; j++) xrow[j] = x + (size_t)(t + j) * (size_t)cols;
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        __m512 wv[MR];
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++) wv[i] = load_w(wt, wrow[i], c, 0xffff);
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) {
            __m512 xv = _mm512_loadu_ps(xrow[j] + c);
            #pragma GCC unroll 16
            for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    if (c < cols) {
        __mmask16 m = k_mask16(cols - c);
        __m512 wv[MR];
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++) wv[i] = load_w(wt, wrow[i], c, m);
        #pragma GCC unroll 16
        for (int j = 0; j < nr; j++) {
            __m512 xv = _mm512_maskz_loadu_ps(m, xrow[j] + c);
            #pragma GCC unroll 16
            for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < nr; j++)
        #pragma GCC unroll 16
        for (int i = 0; i < mr; i++)
            y[(size_t)(t + j) * (size_t)ldy + (size_t)(r + i)] =
                _mm512_reduce_add_ps(acc[i][j]) + (bias ? bias[r + i] : 0.0f);
}

#define TILE_NR(WT, MRV)                                                                                  \
    switch (nr) {                                                                                        \
    case 1: tile(y, ldy, w, WT, x, bias, r, t, MRV, 1); break;                                           \
    case 2: tile(y, ldy, w, WT, x, bias, r, t, MRV, 2); break;                                           \
    case 3: tile(y, ldy, w, WT, x, bias, r, t, MRV, 3); break;                                           \
    case 4: tile(y, ldy, w, WT, x, bias, r, t, MRV, 4); break;                                           \
    case 5: tile(y, ldy, w, WT, x, bias, r, t, MRV, 5); break;                                           \
    default: tile(y, ldy, w, WT, x, bias, r, t, MRV, 6); break;                                          \
    }
#define TILE_MR(WT)                                                                                       \
    switch (mr) {                                                                                        \
    case 1: TILE_NR(WT, 1); break;                                                                       \
    case 2: TILE_NR(WT, 2); break;                                                                       \
    case 3: TILE_NR(WT, 3); break;                                                                       \
    default: TILE_NR(WT, 4); break;                                                                      \
    }

K_AVX512 static void tile_any(float *y, long ldy, const wmat *w, const float *x, const float *bias, int r, int t,
                              int mr, int nr) {
    switch (w->type) {
    case W_BF16: TILE_MR(W_BF16); break;
    case W_F16: TILE_MR(W_F16); break;
    default: TILE_MR(W_F32); break;
    }
}

/* ---- streaming kernel (decode, 1 to 3 tokens) ----
 *
 * Bound by memory bandwidth alone, so what matters is keeping enough cache
 * lines in flight: 8 rows at a time, one 64-byte load per row per step, a
 * software prefetch MV_PREFETCH_BYTES ahead in each row into L1, and the
 * next tile's 8 rows (one contiguous block) prefetched into L2 in address
 * order as this tile streams, so tiles never start cold. Measured against
 * the read probe on the same 1.3 GB matrix: the hardware prefetcher alone
 * left ~23% of the bandwidth unused, the row prefetch ~5-10%, both ~5%. A
 * 64-byte load holds 32 bf16: shifting each 32-bit lane left by 16 widens
 * the even columns, masking the low half widens the odd ones, so the 32
 * activations are split into even and odd columns to match (two shuffles
 * per 32 columns and token, shared by the 8 rows). One accumulator per row
 * and token: at 8 rows the FMA latency is hidden many times over. */
#define MV_ROWS 8
#define MV_TOK 3
#define MV_PREFETCH_BYTES 1024

/* Columns [c, c + 32) of a weight row as two f32 vectors, in the order
 * mv_x() arranges the activations (bf16: even, odd; f16/f32: low, high). */
K_AVX512 K_INLINE void mv_w(wtype t, const void *row, int c, int n, __m512 *a, __m512 *b) {
    switch (t) {
    case W_BF16: {
        const __mmask32 m = n >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << n) - 1);
        __m512i p = _mm512_maskz_loadu_epi16(m, (const bf16 *)row + c);
        *a = _mm512_castsi512_ps(_mm512_slli_epi32(p, 16));
        *b = _mm512_castsi512_ps(_mm512_and_si512(p, _mm512_set1_epi32((int)0xffff0000u)));
        break;
    }
    case W_F16: {
        const __mmask32 m = n >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << n) - 1);
        __m512i p = _mm512_maskz_loadu_epi16(m, (const f16 *)row + c);
        *a = _mm512_cvtph_ps(_mm512_castsi512_si256(p));
        *b = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(p, 1));
        break;
    }
    default:
        *a = _mm512_maskz_loadu_ps(k_mask16(n), (const float *)row + c);
        *b = _mm512_maskz_loadu_ps(k_mask16(n - 16), (const float *)row + c + 16);
        break;
    }
}

K_AVX512 K_INLINE void mv_x(wtype t, const float *x, int c, int n, __m512 *a, __m512 *b) {
    __m512 lo = _mm512_maskz_loadu_ps(k_mask16(n), x + c), hi = _mm512_maskz_loadu_ps(k_mask16(n - 16), x + c + 16);
    if (t == W_BF16) {
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        *a = _mm512_permutex2var_ps(lo, even, hi);
        *b = _mm512_permutex2var_ps(lo, odd, hi);
    } else {
        *a = lo;
        *b = hi;
    }
}

K_AVX512 K_INLINE void mv_tile(float *y, long ldy, const wmat *w, wtype wt, const float *x, const float *bias, int r,
                               int mr, int nt) {
    const int cols = w->cols;
    const size_t eb = wtype_bytes(wt), row_bytes = (size_t)cols * eb;
    const char *base = (const char *)w->data + (size_t)r * row_bytes;
    /* The next tile (mr rows, contiguous) prefetched into L2 in address
     * order, mr chunks per step, so every tile starts warm. */
    const char *view_end = (const char *)w->data + (size_t)w->rows * row_bytes;
    /* (the last tile of a view re-prefetches itself rather than reading
     * past the view: no branch in the loop) */
    const char *next_tile = base + (size_t)mr * row_bytes < view_end ? base + (size_t)mr * row_bytes : base;
    __m512 acc[MV_ROWS][MV_TOK];
#pragma GCC unroll 16
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 16
        for (int j = 0; j < nt; j++) acc[i][j] = _mm512_setzero_ps();
    for (int c = 0; c < cols; c += 32) {
        const int n = cols - c;
        __m512 xa[MV_TOK], xb[MV_TOK];
#pragma GCC unroll 16
        for (int j = 0; j < nt; j++) mv_x(wt, x + (size_t)j * cols, c, n, &xa[j], &xb[j]);
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++) {
            const char *row = base + (size_t)i * row_bytes;
            _mm_prefetch(row + (size_t)c * eb + MV_PREFETCH_BYTES, _MM_HINT_T0);
            if (wt == W_F32) _mm_prefetch(row + (size_t)c * eb + MV_PREFETCH_BYTES + 64, _MM_HINT_T0);
            {
                const char *nx = next_tile + ((size_t)(c / 32) * (size_t)mr + (size_t)i) * 32 * eb;
                _mm_prefetch(nx, _MM_HINT_T1);
                if (wt == W_F32) _mm_prefetch(nx + 64, _MM_HINT_T1);
            }
            __m512 wa, wb;
            mv_w(wt, row, c, n, &wa, &wb);
#pragma GCC unroll 16
            for (int j = 0; j < nt; j++) acc[i][j] = _mm512_fmadd_ps(wb, xb[j], _mm512_fmadd_ps(wa, xa[j], acc[i][j]));
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < nt; j++)
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++)
            y[(size_t)j * (size_t)ldy + (size_t)(r + i)] = _mm512_reduce_add_ps(acc[i][j]) + (bias ? bias[r + i] : 0.0f);
}

#define MV_NT(WT, MRV)                                                                                    \
    switch (nt) {                                                                                        \
    case 1: mv_tile(y, ldy, w, WT, x, bias, r, MRV, 1); break;                                           \
    case 2: mv_tile(y, ldy, w, WT, x, bias, r, MRV, 2); break;                                           \
    default: mv_tile(y, ldy, w, WT, x, bias, r, MRV, 3); break;                                          \
    }
#define MV_MR(WT)                                                                                         \
    switch (mr) {                                                                                        \
    case 8: MV_NT(WT, 8); break;                                                                         \
    case 4: MV_NT(WT, 4); break;                                                                         \
    case 2: MV_NT(WT, 2); break;                                                                         \
    default: MV_NT(WT, 1); break;                                                                        \
    }

/* Rows [r, r + mr), mr in {8, 4, 2, 1}. */
K_AVX512 static void mv_any(float *y, long ldy, const wmat *w, const float *x, const float *bias, int r, int mr,
                            int nt) {
    switch (w->type) {
    case W_BF16: MV_MR(W_BF16); break;
    case W_F16: MV_MR(W_F16); break;
    default: MV_MR(W_F32); break;
    }
}

/* Rows kept hot in L2 while token tiles pass over them. */
#define ROW_PANEL 64

K_AVX512 void k_matmul_part_avx512(float *y, long ldy, const wmat *w, const float *x, const float *bias,
                                   int n_tok) {
    if (n_tok <= MV_TOK) {
        int r = 0;
        for (; r + MV_ROWS <= w->rows; r += MV_ROWS) mv_any(y, ldy, w, x, bias, r, MV_ROWS, n_tok);
        for (int step = 4; step >= 1; step /= 2)
            for (; r + step <= w->rows; r += step) mv_any(y, ldy, w, x, bias, r, step, n_tok);
        return;
    }
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

/* ---- packed GEMM (prefill) ---- */

#define GM_NR 32  /* output rows per micro-panel: two vectors */
#define GM_MT 14  /* tokens per micro-kernel: 28 accumulators + 2 weight vectors */
#define GM_KC 256 /* columns per packed block */
#define GM_RB 128 /* rows per packed block */

/* In-register transpose of a 16 x 16 block of floats (r[i] = row i). */
K_AVX512 K_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    #pragma GCC unroll 16
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    #pragma GCC unroll 16
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
    }
    /* u[4i + c] holds, in each 128-bit lane L, column 4L + c of rows 4i..4i+3. */
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m512 a = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), b = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);
        __m512 d = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88), e = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
        r[c] = _mm512_shuffle_f32x4(a, d, 0x88);
        r[c + 8] = _mm512_shuffle_f32x4(a, d, 0xdd);
        r[c + 4] = _mm512_shuffle_f32x4(b, e, 0x88);
        r[c + 12] = _mm512_shuffle_f32x4(b, e, 0xdd);
    }
}

/* Widens rows [r0, r0 + nrows) x columns [k0, k0 + kc) into micro-panels
 * pk[p][k][32]; rows past nrows and columns past kc (up to a multiple of
 * 16) are zero. 16 x 16 blocks are widened and transposed in registers. */
/* 16 columns c..c+15 of row r of a quantized matrix, dequantized to f32
 * (columns outside m are 0). c is a multiple of 16 and the group size a
 * multiple of 32, so the 16 columns share one scale (and offset). */
K_AVX512 K_INLINE __m512 load_wq(const wmat *w, long r, int c, __mmask16 m) {
    const long g = r * k_n_groups(w->cols, w->group) + c / w->group;
    const __m512 scale = _mm512_set1_ps(f16_to_f32(w->scales[g]));
    if (w->type == W_Q8) {
        const __m128i q = _mm_maskz_loadu_epi8(m, (const int8_t *)w->data + r * w->cols + c);
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), scale);
    }
    /* W_Q4: the 16 bytes of c's 32-column block hold columns 0-15 of the
     * block in their low nibbles and 16-31 in their high ones; the block
     * lies inside the row (rows are whole blocks). */
    const __m128i b = _mm_loadu_si128((const __m128i *)((const uint8_t *)w->data + r * k_q4_row_bytes(w->cols) +
                                                        (long)(c / 32) * 16));
    const __m128i q = _mm_and_si128(c % 32 ? _mm_srli_epi16(b, 4) : b, _mm_set1_epi8(0x0f));
    const __m512 off = _mm512_set1_ps(f16_to_f32(w->offsets[g]));
    return _mm512_maskz_fmadd_ps(m, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q)), scale, off);
}

K_AVX512 static void pack_block(float *pk, const wmat *w, int r0, int nrows, int k0, int kc) {
    const int n_panels = (nrows + GM_NR - 1) / GM_NR;
    const int quant = w->type == W_Q8 || w->type == W_Q4;
    const size_t eb = quant ? 0 : wtype_bytes(w->type);
    for (int p = 0; p < n_panels; p++) {
        float *dst = pk + (size_t)p * GM_KC * GM_NR;
        for (int h = 0; h < 2; h++) { /* the two 16-row halves of the panel */
            const int rbase = p * GM_NR + h * 16;
            for (int k = 0; k < kc; k += 16) {
                const __mmask16 m = k_mask16(kc - k);
                __m512 r[16];
                #pragma GCC unroll 16
                for (int i = 0; i < 16; i++) {
                    const int rr = rbase + i;
                    r[i] = rr >= nrows ? _mm512_setzero_ps()
                           : quant     ? load_wq(w, r0 + rr, k0 + k, m)
                                       : load_w(w->type,
                                                (const char *)w->data + ((size_t)(r0 + rr) * (size_t)w->cols + (size_t)k0) * eb,
                                                k, m);
                }
                transpose16(r);
                #pragma GCC unroll 16
                for (int i = 0; i < 16; i++) _mm512_store_ps(dst + (size_t)(k + i) * GM_NR + h * 16, r[i]);
            }
        }
    }
}

/* A micro-kernel's accumulators for mt tokens x 32 rows (nrows of them
 * real): from the bias (or zero) on the first column block, else from the
 * partial sums already in y; and back to y. Shared by the f32 and the bf16
 * dot-product micro-kernels. */
K_AVX512 K_INLINE void micro_start(__m512 acc[GM_MT][2], const float *y, long ldy, int mt, int nrows, int first,
                                   const float *bias) {
    const __mmask16 m0 = k_mask16(nrows), m1 = k_mask16(nrows - 16);
    #pragma GCC unroll 16
    for (int j = 0; j < mt; j++) {
        if (first) {
            acc[j][0] = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
            acc[j][1] = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
        } else {
            acc[j][0] = _mm512_maskz_loadu_ps(m0, y + j * ldy);
            acc[j][1] = _mm512_maskz_loadu_ps(m1, y + j * ldy + 16);
        }
    }
}

K_AVX512 K_INLINE void micro_finish(__m512 acc[GM_MT][2], float *y, long ldy, int mt, int nrows) {
    const __mmask16 m0 = k_mask16(nrows), m1 = k_mask16(nrows - 16);
    #pragma GCC unroll 16
    for (int j = 0; j < mt; j++) {
        _mm512_mask_storeu_ps(y + j * ldy, m0, acc[j][0]);
        _mm512_mask_storeu_ps(y + j * ldy + 16, m1, acc[j][1]);
    }
}

/* acc[j][0..1] += pk[k][0..31] * x[j][k] for k < kc; then stored to y
 * (masked to nrows rows), adding the previous y or the bias. */
K_AVX512 K_INLINE void micro(float *y, long ldy, const float *pk, const float *x, long ldx, int kc, int mt,
                             int nrows, int first, const float *bias) {
    __m512 acc[GM_MT][2];
    micro_start(acc, y, ldy, mt, nrows, first, bias);
    for (int k = 0; k < kc; k++) {
        __m512 w0 = _mm512_load_ps(pk + (size_t)k * GM_NR), w1 = _mm512_load_ps(pk + (size_t)k * GM_NR + 16);
        #pragma GCC unroll 16
        for (int j = 0; j < mt; j++) {
            __m512 xb = _mm512_set1_ps(x[j * ldx + k]);
            acc[j][0] = _mm512_fmadd_ps(w0, xb, acc[j][0]);
            acc[j][1] = _mm512_fmadd_ps(w1, xb, acc[j][1]);
        }
    }
    micro_finish(acc, y, ldy, mt, nrows);
}

K_AVX512 static void micro_any(float *y, long ldy, const float *pk, const float *x, long ldx, int kc, int mt,
                               int nrows, int first, const float *bias) {
#define MC(N) case N: micro(y, ldy, pk, x, ldx, kc, N, nrows, first, bias); break;
    switch (mt) {
        MC(1) MC(2) MC(3) MC(4) MC(5) MC(6) MC(7) MC(8) MC(9) MC(10) MC(11) MC(12) MC(13)
    default: micro(y, ldy, pk, x, ldx, kc, GM_MT, nrows, first, bias); break;
    }
#undef MC
}

K_AVX512 void k_matmul_part_gemm_avx512(float *y, long ldy, const wmat *w, const float *x, const float *bias,
                                        int n_tok) {
    _Alignas(64) float pk[GM_RB / GM_NR][GM_KC][GM_NR]; /* 128 KB */
    const int K = w->cols;
    for (int rb = 0; rb < w->rows; rb += GM_RB) {
        const int nrb = w->rows - rb < GM_RB ? w->rows - rb : GM_RB;
        const int n_panels = (nrb + GM_NR - 1) / GM_NR;
        for (int kb = 0; kb < K; kb += GM_KC) {
            const int kc = K - kb < GM_KC ? K - kb : GM_KC;
            pack_block(&pk[0][0][0], w, rb, nrb, kb, kc);
            for (int t = 0; t < n_tok; t += GM_MT) {
                const int mt = n_tok - t < GM_MT ? n_tok - t : GM_MT;
                for (int p = 0; p < n_panels; p++) {
                    const int r = rb + p * GM_NR;
                    micro_any(y + (long)t * ldy + r, ldy, &pk[p][0][0], x + (long)t * K + kb, K, kc, mt,
                              w->rows - r < GM_NR ? w->rows - r : GM_NR, kb == 0, bias ? bias + r : NULL);
                }
            }
        }
    }
}

/* ---- packed GEMM with bf16 activations (kctx.bf16_act) ----
 *
 * vdpbf16ps multiplies pairs of bf16 and adds both products to an f32 lane:
 * weights are packed as pairs of columns [k/2][32 rows][2] (a 16 x 16
 * transpose of 32-bit pairs, no widening), activations are rounded to bf16
 * (round to nearest even) and packed as pairs per token, one 32-bit
 * broadcast per token and column pair. Rounding the activations costs
 * accuracy (bounded in tests/test_kernels.c), so it is opt-in. */

K_AVX512 static void pack_block_bf16(uint32_t *pk, const wmat *w, int r0, int nrows, int k0, int kc) {
    const int n_panels = (nrows + GM_NR - 1) / GM_NR, n_pairs = (kc + 1) / 2;
    for (int p = 0; p < n_panels; p++) {
        uint32_t *dst = pk + (size_t)p * (GM_KC / 2) * GM_NR;
        for (int h = 0; h < 2; h++) {
            const int rbase = p * GM_NR + h * 16;
            for (int kp = 0; kp < n_pairs; kp += 16) {
                /* 16 pairs = 32 bf16 columns from k0 + 2 kp. */
                const int ncols = kc - 2 * kp;
                const __mmask32 m = ncols >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << ncols) - 1);
                __m512 r[16];
                #pragma GCC unroll 16
                for (int i = 0; i < 16; i++) {
                    const int rr = rbase + i;
                    r[i] = rr < nrows ? _mm512_castsi512_ps(_mm512_maskz_loadu_epi16(
                                            m, (const bf16 *)w->data + (size_t)(r0 + rr) * (size_t)w->cols + k0 + 2 * kp))
                                      : _mm512_setzero_ps();
                }
                transpose16(r);
                #pragma GCC unroll 16
                for (int i = 0; i < 16; i++) _mm512_store_ps((float *)(dst + (size_t)(kp + i) * GM_NR + h * 16), r[i]);
            }
        }
    }
}

/* Tokens' activations [mt][kc] rounded to bf16 pairs [mt][kc/2]. */
K_AVX512BF16 static void pack_x_bf16(uint32_t *xp, const float *x, long ldx, int mt, int kc) {
    const int n_pairs = (kc + 1) / 2;
    #pragma GCC unroll 16
    for (int j = 0; j < mt; j++)
        for (int c = 0; c < kc; c += 32) {
            const __mmask16 m0 = k_mask16(kc - c), m1 = k_mask16(kc - c - 16);
            __m512 a = _mm512_maskz_loadu_ps(m0, x + j * ldx + c), b = _mm512_maskz_loadu_ps(m1, x + j * ldx + c + 16);
            __m512bh v = _mm512_cvtne2ps_pbh(b, a); /* a in the low half */
            const int np = n_pairs - c / 2;
            _mm512_mask_storeu_epi32(xp + (size_t)j * (GM_KC / 2) + c / 2, k_mask16(np), (__m512i)v);
        }
}

K_AVX512BF16 K_INLINE void micro_bf16(float *y, long ldy, const uint32_t *pk, const uint32_t *xp, int n_pairs,
                                      int mt, int nrows, int first, const float *bias) {
    __m512 acc[GM_MT][2];
    micro_start(acc, y, ldy, mt, nrows, first, bias);
    for (int kp = 0; kp < n_pairs; kp++) {
        __m512bh w0 = (__m512bh)_mm512_load_si512(pk + (size_t)kp * GM_NR);
        __m512bh w1 = (__m512bh)_mm512_load_si512(pk + (size_t)kp * GM_NR + 16);
        #pragma GCC unroll 16
        for (int j = 0; j < mt; j++) {
            __m512bh xb = (__m512bh)_mm512_set1_epi32((int)xp[(size_t)j * (GM_KC / 2) + kp]);
            acc[j][0] = _mm512_dpbf16_ps(acc[j][0], w0, xb);
            acc[j][1] = _mm512_dpbf16_ps(acc[j][1], w1, xb);
        }
    }
    micro_finish(acc, y, ldy, mt, nrows);
}

K_AVX512BF16 static void micro_bf16_any(float *y, long ldy, const uint32_t *pk, const uint32_t *xp, int n_pairs,
                                        int mt, int nrows, int first, const float *bias) {
#define MC(N) case N: micro_bf16(y, ldy, pk, xp, n_pairs, N, nrows, first, bias); break;
    switch (mt) {
        MC(1) MC(2) MC(3) MC(4) MC(5) MC(6) MC(7) MC(8) MC(9) MC(10) MC(11) MC(12) MC(13)
    default: micro_bf16(y, ldy, pk, xp, n_pairs, GM_MT, nrows, first, bias); break;
    }
#undef MC
}

K_AVX512BF16 void k_matmul_part_gemm_avx512bf16(float *y, long ldy, const wmat *w, const float *x, const float *bias,
                                                int n_tok) {
    if (w->type != W_BF16) {
        k_matmul_part_gemm_avx512(y, ldy, w, x, bias, n_tok);
        return;
    }
    _Alignas(64) uint32_t pk[GM_RB / GM_NR][GM_KC / 2][GM_NR]; /* 64 KB */
    _Alignas(64) uint32_t xp[GM_MT][GM_KC / 2];
    const int K = w->cols;
    for (int rb = 0; rb < w->rows; rb += GM_RB) {
        const int nrb = w->rows - rb < GM_RB ? w->rows - rb : GM_RB;
        const int n_panels = (nrb + GM_NR - 1) / GM_NR;
        for (int kb = 0; kb < K; kb += GM_KC) {
            const int kc = K - kb < GM_KC ? K - kb : GM_KC;
            pack_block_bf16(&pk[0][0][0], w, rb, nrb, kb, kc);
            for (int t = 0; t < n_tok; t += GM_MT) {
                const int mt = n_tok - t < GM_MT ? n_tok - t : GM_MT;
                pack_x_bf16(&xp[0][0], x + (long)t * K + kb, K, mt, kc);
                for (int p = 0; p < n_panels; p++) {
                    const int r = rb + p * GM_NR;
                    micro_bf16_any(y + (long)t * ldy + r, ldy, &pk[p][0][0], &xp[0][0], (kc + 1) / 2, mt,
                                   w->rows - r < GM_NR ? w->rows - r : GM_NR, kb == 0, bias ? bias + r : NULL);
                }
            }
        }
    }
}
