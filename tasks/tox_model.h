/* tasks/tox_model.h: the offline toxicity classifier, "offline-logreg-v1":
 * L2-regularised logistic regression over tasks/tox_features.h's hashed
 * word and character n-grams, trained by L-BFGS, with a held-out split
 * chosen by the hash of each text, and its model file.
 *
 * Model file, version 1 (all integers and floats little-endian):
 *   offset  bytes   field
 *        0      8   magic "GRTOXLR\0"
 *        8      4   u32 format version (1)
 *       12      4   u32 hash_bits                 (feature slots = 2^hash_bits)
 *       16      4   u32 word_bigrams              (0 or 1)
 *       20      4   u32 char_ngram_min, 24: u32 char_ngram_max
 *       28      4   u32 holdout_pct               (texts held out of training, by hash)
 *       32      8   u64 hash_seed
 *       40      8   f64 l2                        (the regularisation it was trained with)
 *       48      8   f64 bias
 *       56     32   f64 heldout_acc, heldout_auc, train_acc, train_auc (NaN: not computable)
 *       88     20   u32 n_train, n_train_toxic, n_heldout, n_heldout_toxic,
 *                   n_train_only (of n_train: never held out, e.g. extra benign text)
 *      108     64   training data SHA-256, lowercase hex (tox_model_train says of what)
 *      172  4*2^b   f32 weights[2^hash_bits]
 *      end     32   SHA-256 of every byte before it
 * The file is exactly 204 + 4 * 2^hash_bits bytes. tox_model_load rejects a
 * wrong magic or version, a size that does not match hash_bits (truncated or
 * padded), a checksum that does not match (corrupt), parameters out of
 * range and non-finite weights, each with its own message. */
#ifndef GRIFFIN_TASKS_TOX_MODEL_H
#define GRIFFIN_TASKS_TOX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "tasks/tox_features.h"

#define TOX_MODEL_NAME "offline-logreg-v1"
#define TOX_MODEL_VERSION 1
#define TOX_MODEL_HEADER_BYTES 172
#define TOX_MODEL_TRAILER_BYTES 32
#define TOX_DEFAULT_L2 1e-4 /* chosen on ToxiGen by held-out AUC; docs/toxicity.md */

typedef struct tox_example {
    const char *text; /* borrowed */
    int label;        /* 1 toxic, 0 benign */
    int train_only;   /* 1: never held out (extra data that must not dilute the held-out metrics) */
} tox_example;

typedef struct tox_train_opts {
    double l2;        /* lambda in mean log-loss + lambda/2 |w|^2; default TOX_DEFAULT_L2 */
    int max_iters;    /* L-BFGS iterations; default 500 */
    double grad_tol;  /* stop when max |gradient| falls below; default 1e-6 */
    int holdout_pct;  /* 0..50: texts held out for the metrics, by hash; default 10 */
} tox_train_opts;

typedef struct tox_model_metrics {
    double heldout_acc, heldout_auc; /* NaN when nothing is held out (AUC: or one class only) */
    double train_acc, train_auc;
    int n_train, n_train_toxic, n_heldout, n_heldout_toxic;
    int n_train_only; /* of n_train: examples marked train_only */
} tox_model_metrics;

typedef struct tox_model tox_model;

void tox_train_opts_default(tox_train_opts *o);

/* 1 when text falls in the held-out split of holdout_pct percent: the hash of
 * its normalised form (tox_normalize), so one text and its case or
 * punctuation variants always land on the same side, whatever the order of
 * the data. */
int tox_is_heldout(const char *text, int holdout_pct);

/* Trains on ex[0..n) (the held-out part excluded), then measures accuracy
 * and AUC on both parts with the weights as stored (f32). Examples marked
 * train_only are never held out, so the held-out metrics speak of the main
 * data alone. The data SHA-256 is over "<label><t>\t<text>\n" for every
 * example in the order given (<t> is "+" for train_only, else nothing), so
 * callers pass a canonical order (tox_dataset_finish sorts). Deterministic:
 * no random draws; the same data and options give the same bytes. */
tox_model *tox_model_train(const tox_feat_params *fp, const tox_train_opts *o, const tox_example *ex, int n,
                           errbuf *e);
void tox_model_free(tox_model *m); /* NULL is fine */

/* Toxicity probabilities of texts[0..n) into p. 0, or -1 (out of memory). */
int tox_model_predict(const tox_model *m, const char *const *texts, int n, double *p, errbuf *e);

/* Writes the model file (atomically). */
int tox_model_save(const tox_model *m, const char *path, errbuf *e);
/* Reads a model file; errors name the path and what is wrong. */
tox_model *tox_model_load(const char *path, errbuf *e);
/* The same from bytes in memory; name is used in messages. */
tox_model *tox_model_parse(const void *data, size_t n_bytes, const char *name, errbuf *e);

const tox_model_metrics *tox_model_get_metrics(const tox_model *m);
const tox_feat_params *tox_model_get_feat_params(const tox_model *m);
const tox_train_opts *tox_model_get_train_opts(const tox_model *m); /* l2 and holdout_pct as trained */
const char *tox_model_data_sha256(const tox_model *m);  /* 64 hex digits */
const char *tox_model_checksum(const tox_model *m);     /* the file's trailer, 64 hex digits */
const float *tox_model_weights(const tox_model *m);     /* 2^hash_bits */
double tox_model_bias(const tox_model *m);

#endif
