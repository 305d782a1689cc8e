/* tasks/pyregex.h: Python re.findall / re.sub semantics on PCRE2.
 *
 * lm-eval extracts answers with re.findall (the regex filter, A.4) and
 * normalises references with re.sub (exact_match's regexes_to_ignore).
 * Patterns are compiled for Unicode text as Python str patterns are (UTF +
 * UCP: \d, \w, \s and \b are Unicode-aware), with Python's \Z rewritten to
 * PCRE2's \z. Matching iterates as CPython does: after an empty match the
 * next match may start at the same position only if it is non-empty. */
#ifndef GRIFFIN_TASKS_PYREGEX_H
#define GRIFFIN_TASKS_PYREGEX_H

#include <stddef.h>

#include "common/err.h"
#include "common/strbuf.h"

typedef struct task_regex task_regex;

/* NULL with a message naming the pattern and the offset of the error. */
task_regex *task_regex_compile(const char *pattern, errbuf *e);
void task_regex_free(task_regex *re); /* NULL is fine */
int task_regex_n_groups(const task_regex *re);
const char *task_regex_pattern(const task_regex *re);

/* One match: span[0] is the whole match, span[g] group g; unset groups
 * have start = end = (size_t)-1. Offsets are bytes into the subject. */
typedef struct task_regex_span {
    size_t start, end;
} task_regex_span;

/* All non-overlapping matches, in order. *spans (caller frees) holds
 * n_matches * (n_groups + 1) spans. Returns n_matches, or -1. */
int task_regex_findall(const task_regex *re, const char *s, size_t n_bytes, task_regex_span **spans, errbuf *e);

/* re.sub(pattern, repl, s) with a literal replacement (no group
 * references), appended to out. 0 or -1. */
int task_regex_sub(const task_regex *re, const char *s, size_t n_bytes, const char *repl, strbuf *out, errbuf *e);

/* The element re.findall returns for match m as text: the whole match
 * without groups, group 1 with one group; with several groups (a tuple in
 * Python) the first non-empty group, or fallback when all are empty.
 * Appends to out; returns 1 if a value came from the match, 0 if fallback. */
int task_regex_findall_item(const task_regex *re, const char *s, const task_regex_span *spans, int m,
                            const char *fallback, strbuf *out);

#endif
