/* common/strbuf.h: a growable NUL-terminated byte string.
 *
 * Used where text is assembled (prompts, SQL, reports). A failed allocation
 * is sticky: later appends do nothing and strbuf_failed() says so, so callers
 * check once at the end instead of after every append. */
#ifndef GRIFFIN_COMMON_STRBUF_H
#define GRIFFIN_COMMON_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *s;     /* owned; always NUL-terminated once anything was appended */
    size_t len;  /* bytes, without the NUL */
    size_t cap;
    int failed;  /* an allocation failed */
} strbuf;

void strbuf_init(strbuf *b);      /* empty; no allocation */
void strbuf_deinit(strbuf *b);    /* safe on an initialised or zeroed buffer */
void strbuf_clear(strbuf *b);     /* len = 0, keeps the memory */
void strbuf_append(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putc(strbuf *b, char c);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  strbuf_failed(const strbuf *b);
/* Returns the string ("" when empty); stays owned by b. */
const char *strbuf_str(const strbuf *b);
/* Hands the heap string to the caller (who frees it) and resets b. */
char *strbuf_take(strbuf *b);

#endif
