/* model/state.c: allocation, growth and copying of per-sequence state. */
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

#define STATE_MIN_CAP 64 /* first ring allocation, in positions */

static long kv_dim(const model *m) { return (long)m->cfg.n_kv_heads * m->cfg.head_dim; }

long state_cap_for(const model *m, long n_tokens) {
    if (config_n_attention_layers(&m->cfg) == 0) return 0;
    long w = m->cfg.window;
    return (w > 0 && n_tokens > w) ? w : n_tokens;
}

size_t model_state_bytes(const model *m, long n_tokens) {
    const model_config *c = &m->cfg;
    size_t rec = (size_t)config_n_recurrent_layers(c) * (size_t)c->lru_width * (size_t)c->conv_width;
    size_t att = (size_t)config_n_attention_layers(c) * 2 * (size_t)state_cap_for(m, n_tokens) * (size_t)kv_dim(m);
    return (rec + att) * sizeof(float);
}

state *state_create(const model *m, errbuf *e) {
    state *s = calloc(1, sizeof *s);
    if (!s) {
        err_set(e, "out of memory creating a sequence state");
        return NULL;
    }
    s->m = m;
    size_t n_rec = (size_t)config_n_recurrent_layers(&m->cfg), L = (size_t)m->cfg.lru_width;
    if (n_rec) {
        s->rnn = calloc(n_rec * L, sizeof(float));
        s->conv = calloc(n_rec * L * (size_t)(m->cfg.conv_width > 1 ? m->cfg.conv_width - 1 : 1), sizeof(float));
        if (!s->rnn || !s->conv) {
            state_free(s);
            err_set(e, "out of memory creating a sequence state");
            return NULL;
        }
    }
    return s;
}

void state_free(state *s) {
    if (!s) return;
    free(s->rnn);
    free(s->conv);
    free(s->kv);
    free(s);
}

void state_reset(state *s) {
    /* Position 0 resets the recurrences and the conv window in the forward
     * pass; zeroing here keeps copies and dumps deterministic too. */
    const model *m = s->m;
    size_t n_rec = (size_t)config_n_recurrent_layers(&m->cfg), L = (size_t)m->cfg.lru_width;
    if (n_rec) {
        memset(s->rnn, 0, n_rec * L * sizeof(float));
        memset(s->conv, 0, n_rec * L * (size_t)(m->cfg.conv_width - 1) * sizeof(float));
    }
    s->pos = 0;
}

long state_pos(const state *s) { return s->pos; }

size_t state_bytes(const state *s) {
    const model *m = s->m;
    size_t n_rec = (size_t)config_n_recurrent_layers(&m->cfg), L = (size_t)m->cfg.lru_width;
    size_t n_att = (size_t)config_n_attention_layers(&m->cfg);
    return (n_rec * L * (size_t)m->cfg.conv_width + n_att * 2 * (size_t)s->cap * (size_t)kv_dim(m)) * sizeof(float);
}

int state_reserve(state *s, long n_tokens, errbuf *e) {
    const model *m = s->m;
    long need = state_cap_for(m, n_tokens);
    if (need <= s->cap) return 0;
    long bound = state_cap_for(m, 1L << 40);
    long cap = s->cap ? 2 * s->cap : STATE_MIN_CAP;
    if (cap < need) cap = need;
    if (cap > bound) cap = bound;
    size_t n_att = (size_t)config_n_attention_layers(&m->cfg), d = (size_t)kv_dim(m);
    float *kv = malloc(n_att * 2 * (size_t)cap * d * sizeof(float));
    if (!kv) return err_set(e, "out of memory growing a state to %ld positions", cap);
    /* Before the ring wraps (the window's bound), position p is in slot p, so
     * the filled prefix [0, min(pos, old cap)) copies over unchanged. */
    long filled = s->pos < s->cap ? s->pos : s->cap;
    for (size_t b = 0; b < n_att * 2; b++)
        if (filled) memcpy(kv + b * (size_t)cap * d, s->kv + b * (size_t)s->cap * d, (size_t)filled * d * sizeof(float));
    free(s->kv);
    s->kv = kv;
    s->cap = cap;
    return 0;
}

int state_copy(state *dst, const state *src, errbuf *e) {
    if (dst == src) return 0;
    if (dst->m != src->m) return err_set(e, "state_copy: the two states belong to different models");
    const model *m = src->m;
    size_t n_rec = (size_t)config_n_recurrent_layers(&m->cfg), L = (size_t)m->cfg.lru_width;
    if (n_rec) {
        memcpy(dst->rnn, src->rnn, n_rec * L * sizeof(float));
        memcpy(dst->conv, src->conv, n_rec * L * (size_t)(m->cfg.conv_width - 1) * sizeof(float));
    }
    /* Match the ring size exactly: slot = pos % cap must mean the same. */
    if (dst->cap != src->cap) {
        free(dst->kv);
        dst->kv = NULL;
        dst->cap = 0;
        if (src->cap) {
            size_t n = (size_t)config_n_attention_layers(&m->cfg) * 2 * (size_t)src->cap * (size_t)kv_dim(m);
            dst->kv = malloc(n * sizeof(float));
            if (!dst->kv) return err_set(e, "out of memory copying a state");
            dst->cap = src->cap;
        }
    }
    long filled = src->pos < src->cap ? src->pos : src->cap;
    size_t n_att = (size_t)config_n_attention_layers(&m->cfg), d = (size_t)kv_dim(m);
    for (size_t b = 0; filled && b < n_att * 2; b++)
        memcpy(dst->kv + b * (size_t)src->cap * d, src->kv + b * (size_t)src->cap * d, (size_t)filled * d * sizeof(float));
    dst->pos = src->pos;
    return 0;
}

float *state_rnn(state *s, int slot) { return s->rnn + (size_t)slot * (size_t)s->m->cfg.lru_width; }
float *state_conv(state *s, int slot) {
    return s->conv + (size_t)slot * (size_t)s->m->cfg.lru_width * (size_t)(s->m->cfg.conv_width - 1);
}
float *state_k(state *s, int slot) { return s->kv + (size_t)(2 * slot) * (size_t)s->cap * (size_t)kv_dim(s->m); }
float *state_v(state *s, int slot) { return s->kv + (size_t)(2 * slot + 1) * (size_t)s->cap * (size_t)kv_dim(s->m); }
