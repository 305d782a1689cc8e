/* model/safetensors.h: read and write the safetensors format.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON mapping
 * tensor name -> {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the byte after the header), an optional "__metadata__" object of
 * strings, then the raw little-endian data.
 *
 * The reader is built for hostile input: every length, offset and shape is
 * checked (overflow, bounds, overlap, dtype size, alignment) before any data
 * pointer is handed out, and each failure names the file and the tensor. */
#ifndef GRIFFIN_MODEL_SAFETENSORS_H
#define GRIFFIN_MODEL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SFT_MAX_DIMS 8
#define SFT_MAX_HEADER_BYTES (100u << 20) /* as the reference library */
#define SFT_MAX_NAME_BYTES 256

typedef enum sft_dtype {
    SFT_F32, SFT_F16, SFT_BF16, SFT_F64, SFT_I64, SFT_I32, SFT_I16, SFT_I8, SFT_U8, SFT_BOOL,
    SFT_N_DTYPES
} sft_dtype;

typedef struct sft_tensor {
    char name[SFT_MAX_NAME_BYTES];
    sft_dtype dtype;
    int n_dims;
    int64_t shape[SFT_MAX_DIMS];
    const void *data;   /* into the mapped file; aligned to the dtype size */
    size_t n_bytes;
    int64_t n_elems;
} sft_tensor;

typedef struct sft_file sft_file;

/* Maps and validates path. NULL on error (message in e). */
sft_file *sft_open(const char *path, errbuf *e);
/* Validates a buffer the caller keeps alive (used by the fuzz target and by
 * tests); `label` names it in messages. */
sft_file *sft_open_memory(const void *bytes, size_t n_bytes, const char *label, errbuf *e);
void sft_close(sft_file *f); /* NULL is fine */

const char *sft_path(const sft_file *f);
int sft_n_tensors(const sft_file *f);
const sft_tensor *sft_tensor_at(const sft_file *f, int i);
/* NULL when absent. */
const sft_tensor *sft_find(const sft_file *f, const char *name);
/* A "__metadata__" string value, or NULL. */
const char *sft_metadata(const sft_file *f, const char *key);

size_t sft_dtype_bytes(sft_dtype t);
const char *sft_dtype_name(sft_dtype t);
/* Returns the dtype for a name like "BF16", or -1. */
int sft_dtype_parse(const char *name);

/* Streaming writer: the header is written from the descriptions first, then
 * each tensor's bytes in order, so a 5 GB checkpoint is never held in memory.
 * Writes to path.tmp and renames on sft_writer_finish. */
typedef struct sft_writer sft_writer;
typedef struct sft_desc {
    const char *name;
    sft_dtype dtype;
    int n_dims;
    int64_t shape[SFT_MAX_DIMS];
} sft_desc;

sft_writer *sft_writer_open(const char *path, const sft_desc *descs, int n_descs,
                            const char *const *meta_kv, int n_meta, errbuf *e);
/* Appends bytes of the current tensor(s); tensors are written in descs order. */
int sft_writer_write(sft_writer *w, const void *data, size_t n_bytes, errbuf *e);
/* Checks every byte was written, then renames into place. Frees w. */
int sft_writer_finish(sft_writer *w, errbuf *e);
void sft_writer_abort(sft_writer *w); /* removes the temporary file; NULL ok */

#endif
