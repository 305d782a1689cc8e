/* datasets/text.c: lines, UTF-8 validation, positions. */
#include "datasets/text.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (Unicode 15, table 3-7), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail) {
    unsigned c = s[0];
    if (c < 0x80) return c ? 1 : 0;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0) lo = 0xa0;      /* no overlong forms */
        else if (c == 0xed) hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0) lo = 0x90;
        else if (c == 0xf4) hi = 0x8f; /* nothing above U+10FFFF */
    } else return 0;
    if (avail < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return n;
}

int ds_text_check_utf8(const char *buf, size_t n, const char *name, errbuf *e) {
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < n) {
        if (s[i] >= 0x20 && s[i] < 0x80) { /* fast path for ASCII text */
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0) {
            int line, col;
            ds_text_position(buf, i, &line, &col);
            if (s[i] == 0) return err_set(e, "%s:%d: NUL byte at column %d (not a text file?)", name, line, col);
            return err_set(e, "%s:%d: invalid UTF-8 (byte 0x%02x at column %d); the file must be UTF-8", name, line,
                           s[i], col);
        }
        i += k;
    }
    return 0;
}

void ds_text_position(const char *buf, size_t off, int *line, int *col) {
    int l = 1;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (buf[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (int)(off - start) + 1;
}

void ds_lines_init(ds_lines *r, const char *buf, size_t n) {
    r->p = buf;
    r->end = buf + n;
    r->line = 1;
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) r->p += 3;
}

int ds_lines_next(ds_lines *r, const char **text, size_t *len, int *line) {
    if (r->p >= r->end) return 0;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    const char *stop = nl ? nl : r->end;
    size_t l = (size_t)(stop - r->p);
    if (l > 0 && r->p[l - 1] == '\r') l--;
    *text = r->p;
    *len = l;
    *line = r->line++;
    r->p = nl ? nl + 1 : r->end;
    return 1;
}

int ds_text_is_blank(const char *t, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r') return 0;
    return 1;
}

int ds_lines_count_nonblank(const char *buf, size_t n) {
    ds_lines r;
    ds_lines_init(&r, buf, n);
    const char *t;
    size_t len;
    int line, count = 0;
    while (ds_lines_next(&r, &t, &len, &line))
        if (!ds_text_is_blank(t, len)) count++;
    return count;
}
