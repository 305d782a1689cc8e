/* datasets/input.h: the bytes of a dataset file, whatever its container.
 *
 * Dataset releases come as plain text, as one compressed file (.gz, .bz2,
 * .xz, .zst) or inside an archive (.zip, .tar, .tar.gz). ds_input_read hides
 * the difference: compression is detected from the first bytes, not the file
 * name, and archives are read through libarchive. Every format reader in
 * datasets/ works on the buffer this returns. */
#ifndef GRIFFIN_DATASETS_INPUT_H
#define GRIFFIN_DATASETS_INPUT_H

#include <stddef.h>

#include "common/err.h"

/* Largest decompressed dataset file we accept: far above any evaluation
 * split, low enough that a decompression bomb fails cleanly. */
#define DS_INPUT_MAX_BYTES ((size_t)1 << 30)

/* Reads path into a NUL-terminated heap buffer (caller frees) and sets
 * *n_bytes (the NUL not counted).
 * member == NULL: path is a plain file or a single compressed file (gzip,
 *   bzip2, xz, zstd), decompressed when its magic bytes say so.
 * member != NULL: path is an archive (zip, tar, compressed tar) and the
 *   entry whose path name equals member is returned.
 * Fails (NULL, message naming path and member) on a missing file, corrupt or
 * truncated compressed data, a missing member, or more than max_bytes. */
char *ds_input_read(const char *path, const char *member, size_t max_bytes, size_t *n_bytes, errbuf *e);

/* Returns 1 if the archive at path holds an entry named member, 0 if not,
 * -1 (message set) if it cannot be read as an archive. */
int ds_input_has_member(const char *path, const char *member, errbuf *e);

/* Returns 1 when the buffer starts with the magic bytes of a compressed
 * stream libarchive can undo (gzip, bzip2, xz, zstd), else 0. */
int ds_input_is_compressed(const unsigned char *head, size_t n_bytes);

#endif
