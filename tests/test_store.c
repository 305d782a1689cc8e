/* tests/test_store.c: the SQLite results store (harness/store). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "harness/store.h"
#include "tests/test.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *tmp_path(const char *name) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    return path;
}

/* One integer from a query on a separate raw connection (what a foreign
 * reader sees); -999 on error. */
static long long raw_int(const char *path, const char *sql) {
    sqlite3 *db = NULL;
    long long v = -999;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return v;
}

static int raw_exec(const char *path, const char *sql) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static store_run_info eval_info(void) {
    store_run_info i = {
        .kind = STORE_RUN_EVAL,
        .command_line = "griffin eval --tasks arc_easy",
        .model_path = "models/tiny",
        .model_sha256 = "ab12",
        .model_config_json = "{\"width\": 64}",
        .backend = "cpu",
        .n_threads = 2,
        .seed = 1234,
        .settings_json = "{\"tasks\": [\"arc_easy\"], \"num_fewshot\": 0}",
        .dataset_sha256_json = "{\"arc_easy\": \"cd34\"}",
    };
    return i;
}

static store_result ll(const char *id, double loglik, int greedy) {
    store_result r = {.request_id = id, .kind = STORE_REQ_LOGLIKELIHOOD, .loglik = loglik, .is_greedy = greedy,
                      .n_ctx_tokens = 10, .n_cont_tokens = 2, .elapsed_ns = 1000};
    return r;
}

static int count_cb(void *arg, const store_run *r) {
    (void)r;
    ++*(int *)arg;
    return 0;
}

/* Copies a run's status out of a callback. */
typedef struct run_seen {
    store_run_status status;
    int n_resumes;
    char uuid[64];
    char host[256];
    char config_hash[80];
    char error[128];
    long long n_requests;
} run_seen;

static int seen_cb(void *arg, const store_run *r) {
    run_seen *s = arg;
    s->status = r->status;
    s->n_resumes = r->n_resumes;
    snprintf(s->uuid, sizeof s->uuid, "%s", r->uuid);
    snprintf(s->host, sizeof s->host, "%s", r->info.host ? r->info.host : "");
    snprintf(s->config_hash, sizeof s->config_hash, "%s", r->info.config_hash);
    snprintf(s->error, sizeof s->error, "%s", r->error ? r->error : "");
    s->n_requests = r->n_requests;
    return 0;
}

/* ---- schema and migrations ----------------------------------------------- */

TEST(store_schema_created_at_latest_version) {
    errbuf e;
    const char *path = tmp_path("new.db");
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    CHECK_EQ_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
    CHECK(strcmp(store_path(st), path) == 0);
    CHECKF(store_check(st, &e) == 0, "%s", e.msg);
    store_close(st);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM schema_version"), STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(raw_int(path, "SELECT MAX(version) FROM schema_version"), 4);
    /* WAL is a property of the file: a fresh connection sees it. */
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
    CHECK(sqlite3_step(s) == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* Opening again changes nothing. */
    st = store_open(path, NULL, &e);
    CHECKF(st, "%s", e.msg);
    store_close(st);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM schema_version"), STORE_SCHEMA_VERSION);
}

TEST(store_migrates_version_1_to_latest) {
    errbuf e;
    const char *path = tmp_path("v1.db");
    store_open_opts v1 = {.max_version = 1};
    store *st = store_open(path, &v1, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    CHECK_EQ_INT(store_schema_version(st), 1);
    store_run_info info = eval_info();
    int64_t run;
    CHECKF(store_run_begin(st, &info, &run, &e) == 0, "%s", e.msg);
    store_result r[2] = {ll("a", -1.5, 1), ll("b", -2.25, 0)};
    CHECKF(store_put_results(st, run, r, 2, NULL, &e) == 0, "%s", e.msg);
    int n = 0;
    CHECKF(store_runs_each(st, count_cb, &n, &e) == 0, "%s", e.msg); /* works without bench_points */
    CHECK_EQ_INT(n, 1);
    store_close(st);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'bench_points'"), 0);

    st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    CHECK_EQ_INT(store_schema_version(st), STORE_SCHEMA_VERSION);
    store_idset *done = store_done_requests(st, run, &e);
    CHECK(done && store_idset_count(done) == 2 && store_idset_has(done, "a") && store_idset_has(done, "b"));
    store_idset_free(done);
    store_bench_point p = {.model_label = "g", .kind = STORE_BENCH_DECODE, .prompt_len = 1, .gen_len = 2, .batch = 1,
                           .reps = 3, .median_s = 1, .min_s = 1, .max_s = 1, .tok_per_s = 1,
                           .state_bytes_per_seq = -1, .weight_bytes = -1, .peak_rss_bytes = -1,
                           .mem_budget_bytes = -1};
    CHECKF(store_put_bench_points(st, run, &p, 1, &e) == 0, "%s", e.msg);
    CHECKF(store_check(st, &e) == 0, "%s", e.msg);
    store_close(st);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM schema_version"), 4);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM requests"), 2);
}

TEST(store_failed_migration_leaves_previous_version) {
    errbuf e;
    const char *path = tmp_path("v2.db");
    store_open_opts v2 = {.max_version = 2};
    store *st = store_open(path, &v2, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_close(st);
    /* Someone made a table that migration 3 creates too: it must fail as a
     * whole, including the toxicity_cache table it created first. */
    CHECK(raw_exec(path, "CREATE TABLE scorers (x)") == 0);
    st = store_open(path, NULL, &e);
    CHECK(st == NULL);
    store_close(st);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "version 3") && strstr(e.msg, "CREATE TABLE") &&
               strstr(e.msg, "already exists"),
           "message: %s", e.msg);
    CHECK_EQ_INT(raw_int(path, "SELECT MAX(version) FROM schema_version"), 2);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'toxicity_cache'"), 0);
}

TEST(store_rejects_newer_schema) {
    errbuf e;
    const char *path = tmp_path("future.db");
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_close(st);
    CHECK(raw_exec(path, "INSERT INTO schema_version (version, description) VALUES (99, 'from the future')") == 0);
    st = store_open(path, NULL, &e);
    CHECK(st == NULL);
    store_close(st);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "99") && strstr(e.msg, "newer griffin"), "message: %s", e.msg);
}

/* ---- files that are not stores ------------------------------------------- */

TEST(store_rejects_corrupt_file) {
    errbuf e;
    const char *path = tmp_path("garbage.db");
    FILE *f = fopen(path, "wb");
    if (!CHECK(f)) return;
    for (int i = 0; i < 4096; i++) fputc((i * 7919 + 13) & 0xff, f);
    fclose(f);
    store *st = store_open(path, NULL, &e);
    CHECK(st == NULL);
    store_close(st);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "not an SQLite database"), "message: %s", e.msg);
}

TEST(store_rejects_foreign_sqlite_file) {
    errbuf e;
    const char *path = tmp_path("other.db");
    CHECK(raw_exec(path, "CREATE TABLE customers (id INTEGER)") == 0);
    store *st = store_open(path, NULL, &e);
    CHECK(st == NULL);
    store_close(st);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "not a griffin store"), "message: %s", e.msg);
    /* and it added nothing to it */
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM sqlite_master"), 1);
}

TEST(store_bad_path_and_missing_file) {
    errbuf e;
    store *st = store_open("/nonexistent-griffin-dir/sub/results.db", NULL, &e);
    CHECK(st == NULL);
    CHECKF(strstr(e.msg, "/nonexistent-griffin-dir/sub/results.db") && strstr(e.msg, "does not exist"),
           "message: %s", e.msg);
    store_open_opts ro = {.read_only = 1};
    st = store_open(tmp_path("absent.db"), &ro, &e);
    CHECK(st == NULL);
    CHECKF(strstr(e.msg, "absent.db") && strstr(e.msg, "no such store"), "message: %s", e.msg);
    CHECK(!file_exists(tmp_path("absent.db")));
}

TEST(store_read_only_location) {
    errbuf e;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/ro", test_tmpdir());
    mkdir(dir, 0755);
    chmod(dir, 0555);
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/probe", dir);
    int fd = open(probe, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) {
        /* root ignores directory permissions; /sys refuses new files even to root. */
        close(fd);
        unlink(probe);
        snprintf(dir, sizeof dir, "/sys");
        snprintf(probe, sizeof probe, "/sys/griffin-probe");
        fd = open(probe, O_CREAT | O_WRONLY, 0644);
        if (fd >= 0) {
            close(fd);
            unlink(probe);
            chmod(tmp_path("ro"), 0755);
            SKIP("no directory refuses new files here (running as root without a read-only /sys)");
        }
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/results.db", dir);
    store *st = store_open(path, NULL, &e);
    CHECK(st == NULL);
    store_close(st);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "cannot open") && strstr(e.msg, dir), "message: %s", e.msg);
    chmod(tmp_path("ro"), 0755);
}

TEST(store_read_only_handle_refuses_writes) {
    errbuf e;
    const char *path = tmp_path("ro.db");
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_close(st);
    store_open_opts ro = {.read_only = 1};
    st = store_open(path, &ro, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run;
    CHECK(store_run_begin(st, &info, &run, &e) != 0);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "readonly") && strstr(e.msg, "INSERT INTO runs"), "message: %s",
           e.msg);
    int n = 0;
    CHECKF(store_runs_each(st, count_cb, &n, &e) == 0 && n == 0, "%s", e.msg);
    store_close(st);
}

/* ---- runs ---------------------------------------------------------------- */

TEST(store_config_hash_covers_results_not_threads) {
    store_run_info a = eval_info(), b = eval_info();
    char ha[65], hb[65];
    store_config_hash(&a, ha);
    b.n_threads = 16;
    b.command_line = "griffin eval --threads 16 --tasks arc_easy";
    b.git_revision = "deadbeef";
    store_config_hash(&b, hb);
    CHECK(strcmp(ha, hb) == 0);
    b.seed = 1235;
    store_config_hash(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    b = eval_info();
    b.settings_json = "{\"tasks\": [\"arc_easy\"], \"num_fewshot\": 5}";
    store_config_hash(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    /* a field boundary moved: "ab"+"12" vs "ab1"+"2" must differ */
    b = eval_info();
    b.model_sha256 = "ab1";
    b.model_config_json = "2{\"width\": 64}";
    store_config_hash(&b, hb);
    CHECK(strcmp(ha, hb) != 0);
    CHECK_EQ_INT(strlen(ha), 64);
}

TEST(store_run_lifecycle_and_resumable) {
    errbuf e;
    store *st = store_open(tmp_path("runs.db"), NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    char hash[65];
    store_config_hash(&info, hash);
    int64_t run, found = -1;
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 0);
    if (!CHECKF(store_run_begin(st, &info, &run, &e) == 0, "%s", e.msg)) goto done;
    run_seen s;
    CHECK(store_run_get(st, run, seen_cb, &s, &e) == 0);
    CHECK(s.status == STORE_RUN_RUNNING && strcmp(s.config_hash, hash) == 0 && strlen(s.uuid) == 36 && s.host[0]);
    CHECK(s.uuid[14] == '4'); /* version 4 */
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 1 && found == run);
    CHECK(store_run_find_resumable(st, STORE_RUN_BENCH, hash, &found, &e) == 0);
    CHECKF(store_run_interrupt(st, run, &e) == 0, "%s", e.msg);
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 1 && found == run);
    CHECK(store_run_interrupt(st, run, &e) != 0);
    CHECKF(strstr(e.msg, "cannot interrupt run") && strstr(e.msg, "it is interrupted"), "message: %s", e.msg);
    CHECKF(store_run_resume(st, run, &e) == 0, "%s", e.msg);
    CHECKF(store_run_fail(st, run, "out of memory", &e) == 0, "%s", e.msg);
    CHECKF(store_run_resume(st, run, &e) == 0, "%s", e.msg);
    CHECK(store_run_get(st, run, seen_cb, &s, &e) == 0);
    CHECK(s.status == STORE_RUN_RUNNING && s.n_resumes == 2 && s.error[0] == 0);
    CHECKF(store_run_finish(st, run, &e) == 0, "%s", e.msg);
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 0);
    CHECK(store_run_resume(st, run, &e) != 0);
    CHECKF(strstr(e.msg, "it is finished"), "message: %s", e.msg);
    CHECK(store_run_finish(st, 999, &e) != 0);
    CHECKF(strstr(e.msg, "no such run"), "message: %s", e.msg);

    /* A run still marked running by a live process on this host is not
     * offered (our parent process stands in for another griffin). */
    int64_t live;
    CHECK(store_run_begin(st, &info, &live, &e) == 0);
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE runs SET pid = %d WHERE id = %lld", (int)getppid(), (long long)live);
    CHECK(raw_exec(tmp_path("runs.db"), sql) == 0);
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 0);
    snprintf(sql, sizeof sql, "UPDATE runs SET host = 'elsewhere' WHERE id = %lld", (long long)live);
    CHECK(raw_exec(tmp_path("runs.db"), sql) == 0);
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 1 && found == live);

    /* lookup by id, uuid and uuid prefix */
    int64_t got;
    CHECK(store_run_get(st, run, seen_cb, &s, &e) == 0);
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%.8s", s.uuid);
    CHECK(store_run_lookup(st, "1", &got, &e) == 0 && got == run);
    CHECK(store_run_lookup(st, s.uuid, &got, &e) == 0 && got == run);
    CHECK(store_run_lookup(st, prefix, &got, &e) == 0 && got == run);
    CHECK(store_run_lookup(st, "77", &got, &e) != 0);
    CHECKF(strstr(e.msg, "no run with id '77'"), "message: %s", e.msg);
    CHECK(store_run_lookup(st, "ab", &got, &e) != 0);
    CHECKF(strstr(e.msg, "at least 4"), "message: %s", e.msg);

    /* explicit uuid (shards share one), bad uuid, bad JSON */
    store_run_info shard = eval_info();
    shard.uuid = "11111111-2222-4333-8444-555555555555";
    CHECK(store_run_begin(st, &shard, &got, &e) == 0);
    CHECK(store_run_begin(st, &shard, &got, &e) != 0);
    CHECKF(strstr(e.msg, "UNIQUE") && strstr(e.msg, "runs.uuid"), "message: %s", e.msg);
    shard.uuid = "no spaces please";
    CHECK(store_run_begin(st, &shard, &got, &e) != 0);
    CHECKF(strstr(e.msg, "no spaces please"), "message: %s", e.msg);
    shard.uuid = NULL;
    shard.settings_json = "{tasks: oops";
    CHECK(store_run_begin(st, &shard, &got, &e) != 0);
    CHECKF(strstr(e.msg, "CHECK constraint failed") && strstr(e.msg, "settings_json"), "message: %s", e.msg);
done:
    store_close(st);
}

/* ---- requests ------------------------------------------------------------ */

typedef struct results_seen {
    int n;
    double loglik[8];
    int greedy[8];
    char ids[8][16];
    char generated[64];
    long long n_cont, elapsed;
} results_seen;

static int result_cb(void *arg, const store_result *r) {
    results_seen *s = arg;
    if (s->n < 8) {
        s->loglik[s->n] = r->loglik;
        s->greedy[s->n] = r->is_greedy;
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", r->request_id);
    }
    if (r->kind == STORE_REQ_GENERATE_UNTIL) {
        snprintf(s->generated, sizeof s->generated, "%s", r->generated);
        s->n_cont = r->n_cont_tokens;
        s->elapsed = r->elapsed_ns;
    }
    s->n++;
    return 0;
}

TEST(store_batches_and_done_set) {
    errbuf e;
    store *st = store_open(tmp_path("req.db"), NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run;
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    /* A double goes through SQLite's REAL bit for bit. */
    const double exact = -1.2345678901234567e-3;
    store_result b1[3] = {ll("arc/0/0", exact, 1), ll("arc/0/1", -7.0, 0), ll("arc/1/0", -0.0, -1)};
    size_t dup = 99;
    CHECKF(store_put_results(st, run, b1, 3, &dup, &e) == 0, "%s", e.msg);
    CHECK_EQ_INT(dup, 0);
    store_result g = {.request_id = "gsm/3", .kind = STORE_REQ_GENERATE_UNTIL, .loglik = NAN, .is_greedy = -1,
                      .generated = "The answer is 42.\n", .n_ctx_tokens = 100, .n_cont_tokens = 6,
                      .elapsed_ns = 123456789};
    CHECKF(store_put_results(st, run, &g, 1, NULL, &e) == 0, "%s", e.msg);
    store_idset *done = store_done_requests(st, run, &e);
    if (CHECKF(done, "%s", e.msg)) {
        CHECK_EQ_INT(store_idset_count(done), 4);
        CHECK(store_idset_has(done, "arc/0/0") && store_idset_has(done, "arc/1/0") && store_idset_has(done, "gsm/3"));
        CHECK(!store_idset_has(done, "arc/1/1") && !store_idset_has(done, "arc/0/") && !store_idset_has(done, ""));
    }
    store_idset_free(done);
    results_seen s = {0};
    CHECK(store_results_each(st, run, result_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 4);
    CHECK(strcmp(s.ids[0], "arc/0/0") == 0 && s.loglik[0] == exact && s.greedy[0] == 1);
    CHECK(s.loglik[1] == -7.0 && s.greedy[1] == 0 && s.greedy[2] == -1);
    CHECK(isnan(s.loglik[3]) && strcmp(s.generated, "The answer is 42.\n") == 0 && s.n_cont == 6 &&
          s.elapsed == 123456789);
    /* An empty run's done-set is empty; a missing run is an error. */
    int64_t run2;
    CHECK(store_run_begin(st, &info, &run2, &e) == 0);
    done = store_done_requests(st, run2, &e);
    CHECK(done && store_idset_count(done) == 0 && !store_idset_has(done, "arc/0/0"));
    store_idset_free(done);
    CHECK(store_done_requests(st, 4242, &e) == NULL);
    CHECKF(strstr(e.msg, "no run with id 4242"), "message: %s", e.msg);
    CHECK(store_put_results(st, 4242, b1, 1, NULL, &e) != 0);
    CHECKF(strstr(e.msg, "storing results: no run with id 4242"), "message: %s", e.msg);
    /* Many ids: the set grows past its first table. */
    store_result many[500];
    char ids[500][16];
    for (int i = 0; i < 500; i++) {
        snprintf(ids[i], sizeof ids[i], "m%d", i);
        many[i] = ll(ids[i], -i, 0);
    }
    CHECK(store_put_results(st, run2, many, 500, NULL, &e) == 0);
    done = store_done_requests(st, run2, &e);
    int all = done && store_idset_count(done) == 500;
    for (int i = 0; done && i < 500; i++) all &= store_idset_has(done, ids[i]);
    CHECK(all && !store_idset_has(done, "m500"));
    store_idset_free(done);
    store_close(st);
}

TEST(store_batch_is_all_or_nothing) {
    errbuf e;
    store *st = store_open(tmp_path("atomic.db"), NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run;
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    store_result bad[3] = {ll("x1", -1, 1), ll("", -1, 1), ll("x3", -1, 1)};
    CHECK(store_put_results(st, run, bad, 3, NULL, &e) != 0);
    CHECKF(strstr(e.msg, "result 1 of the batch has an empty request id"), "message: %s", e.msg);
    /* A constraint SQLite enforces: invalid JSON in the second sample. */
    store_sample sm[2] = {{.task = "arc_easy", .doc_id = 0, .doc_json = "{\"q\": 1}"},
                          {.task = "arc_easy", .doc_id = 1, .doc_json = "{\"q\": "}};
    CHECK(store_put_samples(st, run, sm, 2, &e) != 0);
    CHECKF(strstr(e.msg, "arc_easy doc 1") && strstr(e.msg, "doc_json") && strstr(e.msg, "INSERT OR REPLACE INTO samples"),
           "message: %s", e.msg);
    run_seen s;
    CHECK(store_run_get(st, run, seen_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n_requests, 0);
    CHECK_EQ_INT(raw_int(tmp_path("atomic.db"), "SELECT COUNT(*) FROM samples"), 0);
    /* Nested: an outer transaction makes results and samples one unit. */
    CHECK(store_tx_begin(st, &e) == 0);
    store_result ok = ll("y1", -1, 1);
    CHECK(store_put_results(st, run, &ok, 1, NULL, &e) == 0);
    CHECK(store_put_samples(st, run, sm, 1, &e) == 0);
    store_tx_rollback(st);
    CHECK_EQ_INT(raw_int(tmp_path("atomic.db"), "SELECT COUNT(*) FROM requests"), 0);
    CHECK(store_tx_begin(st, &e) == 0);
    CHECK(store_put_results(st, run, &ok, 1, NULL, &e) == 0);
    CHECK(store_put_samples(st, run, sm, 2, &e) != 0); /* inner failure rolls back only itself */
    CHECK(store_tx_commit(st, &e) == 0);
    CHECK_EQ_INT(raw_int(tmp_path("atomic.db"), "SELECT COUNT(*) FROM requests"), 1);
    CHECK_EQ_INT(raw_int(tmp_path("atomic.db"), "SELECT COUNT(*) FROM samples"), 0);
    store_close(st);
}

TEST(store_duplicate_request_ids_first_wins) {
    errbuf e;
    store *st = store_open(tmp_path("dup.db"), NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run, other;
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    CHECK(store_run_begin(st, &info, &other, &e) == 0);
    store_result first = ll("a", -1.0, 1);
    CHECK(store_put_results(st, run, &first, 1, NULL, &e) == 0);
    store_result batch[4] = {ll("a", -2.0, 0), ll("b", -3.0, 1), ll("b", -4.0, 0), ll("c", -5.0, 1)};
    size_t dup = 0;
    CHECKF(store_put_results(st, run, batch, 4, &dup, &e) == 0, "%s", e.msg);
    CHECK_EQ_INT(dup, 2);
    results_seen s = {0};
    CHECK(store_results_each(st, run, result_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 3);
    CHECK(s.loglik[0] == -1.0 && s.greedy[0] == 1); /* a: the first value stays */
    CHECK(s.loglik[1] == -3.0 && s.greedy[1] == 1); /* b: the first in the batch */
    CHECK(s.loglik[2] == -5.0);
    /* The same id in another run is another request. */
    CHECK(store_put_results(st, other, batch, 1, &dup, &e) == 0 && dup == 0);
    store_close(st);
}

/* ---- resume after kill -9 ------------------------------------------------ */

#define KILL_BATCH 50
#define KILL_TOTAL 10000

static double kill_loglik(int i) { return -0.5 * (i + 1); }

/* The child: writes batches of KILL_BATCH results, each inside a
 * transaction held open for a few ms (so the kill lands inside one), and
 * reports each commit on the pipe. */
static void kill_child(const char *path, int64_t run, int fd) {
    errbuf e;
    store *st = store_open(path, NULL, &e);
    if (!st) _exit(3);
    static char ids[KILL_BATCH][24];
    store_result r[KILL_BATCH];
    for (int b = 0; b < KILL_TOTAL / KILL_BATCH; b++) {
        for (int i = 0; i < KILL_BATCH; i++) {
            int k = b * KILL_BATCH + i;
            snprintf(ids[i], sizeof ids[i], "req-%06d", k);
            r[i] = ll(ids[i], kill_loglik(k), 1);
        }
        if (store_tx_begin(st, &e) != 0 || store_put_results(st, run, r, KILL_BATCH, NULL, &e) != 0) _exit(4);
        usleep(3000);
        if (store_tx_commit(st, &e) != 0) _exit(5);
        if (write(fd, &b, sizeof b) != (ssize_t)sizeof b) _exit(6);
    }
    pause(); /* finished without being killed: the parent will see it */
    _exit(0);
}

typedef struct kill_check {
    int n, bad;
} kill_check;

static int kill_result_cb(void *arg, const store_result *r) {
    kill_check *c = arg;
    char want[24];
    snprintf(want, sizeof want, "req-%06d", c->n);
    if (strcmp(r->request_id, want) != 0 || r->loglik != kill_loglik(c->n)) c->bad++;
    c->n++;
    return 0;
}

TEST(store_resume_after_sigkill_keeps_committed_batches) {
    errbuf e;
    const char *path = tmp_path("kill.db");
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run;
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    /* SQLite connections must not cross fork(): close ours first. */
    store_close(st);
    int fds[2];
    if (!CHECK(pipe(fds) == 0)) return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        kill_child(path, run, fds[1]);
    }
    close(fds[1]);
    int b = -1, reported = 0;
    while (reported < 3 && read(fds[0], &b, sizeof b) == (ssize_t)sizeof b) reported++;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    while (read(fds[0], &b, sizeof b) == (ssize_t)sizeof b) reported++; /* commits the pipe had queued */
    close(fds[0]);
    CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
    CHECKF(reported >= 3, "child reported %d batches", reported);

    st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    CHECKF(store_check(st, &e) == 0, "%s", e.msg);
    kill_check c = {0};
    CHECK(store_results_each(st, run, kill_result_cb, &c, &e) == 0);
    /* every reported batch is there, whole, and nothing of a later one */
    CHECKF(c.n >= reported * KILL_BATCH && c.n % KILL_BATCH == 0 && c.n < KILL_TOTAL, "%d results after %d batches",
           c.n, reported);
    CHECK_EQ_INT(c.bad, 0);

    /* Re-running the same command finds the run and computes only the rest. */
    char hash[65];
    store_config_hash(&info, hash);
    int64_t found = 0;
    CHECK(store_run_find_resumable(st, STORE_RUN_EVAL, hash, &found, &e) == 1 && found == run);
    CHECKF(store_run_resume(st, run, &e) == 0, "%s", e.msg);
    store_idset *done = store_done_requests(st, run, &e);
    if (!CHECKF(done, "%s", e.msg)) goto out;
    int computed = 0;
    size_t dup_total = 0;
    static char ids[KILL_TOTAL][24];
    static store_result r[KILL_TOTAL];
    int n = 0;
    for (int k = 0; k < KILL_TOTAL; k++) {
        snprintf(ids[k], sizeof ids[k], "req-%06d", k);
        if (store_idset_has(done, ids[k])) continue;
        r[n++] = ll(ids[k], kill_loglik(k), 1);
        computed++;
    }
    for (int i = 0; i < n; i += 1000) {
        size_t dup = 0;
        CHECK(store_put_results(st, run, r + i, (size_t)(n - i < 1000 ? n - i : 1000), &dup, &e) == 0);
        dup_total += dup;
    }
    CHECK_EQ_INT(computed, KILL_TOTAL - c.n);
    CHECK_EQ_INT(dup_total, 0);
    CHECK(store_run_finish(st, run, &e) == 0);
    kill_check all = {0};
    CHECK(store_results_each(st, run, kill_result_cb, &all, &e) == 0);
    CHECK_EQ_INT(all.n, KILL_TOTAL);
    CHECK_EQ_INT(all.bad, 0);
    run_seen s;
    CHECK(store_run_get(st, run, seen_cb, &s, &e) == 0 && s.status == STORE_RUN_FINISHED && s.n_resumes == 1);
    CHECKF(store_check(st, &e) == 0, "%s", e.msg);
    store_idset_free(done);
out:
    store_close(st);
}

/* ---- concurrent readers -------------------------------------------------- */

TEST(store_reader_not_blocked_by_open_write) {
    errbuf e;
    const char *path = tmp_path("wal.db");
    store *w = store_open(path, NULL, &e);
    if (!CHECKF(w, "%s", e.msg)) return;
    store_run_info info = eval_info();
    int64_t run;
    CHECK(store_run_begin(w, &info, &run, &e) == 0);
    store_open_opts ro = {.read_only = 1, .busy_timeout_ms = 50};
    store *r = store_open(path, &ro, &e);
    if (!CHECKF(r, "%s", e.msg)) {
        store_close(w);
        return;
    }
    CHECK(store_tx_begin(w, &e) == 0);
    store_result x = ll("pending", -1, 1);
    CHECK(store_put_results(w, run, &x, 1, NULL, &e) == 0);
    /* The writer holds its transaction; the reader reads the last commit. */
    store_idset *done = store_done_requests(r, run, &e);
    CHECKF(done && store_idset_count(done) == 0, "%s", done ? "pending write visible" : e.msg);
    store_idset_free(done);
    /* A second writer waits its busy timeout, then says which file and what. */
    store_open_opts quick = {.busy_timeout_ms = 50};
    store *w2 = store_open(path, &quick, &e);
    if (CHECKF(w2, "%s", e.msg)) {
        store_result y = ll("other", -1, 1);
        CHECK(store_put_results(w2, run, &y, 1, NULL, &e) != 0);
        CHECKF(strstr(e.msg, path) && strstr(e.msg, "locked"), "message: %s", e.msg);
    }
    CHECK(store_tx_commit(w, &e) == 0);
    done = store_done_requests(r, run, &e);
    CHECK(done && store_idset_count(done) == 1 && store_idset_has(done, "pending"));
    store_idset_free(done);
    store_close(w2);
    store_close(r);
    store_close(w);
}

/* ---- several processes at once ------------------------------------------- */

#define N_OPENERS 4

TEST(store_concurrent_first_open_and_writes) {
    /* Processes that find the same new file at the same moment: one
     * migrates, the others wait and see it migrated; all can write. */
    const char *path = tmp_path("race.db");
    pid_t pids[N_OPENERS];
    fflush(NULL);
    for (int i = 0; i < N_OPENERS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            errbuf e;
            store *st = store_open(path, NULL, &e);
            if (!st) {
                fprintf(stderr, "child %d: %s\n", i, e.msg);
                _exit(1);
            }
            store_run_info info = eval_info();
            int64_t run;
            int rc = store_run_begin(st, &info, &run, &e);
            char ids[20][8];
            store_result r[20];
            for (int k = 0; k < 20 && rc == 0; k++) {
                snprintf(ids[k], sizeof ids[k], "q%d", k);
                r[k] = ll(ids[k], -k, 1);
                rc = store_put_results(st, run, &r[k], 1, NULL, &e);
            }
            if (rc) fprintf(stderr, "child %d: %s\n", i, e.msg);
            store_close(st);
            _exit(rc ? 2 : 0);
        }
    }
    int ok = 0;
    for (int i = 0; i < N_OPENERS; i++) {
        int status;
        waitpid(pids[i], &status, 0);
        ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK_EQ_INT(ok, N_OPENERS);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM schema_version"), STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM runs"), N_OPENERS);
    CHECK_EQ_INT(raw_int(path, "SELECT COUNT(*) FROM requests"), 20 * N_OPENERS);
}

/* A uuid prefix made only of digits still finds its run (once flaky: it was
 * read as a run id). */
TEST(store_run_lookup_all_digit_uuid_prefix) {
    errbuf e;
    store *st = store_open(tmp_path("digits.db"), NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    store_run_info info = eval_info();
    info.uuid = "12345678-0000-4000-8000-000000000000";
    int64_t run, got;
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    CHECK(store_run_lookup(st, "12345678", &got, &e) == 0 && got == run);
    CHECK(store_run_lookup(st, "1", &got, &e) == 0 && got == run); /* the id */
    CHECK(store_run_lookup(st, "9", &got, &e) != 0);
    store_close(st);
}
