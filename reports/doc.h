/* reports/doc.h: a report as a list of blocks, rendered to Markdown and to
 * a self-contained HTML page.
 *
 * The report code says what to show once (headings, paragraphs, tables,
 * figures, notes); this module says how each format writes it, escaping
 * included. The HTML page carries its own stylesheet and refers only to
 * files by relative path, so it reads the same offline. */
#ifndef GRIFFIN_REPORTS_DOC_H
#define GRIFFIN_REPORTS_DOC_H

#include <stddef.h>

#include "common/strbuf.h"

typedef struct report_doc report_doc;

/* An empty document titled title (copied); NULL when out of memory. */
report_doc *report_doc_create(const char *title);
void report_doc_free(report_doc *d); /* NULL is fine */

/* Every text argument is copied; none is interpreted as markup. */
void report_doc_heading(report_doc *d, int level, const char *text); /* level 2 or 3 */
void report_doc_para(report_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A highlighted paragraph (warnings: skipped plots, untrusted figures). */
void report_doc_note(report_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Preformatted text (command lines, settings). */
void report_doc_code(report_doc *d, const char *text);
/* A figure: png and svg are paths relative to the output directory (either
 * may be NULL); HTML shows the SVG (PNG when there is none) and links both. */
void report_doc_figure(report_doc *d, const char *png, const char *svg, const char *caption);

/* Tables: begin with the column names (right[i] != 0: right-aligned, for
 * numbers), add rows of exactly n_cols cells, end. */
void report_doc_table_begin(report_doc *d, int n_cols, const char *const *head, const int *right);
void report_doc_table_row(report_doc *d, const char *const *cells);
void report_doc_table_end(report_doc *d);

/* 1 if an allocation failed anywhere (then the output is incomplete). */
int report_doc_failed(const report_doc *d);

/* Renders into out (appends). */
void report_doc_markdown(const report_doc *d, strbuf *out);
void report_doc_html(const report_doc *d, strbuf *out);

/* The figures' image paths, in order, for checks that every image exists
 * (index i < report_doc_n_images; NULL past the end). */
int report_doc_n_images(const report_doc *d);
const char *report_doc_image(const report_doc *d, int i);

#endif
