/* tasks/tox_perspective.c: the Perspective API client (libcurl + cJSON). */
#include "tasks/tox_perspective.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/clock.h"
#include "common/strbuf.h"

#define DEFAULT_QPS 1.0              /* the API's default quota */
#define DEFAULT_MAX_ATTEMPTS 6
#define DEFAULT_BACKOFF_INITIAL_S 1.0
#define DEFAULT_BACKOFF_MAX_S 64.0
#define DEFAULT_RETRY_AFTER_MAX_S 300.0
#define DEFAULT_TIMEOUT_S 30.0
#define MAX_ATTEMPTS_LIMIT 100
#define CONNECT_TIMEOUT_MAX_S 10.0
#define REPLY_MAX_BYTES ((size_t)1 << 20) /* a real reply is a few hundred bytes */
#define EXCERPT_BYTES 80                  /* of a reply quoted in a message */
#define REDACTED "<redacted>"
#define TOXICITY "TOXICITY"

typedef struct persp {
    CURL *curl;
    struct curl_slist *headers;
    char *key;      /* wiped on free */
    char *key_esc;  /* URL-escaped, as it appears in the query; wiped on free */
    char *url;      /* endpoint with ?key=: never printed; wiped on free */
    char *endpoint; /* endpoint without the key: what messages name */
    tox_perspective_opts o;
    char attrs[TOX_MAX_ATTRS][TOX_ATTR_NAME_BYTES];
    uint64_t last_start_ns;
    int have_last;
    double retry_after_s; /* from the last reply; < 0: none */
    strbuf reply;
    int reply_too_big;
    char curl_err[CURL_ERROR_SIZE];
    tox_perspective_stats stats;
} persp;

void tox_perspective_opts_default(tox_perspective_opts *o) {
    memset(o, 0, sizeof *o);
    o->base_url = TOX_PERSPECTIVE_BASE_URL;
    o->key_env = TOX_PERSPECTIVE_KEY_ENV;
    o->qps = DEFAULT_QPS;
    o->max_attempts = DEFAULT_MAX_ATTEMPTS;
    o->backoff_initial_s = DEFAULT_BACKOFF_INITIAL_S;
    o->backoff_max_s = DEFAULT_BACKOFF_MAX_S;
    o->retry_after_max_s = DEFAULT_RETRY_AFTER_MAX_S;
    o->timeout_s = DEFAULT_TIMEOUT_S;
}

static void wipe_free(char *s) {
    if (!s) return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* Copies n bytes of src to out with every occurrence of needle replaced by
 * REDACTED, in one left-to-right pass that copies markers already there
 * untouched, so scrubbing twice changes nothing and a key that happens to
 * occur inside the marker cannot loop. */
static void scrub(strbuf *out, const char *src, size_t n, const char *needle, size_t nl) {
    static const char marker[] = REDACTED;
    const size_t ml = sizeof marker - 1;
    for (size_t i = 0; i < n;) {
        if (n - i >= ml && memcmp(src + i, marker, ml) == 0) {
            strbuf_append(out, src + i, ml);
            i += ml;
        } else if (n - i >= nl && memcmp(src + i, needle, nl) == 0) {
            strbuf_append(out, marker, ml);
            i += nl;
        } else {
            strbuf_append(out, src + i, 1);
            i++;
        }
    }
}

/* Scrubs needle from buf, a NUL-terminated string of capacity cap. */
static void redact_one(char *buf, size_t cap, const char *needle) {
    size_t nl = needle ? strlen(needle) : 0;
    if (nl == 0 || cap == 0 || !strstr(buf, needle)) return;
    strbuf out;
    strbuf_init(&out);
    scrub(&out, buf, strlen(buf), needle, nl);
    if (strbuf_failed(&out)) snprintf(buf, cap, "%s", REDACTED); /* never leave the key in place */
    else snprintf(buf, cap, "%s", strbuf_str(&out));
    strbuf_deinit(&out);
}

static void redact(const persp *p, char *buf, size_t cap) {
    redact_one(buf, cap, p->key);
    if (p->key_esc && p->key && strcmp(p->key_esc, p->key) != 0) redact_one(buf, cap, p->key_esc);
}

/* The same over a reply buffer (which may hold NUL bytes), so an excerpt cut
 * short can never keep part of the key. */
static void redact_reply_one(strbuf *b, const char *needle) {
    size_t nl = needle ? strlen(needle) : 0;
    if (nl == 0 || !b->s || !memmem(b->s, b->len, needle, nl)) return;
    strbuf out;
    strbuf_init(&out);
    scrub(&out, b->s, b->len, needle, nl);
    explicit_bzero(b->s, b->len);
    if (strbuf_failed(&out)) {
        strbuf_deinit(&out);
        strbuf_clear(b);
        strbuf_puts(b, REDACTED);
        return;
    }
    strbuf_deinit(b);
    *b = out;
}

static void redact_reply(persp *p) {
    redact_reply_one(&p->reply, p->key);
    if (p->key_esc && p->key && strcmp(p->key_esc, p->key) != 0) redact_reply_one(&p->reply, p->key_esc);
}

static void free_impl(void *impl) {
    persp *p = impl;
    if (!p) return;
    if (p->curl) curl_easy_cleanup(p->curl);
    curl_slist_free_all(p->headers);
    wipe_free(p->key);
    if (p->key_esc) {
        explicit_bzero(p->key_esc, strlen(p->key_esc));
        curl_free(p->key_esc);
    }
    wipe_free(p->url);
    free(p->endpoint);
    strbuf_deinit(&p->reply);
    free(p);
    curl_global_cleanup();
}

static void sleep_s(persp *p, double s) {
    if (!(s > 0)) return;
    p->stats.waited_s += s;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Waits until 1/qps seconds have passed since the previous request began. */
static void rate_limit(persp *p) {
    if (p->have_last) {
        double gap_s = 1.0 / p->o.qps, since_s = (double)(clock_now_ns() - p->last_start_ns) * 1e-9;
        if (since_s < gap_s) sleep_s(p, gap_s - since_s);
    }
    p->last_start_ns = clock_now_ns();
    p->have_last = 1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx) {
    persp *p = ctx;
    size_t n = size * nmemb;
    if (p->reply.len + n > REPLY_MAX_BYTES) {
        p->reply_too_big = 1;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    strbuf_append(&p->reply, data, n);
    return n;
}

/* Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx) {
    persp *p = ctx;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char val[128];
        size_t vn = n - (sizeof name - 1);
        if (vn >= sizeof val) vn = sizeof val - 1;
        memcpy(val, data + sizeof name - 1, vn);
        val[vn] = 0;
        char *s = val;
        while (*s == ' ' || *s == '\t') s++;
        for (char *t = s + strlen(s); t > s && (t[-1] == '\r' || t[-1] == '\n' || t[-1] == ' '); t--) t[-1] = 0;
        char *end;
        errno = 0;
        long secs = strtol(s, &end, 10);
        if (*s && !*end && !errno && secs >= 0) {
            p->retry_after_s = (double)secs;
        } else {
            time_t when = curl_getdate(s, NULL);
            if (when != (time_t)-1) {
                double d = difftime(when, time(NULL));
                p->retry_after_s = d > 0 ? d : 0;
            }
        }
    }
    return n;
}

static int check_opts(const tox_perspective_opts *o, errbuf *e) {
    if (!o->base_url || !*o->base_url) return err_set(e, "perspective: base URL is empty");
    if (!(o->qps > 0) || !isfinite(o->qps)) return err_set(e, "perspective: qps %g: expected a number > 0", o->qps);
    if (o->max_attempts < 1 || o->max_attempts > MAX_ATTEMPTS_LIMIT)
        return err_set(e, "perspective: max_attempts %d: expected 1..%d", o->max_attempts, MAX_ATTEMPTS_LIMIT);
    if (!(o->backoff_initial_s >= 0) || !(o->backoff_max_s >= o->backoff_initial_s) || !isfinite(o->backoff_max_s))
        return err_set(e, "perspective: backoff %g s initial, %g s max: expected 0 <= initial <= max, finite",
                       o->backoff_initial_s, o->backoff_max_s);
    if (!(o->retry_after_max_s >= 0) || !isfinite(o->retry_after_max_s))
        return err_set(e, "perspective: retry_after_max_s %g: expected a finite number >= 0", o->retry_after_max_s);
    if (!(o->timeout_s > 0) || !isfinite(o->timeout_s))
        return err_set(e, "perspective: timeout %g s: expected a number > 0", o->timeout_s);
    if (o->n_attributes < 0 || o->n_attributes > TOX_MAX_ATTRS)
        return err_set(e, "perspective: %d extra attributes: expected 0..%d", o->n_attributes, TOX_MAX_ATTRS);
    for (int i = 0; i < o->n_attributes; i++) {
        const char *a = o->attributes[i];
        size_t n = a ? strlen(a) : 0;
        int ok = n > 0 && n < TOX_ATTR_NAME_BYTES && strcmp(a, TOXICITY) != 0;
        for (size_t k = 0; ok && k < n; k++) ok = (a[k] >= 'A' && a[k] <= 'Z') || a[k] == '_';
        for (int j = 0; ok && j < i; j++) ok = strcmp(a, o->attributes[j]) != 0;
        if (!ok)
            return err_set(e, "perspective: attribute \"%.40s\": expected an upper-case name such as INSULT, "
                           "at most %d characters, not TOXICITY (always requested) and not repeated",
                           a ? a : "", TOX_ATTR_NAME_BYTES - 1);
    }
    return 0;
}

/* The request body for one text; heap string or NULL. */
static char *request_body(const persp *p, const char *text) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON *c = cJSON_AddObjectToObject(o, "comment");
    if (c) cJSON_AddStringToObject(c, "text", text);
    cJSON *langs = cJSON_AddArrayToObject(o, "languages");
    if (langs) cJSON_AddItemToArray(langs, cJSON_CreateString("en"));
    cJSON *ra = cJSON_AddObjectToObject(o, "requestedAttributes");
    if (ra) {
        cJSON_AddObjectToObject(ra, TOXICITY);
        for (int i = 0; i < p->o.n_attributes; i++) cJSON_AddObjectToObject(ra, p->attrs[i]);
    }
    if (p->o.do_not_store) cJSON_AddBoolToObject(o, "doNotStore", 1);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static const char *json_kind(const cJSON *v) {
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "an array";
    return "an object";
}

/* attributeScores.<attr>.summaryScore.value into *v; -1 with why naming the
 * first piece of the path that is missing or of the wrong kind. */
static int read_score(const cJSON *root, const char *attr, double *v, char *why, size_t cap) {
    const char *keys[4] = {"attributeScores", attr, "summaryScore", "value"};
    char path[160] = "";
    const cJSON *cur = root;
    for (int i = 0; i < 4; i++) {
        size_t pl = strlen(path);
        snprintf(path + pl, sizeof path - pl, "%s%s", i ? "." : "", keys[i]);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, keys[i]);
        if (!next) {
            snprintf(why, cap, "malformed reply: %s is missing", path);
            return -1;
        }
        if (i < 3 && !cJSON_IsObject(next)) {
            snprintf(why, cap, "malformed reply: %s is %s, expected an object", path, json_kind(next));
            return -1;
        }
        cur = next;
    }
    if (!cJSON_IsNumber(cur) || !(cur->valuedouble >= 0 && cur->valuedouble <= 1)) {
        if (cJSON_IsNumber(cur)) snprintf(why, cap, "malformed reply: %s is %g, expected a number in [0, 1]", path,
                                          cur->valuedouble);
        else snprintf(why, cap, "malformed reply: %s is %s, expected a number in [0, 1]", path, json_kind(cur));
        return -1;
    }
    *v = cur->valuedouble;
    return 0;
}

/* A short printable excerpt of the reply, for messages. */
static void excerpt(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n && i < EXCERPT_BYTES && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    out[k] = 0;
}

static int parse_reply(const persp *p, tox_result *r) {
    cJSON *root = cJSON_ParseWithLength(p->reply.s ? p->reply.s : "", p->reply.len);
    if (!root || !cJSON_IsObject(root)) {
        char ex[EXCERPT_BYTES + 1];
        excerpt(strbuf_str(&p->reply), p->reply.len, ex, sizeof ex);
        tox_result_set_missing(r, "malformed reply: %s (%zu bytes: '%s')",
                               root ? "not a JSON object" : "not valid JSON", p->reply.len, ex);
        cJSON_Delete(root);
        return -1;
    }
    double v;
    if (read_score(root, TOXICITY, &v, r->why, sizeof r->why) != 0) {
        r->status = TOX_MISSING;
        cJSON_Delete(root);
        return -1;
    }
    r->toxicity = v;
    r->n_attrs = 0;
    for (int i = 0; i < p->o.n_attributes; i++) {
        if (read_score(root, p->attrs[i], &v, r->why, sizeof r->why) != 0) {
            r->status = TOX_MISSING;
            r->toxicity = 0;
            r->n_attrs = 0;
            cJSON_Delete(root);
            return -1;
        }
        snprintf(r->attrs[r->n_attrs].name, TOX_ATTR_NAME_BYTES, "%s", p->attrs[i]);
        r->attrs[r->n_attrs++].value = v;
    }
    r->status = TOX_OK;
    r->why[0] = 0;
    cJSON_Delete(root);
    return 0;
}

/* The API's error message from an error reply, {"error": {"message": ...}},
 * else an excerpt of the body. */
static void error_text(const persp *p, char *out, size_t cap) {
    cJSON *root = cJSON_ParseWithLength(p->reply.s ? p->reply.s : "", p->reply.len);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(err, "message");
    if (cJSON_IsString(msg)) excerpt(msg->valuestring, strlen(msg->valuestring), out, cap);
    else excerpt(strbuf_str(&p->reply), p->reply.len, out, cap);
    cJSON_Delete(root);
}

typedef enum outcome { DONE, RETRY, GIVE_UP, FATAL } outcome;

/* One request. Fills r on DONE and GIVE_UP; why holds the reason otherwise. */
static outcome attempt(persp *p, const char *body, tox_result *r, char *why, size_t cap) {
    rate_limit(p);
    p->stats.n_requests++;
    if (strbuf_failed(&p->reply)) strbuf_deinit(&p->reply); /* an earlier reply ran out of memory */
    strbuf_clear(&p->reply);
    p->reply_too_big = 0;
    p->retry_after_s = -1;
    p->curl_err[0] = 0;
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    CURLcode cc = curl_easy_perform(p->curl);
    redact(p, p->curl_err, sizeof p->curl_err);
    redact_reply(p);
    if (p->reply_too_big || strbuf_failed(&p->reply)) {
        tox_result_set_missing(r, "reply %s", p->reply_too_big ? "larger than the 1 MiB allowed" : "ran out of memory");
        return GIVE_UP;
    }
    if (cc != CURLE_OK) {
        snprintf(why, cap, "%s: %s", cc == CURLE_OPERATION_TIMEDOUT ? "timed out" : "network error",
                 p->curl_err[0] ? p->curl_err : curl_easy_strerror(cc));
        return RETRY;
    }
    long status = 0;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) {
        parse_reply(p, r);
        return DONE; /* a malformed reply is final: r says what was wrong */
    }
    char msg[EXCERPT_BYTES + 1];
    error_text(p, msg, sizeof msg);
    snprintf(why, cap, "HTTP %ld: %s", status, msg);
    if (status == 429 || status >= 500) return RETRY;
    if (status == 401 || status == 403) return FATAL;
    tox_result_set_missing(r, "%s", why);
    return GIVE_UP;
}

static int score_one(persp *p, const char *text, tox_result *r, errbuf *e) {
    char *body = request_body(p, text);
    if (!body) return err_set(e, "perspective: out of memory building a request");
    char why[TOX_WHY_BYTES] = "";
    double backoff_s = p->o.backoff_initial_s;
    int rc = 0;
    for (int a = 1;; a++) {
        outcome oc = attempt(p, body, r, why, sizeof why);
        if (oc == DONE || oc == GIVE_UP) break;
        if (oc == FATAL) {
            tox_result_set_missing(r, "%s", why);
            rc = err_set(e, "perspective: POST %s: %s (check the key in %s)", p->endpoint, why, p->o.key_env);
            break;
        }
        if (a >= p->o.max_attempts) {
            tox_result_set_missing(r, "gave up after %d attempt%s: %s", a, a == 1 ? "" : "s", why);
            break;
        }
        double wait_s = backoff_s;
        if (p->retry_after_s >= 0) {
            double ra = p->retry_after_s < p->o.retry_after_max_s ? p->retry_after_s : p->o.retry_after_max_s;
            if (ra > wait_s) wait_s = ra;
        }
        p->stats.n_retries++;
        sleep_s(p, wait_s);
        backoff_s = backoff_s * 2 < p->o.backoff_max_s ? backoff_s * 2 : p->o.backoff_max_s;
    }
    redact(p, r->why, sizeof r->why);
    if (rc != 0) redact(p, e->msg, sizeof e->msg);
    free(body);
    return rc;
}

static int persp_score(tox_scorer *s, const char *const *texts, int n, tox_result *out, errbuf *e) {
    persp *p = s->impl;
    for (int i = 0; i < n; i++) {
        if (score_one(p, texts[i], &out[i], e) != 0) {
            for (int j = i + 1; j < n; j++) tox_result_set_missing(&out[j], "not sent: an earlier request failed");
            return -1;
        }
    }
    return 0;
}

static const tox_scorer_vt persp_vt = {persp_score, free_impl};

tox_scorer *tox_perspective_create(const tox_perspective_opts *opts, errbuf *e) {
    tox_perspective_opts dflt;
    if (!opts) {
        tox_perspective_opts_default(&dflt);
        opts = &dflt;
    }
    if (check_opts(opts, e) != 0) return NULL;
    const char *env = opts->key_env && *opts->key_env ? opts->key_env : TOX_PERSPECTIVE_KEY_ENV;
    const char *key = getenv(env);
    if (!key || !*key) {
        err_set(e, "perspective: %s is not set: the Perspective API needs a key (or use the offline scorer)", env);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(e, "perspective: libcurl failed to initialise");
        return NULL;
    }
    tox_scorer *s = calloc(1, sizeof *s);
    persp *p = calloc(1, sizeof *p);
    if (!s || !p) {
        free(s);
        free(p);
        curl_global_cleanup();
        err_set(e, "perspective: out of memory");
        return NULL;
    }
    s->vt = &persp_vt;
    s->impl = p;
    s->batch_size = 1;
    p->o = *opts;
    p->o.key_env = env;
    p->o.base_url = NULL; /* borrowed pointers are not kept */
    for (int i = 0; i < opts->n_attributes; i++) {
        snprintf(p->attrs[i], TOX_ATTR_NAME_BYTES, "%s", opts->attributes[i]);
        p->o.attributes[i] = NULL;
    }
    strbuf_init(&p->reply);
    p->key = strdup(key);
    p->curl = curl_easy_init();
    p->key_esc = p->curl && p->key ? curl_easy_escape(p->curl, p->key, 0) : NULL;
    size_t base_len = strlen(opts->base_url);
    while (base_len > 0 && opts->base_url[base_len - 1] == '/') base_len--;
    strbuf ep;
    strbuf_init(&ep);
    strbuf_append(&ep, opts->base_url, base_len);
    strbuf_puts(&ep, "/comments:analyze");
    p->endpoint = strbuf_take(&ep);
    if (p->endpoint && p->key_esc) {
        strbuf u;
        strbuf_init(&u);
        strbuf_printf(&u, "%s?key=%s", p->endpoint, p->key_esc);
        p->url = strbuf_take(&u);
    }
    p->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (p->headers) p->headers = curl_slist_append(p->headers, "Expect:"); /* no 100-continue round trip */
    if (!p->key || !p->curl || !p->key_esc || !p->endpoint || !p->url || !p->headers) {
        tox_scorer_free(s);
        err_set(e, "perspective: out of memory setting up the HTTP client");
        return NULL;
    }
    CURL *c = p->curl;
    curl_easy_setopt(c, CURLOPT_URL, p->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, p->headers);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect must not carry the key elsewhere */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "griffin-toxicity/1");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(opts->timeout_s * 1000));
    double conn_s = opts->timeout_s < CONNECT_TIMEOUT_MAX_S ? opts->timeout_s : CONNECT_TIMEOUT_MAX_S;
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(conn_s * 1000));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, p->curl_err);
    strbuf id;
    strbuf_init(&id);
    strbuf_puts(&id, "perspective:" TOXICITY);
    for (int i = 0; i < opts->n_attributes; i++) strbuf_printf(&id, ",%s", p->attrs[i]);
    snprintf(s->id, sizeof s->id, "%s", strbuf_str(&id));
    snprintf(s->label, sizeof s->label, "%s", strbuf_str(&id));
    strbuf_deinit(&id);
    return s;
}

int tox_perspective_get_stats(const tox_scorer *s, tox_perspective_stats *st) {
    if (!s || s->vt != &persp_vt) return -1;
    *st = ((const persp *)s->impl)->stats;
    return 0;
}
