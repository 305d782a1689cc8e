/* tasks/tox_features.h: hashed n-gram features for the offline toxicity
 * scorer (the hashing trick, Weinberger et al. 2009).
 *
 * A text is normalised (tox_normalize), then turned into three kinds of
 * features, each hashed with its own tag into a fixed space of
 * 2^hash_bits signed slots:
 *   - word unigrams ('w') and word bigrams ('b', "w1 w2");
 *   - character n-grams ('c') of the normalised text padded with one space
 *     at each end, for n in [char_ngram_min, char_ngram_max].
 * Values are counts, times the hash's sign bit (+1 or -1, so collisions
 * cancel on average instead of piling up). The word block and the character
 * block are each scaled to unit L2 norm, so long texts and many character
 * n-grams do not drown the word features; then slots are merged. */
#ifndef GRIFFIN_TASKS_TOX_FEATURES_H
#define GRIFFIN_TASKS_TOX_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define TOX_HASH_BITS_MIN 8
#define TOX_HASH_BITS_MAX 26  /* 64M f32 weights = 256 MiB: the most a model file may hold */
#define TOX_CHAR_NGRAM_MAX 8

typedef struct tox_feat_params {
    int hash_bits;      /* slots = 2^hash_bits; default 18 */
    int word_bigrams;   /* 1: word unigrams and bigrams; 0: unigrams only */
    int char_ngram_min; /* default 3; 0 disables character n-grams */
    int char_ngram_max; /* default 5 */
    uint64_t hash_seed; /* default 0; part of the model file */
} tox_feat_params;

typedef struct tox_feat {
    uint32_t idx;
    float val;
} tox_feat;

void tox_feat_params_default(tox_feat_params *p);
/* 0, or -1 naming the field out of range. */
int tox_feat_params_check(const tox_feat_params *p, errbuf *e);

/* FNV-1a, 64 bits, of n bytes (the published test vectors hold). */
uint64_t tox_fnv1a64(uint64_t h, const void *data, size_t n);
#define TOX_FNV_OFFSET 0xcbf29ce484222325ull

/* The hash of one feature: FNV-1a over (seed, tag, bytes), then the
 * splitmix64 finaliser so low bits (the slot) and the top bit (the sign)
 * are well mixed. */
uint64_t tox_feature_hash(uint64_t seed, char tag, const char *s, size_t n);

/* Normalised text: ASCII letters lowercased; word characters are [a-z0-9]
 * and every byte >= 0x80 (UTF-8 text stays in words); apostrophes (' and
 * U+2019) are dropped so "don't" and "don’t" both read "dont"; every other
 * byte separates words. Words are joined by one space, no leading or
 * trailing space. Writes at most cap bytes with the NUL; returns the length
 * (without the NUL) that the full result needs. */
size_t tox_normalize(const char *text, char *out, size_t cap);

/* A reusable buffer for tox_featurize (caller's storage). */
typedef struct tox_featbuf {
    tox_feat *feats; /* the result: n entries, sorted by idx, no zero values */
    int n;
    int cap;
    char *norm;      /* scratch */
    size_t norm_cap;
} tox_featbuf;

void tox_featbuf_init(tox_featbuf *b);
void tox_featbuf_deinit(tox_featbuf *b);

/* Featurises text into b->feats[0..b->n). Returns 0, or -1 (out of memory). */
int tox_featurize(const tox_feat_params *p, const char *text, tox_featbuf *b, errbuf *e);

#endif
