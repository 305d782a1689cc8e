/* kernels/cpu/matmul_q.c: products over int8 (W_Q8) and 4-bit (W_Q4)
 * weights with activations quantized to int8 on the fly (quant.c has the
 * formats and the reference).
 *
 * AVX-512 VNNI: vpdpbusd multiplies 64 unsigned by 64 signed bytes and adds
 * groups of 4 products into 16 int32 lanes. W_Q4 nibbles are unsigned and
 * the activations signed, a direct fit. W_Q8 weights are signed too, so the
 * activations are offset by 128 (x ^ 0x80 as unsigned) and each chunk's
 * accumulator starts at -128 * sum(w), computed once per weight chunk and
 * shared by every token of the tile. Per 64-column chunk and tile entry the
 * int32 lanes are converted and multiplied by the two scales (weight group
 * x activation group; with group 32 a chunk's halves have their own), and
 * summed lane-wise in f32; the lanes are reduced once per row. The W_Q4
 * offsets add offset * sx * sum(qx) per group, 16 groups per FMA.
 *
 * Activations for a block of tokens are quantized into a stack buffer,
 * never allocated: by k_matmul's calling thread once for all the parts when
 * the tokens fit one block (decode; k_qact_prepare_avx512vnni), otherwise
 * by each part for itself. */
#include <float.h>
#include <string.h>

#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_impl.h"

#define ROW_PANEL 64 /* rows kept in L2 while token blocks pass */
#define QA_MAX_GROUPS (K_QA_BYTES / 32) /* groups of 32 in K_QA_BYTES columns */

typedef k_qact qact;

/* ---- AVX-512 ---- */

/* Into q[0 .. pad): the reference's values (k_quantize_act_ref), zero past
 * cols. */
K_AVX512 static void quantize_act_avx512(const float *x, int cols, int G, int8_t *q, int pad, float *scale,
                                         int32_t *qsum) {
    int g = 0;
    for (int c0 = 0; c0 < cols; c0 += G, g++) {
        const int n = cols - c0 < G ? cols - c0 : G;
        __m512 amax = _mm512_setzero_ps();
        __mmask16 bad = 0;
        const __m512 big = _mm512_set1_ps(FLT_MAX);
        for (int c = 0; c < n; c += 16) {
            __m512 a = _mm512_abs_ps(_mm512_maskz_loadu_ps(k_mask16(n - c), x + c0 + c));
            bad |= _mm512_cmp_ps_mask(a, big, _CMP_NLE_UQ);
            amax = _mm512_max_ps(amax, a);
        }
        const float am = _mm512_reduce_max_ps(amax);
        int32_t s = 0;
        if (!bad && am > 0.0f) {
            const __m512 inv = _mm512_set1_ps(127.0f / am);
            __m512i acc = _mm512_setzero_si512();
            for (int c = 0; c < n; c += 16) {
                const __mmask16 m = k_mask16(n - c);
                __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + c0 + c), inv));
                v = _mm512_maskz_mov_epi32(m, v);
                acc = _mm512_add_epi32(acc, v);
                _mm512_mask_cvtepi32_storeu_epi8(q + c0 + c, m, v);
            }
            s = _mm512_reduce_add_epi32(acc);
            scale[g] = am / 127.0f;
        } else {
            memset(q + c0, 0, (size_t)n);
            scale[g] = bad ? NAN : 0.0f;
        }
        qsum[g] = s;
    }
    memset(q + cols, 0, (size_t)(pad - cols));
}

/* W_Q4 pairs column j with j + 16 of each 32-column block in one byte, so
 * its kernel takes the activations of 128 columns (4 blocks, 64 bytes of
 * weights) as [the low halves of the 4 blocks | their high halves]. */
K_AVX512 static void q4_order(int8_t *q, int pad) {
    for (int c = 0; c < pad; c += 128) {
        int8_t t[128];
        for (int b = 0; b < 4; b++) {
            memcpy(t + 16 * b, q + c + 32 * b, 16);
            memcpy(t + 64 + 16 * b, q + c + 32 * b + 16, 16);
        }
        memcpy(q + c, t, 128);
    }
}

K_AVX512 static void qact_fill_avx512(qact *a, const float *x, int cols, int G, int n_tok, int q4) {
    int32_t qsum[QA_MAX_GROUPS];
    a->n_tok = n_tok;
    for (int t = 0; t < n_tok; t++) {
        float *sc = a->scale + (long)t * a->ng_pad, *xs = a->xs + (long)t * a->ng_pad;
        quantize_act_avx512(x + (long)t * cols, cols, G, a->q + (long)t * a->pad, a->pad, sc, qsum);
        if (q4) q4_order(a->q + (long)t * a->pad, a->pad);
        for (int g = 0; g < a->ng; g++) xs[g] = sc[g] * (float)qsum[g];
        for (int g = a->ng; g < a->ng_pad; g++) sc[g] = xs[g] = 0.0f;
    }
}

/* Tiles: 8 rows x 1 token for decode (bandwidth-bound: many rows in
 * flight, each prefetched Q_PREFETCH_BYTES ahead, as the float kernel), 4
 * rows x 3 tokens otherwise (each weight chunk feeds 3 tokens). */
#define QMR 8
#define QNT 3
#define Q_PREFETCH_BYTES 1024

/* 16 groups' f16 values (scales or offsets) from group g0 of a row, as f32;
 * groups past ng are 0. */
K_AVX512 K_INLINE __m512 load_groups(const f16 *v, int g0, int ng) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k_mask16(ng - g0), v + g0));
}

/* The tile: rows r..r+mr, tokens t..t+nt of the block. Q4 selects the format
 * at compile time. A step covers 64 bytes of each weight row: 64 columns
 * of W_Q8, 128 of W_Q4 (two nibble halves, whose int32 products add up
 * before the scales since both halves of a lane are in one group). */
K_AVX512VNNI K_INLINE void qtile(float *y, long ldy, const wmat *w, const qact *a, const float *bias, int r, int t,
                                 int mr, int nt, int Q4) {
    const int cols = w->cols, G = w->group, ng = a->ng;
    const int step_cols = Q4 ? 128 : 64, gps = step_cols / G; /* groups per step */
    const int n_steps = (cols + step_cols - 1) / step_cols;
    const long row_bytes = Q4 ? k_q4_row_bytes(cols) : cols;
    __m512 acc[QMR][QNT];
#pragma GCC unroll 16
    for (int i = 0; i < mr; i++)
#pragma GCC unroll 16
        for (int j = 0; j < nt; j++) acc[i][j] = _mm512_setzero_ps();
    /* Lane l of a step belongs to group step * gps + lane_grp[l]. */
    const __m512i lane_grp = gps == 1   ? _mm512_setzero_si512()
                             : gps == 2 ? _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)
                                        : _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    const __m512i x80 = _mm512_set1_epi8((char)0x80), lo4 = _mm512_set1_epi8(0x0f);
    __m512 sw[QMR], sx[QNT];
#pragma GCC unroll 16
    for (int i = 0; i < QMR; i++) sw[i] = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int j = 0; j < QNT; j++) sx[j] = _mm512_setzero_ps();
    const uint8_t *base_row = (const uint8_t *)w->data + (long)r * row_bytes;
    /* The next tile's rows, a contiguous block of mr rows: prefetched into
     * L2 in address order while this tile streams (mr lines per step), so
     * tiles of short rows do not start cold; plus each row's own stream
     * Q_PREFETCH_BYTES ahead into L1. */
    const uint8_t *view_end = (const uint8_t *)w->data + (long)w->rows * row_bytes;
    /* (the last tile of a view re-prefetches itself rather than reading
     * past the view: no branch in the loop) */
    const uint8_t *next_tile = base_row + (long)mr * row_bytes < view_end ? base_row + (long)mr * row_bytes : base_row;
    /* Its scales (and W_Q4 offsets) too, a line per step: they are a
     * separate stream the hardware prefetcher does not keep ahead of (3-8%
     * of the int8 decode bandwidth, 5-12% of W_Q4's, measured). A tile's
     * scales take at most a line per step for mr <= 8 and group >= 32. */
    const char *next_sc = (const char *)(w->scales + (long)(r + mr) * ng);
    const char *next_off = Q4 ? (const char *)(w->offsets + (long)(r + mr) * ng) : NULL;
    const int next_rows = w->rows - (r + mr) < mr ? w->rows - (r + mr) : mr; /* <= 0: none */
    const int sc_lines = next_rows > 0 ? (next_rows * ng * (int)sizeof(f16) + 63) / 64 : 0;
    for (int c = 0; c < n_steps; c++) {
        const int g = c * gps, gb = g & ~15; /* first group of the step; of its 16-group window */
        if (g == gb) {
            /* A new window of 16 groups: scales, and the W_Q4 offsets' share. */
#pragma GCC unroll 16
            for (int i = 0; i < mr; i++) {
                sw[i] = load_groups(w->scales + (long)(r + i) * ng, gb, ng);
                if (Q4) {
                    __m512 off = load_groups(w->offsets + (long)(r + i) * ng, gb, ng);
#pragma GCC unroll 16
                    for (int j = 0; j < nt; j++)
                        acc[i][j] = _mm512_fmadd_ps(off, _mm512_loadu_ps(a->xs + (long)(t + j) * a->ng_pad + gb), acc[i][j]);
                }
            }
#pragma GCC unroll 16
            for (int j = 0; j < nt; j++) sx[j] = _mm512_loadu_ps(a->scale + (long)(t + j) * a->ng_pad + gb);
            /* One token: fold its scales into the weights' once per window,
             * which saves a multiply per row and step. */
            if (nt == 1) {
#pragma GCC unroll 16
                for (int i = 0; i < mr; i++) sw[i] = _mm512_mul_ps(sw[i], sx[0]);
            }
        }
        const __m512i idx = _mm512_add_epi32(lane_grp, _mm512_set1_epi32(g - gb));
        const long rem = row_bytes - (long)c * 64;
        const __mmask64 wm = rem >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rem) - 1);
        __m512i xv[QNT], xh[QNT];
        __m512 sxc[QNT];
#pragma GCC unroll 16
        for (int j = 0; j < nt; j++) {
            const int8_t *xq = a->q + (long)(t + j) * a->pad + (long)c * step_cols;
            xv[j] = _mm512_loadu_si512(xq);
            if (Q4) xh[j] = _mm512_loadu_si512(xq + 64);
            else xv[j] = _mm512_xor_si512(xv[j], x80), xh[j] = xv[j];
            sxc[j] = nt == 1 ? _mm512_set1_ps(1.0f) : _mm512_permutexvar_ps(idx, sx[j]);
        }
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++) {
            const uint8_t *p = base_row + (long)i * row_bytes + (long)c * 64;
            _mm_prefetch((const char *)p + Q_PREFETCH_BYTES, _MM_HINT_T0);
            _mm_prefetch((const char *)next_tile + ((long)c * mr + i) * 64, _MM_HINT_T1);
            if (i == 0 && c < sc_lines) {
                _mm_prefetch(next_sc + (long)c * 64, _MM_HINT_T1);
                if (Q4) _mm_prefetch(next_off + (long)c * 64, _MM_HINT_T1);
            }
            const __m512i wv = _mm512_maskz_loadu_epi8(wm, p);
            const __m512 swc = _mm512_permutexvar_ps(idx, sw[i]);
            if (Q4) {
                const __m512i wl = _mm512_and_si512(wv, lo4), wh = _mm512_and_si512(_mm512_srli_epi16(wv, 4), lo4);
#pragma GCC unroll 16
                for (int j = 0; j < nt; j++) {
                    const __m512i d = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wl, xv[j]), wh, xh[j]);
                    acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), nt == 1 ? swc : _mm512_mul_ps(swc, sxc[j]), acc[i][j]);
                }
            } else {
                const __m512i base =
                    _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), x80, wv));
#pragma GCC unroll 16
                for (int j = 0; j < nt; j++) {
                    const __m512i d = _mm512_dpbusd_epi32(base, xv[j], wv);
                    acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), nt == 1 ? swc : _mm512_mul_ps(swc, sxc[j]), acc[i][j]);
                }
            }
        }
    }
#pragma GCC unroll 16
    for (int j = 0; j < nt; j++)
#pragma GCC unroll 16
        for (int i = 0; i < mr; i++)
            y[(long)(t + j) * ldy + r + i] = _mm512_reduce_add_ps(acc[i][j]) + (bias ? bias[r + i] : 0.0f);
}

/* mr in {8, 4, 2, 1} with nt == 1, or mr <= 4 with nt <= 3. */
#define QT_NT(MRV, Q4)                                                                   \
    switch (nt) {                                                                       \
    case 1: qtile(y, ldy, w, a, bias, r, t, MRV, 1, Q4); break;                         \
    case 2: qtile(y, ldy, w, a, bias, r, t, MRV, 2, Q4); break;                         \
    default: qtile(y, ldy, w, a, bias, r, t, MRV, 3, Q4); break;                        \
    }
#define QT_MR(Q4)                                                                        \
    switch (mr) {                                                                       \
    case 8: qtile(y, ldy, w, a, bias, r, t, 8, 1, Q4); break;                           \
    case 4: QT_NT(4, Q4); break;                                                        \
    case 3: QT_NT(3, Q4); break;                                                        \
    case 2: QT_NT(2, Q4); break;                                                        \
    default: QT_NT(1, Q4); break;                                                       \
    }

K_AVX512VNNI static void qtile_any(float *y, long ldy, const wmat *w, const qact *a, const float *bias, int r, int t,
                                   int mr, int nt) {
    if (w->type == W_Q4) QT_MR(1) else QT_MR(0)
}

/* Tokens per block so the block's activations fit the stack budget. */
static int qa_block_tokens(int pad) {
    int n = K_QA_BYTES / pad;
    return n < 1 ? 1 : n > K_QA_MAX_TOK ? K_QA_MAX_TOK : n;
}

/* The layout of w's activations in a k_qact_buf, or -1 when the kernel does
 * not handle w (a row beyond the buffer, a group other than 32 or 64: the
 * reference runs). *tb: tokens per block. */
static int qact_layout(qact *a, k_qact_buf *buf, const wmat *w, int *tb) {
    const int cols = w->cols, G = w->group;
    /* activations padded to whole steps: 64 columns (W_Q8), 128 (W_Q4) */
    const int pad = w->type == W_Q4 ? (cols + 127) / 128 * 128 : k_q_pad(cols);
    if (pad > K_QA_BYTES || (G != 32 && G != 64)) return -1;
    const int ng = k_n_groups(cols, G), ng_pad = (ng + 15) / 16 * 16;
    *tb = qa_block_tokens(pad);
    /* tb * ng_pad <= K_QA_BYTES / 32 + 16 * K_QA_MAX_TOK floats (pad >= 32 ng). */
    if ((long)*tb * ng_pad > K_QA_SCALES) return -1;
    *a = (qact){.pad = pad, .ng = ng, .q = buf->q, .scale = buf->scale, .xs = buf->xs, .ng_pad = ng_pad};
    return 0;
}

/* Rows [p0, p1) of w times the nb tokens in a (block t0 of the product). */
K_AVX512VNNI static void q_rows(float *y, long ldy, const wmat *w, const qact *a, const float *bias, int p0, int p1,
                                int nb) {
    if (nb == 1) {
        /* decode: 8-row tiles, then 4, 2, 1 for the tail */
        int r = p0;
        for (; r + 8 <= p1; r += 8) qtile_any(y, ldy, w, a, bias, r, 0, 8, 1);
        for (int step = 4; step >= 1; step /= 2)
            for (; r + step <= p1; r += step) qtile_any(y, ldy, w, a, bias, r, 0, step, 1);
        return;
    }
    for (int t = 0; t < nb; t += QNT) {
        const int nt = nb - t < QNT ? nb - t : QNT;
        for (int r = p0; r < p1; r += 4) {
            const int mr = p1 - r < 4 ? p1 - r : 4;
            qtile_any(y, ldy, w, a, bias, r, t, mr, nt);
        }
    }
}

/* Row panels outermost, so each panel's weights stay in L2 while every token
 * tile passes: a batch of decode tokens then reads the weights from memory
 * once, not once per tile of QNT tokens. One token streams the rows in a
 * single pass. */
K_AVX512VNNI static void q_panels(float *y, long ldy, const wmat *w, const qact *a, const float *bias) {
    const int panel = a->n_tok == 1 ? w->rows : ROW_PANEL;
    for (int p0 = 0; p0 < w->rows; p0 += panel)
        q_rows(y, ldy, w, a, bias, p0, p0 + panel < w->rows ? p0 + panel : w->rows, a->n_tok);
}

int k_qact_prepare_avx512vnni(k_qact *a, k_qact_buf *buf, const wmat *w, const float *x, int n_tok) {
    int tb;
    if (qact_layout(a, buf, w, &tb) != 0 || n_tok > tb) return -1;
    qact_fill_avx512(a, x, w->cols, w->group, n_tok, w->type == W_Q4);
    return 0;
}

K_AVX512VNNI void k_matmul_part_qprep_avx512vnni(float *y, long ldy, const wmat *w, const k_qact *a,
                                                 const float *bias) {
    q_panels(y, ldy, w, a, bias);
}

K_AVX512VNNI void k_matmul_part_q_avx512vnni(float *y, long ldy, const wmat *w, const float *x, const float *bias,
                                             int n_tok) {
    k_qact_buf buf;
    qact a;
    int tb;
    if (qact_layout(&a, &buf, w, &tb) != 0) {
        k_matmul_q_ref(y, ldy, w, x, bias, n_tok); /* beyond the stack budget: the reference */
        return;
    }
    if (n_tok <= tb) {
        qact_fill_avx512(&a, x, w->cols, w->group, n_tok, w->type == W_Q4);
        q_panels(y, ldy, w, &a, bias);
        return;
    }
    /* More tokens than one block holds: per panel, each token block is
     * quantized again (a long prefill through this kernel; k_matmul sends
     * those to the GEMM). */
    for (int p0 = 0; p0 < w->rows; p0 += ROW_PANEL) {
        const int p1 = p0 + ROW_PANEL < w->rows ? p0 + ROW_PANEL : w->rows;
        for (int t0 = 0; t0 < n_tok; t0 += tb) {
            const int nb = n_tok - t0 < tb ? n_tok - t0 : tb;
            qact_fill_avx512(&a, x + (long)t0 * w->cols, w->cols, w->group, nb, w->type == W_Q4);
            q_rows(y + (long)t0 * ldy, ldy, w, &a, bias, p0, p1, nb);
        }
    }
}

/* ---- AVX2: int8 widened to int16, vpmaddwd, one group at a time ---- */

K_AVX2 K_INLINE int32_t hsum_epi32_avx2(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

/* 16 weights of a row from column c (c a multiple of 16) as int16. */
K_AVX2 K_INLINE __m256i load_w16(const wmat *w, const void *row, int c) {
    if (w->type == W_Q8) return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)((const int8_t *)row + c)));
    /* W_Q4: columns c..c+15 are one nibble half of a 32-column block. */
    const uint8_t *b = (const uint8_t *)row + (c / 32) * 16;
    __m128i v = _mm_loadu_si128((const __m128i *)b);
    v = (c % 32) < 16 ? _mm_and_si128(v, _mm_set1_epi8(0x0f)) : _mm_and_si128(_mm_srli_epi16(v, 4), _mm_set1_epi8(0x0f));
    return _mm256_cvtepu8_epi16(v);
}

K_AVX2 void k_matmul_part_q_avx2(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok) {
    const int cols = w->cols, G = w->group, ng = k_n_groups(cols, G), pad = k_q_pad(cols);
    if (pad > K_QA_BYTES || (G != 32 && G != 64) || ng > QA_MAX_GROUPS) {
        k_matmul_q_ref(y, ldy, w, x, bias, n_tok);
        return;
    }
    _Alignas(32) int8_t qx[K_QA_BYTES];
    float sx[QA_MAX_GROUPS];
    int32_t qsum[QA_MAX_GROUPS];
    const long row_bytes = w->type == W_Q8 ? cols : k_q4_row_bytes(cols);
    for (int t = 0; t < n_tok; t++) {
        k_quantize_act_ref(x + (long)t * cols, cols, G, qx, sx, qsum);
        for (int r = 0; r < w->rows; r++) {
            const void *row = (const char *)w->data + (long)r * row_bytes;
            float acc = 0.0f;
            for (int g = 0; g < ng; g++) {
                __m256i s = _mm256_setzero_si256();
                /* Columns past cols hold zero activations (and Q4 pads zero
                 * nibbles), so whole 16-column pieces are safe to read for
                 * Q4; Q8 rows end at cols, so the last piece goes through a
                 * buffer. */
                for (int c = g * G; c < (g + 1) * G && c < cols; c += 16) {
                    __m256i wv;
                    if (w->type == W_Q8 && c + 16 > cols) {
                        int8_t tmp[16] = {0};
                        memcpy(tmp, (const int8_t *)row + c, (size_t)(cols - c));
                        wv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)tmp));
                    } else {
                        wv = load_w16(w, row, c);
                    }
                    __m256i xv = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(qx + c)));
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(wv, xv));
                }
                const float sw = f16_to_f32(w->scales[(long)r * ng + g]);
                acc += (float)hsum_epi32_avx2(s) * (sw * sx[g]);
                if (w->type == W_Q4) acc += f16_to_f32(w->offsets[(long)r * ng + g]) * (sx[g] * (float)qsum[g]);
            }
            y[(long)t * ldy + r] = acc + (bias ? bias[r] : 0.0f);
        }
    }
}
