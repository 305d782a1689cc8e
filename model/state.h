/* model/state.h: per-sequence state.
 *
 * Griffin: per recurrent layer the RG-LRU vector (f32, lru_width) and the
 * last conv_width - 1 conv1d inputs; per attention layer a ring buffer of at
 * most `window` keys and values. So a Griffin state stops growing once the
 * sequence passes the window. Gemma: a KV cache that grows with the sequence.
 * Ring storage grows on demand (doubling) up to that bound, so short
 * sequences stay small and cheap to copy. */
#ifndef GRIFFIN_MODEL_STATE_H
#define GRIFFIN_MODEL_STATE_H

#include <stddef.h>

#include "common/err.h"
#include "model/model.h"

state *state_create(const model *m, errbuf *e);
void state_free(state *s); /* NULL is fine */
/* Back to position 0 (keeps the memory). */
void state_reset(state *s);
/* dst becomes an exact copy of src (same model); grows dst if needed. A
 * caller snapshots after a shared context and continues from the copy. */
int state_copy(state *dst, const state *src, errbuf *e);
/* Tokens consumed so far. */
long state_pos(const state *s);
/* Bytes currently allocated. */
size_t state_bytes(const state *s);

#endif
