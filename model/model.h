/* model/model.h: the inference engine's public interface.
 *
 * A model is loaded from a Hugging Face directory (config.json, safetensors
 * weights, memory-mapped), for either architecture in model/config.h. The
 * caller keeps one state per sequence (model/state.h) and advances any set of
 * sequences together with model_forward: each by any number of tokens
 * (prefill) or by one (decode), getting logits for as many of the last new
 * positions as it asks for. */
#ifndef GRIFFIN_MODEL_MODEL_H
#define GRIFFIN_MODEL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "kernels/kernels.h"
#include "model/config.h"

typedef struct model model;
typedef struct state state;

typedef struct model_load_opts {
    const char *weights_file; /* NULL: the directory's default weights */
    int max_rows;             /* tokens per internal chunk; 0 = default */
} model_load_opts;

/* Loads and validates dir; NULL on error with a message naming the file and
 * tensor. opts may be NULL. */
model *model_load(const char *dir, const model_load_opts *opts, errbuf *e);
void model_free(model *m); /* NULL is fine */

const model_config *model_cfg(const model *m);
const char *model_dir(const model *m);
/* Bytes of the weight tensors the model uses (mapped, not copied). */
size_t model_weight_bytes(const model *m);
long long model_n_params(const model *m);
/* The weights' storage type ("f32", "bf16", "f16", or "mixed"). */
const char *model_dtype_name(const model *m);
/* Bytes one sequence's state needs once it holds n_tokens tokens: constant
 * past the attention window for Griffin, linear for the Gemma KV cache. */
size_t model_state_bytes(const model *m, long n_tokens);

/* One sequence's part of a forward pass. */
typedef struct model_seq {
    state *st;             /* borrowed; advanced by n_tokens */
    const int32_t *tokens; /* n_tokens ids */
    int n_tokens;          /* >= 1 */
    int n_logits;          /* logits for the last n_logits positions, 0..n_tokens */
    float *logits;         /* [n_logits, vocab], caller-owned; NULL when n_logits == 0 */
} model_seq;

/* Advances every sequence by its tokens. Row j of seq->logits holds the
 * distribution after token n_tokens - n_logits + j. Inputs are checked (token
 * ids, distinct states of this model) before any state changes; on error no
 * state has moved. Not thread-safe on one model (it owns the scratch). */
int model_forward(model *m, const kctx *k, model_seq *seqs, int n_seqs, errbuf *e);

#endif
