/* harness/store_bench.c: machines (what a number was measured on) and bench
 * points (griffin bench). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sha256.h"
#include "harness/store.h"
#include "harness/store_impl.h"

/* ---- machines ------------------------------------------------------------ */

/* Copies the value after "key<spaces>:" on a /proc/cpuinfo line, trimmed. */
static int cpuinfo_value(const char *line, const char *key, char *out, size_t cap) {
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0) return 0;
    const char *p = line + k;
    while (*p == ' ' || *p == '\t') p++;
    if (*p != ':') return 0;
    p++;
    while (*p == ' ') p++;
    snprintf(out, cap, "%s", p);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = 0;
    return 1;
}

int store_machine_detect(store_machine *m, errbuf *e) {
    memset(m, 0, sizeof *m);
    if (gethostname(m->host, sizeof m->host) != 0) snprintf(m->host, sizeof m->host, "unknown");
    m->host[sizeof m->host - 1] = 0;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), page_bytes = sysconf(_SC_PAGESIZE);
    m->n_cores = n_cpu > 0 ? (int)n_cpu : 0;
    m->mem_bytes = pages > 0 && page_bytes > 0 ? (int64_t)pages * page_bytes : 0;
    m->mem_bw_bytes_per_s = m->peak_f32_flops = m->peak_bf16_flops = m->peak_int8_ops = NAN;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return err_errno(e, "/proc/cpuinfo: cannot read the CPU description");
    char *line = NULL;
    size_t cap = 0;
    /* x86 says "model name" and "flags"; arm64 says "Features" and may name
     * no model at all. The first processor's entry describes them all. */
    while (getline(&line, &cap, f) > 0) {
        if (!m->cpu_model[0]) cpuinfo_value(line, "model name", m->cpu_model, sizeof m->cpu_model);
        if (!m->cpu_flags[0] && !cpuinfo_value(line, "flags", m->cpu_flags, sizeof m->cpu_flags))
            cpuinfo_value(line, "Features", m->cpu_flags, sizeof m->cpu_flags);
        if (m->cpu_model[0] && m->cpu_flags[0]) break;
    }
    free(line);
    fclose(f);
    if (!m->cpu_model[0]) snprintf(m->cpu_model, sizeof m->cpu_model, "unknown");
    return 0;
}

static void machine_fingerprint(const store_machine *m, char out[65]) {
    strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "%s\n%s\n%s\n%d\n%" PRId64, m->host, m->cpu_model, m->cpu_flags, m->n_cores, m->mem_bytes);
    sha256_hex(strbuf_str(&b), b.len, out);
    strbuf_deinit(&b);
}

int store_machine_put(store *st, const store_machine *m, int64_t *machine_id, errbuf *e) {
    static const char ins[] = "INSERT INTO machines (fingerprint, host, cpu_model, cpu_flags, n_cores, mem_bytes) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (fingerprint) DO NOTHING";
    static const char sel[] = "SELECT id FROM machines WHERE fingerprint = ?";
    static const char upd[] =
        "UPDATE machines SET mem_bw_bytes_per_s = COALESCE(?2, mem_bw_bytes_per_s), "
        "peak_f32_flops = COALESCE(?3, peak_f32_flops), peak_bf16_flops = COALESCE(?4, peak_bf16_flops), "
        "peak_int8_ops = COALESCE(?5, peak_int8_ops), measured_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
        "WHERE id = ?1";
    char fp[65];
    machine_fingerprint(m, fp);
    if (store_tx_begin(st, e) != 0) return -1;
    sqlite3_stmt *s = store_stmt(st, ins, e);
    if (!s) goto fail;
    store_bind_text(s, 1, fp);
    store_bind_text(s, 2, m->host);
    store_bind_text(s, 3, m->cpu_model);
    store_bind_text(s, 4, m->cpu_flags);
    sqlite3_bind_int(s, 5, m->n_cores);
    sqlite3_bind_int64(s, 6, m->mem_bytes);
    if (store_step_done(st, s, ins, e, "adding a machine") != 0) goto fail;
    if (!(s = store_stmt(st, sel, e))) goto fail;
    store_bind_text(s, 1, fp);
    if (sqlite3_step(s) != SQLITE_ROW) {
        store_err(st, e, sel, "finding machine %s", m->host);
        sqlite3_reset(s);
        goto fail;
    }
    *machine_id = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (!isnan(m->mem_bw_bytes_per_s) || !isnan(m->peak_f32_flops) || !isnan(m->peak_bf16_flops) ||
        !isnan(m->peak_int8_ops)) {
        if (!(s = store_stmt(st, upd, e))) goto fail;
        sqlite3_bind_int64(s, 1, *machine_id);
        store_bind_double(s, 2, m->mem_bw_bytes_per_s);
        store_bind_double(s, 3, m->peak_f32_flops);
        store_bind_double(s, 4, m->peak_bf16_flops);
        store_bind_double(s, 5, m->peak_int8_ops);
        if (store_step_done(st, s, upd, e, "storing roofline numbers") != 0) goto fail;
    }
    return store_tx_commit(st, e);
fail:
    store_tx_rollback(st);
    return -1;
}

int store_machine_get(store *st, int64_t machine_id, store_machine *m, errbuf *e) {
    static const char sql[] = "SELECT id, host, cpu_model, cpu_flags, n_cores, mem_bytes, mem_bw_bytes_per_s, "
                              "peak_f32_flops, peak_bf16_flops, peak_int8_ops FROM machines WHERE id = ?";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, machine_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(s, 0);
        const char *t;
        if ((t = store_col_text(s, 1))) snprintf(m->host, sizeof m->host, "%s", t);
        if ((t = store_col_text(s, 2))) snprintf(m->cpu_model, sizeof m->cpu_model, "%s", t);
        if ((t = store_col_text(s, 3))) snprintf(m->cpu_flags, sizeof m->cpu_flags, "%s", t);
        m->n_cores = sqlite3_column_int(s, 4);
        m->mem_bytes = sqlite3_column_int64(s, 5);
        m->mem_bw_bytes_per_s = store_col_double(s, 6);
        m->peak_f32_flops = store_col_double(s, 7);
        m->peak_bf16_flops = store_col_double(s, 8);
        m->peak_int8_ops = store_col_double(s, 9);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return store_err(st, e, sql, "reading machine %" PRId64, machine_id);
}

/* ---- bench points -------------------------------------------------------- */

static const char *const bench_kind_names[] = {"prefill", "decode", "max_throughput", "memory"};

const char *store_bench_kind_name(store_bench_kind k) {
    return (unsigned)k < sizeof bench_kind_names / sizeof bench_kind_names[0] ? bench_kind_names[k] : "?";
}

int store_put_bench_points(store *st, int64_t run_id, const store_bench_point *p, size_t n, errbuf *e) {
    static const char sql[] =
        "INSERT OR REPLACE INTO bench_points (run_id, model_label, model_path, arch, dtype, kind, prompt_len, "
        "gen_len, batch, reps, median_s, min_s, max_s, tok_per_s, state_bytes_per_seq, weight_bytes, "
        "peak_rss_bytes, mem_budget_bytes, n_threads, backend, bytes_per_rep, flops_per_rep) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";
    if (store_need_run(st, run_id, "storing bench points", e) != 0) return -1;
    sqlite3_stmt *s;
    if (store_tx_begin(st, e) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const store_bench_point *x = &p[i];
        if (!x->model_label || !*x->model_label || (unsigned)x->kind > STORE_BENCH_MEMORY || x->prompt_len < 0 ||
            x->gen_len < 0 || x->batch < 0) {
            store_tx_rollback(st);
            return err_set(e, "%s: run %" PRId64 ": bench point %zu of the batch: expected a model label, a kind "
                           "and non-negative lengths and batch",
                           st->path, run_id, i);
        }
        if (!(s = store_stmt(st, sql, e))) {
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_bind_int64(s, 1, run_id);
        store_bind_text(s, 2, x->model_label);
        store_bind_text(s, 3, x->model_path);
        store_bind_text(s, 4, x->arch);
        store_bind_text(s, 5, x->dtype);
        store_bind_text(s, 6, store_bench_kind_name(x->kind));
        sqlite3_bind_int64(s, 7, x->prompt_len);
        sqlite3_bind_int64(s, 8, x->gen_len);
        sqlite3_bind_int64(s, 9, x->batch);
        sqlite3_bind_int(s, 10, x->reps);
        store_bind_double(s, 11, x->median_s);
        store_bind_double(s, 12, x->min_s);
        store_bind_double(s, 13, x->max_s);
        store_bind_double(s, 14, x->tok_per_s);
        store_bind_count(s, 15, x->state_bytes_per_seq);
        store_bind_count(s, 16, x->weight_bytes);
        store_bind_count(s, 17, x->peak_rss_bytes);
        store_bind_count(s, 18, x->mem_budget_bytes);
        sqlite3_bind_int(s, 19, x->n_threads);
        store_bind_text(s, 20, x->backend);
        store_bind_double(s, 21, x->bytes_per_rep);
        store_bind_double(s, 22, x->flops_per_rep);
        if (sqlite3_step(s) != SQLITE_DONE) {
            store_err(st, e, sql, "run %" PRId64 ": storing bench point %s %s", run_id, x->model_label,
                      store_bench_kind_name(x->kind));
            sqlite3_reset(s);
            store_tx_rollback(st);
            return -1;
        }
        sqlite3_reset(s);
    }
    if (store_tx_commit(st, e) != 0) return err_prefix(e, "run %" PRId64 ": committing %zu bench points", run_id, n);
    return 0;
}

int store_bench_points_each(store *st, int64_t run_id, store_bench_point_fn fn, void *arg, errbuf *e) {
    static const char sql[] =
        "SELECT run_id, model_label, model_path, arch, dtype, kind, prompt_len, gen_len, batch, reps, median_s, "
        "min_s, max_s, tok_per_s, state_bytes_per_seq, weight_bytes, peak_rss_bytes, mem_budget_bytes, n_threads, "
        "backend, bytes_per_rep, flops_per_rep FROM bench_points WHERE ?1 = 0 OR run_id = ?1 "
        "ORDER BY run_id, model_label, kind, batch, prompt_len, gen_len";
    sqlite3_stmt *s = store_stmt(st, sql, e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, run_id);
    int rc, ret = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_bench_point p = {
            .run_id = sqlite3_column_int64(s, 0),
            .model_label = store_col_text(s, 1),
            .model_path = store_col_text(s, 2),
            .arch = store_col_text(s, 3),
            .dtype = store_col_text(s, 4),
            .prompt_len = sqlite3_column_int64(s, 6),
            .gen_len = sqlite3_column_int64(s, 7),
            .batch = sqlite3_column_int64(s, 8),
            .reps = sqlite3_column_int(s, 9),
            .median_s = store_col_double(s, 10),
            .min_s = store_col_double(s, 11),
            .max_s = store_col_double(s, 12),
            .tok_per_s = store_col_double(s, 13),
            .state_bytes_per_seq = store_col_count(s, 14),
            .weight_bytes = store_col_count(s, 15),
            .peak_rss_bytes = store_col_count(s, 16),
            .mem_budget_bytes = store_col_count(s, 17),
            .n_threads = sqlite3_column_int(s, 18),
            .backend = store_col_text(s, 19),
            .bytes_per_rep = store_col_double(s, 20),
            .flops_per_rep = store_col_double(s, 21),
        };
        const char *kind = store_col_text(s, 5);
        for (int k = 0; k < 4; k++)
            if (kind && strcmp(kind, bench_kind_names[k]) == 0) p.kind = (store_bench_kind)k;
        if ((ret = fn(arg, &p)) != 0) break;
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = store_err(st, e, sql, "reading bench points");
    sqlite3_reset(s);
    return ret;
}
