/* datasets/csv.c: RFC 4180 CSV and TSV records. */
#include "datasets/csv.h"

#include <stdlib.h>
#include <string.h>

#define CSV_MIN_FIELDS 16

void ds_csv_init(ds_csv *r, const char *buf, size_t n, const char *name, char delim, int quoting) {
    memset(r, 0, sizeof *r);
    r->name = name;
    r->p = buf;
    r->end = buf + n;
    r->line = 1;
    r->delim = delim;
    r->quoting = quoting;
    strbuf_init(&r->data);
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) r->p += 3; /* UTF-8 BOM */
}

void ds_csv_deinit(ds_csv *r) {
    if (!r) return;
    strbuf_deinit(&r->data);
    free(r->offsets);
    free(r->fields);
    memset(r, 0, sizeof *r);
}

static int start_field(ds_csv *r, int n_fields, errbuf *e) {
    if (n_fields >= r->cap_fields) {
        int cap = r->cap_fields ? r->cap_fields * 2 : CSV_MIN_FIELDS;
        size_t *o = realloc(r->offsets, (size_t)cap * sizeof *o);
        if (!o) return err_set(e, "%s:%d: out of memory", r->name, r->line);
        r->offsets = o;
        char **f = realloc(r->fields, (size_t)cap * sizeof *f);
        if (!f) return err_set(e, "%s:%d: out of memory", r->name, r->line);
        r->fields = f;
        r->cap_fields = cap;
    }
    r->offsets[n_fields] = r->data.len;
    return 0;
}

/* At a record end (LF, CRLF or the end of the buffer)? */
static int at_eol(const ds_csv *r, const char *p) {
    return p >= r->end || *p == '\n' || (*p == '\r' && p + 1 < r->end && p[1] == '\n') ||
           (*p == '\r' && p + 1 == r->end);
}

static const char *skip_eol(ds_csv *r, const char *p) {
    if (p >= r->end) return p;
    if (*p == '\r') p++;
    if (p < r->end && *p == '\n') p++;
    r->line++;
    return p;
}

int ds_csv_next(ds_csv *r, ds_csv_row *row, errbuf *e) {
    /* Skip empty lines between records. */
    while (r->p < r->end && at_eol(r, r->p)) r->p = skip_eol(r, r->p);
    if (r->p >= r->end) return 0;
    strbuf_clear(&r->data);
    const int first_line = r->line;
    const char *p = r->p;
    int n = 0;
    for (;;) {
        if (start_field(r, n, e) != 0) return -1;
        n++;
        if (r->quoting && p < r->end && *p == '"') {
            const int quote_line = r->line;
            p++;
            for (;;) {
                if (p >= r->end)
                    return err_set(e, "%s:%d: field %d: quoted field is never closed (opened on line %d)", r->name,
                                   r->line, n, quote_line);
                if (*p == '"') {
                    if (p + 1 < r->end && p[1] == '"') {
                        strbuf_putc(&r->data, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == 0) return err_set(e, "%s:%d: field %d: NUL byte in text", r->name, r->line, n);
                if (*p == '\n') r->line++;
                strbuf_putc(&r->data, *p++);
            }
            if (!(p < r->end && *p == r->delim) && !at_eol(r, p))
                return err_set(e, "%s:%d: field %d: unexpected '%c' after the closing quote (expected '%s' or end "
                               "of line)",
                               r->name, r->line, n, *p, r->delim == '\t' ? "\\t" : (char[]){r->delim, 0});
        } else {
            while (p < r->end && *p != r->delim && !at_eol(r, p)) {
                if (*p == 0) return err_set(e, "%s:%d: field %d: NUL byte in text", r->name, r->line, n);
                if (r->quoting && *p == '"')
                    return err_set(e, "%s:%d: field %d: quote inside an unquoted field (quote the whole field and "
                                   "double the quote)",
                                   r->name, r->line, n);
                strbuf_putc(&r->data, *p++);
            }
        }
        strbuf_putc(&r->data, 0);
        if (p < r->end && *p == r->delim) {
            p++;
            continue;
        }
        p = skip_eol(r, p);
        break;
    }
    if (strbuf_failed(&r->data)) return err_set(e, "%s:%d: out of memory", r->name, first_line);
    for (int i = 0; i < n; i++) r->fields[i] = r->data.s + r->offsets[i];
    r->p = p;
    row->line = first_line;
    row->n_fields = n;
    row->fields = r->fields;
    return 1;
}
