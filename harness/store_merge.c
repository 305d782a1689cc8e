/* harness/store_merge.c: combine stores written by shards of one run (or by
 * different machines) without duplicates (DESIGN.md, "Past one machine").
 *
 * Runs are identified across files by uuid; machines by fingerprint; rows
 * by their natural keys (request id, task + doc + filter, ...). Integer ids
 * are local to a file, so runs are re-keyed through a temporary map. dst's
 * rows always win: the merge never changes what dst already holds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/store.h"
#include "harness/store_impl.h"

/* Runs one statement; with out_value it reads the single integer it
 * returns, else it stores the number of rows it changed in *changes. */
static int step_sql(store *st, const char *sql, int64_t *out_value, int64_t *changes, errbuf *e) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_err(st, e, sql, "merging");
        return -1;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && out_value) *out_value = sqlite3_column_int64(s, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_err(st, e, sql, "merging");
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    if (changes) *changes = sqlite3_changes(st->db);
    return 0;
}

/* "file:" URI for path, read-only, with the characters URIs reserve escaped. */
static char *ro_uri(const char *path) {
    strbuf b;
    strbuf_init(&b);
    strbuf_puts(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x20) strbuf_printf(&b, "%%%02X", *p);
        else strbuf_putc(&b, (char)*p);
    }
    strbuf_puts(&b, "?mode=ro");
    if (strbuf_failed(&b)) {
        strbuf_deinit(&b);
        return NULL;
    }
    return strbuf_take(&b);
}

#define INTO_RUNS                                                                                              \
    "INSERT INTO main.runs (uuid, kind, status, config_hash, created_at, updated_at, finished_at, error, "   \
    "n_resumes, pid, command_line, git_revision, host, model_path, model_sha256, model_config_json, backend, " \
    "n_threads, seed, settings_json, dataset_sha256_json, machine_id) "                                        \
    "SELECT s.uuid, s.kind, s.status, s.config_hash, s.created_at, s.updated_at, s.finished_at, s.error, "   \
    "s.n_resumes, s.pid, s.command_line, s.git_revision, s.host, s.model_path, s.model_sha256, "              \
    "s.model_config_json, s.backend, s.n_threads, s.seed, s.settings_json, s.dataset_sha256_json, "           \
    "(SELECT m.id FROM main.machines m JOIN src.machines sm ON sm.fingerprint = m.fingerprint "               \
    "WHERE sm.id = s.machine_id) FROM src.runs s WHERE s.uuid NOT IN (SELECT uuid FROM main.runs) ORDER BY s.id"

#define REQ_COLS "request_id, kind, loglik, is_greedy, generated, n_ctx_tokens, n_cont_tokens, elapsed_ns, args_sha256"
#define SAMPLE_COLS                                                                                            \
    "task, doc_id, filter, doc_json, target, arguments_json, resps_json, filtered_resps_json, metrics_json, " \
    "prompt_sha256"
#define METRIC_COLS "task, metric, filter, value, stderr, n, higher_is_better, is_group"
#define TASK_COLS "task, version, num_fewshot, n_docs_total, n_docs, config_json"
#define TIMING_COLS "session, phase, wall_s, model_s, n_tokens, n_requests"
#define BENCH_COLS                                                                                             \
    "model_label, model_path, arch, dtype, kind, prompt_len, gen_len, batch, reps, median_s, min_s, max_s, "  \
    "tok_per_s, state_bytes_per_seq, weight_bytes, peak_rss_bytes, mem_budget_bytes, n_threads, backend, "    \
    "created_at"
#define BENCH_WORK_COLS ", bytes_per_rep, flops_per_rep" /* schema 4 */
#define GATE_COLS                                                                                              \
    "benchmark, metric, value, ci_low, ci_high, threshold, direction, passed, baseline_run_uuid, "            \
    "baseline_value, delta, scorer"
/* Copies the rows of a per-run table, re-keyed to dst's run ids. "WHERE
 * true" lets SQLite parse the upsert clause after a SELECT with a join. */
#define COPY_PER_RUN(table, cols)                                                                              \
    "INSERT INTO main." table " (run_id, " cols ") SELECT k.dst_id, " cols " FROM src." table                 \
    " JOIN temp.merge_runs k ON k.src_id = run_id WHERE true ON CONFLICT DO NOTHING"

static int merge_body(store *dst, store_merge_stats *x, errbuf *e) {
    int64_t n_src_requests = 0, skipped = 0;
    if (step_sql(dst,
                 "INSERT INTO main.machines (fingerprint, host, cpu_model, cpu_flags, n_cores, mem_bytes, "
                 "mem_bw_bytes_per_s, peak_f32_flops, peak_bf16_flops, peak_int8_ops, created_at, measured_at) "
                 "SELECT fingerprint, host, cpu_model, cpu_flags, n_cores, mem_bytes, mem_bw_bytes_per_s, "
                 "peak_f32_flops, peak_bf16_flops, peak_int8_ops, created_at, measured_at FROM src.machines "
                 "WHERE true ON CONFLICT DO NOTHING",
                 NULL, &x->machines_added, e) != 0)
        return -1;
    if (step_sql(dst, "SELECT COUNT(*) FROM src.runs WHERE uuid IN (SELECT uuid FROM main.runs)", &x->runs_matched,
                 NULL, e) != 0)
        return -1;
    if (step_sql(dst, INTO_RUNS, NULL, &x->runs_added, e) != 0) return -1;
    if (step_sql(dst, "DROP TABLE IF EXISTS temp.merge_runs", NULL, NULL, e) != 0) return -1;
    if (step_sql(dst, "CREATE TEMP TABLE merge_runs (src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL)", NULL,
                 NULL, e) != 0)
        return -1;
    if (step_sql(dst, "INSERT INTO temp.merge_runs SELECT s.id, m.id FROM src.runs s JOIN main.runs m ON m.uuid = s.uuid",
                 NULL, NULL, e) != 0)
        return -1;
    /* Same run, same request id, different answer: shards that disagree
     * (different code or settings). dst's value stays; the count says so. */
    if (step_sql(dst,
                 "SELECT COUNT(*) FROM src.requests r JOIN temp.merge_runs k ON k.src_id = r.run_id "
                 "JOIN main.requests d ON d.run_id = k.dst_id AND d.request_id = r.request_id "
                 "WHERE d.kind IS NOT r.kind OR d.loglik IS NOT r.loglik OR d.is_greedy IS NOT r.is_greedy "
                 "OR d.generated IS NOT r.generated",
                 &x->requests_conflicting, NULL, e) != 0)
        return -1;
    if (step_sql(dst, "SELECT COUNT(*) FROM src.requests", &n_src_requests, NULL, e) != 0) return -1;
    if (step_sql(dst, COPY_PER_RUN("requests", REQ_COLS), NULL, &x->requests_added, e) != 0) return -1;
    x->requests_skipped = n_src_requests - x->requests_added;
    if (step_sql(dst, COPY_PER_RUN("samples", SAMPLE_COLS), NULL, &x->samples_added, e) != 0) return -1;
    if (step_sql(dst, COPY_PER_RUN("metrics", METRIC_COLS), NULL, &x->metrics_added, e) != 0) return -1;
    if (step_sql(dst, COPY_PER_RUN("run_tasks", TASK_COLS), NULL, &skipped, e) != 0) return -1;
    if (step_sql(dst, COPY_PER_RUN("timings", TIMING_COLS), NULL, &skipped, e) != 0) return -1;
    if (dst->schema_version >= 4) {
        if (step_sql(dst, COPY_PER_RUN("bench_points", BENCH_COLS BENCH_WORK_COLS), NULL, &x->bench_points_added, e) !=
            0)
            return -1;
    } else if (dst->schema_version >= 2 &&
               step_sql(dst, COPY_PER_RUN("bench_points", BENCH_COLS), NULL, &x->bench_points_added, e) != 0) {
        return -1;
    }
    if (dst->schema_version >= 3) {
        if (step_sql(dst, COPY_PER_RUN("gate_results", GATE_COLS), NULL, &x->gates_added, e) != 0) return -1;
        if (step_sql(dst,
                     "INSERT INTO main.scorers SELECT * FROM src.scorers WHERE true ON CONFLICT DO NOTHING", NULL,
                     &skipped, e) != 0)
            return -1;
        if (step_sql(dst,
                     "INSERT INTO main.toxicity_cache (scorer, text_sha256, score_json, created_at) SELECT scorer, "
                     "text_sha256, score_json, created_at FROM src.toxicity_cache WHERE true ON CONFLICT DO NOTHING",
                     NULL, &x->tox_added, e) != 0)
            return -1;
    }
    return step_sql(dst, "DROP TABLE temp.merge_runs", NULL, NULL, e);
}

int store_merge(store *dst, store *src, store_merge_stats *stats, errbuf *e) {
    store_merge_stats x;
    memset(&x, 0, sizeof x);
    if (stats) memset(stats, 0, sizeof *stats);
    if (dst->read_only) return err_set(e, "%s: cannot merge into a store opened read-only", dst->path);
    if (dst->tx_depth) return err_set(e, "%s: cannot merge inside an open transaction", dst->path);
    if (src->schema_version != dst->schema_version)
        return err_set(e, "cannot merge %s (schema version %d) into %s (schema version %d): open both with the same "
                       "griffin so both are migrated",
                       src->path, src->schema_version, dst->path, dst->schema_version);
    const char *src_file = sqlite3_db_filename(src->db, "main");
    const char *dst_file = sqlite3_db_filename(dst->db, "main");
    struct stat a, b;
    if (!src_file || !*src_file) return err_set(e, "%s: cannot merge from an in-memory store", src->path);
    if (stat(src_file, &a) == 0 && dst_file && stat(dst_file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return err_set(e, "%s: cannot merge a store into itself", dst->path);
    char *uri = ro_uri(src_file);
    if (!uri) return err_set(e, "%s: out of memory", dst->path);
    static const char attach[] = "ATTACH DATABASE ? AS src";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(dst->db, attach, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, uri, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK) store_err(dst, e, attach, "attaching %s", src->path);
    sqlite3_finalize(s);
    free(uri);
    if (rc != SQLITE_OK) return -1;
    int ret = store_tx_begin(dst, e);
    if (ret == 0) {
        ret = merge_body(dst, &x, e);
        if (ret == 0) ret = store_tx_commit(dst, e);
        else store_tx_rollback(dst);
    }
    if (ret != 0) err_prefix(e, "merging %s into %s", src->path, dst->path);
    sqlite3_exec(dst->db, "DETACH DATABASE src", NULL, NULL, NULL);
    if (ret == 0 && stats) *stats = x;
    return ret;
}
