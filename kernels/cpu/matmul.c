/* kernels/cpu/matmul.c: y = x w^T + b, the product behind every linear
 * layer: the scalar reference, the variant table and the thread split.
 *
 * Decoding (few tokens) reads every weight once per step and is bound by
 * memory bandwidth: threads split the output rows into contiguous ranges, so
 * each streams its own part of the matrix. Prefill (many tokens) is bound by
 * arithmetic: threads split row blocks, and token blocks too when there are
 * fewer row blocks than threads, and each runs the packed GEMM on its part.
 * The variants themselves (matmul_avx512.c, matmul_avx2.c, matmul_q.c) run
 * on one thread over a row view of the matrix. */
#include <stdatomic.h>
#include <string.h>

#include "kernels/cpu/matmul_impl.h"
#include "kernels/cpu/simd_impl.h"

/* ---- reference ---- */

static void matmul_float_ref(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok) {
    for (int t = 0; t < n_tok; t++)
        for (int r = 0; r < w->rows; r++) {
            float acc = 0.0f;
            for (int c = 0; c < w->cols; c++) acc += x[(long)t * w->cols + c] * wmat_at(w, r, c);
            y[(long)t * ldy + r] = acc + (bias ? bias[r] : 0.0f);
        }
}

void k_matmul_part_ref(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok) {
    if (w->type == W_Q8 || w->type == W_Q4) k_matmul_q_ref(y, ldy, w, x, bias, n_tok);
    else matmul_float_ref(y, ldy, w, x, bias, n_tok);
}

void k_matmul_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok) {
    k_matmul_part_ref(y, w->rows, w, x, bias, n_tok);
}

void k_matmul_exact_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok) {
    matmul_float_ref(y, w->rows, w, x, bias, n_tok);
}

/* ---- variants ---- */

static const char *const variant_names[K_MM_N_VARIANTS] = {
    [K_MM_AUTO] = "auto",
    [K_MM_REF] = "ref",
    [K_MM_AVX2] = "avx2",
    [K_MM_AVX512] = "avx512",
    [K_MM_GEMM_AVX512] = "gemm_avx512",
    [K_MM_GEMM_AVX512BF16] = "gemm_avx512bf16",
    [K_MM_Q_AVX2] = "q_avx2",
    [K_MM_Q_AVX512VNNI] = "q_avx512vnni",
};

const char *k_mm_variant_name(k_mm_variant v) {
    return (unsigned)v < K_MM_N_VARIANTS ? variant_names[v] : "?";
}

static int is_quant(wtype t) { return t == W_Q8 || t == W_Q4; }

/* Whether this CPU (at the context's level) and weight type can run v. */
static int variant_ok(const kctx *k, k_mm_variant v, wtype t) {
    const k_isa lv = k_level(k);
    switch (v) {
    case K_MM_REF: return 1;
    case K_MM_AVX2: return !is_quant(t) && lv >= K_ISA_AVX2;
    case K_MM_AVX512: return !is_quant(t) && lv >= K_ISA_AVX512;
    case K_MM_GEMM_AVX512: return lv >= K_ISA_AVX512; /* quantized weights dequantized as they are packed */
    case K_MM_GEMM_AVX512BF16: return t == W_BF16 && lv >= K_ISA_AVX512 && k->has_avx512_bf16;
    case K_MM_Q_AVX2: return is_quant(t) && lv >= K_ISA_AVX2;
    case K_MM_Q_AVX512VNNI: return is_quant(t) && lv >= K_ISA_AVX512 && k->has_avx512_vnni;
    default: return 0;
    }
}

k_mm_variant k_matmul_pick(const kctx *k, wtype t, int n_tok) {
    const k_isa lv = k_level(k);
    if (lv == K_ISA_REF) return K_MM_REF;
    const int gemm_min = k->gemm_min_tok > 0 ? k->gemm_min_tok : K_GEMM_MIN_TOK;
    /* Quantized weights: integer products on quantized activations for
     * decode; for prefill the weights are dequantized into the f32 GEMM's
     * packed blocks (once per block, reused by every token), which is faster
     * than the integer kernels' per-group float work and keeps the
     * activations exact (it equals k_matmul_exact_ref, not k_matmul_ref). */
    if (is_quant(t)) {
        if (n_tok >= gemm_min && lv >= K_ISA_AVX512) return K_MM_GEMM_AVX512;
        return variant_ok(k, K_MM_Q_AVX512VNNI, t) ? K_MM_Q_AVX512VNNI : K_MM_Q_AVX2;
    }
    if (lv == K_ISA_AVX2) return K_MM_AVX2;
    if (n_tok < gemm_min) return K_MM_AVX512;
    if (k->bf16_act && variant_ok(k, K_MM_GEMM_AVX512BF16, t)) return K_MM_GEMM_AVX512BF16;
    return K_MM_GEMM_AVX512;
}

static k_matmul_fn variant_fn(k_mm_variant v) {
    switch (v) {
    case K_MM_AVX2: return k_matmul_part_avx2;
    case K_MM_AVX512: return k_matmul_part_avx512;
    case K_MM_GEMM_AVX512: return k_matmul_part_gemm_avx512;
    case K_MM_GEMM_AVX512BF16: return k_matmul_part_gemm_avx512bf16;
    case K_MM_Q_AVX2: return k_matmul_part_q_avx2;
    case K_MM_Q_AVX512VNNI: return k_matmul_part_q_avx512vnni;
    default: return k_matmul_part_ref;
    }
}

/* ---- the thread split ----
 *
 * Work is cut into units of whole row blocks (and token blocks for prefill
 * with few rows) that threads take from a shared counter as they finish,
 * so a thread that the OS deschedules (the machine may be shared) or that
 * meets slower memory does less of the work instead of holding the others
 * up. Each output is still computed by exactly one thread, the same way, so
 * results do not depend on the number of threads or on who took what. */

/* Rows per unit: a multiple of every variant's row tile (32 for the GEMM, 8
 * for the streaming kernel, 4 for the register tiles). */
#define ROW_UNIT 32
/* About this many units per thread, for balance; at most this many rows a
 * unit (a streamed unit then spans up to ~2.5 MB of bf16 weights). */
#define UNITS_PER_THREAD 8
#define MAX_UNIT_ROWS 512
/* Tokens per unit when prefill also splits tokens. */
#define TOK_UNIT 64

typedef struct matmul_job {
    k_matmul_fn fn;
    float *y;
    const wmat *w;
    const float *x;
    const float *bias;
    int n_tok;
    int unit_rows, unit_tok;
    long n_rb, n_tb;      /* row blocks, token blocks */
    const k_qact *qact;   /* activations quantized once for every part, or NULL */
    _Atomic long next;    /* the next unit to take */
} matmul_job;

static void matmul_task(void *arg, int ith, int nth) {
    (void)ith;
    (void)nth;
    matmul_job *j = arg;
    const wmat *w = j->w;
    for (;;) {
        const long u = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (u >= j->n_rb * j->n_tb) return;
        const long rb = u / j->n_tb, tb = u % j->n_tb;
        const int r0 = (int)(rb * j->unit_rows), r1 = r0 + j->unit_rows < w->rows ? r0 + j->unit_rows : w->rows;
        const int t0 = (int)(tb * j->unit_tok), t1 = t0 + j->unit_tok < j->n_tok ? t0 + j->unit_tok : j->n_tok;
        const wmat v = wmat_rows(w, r0, r1);
        if (j->qact) {
            k_matmul_part_qprep_avx512vnni(j->y + r0, w->rows, &v, j->qact, j->bias ? j->bias + r0 : NULL);
            continue;
        }
        j->fn(j->y + (long)t0 * w->rows + r0, w->rows, &v, j->x + (long)t0 * w->cols, j->bias ? j->bias + r0 : NULL,
              t1 - t0);
    }
}

static void run(const kctx *k, k_mm_variant v, float *y, const wmat *w, const float *x, const float *bias,
                int n_tok) {
    if (n_tok <= 0 || w->rows <= 0) return;
    const int nth = pool_n_threads(k->pool);
    matmul_job j = {.fn = variant_fn(v), .y = y, .w = w, .x = x, .bias = bias, .n_tok = n_tok};
    long ur = ((long)w->rows / ((long)nth * UNITS_PER_THREAD) + ROW_UNIT - 1) / ROW_UNIT * ROW_UNIT;
    j.unit_rows = (int)(ur < ROW_UNIT ? ROW_UNIT : ur > MAX_UNIT_ROWS ? MAX_UNIT_ROWS : ur);
    j.n_rb = (w->rows + j.unit_rows - 1) / j.unit_rows;
    /* Prefill with fewer row blocks than twice the threads: split tokens too. */
    j.unit_tok = n_tok >= 2 * TOK_UNIT && j.n_rb < 2L * nth ? TOK_UNIT : n_tok;
    j.n_tb = (n_tok + j.unit_tok - 1) / j.unit_tok;
    atomic_init(&j.next, 0);
    k_qact qa;
    k_qact_buf qbuf; /* ~100 KB of stack, as each part would use */
    if (v == K_MM_Q_AVX512VNNI && j.n_tb == 1 && k_qact_prepare_avx512vnni(&qa, &qbuf, w, x, n_tok) == 0)
        j.qact = &qa;
    /* Small products are not worth waking the pool for. */
    long work = (long)w->rows * w->cols * n_tok;
    if (work < 32768 || nth == 1) matmul_task(&j, 0, 1);
    else pool_run_any(k->pool, matmul_task, &j);
}

void k_matmul(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok) {
    run(k, k_matmul_pick(k, w->type, n_tok), y, w, x, bias, n_tok);
}

int k_matmul_variant(const kctx *k, k_mm_variant v, float *y, const wmat *w, const float *x, const float *bias,
                     int n_tok) {
    if (v == K_MM_AUTO) v = k_matmul_pick(k, w->type, n_tok);
    if (!variant_ok(k, v, w->type)) return -1;
    run(k, v, y, w, x, bias, n_tok);
    return 0;
}
