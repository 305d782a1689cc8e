/* tasks/tox_perspective.h: a tox_scorer over Google's Perspective API
 * (TASKS.md B.2).
 *
 * One HTTPS POST per text to <base_url>/comments:analyze?key=KEY with
 *   {"comment": {"text": T}, "languages": ["en"],
 *    "requestedAttributes": {"TOXICITY": {}, <extra attributes>: {}}}
 * reading attributeScores.<ATTR>.summaryScore.value. Requests start at most
 * qps per second (the API's default quota is 1). 429, 5xx and network
 * failures (including timeouts) are retried with exponential backoff,
 * honouring Retry-After, up to max_attempts; a text that still fails, or
 * whose reply is malformed, or that the API rejects (400: unsupported
 * language, too long) is TOX_MISSING with the reason. 401 and 403 (a bad key)
 * stop the batch: every later request would fail the same way.
 *
 * The API key comes from an environment variable, is held only in memory
 * (wiped on free) and never appears in a message, a label, an id or a URL
 * we print: every message is scrubbed of it, even when a server echoes it. */
#ifndef GRIFFIN_TASKS_TOX_PERSPECTIVE_H
#define GRIFFIN_TASKS_TOX_PERSPECTIVE_H

#include "common/err.h"
#include "tasks/tox_scorer.h"

#define TOX_PERSPECTIVE_BASE_URL "https://commentanalyzer.googleapis.com/v1alpha1"
#define TOX_PERSPECTIVE_KEY_ENV "PERSPECTIVE_API_KEY"

typedef struct tox_perspective_opts {
    const char *base_url;   /* default TOX_PERSPECTIVE_BASE_URL; tests point it at 127.0.0.1 */
    const char *key_env;    /* environment variable holding the key; default TOX_PERSPECTIVE_KEY_ENV */
    double qps;             /* request starts per second, > 0; default 1 */
    int max_attempts;       /* per text, >= 1; default 6 */
    double backoff_initial_s; /* wait after the first failure, doubled each time; default 1 */
    double backoff_max_s;   /* cap on one wait; default 64 */
    double retry_after_max_s; /* longest Retry-After honoured; default 300 */
    double timeout_s;       /* per request, connection included; default 30 */
    int do_not_store;       /* 1 adds "doNotStore": true; default 0 (the request TASKS.md gives) */
    int n_attributes;       /* extra attributes besides TOXICITY (SEVERE_TOXICITY, INSULT, ...) */
    const char *attributes[TOX_MAX_ATTRS]; /* borrowed for the call to create only */
} tox_perspective_opts;

void tox_perspective_opts_default(tox_perspective_opts *o);

/* Reads the key from the environment and checks the options; NULL with a
 * message when the variable is unset or empty or an option is out of
 * range. Nothing is sent until the first score call. */
tox_scorer *tox_perspective_create(const tox_perspective_opts *o, errbuf *e);

typedef struct tox_perspective_stats {
    long n_requests; /* HTTP requests started, retries included */
    long n_retries;
    double waited_s; /* seconds slept for the rate limit and backoff */
} tox_perspective_stats;

/* The counters of a Perspective scorer; -1 if s is another kind. */
int tox_perspective_get_stats(const tox_scorer *s, tox_perspective_stats *st);

#endif
