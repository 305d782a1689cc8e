/* tests/test_model_props.c: properties of the forward pass that must hold
 * for any configuration: two routes to the same logits must agree.
 *   - prefill then decode == one forward pass, at every position
 *   - continuing from a copied state == continuing the original
 *   - a batch of sequences of different lengths == each run alone
 *   - tiny internal chunks == one chunk
 * over random Griffin and Gemma configurations, with windows smaller and
 * larger than the sequence. */
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "model/init.h"
#include "model/model.h"
#include "model/state.h"
#include "tests/test.h"

/* Every route runs the same f32 kernels on the same rows, so differences
 * can only come from summation order within a kernel: far below this. */
#define PROP_MAX_ABS_DIFF 1e-5

static double max_diff(const float *a, const float *b, long n) {
    double w = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > w || d != d) w = d;
    }
    return w;
}

static void random_config(model_config *c, rng *r, int gemma) {
    const int widths[] = {16, 24, 40, 48};
    const int windows[] = {1, 3, 8, 64};
    if (gemma) {
        config_preset(c, "gemma-tiny", 97, NULL);
        c->width = widths[rng_next(r) % 4];
        c->n_heads = 1 + (int)(rng_next(r) % 4);
        c->n_kv_heads = (c->n_heads % 2 == 0 && rng_next(r) % 2) ? 2 : 1;
        c->head_dim = 4 * (1 + (int)(rng_next(r) % 3));
        c->mlp_width = 32 + (int)(rng_next(r) % 20);
        c->n_layers = 2;
    } else {
        config_preset(c, "tiny", 97, NULL);
        c->width = widths[rng_next(r) % 4];
        c->n_heads = 1 << (rng_next(r) % 3); /* 1, 2, 4 */
        c->head_dim = 4 * (1 + (int)(rng_next(r) % 3));
        c->lru_width = c->n_heads * (2 + (int)(rng_next(r) % 5));
        c->mlp_width = 20 + (int)(rng_next(r) % 20);
        c->window = windows[rng_next(r) % 4];
        c->conv_width = 1 + (int)(rng_next(r) % 4);
        c->n_layers = 3 + (int)(rng_next(r) % 3);
        for (int i = 0; i < c->n_layers; i++) c->blocks[i] = rng_next(r) % 2 ? BLOCK_ATTENTION : BLOCK_RECURRENT;
    }
    c->vocab_size = 97;
}

static model *make_model(const model_config *c, uint64_t seed, int max_rows) {
    errbuf e;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/m%llu", test_tmpdir(), (unsigned long long)seed);
    if (!CHECKF(model_init_write(c, dir, W_F32, seed, NULL, &e) == 0, "%s", e.msg)) return NULL;
    model_load_opts o = {.max_rows = max_rows};
    model *m = model_load(dir, &o, &e);
    CHECKF(m, "%s", e.msg);
    return m;
}

/* Runs tokens through a fresh state in pieces of the given sizes, collecting
 * the logits of every position. */
static int run_pieces(model *m, const kctx *k, const int32_t *toks, int n, const int *pieces, float *out) {
    errbuf e;
    const int V = model_cfg(m)->vocab_size;
    state *s = state_create(m, &e);
    int done = 0, ok = 1;
    for (int i = 0; ok && done < n; i++) {
        int take = pieces[i] < n - done ? pieces[i] : n - done;
        model_seq q = {.st = s, .tokens = toks + done, .n_tokens = take, .n_logits = take,
                       .logits = out + (long)done * V};
        ok = CHECKF(model_forward(m, k, &q, 1, &e) == 0, "%s", e.msg);
        done += take;
    }
    state_free(s);
    return ok;
}

static void check_config(const model_config *c, uint64_t seed) {
    enum { T = 70 };
    model *m = make_model(c, seed, 0);
    model *m_small_chunks = make_model(c, seed, 5); /* same weights, 5-row chunks */
    if (!m || !m_small_chunks) {
        model_free(m);
        model_free(m_small_chunks);
        return;
    }
    errbuf e;
    pool *p = pool_create(2, &e);
    kctx k;
    kctx_init(&k, p, 0);
    const int V = c->vocab_size;
    rng r;
    rng_seed(&r, seed * 7 + 1);
    int32_t toks[T];
    for (int i = 0; i < T; i++) toks[i] = (int32_t)(rng_next(&r) % V);
    float *full = calloc((size_t)T * V, sizeof(float)), *alt = calloc((size_t)T * V, sizeof(float));
    const int one_pass[] = {T};
    const int decode[] = {13, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                          1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const int uneven[] = {2, 9, 1, 30, 3, 25};
    if (run_pieces(m, &k, toks, T, one_pass, full)) {
        if (run_pieces(m, &k, toks, T, decode, alt))
            CHECKF(max_diff(full, alt, (long)T * V) <= PROP_MAX_ABS_DIFF, "seed %llu: prefill+decode differs by %g",
                   (unsigned long long)seed, max_diff(full, alt, (long)T * V));
        if (run_pieces(m, &k, toks, T, uneven, alt))
            CHECKF(max_diff(full, alt, (long)T * V) <= PROP_MAX_ABS_DIFF, "seed %llu: uneven pieces differ by %g",
                   (unsigned long long)seed, max_diff(full, alt, (long)T * V));
        if (run_pieces(m_small_chunks, &k, toks, T, one_pass, alt))
            CHECKF(max_diff(full, alt, (long)T * V) <= PROP_MAX_ABS_DIFF, "seed %llu: 5-row chunks differ by %g",
                   (unsigned long long)seed, max_diff(full, alt, (long)T * V));
    }

    /* Snapshot after a shared prefix; continue the copy and the original. */
    state *a = state_create(m, &e), *b = state_create(m, &e);
    float *la = calloc((size_t)T * V, sizeof(float)), *lb = calloc((size_t)T * V, sizeof(float));
    const int P = 23;
    model_seq q = {.st = a, .tokens = toks, .n_tokens = P, .n_logits = 0, .logits = NULL};
    CHECK(model_forward(m, &k, &q, 1, &e) == 0);
    CHECK(state_copy(b, a, &e) == 0);
    model_seq qa = {.st = a, .tokens = toks + P, .n_tokens = T - P, .n_logits = T - P, .logits = la};
    model_seq qb = {.st = b, .tokens = toks + P, .n_tokens = T - P, .n_logits = T - P, .logits = lb};
    CHECK(model_forward(m, &k, &qb, 1, &e) == 0);
    CHECK(model_forward(m, &k, &qa, 1, &e) == 0);
    CHECKF(max_diff(la, lb, (long)(T - P) * V) == 0, "seed %llu: copied state diverges", (unsigned long long)seed);
    CHECKF(max_diff(la, full + (long)P * V, (long)(T - P) * V) <= PROP_MAX_ABS_DIFF,
           "seed %llu: snapshot continuation differs from one pass", (unsigned long long)seed);
    /* A copy into a state that already held a longer sequence. */
    state_reset(b);
    CHECK(state_copy(a, b, &e) == 0 && state_pos(a) == 0);

    /* Four sequences of different lengths in one batch vs alone. */
    const int lens[4] = {1, 17, 70, 40};
    const int offs[4] = {0, 5, 0, 20};
    state *st[4];
    model_seq batch[4];
    float *bl[4];
    for (int i = 0; i < 4; i++) {
        st[i] = state_create(m, &e);
        bl[i] = calloc((size_t)lens[i] * V, sizeof(float));
        batch[i] = (model_seq){.st = st[i], .tokens = toks + offs[i], .n_tokens = lens[i], .n_logits = lens[i],
                               .logits = bl[i]};
    }
    if (CHECKF(model_forward(m_small_chunks, &k, batch, 4, &e) != 0, "a batch with states of another model ran") &&
        CHECKF(model_forward(m, &k, batch, 4, &e) == 0, "%s", e.msg)) {
        for (int i = 0; i < 4; i++) {
            int piece[] = {lens[i]};
            if (run_pieces(m, &k, toks + offs[i], lens[i], piece, alt))
                CHECKF(max_diff(bl[i], alt, (long)lens[i] * V) <= PROP_MAX_ABS_DIFF,
                       "seed %llu: batch member %d differs from running alone", (unsigned long long)seed, i);
        }
    }
    for (int i = 0; i < 4; i++) {
        state_free(st[i]);
        free(bl[i]);
    }
    state_free(a);
    state_free(b);
    free(la);
    free(lb);
    free(full);
    free(alt);
    pool_free(p);
    model_free(m);
    model_free(m_small_chunks);
}

TEST(model_props_random_griffin_configs) {
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rng r;
        rng_seed(&r, seed);
        model_config c;
        random_config(&c, &r, 0);
        check_config(&c, seed);
    }
}

TEST(model_props_random_gemma_configs) {
    for (uint64_t seed = 11; seed <= 13; seed++) {
        rng r;
        rng_seed(&r, seed);
        model_config c;
        random_config(&c, &r, 1);
        check_config(&c, seed);
    }
}

TEST(model_forward_rejects_bad_input_without_moving_state) {
    model_config c;
    config_preset(&c, "tiny", 50, NULL);
    c.n_layers = 3;
    model *m = make_model(&c, 99, 0);
    if (!m) return;
    errbuf e;
    kctx k;
    kctx_init(&k, NULL, 0);
    state *s = state_create(m, &e);
    float logits[50];
    int32_t bad[3] = {1, 50, 2};
    model_seq q = {.st = s, .tokens = bad, .n_tokens = 3, .n_logits = 1, .logits = logits};
    CHECK(model_forward(m, &k, &q, 1, &e) != 0);
    CHECKF(strstr(e.msg, "token 1") && strstr(e.msg, "50"), "message: %s", e.msg);
    CHECK(state_pos(s) == 0);
    model_seq two[2] = {{.st = s, .tokens = bad, .n_tokens = 1}, {.st = s, .tokens = bad, .n_tokens = 1}};
    CHECK(model_forward(m, &k, two, 2, &e) != 0 && strstr(e.msg, "share"));
    q.n_logits = 4;
    q.tokens = bad;
    bad[1] = 3;
    CHECK(model_forward(m, &k, &q, 1, &e) != 0);
    CHECK(state_pos(s) == 0);
    state_free(s);
    model_free(m);
}

TEST(model_state_bytes_flat_past_window) {
    model_config c;
    config_preset(&c, "tiny", 50, NULL);
    model *m = make_model(&c, 5, 0);
    model_config g;
    config_preset(&g, "gemma-tiny", 50, NULL);
    model *mg = make_model(&g, 6, 0);
    if (!m || !mg) {
        model_free(m);
        model_free(mg);
        return;
    }
    /* Griffin: constant once past the window (64 for the tiny preset). */
    CHECK(model_state_bytes(m, 64) == model_state_bytes(m, 100000));
    CHECK(model_state_bytes(m, 10) < model_state_bytes(m, 64));
    /* Gemma: linear in the length. */
    size_t a = model_state_bytes(mg, 1000), b = model_state_bytes(mg, 2000);
    CHECK(b == 2 * a);
    model_free(m);
    model_free(mg);
}
