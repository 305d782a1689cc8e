/* model/model_impl.h: the model's and the state's insides, shared by the
 * files of model/ only. */
#ifndef GRIFFIN_MODEL_MODEL_IMPL_H
#define GRIFFIN_MODEL_MODEL_IMPL_H

#include "common/arena.h"
#include "model/checkpoint.h"
#include "model/model.h"
#include "model/state.h"

typedef struct layer {
    block_kind kind;
    int slot;                    /* index among layers of its kind (state arrays) */
    const float *pre_norm;       /* temporal_pre_norm / input_layernorm */
    const float *mlp_norm;       /* channel_pre_norm / post_attention_layernorm */
    /* recurrent block */
    wmat lin_x, lin_y, lin_out;
    const float *lin_x_b, *lin_y_b, *lin_out_b;
    const float *conv_w;         /* [lru_width][conv_width], [c][conv_width-1] is the current step */
    const float *conv_b;
    wmat gate_x, gate_a;         /* [n_heads * bw, bw]: block b, input i, output j */
    const float *gate_x_b, *gate_a_b;
    const float *a_softplus;     /* softplus(recurrent_param), precomputed */
    /* attention block */
    wmat q, k, v, o;
    const float *o_b;            /* NULL for Gemma */
    /* MLP */
    wmat gate, up, down;
    const float *gate_b, *up_b, *down_b; /* NULL for Gemma */
} layer;

struct model {
    model_config cfg;
    char *dir;
    ckpt *ck;
    wmat embed;            /* [vocab, width], also the output projection */
    const float *final_norm;
    float embed_scale;
    layer *layers;
    float **owned;         /* f32 copies of small vectors */
    int n_owned, cap_owned;
    size_t weight_bytes;
    const char *dtype_name;
    int max_rows;
    arena scratch;         /* per-chunk activations */
};

struct state {
    const model *m;
    long pos;
    long cap;       /* ring slots allocated per attention layer */
    float *rnn;     /* [n_rec][lru_width] */
    float *conv;    /* [n_rec][conv_width - 1][lru_width], oldest first */
    float *kv;      /* [n_attn][2][cap][n_kv * head_dim] */
};

/* Ring slots a state needs to hold positions < n: min(n, window) or n. */
long state_cap_for(const model *m, long n_tokens);
/* Makes room for positions < n_tokens (grows the rings; keeps contents). */
int state_reserve(state *s, long n_tokens, errbuf *e);
float *state_rnn(state *s, int rec_slot);
float *state_conv(state *s, int rec_slot);
float *state_k(state *s, int attn_slot);
float *state_v(state *s, int attn_slot);

#endif
