/* reports/doc.c: report blocks rendered to Markdown and HTML. */
#include "reports/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum block_kind { B_HEADING, B_PARA, B_NOTE, B_CODE, B_FIGURE, B_TABLE } block_kind;

typedef struct block {
    block_kind kind;
    int level;        /* headings */
    char *text;       /* heading, para, note, code, figure caption */
    char *png, *svg;  /* figures */
    int n_cols;       /* tables */
    int *right;
    char **cells;     /* tables: header row first, row-major */
    int n_rows, cap_rows;
} block;

struct report_doc {
    char *title;
    block *blocks;
    int n, cap;
    int failed;
    int in_table;     /* index of the open table, or -1 */
};

static char *dup_or_fail(report_doc *d, const char *s) {
    if (!s) return NULL;
    char *c = strdup(s);
    if (!c) d->failed = 1;
    return c;
}

static block *add_block(report_doc *d, block_kind k) {
    if (d->failed) return NULL;
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 32;
        block *nb = realloc(d->blocks, (size_t)cap * sizeof *nb);
        if (!nb) {
            d->failed = 1;
            return NULL;
        }
        d->blocks = nb;
        d->cap = cap;
    }
    block *b = &d->blocks[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = k;
    return b;
}

report_doc *report_doc_create(const char *title) {
    report_doc *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->in_table = -1;
    d->title = strdup(title ? title : "");
    if (!d->title) {
        free(d);
        return NULL;
    }
    return d;
}

void report_doc_free(report_doc *d) {
    if (!d) return;
    for (int i = 0; i < d->n; i++) {
        block *b = &d->blocks[i];
        free(b->text);
        free(b->png);
        free(b->svg);
        free(b->right);
        for (int c = 0; b->cells && c < b->n_rows * b->n_cols; c++) free(b->cells[c]);
        free(b->cells);
    }
    free(d->blocks);
    free(d->title);
    free(d);
}

int report_doc_failed(const report_doc *d) { return d->failed; }

void report_doc_heading(report_doc *d, int level, const char *text) {
    block *b = add_block(d, B_HEADING);
    if (!b) return;
    b->level = level < 2 ? 2 : level > 3 ? 3 : level;
    b->text = dup_or_fail(d, text);
}

static void add_text(report_doc *d, block_kind k, const char *fmt, va_list ap) {
    block *b = add_block(d, k);
    if (!b) return;
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        d->failed = 1;
        s = NULL;
    }
    b->text = s;
}

void report_doc_para(report_doc *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_text(d, B_PARA, fmt, ap);
    va_end(ap);
}

void report_doc_note(report_doc *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_text(d, B_NOTE, fmt, ap);
    va_end(ap);
}

void report_doc_code(report_doc *d, const char *text) {
    block *b = add_block(d, B_CODE);
    if (b) b->text = dup_or_fail(d, text);
}

void report_doc_figure(report_doc *d, const char *png, const char *svg, const char *caption) {
    block *b = add_block(d, B_FIGURE);
    if (!b) return;
    b->png = dup_or_fail(d, png);
    b->svg = dup_or_fail(d, svg);
    b->text = dup_or_fail(d, caption);
}

static void table_push_row(report_doc *d, block *b, const char *const *cells) {
    if (b->n_rows == b->cap_rows) {
        int cap = b->cap_rows ? 2 * b->cap_rows : 16;
        char **nc = realloc(b->cells, (size_t)cap * (size_t)b->n_cols * sizeof *nc);
        if (!nc) {
            d->failed = 1;
            return;
        }
        b->cells = nc;
        b->cap_rows = cap;
    }
    for (int c = 0; c < b->n_cols; c++)
        b->cells[(size_t)b->n_rows * (size_t)b->n_cols + (size_t)c] = dup_or_fail(d, cells[c] ? cells[c] : "");
    b->n_rows++;
}

void report_doc_table_begin(report_doc *d, int n_cols, const char *const *head, const int *right) {
    block *b = add_block(d, B_TABLE);
    if (!b) return;
    b->n_cols = n_cols;
    b->right = calloc((size_t)n_cols, sizeof *b->right);
    if (!b->right) {
        d->failed = 1;
        return;
    }
    for (int c = 0; right && c < n_cols; c++) b->right[c] = right[c];
    table_push_row(d, b, head);
    d->in_table = d->n - 1;
}

void report_doc_table_row(report_doc *d, const char *const *cells) {
    if (d->failed || d->in_table < 0) return;
    table_push_row(d, &d->blocks[d->in_table], cells);
}

void report_doc_table_end(report_doc *d) { d->in_table = -1; }

int report_doc_n_images(const report_doc *d) {
    int n = 0;
    for (int i = 0; i < d->n; i++)
        if (d->blocks[i].kind == B_FIGURE) n += (d->blocks[i].png != NULL) + (d->blocks[i].svg != NULL);
    return n;
}

const char *report_doc_image(const report_doc *d, int idx) {
    for (int i = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        if (b->kind != B_FIGURE) continue;
        if (b->png && idx-- == 0) return b->png;
        if (b->svg && idx-- == 0) return b->svg;
    }
    return NULL;
}

/* ---- Markdown ---- */

/* Escapes what Markdown would read as markup inside running text and cells. */
static int word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

static void md_text(strbuf *o, const char *s, int in_table) {
    const char *start = s;
    for (; s && *s; s++) {
        /* An underscore inside a word (tok_per_s, arc_easy) is plain text
         * in CommonMark; escape it only where it could start emphasis. */
        int intraword = *s == '_' && s > start && word_char(s[-1]) && word_char(s[1]);
        if (strchr("\\`*_[]<>|#", *s) && (*s != '#' || in_table) && !intraword) strbuf_putc(o, '\\');
        if (*s == '\n' && in_table) {
            strbuf_puts(o, "<br>");
            continue;
        }
        strbuf_putc(o, *s);
    }
}

void report_doc_markdown(const report_doc *d, strbuf *o) {
    strbuf_puts(o, "# ");
    md_text(o, d->title, 0);
    strbuf_puts(o, "\n\n");
    for (int i = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        switch (b->kind) {
        case B_HEADING:
            strbuf_puts(o, b->level == 2 ? "## " : "### ");
            md_text(o, b->text, 0);
            strbuf_puts(o, "\n\n");
            break;
        case B_PARA:
            md_text(o, b->text, 0);
            strbuf_puts(o, "\n\n");
            break;
        case B_NOTE:
            strbuf_puts(o, "> **Note:** ");
            md_text(o, b->text, 0);
            strbuf_puts(o, "\n\n");
            break;
        case B_CODE:
            strbuf_puts(o, "```\n");
            strbuf_puts(o, b->text ? b->text : "");
            strbuf_puts(o, "\n```\n\n");
            break;
        case B_FIGURE:
            strbuf_puts(o, "![");
            md_text(o, b->text, 0);
            strbuf_printf(o, "](%s)\n\n", b->png ? b->png : b->svg);
            if (b->text) {
                strbuf_puts(o, "*");
                md_text(o, b->text, 0);
                strbuf_puts(o, "*");
                if (b->svg && b->png) strbuf_printf(o, " ([SVG](%s))", b->svg);
                strbuf_puts(o, "\n\n");
            }
            break;
        case B_TABLE:
            for (int r = 0; r < b->n_rows; r++) {
                strbuf_puts(o, "|");
                for (int c = 0; c < b->n_cols; c++) {
                    strbuf_putc(o, ' ');
                    md_text(o, b->cells[(size_t)r * (size_t)b->n_cols + (size_t)c], 1);
                    strbuf_puts(o, " |");
                }
                strbuf_putc(o, '\n');
                if (r == 0) {
                    strbuf_puts(o, "|");
                    for (int c = 0; c < b->n_cols; c++) strbuf_puts(o, b->right[c] ? " ---: |" : " --- |");
                    strbuf_putc(o, '\n');
                }
            }
            strbuf_putc(o, '\n');
            break;
        }
    }
}

/* ---- HTML ---- */

static void html_text(strbuf *o, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': strbuf_puts(o, "&amp;"); break;
        case '<': strbuf_puts(o, "&lt;"); break;
        case '>': strbuf_puts(o, "&gt;"); break;
        case '"': strbuf_puts(o, "&quot;"); break;
        case '\'': strbuf_puts(o, "&#39;"); break;
        default: strbuf_putc(o, *s);
        }
    }
}

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;max-width:1100px;"
    "margin:2em auto;padding:0 1.2em;color:#1d232a;line-height:1.45;background:#fff}\n"
    "h1{font-size:1.7em;border-bottom:2px solid #2b6cb0;padding-bottom:.25em}\n"
    "h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #d5dbe1;padding-bottom:.2em}\n"
    "h3{font-size:1.1em;margin-top:1.5em}\n"
    "table{border-collapse:collapse;margin:.8em 0 1.4em;font-size:.9em}\n"
    "th,td{border:1px solid #d5dbe1;padding:.3em .6em;vertical-align:top}\n"
    "th{background:#eef2f6;text-align:left}\n"
    "tr:nth-child(even) td{background:#f8fafc}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td:first-child{white-space:nowrap}\n"
    "figure{margin:1em 0 1.6em}\n"
    "figure img{max-width:100%;height:auto;border:1px solid #e2e8f0}\n"
    "figcaption{font-size:.9em;color:#4a5568;margin-top:.3em}\n"
    ".note{background:#fff8e1;border-left:4px solid #d69e2e;padding:.5em .9em;margin:1em 0}\n"
    "pre{background:#f4f6f8;padding:.6em .9em;overflow-x:auto;font-size:.85em;white-space:pre-wrap;"
    "word-break:break-all}\n"
    "nav ul{columns:2;font-size:.95em}\n";

void report_doc_html(const report_doc *d, strbuf *o) {
    strbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    html_text(o, d->title);
    strbuf_printf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
    html_text(o, d->title);
    strbuf_puts(o, "</h1>\n");
    /* A table of contents from the level-2 headings. */
    int n_h2 = 0;
    for (int i = 0; i < d->n; i++) n_h2 += d->blocks[i].kind == B_HEADING && d->blocks[i].level == 2;
    if (n_h2 > 2) {
        strbuf_puts(o, "<nav><ul>\n");
        for (int i = 0, k = 0; i < d->n; i++)
            if (d->blocks[i].kind == B_HEADING && d->blocks[i].level == 2) {
                strbuf_printf(o, "<li><a href=\"#s%d\">", ++k);
                html_text(o, d->blocks[i].text);
                strbuf_puts(o, "</a></li>\n");
            }
        strbuf_puts(o, "</ul></nav>\n");
    }
    for (int i = 0, k = 0; i < d->n; i++) {
        const block *b = &d->blocks[i];
        switch (b->kind) {
        case B_HEADING:
            if (b->level == 2) strbuf_printf(o, "<h2 id=\"s%d\">", ++k);
            else strbuf_puts(o, "<h3>");
            html_text(o, b->text);
            strbuf_printf(o, "</h%d>\n", b->level);
            break;
        case B_PARA:
            strbuf_puts(o, "<p>");
            html_text(o, b->text);
            strbuf_puts(o, "</p>\n");
            break;
        case B_NOTE:
            strbuf_puts(o, "<p class=\"note\"><strong>Note:</strong> ");
            html_text(o, b->text);
            strbuf_puts(o, "</p>\n");
            break;
        case B_CODE:
            strbuf_puts(o, "<pre>");
            html_text(o, b->text);
            strbuf_puts(o, "</pre>\n");
            break;
        case B_FIGURE: {
            const char *img = b->svg ? b->svg : b->png;
            strbuf_puts(o, "<figure><img src=\"");
            html_text(o, img);
            strbuf_puts(o, "\" alt=\"");
            html_text(o, b->text);
            strbuf_puts(o, "\"><figcaption>");
            html_text(o, b->text);
            if (b->png && b->svg) {
                strbuf_puts(o, " (<a href=\"");
                html_text(o, b->png);
                strbuf_puts(o, "\">PNG</a>, <a href=\"");
                html_text(o, b->svg);
                strbuf_puts(o, "\">SVG</a>)");
            }
            strbuf_puts(o, "</figcaption></figure>\n");
            break;
        }
        case B_TABLE:
            strbuf_puts(o, "<table>\n");
            for (int r = 0; r < b->n_rows; r++) {
                strbuf_puts(o, "<tr>");
                for (int c = 0; c < b->n_cols; c++) {
                    const char *tag = r == 0 ? "th" : "td";
                    strbuf_printf(o, "<%s%s>", tag, b->right[c] ? " class=\"num\"" : "");
                    html_text(o, b->cells[(size_t)r * (size_t)b->n_cols + (size_t)c]);
                    strbuf_printf(o, "</%s>", tag);
                }
                strbuf_puts(o, "</tr>\n");
            }
            strbuf_puts(o, "</table>\n");
            break;
        }
    }
    strbuf_puts(o, "</body>\n</html>\n");
}
