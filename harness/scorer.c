/* harness/scorer.c: see scorer.h. */
#include "harness/scorer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "model/state.h"

#define DEFAULT_BATCH_SEQS 16
#define DEFAULT_LOGIT_BYTES (256u << 20) /* full-vocabulary logits held at once */
#define DEFAULT_MIN_SHARED 4

double scorer_logprob(const float *logits, int n_vocab, int target, int *is_argmax) {
    int best = 0;
    float mx = logits[0];
    for (int i = 1; i < n_vocab; i++)
        if (logits[i] > mx) {
            mx = logits[i];
            best = i;
        }
    /* log-softmax: exponentials of f32 differences, summed in double. */
    double sum = 0.0;
    for (int i = 0; i < n_vocab; i++) sum += (double)expf(logits[i] - mx);
    if (is_argmax) *is_argmax = best == target;
    return (double)logits[target] - (double)mx - log(sum);
}

typedef struct group {
    const int32_t *ctx;
    int n_ctx;
    int first, count; /* into order[] */
    state *st;        /* the state after the whole context */
    float *row;       /* logits after the context */
} group;

typedef struct scorer {
    model *m;
    const kctx *k;
    ll_req *reqs;
    int n;
    scorer_opts o;
    scorer_stats *stats;
    int V;
    /* a pool of states, reused across batches */
    state **free_states;
    int n_free, cap_free;
} scorer;

static int ctx_cmp(const ll_req *a, const ll_req *b) {
    int n = a->n_ctx < b->n_ctx ? a->n_ctx : b->n_ctx;
    for (int i = 0; i < n; i++)
        if (a->ctx[i] != b->ctx[i]) return a->ctx[i] < b->ctx[i] ? -1 : 1;
    return a->n_ctx - b->n_ctx;
}

static int lcp(const int32_t *a, int na, const int32_t *b, int nb) {
    int n = na < nb ? na : nb, i = 0;
    while (i < n && a[i] == b[i]) i++;
    return i;
}

/* qsort has no context argument: sort (request pointer, index) pairs. */
typedef struct ref {
    const ll_req *r;
    int idx;
} ref;

static int ref_cmp(const void *x, const void *y) {
    const ref *a = x, *b = y;
    int c = ctx_cmp(a->r, b->r);
    return c ? c : a->idx - b->idx;
}

static state *take_state(scorer *s, errbuf *e) {
    if (s->n_free > 0) return s->free_states[--s->n_free];
    return state_create(s->m, e);
}

static void give_state(scorer *s, state *st) {
    if (!st) return;
    if (s->n_free == s->cap_free) {
        int cap = s->cap_free ? 2 * s->cap_free : 32;
        state **v = realloc(s->free_states, (size_t)cap * sizeof *v);
        if (!v) {
            state_free(st);
            return;
        }
        s->free_states = v;
        s->cap_free = cap;
    }
    s->free_states[s->n_free++] = st;
}

static int forward(scorer *s, model_seq *seqs, int n, errbuf *e) {
    uint64_t t0 = clock_now_ns();
    int rc = model_forward(s->m, s->k, seqs, n, e);
    if (s->stats) {
        s->stats->model_s += (clock_now_ns() - t0) * 1e-9;
        s->stats->forward_calls++;
        for (int i = 0; i < n; i++) s->stats->tokens_forwarded += seqs[i].n_tokens;
    }
    return rc;
}

/* Sets dst to src, or to position 0 when src is NULL. */
static int start_from(state *dst, const state *src, errbuf *e) {
    if (src) return state_copy(dst, src, e);
    state_reset(dst);
    return 0;
}

typedef struct fork_job {
    ll_req *r;
    const group *g;
    state *st;
    float *logits;
} fork_job;

/* Scores cont[1:] of each job from a copy of its group's state. */
static int run_forks(scorer *s, fork_job *jobs, int n_jobs, float *lbuf, errbuf *e) {
    model_seq *seqs = calloc((size_t)(n_jobs > 0 ? n_jobs : 1), sizeof *seqs);
    if (!seqs) return err_set(e, "scorer: out of memory");
    int rc = 0, i = 0;
    while (rc == 0 && i < n_jobs) {
        int n = 0;
        long rows = 0;
        while (i + n < n_jobs && n < s->o.max_batch_seqs &&
               (n == 0 || rows + jobs[i + n].r->n_cont - 1 <= s->o.max_logit_rows)) {
            fork_job *j = &jobs[i + n];
            j->st = take_state(s, e);
            if (!j->st || state_copy(j->st, j->g->st, e) != 0) {
                give_state(s, j->st);
                rc = -1;
                break;
            }
            j->logits = lbuf + rows * s->V;
            seqs[n] = (model_seq){.st = j->st, .tokens = j->r->cont, .n_tokens = j->r->n_cont - 1,
                                  .n_logits = j->r->n_cont - 1, .logits = j->logits};
            rows += j->r->n_cont - 1;
            n++;
        }
        if (rc == 0 && (rows > (long)s->o.max_logit_rows || n == 0)) {
            /* One continuation longer than the logits budget: it alone. */
            rc = err_set(e, "scorer: a continuation of %d tokens exceeds the logits budget of %d rows",
                         jobs[i].r->n_cont, s->o.max_logit_rows);
        }
        if (rc == 0) rc = forward(s, seqs, n, e);
        for (int q = 0; rc == 0 && q < n; q++) {
            fork_job *j = &jobs[i + q];
            for (int t = 1; t < j->r->n_cont; t++) {
                int g;
                j->r->ll += scorer_logprob(j->logits + (long)(t - 1) * s->V, s->V, j->r->cont[t], &g);
                j->r->is_greedy &= g;
            }
        }
        for (int q = 0; q < n; q++) give_state(s, jobs[i + q].st);
        i += n;
    }
    free(seqs);
    return rc;
}

typedef struct snap {
    int len;
    state *st; /* NULL for the empty prefix */
} snap;

static int score_shared(scorer *s, errbuf *e) {
    int rc = 0;
    ref *refs = malloc((size_t)s->n * sizeof *refs);
    group *groups = calloc((size_t)s->n, sizeof *groups);
    int *lcp_next = calloc((size_t)s->n, sizeof *lcp_next);
    snap *stack = calloc((size_t)s->n + 1, sizeof *stack);
    fork_job *jobs = calloc((size_t)s->n, sizeof *jobs);
    model_seq *seqs = calloc((size_t)s->o.max_batch_seqs + 1, sizeof *seqs);
    float *rows = malloc((size_t)s->o.max_batch_seqs * s->V * sizeof(float));
    float *lbuf = malloc((size_t)s->o.max_logit_rows * s->V * sizeof(float));
    if (!refs || !groups || !lcp_next || !stack || !jobs || !seqs || !rows || !lbuf) {
        rc = err_set(e, "scorer: out of memory for %d requests", s->n);
        goto done;
    }
    for (int i = 0; i < s->n; i++) refs[i] = (ref){&s->reqs[i], i};
    qsort(refs, (size_t)s->n, sizeof *refs, ref_cmp);
    int n_groups = 0;
    for (int i = 0; i < s->n; i++) {
        if (i == 0 || ctx_cmp(refs[i - 1].r, refs[i].r) != 0) {
            groups[n_groups] = (group){refs[i].r->ctx, refs[i].r->n_ctx, i, 0, NULL, NULL};
            n_groups++;
        }
        groups[n_groups - 1].count++;
    }
    for (int g = 0; g + 1 < n_groups; g++)
        lcp_next[g] = lcp(groups[g].ctx, groups[g].n_ctx, groups[g + 1].ctx, groups[g + 1].n_ctx);
    int depth = 1; /* stack[0] = the empty prefix */
    stack[0] = (snap){0, NULL};
    long done = 0;
    for (int g0 = 0; rc == 0 && g0 < n_groups;) {
        /* The batch: consecutive groups within the sequence and logits budgets. */
        int g1 = g0, n_forks = 0;
        while (g1 < n_groups && g1 - g0 < s->o.max_batch_seqs) {
            int extra = 0;
            for (int q = 0; q < groups[g1].count; q++) extra += refs[groups[g1].first + q].r->n_cont > 1;
            if (g1 > g0 && n_forks + extra > 4 * s->o.max_batch_seqs) break;
            n_forks += extra;
            g1++;
        }
        /* P: the prefix every context of the batch shares, leaving each at
         * least its last token to run (its logits predict cont[0]). */
        int P = groups[g0].n_ctx - 1;
        for (int g = g0; g < g1; g++) {
            if (groups[g].n_ctx - 1 < P) P = groups[g].n_ctx - 1;
            if (g + 1 < g1 && lcp_next[g] < P) P = lcp_next[g];
        }
        int keep = g0 > 0 && lcp_next[g0 - 1] < P ? lcp_next[g0 - 1] : P;
        while (depth > 1 && stack[depth - 1].len > keep) give_state(s, stack[--depth].st);
        snap top = stack[depth - 1];
        if (P - top.len >= s->o.min_shared_tokens) {
            state *st = take_state(s, e);
            if (!st || start_from(st, top.st, e) != 0) {
                rc = -1;
                break;
            }
            model_seq q = {.st = st, .tokens = groups[g0].ctx + top.len, .n_tokens = P - top.len};
            if ((rc = forward(s, &q, 1, e)) != 0) {
                give_state(s, st);
                break;
            }
            stack[depth++] = (snap){P, st};
            top = stack[depth - 1];
            if (s->stats) s->stats->snapshots++;
        }
        /* Each group: its context past the snapshot, logits at its end. */
        for (int g = g0; rc == 0 && g < g1; g++) {
            group *gr = &groups[g];
            gr->st = take_state(s, e);
            if (!gr->st || start_from(gr->st, top.st, e) != 0) {
                rc = -1;
                break;
            }
            gr->row = rows + (long)(g - g0) * s->V;
            seqs[g - g0] = (model_seq){.st = gr->st, .tokens = gr->ctx + top.len, .n_tokens = gr->n_ctx - top.len,
                                       .n_logits = 1, .logits = gr->row};
        }
        if (rc == 0) rc = forward(s, seqs, g1 - g0, e);
        /* cont[0] from the group's row; the rest from forks. */
        int nj = 0;
        for (int g = g0; rc == 0 && g < g1; g++) {
            group *gr = &groups[g];
            for (int q = 0; q < gr->count; q++) {
                ll_req *r = &s->reqs[refs[gr->first + q].idx];
                int greedy;
                r->ll = scorer_logprob(gr->row, s->V, r->cont[0], &greedy);
                r->is_greedy = greedy;
                if (r->n_cont > 1) jobs[nj++] = (fork_job){r, gr, NULL, NULL};
            }
        }
        if (rc == 0) rc = run_forks(s, jobs, nj, lbuf, e);
        for (int g = g0; g < g1; g++) {
            give_state(s, groups[g].st);
            groups[g].st = NULL;
            done += groups[g].count;
        }
        if (rc == 0 && s->o.progress) s->o.progress(s->o.progress_arg, done, s->n);
        g0 = g1;
    }
    while (depth > 1) give_state(s, stack[--depth].st);
done:
    free(refs);
    free(groups);
    free(lcp_next);
    free(stack);
    free(jobs);
    free(seqs);
    free(rows);
    free(lbuf);
    return rc;
}

/* Every request from scratch: one pass over ctx + cont[:-1]. */
static int score_unshared(scorer *s, errbuf *e) {
    int rc = 0;
    const int B = s->o.max_batch_seqs;
    model_seq *seqs = calloc((size_t)B, sizeof *seqs);
    state **sts = calloc((size_t)B, sizeof *sts);
    int32_t **bufs = calloc((size_t)B, sizeof *bufs);
    float *lbuf = malloc((size_t)s->o.max_logit_rows * s->V * sizeof(float));
    if (!seqs || !sts || !bufs || !lbuf) {
        rc = err_set(e, "scorer: out of memory");
        goto done;
    }
    for (int i = 0; rc == 0 && i < s->n;) {
        int n = 0;
        long rows = 0;
        while (i + n < s->n && n < B && (n == 0 || rows + s->reqs[i + n].n_cont <= s->o.max_logit_rows)) {
            ll_req *r = &s->reqs[i + n];
            if (r->n_cont > s->o.max_logit_rows) {
                rc = err_set(e, "scorer: a continuation of %d tokens exceeds the logits budget of %d rows",
                             r->n_cont, s->o.max_logit_rows);
                break;
            }
            int len = r->n_ctx + r->n_cont - 1;
            free(bufs[n]);
            bufs[n] = malloc((size_t)len * sizeof(int32_t));
            if (!sts[n]) sts[n] = state_create(s->m, e);
            if (!bufs[n] || !sts[n]) {
                rc = err_set(e, "scorer: out of memory");
                break;
            }
            memcpy(bufs[n], r->ctx, (size_t)r->n_ctx * sizeof(int32_t));
            memcpy(bufs[n] + r->n_ctx, r->cont, (size_t)(r->n_cont - 1) * sizeof(int32_t));
            state_reset(sts[n]);
            seqs[n] = (model_seq){.st = sts[n], .tokens = bufs[n], .n_tokens = len, .n_logits = r->n_cont,
                                  .logits = lbuf + rows * s->V};
            rows += r->n_cont;
            n++;
        }
        if (rc == 0) rc = forward(s, seqs, n, e);
        for (int q = 0; rc == 0 && q < n; q++) {
            ll_req *r = &s->reqs[i + q];
            r->ll = 0;
            r->is_greedy = 1;
            for (int t = 0; t < r->n_cont; t++) {
                int g;
                r->ll += scorer_logprob(seqs[q].logits + (long)t * s->V, s->V, r->cont[t], &g);
                r->is_greedy &= g;
            }
        }
        i += n;
        if (rc == 0 && s->o.progress) s->o.progress(s->o.progress_arg, i, s->n);
    }
done:
    for (int q = 0; q < B && sts; q++) state_free(sts[q]);
    for (int q = 0; q < B && bufs; q++) free(bufs[q]);
    free(seqs);
    free(sts);
    free(bufs);
    free(lbuf);
    return rc;
}

int scorer_loglik(model *m, const kctx *k, ll_req *reqs, int n, const scorer_opts *opts, scorer_stats *stats,
                  errbuf *e) {
    scorer s = {.m = m, .k = k, .reqs = reqs, .n = n, .stats = stats, .V = model_cfg(m)->vocab_size};
    if (opts) s.o = *opts;
    else s.o.share = 1;
    if (s.o.max_batch_seqs <= 0) s.o.max_batch_seqs = DEFAULT_BATCH_SEQS;
    if (s.o.max_logit_rows <= 0) {
        long r = (long)(DEFAULT_LOGIT_BYTES / ((size_t)s.V * sizeof(float)));
        s.o.max_logit_rows = (int)(r < 16 ? 16 : r > 4096 ? 4096 : r);
    }
    if (s.o.min_shared_tokens <= 0) s.o.min_shared_tokens = DEFAULT_MIN_SHARED;
    for (int i = 0; i < n; i++) {
        if (reqs[i].n_ctx < 1 || reqs[i].n_cont < 1)
            return err_set(e, "scorer: request %d has %d context and %d continuation tokens (need >= 1 each)", i,
                           reqs[i].n_ctx, reqs[i].n_cont);
        if (stats) stats->tokens_requested += reqs[i].n_ctx + reqs[i].n_cont - 1;
    }
    int rc = s.o.share ? score_shared(&s, e) : score_unshared(&s, e);
    for (int i = 0; i < s.n_free; i++) state_free(s.free_states[i]);
    free(s.free_states);
    return rc;
}
