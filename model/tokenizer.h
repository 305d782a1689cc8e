/* model/tokenizer.h: SentencePiece tokenization behind a C interface.
 *
 * The implementation (model/tokenizer_sp.cc) is the project's only C++: a
 * thin extern "C" shim over the Debian libsentencepiece. Encoding is the
 * model's own (for Gemma-family models: no dummy prefix, digits split, byte
 * fallback, whitespace kept), plus what Hugging Face's GemmaTokenizer does on
 * top of SentencePiece, so text tokenizes exactly as it does there:
 *   - the literal text of a special piece (<bos>, <eos>, <pad>, <unk>: every
 *     control piece and the unknown piece) becomes that piece's id instead of
 *     being spelled out, and the text between them is encoded separately;
 *   - with add_bos, <bos> is put first unless the text already starts with
 *     the literal "<bos>" (lm-eval's rule, ../shared/TASKS.md A.0).
 * Text must be UTF-8; SentencePiece turns each invalid byte into U+FFFD.
 * Decoding skips the special pieces and keeps the leading space of the first
 * piece (SentencePiece strips it only for models with a dummy prefix).
 *
 * The project's default tokenizer is assets/tokenizer.model (8192 pieces,
 * Gemma's settings; docs/tokenizer.md says how it is made). */
#ifndef GRIFFIN_MODEL_TOKENIZER_H
#define GRIFFIN_MODEL_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The default tokenizer, relative to the repository root. */
#define TOK_DEFAULT_PATH "assets/tokenizer.model"

typedef struct tok tok;

/* Loads a tokenizer.model file; NULL with a message naming the file if it is
 * missing, unreadable, truncated or not a SentencePiece model, or if its
 * special pieces are inconsistent (for example <bos> not a control piece). */
tok *tok_load(const char *path, errbuf *e);
void tok_free(tok *t); /* NULL is fine */

int tok_vocab_size(const tok *t);
/* Special ids; -1 when the model has no such piece. */
int tok_bos_id(const tok *t);
int tok_eos_id(const tok *t);
int tok_pad_id(const tok *t);
int tok_unk_id(const tok *t);

/* Encodes n_bytes of text (need not be NUL-terminated; text may be NULL when
 * n_bytes is 0), with <bos> first when add_bos (see above). Writes the first
 * min(count, cap) ids to ids[] (ids may be NULL when cap is 0) and returns
 * count, the number of ids the text needs: when it exceeds cap, call again
 * with a larger buffer. -1 on error (cap < 0, or add_bos with no <bos>). */
int tok_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t *ids, int cap, errbuf *e);
/* As tok_encode, into a heap array the caller frees (never NULL on
 * success, even for 0 ids); returns the count, or -1 with *ids NULL. */
int tok_encode_alloc(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t **ids, errbuf *e);

/* Decodes ids to NUL-terminated UTF-8 text, skipping the special pieces; the
 * caller frees the result. Out-of-range ids are an error naming the id and
 * its position. Incomplete UTF-8 from byte pieces becomes U+FFFD. NULL on
 * error. */
char *tok_decode(const tok *t, const int32_t *ids, int n, errbuf *e);
/* The bytes one id contributes to decoded text, for streaming: "▁" becomes a
 * space, <0xNN> the byte NN, special pieces nothing. Writes min(needed, cap)
 * bytes to dst (no NUL) and returns the bytes needed; -1 if id is out of
 * range. Concatenating the pieces of valid text gives tok_decode's result
 * for models without a dummy prefix (Gemma's and the default one). */
int tok_piece_text(const tok *t, int id, char *dst, int cap);
/* The piece string of one id ("▁the", "<0x0A>", "<bos>"), or NULL if the id
 * is out of range. Owned by the tokenizer. */
const char *tok_piece(const tok *t, int id);
/* The id of a piece, or -1 when it is not in the vocabulary. */
int tok_piece_id(const tok *t, const char *piece);
/* 1 if id is a control token (<bos>, <eos>, <pad>, ...). */
int tok_is_control(const tok *t, int id);
/* 1 if id is a byte-fallback piece <0xNN>. */
int tok_is_byte(const tok *t, int id);
/* SHA-256 hex of the serialized model file, for the store (65 bytes). */
const char *tok_sha256(const tok *t);

#endif
