/* kernels/cpu/rglru.c: the fused RG-LRU (kernels.h has the equations).
 *
 * The reference computes the two block-diagonal gates token by token, then
 * the scan channel by channel, exactly as written. The fast version works
 * head by head (a thread owns whole heads: their channels never mix with
 * other heads'), token block by token block: both gates of RG_TB tokens
 * come from one pass over the head's gate weights, which are stored
 * input-major (row i holds the weights from input i to every output j), so
 * a vector of 16 or 32 outputs accumulates x[t][i] * w[i][j..] with one
 * broadcast per token and input and no transposes; then the scan runs over
 * the block's tokens 16 channels at a time with the vector exp and sigmoid,
 * the state in registers. Gate weights in f32, bf16 or f16 (quantized
 * kinds use the reference: `griffin quantize` keeps the gates in bf16).
 * AVX2 CPUs run the same structure with 8 lanes. */
#include <math.h>
#include <string.h>

#include "kernels/cpu/simd_impl.h"

#define RG_TB 8            /* tokens per block */
#define RG_MAX_BW 1024     /* widest head the stack buffers hold */

static inline float sigmoid_ref(float v) { return 1.0f / (1.0f + expf(-v)); }

void k_rglru_ref(float *out, const float *x, const float *y, const wmat *gate_x, const float *gate_x_b,
                 const wmat *gate_a, const float *gate_a_b, const float *a_softplus, int width, int n_heads,
                 const k_rglru_seg *segs, int n_segs) {
    const int bw = width / n_heads;
    for (int s = 0; s < n_segs; s++) {
        const k_rglru_seg *sg = &segs[s];
        for (int t = 0; t < sg->n; t++) {
            const long row = (long)(sg->row0 + t) * width;
            const int reset = sg->p0 + t == 0;
            for (int b = 0; b < n_heads; b++)
                for (int j = 0; j < bw; j++) {
                    const int c = b * bw + j;
                    float gx = 0.0f, ga = 0.0f;
                    for (int i = 0; i < bw; i++) {
                        gx += x[row + b * bw + i] * wmat_at(gate_x, (long)b * bw + i, j);
                        ga += x[row + b * bw + i] * wmat_at(gate_a, (long)b * bw + i, j);
                    }
                    gx += gate_x_b ? gate_x_b[c] : 0.0f;
                    ga += gate_a_b ? gate_a_b[c] : 0.0f;
                    const float log_a = -8.0f * sigmoid_ref(ga) * a_softplus[c];
                    const float a = expf(log_a);
                    const float mult = reset ? 1.0f : sqrtf(1.0f - expf(2.0f * log_a));
                    const float xn = x[row + c] * sigmoid_ref(gx) * mult;
                    sg->h[c] = (reset ? 0.0f : a * sg->h[c]) + xn;
                    out[row + c] = sg->h[c] * y[row + c];
                }
        }
    }
}

/* ---- AVX-512 ---- */

K_AVX512 K_INLINE __m512 load_w16(wtype t, const void *row, int j, __mmask16 m) {
    switch (t) {
    case W_BF16:
        return _mm512_castsi512_ps(
            _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, (const bf16 *)row + j)), 16));
    case W_F16: return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, (const f16 *)row + j));
    default: return _mm512_maskz_loadu_ps(m, (const float *)row + j);
    }
}

/* g[t][j0 .. j0+32) = bias + sum_i x[t][i] w[i][j0 ..] for nt tokens, both
 * gates at once: 4 accumulators per token. xs: the head's inputs, row
 * stride ldx; w rows of the head (row i = input i), bw columns. */
K_AVX512 K_INLINE void gates_block(float *gx, float *ga, int ldg, const float *xs, long ldx, const wmat *wx,
                                   const wmat *wa, wtype wt, long wrow0, int bw, int j0, int nt, const float *bx,
                                   const float *ba) {
    const size_t eb = wtype_bytes(wt), rb = (size_t)bw * eb;
    const char *px = (const char *)wx->data + (size_t)wrow0 * rb, *pa = (const char *)wa->data + (size_t)wrow0 * rb;
    const __mmask16 m0 = k_mask16(bw - j0), m1 = k_mask16(bw - j0 - 16);
    __m512 ax[RG_TB][2], aa[RG_TB][2];
#pragma GCC unroll 16
    for (int t = 0; t < nt; t++) {
        ax[t][0] = bx ? _mm512_maskz_loadu_ps(m0, bx + j0) : _mm512_setzero_ps();
        ax[t][1] = bx ? _mm512_maskz_loadu_ps(m1, bx + j0 + 16) : _mm512_setzero_ps();
        aa[t][0] = ba ? _mm512_maskz_loadu_ps(m0, ba + j0) : _mm512_setzero_ps();
        aa[t][1] = ba ? _mm512_maskz_loadu_ps(m1, ba + j0 + 16) : _mm512_setzero_ps();
    }
    for (int i = 0; i < bw; i++) {
        const __m512 wx0 = load_w16(wt, px + (size_t)i * rb, j0, m0), wx1 = load_w16(wt, px + (size_t)i * rb, j0 + 16, m1);
        const __m512 wa0 = load_w16(wt, pa + (size_t)i * rb, j0, m0), wa1 = load_w16(wt, pa + (size_t)i * rb, j0 + 16, m1);
#pragma GCC unroll 16
        for (int t = 0; t < nt; t++) {
            const __m512 xb = _mm512_set1_ps(xs[(long)t * ldx + i]);
            ax[t][0] = _mm512_fmadd_ps(wx0, xb, ax[t][0]);
            ax[t][1] = _mm512_fmadd_ps(wx1, xb, ax[t][1]);
            aa[t][0] = _mm512_fmadd_ps(wa0, xb, aa[t][0]);
            aa[t][1] = _mm512_fmadd_ps(wa1, xb, aa[t][1]);
        }
    }
#pragma GCC unroll 16
    for (int t = 0; t < nt; t++) {
        _mm512_storeu_ps(gx + t * ldg + j0, ax[t][0]);
        _mm512_storeu_ps(gx + t * ldg + j0 + 16, ax[t][1]);
        _mm512_storeu_ps(ga + t * ldg + j0, aa[t][0]);
        _mm512_storeu_ps(ga + t * ldg + j0 + 16, aa[t][1]);
    }
}

#define GATES_NT(WT)                                                                                         \
    switch (nt) {                                                                                           \
    case 1: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 1, bx, ba); break;                 \
    case 2: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 2, bx, ba); break;                 \
    case 3: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 3, bx, ba); break;                 \
    case 4: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 4, bx, ba); break;                 \
    case 5: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 5, bx, ba); break;                 \
    case 6: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 6, bx, ba); break;                 \
    case 7: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 7, bx, ba); break;                 \
    default: gates_block(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 8, bx, ba); break;                \
    }

K_AVX512 static void gates_avx512(float *gx, float *ga, int ldg, const float *xs, long ldx, const wmat *wx,
                                  const wmat *wa, long wrow0, int bw, int nt, const float *bx, const float *ba) {
    for (int j0 = 0; j0 < bw; j0 += 32) {
        switch (wx->type) {
        case W_BF16: GATES_NT(W_BF16); break;
        case W_F16: GATES_NT(W_F16); break;
        default: GATES_NT(W_F32); break;
        }
    }
}

/* The scan over nt tokens for channels [c0, c0 + bw) of one head. */
K_AVX512 static void scan_avx512(float *out, const float *x, const float *y, long ld, const float *gx, const float *ga,
                                 int ldg, const float *sp, float *h, int bw, int nt, long p0) {
    const __m512 m8 = _mm512_set1_ps(-8.0f), one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    for (int j = 0; j < bw; j += 16) {
        const __mmask16 m = k_mask16(bw - j);
        __m512 hv = _mm512_maskz_loadu_ps(m, h + j);
        const __m512 spv = _mm512_maskz_loadu_ps(m, sp + j);
        for (int t = 0; t < nt; t++) {
            const __m512 log_a = _mm512_mul_ps(_mm512_mul_ps(m8, k_sigmoid_avx512(_mm512_loadu_ps(ga + t * ldg + j))), spv);
            const __m512 a = k_exp_avx512(log_a);
            __m512 xn = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + t * ld + j), k_sigmoid_avx512(_mm512_loadu_ps(gx + t * ldg + j)));
            if (p0 + t == 0) {
                hv = xn;
            } else {
                const __m512 mult = _mm512_sqrt_ps(_mm512_sub_ps(one, k_exp_avx512(_mm512_mul_ps(two, log_a))));
                hv = _mm512_fmadd_ps(a, hv, _mm512_mul_ps(xn, mult));
            }
            _mm512_mask_storeu_ps(out + t * ld + j, m, _mm512_mul_ps(hv, _mm512_maskz_loadu_ps(m, y + t * ld + j)));
        }
        _mm512_mask_storeu_ps(h + j, m, hv);
    }
}

/* ---- AVX2: the same structure, 8 lanes, 8 outputs per gate block ---- */

#define RG2_TB 6 /* tokens per gate block: 12 accumulators of 16 registers */

K_AVX2 K_INLINE __m256 load_w8(wtype t, const void *row, int j, int n) {
    if (n >= 8) {
        switch (t) {
        case W_BF16:
            return _mm256_castsi256_ps(
                _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)((const bf16 *)row + j))), 16));
        case W_F16: return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const f16 *)row + j)));
        default: return _mm256_loadu_ps((const float *)row + j);
        }
    }
    float tmp[8] = {0};
    for (int i = 0; i < n; i++) tmp[i] = t == W_BF16 ? bf16_to_f32(((const bf16 *)row)[j + i])
                                         : t == W_F16 ? f16_to_f32(((const f16 *)row)[j + i])
                                                      : ((const float *)row)[j + i];
    return _mm256_loadu_ps(tmp);
}

K_AVX2 K_INLINE void gates_block8(float *gx, float *ga, int ldg, const float *xs, long ldx, const wmat *wx,
                                  const wmat *wa, wtype wt, long wrow0, int bw, int j0, int nt, const float *bx,
                                  const float *ba) {
    const size_t eb = wtype_bytes(wt), rb = (size_t)bw * eb;
    const char *px = (const char *)wx->data + (size_t)wrow0 * rb, *pa = (const char *)wa->data + (size_t)wrow0 * rb;
    const int n = bw - j0;
    const __m256i m = k_mask8_avx2(n);
    __m256 ax[RG2_TB], aa[RG2_TB];
#pragma GCC unroll 8
    for (int t = 0; t < nt; t++) {
        ax[t] = bx ? _mm256_maskload_ps(bx + j0, m) : _mm256_setzero_ps();
        aa[t] = ba ? _mm256_maskload_ps(ba + j0, m) : _mm256_setzero_ps();
    }
    for (int i = 0; i < bw; i++) {
        const __m256 w0 = load_w8(wt, px + (size_t)i * rb, j0, n), w1 = load_w8(wt, pa + (size_t)i * rb, j0, n);
#pragma GCC unroll 8
        for (int t = 0; t < nt; t++) {
            const __m256 xb = _mm256_set1_ps(xs[(long)t * ldx + i]);
            ax[t] = _mm256_fmadd_ps(w0, xb, ax[t]);
            aa[t] = _mm256_fmadd_ps(w1, xb, aa[t]);
        }
    }
#pragma GCC unroll 8
    for (int t = 0; t < nt; t++) {
        _mm256_storeu_ps(gx + t * ldg + j0, ax[t]);
        _mm256_storeu_ps(ga + t * ldg + j0, aa[t]);
    }
}

#define GATES8_NT(WT)                                                                                        \
    switch (nt) {                                                                                           \
    case 1: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 1, bx, ba); break;                \
    case 2: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 2, bx, ba); break;                \
    case 3: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 3, bx, ba); break;                \
    case 4: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 4, bx, ba); break;                \
    case 5: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 5, bx, ba); break;                \
    default: gates_block8(gx, ga, ldg, xs, ldx, wx, wa, WT, wrow0, bw, j0, 6, bx, ba); break;               \
    }

K_AVX2 static void gates_avx2(float *gx, float *ga, int ldg, const float *xs, long ldx, const wmat *wx, const wmat *wa,
                              long wrow0, int bw, int nt, const float *bx, const float *ba) {
    for (int j0 = 0; j0 < bw; j0 += 8) {
        switch (wx->type) {
        case W_BF16: GATES8_NT(W_BF16); break;
        case W_F16: GATES8_NT(W_F16); break;
        default: GATES8_NT(W_F32); break;
        }
    }
}

K_AVX2 static void scan_avx2(float *out, const float *x, const float *y, long ld, const float *gx, const float *ga,
                             int ldg, const float *sp, float *h, int bw, int nt, long p0) {
    const __m256 m8 = _mm256_set1_ps(-8.0f), one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    for (int j = 0; j < bw; j += 8) {
        const __m256i m = k_mask8_avx2(bw - j);
        __m256 hv = _mm256_maskload_ps(h + j, m);
        const __m256 spv = _mm256_maskload_ps(sp + j, m);
        for (int t = 0; t < nt; t++) {
            const __m256 log_a = _mm256_mul_ps(_mm256_mul_ps(m8, k_sigmoid_avx2(_mm256_loadu_ps(ga + t * ldg + j))), spv);
            const __m256 a = k_exp_avx2(log_a);
            __m256 xn = _mm256_mul_ps(_mm256_maskload_ps(x + t * ld + j, m), k_sigmoid_avx2(_mm256_loadu_ps(gx + t * ldg + j)));
            if (p0 + t == 0) {
                hv = xn;
            } else {
                const __m256 mult = _mm256_sqrt_ps(_mm256_sub_ps(one, k_exp_avx2(_mm256_mul_ps(two, log_a))));
                hv = _mm256_fmadd_ps(a, hv, _mm256_mul_ps(xn, mult));
            }
            _mm256_maskstore_ps(out + t * ld + j, m, _mm256_mul_ps(hv, _mm256_maskload_ps(y + t * ld + j, m)));
        }
        _mm256_maskstore_ps(h + j, m, hv);
    }
}

/* ---- the split over heads ---- */

typedef struct rglru_job {
    const kctx *k;
    float *out;
    const float *x, *y;
    const wmat *gx, *ga;
    const float *gx_b, *ga_b, *sp;
    int width, n_heads;
    const k_rglru_seg *segs;
    int n_segs;
} rglru_job;

static void rglru_task(void *arg, int ith, int nth) {
    const rglru_job *j = arg;
    const int bw = j->width / j->n_heads;
    long h0, h1;
    pool_split(j->n_heads, ith, nth, &h0, &h1);
    _Alignas(64) float gx[RG_TB * (RG_MAX_BW + 32)], ga[RG_TB * (RG_MAX_BW + 32)];
    const int ldg = (bw + 31) / 32 * 32; /* gate rows padded to whole 32-column blocks */
    for (long hd = h0; hd < h1; hd++) {
        const int c0 = (int)hd * bw;
        for (int s = 0; s < j->n_segs; s++) {
            const k_rglru_seg *sg = &j->segs[s];
            const int avx512 = k_level(j->k) == K_ISA_AVX512, tb = avx512 ? RG_TB : RG2_TB;
            for (int t0 = 0; t0 < sg->n; t0 += tb) {
                const int nt = sg->n - t0 < tb ? sg->n - t0 : tb;
                const long row = (long)(sg->row0 + t0) * j->width;
                const float *bx = j->gx_b ? j->gx_b + c0 : NULL, *ba = j->ga_b ? j->ga_b + c0 : NULL;
                if (avx512) {
                    gates_avx512(gx, ga, ldg, j->x + row + c0, j->width, j->gx, j->ga, (long)hd * bw, bw, nt, bx, ba);
                    scan_avx512(j->out + row + c0, j->x + row + c0, j->y + row + c0, j->width, gx, ga, ldg, j->sp + c0,
                                sg->h + c0, bw, nt, sg->p0 + t0);
                } else {
                    gates_avx2(gx, ga, ldg, j->x + row + c0, j->width, j->gx, j->ga, (long)hd * bw, bw, nt, bx, ba);
                    scan_avx2(j->out + row + c0, j->x + row + c0, j->y + row + c0, j->width, gx, ga, ldg, j->sp + c0,
                              sg->h + c0, bw, nt, sg->p0 + t0);
                }
            }
        }
    }
}

void k_rglru(const kctx *k, float *out, const float *x, const float *y, const wmat *gate_x, const float *gate_x_b,
             const wmat *gate_a, const float *gate_a_b, const float *a_softplus, int width, int n_heads,
             const k_rglru_seg *segs, int n_segs) {
    const int bw = width / n_heads;
    const int fast = k_level(k) >= K_ISA_AVX2 && bw <= RG_MAX_BW && gate_x->type == gate_a->type &&
                     (gate_x->type == W_F32 || gate_x->type == W_BF16 || gate_x->type == W_F16);
    if (!fast) {
        k_rglru_ref(out, x, y, gate_x, gate_x_b, gate_a, gate_a_b, a_softplus, width, n_heads, segs, n_segs);
        return;
    }
    rglru_job j = {k, out, x, y, gate_x, gate_a, gate_x_b, gate_a_b, a_softplus, width, n_heads, segs, n_segs};
    if (n_heads < 2) rglru_task(&j, 0, 1);
    else pool_run(k->pool, rglru_task, &j);
}
