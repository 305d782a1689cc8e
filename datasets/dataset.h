/* datasets/dataset.h: evaluation datasets as arrays of Hugging Face-shaped
 * records, wherever the files come from.
 *
 * ds_load returns one split of one dataset (and config) as an array of cJSON
 * objects whose field names are those of the Hugging Face dataset that
 * TASKS.md section B names (hellaswag: activity_label, ctx_a, ctx_b, ctx,
 * endings, label "0".."3"; arc: question, choices{text[], label[]},
 * answerKey; ...). Files in another layout (the original release, or a
 * re-export such as MosaicML's {query, choices, gold}) are mapped to that
 * shape; docs/datasets.md lists what each layout loses. Fields that the
 * Hugging Face dataset lacks start with '_'.
 *
 * Where the files come from, in order:
 *   1. opts->data_dir: DIR/<dataset>/<original file name> (the layout of
 *      ../shared/datasets and datasets/samples), in any supported layout;
 *   2. the download cache (opts->cache_dir, else $GRIFFIN_CACHE, else
 *      ~/.cache/griffin), same layout, plus <dataset>/hf/<config>/<split>.jsonl
 *      for rows fetched from the Hugging Face datasets-server;
 *   3. a download into the cache from the registry's sources (unless offline);
 *   4. else an error naming the dataset, config, split and what was tried. */
#ifndef GRIFFIN_DATASETS_DATASET_H
#define GRIFFIN_DATASETS_DATASET_H

#include <cjson/cJSON.h>

#include "common/err.h"

/* Download progress: what is being fetched (a URL), bytes (or rows) so far
 * and the total (-1 when unknown). Called from the loading thread. */
typedef void (*ds_progress_fn)(void *user, const char *what, long long done, long long total);

typedef struct ds_opts {
    const char *data_dir;  /* NULL: none */
    const char *cache_dir; /* NULL: $GRIFFIN_CACHE, else $HOME/.cache/griffin */
    int offline;           /* never download */
    /* Download settings; 0 means the default in parentheses. */
    long connect_timeout_ms;     /* (15000) */
    long low_speed_bytes_per_s;  /* (1024): slower than this ... */
    long low_speed_time_s;       /* (30): ... for this long aborts the attempt */
    int max_attempts;            /* (5) per file or page, backoff between */
    long backoff_initial_ms;     /* (1000), doubled each retry */
    long backoff_max_ms;         /* (30000) */
    /* Base URL overrides, for mirrors and tests; NULL: the real hosts.
     * url_mirror: a file source https://HOST/PATH is fetched from
     *   <url_mirror>/HOST/PATH. hf_rows_url: replaces
     *   https://datasets-server.huggingface.co. */
    const char *url_mirror;
    const char *hf_rows_url;
    ds_progress_fn progress;
    void *progress_user;
} ds_opts;

/* Fills o with the defaults above plus the environment: GRIFFIN_CACHE (cache),
 * GRIFFIN_DATASETS_MIRROR (url_mirror), GRIFFIN_HF_ROWS_URL (hf_rows_url).
 * The strings stay owned by the environment. */
void ds_opts_init(ds_opts *o);

/* The cache directory o selects (see ds_opts.cache_dir) into out; returns
 * 0, or -1 when neither the option, $GRIFFIN_CACHE nor $HOME is set. */
int ds_cache_dir(const ds_opts *o, char *out, size_t cap);

typedef struct ds_table ds_table;

/* Loads one split. dataset: a name from ds_info_at (aliases such as
 * commonsense_qa and social_iqa work too). config: e.g. an MMLU subject,
 * "ARC-Easy", or NULL for the dataset's default (error if it has none).
 * Returns NULL with a message on failure: a malformed record gives
 * "<file>:<line>: <reason>". */
ds_table *ds_load(const char *dataset, const char *config, const char *split, const ds_opts *o, errbuf *e);
void ds_free(ds_table *t); /* NULL is fine */

int ds_count(const ds_table *t);
/* Record i (0 <= i < ds_count), borrowed from t. */
const cJSON *ds_record(const ds_table *t, int i);
/* Where record i came from: file (borrowed) and 1-based line (0 when the
 * layout has no lines, e.g. one JSON document). */
void ds_record_origin(const ds_table *t, int i, const char **file, int *line);

/* The file(s) read, comma-separated ("path" or "archive!member"); borrowed. */
const char *ds_source(const ds_table *t);
/* Hex SHA-256 of the source: of the one file read, or for several files the
 * SHA-256 of the `sha256sum`-style listing "<hex>  <path>\n" of each file in
 * load order, paths relative to the root directory. Borrowed. */
const char *ds_sha256(const ds_table *t);
/* Canonical dataset, config ("" when the dataset has none) and split. */
const char *ds_name(const ds_table *t);
const char *ds_config(const ds_table *t);
const char *ds_split(const ds_table *t);
/* A note the caller should show the user, or NULL: e.g. which BBQ
 * categories or MMLU subjects were absent from a partial copy. */
const char *ds_warning(const ds_table *t);

/* ---- the registry of datasets, for --help and `griffin fetch list` ---- */

typedef struct ds_info {
    const char *name;                 /* "arc" (= the folder name in a data dir) */
    const char *title;                /* "ARC (AI2 Reasoning Challenge)" */
    const char *hf_id;                /* "allenai/ai2_arc"; the shape of the records */
    const char *license;              /* of the data, as its release states it */
    const char *const *configs;       /* NULL-terminated; NULL when there are none */
    const char *default_config;       /* used for config == NULL; NULL: one is required */
    const char *union_config;         /* a config meaning "every config", or NULL */
    const char *const *splits;        /* NULL-terminated */
    const char *const *aliases;       /* other accepted names, NULL-terminated or NULL */
} ds_info;

int ds_n_datasets(void);
const ds_info *ds_info_at(int i);
/* By name or alias; NULL if unknown. */
const ds_info *ds_info_find(const char *name);

#endif
