/* tests/test_download_server.h: a tiny HTTP/1.1 server on 127.0.0.1 for the
 * download tests. One thread accepts connections one at a time on an
 * ephemeral port, parses the request line and the Range header, and hands the
 * socket to a handler that writes whatever response (or misbehaviour) the
 * test needs; the connection is closed after each request. */
#ifndef GRIFFIN_TESTS_DOWNLOAD_SERVER_H
#define GRIFFIN_TESTS_DOWNLOAD_SERVER_H

#include <stddef.h>

typedef struct tsrv tsrv;

typedef struct tsrv_req {
    char method[16];
    char target[2048];     /* path and query, as sent */
    long long range_start; /* from "Range: bytes=N-", -1 when absent */
    int index;             /* requests served before this one */
} tsrv_req;

/* Writes the response to fd. Runs on the server thread. */
typedef void (*tsrv_handler)(void *user, const tsrv_req *req, int fd);

/* NULL if the socket or thread cannot be set up. */
tsrv *tsrv_start(tsrv_handler h, void *user);
int tsrv_port(const tsrv *s);
int tsrv_requests(const tsrv *s);
void tsrv_stop(tsrv *s); /* joins the thread; NULL is fine */

/* Helpers for handlers; errors (a client that hung up) are ignored. */
int tsrv_send(int fd, const void *data, size_t n);
/* Status line, Content-Length n, Connection: close, extra headers
 * ("Name: value\r\n..." or NULL), then the body. */
void tsrv_respond(int fd, int status, const char *extra_headers, const void *body, size_t n);

#endif
