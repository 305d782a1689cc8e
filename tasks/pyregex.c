/* tasks/pyregex.c: Python re.findall / re.sub on PCRE2 (see pyregex.h). */
#include "tasks/pyregex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct task_regex {
    pcre2_code *code;
    int n_groups;
    char *pattern;
};

/* Python's \Z ("end of string only") is PCRE2's \z; PCRE2's \Z also matches
 * before a final newline. Everything else in the patterns lm-eval uses means
 * the same in both dialects. */
static char *translate(const char *p) {
    size_t n = strlen(p);
    char *o = malloc(n + 1);
    if (!o) return NULL;
    int in_class = 0;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            o[j++] = p[i];
            o[j++] = (!in_class && p[i + 1] == 'Z') ? 'z' : p[i + 1];
            i++;
            continue;
        }
        if (p[i] == '[' && !in_class) in_class = 1;
        else if (p[i] == ']' && in_class) in_class = 0;
        o[j++] = p[i];
    }
    o[j] = 0;
    return o;
}

task_regex *task_regex_compile(const char *pattern, errbuf *e) {
    task_regex *re = calloc(1, sizeof *re);
    char *tp = translate(pattern);
    if (!re || !tp) {
        free(re);
        free(tp);
        err_set(e, "out of memory compiling regex \"%s\"", pattern);
        return NULL;
    }
    int code;
    PCRE2_SIZE off;
    re->code = pcre2_compile((PCRE2_SPTR)tp, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
                             &code, &off, NULL);
    free(tp);
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        err_set(e, "regex \"%s\": %s at offset %zu", pattern, (const char *)msg, (size_t)off);
        free(re);
        return NULL;
    }
    uint32_t cap = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
    re->n_groups = (int)cap;
    re->pattern = strdup(pattern);
    if (!re->pattern) {
        task_regex_free(re);
        err_set(e, "out of memory compiling regex \"%s\"", pattern);
        return NULL;
    }
    return re;
}

void task_regex_free(task_regex *re) {
    if (!re) return;
    pcre2_code_free(re->code);
    free(re->pattern);
    free(re);
}

int task_regex_n_groups(const task_regex *re) { return re->n_groups; }
const char *task_regex_pattern(const task_regex *re) { return re->pattern; }

/* Iterates matches as CPython's sre does (findall, finditer, sub): search
 * from the end of the previous match; if that match was empty, a match at
 * the same position must be non-empty (PCRE2_NOTEMPTY_ATSTART). */
typedef int (*match_fn)(void *arg, const PCRE2_SIZE *ov, int n_pairs);

static int iterate(const task_regex *re, const char *s, size_t n, match_fn fn, void *arg, errbuf *e) {
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md) return err_set(e, "out of memory matching regex \"%s\"", re->pattern);
    PCRE2_SIZE off = 0;
    int prev_empty = 0, rc = 0;
    while (off <= n) {
        int r = pcre2_match(re->code, (PCRE2_SPTR)s, n, off, prev_empty ? PCRE2_NOTEMPTY_ATSTART : 0, md, NULL);
        if (r == PCRE2_ERROR_NOMATCH) break;
        if (r < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(r, msg, sizeof msg);
            rc = err_set(e, "regex \"%s\": %s", re->pattern, (const char *)msg);
            break;
        }
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (fn(arg, ov, re->n_groups + 1) != 0) {
            rc = err_set(e, "out of memory matching regex \"%s\"", re->pattern);
            break;
        }
        prev_empty = ov[0] == ov[1];
        off = ov[1];
    }
    pcre2_match_data_free(md);
    return rc;
}

typedef struct findall_acc {
    task_regex_span *spans;
    int n, cap, n_pairs;
} findall_acc;

static int findall_add(void *arg, const PCRE2_SIZE *ov, int n_pairs) {
    findall_acc *a = arg;
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 8;
        task_regex_span *p = realloc(a->spans, sizeof *p * (size_t)cap * (size_t)n_pairs);
        if (!p) return -1;
        a->spans = p, a->cap = cap;
    }
    for (int g = 0; g < n_pairs; g++) {
        task_regex_span *sp = &a->spans[(size_t)a->n * (size_t)n_pairs + (size_t)g];
        if (ov[2 * g] == PCRE2_UNSET)
            sp->start = sp->end = (size_t)-1;
        else
            sp->start = ov[2 * g], sp->end = ov[2 * g + 1];
    }
    a->n++;
    return 0;
}

int task_regex_findall(const task_regex *re, const char *s, size_t n_bytes, task_regex_span **spans, errbuf *e) {
    findall_acc a = {NULL, 0, 0, re->n_groups + 1};
    if (iterate(re, s, n_bytes, findall_add, &a, e) != 0) {
        free(a.spans);
        *spans = NULL;
        return -1;
    }
    *spans = a.spans;
    return a.n;
}

typedef struct sub_acc {
    const char *s;
    const char *repl;
    strbuf *out;
    size_t last;
} sub_acc;

static int sub_add(void *arg, const PCRE2_SIZE *ov, int n_pairs) {
    (void)n_pairs;
    sub_acc *a = arg;
    strbuf_append(a->out, a->s + a->last, ov[0] - a->last);
    strbuf_puts(a->out, a->repl);
    a->last = ov[1];
    return strbuf_failed(a->out) ? -1 : 0;
}

int task_regex_sub(const task_regex *re, const char *s, size_t n_bytes, const char *repl, strbuf *out, errbuf *e) {
    sub_acc a = {s, repl, out, 0};
    if (iterate(re, s, n_bytes, sub_add, &a, e) != 0) return -1;
    strbuf_append(out, s + a.last, n_bytes - a.last);
    return 0;
}

int task_regex_findall_item(const task_regex *re, const char *s, const task_regex_span *spans, int m,
                            const char *fallback, strbuf *out) {
    int n_pairs = re->n_groups + 1;
    const task_regex_span *sp = spans + (size_t)m * (size_t)n_pairs;
    if (re->n_groups == 0 || re->n_groups == 1) {
        const task_regex_span *g = &sp[re->n_groups];
        if (g->start != (size_t)-1) strbuf_append(out, s + g->start, g->end - g->start);
        return 1; /* an unset single group is "" in Python, not the fallback */
    }
    for (int g = 1; g < n_pairs; g++) {
        if (sp[g].start != (size_t)-1 && sp[g].end > sp[g].start) {
            strbuf_append(out, s + sp[g].start, sp[g].end - sp[g].start);
            return 1;
        }
    }
    strbuf_puts(out, fallback);
    return 0;
}
