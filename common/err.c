#include "common/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int err_vset(errbuf *e, const char *fmt, va_list ap) {
    if (e) vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int err_set(errbuf *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, fmt, ap);
    va_end(ap);
    return -1;
}

int err_prefix(errbuf *e, const char *fmt, ...) {
    if (!e) return -1;
    char head[ERRBUF_BYTES], old[ERRBUF_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    old[sizeof old - 1] = 0;
    snprintf(e->msg, sizeof e->msg, "%s: %s", head, old);
    return -1;
}

int err_errno(errbuf *e, const char *fmt, ...) {
    int saved = errno;
    if (!e) return -1;
    char head[ERRBUF_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    snprintf(e->msg, sizeof e->msg, "%s: %s", head, strerror(saved));
    return -1;
}
