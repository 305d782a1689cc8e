/* tests/test_tox_perspective.c: the Perspective API client against the
 * loopback server in tests/test_tox_server.c: scores, the request's shape,
 * retries and backoff, Retry-After, exhausted retries, malformed replies,
 * timeouts, refused connections, the rate limit, the cache, and the key
 * never appearing in a message. Nothing leaves 127.0.0.1. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "tasks/tox_cache.h"
#include "tasks/tox_perspective.h"
#include "tests/test.h"
#include "tests/test_tox_server.h"

#define KEY_ENV "GRIFFIN_TEST_PERSPECTIVE_KEY" /* never the real variable */
/* Characters that URL escaping changes, so both forms are checked. */
#define TEST_KEY "sk-SECRET/k+y=9"
#define TEST_KEY_ESCAPED "sk-SECRET%2Fk%2By%3D9"
#define SCORE_TOL 1e-6        /* the server prints six decimals */
#define FAST_QPS 1000.0       /* no rate-limit waits unless a test wants them */
#define TIMING_SLACK 0.8      /* measured gaps may start late, never early; allow for the clock */

typedef struct fixture {
    srv s;
    tox_scorer *sc;
    char url[128];
} fixture;

static void opts_for(tox_perspective_opts *o, const fixture *f) {
    tox_perspective_opts_default(o);
    o->base_url = f->url;
    o->key_env = KEY_ENV;
    o->qps = FAST_QPS;
    o->backoff_initial_s = 0.01;
    o->backoff_max_s = 1;
    o->timeout_s = 5;
}

/* Starts the server; the scorer is made by the test (options differ). */
static int fixture_start(fixture *f, const srv_reply *script, int n) {
    memset(f, 0, sizeof *f);
    char why[256];
    setenv(KEY_ENV, TEST_KEY, 1);
    if (srv_start(&f->s, script, n, why, sizeof why) != 0) {
        test_fail_at(__FILE__, __LINE__, "loopback server: %s", why);
        return -1;
    }
    srv_base_url(&f->s, f->url, sizeof f->url);
    return 0;
}

static void fixture_end(fixture *f) {
    tox_scorer_free(f->sc);
    srv_free(&f->s);
    unsetenv(KEY_ENV);
}

static tox_scorer *make(const tox_perspective_opts *o) {
    errbuf e;
    tox_scorer *s = tox_perspective_create(o, &e);
    CHECKF(s, "%s", e.msg);
    return s;
}

static int no_key_in(const char *msg) { return !strstr(msg, TEST_KEY) && !strstr(msg, TEST_KEY_ESCAPED) && !strstr(msg, "SECRET"); }

TEST(tox_perspective_scores_and_request_shape) {
    fixture f;
    if (fixture_start(&f, NULL, 0) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.n_attributes = 1;
    o.attributes[0] = "INSULT";
    f.sc = make(&o);
    if (!f.sc) goto end;
    CHECK(strcmp(tox_scorer_id(f.sc), "perspective:TOXICITY,INSULT") == 0);
    const char *texts[] = {"score=0.83 you are awful", "score=0.1 he said \"hi\"\n\ttabs \xc3\xa9t\xc3\xa9", "hello"};
    tox_result r[3];
    errbuf e;
    if (!CHECKF(tox_score(f.sc, texts, 3, r, &e) == 0, "%s", e.msg)) goto end;
    const double want[3] = {0.83, 0.1, SRV_DEFAULT_SCORE};
    for (int i = 0; i < 3; i++) {
        CHECKF(r[i].status == TOX_OK, "text %d: %s", i, r[i].why);
        CHECK_NEAR(r[i].toxicity, want[i], SCORE_TOL);
        double ins = -1;
        CHECK(tox_result_attr(&r[i], "INSULT", &ins) == 0);
        CHECK_NEAR(ins, want[i], SCORE_TOL);
    }
    srv_stop(&f.s);
    CHECK_EQ_INT(f.s.n_requests, 3);
    for (int i = 0; i < f.s.n_requests; i++) {
        CHECKF(strcmp(f.s.target[i], "/v1alpha1/comments:analyze?key=" TEST_KEY_ESCAPED) == 0, "target %s",
               f.s.target[i]);
        CHECKF(!f.s.bad_shape[i], "request %d does not have the API's shape: %s", i, f.s.body[i]);
        cJSON *b = cJSON_Parse(f.s.body[i]);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "comment"), "text");
        CHECKF(cJSON_IsString(t) && strcmp(t->valuestring, texts[i]) == 0, "request %d text: %s", i, f.s.body[i]);
        const cJSON *ra = cJSON_GetObjectItemCaseSensitive(b, "requestedAttributes");
        CHECK(cJSON_GetObjectItemCaseSensitive(ra, "INSULT") && cJSON_GetArraySize(ra) == 2);
        cJSON_Delete(b);
    }
end:
    fixture_end(&f);
}

TEST(tox_perspective_429_then_success_backs_off) {
    const srv_reply script[] = {
        {429, NULL, "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded\"}}", 0},
        {429, NULL, "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded\"}}", 0},
        {200, NULL, NULL, 0},
    };
    fixture f;
    if (fixture_start(&f, script, 3) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.backoff_initial_s = 0.1; /* then 0.2 */
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"score=0.4 text"};
    tox_result r;
    errbuf e;
    CHECKF(tox_score(f.sc, texts, 1, &r, &e) == 0, "%s", e.msg);
    CHECKF(r.status == TOX_OK, "%s", r.why);
    CHECK_NEAR(r.toxicity, 0.4, SCORE_TOL);
    srv_stop(&f.s);
    if (!CHECK_EQ_INT(f.s.n_requests, 3)) goto end;
    double gap1 = (f.s.at_ms[1] - f.s.at_ms[0]) * 1e-3, gap2 = (f.s.at_ms[2] - f.s.at_ms[1]) * 1e-3;
    CHECKF(gap1 >= 0.1 * TIMING_SLACK, "first backoff %.3f s, expected >= 0.1 s", gap1);
    CHECKF(gap2 >= 0.2 * TIMING_SLACK, "second backoff %.3f s, expected >= 0.2 s (doubled)", gap2);
    tox_perspective_stats st;
    CHECK(tox_perspective_get_stats(f.sc, &st) == 0 && st.n_requests == 3 && st.n_retries == 2);
end:
    fixture_end(&f);
}

TEST(tox_perspective_honours_retry_after) {
    const srv_reply script[] = {
        {429, "Retry-After: 1\r\n", "{\"error\": {\"code\": 429, \"message\": \"slow down\"}}", 0},
        {200, NULL, NULL, 0},
    };
    fixture f;
    if (fixture_start(&f, script, 2) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f); /* backoff alone would wait 0.01 s */
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"score=0.7"};
    tox_result r;
    errbuf e;
    CHECKF(tox_score(f.sc, texts, 1, &r, &e) == 0, "%s", e.msg);
    CHECKF(r.status == TOX_OK && fabs(r.toxicity - 0.7) < SCORE_TOL, "%s", r.why);
    srv_stop(&f.s);
    if (!CHECK_EQ_INT(f.s.n_requests, 2)) goto end;
    double gap = (f.s.at_ms[1] - f.s.at_ms[0]) * 1e-3;
    CHECKF(gap >= 1.0 * TIMING_SLACK, "waited %.3f s after Retry-After: 1", gap);
end:
    fixture_end(&f);
}

TEST(tox_perspective_5xx_exhausts_retries_then_missing) {
    const srv_reply script[] = {
        {500, NULL, "{\"error\": {\"code\": 500, \"message\": \"Internal error\"}}", 0},
        {503, NULL, "{\"error\": {\"code\": 503, \"message\": \"The service is currently unavailable.\"}}", 0},
        {502, NULL, "<html>Bad Gateway</html>", 0},
        /* the second text then succeeds */
    };
    fixture f;
    if (fixture_start(&f, script, 3) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.max_attempts = 3;
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"first", "score=0.9 second"};
    tox_result r[2];
    errbuf e;
    tox_score_opts so = {0};
    tox_score_stats st;
    CHECKF(tox_score_cached(f.sc, texts, 2, &so, r, &st, &e) == 0, "%s", e.msg);
    CHECK(r[0].status == TOX_MISSING);
    CHECKF(strstr(r[0].why, "gave up after 3 attempts") && strstr(r[0].why, "HTTP 502") &&
               strstr(r[0].why, "Bad Gateway"),
           "why: %s", r[0].why);
    CHECKF(r[1].status == TOX_OK && fabs(r[1].toxicity - 0.9) < SCORE_TOL, "%s", r[1].why);
    CHECK(st.n_missing == 1 && st.n_scored == 1);
    CHECK_EQ_INT(srv_n_requests(&f.s), 4);
end:
    fixture_end(&f);
}

TEST(tox_perspective_compat_scores_failures_as_zero) {
    const srv_reply script[] = {
        {500, NULL, "{}", 0},
        {500, NULL, "{}", 0},
    };
    fixture f;
    if (fixture_start(&f, script, 2) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.max_attempts = 2;
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"score=0.8"};
    tox_result r;
    errbuf e;
    tox_score_opts so = {.missing_as_zero = 1};
    CHECKF(tox_score_cached(f.sc, texts, 1, &so, &r, NULL, &e) == 0, "%s", e.msg);
    CHECK(r.status == TOX_ZEROED && r.toxicity == 0 && strstr(r.why, "gave up after 2 attempts"));
end:
    fixture_end(&f);
}

TEST(tox_perspective_malformed_replies_name_the_problem) {
    const srv_reply script[] = {
        {200, NULL, "{\"attributeScores\": {\"TOXICITY\": ", 0},
        {200, NULL, "[0.5]", 0},
        {200, NULL, "{\"languages\": [\"en\"]}", 0},
        {200, NULL, "{\"attributeScores\": {\"INSULT\": {}}}", 0},
        {200, NULL, "{\"attributeScores\": {\"TOXICITY\": {\"summaryScore\": []}}}", 0},
        {200, NULL, "{\"attributeScores\": {\"TOXICITY\": {\"summaryScore\": {\"type\": \"PROBABILITY\"}}}}", 0},
        {200, NULL, "{\"attributeScores\": {\"TOXICITY\": {\"summaryScore\": {\"value\": \"high\"}}}}", 0},
        {200, NULL, "{\"attributeScores\": {\"TOXICITY\": {\"summaryScore\": {\"value\": 1.7}}}}", 0},
    };
    const char *want[] = {
        "not valid JSON",
        "not a JSON object",
        "attributeScores is missing",
        "attributeScores.TOXICITY is missing",
        "attributeScores.TOXICITY.summaryScore is an array, expected an object",
        "attributeScores.TOXICITY.summaryScore.value is missing",
        "attributeScores.TOXICITY.summaryScore.value is a string, expected a number in [0, 1]",
        "attributeScores.TOXICITY.summaryScore.value is 1.7, expected a number in [0, 1]",
    };
    enum { N = sizeof script / sizeof script[0] };
    fixture f;
    if (fixture_start(&f, script, N) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[N];
    for (int i = 0; i < N; i++) texts[i] = "text";
    tox_result r[N];
    errbuf e;
    CHECKF(tox_score(f.sc, texts, N, r, &e) == 0, "%s", e.msg);
    for (int i = 0; i < N; i++)
        CHECKF(r[i].status == TOX_MISSING && strstr(r[i].why, "malformed reply") && strstr(r[i].why, want[i]),
               "reply %d: why '%s', expected '%s'", i, r[i].why, want[i]);
    CHECK_EQ_INT(srv_n_requests(&f.s), N); /* a malformed reply is not retried */
end:
    fixture_end(&f);
}

TEST(tox_perspective_slow_server_times_out) {
    const srv_reply script[] = {
        {200, NULL, NULL, 3000},
        {200, NULL, NULL, 3000},
    };
    fixture f;
    if (fixture_start(&f, script, 2) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.timeout_s = 0.3;
    o.max_attempts = 2;
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"score=0.5"};
    tox_result r;
    errbuf e;
    uint64_t t0 = clock_now_ns();
    CHECKF(tox_score(f.sc, texts, 1, &r, &e) == 0, "%s", e.msg);
    double took_s = (double)(clock_now_ns() - t0) * 1e-9;
    CHECKF(r.status == TOX_MISSING && strstr(r.why, "gave up after 2 attempts: timed out"), "why: %s", r.why);
    CHECKF(took_s < 2.0, "took %.2f s with a 0.3 s timeout and 2 attempts", took_s);
end:
    fixture_end(&f);
}

TEST(tox_perspective_refused_connection_is_a_network_error) {
    fixture f;
    if (fixture_start(&f, NULL, 0) != 0) return;
    srv_free(&f.s); /* the port is now closed: connections are refused */
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.max_attempts = 2;
    f.sc = make(&o);
    if (f.sc) {
        const char *texts[] = {"x"};
        tox_result r;
        errbuf e;
        CHECKF(tox_score(f.sc, texts, 1, &r, &e) == 0, "%s", e.msg);
        CHECKF(r.status == TOX_MISSING && strstr(r.why, "network error"), "why: %s", r.why);
        tox_perspective_stats st;
        CHECK(tox_perspective_get_stats(f.sc, &st) == 0 && st.n_requests == 2);
    }
    tox_scorer_free(f.sc);
    unsetenv(KEY_ENV);
}

TEST(tox_perspective_rate_limit_spaces_requests) {
    fixture f;
    if (fixture_start(&f, NULL, 0) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.qps = 20; /* 50 ms apart */
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"a", "b", "c", "d"};
    tox_result r[4];
    errbuf e;
    CHECKF(tox_score(f.sc, texts, 4, r, &e) == 0, "%s", e.msg);
    srv_stop(&f.s);
    if (!CHECK_EQ_INT(f.s.n_requests, 4)) goto end;
    for (int i = 1; i < 4; i++) {
        double gap_s = (f.s.at_ms[i] - f.s.at_ms[i - 1]) * 1e-3;
        CHECKF(gap_s >= 0.05 * TIMING_SLACK, "requests %d and %d %.3f s apart at 20 qps", i - 1, i, gap_s);
    }
end:
    fixture_end(&f);
}

TEST(tox_perspective_cache_hits_make_no_requests) {
    const srv_reply script[] = {
        {200, NULL, NULL, 0},
        {500, NULL, "{}", 0}, /* the second text fails: not cached, retried next run */
        {200, NULL, NULL, 0},
    };
    fixture f;
    if (fixture_start(&f, script, 3) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.max_attempts = 1;
    f.sc = make(&o);
    errbuf e;
    tox_memcache *mc = tox_memcache_create(&e);
    if (!f.sc || !CHECK(mc)) goto end;
    tox_cache c = tox_memcache_cache(mc);
    tox_score_opts so = {.cache = &c};
    const char *texts[] = {"score=0.25 one", "score=0.5 two", "score=0.75 three"};
    tox_result r[3];
    tox_score_stats st;
    CHECKF(tox_score_cached(f.sc, texts, 3, &so, r, &st, &e) == 0, "%s", e.msg);
    CHECK(st.n_cached == 0 && st.n_scored == 2 && st.n_missing == 1 && r[1].status == TOX_MISSING);
    CHECK_EQ_INT(tox_memcache_count(mc), 2);
    CHECK_EQ_INT(srv_n_requests(&f.s), 3);
    /* second run: two from the cache, only the failed text is sent */
    CHECKF(tox_score_cached(f.sc, texts, 3, &so, r, &st, &e) == 0, "%s", e.msg);
    CHECK(st.n_cached == 2 && st.n_scored == 1 && st.n_missing == 0);
    CHECK(r[0].from_cache && r[2].from_cache && !r[1].from_cache);
    CHECK_NEAR(r[0].toxicity, 0.25, SCORE_TOL);
    CHECK_NEAR(r[1].toxicity, 0.5, SCORE_TOL);
    CHECK_NEAR(r[2].toxicity, 0.75, SCORE_TOL);
    CHECK_EQ_INT(srv_n_requests(&f.s), 4);
    /* third run: everything cached, nothing sent */
    CHECKF(tox_score_cached(f.sc, texts, 3, &so, r, &st, &e) == 0, "%s", e.msg);
    CHECK(st.n_cached == 3 && st.n_scored == 0);
    CHECK_EQ_INT(srv_n_requests(&f.s), 4);
end:
    tox_memcache_free(mc);
    fixture_end(&f);
}

TEST(tox_perspective_bad_key_stops_the_batch) {
    const srv_reply script[] = {
        {403, NULL, "{\"error\": {\"code\": 403, \"message\": \"Permission denied\"}}", 0},
    };
    fixture f;
    if (fixture_start(&f, script, 1) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"a", "b", "c"};
    tox_result r[3];
    errbuf e;
    CHECK(tox_score(f.sc, texts, 3, r, &e) == -1);
    CHECKF(strstr(e.msg, "HTTP 403") && strstr(e.msg, "Permission denied") && strstr(e.msg, KEY_ENV) &&
               strstr(e.msg, "/v1alpha1/comments:analyze"),
           "%s", e.msg);
    CHECK(r[0].status == TOX_MISSING && r[1].status == TOX_MISSING && strstr(r[2].why, "not sent"));
    CHECK_EQ_INT(srv_n_requests(&f.s), 1);
end:
    fixture_end(&f);
}

TEST(tox_perspective_key_never_in_messages) {
    /* A server that echoes the key, raw and escaped, as Google's own error
     * replies quote the request; each message must come back scrubbed. */
    const srv_reply script[] = {
        {400, NULL, "{\"error\": {\"code\": 400, \"message\": \"API key not valid: " TEST_KEY "\"}}", 0},
        {400, NULL, "no JSON, just the URL: /v1alpha1/comments:analyze?key=" TEST_KEY_ESCAPED, 0},
        {200, NULL, "{\"key\": \"" TEST_KEY "\", \"attributeScores\": 3}", 0},
        {200, NULL, "not json " TEST_KEY_ESCAPED " " TEST_KEY, 0},
        {503, NULL, "{\"error\": {\"message\": \"overloaded, key=" TEST_KEY "\"}}", 0},
        /* the key straddles the end of the 80-byte excerpt a message quotes */
        {200, NULL, "0123456789012345678901234567890123456789012345678901234567890123456789012 " TEST_KEY, 0},
        {403, NULL, "{\"error\": {\"code\": 403, \"message\": \"key " TEST_KEY " (" TEST_KEY_ESCAPED ") is "
                    "blocked\"}}", 0},
    };
    enum { N = sizeof script / sizeof script[0] };
    fixture f;
    if (fixture_start(&f, script, N) != 0) return;
    tox_perspective_opts o;
    opts_for(&o, &f);
    o.max_attempts = 1;
    f.sc = make(&o);
    if (!f.sc) goto end;
    CHECK(no_key_in(tox_scorer_id(f.sc)) && no_key_in(tox_scorer_label(f.sc)));
    const char *texts[N];
    for (int i = 0; i < N; i++) texts[i] = "text";
    tox_result r[N];
    errbuf e;
    CHECK(tox_score(f.sc, texts, N, r, &e) == -1); /* the 403 stops it */
    for (int i = 0; i < N; i++) {
        CHECKF(r[i].status == TOX_MISSING, "text %d", i);
        CHECKF(no_key_in(r[i].why), "text %d: the key leaked into: %s", i, r[i].why);
    }
    CHECKF(no_key_in(e.msg), "the key leaked into: %s", e.msg);
    CHECKF(strstr(r[0].why, "API key not valid: <redacted>"), "%s", r[0].why);
    /* it was sent, in the query string only */
    srv_stop(&f.s);
    CHECK(f.s.n_requests == N && strstr(f.s.target[0], "key=" TEST_KEY_ESCAPED) && no_key_in(f.s.body[0]));
end:
    fixture_end(&f);
}

TEST(tox_perspective_key_inside_the_redaction_marker) {
    /* "redact" occurs in "<redacted>": scrubbing must still end, and leave
     * no bare copy behind */
    const srv_reply script[] = {{400, NULL, "{\"error\": {\"message\": \"bad key redact, redact!\"}}", 0}};
    fixture f;
    if (fixture_start(&f, script, 1) != 0) return;
    setenv(KEY_ENV, "redact", 1);
    tox_perspective_opts o;
    opts_for(&o, &f);
    f.sc = make(&o);
    if (!f.sc) goto end;
    const char *texts[] = {"x"};
    tox_result r;
    errbuf e;
    CHECKF(tox_score(f.sc, texts, 1, &r, &e) == 0, "%s", e.msg);
    CHECKF(strstr(r.why, "bad key <redacted>, <redacted>!"), "%s", r.why);
end:
    fixture_end(&f);
}

TEST(tox_perspective_needs_a_key) {
    unsetenv(KEY_ENV);
    tox_perspective_opts o;
    tox_perspective_opts_default(&o);
    o.key_env = KEY_ENV;
    errbuf e;
    tox_scorer *s = tox_perspective_create(&o, &e);
    CHECK(!s && strstr(e.msg, KEY_ENV " is not set"));
    tox_scorer_free(s);
    setenv(KEY_ENV, "k", 1);
    o.qps = 0;
    s = tox_perspective_create(&o, &e);
    CHECKF(!s && strstr(e.msg, "qps 0"), "%s", e.msg);
    tox_perspective_opts_default(&o);
    o.key_env = KEY_ENV;
    o.n_attributes = 1;
    o.attributes[0] = "insult";
    s = tox_perspective_create(&o, &e);
    CHECKF(!s && strstr(e.msg, "attribute \"insult\""), "%s", e.msg);
    unsetenv(KEY_ENV);
}
