#include "common/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(strbuf *b) { memset(b, 0, sizeof *b); }

void strbuf_deinit(strbuf *b) {
    if (!b) return;
    free(b->s);
    memset(b, 0, sizeof *b);
}

void strbuf_clear(strbuf *b) {
    b->len = 0;
    if (b->s) b->s[0] = 0;
}

static int grow(strbuf *b, size_t extra) {
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void strbuf_append(strbuf *b, const char *s, size_t n) {
    if (grow(b, n) != 0) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void strbuf_puts(strbuf *b, const char *s) { strbuf_append(b, s, strlen(s)); }
void strbuf_putc(strbuf *b, char c) { strbuf_append(b, &c, 1); }

void strbuf_printf(strbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        strbuf_append(b, small, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int strbuf_failed(const strbuf *b) { return b->failed; }
const char *strbuf_str(const strbuf *b) { return b->s ? b->s : ""; }

char *strbuf_take(strbuf *b) {
    char *s = b->s;
    if (!s) s = calloc(1, 1);
    memset(b, 0, sizeof *b);
    return s;
}
