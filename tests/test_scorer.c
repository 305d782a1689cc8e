/* tests/test_scorer.c: shared-context scoring equals scoring from scratch,
 * and both equal log-probabilities computed by hand from model_forward. */
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "harness/scorer.h"
#include "model/init.h"
#include "model/state.h"
#include "tests/test.h"

/* Shared and unshared routes run the same f32 kernels over the same rows
 * (only the chunking differs): log-likelihood sums agree far below this,
 * the bound. */
#define SCORER_MAX_LL_DIFF 1e-4

static model *tiny_model(const char *name, int window) {
    model_config c;
    config_preset(&c, "tiny", 61, NULL);
    c.width = 32;
    c.n_heads = 2;
    c.head_dim = 8;
    c.lru_width = 32;
    c.mlp_width = 48;
    c.window = window;
    c.n_layers = 3;
    errbuf e;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", test_tmpdir(), name);
    if (!CHECKF(model_init_write(&c, dir, W_F32, 3, NULL, &e) == 0, "%s", e.msg)) return NULL;
    model *m = model_load(dir, NULL, &e);
    CHECKF(m, "%s", e.msg);
    return m;
}

enum { N_REQ = 40, MAX_TOK = 64 };

typedef struct req_set {
    int32_t toks[N_REQ][2][MAX_TOK];
    ll_req r[N_REQ];
} req_set;

/* Requests in the shape of few-shot multiple choice: 3 prefixes, several
 * questions per prefix, several continuations per question, some
 * duplicated contexts, a context that is just <bos>. */
static void make_requests(req_set *s, uint64_t seed) {
    rng r;
    rng_seed(&r, seed);
    int32_t prefix[3][20];
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < 20; i++) prefix[p][i] = i == 0 ? 2 : 4 + (int32_t)(rng_next(&r) % 57);
    for (int i = 0; i < N_REQ; i++) {
        int p = (i / 8) % 3, q = i / 4; /* 4 continuations per question */
        rng qr;
        rng_seed(&qr, seed * 100 + (uint64_t)q);
        int plen = i % 13 == 0 ? 1 : 20, qlen = 1 + (int)(rng_next(&qr) % 9);
        int n = 0;
        for (int t = 0; t < plen; t++) s->toks[i][0][n++] = prefix[p][t];
        for (int t = 0; t < qlen && plen > 1; t++) s->toks[i][0][n++] = 4 + (int32_t)(rng_next(&qr) % 57);
        int nc = 1 + (int)(rng_next(&r) % 5);
        for (int t = 0; t < nc; t++) s->toks[i][1][t] = 4 + (int32_t)(rng_next(&r) % 57);
        s->r[i] = (ll_req){.ctx = s->toks[i][0], .n_ctx = n, .cont = s->toks[i][1], .n_cont = nc};
    }
}

/* log p by hand: one forward pass over ctx + cont[:-1]. */
static double by_hand(model *m, const kctx *k, const ll_req *r, int *greedy) {
    errbuf e;
    const int V = model_cfg(m)->vocab_size;
    int32_t seq[2 * MAX_TOK];
    memcpy(seq, r->ctx, (size_t)r->n_ctx * 4);
    memcpy(seq + r->n_ctx, r->cont, (size_t)(r->n_cont - 1) * 4);
    float *lg = malloc((size_t)r->n_cont * V * sizeof(float));
    state *s = state_create(m, &e);
    model_seq q = {.st = s, .tokens = seq, .n_tokens = r->n_ctx + r->n_cont - 1, .n_logits = r->n_cont, .logits = lg};
    double ll = 0;
    *greedy = 1;
    if (CHECKF(model_forward(m, k, &q, 1, &e) == 0, "%s", e.msg)) {
        for (int t = 0; t < r->n_cont; t++) {
            const float *row = lg + (long)t * V;
            double mx = row[0], sum = 0;
            int best = 0;
            for (int v = 1; v < V; v++)
                if (row[v] > mx) {
                    mx = row[v];
                    best = v;
                }
            for (int v = 0; v < V; v++) sum += exp((double)row[v] - mx);
            ll += row[r->cont[t]] - mx - log(sum);
            *greedy &= best == r->cont[t];
        }
    }
    state_free(s);
    free(lg);
    return ll;
}

static void check_routes(int window, int batch, int min_shared) {
    model *m = tiny_model("m", window);
    if (!m) return;
    errbuf e;
    pool *p = pool_create(2, &e);
    kctx k;
    kctx_init(&k, p, 0);
    static req_set shared, plain;
    make_requests(&shared, 7);
    make_requests(&plain, 7);
    scorer_opts so = {.share = 1, .max_batch_seqs = batch, .min_shared_tokens = min_shared};
    scorer_opts po = {.share = 0, .max_batch_seqs = batch};
    scorer_stats ss = {0}, ps = {0};
    CHECKF(scorer_loglik(m, &k, shared.r, N_REQ, &so, &ss, &e) == 0, "%s", e.msg);
    CHECKF(scorer_loglik(m, &k, plain.r, N_REQ, &po, &ps, &e) == 0, "%s", e.msg);
    for (int i = 0; i < N_REQ; i++) {
        int g;
        double h = by_hand(m, &k, &plain.r[i], &g);
        CHECKF(fabs(shared.r[i].ll - plain.r[i].ll) <= SCORER_MAX_LL_DIFF, "req %d: shared %.8f vs plain %.8f", i,
               shared.r[i].ll, plain.r[i].ll);
        CHECKF(fabs(h - plain.r[i].ll) <= SCORER_MAX_LL_DIFF, "req %d: by hand %.8f vs plain %.8f", i, h,
               plain.r[i].ll);
        CHECKF(shared.r[i].is_greedy == plain.r[i].is_greedy && g == plain.r[i].is_greedy, "req %d: greedy differs", i);
        CHECK(plain.r[i].ll < 0);
    }
    /* Sharing must actually save work on this request set. */
    CHECKF(ss.tokens_forwarded < ps.tokens_forwarded, "shared forwarded %ld tokens, plain %ld", ss.tokens_forwarded,
           ps.tokens_forwarded);
    CHECK(ps.tokens_forwarded == ps.tokens_requested);
    pool_free(p);
    model_free(m);
}

TEST(scorer_shared_equals_unshared_equals_by_hand) { check_routes(64, 16, 4); }
TEST(scorer_small_batches_and_window) { check_routes(3, 2, 1); }

TEST(scorer_rejects_empty_requests) {
    model *m = tiny_model("m", 8);
    if (!m) return;
    kctx k;
    kctx_init(&k, NULL, 0);
    int32_t t[1] = {2};
    ll_req r = {.ctx = t, .n_ctx = 1, .cont = t, .n_cont = 0};
    errbuf e;
    CHECK(scorer_loglik(m, &k, &r, 1, NULL, NULL, &e) != 0 && strstr(e.msg, "request 0"));
    model_free(m);
}

TEST(scorer_logprob_by_hand) {
    float logits[3] = {0.0f, 1.0f, 1.0f};
    int g;
    /* log(e^1 / (1 + 2e)) */
    double want = 1.0 - log(1.0 + 2.0 * exp(1.0));
    CHECK_NEAR(scorer_logprob(logits, 3, 2, &g), want, 1e-7);
    CHECK(g == 0); /* tie: arg-max is the lowest id, 1 */
    CHECK_NEAR(scorer_logprob(logits, 3, 1, &g), want, 1e-7);
    CHECK(g == 1);
}
