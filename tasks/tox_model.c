/* tasks/tox_model.c: logistic regression by L-BFGS, prediction, and the
 * model file. */
#include "tasks/tox_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "tasks/tox_metrics.h"

static const char MODEL_MAGIC[8] = {'G', 'R', 'T', 'O', 'X', 'L', 'R', 0};

#define DEFAULT_MAX_ITERS 500
#define DEFAULT_GRAD_TOL 1e-6
#define DEFAULT_HOLDOUT_PCT 10
#define MAX_HOLDOUT_PCT 50
#define SPLIT_SEED 0x746f786963697479ull /* "toxicity": fixed so the split never moves */

/* L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 7.5
 * with the two-loop recursion, Algorithm 7.4) and a backtracking line
 * search on the Armijo condition (their Algorithm 3.1). */
#define LBFGS_HISTORY 10
#define ARMIJO_C1 1e-4
#define BACKTRACK_SHRINK 0.5
#define BACKTRACK_MAX 50
#define CURVATURE_MIN 1e-12   /* s.y below this: the pair is not kept */
#define REL_LOSS_TOL 1e-12    /* stop when an iteration improves the loss less than this, relatively */

struct tox_model {
    tox_feat_params fp;
    tox_train_opts opts;
    tox_model_metrics metrics;
    double bias;
    float *w; /* 2^hash_bits */
    char data_sha256[65];
    char checksum[65];
};

void tox_train_opts_default(tox_train_opts *o) {
    o->l2 = TOX_DEFAULT_L2;
    o->max_iters = DEFAULT_MAX_ITERS;
    o->grad_tol = DEFAULT_GRAD_TOL;
    o->holdout_pct = DEFAULT_HOLDOUT_PCT;
}

int tox_is_heldout(const char *text, int holdout_pct) {
    if (holdout_pct <= 0) return 0;
    size_t len = tox_normalize(text, NULL, 0);
    char small[512];
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (!buf) return 0; /* out of memory: treat as training data */
    tox_normalize(text, buf, len + 1);
    uint64_t h = tox_feature_hash(SPLIT_SEED, 's', buf, len);
    if (buf != small) free(buf);
    return (int)(h % 100) < holdout_pct;
}

void tox_model_free(tox_model *m) {
    if (!m) return;
    free(m->w);
    free(m);
}

static double sigmoid(double z) {
    if (z >= 0) return 1.0 / (1.0 + exp(-z));
    double t = exp(z);
    return t / (1.0 + t);
}

/* log(1 + e^z) without overflow */
static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

/* ---- training data as compressed rows over the active slots ---- */

typedef struct csr {
    int n_rows, n_cols; /* n_cols: active slots */
    size_t *row;        /* n_rows + 1 */
    int *col;
    float *val;
    double *y;          /* 0 or 1 */
} csr;

static void csr_free(csr *c) {
    free(c->row);
    free(c->col);
    free(c->val);
    free(c->y);
}

/* Loss and gradient at theta = [w_active..., bias]:
 * f = mean_i (softplus(z_i) - y_i z_i) + l2/2 |w|^2, z_i = w.x_i + b. */
static double loss_grad(const csr *c, double l2, const double *theta, double *g) {
    int A = c->n_cols;
    double f = 0, b = theta[A];
    if (g) memset(g, 0, (size_t)(A + 1) * sizeof *g);
    for (int i = 0; i < c->n_rows; i++) {
        double z = b;
        for (size_t k = c->row[i]; k < c->row[i + 1]; k++) z += theta[c->col[k]] * c->val[k];
        f += softplus(z) - c->y[i] * z;
        if (g) {
            double r = sigmoid(z) - c->y[i];
            for (size_t k = c->row[i]; k < c->row[i + 1]; k++) g[c->col[k]] += r * c->val[k];
            g[A] += r;
        }
    }
    double inv_n = 1.0 / c->n_rows, reg = 0;
    for (int j = 0; j < A; j++) reg += theta[j] * theta[j];
    f = f * inv_n + 0.5 * l2 * reg;
    if (g) {
        for (int j = 0; j < A; j++) g[j] = g[j] * inv_n + l2 * theta[j];
        g[A] *= inv_n;
    }
    return f;
}

static double dot(const double *a, const double *b, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double max_abs(const double *a, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fabs(a[i]) > m ? fabs(a[i]) : m;
    return m;
}

/* Minimises loss_grad from theta = 0; theta holds the result. */
static int lbfgs(const csr *c, const tox_train_opts *o, double *theta, errbuf *e) {
    const int n = c->n_cols + 1, M = LBFGS_HISTORY;
    double *mem = calloc((size_t)n * (2 * M + 4), sizeof *mem);
    if (!mem) return err_set(e, "train: out of memory for %d parameters", n);
    double *S = mem, *Y = S + (size_t)M * n, *g = Y + (size_t)M * n, *d = g + n, *x_new = d + n, *g_new = x_new + n;
    double rho[LBFGS_HISTORY], alpha[LBFGS_HISTORY];
    int n_mem = 0, head = 0; /* pairs stored; next slot to overwrite */
    memset(theta, 0, (size_t)n * sizeof *theta);
    double f = loss_grad(c, o->l2, theta, g);
    for (int it = 0; it < o->max_iters && max_abs(g, n) > o->grad_tol; it++) {
        /* two-loop recursion: d = -H g */
        for (int i = 0; i < n; i++) d[i] = -g[i];
        for (int k = 0; k < n_mem; k++) {
            int j = (head - 1 - k + M) % M;
            alpha[j] = rho[j] * dot(S + (size_t)j * n, d, n);
            for (int i = 0; i < n; i++) d[i] -= alpha[j] * Y[(size_t)j * n + i];
        }
        if (n_mem > 0) {
            int j = (head - 1 + M) % M;
            double gamma = dot(S + (size_t)j * n, Y + (size_t)j * n, n) / dot(Y + (size_t)j * n, Y + (size_t)j * n, n);
            for (int i = 0; i < n; i++) d[i] *= gamma;
        }
        for (int k = n_mem - 1; k >= 0; k--) {
            int j = (head - 1 - k + M) % M;
            double beta = rho[j] * dot(Y + (size_t)j * n, d, n);
            for (int i = 0; i < n; i++) d[i] += (alpha[j] - beta) * S[(size_t)j * n + i];
        }
        double dg = dot(d, g, n);
        if (!(dg < 0)) { /* not a descent direction: restart from steepest descent */
            for (int i = 0; i < n; i++) d[i] = -g[i];
            dg = dot(d, g, n);
            n_mem = 0;
        }
        double t = 1, f_new = f;
        int ok = 0;
        for (int bt = 0; bt < BACKTRACK_MAX; bt++, t *= BACKTRACK_SHRINK) {
            for (int i = 0; i < n; i++) x_new[i] = theta[i] + t * d[i];
            f_new = loss_grad(c, o->l2, x_new, NULL);
            if (f_new <= f + ARMIJO_C1 * t * dg) {
                ok = 1;
                break;
            }
        }
        if (!ok) break; /* no decrease possible at double precision: converged */
        loss_grad(c, o->l2, x_new, g_new);
        double *s = S + (size_t)head * n, *y = Y + (size_t)head * n;
        for (int i = 0; i < n; i++) {
            s[i] = x_new[i] - theta[i];
            y[i] = g_new[i] - g[i];
        }
        double sy = dot(s, y, n);
        if (sy > CURVATURE_MIN) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % M;
            if (n_mem < M) n_mem++;
        }
        memcpy(theta, x_new, (size_t)n * sizeof *theta);
        memcpy(g, g_new, (size_t)n * sizeof *g);
        double improve = f - f_new;
        f = f_new;
        if (improve <= REL_LOSS_TOL * (fabs(f) > 1 ? fabs(f) : 1)) break;
    }
    free(mem);
    return 0;
}

static int check_train_opts(const tox_train_opts *o, errbuf *e) {
    if (!(o->l2 >= 0) || !isfinite(o->l2)) return err_set(e, "train: l2 %g: expected a finite number >= 0", o->l2);
    if (o->max_iters < 1) return err_set(e, "train: max_iters %d: expected >= 1", o->max_iters);
    if (o->holdout_pct < 0 || o->holdout_pct > MAX_HOLDOUT_PCT)
        return err_set(e, "train: holdout_pct %d: expected 0..%d", o->holdout_pct, MAX_HOLDOUT_PCT);
    return 0;
}

static void data_sha256(const tox_example *ex, int n, char out[65]) {
    sha256_ctx c;
    sha256_init(&c);
    for (int i = 0; i < n; i++) {
        char head[4];
        int hn = snprintf(head, sizeof head, "%c%s\t", ex[i].label ? '1' : '0', ex[i].train_only ? "+" : "");
        sha256_update(&c, head, (size_t)hn);
        sha256_update(&c, ex[i].text, strlen(ex[i].text));
        sha256_update(&c, "\n", 1);
    }
    unsigned char d[32];
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- serialisation ---- */

static void put_u32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put_f64(unsigned char *p, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(p, u);
}
static uint32_t get_u32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static double get_f64(const unsigned char *p) {
    uint64_t u = get_u64(p);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

_Static_assert(TOX_MODEL_HEADER_BYTES == 108 + 64, "the header ends with the data SHA-256");

static size_t file_bytes_for(int hash_bits) {
    return TOX_MODEL_HEADER_BYTES + ((size_t)4 << hash_bits) + TOX_MODEL_TRAILER_BYTES;
}

static void digest_hex(const unsigned char d[32], char out[65]) {
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The whole file in a heap buffer (caller frees); also sets m->checksum. */
static unsigned char *serialize(tox_model *m, size_t *n_bytes) {
    size_t n = file_bytes_for(m->fp.hash_bits), n_w = (size_t)1 << m->fp.hash_bits;
    unsigned char *b = calloc(1, n);
    if (!b) return NULL;
    const tox_model_metrics *mt = &m->metrics;
    memcpy(b, MODEL_MAGIC, 8);
    put_u32(b + 8, TOX_MODEL_VERSION);
    put_u32(b + 12, (uint32_t)m->fp.hash_bits);
    put_u32(b + 16, (uint32_t)m->fp.word_bigrams);
    put_u32(b + 20, (uint32_t)m->fp.char_ngram_min);
    put_u32(b + 24, (uint32_t)m->fp.char_ngram_max);
    put_u32(b + 28, (uint32_t)m->opts.holdout_pct);
    put_u64(b + 32, m->fp.hash_seed);
    put_f64(b + 40, m->opts.l2);
    put_f64(b + 48, m->bias);
    put_f64(b + 56, mt->heldout_acc);
    put_f64(b + 64, mt->heldout_auc);
    put_f64(b + 72, mt->train_acc);
    put_f64(b + 80, mt->train_auc);
    put_u32(b + 88, (uint32_t)mt->n_train);
    put_u32(b + 92, (uint32_t)mt->n_train_toxic);
    put_u32(b + 96, (uint32_t)mt->n_heldout);
    put_u32(b + 100, (uint32_t)mt->n_heldout_toxic);
    put_u32(b + 104, (uint32_t)mt->n_train_only);
    memcpy(b + 108, m->data_sha256, 64);
    for (size_t i = 0; i < n_w; i++) {
        uint32_t u;
        memcpy(&u, &m->w[i], 4);
        put_u32(b + TOX_MODEL_HEADER_BYTES + 4 * i, u);
    }
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, b, n - TOX_MODEL_TRAILER_BYTES);
    sha256_final(&c, b + n - TOX_MODEL_TRAILER_BYTES);
    digest_hex(b + n - TOX_MODEL_TRAILER_BYTES, m->checksum);
    *n_bytes = n;
    return b;
}

/* ---- training ---- */

static int measure(const tox_model *m, const tox_example *ex, int n, const int *held, int want_held, double *acc,
                   double *auc, errbuf *e) {
    const char **texts = malloc(((size_t)n + 1) * sizeof *texts);
    double *p = malloc(((size_t)n + 1) * sizeof *p);
    int *y = malloc(((size_t)n + 1) * sizeof *y);
    int k = 0, rc = 0;
    if (!texts || !p || !y) {
        rc = err_set(e, "train: out of memory measuring %d texts", n);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (held[i] != want_held) continue;
        texts[k] = ex[i].text;
        y[k++] = ex[i].label != 0;
    }
    if (tox_model_predict(m, texts, k, p, e) != 0) {
        rc = -1;
        goto done;
    }
    *acc = tox_accuracy(p, y, k);
    if (tox_auc(p, y, k, auc) != 0) rc = err_set(e, "train: out of memory computing AUC");
done:
    free(texts);
    free(p);
    free(y);
    return rc;
}

tox_model *tox_model_train(const tox_feat_params *fp, const tox_train_opts *o, const tox_example *ex, int n,
                           errbuf *e) {
    tox_train_opts dflt;
    if (!o) {
        tox_train_opts_default(&dflt);
        o = &dflt;
    }
    if (tox_feat_params_check(fp, e) != 0) {
        err_prefix(e, "train: features");
        return NULL;
    }
    if (check_train_opts(o, e) != 0) return NULL;
    if (n <= 0) {
        err_set(e, "train: no examples");
        return NULL;
    }
    const size_t n_slots = (size_t)1 << fp->hash_bits;
    tox_model *m = calloc(1, sizeof *m);
    int *held = calloc((size_t)n, sizeof *held);
    int32_t *slot_col = malloc(n_slots * sizeof *slot_col);
    csr c = {0};
    double *theta = NULL;
    tox_featbuf fb;
    tox_featbuf_init(&fb);
    if (!m || !held || !slot_col) goto oom;
    m->fp = *fp;
    m->opts = *o;
    m->w = calloc(n_slots, sizeof *m->w);
    if (!m->w) goto oom;
    data_sha256(ex, n, m->data_sha256);
    int n_train = 0, n_pos = 0;
    for (int i = 0; i < n; i++) {
        if (!ex[i].text) {
            err_set(e, "train: example %d has no text", i);
            goto fail;
        }
        held[i] = !ex[i].train_only && tox_is_heldout(ex[i].text, o->holdout_pct);
        if (!held[i]) {
            n_train++;
            n_pos += ex[i].label != 0;
        }
    }
    if (n_train == 0 || n_pos == 0 || n_pos == n_train) {
        err_set(e, "train: the training split (%d of %d examples, %d toxic) needs both toxic and benign examples",
                n_train, n, n_pos);
        goto fail;
    }
    /* rows over active slots: a slot no training text touches keeps weight 0
     * at the optimum (its gradient is l2 * w), so it is left out */
    for (size_t s = 0; s < n_slots; s++) slot_col[s] = -1;
    size_t cap = 0, nnz = 0;
    c.n_rows = n_train;
    c.row = malloc(((size_t)n_train + 1) * sizeof *c.row);
    c.y = malloc((size_t)n_train * sizeof *c.y);
    if (!c.row || !c.y) goto oom;
    int r = 0;
    c.row[0] = 0;
    for (int i = 0; i < n; i++) {
        if (held[i]) continue;
        if (tox_featurize(fp, ex[i].text, &fb, e) != 0) goto fail;
        if (nnz + (size_t)fb.n > cap) {
            size_t nc = (nnz + (size_t)fb.n) * 2;
            int *col = realloc(c.col, nc * sizeof *col);
            if (col) c.col = col;
            float *val = realloc(c.val, nc * sizeof *val);
            if (val) c.val = val;
            if (!col || !val) goto oom;
            cap = nc;
        }
        for (int k = 0; k < fb.n; k++) {
            int32_t *sc = &slot_col[fb.feats[k].idx];
            if (*sc < 0) *sc = c.n_cols++;
            c.col[nnz] = *sc;
            c.val[nnz++] = fb.feats[k].val;
        }
        c.y[r] = ex[i].label != 0;
        c.row[++r] = nnz;
    }
    theta = malloc(((size_t)c.n_cols + 1) * sizeof *theta);
    if (!theta) goto oom;
    if (lbfgs(&c, o, theta, e) != 0) goto fail;
    for (size_t s = 0; s < n_slots; s++)
        if (slot_col[s] >= 0) m->w[s] = (float)theta[slot_col[s]];
    m->bias = theta[c.n_cols];
    tox_model_metrics *mt = &m->metrics;
    mt->n_train = n_train;
    mt->n_train_toxic = n_pos;
    for (int i = 0; i < n; i++) mt->n_train_only += ex[i].train_only != 0;
    for (int i = 0; i < n; i++) {
        if (!held[i]) continue;
        mt->n_heldout++;
        mt->n_heldout_toxic += ex[i].label != 0;
    }
    if (measure(m, ex, n, held, 0, &mt->train_acc, &mt->train_auc, e) != 0) goto fail;
    if (measure(m, ex, n, held, 1, &mt->heldout_acc, &mt->heldout_auc, e) != 0) goto fail;
    size_t n_bytes;
    unsigned char *bytes = serialize(m, &n_bytes); /* sets the checksum */
    if (!bytes) goto oom;
    free(bytes);
    goto done;
oom:
    err_set(e, "train: out of memory (%d examples, 2^%d feature slots)", n, fp->hash_bits);
fail:
    tox_model_free(m);
    m = NULL;
done:
    tox_featbuf_deinit(&fb);
    csr_free(&c);
    free(theta);
    free(slot_col);
    free(held);
    return m;
}

int tox_model_predict(const tox_model *m, const char *const *texts, int n, double *p, errbuf *e) {
    tox_featbuf fb;
    tox_featbuf_init(&fb);
    for (int i = 0; i < n; i++) {
        if (tox_featurize(&m->fp, texts[i], &fb, e) != 0) {
            tox_featbuf_deinit(&fb);
            return -1;
        }
        double z = m->bias;
        for (int k = 0; k < fb.n; k++) z += (double)m->w[fb.feats[k].idx] * fb.feats[k].val;
        p[i] = sigmoid(z);
    }
    tox_featbuf_deinit(&fb);
    return 0;
}

/* ---- files ---- */

int tox_model_save(const tox_model *m, const char *path, errbuf *e) {
    size_t n;
    unsigned char *b = serialize((tox_model *)m, &n); /* recomputes the same checksum */
    if (!b) return err_set(e, "%s: out of memory writing the model", path);
    int rc = file_write_atomic(path, b, n, e);
    free(b);
    return rc;
}

static int metric_ok(double v) { return isnan(v) || (v >= 0 && v <= 1); }

tox_model *tox_model_parse(const void *data, size_t n_bytes, const char *name, errbuf *e) {
    const unsigned char *b = data;
    if (n_bytes < 8 && memcmp(b, MODEL_MAGIC, n_bytes) == 0) {
        err_set(e, "%s: truncated: %zu bytes, shorter than the %d-byte header and checksum", name, n_bytes,
                TOX_MODEL_HEADER_BYTES + TOX_MODEL_TRAILER_BYTES);
        return NULL;
    }
    if (n_bytes < 8 || memcmp(b, MODEL_MAGIC, 8) != 0) {
        err_set(e, "%s: not a griffin toxicity model (expected the magic \"GRTOXLR\\0\" in the first 8 bytes)", name);
        return NULL;
    }
    if (n_bytes < TOX_MODEL_HEADER_BYTES + TOX_MODEL_TRAILER_BYTES) {
        err_set(e, "%s: truncated: %zu bytes, shorter than the %d-byte header and checksum", name, n_bytes,
                TOX_MODEL_HEADER_BYTES + TOX_MODEL_TRAILER_BYTES);
        return NULL;
    }
    uint32_t version = get_u32(b + 8);
    if (version != TOX_MODEL_VERSION) {
        err_set(e, "%s: model format version %u, this build reads version %d (retrain with griffin toxicity train)",
                name, version, TOX_MODEL_VERSION);
        return NULL;
    }
    uint32_t bits = get_u32(b + 12);
    if (bits < TOX_HASH_BITS_MIN || bits > TOX_HASH_BITS_MAX) {
        err_set(e, "%s: hash_bits %u at offset 12: expected %d..%d", name, bits, TOX_HASH_BITS_MIN, TOX_HASH_BITS_MAX);
        return NULL;
    }
    size_t want = file_bytes_for((int)bits);
    if (n_bytes != want) {
        err_set(e, "%s: %s: %zu bytes, expected %zu for 2^%u weights", name,
                n_bytes < want ? "truncated" : "trailing bytes", n_bytes, want, bits);
        return NULL;
    }
    unsigned char d[32];
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, b, n_bytes - TOX_MODEL_TRAILER_BYTES);
    sha256_final(&c, d);
    if (memcmp(d, b + n_bytes - TOX_MODEL_TRAILER_BYTES, 32) != 0) {
        err_set(e, "%s: checksum mismatch: the SHA-256 of the first %zu bytes does not match the last 32 "
                "(the file is corrupt)", name, n_bytes - TOX_MODEL_TRAILER_BYTES);
        return NULL;
    }
    tox_model *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, "%s: out of memory", name);
        return NULL;
    }
    m->fp.hash_bits = (int)bits;
    m->fp.word_bigrams = (int)get_u32(b + 16);
    m->fp.char_ngram_min = (int)get_u32(b + 20);
    m->fp.char_ngram_max = (int)get_u32(b + 24);
    m->fp.hash_seed = get_u64(b + 32);
    tox_train_opts_default(&m->opts);
    m->opts.holdout_pct = (int)get_u32(b + 28);
    m->opts.l2 = get_f64(b + 40);
    m->bias = get_f64(b + 48);
    tox_model_metrics *mt = &m->metrics;
    mt->heldout_acc = get_f64(b + 56);
    mt->heldout_auc = get_f64(b + 64);
    mt->train_acc = get_f64(b + 72);
    mt->train_auc = get_f64(b + 80);
    mt->n_train = (int)get_u32(b + 88);
    mt->n_train_toxic = (int)get_u32(b + 92);
    mt->n_heldout = (int)get_u32(b + 96);
    mt->n_heldout_toxic = (int)get_u32(b + 100);
    mt->n_train_only = (int)get_u32(b + 104);
    memcpy(m->data_sha256, b + 108, 64);
    m->data_sha256[64] = 0;
    digest_hex(d, m->checksum);
    if (tox_feat_params_check(&m->fp, e) != 0) {
        err_prefix(e, "%s: feature parameters", name);
        goto fail;
    }
    if (m->opts.holdout_pct < 0 || m->opts.holdout_pct > MAX_HOLDOUT_PCT || !(m->opts.l2 >= 0) ||
        !isfinite(m->bias)) {
        err_set(e, "%s: header: holdout_pct %d, l2 %g, bias %g: expected 0..%d, >= 0 and finite", name,
                m->opts.holdout_pct, m->opts.l2, m->bias, MAX_HOLDOUT_PCT);
        goto fail;
    }
    if (!metric_ok(mt->heldout_acc) || !metric_ok(mt->heldout_auc) || !metric_ok(mt->train_acc) ||
        !metric_ok(mt->train_auc) || mt->n_train < 0 || mt->n_heldout < 0 || mt->n_train_toxic > mt->n_train ||
        mt->n_heldout_toxic > mt->n_heldout || mt->n_train_toxic < 0 || mt->n_heldout_toxic < 0 ||
        mt->n_train_only < 0 || mt->n_train_only > mt->n_train) {
        err_set(e, "%s: header metrics out of range (accuracy and AUC in [0, 1] or NaN, counts consistent)", name);
        goto fail;
    }
    for (int i = 0; i < 64; i++) {
        char h = m->data_sha256[i];
        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f'))) {
            err_set(e, "%s: training data SHA-256 at offset 108: expected 64 lowercase hex digits", name);
            goto fail;
        }
    }
    size_t n_w = (size_t)1 << bits;
    m->w = malloc(n_w * sizeof *m->w);
    if (!m->w) {
        err_set(e, "%s: out of memory for 2^%u weights", name, bits);
        goto fail;
    }
    for (size_t i = 0; i < n_w; i++) {
        uint32_t u = get_u32(b + TOX_MODEL_HEADER_BYTES + 4 * i);
        memcpy(&m->w[i], &u, 4);
        if (!isfinite(m->w[i])) {
            err_set(e, "%s: weight %zu is not finite", name, i);
            goto fail;
        }
    }
    return m;
fail:
    tox_model_free(m);
    return NULL;
}

#define MODEL_FILE_MAX_BYTES ((size_t)TOX_MODEL_HEADER_BYTES + ((size_t)4 << TOX_HASH_BITS_MAX) + 64)

tox_model *tox_model_load(const char *path, errbuf *e) {
    size_t n;
    char *b = file_read_all(path, MODEL_FILE_MAX_BYTES, &n, e);
    if (!b) return NULL;
    tox_model *m = tox_model_parse(b, n, path, e);
    free(b);
    return m;
}

const tox_model_metrics *tox_model_get_metrics(const tox_model *m) { return &m->metrics; }
const tox_feat_params *tox_model_get_feat_params(const tox_model *m) { return &m->fp; }
const tox_train_opts *tox_model_get_train_opts(const tox_model *m) { return &m->opts; }
const char *tox_model_data_sha256(const tox_model *m) { return m->data_sha256; }
const char *tox_model_checksum(const tox_model *m) { return m->checksum; }
const float *tox_model_weights(const tox_model *m) { return m->w; }
double tox_model_bias(const tox_model *m) { return m->bias; }
