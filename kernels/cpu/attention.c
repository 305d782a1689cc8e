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
