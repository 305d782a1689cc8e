/* model/config.h: the architecture description read from config.json.
 *
 * Two families share one description: Griffin / RecurrentGemma (HF
 * "recurrent_gemma": recurrent and local-attention blocks) and the Gemma-1
 * transformer baseline (HF "gemma": global attention in every block). */
#ifndef GRIFFIN_MODEL_CONFIG_H
#define GRIFFIN_MODEL_CONFIG_H

#include "common/err.h"

#define CONFIG_MAX_LAYERS 256

typedef enum model_arch { ARCH_GRIFFIN, ARCH_GEMMA } model_arch;
typedef enum block_kind { BLOCK_RECURRENT, BLOCK_ATTENTION } block_kind;

typedef struct model_config {
    model_arch arch;
    int vocab_size;
    int width;          /* hidden size */
    int n_layers;
    int n_heads;        /* attention heads, and RG-LRU gate blocks */
    int n_kv_heads;
    int head_dim;
    int lru_width;      /* Griffin only */
    int mlp_width;      /* per branch: HF recurrent_gemma intermediate_size / 2 */
    int window;         /* attention window; 0 = global (Gemma) */
    int conv_width;     /* Griffin conv1d temporal width */
    float soft_cap;     /* 0 = none */
    float norm_eps;
    float rope_theta;
    float rotary_fraction; /* share of head_dim that RoPE rotates */
    int embed_scale_bf16;  /* scale by sqrt(width) rounded to bf16 (Griffin) */
    int embed_scale;       /* scale embeddings by sqrt(width) at all */
    int max_positions;     /* Gemma: max_position_embeddings (informational) */
    int bos_id, eos_id, pad_id;
    block_kind blocks[CONFIG_MAX_LAYERS];
} model_config;

/* Parses config.json text; `path` names it in messages. Validates every
 * field's type and range and the relations between them. */
int config_parse(model_config *c, const char *json, const char *path, errbuf *e);
int config_load(model_config *c, const char *path, errbuf *e);
/* Writes c as a Hugging Face config.json (atomic). */
int config_write(const model_config *c, const char *path, errbuf *e);

int config_n_attention_layers(const model_config *c);
int config_n_recurrent_layers(const model_config *c);
/* Parameter count implied by the shapes. */
long long config_n_params(const model_config *c);
/* Arithmetic (a multiply-add counts 2) of feeding n_tok tokens to one
 * sequence that has already seen pos0, with n_logits rows of logits: every
 * linear layer (2 per weight and token), attention over the keys each new
 * position sees (the window, or every earlier position for global
 * attention: 4 per head dimension, head and key). Elementwise work, norms
 * and the conv1d are left out (a few per cent at most). For roofline
 * fractions. */
double config_forward_flops(const model_config *c, long pos0, long n_tok, long n_logits);

/* Fills c with a named preset ("tiny", "small", "2b", "9b" for Griffin;
 * "gemma-tiny", "gemma-small", "gemma-2b" for Gemma) and a vocabulary size.
 * Returns -1 for an unknown name, with the known names in e. */
int config_preset(model_config *c, const char *name, int vocab_size, errbuf *e);
extern const char *const config_preset_names; /* "tiny, small, ..." for help */

#endif
