/* common/err.h: the error buffer every library function fills on failure.
 *
 * Library code never prints and never exits: it returns a status (-1 or
 * NULL) and leaves a one-line message here that names the file, the item and
 * what was expected, so a user can act on it without reading our source. */
#ifndef GRIFFIN_COMMON_ERR_H
#define GRIFFIN_COMMON_ERR_H

#include <stdarg.h>

#define ERRBUF_BYTES 512

typedef struct errbuf {
    char msg[ERRBUF_BYTES];
} errbuf;

/* Formats the message into e (e may be NULL). Always returns -1 so callers
 * can write `return err_set(e, ...)`. */
int err_set(errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_vset(errbuf *e, const char *fmt, va_list ap);

/* Prepends "<context>: " to the message already in e; returns -1. Used when a
 * caller knows more (the file name, the task) than the callee did. */
int err_prefix(errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets e from errno: "<what>: <strerror(errno)>"; returns -1. */
int err_errno(errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
