/* model/checkpoint.h: the tensors of a model directory, across shards.
 *
 * A directory holds either model.safetensors or the shards listed by
 * model.safetensors.index.json ("weight_map": tensor -> shard file). All
 * files are memory-mapped; tensors point into the maps. */
#ifndef GRIFFIN_MODEL_CHECKPOINT_H
#define GRIFFIN_MODEL_CHECKPOINT_H

#include "common/err.h"
#include "model/safetensors.h"

typedef struct ckpt ckpt;

/* weights_file: NULL for the default (index, else model.safetensors), or a
 * file name inside dir to load instead (e.g. "model-bf16.safetensors"). */
ckpt *ckpt_open(const char *dir, const char *weights_file, errbuf *e);
void ckpt_close(ckpt *c); /* NULL is fine */

/* NULL when absent. */
const sft_tensor *ckpt_find(const ckpt *c, const char *name);
/* The shard file that holds the tensor (for messages). */
const char *ckpt_file_of(const ckpt *c, const sft_tensor *t);
int ckpt_n_files(const ckpt *c);
const sft_file *ckpt_file_at(const ckpt *c, int i);
/* Sum of the sizes of all tensors. */
size_t ckpt_tensor_bytes(const ckpt *c);

#endif
