/* tasks/tox_toxigen.h: the offline scorer's training data, read straight
 * from ToxiGen's text files.
 *
 * STOPGAP: this reads files itself only until the datasets layer
 * (datasets/dataset.h, ds_load's toxigen loader) is in main; then the lead
 * replaces tox_toxigen_load's file walk with ds_load records and keeps
 * tox_toxigen_split and the dedupe below, which are about ToxiGen's content,
 * not its files.
 *
 * ToxiGen (microsoft/TOXIGEN, ../shared/datasets/MANIFEST.md) ships
 * prompts/{hate,neutral}_<group>_1k.txt, one generation prompt per line:
 * several demonstration sentences, each written "- <sentence>\n" with a
 * literal backslash-n, ending in "-"; and demonstrations/<kind>/{hate,
 * neutral}_<group>*.txt, one sentence per line. hate_* sentences are the
 * toxic examples, neutral_* the benign ones. The prompt files are 1000
 * shuffles of a few dozen sentences per group, so sentences are
 * deduplicated (by tox_normalize form) before anything else; a sentence
 * found under both labels is dropped as ambiguous. */
#ifndef GRIFFIN_TASKS_TOX_TOXIGEN_H
#define GRIFFIN_TASKS_TOX_TOXIGEN_H

#include <stddef.h>

#include "common/err.h"
#include "tasks/tox_model.h"

typedef struct tox_dataset {
    tox_example *ex; /* n examples sorted by normalised text; texts owned by the dataset */
    int n;
    int n_toxic;
    int n_train_only; /* examples added train_only */
    int n_files;      /* hate_* and neutral_* files read */
    long n_lines;     /* non-empty lines */
    long n_sentences; /* sentences before deduplication */
    int n_conflicts;  /* sentences dropped: found both as hate and as neutral */
    struct tox_dataset_items *items; /* private: the texts ex points into */
} tox_dataset;

typedef struct tox_span {
    size_t off, len;
} tox_span;

/* Splits one prompt (n bytes) into sentences at each literal "\n"
 * (backslash, n, as in the files) or real newline (as in ds_load's
 * records), trims spaces and a leading "-" from each and drops the empty
 * ones. Writes at most cap spans; returns the count found. */
int tox_toxigen_split(const char *line, size_t n, tox_span *spans, int cap);

/* Reads every hate_*.txt and neutral_*.txt below dir (the toxigen folder,
 * recursively, in sorted path order), splits, deduplicates and sorts. The
 * result is the same whatever the file system's listing order. 0, or -1
 * naming the file; a folder without any such file is an error. */
int tox_toxigen_load(const char *dir, tox_dataset *d, errbuf *e);

/* Adds one example (text copied); used by the loader, for extra benign text
 * (train_only 1: never held out) and by tests that build data sets by hand.
 * tox_dataset_finish dedupes and sorts; more may be added after it, then
 * finish again. Of duplicates the first added is kept, so data added later
 * (train_only extras) never displaces a ToxiGen sentence. */
int tox_dataset_add(tox_dataset *d, const char *text, size_t len, int label, int train_only, errbuf *e);
int tox_dataset_finish(tox_dataset *d, errbuf *e);
void tox_dataset_deinit(tox_dataset *d); /* safe on a zeroed dataset */

#endif
