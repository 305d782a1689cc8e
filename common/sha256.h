/* common/sha256.h: SHA-256 (FIPS 180-4), for dataset and checkpoint checksums. */
#ifndef GRIFFIN_COMMON_SHA256_H
#define GRIFFIN_COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t n_bytes;
    unsigned char buf[64];
    size_t buf_len;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* Hex digest of a buffer into out (65 bytes with the NUL). */
void sha256_hex(const void *data, size_t n, char out[65]);
/* Hex digest of a file, streamed. */
int sha256_file_hex(const char *path, char out[65], errbuf *e);

#endif
