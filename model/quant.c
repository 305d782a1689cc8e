/* model/quant.c: writing quantized checkpoints (model/quant.h has the
 * format). The row quantizers are kernels/'s (k_quantize_q8_row,
 * k_quantize_q4_row), so the files hold exactly what the kernels expect. */
#include "model/quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "model/model_impl.h"

#define QUANT_BLOCK_ROWS 256 /* rows quantized per pool job */

int quant_is_quantized_name(const char *name, int embed) {
    const size_t n = strlen(name);
    if (n < 7 || strcmp(name + n - 7, ".weight") != 0) return 0;
    if (strstr(name, "embed_tokens")) return embed;
    static const char *const linear[] = {"gate_proj", "up_proj", "down_proj", "linear_x", "linear_y",
                                         "linear_out", "q_proj", "k_proj", "v_proj", "o_proj"};
    for (size_t i = 0; i < sizeof linear / sizeof linear[0]; i++)
        if (strstr(name, linear[i])) return 1;
    return 0;
}

typedef struct qjob {
    const sft_tensor *t;
    wtype to;
    int group, r0, n_rows, cols, ng;
    unsigned char *q; /* [n_rows][row bytes] */
    f16 *scales, *offsets;
    int bad_row; /* first row with a non-finite scale, or -1 */
} qjob;

static void quant_task(void *arg, int ith, int nth) {
    qjob *j = arg;
    long lo, hi;
    pool_split(j->n_rows, ith, nth, &lo, &hi);
    float *row = malloc((size_t)j->cols * sizeof(float));
    if (!row) {
        j->bad_row = -2;
        return;
    }
    wtype src;
    src = j->t->dtype == SFT_F32 ? W_F32 : j->t->dtype == SFT_BF16 ? W_BF16 : W_F16;
    const wmat w = {.type = src, .rows = (int)j->t->shape[0], .cols = j->cols, .data = j->t->data};
    const long rb = j->to == W_Q8 ? j->cols : k_q4_row_bytes(j->cols);
    for (long r = lo; r < hi; r++) {
        for (int c = 0; c < j->cols; c++) row[c] = wmat_at(&w, j->r0 + r, c);
        f16 *sc = j->scales + r * j->ng;
        if (j->to == W_Q8) k_quantize_q8_row(row, j->cols, j->group, (int8_t *)(j->q + r * rb), sc);
        else k_quantize_q4_row(row, j->cols, j->group, j->q + r * rb, sc, j->offsets + r * j->ng);
        for (int g = 0; g < j->ng; g++) {
            float s = f16_to_f32(sc[g]), o = j->offsets ? f16_to_f32(j->offsets[r * j->ng + g]) : 0.0f;
            if (!isfinite(s) || !isfinite(o)) j->bad_row = (int)(j->r0 + r); /* a race on which row: any is fine */
        }
    }
    free(row);
}

static int copy_file(const char *from, const char *to, errbuf *e) {
    size_t n;
    char *data = file_read_all(from, (size_t)1 << 30, &n, e);
    if (!data) return -1;
    int rc = file_write_atomic(to, data, n, e);
    free(data);
    return rc;
}

int quant_write(const char *src_dir, const char *dst_dir, const quant_opts *o, pool *p, errbuf *e) {
    if (o->to != W_Q8 && o->to != W_Q4) return err_set(e, "quantize: the target must be int8 or q4");
    const int group = o->group ? o->group : (o->to == W_Q8 ? 64 : 32);
    if (group != 32 && group != 64) return err_set(e, "quantize: group size %d (must be 32 or 64)", group);
    model *m = model_load(src_dir, NULL, e);
    if (!m) return -1;
    if (file_mkdirs(dst_dir, e) != 0) {
        model_free(m);
        return -1;
    }
    /* Describe every output tensor, in the order they will be written. */
    int n_src = 0;
    for (int f = 0; f < ckpt_n_files(m->ck); f++) n_src += sft_n_tensors(ckpt_file_at(m->ck, f));
    sft_desc *descs = calloc((size_t)n_src * 3, sizeof *descs);
    const sft_tensor **srcs = calloc((size_t)n_src, sizeof *srcs);
    char (*names)[SFT_MAX_NAME_BYTES + 16] = calloc((size_t)n_src * 3, sizeof *names);
    int n_out = 0, n_t = 0, rc = -1;
    sft_writer *w = NULL;
    unsigned char *qbuf = NULL;
    f16 *sbuf = NULL, *obuf = NULL;
    long total = 0, done = 0;
    if (!descs || !srcs || !names) {
        err_set(e, "out of memory");
        goto out;
    }
    for (int f = 0; f < ckpt_n_files(m->ck); f++) {
        const sft_file *sf = ckpt_file_at(m->ck, f);
        for (int i = 0; i < sft_n_tensors(sf); i++) {
            const sft_tensor *t = sft_tensor_at(sf, i);
            srcs[n_t++] = t;
            int quant = quant_is_quantized_name(t->name, o->embed) && t->n_dims == 2 &&
                        (t->dtype == SFT_F32 || t->dtype == SFT_BF16 || t->dtype == SFT_F16);
            const int rows = (int)(quant ? t->shape[0] : 0), cols = (int)(quant ? t->shape[1] : 0);
            const wtype to = (quant && strstr(t->name, "embed_tokens")) ? W_Q8 : o->to;
            snprintf(names[n_out], sizeof names[0], "%s", t->name);
            sft_desc *d = &descs[n_out++];
            d->name = names[n_out - 1];
            if (!quant) {
                d->dtype = t->dtype;
                d->n_dims = t->n_dims;
                memcpy(d->shape, t->shape, sizeof d->shape);
                total += (long)t->n_bytes;
                continue;
            }
            d->dtype = to == W_Q8 ? SFT_I8 : SFT_U8;
            d->n_dims = 2;
            d->shape[0] = rows;
            d->shape[1] = to == W_Q8 ? cols : k_q4_row_bytes(cols);
            for (int k = 0; k < (to == W_Q4 ? 2 : 1); k++) {
                snprintf(names[n_out], sizeof names[0], "%s.%s", t->name, k ? "offsets" : "scales");
                sft_desc *s = &descs[n_out++];
                s->name = names[n_out - 1];
                s->dtype = SFT_F16;
                s->n_dims = 2;
                s->shape[0] = rows;
                s->shape[1] = k_n_groups(cols, group);
            }
            total += (long)t->n_bytes;
        }
    }
    char group_s[16], path[4096];
    snprintf(group_s, sizeof group_s, "%d", group);
    const char *meta[] = {"format", "pt", "griffin.quant.group", group_s, "griffin.quant", wtype_name(o->to)};
    snprintf(path, sizeof path, "%s/model.safetensors", dst_dir);
    w = sft_writer_open(path, descs, n_out, meta, 3, e);
    if (!w) goto out;
    for (int i = 0; i < n_t; i++) {
        const sft_tensor *t = srcs[i];
        int quant = quant_is_quantized_name(t->name, o->embed) && t->n_dims == 2 &&
                    (t->dtype == SFT_F32 || t->dtype == SFT_BF16 || t->dtype == SFT_F16);
        if (!quant) {
            if (sft_writer_write(w, t->data, t->n_bytes, e) != 0) goto out;
            done += (long)t->n_bytes;
            if (o->progress) o->progress(o->progress_arg, done, total);
            continue;
        }
        const wtype to = strstr(t->name, "embed_tokens") ? W_Q8 : o->to;
        const int rows = (int)t->shape[0], cols = (int)t->shape[1], ng = k_n_groups(cols, group);
        const long rb = to == W_Q8 ? cols : k_q4_row_bytes(cols);
        /* Data first, block by block; scales and offsets (small) after. */
        free(sbuf);
        free(obuf);
        sbuf = malloc((size_t)rows * ng * sizeof(f16));
        obuf = to == W_Q4 ? malloc((size_t)rows * ng * sizeof(f16)) : NULL;
        free(qbuf);
        qbuf = malloc((size_t)QUANT_BLOCK_ROWS * rb);
        if (!sbuf || (to == W_Q4 && !obuf) || !qbuf) {
            err_set(e, "out of memory quantizing \"%s\"", t->name);
            goto out;
        }
        for (int r0 = 0; r0 < rows; r0 += QUANT_BLOCK_ROWS) {
            qjob j = {t, to, group, r0, rows - r0 < QUANT_BLOCK_ROWS ? rows - r0 : QUANT_BLOCK_ROWS, cols, ng, qbuf,
                      sbuf + (long)r0 * ng, obuf ? obuf + (long)r0 * ng : NULL, -1};
            pool_run(p, quant_task, &j);
            if (j.bad_row == -2) {
                err_set(e, "out of memory quantizing \"%s\"", t->name);
                goto out;
            }
            if (j.bad_row >= 0) {
                err_set(e, "%s: tensor \"%s\" row %d: values too large for f16 scales (or not finite)",
                        ckpt_file_of(m->ck, t), t->name, j.bad_row);
                goto out;
            }
            if (sft_writer_write(w, qbuf, (size_t)j.n_rows * rb, e) != 0) goto out;
            done += (long)((double)t->n_bytes * j.n_rows / rows);
            if (o->progress) o->progress(o->progress_arg, done, total);
        }
        if (sft_writer_write(w, sbuf, (size_t)rows * ng * sizeof(f16), e) != 0) goto out;
        if (obuf && sft_writer_write(w, obuf, (size_t)rows * ng * sizeof(f16), e) != 0) goto out;
    }
    rc = sft_writer_finish(w, e);
    w = NULL;
    if (rc != 0) goto out;
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/config.json", src_dir);
    snprintf(to, sizeof to, "%s/config.json", dst_dir);
    if ((rc = copy_file(from, to, e)) != 0) goto out;
    snprintf(from, sizeof from, "%s/tokenizer.model", src_dir);
    snprintf(to, sizeof to, "%s/tokenizer.model", dst_dir);
    if (file_exists(from)) rc = copy_file(from, to, e);
out:
    sft_writer_abort(w);
    free(qbuf);
    free(sbuf);
    free(obuf);
    free(descs);
    free(srcs);
    free(names);
    model_free(m);
    return rc;
}

/* ---- comparing a quantized model with its source ---- */

/* log-softmax of n logits into lp (double), returns the argmax. */
static int log_softmax(const float *x, int n, double *lp) {
    int am = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[am]) am = i;
    double s = 0;
    for (int i = 0; i < n; i++) s += exp((double)x[i] - x[am]);
    const double lse = x[am] + log(s);
    for (int i = 0; i < n; i++) lp[i] = x[i] - lse;
    return am;
}

int quant_compare(model *base, model *quant, const kctx *k, const int32_t *tokens, int n, int chunk,
                  quant_quality *q, errbuf *e) {
    memset(q, 0, sizeof *q);
    const int V = base->cfg.vocab_size;
    if (quant->cfg.vocab_size != V)
        return err_set(e, "compare: vocabularies differ (%d vs %d)", V, quant->cfg.vocab_size);
    if (chunk < 1) chunk = 64;
    state *sb = state_create(base, e), *sq = state_create(quant, e);
    float *lb = malloc((size_t)chunk * V * sizeof(float)), *lq = malloc((size_t)chunk * V * sizeof(float));
    double *pb = malloc((size_t)V * sizeof(double)), *pq = malloc((size_t)V * sizeof(double));
    int rc = -1;
    if (!sb || !sq || !lb || !lq || !pb || !pq) {
        if (sb && sq) err_set(e, "out of memory");
        goto out;
    }
    long agree = 0;
    double sum_kl = 0, sum_abs = 0;
    for (int t0 = 0; t0 < n; t0 += chunk) {
        const int nt = n - t0 < chunk ? n - t0 : chunk;
        model_seq a = {.st = sb, .tokens = tokens + t0, .n_tokens = nt, .n_logits = nt, .logits = lb};
        model_seq b = {.st = sq, .tokens = tokens + t0, .n_tokens = nt, .n_logits = nt, .logits = lq};
        if (model_forward(base, k, &a, 1, e) != 0 || model_forward(quant, k, &b, 1, e) != 0) goto out;
        for (int t = 0; t < nt; t++) {
            const float *xb = lb + (long)t * V, *xq = lq + (long)t * V;
            const int ab = log_softmax(xb, V, pb), aq = log_softmax(xq, V, pq);
            double kl = 0;
            for (int i = 0; i < V; i++) {
                kl += exp(pb[i]) * (pb[i] - pq[i]);
                const double d = fabs((double)xb[i] - xq[i]);
                sum_abs += d;
                if (d > q->max_abs_logit_diff) q->max_abs_logit_diff = d;
            }
            sum_kl += kl;
            if (kl > q->max_kl) q->max_kl = kl;
            agree += ab == aq;
        }
    }
    q->n_positions = n;
    q->mean_kl = n ? sum_kl / n : 0;
    q->top1_agree = n ? (double)agree / n : 0;
    q->mean_abs_logit_diff = n ? sum_abs / ((double)n * V) : 0;
    rc = 0;
out:
    state_free(sb);
    state_free(sq);
    free(lb);
    free(lq);
    free(pb);
    free(pq);
    return rc;
}
