/* tasks/tox_toxigen.c: ToxiGen's hate_* / neutral_* files to labelled,
 * deduplicated sentences (a stopgap until datasets/ lands; see the header). */
#include "tasks/tox_toxigen.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "tasks/tox_features.h"

#define TOXIGEN_FILE_MAX_BYTES ((size_t)64 << 20)
#define TOXIGEN_MAX_DEPTH 4         /* toxigen/demonstrations/<kind>/file */
#define TOXIGEN_MAX_SENTENCES_LINE 64

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int tox_toxigen_split(const char *line, size_t n, tox_span *spans, int cap) {
    int count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        /* a literal backslash-n (the files), or a real newline (the datasets
         * layer's records, which turn the former into the latter) */
        int sep_len = i + 1 < n && line[i] == '\\' && line[i + 1] == 'n' ? 2 : i < n && line[i] == '\n' ? 1 : 0;
        if (i < n && !sep_len) continue;
        size_t a = start, b = i;
        while (a < b && is_space(line[a])) a++;
        if (a < b && line[a] == '-') a++;
        while (a < b && is_space(line[a])) a++;
        while (b > a && is_space(line[b - 1])) b--;
        if (b > a) {
            if (count < cap) spans[count] = (tox_span){a, b - a};
            count++;
        }
        start = i + (size_t)sep_len;
        if (sep_len == 2) i++;
    }
    return count;
}

/* ---- building the set ---- */

typedef struct item {
    char *text;
    char *norm;
    int label;
    int train_only;
    int order; /* insertion order: the first of duplicates is kept */
} item;

struct tox_dataset_items {
    item *items;
    int n, cap;
};

static int ensure_items(tox_dataset *d, errbuf *e) {
    if (d->items) return 0;
    d->items = calloc(1, sizeof *d->items);
    return d->items ? 0 : err_set(e, "toxigen: out of memory");
}

int tox_dataset_add(tox_dataset *d, const char *text, size_t len, int label, int train_only, errbuf *e) {
    if (ensure_items(d, e) != 0) return -1;
    struct tox_dataset_items *h = d->items;
    if (h->n == h->cap) {
        int nc = h->cap ? h->cap * 2 : 256;
        item *ni = realloc(h->items, (size_t)nc * sizeof *ni);
        if (!ni) return err_set(e, "toxigen: out of memory for %d sentences", nc);
        h->items = ni;
        h->cap = nc;
    }
    item *it = &h->items[h->n];
    it->text = strndup(text, len);
    if (!it->text) return err_set(e, "toxigen: out of memory");
    size_t nl = tox_normalize(it->text, NULL, 0);
    it->norm = malloc(nl + 1);
    if (!it->norm) {
        free(it->text);
        return err_set(e, "toxigen: out of memory");
    }
    tox_normalize(it->text, it->norm, nl + 1);
    it->label = label != 0;
    it->train_only = train_only != 0;
    it->order = h->n++;
    return 0;
}

static int cmp_item(const void *a, const void *b) {
    const item *x = a, *y = b;
    int c = strcmp(x->norm, y->norm);
    if (c) return c;
    return (x->order > y->order) - (x->order < y->order);
}

int tox_dataset_finish(tox_dataset *d, errbuf *e) {
    if (ensure_items(d, e) != 0) return -1;
    struct tox_dataset_items *h = d->items;
    qsort(h->items, (size_t)h->n, sizeof *h->items, cmp_item);
    /* Of each run of equal normalised texts keep the first; a run whose
     * labels disagree is dropped, and so are texts that normalise to
     * nothing. train_only items count only in runs without a main item: an
     * extra sentence never displaces or vetoes a ToxiGen one. */
    int k = 0;
    for (int i = 0; i < h->n;) {
        int j = i, n_main = 0;
        while (j < h->n && strcmp(h->items[j].norm, h->items[i].norm) == 0) n_main += !h->items[j++].train_only;
        int first = -1, mixed = 0;
        for (int t = i; t < j; t++) {
            if (n_main > 0 && h->items[t].train_only) continue;
            if (first < 0) first = t;
            else mixed |= h->items[t].label != h->items[first].label;
        }
        int keep = !mixed && h->items[i].norm[0] != 0;
        d->n_conflicts += mixed; /* cumulative over repeated finishes */
        for (int t = i; t < j; t++) {
            if (keep && t == first) {
                h->items[k++] = h->items[t];
            } else {
                free(h->items[t].text);
                free(h->items[t].norm);
            }
        }
        i = j;
    }
    h->n = k;
    tox_example *ex = realloc(d->ex, ((size_t)k + 1) * sizeof *ex);
    if (!ex) return err_set(e, "toxigen: out of memory for %d examples", k);
    d->ex = ex;
    d->n = k;
    d->n_toxic = d->n_train_only = 0;
    for (int i = 0; i < k; i++) {
        h->items[i].order = i; /* a later finish keeps what this one kept first */
        d->ex[i] = (tox_example){h->items[i].text, h->items[i].label, h->items[i].train_only};
        d->n_toxic += d->ex[i].label;
        d->n_train_only += d->ex[i].train_only;
    }
    return 0;
}

void tox_dataset_deinit(tox_dataset *d) {
    struct tox_dataset_items *h = d->items;
    if (h) {
        for (int i = 0; i < h->n; i++) {
            free(h->items[i].text);
            free(h->items[i].norm);
        }
        free(h->items);
        free(h);
    }
    free(d->ex);
    memset(d, 0, sizeof *d);
}

/* ---- the file walk ---- */

typedef struct pathlist {
    char **p;
    int n, cap;
} pathlist;

static int label_of(const char *name) {
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 4, ".txt") != 0) return -1;
    if (strncmp(name, "hate_", 5) == 0) return 1;
    if (strncmp(name, "neutral_", 8) == 0) return 0;
    return -1;
}

static int walk(const char *dir, int depth, pathlist *pl, errbuf *e) {
    DIR *dp = opendir(dir);
    if (!dp) return err_errno(e, "%s", dir);
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(dp))) {
        if (de->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *path = malloc(n);
        if (!path) {
            rc = err_set(e, "%s: out of memory", dir);
            break;
        }
        snprintf(path, n, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            rc = err_errno(e, "%s", path);
            free(path);
            break;
        }
        if (S_ISDIR(st.st_mode) && depth < TOXIGEN_MAX_DEPTH) {
            rc = walk(path, depth + 1, pl, e);
            free(path);
        } else if (S_ISREG(st.st_mode) && label_of(de->d_name) >= 0) {
            if (pl->n == pl->cap) {
                int nc = pl->cap ? pl->cap * 2 : 64;
                char **np = realloc(pl->p, (size_t)nc * sizeof *np);
                if (!np) {
                    free(path);
                    rc = err_set(e, "%s: out of memory", dir);
                    break;
                }
                pl->p = np;
                pl->cap = nc;
            }
            pl->p[pl->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(dp);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int read_file(tox_dataset *d, const char *path, errbuf *e) {
    const char *base = strrchr(path, '/');
    int label = label_of(base ? base + 1 : path);
    size_t n;
    char *buf = file_read_all(path, TOXIGEN_FILE_MAX_BYTES, &n, e);
    if (!buf) return -1;
    int rc = 0;
    tox_span spans[TOXIGEN_MAX_SENTENCES_LINE];
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && buf[j] != '\n') j++;
        int k = tox_toxigen_split(buf + i, j - i, spans, TOXIGEN_MAX_SENTENCES_LINE);
        if (k > TOXIGEN_MAX_SENTENCES_LINE) {
            rc = err_set(e, "%s: a line holds %d sentences, more than the %d expected of a ToxiGen prompt", path, k,
                         TOXIGEN_MAX_SENTENCES_LINE);
            break;
        }
        d->n_lines += k > 0;
        d->n_sentences += k;
        for (int s = 0; s < k && rc == 0; s++) rc = tox_dataset_add(d, buf + i + spans[s].off, spans[s].len, label, 0, e);
        i = j + 1;
    }
    free(buf);
    return rc;
}

int tox_toxigen_load(const char *dir, tox_dataset *d, errbuf *e) {
    memset(d, 0, sizeof *d);
    pathlist pl = {0};
    int rc = walk(dir, 0, &pl, e);
    if (rc == 0 && pl.n == 0)
        rc = err_set(e, "%s: no hate_*.txt or neutral_*.txt files below it (expected ToxiGen's prompts/ and "
                     "demonstrations/ folders)", dir);
    if (rc == 0) qsort(pl.p, (size_t)pl.n, sizeof *pl.p, cmp_str);
    for (int i = 0; rc == 0 && i < pl.n; i++) {
        rc = read_file(d, pl.p[i], e);
        d->n_files++;
    }
    for (int i = 0; i < pl.n; i++) free(pl.p[i]);
    free(pl.p);
    if (rc == 0) rc = tox_dataset_finish(d, e);
    if (rc == 0 && (d->n_toxic == 0 || d->n_toxic == d->n))
        rc = err_set(e, "%s: %d sentences, %d of them toxic: expected both hate_* and neutral_* files", dir, d->n,
                     d->n_toxic);
    if (rc != 0) tox_dataset_deinit(d);
    return rc;
}
