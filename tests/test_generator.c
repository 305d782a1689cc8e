/* tests/test_generator.c: batched generation equals one-at-a-time, equals a
 * by-hand greedy loop, and stops where it should. */
#include <stdlib.h>
#include <string.h>

#include "harness/generator.h"
#include "model/init.h"
#include "model/state.h"
#include "tests/test.h"

#define DEFAULT_TOKENIZER "assets/tokenizer.model"

static model *model_for(const tok *t) {
    model_config c;
    config_preset(&c, "tiny", tok_vocab_size(t), NULL);
    c.width = 32;
    c.n_heads = 2;
    c.head_dim = 8;
    c.lru_width = 32;
    c.mlp_width = 48;
    c.window = 8;
    c.n_layers = 3;
    errbuf e;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/m", test_tmpdir());
    if (!CHECKF(model_init_write(&c, dir, W_F32, 5, NULL, &e) == 0, "%s", e.msg)) return NULL;
    model *m = model_load(dir, NULL, &e);
    CHECKF(m, "%s", e.msg);
    return m;
}

TEST(generator_batch_equals_single_and_by_hand) {
    errbuf e;
    tok *t = tok_load(DEFAULT_TOKENIZER, &e);
    if (!t) SKIP("%s not available: %s", DEFAULT_TOKENIZER, e.msg);
    model *m = model_for(t);
    if (!m) {
        tok_free(t);
        return;
    }
    kctx k;
    kctx_init(&k, NULL, 0);
    const char *prompts[3] = {"The cat sat on the", "Question: what is 2 + 2?\nAnswer:", "Once"};
    int32_t *ctx[3];
    int n_ctx[3];
    gen_req batch[3], single[3];
    for (int i = 0; i < 3; i++) {
        n_ctx[i] = tok_encode_alloc(t, prompts[i], strlen(prompts[i]), 1, &ctx[i], &e);
        batch[i] = (gen_req){.ctx = ctx[i], .n_ctx = n_ctx[i], .max_gen_toks = 12 + i};
        single[i] = batch[i];
    }
    gen_opts ob = {.max_batch_seqs = 8}, o1 = {.max_batch_seqs = 1};
    CHECKF(gen_run(m, &k, t, batch, 3, &ob, NULL, &e) == 0, "%s", e.msg);
    CHECKF(gen_run(m, &k, t, single, 3, &o1, NULL, &e) == 0, "%s", e.msg);
    const int V = model_cfg(m)->vocab_size;
    float *logits = malloc((size_t)V * sizeof(float));
    for (int i = 0; i < 3; i++) {
        CHECK(batch[i].n_tokens == single[i].n_tokens && strcmp(batch[i].text, single[i].text) == 0);
        CHECK(batch[i].n_tokens <= batch[i].max_gen_toks);
        /* By hand: prefill, then arg-max and feed, until eos or the limit. */
        state *s = state_create(m, &e);
        model_seq q = {.st = s, .tokens = ctx[i], .n_tokens = n_ctx[i], .n_logits = 1, .logits = logits};
        model_forward(m, &k, &q, 1, &e);
        int32_t out[64];
        int n = 0;
        while (n < batch[i].max_gen_toks) {
            int next = sample_argmax(logits, V);
            if (next == tok_eos_id(t)) break;
            out[n++] = next;
            model_seq one = {.st = s, .tokens = &out[n - 1], .n_tokens = 1, .n_logits = 1, .logits = logits};
            model_forward(m, &k, &one, 1, &e);
        }
        CHECKF(n == batch[i].n_tokens && memcmp(out, batch[i].tokens, (size_t)n * 4) == 0,
               "prompt %d: by hand %d tokens, generator %d", i, n, batch[i].n_tokens);
        state_free(s);
    }
    /* A stop string taken from the middle of a generation ends it there. */
    gen_req *g = &batch[1];
    if (g->n_tokens >= 4 && strlen(g->text) >= 4) {
        size_t len = strlen(g->text);
        char stop[8];
        memcpy(stop, g->text + len / 2, 2);
        stop[2] = 0;
        const char *until[2] = {"never-appears", stop};
        gen_req r = {.ctx = ctx[1], .n_ctx = n_ctx[1], .max_gen_toks = 50, .until = until, .n_until = 2};
        CHECKF(gen_run(m, &k, t, &r, 1, &o1, NULL, &e) == 0, "%s", e.msg);
        CHECKF(strstr(r.text, stop) != NULL && r.n_tokens <= g->n_tokens, "stop \"%s\" not honoured: \"%s\"", stop,
               r.text);
        /* And not one token later than needed: without the last token the
         * stop string is absent. */
        char *shorter = tok_decode(t, r.tokens, r.n_tokens - 1, &e);
        CHECK(shorter && !strstr(shorter, stop));
        free(shorter);
        gen_req_clear(&r);
    }
    for (int i = 0; i < 3; i++) {
        gen_req_clear(&batch[i]);
        gen_req_clear(&single[i]);
        free(ctx[i]);
    }
    free(logits);
    model_free(m);
    tok_free(t);
}
