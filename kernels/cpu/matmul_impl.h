/* kernels/cpu/matmul_impl.h: the matrix-product variants behind k_matmul.
 *
 * Every variant computes y[t * ldy + r] = x[t, :] . w[r, :] + bias[r] for all
 * rows of w (a view: wmat_rows) and n_tok tokens, on one thread; x rows are
 * w->cols floats apart. k_matmul splits rows (decode) or row and token
 * blocks (prefill) over the pool and calls one variant per part. */
#ifndef GRIFFIN_KERNELS_CPU_MATMUL_IMPL_H
#define GRIFFIN_KERNELS_CPU_MATMUL_IMPL_H

#include "kernels/kernels.h"

typedef void (*k_matmul_fn)(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);

/* Scalar reference for every wtype. Quantized kinds quantize x exactly as
 * the fast variants do (k_quantize_act_ref), so integer sums match. */
void k_matmul_part_ref(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
/* Float weights (f32, bf16, f16) widened in registers, f32 FMA. */
void k_matmul_part_avx2(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
void k_matmul_part_avx512(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
/* Packed, cache-blocked GEMM for many tokens (float weights). */
void k_matmul_part_gemm_avx512(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
/* bf16 weights, activations rounded to bf16, vdpbf16ps (kctx.bf16_act). */
void k_matmul_part_gemm_avx512bf16(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
/* Quantized weights (W_Q8, W_Q4), activations quantized to int8 per group. */
void k_matmul_part_q_avx2(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);
void k_matmul_part_q_avx512vnni(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);

/* ---- quantized products (matmul_q.c) ---- */

/* Largest quantization group the kernels accept (groups are 32 or 64). */
#define K_Q_GROUP_MAX 64

/* Columns an activation row is padded to for the integer kernels. */
static inline int k_q_pad(int cols) { return (cols + 63) / 64 * 64; }
/* One token row quantized for the integer dot products, per group of
 * `group` columns: scale = max|x| / 127 (0 for an all-zero group),
 * q = round-to-nearest-even(x * (127 / max|x|)), qsum = the group's sum of q.
 * q holds k_q_pad(cols) bytes, zero past cols. The fast variants compute
 * exactly these values (the same f32 operations), so their integer dot
 * products equal the reference's. */
void k_quantize_act_ref(const float *x, int cols, int group, int8_t *q, float *scale, int32_t *qsum);
void k_matmul_q_ref(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok);

/* Activations quantized for the VNNI kernel: up to K_QA_MAX_TOK tokens
 * whose padded rows fit K_QA_BYTES (a stack buffer, never allocated). */
#define K_QA_BYTES (96 * 1024)
#define K_QA_MAX_TOK 32
#define K_QA_SCALES (K_QA_BYTES / 32 + 16 * K_QA_MAX_TOK)
typedef struct k_qact_buf {
    _Alignas(64) int8_t q[K_QA_BYTES];
    float scale[K_QA_SCALES], xs[K_QA_SCALES];
} k_qact_buf;
typedef struct k_qact {
    int n_tok, pad, ng; /* tokens, padded columns, groups per token */
    int8_t *q;          /* [n_tok][pad] */
    float *scale;       /* [n_tok][ng_pad] */
    float *xs;          /* [n_tok][ng_pad]: scale * qsum, for the W_Q4 offsets */
    int ng_pad;         /* ng rounded up to 16 (zero past ng) */
} k_qact;
/* Decode splits a product's rows over the threads, and every part needs
 * the same quantized activations: k_matmul quantizes them once, on the
 * calling thread, and the parts share them read-only (quantizing per part
 * cost ~2% of int8 decode, the 256000-row output projection alone being
 * 500 parts). Returns -1 when the tokens do not fit one block (the parts
 * then quantize their own, k_matmul_part_q_avx512vnni). */
int k_qact_prepare_avx512vnni(k_qact *a, k_qact_buf *buf, const wmat *w, const float *x, int n_tok);
/* k_matmul_part_q_avx512vnni on activations prepared for w's columns. */
void k_matmul_part_qprep_avx512vnni(float *y, long ldy, const wmat *w, const k_qact *a, const float *bias);

/* Tokens at and above which the packed GEMM replaces the register-tile
 * matvec (measured with `griffin roofline --kernels`; docs/perf.md). */
#define K_GEMM_MIN_TOK 64

#endif
