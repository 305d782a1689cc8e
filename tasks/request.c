/* tasks/request.c: request tokenization and stop strings (see request.h). */
#include "tasks/request.h"

#include <stdlib.h>
#include <string.h>

#include "tasks/pytext.h"

#define BOS_TEXT "<bos>"

int task_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t **ids, errbuf *e) {
    *ids = NULL;
    size_t L = strlen(BOS_TEXT);
    int literal_bos = n_bytes >= L && memcmp(text, BOS_TEXT, L) == 0;
    if (!literal_bos) return tok_encode_alloc(t, text, n_bytes, add_bos, ids, e);
    int32_t *rest = NULL;
    int n = tok_encode_alloc(t, text + L, n_bytes - L, 0, &rest, e);
    if (n < 0) return -1;
    int32_t *all = malloc(sizeof(int32_t) * (size_t)(n + 1));
    if (!all) {
        free(rest);
        return err_set(e, "out of memory encoding %zu bytes", n_bytes);
    }
    all[0] = tok_bos_id(t);
    if (n) memcpy(all + 1, rest, sizeof(int32_t) * (size_t)n);
    free(rest);
    *ids = all;
    return n + 1;
}

void task_ll_tokens_deinit(task_ll_tokens *p) {
    if (!p) return;
    free(p->ctx);
    free(p->cont);
    memset(p, 0, sizeof *p);
}

static int32_t *dup_ids(const int32_t *src, int n) {
    int32_t *d = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (d && n > 0) memcpy(d, src, sizeof(int32_t) * (size_t)n);
    return d;
}

int task_ll_tokenize(const tok *t, const char *context, const char *continuation, int max_length,
                     task_ll_tokens *out, errbuf *e) {
    memset(out, 0, sizeof *out);
    if (max_length < 1) return err_set(e, "max_length must be >= 1, got %d", max_length);
    size_t n_ctx_bytes = strlen(context), n_cont_bytes = strlen(continuation);
    int32_t *whole = NULL, *ctx = NULL;
    int n_whole, n_ctx;
    if (n_ctx_bytes == 0) {
        /* A.1 step 1: context [<bos>], every continuation token scored; if
         * the continuation itself starts with <bos>, that one is the context. */
        n_whole = task_encode(t, continuation, n_cont_bytes, 0, &whole, e);
        if (n_whole < 0) return -1;
        if (n_whole == 0) {
            free(whole);
            return err_set(e, "loglikelihood request with an empty context and an empty continuation");
        }
        int32_t bos = tok_bos_id(t);
        int skip = whole[0] == bos;
        out->ctx = malloc(sizeof(int32_t));
        out->cont = dup_ids(whole + skip, n_whole - skip);
        if (!out->ctx || !out->cont) {
            free(whole);
            task_ll_tokens_deinit(out);
            return err_set(e, "out of memory");
        }
        out->ctx[0] = bos;
        out->n_ctx = 1;
        out->n_cont = n_whole - skip;
        free(whole);
    } else {
        /* A.1 step 2: trailing whitespace of the context moves to the front
         * of the continuation; split encode(ctx + cont) at len(encode(ctx)). */
        size_t k = pytext_trailing_space_bytes(context, n_ctx_bytes);
        size_t ctx_len = n_ctx_bytes - k;
        char *joined = malloc(n_ctx_bytes + n_cont_bytes + 1);
        if (!joined) return err_set(e, "out of memory");
        memcpy(joined, context, n_ctx_bytes);
        memcpy(joined + n_ctx_bytes, continuation, n_cont_bytes + 1);
        n_whole = task_encode(t, joined, n_ctx_bytes + n_cont_bytes, 1, &whole, e);
        free(joined);
        if (n_whole < 0) return -1;
        n_ctx = task_encode(t, context, ctx_len, 1, &ctx, e);
        if (n_ctx < 0) {
            free(whole);
            return -1;
        }
        /* [quirk] positional: no check that whole starts with ctx. */
        int n_cont = n_whole > n_ctx ? n_whole - n_ctx : 0;
        out->ctx = ctx;
        out->n_ctx = n_ctx;
        out->cont = dup_ids(whole + (n_whole - n_cont), n_cont);
        out->n_cont = n_cont;
        free(whole);
        if (!out->cont) {
            task_ll_tokens_deinit(out);
            return err_set(e, "out of memory");
        }
        if (n_cont == 0) {
            task_ll_tokens_deinit(out);
            return err_set(e, "the continuation \"%.60s\" adds no tokens after the context", continuation);
        }
    }
    /* A.1 step 3: keep the last max_length + 1 tokens of ctx + cont. */
    if (out->n_cont > max_length) {
        int n = out->n_cont;
        task_ll_tokens_deinit(out);
        return err_set(e, "the continuation has %d tokens, more than max_length %d", n, max_length);
    }
    int over = out->n_ctx + out->n_cont - (max_length + 1);
    if (over > 0) {
        memmove(out->ctx, out->ctx + over, sizeof(int32_t) * (size_t)(out->n_ctx - over));
        out->n_ctx -= over;
        out->n_truncated = over;
    }
    return 0;
}

void task_ll_windows_free(task_ll_tokens *w, int n) {
    if (!w) return;
    for (int i = 0; i < n; i++) task_ll_tokens_deinit(&w[i]);
    free(w);
}

int task_rolling_windows(const tok *t, const char *text, int max_length, int compat_lmeval,
                         task_ll_tokens **windows, int *n_windows, errbuf *e) {
    *windows = NULL;
    *n_windows = 0;
    if (max_length < 1) return err_set(e, "max_length must be >= 1, got %d", max_length);
    int32_t *toks = NULL;
    int n = task_encode(t, text, strlen(text), compat_lmeval, &toks, e);
    if (n < 0) return -1;
    if (n == 0) {
        free(toks);
        return err_set(e, "loglikelihood_rolling of an empty text: nothing to score");
    }
    /* lm-eval utils.get_rolling_token_windows + make_disjoint_window with
     * context_len = 1: first window [<bos>] -> toks[0:m]; then each window
     * predicts w new tokens with the max_length tokens before them. */
    int cap = 1 + (n + max_length - 1) / max_length;
    task_ll_tokens *w = calloc((size_t)cap, sizeof *w);
    if (!w) {
        free(toks);
        return err_set(e, "out of memory");
    }
    int nw = 0;
    int m = n < max_length ? n : max_length;
    w[0].ctx = malloc(sizeof(int32_t));
    w[0].cont = dup_ids(toks, m);
    if (!w[0].ctx || !w[0].cont) goto oom;
    w[0].ctx[0] = tok_bos_id(t);
    w[0].n_ctx = 1;
    w[0].n_cont = m;
    nw = 1;
    for (int p = m; p < n; nw++) {
        int pred = n - p < max_length ? n - p : max_length;
        int end = p + pred;
        int start = end - max_length - 1; /* >= 0 here since p >= max_length */
        if (start < 0) start = 0;
        task_ll_tokens *x = &w[nw];
        x->n_ctx = p - start;
        x->ctx = dup_ids(toks + start, x->n_ctx);
        x->cont = dup_ids(toks + p, pred);
        x->n_cont = pred;
        if (!x->ctx || !x->cont) {
            nw++;
            goto oom;
        }
        p = end;
    }
    free(toks);
    *windows = w;
    *n_windows = nw;
    return 0;
oom:
    free(toks);
    task_ll_windows_free(w, cap);
    return err_set(e, "out of memory");
}

int task_gen_tokenize(const tok *t, const char *context, int max_length, int max_gen_toks, int32_t **ids, int *n,
                      errbuf *e) {
    *ids = NULL;
    *n = 0;
    int keep = max_length - max_gen_toks;
    if (keep < 1) return err_set(e, "max_length %d leaves no room for a context with max_gen_toks %d", max_length, max_gen_toks);
    int32_t *all = NULL;
    int total = task_encode(t, context, strlen(context), 1, &all, e);
    if (total < 0) return -1;
    if (total > keep) {
        memmove(all, all + (total - keep), sizeof(int32_t) * (size_t)keep);
        total = keep;
    }
    *ids = all;
    *n = total;
    return 0;
}

static const char *memfind(const char *h, size_t nh, const char *needle, size_t nn) {
    if (nn == 0 || nn > nh) return NULL;
    for (size_t i = 0; i + nn <= nh; i++)
        if (h[i] == needle[0] && memcmp(h + i, needle, nn) == 0) return h + i;
    return NULL;
}

long task_gen_find_stop(const task_gen_settings *g, const char *eos_text, const char *text, size_t n_bytes) {
    long best = -1;
    for (int i = 0; i <= g->n_until; i++) {
        const char *s = i < g->n_until ? g->until[i] : eos_text;
        if (!s || !s[0]) continue; /* lm-eval ignores '' stop strings */
        const char *p = memfind(text, n_bytes, s, strlen(s));
        if (p && (best < 0 || p - text < best)) best = (long)(p - text);
    }
    return best;
}

char *task_gen_cut(const task_gen_settings *g, const char *eos_text, const char *text, errbuf *e) {
    size_t n = strlen(text);
    long at = task_gen_find_stop(g, eos_text, text, n);
    char *r = strndup(text, at >= 0 ? (size_t)at : n);
    if (!r) err_set(e, "out of memory");
    return r;
}
