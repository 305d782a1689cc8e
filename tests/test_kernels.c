/* tests/test_kernels.c: every fast kernel against its scalar reference.
 *
 * Sizes 1, 15, 16, 17 and 1003 (below, at, just past a vector width, and a
 * large odd one) for rows, columns and tokens; 1 thread and several; every
 * weight kind. Tolerances are named with the reason they are what they are. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "tests/test.h"

/* f32 sums of up to ~1000 products, added in another order (blocked, lane
 * by lane, then reduced): the difference is bounded by n eps sum|w_c x_c|
 * in the worst case and is a few sqrt(n) eps in practice; relative to
 * sum|w_c x_c|. */
#define MATMUL_ORDER_TOL 2e-5
/* Activations rounded to bf16 (relative error <= 2^-9 each) before the
 * products: relative to sum|w_c x_c|, with room for the summation order. */
#define BF16_ACT_TOL (1.0 / 256)

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rng_u32(rng *r) {
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return (uint32_t)(r->s >> 11);
}

/* Uniform in [-1, 1). */
static float rng_f(rng *r) { return (float)(rng_u32(r) & 0xffffff) / 8388608.0f - 1.0f; }

static void fill(rng *r, float *v, long n, float scale) {
    for (long i = 0; i < n; i++) v[i] = rng_f(r) * scale;
}

/* A weight matrix of kind t built from f32 values (all buffers owned by tw). */
typedef struct test_w {
    wmat w;
    void *data;
    f16 *scales, *offsets;
} test_w;

static void test_w_make(test_w *tw, wtype t, int group, const float *v, int rows, int cols) {
    memset(tw, 0, sizeof *tw);
    tw->w.type = t;
    tw->w.rows = rows;
    tw->w.cols = cols;
    tw->w.group = group;
    long n = (long)rows * cols;
    int ng = k_n_groups(cols, group > 0 ? group : 1);
    switch (t) {
    case W_F32:
        tw->data = malloc((size_t)n * 4);
        memcpy(tw->data, v, (size_t)n * 4);
        break;
    case W_BF16:
        tw->data = malloc((size_t)n * 2);
        for (long i = 0; i < n; i++) ((bf16 *)tw->data)[i] = f32_to_bf16(v[i]);
        break;
    case W_F16:
        tw->data = malloc((size_t)n * 2);
        for (long i = 0; i < n; i++) ((f16 *)tw->data)[i] = f32_to_f16(v[i]);
        break;
    case W_Q8:
        tw->data = malloc((size_t)n);
        tw->scales = malloc((size_t)rows * ng * sizeof(f16));
        for (int r = 0; r < rows; r++)
            k_quantize_q8_row(v + (long)r * cols, cols, group, (int8_t *)tw->data + (long)r * cols,
                              tw->scales + (long)r * ng);
        break;
    case W_Q4:
        tw->data = malloc((size_t)rows * k_q4_row_bytes(cols));
        tw->scales = malloc((size_t)rows * ng * sizeof(f16));
        tw->offsets = malloc((size_t)rows * ng * sizeof(f16));
        for (int r = 0; r < rows; r++)
            k_quantize_q4_row(v + (long)r * cols, cols, group, (uint8_t *)tw->data + (long)r * k_q4_row_bytes(cols),
                              tw->scales + (long)r * ng, tw->offsets + (long)r * ng);
        break;
    }
    tw->w.data = tw->data;
    tw->w.scales = tw->scales;
    tw->w.offsets = tw->offsets;
}

static void test_w_free(test_w *tw) {
    free(tw->data);
    free(tw->scales);
    free(tw->offsets);
}

/* sum_c |w[r, c] x[t, c]|, the scale of a dot product's rounding error. */
static double abs_dot(const wmat *w, const float *x, int r, int t) {
    double s = 0;
    for (int c = 0; c < w->cols; c++) s += fabs((double)wmat_at(w, r, c) * x[(long)t * w->cols + c]);
    return s;
}

typedef struct wkind {
    wtype t;
    int group;
} wkind;

static const wkind KINDS[] = {{W_F32, 0}, {W_BF16, 0}, {W_F16, 0}, {W_Q8, 32}, {W_Q8, 64}, {W_Q4, 32}, {W_Q4, 64}};
#define N_KINDS (int)(sizeof KINDS / sizeof KINDS[0])

/* Compares every variant that runs on this CPU with the reference for one
 * shape, with 1 and 3 threads. What k_matmul picks (K_MM_AUTO) must also
 * give identical bits for any thread count: each output is computed by one
 * thread, the same way, whatever the split. */
static void check_matmul_shape(pool *p3, int rows, int cols, int n_tok, wkind kind, int with_bias, rng *r) {
    float *wv = malloc((size_t)rows * cols * sizeof(float));
    float *x = malloc((size_t)n_tok * cols * sizeof(float));
    float *bias = with_bias ? malloc((size_t)rows * sizeof(float)) : NULL;
    float *want = malloc((size_t)n_tok * rows * sizeof(float));
    float *got = malloc((size_t)n_tok * rows * sizeof(float));
    float *got3 = malloc((size_t)n_tok * rows * sizeof(float));
    fill(r, wv, (long)rows * cols, 0.5f);
    fill(r, x, (long)n_tok * cols, 2.0f);
    if (bias) fill(r, bias, rows, 1.0f);
    test_w tw;
    test_w_make(&tw, kind.t, kind.group, wv, rows, cols);
    k_matmul_ref(want, &tw.w, x, bias, n_tok);
    kctx k1, k3;
    kctx_init(&k1, NULL, 0);
    kctx_init(&k3, p3, 0);
    for (int v = K_MM_AUTO; v < K_MM_N_VARIANTS; v++) {
        if (v == K_MM_REF) continue;
        if (v == K_MM_GEMM_AVX512BF16) continue; /* rounds activations: its own test */
        memset(got, 0xff, (size_t)n_tok * rows * sizeof(float));
        if (k_matmul_variant(&k1, (k_mm_variant)v, got, &tw.w, x, bias, n_tok) != 0) continue;
        memset(got3, 0xff, (size_t)n_tok * rows * sizeof(float));
        CHECK(k_matmul_variant(&k3, (k_mm_variant)v, got3, &tw.w, x, bias, n_tok) == 0);
        for (int pass = 0; pass < 2; pass++) {
            const float *g = pass ? got3 : got;
            double worst = 0;
            long at = -1;
            for (int t = 0; t < n_tok; t++)
                for (int o = 0; o < rows; o++) {
                    long i = (long)t * rows + o;
                    double lim = MATMUL_ORDER_TOL * (abs_dot(&tw.w, x, o, t) + (bias ? fabs(bias[o]) : 0)) + 1e-30;
                    double d = fabs((double)g[i] - want[i]) / lim;
                    if (!(d <= worst)) {
                        worst = d;
                        at = i;
                    }
                }
            CHECKF(worst <= 1.0,
                   "%s %s g%d rows %d cols %d tokens %d threads %d: |diff| %.3g x the limit at [%ld,%ld] (%g vs %g)",
                   k_mm_variant_name((k_mm_variant)v), wtype_name(kind.t), kind.group, rows, cols, n_tok,
                   pass ? 3 : 1, worst, at / rows, at % rows, at >= 0 ? g[at] : 0.0, at >= 0 ? want[at] : 0.0);
        }
        if (v == K_MM_AUTO)
            CHECKF(memcmp(got, got3, (size_t)n_tok * rows * sizeof(float)) == 0,
               "%s %s rows %d cols %d tokens %d: 1 thread and 3 threads differ", k_mm_variant_name((k_mm_variant)v),
               wtype_name(kind.t), rows, cols, n_tok);
    }
    test_w_free(&tw);
    free(wv);
    free(x);
    free(bias);
    free(want);
    free(got);
    free(got3);
}

static const int SIZES[] = {1, 15, 16, 17, 1003};
#define N_SIZES (int)(sizeof SIZES / sizeof SIZES[0])

/* Every (rows, cols, tokens) from SIZES with at most one of them 1003 (the
 * scalar reference of a 1003^3 product would dominate the suite), plus
 * shapes that cross the GEMM's blocks (128 rows, 256 columns, 14 tokens,
 * 64-token units). */
static void check_matmul_kind(wkind kind) {
    errbuf e;
    pool *p3 = pool_create(3, &e);
    rng r = {0x9e3779b97f4a7c15ull + (uint64_t)kind.t * 31 + (uint64_t)kind.group};
    for (int a = 0; a < N_SIZES; a++)
        for (int b = 0; b < N_SIZES; b++)
            for (int c = 0; c < N_SIZES; c++) {
                int big = (SIZES[a] == 1003) + (SIZES[b] == 1003) + (SIZES[c] == 1003);
                if (big > 1) continue;
                check_matmul_shape(p3, SIZES[a], SIZES[b], SIZES[c], kind, (a + b + c) % 2, &r);
            }
    check_matmul_shape(p3, 161, 530, 150, kind, 1, &r);
    check_matmul_shape(p3, 40, 300, 131, kind, 0, &r);
    check_matmul_shape(p3, 300, 64, 29, kind, 1, &r);
    pool_free(p3);
}

TEST(kernels_matmul_f32_variants_vs_ref) { check_matmul_kind(KINDS[0]); }
TEST(kernels_matmul_bf16_variants_vs_ref) { check_matmul_kind(KINDS[1]); }
TEST(kernels_matmul_f16_variants_vs_ref) { check_matmul_kind(KINDS[2]); }
TEST(kernels_matmul_q8g32_variants_vs_ref) { check_matmul_kind(KINDS[3]); }
TEST(kernels_matmul_q8g64_variants_vs_ref) { check_matmul_kind(KINDS[4]); }
TEST(kernels_matmul_q4g32_variants_vs_ref) { check_matmul_kind(KINDS[5]); }
TEST(kernels_matmul_q4g64_variants_vs_ref) { check_matmul_kind(KINDS[6]); }
