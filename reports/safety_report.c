/* reports/safety_report.c: see safety_report.h. */
#include "reports/safety_report.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "reports/safety_plot.h"
#include "tasks/metric.h"

#define REPORT_PATH_BYTES 4096
#define REPORT_CI_Z 1.959963984540054 /* 95% normal interval, as the gates (harness/safety_policy.h) */
#define REPORT_TEXT_MAX 400           /* characters of a prompt or generation shown */
#define SAFETY_INFO_TASK "_safety"    /* harness/safety.h: the run's safety settings */

/* ------------------------------------------------------------ the document */

/* Markdown and HTML written side by side. */
typedef struct doc {
    strbuf md, html;
} doc;

static void html_esc(strbuf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_puts(b, "&amp;"); break;
        case '<': strbuf_puts(b, "&lt;"); break;
        case '>': strbuf_puts(b, "&gt;"); break;
        case '"': strbuf_puts(b, "&quot;"); break;
        case '\n': strbuf_puts(b, " "); break;
        default: strbuf_putc(b, *s);
        }
    }
}

/* Markdown-safe text: table pipes escaped, newlines shown as a space,
 * the characters that start markup here escaped (intraword underscores and
 * brackets not followed by a link target are plain text in GFM). */
static void md_esc(strbuf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') strbuf_putc(b, ' ');
        else if (strchr("|\\`*<>", *s)) strbuf_printf(b, "\\%c", *s);
        else strbuf_putc(b, *s);
    }
}

static void doc_heading(doc *d, int level, const char *text) {
    for (int i = 0; i < level; i++) strbuf_putc(&d->md, '#');
    strbuf_putc(&d->md, ' ');
    md_esc(&d->md, text);
    strbuf_puts(&d->md, "\n\n");
    strbuf_printf(&d->html, "<h%d>", level);
    html_esc(&d->html, text);
    strbuf_printf(&d->html, "</h%d>\n", level);
}

/* A paragraph: fmt's text is escaped for each format. */
static void doc_para(doc *d, const char *cls, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void doc_para(doc *d, const char *cls, const char *fmt, ...) {
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (cls && !strcmp(cls, "note")) strbuf_puts(&d->md, "> ");
    md_esc(&d->md, text);
    strbuf_puts(&d->md, "\n\n");
    strbuf_printf(&d->html, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    html_esc(&d->html, text);
    strbuf_puts(&d->html, "</p>\n");
}

static void doc_table_begin(doc *d, int n, const char *const *head, const int *right) {
    strbuf_puts(&d->md, "|");
    for (int i = 0; i < n; i++) {
        strbuf_putc(&d->md, ' ');
        md_esc(&d->md, head[i]);
        strbuf_puts(&d->md, " |");
    }
    strbuf_puts(&d->md, "\n|");
    for (int i = 0; i < n; i++) strbuf_puts(&d->md, right && right[i] ? "---:|" : "---|");
    strbuf_puts(&d->md, "\n");
    strbuf_puts(&d->html, "<table>\n<tr>");
    for (int i = 0; i < n; i++) {
        strbuf_puts(&d->html, "<th>");
        html_esc(&d->html, head[i]);
        strbuf_puts(&d->html, "</th>");
    }
    strbuf_puts(&d->html, "</tr>\n");
}

/* cls: a CSS class for the row ("fail", "pass", "notrun") or NULL. */
static void doc_table_row(doc *d, int n, const char *const *cells, const int *right, const char *cls) {
    strbuf_puts(&d->md, "|");
    for (int i = 0; i < n; i++) {
        strbuf_putc(&d->md, ' ');
        md_esc(&d->md, cells[i] ? cells[i] : "");
        strbuf_puts(&d->md, " |");
    }
    strbuf_puts(&d->md, "\n");
    strbuf_printf(&d->html, "<tr%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    for (int i = 0; i < n; i++) {
        strbuf_puts(&d->html, right && right[i] ? "<td class=\"num\">" : "<td>");
        html_esc(&d->html, cells[i] ? cells[i] : "");
        strbuf_puts(&d->html, "</td>");
    }
    strbuf_puts(&d->html, "</tr>\n");
}

static void doc_table_end(doc *d) {
    strbuf_puts(&d->md, "\n");
    strbuf_puts(&d->html, "</table>\n");
}

static void doc_figure(doc *d, const char *name, const char *caption) {
    strbuf_printf(&d->md, "![");
    md_esc(&d->md, caption);
    strbuf_printf(&d->md, "](plots/%s.png)\n\n[SVG](plots/%s.svg) · [data](plots/%s.dat)\n\n", name, name, name);
    strbuf_printf(&d->html, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.svg\" alt=\"", name, name);
    html_esc(&d->html, caption);
    strbuf_printf(&d->html, "\" width=\"%d\"></a><figcaption>", SAFETY_PLOT_WIDTH_PX);
    html_esc(&d->html, caption);
    strbuf_printf(&d->html, " (<a href=\"plots/%s.png\">PNG</a>, <a href=\"plots/%s.dat\">data</a>)</figcaption></figure>\n",
                  name, name);
}

/* ------------------------------------------------------------ the data */

typedef struct mrow {
    char *task, *metric, *filter;
    double value, se;
    int64_t n;
    int is_group, hib;
} mrow;

typedef struct grow {
    char *benchmark, *metric, *scorer, *baseline_uuid;
    double value, lo, hi, threshold, base, delta;
    store_gate_dir dir;
    int passed;
    int64_t baseline_id;
} grow;

typedef struct tinfo {
    char *task;
    cJSON *config;
} tinfo;

typedef struct worst {
    char *task, *prompt, *text;
    int64_t doc;
    int idx;
    double tox;
} worst;

typedef struct rdata {
    /* the run */
    int64_t run_id;
    char *uuid, *model_path, *model_sha, *created, *finished, *git, *cmdline, *host, *settings, *status, *kind;
    mrow *m;
    int n_m, cap_m;
    mrow *bm; /* baseline metrics */
    int n_bm, cap_bm;
    grow *g;
    int n_g, cap_g;
    tinfo *t;
    int n_t, cap_t;
    cJSON *safety; /* the _safety row's config, or NULL */
    /* the scorer */
    char scorer_id[256], scorer_label[512], scorer_kind[32];
    double heldout_acc, heldout_auc;
    int64_t n_heldout, n_train;
    int have_scorer;
    /* worst generations */
    worst *w;
    int n_w, cap_w;
    long n_gens, n_gens_unscored;
    int oom;
    int64_t newest;
} rdata;

static char *sdup(rdata *r, const char *s) {
    if (!s) return NULL;
    char *x = strdup(s);
    if (!x) r->oom = 1;
    return x;
}

static int grow_array(void **p, int *cap, int n, size_t elem) {
    if (n < *cap) return 0;
    int c = *cap ? 2 * *cap : 64;
    void *np = realloc(*p, (size_t)c * elem);
    if (!np) return -1;
    *p = np;
    *cap = c;
    return 0;
}

static int on_run(void *arg, const store_run *x) {
    rdata *r = arg;
    r->uuid = sdup(r, x->uuid);
    r->model_path = sdup(r, x->info.model_path);
    r->model_sha = sdup(r, x->info.model_sha256);
    r->created = sdup(r, x->created_at);
    r->finished = sdup(r, x->finished_at);
    r->git = sdup(r, x->info.git_revision);
    r->cmdline = sdup(r, x->info.command_line);
    r->host = sdup(r, x->info.host);
    r->settings = sdup(r, x->info.settings_json);
    r->status = sdup(r, store_run_status_name(x->status));
    r->kind = sdup(r, store_run_kind_name(x->info.kind));
    return 0;
}

static int on_newest(void *arg, const store_run *x) {
    rdata *r = arg;
    if (x->info.kind == STORE_RUN_SAFETY && x->status == STORE_RUN_FINISHED && x->id > r->newest) r->newest = x->id;
    return 0;
}

static int add_metric(mrow **m, int *n, int *cap, rdata *r, const store_metric *x) {
    if (grow_array((void **)m, cap, *n, sizeof **m) != 0) {
        r->oom = 1;
        return 1;
    }
    mrow *y = &(*m)[(*n)++];
    y->task = sdup(r, x->task);
    y->metric = sdup(r, x->metric);
    y->filter = sdup(r, x->filter ? x->filter : "none");
    y->value = x->value;
    y->se = x->value_stderr;
    y->n = x->n;
    y->is_group = x->is_group;
    y->hib = x->higher_is_better;
    return r->oom;
}

static int on_metric(void *arg, const store_metric *x) {
    rdata *r = arg;
    return add_metric(&r->m, &r->n_m, &r->cap_m, r, x);
}

static int on_base_metric(void *arg, const store_metric *x) {
    rdata *r = arg;
    return add_metric(&r->bm, &r->n_bm, &r->cap_bm, r, x);
}

static int on_gate(void *arg, const store_gate *x) {
    rdata *r = arg;
    if (grow_array((void **)&r->g, &r->cap_g, r->n_g, sizeof *r->g) != 0) {
        r->oom = 1;
        return 1;
    }
    grow *y = &r->g[r->n_g++];
    y->benchmark = sdup(r, x->benchmark);
    y->metric = sdup(r, x->metric);
    y->scorer = sdup(r, x->scorer);
    y->baseline_uuid = sdup(r, x->baseline_run_uuid);
    y->value = x->value;
    y->lo = x->ci_low;
    y->hi = x->ci_high;
    y->threshold = x->threshold;
    y->base = x->baseline_value;
    y->delta = x->delta;
    y->dir = x->direction;
    y->passed = x->passed;
    y->baseline_id = x->baseline_run_id;
    return r->oom;
}

/* Gates by benchmark, then metric with its per-category gates after it. */
static int cmp_gate(const void *a, const void *b) {
    const grow *x = a, *y = b;
    int c = strcmp(x->benchmark, y->benchmark);
    if (c) return c;
    const char *mx = x->metric + (x->metric[0] == '|'), *my = y->metric + (y->metric[0] == '|');
    size_t nx = strcspn(mx, "|:,"), ny = strcspn(my, "|:,");
    c = strncmp(mx, my, nx < ny ? nx : ny);
    if (c || nx != ny) return c ? c : (nx < ny ? -1 : 1);
    int cx = strchr(mx, ':') != NULL, cy = strchr(my, ':') != NULL;
    if (cx != cy) return cx - cy;
    return strcmp(mx, my);
}

static int on_task(void *arg, const store_task_info *x) {
    rdata *r = arg;
    cJSON *c = x->config_json ? cJSON_Parse(x->config_json) : NULL;
    if (!strcmp(x->task, SAFETY_INFO_TASK)) {
        cJSON_Delete(r->safety);
        r->safety = c;
        return 0;
    }
    if (grow_array((void **)&r->t, &r->cap_t, r->n_t, sizeof *r->t) != 0) {
        cJSON_Delete(c);
        r->oom = 1;
        return 1;
    }
    r->t[r->n_t].task = sdup(r, x->task);
    r->t[r->n_t++].config = c;
    return r->oom;
}

static int on_scorer(void *arg, const store_scorer *x) {
    rdata *r = arg;
    r->have_scorer = 1;
    snprintf(r->scorer_kind, sizeof r->scorer_kind, "%s", x->kind ? x->kind : "");
    r->heldout_acc = x->heldout_accuracy;
    r->heldout_auc = x->heldout_auc;
    r->n_heldout = x->n_heldout;
    r->n_train = x->n_train;
    cJSON *meta = x->meta_json ? cJSON_Parse(x->meta_json) : NULL;
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(meta, "label");
    if (cJSON_IsString(lab) && !r->scorer_label[0]) snprintf(r->scorer_label, sizeof r->scorer_label, "%s", lab->valuestring);
    cJSON_Delete(meta);
    return 0;
}

static int task_needs_toxicity(const tinfo *t) {
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(t->config, "metrics");
    for (const cJSON *m = ms ? ms->child : NULL; m; m = m->next) {
        const cJSON *nm = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "metric") : m;
        const metric_def *d = cJSON_IsString(nm) ? metric_find(nm->valuestring) : NULL;
        if (d && (d->flags & METRIC_F_TOXICITY)) return 1;
    }
    return 0;
}

/* ---- the worst generations: each generation's score read back from the
 * toxicity cache under the run's scorer id ---- */

typedef struct worst_ctx {
    rdata *r;
    store *st;
    int cap; /* how many to keep */
    errbuf *e;
    int failed;
} worst_ctx;

static void keep_worst(rdata *r, int cap, const char *task, int64_t doc, int idx, const char *prompt,
                       const char *text, double tox) {
    if (r->n_w == cap && (cap == 0 || tox <= r->w[r->n_w - 1].tox)) return;
    if (r->n_w < cap) {
        if (grow_array((void **)&r->w, &r->cap_w, r->n_w, sizeof *r->w) != 0) {
            r->oom = 1;
            return;
        }
        r->n_w++;
    } else {
        free(r->w[r->n_w - 1].task), free(r->w[r->n_w - 1].prompt), free(r->w[r->n_w - 1].text);
    }
    /* insertion, highest first; ties keep the earlier */
    int i = r->n_w - 1;
    while (i > 0 && r->w[i - 1].tox < tox) {
        r->w[i] = r->w[i - 1];
        i--;
    }
    r->w[i] = (worst){sdup(r, task), sdup(r, prompt), sdup(r, text), doc, idx, tox};
}

static int on_sample(void *arg, const store_sample *s) {
    worst_ctx *c = arg;
    if (s->filter && strcmp(s->filter, "none")) return 0;
    cJSON *resps = s->resps_json ? cJSON_Parse(s->resps_json) : NULL;
    cJSON *args = s->arguments_json ? cJSON_Parse(s->arguments_json) : NULL;
    const cJSON *a0 = cJSON_GetObjectItemCaseSensitive(args, "gen_args_0");
    const cJSON *prompt = a0 ? cJSON_GetObjectItemCaseSensitive(a0, "arg_0") : NULL;
    int idx = 0;
    strbuf js;
    strbuf_init(&js);
    for (const cJSON *one = resps ? resps->child : NULL; one; one = one->next, idx++) {
        const cJSON *txt = cJSON_IsArray(one) ? one->child : one;
        if (!cJSON_IsString(txt)) continue;
        c->r->n_gens++;
        int found = store_tox_get(c->st, c->r->scorer_id, txt->valuestring, &js, c->e);
        if (found < 0) {
            c->failed = 1;
            break;
        }
        cJSON *v = found ? cJSON_Parse(strbuf_str(&js)) : NULL;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "toxicity");
        if (cJSON_IsNumber(t))
            keep_worst(c->r, c->cap, s->task, s->doc_id, idx, cJSON_IsString(prompt) ? prompt->valuestring : "",
                       txt->valuestring, t->valuedouble);
        else
            c->r->n_gens_unscored++;
        cJSON_Delete(v);
    }
    strbuf_deinit(&js);
    cJSON_Delete(resps);
    cJSON_Delete(args);
    return c->failed;
}

static void rdata_free(rdata *r) {
    free(r->uuid), free(r->model_path), free(r->model_sha), free(r->created), free(r->finished), free(r->git);
    free(r->cmdline), free(r->host), free(r->settings), free(r->status), free(r->kind);
    for (int i = 0; i < r->n_m; i++) free(r->m[i].task), free(r->m[i].metric), free(r->m[i].filter);
    free(r->m);
    for (int i = 0; i < r->n_bm; i++) free(r->bm[i].task), free(r->bm[i].metric), free(r->bm[i].filter);
    free(r->bm);
    for (int i = 0; i < r->n_g; i++)
        free(r->g[i].benchmark), free(r->g[i].metric), free(r->g[i].scorer), free(r->g[i].baseline_uuid);
    free(r->g);
    for (int i = 0; i < r->n_t; i++) free(r->t[i].task), cJSON_Delete(r->t[i].config);
    free(r->t);
    cJSON_Delete(r->safety);
    for (int i = 0; i < r->n_w; i++) free(r->w[i].task), free(r->w[i].prompt), free(r->w[i].text);
    free(r->w);
}

static const mrow *find_metric(const mrow *m, int n, const char *task, const char *metric) {
    for (int i = 0; i < n; i++)
        if (!strcmp(m[i].task, task) && !strcmp(m[i].metric, metric) && !strcmp(m[i].filter, "none")) return &m[i];
    return NULL;
}

/* ------------------------------------------------------------ formatting */

static void fmt4(char *b, size_t cap, double v) {
    if (isnan(v)) snprintf(b, cap, "–");
    else snprintf(b, cap, "%.4f", v);
}

char *report_safety_redact(const char *text) {
    size_t n = strlen(text);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t k = 0;
    int in_word = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)text[i];
        int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + (size_t)len > n) len = (int)(n - i);
        int wordy = c >= 0x80 || isalnum(c);
        if (wordy && !in_word) {
            memcpy(out + k, text + i, (size_t)len); /* the first letter of a word stays */
            k += (size_t)len;
        } else if (wordy) {
            out[k++] = '*';
        } else {
            out[k++] = (char)c;
        }
        in_word = wordy;
        i += (size_t)len;
    }
    out[k] = 0;
    return out;
}

/* A prompt or generation for a table cell: shortened, redacted if asked. */
static char *cell_text(const char *s, int redact) {
    char *r = redact ? report_safety_redact(s) : strdup(s);
    if (!r) return NULL;
    size_t n = strlen(r);
    if (n > REPORT_TEXT_MAX) {
        size_t cut = REPORT_TEXT_MAX;
        while (cut > 0 && ((unsigned char)r[cut] & 0xC0) == 0x80) cut--; /* not inside a UTF-8 character */
        memcpy(r + cut, "…", 4);
    }
    return r;
}

/* ------------------------------------------------------------ charts */

/* Metrics drawn together (same scale), per task. */
static const char *const chart_groups[][4] = {
    {"pct_stereotype", NULL},
    {"likelihood_diff", NULL},
    {"accuracy_amb", "accuracy_disamb", NULL},
    {"amb_bias_score", "disamb_bias_score", NULL},
    {"acc", "acc_norm", NULL},
    {"expected_max_toxicity", "toxicity_probability", "toxicity", NULL},
};
#define N_CHART_GROUPS ((int)(sizeof chart_groups / sizeof chart_groups[0]))

typedef struct catset {
    char **c;
    int n, cap;
} catset;

static void cats_add(catset *s, const char *cat, rdata *r) {
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->c[i], cat)) return;
    if (grow_array((void **)&s->c, &s->cap, s->n, sizeof *s->c) != 0) {
        r->oom = 1;
        return;
    }
    s->c[s->n++] = sdup(r, cat);
}

static void cats_free(catset *s) {
    for (int i = 0; i < s->n; i++) free(s->c[i]);
    free(s->c);
}

/* The threshold of the gate on (task, metric:category-or-*), for tables. */
static const grow *find_gate(const rdata *r, const char *task, const char *metric_with_cat) {
    for (int i = 0; i < r->n_g; i++) {
        const char *m = r->g[i].metric;
        char plain[256];
        snprintf(plain, sizeof plain, "%s", m[0] == '|' ? m + 1 : m);
        char *bar = strchr(plain, '|');
        if (bar) memmove(bar, bar + 1, strlen(bar));
        if (!strcmp(r->g[i].benchmark, task) && !strcmp(plain, metric_with_cat)) return &r->g[i];
    }
    return NULL;
}

static void sanitize_name(char *s) {
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_') *s = '_';
}

/* Per task: a table and a chart of every chart group with categories. */
static int write_categories(doc *d, rdata *r, const char *dir, const char *gnuplot, report_safety_result *res,
                            errbuf *e) {
    int any = 0;
    for (int ti = 0; ti < r->n_t; ti++) {
        const char *task = r->t[ti].task;
        for (int gi = 0; gi < N_CHART_GROUPS; gi++) {
            catset cs = {0};
            const char *ms[SAFETY_PLOT_MAX_SERIES];
            int n_ms = 0;
            for (int k = 0; chart_groups[gi][k]; k++) {
                const char *base = chart_groups[gi][k];
                size_t bl = strlen(base);
                int has = 0;
                for (int i = 0; i < r->n_m; i++) {
                    const mrow *x = &r->m[i];
                    if (strcmp(x->task, task) || strcmp(x->filter, "none") || strncmp(x->metric, base, bl) ||
                        x->metric[bl] != ':')
                        continue;
                    cats_add(&cs, x->metric + bl + 1, r);
                    has = 1;
                }
                if (has && n_ms < SAFETY_PLOT_MAX_SERIES) ms[n_ms++] = base;
            }
            if (cs.n == 0) {
                cats_free(&cs);
                continue;
            }
            if (!any) {
                doc_heading(d, 2, "Per-category breakdowns");
                doc_para(d, NULL,
                         "Each value below is the metric over one category's documents (stored as "
                         "\"<metric>:<category>\"); the 95%% interval is value ± 1.96 standard errors where the "
                         "metric has one. Dashed lines on the charts are the policy's per-category thresholds.");
                any = 1;
            }
            char title[512];
            snprintf(title, sizeof title, "%s: %s", task, ms[0]);
            for (int k = 1; k < n_ms; k++) {
                size_t l = strlen(title);
                snprintf(title + l, sizeof title - l, ", %s", ms[k]);
            }
            doc_heading(d, 3, title);
            /* table: category | metric (CI) ... | n */
            int nc = 2 + n_ms;
            const char *head[2 + SAFETY_PLOT_MAX_SERIES];
            int right[2 + SAFETY_PLOT_MAX_SERIES];
            head[0] = "Category";
            right[0] = 0;
            char hbuf[SAFETY_PLOT_MAX_SERIES][96];
            for (int k = 0; k < n_ms; k++) {
                snprintf(hbuf[k], sizeof hbuf[k], "%s (95%% CI)", ms[k]);
                head[1 + k] = hbuf[k];
                right[1 + k] = 1;
            }
            head[nc - 1] = "Documents";
            right[nc - 1] = 1;
            doc_table_begin(d, nc, head, right);
            double *vals[SAFETY_PLOT_MAX_SERIES] = {0};
            for (int k = 0; k < n_ms; k++) {
                vals[k] = calloc((size_t)cs.n, sizeof(double));
                if (!vals[k]) r->oom = 1;
            }
            for (int c = 0; c < cs.n && !r->oom; c++) {
                char cells[2 + SAFETY_PLOT_MAX_SERIES][160];
                const char *cp[2 + SAFETY_PLOT_MAX_SERIES];
                snprintf(cells[0], sizeof cells[0], "%s", cs.c[c]);
                int64_t n_docs = -1;
                const char *cls = NULL;
                for (int k = 0; k < n_ms; k++) {
                    char name[512];
                    snprintf(name, sizeof name, "%s:%s", ms[k], cs.c[c]);
                    const mrow *x = find_metric(r->m, r->n_m, task, name);
                    double v = x ? x->value : NAN;
                    vals[k][c] = v;
                    char vs[32];
                    fmt4(vs, sizeof vs, v);
                    if (x && !isnan(x->se) && !isnan(v))
                        snprintf(cells[1 + k], sizeof cells[1 + k], "%s [%.4f, %.4f]", vs, v - REPORT_CI_Z * x->se,
                                 v + REPORT_CI_Z * x->se);
                    else
                        snprintf(cells[1 + k], sizeof cells[1 + k], "%s", vs);
                    const grow *g = find_gate(r, task, name);
                    if (g) {
                        size_t l = strlen(cells[1 + k]);
                        snprintf(cells[1 + k] + l, sizeof cells[1 + k] - l, " %s %s %.3f", g->passed ? "✓" : "✗",
                                 g->dir == STORE_GATE_AT_LEAST ? "≥" : "≤", g->threshold);
                        if (!g->passed) cls = "fail";
                    }
                    if (x && x->n >= 0) n_docs = x->n;
                }
                snprintf(cells[nc - 1], sizeof cells[nc - 1], "%lld", (long long)n_docs);
                for (int k = 0; k < nc; k++) cp[k] = cells[k];
                doc_table_row(d, nc, cp, right, cls);
            }
            doc_table_end(d);
            /* the chart */
            if (gnuplot && !r->oom) {
                char name[256];
                snprintf(name, sizeof name, "%s-%s", task, ms[0]);
                sanitize_name(name);
                safety_bar_chart ch = {.title = title, .ylabel = n_ms == 1 ? ms[0] : "value", .n_cats = cs.n,
                                       .cats = (const char *const *)cs.c, .n_series = n_ms};
                for (int k = 0; k < n_ms; k++) ch.series[k] = ms[k], ch.values[k] = vals[k];
                /* the "*" per-category threshold of a gated metric, as a line */
                char line_labels[SAFETY_PLOT_MAX_LINES][160];
                for (int k = 0; k < n_ms && ch.n_lines < SAFETY_PLOT_MAX_LINES; k++) {
                    const grow *g = NULL;
                    for (int c = 0; c < cs.n && !g; c++) {
                        char nm[512];
                        snprintf(nm, sizeof nm, "%s:%s", ms[k], cs.c[c]);
                        g = find_gate(r, task, nm);
                    }
                    if (g && g->metric[0] != '|') {
                        snprintf(line_labels[ch.n_lines], sizeof line_labels[0], "%s threshold %g", ms[k], g->threshold);
                        ch.line_y[ch.n_lines] = g->threshold;
                        ch.line_label[ch.n_lines] = line_labels[ch.n_lines];
                        ch.n_lines++;
                    }
                }
                errbuf pe;
                if (safety_plot_write(&ch, dir, name, &pe) != 0 || safety_plot_render(gnuplot, dir, name, &pe) != 0) {
                    if (!res->charts_skipped[0]) snprintf(res->charts_skipped, sizeof res->charts_skipped, "%s", pe.msg);
                    doc_para(d, "note", "Chart not drawn: %s", pe.msg);
                } else {
                    doc_figure(d, name, title);
                    res->n_charts++;
                }
            }
            for (int k = 0; k < n_ms; k++) free(vals[k]);
            cats_free(&cs);
        }
    }
    (void)e;
    return 0;
}

/* ------------------------------------------------------------ the report */

static int load(store *st, const report_safety_opts *o, rdata *r, errbuf *e) {
    if (o->run_id > 0) {
        r->run_id = o->run_id;
    } else {
        if (store_runs_each(st, on_newest, r, e) < 0) return -1;
        if (!r->newest) return err_set(e, "%s: no finished safety run (run griffin safety first)", store_path(st));
        r->run_id = r->newest;
    }
    if (store_run_get(st, r->run_id, on_run, r, e) != 0) return -1;
    if (store_metrics_each(st, r->run_id, on_metric, r, e) < 0 || store_gates_each(st, r->run_id, on_gate, r, e) < 0 ||
        store_task_infos_each(st, r->run_id, on_task, r, e) < 0)
        return -1;
    if (o->baseline_run_id > 0 && store_metrics_each(st, o->baseline_run_id, on_base_metric, r, e) < 0) return -1;
    if (r->oom) return err_set(e, "out of memory reading run %lld", (long long)r->run_id);
    qsort(r->g, (size_t)r->n_g, sizeof *r->g, cmp_gate);
    /* the scorer: the run's safety settings, else the runner's settings */
    const cJSON *sid = cJSON_GetObjectItemCaseSensitive(r->safety, "toxicity_scorer");
    const cJSON *slab = cJSON_GetObjectItemCaseSensitive(r->safety, "toxicity_scorer_label");
    cJSON *set = r->settings ? cJSON_Parse(r->settings) : NULL;
    if (!cJSON_IsString(sid)) sid = cJSON_GetObjectItemCaseSensitive(set, "toxicity_scorer");
    if (cJSON_IsString(sid)) snprintf(r->scorer_id, sizeof r->scorer_id, "%s", sid->valuestring);
    if (cJSON_IsString(slab)) snprintf(r->scorer_label, sizeof r->scorer_label, "%s", slab->valuestring);
    cJSON_Delete(set);
    r->heldout_acc = r->heldout_auc = NAN;
    if (r->scorer_id[0] && store_scorer_get(st, r->scorer_id, on_scorer, r, e) < 0) return -1;
    if (!r->scorer_label[0]) snprintf(r->scorer_label, sizeof r->scorer_label, "%s", r->scorer_id);
    return 0;
}

static void write_header(doc *d, const rdata *r, const report_safety_opts *o, const report_safety_result *res) {
    doc_heading(d, 1, "Safety release review");
    char verdict[320];
    int n_fail_nv = 0, n_opt_nv = 0;
    for (int i = 0; i < r->n_g; i++)
        if (isnan(r->g[i].value)) n_fail_nv += !r->g[i].passed, n_opt_nv += r->g[i].passed;
    if (res->n_failed)
        snprintf(verdict, sizeof verdict, "Result: FAIL. %d of %d gates failed", res->n_failed, res->n_gates);
    else
        snprintf(verdict, sizeof verdict, "Result: PASS. All %d gates passed", res->n_gates);
    size_t vl = strlen(verdict);
    if (n_fail_nv)
        vl += (size_t)snprintf(verdict + vl, sizeof verdict - vl, "; %d of the failures are required benchmarks that "
                               "did not run", n_fail_nv);
    if (n_opt_nv)
        snprintf(verdict + vl, sizeof verdict - vl, "; %d optional gate%s had no value (not run)", n_opt_nv,
                 n_opt_nv == 1 ? "" : "s");
    vl = strlen(verdict);
    snprintf(verdict + vl, sizeof verdict - vl, ".");
    doc_para(d, res->n_failed ? "verdict fail" : "verdict pass", "%s", verdict);
    doc_table_begin(d, 2, (const char *const[]){"", ""}, NULL);
    char buf[1024];
    snprintf(buf, sizeof buf, "%lld (%s), %s, %s run", (long long)r->run_id, r->uuid ? r->uuid : "?",
             r->status ? r->status : "?", r->kind ? r->kind : "?");
    doc_table_row(d, 2, (const char *const[]){"Run", buf}, NULL, NULL);
    snprintf(buf, sizeof buf, "%s (sha256 %.16s…)", r->model_path ? r->model_path : "?", r->model_sha ? r->model_sha : "?");
    doc_table_row(d, 2, (const char *const[]){"Model", buf}, NULL, NULL);
    snprintf(buf, sizeof buf, "%s to %s on %s, git %s", r->created ? r->created : "?", r->finished ? r->finished : "?",
             r->host ? r->host : "?", r->git ? r->git : "?");
    doc_table_row(d, 2, (const char *const[]){"When", buf}, NULL, NULL);
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(r->safety, "policy");
    const cJSON *pn = cJSON_GetObjectItemCaseSensitive(pol, "name"), *po = cJSON_GetObjectItemCaseSensitive(pol, "origin");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(pol, "version");
    if (cJSON_IsString(pn))
        snprintf(buf, sizeof buf, "%s, version %g (%s)", pn->valuestring, cJSON_IsNumber(pv) ? pv->valuedouble : 0,
                 cJSON_IsString(po) ? po->valuestring : "?");
    else
        snprintf(buf, sizeof buf, "not recorded");
    doc_table_row(d, 2, (const char *const[]){"Policy", buf}, NULL, NULL);
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(r->safety, "suite");
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(r->safety, "samples");
    const cJSON *li = cJSON_GetObjectItemCaseSensitive(r->safety, "limit");
    char lim[64], smp[64];
    if (cJSON_IsNumber(li) && li->valuedouble >= 0) snprintf(lim, sizeof lim, "the first %g records of each task", li->valuedouble);
    else snprintf(lim, sizeof lim, "the suite's limits");
    if (cJSON_IsNumber(sa) && sa->valuedouble > 0) snprintf(smp, sizeof smp, "%g", sa->valuedouble);
    else snprintf(smp, sizeof smp, "each task's (25)");
    snprintf(buf, sizeof buf, "%s; %s; sampled continuations per prompt: %s", cJSON_IsString(su) ? su->valuestring : "?",
             lim, smp);
    doc_table_row(d, 2, (const char *const[]){"Suite", buf}, NULL, NULL);
    if (r->scorer_id[0]) {
        if (!strcmp(r->scorer_kind, "offline") && !isnan(r->heldout_acc))
            snprintf(buf, sizeof buf,
                     "%s: the project's offline logistic-regression scorer, held-out accuracy %.3f and AUC %.3f on "
                     "%lld ToxiGen sentences; a proxy, not comparable with Perspective API scores",
                     r->scorer_label, r->heldout_acc, r->heldout_auc, (long long)r->n_heldout);
        else if (!strcmp(r->scorer_kind, "offline"))
            snprintf(buf, sizeof buf,
                     "%s: the project's offline logistic-regression scorer, trained on too little data to hold any "
                     "out (no held-out accuracy); a proxy, not comparable with Perspective API scores",
                     r->scorer_label);
        else
            snprintf(buf, sizeof buf, "%s (%s)", r->scorer_label, r->scorer_kind[0] ? r->scorer_kind : "?");
    } else {
        snprintf(buf, sizeof buf, "none (no generation task in this run)");
    }
    doc_table_row(d, 2, (const char *const[]){"Toxicity scorer", buf}, NULL, NULL);
    int64_t bid = o->baseline_run_id;
    const char *buuid = NULL;
    for (int i = 0; i < r->n_g && !bid; i++)
        if (r->g[i].baseline_id) bid = r->g[i].baseline_id, buuid = r->g[i].baseline_uuid;
    if (bid) snprintf(buf, sizeof buf, "run %lld%s%s", (long long)bid, buuid ? " " : "", buuid ? buuid : "");
    else snprintf(buf, sizeof buf, "none");
    doc_table_row(d, 2, (const char *const[]){"Baseline", buf}, NULL, NULL);
    if (r->cmdline) doc_table_row(d, 2, (const char *const[]){"Command", r->cmdline}, NULL, NULL);
    doc_table_end(d);
}

static void write_summary(doc *d, const rdata *r, const report_safety_opts *o) {
    doc_heading(d, 2, "Summary");
    if (r->n_g == 0) {
        doc_para(d, "note", "This run has no gate results (it was not evaluated against a policy).");
        return;
    }
    static const char *const head[] = {"Benchmark", "Metric", "Value (95% CI)", "Threshold", "Result", "Baseline",
                                       "Change"};
    static const int right[] = {0, 0, 1, 1, 0, 1, 1};
    doc_table_begin(d, 7, head, right);
    int any_tox = 0;
    for (int i = 0; i < r->n_g; i++) {
        const grow *g = &r->g[i];
        char v[96], th[48], base[32], delta[32], vs[32], metric[300];
        fmt4(vs, sizeof vs, g->value);
        if (!isnan(g->lo)) snprintf(v, sizeof v, "%s [%.4f, %.4f]", vs, g->lo, g->hi);
        else snprintf(v, sizeof v, "%s", vs);
        snprintf(th, sizeof th, "%s %.4f", g->dir == STORE_GATE_AT_LEAST ? "≥" : "≤", g->threshold);
        double bv = g->base, dv = g->delta;
        if (o->baseline_run_id > 0) {
            /* recomputed against the baseline asked for */
            char plain[256];
            snprintf(plain, sizeof plain, "%s", g->metric[0] == '|' ? g->metric + 1 : g->metric);
            char *bar = strchr(plain, '|');
            if (bar) memmove(bar, bar + 1, strlen(bar));
            const mrow *b = find_metric(r->bm, r->n_bm, g->benchmark, plain);
            bv = b ? (g->metric[0] == '|' ? fabs(b->value) : b->value) : NAN;
            dv = isnan(g->value) ? NAN : g->value - bv;
        }
        fmt4(base, sizeof base, bv);
        if (isnan(dv)) snprintf(delta, sizeof delta, "–");
        else snprintf(delta, sizeof delta, "%+.4f", dv);
        snprintf(metric, sizeof metric, "%s%s", g->metric, g->scorer ? " †" : "");
        any_tox |= g->scorer != NULL;
        int not_run = isnan(g->value);
        const char *res = not_run ? (g->passed ? "not run (optional)" : "FAIL (not run)") : g->passed ? "pass" : "FAIL";
        const char *cells[] = {g->benchmark, metric, v, th, res, base, delta};
        doc_table_row(d, 7, cells, right, not_run ? (g->passed ? "notrun" : "fail") : g->passed ? "pass" : "fail");
    }
    doc_table_end(d);
    if (any_tox) doc_para(d, NULL, "† Toxicity scored by %s.", r->scorer_label);
    doc_para(d, NULL,
             "Intervals are value ± 1.96 standard errors (lm-eval's closed-form or bootstrap standard error; none for "
             "BBQ's custom aggregations). |metric| gates compare the absolute value (bias scores and gaps, ideal 0). "
             "A gate passes on its point value.");
}

static void write_skipped(doc *d, const rdata *r) {
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(r->safety, "skipped");
    if (!cJSON_GetArraySize(sk)) return;
    doc_heading(d, 2, "Benchmarks not run");
    doc_table_begin(d, 2, (const char *const[]){"Task", "Why"}, NULL);
    for (const cJSON *x = sk->child; x; x = x->next) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "task"), *w = cJSON_GetObjectItemCaseSensitive(x, "why");
        doc_table_row(d, 2, (const char *const[]){cJSON_IsString(t) ? t->valuestring : "?",
                                                  cJSON_IsString(w) ? w->valuestring : "?"},
                      NULL, "notrun");
    }
    doc_table_end(d);
}

static void write_worst(doc *d, const rdata *r, const report_safety_opts *o) {
    if (!r->scorer_id[0]) return;
    doc_heading(d, 2, "Worst-scoring generations");
    doc_para(d, NULL, "The %d highest toxicity scores among the run's %ld generations (%ld without a score), by %s.%s",
             r->n_w, r->n_gens, r->n_gens_unscored, r->scorer_label,
             o->redact ? " Text is redacted (--redact): each word's first letter kept." : "");
    if (o->redact == 0 && r->n_w)
        doc_para(d, "note", "Content warning: the generations below are shown verbatim and may be offensive.");
    if (!r->n_w) return;
    static const char *const head[] = {"Toxicity", "Task", "Doc / sample", "Prompt", "Generation"};
    static const int right[] = {1, 0, 0, 0, 0};
    doc_table_begin(d, 5, head, right);
    for (int i = 0; i < r->n_w; i++) {
        char tox[32], where[64];
        snprintf(tox, sizeof tox, "%.4f", r->w[i].tox);
        snprintf(where, sizeof where, "%lld / %d", (long long)r->w[i].doc, r->w[i].idx);
        char *p = cell_text(r->w[i].prompt, o->redact), *g = cell_text(r->w[i].text, o->redact);
        const char *cells[] = {tox, r->w[i].task, where, p ? p : "", g ? g : ""};
        doc_table_row(d, 5, cells, right, NULL);
        free(p);
        free(g);
    }
    doc_table_end(d);
}

static void write_metrics(doc *d, const rdata *r) {
    doc_heading(d, 2, "All metrics of the run");
    static const char *const head[] = {"Task", "Metric", "Filter", "Value", "Stderr", "Documents"};
    static const int right[] = {0, 0, 0, 1, 1, 1};
    doc_table_begin(d, 6, head, right);
    for (int i = 0; i < r->n_m; i++) {
        const mrow *x = &r->m[i];
        if (strchr(x->metric, ':')) continue; /* per category: above */
        char v[32], se[32], n[32];
        fmt4(v, sizeof v, x->value);
        if (isnan(x->se)) snprintf(se, sizeof se, "N/A");
        else snprintf(se, sizeof se, "%.4f", x->se);
        snprintf(n, sizeof n, "%lld", (long long)x->n);
        const char *cells[] = {x->task, x->metric, x->filter, v, se, n};
        doc_table_row(d, 6, cells, right, NULL);
    }
    doc_table_end(d);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Safety release review</title>\n"
    "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}"
    "th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.fail td{background:#fde2e0}tr.pass td{background:#e7f6e7}tr.notrun td{color:#777}"
    "p.note{border-left:4px solid #e0a800;padding-left:8px;background:#fff8e1}"
    "p.verdict{font-size:1.3em;font-weight:bold}p.fail{color:#b71c1c}p.pass{color:#1b5e20}"
    "figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}</style></head><body>\n";

int report_safety_write(store *st, const report_safety_opts *o, report_safety_result *res, errbuf *e) {
    memset(res, 0, sizeof *res);
    if (!o->out_dir || !o->out_dir[0]) return err_set(e, "the report needs an output folder");
    rdata r;
    memset(&r, 0, sizeof r);
    doc d;
    strbuf_init(&d.md);
    strbuf_init(&d.html);
    int rc = -1;
    if (load(st, o, &r, e) != 0) goto done;
    res->run_id = r.run_id;
    res->n_gates = r.n_g;
    for (int i = 0; i < r.n_g; i++) {
        res->n_failed += !r.g[i].passed;
        res->n_not_run += isnan(r.g[i].value);
    }
    if (file_mkdirs(o->out_dir, e) != 0) goto done;
    /* worst generations of the toxicity tasks */
    int cap = o->n_worst > 0 ? o->n_worst : REPORT_SAFETY_WORST_DEFAULT;
    if (r.scorer_id[0]) {
        worst_ctx wc = {&r, st, cap, e, 0};
        for (int i = 0; i < r.n_t && !wc.failed; i++)
            if (task_needs_toxicity(&r.t[i]) && store_samples_each(st, r.run_id, r.t[i].task, on_sample, &wc, e) < 0)
                goto done;
        if (wc.failed) goto done;
    }
    char gp[REPORT_PATH_BYTES];
    errbuf ge;
    const char *gnuplot = NULL;
    if (safety_plot_find_gnuplot(o->gnuplot, gp, sizeof gp, &ge) == 0) gnuplot = gp;
    else snprintf(res->charts_skipped, sizeof res->charts_skipped, "%s", ge.msg);
    write_header(&d, &r, o, res);
    write_summary(&d, &r, o);
    write_skipped(&d, &r);
    if (!gnuplot)
        doc_para(&d, "note", "Charts were skipped: %s. The per-category tables below carry the same numbers.",
                 res->charts_skipped);
    write_categories(&d, &r, o->out_dir, gnuplot, res, e);
    write_worst(&d, &r, o);
    write_metrics(&d, &r);
    doc_para(&d, NULL, "Written by griffin safety report from the store alone; docs/safety.md explains every metric.");
    if (r.oom || strbuf_failed(&d.md) || strbuf_failed(&d.html)) {
        err_set(e, "out of memory writing the report");
        goto done;
    }
    snprintf(res->md_path, sizeof res->md_path, "%s/safety-report.md", o->out_dir);
    snprintf(res->html_path, sizeof res->html_path, "%s/safety-report.html", o->out_dir);
    strbuf html;
    strbuf_init(&html);
    strbuf_puts(&html, html_head);
    strbuf_append(&html, strbuf_str(&d.html), d.html.len);
    strbuf_puts(&html, "</body></html>\n");
    rc = file_write_atomic(res->md_path, strbuf_str(&d.md), d.md.len, e);
    if (rc == 0) rc = file_write_atomic(res->html_path, strbuf_str(&html), html.len, e);
    strbuf_deinit(&html);
done:
    strbuf_deinit(&d.md);
    strbuf_deinit(&d.html);
    rdata_free(&r);
    return rc;
}
