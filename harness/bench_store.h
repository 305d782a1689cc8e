/* harness/bench_store.h: a sweep's points and settings into the store.
 *
 * The run row (kind bench) carries the command line, git revision, machine,
 * threads and backend; bench_settings_json describes the sweep itself (the
 * models with their labels, lengths, batches, repetitions, budget), so a
 * report can say how each figure was measured. */
#ifndef GRIFFIN_HARNESS_BENCH_STORE_H
#define GRIFFIN_HARNESS_BENCH_STORE_H

#include <stdint.h>

#include "harness/bench.h"
#include "harness/store.h"

/* The sweep's settings as a JSON object (heap string, caller frees), or
 * NULL when out of memory. */
char *bench_settings_json(const bench_opts *o);

/* Writes every point of r as a bench point of run_id, in one transaction. */
int bench_store_points(store *st, int64_t run_id, const bench_opts *o, const bench_results *r, errbuf *e);

#endif
