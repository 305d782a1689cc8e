/* model/init.h: random-weight checkpoints with the reference's initialisers,
 * for benchmarks and tests (`griffin init-model`). */
#ifndef GRIFFIN_MODEL_INIT_H
#define GRIFFIN_MODEL_INIT_H

#include <stdint.h>

#include "common/err.h"
#include "kernels/kernels.h"
#include "model/config.h"

/* Writes dir/config.json and dir/model.safetensors (f32 or bf16) for c,
 * streaming the weights (never more than a few tens of MB in memory), with
 * the tensors of HF RecurrentGemmaForCausalLM / GemmaForCausalLM. The same
 * seed gives the same bytes whatever the number of threads. */
int model_init_write(const model_config *c, const char *dir, wtype dtype, uint64_t seed, pool *p, errbuf *e);

#endif
