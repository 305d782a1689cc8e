/* datasets/text.h: plain text files: lines, encoding, positions.
 *
 * Line-oriented releases (PIQA's and SIQA's label files, WinoBias sentences,
 * ToxiGen prompts, HellaSwag's derived text) are read line by line; every
 * reader first checks the buffer is UTF-8 so a wrongly encoded file fails with
 * its line instead of producing mojibake prompts. */
#ifndef GRIFFIN_DATASETS_TEXT_H
#define GRIFFIN_DATASETS_TEXT_H

#include <stddef.h>

#include "common/err.h"

/* Returns 0 if buf[0..n) is well-formed UTF-8 without NUL bytes, else -1
 * with "<name>:<line>: invalid UTF-8 (byte 0x.. at column ..)". Overlong
 * forms, surrogates and code points above U+10FFFF are invalid. */
int ds_text_check_utf8(const char *buf, size_t n, const char *name, errbuf *e);

/* 1-based line and column (in bytes) of offset off in buf. */
void ds_text_position(const char *buf, size_t off, int *line, int *col);

typedef struct ds_lines {
    const char *p, *end;
    int line; /* of the next line to return */
} ds_lines;

/* Iterates buf[0..n) (borrowed). A UTF-8 byte-order mark is skipped. */
void ds_lines_init(ds_lines *r, const char *buf, size_t n);
/* Returns 1 with the next line in text[0..len) (not NUL-terminated, LF or
 * CRLF removed) and its 1-based number, or 0 at the end. A final line without
 * a newline counts; a trailing newline makes no extra empty line. */
int ds_lines_next(ds_lines *r, const char **text, size_t *len, int *line);
/* Counts lines that are not empty or all white space. */
int ds_lines_count_nonblank(const char *buf, size_t n);
/* 1 if text[0..len) is empty or only spaces, tabs and CRs. */
int ds_text_is_blank(const char *text, size_t len);

#endif
