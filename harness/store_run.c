/* harness/store_run.c: runs — begin, status changes, resume lookup, listing. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sha256.h"
#include "harness/store.h"
#include "harness/store_impl.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static const char *const kind_names[] = {"eval", "bench", "safety"};
static const char *const status_names[] = {"running", "finished", "failed", "interrupted"};

const char *store_run_kind_name(store_run_kind k) {
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

const char *store_run_status_name(store_run_status s) {
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

static int name_index(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return 0; /* CHECK constraints keep other values out of the file */
}

/* ---- config hash --------------------------------------------------------- */

/* Each field goes in as "name:length:value\n" (or "name:-\n" for NULL), so
 * no two different settings produce the same byte stream. */
static void hash_field(sha256_ctx *c, const char *name, const char *v) {
    char head[96];
    if (v) snprintf(head, sizeof head, "%s:%zu:", name, strlen(v));
    else snprintf(head, sizeof head, "%s:-", name);
    sha256_update(c, head, strlen(head));
    if (v) sha256_update(c, v, strlen(v));
    sha256_update(c, "\n", 1);
}

void store_config_hash(const store_run_info *info, char out[65]) {
    sha256_ctx c;
    sha256_init(&c);
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRId64, info->seed);
    hash_field(&c, "griffin-run-config", "1");
    hash_field(&c, "kind", store_run_kind_name(info->kind));
    if (info->model_sha256) hash_field(&c, "model_sha256", info->model_sha256);
    else hash_field(&c, "model_path", info->model_path);
    hash_field(&c, "model_config", info->model_config_json);
    hash_field(&c, "backend", info->backend);
    hash_field(&c, "seed", seed);
    hash_field(&c, "settings", info->settings_json);
    hash_field(&c, "datasets", info->dataset_sha256_json);
    unsigned char d[32];
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- begin and status changes -------------------------------------------- */

static int valid_uuid(const char *u) {
    size_t n = strlen(u);
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return 0;
    }
    return 1;
}

int store_run_begin(store *st, const store_run_info *info, int64_t *run_id, errbuf *e) {
    static const char sql[] =
        "INSERT INTO runs (uuid, kind, config_hash, pid, command_line, git_revision, host, model_path, "
        "model_sha256, model_config_json, backend, n_threads, seed, settings_json, dataset_sha256_json, machine_id) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
    char uuid[37], hash[65], host[256];
    if (info->uuid) {
        if (!valid_uuid(info->uuid))
            return err_set(e, "%s: run uuid '%s': expected 1 to 64 letters, digits or '-'", st->path, info->uuid);
    } else if (store_uuid(uuid, e) != 0) {
        return -1;
    }
    if (!info->config_hash) store_config_hash(info, hash);
    if (!info->host) {
        if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "unknown");
        host[sizeof host - 1] = 0;
    }
    if ((unsigned)info->kind > STORE_RUN_SAFETY)
        return err_set(e, "%s: run kind %d: expected eval, bench or safety", st->path, (int)info->kind);
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, info->uuid ? info->uuid : uuid);
    store_bind_text(s, 2, store_run_kind_name(info->kind));
    store_bind_text(s, 3, info->config_hash ? info->config_hash : hash);
    sqlite3_bind_int64(s, 4, (int64_t)getpid());
    store_bind_text(s, 5, info->command_line);
    store_bind_text(s, 6, info->git_revision);
    store_bind_text(s, 7, info->host ? info->host : host);
    store_bind_text(s, 8, info->model_path);
    store_bind_text(s, 9, info->model_sha256);
    store_bind_text(s, 10, info->model_config_json);
    store_bind_text(s, 11, info->backend);
    sqlite3_bind_int(s, 12, info->n_threads);
    sqlite3_bind_int64(s, 13, info->seed);
    store_bind_text(s, 14, info->settings_json);
    store_bind_text(s, 15, info->dataset_sha256_json);
    if (info->machine_id > 0) sqlite3_bind_int64(s, 16, info->machine_id);
    if (store_step_done(st, s, sql, e, "beginning a run") != 0) return -1;
    *run_id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

/* Explains why a status change matched no row. */
static int status_change_error(store *st, int64_t run_id, const char *verb, errbuf *e) {
    static const char sql[] = "SELECT status FROM runs WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        err_set(e, "%s: cannot %s run %" PRId64 ": it is %s", st->path, verb, run_id, sqlite3_column_text(s, 0));
    else if (rc == SQLITE_DONE) err_set(e, "%s: cannot %s run %" PRId64 ": no such run", st->path, verb, run_id);
    else store_err(st, e, sql, "reading run %" PRId64, run_id);
    sqlite3_reset(s);
    return -1;
}

static int set_status(store *st, int64_t run_id, store_run_status to, const char *reason, const char *verb,
                      errbuf *e) {
    static const char sql[] = "UPDATE runs SET status = ?1, error = ?2, finished_at = " NOW ", updated_at = " NOW
                              " WHERE id = ?3 AND status = 'running'";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, store_run_status_name(to));
    store_bind_text(s, 2, reason);
    sqlite3_bind_int64(s, 3, run_id);
    if (store_step_done(st, s, sql, e, verb) != 0) return -1;
    if (sqlite3_changes(st->db) == 0) return status_change_error(st, run_id, verb, e);
    return 0;
}

int store_run_finish(store *st, int64_t run_id, errbuf *e) {
    return set_status(st, run_id, STORE_RUN_FINISHED, NULL, "finish", e);
}

int store_run_fail(store *st, int64_t run_id, const char *reason, errbuf *e) {
    return set_status(st, run_id, STORE_RUN_FAILED, reason ? reason : "failed", "fail", e);
}

int store_run_interrupt(store *st, int64_t run_id, errbuf *e) {
    return set_status(st, run_id, STORE_RUN_INTERRUPTED, NULL, "interrupt", e);
}

int store_run_resume(store *st, int64_t run_id, errbuf *e) {
    static const char sql[] =
        "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, n_resumes = n_resumes + 1, "
        "pid = ?1, updated_at = " NOW " WHERE id = ?2 AND status != 'finished'";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, (int64_t)getpid());
    sqlite3_bind_int64(s, 2, run_id);
    if (store_step_done(st, s, sql, e, "resuming a run") != 0) return -1;
    if (sqlite3_changes(st->db) == 0) return status_change_error(st, run_id, "resume", e);
    return 0;
}

/* 1 if pid is a live process on this host (so its run is really running). */
static int live_here(const char *host, int64_t pid) {
    char me[256];
    if (pid <= 0 || !host || gethostname(me, sizeof me) != 0) return 0;
    me[sizeof me - 1] = 0;
    if (strcmp(me, host) != 0 || pid == (int64_t)getpid()) return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int store_run_find_resumable(store *st, store_run_kind kind, const char *config_hash, int64_t *run_id, errbuf *e) {
    static const char sql[] = "SELECT id, status, host, pid FROM runs WHERE kind = ?1 AND config_hash = ?2 "
                              "AND status != 'finished' ORDER BY id DESC";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, store_run_kind_name(kind));
    store_bind_text(s, 2, config_hash);
    int rc, found = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(s, 1);
        if (strcmp(status, "running") == 0 && live_here(store_col_text(s, 2), store_col_count(s, 3))) continue;
        *run_id = sqlite3_column_int64(s, 0);
        found = 1;
        break;
    }
    if (!found && rc != SQLITE_DONE) {
        store_err(st, e, sql, "looking for a run to resume");
        sqlite3_reset(s);
        return -1;
    }
    sqlite3_reset(s);
    return found;
}

/* Runs matching one query: 0, 1 or 2 (more than one). */
static int lookup_count(store *st, const char *sql, const char *key, int numeric, int64_t *run_id, errbuf *e) {
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    if (numeric) sqlite3_bind_int64(s, 1, strtoll(key, NULL, 10));
    else store_bind_text(s, 1, key);
    int n = 0, rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(s, 0);
        n++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_err(st, e, sql, "looking up run '%s'", key);
    return n;
}

int store_run_lookup(store *st, const char *key, int64_t *run_id, errbuf *e) {
    static const char by_id[] = "SELECT id FROM runs WHERE id = ?";
    static const char by_uuid[] = "SELECT id FROM runs WHERE substr(uuid, 1, length(?1)) = ?1 LIMIT 2";
    int numeric = key && *key;
    for (const char *p = key; numeric && *p; p++)
        if (*p < '0' || *p > '9') numeric = 0;
    if (!numeric && (!key || strlen(key) < 4))
        return err_set(e, "%s: run '%s': expected a run id or at least 4 characters of its uuid", st->path,
                       key ? key : "");
    /* All digits is an id first; a uuid prefix can be all digits too. */
    int n = numeric ? lookup_count(st, by_id, key, 1, run_id, e) : 0;
    if (n == 0 && strlen(key) >= 4) n = lookup_count(st, by_uuid, key, 0, run_id, e);
    if (n < 0) return -1;
    if (n == 0) return err_set(e, "%s: no run with %s '%s'", st->path, numeric ? "id" : "uuid", key);
    if (n > 1) return err_set(e, "%s: uuid prefix '%s' matches more than one run; give more of it", st->path, key);
    return 0;
}

/* ---- reading runs -------------------------------------------------------- */

#define RUN_COLS                                                                                              \
    "SELECT r.id, r.uuid, r.kind, r.status, r.created_at, r.finished_at, r.error, r.n_resumes, r.pid, "      \
    "r.config_hash, r.command_line, r.git_revision, r.host, r.model_path, r.model_sha256, "                   \
    "r.model_config_json, r.backend, r.n_threads, r.seed, r.settings_json, r.dataset_sha256_json, "           \
    "r.machine_id, (SELECT COUNT(*) FROM requests q WHERE q.run_id = r.id), "                                 \
    "(SELECT COUNT(*) FROM samples q WHERE q.run_id = r.id), (SELECT COUNT(*) FROM metrics q WHERE q.run_id = r.id), "
#define BENCH_COUNT "(SELECT COUNT(*) FROM bench_points q WHERE q.run_id = r.id) FROM runs r "
#define NO_BENCH_COUNT "0 FROM runs r "

static void read_run(sqlite3_stmt *s, store_run *r) {
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->uuid = store_col_text(s, 1);
    r->info.uuid = r->uuid;
    r->info.kind = (store_run_kind)name_index(kind_names, 3, store_col_text(s, 2));
    r->status = (store_run_status)name_index(status_names, 4, store_col_text(s, 3));
    r->created_at = store_col_text(s, 4);
    r->finished_at = store_col_text(s, 5);
    r->error = store_col_text(s, 6);
    r->n_resumes = sqlite3_column_int(s, 7);
    r->pid = store_col_count(s, 8);
    r->info.config_hash = store_col_text(s, 9);
    r->info.command_line = store_col_text(s, 10);
    r->info.git_revision = store_col_text(s, 11);
    r->info.host = store_col_text(s, 12);
    r->info.model_path = store_col_text(s, 13);
    r->info.model_sha256 = store_col_text(s, 14);
    r->info.model_config_json = store_col_text(s, 15);
    r->info.backend = store_col_text(s, 16);
    r->info.n_threads = sqlite3_column_int(s, 17);
    r->info.seed = sqlite3_column_int64(s, 18);
    r->info.settings_json = store_col_text(s, 19);
    r->info.dataset_sha256_json = store_col_text(s, 20);
    r->info.machine_id = sqlite3_column_int64(s, 21);
    r->n_requests = sqlite3_column_int64(s, 22);
    r->n_samples = sqlite3_column_int64(s, 23);
    r->n_metrics = sqlite3_column_int64(s, 24);
    r->n_bench_points = sqlite3_column_int64(s, 25);
}

static int runs_query(store *st, const char *sql, int64_t run_id, store_run_fn fn, void *arg, errbuf *e,
                      int *n_rows) {
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    if (run_id) sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    *n_rows = 0;
    store_run r;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        read_run(s, &r);
        (*n_rows)++;
        if ((ret = fn(arg, &r)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading runs");
    sqlite3_reset(s);
    return ret;
}

int store_run_get(store *st, int64_t run_id, store_run_fn fn, void *arg, errbuf *e) {
    static const char sql2[] = RUN_COLS BENCH_COUNT "WHERE r.id = ?";
    static const char sql1[] = RUN_COLS NO_BENCH_COUNT "WHERE r.id = ?";
    int n;
    int ret = runs_query(st, st->schema_version >= 2 ? sql2 : sql1, run_id, fn, arg, e, &n);
    if (ret == 0 && n == 0) return err_set(e, "%s: no run with id %" PRId64, st->path, run_id);
    return ret;
}

int store_runs_each(store *st, store_run_fn fn, void *arg, errbuf *e) {
    static const char sql2[] = RUN_COLS BENCH_COUNT "ORDER BY r.id";
    static const char sql1[] = RUN_COLS NO_BENCH_COUNT "ORDER BY r.id";
    int n;
    return runs_query(st, st->schema_version >= 2 ? sql2 : sql1, 0, fn, arg, e, &n);
}

int store_run_delete(store *st, int64_t run_id, errbuf *e) {
    static const char sql[] = "DELETE FROM runs WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    if (store_step_done(st, s, sql, e, "deleting a run") != 0) return -1;
    if (sqlite3_changes(st->db) == 0) return err_set(e, "%s: no run with id %" PRId64 " to delete", st->path, run_id);
    return 0;
}
