/* harness/bench_format.c: bench points as a table, CSV or JSON. */
#include "harness/bench_format.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bench_csv_columns[] = {
    "label",     "model_dir",       "arch",           "dtype",          "kind",
    "prompt_len", "gen_len",        "batch",          "reps",           "steps",
    "median_s",  "min_s",           "max_s",          "tok_per_s",      "state_bytes_per_seq",
    "weight_bytes", "expected_bytes", "peak_rss_bytes", "peak_over_expected", "mem_budget_bytes",
    "n_threads", "backend",         "bytes_per_rep",  "flops_per_rep",  "frac_read_bandwidth",
    "frac_f32_peak", "frac_bf16_peak", "untrusted",
};
const int bench_csv_n_columns = (int)(sizeof bench_csv_columns / sizeof bench_csv_columns[0]);

/* One field of a point: text (s) or a number (v, NAN when missing). */
typedef struct field {
    const char *s;
    double v;
    int is_int;
} field;

static const char *model_dir_of(const bench_opts *o, const bench_point *p) {
    return o && p->model_idx >= 0 && p->model_idx < o->n_models ? o->models[p->model_idx].dir : "";
}

static double ratio_peak(const bench_point *p) {
    int64_t exp = bench_expected_bytes(p);
    if (p->peak_rss_bytes <= 0 || exp <= 0 || p->batch <= 0) return NAN;
    return (double)p->peak_rss_bytes / (double)exp;
}

/* Fills f[bench_csv_n_columns]; reason is the untrusted text buffer. */
static void point_fields(const bench_opts *o, const bench_point *p, field *f, char *reason, size_t cap) {
    const char *why = bench_untrusted_reason(p->reps, p->median_s, p->min_s, p->max_s, reason, cap);
    double nan = NAN;
    field v[] = {
        {p->label, nan, 0},
        {model_dir_of(o, p), nan, 0},
        {p->arch, nan, 0},
        {p->dtype, nan, 0},
        {bench_kind_name(p->kind), nan, 0},
        {NULL, (double)p->prompt_len, 1},
        {NULL, (double)p->gen_len, 1},
        {NULL, (double)p->batch, 1},
        {NULL, (double)p->reps, 1},
        {NULL, (double)p->steps, 1},
        {NULL, p->median_s, 0},
        {NULL, p->min_s, 0},
        {NULL, p->max_s, 0},
        {NULL, p->tok_per_s, 0},
        {NULL, (double)p->state_bytes_per_seq, 1},
        {NULL, (double)p->weight_bytes, 1},
        {NULL, (double)bench_expected_bytes(p), 1},
        {NULL, p->peak_rss_bytes >= 0 ? (double)p->peak_rss_bytes : nan, 1},
        {NULL, ratio_peak(p), 0},
        {NULL, p->mem_budget_bytes >= 0 ? (double)p->mem_budget_bytes : nan, 1},
        {NULL, (double)p->n_threads, 1},
        {p->backend, nan, 0},
        {NULL, p->bytes_per_rep, 0},
        {NULL, p->flops_per_rep, 0},
        {NULL, o ? bench_frac_bandwidth(p, o->roof_read_bytes_per_s) : nan, 0},
        {NULL, o ? bench_frac_flops(p, o->roof_f32_flops) : nan, 0},
        {NULL, o ? bench_frac_flops(p, o->roof_bf16_flops) : nan, 0},
        {why ? why : "", nan, 0},
    };
    _Static_assert(sizeof v / sizeof v[0] == sizeof bench_csv_columns / sizeof bench_csv_columns[0],
                   "one field per CSV column");
    memcpy(f, v, sizeof v);
}

static void csv_text(strbuf *out, const char *s) {
    if (strpbrk(s, ",\"\r\n")) {
        strbuf_putc(out, '"');
        for (; *s; s++) {
            if (*s == '"') strbuf_putc(out, '"');
            strbuf_putc(out, *s);
        }
        strbuf_putc(out, '"');
    } else {
        strbuf_puts(out, s);
    }
}

void bench_format_csv(strbuf *out, const bench_opts *o, const bench_results *r) {
    for (int c = 0; c < bench_csv_n_columns; c++) {
        strbuf_puts(out, bench_csv_columns[c]);
        strbuf_putc(out, c == bench_csv_n_columns - 1 ? '\n' : ',');
    }
    field f[64];
    char reason[64];
    for (int i = 0; i < r->n; i++) {
        point_fields(o, &r->points[i], f, reason, sizeof reason);
        for (int c = 0; c < bench_csv_n_columns; c++) {
            if (f[c].s) csv_text(out, f[c].s);
            else if (isnan(f[c].v)) { /* empty */
            } else if (f[c].is_int) strbuf_printf(out, "%.0f", f[c].v);
            else strbuf_printf(out, "%.9g", f[c].v);
            strbuf_putc(out, c == bench_csv_n_columns - 1 ? '\n' : ',');
        }
    }
}

void bench_format_json(strbuf *out, const bench_opts *o, const bench_results *r) {
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(root, "points");
    field f[64];
    char reason[64];
    for (int i = 0; arr && i < r->n; i++) {
        point_fields(o, &r->points[i], f, reason, sizeof reason);
        cJSON *obj = cJSON_CreateObject();
        for (int c = 0; obj && c < bench_csv_n_columns; c++) {
            const char *k = bench_csv_columns[c];
            if (strcmp(k, "untrusted") == 0 && !f[c].s[0]) cJSON_AddNullToObject(obj, k);
            else if (f[c].s) cJSON_AddStringToObject(obj, k, f[c].s);
            else if (isnan(f[c].v)) cJSON_AddNullToObject(obj, k);
            else cJSON_AddNumberToObject(obj, k, f[c].v);
        }
        cJSON_AddItemToArray(arr, obj);
    }
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    if (text) {
        strbuf_puts(out, text);
        strbuf_putc(out, '\n');
        cJSON_free(text);
    } else {
        out->failed = 1;
    }
    cJSON_Delete(root);
}

/* ---- the text table ---- */

enum { T_COLS = 11, T_CELL = 48 };

static void cell_num(char *c, double v, const char *fmt) {
    if (isnan(v)) snprintf(c, T_CELL, "-");
    else snprintf(c, T_CELL, fmt, v);
}

/* The fraction of the limit that bounds the point ("88% BW", "61% f32"),
 * or "-" without a roofline measured in the run. */
static void limit_cell(char *c, const bench_opts *o, const bench_point *p) {
    double f = NAN;
    const char *what = "";
    if (o && bench_bound_by_bandwidth(p)) {
        f = bench_frac_bandwidth(p, o->roof_read_bytes_per_s);
        what = "BW";
    } else if (o && p->kind == BENCH_PREFILL) {
        f = bench_frac_flops(p, o->roof_f32_flops);
        what = "f32";
    }
    if (isnan(f)) snprintf(c, T_CELL, "-");
    else snprintf(c, T_CELL, "%.0f%% %s", 100 * f, what);
}

void bench_format_table(strbuf *out, const bench_opts *o, const bench_results *r) {
    static const char *const head[T_COLS] = {"model",         "kind",         "length",        "batch",
                                             "tok/s",         "of limit",     "median ms (min-max)",
                                             "state/seq MiB", "peak RSS MiB", "peak/expected", "note"};
    static const int right[T_COLS] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    int n_rows = r->n + 1;
    char(*cells)[T_COLS][T_CELL] = calloc((size_t)n_rows, sizeof *cells);
    if (!cells) {
        out->failed = 1;
        return;
    }
    for (int c = 0; c < T_COLS; c++) snprintf(cells[0][c], T_CELL, "%s", head[c]);
    int n_flagged = 0;
    for (int i = 0; i < r->n; i++) {
        const bench_point *p = &r->points[i];
        char(*row)[T_CELL] = cells[i + 1];
        char reason[64];
        const char *why = bench_untrusted_reason(p->reps, p->median_s, p->min_s, p->max_s, reason, sizeof reason);
        snprintf(row[0], T_CELL, "%s", p->label);
        snprintf(row[1], T_CELL, "%s", bench_kind_name(p->kind));
        snprintf(row[2], T_CELL, "%ld", p->kind == BENCH_PREFILL ? p->prompt_len : p->gen_len);
        snprintf(row[3], T_CELL, "%ld", p->batch);
        if (isnan(p->tok_per_s)) snprintf(row[4], T_CELL, "-");
        else snprintf(row[4], T_CELL, "%s%.1f", why ? "!" : "", p->tok_per_s);
        limit_cell(row[5], o, p);
        if (isnan(p->median_s)) snprintf(row[6], T_CELL, "-");
        else snprintf(row[6], T_CELL, "%.2f (%.2f-%.2f)", 1e3 * p->median_s, 1e3 * p->min_s, 1e3 * p->max_s);
        cell_num(row[7], (double)p->state_bytes_per_seq / 1048576.0, "%.2f");
        cell_num(row[8], p->peak_rss_bytes > 0 ? (double)p->peak_rss_bytes / 1048576.0 : NAN, "%.1f");
        cell_num(row[9], ratio_peak(p), "%.3f");
        if (why) {
            snprintf(row[10], T_CELL, "untrusted: %s", why);
            n_flagged++;
        } else if (p->kind == BENCH_MAX_THROUGHPUT && p->batch == 0) {
            snprintf(row[10], T_CELL, "nothing fits the budget");
        } else if (p->kind == BENCH_MAX_THROUGHPUT && o &&
                   bench_fit_batch(p->mem_budget_bytes, p->weight_bytes, p->state_bytes_per_seq) > p->batch) {
            snprintf(row[10], T_CELL, "batch capped by --max-batch");
        }
    }
    size_t width[T_COLS] = {0};
    for (int i = 0; i < n_rows; i++)
        for (int c = 0; c < T_COLS; c++) {
            size_t w = strlen(cells[i][c]);
            if (w > width[c]) width[c] = w;
        }
    for (int i = 0; i < n_rows; i++) {
        for (int c = 0; c < T_COLS; c++) {
            if (c == T_COLS - 1) strbuf_puts(out, cells[i][c]);
            else if (right[c]) strbuf_printf(out, "%*s  ", (int)width[c], cells[i][c]);
            else strbuf_printf(out, "%-*s  ", (int)width[c], cells[i][c]);
        }
        while (out->len && out->s[out->len - 1] == ' ') out->s[--out->len] = 0;
        strbuf_putc(out, '\n');
    }
    if (n_flagged)
        strbuf_printf(out, "! %d figure%s not to be trusted: fewer than %d repetitions or (max-min)/median above %.0f%%\n",
                      n_flagged, n_flagged == 1 ? " is" : "s are", BENCH_MIN_TRUSTED_REPS, 100 * BENCH_MAX_TRUSTED_SPREAD);
    if (o && !isnan(o->roof_read_bytes_per_s))
        strbuf_printf(out, "of limit: decode bytes read per second over the read bandwidth (%.1f GB/s), prefill "
                           "arithmetic per second over the f32 FMA peak (%.1f GFLOP/s), both measured in this run; above 100%%: "
                           "weights small enough to be read partly from the caches\n",
                      o->roof_read_bytes_per_s * 1e-9, o->roof_f32_flops * 1e-9);
    free(cells);
}
