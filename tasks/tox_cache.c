/* tasks/tox_cache.c: the in-memory toxicity cache (a chained hash table). */
#include "tasks/tox_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MEMCACHE_INITIAL_BUCKETS 64
#define MEMCACHE_MAX_LOAD 2 /* entries per bucket before the table doubles */

typedef struct mc_entry {
    struct mc_entry *next;
    uint64_t hash;
    char *key;  /* scorer_id "\n" text_sha256 */
    char *json;
} mc_entry;

struct tox_memcache {
    mc_entry **buckets;
    size_t n_buckets;
    int n_entries;
    int n_gets, n_puts;
};

static uint64_t key_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static char *make_key(const char *scorer_id, const char *sha) {
    size_t a = strlen(scorer_id), b = strlen(sha);
    char *k = malloc(a + b + 2);
    if (!k) return NULL;
    memcpy(k, scorer_id, a);
    k[a] = '\n';
    memcpy(k + a + 1, sha, b + 1);
    return k;
}

tox_memcache *tox_memcache_create(errbuf *e) {
    tox_memcache *m = calloc(1, sizeof *m);
    if (m) m->buckets = calloc(MEMCACHE_INITIAL_BUCKETS, sizeof *m->buckets);
    if (!m || !m->buckets) {
        free(m);
        err_set(e, "toxicity cache: out of memory");
        return NULL;
    }
    m->n_buckets = MEMCACHE_INITIAL_BUCKETS;
    return m;
}

void tox_memcache_free(tox_memcache *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_buckets; i++) {
        for (mc_entry *x = m->buckets[i], *nx; x; x = nx) {
            nx = x->next;
            free(x->key);
            free(x->json);
            free(x);
        }
    }
    free(m->buckets);
    free(m);
}

static mc_entry *find(const tox_memcache *m, const char *key, uint64_t h) {
    for (mc_entry *x = m->buckets[h % m->n_buckets]; x; x = x->next)
        if (x->hash == h && strcmp(x->key, key) == 0) return x;
    return NULL;
}

static void grow(tox_memcache *m) {
    size_t nb = m->n_buckets * 2;
    mc_entry **b = calloc(nb, sizeof *b);
    if (!b) return; /* stays correct, only slower */
    for (size_t i = 0; i < m->n_buckets; i++) {
        for (mc_entry *x = m->buckets[i], *nx; x; x = nx) {
            nx = x->next;
            x->next = b[x->hash % nb];
            b[x->hash % nb] = x;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->n_buckets = nb;
}

static int mc_get(void *ctx, const char *scorer_id, const char *text, const char *sha, char **json, errbuf *e) {
    (void)text;
    tox_memcache *m = ctx;
    m->n_gets++;
    *json = NULL;
    char *key = make_key(scorer_id, sha);
    if (!key) return err_set(e, "toxicity cache: out of memory");
    mc_entry *x = find(m, key, key_hash(key));
    free(key);
    if (!x) return 0;
    *json = strdup(x->json);
    if (!*json) return err_set(e, "toxicity cache: out of memory");
    return 1;
}

static int mc_put(void *ctx, const char *scorer_id, const char *text, const char *sha, const char *json,
                  errbuf *e) {
    (void)text;
    tox_memcache *m = ctx;
    m->n_puts++;
    char *key = make_key(scorer_id, sha);
    char *val = strdup(json);
    if (!key || !val) {
        free(key);
        free(val);
        return err_set(e, "toxicity cache: out of memory");
    }
    uint64_t h = key_hash(key);
    mc_entry *x = find(m, key, h);
    if (x) {
        free(key);
        free(x->json);
        x->json = val;
        return 0;
    }
    x = malloc(sizeof *x);
    if (!x) {
        free(key);
        free(val);
        return err_set(e, "toxicity cache: out of memory");
    }
    x->hash = h;
    x->key = key;
    x->json = val;
    x->next = m->buckets[h % m->n_buckets];
    m->buckets[h % m->n_buckets] = x;
    m->n_entries++;
    if ((size_t)m->n_entries > m->n_buckets * MEMCACHE_MAX_LOAD) grow(m);
    return 0;
}

tox_cache tox_memcache_cache(tox_memcache *m) {
    tox_cache c = {.ctx = m, .get = mc_get, .put = mc_put};
    return c;
}

int tox_memcache_count(const tox_memcache *m) { return m->n_entries; }
int tox_memcache_n_gets(const tox_memcache *m) { return m->n_gets; }
int tox_memcache_n_puts(const tox_memcache *m) { return m->n_puts; }
