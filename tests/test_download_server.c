/* tests/test_download_server.c: the loopback HTTP server of the download
 * tests (see the header). */
#include "tests/test_download_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define TSRV_POLL_MS 50          /* how often the accept loop checks for stop */
#define TSRV_READ_TIMEOUT_MS 2000 /* a request's headers must arrive by then */
#define TSRV_MAX_HEADER_BYTES 16384

struct tsrv {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_int stop;
    atomic_int n_requests;
    tsrv_handler handler;
    void *user;
};

int tsrv_send(int fd, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 404: return "Not Found";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

void tsrv_respond(int fd, int status, const char *extra, const void *body, size_t n) {
    char head[1024];
    int k = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
                     reason(status), n, extra ? extra : "");
    if (tsrv_send(fd, head, (size_t)k) == 0 && n) tsrv_send(fd, body, n);
}

/* Reads up to the blank line ending the headers. */
static int read_request(int fd, char *buf, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, TSRV_READ_TIMEOUT_MS) <= 0) return -1;
        ssize_t k = recv(fd, buf + n, cap - 1 - n, 0);
        if (k <= 0) return -1;
        n += (size_t)k;
        buf[n] = 0;
        if (strstr(buf, "\r\n\r\n")) return 0;
    }
    return -1;
}

static void serve_one(tsrv *s, int fd) {
    char buf[TSRV_MAX_HEADER_BYTES];
    if (read_request(fd, buf, sizeof buf) != 0) return;
    tsrv_req req;
    memset(&req, 0, sizeof req);
    req.range_start = -1;
    if (sscanf(buf, "%15s %2047s", req.method, req.target) != 2) return;
    for (char *line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Range:", 6) == 0) {
            long long r;
            if (sscanf(line + 8, " bytes=%lld-", &r) == 1) req.range_start = r;
        }
    }
    req.index = atomic_fetch_add(&s->n_requests, 1);
    s->handler(s->user, &req, fd);
}

static void *loop(void *arg) {
    tsrv *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->listen_fd, POLLIN, 0};
        if (poll(&p, 1, TSRV_POLL_MS) <= 0) continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        serve_one(s, fd);
        shutdown(fd, SHUT_RDWR);
        close(fd);
    }
    return NULL;
}

tsrv *tsrv_start(tsrv_handler h, void *user) {
    tsrv *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->handler = h;
    s->user = user;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        if (s->listen_fd >= 0) close(s->listen_fd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->thread, NULL, loop, s) != 0) {
        close(s->listen_fd);
        free(s);
        return NULL;
    }
    return s;
}

int tsrv_port(const tsrv *s) { return s->port; }
int tsrv_requests(const tsrv *s) { return atomic_load(&((tsrv *)s)->n_requests); }

void tsrv_stop(tsrv *s) {
    if (!s) return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    free(s);
}
