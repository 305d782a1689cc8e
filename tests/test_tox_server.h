/* tests/test_tox_server.h: a loopback HTTP/1.1 server that speaks the
 * Perspective API's request and response shape, for the client's tests.
 *
 * It listens on 127.0.0.1 (a port the kernel picks), serves one request per
 * connection (Connection: close) on its own thread, and stops by itself
 * after SRV_LIFETIME_MS so a broken test cannot hang the runner. Request i
 * gets script[i] when i < n_script, else the default reply: it checks the
 * body's shape (comment.text, languages ["en"], requestedAttributes with
 * TOXICITY) and answers 400 if it is wrong, else 200 with every requested
 * attribute scored: the number after "score=" at the start of the text, or
 * SRV_DEFAULT_SCORE. */
#ifndef GRIFFIN_TESTS_TEST_TOX_SERVER_H
#define GRIFFIN_TESTS_TEST_TOX_SERVER_H

#include <pthread.h>
#include <stdint.h>

#define SRV_MAX_REQUESTS 64
#define SRV_TARGET_BYTES 512
#define SRV_LIFETIME_MS 30000
#define SRV_DEFAULT_SCORE 0.05

typedef struct srv_reply {
    int status;
    const char *headers; /* extra header lines, each ending "\r\n"; may be NULL */
    const char *body;    /* NULL: the default scoring reply (status is then ignored) */
    int delay_ms;        /* before answering */
} srv_reply;

typedef struct srv {
    int listen_fd, port;
    int stop_pipe[2];
    pthread_t thread;
    pthread_mutex_t mu;
    uint64_t t0_ns;
    const srv_reply *script;
    int n_script;
    /* what arrived (read under mu, or after srv_stop) */
    int n_requests;
    double at_ms[SRV_MAX_REQUESTS];               /* arrival, since start */
    char target[SRV_MAX_REQUESTS][SRV_TARGET_BYTES]; /* "/v1alpha1/comments:analyze?key=..." */
    char *body[SRV_MAX_REQUESTS];
    int bad_shape[SRV_MAX_REQUESTS];
} srv;

/* Starts the server; 0, or -1 with a message in why. */
int srv_start(srv *s, const srv_reply *script, int n_script, char *why, size_t why_cap);
/* Stops the thread (cutting any delay short) and keeps the record. */
void srv_stop(srv *s);
void srv_free(srv *s); /* frees the recorded bodies */
int srv_n_requests(srv *s);
/* "http://127.0.0.1:PORT/v1alpha1" into buf. */
void srv_base_url(const srv *s, char *buf, size_t cap);

#endif
