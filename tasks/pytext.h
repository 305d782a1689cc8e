/* tasks/pytext.h: the Python string and value semantics task scoring depends on.
 *
 * lm-evaluation-harness is Python, and several of its results hinge on what a
 * Python builtin does with text: str.isspace decides the whitespace that A.1
 * moves into the continuation, str.strip/capitalize shape prompts, repr()
 * of a list is what a Jinja template renders, len() of a str counts code
 * points (acc_norm), json.dumps(indent=2) is hashed into doc_hash. These are
 * reproduced here on UTF-8 bytes. Invalid UTF-8 bytes count as one code point
 * each and are never whitespace. Where full Unicode tables would be needed
 * (case mapping, printability) the approximation is noted at the function. */
#ifndef GRIFFIN_TASKS_PYTEXT_H
#define GRIFFIN_TASKS_PYTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/strbuf.h"

/* Decodes the code point starting at s[0] (n_bytes > 0 available); stores its
 * byte length in *n_cp_bytes (1 for an invalid byte, returned as 0xFFFD). */
uint32_t pytext_decode(const char *s, size_t n_bytes, int *n_cp_bytes);
void pytext_encode(strbuf *b, uint32_t cp);

/* Python str.isspace() of one code point (Unicode White_Space as CPython
 * defines it: \t\n\v\f\r, \x1c-\x1f, space, \x85, \xa0, \u1680, \u2000-\u200a,
 * \u2028, \u2029, \u202f, \u205f, \u3000). */
int pytext_isspace_cp(uint32_t cp);

/* len(s) of a Python str: the number of code points. */
size_t pytext_len(const char *s, size_t n_bytes);

/* Bytes of trailing whitespace (str.rstrip() semantics) / leading. */
size_t pytext_trailing_space_bytes(const char *s, size_t n_bytes);
size_t pytext_leading_space_bytes(const char *s, size_t n_bytes);

/* str.strip()/lstrip()/rstrip() with no argument, appended to b. */
void pytext_strip(strbuf *b, const char *s, size_t n_bytes, int left, int right);

/* str.lower()/upper()/capitalize(): simple Unicode case mapping through the
 * C.UTF-8 locale (ASCII only if that locale is missing). Python's few full
 * mappings that change length (e.g. "\u0130".lower()) are not reproduced. */
void pytext_lower(strbuf *b, const char *s, size_t n_bytes);
void pytext_upper(strbuf *b, const char *s, size_t n_bytes);
void pytext_capitalize(strbuf *b, const char *s, size_t n_bytes);

/* 1 if s is non-empty and every character is an ASCII digit (str.isdigit()
 * for the ASCII range; other Unicode digits are treated as non-digits). */
int pytext_isdigit(const char *s, size_t n_bytes);

/* repr() of a str (quote choice and escapes as CPython; non-ASCII kept unless
 * it is a control, separator or format character). */
void pytext_repr_str(strbuf *b, const char *s, size_t n_bytes);
/* repr() of a float: the shortest string that round-trips, fixed notation
 * for exponents -4..16, "1e-05" style otherwise, "3.0" for integral values. */
void pytext_repr_float(strbuf *b, double x);

/* str() of a JSON value as Python holds it: strings verbatim, integral
 * numbers (|x| < 2^53) as ints, others as float repr, true/false/null as
 * True/False/None, lists and dicts as their repr. */
void pytext_str_json(strbuf *b, const cJSON *v);
/* repr() of a JSON value (strings quoted). */
void pytext_repr_json(strbuf *b, const cJSON *v);

/* json.dumps(v, indent=2, ensure_ascii=False) (lm-eval's doc_hash input), or
 * with indent < 0 the one-line form json.dumps(v, ensure_ascii=False). */
void pytext_json_dumps(strbuf *b, const cJSON *v, int indent);

/* Python ast.literal_eval of a list literal of str/int/float/bool/None
 * elements (nested lists allowed), e.g. "['a', \"b\", 3]". Returns a new cJSON
 * array, or NULL when the text is not such a literal. */
cJSON *pytext_literal_eval_list(const char *s, size_t n_bytes);

#endif
