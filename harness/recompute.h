/* harness/recompute.h: a run's metrics recomputed from its stored
 * per-document samples (the store keeps every document's metric values, so
 * any aggregate and its standard error can be rebuilt and checked). */
#ifndef GRIFFIN_HARNESS_RECOMPUTE_H
#define GRIFFIN_HARNESS_RECOMPUTE_H

#include <stdio.h>

#include "harness/store.h"

/* Prints task, filter, metric, recomputed value, stderr, documents and the
 * stored value beside it (Markdown table, or CSV with csv) to out. Returns
 * the number of metrics whose recomputed value differs from the stored one
 * by more than 1e-9, or -1 with e filled. */
int recompute_run_metrics(store *st, int64_t run_id, int bootstrap_iters, int csv, FILE *out, errbuf *e);

#endif
