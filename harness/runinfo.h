/* harness/runinfo.h: the facts a stored run records to be reproducible:
 * the git revision griffin was built from, the command line, and a checksum
 * of the model directory. */
#ifndef GRIFFIN_HARNESS_RUNINFO_H
#define GRIFFIN_HARNESS_RUNINFO_H

#include <stddef.h>

#include "common/err.h"

/* The revision this binary was built from ("3f2a1c9", "3f2a1c9-dirty") or
 * "unknown" outside a git checkout. */
const char *runinfo_git_revision(void);

/* The command line as one shell-quoted string (caller frees). */
char *runinfo_command_line(int argc, char **argv);

/* Largest model directory hashed in full; above it the checksum covers
 * config.json, the safetensors headers and sizes and the first and last
 * MiB of each data section, and is marked "fp:" (a fingerprint). */
#define RUNINFO_FULL_HASH_MAX_BYTES (2ull << 30)

/* SHA-256 hex (or "fp:" + hex) of a model directory's config.json and
 * weight files into out (72 bytes). */
int runinfo_model_checksum(const char *model_dir, char out[72], errbuf *e);

#endif
