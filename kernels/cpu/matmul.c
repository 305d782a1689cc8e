/* kernels/cpu/matmul.c: y = x w^T + b, the product behind every linear layer.
 *
 * The reference is three plain loops. The AVX-512 variant computes a tile of
 * 4 weight rows x 6 tokens in 24 accumulators, so each weight vector loaded
 * (and widened from bf16/f16) feeds 6 FMAs and each activation vector 4;
 * a panel of 64 rows stays in L2 while every token block passes over it.
 * Column tails use masked loads, so every size takes the fast path. Threads
 * split output rows, which serves both decode (1 token, many rows: bound by
 * memory bandwidth) and prefill (many tokens: bound by arithmetic). */
#include <immintrin.h>
#include <stdint.h>

#include "kernels/kernels.h"

static void matmul_rows_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok, int r0,
                            int r1) {
    for (int t = 0; t < n_tok; t++)
        for (int r = r0; r < r1; r++) {
            float acc = 0.0f;
            for (int c = 0; c < w->cols; c++) acc += x[(long)t * w->cols + c] * wmat_at(w, r, c);
            y[(long)t * w->rows + r] = acc + (bias ? bias[r] : 0.0f);
        }
}

void k_matmul_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok) {
    matmul_rows_ref(y, w, x, bias, n_tok, 0, w->rows);
}

#define MR 4          /* weight rows per tile */
#define NR 6          /* tokens per tile */
#define ROW_PANEL 64  /* rows kept hot in L2 while tokens stream past */
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))

AVX512_TARGET static inline __m512 load_w(wtype t, const void *row, int c, __mmask16 m) {
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

/* One tile: mr rows from r, nr tokens from t. Inlined with constant mr, nr
 * so the accumulators live in registers. */
AVX512_TARGET static inline __attribute__((always_inline)) void
tile(float *y, const wmat *w, const float *x, const float *bias, int r, int t, int mr, int nr) {
    const int cols = w->cols, rows = w->rows;
    const size_t eb = wtype_bytes(w->type);
    const void *wrow[MR];
    for (int i = 0; i < mr; i++) wrow[i] = (const char *)w->data + (size_t)(r + i) * (size_t)cols * eb;
    __m512 acc[MR][NR];
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) acc[i][j] = _mm512_setzero_ps();
    const float *xrow[NR];
    for (int j = 0; j < nr; j++) xrow[j] = x + (size_t)(t + j) * (size_t)cols;
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
        __m512 wv[MR];
        for (int i = 0; i < mr; i++) wv[i] = load_w(w->type, wrow[i], c, 0xffff);
        for (int j = 0; j < nr; j++) {
            __m512 xv = _mm512_loadu_ps(xrow[j] + c);
            for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    if (c < cols) {
        __mmask16 m = (__mmask16)((1u << (cols - c)) - 1);
        __m512 wv[MR];
        for (int i = 0; i < mr; i++) wv[i] = load_w(w->type, wrow[i], c, m);
        for (int j = 0; j < nr; j++) {
            __m512 xv = _mm512_maskz_loadu_ps(m, xrow[j] + c);
            for (int i = 0; i < mr; i++) acc[i][j] = _mm512_fmadd_ps(wv[i], xv, acc[i][j]);
        }
    }
    for (int j = 0; j < nr; j++)
        for (int i = 0; i < mr; i++)
            y[(size_t)(t + j) * (size_t)rows + (size_t)(r + i)] =
                _mm512_reduce_add_ps(acc[i][j]) + (bias ? bias[r + i] : 0.0f);
}

#define TILE_CASE(MRV)                                                   \
    switch (nr) {                                                        \
    case 1: tile(y, w, x, bias, r, t, MRV, 1); break;                    \
    case 2: tile(y, w, x, bias, r, t, MRV, 2); break;                    \
    case 3: tile(y, w, x, bias, r, t, MRV, 3); break;                    \
    case 4: tile(y, w, x, bias, r, t, MRV, 4); break;                    \
    case 5: tile(y, w, x, bias, r, t, MRV, 5); break;                    \
    default: tile(y, w, x, bias, r, t, MRV, 6); break;                   \
    }

AVX512_TARGET static void tile_any(float *y, const wmat *w, const float *x, const float *bias, int r, int t,
                                   int mr, int nr) {
    switch (mr) {
    case 1: TILE_CASE(1); break;
    case 2: TILE_CASE(2); break;
    case 3: TILE_CASE(3); break;
    default: TILE_CASE(4); break;
    }
}

AVX512_TARGET void k_matmul_rows_avx512(float *y, const wmat *w, const float *x, const float *bias, int n_tok,
                                        int r0, int r1) {
    for (int p0 = r0; p0 < r1; p0 += ROW_PANEL) {
        int p1 = p0 + ROW_PANEL < r1 ? p0 + ROW_PANEL : r1;
        for (int t = 0; t < n_tok; t += NR) {
            int nr = n_tok - t < NR ? n_tok - t : NR;
            for (int r = p0; r < p1; r += MR) {
                int mr = p1 - r < MR ? p1 - r : MR;
                tile_any(y, w, x, bias, r, t, mr, nr);
            }
        }
    }
}

typedef struct matmul_job {
    float *y;
    const wmat *w;
    const float *x;
    const float *bias;
    int n_tok;
    int use_ref;
} matmul_job;

static void matmul_task(void *arg, int ith, int nth) {
    const matmul_job *j = arg;
    /* Split in whole tiles of MR rows so no two threads share a tile. */
    long n_tiles = (j->w->rows + MR - 1) / MR, lo, hi;
    pool_split(n_tiles, ith, nth, &lo, &hi);
    int r0 = (int)(lo * MR), r1 = (int)(hi * MR < j->w->rows ? hi * MR : j->w->rows);
    if (r0 >= r1) return;
    if (j->use_ref) matmul_rows_ref(j->y, j->w, j->x, j->bias, j->n_tok, r0, r1);
    else k_matmul_rows_avx512(j->y, j->w, j->x, j->bias, j->n_tok, r0, r1);
}

void k_matmul(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok) {
    matmul_job j = {y, w, x, bias, n_tok, k->use_ref || !k->has_avx512};
    /* Small products are not worth waking the pool for. */
    long work = (long)w->rows * w->cols * n_tok;
    if (work < 32768) matmul_task(&j, 0, 1);
    else pool_run(k->pool, matmul_task, &j);
}
