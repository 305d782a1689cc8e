/* model/init.c: random checkpoints with the initialisers of
 * google-deepmind/recurrentgemma (torch/modules.py, torch/layers.py):
 *   embeddings             N(0, 1/width)
 *   linear_x, linear_y,
 *   q, k, v, MLP up/gate   N(0, 1/fan_in)
 *   linear_out, o, down    N(0, final_scale/fan_in), final_scale = 2/layers
 *   conv1d                 N(0, 0.01/temporal_width)
 *   RG-LRU gate blocks     N(0, 1/block_width)
 *   RG-LRU lambda          a = radius^2 ~ U(0.9^2, 0.999^2), stored as
 *                          softplus^-1(-log(radius))
 *   biases, norm scales    0
 * The Gemma baseline uses N(0, 1/fan_in) throughout and zero norm scales.
 *
 * Values are drawn in chunks, each from its own generator seeded by (seed,
 * tensor, chunk), so threads can fill chunks in any order and the bytes only
 * depend on the seed. */
#include "model/init.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/half.h"
#include "common/rng.h"
#include "model/safetensors.h"

#define INIT_CHUNK_ELEMS (1L << 16)
#define INIT_BLOCK_CHUNKS 256 /* chunks generated per write: 16M elements */

typedef enum init_kind { INIT_ZERO, INIT_NORMAL, INIT_RGLRU_LAMBDA } init_kind;

typedef struct plan {
    char name[160];
    int n_dims;
    int64_t shape[3];
    init_kind kind;
    double std;
} plan;

typedef struct plans {
    plan *v;
    int n, cap;
} plans;

static int add(plans *ps, init_kind kind, double std, int n_dims, int64_t d0, int64_t d1, int64_t d2,
               const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static int add(plans *ps, init_kind kind, double std, int n_dims, int64_t d0, int64_t d1, int64_t d2,
               const char *fmt, ...) {
    if (ps->n == ps->cap) {
        int cap = ps->cap ? 2 * ps->cap : 256;
        plan *v = realloc(ps->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        ps->v = v;
        ps->cap = cap;
    }
    plan *p = &ps->v[ps->n++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->name, sizeof p->name, fmt, ap);
    va_end(ap);
    p->kind = kind;
    p->std = std;
    p->n_dims = n_dims;
    p->shape[0] = d0;
    p->shape[1] = d1;
    p->shape[2] = d2;
    return 0;
}

#define NORMAL(std, ...) add(ps, INIT_NORMAL, std, __VA_ARGS__)
#define ZERO(...) add(ps, INIT_ZERO, 0, __VA_ARGS__)

static int griffin_plan(const model_config *c, plans *ps) {
    const int64_t D = c->width, L = c->lru_width, M = c->mlp_width, H = c->n_heads, bw = L / H;
    const int64_t q = (int64_t)c->n_heads * c->head_dim, kv = (int64_t)c->n_kv_heads * c->head_dim;
    const double fs = 2.0 / c->n_layers;
    int rc = 0;
    rc |= NORMAL(sqrt(1.0 / D), 2, c->vocab_size, D, 0, "model.embed_tokens.weight");
    rc |= ZERO(1, D, 0, 0, "model.final_norm.weight");
    for (int i = 0; i < c->n_layers; i++) {
        const char *p = "model.layers";
        rc |= ZERO(1, D, 0, 0, "%s.%d.temporal_pre_norm.weight", p, i);
        rc |= ZERO(1, D, 0, 0, "%s.%d.channel_pre_norm.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, M, D, 0, "%s.%d.mlp_block.gate_proj.weight", p, i);
        rc |= ZERO(1, M, 0, 0, "%s.%d.mlp_block.gate_proj.bias", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, M, D, 0, "%s.%d.mlp_block.up_proj.weight", p, i);
        rc |= ZERO(1, M, 0, 0, "%s.%d.mlp_block.up_proj.bias", p, i);
        rc |= NORMAL(sqrt(fs / M), 2, D, M, 0, "%s.%d.mlp_block.down_proj.weight", p, i);
        rc |= ZERO(1, D, 0, 0, "%s.%d.mlp_block.down_proj.bias", p, i);
        if (c->blocks[i] == BLOCK_ATTENTION) {
            rc |= NORMAL(sqrt(1.0 / D), 2, q, D, 0, "%s.%d.temporal_block.q_proj.weight", p, i);
            rc |= NORMAL(sqrt(1.0 / D), 2, kv, D, 0, "%s.%d.temporal_block.k_proj.weight", p, i);
            rc |= NORMAL(sqrt(1.0 / D), 2, kv, D, 0, "%s.%d.temporal_block.v_proj.weight", p, i);
            rc |= NORMAL(sqrt(fs / q), 2, D, q, 0, "%s.%d.temporal_block.o_proj.weight", p, i);
            rc |= ZERO(1, D, 0, 0, "%s.%d.temporal_block.o_proj.bias", p, i);
            continue;
        }
        rc |= NORMAL(sqrt(1.0 / D), 2, L, D, 0, "%s.%d.temporal_block.linear_x.weight", p, i);
        rc |= ZERO(1, L, 0, 0, "%s.%d.temporal_block.linear_x.bias", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, L, D, 0, "%s.%d.temporal_block.linear_y.weight", p, i);
        rc |= ZERO(1, L, 0, 0, "%s.%d.temporal_block.linear_y.bias", p, i);
        rc |= NORMAL(sqrt(fs / L), 2, D, L, 0, "%s.%d.temporal_block.linear_out.weight", p, i);
        rc |= ZERO(1, D, 0, 0, "%s.%d.temporal_block.linear_out.bias", p, i);
        rc |= NORMAL(sqrt(0.01 / c->conv_width), 3, L, 1, c->conv_width, "%s.%d.temporal_block.conv_1d.weight", p, i);
        rc |= ZERO(1, L, 0, 0, "%s.%d.temporal_block.conv_1d.bias", p, i);
        rc |= NORMAL(sqrt(1.0 / bw), 3, H, bw, bw, "%s.%d.temporal_block.rg_lru.input_gate_weight", p, i);
        rc |= ZERO(2, H, bw, 0, "%s.%d.temporal_block.rg_lru.input_gate_bias", p, i);
        rc |= NORMAL(sqrt(1.0 / bw), 3, H, bw, bw, "%s.%d.temporal_block.rg_lru.recurrent_gate_weight", p, i);
        rc |= ZERO(2, H, bw, 0, "%s.%d.temporal_block.rg_lru.recurrent_gate_bias", p, i);
        rc |= add(ps, INIT_RGLRU_LAMBDA, 0, 1, L, 0, 0, "%s.%d.temporal_block.rg_lru.recurrent_param", p, i);
    }
    return rc ? -1 : 0;
}

static int gemma_plan(const model_config *c, plans *ps) {
    const int64_t D = c->width, M = c->mlp_width;
    const int64_t q = (int64_t)c->n_heads * c->head_dim, kv = (int64_t)c->n_kv_heads * c->head_dim;
    int rc = 0;
    rc |= NORMAL(sqrt(1.0 / D), 2, c->vocab_size, D, 0, "model.embed_tokens.weight");
    rc |= ZERO(1, D, 0, 0, "model.norm.weight");
    for (int i = 0; i < c->n_layers; i++) {
        const char *p = "model.layers";
        rc |= ZERO(1, D, 0, 0, "%s.%d.input_layernorm.weight", p, i);
        rc |= ZERO(1, D, 0, 0, "%s.%d.post_attention_layernorm.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, q, D, 0, "%s.%d.self_attn.q_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, kv, D, 0, "%s.%d.self_attn.k_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, kv, D, 0, "%s.%d.self_attn.v_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / q), 2, D, q, 0, "%s.%d.self_attn.o_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, M, D, 0, "%s.%d.mlp.gate_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / D), 2, M, D, 0, "%s.%d.mlp.up_proj.weight", p, i);
        rc |= NORMAL(sqrt(1.0 / M), 2, D, M, 0, "%s.%d.mlp.down_proj.weight", p, i);
    }
    return rc ? -1 : 0;
}

static int64_t plan_elems(const plan *p) {
    int64_t n = 1;
    for (int i = 0; i < p->n_dims; i++) n *= p->shape[i];
    return n;
}

typedef struct fill_job {
    const plan *p;
    uint64_t seed;
    int tensor;
    long chunk0, n_chunks; /* chunks of this block */
    int64_t n_elems;       /* of the tensor */
    wtype dtype;
    void *out;             /* the block's bytes */
} fill_job;

static float draw(const plan *p, rng *r, double *spare, int *have_spare) {
    switch (p->kind) {
    case INIT_ZERO: return 0.0f;
    case INIT_NORMAL: {
        if (*have_spare) {
            *have_spare = 0;
            return (float)(*spare * p->std);
        }
        double z0, z1;
        rng_normal2(r, &z0, &z1);
        *spare = z1;
        *have_spare = 1;
        return (float)(z0 * p->std);
    }
    case INIT_RGLRU_LAMBDA: {
        const double lo = 0.9 * 0.9 + 1e-8, hi = 0.999 * 0.999 + 1e-8;
        double u = lo + (hi - lo) * rng_uniform(r);
        double log_radius = 0.5 * log(u);
        return (float)log(exp(-log_radius) - 1.0);
    }
    }
    return 0.0f;
}

static void fill_task(void *arg, int ith, int nth) {
    const fill_job *j = arg;
    long lo, hi;
    pool_split(j->n_chunks, ith, nth, &lo, &hi);
    for (long c = lo; c < hi; c++) {
        long chunk = j->chunk0 + c;
        int64_t e0 = chunk * INIT_CHUNK_ELEMS;
        int64_t e1 = e0 + INIT_CHUNK_ELEMS < j->n_elems ? e0 + INIT_CHUNK_ELEMS : j->n_elems;
        uint64_t s = j->seed ^ ((uint64_t)j->tensor * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)chunk << 20);
        rng r;
        rng_seed(&r, s);
        double spare = 0;
        int have_spare = 0;
        for (int64_t i = e0; i < e1; i++) {
            float v = draw(j->p, &r, &spare, &have_spare);
            int64_t k = i - j->chunk0 * INIT_CHUNK_ELEMS;
            if (j->dtype == W_BF16) ((bf16 *)j->out)[k] = f32_to_bf16(v);
            else ((float *)j->out)[k] = v;
        }
    }
}

int model_init_write(const model_config *c, const char *dir, wtype dtype, uint64_t seed, pool *p, errbuf *e) {
    if (dtype != W_F32 && dtype != W_BF16) return err_set(e, "init-model: dtype must be f32 or bf16");
    if (file_mkdirs(dir, e) != 0) return -1;
    plans ps = {0};
    if ((c->arch == ARCH_GRIFFIN ? griffin_plan(c, &ps) : gemma_plan(c, &ps)) != 0) {
        free(ps.v);
        return err_set(e, "init-model: out of memory");
    }
    sft_desc *descs = calloc((size_t)ps.n, sizeof *descs);
    void *buf = malloc((size_t)INIT_BLOCK_CHUNKS * INIT_CHUNK_ELEMS * sizeof(float));
    if (!descs || !buf) {
        free(ps.v);
        free(descs);
        free(buf);
        return err_set(e, "init-model: out of memory");
    }
    for (int i = 0; i < ps.n; i++) {
        descs[i].name = ps.v[i].name;
        descs[i].dtype = dtype == W_BF16 ? SFT_BF16 : SFT_F32;
        descs[i].n_dims = ps.v[i].n_dims;
        memcpy(descs[i].shape, ps.v[i].shape, sizeof ps.v[i].shape);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    const char *meta[] = {"format", "pt", "generator", "griffin init-model"};
    sft_writer *w = sft_writer_open(path, descs, ps.n, meta, 2, e);
    int rc = w ? 0 : -1;
    const size_t eb = wtype_bytes(dtype);
    for (int i = 0; rc == 0 && i < ps.n; i++) {
        int64_t n = plan_elems(&ps.v[i]);
        long n_chunks = (long)((n + INIT_CHUNK_ELEMS - 1) / INIT_CHUNK_ELEMS);
        for (long c0 = 0; rc == 0 && c0 < n_chunks; c0 += INIT_BLOCK_CHUNKS) {
            fill_job j = {&ps.v[i], seed, i, c0, n_chunks - c0 < INIT_BLOCK_CHUNKS ? n_chunks - c0 : INIT_BLOCK_CHUNKS,
                          n, dtype, buf};
            pool_run(p, fill_task, &j);
            int64_t e0 = c0 * INIT_CHUNK_ELEMS, e1 = (c0 + j.n_chunks) * INIT_CHUNK_ELEMS;
            if (e1 > n) e1 = n;
            rc = sft_writer_write(w, buf, (size_t)(e1 - e0) * eb, e);
        }
    }
    if (rc == 0) rc = sft_writer_finish(w, e);
    else sft_writer_abort(w);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/config.json", dir);
        rc = config_write(c, path, e);
    }
    free(ps.v);
    free(descs);
    free(buf);
    return rc;
}
