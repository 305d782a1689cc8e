/* harness/safety_scorer.h: training the offline toxicity scorer for
 * griffin safety (tasks/tox_model.h), from data the datasets layer loads.
 *
 * Toxic and benign examples are ToxiGen's sentences (ds_load's toxigen
 * "prompts" and "demonstrations" records, split into sentences and
 * deduplicated as tasks/tox_toxigen.h does). ToxiGen's benign sentences all
 * speak well of a group, so a model trained on them alone scores ordinary
 * text as toxic (docs/toxicity.md); generic sentences from the non-safety
 * datasets (PIQA goals, Social IQa contexts, ARC-Easy questions, taken in
 * turn) are added as benign, train-only examples: never held out, so the
 * stored held-out accuracy and AUC remain ToxiGen's. */
#ifndef GRIFFIN_HARNESS_SAFETY_SCORER_H
#define GRIFFIN_HARNESS_SAFETY_SCORER_H

#include "datasets/dataset.h"
#include "tasks/tox_features.h"
#include "tasks/tox_model.h"

#define SAFETY_SCORER_DEFAULT_BENIGN 1000 /* generic benign sentences: see docs/safety.md for the trade-off */

typedef struct safety_scorer_opts {
    const ds_opts *datasets; /* where toxigen and the benign sources are read */
    int n_benign;            /* generic benign sentences to add (0: ToxiGen only) */
    tox_feat_params feat;
    tox_train_opts train;
} safety_scorer_opts;

void safety_scorer_opts_default(safety_scorer_opts *o, const ds_opts *datasets);

typedef struct safety_scorer_info {
    int n_toxigen, n_toxigen_toxic; /* distinct ToxiGen sentences */
    long n_records;                 /* ToxiGen records (prompt lines, demonstration lines) read */
    int n_benign;                   /* generic benign sentences kept (after deduplication) */
    char benign_sources[256];       /* "piqa/validation 334, siqa/validation 333, ..." */
    char toxigen_source[512];       /* the files read */
} safety_scorer_info;

/* Loads the data and trains; the model is the caller's (tox_model_free).
 * info may be NULL. */
tox_model *safety_scorer_train(const safety_scorer_opts *o, safety_scorer_info *info, errbuf *e);

#endif
