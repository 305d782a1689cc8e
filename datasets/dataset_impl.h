/* datasets/dataset_impl.h: what dataset.c shares with the per-dataset
 * loaders (loaders_*.c). Not a public header. */
#ifndef GRIFFIN_DATASETS_DATASET_IMPL_H
#define GRIFFIN_DATASETS_DATASET_IMPL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "datasets/dataset.h"

#define LD_PATH_BYTES 4096

struct ds_table {
    cJSON *root;     /* array owning every record */
    cJSON **recs;    /* index into root: cJSON arrays are linked lists */
    int *rec_file;   /* index into files */
    int *rec_line;
    int n, cap;
    char **files;    /* display names, in load order */
    char **file_rel; /* relative to the root, for the combined checksum */
    char (*file_sha)[65];
    int n_files;
    char *source;
    char sha256[65];
    char *warning;
    char *dataset, *config, *split;
};

/* One attempt to load a split from one root directory. */
typedef struct ld_ctx {
    const char *root;    /* holds <dataset>/ */
    const ds_info *info;
    const char *config;  /* canonical; "" when the dataset has none */
    const char *split;
    ds_table *t;
    strbuf *tried;       /* paths looked for, for the final error */
    strbuf *warn;        /* notes for ds_warning */
    errbuf *e;
} ld_ctx;

/* Returns 0 when loaded, 1 when this root holds no files for the split (the
 * paths looked for are in c->tried), -1 on an error (message in c->e). */
typedef int (*ld_fn)(ld_ctx *c);

/* The loader for a dataset (by canonical name); NULL if none. */
ld_fn ld_lookup(const char *dataset);

/* One loader per dataset (loaders_academic.c, loaders_safety.c). Each tries
 * the layouts it knows in order: the original release, Hugging Face rows,
 * then re-exports. */
int ld_arc(ld_ctx *c);
int ld_boolq(ld_ctx *c);
int ld_commonsenseqa(ld_ctx *c);
int ld_gsm8k(ld_ctx *c);
int ld_hellaswag(ld_ctx *c);
int ld_humaneval(ld_ctx *c);
int ld_mmlu(ld_ctx *c);
int ld_nq_open(ld_ctx *c);
int ld_openbookqa(ld_ctx *c);
int ld_piqa(ld_ctx *c);
int ld_siqa(ld_ctx *c);
int ld_triviaqa(ld_ctx *c);
int ld_truthfulqa(ld_ctx *c);
int ld_winogrande(ld_ctx *c);
int ld_bbq(ld_ctx *c);
int ld_bold(ld_ctx *c);
int ld_crows_pairs(ld_ctx *c);
int ld_realtoxicityprompts(ld_ctx *c);
int ld_toxigen(ld_ctx *c);
int ld_winobias(ld_ctx *c);
int ld_winogender(ld_ctx *c);

/* A position for messages: "<file>:<line>". */
typedef struct ld_loc {
    const char *file;
    int line;
} ld_loc;

/* Builds <root>/<dataset>/<rel> into path and records it as tried; returns
 * 1 if it is a regular file, else 0. */
int ld_find(ld_ctx *c, const char *rel, char *path, size_t cap);
/* Like ld_find for a directory; does not record it. */
int ld_find_dir(ld_ctx *c, const char *rel, char *path, size_t cap);
/* Reads a file (member != NULL: an archive member), checks it is UTF-8 and
 * registers it as a source; returns the buffer (caller frees) and sets *file
 * to its index, for ld_add. NULL on error. */
char *ld_read(ld_ctx *c, const char *path, const char *member, size_t *n, int *file);
/* Appends a record (takes ownership). Returns 0 or -1 (out of memory). */
int ld_add(ld_ctx *c, cJSON *rec, int file, int line);

/* Field access that fails with "<file>:<line>: field "<key>": expected ...". */
const char *ld_str(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at);
const cJSON *ld_arr(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at);
const cJSON *ld_obj(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at);
/* An integer-valued number in [lo, hi]. */
int ld_int(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at, long lo, long hi, long *out);
/* Every element of an array is a string. */
int ld_str_array(ld_ctx *c, const cJSON *arr, const char *key, ld_loc at);

/* Field shapes for records that are already Hugging Face-shaped (passed
 * through from a JSONL file): name and type, checked by ld_check. */
typedef enum { LD_STR, LD_INT, LD_NUM, LD_BOOL, LD_ARR, LD_OBJ, LD_STR_ARR, LD_ANY } ld_type;
typedef struct ld_field {
    const char *name;
    ld_type type;
} ld_field;
int ld_check(ld_ctx *c, const cJSON *obj, ld_loc at, const ld_field *fields, int n_fields);

/* Maps one JSONL object to a record: takes ownership of obj and returns the
 * record (obj itself or a new object), or NULL with c->e set. */
typedef cJSON *(*ld_map_fn)(ld_ctx *c, cJSON *obj, ld_loc at, void *user);
/* Reads a JSONL file (or archive member) and adds map(obj) for each line. */
int ld_jsonl_map(ld_ctx *c, const char *path, const char *member, ld_map_fn map, void *user);

/* Maps one CSV row (row->fields[0 .. n_fields)) to a new record, or NULL
 * with c->e set naming at. */
typedef cJSON *(*ld_csv_map_fn)(ld_ctx *c, char *const *fields, ld_loc at);
/* Reads a comma-separated, quoted CSV file whose first row must be exactly
 * header[0 .. n_fields), every row having n_fields fields, and adds
 * map(row) for each row after the header. Returns 0 or -1 (file, line and
 * reason in c->e; an empty file is an error too). */
int ld_csv_map(ld_ctx *c, const char *path, const char *const *header, int n_fields, ld_csv_map_fn map);

/* Reads a JSONL file and adds each object (after ld_check, when fields is
 * not NULL) unchanged. Returns 0 or -1. */
int ld_jsonl_passthrough(ld_ctx *c, const char *path, const char *member, const ld_field *fields, int n_fields);
/* Tries <dataset>/hf/<config or "default">/<split>.jsonl (rows saved from the
 * datasets-server); returns as an ld_fn does. */
int ld_hf_rows(ld_ctx *c, const ld_field *fields, int n_fields);

/* WinoBias's 40 occupation nouns (loaders_safety.c), for tests. */
const char *const *ds_winobias_occupations(int *n);

/* A cJSON string from text[0..len). */
cJSON *ld_strn(const char *text, size_t len);
/* Copies the split's name as a release spells it ("dev" for validation ...). */
const char *ld_split_alias(const char *split, const char *validation, const char *train, const char *test);

#endif
