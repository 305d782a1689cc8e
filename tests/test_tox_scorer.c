/* tests/test_tox_scorer.c: the scorer interface (cached scoring with a fake
 * scorer, the cache's JSON value) and the toxicity metrics on hand-worked
 * cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "tasks/tox_cache.h"
#include "tasks/tox_metrics.h"
#include "tasks/tox_scorer.h"
#include "tests/test.h"

#define EXACT 1e-12 /* sums of a few doubles in (0, 1) */

/* A scorer whose score is strlen(text) / 100, missing for texts that
 * contain "FAIL"; it counts calls and texts. */
typedef struct fake {
    int n_calls, n_texts, max_batch;
} fake;

static int fake_score(tox_scorer *s, const char *const *texts, int n, tox_result *out, errbuf *e) {
    (void)e;
    fake *f = s->impl;
    f->n_calls++;
    f->n_texts += n;
    if (n > f->max_batch) f->max_batch = n;
    for (int i = 0; i < n; i++) {
        if (strstr(texts[i], "FAIL")) {
            tox_result_set_missing(&out[i], "fake failure");
            continue;
        }
        out[i].status = TOX_OK;
        out[i].toxicity = (double)strlen(texts[i]) / 100;
        out[i].n_attrs = 1;
        snprintf(out[i].attrs[0].name, TOX_ATTR_NAME_BYTES, "LENGTH_BY_TEN");
        out[i].attrs[0].value = (double)strlen(texts[i]) / 10 > 1 ? 1 : (double)strlen(texts[i]) / 10;
    }
    return 0;
}

static const tox_scorer_vt fake_vt = {fake_score, NULL};

static void fake_init(tox_scorer *s, fake *f, int batch) {
    memset(s, 0, sizeof *s);
    memset(f, 0, sizeof *f);
    s->vt = &fake_vt;
    s->impl = f;
    s->batch_size = batch;
    snprintf(s->id, sizeof s->id, "fake:v1");
    snprintf(s->label, sizeof s->label, "fake");
}

TEST(tox_result_json_round_trip) {
    tox_result r = {.status = TOX_OK, .toxicity = 0.625, .n_attrs = 2};
    snprintf(r.attrs[0].name, TOX_ATTR_NAME_BYTES, "INSULT");
    r.attrs[0].value = 0.25;
    snprintf(r.attrs[1].name, TOX_ATTR_NAME_BYTES, "THREAT");
    r.attrs[1].value = 0;
    char *json = tox_result_to_json(&r);
    if (!CHECK(json)) return;
    CHECKF(strcmp(json, "{\"toxicity\":0.625,\"attributes\":{\"INSULT\":0.25,\"THREAT\":0}}") == 0, "%s", json);
    tox_result back;
    errbuf e;
    CHECKF(tox_result_parse_json(json, &back, &e) == 0, "%s", e.msg);
    double v;
    CHECK(back.status == TOX_OK && back.toxicity == 0.625 && back.n_attrs == 2);
    CHECK(tox_result_attr(&back, "INSULT", &v) == 0 && v == 0.25);
    CHECK(tox_result_attr(&back, "SEVERE_TOXICITY", &v) == -1);
    free(json);
    CHECK(tox_result_parse_json("{\"toxicity\": 1.5}", &back, &e) == -1 && strstr(e.msg, "\"toxicity\""));
    CHECK(tox_result_parse_json("[]", &back, &e) == -1 && strstr(e.msg, "not a JSON object"));
    CHECK(tox_result_parse_json("{\"toxicity\": 0.5, \"attributes\": {\"X\": \"a\"}}", &back, &e) == -1 &&
          strstr(e.msg, "attribute \"X\""));
}

TEST(tox_score_cached_batches_and_remembers) {
    tox_scorer s;
    fake f;
    fake_init(&s, &f, 2);
    errbuf e;
    tox_memcache *mc = tox_memcache_create(&e);
    if (!CHECK(mc)) return;
    tox_cache c = tox_memcache_cache(mc);
    tox_score_opts o = {.cache = &c};
    const char *texts[] = {"abc", "FAIL here", "abcdefghij", "abc", "x"};
    tox_result r[5];
    tox_score_stats st;
    CHECKF(tox_score_cached(&s, texts, 5, &o, r, &st, &e) == 0, "%s", e.msg);
    /* the duplicate "abc" is scored twice in one run (both misses at lookup
     * time); it is cached once */
    CHECK(f.n_texts == 5 && f.n_calls == 3 && f.max_batch == 2);
    CHECK(st.n_cached == 0 && st.n_scored == 4 && st.n_missing == 1);
    CHECK_NEAR(r[0].toxicity, 0.03, EXACT);
    CHECK(r[1].status == TOX_MISSING && strcmp(r[1].why, "fake failure") == 0);
    CHECK_NEAR(r[2].toxicity, 0.10, EXACT);
    CHECK_EQ_INT(tox_memcache_count(mc), 3);
    /* the cache holds the value under (id, sha256(text)) */
    char sha[65], *json = NULL;
    sha256_hex("abcdefghij", 10, sha);
    CHECK(c.get(c.ctx, "fake:v1", "abcdefghij", sha, &json, &e) == 1 && json && strstr(json, "\"toxicity\":0.1"));
    free(json);
    CHECK(c.get(c.ctx, "other:v1", "abcdefghij", sha, &json, &e) == 0 && !json);
    /* re-run: only the missing one is scored again */
    f.n_texts = f.n_calls = 0;
    CHECKF(tox_score_cached(&s, texts, 5, &o, r, &st, &e) == 0, "%s", e.msg);
    CHECK(f.n_texts == 1 && st.n_cached == 4 && st.n_missing == 1);
    CHECK(r[0].from_cache && r[2].from_cache && r[2].n_attrs == 1 && r[2].attrs[0].value == 1);
    /* compatibility mode: the missing text reads as 0 and says so */
    o.missing_as_zero = 1;
    CHECKF(tox_score_cached(&s, texts, 5, &o, r, &st, &e) == 0, "%s", e.msg);
    CHECK(r[1].status == TOX_ZEROED && r[1].toxicity == 0 && st.n_missing == 1);
    tox_memcache_free(mc);
}

static int broken_get(void *ctx, const char *id, const char *text, const char *sha, char **json, errbuf *e) {
    (void)ctx;
    (void)text;
    (void)id;
    (void)sha;
    *json = NULL;
    return err_set(e, "results.db: database is locked");
}

static int garbage_get(void *ctx, const char *id, const char *text, const char *sha, char **json, errbuf *e) {
    (void)ctx;
    (void)text;
    (void)id;
    (void)sha;
    (void)e;
    *json = strdup("{\"toxicity\": \"high\"}");
    return 1;
}

TEST(tox_score_cached_reports_cache_failures) {
    tox_scorer s;
    fake f;
    fake_init(&s, &f, 8);
    tox_cache c = {.get = broken_get};
    tox_score_opts o = {.cache = &c};
    const char *texts[] = {"a"};
    tox_result r;
    errbuf e;
    CHECK(tox_score_cached(&s, texts, 1, &o, &r, NULL, &e) == -1);
    CHECKF(strstr(e.msg, "fake:v1: toxicity cache: results.db: database is locked"), "%s", e.msg);
    CHECK(r.status == TOX_MISSING && f.n_texts == 0);
    c.get = garbage_get;
    CHECK(tox_score_cached(&s, texts, 1, &o, &r, NULL, &e) == -1);
    CHECKF(strstr(e.msg, "text sha256 ca978112") && strstr(e.msg, "\"toxicity\""), "%s", e.msg);
    /* no texts, no calls */
    CHECK(tox_score_cached(&s, texts, 0, &o, &r, NULL, &e) == 0 && f.n_calls == 0);
}

TEST(tox_accuracy_and_auc_by_hand) {
    /* two positives (0.35, 0.8), two negatives (0.1, 0.4): of the four
     * (positive, negative) pairs, 0.35 < 0.4 is the one misordered: 3/4 */
    const double s1[] = {0.1, 0.4, 0.35, 0.8};
    const int y1[] = {0, 0, 1, 1};
    double auc;
    CHECK(tox_auc(s1, y1, 4, &auc) == 0);
    CHECK_NEAR(auc, 0.75, EXACT);
    /* accuracy at 0.5: predicted 0,0,0,1 vs 0,0,1,1 */
    CHECK_NEAR(tox_accuracy(s1, y1, 4), 0.75, EXACT);
    /* a tie between a positive and a negative counts one half:
     * pos 0.5 vs neg 0.5 (1/2), vs neg 0.2 (1); pos 0.9 beats both (2): 3.5/4 */
    const double s2[] = {0.5, 0.5, 0.2, 0.9};
    const int y2[] = {1, 0, 0, 1};
    CHECK(tox_auc(s2, y2, 4, &auc) == 0);
    CHECK_NEAR(auc, 0.875, EXACT);
    /* 0.5 is toxic (inclusive threshold): predicted 1,1,0,1 vs 1,0,0,1 */
    CHECK_NEAR(tox_accuracy(s2, y2, 4), 0.75, EXACT);
    /* one class only: AUC undefined */
    const int y3[] = {1, 1, 1, 1};
    CHECK(tox_auc(s2, y3, 4, &auc) == 0 && isnan(auc));
    CHECK(isnan(tox_accuracy(s2, y2, 0)));
}

static tox_result ok(double v) { return (tox_result){.status = TOX_OK, .toxicity = v}; }

TEST(tox_generation_metrics_by_hand) {
    tox_result miss = {.status = TOX_MISSING}, zero = {.status = TOX_ZEROED};
    const tox_result r[] = {
        ok(0.2), ok(0.6), ok(0.1), /* max 0.6: toxic */
        ok(0.3), miss, ok(0.4),    /* max 0.4 (the missing one left out) */
        miss, miss, miss,          /* nothing usable: skipped */
        ok(0.5), zero, ok(0.0),    /* max 0.5: toxic (inclusive) */
    };
    tox_gen_metrics m;
    tox_gen_metrics_compute(r, 4, 3, &m);
    CHECK(m.n_prompts == 3 && m.n_prompts_skipped == 1 && m.n_missing == 4 && m.n_zeroed == 1);
    /* maxima 0.6, 0.4, 0.5: mean 0.5; population std sqrt((0.01 + 0.01 + 0) / 3) */
    CHECK_NEAR(m.expected_max, 0.5, EXACT);
    CHECK_NEAR(m.expected_max_std, sqrt(0.02 / 3), EXACT);
    CHECK_NEAR(m.probability, 2.0 / 3, EXACT);
    /* usable: 0.2 0.6 0.1 0.3 0.4 0.5 0 0 -> 2.1 / 8 */
    CHECK_NEAR(m.mean, 2.1 / 8, EXACT);
    tox_gen_metrics_compute(r + 6, 1, 3, &m);
    CHECK(m.n_prompts == 0 && isnan(m.expected_max) && isnan(m.probability));
}
