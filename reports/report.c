/* reports/report.c: builds the report document from the store's rows, draws
 * its plots and writes index.html and report.md. */
#include "reports/report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "harness/bench.h"
#include "harness/store.h"
#include "reports/doc.h"
#include "reports/plot.h"
#include "reports/report_data.h"

#define MIB (1024.0 * 1024.0)
#define REPORT_MAX_MODELS 32
#define REPORT_MAX_LENS 64
#define REPORT_MAX_BATCHES 16
/* The bar for Griffin's decode speed at the longest length against
 * the shortest, and for peak resident memory against weights + state. */
#define REPORT_FLAT_DECODE_TOL 0.15
#define REPORT_PEAK_RSS_TOL 0.10
#define UNTRUSTED_MARK "\xe2\x80\xa0" /* U+2020 DAGGER */

typedef struct model_key {
    int64_t run_id;
    const char *label;
    const char *arch, *dtype;
    int64_t weight_bytes;
    char name[160]; /* label, or "label (run N)" when several runs are shown */
} model_key;

typedef struct ctx {
    const report_opts *o;
    report_summary *sum;
    report_data d;
    report_doc *doc;
    const char *out_dir;
    char gnuplot[4096];
    int have_gnuplot;
    model_key models[REPORT_MAX_MODELS];
    int n_models;
} ctx;

/* ---- looking up points ---- */

static int model_of(const ctx *c, const report_point *p) {
    for (int i = 0; i < c->n_models; i++)
        if (c->models[i].run_id == p->run_id && strcmp(c->models[i].label, p->label) == 0) return i;
    return -1;
}

/* The point of model mi, kind k, at length len (prompt_len for prefill,
 * gen_len otherwise) and batch (0: any). */
static const report_point *find(const ctx *c, int mi, store_bench_kind k, int64_t len, int64_t batch) {
    for (int i = 0; i < c->d.n_points; i++) {
        const report_point *p = &c->d.points[i];
        if (p->kind != k || model_of(c, p) != mi) continue;
        int64_t l = k == STORE_BENCH_PREFILL ? p->prompt_len : p->gen_len;
        if (l == len && (batch == 0 || p->batch == batch)) return p;
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int add_unique(int64_t *xs, int n, int cap, int64_t v) {
    for (int i = 0; i < n; i++)
        if (xs[i] == v) return n;
    if (n < cap) xs[n++] = v;
    return n;
}

/* Sorted distinct lengths of kind k (over all models). */
static int lengths_of(const ctx *c, store_bench_kind k, int64_t *out) {
    int n = 0;
    for (int i = 0; i < c->d.n_points; i++) {
        const report_point *p = &c->d.points[i];
        if (p->kind == k) n = add_unique(out, n, REPORT_MAX_LENS, k == STORE_BENCH_PREFILL ? p->prompt_len : p->gen_len);
    }
    qsort(out, (size_t)n, sizeof *out, cmp_i64);
    return n;
}

static int batches_of(const ctx *c, store_bench_kind k, int64_t *out) {
    int n = 0;
    for (int i = 0; i < c->d.n_points; i++)
        if (c->d.points[i].kind == k) n = add_unique(out, n, REPORT_MAX_BATCHES, c->d.points[i].batch);
    qsort(out, (size_t)n, sizeof *out, cmp_i64);
    return n;
}

static const char *untrusted(const report_point *p, char *buf, size_t cap) {
    return bench_untrusted_reason(p->reps, p->median_s, p->min_s, p->max_s, buf, cap);
}

static double expected_bytes(const report_point *p) {
    return (double)p->weight_bytes + (double)(p->batch > 0 ? p->batch : 0) * (double)p->state_bytes_per_seq;
}

static double peak_ratio(const report_point *p) {
    if (p->peak_rss_bytes <= 0 || p->weight_bytes < 0 || p->state_bytes_per_seq < 0 || p->batch <= 0) return NAN;
    return (double)p->peak_rss_bytes / expected_bytes(p);
}

/* "123.4" with the untrusted mark; "-" when missing. */
static void fmt_tok(char *out, size_t cap, const report_point *p) {
    char why[64];
    if (!p || isnan(p->tok_per_s)) snprintf(out, cap, "-");
    else snprintf(out, cap, "%.1f%s", p->tok_per_s, untrusted(p, why, sizeof why) ? " " UNTRUSTED_MARK : "");
}

static void fmt_range(char *out, size_t cap, const report_point *p) {
    if (!p || isnan(p->tok_per_s) || !(p->min_s > 0) || !(p->max_s > 0)) {
        snprintf(out, cap, "-");
        return;
    }
    double tokens = p->tok_per_s * p->median_s;
    snprintf(out, cap, "%.1f-%.1f", tokens / p->max_s, tokens / p->min_s);
}

static void fmt_mib(char *out, size_t cap, double bytes) {
    if (isnan(bytes) || bytes < 0) snprintf(out, cap, "-");
    else if (bytes < 10 * MIB) snprintf(out, cap, "%.2f", bytes / MIB);
    else snprintf(out, cap, "%.1f", bytes / MIB);
}

/* ---- plots ---- */

/* Writes and renders one plot and adds its figure (or says why not). */
static void add_plot(ctx *c, const plot_spec *s, const char *name, const char *caption) {
    errbuf e;
    if (plot_write(s, c->out_dir, name, &e) != 0) {
        report_doc_note(c->doc, "Plot %s could not be written: %s", name, e.msg);
        c->sum->n_plot_errors++;
        return;
    }
    if (!c->have_gnuplot) return; /* one note at the top says why */
    if (plot_render(c->gnuplot, c->out_dir, name, &e) != 0) {
        report_doc_note(c->doc, "Plot %s could not be drawn: %s", name, e.msg);
        c->sum->n_plot_errors++;
        return;
    }
    char png[256], svg[256];
    snprintf(png, sizeof png, "%s.png", name);
    snprintf(svg, sizeof svg, "%s.svg", name);
    report_doc_figure(c->doc, png, svg, caption);
    c->sum->n_plots++;
}

/* Series storage for one plot: up to REPORT_MAX_MODELS * batches lines. */
#define MAX_SERIES (REPORT_MAX_MODELS * 4)
typedef struct series_buf {
    plot_series s[MAX_SERIES];
    char names[MAX_SERIES][200];
    double x[MAX_SERIES][REPORT_MAX_LENS], y[MAX_SERIES][REPORT_MAX_LENS];
    double lo[MAX_SERIES][REPORT_MAX_LENS], hi[MAX_SERIES][REPORT_MAX_LENS];
    int n;
} series_buf;

static plot_series *new_series(series_buf *b, const char *name, int color, int dashed, int with_bars) {
    if (b->n >= MAX_SERIES) return NULL;
    int k = b->n++;
    snprintf(b->names[k], sizeof b->names[k], "%s", name);
    b->s[k] = (plot_series){.name = b->names[k], .n = 0, .x = b->x[k], .y = b->y[k],
                            .y_lo = with_bars ? b->lo[k] : NULL, .y_hi = with_bars ? b->hi[k] : NULL,
                            .color = color, .dashed = dashed};
    return &b->s[k];
}

static void push_tok(series_buf *b, plot_series *s, int64_t len, const report_point *p) {
    if (!s || !p || isnan(p->tok_per_s) || s->n >= REPORT_MAX_LENS) return;
    int k = (int)(s - b->s), i = s->n++;
    b->x[k][i] = (double)len;
    b->y[k][i] = p->tok_per_s;
    double tokens = p->tok_per_s * p->median_s;
    b->lo[k][i] = p->max_s > 0 ? tokens / p->max_s : p->tok_per_s;
    b->hi[k][i] = p->min_s > 0 ? tokens / p->min_s : p->tok_per_s;
}

static void push_xy(series_buf *b, plot_series *s, double x, double y) {
    if (!s || isnan(y) || s->n >= REPORT_MAX_LENS) return;
    int k = (int)(s - b->s), i = s->n++;
    b->x[k][i] = x;
    b->y[k][i] = y;
}

/* ---- sections ---- */

static void section_summary(ctx *c) {
    int64_t lens[REPORT_MAX_LENS];
    int n_dec = lengths_of(c, STORE_BENCH_DECODE, lens);
    int64_t mlens[REPORT_MAX_LENS];
    int n_mem = lengths_of(c, STORE_BENCH_MEMORY, mlens);
    if (n_dec == 0 && n_mem == 0) return;
    report_doc_heading(c->doc, 2, "Summary");
    int64_t lo = n_dec ? lens[0] : mlens[0], hi = n_dec ? lens[n_dec - 1] : mlens[n_mem - 1];
    char h_dlo[64], h_dhi[64], h_slo[64], h_shi[64];
    snprintf(h_dlo, sizeof h_dlo, "decode tok/s at %lld (batch 1)", (long long)lo);
    snprintf(h_dhi, sizeof h_dhi, "decode tok/s at %lld (batch 1)", (long long)hi);
    snprintf(h_slo, sizeof h_slo, "state/seq MiB at %lld", (long long)lo);
    snprintf(h_shi, sizeof h_shi, "state/seq MiB at %lld", (long long)hi);
    const char *head[] = {"model", "arch", "weights MiB", h_dlo, h_dhi, "longest / shortest",
                          h_slo, h_shi, "state growth", "peak RSS / (weights + state)"};
    const int right[] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    report_doc_table_begin(c->doc, 10, head, right);
    for (int mi = 0; mi < c->n_models; mi++) {
        const model_key *m = &c->models[mi];
        const report_point *d0 = find(c, mi, STORE_BENCH_DECODE, lo, 1), *d1 = find(c, mi, STORE_BENCH_DECODE, hi, 1);
        const report_point *s0 = find(c, mi, STORE_BENCH_MEMORY, lo, 0), *s1 = find(c, mi, STORE_BENCH_MEMORY, hi, 0);
        if (!s0) s0 = find(c, mi, STORE_BENCH_DECODE, lo, 1);
        if (!s1) s1 = find(c, mi, STORE_BENCH_DECODE, hi, 1);
        char w[32], a[32], b[32], r[32], x0[32], x1[32], g[32], pk[48];
        fmt_mib(w, sizeof w, (double)m->weight_bytes);
        fmt_tok(a, sizeof a, d0);
        fmt_tok(b, sizeof b, d1);
        if (d0 && d1 && d0->tok_per_s > 0 && !isnan(d1->tok_per_s))
            snprintf(r, sizeof r, "%.0f%%", 100 * d1->tok_per_s / d0->tok_per_s);
        else snprintf(r, sizeof r, "-");
        fmt_mib(x0, sizeof x0, s0 ? (double)s0->state_bytes_per_seq : NAN);
        fmt_mib(x1, sizeof x1, s1 ? (double)s1->state_bytes_per_seq : NAN);
        if (s0 && s1 && s0->state_bytes_per_seq > 0)
            snprintf(g, sizeof g, "%.2fx", (double)s1->state_bytes_per_seq / (double)s0->state_bytes_per_seq);
        else snprintf(g, sizeof g, "-");
        /* The worst ratio over the memory points. */
        double worst = NAN;
        for (int i = 0; i < c->d.n_points; i++) {
            const report_point *p = &c->d.points[i];
            if (p->kind != STORE_BENCH_MEMORY || model_of(c, p) != mi) continue;
            double q = peak_ratio(p);
            if (!isnan(q) && (isnan(worst) || fabs(q - 1) > fabs(worst - 1))) worst = q;
        }
        if (isnan(worst)) snprintf(pk, sizeof pk, "-");
        else snprintf(pk, sizeof pk, "%.3f (%s)", worst, fabs(worst - 1) <= REPORT_PEAK_RSS_TOL ? "within 10%" : "off by more than 10%");
        const char *row[] = {m->name, m->arch, w, a, b, r, x0, x1, g, pk};
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
    /* The same in words, per architecture. */
    for (int mi = 0; mi < c->n_models; mi++) {
        const model_key *m = &c->models[mi];
        const report_point *d0 = find(c, mi, STORE_BENCH_DECODE, lo, 1), *d1 = find(c, mi, STORE_BENCH_DECODE, hi, 1);
        if (d0 && d1 && lo != hi && d0->tok_per_s > 0) {
            double q = d1->tok_per_s / d0->tok_per_s;
            char w0[64], w1[64];
            int shaky = untrusted(d0, w0, sizeof w0) || untrusted(d1, w1, sizeof w1);
            report_doc_para(c->doc, "%s (%s): batch-1 decode at %lld tokens runs at %.0f%% of its speed at %lld "
                                    "tokens (%s)%s.",
                            m->name, m->arch, (long long)hi, 100 * q, (long long)lo,
                            fabs(q - 1) <= REPORT_FLAT_DECODE_TOL ? "flat: within 15%"
                            : q < 1                               ? "it falls with length"
                                                                  : "it rises with length",
                            shaky ? "; but at least one of the two figures is flagged as not to be trusted" : "");
        }
        /* Where the state stops growing, if it does. */
        int64_t ml[REPORT_MAX_LENS];
        int nm = lengths_of(c, STORE_BENCH_MEMORY, ml);
        const report_point *first = NULL, *last = NULL;
        int64_t flat_from = -1;
        for (int i = 0; i < nm; i++) {
            const report_point *p = find(c, mi, STORE_BENCH_MEMORY, ml[i], 0);
            if (!p) continue;
            if (!first) first = p;
            if (last && p->state_bytes_per_seq == last->state_bytes_per_seq) {
                if (flat_from < 0) flat_from = last->gen_len;
            } else {
                flat_from = -1;
            }
            last = p;
        }
        if (first && last && first != last && first->state_bytes_per_seq > 0) {
            double grow = (double)last->state_bytes_per_seq / (double)first->state_bytes_per_seq;
            double len_ratio = (double)last->gen_len / (double)first->gen_len;
            if (flat_from >= 0)
                report_doc_para(c->doc, "%s: memory per sequence is constant from %lld tokens on (%.2f MiB), the "
                                        "fixed-size state past the attention window.",
                                m->name, (long long)flat_from, last->state_bytes_per_seq / MIB);
            else
                report_doc_para(c->doc, "%s: memory per sequence grows %.1fx while the length grows %.1fx (%s).",
                                m->name, grow, len_ratio,
                                fabs(grow / len_ratio - 1) < 0.1 ? "linear, a KV cache" : "not proportional");
        }
    }
}

static void section_max_throughput(ctx *c) {
    int64_t lens[REPORT_MAX_LENS];
    int n = lengths_of(c, STORE_BENCH_MAX_THROUGHPUT, lens);
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Maximum throughput");
    int64_t budget = -1;
    for (int i = 0; i < c->d.n_points; i++)
        if (c->d.points[i].kind == STORE_BENCH_MAX_THROUGHPUT) budget = c->d.points[i].mem_budget_bytes;
    report_doc_para(c->doc, "For each length, the largest batch whose weights plus per-sequence states (Griffin) or KV "
                            "caches (Gemma) fit a memory budget of %.2f GiB decodes in lockstep; tokens/s counts "
                            "every sequence's tokens. A batch marked * was capped by --max-batch below what the budget "
                            "allows.",
                    budget / (MIB * 1024));
    series_buf *sb = calloc(1, sizeof *sb);
    if (!sb) {
        report_doc_note(c->doc, "out of memory drawing the max-throughput plot");
        return;
    }
    for (int mi = 0; mi < c->n_models; mi++) {
        plot_series *s = new_series(sb, c->models[mi].name, mi, 0, 1);
        for (int li = 0; li < n; li++) push_tok(sb, s, lens[li], find(c, mi, STORE_BENCH_MAX_THROUGHPUT, lens[li], 0));
    }
    char title[160];
    snprintf(title, sizeof title, "Maximum throughput within a %.1f GiB memory budget", budget / (MIB * 1024));
    plot_spec ps = {title, "sequence length (tokens)", "tokens/s (all sequences)", 1, 0, 1, sb->s, sb->n};
    add_plot(c, &ps, "max_throughput", "Decode throughput at the largest batch that fits the memory budget, "
                                       "against sequence length (bars: slowest to fastest repetition)");
    free(sb);
    int n_cols = 1 + 3 * c->n_models;
    const char *head[1 + 3 * REPORT_MAX_MODELS];
    char hb[REPORT_MAX_MODELS][3][200];
    int right[1 + 3 * REPORT_MAX_MODELS];
    head[0] = "length";
    right[0] = 1;
    for (int mi = 0; mi < c->n_models; mi++) {
        snprintf(hb[mi][0], sizeof hb[mi][0], "%s batch", c->models[mi].name);
        snprintf(hb[mi][1], sizeof hb[mi][1], "%s tok/s", c->models[mi].name);
        snprintf(hb[mi][2], sizeof hb[mi][2], "%s range", c->models[mi].name);
        for (int k = 0; k < 3; k++) {
            head[1 + 3 * mi + k] = hb[mi][k];
            right[1 + 3 * mi + k] = 1;
        }
    }
    report_doc_table_begin(c->doc, n_cols, head, right);
    for (int li = 0; li < n; li++) {
        char cells[1 + 3 * REPORT_MAX_MODELS][64];
        const char *row[1 + 3 * REPORT_MAX_MODELS];
        snprintf(cells[0], sizeof cells[0], "%lld", (long long)lens[li]);
        for (int mi = 0; mi < c->n_models; mi++) {
            const report_point *p = find(c, mi, STORE_BENCH_MAX_THROUGHPUT, lens[li], 0);
            char *b = cells[1 + 3 * mi];
            if (!p) snprintf(b, 64, "-");
            else if (p->batch == 0) snprintf(b, 64, "none fits");
            else {
                long fit = bench_fit_batch(p->mem_budget_bytes, p->weight_bytes, p->state_bytes_per_seq);
                snprintf(b, 64, "%lld%s", (long long)p->batch, fit > p->batch ? "*" : "");
            }
            fmt_tok(cells[2 + 3 * mi], 64, p);
            fmt_range(cells[3 + 3 * mi], 64, p);
        }
        for (int k = 0; k < n_cols; k++) row[k] = cells[k];
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
}

static void section_decode(ctx *c) {
    int64_t lens[REPORT_MAX_LENS], batches[REPORT_MAX_BATCHES];
    int n = lengths_of(c, STORE_BENCH_DECODE, lens), nb = batches_of(c, STORE_BENCH_DECODE, batches);
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Decode throughput");
    report_doc_para(c->doc, "Each model's state is first brought to the length (a prompt of that many tokens), then "
                            "B sequences decode in lockstep, one forward pass per step; tokens/s counts all B "
                            "sequences. Griffin's state stops growing past its attention window, so its speed should "
                            "stay flat; a transformer reads a longer KV cache at every step.");
    series_buf *sb = calloc(1, sizeof *sb);
    char(*hb)[200] = calloc(REPORT_MAX_MODELS * REPORT_MAX_BATCHES, sizeof *hb);
    char(*cells)[96] = calloc(1 + REPORT_MAX_MODELS * REPORT_MAX_BATCHES, sizeof *cells);
    if (!sb || !hb || !cells) {
        report_doc_note(c->doc, "out of memory building the decode section");
        goto done;
    }
    for (int mi = 0; mi < c->n_models; mi++)
        for (int bi = 0; bi < nb && bi < 4; bi++) {
            char name[200];
            snprintf(name, sizeof name, "%s, batch %lld", c->models[mi].name, (long long)batches[bi]);
            plot_series *s = new_series(sb, name, mi, bi, 1);
            for (int li = 0; li < n; li++) push_tok(sb, s, lens[li], find(c, mi, STORE_BENCH_DECODE, lens[li], batches[bi]));
        }
    plot_spec ps = {"Decode throughput vs sequence length", "sequence length (tokens)", "tokens/s (all sequences)",
                    1, 0, 1, sb->s, sb->n};
    add_plot(c, &ps, "decode", "Decode tokens/s against the length of the sequence being extended; one line per "
                               "model and batch size (bars: slowest to fastest repetition)");
    int n_cols = 1;
    const char *head[1 + REPORT_MAX_MODELS * REPORT_MAX_BATCHES];
    int right[1 + REPORT_MAX_MODELS * REPORT_MAX_BATCHES];
    head[0] = "length";
    right[0] = 1;
    for (int mi = 0; mi < c->n_models; mi++)
        for (int bi = 0; bi < nb; bi++) {
            snprintf(hb[n_cols - 1], sizeof hb[0], "%s B=%lld tok/s (range)", c->models[mi].name, (long long)batches[bi]);
            head[n_cols] = hb[n_cols - 1];
            right[n_cols++] = 1;
        }
    report_doc_table_begin(c->doc, n_cols, head, right);
    for (int li = 0; li < n; li++) {
        const char *row[1 + REPORT_MAX_MODELS * REPORT_MAX_BATCHES];
        snprintf(cells[0], sizeof cells[0], "%lld", (long long)lens[li]);
        int k = 1;
        for (int mi = 0; mi < c->n_models; mi++)
            for (int bi = 0; bi < nb; bi++, k++) {
                const report_point *p = find(c, mi, STORE_BENCH_DECODE, lens[li], batches[bi]);
                char t[48], r[48];
                fmt_tok(t, sizeof t, p);
                fmt_range(r, sizeof r, p);
                if (p) snprintf(cells[k], sizeof cells[k], "%s (%s)", t, r);
                else snprintf(cells[k], sizeof cells[k], "-");
            }
        for (int j = 0; j < n_cols; j++) row[j] = cells[j];
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
done:
    free(sb);
    free(hb);
    free(cells);
}

static void section_prefill(ctx *c) {
    int64_t lens[REPORT_MAX_LENS];
    int n = lengths_of(c, STORE_BENCH_PREFILL, lens);
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Prefill throughput");
    report_doc_para(c->doc, "One forward pass over a prompt of that many tokens from an empty state (batch 1).");
    series_buf *sb = calloc(1, sizeof *sb);
    if (!sb) {
        report_doc_note(c->doc, "out of memory drawing the prefill plot");
        return;
    }
    for (int mi = 0; mi < c->n_models; mi++) {
        plot_series *s = new_series(sb, c->models[mi].name, mi, 0, 1);
        for (int li = 0; li < n; li++) push_tok(sb, s, lens[li], find(c, mi, STORE_BENCH_PREFILL, lens[li], 0));
    }
    plot_spec ps = {"Prefill throughput vs prompt length", "prompt length (tokens)", "tokens/s", 1, 0, 1, sb->s, sb->n};
    add_plot(c, &ps, "prefill", "Prompt-processing tokens/s against prompt length (bars: slowest to fastest "
                                "repetition)");
    free(sb);
    int n_cols = 1 + 2 * c->n_models;
    const char *head[1 + 2 * REPORT_MAX_MODELS];
    char hb[2 * REPORT_MAX_MODELS][200];
    int right[1 + 2 * REPORT_MAX_MODELS];
    head[0] = "prompt length";
    right[0] = 1;
    for (int mi = 0; mi < c->n_models; mi++) {
        snprintf(hb[2 * mi], sizeof hb[0], "%s tok/s", c->models[mi].name);
        snprintf(hb[2 * mi + 1], sizeof hb[0], "%s range", c->models[mi].name);
        head[1 + 2 * mi] = hb[2 * mi];
        head[2 + 2 * mi] = hb[2 * mi + 1];
        right[1 + 2 * mi] = right[2 + 2 * mi] = 1;
    }
    report_doc_table_begin(c->doc, n_cols, head, right);
    for (int li = 0; li < n; li++) {
        char cells[1 + 2 * REPORT_MAX_MODELS][64];
        const char *row[1 + 2 * REPORT_MAX_MODELS];
        snprintf(cells[0], sizeof cells[0], "%lld", (long long)lens[li]);
        for (int mi = 0; mi < c->n_models; mi++) {
            const report_point *p = find(c, mi, STORE_BENCH_PREFILL, lens[li], 0);
            fmt_tok(cells[1 + 2 * mi], 64, p);
            fmt_range(cells[2 + 2 * mi], 64, p);
        }
        for (int j = 0; j < n_cols; j++) row[j] = cells[j];
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
}

static void section_memory(ctx *c) {
    int64_t lens[REPORT_MAX_LENS];
    int n = lengths_of(c, STORE_BENCH_MEMORY, lens);
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Memory");
    report_doc_para(c->doc, "Analytic bytes one sequence needs at each length (Griffin: RG-LRU and conv state plus "
                            "the local-attention ring, at most a window of keys and values; Gemma: the KV cache of "
                            "every position), and the measured peak resident memory of a process holding the weights "
                            "and one sequence decoding at that length, against weights + analytic state.");
    series_buf *sb = calloc(1, sizeof *sb);
    if (!sb) {
        report_doc_note(c->doc, "out of memory drawing the memory plots");
        return;
    }
    for (int mi = 0; mi < c->n_models; mi++) {
        plot_series *s = new_series(sb, c->models[mi].name, mi, 0, 0);
        for (int li = 0; li < n; li++) {
            const report_point *p = find(c, mi, STORE_BENCH_MEMORY, lens[li], 0);
            if (p && p->state_bytes_per_seq >= 0) push_xy(sb, s, (double)lens[li], p->state_bytes_per_seq / MIB);
        }
    }
    plot_spec ps = {"Memory per sequence vs sequence length", "sequence length (tokens)",
                    "state or KV cache per sequence (MiB, log scale)", 1, 1, 0, sb->s, sb->n};
    add_plot(c, &ps, "memory_per_seq", "Bytes of state (Griffin) or KV cache (Gemma) one sequence holds, against its "
                                       "length (analytic, f32)");
    memset(sb, 0, sizeof *sb);
    for (int mi = 0; mi < c->n_models; mi++) {
        char name[200];
        snprintf(name, sizeof name, "%s, measured peak", c->models[mi].name);
        plot_series *meas = new_series(sb, name, mi, 0, 0);
        snprintf(name, sizeof name, "%s, weights + state", c->models[mi].name);
        plot_series *exp = new_series(sb, name, mi, 1, 0);
        for (int li = 0; li < n; li++) {
            const report_point *p = find(c, mi, STORE_BENCH_MEMORY, lens[li], 0);
            if (!p) continue;
            if (p->peak_rss_bytes > 0) push_xy(sb, meas, (double)lens[li], p->peak_rss_bytes / MIB);
            push_xy(sb, exp, (double)lens[li], expected_bytes(p) / MIB);
        }
    }
    plot_spec pr = {"Peak resident memory, one sequence decoding", "sequence length (tokens)", "MiB", 1, 0, 0, sb->s, sb->n};
    add_plot(c, &pr, "peak_rss", "Measured peak resident memory (solid) against weights + analytic state (dashed)");
    free(sb);
    int n_cols = 1 + 4 * c->n_models;
    const char *head[1 + 4 * REPORT_MAX_MODELS];
    char hb[4 * REPORT_MAX_MODELS][200];
    int right[1 + 4 * REPORT_MAX_MODELS];
    head[0] = "length";
    right[0] = 1;
    static const char *const what[4] = {"state/seq MiB", "peak RSS MiB", "weights+state MiB", "peak/expected"};
    for (int mi = 0; mi < c->n_models; mi++)
        for (int k = 0; k < 4; k++) {
            snprintf(hb[4 * mi + k], sizeof hb[0], "%s %s", c->models[mi].name, what[k]);
            head[1 + 4 * mi + k] = hb[4 * mi + k];
            right[1 + 4 * mi + k] = 1;
        }
    report_doc_table_begin(c->doc, n_cols, head, right);
    for (int li = 0; li < n; li++) {
        char cells[1 + 4 * REPORT_MAX_MODELS][48];
        const char *row[1 + 4 * REPORT_MAX_MODELS];
        snprintf(cells[0], sizeof cells[0], "%lld", (long long)lens[li]);
        for (int mi = 0; mi < c->n_models; mi++) {
            const report_point *p = find(c, mi, STORE_BENCH_MEMORY, lens[li], 0);
            fmt_mib(cells[1 + 4 * mi], 48, p ? (double)p->state_bytes_per_seq : NAN);
            fmt_mib(cells[2 + 4 * mi], 48, p && p->peak_rss_bytes > 0 ? (double)p->peak_rss_bytes : NAN);
            fmt_mib(cells[3 + 4 * mi], 48, p ? expected_bytes(p) : NAN);
            double q = p ? peak_ratio(p) : NAN;
            if (isnan(q)) snprintf(cells[4 + 4 * mi], 48, "-");
            else snprintf(cells[4 + 4 * mi], 48, "%.3f", q);
        }
        for (int j = 0; j < n_cols; j++) row[j] = cells[j];
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
}

/* ---- against the machine's limits (a bench run with --roofline) ---- */

/* Decode and max-throughput points are bound by memory bandwidth (each step
 * reads every weight), prefill by arithmetic; each is divided by the limit
 * its own run measured. */
/* p's run when that run measured the roofline and p is a timed point with
 * its work recorded (schema 4); else NULL. */
static const report_run *roofline_run(const report_data *d, const report_point *p) {
    const report_run *r = report_data_run(d, p->run_id);
    if (!r || !r->has_machine || isnan(r->machine.mem_bw_bytes_per_s) || !(p->median_s > 0) ||
        !(p->bytes_per_rep > 0 || p->flops_per_rep > 0))
        return NULL;
    return r;
}

static void section_roofline(ctx *c) {
    const report_data *d = &c->d;
    int n = 0;
    for (int i = 0; i < d->n_points; i++) n += roofline_run(d, &d->points[i]) != NULL;
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Against the machine's limits");
    report_doc_para(c->doc, "Each speed as a fraction of the limit that bounds it, measured by the same bench run "
                            "(griffin bench --roofline): decode and max-throughput points read every weight once per "
                            "step plus each sequence's state, so they are divided by the memory read bandwidth; "
                            "prefill is divided by the peak f32 FMA and bf16 dot-product arithmetic.");
    const char *head[] = {"model", "kind", "length", "batch", "tok/s", "GB/s read", "of bandwidth", "GFLOP/s",
                          "of f32 peak", "of bf16 peak"};
    const int right[] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    report_doc_table_begin(c->doc, 10, head, right);
    for (int i = 0; i < d->n_points; i++) {
        const report_point *p = &d->points[i];
        const report_run *r = roofline_run(d, p);
        if (!r) continue;
        const store_machine *m = &r->machine;
        int bw_bound = p->kind == STORE_BENCH_DECODE || p->kind == STORE_BENCH_MAX_THROUGHPUT;
        double gbs = p->bytes_per_rep / p->median_s, fl = p->flops_per_rep / p->median_s;
        char len[32], batch[32], tok[48], g[32], fb[32], gf[32], f32[32], bf[32];
        snprintf(len, sizeof len, "%lld", (long long)(p->kind == STORE_BENCH_PREFILL ? p->prompt_len : p->gen_len));
        snprintf(batch, sizeof batch, "%lld", (long long)p->batch);
        fmt_tok(tok, sizeof tok, p);
        snprintf(g, sizeof g, "%.1f", gbs / 1e9);
        snprintf(fb, sizeof fb, bw_bound ? "%.0f%%" : "(%.0f%%)", 100 * gbs / m->mem_bw_bytes_per_s);
        snprintf(gf, sizeof gf, "%.1f", fl / 1e9);
        if (m->peak_f32_flops > 0) snprintf(f32, sizeof f32, bw_bound ? "(%.0f%%)" : "%.0f%%", 100 * fl / m->peak_f32_flops);
        else snprintf(f32, sizeof f32, "-");
        if (m->peak_bf16_flops > 0) snprintf(bf, sizeof bf, bw_bound ? "(%.0f%%)" : "%.0f%%", 100 * fl / m->peak_bf16_flops);
        else snprintf(bf, sizeof bf, "-");
        int mi = model_of(c, p);
        const char *row[] = {mi >= 0 ? c->models[mi].name : p->label, store_bench_kind_name(p->kind), len, batch, tok,
                             g, fb, gf, f32, bf};
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
    report_doc_note(c->doc, "Fractions in parentheses are of the limit that does not bound that kind of point. The "
                            "bandwidth is measured on a buffer far larger than the caches, so a model small enough "
                            "to stay partly in the caches can read faster than it (above 100%%).");
}

static void section_untrusted(ctx *c) {
    int n = 0;
    for (int i = 0; i < c->d.n_points; i++) {
        char why[64];
        if (untrusted(&c->d.points[i], why, sizeof why)) n++;
    }
    c->sum->n_untrusted = n;
    if (n == 0) return;
    report_doc_heading(c->doc, 2, "Figures not to be trusted");
    report_doc_note(c->doc, "%d figure%s (marked %s in the tables) came from fewer than %d repetitions or had a spread "
                            "(max - min) / median above %.0f%%. Re-run them with more --reps on a quieter machine "
                            "before relying on them.",
                    n, n == 1 ? "" : "s", UNTRUSTED_MARK, BENCH_MIN_TRUSTED_REPS, 100 * BENCH_MAX_TRUSTED_SPREAD);
    const char *head[] = {"model", "kind", "length", "batch", "tok/s", "reps", "reason"};
    const int right[] = {0, 0, 1, 1, 1, 1, 0};
    report_doc_table_begin(c->doc, 7, head, right);
    for (int i = 0; i < c->d.n_points; i++) {
        const report_point *p = &c->d.points[i];
        char why[64];
        if (!untrusted(p, why, sizeof why)) continue;
        int mi = model_of(c, p);
        char len[32], batch[32], tok[32], reps[32];
        snprintf(len, sizeof len, "%lld", (long long)(p->kind == STORE_BENCH_PREFILL ? p->prompt_len : p->gen_len));
        snprintf(batch, sizeof batch, "%lld", (long long)p->batch);
        snprintf(tok, sizeof tok, "%.1f", p->tok_per_s);
        snprintf(reps, sizeof reps, "%d", p->reps);
        const char *row[] = {mi >= 0 ? c->models[mi].name : p->label, store_bench_kind_name(p->kind), len, batch, tok,
                             reps, why};
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
}

/* ---- evaluation results: tasks x runs ---- */

static int cmp_metric(const void *a, const void *b) {
    const report_metric *x = *(report_metric *const *)a, *y = *(report_metric *const *)b;
    int r = strcmp(x->task, y->task);
    if (!r) r = strcmp(x->metric, y->metric);
    if (!r) r = strcmp(x->filter, y->filter);
    return r;
}

static void section_eval(ctx *c) {
    const report_data *d = &c->d;
    int64_t runs[64];
    int nr = 0;
    for (int i = 0; i < d->n_metrics; i++) nr = add_unique(runs, nr, 64, d->metrics[i].run_id);
    c->sum->n_eval_runs = nr;
    c->sum->n_metrics = d->n_metrics;
    if (nr == 0) return;
    qsort(runs, (size_t)nr, sizeof *runs, cmp_i64);
    report_doc_heading(c->doc, 2, "Evaluation results");
    report_doc_para(c->doc, "Every metric of every evaluation run in the store: value \xc2\xb1 standard error (where "
                            "the metric has one). Rows are task, metric and filter; columns are runs.");
    const report_metric **rows = malloc((size_t)d->n_metrics * sizeof *rows);
    if (!rows) {
        report_doc_note(c->doc, "out of memory listing %d metrics", d->n_metrics);
        return;
    }
    int n_rows = 0;
    for (int i = 0; i < d->n_metrics; i++) {
        int dup = 0;
        for (int j = 0; j < n_rows && !dup; j++)
            dup = !strcmp(rows[j]->task, d->metrics[i].task) && !strcmp(rows[j]->metric, d->metrics[i].metric) &&
                  !strcmp(rows[j]->filter, d->metrics[i].filter);
        if (!dup) rows[n_rows++] = &d->metrics[i];
    }
    qsort(rows, (size_t)n_rows, sizeof *rows, cmp_metric);
    int n_cols = 3 + nr;
    const char **head = calloc((size_t)n_cols, sizeof *head);
    int *right = calloc((size_t)n_cols, sizeof *right);
    char(*hb)[200] = calloc((size_t)nr, sizeof *hb);
    char(*cells)[64] = calloc((size_t)n_cols, sizeof *cells);
    const char **row = calloc((size_t)n_cols, sizeof *row);
    if (!head || !right || !hb || !cells || !row) {
        report_doc_note(c->doc, "out of memory building the evaluation table");
        goto done;
    }
    head[0] = "task";
    head[1] = "metric";
    head[2] = "filter";
    for (int k = 0; k < nr; k++) {
        const report_run *r = report_data_run(d, runs[k]);
        const char *model = r && r->model_path ? r->model_path : "";
        const char *base = strrchr(model, '/');
        snprintf(hb[k], sizeof hb[k], "run %lld%s%s", (long long)runs[k], *model ? ": " : "",
                 base && base[1] ? base + 1 : model);
        head[3 + k] = hb[k];
        right[3 + k] = 1;
    }
    report_doc_table_begin(c->doc, n_cols, head, right);
    for (int i = 0; i < n_rows; i++) {
        snprintf(cells[0], 64, "%s%s", rows[i]->task, rows[i]->is_group ? " (group)" : "");
        snprintf(cells[1], 64, "%s%s", rows[i]->metric,
                 rows[i]->higher_is_better == 1 ? " \xe2\x86\x91" : rows[i]->higher_is_better == 0 ? " \xe2\x86\x93" : "");
        snprintf(cells[2], 64, "%s", rows[i]->filter);
        for (int k = 0; k < nr; k++) {
            const report_metric *m = NULL;
            for (int j = 0; j < d->n_metrics && !m; j++)
                if (d->metrics[j].run_id == runs[k] && !strcmp(d->metrics[j].task, rows[i]->task) &&
                    !strcmp(d->metrics[j].metric, rows[i]->metric) && !strcmp(d->metrics[j].filter, rows[i]->filter))
                    m = &d->metrics[j];
            if (!m) snprintf(cells[3 + k], 64, "-");
            else if (isnan(m->value_stderr)) snprintf(cells[3 + k], 64, "%.4f", m->value);
            else snprintf(cells[3 + k], 64, "%.4f \xc2\xb1 %.4f", m->value, m->value_stderr);
        }
        for (int j = 0; j < n_cols; j++) row[j] = cells[j];
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
done:
    free(rows);
    free(head);
    free(right);
    free(hb);
    free(cells);
    free(row);
}

/* ---- runs, machines, method ---- */

/* The CPU flags that matter for these kernels, from the full list. */
static void simd_flags(const char *flags, char *out, size_t cap) {
    static const char *const keep[] = {"avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16",
                                       "avx512_vnni", "avx512_fp16", "amx_bf16", "amx_int8", "asimd", "sve"};
    out[0] = 0;
    size_t used = 0;
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        size_t n = strlen(keep[k]);
        for (const char *p = flags; (p = strstr(p, keep[k])) != NULL; p += n) {
            int starts = p == flags || p[-1] == ' ', ends = p[n] == 0 || p[n] == ' ';
            if (starts && ends) {
                used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s", used ? " " : "", keep[k]);
                break;
            }
        }
    }
    if (!out[0]) snprintf(out, cap, "-");
}

static void section_runs(ctx *c) {
    const report_data *d = &c->d;
    int any = 0;
    for (int i = 0; i < d->n_runs; i++) {
        int shown = 0;
        for (int k = 0; k < d->n_bench_runs; k++) shown |= d->bench_runs[k] == d->runs[i].id;
        for (int k = 0; k < d->n_metrics && !shown; k++) shown = d->metrics[k].run_id == d->runs[i].id;
        any |= shown;
    }
    if (!any) return;
    report_doc_heading(c->doc, 2, "Runs and machines");
    const char *head[] = {"run", "uuid", "kind", "status", "created (UTC)", "git revision", "threads", "backend",
                          "host", "CPU", "cores", "memory GiB", "SIMD"};
    const int right[] = {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0};
    report_doc_table_begin(c->doc, 13, head, right);
    for (int i = 0; i < d->n_runs; i++) {
        const report_run *r = &d->runs[i];
        int shown = 0;
        for (int k = 0; k < d->n_bench_runs; k++) shown |= d->bench_runs[k] == r->id;
        for (int k = 0; k < d->n_metrics && !shown; k++) shown = d->metrics[k].run_id == r->id;
        if (!shown) continue;
        char id[32], uuid[16], thr[16], cores[16], mem[32], simd[256];
        snprintf(id, sizeof id, "%lld", (long long)r->id);
        snprintf(uuid, sizeof uuid, "%.8s", r->uuid ? r->uuid : "");
        snprintf(thr, sizeof thr, "%d", r->n_threads);
        snprintf(cores, sizeof cores, "%d", r->has_machine ? r->machine.n_cores : 0);
        snprintf(mem, sizeof mem, "%.1f", r->has_machine ? r->machine.mem_bytes / (MIB * 1024) : 0.0);
        simd_flags(r->has_machine ? r->machine.cpu_flags : "", simd, sizeof simd);
        const char *row[] = {id, uuid, store_run_kind_name(r->kind), store_run_status_name(r->status),
                             r->created_at ? r->created_at : "-", r->git_revision ? r->git_revision : "-", thr,
                             r->backend ? r->backend : "-", r->host ? r->host : "-",
                             r->has_machine ? r->machine.cpu_model : "-", r->has_machine ? cores : "-",
                             r->has_machine ? mem : "-", simd};
        report_doc_table_row(c->doc, row);
    }
    report_doc_table_end(c->doc);
    for (int k = 0; k < d->n_bench_runs; k++) {
        const report_run *r = report_data_run(d, d->bench_runs[k]);
        if (!r) continue;
        if (r->status == STORE_RUN_FAILED)
            report_doc_note(c->doc, "Bench run %lld failed: %s. The figures it stored before failing are shown.",
                            (long long)r->id, r->error ? r->error : "no reason recorded");
        if (r->has_machine && !isnan(r->machine.mem_bw_bytes_per_s))
            report_doc_para(c->doc, "Machine roofline (run %lld): memory read bandwidth %.1f GB/s; peak f32 %.1f "
                                    "GFLOP/s, bf16 %.1f GFLOP/s, int8 %.1f GOP/s.",
                            (long long)r->id, r->machine.mem_bw_bytes_per_s / 1e9, r->machine.peak_f32_flops / 1e9,
                            r->machine.peak_bf16_flops / 1e9, r->machine.peak_int8_ops / 1e9);
        if (r->command_line) {
            char h[64];
            snprintf(h, sizeof h, "Command line of bench run %lld", (long long)r->id);
            report_doc_heading(c->doc, 3, h);
            report_doc_code(c->doc, r->command_line);
        }
    }
}

static void section_method(ctx *c) {
    if (c->d.n_points == 0) return;
    report_doc_heading(c->doc, 2, "How these numbers were measured");
    const report_run *r = c->d.n_bench_runs ? report_data_run(&c->d, c->d.bench_runs[0]) : NULL;
    cJSON *s = r && r->settings_json ? cJSON_Parse(r->settings_json) : NULL;
    const cJSON *reps = cJSON_GetObjectItemCaseSensitive(s, "reps"),
                *warm = cJSON_GetObjectItemCaseSensitive(s, "warmup"),
                *steps = cJSON_GetObjectItemCaseSensitive(s, "decode_steps");
    const report_point *p0 = &c->d.points[0];
    report_doc_para(c->doc, "Every timed point ran %g warm-up repetition(s), then %g timed repetitions (per round); tables show the "
                            "median and the range from the slowest to the fastest repetition. A decode repetition is "
                            "%g steps (fewer for batches above 8, so each repetition processes a similar number of "
                            "tokens). %d thread(s), %s kernels, %s weights.",
                    cJSON_IsNumber(warm) ? warm->valuedouble : NAN, cJSON_IsNumber(reps) ? reps->valuedouble : NAN,
                    cJSON_IsNumber(steps) ? steps->valuedouble : NAN, p0->n_threads, p0->backend, p0->dtype);
    const cJSON *rounds = cJSON_GetObjectItemCaseSensitive(s, "rounds");
    if (cJSON_IsNumber(rounds) && rounds->valueint > 1)
        report_doc_para(c->doc, "The whole sweep ran %d times (rounds) and each point pools its repetitions from every "
                                "round, so a change in the machine's load during the run spreads over all lengths "
                                "alike instead of tilting one curve.",
                        rounds->valueint);
    const cJSON *inter = cJSON_GetObjectItemCaseSensitive(s, "interleave");
    if (cJSON_IsTrue(inter))
        report_doc_para(c->doc, "Decode repetitions were taken in turn across the lengths (repetition 1 at every length "
                                "and batch, then repetition 2, ...), each length's process holding its states, so a "
                                "change in the machine's load hits every length alike. Those decode points have no peak "
                                "memory of their own; the memory and max-throughput points were each measured alone.");
    const cJSON *clk = cJSON_GetObjectItemCaseSensitive(s, "clock");
    if (cJSON_IsString(clk) && strcmp(clk->valuestring, "cpu") == 0)
        report_doc_para(c->doc, "Repetitions were timed by the measuring process's CPU time (--clock cpu), which "
                                "leaves out time other processes took from it on a shared machine; with one thread it "
                                "is what an idle machine's wall clock would show.");
    else
        report_doc_para(c->doc, "Repetitions were timed by wall-clock time.");
    report_doc_para(c->doc, "Each (model, length) ran in its own process, and each timed point in a process forked "
                            "from it once it held the state at that length, so a point's peak resident memory (the "
                            "kernel's VmHWM, reset before the timed steps) holds only the weights, that point's "
                            "states and its working buffers. Prompt tokens are random ids from a fixed seed.");
    if (s) {
        char *txt = cJSON_Print(s);
        if (txt) {
            report_doc_heading(c->doc, 3, "Sweep settings");
            report_doc_code(c->doc, txt);
            cJSON_free(txt);
        }
    }
    cJSON_Delete(s);
}

/* ---- the models, in the order the bench run listed them ---- */

static void add_model(ctx *c, const report_point *p) {
    if (model_of(c, p) >= 0 || c->n_models >= REPORT_MAX_MODELS) return;
    model_key *mk = &c->models[c->n_models++];
    mk->run_id = p->run_id;
    mk->label = p->label;
    mk->arch = p->arch;
    mk->dtype = p->dtype;
    mk->weight_bytes = p->weight_bytes;
}

static void collect_models(ctx *c) {
    const report_data *d = &c->d;
    for (int k = 0; k < d->n_bench_runs; k++) {
        const report_run *r = report_data_run(d, d->bench_runs[k]);
        /* The order the run listed its models in (its settings), then any
         * other label it has points for. */
        cJSON *s = r && r->settings_json ? cJSON_Parse(r->settings_json) : NULL;
        const cJSON *models = cJSON_GetObjectItemCaseSensitive(s, "models"), *m;
        cJSON_ArrayForEach(m, models) {
            const cJSON *l = cJSON_GetObjectItemCaseSensitive(m, "label");
            if (!cJSON_IsString(l)) continue;
            for (int i = 0; i < d->n_points; i++)
                if (d->points[i].run_id == d->bench_runs[k] && strcmp(d->points[i].label, l->valuestring) == 0) {
                    add_model(c, &d->points[i]);
                    break;
                }
        }
        cJSON_Delete(s);
        for (int i = 0; i < d->n_points; i++)
            if (d->points[i].run_id == d->bench_runs[k]) add_model(c, &d->points[i]);
    }
    for (int i = 0; i < c->n_models; i++) {
        model_key *mk = &c->models[i];
        if (d->n_bench_runs > 1) snprintf(mk->name, sizeof mk->name, "%s (run %lld)", mk->label, (long long)mk->run_id);
        else snprintf(mk->name, sizeof mk->name, "%s", mk->label);
    }
}

/* ---- writing ---- */

static int write_text(const char *dir, const char *name, const strbuf *b, errbuf *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return file_write_atomic(path, b->s ? b->s : "", b->len, e);
}

int report_write(const char *db_path, const char *out_dir, const report_opts *o, report_summary *sum, errbuf *e) {
    report_opts defaults = {0};
    report_summary local;
    if (!o) o = &defaults;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!file_exists(db_path)) return err_set(e, "%s: no such results store (run griffin bench or eval first)", db_path);
    store_open_opts so = {.read_only = 1};
    store *st = store_open(db_path, &so, e);
    if (!st) return -1;
    ctx *c = calloc(1, sizeof *c);
    if (!c) {
        store_close(st);
        return err_set(e, "out of memory");
    }
    c->o = o;
    c->sum = sum;
    c->out_dir = out_dir;
    int rc = report_data_load(st, o->bench_runs, o->n_bench_runs, &c->d, e);
    store_close(st); /* everything needed is copied */
    if (rc != 0) {
        free(c);
        return -1;
    }
    rc = -1;
    if (file_mkdirs(out_dir, e) != 0) goto done;
    sum->n_bench_runs = c->d.n_bench_runs;
    sum->n_bench_points = c->d.n_points;
    c->doc = report_doc_create(o->title ? o->title : "griffin: throughput, memory and evaluation report");
    if (!c->doc) {
        err_set(e, "out of memory");
        goto done;
    }
    if (o->gnuplot && strcmp(o->gnuplot, "none") == 0) {
        sum->plots_skipped = 1;
        snprintf(sum->plots_skipped_why, sizeof sum->plots_skipped_why, "plots were turned off (--gnuplot none)");
    } else {
        errbuf ge;
        if (plot_find_gnuplot(o->gnuplot, c->gnuplot, sizeof c->gnuplot, &ge) == 0) {
            c->have_gnuplot = 1;
        } else {
            sum->plots_skipped = 1;
            snprintf(sum->plots_skipped_why, sizeof sum->plots_skipped_why, "%s", ge.msg);
        }
    }
    char when[64];
    time_t now = time(NULL);
    struct tm tmv;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tmv));
    collect_models(c);
    strbuf runs_txt;
    strbuf_init(&runs_txt);
    for (int k = 0; k < c->d.n_bench_runs; k++)
        strbuf_printf(&runs_txt, "%s%lld", k ? ", " : "", (long long)c->d.bench_runs[k]);
    report_doc_para(c->doc, "Generated %s from the results store %s. %s%s%s; %d model%s, %d bench points.", when, db_path,
                    c->d.n_bench_runs ? (c->d.n_bench_runs > 1 ? "Bench runs " : "Bench run ") : "No bench run",
                    strbuf_str(&runs_txt), c->d.n_bench_runs ? "" : " in the store", c->n_models,
                    c->n_models == 1 ? "" : "s", c->d.n_points);
    strbuf_deinit(&runs_txt);
    if (sum->plots_skipped && c->d.n_points > 0)
        report_doc_note(c->doc, "Plots were skipped: %s. The tables below have every figure; the plot data and gnuplot "
                                "scripts are in data/ (draw them with: cd %s && gnuplot data/NAME.gp).",
                        sum->plots_skipped_why, out_dir);
    section_summary(c);
    section_max_throughput(c);
    section_decode(c);
    section_prefill(c);
    section_memory(c);
    section_roofline(c);
    section_untrusted(c);
    section_eval(c);
    section_runs(c);
    section_method(c);
    if (c->d.n_points == 0 && c->d.n_metrics == 0)
        report_doc_note(c->doc, "The store has no bench points and no evaluation metrics yet: run griffin bench or "
                                "griffin eval with --db %s.", db_path);
    if (report_doc_failed(c->doc)) {
        err_set(e, "out of memory building the report");
        goto done;
    }
    strbuf md, html;
    strbuf_init(&md);
    strbuf_init(&html);
    report_doc_markdown(c->doc, &md);
    report_doc_html(c->doc, &html);
    if (strbuf_failed(&md) || strbuf_failed(&html)) err_set(e, "out of memory rendering the report");
    else if (write_text(out_dir, "report.md", &md, e) == 0 && write_text(out_dir, "index.html", &html, e) == 0) rc = 0;
    strbuf_deinit(&md);
    strbuf_deinit(&html);
done:
    report_doc_free(c->doc);
    report_data_deinit(&c->d);
    free(c);
    return rc;
}
