/* kernels/cpu/elementwise.c: RMSNorm, GELU, soft cap, RoPE, block-diagonal
 * gates. These are a small share of the work; the fast versions are the
 * same loops split over the pool's threads. */
#include <math.h>

#include "kernels/kernels.h"

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

typedef struct rows_job {
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
    if (lo < hi)
        k_rmsnorm_ref(j->y + lo * j->width, j->x + lo * j->width, j->scale, j->eps, (int)(hi - lo), j->width);
}

void k_rmsnorm(const kctx *k, float *y, const float *x, const float *scale, float eps, int n_tok, int width) {
    rows_job j = {y, x, scale, eps, n_tok, width};
    if ((long)n_tok * width < PAR_MIN_ELEMS || n_tok < 2) rmsnorm_task(&j, 0, 1);
    else pool_run(k->pool, rmsnorm_task, &j);
}

/* ---- GELU ---- */

float k_gelu_tanh(float x) {
    /* torch: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) */
    const float k0 = 0.7978845608028654f, k1 = 0.044715f;
    return 0.5f * x * (1.0f + tanhf(k0 * (x + k1 * x * x * x)));
}

void k_gelu_mul_ref(float *a, const float *b, long n) {
    for (long i = 0; i < n; i++) a[i] = b ? k_gelu_tanh(a[i]) * b[i] : k_gelu_tanh(a[i]);
}

typedef struct vec_job {
    float *a;
    const float *b;
    long n;
    float cap;
} vec_job;

static void gelu_task(void *arg, int ith, int nth) {
    const vec_job *j = arg;
    long lo, hi;
    pool_split(j->n, ith, nth, &lo, &hi);
    k_gelu_mul_ref(j->a + lo, j->b ? j->b + lo : NULL, hi - lo);
}

void k_gelu_mul(const kctx *k, float *a, const float *b, long n) {
    vec_job j = {a, b, n, 0};
    if (n < PAR_MIN_ELEMS) gelu_task(&j, 0, 1);
    else pool_run(k->pool, gelu_task, &j);
}

/* ---- soft cap ---- */

void k_softcap_ref(float *x, long n, float cap) {
    for (long i = 0; i < n; i++) x[i] = tanhf(x[i] / cap) * cap;
}

static void softcap_task(void *arg, int ith, int nth) {
    const vec_job *j = arg;
    long lo, hi;
    pool_split(j->n, ith, nth, &lo, &hi);
    k_softcap_ref(j->a + lo, hi - lo, j->cap);
}

void k_softcap(const kctx *k, float *x, long n, float cap) {
    vec_job j = {x, NULL, n, cap};
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
