/* tests/test_download.c: downloads against a loopback HTTP server the tests
 * start (tests/test_download_server.c): a good file, 5xx and 429 then
 * success, a truncated body resumed with Range, a server that ignores Range,
 * a wrong checksum (nothing left in the cache), a stalled server hitting the
 * low-speed timeout, the paged rows API, and ds_load / `griffin fetch` end to
 * end through the mirror and rows-URL overrides. */
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "datasets/dataset.h"
#include "datasets/download.h"
#include "datasets/json.h"
#include "tests/test.h"
#include "tests/test_download_server.h"

#define BODY_BYTES 100000 /* large enough that half of it is a real truncation */
#define SLOW_TEST_MAX_S 10.0 /* the stalled-server test must end well within this */

/* ---- a file server with scripted failures ---- */

typedef struct scenario {
    const char *body;
    size_t n;
    int fail_first;       /* answer the first N requests with this status ... */
    int fail_status;      /* ... (500, 429) */
    int truncate_first;   /* first reply: the whole Content-Length, half the body, close */
    int ignore_range;     /* always 200 with the whole body */
    int stall;            /* headers and a few bytes, then nothing */
    int not_found;
    long long ranges[16]; /* Range start of each request, -1 for none */
} scenario;

static void file_handler(void *user, const tsrv_req *req, int fd) {
    scenario *sc = user;
    if (req->index < 16) sc->ranges[req->index] = req->range_start;
    if (sc->not_found) {
        tsrv_respond(fd, 404, NULL, "no such file", 12);
        return;
    }
    if (req->index < sc->fail_first) {
        const char *extra = sc->fail_status == 429 ? "Retry-After: 0\r\n" : NULL;
        tsrv_respond(fd, sc->fail_status, extra, "try again later", 15);
        return;
    }
    if (sc->stall) {
        char head[256];
        int k = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", sc->n);
        tsrv_send(fd, head, (size_t)k);
        tsrv_send(fd, sc->body, 10);
        /* Nothing more, until the client gives up and hangs up (5 s at most). */
        for (int i = 0; i < 100; i++) {
            struct pollfd p = {fd, POLLIN, 0};
            char c;
            if (poll(&p, 1, 50) > 0 && recv(fd, &c, 1, 0) <= 0) break;
        }
        return;
    }
    if (req->range_start >= 0 && !sc->ignore_range) {
        long long s = req->range_start;
        if (s >= (long long)sc->n) {
            tsrv_respond(fd, 416, NULL, NULL, 0);
            return;
        }
        char extra[128];
        snprintf(extra, sizeof extra, "Content-Range: bytes %lld-%zu/%zu\r\n", s, sc->n - 1, sc->n);
        tsrv_respond(fd, 206, extra, sc->body + s, sc->n - (size_t)s);
        return;
    }
    if (sc->truncate_first && req->index == 0) {
        char head[256];
        int k = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", sc->n);
        tsrv_send(fd, head, (size_t)k);
        tsrv_send(fd, sc->body, sc->n / 2);
        return; /* the server closes the connection */
    }
    tsrv_respond(fd, 200, NULL, sc->body, sc->n);
}

static char *make_body(size_t n) {
    char *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++) b[i] = (char)('a' + (i * 31 + i / 97) % 26);
    b[n] = 0;
    return b;
}

static void fast_opts(dl_opts *o) {
    dl_opts_default(o);
    o->connect_timeout_ms = 2000;
    o->low_speed_bytes_per_s = 1000;
    o->low_speed_time_s = 1;
    o->max_attempts = 4;
    o->backoff_initial_ms = 10;
    o->backoff_max_ms = 50;
}

typedef struct fixture {
    scenario sc;
    tsrv *srv;
    char url[256];
    char dest[1200];
    char part[1300];
    char sha[65];
    char *body;
} fixture;

static int fixture_start(fixture *f) {
    memset(f, 0, sizeof *f);
    f->body = make_body(BODY_BYTES);
    f->sc.body = f->body;
    f->sc.n = BODY_BYTES;
    f->sc.fail_status = 500;
    for (int i = 0; i < 16; i++) f->sc.ranges[i] = -2;
    sha256_hex(f->body, BODY_BYTES, f->sha);
    f->srv = tsrv_start(file_handler, &f->sc);
    if (!f->srv) return -1;
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/data/file.jsonl", tsrv_port(f->srv));
    snprintf(f->dest, sizeof f->dest, "%s/file.jsonl", test_tmpdir());
    snprintf(f->part, sizeof f->part, "%s.part", f->dest);
    return 0;
}

static void fixture_stop(fixture *f) {
    tsrv_stop(f->srv);
    free(f->body);
}

static int file_equals(const char *path, const char *data, size_t n) {
    errbuf e;
    size_t got;
    char *buf = file_read_all(path, n + 1024, &got, &e);
    int ok = buf && got == n && memcmp(buf, data, n) == 0;
    free(buf);
    return ok;
}

#define CHECK_MSG(e, want) CHECKF(strstr((e).msg, (want)) != NULL, "message \"%s\" lacks \"%s\"", (e).msg, (want))

/* ---- files ---- */

TEST(download_good_file) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    int rc = dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, &st, &e);
    CHECKF(rc == 0, "%s", e.msg);
    CHECK(file_equals(f.dest, f.body, BODY_BYTES));
    CHECK(!file_exists(f.part));
    CHECK_EQ_INT(st.n_requests, 1);
    CHECK_EQ_INT(st.resumed_from, -1);
    /* Already there: no request at all. */
    CHECK(dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, &st, &e) == 0 && st.n_requests == 0);
    fixture_stop(&f);
}

TEST(download_http_500_then_success) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.fail_first = 2;
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    CHECKF(dl_file(f.url, f.dest, f.sha, -1, -1, &o, &st, &e) == 0, "%s", e.msg);
    CHECK_EQ_INT(st.n_requests, 3);
    CHECK(file_equals(f.dest, f.body, BODY_BYTES));
    fixture_stop(&f);
}

TEST(download_http_429_then_success) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.fail_first = 1;
    f.sc.fail_status = 429;
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    CHECKF(dl_file(f.url, f.dest, f.sha, -1, -1, &o, &st, &e) == 0, "%s", e.msg);
    CHECK_EQ_INT(st.n_requests, 2);
    fixture_stop(&f);
}

TEST(download_500_forever_gives_up) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.fail_first = 100;
    dl_opts o;
    fast_opts(&o);
    o.max_attempts = 3;
    dl_stats st;
    errbuf e;
    CHECK(dl_file(f.url, f.dest, f.sha, -1, -1, &o, &st, &e) == -1);
    CHECK_MSG(e, "giving up after 3 attempts: HTTP 500: try again later");
    CHECK_EQ_INT(st.n_requests, 3);
    CHECK(!file_exists(f.dest));
    fixture_stop(&f);
}

TEST(download_truncated_body_resumes) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.truncate_first = 1;
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    CHECKF(dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, &st, &e) == 0, "%s", e.msg);
    CHECK_EQ_INT(st.n_requests, 2);
    CHECK(f.sc.ranges[0] == -1);
    CHECKF(f.sc.ranges[1] == BODY_BYTES / 2, "second request's Range start %lld", f.sc.ranges[1]);
    CHECK_EQ_INT(st.resumed_from, BODY_BYTES / 2);
    CHECK(file_equals(f.dest, f.body, BODY_BYTES));
    fixture_stop(&f);
}

TEST(download_part_file_from_earlier_run_resumes) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    errbuf e;
    CHECK(file_write_atomic(f.part, f.body, 1000, &e) == 0);
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    CHECKF(dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, &st, &e) == 0, "%s", e.msg);
    CHECK(f.sc.ranges[0] == 1000 && st.n_requests == 1);
    CHECK(file_equals(f.dest, f.body, BODY_BYTES));
    fixture_stop(&f);
}

TEST(download_server_ignoring_range_restarts) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.ignore_range = 1;
    errbuf e;
    CHECK(file_write_atomic(f.part, "stale bytes that must go", 24, &e) == 0);
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    CHECKF(dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, &st, &e) == 0, "%s", e.msg);
    CHECK(f.sc.ranges[0] == 24);
    CHECK(file_equals(f.dest, f.body, BODY_BYTES));
    fixture_stop(&f);
}

TEST(download_wrong_checksum_keeps_nothing) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    dl_opts o;
    fast_opts(&o);
    errbuf e;
    const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    CHECK(dl_file(f.url, f.dest, wrong, -1, -1, &o, NULL, &e) == -1);
    CHECK_MSG(e, "SHA-256 mismatch");
    CHECK_MSG(e, f.sha);
    CHECK(!file_exists(f.dest) && !file_exists(f.part));
    /* A wrong size too, and a wrong line count for unpinned files. */
    CHECK(dl_file(f.url, f.dest, NULL, BODY_BYTES + 1, -1, &o, NULL, &e) == -1);
    CHECK(!file_exists(f.dest) && !file_exists(f.part));
    CHECK(dl_file(f.url, f.dest, NULL, -1, 5, &o, NULL, &e) == -1);
    CHECK_MSG(e, "got 1 records (non-blank lines), expected 5");
    CHECK(!file_exists(f.dest) && !file_exists(f.part));
    fixture_stop(&f);
}

TEST(download_slow_server_times_out) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.stall = 1;
    dl_opts o;
    fast_opts(&o);
    o.max_attempts = 2;
    errbuf e;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = dl_file(f.url, f.dest, f.sha, BODY_BYTES, -1, &o, NULL, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(rc == -1);
    CHECK_MSG(e, "giving up after 2 attempts");
    CHECKF(strstr(e.msg, "too slow") || strstr(e.msg, "imed out"), "message: %s", e.msg);
    CHECKF(s < SLOW_TEST_MAX_S, "took %.1f s", s);
    CHECK(!file_exists(f.dest));
    fixture_stop(&f);
}

TEST(download_404_fails_at_once) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    f.sc.not_found = 1;
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    CHECK(dl_file(f.url, f.dest, NULL, -1, -1, &o, &st, &e) == -1);
    CHECK_MSG(e, "/data/file.jsonl: HTTP 404: no such file");
    CHECK_EQ_INT(st.n_requests, 1);
    CHECK(!file_exists(f.dest) && !file_exists(f.part));
    fixture_stop(&f);
}

TEST(download_connection_refused_retries) {
    fixture f;
    if (fixture_start(&f) != 0) SKIP("cannot start a loopback server");
    fixture_stop(&f); /* nothing listens on that port now */
    dl_opts o;
    fast_opts(&o);
    o.max_attempts = 2;
    dl_stats st;
    errbuf e;
    CHECK(dl_file(f.url, f.dest, NULL, -1, -1, &o, &st, &e) == -1);
    CHECK_MSG(e, "giving up after 2 attempts");
    CHECK_EQ_INT(st.n_requests, 2);
}

/* ---- the rows API ---- */

typedef struct rows_server {
    int n_rows;
    int fail_once_at;    /* offset whose first request gets a 500, -1 none */
    int failed;
    int truncated_cells; /* mark row 5 as truncated */
    int n_requests;
    char first_target[2048];
    long offsets[64];
    int kind;            /* 0 synthetic rows, 1 winogender-shaped */
} rows_server;

static void rows_handler(void *user, const tsrv_req *req, int fd) {
    rows_server *rs = user;
    if (strncmp(req->target, "/rows?", 6) != 0) {
        tsrv_respond(fd, 404, NULL, "not here", 8);
        return;
    }
    if (rs->n_requests == 0) snprintf(rs->first_target, sizeof rs->first_target, "%s", req->target);
    const char *o = strstr(req->target, "&offset=");
    const char *l = strstr(req->target, "&length=");
    long offset = o ? atol(o + 8) : -1, length = l ? atol(l + 8) : -1;
    if (rs->n_requests < 64) rs->offsets[rs->n_requests] = offset;
    rs->n_requests++;
    if (offset == rs->fail_once_at && !rs->failed) {
        rs->failed = 1;
        tsrv_respond(fd, 500, NULL, "{\"error\": \"busy\"}", 17);
        return;
    }
    cJSON *page = cJSON_CreateObject();
    cJSON *feats = cJSON_AddArrayToObject(page, "features");
    (void)feats;
    cJSON *rows = cJSON_AddArrayToObject(page, "rows");
    for (long i = offset; i < offset + length && i < rs->n_rows; i++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "row_idx", (double)i);
        cJSON *row = cJSON_AddObjectToObject(r, "row");
        char text[64];
        if (rs->kind == 0) {
            snprintf(text, sizeof text, "question number %ld?", i);
            cJSON_AddStringToObject(row, "question", text);
            cJSON_AddNumberToObject(row, "idx", (double)i);
        } else {
            cJSON_AddStringToObject(row, "sentid", "nurse.patient.0.female.txt");
            cJSON_AddStringToObject(row, "sentence", "The nurse told the patient that she would return soon.");
            cJSON_AddStringToObject(row, "pronoun", "she");
            cJSON_AddStringToObject(row, "occupation", "nurse");
            cJSON_AddStringToObject(row, "participant", "patient");
            cJSON_AddStringToObject(row, "gender", "female");
            cJSON_AddStringToObject(row, "target", "nurse");
            cJSON_AddNumberToObject(row, "label", 0);
        }
        cJSON *tc = cJSON_AddArrayToObject(r, "truncated_cells");
        if (rs->truncated_cells && i == 5) cJSON_AddItemToArray(tc, cJSON_CreateString("question"));
        cJSON_AddItemToArray(rows, r);
    }
    cJSON_AddNumberToObject(page, "num_rows_total", rs->n_rows);
    cJSON_AddNumberToObject(page, "num_rows_per_page", 100);
    cJSON_AddFalseToObject(page, "partial");
    char *s = cJSON_PrintUnformatted(page);
    tsrv_respond(fd, 200, "Content-Type: application/json\r\n", s, strlen(s));
    free(s);
    cJSON_Delete(page);
}

static int count_lines(const char *path) {
    errbuf e;
    size_t n;
    char *buf = file_read_all(path, 1 << 26, &n, &e);
    if (!buf) return -1;
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
    free(buf);
    return lines;
}

TEST(download_rows_api_paged) {
    rows_server rs = {.n_rows = 250, .fail_once_at = 100};
    tsrv *srv = tsrv_start(rows_handler, &rs);
    if (!srv) SKIP("cannot start a loopback server");
    char base[128], dest[1200];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", tsrv_port(srv));
    snprintf(dest, sizeof dest, "%s/rows.jsonl", test_tmpdir());
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    int rc = dl_hf_rows(base, "some-org/some set", "cfg one", "validation", dest, 250, &o, &st, &e);
    tsrv_stop(srv);
    if (!CHECKF(rc == 0, "%s", e.msg)) return;
    CHECK_EQ_INT(st.n_rows, 250);
    CHECK_EQ_INT(rs.n_requests, 4); /* 0, 100 (500), 100, 200 */
    CHECK(rs.offsets[0] == 0 && rs.offsets[1] == 100 && rs.offsets[2] == 100 && rs.offsets[3] == 200);
    CHECKF(strcmp(rs.first_target,
                  "/rows?dataset=some-org%2Fsome%20set&config=cfg%20one&split=validation&offset=0&length=100") == 0,
           "request %s", rs.first_target);
    CHECK_EQ_INT(count_lines(dest), 250);
    /* Each line is the row object itself. */
    errbuf e2;
    size_t n;
    char *buf = file_read_all(dest, 1 << 20, &n, &e2);
    CHECK(buf && strncmp(buf, "{\"question\":\"question number 0?\",\"idx\":0}\n", 42) == 0);
    free(buf);
}

TEST(download_rows_api_wrong_total_keeps_nothing) {
    rows_server rs = {.n_rows = 250, .fail_once_at = -1};
    tsrv *srv = tsrv_start(rows_handler, &rs);
    if (!srv) SKIP("cannot start a loopback server");
    char base[128], dest[1200], part[1300];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", tsrv_port(srv));
    snprintf(dest, sizeof dest, "%s/rows.jsonl", test_tmpdir());
    snprintf(part, sizeof part, "%s.part", dest);
    dl_opts o;
    fast_opts(&o);
    errbuf e;
    int rc = dl_hf_rows(base, "org/ds", "default", "test", dest, 300, &o, NULL, &e);
    CHECK(rc == -1);
    CHECK_MSG(e, "the server has 250 rows, expected 300; nothing was kept");
    CHECK(!file_exists(dest) && !file_exists(part));
    rs.truncated_cells = 1;
    rc = dl_hf_rows(base, "org/ds", "default", "test", dest, -1, &o, NULL, &e);
    CHECK(rc == -1);
    CHECK_MSG(e, "row 5: the server truncated cells");
    CHECK(!file_exists(dest));
    tsrv_stop(srv);
}

TEST(download_rows_api_resumes_partial_file) {
    rows_server rs = {.n_rows = 250, .fail_once_at = -1};
    tsrv *srv = tsrv_start(rows_handler, &rs);
    if (!srv) SKIP("cannot start a loopback server");
    char base[128], dest[1200], part[1300];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", tsrv_port(srv));
    snprintf(dest, sizeof dest, "%s/rows.jsonl", test_tmpdir());
    snprintf(part, sizeof part, "%s.part", dest);
    /* 120 complete rows and a torn one, as a killed run leaves them. */
    FILE *f = fopen(part, "wb");
    for (int i = 0; i < 120; i++) fprintf(f, "{\"question\":\"question number %d?\",\"idx\":%d}\n", i, i);
    fputs("{\"question\":\"quest", f);
    fclose(f);
    dl_opts o;
    fast_opts(&o);
    dl_stats st;
    errbuf e;
    int rc = dl_hf_rows(base, "org/ds", "default", "test", dest, 250, &o, &st, &e);
    tsrv_stop(srv);
    if (!CHECKF(rc == 0, "%s", e.msg)) return;
    CHECK(rs.offsets[0] == 120 && st.resumed_from == 120);
    CHECK_EQ_INT(count_lines(dest), 250);
}

/* ---- ds_load and griffin fetch through the overrides ---- */

/* Serves ../shared/datasets files at /<host>/<repo>/<commit>/<path> per
 * manifest.json, and winogender-shaped rows at /rows. */
typedef struct mirror {
    const char *shared;
    cJSON *manifest;
    rows_server rows;
    atomic_int n_files_served;
} mirror;

static void mirror_handler(void *user, const tsrv_req *req, int fd) {
    mirror *m = user;
    if (strncmp(req->target, "/rows?", 6) == 0) {
        rows_handler(&m->rows, req, fd);
        return;
    }
    const char *prefix = "/raw.githubusercontent.com/";
    if (strncmp(req->target, prefix, strlen(prefix)) == 0) {
        const char *rest = req->target + strlen(prefix);
        const cJSON *it;
        cJSON_ArrayForEach(it, m->manifest) {
            char want[2048];
            snprintf(want, sizeof want, "%s/%s/%s",
                     cJSON_GetObjectItem(it, "source_repo")->valuestring,
                     cJSON_GetObjectItem(it, "source_commit")->valuestring,
                     cJSON_GetObjectItem(it, "source_path")->valuestring);
            if (strcmp(want, rest) != 0) continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", m->shared, cJSON_GetObjectItem(it, "file")->valuestring);
            errbuf e;
            size_t n;
            char *buf = file_read_all(path, 1 << 26, &n, &e);
            if (buf) {
                atomic_fetch_add(&m->n_files_served, 1);
                tsrv_respond(fd, 200, NULL, buf, n);
                free(buf);
                return;
            }
        }
    }
    tsrv_respond(fd, 404, NULL, "not mirrored", 12);
}

static cJSON *read_manifest(const char *shared) {
    char path[1200];
    snprintf(path, sizeof path, "%s/manifest.json", shared);
    errbuf e;
    size_t n;
    char *buf = file_read_all(path, 1 << 24, &n, &e);
    if (!buf) return NULL;
    cJSON *m = ds_json_parse(buf, n, path, &e);
    free(buf);
    return m;
}

TEST(download_ds_load_through_mirror_then_cache) {
    const char *s = test_shared_dir();
    char shared[1024];
    snprintf(shared, sizeof shared, "%s/datasets", s ? s : "");
    if (!s || !file_exists(shared)) SKIP("../shared/datasets not present (the mirror serves its files)");
    mirror m = {.shared = shared, .manifest = read_manifest(shared)};
    if (!CHECK(m.manifest)) return;
    tsrv *srv = tsrv_start(mirror_handler, &m);
    if (!srv) {
        cJSON_Delete(m.manifest);
        SKIP("cannot start a loopback server");
    }
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", tsrv_port(srv));
    ds_opts o;
    ds_opts_init(&o);
    o.data_dir = NULL;
    o.cache_dir = test_tmpdir();
    o.url_mirror = base;
    o.hf_rows_url = base;
    o.backoff_initial_ms = 10;
    o.backoff_max_ms = 20;
    o.max_attempts = 2;
    errbuf e;
    ds_table *t = ds_load("gsm8k", NULL, "test", &o, &e);
    if (CHECKF(t, "%s", e.msg)) {
        CHECK_EQ_INT(ds_count(t), 1319);
        CHECK(strcmp(ds_sha256(t), "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14") == 0);
        CHECK(strstr(ds_source(t), "/gsm8k/test.jsonl") != NULL);
    }
    ds_free(t);
    int served = atomic_load(&m.n_files_served);
    CHECK_EQ_INT(served, 1);
    /* Again: from the cache, no request; offline too. */
    o.offline = 1;
    t = ds_load("gsm8k", NULL, "test", &o, &e);
    CHECKF(t && ds_count(t) == 1319, "%s", e.msg);
    ds_free(t);
    CHECK_EQ_INT(atomic_load(&m.n_files_served), served);
    o.offline = 0;
    /* Two files for one split. */
    t = ds_load("piqa", NULL, "validation", &o, &e);
    CHECKF(t && ds_count(t) == 1838, "%s", e.msg);
    ds_free(t);
    /* Alternative 0 (the release files) is mirrored, so it wins over rows. */
    m.rows.fail_once_at = -1;
    t = ds_load("winogender", "gotcha", "test", &o, &e);
    CHECKF(t && ds_count(t) == 240, "%s", e.msg);
    ds_free(t);
    /* A split only the rows API serves: crows_pairs "english" expects 1677. */
    m.rows.n_rows = 1677;
    m.rows.kind = 0;
    t = ds_load("crows_pairs", "english", "test", &o, &e);
    CHECK(t == NULL); /* synthetic rows lack sent_more: rejected, with the file and line */
    CHECK_MSG(e, "crows_pairs/hf/english/test.jsonl:1: field \"sent_more\"");
    ds_free(t);
    tsrv_stop(srv);
    cJSON_Delete(m.manifest);
}

TEST(download_ds_load_falls_back_to_rows_api) {
    /* No release file is mirrored: winogender/all falls to alternative 1,
     * the rows API (720 rows expected by the registry). */
    mirror m = {.shared = "/nonexistent", .manifest = cJSON_CreateArray()};
    m.rows.n_rows = 720;
    m.rows.kind = 1;
    m.rows.fail_once_at = -1;
    tsrv *srv = tsrv_start(mirror_handler, &m);
    if (!srv) {
        cJSON_Delete(m.manifest);
        SKIP("cannot start a loopback server");
    }
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", tsrv_port(srv));
    ds_opts o;
    ds_opts_init(&o);
    o.cache_dir = test_tmpdir();
    o.url_mirror = base;
    o.hf_rows_url = base;
    o.backoff_initial_ms = 10;
    o.backoff_max_ms = 20;
    o.max_attempts = 1;
    errbuf e;
    ds_table *t = ds_load("winogender", NULL, "test", &o, &e);
    if (CHECKF(t, "%s", e.msg)) {
        CHECK_EQ_INT(ds_count(t), 720);
        CHECK(strstr(ds_source(t), "winogender/hf/all/test.jsonl") != NULL);
        CHECK_EQ_INT(m.rows.n_requests, 8);
    }
    ds_free(t);
    /* A dataset whose every source fails names each failure. */
    t = ds_load("gsm8k", NULL, "test", &o, &e);
    CHECK(t == NULL);
    CHECK_MSG(e, "gsm8k/main/test");
    CHECK_MSG(e, "HTTP 404");
    tsrv_stop(srv);
    cJSON_Delete(m.manifest);
}

TEST(download_griffin_fetch_command) {
    const char *s = test_shared_dir();
    char shared[1024];
    snprintf(shared, sizeof shared, "%s/datasets", s ? s : "");
    if (!s || !file_exists(shared)) SKIP("../shared/datasets not present (the mirror serves its files)");
    if (!file_exists(test_griffin_bin())) SKIP("%s not built", test_griffin_bin());
    mirror m = {.shared = shared, .manifest = read_manifest(shared)};
    tsrv *srv = m.manifest ? tsrv_start(mirror_handler, &m) : NULL;
    if (!srv) {
        cJSON_Delete(m.manifest);
        SKIP("cannot start a loopback server");
    }
    const char *tmp = test_tmpdir();
    char cmd[4096], out[1200];
    snprintf(out, sizeof out, "%s/out.txt", tmp);
    snprintf(cmd, sizeof cmd,
             "GRIFFIN_DATASETS_MIRROR=http://127.0.0.1:%d %s fetch dataset gsm8k --split test --cache %s/cache "
             ">%s 2>%s/err.txt",
             tsrv_port(srv), test_griffin_bin(), tmp, out, tmp);
    int rc = system(cmd);
    CHECKF(rc == 0, "%s exited %d", cmd, rc);
    errbuf e;
    size_t n;
    char *text = file_read_all(out, 1 << 20, &n, &e);
    CHECKF(text && strstr(text, "3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14") &&
               strstr(text, "1319"),
           "stdout: %s", text ? text : e.msg);
    free(text);
    /* Offline now: served from the cache. */
    snprintf(cmd, sizeof cmd, "%s fetch dataset gsm8k --split test --cache %s/cache --offline >%s 2>&1",
             test_griffin_bin(), tmp, out);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s fetch dataset gsm8k --split train --cache %s/cache --offline >%s 2>&1",
             test_griffin_bin(), tmp, out);
    rc = system(cmd);
    CHECKF(WEXITSTATUS(rc) == 1, "offline fetch of an uncached split exited %d", rc);
    snprintf(cmd, sizeof cmd, "%s fetch list >%s 2>&1", test_griffin_bin(), out);
    CHECK(system(cmd) == 0);
    text = file_read_all(out, 1 << 20, &n, &e);
    CHECK(text && strstr(text, "mmlu") && strstr(text, "realtoxicityprompts") && strstr(text, "CC BY 4.0"));
    free(text);
    snprintf(cmd, sizeof cmd, "%s fetch dataset nosuch >%s 2>&1", test_griffin_bin(), out);
    rc = system(cmd);
    CHECKF(WEXITSTATUS(rc) == 2, "unknown dataset exited %d", rc);
    tsrv_stop(srv);
    cJSON_Delete(m.manifest);
}
