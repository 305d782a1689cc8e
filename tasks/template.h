/* tasks/template.h: the Jinja subset task specs use for prompts.
 *
 * lm-eval renders doc_to_text / doc_to_target / doc_to_choice / description
 * with Jinja2 (StrictUndefined, trailing newlines kept) and then applies the
 * digit-string and list-literal rules of TASKS.md A.5. This is the part of
 * Jinja those templates need:
 *
 *   literal text, {{ expression }}, {{- / -}} whitespace control, {# comments #}
 *   names (record fields), a.b and a["b"] (dict access), a[0] and a[-1],
 *   'string' and "string" literals, integers, [list, literals], (grouping),
 *   + (int addition, string/list concatenation), - (ints), unary -,
 *   methods  .strip() .lstrip() .rstrip() .lower() .upper() .capitalize()
 *            .split(sep) .replace(old, new) .index(x) .startswith(s) .endswith(s)
 *   filters  |int |string |trim |lower |upper |length |first |last
 *   conditional expressions  a if b else c,  tests  x is defined / is not defined
 *
 * Statements ({% ... %}) are rejected at parse time with the column.
 * Undefined names are errors (StrictUndefined), reported with the record's
 * fields. Output of {{ }} is Python's str() of the value (lists as repr). */
#ifndef GRIFFIN_TASKS_TEMPLATE_H
#define GRIFFIN_TASKS_TEMPLATE_H

#include <cjson/cJSON.h>

#include "common/err.h"
#include "common/strbuf.h"

typedef struct task_tmpl task_tmpl;

/* Parses src (copied). NULL with "column N: reason" on a syntax error. */
task_tmpl *task_tmpl_parse(const char *src, errbuf *e);
void task_tmpl_free(task_tmpl *t); /* NULL is fine */
const char *task_tmpl_source(const task_tmpl *t);

/* Renders the template against a record and appends the text to b. */
int task_tmpl_render_text(const task_tmpl *t, const cJSON *doc, strbuf *b, errbuf *e);

/* Renders as lm-eval's templated fields are read back: when the whole
 * template is a single {{ expression }} whose value is a list, *out is that
 * list (what ast.literal_eval of its repr would give); otherwise *out is the
 * rendered string. *out is a new cJSON value the caller deletes. */
int task_tmpl_render_value(const task_tmpl *t, const cJSON *doc, cJSON **out, errbuf *e);

/* 1 if the template has no {{ }} (pure literal text). */
int task_tmpl_is_literal(const task_tmpl *t);

#endif
