/* model/tokenizer.h: SentencePiece tokenization behind a C interface.
 *
 * The implementation (model/tokenizer_sp.cc) is the project's only C++: a
 * thin extern "C" shim over the Debian libsentencepiece. Encoding is the
 * model's own (for Gemma-family models: no dummy prefix, digits split, byte
 * fallback, whitespace kept), so text tokenizes exactly as Hugging Face's
 * GemmaTokenizer does. Decoding skips control tokens (<bos>, <eos>, <pad>)
 * and keeps the leading space of the first piece. */
#ifndef GRIFFIN_MODEL_TOKENIZER_H
#define GRIFFIN_MODEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct tok tok;

/* Loads a tokenizer.model file; NULL with a message naming the file if it is
 * missing or not a SentencePiece model. */
tok *tok_load(const char *path, errbuf *e);
void tok_free(tok *t); /* NULL is fine */

int tok_vocab_size(const tok *t);
int tok_bos_id(const tok *t);
int tok_eos_id(const tok *t);
int tok_pad_id(const tok *t);
int tok_unk_id(const tok *t);

/* Encodes n_bytes of text (need not be NUL-terminated), with <bos> first when
 * add_bos. Returns the number of ids written to ids[0..cap); when the return
 * value exceeds cap, call again with a larger buffer. -1 on error. */
int tok_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t *ids, int cap, errbuf *e);
/* As tok_encode, into a heap array the caller frees; returns the count. */
int tok_encode_alloc(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t **ids, errbuf *e);

/* Decodes ids to UTF-8 text, skipping control tokens; the caller frees the
 * result. Out-of-range ids are an error. NULL on error. */
char *tok_decode(const tok *t, const int32_t *ids, int n, errbuf *e);
/* The piece string of one id ("▁the", "<0x0A>", "<bos>"), or NULL if the id
 * is out of range. Owned by the tokenizer. */
const char *tok_piece(const tok *t, int id);
/* The id of a piece, or -1 when it is not in the vocabulary. */
int tok_piece_id(const tok *t, const char *piece);
/* 1 if id is a control token (<bos>, <eos>, <pad>, ...). */
int tok_is_control(const tok *t, int id);
/* SHA-256 hex of the serialized model file, for the store (65 bytes). */
const char *tok_sha256(const tok *t);

#endif
