/* harness/cmd_roofline.c: `griffin roofline`, this machine's limits, and how
 * close the engine's kernels and whole model get to them.
 *
 *   griffin roofline                       the probes alone
 *   griffin roofline --kernels --preset 2b  the matrix products of a preset's
 *                                           shapes on synthetic weights
 *   griffin roofline --model DIR            the whole forward pass
 *
 * Every throughput is printed next to the limit measured in the same run:
 * decode as bytes read per second over the read bandwidth, prefill as
 * arithmetic per second over the peak f32 FMA and bf16 dot-product rates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/half.h"
#include "harness/cli.h"
#include "kernels/roofline.h"
#include "model/config.h"
#include "model/model.h"
#include "model/state.h"

#define MAX_POINTS 16

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ---- synthetic matrices of a preset's shapes ---- */

typedef struct syn_mat {
    wmat w;
    int gate; /* an RG-LRU gate: block-diagonal, n_heads blocks */
    void *data;
    f16 *scales, *offsets;
} syn_mat;

typedef struct syn_model {
    syn_mat *mats;
    int n_mats;
    int embed; /* index of the output embedding */
    size_t bytes;
    double matmul_params; /* weights used per token, the output embedding excluded */
} syn_model;

typedef struct fill_job {
    unsigned char *p;
    size_t n;
    int kind; /* 0 random bytes, 1 small bf16, 2 f16 scales */
    uint64_t seed;
} fill_job;

static void fill_task(void *arg, int ith, int nth) {
    fill_job *j = arg;
    long lo, hi;
    pool_split((long)(j->n / 2), ith, nth, &lo, &hi);
    uint64_t s = j->seed * 0x9e3779b97f4a7c15ull + (uint64_t)ith * 0xbf58476d1ce4e5b9ull + 1;
    uint16_t *q = (uint16_t *)j->p;
    for (long i = lo; i < hi; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        uint16_t r = (uint16_t)(s >> 24);
        if (j->kind == 1) q[i] = f32_to_bf16(((float)(r & 0x3ff) - 512.0f) / 16384.0f); /* |w| < 0.03 */
        else if (j->kind == 2) q[i] = f32_to_f16(1e-4f + (float)(r & 0xff) * 1e-5f);
        else q[i] = r;
    }
}

static void *syn_alloc(pool *p, size_t n, int kind, uint64_t seed) {
    n = (n + 63) / 64 * 64;
    unsigned char *b = aligned_alloc(64, n);
    if (!b) return NULL;
    fill_job j = {b, n, kind, seed};
    pool_run(p, fill_task, &j);
    return b;
}

static int syn_add(syn_model *s, pool *p, wtype t, int rows, int cols, int group, errbuf *e) {
    syn_mat *m = &s->mats[s->n_mats];
    memset(m, 0, sizeof *m);
    m->gate = group < 0;
    if (group < 0) group = 0;
    m->w = (wmat){.type = t, .rows = rows, .cols = cols, .group = group};
    const uint64_t seed = (uint64_t)s->n_mats + 1;
    const size_t ng = (size_t)rows * (size_t)k_n_groups(cols, group > 0 ? group : 1);
    size_t data_bytes = t == W_Q4 ? (size_t)rows * (size_t)k_q4_row_bytes(cols) : (size_t)rows * cols * wtype_bytes(t);
    m->data = syn_alloc(p, data_bytes, t == W_BF16 ? 1 : 0, seed);
    if (t == W_Q8 || t == W_Q4) m->scales = syn_alloc(p, ng * sizeof(f16), 2, seed + 1000);
    if (t == W_Q4) m->offsets = syn_alloc(p, ng * sizeof(f16), 2, seed + 2000);
    if (!m->data || ((t == W_Q8 || t == W_Q4) && !m->scales) || (t == W_Q4 && !m->offsets))
        return err_set(e, "out of memory allocating a %d x %d %s matrix", rows, cols, wtype_name(t));
    m->w.data = m->data;
    m->w.scales = m->scales;
    m->w.offsets = m->offsets;
    s->bytes += wmat_bytes(&m->w);
    s->n_mats++;
    return 0;
}

static void syn_free(syn_model *s) {
    for (int i = 0; i < s->n_mats; i++) {
        free(s->mats[i].data);
        free(s->mats[i].scales);
        free(s->mats[i].offsets);
    }
    free(s->mats);
}

/* The linear layers of a Griffin config, in forward order, in type t (the
 * RG-LRU gates stay bf16, as `griffin quantize` leaves them). */
static int syn_build(syn_model *s, const model_config *c, pool *p, wtype t, int group, errbuf *e) {
    memset(s, 0, sizeof *s);
    s->mats = calloc((size_t)c->n_layers * 9 + 1, sizeof *s->mats);
    if (!s->mats) return err_set(e, "out of memory");
    const int D = c->width, L = c->lru_width, M = c->mlp_width, q_dim = c->n_heads * c->head_dim,
              kv = c->n_kv_heads * c->head_dim;
    for (int i = 0; i < c->n_layers; i++) {
        int rc = 0;
        if (c->blocks[i] == BLOCK_RECURRENT) {
            rc |= syn_add(s, p, t, L, D, group, e);
            rc |= syn_add(s, p, t, L, D, group, e);
            rc |= syn_add(s, p, W_BF16, L, L / c->n_heads, -1, e); /* the gates, [L, bw] views */
            rc |= syn_add(s, p, W_BF16, L, L / c->n_heads, -1, e);
            rc |= syn_add(s, p, t, D, L, group, e);
            s->matmul_params += 3.0 * L * D + 2.0 * L * (L / c->n_heads);
        } else {
            rc |= syn_add(s, p, t, q_dim, D, group, e);
            rc |= syn_add(s, p, t, kv, D, group, e);
            rc |= syn_add(s, p, t, kv, D, group, e);
            rc |= syn_add(s, p, t, D, q_dim, group, e);
            s->matmul_params += 2.0 * q_dim * D + 2.0 * kv * D;
        }
        rc |= syn_add(s, p, t, M, D, group, e);
        rc |= syn_add(s, p, t, M, D, group, e);
        rc |= syn_add(s, p, t, D, M, group, e);
        s->matmul_params += 3.0 * M * D;
        if (rc) return -1;
    }
    s->embed = s->n_mats;
    return syn_add(s, p, W_BF16, c->vocab_size, D, 0, e); /* embeddings stay bf16 */
}

/* One pass over every matrix with n_tok tokens (the gate views as one
 * matmul each: the same bytes as the block-diagonal product); the output
 * embedding only for the last token when last_only. */
static double syn_pass(const kctx *k, const syn_model *s, float *x, float *y, int n_tok, int last_only) {
    uint64_t t0 = clock_now_ns();
    for (int i = 0; i < s->n_mats; i++) {
        const wmat *w = &s->mats[i].w;
        const int nt = (i == s->embed && last_only) ? 1 : n_tok;
        if (s->mats[i].gate) {
            k_blockdiag(k, y, w, x, NULL, nt, w->rows / w->cols, w->cols);
        } else {
            k_matmul(k, y, w, x, NULL, nt);
        }
    }
    return (double)(clock_now_ns() - t0) * 1e-9;
}

/* ---- pairing each timed run with the limit measured next to it ----
 *
 * The machine may be shared (other processes take bandwidth and cores at
 * random moments), so a fraction of a roofline measured minutes earlier
 * says little. Each decode rep is preceded by a read pass over a buffer
 * larger than the caches, each prefill rep by short peak-arithmetic passes;
 * a point's fraction is the median of the per-rep ratios. */
typedef struct pairing {
    const kctx *k;
    unsigned char *buf;
    size_t bytes;
} pairing;

static double paired_read_gbps(const pairing *pr) {
    return (double)pr->bytes / k_roofline_read_pass(pr->k, pr->buf, pr->bytes) * 1e-9;
}

/* ---- reporting ---- */

typedef struct point {
    char what[32];  /* "decode", "prefill" */
    char model[64]; /* the model directory's name ("synthetic" for --kernels) */
    char dtype[16];
    double speedup; /* tok/s relative to the first model, median of per-round ratios */
    int batch, tokens;
    double tok_per_s;
    double s;        /* median seconds per step (decode) or per pass (prefill) */
    double gbps;     /* decode: bytes read / s */
    double gflops;   /* prefill: arithmetic / s */
    double frac_bw, frac_f32, frac_bf16; /* medians of per-rep ratios to the paired limits */
    double lim_gbps, lim_f32, lim_bf16;  /* medians of the paired limits */
} point;

static void print_points(const k_roofline *r, const point *pts, int n, int json, const char *label) {
    if (json) {
        printf("{\"roofline\": {\"threads\": %d, \"features\": \"%s\", \"read_gbps\": %.3f, \"f32_gflops\": %.2f, "
               "\"bf16_gflops\": %.2f, \"int8_gops\": %.2f}, \"source\": \"%s\", \"points\": [",
               r->n_threads, r->features, r->read_gbps, r->f32_gflops, r->bf16_gflops, r->int8_gops, label);
        for (int i = 0; i < n; i++) {
            const point *p = &pts[i];
            printf("%s{\"what\": \"%s\", \"model\": \"%s\", \"dtype\": \"%s\", \"batch\": %d, \"tokens\": %d, "
                   "\"tok_per_s\": %.4g, \"speedup_vs_first\": %.4f, "
                   "\"seconds\": %.6g, \"gbps\": %.4g, \"gflops\": %.4g, \"frac_bandwidth\": %.4f, "
                   "\"frac_f32_peak\": %.4f, \"frac_bf16_peak\": %.4f, \"paired_read_gbps\": %.4g, "
                   "\"paired_f32_gflops\": %.4g, \"paired_bf16_gflops\": %.4g}",
                   i ? ", " : "", p->what, p->model, p->dtype, p->batch, p->tokens, p->tok_per_s, p->speedup, p->s, p->gbps,
                   p->gflops,
                   p->frac_bw, p->frac_f32, p->frac_bf16, p->lim_gbps, p->lim_f32, p->lim_bf16);
        }
        printf("]}\n");
        return;
    }
    printf("roofline (%d threads, %s): read %.2f GB/s, f32 FMA %.1f GFLOP/s, bf16 dot %.1f GFLOP/s, int8 dot %.1f "
           "GOP/s\n%s\n",
           r->n_threads, r->features, r->read_gbps, r->f32_gflops, r->bf16_gflops, r->int8_gops, label);
    printf("fractions: medians of per-rep ratios to the limit measured right before each rep (paired)\n");
    printf("%-8s %-12s %-8s %5s %6s %9s %7s %9s %7s %7s %7s %8s %8s %7s %7s\n", "what", "model", "dtype", "batch",
           "tokens", "tok/s", "x first", "s/step", "GB/s", "pairBW", "of BW", "GFLOP/s", "pairf32", "of f32", "of bf16");
    for (int i = 0; i < n; i++) {
        const point *p = &pts[i];
        printf("%-8s %-12s %-8s %5d %6d %9.3f %7.2f %9.4f %7.2f %7.2f %6.1f%% %8.1f %8.1f %6.1f%% %6.1f%%\n", p->what,
               p->model, p->dtype, p->batch, p->tokens, p->tok_per_s, p->speedup, p->s, p->gbps, p->lim_gbps,
               100 * p->frac_bw, p->gflops, p->lim_f32, 100 * p->frac_f32, 100 * p->frac_bf16);
    }
}

/* Fills a point from reps timings ts[] (seconds), units of work per rep
 * (bytes for decode, flops for prefill) and the paired limits. */
static void set_point(point *p, int reps, const double *ts, double bytes, double flops, const double *bw,
                      const double *f32, const double *bf16) {
    double t[64], fb[64], ff[64], fh[64], l1[64], l2[64], l3[64];
    for (int i = 0; i < reps; i++) {
        t[i] = ts[i];
        fb[i] = bw && bw[i] > 0 ? bytes / ts[i] * 1e-9 / bw[i] : 0;
        ff[i] = f32 && f32[i] > 0 ? flops / ts[i] * 1e-9 / f32[i] : 0;
        fh[i] = bf16 && bf16[i] > 0 ? flops / ts[i] * 1e-9 / bf16[i] : 0;
        l1[i] = bw ? bw[i] : 0;
        l2[i] = f32 ? f32[i] : 0;
        l3[i] = bf16 ? bf16[i] : 0;
    }
    p->s = median(t, reps);
    p->gbps = bytes / p->s * 1e-9;
    p->gflops = flops / p->s * 1e-9;
    p->frac_bw = median(fb, reps);
    p->frac_f32 = median(ff, reps);
    p->frac_bf16 = median(fh, reps);
    p->lim_gbps = median(l1, reps);
    p->lim_f32 = median(l2, reps);
    p->lim_bf16 = median(l3, reps);
}

static int parse_kind(const char *s, wtype *t, int *group) {
    if (strcmp(s, "bf16") == 0) *t = W_BF16;
    else if (strcmp(s, "f32") == 0) *t = W_F32;
    else if (strncmp(s, "int8", 4) == 0) *t = W_Q8;
    else if (strncmp(s, "q4", 2) == 0) *t = W_Q4;
    else return -1;
    const char *g = strchr(s, 'g');
    *group = (*t == W_Q8 || *t == W_Q4) ? (g ? atoi(g + 1) : (*t == W_Q8 ? 64 : 32)) : 0;
    if ((*t == W_Q8 || *t == W_Q4) && *group != 32 && *group != 64) return -1;
    return 0;
}

/* ---- the synthetic-kernel benchmark ---- */

static int bench_kernels(const kctx *k, const pairing *pr, const k_roofline *r, const char *preset, const cli_list *dtypes,
                         const long *batches, int n_batches, const long *lens, int n_lens, int reps, int json) {
    errbuf e;
    model_config c;
    if (config_preset(&c, preset, 256000, &e) != 0) return cli_usage_error("roofline", "--preset: %s", e.msg);
    if (c.arch != ARCH_GRIFFIN) return cli_usage_error("roofline", "--kernels needs a Griffin preset");
    point pts[MAX_POINTS * 4];
    int n = 0;
    long max_tok = 256;
    for (int i = 0; i < n_batches; i++) max_tok = batches[i] > max_tok ? batches[i] : max_tok;
    long wmax = c.mlp_width > c.width ? c.mlp_width : c.width;
    float *x = malloc((size_t)max_tok * wmax * sizeof(float));
    float *y = malloc((size_t)max_tok * (c.vocab_size > wmax ? c.vocab_size : wmax) * sizeof(float));
    if (!x || !y) {
        free(x);
        free(y);
        cli_error("roofline", "out of memory");
        return EXIT_RUNTIME;
    }
    for (long i = 0; i < max_tok * wmax; i++) x[i] = (float)((i * 7919) % 2001 - 1000) / 1000.0f;
    for (int d = 0; d < dtypes->n; d++) {
        wtype t;
        int group;
        if (parse_kind(dtypes->items[d], &t, &group) != 0) {
            free(x);
            free(y);
            return cli_usage_error("roofline", "--dtype: unknown kind '%s' (bf16, f32, int8, int8g32, q4, q4g64)",
                                   dtypes->items[d]);
        }
        syn_model s;
        fprintf(stderr, "griffin roofline: building %s matrices of the %s shapes...\n", dtypes->items[d], preset);
        if (syn_build(&s, &c, k->pool, t, group, &e) != 0) {
            cli_error("roofline", "%s", e.msg);
            syn_free(&s);
            free(x);
            free(y);
            return EXIT_RUNTIME;
        }
        syn_pass(k, &s, x, y, 1, 0); /* warm-up */
        for (int b = 0; b < n_batches && n < MAX_POINTS * 4; b++) {
            double ts[64], bw[64];
            for (int i = 0; i < reps; i++) {
                bw[i] = paired_read_gbps(pr);
                ts[i] = syn_pass(k, &s, x, y, (int)batches[b], 0);
            }
            point *p = &pts[n++];
            memset(p, 0, sizeof *p);
            snprintf(p->what, sizeof p->what, "decode");
            snprintf(p->model, sizeof p->model, "syn-%s", preset);
            snprintf(p->dtype, sizeof p->dtype, "%s", dtypes->items[d]);
            p->batch = (int)batches[b];
            p->tokens = 1;
            set_point(p, reps, ts, (double)s.bytes,
                      2.0 * (s.matmul_params + (double)c.vocab_size * c.width) * batches[b], bw, NULL, NULL);
            p->tok_per_s = batches[b] / p->s;
            fprintf(stderr, "  decode batch %ld: %.4f s/step\n", batches[b], p->s);
        }
        for (int l = 0; l < n_lens && n < MAX_POINTS * 4; l++) {
            double ts[64], pf[64], pb[64];
            for (int i = 0; i < reps; i++) {
                pf[i] = k_roofline_peak_pass(k, K_PEAK_F32, 0.1);
                pb[i] = k_roofline_peak_pass(k, K_PEAK_BF16, 0.1);
                ts[i] = 0;
                for (long t0 = 0; t0 < lens[l]; t0 += 256) {
                    int nt = lens[l] - t0 < 256 ? (int)(lens[l] - t0) : 256;
                    ts[i] += syn_pass(k, &s, x, y, nt, t0 + nt < lens[l]);
                }
            }
            point *p = &pts[n++];
            memset(p, 0, sizeof *p);
            snprintf(p->what, sizeof p->what, "prefill");
            snprintf(p->model, sizeof p->model, "syn-%s", preset);
            snprintf(p->dtype, sizeof p->dtype, "%s", dtypes->items[d]);
            p->batch = 1;
            p->tokens = (int)lens[l];
            set_point(p, reps, ts, 0, 2.0 * s.matmul_params * lens[l], NULL, pf, pb);
            p->tok_per_s = lens[l] / p->s;
            fprintf(stderr, "  prefill %ld: %.3f s\n", lens[l], p->s);
        }
        syn_free(&s);
    }
    free(x);
    free(y);
    char label[128];
    snprintf(label, sizeof label, "matrix products of the %s shapes, synthetic weights (no attention, scan, norms)",
             preset);
    print_points(r, pts, n, json, label);
    return EXIT_OK;
}

/* ---- the whole-model benchmark ---- */

typedef struct mrun {
    const char *dir;
    model *m;
    state **st;
    model_seq *seqs;
    float *logits;
} mrun;

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

/* A whole-model point of run u, cleared and named. */
static point *model_point(point *p, const char *what, const mrun *u, int batch, int tokens) {
    memset(p, 0, sizeof *p);
    snprintf(p->what, sizeof p->what, "%s", what);
    snprintf(p->model, sizeof p->model, "%s", base_name(u->dir));
    snprintf(p->dtype, sizeof p->dtype, "%s", model_dtype_name(u->m));
    p->batch = batch;
    p->tokens = tokens;
    return p;
}

/* Several models measured round-robin: each decode step (and each prefill
 * rep) of every model in turn, each paired with its own limit, so the
 * models see the same machine conditions and their speed ratios (to the
 * first model, medians of per-round ratios) are fair even when the
 * machine is shared. */
static int bench_model(const kctx *k, const pairing *pr, const k_roofline *r, const cli_list *dirs,
                       const long *batches, int n_batches, const long *lens, int n_lens, int reps, int steps,
                       int json) {
    errbuf e;
    const int nm = dirs->n;
    mrun runs[CLI_LIST_MAX];
    memset(runs, 0, sizeof runs);
    point pts[MAX_POINTS * 4];
    int n = 0, rc = EXIT_RUNTIME;
    long max_b = 1, max_len = 16;
    for (int i = 0; i < n_batches; i++) max_b = batches[i] > max_b ? batches[i] : max_b;
    for (int i = 0; i < n_lens; i++) max_len = lens[i] > max_len ? lens[i] : max_len;
    const long n_toks = max_len > max_b + 16 ? max_len : max_b + 16;
    int32_t *toks = malloc((size_t)n_toks * sizeof *toks);
    if (!toks) goto oom;
    for (int mi = 0; mi < nm; mi++) {
        mrun *u = &runs[mi];
        u->dir = dirs->items[mi];
        if (!(u->m = model_load(u->dir, NULL, &e))) goto fail;
        if (model_cfg(u->m)->vocab_size != model_cfg(runs[0].m)->vocab_size) {
            err_set(&e, "%s and %s have different vocabularies", runs[0].dir, u->dir);
            goto fail;
        }
        u->st = calloc((size_t)max_b, sizeof *u->st);
        u->seqs = calloc((size_t)max_b, sizeof *u->seqs);
        u->logits = malloc((size_t)max_b * model_cfg(u->m)->vocab_size * sizeof(float));
        if (!u->st || !u->seqs || !u->logits) goto oom;
        for (long i = 0; i < max_b; i++)
            if (!(u->st[i] = state_create(u->m, &e))) goto fail;
    }
    const model_config *c0 = model_cfg(runs[0].m);
    for (long i = 0; i < n_toks; i++) toks[i] = (int32_t)(3 + (i * 7919) % (c0->vocab_size - 3));
    for (int b = 0; b < n_batches && n + nm <= MAX_POINTS * 4; b++) {
        const int B = (int)batches[b];
        /* A 16-token prompt each, then steps of one token per sequence. */
        for (int mi = 0; mi < nm; mi++) {
            mrun *u = &runs[mi];
            for (int i = 0; i < B; i++) {
                state_reset(u->st[i]);
                u->seqs[i] = (model_seq){.st = u->st[i], .tokens = toks + i % 8, .n_tokens = 16, .n_logits = 1,
                                         .logits = u->logits + (long)i * model_cfg(u->m)->vocab_size};
            }
            if (model_forward(u->m, k, u->seqs, B, &e) != 0) goto fail;
        }
        double ts[CLI_LIST_MAX][64], bw[CLI_LIST_MAX][64];
        const int n_steps = steps + 1 > 64 ? 64 : steps + 1;
        for (int s = 0; s < n_steps; s++)
            for (int mi = 0; mi < nm; mi++) {
                mrun *u = &runs[mi];
                bw[mi][s] = paired_read_gbps(pr);
                for (int i = 0; i < B; i++) {
                    u->seqs[i].tokens = toks + (s + i) % 16;
                    u->seqs[i].n_tokens = 1;
                }
                uint64_t t0 = clock_now_ns();
                if (model_forward(u->m, k, u->seqs, B, &e) != 0) goto fail;
                ts[mi][s] = (double)(clock_now_ns() - t0) * 1e-9;
            }
        for (int mi = 0; mi < nm; mi++) {
            point *p = model_point(&pts[n++], "decode", &runs[mi], B, 1);
            /* the first step is a warm-up */
            set_point(p, n_steps - 1, ts[mi] + 1, (double)model_weight_bytes(runs[mi].m),
                      config_forward_flops(model_cfg(runs[mi].m), 0, 1, 1) * B, bw[mi] + 1, NULL, NULL);
            p->tok_per_s = B / p->s;
            double rt[64];
            for (int s = 1; s < n_steps; s++) rt[s - 1] = ts[0][s] / ts[mi][s];
            p->speedup = median(rt, n_steps - 1);
            fprintf(stderr, "  %s decode batch %d: %.4f s/step\n", p->model, B, p->s);
        }
    }
    for (int l = 0; l < n_lens && n + nm <= MAX_POINTS * 4; l++) {
        double ts[CLI_LIST_MAX][64], pf[CLI_LIST_MAX][64], pb[CLI_LIST_MAX][64];
        for (int i = 0; i < reps; i++)
            for (int mi = 0; mi < nm; mi++) {
                mrun *u = &runs[mi];
                pf[mi][i] = k_roofline_peak_pass(k, K_PEAK_F32, 0.1);
                pb[mi][i] = k_roofline_peak_pass(k, K_PEAK_BF16, 0.1);
                state_reset(u->st[0]);
                model_seq q = {.st = u->st[0], .tokens = toks, .n_tokens = (int)lens[l], .n_logits = 1, .logits = u->logits};
                uint64_t t0 = clock_now_ns();
                if (model_forward(u->m, k, &q, 1, &e) != 0) goto fail;
                ts[mi][i] = (double)(clock_now_ns() - t0) * 1e-9;
            }
        for (int mi = 0; mi < nm; mi++) {
            point *p = model_point(&pts[n++], "prefill", &runs[mi], 1, (int)lens[l]);
            set_point(p, reps, ts[mi], 0, config_forward_flops(model_cfg(runs[mi].m), 0, lens[l], 1), NULL, pf[mi],
                      pb[mi]);
            p->tok_per_s = lens[l] / p->s;
            double rt[64];
            for (int i = 0; i < reps; i++) rt[i] = ts[0][i] / ts[mi][i];
            p->speedup = median(rt, reps);
            fprintf(stderr, "  %s prefill %ld: %.3f s\n", p->model, lens[l], p->s);
        }
    }
    char label[256];
    snprintf(label, sizeof label, "whole forward pass, %d model%s round-robin (x first: speed relative to %s)", nm,
             nm > 1 ? "s" : "", base_name(runs[0].dir));
    print_points(r, pts, n, json, label);
    rc = EXIT_OK;
    goto done;
oom:
    err_set(&e, "out of memory");
fail:
    cli_error("roofline", "%s", e.msg);
done:
    for (int mi = 0; mi < nm; mi++) {
        mrun *u = &runs[mi];
        for (long i = 0; u->st && i < max_b; i++) state_free(u->st[i]);
        free(u->st);
        free(u->seqs);
        free(u->logits);
        model_free(u->m);
    }
    free(toks);
    return rc;
}

static int parse_longs(const char *opt, const char *text, long *out, int cap) {
    long *v = NULL;
    int n = cli_parse_int_list("roofline", opt, text, 1, 1 << 20, &v);
    if (n < 0) return -1;
    if (n > cap) {
        free(v);
        return cli_usage_error("roofline", "%s: at most %d values", opt, cap), -1;
    }
    memcpy(out, v, (size_t)n * sizeof *v);
    free(v);
    return n;
}

int cmd_roofline(cli_ctx *ctx, int argc, char **argv) {
    long threads = 0, read_mib = 1024, reps = 5, steps = 8;
    long gemm_min_tok = 0;
    int json = 0, kernels = 0, bf16_act = 0;
    const char *preset = "2b", *batches_s = "1,8,32", *lens_s = "512,2048";
    cli_list dtypes = {0}, models = {0};
    const cli_opt opts[] = {
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--read-mib", CLI_INT, &read_mib, "MIB", "bandwidth buffer, MiB (well above the L3 size)", 1, 1 << 20, 0},
        {"--reps", CLI_INT, &reps, "N", "passes per probe and per prefill point (best and median kept)", 1, 64, 0},
        {"--kernels", CLI_FLAG, &kernels, NULL, "also time the matrix products of --preset on synthetic weights", 1, 0, 0},
        {"--preset", CLI_STR, &preset, "NAME", "shapes for --kernels (a Griffin preset)", 1, 0, 0},
        {"--dtype", CLI_LIST, &dtypes, "KINDS", "weight kinds for --kernels: bf16, f32, int8[g32|g64], q4[g32|g64] "
                                                "(default bf16,int8,q4)", 1, 0, 0},
        {"--model", CLI_LIST, &models, "DIR", "also time the whole forward pass of this model (repeatable: the models "
                                              "run round-robin and are compared with the first)", 1, 0, 0},
        {"--batches", CLI_STR, &batches_s, "B,...", "decode batch sizes", 1, 0, 0},
        {"--prefill-lens", CLI_STR, &lens_s, "N,...", "prefill lengths", 1, 0, 0},
        {"--steps", CLI_INT, &steps, "N", "timed decode steps per batch size (median kept)", 1, 250, 0},
        {"--bf16-act", CLI_FLAG, &bf16_act, NULL, "round activations to bf16 in prefill products (vdpbf16ps)", 1, 0, 0},
        {"--gemm-min-tok", CLI_INT, &gemm_min_tok, "N",
         "tokens from which products use the packed GEMM (0: the built-in threshold), to tune it", 0, 1 << 20, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of a table", 1, 0, 0},
    };
    const cli_spec spec = {
        "roofline", "Measure memory read bandwidth and peak f32 / bf16 / int8 arithmetic with the engine's pool.",
        "griffin roofline [--threads N] [--json] [--kernels [--preset 2b] [--dtype bf16,int8,q4]] [--model DIR]",
        "Bandwidth: every thread streams its part of a buffer larger than the caches.\n"
        "Arithmetic: independent FMA (f32), vdpbf16ps (bf16) and vpdpbusd (int8) chains per thread;\n"
        "a multiply-add counts as 2 operations. 0 means the CPU lacks the instruction.\n"
        "Decode figures are weight bytes read per second over the read bandwidth; prefill figures\n"
        "arithmetic per second over the f32 and bf16 peaks, all from the same run.\n\n"
        "Examples:\n  griffin roofline --threads 2 --json\n"
        "  griffin roofline --kernels --preset 2b --dtype bf16,int8,q4\n"
        "  griffin roofline --model models/2b --model models/2b-int8e --batches 1,8,32 --prefill-lens 512,2048",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    long batches[MAX_POINTS], lens[MAX_POINTS];
    int n_batches = parse_longs("--batches", batches_s, batches, MAX_POINTS);
    if (n_batches < 0) return EXIT_USAGE;
    int n_lens = parse_longs("--prefill-lens", lens_s, lens, MAX_POINTS);
    if (n_lens < 0) return EXIT_USAGE;
    if (dtypes.n == 0) {
        dtypes.items[0] = "bf16";
        dtypes.items[1] = "int8";
        dtypes.items[2] = "q4";
        dtypes.n = 3;
    }
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    kctx k;
    kctx_init(&k, p, 0);
    k.bf16_act = bf16_act;
    k.gemm_min_tok = (int)gemm_min_tok;
    k_roofline_opts o = {.read_bytes = (size_t)read_mib << 20, .reps = (int)reps};
    k_roofline r;
    errbuf e;
    fprintf(stderr, "griffin roofline: %d threads, %ld MiB buffer, %ld passes per probe...\n", pool_n_threads(p),
            read_mib, reps);
    if (k_roofline_measure(&k, &o, &r, &e) != 0) {
        cli_error("roofline", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    if (kernels || models.n) {
        pairing pr = {&k, aligned_alloc(64, (size_t)read_mib << 20), (size_t)read_mib << 20};
        if (!pr.buf) {
            cli_error("roofline", "out of memory for the %ld MiB bandwidth buffer", read_mib);
            return EXIT_RUNTIME;
        }
        memset(pr.buf, 1, pr.bytes);
        rc = kernels ? bench_kernels(&k, &pr, &r, preset, &dtypes, batches, n_batches, lens, n_lens, (int)reps, json)
                     : bench_model(&k, &pr, &r, &models, batches, n_batches, lens, n_lens, (int)reps, (int)steps, json);
        free(pr.buf);
        return rc;
    }
    if (json) {
        printf("{\"threads\": %d, \"features\": \"%s\", \"read_bytes\": %zu, \"read_gbps\": %.3f, "
               "\"read_gbps_median\": %.3f, \"f32_gflops\": %.2f, \"f32_gflops_median\": %.2f, "
               "\"bf16_gflops\": %.2f, \"bf16_gflops_median\": %.2f, \"int8_gops\": %.2f, \"int8_gops_median\": %.2f}\n",
               r.n_threads, r.features, r.read_bytes, r.read_gbps, r.read_gbps_median, r.f32_gflops,
               r.f32_gflops_median, r.bf16_gflops, r.bf16_gflops_median, r.int8_gops, r.int8_gops_median);
    } else {
        printf("threads            %d\nfeatures           %s\n", r.n_threads, r.features);
        printf("%-18s %10s %10s\n", "probe", "best", "median");
        printf("%-18s %10.2f %10.2f  GB/s (%zu MiB buffer)\n", "read bandwidth", r.read_gbps, r.read_gbps_median,
               r.read_bytes >> 20);
        printf("%-18s %10.1f %10.1f  GFLOP/s\n", "f32 fma", r.f32_gflops, r.f32_gflops_median);
        printf("%-18s %10.1f %10.1f  GFLOP/s\n", "bf16 dot", r.bf16_gflops, r.bf16_gflops_median);
        printf("%-18s %10.1f %10.1f  GOP/s\n", "int8 dot", r.int8_gops, r.int8_gops_median);
    }
    return EXIT_OK;
}
