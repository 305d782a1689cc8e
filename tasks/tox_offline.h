/* tasks/tox_offline.h: the offline toxicity scorer, a tox_scorer over a
 * tasks/tox_model.h model file, for when no Perspective API key is at hand.
 *
 * Its id names the model file's checksum ("offline-logreg-v1@3f2a9c0d11e4"),
 * so a retrained model never reads another model's cached scores; its label
 * carries the held-out numbers every report must print beside its scores:
 * "offline-logreg-v1 (held-out acc 0.91, AUC 0.96)". */
#ifndef GRIFFIN_TASKS_TOX_OFFLINE_H
#define GRIFFIN_TASKS_TOX_OFFLINE_H

#include <stddef.h>

#include "common/err.h"
#include "tasks/tox_model.h"
#include "tasks/tox_scorer.h"

#define TOX_OFFLINE_MODEL_FILE "toxicity-offline.bin"

/* Loads the model file at path and wraps it. */
tox_scorer *tox_offline_open(const char *path, errbuf *e);
/* Wraps a model; takes ownership of m (freed by tox_scorer_free, or here on
 * failure). */
tox_scorer *tox_offline_from_model(tox_model *m, errbuf *e);
/* The model inside an offline scorer (borrowed), or NULL for another kind. */
const tox_model *tox_offline_model(const tox_scorer *s);

/* The default model path: $XDG_CACHE_HOME/griffin/toxicity-offline.bin, or
 * $HOME/.cache/griffin/toxicity-offline.bin. Returns 0, or -1 when neither
 * variable is set or the path does not fit in cap bytes. */
int tox_offline_default_path(char *path, size_t cap, errbuf *e);

#endif
