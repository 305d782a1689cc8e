/* harness/cmd_results.c: `griffin results`, what is in a store: the runs, or
 * one run's metrics (and its bench points, gates and timings), as a table,
 * JSON or CSV; and `--merge`, which folds another store into this one. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "harness/cli.h"
#include "harness/recompute.h"
#include "harness/store.h"

/* ---- a plain text table -------------------------------------------------- */

#define TABLE_MAX_COLS 16

typedef struct table {
    int n_cols;
    const char *head[TABLE_MAX_COLS];
    int right[TABLE_MAX_COLS]; /* right-aligned (numbers) */
    size_t width[TABLE_MAX_COLS];
    char **cells;              /* row-major, owned */
    size_t n_rows, cap_rows;
    int oom;
} table;

/* Display columns of a UTF-8 string: continuation bytes take no column
 * ("±" and "↑" are one each). */
static size_t display_width(const char *s) {
    size_t w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void table_init(table *t, int n_cols, const char *const *head, const int *right) {
    memset(t, 0, sizeof *t);
    t->n_cols = n_cols;
    for (int c = 0; c < n_cols; c++) {
        t->head[c] = head[c];
        t->right[c] = right[c];
        t->width[c] = display_width(head[c]);
    }
}

/* Adds a row of n_cols cells given as printf-formatted strings, one per
 * argument (each already formatted by the caller). */
static void table_row(table *t, const char *const *cells) {
    if (t->oom) return;
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
        char **nc = realloc(t->cells, cap * (size_t)t->n_cols * sizeof *nc);
        if (!nc) {
            t->oom = 1;
            return;
        }
        t->cells = nc;
        t->cap_rows = cap;
    }
    for (int c = 0; c < t->n_cols; c++) {
        char *s = strdup(cells[c] ? cells[c] : "");
        if (!s) t->oom = 1;
        t->cells[t->n_rows * (size_t)t->n_cols + (size_t)c] = s;
        size_t w = s ? display_width(s) : 0;
        if (w > t->width[c]) t->width[c] = w;
    }
    t->n_rows++;
}

static void put_cell(strbuf *line, const table *t, int c, const char *s) {
    size_t pad = t->width[c] - display_width(s);
    if (c) strbuf_puts(line, "  ");
    if (t->right[c])
        for (size_t i = 0; i < pad; i++) strbuf_putc(line, ' ');
    strbuf_puts(line, s);
    if (!t->right[c])
        for (size_t i = 0; i < pad; i++) strbuf_putc(line, ' ');
}

/* Prints one line per row, without trailing blanks. */
static void table_print(const table *t) {
    strbuf line;
    strbuf_init(&line);
    for (size_t r = 0; r <= t->n_rows; r++) {
        strbuf_clear(&line);
        for (int c = 0; c < t->n_cols; c++)
            put_cell(&line, t, c, r == 0 ? t->head[c] : t->cells[(r - 1) * (size_t)t->n_cols + (size_t)c]);
        size_t n = line.len;
        while (n && strbuf_str(&line)[n - 1] == ' ') n--;
        printf("%.*s\n", (int)n, strbuf_str(&line));
    }
    strbuf_deinit(&line);
}

static void table_deinit(table *t) {
    for (size_t i = 0; i < t->n_rows * (size_t)t->n_cols; i++) free(t->cells[i]);
    free(t->cells);
}

/* ---- CSV and JSON helpers ------------------------------------------------ */

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void csv_field(const char *s, int last) {
    if (!s) s = "";
    if (strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"') putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}

static void csv_row(const char *const *cells, int n) {
    for (int i = 0; i < n; i++) csv_field(cells[i], i == n - 1);
}

static void json_str(cJSON *o, const char *k, const char *v) {
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static void json_num(cJSON *o, const char *k, double v) {
    if (isnan(v)) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, v);
}

/* Embeds a JSON text stored in the store as JSON, not as a string. */
static void json_raw(cJSON *o, const char *k, const char *json) {
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    if (v) cJSON_AddItemToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static int json_print(cJSON *root) {
    char *s = cJSON_Print(root);
    if (!s) return -1;
    puts(s);
    cJSON_free(s);
    return 0;
}

static void fmt_num(char *buf, size_t cap, const char *fmt, double v) {
    if (isnan(v)) snprintf(buf, cap, "N/A");
    else snprintf(buf, cap, fmt, v);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double:
 * 0.1 prints as 0.1, and nothing is lost. */
static void fmt_exact(char *buf, size_t cap, double v) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

static void fmt_count(char *buf, size_t cap, int64_t v) {
    if (v < 0) snprintf(buf, cap, "-");
    else snprintf(buf, cap, "%" PRId64, v);
}

/* ---- listing runs -------------------------------------------------------- */

typedef enum { OUT_TABLE, OUT_JSON, OUT_CSV } out_kind;

typedef struct list_ctx {
    out_kind out;
    table t;
    cJSON *arr;
} list_ctx;

static cJSON *run_json(const store_run *r) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    json_str(o, "uuid", r->uuid);
    json_str(o, "kind", store_run_kind_name(r->info.kind));
    json_str(o, "status", store_run_status_name(r->status));
    json_str(o, "created_at", r->created_at);
    json_str(o, "finished_at", r->finished_at);
    json_str(o, "error", r->error);
    cJSON_AddNumberToObject(o, "n_resumes", r->n_resumes);
    json_str(o, "config_hash", r->info.config_hash);
    json_str(o, "command_line", r->info.command_line);
    json_str(o, "git_revision", r->info.git_revision);
    json_str(o, "host", r->info.host);
    json_str(o, "model_path", r->info.model_path);
    json_str(o, "model_sha256", r->info.model_sha256);
    json_raw(o, "model_config", r->info.model_config_json);
    json_str(o, "backend", r->info.backend);
    cJSON_AddNumberToObject(o, "n_threads", r->info.n_threads);
    cJSON_AddNumberToObject(o, "seed", (double)r->info.seed);
    json_raw(o, "settings", r->info.settings_json);
    json_raw(o, "dataset_sha256", r->info.dataset_sha256_json);
    if (r->info.machine_id) cJSON_AddNumberToObject(o, "machine_id", (double)r->info.machine_id);
    else cJSON_AddNullToObject(o, "machine_id");
    cJSON_AddNumberToObject(o, "n_requests", (double)r->n_requests);
    cJSON_AddNumberToObject(o, "n_samples", (double)r->n_samples);
    cJSON_AddNumberToObject(o, "n_metrics", (double)r->n_metrics);
    cJSON_AddNumberToObject(o, "n_bench_points", (double)r->n_bench_points);
    return o;
}

static const char *const run_cols[] = {"id", "uuid", "kind", "status", "created", "requests", "metrics",
                                       "points", "model"};
static const int run_right[] = {1, 0, 0, 0, 0, 1, 1, 1, 0};
#define N_RUN_COLS 9

static int list_one(void *arg, const store_run *r) {
    list_ctx *c = arg;
    if (c->out == OUT_JSON) {
        cJSON_AddItemToArray(c->arr, run_json(r));
        return 0;
    }
    char id[24], uuid[16], created[24], nreq[24], nmet[24], npts[24];
    snprintf(id, sizeof id, "%" PRId64, r->id);
    snprintf(uuid, sizeof uuid, "%.8s", r->uuid);
    /* 2024-05-01T12:00:00.123Z -> 2024-05-01 12:00:00 */
    snprintf(created, sizeof created, "%.19s", r->created_at ? r->created_at : "");
    if (strlen(created) > 10) created[10] = ' ';
    snprintf(nreq, sizeof nreq, "%" PRId64, r->n_requests);
    snprintf(nmet, sizeof nmet, "%" PRId64, r->n_metrics);
    snprintf(npts, sizeof npts, "%" PRId64, r->n_bench_points);
    if (c->out == OUT_CSV) {
        const char *cells[] = {id, r->uuid, store_run_kind_name(r->info.kind), store_run_status_name(r->status),
                               r->created_at, r->finished_at, r->info.model_path, r->info.backend, nreq, nmet, npts};
        csv_row(cells, 11);
        return 0;
    }
    const char *cells[N_RUN_COLS] = {id, uuid, store_run_kind_name(r->info.kind), store_run_status_name(r->status),
                                     created, nreq, nmet, npts, r->info.model_path ? r->info.model_path : "-"};
    table_row(&c->t, cells);
    return 0;
}

static int list_runs(store *st, out_kind out, errbuf *e) {
    list_ctx c = {.out = out};
    if (out == OUT_JSON) c.arr = cJSON_CreateArray();
    if (out == OUT_TABLE) table_init(&c.t, N_RUN_COLS, run_cols, run_right);
    if (out == OUT_CSV) {
        const char *head[] = {"id", "uuid", "kind", "status", "created_at", "finished_at", "model_path", "backend",
                              "n_requests", "n_metrics", "n_bench_points"};
        csv_row(head, 11);
    }
    int rc = store_runs_each(st, list_one, &c, e);
    if (rc == 0 && out == OUT_JSON) rc = json_print(c.arr);
    if (rc == 0 && out == OUT_TABLE) {
        if (c.t.oom) rc = err_set(e, "out of memory");
        else if (c.t.n_rows == 0) fprintf(stderr, "griffin results: %s has no runs\n", store_path(st));
        else table_print(&c.t);
    }
    if (out == OUT_TABLE) table_deinit(&c.t);
    cJSON_Delete(c.arr);
    return rc;
}

/* ---- one run ------------------------------------------------------------- */

/* Task versions and shots, copied out of the callbacks. */
typedef struct task_row {
    char *task, *version;
    int num_fewshot;
} task_row;

typedef struct run_ctx {
    out_kind out;
    cJSON *root;         /* JSON: the whole answer */
    cJSON *run;          /* the run object (JSON), or NULL */
    store_run_kind kind;
    char uuid[72];
    task_row *tasks;
    size_t n_tasks;
    table t;
    int oom;
} run_ctx;

static int got_run(void *arg, const store_run *r) {
    run_ctx *c = arg;
    c->kind = r->info.kind;
    snprintf(c->uuid, sizeof c->uuid, "%s", r->uuid);
    if (c->out == OUT_JSON) cJSON_AddItemToObject(c->root, "run", run_json(r));
    else if (c->out == OUT_TABLE)
        fprintf(stderr, "run %" PRId64 " (%s): %s, %s, model %s, created %s\n", r->id, r->uuid,
                store_run_kind_name(r->info.kind), store_run_status_name(r->status),
                r->info.model_path ? r->info.model_path : "-", r->created_at);
    return 0;
}

static int got_task(void *arg, const store_task_info *t) {
    run_ctx *c = arg;
    task_row *n = realloc(c->tasks, (c->n_tasks + 1) * sizeof *n);
    if (!n) return c->oom = 1;
    c->tasks = n;
    n[c->n_tasks].task = strdup(t->task);
    n[c->n_tasks].version = t->version ? strdup(t->version) : NULL;
    n[c->n_tasks].num_fewshot = t->num_fewshot;
    c->n_tasks++;
    if (c->out == OUT_JSON) {
        cJSON *tasks = cJSON_GetObjectItem(c->root, "tasks");
        cJSON *o = cJSON_CreateObject();
        json_str(o, "task", t->task);
        json_str(o, "version", t->version);
        cJSON_AddNumberToObject(o, "num_fewshot", t->num_fewshot);
        json_num(o, "n_docs_total", t->n_docs_total < 0 ? NAN : (double)t->n_docs_total);
        json_num(o, "n_docs", t->n_docs < 0 ? NAN : (double)t->n_docs);
        json_raw(o, "config", t->config_json);
        cJSON_AddItemToArray(tasks, o);
    }
    return 0;
}

static const task_row *find_task(const run_ctx *c, const char *task) {
    for (size_t i = 0; i < c->n_tasks; i++)
        if (c->tasks[i].task && strcmp(c->tasks[i].task, task) == 0) return &c->tasks[i];
    return NULL;
}

static const char *const metric_cols[] = {"task", "version", "filter", "n-shot", "metric", "dir",
                                          "value", "±", "stderr", "n"};
static const int metric_right[] = {0, 0, 0, 1, 0, 0, 1, 0, 1, 1};
#define N_METRIC_COLS 10

static int got_metric(void *arg, const store_metric *m) {
    run_ctx *c = arg;
    const task_row *t = find_task(c, m->task);
    char shots[24] = "-", value[40], se[40], n[24];
    if (t) snprintf(shots, sizeof shots, "%d", t->num_fewshot);
    fmt_count(n, sizeof n, m->n);
    const char *dir = m->higher_is_better == 1 ? "↑" : m->higher_is_better == 0 ? "↓" : "";
    if (c->out == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        json_str(o, "task", m->task);
        json_str(o, "metric", m->metric);
        json_str(o, "filter", m->filter);
        json_num(o, "value", m->value);
        json_num(o, "stderr", m->value_stderr);
        json_num(o, "n", m->n < 0 ? NAN : (double)m->n);
        if (m->higher_is_better < 0) cJSON_AddNullToObject(o, "higher_is_better");
        else cJSON_AddBoolToObject(o, "higher_is_better", m->higher_is_better);
        cJSON_AddBoolToObject(o, "is_group", m->is_group);
        cJSON_AddItemToArray(cJSON_GetObjectItem(c->root, "metrics"), o);
        return 0;
    }
    if (c->out == OUT_CSV) {
        /* Full precision for machines; N/A is an empty field. */
        char hib[8];
        if (isnan(m->value)) value[0] = 0;
        else fmt_exact(value, sizeof value, m->value);
        if (isnan(m->value_stderr)) se[0] = 0;
        else fmt_exact(se, sizeof se, m->value_stderr);
        if (m->n < 0) n[0] = 0;
        snprintf(hib, sizeof hib, "%s", m->higher_is_better < 0 ? "" : m->higher_is_better ? "1" : "0");
        if (!t) shots[0] = 0;
        const char *cells[] = {m->task, t && t->version ? t->version : "", m->filter, shots, m->metric,
                               value, se, n, hib, m->is_group ? "1" : "0"};
        csv_row(cells, 10);
        return 0;
    }
    fmt_num(value, sizeof value, "%.4f", m->value);
    fmt_num(se, sizeof se, "%.4f", m->value_stderr);
    char task[300];
    snprintf(task, sizeof task, "%s%s", m->is_group ? "[group] " : "", m->task);
    const char *cells[N_METRIC_COLS] = {task, t && t->version ? t->version : "-", m->filter, shots, m->metric,
                                        dir, value, "±", se, n};
    table_row(&c->t, cells);
    return 0;
}

static const char *const bench_cols[] = {"model", "kind", "prompt", "gen", "batch", "reps", "median_s",
                                         "tok/s", "state_MiB", "rss_MiB", "note"};
static const int bench_right[] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0};
#define N_BENCH_COLS 11
/* issue 4: fewer repetitions or a wider spread than this is not trusted. */
#define BENCH_MIN_REPS 3
#define BENCH_MAX_SPREAD 0.20

static int got_point(void *arg, const store_bench_point *p) {
    run_ctx *c = arg;
    if (c->out == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        json_str(o, "model_label", p->model_label);
        json_str(o, "model_path", p->model_path);
        json_str(o, "arch", p->arch);
        json_str(o, "dtype", p->dtype);
        json_str(o, "kind", store_bench_kind_name(p->kind));
        cJSON_AddNumberToObject(o, "prompt_len", (double)p->prompt_len);
        cJSON_AddNumberToObject(o, "gen_len", (double)p->gen_len);
        cJSON_AddNumberToObject(o, "batch", (double)p->batch);
        cJSON_AddNumberToObject(o, "reps", p->reps);
        json_num(o, "median_s", p->median_s);
        json_num(o, "min_s", p->min_s);
        json_num(o, "max_s", p->max_s);
        json_num(o, "tok_per_s", p->tok_per_s);
        json_num(o, "state_bytes_per_seq", p->state_bytes_per_seq < 0 ? NAN : (double)p->state_bytes_per_seq);
        json_num(o, "weight_bytes", p->weight_bytes < 0 ? NAN : (double)p->weight_bytes);
        json_num(o, "peak_rss_bytes", p->peak_rss_bytes < 0 ? NAN : (double)p->peak_rss_bytes);
        json_num(o, "mem_budget_bytes", p->mem_budget_bytes < 0 ? NAN : (double)p->mem_budget_bytes);
        cJSON_AddNumberToObject(o, "n_threads", p->n_threads);
        json_str(o, "backend", p->backend);
        cJSON_AddItemToArray(cJSON_GetObjectItem(c->root, "bench_points"), o);
        return 0;
    }
    char pl[24], gl[24], b[24], reps[16], med[32], tps[32], state[32], rss[32], note[64] = "";
    snprintf(pl, sizeof pl, "%" PRId64, p->prompt_len);
    snprintf(gl, sizeof gl, "%" PRId64, p->gen_len);
    snprintf(b, sizeof b, "%" PRId64, p->batch);
    snprintf(reps, sizeof reps, "%d", p->reps);
    fmt_num(med, sizeof med, "%.6f", p->median_s);
    fmt_num(tps, sizeof tps, "%.1f", p->tok_per_s);
    fmt_num(state, sizeof state, "%.2f", p->state_bytes_per_seq < 0 ? NAN : p->state_bytes_per_seq / 1048576.0);
    fmt_num(rss, sizeof rss, "%.1f", p->peak_rss_bytes < 0 ? NAN : p->peak_rss_bytes / 1048576.0);
    double spread = p->median_s > 0 ? (p->max_s - p->min_s) / p->median_s : NAN;
    if (p->kind != STORE_BENCH_MEMORY && p->reps < BENCH_MIN_REPS)
        snprintf(note, sizeof note, "untrusted: %d reps", p->reps);
    else if (p->kind != STORE_BENCH_MEMORY && spread > BENCH_MAX_SPREAD)
        snprintf(note, sizeof note, "untrusted: spread %.0f%%", 100 * spread);
    if (c->out == OUT_CSV) {
        const char *cells[] = {p->model_label, store_bench_kind_name(p->kind), pl, gl, b, reps, med, tps, state, rss,
                               note};
        csv_row(cells, N_BENCH_COLS);
        return 0;
    }
    const char *cells[N_BENCH_COLS] = {p->model_label, store_bench_kind_name(p->kind), pl, gl, b, reps, med, tps,
                                       state, rss, note};
    table_row(&c->t, cells);
    return 0;
}

static const char *const gate_cols[] = {"benchmark", "metric", "value", "ci", "threshold", "result", "delta"};
static const int gate_right[] = {0, 0, 1, 0, 0, 0, 1};
#define N_GATE_COLS 7

static int got_gate(void *arg, const store_gate *g) {
    run_ctx *c = arg;
    if (c->out == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        json_str(o, "benchmark", g->benchmark);
        json_str(o, "metric", g->metric);
        json_num(o, "value", g->value);
        json_num(o, "ci_low", g->ci_low);
        json_num(o, "ci_high", g->ci_high);
        json_num(o, "threshold", g->threshold);
        json_str(o, "direction", store_gate_dir_name(g->direction));
        cJSON_AddBoolToObject(o, "passed", g->passed);
        json_str(o, "baseline_run_uuid", g->baseline_run_uuid);
        json_num(o, "baseline_value", g->baseline_value);
        json_num(o, "delta", g->delta);
        json_str(o, "scorer", g->scorer);
        cJSON_AddItemToArray(cJSON_GetObjectItem(c->root, "gates"), o);
        return 0;
    }
    char value[40], ci[80], thr[48], delta[40];
    fmt_num(value, sizeof value, "%.4f", g->value);
    if (isnan(g->ci_low) || isnan(g->ci_high)) snprintf(ci, sizeof ci, "-");
    else snprintf(ci, sizeof ci, "[%.4f, %.4f]", g->ci_low, g->ci_high);
    snprintf(thr, sizeof thr, "%s %.4f", g->direction == STORE_GATE_AT_MOST ? "<=" : ">=", g->threshold);
    fmt_num(delta, sizeof delta, "%+.4f", g->delta);
    if (c->out == OUT_CSV) {
        const char *cells[] = {g->benchmark, g->metric, value, ci, thr, g->passed ? "pass" : "FAIL", delta};
        csv_row(cells, N_GATE_COLS);
        return 0;
    }
    const char *cells[N_GATE_COLS] = {g->benchmark, g->metric, value, ci, thr, g->passed ? "pass" : "FAIL", delta};
    table_row(&c->t, cells);
    return 0;
}

static int got_timing(void *arg, const store_timing *t) {
    run_ctx *c = arg;
    if (c->out == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        json_str(o, "phase", t->phase);
        cJSON_AddNumberToObject(o, "wall_s", t->wall_s);
        cJSON_AddNumberToObject(o, "model_s", t->model_s);
        cJSON_AddNumberToObject(o, "n_tokens", (double)t->n_tokens);
        cJSON_AddNumberToObject(o, "n_requests", (double)t->n_requests);
        cJSON_AddItemToArray(cJSON_GetObjectItem(c->root, "timings"), o);
        return 0;
    }
    if (c->out == OUT_TABLE)
        fprintf(stderr, "time %s: %.2f s, %.2f s in the model, %.1f%% elsewhere, %" PRId64 " tokens (%.0f tok/s)\n",
                t->phase, t->wall_s, t->model_s, t->wall_s > 0 ? 100 * (t->wall_s - t->model_s) / t->wall_s : 0.0,
                t->n_tokens, t->wall_s > 0 ? t->n_tokens / t->wall_s : 0.0);
    return 0;
}

/* Prints a section: JSON collects everything; CSV prints the run kind's main
 * table only; the text form prints each non-empty table. */
static int show_run(store *st, int64_t run_id, out_kind out, errbuf *e) {
    run_ctx c = {.out = out};
    int rc = 0;
    if (out == OUT_JSON) {
        c.root = cJSON_CreateObject();
        cJSON_AddItemToObject(c.root, "tasks", cJSON_CreateArray());
        cJSON_AddItemToObject(c.root, "metrics", cJSON_CreateArray());
        cJSON_AddItemToObject(c.root, "bench_points", cJSON_CreateArray());
        cJSON_AddItemToObject(c.root, "gates", cJSON_CreateArray());
        cJSON_AddItemToObject(c.root, "timings", cJSON_CreateArray());
    }
    if ((rc = store_run_get(st, run_id, got_run, &c, e)) != 0) goto done;
    if ((rc = store_task_infos_each(st, run_id, got_task, &c, e)) != 0) goto done;
    int want_metrics = out != OUT_CSV || c.kind == STORE_RUN_EVAL;
    int want_points = out != OUT_CSV || c.kind == STORE_RUN_BENCH;
    int want_gates = out != OUT_CSV || c.kind == STORE_RUN_SAFETY;
    if (want_gates) {
        if (out == OUT_CSV) csv_row(gate_cols, N_GATE_COLS);
        table_init(&c.t, N_GATE_COLS, gate_cols, gate_right);
        rc = store_gates_each(st, run_id, got_gate, &c, e);
        if (rc == 0 && out == OUT_TABLE && c.t.n_rows) {
            table_print(&c.t);
            putchar('\n');
        }
        table_deinit(&c.t);
        if (rc) goto done;
    }
    if (want_metrics) {
        if (out == OUT_CSV) {
            const char *head[] = {"task", "version", "filter", "num_fewshot", "metric", "value", "stderr", "n",
                                  "higher_is_better", "is_group"};
            csv_row(head, 10);
        }
        table_init(&c.t, N_METRIC_COLS, metric_cols, metric_right);
        rc = store_metrics_each(st, run_id, got_metric, &c, e);
        /* An eval run always shows its (maybe empty) metrics table. */
        if (rc == 0 && out == OUT_TABLE && (c.t.n_rows || c.kind == STORE_RUN_EVAL)) {
            table_print(&c.t);
            if (!c.t.n_rows) fprintf(stderr, "griffin results: run %" PRId64 " has no metrics yet\n", run_id);
        }
        table_deinit(&c.t);
        if (rc) goto done;
    }
    if (want_points) {
        if (out == OUT_CSV) csv_row(bench_cols, N_BENCH_COLS);
        table_init(&c.t, N_BENCH_COLS, bench_cols, bench_right);
        rc = store_bench_points_each(st, run_id, got_point, &c, e);
        if (rc == 0 && out == OUT_TABLE && c.t.n_rows) {
            if (c.kind != STORE_RUN_BENCH) putchar('\n');
            table_print(&c.t);
        }
        table_deinit(&c.t);
        if (rc) goto done;
    }
    if (out != OUT_CSV && (rc = store_timings_each(st, run_id, got_timing, &c, e)) != 0) goto done;
    if (c.oom) rc = err_set(e, "out of memory");
    if (rc == 0 && out == OUT_JSON) rc = json_print(c.root);
done:
    for (size_t i = 0; i < c.n_tasks; i++) {
        free(c.tasks[i].task);
        free(c.tasks[i].version);
    }
    free(c.tasks);
    cJSON_Delete(c.root);
    return rc;
}

/* ---- merge --------------------------------------------------------------- */

static int merge(const char *dst_path, const char *src_path, out_kind out, errbuf *e) {
    store_open_opts src_opts = {.no_create = 1};
    store *src = store_open(src_path, &src_opts, e);
    if (!src) return -1;
    store *dst = store_open(dst_path, NULL, e);
    if (!dst) {
        store_close(src);
        return -1;
    }
    store_merge_stats s;
    int rc = store_merge(dst, src, &s, e);
    store_close(dst);
    store_close(src);
    if (rc) return rc;
    if (out == OUT_JSON) {
        cJSON *o = cJSON_CreateObject();
        json_str(o, "src", src_path);
        json_str(o, "dst", dst_path);
        cJSON_AddNumberToObject(o, "runs_added", (double)s.runs_added);
        cJSON_AddNumberToObject(o, "runs_matched", (double)s.runs_matched);
        cJSON_AddNumberToObject(o, "requests_added", (double)s.requests_added);
        cJSON_AddNumberToObject(o, "requests_skipped", (double)s.requests_skipped);
        cJSON_AddNumberToObject(o, "requests_conflicting", (double)s.requests_conflicting);
        cJSON_AddNumberToObject(o, "samples_added", (double)s.samples_added);
        cJSON_AddNumberToObject(o, "metrics_added", (double)s.metrics_added);
        cJSON_AddNumberToObject(o, "bench_points_added", (double)s.bench_points_added);
        cJSON_AddNumberToObject(o, "gates_added", (double)s.gates_added);
        cJSON_AddNumberToObject(o, "toxicity_scores_added", (double)s.tox_added);
        cJSON_AddNumberToObject(o, "machines_added", (double)s.machines_added);
        rc = json_print(o);
        cJSON_Delete(o);
        return rc;
    }
    printf("merged %s into %s: runs +%" PRId64 " (%" PRId64 " already there), requests +%" PRId64 " (%" PRId64
           " already there, %" PRId64 " of them different), samples +%" PRId64 ", metrics +%" PRId64
           ", bench points +%" PRId64 ", gates +%" PRId64 ", toxicity scores +%" PRId64 ", machines +%" PRId64 "\n",
           src_path, dst_path, s.runs_added, s.runs_matched, s.requests_added, s.requests_skipped,
           s.requests_conflicting, s.samples_added, s.metrics_added, s.bench_points_added, s.gates_added, s.tox_added,
           s.machines_added);
    if (s.requests_conflicting)
        fprintf(stderr, "griffin results: warning: %" PRId64 " requests differ between the stores; %s's were kept\n",
                s.requests_conflicting, dst_path);
    return 0;
}

int cmd_results(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const char *db = "results.db", *run = NULL, *merge_src = NULL;
    int json = 0, csv = 0, recompute = 0;
    long bootstrap = 100000;
    const cli_opt opts[] = {
        {"--recompute", CLI_FLAG, &recompute, NULL,
         "with --run: recompute every metric and its stderr from the stored per-document samples", 1, 0, 0},
        {"--bootstrap-iters", CLI_INT, &bootstrap, "N", "bootstrap iterations for --recompute", 0, 1e7, 0},
        {"--db", CLI_STR, &db, "FILE", "the results store", 1, 0, 0},
        {"--run", CLI_STR, &run, "ID", "a run id or uuid (prefix): show its results instead of listing runs", 1, 0, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON", 1, 0, 0},
        {"--csv", CLI_FLAG, &csv, NULL, "print CSV (a run's main table: metrics, bench points or gates)", 1, 0, 0},
        {"--merge", CLI_STR, &merge_src, "SRC", "copy SRC's runs into --db without duplicates", 1, 0, 0},
    };
    const cli_spec spec = {
        "results", "List the runs in a store, or show one run's metrics.",
        "griffin results [--db FILE] [--run ID] [--json | --csv]\n       griffin results --merge SRC [--db DST]",
        "Without --run: one line per run (id, uuid, kind, status, counts, model).\n"
        "With --run: the metrics table (task, version, filter, n-shot, metric, value ± stderr, n),\n"
        "plus bench points and safety gates when the run has them; timings go to stderr.\n"
        "--merge SRC: fold the runs of SRC (e.g. one shard's store) into --db; runs are matched\n"
        "by uuid and requests by id, so merging twice adds nothing.\n\n"
        "Examples:\n  griffin results\n  griffin results --db results.db --run 3 --csv\n"
        "  griffin results --merge shard-1.db --db results.db",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (json && csv) return cli_usage_error("results", "--json and --csv exclude each other");
    if (merge_src && run) return cli_usage_error("results", "--merge and --run exclude each other");
    if (merge_src && csv) return cli_usage_error("results", "--merge prints a summary or --json, not --csv");
    if (recompute && (!run || json)) return cli_usage_error("results", "--recompute needs --run and prints a table or --csv");
    out_kind out = json ? OUT_JSON : csv ? OUT_CSV : OUT_TABLE;
    errbuf e;
    if (merge_src) {
        if (merge(db, merge_src, out, &e) != 0) {
            cli_error("results", "%s", e.msg);
            return EXIT_RUNTIME;
        }
        return EXIT_OK;
    }
    /* Read-write without creating: an older store gets migrated, and a
     * mistyped --db is an error rather than a new empty file. */
    store_open_opts o = {.no_create = 1};
    store *st = store_open(db, &o, &e);
    if (!st) {
        cli_error("results", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    int64_t run_id = 0;
    if (run) rc = store_run_lookup(st, run, &run_id, &e);
    if (rc == 0 && recompute) {
        int n_diff = recompute_run_metrics(st, run_id, (int)bootstrap, csv, stdout, &e);
        if (n_diff > 0) fprintf(stderr, "griffin results: %d recomputed metrics differ from the stored ones\n", n_diff);
        rc = n_diff < 0 ? -1 : 0;
    } else if (rc == 0) {
        rc = run ? show_run(st, run_id, out, &e) : list_runs(st, out, &e);
    }
    store_close(st);
    if (rc != 0) {
        cli_error("results", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
