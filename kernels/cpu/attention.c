/* kernels/cpu/attention.c: one query row against a window of keys.
 *
 * Keys below p0 come from the sequence's ring buffer (slot = pos % cap),
 * keys from p0 on from the rows of the current step, so a prefill chunk that
 * is longer than the window still sees exactly the keys the reference's
 * mask allows (q - window <= k <= q) without writing the ring first. The
 * softmax is computed in f32 with the maximum subtracted, as torch does. */
#include <math.h>

#include "kernels/kernels.h"

static inline const float *key_at(const k_kv_view *kv, long pos) {
    return pos >= kv->p0 ? kv->new_k + (pos - kv->p0) * kv->new_stride
                         : kv->ring_k + (pos % kv->cap) * kv->ring_stride;
}

static inline const float *value_at(const k_kv_view *kv, long pos) {
    return pos >= kv->p0 ? kv->new_v + (pos - kv->p0) * kv->new_stride
                         : kv->ring_v + (pos % kv->cap) * kv->ring_stride;
}

/* The body is shared by the reference and the fast variant: only the dot
 * product and axpy differ (through the context). */
static void attend(const kctx *k, float *out, const float *q, const k_kv_view *kv, long lo, long hi, int n_heads,
                   int n_kv, int head_dim, float scale, float *scratch) {
    const int group = n_heads / n_kv;
    const long n = hi - lo + 1;
    for (int h = 0; h < n_heads; h++) {
        const float *qh = q + (long)h * head_dim;
        const int off = (h / group) * head_dim;
        float mx = -INFINITY;
        for (long s = 0; s < n; s++) {
            float v = k_dot_f32(k, qh, key_at(kv, lo + s) + off, head_dim) * scale;
            scratch[s] = v;
            if (v > mx) mx = v;
        }
        float sum = 0.0f;
        for (long s = 0; s < n; s++) {
            scratch[s] = expf(scratch[s] - mx);
            sum += scratch[s];
        }
        float *oh = out + (long)h * head_dim;
        for (int d = 0; d < head_dim; d++) oh[d] = 0.0f;
        const float inv = 1.0f / sum;
        for (long s = 0; s < n; s++) k_axpy_f32(k, oh, scratch[s] * inv, value_at(kv, lo + s) + off, head_dim);
    }
}

void k_attend_ref(float *out, const float *q, const k_kv_view *kv, long lo, long hi, int n_heads, int n_kv,
                  int head_dim, float scale, float *scratch) {
    kctx ref = {.pool = NULL, .use_ref = 1, .has_avx512 = 0};
    attend(&ref, out, q, kv, lo, hi, n_heads, n_kv, head_dim, scale, scratch);
}

void k_attend(const kctx *k, float *out, const float *q, const k_kv_view *kv, long lo, long hi, int n_heads,
              int n_kv, int head_dim, float scale, float *scratch) {
    attend(k, out, q, kv, lo, hi, n_heads, n_kv, head_dim, scale, scratch);
}

/* ---- fused attention over segments ---- */

#include "kernels/cpu/simd_impl.h"

#define AT_KB 16    /* keys per online-softmax step */
#define AT_MAX_GROUP 64 /* heads sharing a KV head the stack state holds */

static long at_lo(long p, long window) { return window > 0 && p - window > 0 ? p - window : 0; }

void k_attention_ref(float *out, const float *q, const k_attn_seg *segs, int n_segs, int n_heads, int n_kv,
                     int head_dim, long window, float scale, float *scratch) {
    const int group = n_heads / n_kv;
    const long q_dim = (long)n_heads * head_dim;
    for (int s = 0; s < n_segs; s++) {
        const k_attn_seg *sg = &segs[s];
        for (int t = 0; t < sg->n; t++) {
            const long p = sg->kv.p0 + t;
            for (int h = 0; h < n_heads; h++) {
                k_kv_view kv = sg->kv;
                const long off = (long)(h / group) * head_dim;
                kv.ring_k += off;
                kv.ring_v += off;
                kv.new_k += off;
                kv.new_v += off;
                k_attend_ref(out + (long)(sg->row0 + t) * q_dim + (long)h * head_dim,
                             q + (long)(sg->row0 + t) * q_dim + (long)h * head_dim, &kv, at_lo(p, window), p, 1, 1,
                             head_dim, scale, scratch);
            }
        }
    }
}

/* One query row, heads [h0, h1) of one KV group (their q and out rows at
 * q + h * hd), keys [lo, hi] from kv (already offset to the KV head). */
K_AVX512 static void attend_row_avx512(float *out, const float *q, const k_kv_view *kv, long lo, long hi, int h0,
                                       int h1, int hd, float scale) {
    const int nh = h1 - h0;
    float m[AT_MAX_GROUP], l[AT_MAX_GROUP];
    _Alignas(64) float sc[AT_MAX_GROUP][AT_KB];
    for (int h = 0; h < nh; h++) {
        m[h] = -INFINITY;
        l[h] = 0.0f;
        for (int d = 0; d < hd; d += 16) _mm512_mask_storeu_ps(out + (long)(h0 + h) * hd + d, k_mask16(hd - d), _mm512_setzero_ps());
    }
    for (long s0 = lo; s0 <= hi; s0 += AT_KB) {
        const int nk = hi - s0 + 1 < AT_KB ? (int)(hi - s0 + 1) : AT_KB;
        const float *kp[AT_KB], *vp[AT_KB];
        for (int s = 0; s < nk; s++) {
            kp[s] = key_at(kv, s0 + s);
            vp[s] = value_at(kv, s0 + s);
        }
        /* scores: each key once, against every head of the group */
        for (int s = 0; s < nk; s++)
            for (int h = 0; h < nh; h++) {
                const float *qh = q + (long)(h0 + h) * hd;
                __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
                int d = 0;
                for (; d + 32 <= hd; d += 32) {
                    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(qh + d), _mm512_loadu_ps(kp[s] + d), a0);
                    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(qh + d + 16), _mm512_loadu_ps(kp[s] + d + 16), a1);
                }
                for (; d < hd; d += 16) {
                    const __mmask16 mk = k_mask16(hd - d);
                    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, qh + d), _mm512_maskz_loadu_ps(mk, kp[s] + d), a0);
                }
                sc[h][s] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) * scale;
            }
        /* online softmax: rescale what was accumulated when the max grows */
        const __mmask16 km = k_mask16(nk);
        for (int h = 0; h < nh; h++) {
            const __m512 v = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), km, sc[h]);
            const float bm = _mm512_reduce_max_ps(v);
            const float mn = bm > m[h] ? bm : m[h];
            const __m512 pr = _mm512_maskz_mov_ps(km, k_exp_avx512(_mm512_sub_ps(v, _mm512_set1_ps(mn))));
            _mm512_store_ps(sc[h], pr);
            float *oh = out + (long)(h0 + h) * hd;
            if (mn > m[h] && m[h] != -INFINITY) {
                const float corr = expf(m[h] - mn);
                l[h] *= corr;
                const __m512 cv = _mm512_set1_ps(corr);
                for (int d = 0; d < hd; d += 16) {
                    const __mmask16 mk = k_mask16(hd - d);
                    _mm512_mask_storeu_ps(oh + d, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, oh + d), cv));
                }
            }
            m[h] = mn;
            l[h] += _mm512_reduce_add_ps(pr);
        }
        /* values: each once, into every head's output */
        for (int d = 0; d < hd; d += 16) {
            const __mmask16 mk = k_mask16(hd - d);
            for (int h = 0; h < nh; h++) {
                float *oh = out + (long)(h0 + h) * hd + d;
                __m512 acc = _mm512_maskz_loadu_ps(mk, oh);
                for (int s = 0; s < nk; s++)
                    acc = _mm512_fmadd_ps(_mm512_set1_ps(sc[h][s]), _mm512_maskz_loadu_ps(mk, vp[s] + d), acc);
                _mm512_mask_storeu_ps(oh, mk, acc);
            }
        }
    }
    for (int h = 0; h < nh; h++) {
        const __m512 inv = _mm512_set1_ps(1.0f / l[h]);
        float *oh = out + (long)(h0 + h) * hd;
        for (int d = 0; d < hd; d += 16) {
            const __mmask16 mk = k_mask16(hd - d);
            _mm512_mask_storeu_ps(oh + d, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, oh + d), inv));
        }
    }
}

typedef struct attn_job {
    float *out;
    const float *q;
    const k_attn_seg *segs;
    int n_segs, n_heads, n_kv, hd, hsplit, n_rows;
    long window;
    float scale;
    float *scratch; /* reference: span floats per thread */
    long span;
} attn_job;

static void attn_task(void *arg, int ith, int nth) {
    const attn_job *j = arg;
    const int group = j->n_heads / j->n_kv;
    const long q_dim = (long)j->n_heads * j->hd, n_units = (long)j->n_rows * j->n_kv * j->hsplit;
    long u0, u1;
    pool_split(n_units, ith, nth, &u0, &u1);
    /* units in row-major order: (row, kv head, head part) */
    int s = 0, base = 0;
    for (long u = u0; u < u1; u++) {
        const long row = u / ((long)j->n_kv * j->hsplit);
        const int g = (int)(u / j->hsplit % j->n_kv), part = (int)(u % j->hsplit);
        while (row >= base + j->segs[s].n) base += j->segs[s++].n;
        const k_attn_seg *sg = &j->segs[s];
        const int t = (int)(row - base);
        const long p = sg->kv.p0 + t;
        k_kv_view kv = sg->kv;
        const long off = (long)g * j->hd;
        kv.ring_k += off;
        kv.ring_v += off;
        kv.new_k += off;
        kv.new_v += off;
        const int h0 = g * group + (int)((long)group * part / j->hsplit),
                  h1 = g * group + (int)((long)group * (part + 1) / j->hsplit);
        if (h0 >= h1) continue;
        const long r = sg->row0 + t;
        if (j->scratch) {
            for (int h = h0; h < h1; h++)
                k_attend_ref(j->out + r * q_dim + (long)h * j->hd, j->q + r * q_dim + (long)h * j->hd, &kv,
                             at_lo(p, j->window), p, 1, 1, j->hd, j->scale, j->scratch + (long)ith * j->span);
        } else {
            attend_row_avx512(j->out + r * q_dim, j->q + r * q_dim, &kv, at_lo(p, j->window), p, h0, h1, j->hd,
                              j->scale);
        }
    }
}

void k_attention(const kctx *k, float *out, const float *q, const k_attn_seg *segs, int n_segs, int n_heads, int n_kv,
                 int head_dim, long window, float scale, float *scratch, long span) {
    const int group = n_heads / n_kv;
    /* Without AVX-512 (or past the stack state's group size): the reference
     * per row and head, split over the threads as the fast version. */
    const int ref = k_level(k) != K_ISA_AVX512 || group > AT_MAX_GROUP;
    int n_rows = 0;
    for (int s = 0; s < n_segs; s++) n_rows += segs[s].n;
    const int nth = pool_n_threads(k->pool);
    int hsplit = ref ? group : 1;
    while ((long)n_rows * n_kv * hsplit < nth && hsplit < group) hsplit++;
    attn_job j = {out, q, segs, n_segs, n_heads, n_kv, head_dim, hsplit, n_rows, window, scale, ref ? scratch : NULL,
                  span};
    if ((long)n_rows * n_kv * hsplit < 2) attn_task(&j, 0, 1);
    else pool_run(k->pool, attn_task, &j);
}
