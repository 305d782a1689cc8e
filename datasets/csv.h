/* datasets/csv.h: CSV (RFC 4180) and TSV records from a buffer.
 *
 * CSV: fields separated by the delimiter; a field may be quoted with '"',
 * and inside quotes a doubled quote stands for one quote while delimiters,
 * CR and LF are data. Records end at LF or CRLF. A UTF-8 byte-order mark at
 * the start is skipped. Completely empty lines are skipped (a trailing
 * newline makes no extra record). Strict where RFC 4180 is: a quote inside an
 * unquoted field, text after a closing quote and an unterminated quote are
 * errors naming the file and line.
 * TSV (quoting off): tab-separated, every byte but TAB and the line end is
 * data, as in the IANA text/tab-separated-values definition. */
#ifndef GRIFFIN_DATASETS_CSV_H
#define GRIFFIN_DATASETS_CSV_H

#include <stddef.h>

#include "common/err.h"
#include "common/strbuf.h"

typedef struct ds_csv_row {
    int line;       /* line the record starts on, 1-based */
    int n_fields;
    char **fields;  /* NUL-terminated; owned by the reader, valid until the next call */
} ds_csv_row;

typedef struct ds_csv {
    const char *name; /* file name for messages; borrowed */
    const char *p, *end;
    int line;
    char delim;
    int quoting;
    strbuf data;      /* the current record's fields, NUL-separated */
    size_t *offsets;  /* field starts in data */
    char **fields;
    int cap_fields;
} ds_csv;

/* Reads buf[0..n) (borrowed; must outlive the reader). name is used in
 * messages. quoting = 1 for CSV, 0 for TSV. */
void ds_csv_init(ds_csv *r, const char *buf, size_t n, const char *name, char delim, int quoting);
void ds_csv_deinit(ds_csv *r);
/* Returns 1 with the next record in *row, 0 at the end, -1 on malformed
 * input ("<name>:<line>: <reason>"). */
int ds_csv_next(ds_csv *r, ds_csv_row *row, errbuf *e);

#endif
