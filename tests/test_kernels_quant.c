/* tests/test_kernels_quant.c: the int8 and 4-bit formats: quantize ->
 * dequantize error bounds, and quantized checkpoints end to end (written by
 * quant_write, read by the loader, scored against the float model). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "kernels/kernels.h"
#include "model/model.h"
#include "model/quant.h"
#include "model/safetensors.h"
#include "model/state.h"
#include "tests/test.h"

/* f16 keeps 11 significant bits: a stored scale or offset is within 2^-11
 * relative of the value computed in f32. */
#define F16_REL 4.8828125e-4
/* int8: the grid step is the (f16-rounded) scale; rounding to the nearest
 * point errs by at most half a step, plus what f16 rounding of the scale
 * moves the largest value (127 steps of the scale's error). */
#define Q8_BOUND(amax, s) (0.5 * (s) + (amax) * F16_REL * 1.01)
/* 4-bit: half a step of (max - min) / 15, plus the f16 errors of the offset
 * (relative to |min|) and of 15 steps of the scale. */
#define Q4_BOUND(mn, mx, s) (0.5 * (s) + (fabs(mn) + fabs((mx) - (mn))) * F16_REL * 1.01)

static uint64_t qs = 99;
static float qrand(void) {
    qs ^= qs << 13;
    qs ^= qs >> 7;
    qs ^= qs << 17;
    return (float)((qs >> 11) & 0xffffff) / 8388608.0f - 1.0f;
}

TEST(kernels_quant_q8_q4_round_trip_bounds) {
    const int sizes[] = {1, 15, 16, 17, 31, 33, 64, 65, 1003};
    for (int gi = 0; gi < 2; gi++) {
        const int G = gi ? 64 : 32;
        for (int si = 0; si < 9; si++) {
            const int cols = sizes[si], ng = k_n_groups(cols, G);
            float *x = malloc((size_t)cols * sizeof(float));
            int8_t *q8 = malloc((size_t)cols);
            uint8_t *q4 = malloc((size_t)k_q4_row_bytes(cols));
            f16 *s8 = malloc((size_t)ng * sizeof(f16)), *s4 = malloc((size_t)ng * sizeof(f16)),
                *o4 = malloc((size_t)ng * sizeof(f16));
            /* scales spanning orders of magnitude, a constant group, zeros */
            for (int c = 0; c < cols; c++) x[c] = qrand() * powf(10.0f, (float)((c / G) % 5) - 3.0f);
            if (cols > G)
                for (int c = 0; c < G; c++) x[c] = 0.25f;
            if (cols >= 2 * G)
                for (int c = G; c < 2 * G; c++) x[c] = 0.0f;
            k_quantize_q8_row(x, cols, G, q8, s8);
            k_quantize_q4_row(x, cols, G, q4, s4, o4);
            wmat w8 = {.type = W_Q8, .rows = 1, .cols = cols, .data = q8, .scales = s8, .group = G};
            wmat w4 = {.type = W_Q4, .rows = 1, .cols = cols, .data = q4, .scales = s4, .offsets = o4, .group = G};
            for (int g = 0; g < ng; g++) {
                float amax = 0, mn = INFINITY, mx = -INFINITY;
                for (int c = g * G; c < (g + 1) * G && c < cols; c++) {
                    amax = fmaxf(amax, fabsf(x[c]));
                    mn = fminf(mn, x[c]);
                    mx = fmaxf(mx, x[c]);
                }
                for (int c = g * G; c < (g + 1) * G && c < cols; c++) {
                    CHECK(q8[c] >= -127 && q8[c] <= 127);
                    double e8 = fabs((double)wmat_at(&w8, 0, c) - x[c]);
                    CHECKF(e8 <= Q8_BOUND(amax, f16_to_f32(s8[g])), "q8 g%d cols %d [%d]: %g -> %g (bound %g)", G, cols, c,
                           x[c], wmat_at(&w8, 0, c), Q8_BOUND(amax, f16_to_f32(s8[g])));
                    double e4 = fabs((double)wmat_at(&w4, 0, c) - x[c]);
                    CHECKF(e4 <= Q4_BOUND(mn, mx, f16_to_f32(s4[g])), "q4 g%d cols %d [%d]: %g -> %g (bound %g)", G, cols,
                           c, x[c], wmat_at(&w4, 0, c), Q4_BOUND(mn, mx, f16_to_f32(s4[g])));
                }
            }
            /* the padding nibbles of the last 32-column block are zero */
            for (int c = cols; c < (cols + 31) / 32 * 32; c++) {
                uint8_t b = q4[(c / 32) * 16 + (c % 32) % 16];
                CHECK(((c % 32) < 16 ? (b & 15) : (b >> 4)) == 0);
            }
            free(x), free(q8), free(q4), free(s8), free(s4), free(o4);
        }
    }
}

/* Quantizing the activations (int8, per token and group) on top of the
 * weights: q-ref against the exact product with the same quantized
 * weights; each activation errs by at most half its group's step. */
TEST(kernels_quant_activation_error_bound) {
    const int rows = 7, cols = 1003, n_tok = 5;
    float *w = malloc((size_t)rows * cols * sizeof(float)), *x = malloc((size_t)n_tok * cols * sizeof(float));
    for (long i = 0; i < (long)rows * cols; i++) w[i] = qrand();
    for (long i = 0; i < (long)n_tok * cols; i++) x[i] = qrand() * 3.0f;
    for (int gi = 0; gi < 2; gi++) {
        const int G = gi ? 64 : 32, ng = k_n_groups(cols, G);
        int8_t *q8 = malloc((size_t)rows * cols);
        f16 *s8 = malloc((size_t)rows * ng * sizeof(f16));
        for (int r = 0; r < rows; r++) k_quantize_q8_row(w + (long)r * cols, cols, G, q8 + (long)r * cols, s8 + (long)r * ng);
        wmat wq = {.type = W_Q8, .rows = rows, .cols = cols, .data = q8, .scales = s8, .group = G};
        float got[7 * 5], exact[7 * 5];
        k_matmul_ref(got, &wq, x, NULL, n_tok);
        k_matmul_exact_ref(exact, &wq, x, NULL, n_tok);
        for (int t = 0; t < n_tok; t++)
            for (int r = 0; r < rows; r++) {
                double bound = 0;
                for (int g = 0; g < ng; g++) {
                    float amax = 0;
                    for (int c = g * G; c < (g + 1) * G && c < cols; c++) amax = fmaxf(amax, fabsf(x[(long)t * cols + c]));
                    for (int c = g * G; c < (g + 1) * G && c < cols; c++)
                        bound += fabs(wmat_at(&wq, r, c)) * 0.5 * amax / 127.0 * (1 + 1e-6);
                }
                bound += 1e-5 * fabs(exact[t * rows + r]); /* f32 sums */
                CHECKF(fabs(got[t * rows + r] - exact[t * rows + r]) <= bound, "t %d r %d: %g vs exact %g (bound %g)", t, r,
                       got[t * rows + r], exact[t * rows + r], bound);
            }
        free(q8), free(s8);
    }
    free(w), free(x);
}

/* ---- quantized checkpoints ---- */

/* Mean KL and top-1 agreement of the quantized tiny golden model against
 * its f32 source over 256 pseudo-random tokens: what these formats cost on
 * a model of random weights (the sizes are from a measured run, with 3x
 * room; int8 costs ~1e-4 nats, q4 ~1e-2). */
#define TINY_Q8_MAX_MEAN_KL 1e-3
#define TINY_Q4_MAX_MEAN_KL 5e-2
#define TINY_MIN_TOP1 0.95

static void check_quantized_checkpoint(wtype to, int group, int embed) {
    if (!test_shared_dir()) SKIP("../shared not present");
    char src[1024], dst[1024];
    snprintf(src, sizeof src, "%s/golden/tiny-griffin", test_shared_dir());
    snprintf(dst, sizeof dst, "%s/q", test_tmpdir());
    errbuf e;
    pool *p = pool_create(2, &e);
    quant_opts o = {.to = to, .group = group, .embed = embed};
    if (!CHECKF(quant_write(src, dst, &o, p, &e) == 0, "%s", e.msg)) {
        pool_free(p);
        return;
    }
    model *base = model_load(src, NULL, &e), *q = base ? model_load(dst, NULL, &e) : NULL;
    if (CHECKF(base && q, "%s", e.msg)) {
        CHECK(strcmp(model_dtype_name(q), to == W_Q8 ? "int8" : embed ? "int8+q4" : "q4") == 0);
        CHECKF(model_weight_bytes(q) < model_weight_bytes(base) / (to == W_Q8 ? 2 : 3), "%zu vs %zu bytes",
               model_weight_bytes(q), model_weight_bytes(base));
        int32_t toks[256];
        for (int i = 0; i < 256; i++) toks[i] = (int32_t)((i * 7919 + 3) % model_cfg(base)->vocab_size);
        for (int ref = 0; ref < 2; ref++) {
            kctx k;
            kctx_init(&k, p, ref);
            quant_quality qq;
            /* the scalar reference over fewer tokens: it is slow */
            if (!CHECKF(quant_compare(base, q, &k, toks, ref ? 48 : 256, 64, &qq, &e) == 0, "%s", e.msg)) break;
            const double lim = to == W_Q8 ? TINY_Q8_MAX_MEAN_KL : TINY_Q4_MAX_MEAN_KL;
            CHECKF(qq.mean_kl <= lim, "%s g%d%s %s: mean KL %.3g (limit %g)", wtype_name(to), group, embed ? " +embed" : "",
                   ref ? "ref" : "fast", qq.mean_kl, lim);
            CHECKF(qq.top1_agree >= TINY_MIN_TOP1, "top-1 agreement %.3f", qq.top1_agree);
        }
    }
    model_free(base);
    model_free(q);
    pool_free(p);
}

TEST(kernels_quant_checkpoint_q8_g64) { check_quantized_checkpoint(W_Q8, 64, 0); }
TEST(kernels_quant_checkpoint_q8_g32_embed) { check_quantized_checkpoint(W_Q8, 32, 1); }
TEST(kernels_quant_checkpoint_q4_g32) { check_quantized_checkpoint(W_Q4, 32, 0); }
TEST(kernels_quant_checkpoint_q4_g64_embed) { check_quantized_checkpoint(W_Q4, 64, 1); }

/* A quantized tensor whose scales are missing or mis-shaped is a load
 * error that names the tensor. */
TEST(kernels_quant_loader_errors) {
    if (!test_shared_dir()) SKIP("../shared not present");
    char src[1024], dst[1024], path[1100];
    snprintf(src, sizeof src, "%s/golden/tiny-griffin", test_shared_dir());
    snprintf(dst, sizeof dst, "%s/q", test_tmpdir());
    errbuf e;
    quant_opts o = {.to = W_Q8, .group = 64};
    if (!CHECKF(quant_write(src, dst, &o, NULL, &e) == 0, "%s", e.msg)) return;
    /* Rewrite the file without one scales tensor. */
    snprintf(path, sizeof path, "%s/model.safetensors", dst);
    sft_file *f = sft_open(path, &e);
    if (!CHECK(f)) return;
    const char *drop = "model.layers.0.mlp_block.up_proj.weight.scales";
    int n = sft_n_tensors(f), m = 0;
    sft_desc *d = calloc((size_t)n, sizeof *d);
    for (int i = 0; i < n; i++) {
        const sft_tensor *t = sft_tensor_at(f, i);
        if (strcmp(t->name, drop) == 0) continue;
        d[m] = (sft_desc){.name = t->name, .dtype = t->dtype, .n_dims = t->n_dims};
        memcpy(d[m].shape, t->shape, sizeof d[m].shape);
        m++;
    }
    char path2[1200];
    snprintf(path2, sizeof path2, "%s/model2.safetensors", dst);
    sft_writer *w = sft_writer_open(path2, d, m, NULL, 0, &e);
    for (int i = 0; w && i < n; i++) {
        const sft_tensor *t = sft_tensor_at(f, i);
        if (strcmp(t->name, drop) != 0) sft_writer_write(w, t->data, t->n_bytes, &e);
    }
    CHECK(w && sft_writer_finish(w, &e) == 0);
    sft_close(f);
    free(d);
    model_load_opts lo = {.weights_file = "model2.safetensors"};
    model *bad = model_load(dst, &lo, &e);
    CHECK(!bad);
    CHECKF(strstr(e.msg, "up_proj.weight") && strstr(e.msg, "scales"), "message: %s", e.msg);
    model_free(bad);
}
