/* kernels/kernels.h: the compute operations the model needs.
 *
 * Every op has a plain scalar `_ref` version that reads like the math and is
 * kept as the reference the fast versions are tested against. The entry
 * points without a suffix take a kctx, which holds the thread pool and the
 * variant picked at run time from the CPU's features (or the reference, when
 * a test or benchmark forces it). All activations are f32, row-major;
 * weights may be f32, bf16 or f16 and are widened in registers, never copied. */
#ifndef GRIFFIN_KERNELS_KERNELS_H
#define GRIFFIN_KERNELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "common/half.h"
#include "kernels/pool.h"

/* Weight storage kinds. The quantized kinds (written by `griffin quantize`,
 * model/quant.h documents the checkpoint tensors) keep one f16 scale per
 * group of `group` consecutive columns of a row (group 32 or 64):
 *   W_Q8: int8 q[rows][cols], w = q * scale[r][c / group], q in [-127, 127];
 *   W_Q4: 4-bit q in [0, 15], w = q * scale[r][g] + offset[r][g]; each row is
 *         packed in blocks of 32 columns, 16 bytes a block: byte j holds
 *         column j in its low nibble and column j + 16 in its high nibble
 *         (columns past cols are 0). A row takes k_q4_row_bytes(cols). Both
 *         nibbles of a byte are in the same group, so a kernel can add the
 *         two halves' integer products before applying the group's scale. */
typedef enum wtype { W_F32, W_BF16, W_F16, W_Q8, W_Q4 } wtype;

/* A weight matrix [rows, cols], row-major; for a linear layer rows are the
 * outputs and cols the inputs (the nn.Linear layout). Borrowed memory.
 * scales/offsets/group are used by the quantized kinds only. */
typedef struct wmat {
    wtype type;
    int rows, cols;
    const void *data;
    const f16 *scales;  /* [rows][k_n_groups(cols, group)] */
    const f16 *offsets; /* W_Q4 only, same shape */
    int group;
} wmat;

/* Bytes per element of the float kinds (f32 4, bf16/f16 2); 1 for W_Q8 and
 * 0 for W_Q4 (half a byte: use wmat_bytes). */
size_t wtype_bytes(wtype t);
const char *wtype_name(wtype t);
/* Element (r, c) widened (or dequantized) to f32. */
float wmat_at(const wmat *w, long r, long c);
/* Bytes of the matrix, scales and offsets included: what a pass reads. */
size_t wmat_bytes(const wmat *w);
/* Rows [r0, r1) of w as a view of the same memory. */
wmat wmat_rows(const wmat *w, int r0, int r1);
static inline int k_n_groups(int cols, int group) { return (cols + group - 1) / group; }
static inline long k_q4_row_bytes(int cols) { return (long)(cols + 31) / 32 * 16; }

/* Instruction-set levels, in the order a CPU may have them. */
typedef enum k_isa { K_ISA_REF, K_ISA_AVX2, K_ISA_AVX512 } k_isa;

/* The kernel context: pool (may be NULL: one thread) and variant choice. */
typedef struct kctx {
    pool *pool;
    int use_ref;    /* force the scalar reference everywhere */
    int has_avx512; /* AVX-512 F+BW+VL+DQ with FMA and F16C, detected at kctx_init */
    /* Features found at kctx_init (never set by hand: kctx_set_isa lowers
     * the level the kernels use, for tests and comparisons). */
    int has_avx2;        /* AVX2 + FMA + F16C */
    int has_avx512_bf16; /* vdpbf16ps */
    int has_avx512_vnni; /* vpdpbusd on zmm */
    k_isa isa;           /* the level the fast paths use */
    /* Opt-in: matrix products over bf16 weights with several tokens round
     * the activations to bf16 and use vdpbf16ps (twice the f32 FMA rate on
     * CPUs that have it). Off by default: the golden tests require f32
     * activations. tests/test_kernels.c bounds the error it adds. */
    int bf16_act;
    /* Tokens from which products use the packed GEMM instead of the
     * streaming / register-tile kernels; 0: the measured default
     * (K_GEMM_MIN_TOK). Tests set 1 to run every product through the GEMM. */
    int gemm_min_tok;
} kctx;

void kctx_init(kctx *k, pool *p, int use_ref);
/* Lowers (never raises) the instruction-set level the fast paths use, to
 * what the CPU has; returns the level in effect. */
k_isa kctx_set_isa(kctx *k, k_isa isa);
/* The variant the context uses for matrix products: "avx512", "avx2" or "ref". */
const char *kctx_variant(const kctx *k);
/* The CPU's features as "avx2 avx512 avx512_bf16 avx512_vnni", into buf. */
const char *kctx_features(const kctx *k, char *buf, size_t cap);

/* ---- linear algebra ---- */

/* y[t, r] = sum_c x[t, c] * w[r, c] + (bias ? bias[r] : 0)
 * for t < n_tok, r < w->rows; x is [n_tok, w->cols], y is [n_tok, w->rows].
 * Sums in f32. Any wtype: with quantized weights, few tokens (decode)
 * quantize x per token and group to int8 on the fly (k_quantize_act_ref;
 * equal to k_matmul_ref), many tokens (prefill, from K_GEMM_MIN_TOK) use the
 * dequantized weights with x as it is (equal to k_matmul_exact_ref). Threads
 * split output rows for few tokens and row and token blocks for many. */
void k_matmul(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok);
void k_matmul_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok);
/* The exact product for quantized weights: dequantized weights times f32
 * activations (no activation rounding), to measure what quantizing the
 * activations costs. Same as k_matmul_ref for float kinds. */
void k_matmul_exact_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok);

/* Every variant k_matmul can pick, for tests and benchmarks. */
typedef enum k_mm_variant {
    K_MM_AUTO,           /* what k_matmul picks for this context, type and n_tok */
    K_MM_REF,            /* scalar reference */
    K_MM_AVX2,           /* float weights: register tiles, 8-lane FMA */
    K_MM_AVX512,         /* float weights: register tiles, 16-lane FMA (decode) */
    K_MM_GEMM_AVX512,    /* any weights (quantized ones dequantized when packed): packed,
                          * cache-blocked GEMM (prefill) */
    K_MM_GEMM_AVX512BF16,/* bf16 weights, bf16-rounded activations, vdpbf16ps */
    K_MM_Q_AVX2,         /* int8 / q4 weights, 16-bit integer products */
    K_MM_Q_AVX512VNNI,   /* int8 / q4 weights, vpdpbusd */
    K_MM_N_VARIANTS
} k_mm_variant;
const char *k_mm_variant_name(k_mm_variant v);
/* Runs variant v (threaded as k_matmul). Returns -1, computing nothing, when
 * the CPU lacks its instructions or it does not handle w->type. */
int k_matmul_variant(const kctx *k, k_mm_variant v, float *y, const wmat *w, const float *x, const float *bias,
                     int n_tok);
/* The variant k_matmul would use. */
k_mm_variant k_matmul_pick(const kctx *k, wtype t, int n_tok);

/* ---- quantization (the formats of W_Q8 and W_Q4) ---- */

/* One row of cols floats to W_Q8: per group, scale = max|x| / 127 rounded
 * to f16, q = round(x / scale) clamped to [-127, 127]. */
void k_quantize_q8_row(const float *x, int cols, int group, int8_t *q, f16 *scales);
/* One row to W_Q4: per group, offset = min, scale = (max - min) / 15 (both
 * rounded to f16), q = round((x - offset) / scale) clamped to [0, 15];
 * q holds k_q4_row_bytes(cols) bytes. */
void k_quantize_q4_row(const float *x, int cols, int group, uint8_t *q, f16 *scales, f16 *offsets);

/* Block-diagonal linear, the RG-LRU gates: n_blocks blocks of bw x bw with
 * w[b][i][j] (input i, output j), as the reference's einsum "h i, h i j":
 * y[t, b*bw + j] = sum_i x[t, b*bw + i] * w[b, i, j] + bias[b*bw + j].
 * w is viewed as a [n_blocks * bw, bw] matrix. */
void k_blockdiag(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok,
                 int n_blocks, int bw);
void k_blockdiag_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok, int n_blocks, int bw);

/* ---- RG-LRU ---- */

/* One sequence's run of consecutive rows through the RG-LRU. */
typedef struct k_rglru_seg {
    float *h;  /* [width] recurrent state, f32, updated in place */
    int row0;  /* first row of the sequence in x, y, out */
    int n;     /* rows (tokens) */
    long p0;   /* position of the first token; position 0 resets the state */
} k_rglru_seg;

/* The fused RG-LRU of a recurrent block, Griffin (arXiv:2402.19427), the
 * RG-LRU section, as the reference computes it (torch/layers.py):
 *   gx = x Wx + bx,  ga = x Wa + ba        block-diagonal, n_heads blocks
 *   log a_t = -8 sigmoid(ga) softplus(lambda);  a_t = exp(log a_t)
 *   h_t = a_t h_{t-1} + x_t sigmoid(gx) sqrt(1 - exp(2 log a_t))
 * with h = x sigmoid(gx) (no sqrt factor) at position 0, then
 *   out_t = h_t * y_t                      (y: the gelu(linear_y) branch)
 * x, y, out are [rows, width], out distinct from x and y. Gate weights are
 * [n_heads * bw, bw] views (input i, output j of block b at row b*bw + i),
 * bw = width / n_heads; a_softplus = softplus(lambda), precomputed. Threads
 * split the heads (channels of different heads never mix). */
void k_rglru(const kctx *k, float *out, const float *x, const float *y, const wmat *gate_x, const float *gate_x_b,
             const wmat *gate_a, const float *gate_a_b, const float *a_softplus, int width, int n_heads,
             const k_rglru_seg *segs, int n_segs);
void k_rglru_ref(float *out, const float *x, const float *y, const wmat *gate_x, const float *gate_x_b,
                 const wmat *gate_a, const float *gate_a_b, const float *a_softplus, int width, int n_heads,
                 const k_rglru_seg *segs, int n_segs);

/* ---- normalisation and activations ---- */

/* RMSNorm, (1 + scale) convention: y = x / sqrt(mean(x^2) + eps) * (1 + scale).
 * y may equal x. */
void k_rmsnorm(const kctx *k, float *y, const float *x, const float *scale, float eps, int n_tok, int width);
void k_rmsnorm_ref(float *y, const float *x, const float *scale, float eps, int n_tok, int width);

/* GELU, tanh approximation (torch approximate="tanh"). */
float k_gelu_tanh(float x);
/* a[i] = gelu(a[i]) * b[i]; with b NULL, a[i] = gelu(a[i]). */
void k_gelu_mul(const kctx *k, float *a, const float *b, long n);
void k_gelu_mul_ref(float *a, const float *b, long n);

/* Element-wise exp, tanh and sigmoid over arrays, on the calling thread
 * (y may equal x). The references call libm; the fast versions are the
 * polynomial approximations the fused kernels use (kernels/cpu/simd_impl.h),
 * bounded against libm in tests/test_kernels.c. */
void k_exp(const kctx *k, float *y, const float *x, long n);
void k_exp_ref(float *y, const float *x, long n);
void k_tanh(const kctx *k, float *y, const float *x, long n);
void k_tanh_ref(float *y, const float *x, long n);
void k_sigmoid(const kctx *k, float *y, const float *x, long n);
void k_sigmoid_ref(float *y, const float *x, long n);

/* x = cap * tanh(x / cap), in place (cap > 0). */
void k_softcap(const kctx *k, float *x, long n, float cap);
void k_softcap_ref(float *x, long n, float cap);

/* ---- attention ---- */

/* Rotary embedding in the rotate-half layout over the first rot_dims of each
 * head: for i < rot_dims/2 the pair (i, i + rot_dims/2) turns by the angle
 * pos * theta^(-2i/rot_dims); dimensions past rot_dims are unchanged.
 * x is [n_tok, n_heads * head_dim]; pos[t] is row t's position. Computed in
 * f32 the way the reference computes it (timescale, then 1/timescale). */
void k_rope(const kctx *k, float *x, const long *pos, int n_tok, int n_heads, int head_dim, int rot_dims,
            float theta);
void k_rope_ref(float *x, const long *pos, int n_tok, int n_heads, int head_dim, int rot_dims, float theta);

/* Where one sequence's keys and values are: positions below p0 in a ring of
 * `cap` slots (slot = pos % cap), positions p0 and up in the rows computed
 * for the current step (row i = position p0 + i). A row holds n_kv heads of
 * head_dim floats. */
typedef struct k_kv_view {
    const float *ring_k, *ring_v;
    long cap;
    long ring_stride; /* floats between two ring slots */
    const float *new_k, *new_v;
    long new_stride;  /* floats between two new rows */
    long p0;
} k_kv_view;

/* Attention of one query row (n_heads heads) over key positions [lo, hi]:
 * out[h] = sum_s softmax_s(q_h . k_s * scale) v_s, heads grouped over the
 * KV heads (head h uses KV head h / (n_heads / n_kv), at offset
 * kv_head * head_dim in a slot or row). Softmax in f32 with
 * the max subtracted. scratch holds hi - lo + 1 floats. */
void k_attend(const kctx *k, float *out, const float *q, const k_kv_view *kv, long lo, long hi, int n_heads,
              int n_kv, int head_dim, float scale, float *scratch);
void k_attend_ref(float *out, const float *q, const k_kv_view *kv, long lo, long hi, int n_heads, int n_kv,
                  int head_dim, float scale, float *scratch);

/* One sequence's query rows of a chunk and where its keys are. The view's
 * pointers are at KV head 0 (the kernel adds kv_head * head_dim). */
typedef struct k_attn_seg {
    k_kv_view kv; /* kv.p0 is the position of the segment's first row */
    int row0;     /* first row of the segment in q and out */
    int n;        /* query rows */
} k_attn_seg;

/* Fused local attention for every row of every segment: query row t of a
 * segment (position p = kv.p0 + t) attends keys [max(0, p - window), p]
 * (window 0: all earlier keys), each head h over KV head h / (n_heads /
 * n_kv). q and out are [rows, n_heads * head_dim]. The fast version reads
 * each key and value once for all the heads that share it, with an online
 * softmax (running max and sum, rescaled as keys stream by), so it needs no
 * scores buffer; the reference is k_attend_ref per row and head, with
 * scratch[ith * span ..] for its scores (span >= the most keys a row sees;
 * pool_n_threads * span floats). Threads split rows, and heads when there
 * are fewer rows than threads (decode). */
void k_attention(const kctx *k, float *out, const float *q, const k_attn_seg *segs, int n_segs, int n_heads, int n_kv,
                 int head_dim, long window, float scale, float *scratch, long span);
void k_attention_ref(float *out, const float *q, const k_attn_seg *segs, int n_segs, int n_heads, int n_kv,
                     int head_dim, long window, float scale, float *scratch);

/* ---- vector primitives (used by the ops above and by the model) ---- */
float k_dot_f32(const kctx *k, const float *a, const float *b, int n);
/* y += a * x */
void k_axpy_f32(const kctx *k, float *y, float a, const float *x, int n);

#endif
