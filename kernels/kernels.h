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

typedef enum wtype { W_F32, W_BF16, W_F16 } wtype;

/* A weight matrix [rows, cols], row-major; for a linear layer rows are the
 * outputs and cols the inputs (the nn.Linear layout). Borrowed memory. */
typedef struct wmat {
    wtype type;
    int rows, cols;
    const void *data;
} wmat;

size_t wtype_bytes(wtype t);
const char *wtype_name(wtype t);
/* Element (r, c) widened to f32. */
float wmat_at(const wmat *w, long r, long c);
size_t wmat_bytes(const wmat *w);

/* The kernel context: pool (may be NULL: one thread) and variant choice. */
typedef struct kctx {
    pool *pool;
    int use_ref;    /* force the scalar reference everywhere */
    int has_avx512; /* AVX-512 F+BW+VL, detected at kctx_init */
} kctx;

void kctx_init(kctx *k, pool *p, int use_ref);
/* The variant the context uses for matrix products: "avx512" or "ref". */
const char *kctx_variant(const kctx *k);

/* ---- linear algebra ---- */

/* y[t, r] = sum_c x[t, c] * w[r, c] + (bias ? bias[r] : 0)
 * for t < n_tok, r < w->rows; x is [n_tok, w->cols], y is [n_tok, w->rows].
 * Sums in f32. Threads split the output rows. */
void k_matmul(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok);
void k_matmul_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok);
/* One thread's share of output rows [r0, r1): the unit the pool runs. */
void k_matmul_rows_avx512(float *y, const wmat *w, const float *x, const float *bias, int n_tok, int r0, int r1);

/* Block-diagonal linear, the RG-LRU gates: n_blocks blocks of bw x bw with
 * w[b][i][j] (input i, output j), as the reference's einsum "h i, h i j":
 * y[t, b*bw + j] = sum_i x[t, b*bw + i] * w[b, i, j] + bias[b*bw + j].
 * w is viewed as a [n_blocks * bw, bw] matrix. */
void k_blockdiag(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok,
                 int n_blocks, int bw);
void k_blockdiag_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok, int n_blocks, int bw);

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

/* ---- vector primitives (used by the ops above and by the model) ---- */
float k_dot_f32(const kctx *k, const float *a, const float *b, int n);
/* y += a * x */
void k_axpy_f32(const kctx *k, float *y, float a, const float *x, int n);

#endif
