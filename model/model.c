/* model/model.c: loading a model directory and validating every tensor.
 *
 * Large matrices stay in the mapped file in their stored type (f32, bf16 or
 * f16); only small vectors (norm scales, biases, conv taps, RG-LRU
 * parameters) are widened into f32 copies, a few MB at most. Tensor names
 * are Hugging Face's: RecurrentGemmaForCausalLM and GemmaForCausalLM. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_impl.h"

#define DEFAULT_MAX_ROWS 256 /* tokens per chunk: bounds scratch memory */

typedef struct loader {
    model *m;
    errbuf *e;
    int n_types[5]; /* matrices per wtype, to name the dtype */
} loader;

static int to_wtype(sft_dtype d, wtype *out) {
    switch (d) {
    case SFT_F32: *out = W_F32; return 0;
    case SFT_BF16: *out = W_BF16; return 0;
    case SFT_F16: *out = W_F16; return 0;
    default: return -1;
    }
}

static const sft_tensor *find(loader *ld, const char *name) {
    const sft_tensor *t = ckpt_find(ld->m->ck, name);
    if (!t) err_set(ld->e, "%s: tensor \"%s\" is missing from the checkpoint", ld->m->dir, name);
    return t;
}

static void shape_str(char *buf, size_t n, const int64_t *shape, int n_dims) {
    size_t off = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < n_dims && off < n; i++) off += (size_t)snprintf(buf + off, n - off, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (off < n) snprintf(buf + off, n - off, "]");
}

/* Checks the tensor's shape against the expected dims. */
static int check_shape(loader *ld, const sft_tensor *t, const int64_t *want, int n_dims) {
    int ok = t->n_dims == n_dims;
    for (int i = 0; ok && i < n_dims; i++) ok = t->shape[i] == want[i];
    if (ok) return 0;
    char got[128], exp[128];
    shape_str(got, sizeof got, t->shape, t->n_dims);
    shape_str(exp, sizeof exp, want, n_dims);
    return err_set(ld->e, "%s: tensor \"%s\" has shape %s, but config.json implies %s", ckpt_file_of(ld->m->ck, t),
                   t->name, got, exp);
}

/* ---- quantized matrices (model/quant.h has the format) ---- */

/* NAME.scales (and NAME.offsets for 4-bit): F16 [rows, n_groups]; the group
 * size is the one of 64 or 32 that gives n_groups for these columns. */
static const f16 *get_qparams(loader *ld, const char *name, const char *suffix, int64_t rows, int64_t cols,
                              int *group) {
    char nm[300];
    snprintf(nm, sizeof nm, "%s.%s", name, suffix);
    const sft_tensor *t = ckpt_find(ld->m->ck, nm);
    if (!t) {
        err_set(ld->e, "%s: quantized tensor \"%s\" has no \"%s\" tensor next to it", ld->m->dir, name, nm);
        return NULL;
    }
    if (t->dtype != SFT_F16 || t->n_dims != 2 || t->shape[0] != rows) {
        err_set(ld->e, "%s: tensor \"%s\" must be F16 [%lld, groups]", ckpt_file_of(ld->m->ck, t), nm, (long long)rows);
        return NULL;
    }
    const int64_t ng = t->shape[1];
    if (*group == 0) *group = ng == (cols + 63) / 64 ? 64 : ng == (cols + 31) / 32 ? 32 : -1;
    if (*group < 0 || ng != k_n_groups((int)cols, *group)) {
        err_set(ld->e, "%s: tensor \"%s\" has %lld groups per row; %lld columns need %lld (group 64) or %lld (group 32)",
                ckpt_file_of(ld->m->ck, t), nm, (long long)ng, (long long)cols, (long long)((cols + 63) / 64),
                (long long)((cols + 31) / 32));
        return NULL;
    }
    ld->m->weight_bytes += t->n_bytes;
    return t->data;
}

static int get_qmat(loader *ld, wmat *w, const sft_tensor *t, const char *name, int64_t rows, int64_t cols) {
    const int q4 = t->dtype == SFT_U8;
    const int64_t want[2] = {rows, q4 ? k_q4_row_bytes((int)cols) : cols};
    if (check_shape(ld, t, want, 2) != 0) return -1;
    w->type = q4 ? W_Q4 : W_Q8;
    w->rows = (int)rows;
    w->cols = (int)cols;
    w->data = t->data;
    w->group = 0;
    if (!(w->scales = get_qparams(ld, name, "scales", rows, cols, &w->group))) return -1;
    if (q4 && !(w->offsets = get_qparams(ld, name, "offsets", rows, cols, &w->group))) return -1;
    ld->m->weight_bytes += t->n_bytes;
    ld->n_types[w->type]++;
    return 0;
}

static int get_mat(loader *ld, wmat *w, const char *name, int64_t rows, int64_t cols) {
    const sft_tensor *t = find(ld, name);
    if (!t) return -1;
    if (t->dtype == SFT_I8 || t->dtype == SFT_U8) return get_qmat(ld, w, t, name, rows, cols);
    if (to_wtype(t->dtype, &w->type) != 0)
        return err_set(ld->e, "%s: tensor \"%s\" has dtype %s; weights must be F32, BF16, F16, or I8/U8 (quantized)",
                       ckpt_file_of(ld->m->ck, t), name, sft_dtype_name(t->dtype));
    int64_t want[2] = {rows, cols};
    if (check_shape(ld, t, want, 2) != 0) return -1;
    w->rows = (int)rows;
    w->cols = (int)cols;
    w->data = t->data;
    ld->m->weight_bytes += t->n_bytes;
    ld->n_types[w->type]++;
    return 0;
}

/* A matrix stored with more dims (the RG-LRU gates' [heads, bw, bw]) viewed
 * as 2-D [rows, cols]. */
static int get_mat_nd(loader *ld, wmat *w, const char *name, const int64_t *shape, int n_dims, int64_t rows,
                      int64_t cols) {
    const sft_tensor *t = find(ld, name);
    if (!t) return -1;
    if (to_wtype(t->dtype, &w->type) != 0)
        return err_set(ld->e, "%s: tensor \"%s\" has dtype %s; weights must be F32, BF16 or F16",
                       ckpt_file_of(ld->m->ck, t), name, sft_dtype_name(t->dtype));
    if (check_shape(ld, t, shape, n_dims) != 0) return -1;
    w->rows = (int)rows;
    w->cols = (int)cols;
    w->data = t->data;
    ld->m->weight_bytes += t->n_bytes;
    ld->n_types[w->type]++;
    return 0;
}

static float *own(loader *ld, size_t n) {
    model *m = ld->m;
    if (m->n_owned == m->cap_owned) {
        int cap = m->cap_owned ? 2 * m->cap_owned : 64;
        float **p = realloc(m->owned, (size_t)cap * sizeof *p);
        if (!p) return NULL;
        m->owned = p;
        m->cap_owned = cap;
    }
    float *v = malloc((n ? n : 1) * sizeof(float));
    if (v) m->owned[m->n_owned++] = v;
    return v;
}

/* A small tensor widened to an f32 copy; shape given as dims. */
static const float *get_vec_nd(loader *ld, const char *name, const int64_t *shape, int n_dims) {
    const sft_tensor *t = find(ld, name);
    if (!t) return NULL;
    wtype wt;
    if (to_wtype(t->dtype, &wt) != 0) {
        err_set(ld->e, "%s: tensor \"%s\" has dtype %s; weights must be F32, BF16 or F16", ckpt_file_of(ld->m->ck, t),
                name, sft_dtype_name(t->dtype));
        return NULL;
    }
    if (check_shape(ld, t, shape, n_dims) != 0) return NULL;
    float *v = own(ld, (size_t)t->n_elems);
    if (!v) {
        err_set(ld->e, "out of memory loading \"%s\"", name);
        return NULL;
    }
    wmat w = {.type = wt, .rows = 1, .cols = (int)t->n_elems, .data = t->data};
    for (int64_t i = 0; i < t->n_elems; i++) v[i] = wmat_at(&w, 0, i);
    ld->m->weight_bytes += t->n_bytes;
    return v;
}

static const float *get_vec(loader *ld, const char *name, int64_t n) { return get_vec_nd(ld, name, &n, 1); }

#define NAME(fmt, ...) (snprintf(nm, sizeof nm, fmt, __VA_ARGS__), nm)

static int load_griffin_layer(loader *ld, layer *l, int i) {
    const model_config *c = &ld->m->cfg;
    const int64_t D = c->width, L = c->lru_width, M = c->mlp_width, H = c->n_heads, bw = L / H;
    char nm[256];
    const char *p = "model.layers";
    if (!(l->pre_norm = get_vec(ld, NAME("%s.%d.temporal_pre_norm.weight", p, i), D))) return -1;
    if (!(l->mlp_norm = get_vec(ld, NAME("%s.%d.channel_pre_norm.weight", p, i), D))) return -1;
    if (get_mat(ld, &l->gate, NAME("%s.%d.mlp_block.gate_proj.weight", p, i), M, D)) return -1;
    if (get_mat(ld, &l->up, NAME("%s.%d.mlp_block.up_proj.weight", p, i), M, D)) return -1;
    if (get_mat(ld, &l->down, NAME("%s.%d.mlp_block.down_proj.weight", p, i), D, M)) return -1;
    if (!(l->gate_b = get_vec(ld, NAME("%s.%d.mlp_block.gate_proj.bias", p, i), M))) return -1;
    if (!(l->up_b = get_vec(ld, NAME("%s.%d.mlp_block.up_proj.bias", p, i), M))) return -1;
    if (!(l->down_b = get_vec(ld, NAME("%s.%d.mlp_block.down_proj.bias", p, i), D))) return -1;
    if (l->kind == BLOCK_ATTENTION) {
        const int64_t q_dim = H * c->head_dim, kv = (int64_t)c->n_kv_heads * c->head_dim;
        if (get_mat(ld, &l->q, NAME("%s.%d.temporal_block.q_proj.weight", p, i), q_dim, D)) return -1;
        if (get_mat(ld, &l->k, NAME("%s.%d.temporal_block.k_proj.weight", p, i), kv, D)) return -1;
        if (get_mat(ld, &l->v, NAME("%s.%d.temporal_block.v_proj.weight", p, i), kv, D)) return -1;
        if (get_mat(ld, &l->o, NAME("%s.%d.temporal_block.o_proj.weight", p, i), D, q_dim)) return -1;
        if (!(l->o_b = get_vec(ld, NAME("%s.%d.temporal_block.o_proj.bias", p, i), D))) return -1;
        return 0;
    }
    if (get_mat(ld, &l->lin_x, NAME("%s.%d.temporal_block.linear_x.weight", p, i), L, D)) return -1;
    if (get_mat(ld, &l->lin_y, NAME("%s.%d.temporal_block.linear_y.weight", p, i), L, D)) return -1;
    if (get_mat(ld, &l->lin_out, NAME("%s.%d.temporal_block.linear_out.weight", p, i), D, L)) return -1;
    if (!(l->lin_x_b = get_vec(ld, NAME("%s.%d.temporal_block.linear_x.bias", p, i), L))) return -1;
    if (!(l->lin_y_b = get_vec(ld, NAME("%s.%d.temporal_block.linear_y.bias", p, i), L))) return -1;
    if (!(l->lin_out_b = get_vec(ld, NAME("%s.%d.temporal_block.linear_out.bias", p, i), D))) return -1;
    int64_t conv_shape[3] = {L, 1, c->conv_width};
    if (!(l->conv_w = get_vec_nd(ld, NAME("%s.%d.temporal_block.conv_1d.weight", p, i), conv_shape, 3))) return -1;
    if (!(l->conv_b = get_vec(ld, NAME("%s.%d.temporal_block.conv_1d.bias", p, i), L))) return -1;
    int64_t gate_shape[3] = {H, bw, bw}, gb_shape[2] = {H, bw};
    if (get_mat_nd(ld, &l->gate_x, NAME("%s.%d.temporal_block.rg_lru.input_gate_weight", p, i), gate_shape, 3, H * bw, bw))
        return -1;
    if (get_mat_nd(ld, &l->gate_a, NAME("%s.%d.temporal_block.rg_lru.recurrent_gate_weight", p, i), gate_shape, 3,
                   H * bw, bw))
        return -1;
    if (!(l->gate_x_b = get_vec_nd(ld, NAME("%s.%d.temporal_block.rg_lru.input_gate_bias", p, i), gb_shape, 2))) return -1;
    if (!(l->gate_a_b = get_vec_nd(ld, NAME("%s.%d.temporal_block.rg_lru.recurrent_gate_bias", p, i), gb_shape, 2)))
        return -1;
    const float *param = get_vec(ld, NAME("%s.%d.temporal_block.rg_lru.recurrent_param", p, i), L);
    if (!param) return -1;
    /* softplus as torch computes it (beta 1, threshold 20), once at load. */
    float *sp = own(ld, (size_t)L);
    if (!sp) return err_set(ld->e, "out of memory");
    for (int64_t j = 0; j < L; j++) sp[j] = param[j] > 20.0f ? param[j] : log1pf(expf(param[j]));
    l->a_softplus = sp;
    return 0;
}

static int load_gemma_layer(loader *ld, layer *l, int i) {
    const model_config *c = &ld->m->cfg;
    const int64_t D = c->width, M = c->mlp_width, q_dim = (int64_t)c->n_heads * c->head_dim,
                  kv = (int64_t)c->n_kv_heads * c->head_dim;
    char nm[256];
    const char *p = "model.layers";
    if (!(l->pre_norm = get_vec(ld, NAME("%s.%d.input_layernorm.weight", p, i), D))) return -1;
    if (!(l->mlp_norm = get_vec(ld, NAME("%s.%d.post_attention_layernorm.weight", p, i), D))) return -1;
    if (get_mat(ld, &l->q, NAME("%s.%d.self_attn.q_proj.weight", p, i), q_dim, D)) return -1;
    if (get_mat(ld, &l->k, NAME("%s.%d.self_attn.k_proj.weight", p, i), kv, D)) return -1;
    if (get_mat(ld, &l->v, NAME("%s.%d.self_attn.v_proj.weight", p, i), kv, D)) return -1;
    if (get_mat(ld, &l->o, NAME("%s.%d.self_attn.o_proj.weight", p, i), D, q_dim)) return -1;
    if (get_mat(ld, &l->gate, NAME("%s.%d.mlp.gate_proj.weight", p, i), M, D)) return -1;
    if (get_mat(ld, &l->up, NAME("%s.%d.mlp.up_proj.weight", p, i), M, D)) return -1;
    if (get_mat(ld, &l->down, NAME("%s.%d.mlp.down_proj.weight", p, i), D, M)) return -1;
    return 0;
}

model *model_load(const char *dir, const model_load_opts *opts, errbuf *e) {
    model *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        free(m);
        err_set(e, "out of memory");
        return NULL;
    }
    loader ld = {.m = m, .e = e};
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (config_load(&m->cfg, path, e) != 0) goto fail;
    const model_config *c = &m->cfg;
    m->ck = ckpt_open(dir, opts ? opts->weights_file : NULL, e);
    if (!m->ck) goto fail;
    const char *norm_name = c->arch == ARCH_GRIFFIN ? "model.final_norm.weight" : "model.norm.weight";
    if (get_mat(&ld, &m->embed, "model.embed_tokens.weight", c->vocab_size, c->width) != 0) goto fail;
    if (!(m->final_norm = get_vec(&ld, norm_name, c->width))) goto fail;
    m->layers = calloc((size_t)c->n_layers, sizeof *m->layers);
    if (!m->layers) {
        err_set(e, "out of memory");
        goto fail;
    }
    int n_rec = 0, n_att = 0;
    for (int i = 0; i < c->n_layers; i++) {
        layer *l = &m->layers[i];
        l->kind = c->blocks[i];
        l->slot = l->kind == BLOCK_RECURRENT ? n_rec++ : n_att++;
        int rc = c->arch == ARCH_GRIFFIN ? load_griffin_layer(&ld, l, i) : load_gemma_layer(&ld, l, i);
        if (rc != 0) goto fail;
    }
    /* Griffin: sqrt(width) rounded to bf16, as the reference ("cast to
     * bfloat16 to match training"; torch.tensor makes it f32 first). Gemma:
     * sqrt(width) in the activation dtype, exact f32. */
    float s = (float)sqrt((double)c->width);
    m->embed_scale = !c->embed_scale ? 1.0f : c->embed_scale_bf16 ? bf16_to_f32(f32_to_bf16(s)) : s;
    int kinds = (ld.n_types[W_F32] > 0) + (ld.n_types[W_BF16] > 0) + (ld.n_types[W_F16] > 0);
    m->dtype_name = kinds > 1 ? "mixed" : ld.n_types[W_BF16] ? "bf16" : ld.n_types[W_F16] ? "f16" : "f32";
    /* Quantized checkpoints keep the gates (and by default the embedding)
     * in float: named after the quantized kind. */
    if (ld.n_types[W_Q8] || ld.n_types[W_Q4])
        m->dtype_name = ld.n_types[W_Q8] && ld.n_types[W_Q4] ? "int8+q4" : ld.n_types[W_Q4] ? "q4" : "int8";
    m->max_rows = (opts && opts->max_rows > 0) ? opts->max_rows : DEFAULT_MAX_ROWS;
    return m;
fail:
    model_free(m);
    return NULL;
}

void model_free(model *m) {
    if (!m) return;
    for (int i = 0; i < m->n_owned; i++) free(m->owned[i]);
    free(m->owned);
    free(m->layers);
    ckpt_close(m->ck);
    arena_deinit(&m->scratch);
    free(m->dir);
    free(m);
}

const model_config *model_cfg(const model *m) { return &m->cfg; }
const char *model_dir(const model *m) { return m->dir; }
size_t model_weight_bytes(const model *m) { return m->weight_bytes; }
long long model_n_params(const model *m) { return config_n_params(&m->cfg); }
const char *model_dtype_name(const model *m) { return m->dtype_name; }
