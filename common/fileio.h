/* common/fileio.h: whole-file reads, read-only memory maps, atomic writes. */
#ifndef GRIFFIN_COMMON_FILEIO_H
#define GRIFFIN_COMMON_FILEIO_H

#include <stddef.h>

#include "common/err.h"

/* Reads a whole file into a NUL-terminated heap buffer (caller frees).
 * Fails if the file is larger than max_bytes. */
char *file_read_all(const char *path, size_t max_bytes, size_t *n_bytes, errbuf *e);

/* A read-only shared mapping of a whole file. */
typedef struct file_map {
    const unsigned char *data; /* NULL for an empty file */
    size_t n_bytes;
} file_map;

int  file_map_open(file_map *m, const char *path, errbuf *e);
void file_map_close(file_map *m); /* safe on a zeroed map */

/* Writes n bytes to path through path.tmp + rename, so readers never see a
 * half-written file. */
int file_write_atomic(const char *path, const void *data, size_t n, errbuf *e);

/* Returns 1 if path exists (any kind of file). */
int file_exists(const char *path);
/* Creates a directory and its parents (mkdir -p); ok if it exists. */
int file_mkdirs(const char *path, errbuf *e);

#endif
