/* harness/generator.c: see generator.h. */
#include "harness/generator.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "model/state.h"

#define DEFAULT_GEN_BATCH 8

void gen_req_clear(gen_req *r) {
    free(r->text);
    free(r->tokens);
    r->text = NULL;
    r->tokens = NULL;
    r->n_tokens = 0;
    r->hit_eos = 0;
}

typedef struct slot {
    gen_req *r;
    state *st;
    rng rg;
    float *logits;
    int done;
} slot;

static int forward(model *m, const kctx *k, model_seq *q, int n, gen_stats *st, errbuf *e) {
    uint64_t t0 = clock_now_ns();
    int rc = model_forward(m, k, q, n, e);
    if (st) {
        st->model_s += (clock_now_ns() - t0) * 1e-9;
        st->forward_calls++;
    }
    return rc;
}

static int stop_hit(const gen_req *r) {
    for (int i = 0; i < r->n_until; i++)
        if (r->until[i][0] && strstr(r->text, r->until[i])) return 1;
    return 0;
}

static int run_batch(model *m, const kctx *k, const tok *t, slot *s, int n, gen_stats *st, int *scratch,
                     errbuf *e) {
    const int V = model_cfg(m)->vocab_size, eos = tok_eos_id(t);
    model_seq *q = calloc((size_t)n, sizeof *q);
    if (!q) return err_set(e, "generator: out of memory");
    int rc = 0, active = 0;
    for (int i = 0; i < n; i++) {
        gen_req *r = s[i].r;
        r->tokens = malloc((size_t)(r->max_gen_toks > 0 ? r->max_gen_toks : 1) * sizeof(int32_t));
        r->text = calloc(1, 1);
        if (!r->tokens || !r->text) {
            rc = err_set(e, "generator: out of memory");
            goto done;
        }
        state_reset(s[i].st);
        rng_seed(&s[i].rg, r->seed);
        s[i].done = r->max_gen_toks <= 0;
        q[i] = (model_seq){.st = s[i].st, .tokens = r->ctx, .n_tokens = r->n_ctx, .n_logits = 1, .logits = s[i].logits};
        if (st) st->tokens_prefilled += r->n_ctx;
    }
    if ((rc = forward(m, k, q, n, st, e)) != 0) goto done;
    for (;;) {
        active = 0;
        for (int i = 0; i < n; i++) {
            if (s[i].done) continue;
            gen_req *r = s[i].r;
            int next = sample_token(s[i].logits, V, &r->sampling, &s[i].rg, scratch);
            if (next == eos) {
                r->hit_eos = 1;
                s[i].done = 1;
                continue;
            }
            r->tokens[r->n_tokens++] = next;
            if (st) st->tokens_generated++;
            char *text = tok_decode(t, r->tokens, r->n_tokens, e);
            if (!text) {
                rc = -1;
                goto done;
            }
            free(r->text);
            r->text = text;
            if (r->n_tokens >= r->max_gen_toks || stop_hit(r)) {
                s[i].done = 1;
                continue;
            }
            q[active++] = (model_seq){.st = s[i].st, .tokens = &r->tokens[r->n_tokens - 1], .n_tokens = 1,
                                      .n_logits = 1, .logits = s[i].logits};
        }
        if (active == 0) break;
        if ((rc = forward(m, k, q, active, st, e)) != 0) goto done;
    }
done:
    free(q);
    return rc;
}

int gen_run(model *m, const kctx *k, const tok *t, gen_req *reqs, int n, const gen_opts *o, gen_stats *st,
            errbuf *e) {
    const int B = o && o->max_batch_seqs > 0 ? o->max_batch_seqs : DEFAULT_GEN_BATCH;
    const int V = model_cfg(m)->vocab_size;
    slot *s = calloc((size_t)B, sizeof *s);
    float *logits = malloc((size_t)B * V * sizeof(float));
    int *scratch = malloc((size_t)V * 2 * sizeof(int));
    int rc = 0;
    if (!s || !logits || !scratch) {
        rc = err_set(e, "generator: out of memory");
        goto done;
    }
    for (int i = 0; i < B; i++) {
        s[i].logits = logits + (long)i * V;
        if (!(s[i].st = state_create(m, e))) {
            rc = -1;
            goto done;
        }
    }
    for (int i = 0; i < n; i++) {
        gen_req_clear(&reqs[i]);
        if (reqs[i].n_ctx < 1) {
            rc = err_set(e, "generator: request %d has an empty context", i);
            goto done;
        }
    }
    for (int i = 0; rc == 0 && i < n; i += B) {
        int nb = n - i < B ? n - i : B;
        for (int j = 0; j < nb; j++) s[j].r = &reqs[i + j];
        rc = run_batch(m, k, t, s, nb, st, scratch, e);
        if (rc == 0 && o && o->progress) o->progress(o->progress_arg, i + nb, n);
    }
done:
    for (int i = 0; s && i < B; i++) state_free(s[i].st);
    free(s);
    free(logits);
    free(scratch);
    return rc;
}
