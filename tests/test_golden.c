/* tests/test_golden.c: the engine against the official reference's logits
 * (../shared/golden, see its README): forward and cached decode, f32 and
 * bf16 weights, reference and fast kernels, one thread and several. */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/safetensors.h"
#include "model/state.h"
#include "tests/test.h"

/* f32 engine vs the reference's f32 logits (README: "about 1e-4 or better";
 * the reference's own forward-vs-decode gap is 2e-6). */
#define GOLDEN_MAX_ABS_DIFF 1e-4

typedef struct golden {
    sft_file *expected;
    const int32_t *tokens;
    int n_tokens;
    int n_prefill;
} golden;

static int golden_open(golden *g, const char *name) {
    const char *shared = test_shared_dir();
    if (!shared) return -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/golden/%s/expected.safetensors", shared, name);
    errbuf e;
    g->expected = sft_open(path, &e);
    if (!CHECKF(g->expected, "%s", e.msg)) return -1;
    const sft_tensor *t = sft_find(g->expected, "tokens");
    const sft_tensor *d = sft_find(g->expected, "logits_decode");
    if (!CHECK(t && d)) return -1;
    g->tokens = t->data;
    g->n_tokens = (int)t->n_elems;
    g->n_prefill = g->n_tokens - (int)d->shape[0];
    return 0;
}

/* Largest |a - b| over n floats; where = its index. */
static double max_abs_diff(const float *a, const float *b, long n, long *where) {
    double worst = 0;
    *where = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > worst || d != d) {
            worst = d;
            *where = i;
        }
    }
    return worst;
}

static void check_model(const char *name, const char *weights, const char *suffix, int use_ref, int n_threads) {
    golden g;
    if (golden_open(&g, name) != 0) {
        if (!test_shared_dir()) SKIP("../shared not present");
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/golden/%s", test_shared_dir(), name);
    errbuf e;
    model_load_opts opts = {.weights_file = weights};
    model *m = model_load(dir, &opts, &e);
    if (!CHECKF(m, "%s", e.msg)) {
        sft_close(g.expected);
        return;
    }
    pool *p = pool_create(n_threads, &e);
    kctx k;
    kctx_init(&k, p, use_ref);
    const int V = model_cfg(m)->vocab_size, T = g.n_tokens, P = g.n_prefill;
    char key[64];

    /* One forward pass over every token. */
    snprintf(key, sizeof key, "logits_forward%s", suffix);
    const sft_tensor *want = sft_find(g.expected, key);
    float *got = calloc((size_t)T * V, sizeof(float));
    state *s = state_create(m, &e);
    model_seq seq = {.st = s, .tokens = g.tokens, .n_tokens = T, .n_logits = T, .logits = got};
    if (CHECKF(model_forward(m, &k, &seq, 1, &e) == 0, "%s", e.msg)) {
        long at;
        double d = max_abs_diff(got, want->data, (long)T * V, &at);
        CHECKF(d <= GOLDEN_MAX_ABS_DIFF, "%s %s: max |diff| %.3g at [%ld,%ld] (limit %g)", name, key, d, at / V,
               at % V, GOLDEN_MAX_ABS_DIFF);
    }

    /* A P-token prompt, then one token at a time. */
    snprintf(key, sizeof key, "logits_decode%s", suffix);
    want = sft_find(g.expected, key);
    state_reset(s);
    memset(got, 0, (size_t)T * V * sizeof(float));
    model_seq pre = {.st = s, .tokens = g.tokens, .n_tokens = P, .n_logits = 1, .logits = got};
    int ok = model_forward(m, &k, &pre, 1, &e) == 0;
    for (int i = P; ok && i < T - 1; i++) {
        model_seq one = {.st = s, .tokens = g.tokens + i, .n_tokens = 1, .n_logits = 1,
                         .logits = got + (long)(i - P + 1) * V};
        ok = model_forward(m, &k, &one, 1, &e) == 0;
    }
    if (CHECKF(ok, "%s", e.msg)) {
        long at;
        double d = max_abs_diff(got, want->data, (long)(T - P) * V, &at);
        CHECKF(d <= GOLDEN_MAX_ABS_DIFF, "%s %s: max |diff| %.3g at [%ld,%ld] (limit %g)", name, key, d, at / V,
               at % V, GOLDEN_MAX_ABS_DIFF);
    }
    free(got);
    state_free(s);
    pool_free(p);
    model_free(m);
    sft_close(g.expected);
}

TEST(golden_griffin_f32_ref) { check_model("tiny-griffin", NULL, "", 1, 1); }
TEST(golden_griffin_f32_fast_1thread) { check_model("tiny-griffin", NULL, "", 0, 1); }
TEST(golden_griffin_f32_fast_threads) { check_model("tiny-griffin", NULL, "", 0, 3); }
TEST(golden_griffin_bf16_ref) { check_model("tiny-griffin", "model-bf16.safetensors", "_bf16", 1, 1); }
TEST(golden_griffin_bf16_fast_threads) { check_model("tiny-griffin", "model-bf16.safetensors", "_bf16", 0, 2); }

TEST(golden_gemma_f32_ref) { check_model("tiny-gemma", NULL, "", 1, 1); }
TEST(golden_gemma_f32_fast_threads) { check_model("tiny-gemma", NULL, "", 0, 2); }
TEST(golden_gemma_bf16_fast) { check_model("tiny-gemma", "model-bf16.safetensors", "_bf16", 0, 1); }
