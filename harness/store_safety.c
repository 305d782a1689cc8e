/* harness/store_safety.c: the toxicity score cache, safety gate results and
 * the toxicity scorers' metadata (griffin safety). */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "common/sha256.h"
#include "harness/store.h"
#include "harness/store_impl.h"

/* ---- toxicity cache ------------------------------------------------------ */

/* The cache is keyed by the text's SHA-256, not the text: generations can be
 * long, and the samples table already keeps them where they belong. */
int store_tox_get(store *st, const char *scorer, const char *text, strbuf *score_json, errbuf *e) {
    static const char sql[] = "SELECT score_json FROM toxicity_cache WHERE scorer = ?1 AND text_sha256 = ?2";
    if (!scorer || !*scorer || !text) return err_set(e, "%s: toxicity cache: need a scorer name and a text", st->path);
    char hex[65];
    sha256_hex(text, strlen(text), hex);
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, scorer);
    store_bind_text(s, 2, hex);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW) {
        strbuf_clear(score_json);
        strbuf_puts(score_json, (const char *)sqlite3_column_text(s, 0));
        ret = strbuf_failed(score_json) ? err_set(e, "%s: out of memory reading a toxicity score", st->path) : 1;
    } else if (rc == SQLITE_DONE) {
        ret = 0;
    } else {
        ret = store_err(st, e, sql, "reading the toxicity cache (scorer %s)", scorer);
    }
    sqlite3_reset(s);
    return ret;
}

int store_tox_put(store *st, const char *scorer, const char *const *texts, const char *const *score_jsons, size_t n,
                  errbuf *e) {
    static const char sql[] = "INSERT INTO toxicity_cache (scorer, text_sha256, score_json) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT (scorer, text_sha256) DO NOTHING";
    if (!scorer || !*scorer) return err_set(e, "%s: toxicity cache: need a scorer name", st->path);
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!texts[i] || !score_jsons[i]) {
            store_tx_rollback(st);
            return err_set(e, "%s: toxicity cache (scorer %s): entry %zu has no text or no score", st->path, scorer,
                           i);
        }
        char hex[65];
        sha256_hex(texts[i], strlen(texts[i]), hex);
        sqlite3_stmt *s = store_stmt(st, sql, e);
        if (!s) {
            store_tx_rollback(st);
            return -1;
        }
        store_bind_text(s, 1, scorer);
        store_bind_text(s, 2, hex);
        store_bind_text(s, 3, score_jsons[i]);
        if (store_step_done(st, s, sql, e, "caching a toxicity score") != 0) {
            store_tx_rollback(st);
            return err_prefix(e, "scorer %s, entry %zu", scorer, i);
        }
    }
    return store_tx_commit(st, e);
}

/* ---- gates --------------------------------------------------------------- */

static const char *const dir_names[] = {"at_least", "at_most"};

const char *store_gate_dir_name(store_gate_dir d) {
    return (unsigned)d < sizeof dir_names / sizeof dir_names[0] ? dir_names[d] : "?";
}

int store_put_gates(store *st, int64_t run_id, const store_gate *g, size_t n, errbuf *e) {
    static const char sql[] =
        "INSERT OR REPLACE INTO gate_results (run_id, benchmark, metric, value, ci_low, ci_high, threshold, "
        "direction, passed, baseline_run_uuid, baseline_value, delta, scorer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, (SELECT uuid FROM runs WHERE id = ?10), ?11, ?12, ?13)";
    if (store_need_run(st, run_id, "storing gate results", e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!g[i].benchmark || !*g[i].benchmark || !g[i].metric || !*g[i].metric ||
            (unsigned)g[i].direction > STORE_GATE_AT_MOST || isnan(g[i].threshold))
            return err_set(e, "%s: run %" PRId64 ": gate %zu of the batch: expected a benchmark, a metric, a "
                           "threshold and a direction",
                           st->path, run_id, i);
        if (g[i].baseline_run_id > 0 && store_need_run(st, g[i].baseline_run_id, "gate baseline", e) != 0)
            return -1;
    }
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const store_gate *x = &g[i];
        sqlite3_stmt *s = store_stmt(st, sql, e);
        if (!s) {
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int64(s, 1, run_id);
        store_bind_text(s, 2, x->benchmark);
        store_bind_text(s, 3, x->metric);
        store_bind_double(s, 4, x->value);
        store_bind_double(s, 5, x->ci_low);
        store_bind_double(s, 6, x->ci_high);
        sqlite3_bind_double(s, 7, x->threshold);
        store_bind_text(s, 8, store_gate_dir_name(x->direction));
        sqlite3_bind_int(s, 9, x->passed ? 1 : 0);
        sqlite3_bind_int64(s, 10, x->baseline_run_id);
        store_bind_double(s, 11, x->baseline_value);
        store_bind_double(s, 12, x->delta);
        store_bind_text(s, 13, x->scorer);
        if (store_step_done(st, s, sql, e, "storing a gate result") != 0) {
            store_tx_rollback(st);
            return err_prefix(e, "run %" PRId64 ", gate %s/%s", run_id, x->benchmark, x->metric);
        }
    }
    return store_tx_commit(st, e);
}

int store_gates_each(store *st, int64_t run_id, store_gate_fn fn, void *arg, errbuf *e) {
    static const char sql[] =
        "SELECT g.run_id, g.benchmark, g.metric, g.value, g.ci_low, g.ci_high, g.threshold, g.direction, g.passed, "
        "b.id, g.baseline_run_uuid, g.baseline_value, g.delta, g.scorer FROM gate_results g "
        "LEFT JOIN runs b ON b.uuid = g.baseline_run_uuid WHERE ?1 = 0 OR g.run_id = ?1 "
        "ORDER BY g.run_id, g.benchmark, g.metric";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *dir = store_col_text(s, 7);
        store_gate g = {
            .run_id = sqlite3_column_int64(s, 0),
            .benchmark = store_col_text(s, 1),
            .metric = store_col_text(s, 2),
            .value = store_col_double(s, 3),
            .ci_low = store_col_double(s, 4),
            .ci_high = store_col_double(s, 5),
            .threshold = sqlite3_column_double(s, 6),
            .direction = dir && strcmp(dir, "at_most") == 0 ? STORE_GATE_AT_MOST : STORE_GATE_AT_LEAST,
            .passed = sqlite3_column_int(s, 8),
            .baseline_run_id = sqlite3_column_int64(s, 9), /* 0 when NULL */
            .baseline_run_uuid = store_col_text(s, 10),
            .baseline_value = store_col_double(s, 11),
            .delta = store_col_double(s, 12),
            .scorer = store_col_text(s, 13),
        };
        if ((ret = fn(arg, &g)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading gate results");
    sqlite3_reset(s);
    return ret;
}

/* ---- scorers ------------------------------------------------------------- */

int store_scorer_put(store *st, const store_scorer *x, errbuf *e) {
    static const char sql[] =
        "INSERT OR REPLACE INTO scorers (name, kind, model_sha256, train_dataset, n_train, n_heldout, "
        "heldout_accuracy, heldout_auc, meta_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    if (!x->name || !*x->name) return err_set(e, "%s: storing a scorer: it needs a name", st->path);
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, x->name);
    store_bind_text(s, 2, x->kind);
    store_bind_text(s, 3, x->model_sha256);
    store_bind_text(s, 4, x->train_dataset);
    store_bind_count(s, 5, x->n_train);
    store_bind_count(s, 6, x->n_heldout);
    store_bind_double(s, 7, x->heldout_accuracy);
    store_bind_double(s, 8, x->heldout_auc);
    store_bind_text(s, 9, x->meta_json);
    if (store_step_done(st, s, sql, e, "storing a scorer") != 0) return err_prefix(e, "scorer %s", x->name);
    return 0;
}

int store_scorer_get(store *st, const char *name, store_scorer_fn fn, void *arg, errbuf *e) {
    static const char sql[] = "SELECT name, kind, model_sha256, train_dataset, n_train, n_heldout, heldout_accuracy, "
                              "heldout_auc, meta_json FROM scorers WHERE name = ?";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, name);
    int rc = sqlite3_step(s), ret;
    if (rc == SQLITE_ROW) {
        store_scorer x = {
            .name = store_col_text(s, 0),
            .kind = store_col_text(s, 1),
            .model_sha256 = store_col_text(s, 2),
            .train_dataset = store_col_text(s, 3),
            .n_train = store_col_count(s, 4),
            .n_heldout = store_col_count(s, 5),
            .heldout_accuracy = store_col_double(s, 6),
            .heldout_auc = store_col_double(s, 7),
            .meta_json = store_col_text(s, 8),
        };
        ret = fn(arg, &x);
        if (ret == 0) ret = 1;
    } else if (rc == SQLITE_DONE) {
        ret = 0;
    } else {
        ret = store_err(st, e, sql, "reading scorer %s", name ? name : "(null)");
    }
    sqlite3_reset(s);
    return ret;
}
