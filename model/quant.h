/* model/quant.h: quantized checkpoints (`griffin quantize`).
 *
 * A quantized model directory is an ordinary one (config.json,
 * tokenizer.model, model.safetensors) whose linear-layer weight matrices
 * are stored quantized, each as up to three tensors:
 *
 *   NAME          W_Q8: dtype I8, shape [rows, cols]: q in [-127, 127]
 *                 W_Q4: dtype U8, shape [rows, 16 * ceil(cols / 32)]: two
 *                       4-bit q per byte; per block of 32 columns byte j
 *                       holds column j (low nibble) and j + 16 (high)
 *   NAME.scales   dtype F16, shape [rows, ceil(cols / group)]
 *   NAME.offsets  W_Q4 only: dtype F16, same shape
 *
 * so w[r][c] = q * scales[r][c / group] (+ offsets[r][c / group] for Q4),
 * group 32 or 64 (recorded in the file's metadata as "griffin.quant.group";
 * the loader also infers it from the shapes). NAME is the Hugging Face name
 * the float weight had. Everything else is copied unchanged: embeddings,
 * norms, biases, conv1d taps, the RG-LRU gates and recurrent parameter. The
 * tied embedding (also the output projection) is quantized only on request
 * (quant_opts.embed), since every logit depends on it. */
#ifndef GRIFFIN_MODEL_QUANT_H
#define GRIFFIN_MODEL_QUANT_H

#include "common/err.h"
#include "kernels/kernels.h"
#include "model/model.h"

typedef struct quant_opts {
    wtype to;        /* W_Q8 or W_Q4 */
    int group;       /* 32 or 64; 0: 64 for W_Q8, 32 for W_Q4 */
    int embed;       /* also quantize model.embed_tokens.weight (to W_Q8) */
    void (*progress)(void *arg, long done, long total); /* bytes; may be NULL */
    void *progress_arg;
} quant_opts;

/* Reads the model in src_dir (validated by loading it) and writes the
 * quantized checkpoint to dst_dir (created): model.safetensors, and
 * config.json and tokenizer.model copied. Streams tensor by tensor; the
 * threads of p quantize blocks of rows. Returns 0 or -1 with e set. */
int quant_write(const char *src_dir, const char *dst_dir, const quant_opts *o, pool *p, errbuf *e);

/* How far a quantized model's next-token distributions are from its
 * source's, over one token sequence (teacher-forced: both see the same
 * tokens). KL(P_base || P_quant) per position, in nats, computed in double
 * from log-softmax of each model's logits. */
typedef struct quant_quality {
    long n_positions;
    double mean_kl, max_kl;
    double top1_agree;       /* share of positions whose argmax agrees */
    double mean_abs_logit_diff, max_abs_logit_diff;
} quant_quality;

/* Runs both models over tokens[0..n) (chunks of `chunk` positions, logits
 * for every position) and fills q. Both models must share the vocabulary. */
int quant_compare(model *base, model *quant, const kctx *k, const int32_t *tokens, int n, int chunk,
                  quant_quality *q, errbuf *e);

/* Whether a tensor of the model is one quant_write quantizes. */
int quant_is_quantized_name(const char *name, int embed);

#endif
