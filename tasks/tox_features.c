/* tasks/tox_features.c: text normalisation and hashed n-gram features. */
#include "tasks/tox_features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FNV_PRIME 0x100000001b3ull
#define DEFAULT_HASH_BITS 18 /* 262144 slots, 1 MiB of f32 weights */
#define DEFAULT_CHAR_MIN 3
#define DEFAULT_CHAR_MAX 5

void tox_feat_params_default(tox_feat_params *p) {
    memset(p, 0, sizeof *p);
    p->hash_bits = DEFAULT_HASH_BITS;
    p->word_bigrams = 1;
    p->char_ngram_min = DEFAULT_CHAR_MIN;
    p->char_ngram_max = DEFAULT_CHAR_MAX;
    p->hash_seed = 0;
}

int tox_feat_params_check(const tox_feat_params *p, errbuf *e) {
    if (p->hash_bits < TOX_HASH_BITS_MIN || p->hash_bits > TOX_HASH_BITS_MAX)
        return err_set(e, "hash_bits %d: expected %d..%d", p->hash_bits, TOX_HASH_BITS_MIN, TOX_HASH_BITS_MAX);
    if (p->word_bigrams != 0 && p->word_bigrams != 1)
        return err_set(e, "word_bigrams %d: expected 0 or 1", p->word_bigrams);
    if (p->char_ngram_min == 0 && p->char_ngram_max == 0) return 0;
    if (p->char_ngram_min < 1 || p->char_ngram_max < p->char_ngram_min || p->char_ngram_max > TOX_CHAR_NGRAM_MAX)
        return err_set(e, "character n-gram range [%d, %d]: expected 1 <= min <= max <= %d (or both 0)",
                       p->char_ngram_min, p->char_ngram_max, TOX_CHAR_NGRAM_MAX);
    return 0;
}

uint64_t tox_fnv1a64(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint64_t tox_feature_hash(uint64_t seed, char tag, const char *s, size_t n) {
    unsigned char head[9];
    for (int i = 0; i < 8; i++) head[i] = (unsigned char)(seed >> (8 * i));
    head[8] = (unsigned char)tag;
    uint64_t z = tox_fnv1a64(tox_fnv1a64(TOX_FNV_OFFSET, head, sizeof head), s, n);
    /* splitmix64's finaliser (Steele et al. 2014) */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80; }

size_t tox_normalize(const char *text, char *out, size_t cap) {
    size_t len = 0;
    int in_word = 0, pending_space = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        unsigned char c = *p;
        if (c == '\'') continue;
        if (c == 0xE2 && p[1] == 0x80 && p[2] == 0x99) { /* U+2019, the typographic apostrophe */
            p += 2;
            continue;
        }
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        if (!is_word_byte(c)) {
            if (in_word) pending_space = 1;
            in_word = 0;
            continue;
        }
        if (pending_space) {
            if (len + 1 < cap) out[len] = ' ';
            len++;
            pending_space = 0;
        }
        if (len + 1 < cap) out[len] = (char)c;
        len++;
        in_word = 1;
    }
    if (cap) out[len < cap ? len : cap - 1] = 0;
    return len;
}

void tox_featbuf_init(tox_featbuf *b) { memset(b, 0, sizeof *b); }

void tox_featbuf_deinit(tox_featbuf *b) {
    free(b->feats);
    free(b->norm);
    memset(b, 0, sizeof *b);
}

static int cmp_feat(const void *a, const void *b) {
    uint32_t x = ((const tox_feat *)a)->idx, y = ((const tox_feat *)b)->idx;
    return (x > y) - (x < y);
}

/* Sorts f[0..n), sums equal slots, drops zeros; returns the new count. */
static int merge(tox_feat *f, int n) {
    qsort(f, (size_t)n, sizeof *f, cmp_feat);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (k > 0 && f[k - 1].idx == f[i].idx) f[k - 1].val += f[i].val;
        else f[k++] = f[i];
    }
    int m = 0;
    for (int i = 0; i < k; i++)
        if (f[i].val != 0) f[m++] = f[i];
    return m;
}

static void unit_norm(tox_feat *f, int n) {
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)f[i].val * f[i].val;
    if (ss <= 0) return;
    double inv = 1.0 / sqrt(ss);
    for (int i = 0; i < n; i++) f[i].val = (float)(f[i].val * inv);
}

static void add(const tox_feat_params *p, tox_feat *f, int *n, char tag, const char *s, size_t len) {
    uint64_t h = tox_feature_hash(p->hash_seed, tag, s, len);
    f[*n].idx = (uint32_t)(h & ((1ull << p->hash_bits) - 1));
    f[*n].val = (h >> 63) ? -1.0f : 1.0f;
    (*n)++;
}

int tox_featurize(const tox_feat_params *p, const char *text, tox_featbuf *b, errbuf *e) {
    size_t len = tox_normalize(text, NULL, 0);
    if (len + 3 > b->norm_cap) {
        char *nb = realloc(b->norm, len + 3);
        if (!nb) return err_set(e, "featurise: out of memory for a %zu-byte text", len);
        b->norm = nb;
        b->norm_cap = len + 3;
    }
    /* " <normalised text> ": the padded form the character n-grams read */
    char *pad = b->norm, *w = b->norm + 1;
    tox_normalize(text, w, len + 1);
    pad[0] = ' ';
    pad[len + 1] = ' ';
    pad[len + 2] = 0;
    size_t n_words = 0;
    for (size_t i = 0; i < len; i++) n_words += (i == 0 || w[i - 1] == ' ');
    int n_char_kinds = p->char_ngram_min > 0 ? p->char_ngram_max - p->char_ngram_min + 1 : 0;
    size_t need = 2 * n_words + (size_t)n_char_kinds * (len + 2);
    if (need > (size_t)0x7fffffff / 2) return err_set(e, "featurise: text of %zu bytes is too long", len);
    if ((int)need > b->cap) {
        tox_feat *nf = realloc(b->feats, (need ? need : 1) * sizeof *nf);
        if (!nf) return err_set(e, "featurise: out of memory for %zu features", need);
        b->feats = nf;
        b->cap = (int)need;
    }
    tox_feat *f = b->feats;
    int n = 0;
    /* word block */
    size_t prev_start = 0;
    int have_prev = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && w[j] != ' ') j++;
        add(p, f, &n, 'w', w + i, j - i);
        if (p->word_bigrams && have_prev) add(p, f, &n, 'b', w + prev_start, j - prev_start);
        prev_start = i;
        have_prev = 1;
        i = j + 1;
    }
    int n_word = merge(f, n);
    unit_norm(f, n_word);
    /* character block, after the word block in the same buffer */
    tox_feat *fc = f + n_word;
    int nc = 0;
    if (len > 0) {
        for (int k = p->char_ngram_min; n_char_kinds > 0 && k <= p->char_ngram_max; k++)
            for (size_t i = 0; i + (size_t)k <= len + 2; i++) add(p, fc, &nc, 'c', pad + i, (size_t)k);
    }
    nc = merge(fc, nc);
    unit_norm(fc, nc);
    b->n = merge(f, n_word + nc);
    return 0;
}
