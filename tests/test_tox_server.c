/* tests/test_tox_server.c: the loopback Perspective API stand-in. */
#include "tests/test_tox_server.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/strbuf.h"

#define SRV_READ_TIMEOUT_MS 2000
#define SRV_POLL_MS 50
#define SRV_REQUEST_MAX_BYTES (1 << 20)

static int reply_raw(int fd, int status, const char *headers, const char *body) {
    char head[1024];
    size_t bl = strlen(body);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     status, status == 200 ? "OK" : "Status", bl, headers ? headers : "");
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n) return -1;
    return send(fd, body, bl, MSG_NOSIGNAL) == (ssize_t)bl ? 0 : -1;
}

/* The default reply: scores for every requested attribute, or a 400. */
static void default_reply(const char *body, strbuf *out, int *status, int *bad) {
    cJSON *o = cJSON_Parse(body);
    const cJSON *comment = cJSON_GetObjectItemCaseSensitive(o, "comment");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(comment, "text");
    const cJSON *langs = cJSON_GetObjectItemCaseSensitive(o, "languages");
    const cJSON *ra = cJSON_GetObjectItemCaseSensitive(o, "requestedAttributes");
    int ok = cJSON_IsString(text) && cJSON_IsArray(langs) && cJSON_GetArraySize(langs) == 1 &&
             cJSON_IsString(cJSON_GetArrayItem(langs, 0)) &&
             strcmp(cJSON_GetArrayItem(langs, 0)->valuestring, "en") == 0 && cJSON_IsObject(ra) &&
             cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ra, "TOXICITY"));
    *bad = !ok;
    if (!ok) {
        *status = 400;
        strbuf_puts(out, "{\"error\": {\"code\": 400, \"message\": \"request does not have the API's shape\", "
                         "\"status\": \"INVALID_ARGUMENT\"}}");
        cJSON_Delete(o);
        return;
    }
    double v = SRV_DEFAULT_SCORE;
    if (strncmp(text->valuestring, "score=", 6) == 0) v = atof(text->valuestring + 6);
    *status = 200;
    strbuf_puts(out, "{\"attributeScores\": {");
    const cJSON *it;
    int first = 1;
    cJSON_ArrayForEach(it, ra) {
        strbuf_printf(out,
                      "%s\"%s\": {\"spanScores\": [{\"begin\": 0, \"end\": %zu, \"score\": {\"value\": %.6f, "
                      "\"type\": \"PROBABILITY\"}}], \"summaryScore\": {\"value\": %.6f, \"type\": \"PROBABILITY\"}}",
                      first ? "" : ", ", it->string, strlen(text->valuestring), v, v);
        first = 0;
    }
    strbuf_puts(out, "}, \"languages\": [\"en\"], \"detectedLanguages\": [\"en\"]}");
    cJSON_Delete(o);
}

/* Reads one request; returns the body (heap) and the target, or NULL. */
static char *read_request(int fd, char *target, size_t cap) {
    strbuf in;
    strbuf_init(&in);
    char buf[4096];
    size_t head_end = 0, want = 0;
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, SRV_READ_TIMEOUT_MS) <= 0) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        strbuf_append(&in, buf, (size_t)n);
        if (in.len > SRV_REQUEST_MAX_BYTES) break;
        if (!head_end) {
            const char *e = strstr(strbuf_str(&in), "\r\n\r\n");
            if (!e) continue;
            head_end = (size_t)(e - in.s) + 4;
            const char *cl = strcasestr(in.s, "\r\ncontent-length:");
            want = head_end + (cl && cl < e ? (size_t)atol(cl + 17) : 0);
        }
        if (in.len >= want) {
            char method[16];
            if (sscanf(in.s, "%15s %511s", method, target) != 2) break;
            (void)cap;
            char *body = strndup(in.s + head_end, want - head_end);
            strbuf_deinit(&in);
            return body;
        }
    }
    strbuf_deinit(&in);
    return NULL;
}

/* Waits ms, or less if the server is told to stop; 1 when stopped. */
static int wait_or_stop(srv *s, int ms) {
    struct pollfd pf = {s->stop_pipe[0], POLLIN, 0};
    return poll(&pf, 1, ms) > 0;
}

static void serve_one(srv *s, int fd) {
    char target[SRV_TARGET_BYTES] = "";
    char *body = read_request(fd, target, sizeof target);
    if (!body) return;
    pthread_mutex_lock(&s->mu);
    int i = s->n_requests;
    if (i < SRV_MAX_REQUESTS) {
        s->at_ms[i] = (double)(clock_now_ns() - s->t0_ns) * 1e-6;
        snprintf(s->target[i], SRV_TARGET_BYTES, "%s", target);
        s->body[i] = body;
        s->n_requests++;
    }
    pthread_mutex_unlock(&s->mu);
    const srv_reply *r = i < s->n_script ? &s->script[i] : NULL;
    if (r && r->delay_ms > 0 && wait_or_stop(s, r->delay_ms)) {
        if (i >= SRV_MAX_REQUESTS) free(body);
        return;
    }
    if (r && r->body) {
        reply_raw(fd, r->status, r->headers, r->body);
    } else {
        strbuf out;
        strbuf_init(&out);
        int status, bad;
        default_reply(body, &out, &status, &bad);
        if (i < SRV_MAX_REQUESTS) s->bad_shape[i] = bad;
        reply_raw(fd, status, r ? r->headers : NULL, strbuf_str(&out));
        strbuf_deinit(&out);
    }
    if (i >= SRV_MAX_REQUESTS) free(body);
}

static void *srv_main(void *arg) {
    srv *s = arg;
    while ((double)(clock_now_ns() - s->t0_ns) * 1e-6 < SRV_LIFETIME_MS) {
        struct pollfd pf[2] = {{s->listen_fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
        if (poll(pf, 2, SRV_POLL_MS) < 0 && errno != EINTR) break;
        if (pf[1].revents) break;
        if (!(pf[0].revents & POLLIN)) continue;
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        serve_one(s, fd);
        close(fd);
    }
    return NULL;
}

int srv_start(srv *s, const srv_reply *script, int n_script, char *why, size_t why_cap) {
    memset(s, 0, sizeof *s);
    s->script = script;
    s->n_script = n_script;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0) return snprintf(why, why_cap, "socket: %s", strerror(errno)), -1;
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &al) != 0) {
        snprintf(why, why_cap, "bind/listen on 127.0.0.1: %s", strerror(errno));
        close(s->listen_fd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    if (pipe(s->stop_pipe) != 0) {
        snprintf(why, why_cap, "pipe: %s", strerror(errno));
        close(s->listen_fd);
        return -1;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->t0_ns = clock_now_ns();
    if (pthread_create(&s->thread, NULL, srv_main, s) != 0) {
        snprintf(why, why_cap, "pthread_create failed");
        close(s->listen_fd);
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
        return -1;
    }
    return 0;
}

void srv_stop(srv *s) {
    if (s->listen_fd < 0) return;
    if (write(s->stop_pipe[1], "x", 1) != 1) {
        /* the thread still ends at SRV_LIFETIME_MS */
    }
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    s->listen_fd = -1;
}

void srv_free(srv *s) {
    srv_stop(s);
    for (int i = 0; i < s->n_requests; i++) free(s->body[i]);
    pthread_mutex_destroy(&s->mu);
    s->n_requests = 0;
}

int srv_n_requests(srv *s) {
    pthread_mutex_lock(&s->mu);
    int n = s->n_requests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void srv_base_url(const srv *s, char *buf, size_t cap) { snprintf(buf, cap, "http://127.0.0.1:%d/v1alpha1", s->port); }
