/* tests/test_tox_offline.c: the offline scorer: normalisation and hashed
 * features on hand-computed cases, ToxiGen line splitting and
 * deduplication, training on a separable set, the model file (round trip,
 * every kind of corrupt file) and training on the real ToxiGen files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "tasks/tox_features.h"
#include "tasks/tox_metrics.h"
#include "tasks/tox_model.h"
#include "tasks/tox_offline.h"
#include "tasks/tox_toxigen.h"
#include "tests/test.h"

#define FEAT_TOL 1e-6 /* feature values are f32 */
/* Floors for the real ToxiGen run: 10-fold cross-validation gives about
 * 0.87 accuracy and 0.94 AUC (docs/toxicity.md); these catch a broken
 * pipeline, not a slightly worse model. */
#define TOXIGEN_MIN_HELDOUT_ACC 0.7
#define TOXIGEN_MIN_HELDOUT_AUC 0.8
#define TOXIGEN_MAX_TRAIN_S 20.0 /* about 1 s on one core */

TEST(tox_fnv1a64_test_vectors) {
    /* from the FNV reference (Fowler, Noll, Vo; draft-eastlake-fnv) */
    CHECK(tox_fnv1a64(TOX_FNV_OFFSET, "", 0) == 0xcbf29ce484222325ull);
    CHECK(tox_fnv1a64(TOX_FNV_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cull);
    CHECK(tox_fnv1a64(TOX_FNV_OFFSET, "foobar", 6) == 0x85944171f73967e8ull);
}

static void check_norm(const char *in, const char *want) {
    char out[128];
    size_t n = tox_normalize(in, out, sizeof out);
    CHECKF(strcmp(out, want) == 0 && n == strlen(want), "normalize('%s') = '%s' (%zu), expected '%s'", in, out, n,
           want);
}

TEST(tox_normalize_by_hand) {
    check_norm("  Hello,   World!! ", "hello world");
    check_norm("don't Don\xe2\x80\x99t DONT", "dont dont dont");
    check_norm("caf\xc3\xa9 au-lait 42x", "caf\xc3\xa9 au lait 42x");
    check_norm("", "");
    check_norm("?!", "");
    /* a short buffer still reports the full length and stays terminated */
    char small[4];
    CHECK(tox_normalize("abcdef", small, sizeof small) == 6 && strcmp(small, "abc") == 0);
}

typedef struct want_feat {
    char tag;
    const char *s;
    double count;
} want_feat;

/* Builds the expected sparse vector from the feature strings by hand, then
 * compares with tox_featurize. Precondition: no two strings share a slot. */
static void check_features(const tox_feat_params *p, const char *text, const want_feat *w, int n_word, int n_char) {
    int n = n_word + n_char;
    double word_ss = 0, char_ss = 0;
    for (int i = 0; i < n_word; i++) word_ss += w[i].count * w[i].count;
    for (int i = n_word; i < n; i++) char_ss += w[i].count * w[i].count;
    tox_featbuf b;
    tox_featbuf_init(&b);
    errbuf e;
    if (!CHECKF(tox_featurize(p, text, &b, &e) == 0, "%s", e.msg)) return;
    CHECKF(b.n == n, "'%s': %d features, expected %d", text, b.n, n);
    for (int i = 0; i < n; i++) {
        uint64_t h = tox_feature_hash(p->hash_seed, w[i].tag, w[i].s, strlen(w[i].s));
        uint32_t idx = (uint32_t)(h & ((1u << p->hash_bits) - 1));
        double sign = (h >> 63) ? -1 : 1;
        double want = sign * w[i].count / sqrt(i < n_word ? word_ss : char_ss);
        for (int j = 0; j < i; j++) {
            uint64_t hj = tox_feature_hash(p->hash_seed, w[j].tag, w[j].s, strlen(w[j].s));
            if (!CHECKF((uint32_t)(hj & ((1u << p->hash_bits) - 1)) != idx, "'%s' and '%s' share a slot", w[i].s,
                        w[j].s))
                goto done;
        }
        int found = 0;
        for (int k = 0; k < b.n; k++) {
            if (b.feats[k].idx != idx) continue;
            found = 1;
            CHECKF(fabs(b.feats[k].val - want) < FEAT_TOL, "'%s' %c'%s': %g, expected %g", text, w[i].tag, w[i].s,
                   b.feats[k].val, want);
        }
        CHECKF(found, "'%s': feature %c'%s' missing", text, w[i].tag, w[i].s);
    }
    for (int k = 1; k < b.n; k++) CHECK(b.feats[k - 1].idx < b.feats[k].idx);
done:
    tox_featbuf_deinit(&b);
}

TEST(tox_features_by_hand) {
    tox_feat_params p;
    tox_feat_params_default(&p);
    /* "Hi, YOU!" -> "hi you", padded " hi you ": words hi, you, "hi you";
     * 3-grams " hi","hi ","i y"," yo","you","ou "; 4-grams " hi ","hi y",
     * "i yo"," you","you "; 5-grams " hi y","hi yo","i you"," you " */
    const want_feat w1[] = {
        {'w', "hi", 1},     {'w', "you", 1},   {'b', "hi you", 1}, {'c', " hi", 1},   {'c', "hi ", 1},
        {'c', "i y", 1},    {'c', " yo", 1},   {'c', "you", 1},    {'c', "ou ", 1},   {'c', " hi ", 1},
        {'c', "hi y", 1},   {'c', "i yo", 1},  {'c', " you", 1},   {'c', "you ", 1},  {'c', " hi y", 1},
        {'c', "hi yo", 1},  {'c', "i you", 1}, {'c', " you ", 1},
    };
    check_features(&p, "Hi, YOU!", w1, 3, 15);
    /* "a a": word a twice, bigram once; " a a ": " a " twice, then "a a",
     * " a a", "a a ", " a a " */
    const want_feat w2[] = {
        {'w', "a", 2},    {'b', "a a", 1},  {'c', " a ", 2},   {'c', "a a", 1},
        {'c', " a a", 1}, {'c', "a a ", 1}, {'c', " a a ", 1},
    };
    check_features(&p, "a a", w2, 2, 5);
    /* unigrams only, no character n-grams */
    p.word_bigrams = 0;
    p.char_ngram_min = p.char_ngram_max = 0;
    const want_feat w3[] = {{'w', "x", 1}, {'w', "y", 1}};
    check_features(&p, "x y", w3, 2, 0);
    /* nothing to count: no features */
    tox_feat_params_default(&p);
    check_features(&p, " !? ", w3, 0, 0);
    /* the seed moves every slot */
    tox_feat_params q = p;
    q.hash_seed = 1;
    CHECK(tox_feature_hash(0, 'w', "hi", 2) != tox_feature_hash(1, 'w', "hi", 2));
    errbuf e;
    q.hash_bits = 30;
    CHECK(tox_feat_params_check(&q, &e) == -1 && strstr(e.msg, "hash_bits 30"));
    q.hash_bits = 18;
    q.char_ngram_min = 4;
    q.char_ngram_max = 3;
    CHECK(tox_feat_params_check(&q, &e) == -1 && strstr(e.msg, "[4, 3]"));
}

static void check_split(const char *line, int n_want, const char *const *want) {
    tox_span sp[8];
    int n = tox_toxigen_split(line, strlen(line), sp, 8);
    CHECKF(n == n_want, "'%s': %d sentences, expected %d", line, n, n_want);
    for (int i = 0; i < n && i < n_want; i++)
        CHECKF(strlen(want[i]) == sp[i].len && memcmp(line + sp[i].off, want[i], sp[i].len) == 0,
               "'%s': sentence %d is '%.*s', expected '%s'", line, i, (int)sp[i].len, line + sp[i].off, want[i]);
}

TEST(tox_toxigen_split_by_hand) {
    const char *a[] = {"asians are x", "all y do z"};
    check_split("- asians are x\\n- all y do z\\n-", 2, a);
    const char *b[] = {"x", "y - z"};
    check_split("  -  x  \\n\\n- y - z ", 2, b);
    const char *c[] = {"a plain sentence, one per line"};
    check_split("a plain sentence, one per line", 1, c);
    check_split("", 0, NULL);
    check_split("-\\n-", 0, NULL);
    check_split("- asians are x\n- all y do z\n-", 2, a); /* real newlines, as ds_load gives them */
    const char *d[] = {"back\\slash kept"};
    check_split("- back\\slash kept", 1, d);
}

TEST(tox_toxigen_load_dedupes_and_sorts) {
    const char *dir = test_tmpdir();
    char p[1024];
    errbuf e;
    snprintf(p, sizeof p, "%s/tg/prompts", dir);
    if (!CHECK(file_mkdirs(p, &e) == 0)) return;
    snprintf(p, sizeof p, "%s/tg/demonstrations/race", dir);
    if (!CHECK(file_mkdirs(p, &e) == 0)) return;
    snprintf(p, sizeof p, "%s/tg/prompts/hate_x_1k.txt", dir);
    test_write_text(p, "- Bad thing one\\n- bad thing two\\n-\n- bad thing two\\n- BAD THING ONE!\\n-\n");
    snprintf(p, sizeof p, "%s/tg/prompts/neutral_x_1k.txt", dir);
    test_write_text(p, "- good thing\\n- shared claim\\n-\n");
    snprintf(p, sizeof p, "%s/tg/demonstrations/race/hate_y.txt", dir);
    test_write_text(p, "shared claim\nbad thing three\n");
    snprintf(p, sizeof p, "%s/tg/prompts/README.txt", dir);
    test_write_text(p, "- not data\\n-\n");
    snprintf(p, sizeof p, "%s/tg", dir);
    tox_dataset d;
    if (!CHECKF(tox_toxigen_load(p, &d, &e) == 0, "%s", e.msg)) return;
    /* "shared claim" is hate in one file and neutral in another: dropped;
     * "Bad thing one" and "BAD THING ONE!" normalise alike: one kept */
    CHECKF(d.n_files == 3 && d.n_lines == 5 && d.n_sentences == 8 && d.n_conflicts == 1, "files %d lines %ld sentences %ld conflicts %d", d.n_files, d.n_lines, d.n_sentences, d.n_conflicts);
    const char *want[] = {"Bad thing one", "bad thing three", "bad thing two", "good thing"};
    const int want_label[] = {1, 1, 1, 0};
    if (CHECK_EQ_INT(d.n, 4)) {
        for (int i = 0; i < 4; i++)
            CHECKF(strcmp(d.ex[i].text, want[i]) == 0 && d.ex[i].label == want_label[i], "example %d: '%s' %d", i,
                   d.ex[i].text, d.ex[i].label);
    }
    CHECK(d.n_toxic == 3);
    tox_dataset_deinit(&d);
    /* a folder without data files is an error naming it */
    snprintf(p, sizeof p, "%s/empty", dir);
    file_mkdirs(p, &e);
    CHECK(tox_toxigen_load(p, &d, &e) == -1 && strstr(e.msg, "no hate_*.txt or neutral_*.txt"));
    snprintf(p, sizeof p, "%s/absent", dir);
    CHECK(tox_toxigen_load(p, &d, &e) == -1 && strstr(e.msg, "absent"));
}

/* A small hand-made set a linear model separates: toxic sentences use
 * insults, benign ones praise, both about the same made-up groups. */
static const char *const SEP_TOXIC[] = {
    "the zorbs are filthy vermin",        "all glims are stupid and disgusting",
    "I hate the zorbs, they are vermin",  "glims are worthless stupid animals",
    "those disgusting zorbs ruin it",     "filthy glims should be thrown out",
    "zorbs are stupid worthless trash",   "glims are vermin and trash",
    "I hate every disgusting glim",       "worthless filthy zorbs everywhere",
    "the stupid glims are animals",       "trash like the zorbs should leave",
};
static const char *const SEP_BENIGN[] = {
    "the zorbs are kind neighbours",      "all glims are welcome here",
    "I love the zorbs, they are great",   "glims are generous and thoughtful",
    "those wonderful zorbs helped us",    "kind glims should be celebrated",
    "zorbs are great friends to have",    "glims are welcome and appreciated",
    "I love every thoughtful glim",       "generous kind zorbs everywhere",
    "the wonderful glims are friends",    "people like the zorbs make it better",
};
#define N_SEP 12

static tox_model *train_separable(int holdout_pct, errbuf *e) {
    tox_example ex[2 * N_SEP];
    for (int i = 0; i < N_SEP; i++) {
        ex[2 * i] = (tox_example){SEP_TOXIC[i], 1, 0};
        ex[2 * i + 1] = (tox_example){SEP_BENIGN[i], 0, 0};
    }
    tox_feat_params fp;
    tox_feat_params_default(&fp);
    fp.hash_bits = 16;
    tox_train_opts o;
    tox_train_opts_default(&o);
    o.holdout_pct = holdout_pct;
    return tox_model_train(&fp, &o, ex, 2 * N_SEP, e);
}

TEST(tox_model_learns_a_separable_set) {
    errbuf e;
    tox_model *m = train_separable(0, &e);
    if (!CHECKF(m, "%s", e.msg)) return;
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    CHECK(mt->n_train == 2 * N_SEP && mt->n_train_toxic == N_SEP && mt->n_heldout == 0);
    CHECKF(mt->train_acc == 1.0 && mt->train_auc == 1.0, "train acc %g AUC %g", mt->train_acc, mt->train_auc);
    CHECK(isnan(mt->heldout_acc) && isnan(mt->heldout_auc));
    /* unseen sentences in the same vocabulary */
    const char *t[] = {"such stupid filthy vermin", "such kind and generous friends"};
    double p[2];
    CHECK(tox_model_predict(m, t, 2, p, &e) == 0);
    CHECKF(p[0] > 0.5 && p[1] < 0.5, "p(toxic) %g, p(benign) %g", p[0], p[1]);
    /* deterministic: the same data give the same model, byte for byte */
    tox_model *m2 = train_separable(0, &e);
    if (CHECKF(m2, "%s", e.msg)) CHECK(strcmp(tox_model_checksum(m), tox_model_checksum(m2)) == 0);
    tox_model_free(m2);
    /* a held-out split by hash: some examples held out, metrics defined */
    m2 = train_separable(25, &e);
    if (CHECKF(m2, "%s", e.msg)) {
        const tox_model_metrics *h = tox_model_get_metrics(m2);
        CHECK(h->n_heldout > 0 && h->n_train + h->n_heldout == 2 * N_SEP && !isnan(h->heldout_acc));
        int n_held = 0;
        for (int i = 0; i < N_SEP; i++)
            n_held += tox_is_heldout(SEP_TOXIC[i], 25) + tox_is_heldout(SEP_BENIGN[i], 25);
        CHECK_EQ_INT(n_held, h->n_heldout);
    }
    tox_model_free(m2);
    tox_model_free(m);
    /* one class only: refused */
    tox_example one[2] = {{"a", 1, 0}, {"b", 1, 0}};
    tox_feat_params fp;
    tox_feat_params_default(&fp);
    CHECK(!tox_model_train(&fp, NULL, one, 2, &e) && strstr(e.msg, "needs both toxic and benign"));
}

TEST(tox_model_train_only_examples_are_never_held_out) {
    /* the separable set, held out at 25%, plus extra benign sentences that
     * would otherwise land in the held-out split too */
    tox_example ex[2 * N_SEP + 40];
    int n = 0, n_held_main = 0, n_extra_hashed_out = 0;
    for (int i = 0; i < N_SEP; i++) {
        ex[n++] = (tox_example){SEP_TOXIC[i], 1, 0};
        ex[n++] = (tox_example){SEP_BENIGN[i], 0, 0};
        n_held_main += tox_is_heldout(SEP_TOXIC[i], 25) + tox_is_heldout(SEP_BENIGN[i], 25);
    }
    char extra[40][48];
    for (int i = 0; i < 40; i++) {
        snprintf(extra[i], sizeof extra[i], "the weather on day %d was mild", i);
        n_extra_hashed_out += tox_is_heldout(extra[i], 25);
        ex[n++] = (tox_example){extra[i], 0, 1};
    }
    CHECK(n_extra_hashed_out > 0); /* else this test proves nothing */
    tox_feat_params fp;
    tox_feat_params_default(&fp);
    fp.hash_bits = 16;
    tox_train_opts o;
    tox_train_opts_default(&o);
    o.holdout_pct = 25;
    errbuf e;
    tox_model *m = tox_model_train(&fp, &o, ex, n, &e);
    if (!CHECKF(m, "%s", e.msg)) return;
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    CHECK_EQ_INT(mt->n_heldout, n_held_main);
    CHECK_EQ_INT(mt->n_train_only, 40);
    CHECK_EQ_INT(mt->n_train, n - n_held_main);
    char path[1024];
    snprintf(path, sizeof path, "%s/m.bin", test_tmpdir());
    tox_model *back = NULL;
    if (CHECKF(tox_model_save(m, path, &e) == 0, "%s", e.msg) && CHECKF(back = tox_model_load(path, &e), "%s", e.msg))
        CHECK(tox_model_get_metrics(back)->n_train_only == 40);
    tox_scorer *s = tox_offline_from_model(m, &e);
    if (CHECKF(s, "%s", e.msg)) CHECKF(strstr(tox_scorer_label(s), "; +40 generic benign)"), "%s", tox_scorer_label(s));
    tox_scorer_free(s);
    tox_model_free(back);
}

TEST(tox_dataset_extras_never_displace_toxigen) {
    tox_dataset d = {0};
    errbuf e;
    CHECK(tox_dataset_add(&d, "Alpha beta", 10, 1, 0, &e) == 0);
    CHECK(tox_dataset_add(&d, "gamma", 5, 0, 0, &e) == 0);
    CHECK(tox_dataset_finish(&d, &e) == 0 && d.n == 2 && d.n_train_only == 0);
    CHECK(tox_dataset_add(&d, "GAMMA!", 6, 0, 1, &e) == 0);      /* duplicate of a ToxiGen sentence */
    CHECK(tox_dataset_add(&d, "alpha beta", 10, 0, 1, &e) == 0); /* other label: the extra one goes */
    CHECK(tox_dataset_add(&d, "delta", 5, 0, 1, &e) == 0);
    CHECK(tox_dataset_add(&d, "Delta", 5, 1, 1, &e) == 0);       /* extras disagreeing among themselves */
    CHECK(tox_dataset_add(&d, "epsilon", 7, 0, 1, &e) == 0);
    CHECK(tox_dataset_finish(&d, &e) == 0);
    CHECKF(d.n == 3 && d.n_conflicts == 1 && d.n_train_only == 1 && d.n_toxic == 1, "n %d conflicts %d extra %d",
           d.n, d.n_conflicts, d.n_train_only);
    if (d.n == 3) {
        CHECK(strcmp(d.ex[0].text, "Alpha beta") == 0 && d.ex[0].label == 1 && d.ex[0].train_only == 0);
        CHECK(strcmp(d.ex[1].text, "epsilon") == 0 && d.ex[1].train_only == 1);
        CHECK(strcmp(d.ex[2].text, "gamma") == 0 && d.ex[2].train_only == 0);
    }
    tox_dataset_deinit(&d);
}

TEST(tox_heldout_split_follows_the_normalised_text) {
    int n_held = 0;
    char buf[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "sentence number %d", i);
        n_held += tox_is_heldout(buf, 10);
        char upper[64];
        snprintf(upper, sizeof upper, "SENTENCE  number %d!", i);
        CHECK(tox_is_heldout(buf, 10) == tox_is_heldout(upper, 10));
    }
    CHECKF(n_held > 60 && n_held < 140, "%d of 1000 held out at 10%%", n_held);
    CHECK(tox_is_heldout("anything", 0) == 0);
}

static unsigned char *model_bytes(const char *path, size_t *n) {
    errbuf e;
    unsigned char *b = (unsigned char *)file_read_all(path, 1u << 26, n, &e);
    CHECKF(b, "%s", e.msg);
    return b;
}

/* Recomputes the trailer so a test reaches the checks after the checksum. */
static void reseal(unsigned char *b, size_t n) {
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, b, n - TOX_MODEL_TRAILER_BYTES);
    sha256_final(&c, b + n - TOX_MODEL_TRAILER_BYTES);
}

static void expect_bad(const unsigned char *b, size_t n, const char *what, const char *want) {
    errbuf e;
    tox_model *m = tox_model_parse(b, n, "m.bin", &e);
    CHECKF(!m && strstr(e.msg, "m.bin: ") && strstr(e.msg, want), "%s: got '%s', expected '%s'", what,
           m ? "(loaded)" : e.msg, want);
    tox_model_free(m);
}

TEST(tox_model_file_round_trip_and_corruption) {
    errbuf e;
    tox_model *m = train_separable(25, &e);
    if (!CHECKF(m, "%s", e.msg)) return;
    char path[1024];
    snprintf(path, sizeof path, "%s/m.bin", test_tmpdir());
    if (!CHECKF(tox_model_save(m, path, &e) == 0, "%s", e.msg)) goto end;
    tox_model *back = tox_model_load(path, &e);
    if (!CHECKF(back, "%s", e.msg)) goto end;
    CHECK(strcmp(tox_model_checksum(m), tox_model_checksum(back)) == 0);
    CHECK(strcmp(tox_model_data_sha256(m), tox_model_data_sha256(back)) == 0);
    CHECK(memcmp(tox_model_get_metrics(m), tox_model_get_metrics(back), sizeof(tox_model_metrics)) == 0 ||
          (tox_model_get_metrics(m)->heldout_acc == tox_model_get_metrics(back)->heldout_acc &&
           tox_model_get_metrics(m)->n_heldout == tox_model_get_metrics(back)->n_heldout));
    CHECK(memcmp(tox_model_get_feat_params(m), tox_model_get_feat_params(back), sizeof(tox_feat_params)) == 0);
    CHECK(tox_model_bias(m) == tox_model_bias(back));
    const char *t[] = {"filthy stupid zorbs", "kind glims", "unrelated words entirely"};
    double p1[3], p2[3];
    CHECK(tox_model_predict(m, t, 3, p1, &e) == 0 && tox_model_predict(back, t, 3, p2, &e) == 0);
    for (int i = 0; i < 3; i++) CHECKF(p1[i] == p2[i], "text %d: %g before saving, %g after", i, p1[i], p2[i]);
    tox_model_free(back);

    size_t n;
    unsigned char *b = model_bytes(path, &n);
    if (!b) goto end;
    CHECK_EQ_INT(n, 204 + 4 * (1 << 16));
    unsigned char *c = malloc(n + 1);
    memcpy(c, b, n);
    c[0] = 'X';
    expect_bad(c, n, "magic", "not a griffin toxicity model");
    expect_bad(b, 0, "empty", "truncated: 0 bytes");
    expect_bad(b, 100, "header cut", "truncated: 100 bytes");
    expect_bad(b, n - 1000, "weights cut", "truncated");
    memcpy(c, b, n);
    c[n] = 0;
    expect_bad(c, n + 1, "padded", "trailing bytes");
    memcpy(c, b, n);
    c[TOX_MODEL_HEADER_BYTES + 4 * 77] ^= 0x10;
    expect_bad(c, n, "flipped weight bit", "checksum mismatch");
    memcpy(c, b, n);
    c[8] = 2;
    reseal(c, n);
    expect_bad(c, n, "version", "format version 2");
    memcpy(c, b, n);
    c[12] = 40;
    reseal(c, n);
    expect_bad(c, n, "hash_bits", "hash_bits 40");
    memcpy(c, b, n);
    c[20] = 5; /* char_ngram_min 5 > max 5? no: 5..5 is valid; make min > max */
    c[24] = 4;
    reseal(c, n);
    expect_bad(c, n, "n-gram range", "character n-gram range [5, 4]");
    memcpy(c, b, n);
    const float nan_w = NAN;
    memcpy(c + TOX_MODEL_HEADER_BYTES + 4 * 9, &nan_w, 4);
    reseal(c, n);
    expect_bad(c, n, "NaN weight", "weight 9 is not finite");
    memcpy(c, b, n);
    const double acc = 1.5;
    memcpy(c + 56, &acc, 8);
    reseal(c, n);
    expect_bad(c, n, "accuracy 1.5", "metrics out of range");
    memcpy(c, b, n);
    c[108] = 'Z';
    reseal(c, n);
    expect_bad(c, n, "data sha", "training data SHA-256");
    free(c);
    free(b);
    /* a file that is not there */
    CHECK(!tox_model_load("/nonexistent/m.bin", &e) && strstr(e.msg, "/nonexistent/m.bin"));
end:
    tox_model_free(m);
}

TEST(tox_offline_scorer_wraps_the_model) {
    errbuf e;
    tox_model *m = train_separable(0, &e);
    if (!CHECKF(m, "%s", e.msg)) return;
    char checksum[65];
    snprintf(checksum, sizeof checksum, "%s", tox_model_checksum(m));
    tox_scorer *s = tox_offline_from_model(m, &e);
    if (!CHECKF(s, "%s", e.msg)) return;
    CHECKF(strcmp(tox_scorer_label(s), "offline-logreg-v1 (held-out acc n/a, AUC n/a)") == 0, "%s",
           tox_scorer_label(s));
    char want_id[64];
    snprintf(want_id, sizeof want_id, "offline-logreg-v1@%.12s", checksum);
    CHECKF(strcmp(tox_scorer_id(s), want_id) == 0, "%s", tox_scorer_id(s));
    const char *t[] = {"stupid filthy vermin", "kind generous friends"};
    tox_result r[2];
    double p[2];
    CHECK(tox_score(s, t, 2, r, &e) == 0);
    CHECK(tox_model_predict(tox_offline_model(s), t, 2, p, &e) == 0);
    CHECK(r[0].status == TOX_OK && r[0].toxicity == p[0] && r[1].toxicity == p[1] && p[0] > 0.5 && p[1] < 0.5);
    tox_scorer_free(s);
    char path[512];
    setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
    CHECK(tox_offline_default_path(path, sizeof path, &e) == 0 &&
          strcmp(path, "/tmp/xdg-test/griffin/toxicity-offline.bin") == 0);
    unsetenv("XDG_CACHE_HOME");
}

TEST(tox_offline_trains_on_real_toxigen) {
    const char *shared = test_shared_dir();
    if (!shared) SKIP("../shared not present");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/datasets/toxigen", shared);
    struct stat st;
    if (stat(dir, &st) != 0) SKIP("%s not present", dir);
    errbuf e;
    tox_dataset d;
    uint64_t t0 = clock_now_ns();
    if (!CHECKF(tox_toxigen_load(dir, &d, &e) == 0, "%s", e.msg)) return;
    /* MANIFEST.md: 31 prompt files of 1000 lines, 30 demonstration files of
     * 627 lines in all */
    CHECK(d.n_files == 61 && d.n_lines == 31627);
    CHECKF(d.n > 600 && d.n_toxic > 300 && d.n - d.n_toxic > 250, "%d sentences, %d toxic", d.n, d.n_toxic);
    tox_feat_params fp;
    tox_feat_params_default(&fp);
    tox_model *m = tox_model_train(&fp, NULL, d.ex, d.n, &e);
    double took_s = (double)(clock_now_ns() - t0) * 1e-9;
    if (CHECKF(m, "%s", e.msg)) {
        const tox_model_metrics *mt = tox_model_get_metrics(m);
        CHECKF(mt->heldout_acc > TOXIGEN_MIN_HELDOUT_ACC && mt->heldout_auc > TOXIGEN_MIN_HELDOUT_AUC,
               "held-out accuracy %.3f, AUC %.3f (%d held out)", mt->heldout_acc, mt->heldout_auc, mt->n_heldout);
        CHECK(mt->n_heldout > 40 && mt->n_heldout_toxic > 0 && mt->n_heldout_toxic < mt->n_heldout);
        CHECKF(took_s < TOXIGEN_MAX_TRAIN_S, "loading and training took %.1f s", took_s);
    }
    tox_model_free(m);
    tox_dataset_deinit(&d);
}
