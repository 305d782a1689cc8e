/* datasets/registry.h: where each dataset split can be downloaded from.
 *
 * A source is one file of a release (a URL, normally a GitHub raw file at a
 * pinned commit, with its SHA-256 and size) or one split fetched from the
 * Hugging Face datasets-server rows API (dataset id, config, split and the
 * expected row count). The files that together make a split form an
 * alternative (PIQA's validation split needs valid.jsonl and
 * valid-labels.lst); alternatives are tried in order (alt 0, 1, ...) until
 * one downloads and verifies. Each source lands in the cache where a data
 * directory would hold it: <cache>/<dataset>/<dest> for files and
 * <cache>/<dataset>/hf/<config>/<split>.jsonl for rows. */
#ifndef GRIFFIN_DATASETS_REGISTRY_H
#define GRIFFIN_DATASETS_REGISTRY_H

#include "datasets/dataset.h"

typedef enum ds_src_kind {
    DS_SRC_FILE,    /* url -> <dataset>/<dest> */
    DS_SRC_HF_ROWS, /* datasets-server rows of hf_id/hf_config/hf_split */
} ds_src_kind;

typedef struct ds_src {
    const char *dataset;   /* canonical dataset name */
    const char *config;    /* NULL: every config; "*": any one config, passed on as hf_config */
    const char *split;     /* NULL: every split */
    int alt;               /* alternative: 0 is tried first */
    ds_src_kind kind;
    const char *url;       /* FILE: the URL; HF_ROWS: the HF dataset id */
    const char *hf_config; /* HF_ROWS: NULL = the requested config */
    const char *hf_split;  /* HF_ROWS: NULL = the requested split */
    const char *dest;      /* FILE: path under <cache>/<dataset>/ */
    const char *sha256;    /* FILE: expected hex digest; NULL when not pinned */
    long long n_bytes;     /* FILE: expected size; -1 unknown */
    long n_rows;           /* records (rows, lines) expected; -1 unknown */
    const char *license;
} ds_src;

int ds_registry_count(void);
const ds_src *ds_registry_at(int i);

/* Selects the sources of alternative number alt for one split: writes up to
 * cap pointers into out and returns how many there are (0: no such
 * alternative). config is canonical ("" for none); the dataset's union
 * config ("all") selects the file sources of every config. */
int ds_registry_select(const ds_info *d, const char *config, const char *split, int alt, const ds_src **out,
                       int cap);

/* The HF config a rows source asks for, given the requested config. */
const char *ds_src_hf_config(const ds_src *s, const char *config);
const char *ds_src_hf_split(const ds_src *s, const char *split);

/* The cache path of a source, relative to the cache root:
 * "<dataset>/<dest>" or "<dataset>/hf/<config>/<split>.jsonl". */
int ds_src_cache_path(const ds_src *s, const char *config, const char *split, char *out, size_t cap);

/* Expected record count of a split when the registry knows it, else -1
 * (sums the rows of alternative alt's sources, records only). */
long ds_registry_expected_rows(const ds_info *d, const char *config, const char *split);

#endif
