/* kernels/cpu/elementwise.c: RMSNorm, GELU, soft cap, exp/tanh/sigmoid,
 * RoPE, block-diagonal gates.
 *
 * The references use libm (tanhf, expf). The fast versions use the vector
 * approximations of simd_impl.h: scalar tanhf in the GELU of the MLP
 * (mlp_width values per token) and in the soft cap of the logits (vocab
 * values per token) was a measurable share of prefill. Rows and elements
 * are split over the pool's threads. */
#include <math.h>

#include "kernels/cpu/simd_impl.h"

/* Below this many elements a job runs on the calling thread. */
#define PAR_MIN_ELEMS 16384

/* ---- RMSNorm ---- */

void k_rmsnorm_ref(float *y, const float *x, const float *scale, float eps, int n_tok, int width) {
    for (int t = 0; t < n_tok; t++) {
        const float *xr = x + (long)t * width;
        float *yr = y + (long)t * width;
        double ss = 0.0; /* long reduction: double, as ggml does */
        for (int i = 0; i < width; i++) ss += (double)xr[i] * xr[i];
        float inv = 1.0f / sqrtf((float)(ss / width) + eps);
        for (int i = 0; i < width; i++) yr[i] = xr[i] * inv * (1.0f + scale[i]);
    }
}

/* The same sums in f64 lanes (8 at a time), so the result differs from the
 * reference only by the order of the double additions. */
K_AVX512 static void rmsnorm_avx512(float *y, const float *x, const float *scale, float eps, int n_tok, int width) {
    for (int t = 0; t < n_tok; t++) {
        const float *xr = x + (long)t * width;
        float *yr = y + (long)t * width;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        for (int i = 0; i < width; i += 16) {
            __m512 v = _mm512_maskz_loadu_ps(k_mask16(width - i), xr + i);
            __m512d a = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            __m512d b = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
            s0 = _mm512_fmadd_pd(a, a, s0);
            s1 = _mm512_fmadd_pd(b, b, s1);
        }
        double ss = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
        const __m512 inv = _mm512_set1_ps(1.0f / sqrtf((float)(ss / width) + eps));
        for (int i = 0; i < width; i += 16) {
            const __mmask16 m = k_mask16(width - i);
            __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + i), inv);
            __m512 sc = _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_maskz_loadu_ps(m, scale + i));
            _mm512_mask_storeu_ps(yr + i, m, _mm512_mul_ps(v, sc));
        }
    }
}

typedef struct rows_job {
    const kctx *k;
    float *y;
    const float *x;
    const float *scale;
    float eps;
    int n_tok, width;
} rows_job;

static void rmsnorm_task(void *arg, int ith, int nth) {
    const rows_job *j = arg;
    long lo, hi;
    pool_split(j->n_tok, ith, nth, &lo, &hi);
    if (lo >= hi) return;
    float *y = j->y + lo * j->width;
    const float *x = j->x + lo * j->width;
    if (k_level(j->k) == K_ISA_AVX512) rmsnorm_avx512(y, x, j->scale, j->eps, (int)(hi - lo), j->width);
    else k_rmsnorm_ref(y, x, j->scale, j->eps, (int)(hi - lo), j->width);
}

void k_rmsnorm(const kctx *k, float *y, const float *x, const float *scale, float eps, int n_tok, int width) {
    rows_job j = {k, y, x, scale, eps, n_tok, width};
    if ((long)n_tok * width < PAR_MIN_ELEMS || n_tok < 2) rmsnorm_task(&j, 0, 1);
    else pool_run(k->pool, rmsnorm_task, &j);
}

/* ---- exp, tanh, sigmoid ---- */

void k_exp_ref(float *y, const float *x, long n) {
    for (long i = 0; i < n; i++) y[i] = expf(x[i]);
}
void k_tanh_ref(float *y, const float *x, long n) {
    for (long i = 0; i < n; i++) y[i] = tanhf(x[i]);
}
void k_sigmoid_ref(float *y, const float *x, long n) {
    for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

#define VEC_FN(NAME, FN512, FN256)                                                                     \
    K_AVX512 static void NAME##_avx512(float *y, const float *x, long n) {                             \
        for (long i = 0; i < n; i += 16) {                                                             \
            const __mmask16 m = k_mask16((int)(n - i < 16 ? n - i : 16));                              \
            _mm512_mask_storeu_ps(y + i, m, FN512(_mm512_maskz_loadu_ps(m, x + i)));                   \
        }                                                                                              \
    }                                                                                                  \
    K_AVX2 static void NAME##_avx2(float *y, const float *x, long n) {                                 \
        long i = 0;                                                                                    \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, FN256(_mm256_loadu_ps(x + i)));             \
        if (i < n) {                                                                                   \
            const __m256i m = k_mask8_avx2((int)(n - i));                                              \
            _mm256_maskstore_ps(y + i, m, FN256(_mm256_maskload_ps(x + i, m)));                        \
        }                                                                                              \
    }                                                                                                  \
    void k_##NAME(const kctx *k, float *y, const float *x, long n) {                                   \
        switch (k_level(k)) {                                                                          \
        case K_ISA_AVX512: NAME##_avx512(y, x, n); break;                                              \
        case K_ISA_AVX2: NAME##_avx2(y, x, n); break;                                                  \
        default: k_##NAME##_ref(y, x, n); break;                                                       \
        }                                                                                              \
    }

VEC_FN(exp, k_exp_avx512, k_exp_avx2)
VEC_FN(tanh, k_tanh_avx512, k_tanh_avx2)
VEC_FN(sigmoid, k_sigmoid_avx512, k_sigmoid_avx2)

/* ---- GELU ---- */

float k_gelu_tanh(float x) {
    /* torch: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) */
    const float k0 = 0.7978845608028654f, k1 = 0.044715f;
    return 0.5f * x * (1.0f + tanhf(k0 * (x + k1 * x * x * x)));
}

void k_gelu_mul_ref(float *a, const float *b, long n) {
    for (long i = 0; i < n; i++) a[i] = b ? k_gelu_tanh(a[i]) * b[i] : k_gelu_tanh(a[i]);
}

K_AVX512 static void gelu_mul_avx512(float *a, const float *b, long n) {
    for (long i = 0; i < n; i += 16) {
        const __mmask16 m = k_mask16((int)(n - i < 16 ? n - i : 16));
        __m512 g = k_gelu_avx512(_mm512_maskz_loadu_ps(m, a + i));
        if (b) g = _mm512_mul_ps(g, _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(a + i, m, g);
    }
}

K_AVX2 static void gelu_mul_avx2(float *a, const float *b, long n) {
    for (long i = 0; i < n; i += 8) {
        const __m256i m = k_mask8_avx2((int)(n - i < 8 ? n - i : 8));
        __m256 g = k_gelu_avx2(_mm256_maskload_ps(a + i, m));
        if (b) g = _mm256_mul_ps(g, _mm256_maskload_ps(b + i, m));
        _mm256_maskstore_ps(a + i, m, g);
    }
}

typedef struct vec_job {
    const kctx *k;
    float *a;
    const float *b;
    long n;
    float cap;
} vec_job;

static void gelu_task(void *arg, int ith, int nth) {
    const vec_job *j = arg;
    long lo, hi;
    pool_split(j->n, ith, nth, &lo, &hi);
    float *a = j->a + lo;
    const float *b = j->b ? j->b + lo : NULL;
    switch (k_level(j->k)) {
    case K_ISA_AVX512: gelu_mul_avx512(a, b, hi - lo); break;
    case K_ISA_AVX2: gelu_mul_avx2(a, b, hi - lo); break;
    default: k_gelu_mul_ref(a, b, hi - lo); break;
    }
}

void k_gelu_mul(const kctx *k, float *a, const float *b, long n) {
    vec_job j = {k, a, b, n, 0};
    if (n < PAR_MIN_ELEMS) gelu_task(&j, 0, 1);
    else pool_run(k->pool, gelu_task, &j);
}

/* ---- soft cap ---- */

void k_softcap_ref(float *x, long n, float cap) {
    for (long i = 0; i < n; i++) x[i] = tanhf(x[i] / cap) * cap;
}

K_AVX512 static void softcap_avx512(float *x, long n, float cap) {
    const __m512 c = _mm512_set1_ps(cap);
    for (long i = 0; i < n; i += 16) {
        const __mmask16 m = k_mask16((int)(n - i < 16 ? n - i : 16));
        __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), c);
        _mm512_mask_storeu_ps(x + i, m, _mm512_mul_ps(k_tanh_avx512(v), c));
    }
}

K_AVX2 static void softcap_avx2(float *x, long n, float cap) {
    const __m256 c = _mm256_set1_ps(cap);
    for (long i = 0; i < n; i += 8) {
        const __m256i m = k_mask8_avx2((int)(n - i < 8 ? n - i : 8));
        __m256 v = _mm256_div_ps(_mm256_maskload_ps(x + i, m), c);
        _mm256_maskstore_ps(x + i, m, _mm256_mul_ps(k_tanh_avx2(v), c));
    }
}

static void softcap_task(void *arg, int ith, int nth) {
    const vec_job *j = arg;
    long lo, hi;
    pool_split(j->n, ith, nth, &lo, &hi);
    switch (k_level(j->k)) {
    case K_ISA_AVX512: softcap_avx512(j->a + lo, hi - lo, j->cap); break;
    case K_ISA_AVX2: softcap_avx2(j->a + lo, hi - lo, j->cap); break;
    default: k_softcap_ref(j->a + lo, hi - lo, j->cap); break;
    }
}

void k_softcap(const kctx *k, float *x, long n, float cap) {
    vec_job j = {k, x, NULL, n, cap};
    if (n < PAR_MIN_ELEMS) softcap_task(&j, 0, 1);
    else pool_run(k->pool, softcap_task, &j);
}

/* ---- RoPE ---- */

void k_rope_ref(float *x, const long *pos, int n_tok, int n_heads, int head_dim, int rot_dims, float theta) {
    const int half = rot_dims / 2;
    for (int t = 0; t < n_tok; t++) {
        for (int i = 0; i < half; i++) {
            /* As the reference: timescale = theta^(2i/d) in f32, then its
             * inverse times the position, all in f32. */
            float expo = 2.0f * (float)i / (float)rot_dims;
            float timescale = powf(theta, expo);
            float inv = 1.0f / timescale;
            float ang = (float)pos[t] * inv;
            float s = sinf(ang), c = cosf(ang);
            for (int h = 0; h < n_heads; h++) {
                float *v = x + ((long)t * n_heads + h) * head_dim;
                float a = v[i], b = v[i + half];
                v[i] = a * c - b * s;
                v[i + half] = b * c + a * s;
            }
        }
    }
}

typedef struct rope_job {
    float *x;
    const long *pos;
    int n_tok, n_heads, head_dim, rot_dims;
    float theta;
} rope_job;

static void rope_task(void *arg, int ith, int nth) {
    const rope_job *j = arg;
    long lo, hi;
    pool_split(j->n_tok, ith, nth, &lo, &hi);
    if (lo < hi)
        k_rope_ref(j->x + lo * j->n_heads * j->head_dim, j->pos + lo, (int)(hi - lo), j->n_heads, j->head_dim,
                   j->rot_dims, j->theta);
}

void k_rope(const kctx *k, float *x, const long *pos, int n_tok, int n_heads, int head_dim, int rot_dims,
            float theta) {
    rope_job j = {x, pos, n_tok, n_heads, head_dim, rot_dims, theta};
    if (n_tok < 8) rope_task(&j, 0, 1);
    else pool_run(k->pool, rope_task, &j);
}

/* ---- block-diagonal linear ---- */

static void blockdiag_one(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int b, int bw) {
    /* y_j = sum_i x_i w[b][i][j]: an axpy per input i over the row w[b][i]. */
    float row[bw];
    for (int j = 0; j < bw; j++) y[j] = 0.0f;
    for (int i = 0; i < bw; i++) {
        long r = (long)b * bw + i;
        for (int j = 0; j < bw; j++) row[j] = wmat_at(w, r, j);
        if (k) k_axpy_f32(k, y, x[i], row, bw);
        else
            for (int j = 0; j < bw; j++) y[j] += x[i] * row[j];
    }
    if (bias)
        for (int j = 0; j < bw; j++) y[j] += bias[(long)b * bw + j];
}

void k_blockdiag_ref(float *y, const wmat *w, const float *x, const float *bias, int n_tok, int n_blocks, int bw) {
    const long width = (long)n_blocks * bw;
    for (int t = 0; t < n_tok; t++)
        for (int b = 0; b < n_blocks; b++)
            blockdiag_one(NULL, y + t * width + (long)b * bw, w, x + t * width + (long)b * bw, bias, b, bw);
}

typedef struct bd_job {
    const kctx *k;
    float *y;
    const wmat *w;
    const float *x;
    const float *bias;
    int n_tok, n_blocks, bw;
} bd_job;

static void blockdiag_task(void *arg, int ith, int nth) {
    const bd_job *j = arg;
    const long width = (long)j->n_blocks * j->bw;
    long lo, hi;
    pool_split((long)j->n_tok * j->n_blocks, ith, nth, &lo, &hi);
    for (long u = lo; u < hi; u++) {
        long t = u / j->n_blocks;
        int b = (int)(u % j->n_blocks);
        blockdiag_one(j->k, j->y + t * width + (long)b * j->bw, j->w, j->x + t * width + (long)b * j->bw, j->bias,
                      b, j->bw);
    }
}

void k_blockdiag(const kctx *k, float *y, const wmat *w, const float *x, const float *bias, int n_tok, int n_blocks,
                 int bw) {
    bd_job j = {k, y, w, x, bias, n_tok, n_blocks, bw};
    if ((long)n_tok * n_blocks * bw * bw < PAR_MIN_ELEMS) blockdiag_task(&j, 0, 1);
    else pool_run(k->pool, blockdiag_task, &j);
}
