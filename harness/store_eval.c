/* harness/store_eval.c: what an eval run writes — per-request results (and
 * the done-set a resumed run consults), samples, metrics, task infos and
 * timings. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/store.h"
#include "harness/store_impl.h"

static const char *const req_kind_names[] = {"loglikelihood", "loglikelihood_rolling", "generate_until"};

const char *store_req_kind_name(store_req_kind k) {
    return (unsigned)k < sizeof req_kind_names / sizeof req_kind_names[0] ? req_kind_names[k] : "?";
}

/* ---- requests ------------------------------------------------------------ */

int store_put_results(store *st, int64_t run_id, const store_result *r, size_t n, size_t *n_duplicate,
                      errbuf *e) {
    static const char sql[] =
        "INSERT INTO requests (run_id, request_id, kind, loglik, is_greedy, generated, n_ctx_tokens, "
        "n_cont_tokens, elapsed_ns, args_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (run_id, request_id) DO NOTHING";
    size_t dup = 0;
    if (n_duplicate) *n_duplicate = 0;
    if (store_need_run(st, run_id, "storing results", e) != 0) return -1;
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const store_result *x = &r[i];
        if (!x->request_id || !*x->request_id) {
            store_tx_rollback(st);
            return err_set(e, "%s: run %" PRId64 ": result %zu of the batch has an empty request id", st->path,
                           run_id, i);
        }
        if ((unsigned)x->kind > STORE_REQ_GENERATE_UNTIL) {
            store_tx_rollback(st);
            return err_set(e, "%s: run %" PRId64 ": request '%s': kind %d is not a request kind", st->path, run_id,
                           x->request_id, (int)x->kind);
        }
        sqlite3_stmt *s = store_stmt(st, sql, e);
        if (!s) {
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int64(s, 1, run_id);
        store_bind_text(s, 2, x->request_id);
        store_bind_text(s, 3, store_req_kind_name(x->kind));
        store_bind_double(s, 4, x->loglik);
        if (x->is_greedy >= 0) sqlite3_bind_int(s, 5, x->is_greedy ? 1 : 0);
        store_bind_text(s, 6, x->generated);
        store_bind_count(s, 7, x->n_ctx_tokens);
        store_bind_count(s, 8, x->n_cont_tokens);
        store_bind_count(s, 9, x->elapsed_ns);
        store_bind_text(s, 10, x->args_sha256);
        if (sqlite3_step(s) != SQLITE_DONE) {
            store_err(st, e, sql, "run %" PRId64 ": storing request '%s'", run_id, x->request_id);
            sqlite3_reset(s);
            store_tx_rollback(st);
            return -1;
        }
        if (sqlite3_changes(st->db) == 0) dup++;
        sqlite3_reset(s);
    }
    if (store_tx_commit(st, e) != 0) return err_prefix(e, "run %" PRId64 ": committing %zu results", run_id, n);
    if (n_duplicate) *n_duplicate = dup;
    return 0;
}

int store_results_each(store *st, int64_t run_id, store_result_fn fn, void *arg, errbuf *e) {
    static const char sql[] = "SELECT request_id, kind, loglik, is_greedy, generated, n_ctx_tokens, n_cont_tokens, "
                              "elapsed_ns, args_sha256 FROM requests WHERE run_id = ? ORDER BY request_id";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_result r = {0};
        r.request_id = store_col_text(s, 0);
        const char *kind = store_col_text(s, 1);
        for (int k = 0; k < 3; k++)
            if (kind && strcmp(kind, req_kind_names[k]) == 0) r.kind = (store_req_kind)k;
        r.loglik = store_col_double(s, 2);
        r.is_greedy = (int)store_col_count(s, 3);
        r.generated = store_col_text(s, 4);
        r.n_ctx_tokens = store_col_count(s, 5);
        r.n_cont_tokens = store_col_count(s, 6);
        r.elapsed_ns = store_col_count(s, 7);
        r.args_sha256 = store_col_text(s, 8);
        if ((ret = fn(arg, &r)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading results of run %" PRId64, run_id);
    sqlite3_reset(s);
    return ret;
}

/* ---- the done-set -------------------------------------------------------- */

/* Open addressing over offsets into one character pool: two allocations
 * however many ids, and a lookup is a hash and a few string compares. */
struct store_idset {
    char *pool;         /* the ids, NUL-separated */
    size_t *slots;      /* offset + 1 into pool; 0 is empty */
    size_t n_slots;     /* a power of two, at least twice the count */
    size_t count;
};

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int idset_build(store_idset *set, const size_t *offsets, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    set->slots = calloc(cap, sizeof *set->slots);
    if (!set->slots) return -1;
    set->n_slots = cap;
    for (size_t i = 0; i < n; i++) {
        const char *id = set->pool + offsets[i];
        size_t j = (size_t)fnv1a(id) & (cap - 1);
        while (set->slots[j]) j = (j + 1) & (cap - 1);
        set->slots[j] = offsets[i] + 1;
    }
    set->count = n;
    return 0;
}

store_idset *store_done_requests(store *st, int64_t run_id, errbuf *e) {
    static const char sql[] = "SELECT request_id FROM requests WHERE run_id = ?";
    if (store_need_run(st, run_id, "reading finished requests", e) != 0) return NULL;
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return NULL;
    sqlite3_bind_int64(s, 1, run_id);
    store_idset *set = calloc(1, sizeof *set);
    strbuf pool;
    strbuf_init(&pool);
    size_t *offsets = NULL, n = 0, cap = 0;
    int rc = SQLITE_DONE, oom = !set;
    while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 1024;
            size_t *no = realloc(offsets, ncap * sizeof *no);
            if (!no) {
                oom = 1;
                break;
            }
            offsets = no;
            cap = ncap;
        }
        offsets[n++] = pool.len;
        strbuf_append(&pool, id, strlen(id) + 1); /* keeps the NUL as separator */
        oom = strbuf_failed(&pool);
    }
    sqlite3_reset(s);
    if (oom) {
        err_set(e, "%s: run %" PRId64 ": out of memory reading finished requests", st->path, run_id);
    } else if (rc != SQLITE_DONE) {
        store_err(st, e, sql, "reading finished requests of run %" PRId64, run_id);
    } else {
        set->pool = strbuf_take(&pool);
        if (idset_build(set, offsets, n) == 0) {
            free(offsets);
            return set;
        }
        err_set(e, "%s: run %" PRId64 ": out of memory for %zu finished requests", st->path, run_id, n);
    }
    free(offsets);
    strbuf_deinit(&pool);
    store_idset_free(set);
    return NULL;
}

int store_idset_has(const store_idset *set, const char *id) {
    if (!set || !set->n_slots || !id) return 0;
    size_t mask = set->n_slots - 1, j = (size_t)fnv1a(id) & mask;
    while (set->slots[j]) {
        if (strcmp(set->pool + set->slots[j] - 1, id) == 0) return 1;
        j = (j + 1) & mask;
    }
    return 0;
}

size_t store_idset_count(const store_idset *set) { return set ? set->count : 0; }

void store_idset_free(store_idset *set) {
    if (!set) return;
    free(set->pool);
    free(set->slots);
    free(set);
}

/* ---- samples ------------------------------------------------------------- */

int store_put_samples(store *st, int64_t run_id, const store_sample *x, size_t n, errbuf *e) {
    static const char sql[] =
        "INSERT OR REPLACE INTO samples (run_id, task, doc_id, filter, doc_json, target, arguments_json, "
        "resps_json, filtered_resps_json, metrics_json, prompt_sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    if (store_need_run(st, run_id, "storing samples", e) != 0) return -1;
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const store_sample *p = &x[i];
        if (!p->task || !*p->task) {
            store_tx_rollback(st);
            return err_set(e, "%s: run %" PRId64 ": sample %zu of the batch has no task", st->path, run_id, i);
        }
        sqlite3_stmt *s = store_stmt(st, sql, e);
        if (!s) {
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int64(s, 1, run_id);
        store_bind_text(s, 2, p->task);
        sqlite3_bind_int64(s, 3, p->doc_id);
        store_bind_text(s, 4, p->filter ? p->filter : "none");
        store_bind_text(s, 5, p->doc_json);
        store_bind_text(s, 6, p->target);
        store_bind_text(s, 7, p->arguments_json);
        store_bind_text(s, 8, p->resps_json);
        store_bind_text(s, 9, p->filtered_resps_json);
        store_bind_text(s, 10, p->metrics_json);
        store_bind_text(s, 11, p->prompt_sha256);
        if (sqlite3_step(s) != SQLITE_DONE) {
            store_err(st, e, sql, "run %" PRId64 ": storing sample %s doc %" PRId64, run_id, p->task, p->doc_id);
            sqlite3_reset(s);
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_reset(s);
    }
    if (store_tx_commit(st, e) != 0) return err_prefix(e, "run %" PRId64 ": committing %zu samples", run_id, n);
    return 0;
}

int store_samples_each(store *st, int64_t run_id, const char *task, store_sample_fn fn, void *arg, errbuf *e) {
    static const char sql[] =
        "SELECT task, doc_id, filter, doc_json, target, arguments_json, resps_json, filtered_resps_json, "
        "metrics_json, prompt_sha256 FROM samples WHERE run_id = ?1 AND (?2 IS NULL OR task = ?2) "
        "ORDER BY task, doc_id, filter";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    store_bind_text(s, 2, task);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_sample p = {
            .task = store_col_text(s, 0),
            .doc_id = sqlite3_column_int64(s, 1),
            .filter = store_col_text(s, 2),
            .doc_json = store_col_text(s, 3),
            .target = store_col_text(s, 4),
            .arguments_json = store_col_text(s, 5),
            .resps_json = store_col_text(s, 6),
            .filtered_resps_json = store_col_text(s, 7),
            .metrics_json = store_col_text(s, 8),
            .prompt_sha256 = store_col_text(s, 9),
        };
        if ((ret = fn(arg, &p)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading samples of run %" PRId64, run_id);
    sqlite3_reset(s);
    return ret;
}

/* ---- metrics ------------------------------------------------------------- */

int store_put_metrics(store *st, int64_t run_id, const store_metric *m, size_t n, errbuf *e) {
    static const char sql[] =
        "INSERT OR REPLACE INTO metrics (run_id, task, metric, filter, value, stderr, n, higher_is_better, is_group) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    if (store_need_run(st, run_id, "storing metrics", e) != 0) return -1;
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const store_metric *p = &m[i];
        if (!p->task || !*p->task || !p->metric || !*p->metric) {
            store_tx_rollback(st);
            return err_set(e, "%s: run %" PRId64 ": metric %zu of the batch needs a task and a metric name",
                           st->path, run_id, i);
        }
        sqlite3_stmt *s = store_stmt(st, sql, e);
        if (!s) {
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int64(s, 1, run_id);
        store_bind_text(s, 2, p->task);
        store_bind_text(s, 3, p->metric);
        store_bind_text(s, 4, p->filter ? p->filter : "none");
        store_bind_double(s, 5, p->value);
        store_bind_double(s, 6, p->value_stderr);
        store_bind_count(s, 7, p->n);
        if (p->higher_is_better >= 0) sqlite3_bind_int(s, 8, p->higher_is_better ? 1 : 0);
        sqlite3_bind_int(s, 9, p->is_group ? 1 : 0);
        if (sqlite3_step(s) != SQLITE_DONE) {
            store_err(st, e, sql, "run %" PRId64 ": storing metric %s/%s", run_id, p->task, p->metric);
            sqlite3_reset(s);
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_reset(s);
    }
    if (store_tx_commit(st, e) != 0) return err_prefix(e, "run %" PRId64 ": committing %zu metrics", run_id, n);
    return 0;
}

int store_metrics_each(store *st, int64_t run_id, store_metric_fn fn, void *arg, errbuf *e) {
    static const char sql[] =
        "SELECT run_id, task, metric, filter, value, stderr, n, higher_is_better, is_group FROM metrics "
        "WHERE ?1 = 0 OR run_id = ?1 ORDER BY run_id, is_group, task, metric, filter";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_metric m = {
            .run_id = sqlite3_column_int64(s, 0),
            .task = store_col_text(s, 1),
            .metric = store_col_text(s, 2),
            .filter = store_col_text(s, 3),
            .value = store_col_double(s, 4),
            .value_stderr = store_col_double(s, 5),
            .n = store_col_count(s, 6),
            .higher_is_better = (int)store_col_count(s, 7),
            .is_group = sqlite3_column_int(s, 8),
        };
        if ((ret = fn(arg, &m)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading metrics of run %" PRId64, run_id);
    sqlite3_reset(s);
    return ret;
}

/* ---- task infos ---------------------------------------------------------- */

int store_put_task_info(store *st, int64_t run_id, const store_task_info *t, errbuf *e) {
    static const char sql[] = "INSERT OR REPLACE INTO run_tasks (run_id, task, version, num_fewshot, n_docs_total, "
                              "n_docs, config_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    if (!t->task || !*t->task) return err_set(e, "%s: run %" PRId64 ": task info without a task name", st->path, run_id);
    if (store_need_run(st, run_id, "storing task info", e) != 0) return -1;
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    store_bind_text(s, 2, t->task);
    store_bind_text(s, 3, t->version);
    sqlite3_bind_int(s, 4, t->num_fewshot);
    store_bind_count(s, 5, t->n_docs_total);
    store_bind_count(s, 6, t->n_docs);
    store_bind_text(s, 7, t->config_json);
    return store_step_done(st, s, sql, e, "storing task info");
}

int store_task_infos_each(store *st, int64_t run_id, store_task_info_fn fn, void *arg, errbuf *e) {
    static const char sql[] = "SELECT task, version, num_fewshot, n_docs_total, n_docs, config_json FROM run_tasks "
                              "WHERE run_id = ? ORDER BY task";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_task_info t = {
            .task = store_col_text(s, 0),
            .version = store_col_text(s, 1),
            .num_fewshot = sqlite3_column_int(s, 2),
            .n_docs_total = store_col_count(s, 3),
            .n_docs = store_col_count(s, 4),
            .config_json = store_col_text(s, 5),
        };
        if ((ret = fn(arg, &t)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading task infos of run %" PRId64, run_id);
    sqlite3_reset(s);
    return ret;
}

/* ---- timings ------------------------------------------------------------- */

int store_timing_add(store *st, int64_t run_id, const char *phase, double wall_s, double model_s,
                     int64_t n_tokens, int64_t n_requests, errbuf *e) {
    static const char sql[] =
        "INSERT INTO timings (run_id, session, phase, wall_s, model_s, n_tokens, n_requests) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (run_id, session, phase) DO UPDATE SET "
        "wall_s = wall_s + excluded.wall_s, model_s = model_s + excluded.model_s, "
        "n_tokens = n_tokens + excluded.n_tokens, n_requests = n_requests + excluded.n_requests";
    if (!phase || !*phase) return err_set(e, "%s: run %" PRId64 ": timing without a phase name", st->path, run_id);
    if (!(wall_s >= 0) || !(model_s >= 0) || n_tokens < 0 || n_requests < 0)
        return err_set(e, "%s: run %" PRId64 ": timing '%s': expected non-negative times and counts, got wall %g s, "
                       "model %g s, %" PRId64 " tokens, %" PRId64 " requests",
                       st->path, run_id, phase, wall_s, model_s, n_tokens, n_requests);
    if (store_need_run(st, run_id, "storing timings", e) != 0) return -1;
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    store_bind_text(s, 2, st->session);
    store_bind_text(s, 3, phase);
    sqlite3_bind_double(s, 4, wall_s);
    sqlite3_bind_double(s, 5, model_s);
    sqlite3_bind_int64(s, 6, n_tokens);
    sqlite3_bind_int64(s, 7, n_requests);
    return store_step_done(st, s, sql, e, "adding timings");
}

int store_timings_each(store *st, int64_t run_id, store_timing_fn fn, void *arg, errbuf *e) {
    static const char sql[] = "SELECT phase, SUM(wall_s), SUM(model_s), SUM(n_tokens), SUM(n_requests) FROM timings "
                              "WHERE run_id = ? GROUP BY phase ORDER BY phase";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_timing t = {
            .phase = store_col_text(s, 0),
            .wall_s = sqlite3_column_double(s, 1),
            .model_s = sqlite3_column_double(s, 2),
            .n_tokens = sqlite3_column_int64(s, 3),
            .n_requests = sqlite3_column_int64(s, 4),
        };
        if ((ret = fn(arg, &t)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading timings of run %" PRId64, run_id);
    sqlite3_reset(s);
    return ret;
}
