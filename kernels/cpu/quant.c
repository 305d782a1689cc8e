/* kernels/cpu/quant.c: the int8 and 4-bit weight formats and the scalar
 * reference of their products.
 *
 * Weights: W_Q8 is symmetric (scale = max|w| / 127 per group), W_Q4 is
 * asymmetric (offset = min, scale = (max - min) / 15 per group), scales and
 * offsets stored as f16 (kernels.h). Quantizing uses the f16-rounded scale,
 * so q * scale is the closest grid point the stored scale allows.
 *
 * Activations are quantized to int8 per token and per group of the same
 * size as the weights' groups (symmetric, scale = max|x| / 127), so every
 * group's product is one exact integer dot product times two scales:
 *   W_Q8: sum_c w_c x_c ~ sw sx sum_c qw_c qx_c
 *   W_Q4: sum_c w_c x_c ~ sw sx sum_c qw_c qx_c + offset sx sum_c qx_c
 * The fast variants compute the same integer sums; only the order of the
 * f32 additions across groups differs. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels/cpu/matmul_impl.h"

void k_quantize_q8_row(const float *x, int cols, int group, int8_t *q, f16 *scales) {
    for (int g = 0, c0 = 0; c0 < cols; g++, c0 += group) {
        const int c1 = c0 + group < cols ? c0 + group : cols;
        float amax = 0.0f;
        for (int c = c0; c < c1; c++) amax = fmaxf(amax, fabsf(x[c]));
        scales[g] = f32_to_f16(amax / 127.0f);
        const float s = f16_to_f32(scales[g]);
        const float inv = s > 0.0f ? 1.0f / s : 0.0f;
        for (int c = c0; c < c1; c++) {
            float v = nearbyintf(x[c] * inv);
            q[c] = (int8_t)(v > 127.0f ? 127 : v < -127.0f ? -127 : v);
        }
    }
}

void k_quantize_q4_row(const float *x, int cols, int group, uint8_t *q, f16 *scales, f16 *offsets) {
    memset(q, 0, (size_t)k_q4_row_bytes(cols));
    for (int g = 0, c0 = 0; c0 < cols; g++, c0 += group) {
        const int c1 = c0 + group < cols ? c0 + group : cols;
        float mn = x[c0], mx = x[c0];
        for (int c = c0; c < c1; c++) {
            mn = fminf(mn, x[c]);
            mx = fmaxf(mx, x[c]);
        }
        offsets[g] = f32_to_f16(mn);
        scales[g] = f32_to_f16((mx - mn) / 15.0f);
        const float s = f16_to_f32(scales[g]), off = f16_to_f32(offsets[g]);
        const float inv = s > 0.0f ? 1.0f / s : 0.0f;
        for (int c = c0; c < c1; c++) {
            float v = nearbyintf((x[c] - off) * inv);
            int qi = v > 15.0f ? 15 : v < 0.0f ? 0 : (int)v;
            uint8_t *b = &q[(c / 32) * 16 + (c % 32) % 16];
            *b |= (uint8_t)((c % 32) < 16 ? qi : qi << 4);
        }
    }
}

/* One activation group of n values: the scale, the int8 values, their sum.
 * The exact operations the vector versions perform. A group with a
 * non-finite value gets scale NaN, so the products it enters become NaN as
 * they would in f32. */
static void quantize_act_group(const float *x, int n, int8_t *q, float *scale, int32_t *qsum) {
    float amax = 0.0f;
    int bad = 0;
    for (int c = 0; c < n; c++) {
        const float a = fabsf(x[c]);
        bad |= !(a <= FLT_MAX);
        if (a > amax) amax = a;
    }
    int32_t s = 0;
    if (!bad && amax > 0.0f) {
        const float inv = 127.0f / amax;
        for (int c = 0; c < n; c++) {
            q[c] = (int8_t)nearbyintf(x[c] * inv);
            s += q[c];
        }
        *scale = amax / 127.0f;
    } else {
        memset(q, 0, (size_t)n);
        *scale = bad ? NAN : 0.0f;
    }
    *qsum = s;
}

void k_quantize_act_ref(const float *x, int cols, int group, int8_t *q, float *scale, int32_t *qsum) {
    int g = 0;
    for (int c0 = 0; c0 < cols; c0 += group, g++) {
        const int n = cols - c0 < group ? cols - c0 : group;
        quantize_act_group(x + c0, n, q + c0, &scale[g], &qsum[g]);
    }
    memset(q + cols, 0, (size_t)(k_q_pad(cols) - cols));
}

static int q4_at(const uint8_t *row, int c) {
    uint8_t b = row[(c / 32) * 16 + (c % 32) % 16];
    return (c % 32) < 16 ? (b & 15) : (b >> 4);
}

/* Group by group: quantize the token's group, then add its product to
 * every row, so no buffer is needed and the reference allocates nothing. */
void k_matmul_q_ref(float *y, long ldy, const wmat *w, const float *x, const float *bias, int n_tok) {
    const int cols = w->cols, G = w->group, ng = k_n_groups(cols, G);
    int8_t qx[K_Q_GROUP_MAX];
    for (int t = 0; t < n_tok; t++) {
        float *yt = y + (long)t * ldy;
        for (int r = 0; r < w->rows; r++) yt[r] = 0.0f;
        for (int g = 0, c0 = 0; c0 < cols; g++, c0 += G) {
            const int n = cols - c0 < G ? cols - c0 : G;
            float sx;
            int32_t qsum;
            quantize_act_group(x + (long)t * cols + c0, n, qx, &sx, &qsum);
            for (int r = 0; r < w->rows; r++) {
                const float sw = f16_to_f32(w->scales[(long)r * ng + g]);
                int32_t isum = 0;
                if (w->type == W_Q8) {
                    const int8_t *qw = (const int8_t *)w->data + (long)r * cols + c0;
                    for (int c = 0; c < n; c++) isum += (int32_t)qw[c] * qx[c];
                    yt[r] += (float)isum * (sw * sx);
                } else {
                    const uint8_t *row = (const uint8_t *)w->data + (long)r * k_q4_row_bytes(cols);
                    for (int c = 0; c < n; c++) isum += (int32_t)q4_at(row, c0 + c) * qx[c];
                    const float off = f16_to_f32(w->offsets[(long)r * ng + g]);
                    yt[r] += (float)isum * (sw * sx) + off * (sx * (float)qsum);
                }
            }
        }
        if (bias)
            for (int r = 0; r < w->rows; r++) yt[r] += bias[r];
    }
}
