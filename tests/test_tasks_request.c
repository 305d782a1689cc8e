/* tests/test_tasks_request.c: request tokenization (A.1, A.3, A.4) with a
 * tiny BPE tokenizer trained on the fly by the Debian spm_train binary with
 * Gemma's normaliser settings (no dummy prefix, digits split, byte
 * fallback, whitespace kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/request.h"
#include "tests/test.h"

static tok *tiny_tokenizer(void) {
    if (system("command -v spm_train >/dev/null 2>&1") != 0) {
        test_skip("spm_train not installed (Debian package sentencepiece)");
        return NULL;
    }
    const char *dir = test_tmpdir();
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/corpus.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    for (int i = 0; i < 30; i++)
        fprintf(f, "Question: which answer is right? Answer: the first one is right, hello world %d.\n"
                   "The quick brown fox jumps over the lazy dog. Caf\xc3\xa9, na\xc3\xafve, 12345 and 678.\n", i);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "spm_train --input=%s --model_prefix=%s/tok --model_type=bpe --vocab_size=360 --byte_fallback=true "
             "--split_digits=true --add_dummy_prefix=false --normalization_rule_name=identity "
             "--remove_extra_whitespaces=false --pad_id=0 --eos_id=1 --bos_id=2 --unk_id=3 --num_threads=1 "
             "--minloglevel=2 >%s/spm.log 2>&1",
             path, dir, dir);
    if (system(cmd) != 0) {
        test_fail_at(__FILE__, __LINE__, "spm_train failed (see %s/spm.log)", dir);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/tok.model", dir);
    errbuf e;
    tok *t = tok_load(path, &e);
    if (!t) test_fail_at(__FILE__, __LINE__, "%s", e.msg);
    return t;
}

static int enc(const tok *t, const char *s, int bos, int32_t **ids) {
    errbuf e;
    int n = task_encode(t, s, strlen(s), bos, ids, &e);
    if (n < 0) test_fail_at(__FILE__, __LINE__, "encode: %s", e.msg);
    return n;
}

static int same(const int32_t *a, int na, const int32_t *b, int nb) {
    return na == nb && (na == 0 || memcmp(a, b, sizeof(int32_t) * (size_t)na) == 0);
}

TEST(tasks_request_loglikelihood_split) {
    tok *t = tiny_tokenizer();
    if (!t) return;
    int bos = tok_bos_id(t);
    errbuf e;
    task_ll_tokens p;
    int32_t *w = NULL, *c = NULL, *x = NULL;
    /* 1. empty context: [<bos>] then every token of the continuation */
    CHECK(task_ll_tokenize(t, "", "hello world", 100, &p, &e) == 0);
    int nw = enc(t, "hello world", 0, &w);
    CHECK(p.n_ctx == 1 && p.ctx[0] == bos && same(p.cont, p.n_cont, w, nw));
    task_ll_tokens_deinit(&p);
    free(w);
    /* ... and a continuation starting with the literal "<bos>" supplies the context token itself */
    CHECK(task_ll_tokenize(t, "", "<bos>hello", 100, &p, &e) == 0);
    nw = enc(t, "hello", 0, &w);
    CHECK(p.n_ctx == 1 && p.ctx[0] == bos && same(p.cont, p.n_cont, w, nw));
    task_ll_tokens_deinit(&p);
    free(w);
    /* 2. ctx = encode(context) with <bos>; cont = encode(context + cont)[len(ctx):] */
    const char *ctx = "Question: which answer is right?\nAnswer:";
    CHECK(task_ll_tokenize(t, ctx, " the first", 100, &p, &e) == 0);
    nw = enc(t, "Question: which answer is right?\nAnswer: the first", 1, &w);
    int nc = enc(t, ctx, 1, &c);
    CHECK(c[0] == bos && same(p.ctx, p.n_ctx, c, nc));
    CHECK(same(p.cont, p.n_cont, w + nc, nw - nc));
    CHECK_EQ_INT(p.n_truncated, 0);
    task_ll_tokens_deinit(&p);
    free(c);
    /* 3. trailing whitespace (Unicode too) moves into the continuation */
    task_ll_tokens q;
    CHECK(task_ll_tokenize(t, "Question: which answer is right?\nAnswer: ", "the first", 100, &p, &e) == 0);
    CHECK(task_ll_tokenize(t, ctx, " the first", 100, &q, &e) == 0);
    CHECK(same(p.ctx, p.n_ctx, q.ctx, q.n_ctx) && same(p.cont, p.n_cont, q.cont, q.n_cont));
    task_ll_tokens_deinit(&p);
    CHECK(task_ll_tokenize(t, "Answer:\xe3\x80\x80", "x", 100, &p, &e) == 0);
    nc = enc(t, "Answer:", 1, &c);
    CHECK(same(p.ctx, p.n_ctx, c, nc));
    task_ll_tokens_deinit(&p);
    task_ll_tokens_deinit(&q);
    free(c);
    /* 4. [quirk] the split is positional: context "hel" + "lo" splits
     * encode("hello") at len(encode("hel")) even when the pieces merge */
    CHECK(task_ll_tokenize(t, "hel", "lo world", 100, &p, &e) == 0 || strstr(e.msg, "adds no tokens"));
    free(w);
    nw = enc(t, "hello world", 1, &w);
    nc = enc(t, "hel", 1, &c);
    if (p.n_cont) CHECK(same(p.cont, p.n_cont, w + nc, nw - nc));
    task_ll_tokens_deinit(&p);
    free(c);
    /* 5. left truncation to max_length + 1 tokens, the continuation intact */
    CHECK(task_ll_tokenize(t, ctx, " the first", 6, &p, &e) == 0);
    CHECK(task_ll_tokenize(t, ctx, " the first", 100, &q, &e) == 0);
    CHECK_EQ_INT(p.n_ctx + p.n_cont, 7);
    CHECK_EQ_INT(p.n_truncated, q.n_ctx - p.n_ctx);
    CHECK(same(p.cont, p.n_cont, q.cont, q.n_cont) && same(p.ctx, p.n_ctx, q.ctx + p.n_truncated, p.n_ctx));
    task_ll_tokens_deinit(&p);
    CHECK(task_ll_tokenize(t, ctx, " the first", q.n_cont - 1, &p, &e) != 0 && strstr(e.msg, "more than max_length"));
    task_ll_tokens_deinit(&q);
    /* 6. encode: a literal "<bos>" prefix is the BOS token, never doubled */
    nw = enc(t, "<bos>hello", 1, &x);
    nc = enc(t, "hello", 1, &c);
    CHECK(same(x, nw, c, nc));
    free(x);
    free(c);
    free(w);
    CHECK(task_ll_tokenize(t, "", "", 100, &p, &e) != 0);
    tok_free(t);
}

TEST(tasks_request_rolling_windows) {
    tok *t = tiny_tokenizer();
    if (!t) return;
    int bos = tok_bos_id(t);
    errbuf e;
    const char *text = "The quick brown fox jumps over the lazy dog. 12345";
    int32_t *toks = NULL;
    int n = enc(t, text, 0, &toks);
    const int L = 4;
    CHECK(n > 3 * L); /* several windows */
    task_ll_tokens *w = NULL;
    int nw = 0;
    if (!CHECKF(task_rolling_windows(t, text, L, 0, &w, &nw, &e) == 0, "%s", e.msg)) return;
    /* first: [<bos>] -> toks[0:L]; then each predicts min(rest, L) tokens
     * from the L tokens before the last target: every token exactly once */
    CHECK(w[0].n_ctx == 1 && w[0].ctx[0] == bos && same(w[0].cont, w[0].n_cont, toks, L));
    int p = L;
    for (int i = 1; i < nw; i++) {
        int pred = n - p < L ? n - p : L;
        CHECKF(w[i].n_cont == pred && w[i].n_ctx + w[i].n_cont == L + 1, "window %d: %d + %d", i, w[i].n_ctx, w[i].n_cont);
        CHECK(same(w[i].cont, w[i].n_cont, toks + p, pred));
        CHECK(same(w[i].ctx, w[i].n_ctx, toks + p - w[i].n_ctx, w[i].n_ctx));
        p += pred;
    }
    CHECK_EQ_INT(p, n);
    CHECK_EQ_INT(nw, 1 + (n - L + L - 1) / L);
    task_ll_windows_free(w, nw);
    /* --compat lmeval: the tokens carry their own <bos> after the prefix one */
    if (CHECKF(task_rolling_windows(t, text, 1000, 1, &w, &nw, &e) == 0, "%s", e.msg)) {
        CHECK(nw == 1 && w[0].n_ctx == 1 && w[0].ctx[0] == bos && w[0].cont[0] == bos && w[0].n_cont == n + 1);
        task_ll_windows_free(w, nw);
    }
    /* a short text: one window */
    if (CHECKF(task_rolling_windows(t, "hello", 1000, 0, &w, &nw, &e) == 0, "%s", e.msg)) {
        CHECK(nw == 1 && w[0].n_ctx == 1);
        task_ll_windows_free(w, nw);
    }
    free(toks);
    tok_free(t);
}

TEST(tasks_request_generation) {
    tok *t = tiny_tokenizer();
    if (!t) return;
    errbuf e;
    int32_t *ids = NULL, *full = NULL;
    int n = 0;
    const char *ctx = "Question: which answer is right?\nAnswer:";
    int nf = enc(t, ctx, 1, &full);
    CHECK(task_gen_tokenize(t, ctx, 100, 10, &ids, &n, &e) == 0 && same(ids, n, full, nf));
    free(ids);
    /* keep the last max_length - max_gen_toks tokens; the <bos> goes */
    CHECK(task_gen_tokenize(t, ctx, 12, 7, &ids, &n, &e) == 0 && same(ids, n, full + nf - 5, 5));
    free(ids);
    free(full);
    CHECK(task_gen_tokenize(t, ctx, 8, 8, &ids, &n, &e) != 0);
    tok_free(t);
}

TEST(tasks_request_stop_strings) {
    const char *until[] = {"\n", ".", ","};
    task_gen_settings g = {until, 3, 256, 0, 0, 1.0, 0};
    errbuf e;
    CHECK_EQ_INT(task_gen_find_stop(&g, "<eos>", " Paris, France.", 15), 6);
    CHECK_EQ_INT(task_gen_find_stop(&g, "<eos>", " Paris", 6), -1);
    char *c = task_gen_cut(&g, "<eos>", " Paris, France.", &e);
    CHECK(c && !strcmp(c, " Paris"));
    free(c);
    const char *q[] = {"Question:", "</s>", ""}; /* '' stop strings are ignored */
    task_gen_settings g2 = {q, 3, 256, 0, 0, 1.0, 0};
    c = task_gen_cut(&g2, "<eos>", " 12 apples.\n\nQuestion: next<eos>", &e);
    CHECK(c && !strcmp(c, " 12 apples.\n\n")); /* "\n\n" is not a GSM8K stop */
    free(c);
    c = task_gen_cut(&g2, "<eos>", " 5<eos> Question:", &e);
    CHECK(c && !strcmp(c, " 5"));
    free(c);
    c = task_gen_cut(&g2, NULL, "no stop at all", &e);
    CHECK(c && !strcmp(c, "no stop at all"));
    free(c);
}
