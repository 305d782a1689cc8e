/* tasks/tox_cache.h: where toxicity scores are remembered between runs.
 *
 * Keyed by the scorer's id (tox_scorer_id: "perspective:TOXICITY",
 * "offline-logreg-v1@<model checksum>") and the SHA-256 of the text (64
 * lowercase hex digits); the value is the score as JSON
 * (tox_result_to_json). The harness wires get/put to the SQLite store's
 * toxicity_cache table; tox_memcache is an in-memory implementation for
 * tests and for commands run without a store. */
#ifndef GRIFFIN_TASKS_TOX_CACHE_H
#define GRIFFIN_TASKS_TOX_CACHE_H

#include "common/err.h"

typedef struct tox_cache {
    void *ctx; /* handed back to get and put */
    /* Both get the text and its SHA-256 (64 lowercase hex digits); a cache
     * keys on the pair (scorer_id, text_sha256) and may ignore the text (the
     * store's store_tox_get/put take the text and hash it themselves). */
    /* Returns 1 and a heap JSON string in *json (caller frees) on a hit, 0 on
     * a miss, -1 with e filled when the cache itself failed. */
    int (*get)(void *ctx, const char *scorer_id, const char *text, const char *text_sha256, char **json, errbuf *e);
    /* Stores the value; 0, or -1 with e filled. */
    int (*put)(void *ctx, const char *scorer_id, const char *text, const char *text_sha256, const char *json,
               errbuf *e);
} tox_cache;

typedef struct tox_memcache tox_memcache;

tox_memcache *tox_memcache_create(errbuf *e);
void tox_memcache_free(tox_memcache *m); /* NULL is fine */
/* A tox_cache over m; m must outlive every use of it. */
tox_cache tox_memcache_cache(tox_memcache *m);
int tox_memcache_count(const tox_memcache *m); /* entries stored */
/* get and put calls so far (tests check that a re-run reads, not scores). */
int tox_memcache_n_gets(const tox_memcache *m);
int tox_memcache_n_puts(const tox_memcache *m);

#endif
