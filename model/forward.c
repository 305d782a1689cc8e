/* model/forward.c: the forward pass over a batch of sequences.
 *
 * The new tokens of all sequences are laid out as rows of one activation
 * matrix, so every linear layer is one matrix-matrix product over the batch
 * (prefill and decode alike); only the temporal mixing (conv1d, RG-LRU scan,
 * attention) looks at which sequence a row belongs to. Long inputs are cut
 * into chunks of at most max_rows rows; a sequence split across chunks simply
 * carries its state from one to the next, which is exactly what decoding does.
 *
 * Semantics follow google-deepmind/recurrentgemma (torch/modules.py,
 * torch/layers.py) for Griffin and google/gemma_pytorch for Gemma:
 *   residual block: x += temporal(rmsnorm(x)); x += mlp(rmsnorm(x))
 *   mlp:            down(gelu(gate(x)) * up(x))
 *   recurrent:      linear_out(rglru(conv1d(linear_x(x))) * gelu(linear_y(x)))
 *   attention:      o(softmax(rope(q) rope(k)^T / sqrt(hd), window mask) v)
 *   logits:         soft_cap * tanh(rmsnorm(x) E^T / soft_cap)            */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

#define LOGIT_GROUP_ROWS 64 /* rows of logits computed per pass over E */

typedef struct seg {
    int seq;    /* index into the caller's seqs */
    int off;    /* first of the sequence's tokens in this chunk */
    int n;      /* tokens in this chunk */
    int row0;   /* first row of the chunk */
    long p0;    /* position of the first token */
} seg;

typedef struct chunk {
    model *m;
    const kctx *k;
    model_seq *seqs;
    seg *segs;
    int n_segs;
    int n_rows;
    int *row_seg;  /* [n_rows] segment of each row */
    long *pos;     /* [n_rows] position of each row */
    /* activations, [n_rows, ...] */
    float *x, *h, *o;
    float *a, *b, *c, *d, *f; /* block-specific buffers */
    float *scores; /* [n_threads][span] attention scratch */
    long span;
    float *lbuf;   /* [LOGIT_GROUP_ROWS, vocab] */
    k_rglru_seg *rsegs; /* [n_rows] the RG-LRU's view of the segments */
    k_attn_seg *asegs;  /* [n_rows] the attention kernel's view of them */
    float *hsel;   /* [LOGIT_GROUP_ROWS, width] */
    const layer *l; /* the layer a job works on */
} chunk;

/* ---- recurrent block: conv1d, RG-LRU ---- */

/* Causal depthwise conv over each segment, channels split over threads:
 * out[t][c] = b[c] + sum_s w[c][cw-1-s] * in[t-s][c], where inputs before
 * the chunk come from the state's tail (zeros after a reset). */
static void conv_task(void *arg, int ith, int nth) {
    chunk *ch = arg;
    const model_config *cfg = &ch->m->cfg;
    const int L = cfg->lru_width, cw = cfg->conv_width;
    const layer *l = ch->l;
    long c0, c1;
    pool_split(L, ith, nth, &c0, &c1);
    for (int sgi = 0; sgi < ch->n_segs; sgi++) {
        const seg *sg = &ch->segs[sgi];
        float *tail = state_conv(ch->seqs[sg->seq].st, l->slot); /* [cw-1][L], oldest first */
        const float *in = ch->b + (long)sg->row0 * L;           /* linear_x output */
        float *out = ch->c + (long)sg->row0 * L;
        for (long c = c0; c < c1; c++) {
            const float *w = l->conv_w + c * cw;
            for (int t = 0; t < sg->n; t++) {
                float acc = 0.0f;
                for (int s = 0; s < cw; s++) {
                    int src = t - s;
                    float v = src >= 0 ? in[(long)src * L + c] : tail[(long)(cw - 1 + src) * L + c];
                    acc += v * w[cw - 1 - s];
                }
                out[(long)t * L + c] = acc + l->conv_b[c];
            }
            /* The new tail: the last cw-1 inputs of [tail, chunk]. */
            for (int s = 0; s < cw - 1; s++) {
                int src = sg->n - (cw - 1) + s; /* index into the chunk, < 0: old tail */
                float v = src >= 0 ? in[(long)src * L + c] : tail[(long)(cw - 1 + src) * L + c];
                /* Reading old-tail entries at index s + n >= s is safe in place. */
                tail[(long)s * L + c] = v;
            }
        }
    }
}

static void recurrent_block(chunk *ch, const layer *l) {
    const model_config *cfg = &ch->m->cfg;
    const kctx *k = ch->k;
    const int R = ch->n_rows, L = cfg->lru_width, H = cfg->n_heads;
    ch->l = l;
    /* f = gelu(linear_y(h)); b = linear_x(h) */
    k_matmul(k, ch->f, &l->lin_y, ch->h, l->lin_y_b, R);
    k_gelu_mul(k, ch->f, NULL, (long)R * L);
    k_matmul(k, ch->b, &l->lin_x, ch->h, l->lin_x_b, R);
    /* c = conv1d(b) */
    pool_run(k->pool, conv_task, ch);
    /* b = rglru(c) * f: gates, decay, normalisation and scan in one kernel
     * (kernels/cpu/rglru.c), each segment carrying its sequence's state. */
    for (int sgi = 0; sgi < ch->n_segs; sgi++) {
        const seg *sg = &ch->segs[sgi];
        ch->rsegs[sgi] = (k_rglru_seg){.h = state_rnn(ch->seqs[sg->seq].st, l->slot), .row0 = sg->row0, .n = sg->n,
                                       .p0 = sg->p0};
    }
    k_rglru(k, ch->b, ch->c, ch->f, &l->gate_x, l->gate_x_b, &l->gate_a, l->gate_a_b, l->a_softplus, L, H,
            ch->rsegs, ch->n_segs);
    k_matmul(k, ch->o, &l->lin_out, ch->b, l->lin_out_b, R);
}

/* ---- attention block ---- */

static void attention_block(chunk *ch, const layer *l) {
    const model_config *cfg = &ch->m->cfg;
    const kctx *k = ch->k;
    const int R = ch->n_rows, H = cfg->n_heads, hd = cfg->head_dim, KV = cfg->n_kv_heads;
    const int rot = (int)lroundf(cfg->rotary_fraction * (float)hd);
    const long kv_dim = (long)KV * hd;
    ch->l = l;
    /* a = q, b = k, c = v, d = attention output */
    k_matmul(k, ch->a, &l->q, ch->h, NULL, R);
    k_matmul(k, ch->b, &l->k, ch->h, NULL, R);
    k_matmul(k, ch->c, &l->v, ch->h, NULL, R);
    k_rope(k, ch->a, ch->pos, R, H, hd, rot, cfg->rope_theta);
    k_rope(k, ch->b, ch->pos, R, KV, hd, rot, cfg->rope_theta);
    /* d = attention: one fused kernel over every segment (kernels/cpu/attention.c) */
    for (int sgi = 0; sgi < ch->n_segs; sgi++) {
        const seg *sg = &ch->segs[sgi];
        state *st = ch->seqs[sg->seq].st;
        ch->asegs[sgi] = (k_attn_seg){
            .kv = {.ring_k = state_k(st, l->slot), .ring_v = state_v(st, l->slot), .cap = st->cap,
                   .ring_stride = kv_dim, .new_k = ch->b + (long)sg->row0 * kv_dim,
                   .new_v = ch->c + (long)sg->row0 * kv_dim, .new_stride = kv_dim, .p0 = sg->p0},
            .row0 = sg->row0,
            .n = sg->n,
        };
    }
    k_attention(k, ch->d, ch->a, ch->asegs, ch->n_segs, H, KV, hd, cfg->window, 1.0f / sqrtf((float)hd), ch->scores,
                ch->span);
    /* Only now write the new keys and values into the rings: a query in
     * this chunk may still need a key its ring slot held before. */
    for (int sgi = 0; sgi < ch->n_segs; sgi++) {
        const seg *sg = &ch->segs[sgi];
        state *st = ch->seqs[sg->seq].st;
        int first = sg->n > st->cap ? sg->n - (int)st->cap : 0;
        for (int t = first; t < sg->n; t++) {
            long slot = (sg->p0 + t) % st->cap;
            memcpy(state_k(st, l->slot) + slot * kv_dim, ch->b + (long)(sg->row0 + t) * kv_dim, kv_dim * sizeof(float));
            memcpy(state_v(st, l->slot) + slot * kv_dim, ch->c + (long)(sg->row0 + t) * kv_dim, kv_dim * sizeof(float));
        }
    }
    k_matmul(k, ch->o, &l->o, ch->d, l->o_b, R);
}

/* ---- the chunk ---- */

static void add_rows(float *x, const float *o, long n) {
    for (long i = 0; i < n; i++) x[i] += o[i];
}

static void logits_for_chunk(chunk *ch) {
    model *m = ch->m;
    const model_config *cfg = &m->cfg;
    const int D = cfg->width, V = cfg->vocab_size;
    int n = 0;
    float *dst[LOGIT_GROUP_ROWS];
    for (int r = 0; r <= ch->n_rows; r++) {
        if (r < ch->n_rows) {
            const seg *sg = &ch->segs[ch->row_seg[r]];
            const model_seq *sq = &ch->seqs[sg->seq];
            int t = sg->off + (r - sg->row0);           /* index among the sequence's tokens */
            int first = sq->n_tokens - sq->n_logits;    /* first token that wants logits */
            if (t >= first) {
                memcpy(ch->hsel + (long)n * D, ch->x + (long)r * D, (size_t)D * sizeof(float));
                dst[n++] = sq->logits + (long)(t - first) * V;
            }
        }
        if (n == LOGIT_GROUP_ROWS || (r == ch->n_rows && n > 0)) {
            k_rmsnorm(ch->k, ch->hsel, ch->hsel, m->final_norm, cfg->norm_eps, n, D);
            k_matmul(ch->k, ch->lbuf, &m->embed, ch->hsel, NULL, n);
            if (cfg->soft_cap > 0) k_softcap(ch->k, ch->lbuf, (long)n * V, cfg->soft_cap);
            for (int i = 0; i < n; i++) memcpy(dst[i], ch->lbuf + (long)i * V, (size_t)V * sizeof(float));
            n = 0;
        }
    }
}

static void run_chunk(chunk *ch) {
    model *m = ch->m;
    const model_config *cfg = &m->cfg;
    const int D = cfg->width, R = ch->n_rows;
    /* Embedding, scaled by sqrt(width) (bf16-rounded for Griffin). */
    for (int r = 0; r < R; r++) {
        const seg *sg = &ch->segs[ch->row_seg[r]];
        int32_t tok = ch->seqs[sg->seq].tokens[sg->off + (r - sg->row0)];
        for (int i = 0; i < D; i++) ch->x[(long)r * D + i] = wmat_at(&m->embed, tok, i) * m->embed_scale;
    }
    for (int li = 0; li < cfg->n_layers; li++) {
        const layer *l = &m->layers[li];
        k_rmsnorm(ch->k, ch->h, ch->x, l->pre_norm, cfg->norm_eps, R, D);
        if (l->kind == BLOCK_RECURRENT) recurrent_block(ch, l);
        else attention_block(ch, l);
        add_rows(ch->x, ch->o, (long)R * D);
        k_rmsnorm(ch->k, ch->h, ch->x, l->mlp_norm, cfg->norm_eps, R, D);
        k_matmul(ch->k, ch->a, &l->gate, ch->h, l->gate_b, R);
        k_matmul(ch->k, ch->b, &l->up, ch->h, l->up_b, R);
        k_gelu_mul(ch->k, ch->a, ch->b, (long)R * cfg->mlp_width);
        k_matmul(ch->k, ch->o, &l->down, ch->a, l->down_b, R);
        add_rows(ch->x, ch->o, (long)R * D);
    }
    logits_for_chunk(ch);
    for (int s = 0; s < ch->n_segs; s++) ch->seqs[ch->segs[s].seq].st->pos += ch->segs[s].n;
}

/* Floats of per-row activation buffer a..f: the widest use of each. */
static long row_floats(const model_config *c) {
    long q = (long)c->n_heads * c->head_dim, L = c->lru_width, M = c->mlp_width;
    long w = q > L ? q : L;
    return w > M ? w : M;
}

static int check_inputs(const model *m, model_seq *seqs, int n_seqs, errbuf *e) {
    const int V = m->cfg.vocab_size;
    for (int i = 0; i < n_seqs; i++) {
        const model_seq *s = &seqs[i];
        if (!s->st || s->st->m != m) return err_set(e, "sequence %d: its state is missing or belongs to another model", i);
        if (s->n_tokens < 1 || !s->tokens) return err_set(e, "sequence %d: no tokens to process", i);
        if (s->n_logits < 0 || s->n_logits > s->n_tokens)
            return err_set(e, "sequence %d: asks for %d logits rows but has %d tokens", i, s->n_logits, s->n_tokens);
        if (s->n_logits > 0 && !s->logits) return err_set(e, "sequence %d: no buffer for its logits", i);
        for (int t = 0; t < s->n_tokens; t++)
            if (s->tokens[t] < 0 || s->tokens[t] >= V)
                return err_set(e, "sequence %d: token %d has id %d, outside the vocabulary [0, %d)", i, t,
                               (int)s->tokens[t], V);
        for (int j = 0; j < i; j++)
            if (seqs[j].st == s->st) return err_set(e, "sequences %d and %d share one state", j, i);
    }
    return 0;
}

int model_forward(model *m, const kctx *k, model_seq *seqs, int n_seqs, errbuf *e) {
    if (n_seqs <= 0) return 0;
    if (check_inputs(m, seqs, n_seqs, e) != 0) return -1;
    const model_config *cfg = &m->cfg;
    long span = 1;
    for (int i = 0; i < n_seqs; i++) {
        long end = seqs[i].st->pos + seqs[i].n_tokens;
        if (state_reserve(seqs[i].st, end, e) != 0) return -1;
        long s = cfg->window > 0 && end > cfg->window + 1 ? cfg->window + 1 : end;
        if (s > span) span = s;
    }
    const int R = m->max_rows, D = cfg->width;
    const int n_threads = pool_n_threads(k->pool);
    const long W = row_floats(cfg), lg = LOGIT_GROUP_ROWS;
    size_t need = arena_round((size_t)R * sizeof(seg)) + arena_round((size_t)R * sizeof(int)) +
                  arena_round((size_t)R * sizeof(long)) + 3 * arena_round((size_t)R * D * sizeof(float)) +
                  5 * arena_round((size_t)R * W * sizeof(float)) +
                  arena_round((size_t)n_threads * span * sizeof(float)) +
                  arena_round((size_t)lg * cfg->vocab_size * sizeof(float)) + arena_round((size_t)lg * D * sizeof(float)) +
                  arena_round((size_t)R * sizeof(k_rglru_seg)) + arena_round((size_t)R * sizeof(k_attn_seg));
    arena_reset(&m->scratch);
    if (arena_reserve(&m->scratch, need, e) != 0) return -1;
    chunk ch = {.m = m, .k = k, .seqs = seqs, .span = span};
    arena *a = &m->scratch;
    ch.segs = arena_alloc(a, (size_t)R * sizeof(seg));
    ch.row_seg = arena_alloc(a, (size_t)R * sizeof(int));
    ch.pos = arena_alloc(a, (size_t)R * sizeof(long));
    ch.x = arena_alloc_f32(a, (size_t)R * D);
    ch.h = arena_alloc_f32(a, (size_t)R * D);
    ch.o = arena_alloc_f32(a, (size_t)R * D);
    float **bufs[5] = {&ch.a, &ch.b, &ch.c, &ch.d, &ch.f};
    for (int i = 0; i < 5; i++) *bufs[i] = arena_alloc_f32(a, (size_t)R * W);
    ch.scores = arena_alloc_f32(a, (size_t)n_threads * span);
    ch.lbuf = arena_alloc_f32(a, (size_t)lg * cfg->vocab_size);
    ch.hsel = arena_alloc_f32(a, (size_t)lg * D);
    ch.rsegs = arena_alloc(a, (size_t)R * sizeof(k_rglru_seg));
    ch.asegs = arena_alloc(a, (size_t)R * sizeof(k_attn_seg));
    /* Fill chunks of up to R rows, sequence by sequence. */
    int seq = 0, off = 0;
    while (seq < n_seqs) {
        ch.n_segs = 0;
        ch.n_rows = 0;
        while (seq < n_seqs && ch.n_rows < R) {
            model_seq *s = &seqs[seq];
            int take = s->n_tokens - off;
            if (take > R - ch.n_rows) take = R - ch.n_rows;
            seg *sg = &ch.segs[ch.n_segs];
            sg->seq = seq;
            sg->off = off;
            sg->n = take;
            sg->row0 = ch.n_rows;
            sg->p0 = s->st->pos;
            for (int t = 0; t < take; t++) {
                ch.row_seg[ch.n_rows + t] = ch.n_segs;
                ch.pos[ch.n_rows + t] = sg->p0 + t;
            }
            ch.n_rows += take;
            ch.n_segs++;
            off += take;
            if (off == s->n_tokens) {
                seq++;
                off = 0;
            }
        }
        run_chunk(&ch);
    }
    return 0;
}
