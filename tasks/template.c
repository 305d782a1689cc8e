/* tasks/template.c: the Jinja subset of task specs (see template.h). */
#include "tasks/template.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/pytext.h"

#define TMPL_MAX_DEPTH 64 /* nesting limit: hostile specs must not blow the stack */

typedef enum nkind {
    N_NAME, N_STR, N_NUM, N_CONST, N_LIST, N_ATTR, N_INDEX, N_CALL, N_FILTER,
    N_ADD, N_SUB, N_CAT, N_NEG, N_NOT, N_COND, N_DEFINED
} nkind;

typedef struct node {
    nkind k;
    int col;         /* 1-based column in the template source */
    char *s;         /* name, string literal, method or filter name */
    double num;
    int cval;        /* N_CONST: 0 false, 1 true, 2 none; N_DEFINED: negated */
    struct node *a, *b, *c;
    struct node **args;
    int n_args;
} node;

typedef struct part {
    char *text; /* literal text (owned), or NULL for an expression */
    size_t len;
    node *expr;
} part;

struct task_tmpl {
    char *src;
    part *parts;
    int n_parts;
};

/* ---------------------------------------------------------------- parsing */

typedef struct parser {
    const char *src;
    size_t i, n;
    errbuf *e;
    int depth;
} parser;

static int perr(parser *p, const char *msg) {
    return err_set(p->e, "column %zu: %s", p->i + 1, msg);
}

static void node_free(node *n) {
    if (!n) return;
    node_free(n->a);
    node_free(n->b);
    node_free(n->c);
    for (int i = 0; i < n->n_args; i++) node_free(n->args[i]);
    free(n->args);
    free(n->s);
    free(n);
}

static node *mk(parser *p, nkind k) {
    node *n = calloc(1, sizeof *n);
    if (n) n->k = k, n->col = (int)p->i + 1;
    else perr(p, "out of memory");
    return n;
}

static void skip_ws(parser *p) {
    while (p->i < p->n && (p->src[p->i] == ' ' || p->src[p->i] == '\t' || p->src[p->i] == '\n' || p->src[p->i] == '\r'))
        p->i++;
}

static int is_ident0(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_ident(char c) { return is_ident0(c) || (c >= '0' && c <= '9'); }

/* Peeks an identifier; returns its length (0 if none). */
static size_t peek_ident(parser *p) {
    skip_ws(p);
    size_t j = p->i;
    if (j < p->n && is_ident0(p->src[j]))
        while (j < p->n && is_ident(p->src[j])) j++;
    return j - p->i;
}

static int peek_word(parser *p, const char *w) {
    size_t L = peek_ident(p);
    return L == strlen(w) && memcmp(p->src + p->i, w, L) == 0;
}

static int accept(parser *p, char c) {
    skip_ws(p);
    if (p->i < p->n && p->src[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

static node *parse_cond(parser *p);

static char *parse_string_lit(parser *p) {
    char q = p->src[p->i++];
    strbuf b;
    strbuf_init(&b);
    while (p->i < p->n && p->src[p->i] != q) {
        char c = p->src[p->i++];
        if (c == '\\' && p->i < p->n) {
            char x = p->src[p->i++];
            switch (x) {
            case 'n': strbuf_putc(&b, '\n'); break;
            case 't': strbuf_putc(&b, '\t'); break;
            case 'r': strbuf_putc(&b, '\r'); break;
            case '\\': strbuf_putc(&b, '\\'); break;
            case '\'': strbuf_putc(&b, '\''); break;
            case '"': strbuf_putc(&b, '"'); break;
            default:
                strbuf_putc(&b, '\\');
                strbuf_putc(&b, x);
            }
        } else {
            strbuf_putc(&b, c);
        }
    }
    if (p->i >= p->n) {
        strbuf_deinit(&b);
        perr(p, "unterminated string literal");
        return NULL;
    }
    p->i++;
    if (strbuf_failed(&b)) {
        strbuf_deinit(&b);
        perr(p, "out of memory");
        return NULL;
    }
    if (!b.s) return strdup("");
    return strbuf_take(&b);
}

/* Comma-separated arguments up to the closing bracket `close`. */
static int parse_args(parser *p, char close, node ***args, int *n_args) {
    *args = NULL, *n_args = 0;
    if (accept(p, close)) return 0;
    for (;;) {
        node *a = parse_cond(p);
        if (!a) return -1;
        node **na = realloc(*args, sizeof *na * (size_t)(*n_args + 1));
        if (!na) {
            node_free(a);
            return perr(p, "out of memory");
        }
        *args = na;
        (*args)[(*n_args)++] = a;
        if (accept(p, ',')) {
            if (accept(p, close)) return 0;
            continue;
        }
        if (accept(p, close)) return 0;
        char msg[64];
        snprintf(msg, sizeof msg, "expected ',' or '%c'", close);
        return perr(p, msg);
    }
}

static node *parse_primary(parser *p) {
    skip_ws(p);
    if (p->i >= p->n) {
        perr(p, "expression ends early");
        return NULL;
    }
    char c = p->src[p->i];
    node *n = NULL;
    if (c == '\'' || c == '"') {
        if (!(n = mk(p, N_STR))) return NULL;
        if (!(n->s = parse_string_lit(p))) {
            node_free(n);
            return NULL;
        }
        return n;
    }
    if (c >= '0' && c <= '9') {
        if (!(n = mk(p, N_NUM))) return NULL;
        char *end;
        errno = 0;
        n->num = strtod(p->src + p->i, &end);
        p->i = (size_t)(end - p->src);
        return n;
    }
    if (c == '[') {
        p->i++;
        if (!(n = mk(p, N_LIST))) return NULL;
        if (parse_args(p, ']', &n->args, &n->n_args) != 0) {
            node_free(n);
            return NULL;
        }
        return n;
    }
    if (c == '(') {
        p->i++;
        n = parse_cond(p);
        if (!n) return NULL;
        if (!accept(p, ')')) {
            node_free(n);
            perr(p, "expected ')'");
            return NULL;
        }
        return n;
    }
    size_t L = peek_ident(p);
    if (L == 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "unexpected character '%c' in expression", c);
        perr(p, msg);
        return NULL;
    }
    static const struct {
        const char *w;
        int v;
    } consts[] = {{"true", 1}, {"True", 1}, {"false", 0}, {"False", 0}, {"none", 2}, {"None", 2}};
    for (size_t k = 0; k < sizeof consts / sizeof consts[0]; k++) {
        if (L == strlen(consts[k].w) && memcmp(p->src + p->i, consts[k].w, L) == 0) {
            if (!(n = mk(p, N_CONST))) return NULL;
            n->cval = consts[k].v;
            p->i += L;
            return n;
        }
    }
    if (!(n = mk(p, N_NAME))) return NULL;
    n->s = strndup(p->src + p->i, L);
    p->i += L;
    if (!n->s) {
        node_free(n);
        perr(p, "out of memory");
        return NULL;
    }
    return n;
}

static node *parse_postfix(parser *p) {
    node *n = parse_primary(p);
    while (n) {
        skip_ws(p);
        if (p->i >= p->n) break;
        char c = p->src[p->i];
        if (c == '.' || c == '|') {
            p->i++;
            size_t L = peek_ident(p);
            if (L == 0) {
                node_free(n);
                perr(p, c == '.' ? "expected a name after '.'" : "expected a filter name after '|'");
                return NULL;
            }
            node *m = mk(p, c == '.' ? N_ATTR : N_FILTER);
            if (!m) {
                node_free(n);
                return NULL;
            }
            m->s = strndup(p->src + p->i, L);
            p->i += L;
            m->a = n;
            n = m;
            if (accept(p, '(')) {
                if (n->k == N_ATTR) n->k = N_CALL;
                if (parse_args(p, ')', &n->args, &n->n_args) != 0) {
                    node_free(n);
                    return NULL;
                }
            }
        } else if (c == '[') {
            p->i++;
            node *m = mk(p, N_INDEX);
            if (!m) {
                node_free(n);
                return NULL;
            }
            m->a = n;
            n = m;
            if (!(n->b = parse_cond(p)) || !accept(p, ']')) {
                if (n->b) perr(p, "expected ']'");
                node_free(n);
                return NULL;
            }
        } else {
            break;
        }
    }
    return n;
}

static node *parse_unary(parser *p) {
    if (++p->depth > TMPL_MAX_DEPTH) {
        perr(p, "expression nested too deeply");
        return NULL;
    }
    node *n;
    if (accept(p, '-')) {
        n = mk(p, N_NEG);
        if (n && !(n->a = parse_unary(p))) node_free(n), n = NULL;
    } else if (peek_word(p, "not")) {
        p->i += 3;
        n = mk(p, N_NOT);
        if (n && !(n->a = parse_unary(p))) node_free(n), n = NULL;
    } else {
        n = parse_postfix(p);
    }
    p->depth--;
    return n;
}

static node *parse_add(parser *p) {
    node *n = parse_unary(p);
    while (n) {
        skip_ws(p);
        if (p->i >= p->n) break;
        char c = p->src[p->i];
        /* "-}}" closes the expression with whitespace control. */
        if (c == '-' && p->i + 2 < p->n && p->src[p->i + 1] == '}' && p->src[p->i + 2] == '}') break;
        nkind k = c == '+' ? N_ADD : c == '-' ? N_SUB : c == '~' ? N_CAT : N_NAME;
        if (k == N_NAME) break;
        p->i++;
        node *m = mk(p, k);
        if (!m) {
            node_free(n);
            return NULL;
        }
        m->a = n;
        if (!(m->b = parse_unary(p))) {
            node_free(m);
            return NULL;
        }
        n = m;
    }
    return n;
}

static node *parse_test(parser *p) {
    node *n = parse_add(p);
    if (n && peek_word(p, "is")) {
        p->i += 2;
        int neg = 0;
        if (peek_word(p, "not")) p->i += 3, neg = 1;
        if (!peek_word(p, "defined")) {
            node_free(n);
            perr(p, "only the tests 'is defined' and 'is not defined' are supported");
            return NULL;
        }
        p->i += 7;
        node *m = mk(p, N_DEFINED);
        if (!m) {
            node_free(n);
            return NULL;
        }
        m->a = n;
        m->cval = neg;
        n = m;
    }
    return n;
}

static node *parse_cond(parser *p) {
    if (++p->depth > TMPL_MAX_DEPTH) {
        perr(p, "expression nested too deeply");
        return NULL;
    }
    node *n = parse_test(p);
    if (n && peek_word(p, "if")) {
        p->i += 2;
        node *m = mk(p, N_COND);
        if (!m) {
            node_free(n);
            p->depth--;
            return NULL;
        }
        m->a = n; /* value when true */
        if (!(m->b = parse_test(p))) goto fail;
        if (peek_word(p, "else")) {
            p->i += 4;
            if (!(m->c = parse_cond(p))) goto fail;
        }
        n = m;
        p->depth--;
        return n;
    fail:
        node_free(m);
        p->depth--;
        return NULL;
    }
    p->depth--;
    return n;
}

static int add_part(task_tmpl *t, part pt) {
    part *np = realloc(t->parts, sizeof *np * (size_t)(t->n_parts + 1));
    if (!np) return -1;
    t->parts = np;
    t->parts[t->n_parts++] = pt;
    return 0;
}

void task_tmpl_free(task_tmpl *t) {
    if (!t) return;
    for (int i = 0; i < t->n_parts; i++) {
        free(t->parts[i].text);
        node_free(t->parts[i].expr);
    }
    free(t->parts);
    free(t->src);
    free(t);
}

task_tmpl *task_tmpl_parse(const char *src, errbuf *e) {
    task_tmpl *t = calloc(1, sizeof *t);
    if (!t || !(t->src = strdup(src))) {
        free(t);
        err_set(e, "out of memory parsing a template");
        return NULL;
    }
    parser p = {t->src, 0, strlen(src), e, 0};
    size_t text_start = 0;
    int strip_next = 0; /* the previous tag ended with -}} */
    while (p.i <= p.n) {
        int at_end = p.i == p.n;
        int tag = !at_end && p.src[p.i] == '{' && p.i + 1 < p.n &&
                  (p.src[p.i + 1] == '{' || p.src[p.i + 1] == '%' || p.src[p.i + 1] == '#');
        if (!at_end && !tag) {
            p.i++;
            continue;
        }
        /* Flush literal text [text_start, p.i), applying whitespace control. */
        size_t lo = text_start, hi = p.i;
        if (strip_next) lo += pytext_leading_space_bytes(p.src + lo, hi - lo);
        if (tag && p.i + 2 < p.n && p.src[p.i + 2] == '-')
            hi -= pytext_trailing_space_bytes(p.src + lo, hi - lo);
        if (hi > lo) {
            part pt = {strndup(p.src + lo, hi - lo), hi - lo, NULL};
            if (!pt.text || add_part(t, pt) != 0) {
                free(pt.text);
                err_set(e, "out of memory parsing a template");
                goto fail;
            }
        }
        if (at_end) break;
        char kind = p.src[p.i + 1];
        if (kind == '%') {
            perr(&p, "statements ({% ... %}) are not supported; write the text out or use a process_docs function");
            goto fail;
        }
        if (kind == '#') {
            const char *end = strstr(p.src + p.i + 2, "#}");
            if (!end) {
                perr(&p, "unterminated comment '{#'");
                goto fail;
            }
            strip_next = end > p.src + p.i + 2 && end[-1] == '-';
            p.i = (size_t)(end - p.src) + 2;
            text_start = p.i;
            continue;
        }
        size_t open = p.i;
        p.i += 2;
        if (p.i < p.n && p.src[p.i] == '-') p.i++;
        skip_ws(&p);
        if (p.i + 1 < p.n && p.src[p.i] == '}' && p.src[p.i + 1] == '}') {
            p.i = open;
            perr(&p, "empty expression '{{ }}'");
            goto fail;
        }
        node *ex = parse_cond(&p);
        if (!ex) goto fail;
        skip_ws(&p);
        strip_next = 0;
        if (p.i < p.n && p.src[p.i] == '-') p.i++, strip_next = 1;
        if (!(p.i + 1 < p.n && p.src[p.i] == '}' && p.src[p.i + 1] == '}')) {
            node_free(ex);
            if (p.i >= p.n)
                perr(&p, "'{{' is never closed by '}}'");
            else
                perr(&p, "expected '}}' after the expression");
            goto fail;
        }
        p.i += 2;
        part pt = {NULL, 0, ex};
        if (add_part(t, pt) != 0) {
            node_free(ex);
            err_set(e, "out of memory parsing a template");
            goto fail;
        }
        text_start = p.i;
    }
    return t;
fail:
    task_tmpl_free(t);
    return NULL;
}

const char *task_tmpl_source(const task_tmpl *t) { return t->src; }

int task_tmpl_is_literal(const task_tmpl *t) {
    for (int i = 0; i < t->n_parts; i++)
        if (t->parts[i].expr) return 0;
    return 1;
}

/* ------------------------------------------------------------- evaluation */

#define EV_UNDEFINED (-2) /* StrictUndefined: an `is defined` test catches it */

static void list_keys(strbuf *b, const cJSON *obj) {
    int i = 0;
    for (const cJSON *c = obj ? obj->child : NULL; c && i < 12; c = c->next, i++) {
        if (i) strbuf_puts(b, ", ");
        strbuf_puts(b, c->string ? c->string : "?");
    }
    if (i == 12) strbuf_puts(b, ", ...");
}

static const char *type_name(const cJSON *v) {
    if (cJSON_IsString(v)) return "str";
    if (cJSON_IsNumber(v)) return "number";
    if (cJSON_IsArray(v)) return "list";
    if (cJSON_IsObject(v)) return "dict";
    if (cJSON_IsBool(v)) return "bool";
    return "None";
}

static int truthy(const cJSON *v) {
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return 0;
    if (cJSON_IsNumber(v)) return v->valuedouble != 0;
    if (cJSON_IsString(v)) return v->valuestring[0] != 0;
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) return v->child != NULL;
    return 1;
}

static cJSON *str_value(strbuf *b) {
    cJSON *r = strbuf_failed(b) ? NULL : cJSON_CreateString(strbuf_str(b));
    strbuf_deinit(b);
    return r;
}

static int eval(const node *n, const cJSON *doc, cJSON **out, errbuf *e);

static int oom(errbuf *e) { return err_set(e, "out of memory rendering a template"); }

static int eval_string_arg(const node *n, int i, const cJSON *doc, char **s, errbuf *e) {
    cJSON *v = NULL;
    if (i >= n->n_args) return err_set(e, "column %d: .%s() needs %d argument(s)", n->col, n->s, i + 1);
    if (eval(n->args[i], doc, &v, e) != 0) return -1;
    if (!cJSON_IsString(v)) {
        err_set(e, "column %d: .%s(): argument %d is a %s, expected a str", n->col, n->s, i + 1, type_name(v));
        cJSON_Delete(v);
        return -1;
    }
    *s = strdup(v->valuestring);
    cJSON_Delete(v);
    return *s ? 0 : oom(e);
}

static int do_split(const char *s, const char *sep, cJSON **out, errbuf *e) {
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return oom(e);
    size_t n = strlen(s);
    if (sep) {
        size_t L = strlen(sep);
        if (L == 0) {
            cJSON_Delete(arr);
            return err_set(e, ".split(): empty separator");
        }
        const char *p = s;
        for (;;) {
            const char *q = strstr(p, sep);
            size_t len = q ? (size_t)(q - p) : strlen(p);
            char *piece = strndup(p, len);
            if (!piece) {
                cJSON_Delete(arr);
                return oom(e);
            }
            cJSON_AddItemToArray(arr, cJSON_CreateString(piece));
            free(piece);
            if (!q) break;
            p = q + L;
        }
    } else {
        /* str.split(): runs of whitespace, no empty pieces. */
        size_t i = 0;
        while (i < n) {
            i += pytext_leading_space_bytes(s + i, n - i);
            if (i >= n) break;
            size_t j = i;
            while (j < n) {
                int k;
                uint32_t cp = pytext_decode(s + j, n - j, &k);
                if (pytext_isspace_cp(cp)) break;
                j += (size_t)k;
            }
            char *piece = strndup(s + i, j - i);
            if (!piece) {
                cJSON_Delete(arr);
                return oom(e);
            }
            cJSON_AddItemToArray(arr, cJSON_CreateString(piece));
            free(piece);
            i = j;
        }
    }
    *out = arr;
    return 0;
}

static int eval_method(const node *n, const cJSON *doc, cJSON **out, errbuf *e) {
    cJSON *base = NULL;
    int rc = eval(n->a, doc, &base, e);
    if (rc != 0) return rc;
    const char *m = n->s;
    rc = -1;
    if (cJSON_IsString(base)) {
        const char *s = base->valuestring;
        size_t len = strlen(s);
        strbuf b;
        strbuf_init(&b);
        if (!strcmp(m, "strip") || !strcmp(m, "lstrip") || !strcmp(m, "rstrip")) {
            if (n->n_args) {
                err_set(e, "column %d: .%s() with arguments is not supported", n->col, m);
                goto done;
            }
            pytext_strip(&b, s, len, m[0] != 'r', m[0] != 'l');
            *out = str_value(&b);
            rc = *out ? 0 : oom(e);
        } else if (!strcmp(m, "lower")) {
            pytext_lower(&b, s, len);
            *out = str_value(&b);
            rc = *out ? 0 : oom(e);
        } else if (!strcmp(m, "upper")) {
            pytext_upper(&b, s, len);
            *out = str_value(&b);
            rc = *out ? 0 : oom(e);
        } else if (!strcmp(m, "capitalize")) {
            pytext_capitalize(&b, s, len);
            *out = str_value(&b);
            rc = *out ? 0 : oom(e);
        } else if (!strcmp(m, "split")) {
            char *sep = NULL;
            if (n->n_args > 1) {
                err_set(e, "column %d: .split() takes at most one argument", n->col);
                goto done;
            }
            if (n->n_args == 1 && eval_string_arg(n, 0, doc, &sep, e) != 0) goto done;
            rc = do_split(s, sep, out, e);
            free(sep);
        } else if (!strcmp(m, "replace")) {
            char *old = NULL, *rep = NULL;
            if (eval_string_arg(n, 0, doc, &old, e) != 0 || eval_string_arg(n, 1, doc, &rep, e) != 0) {
                free(old);
                goto done;
            }
            size_t L = strlen(old);
            const char *p = s;
            if (L == 0) {
                /* Python inserts the replacement between every character. */
                strbuf_puts(&b, rep);
                for (size_t i = 0; i < len;) {
                    int k;
                    pytext_decode(s + i, len - i, &k);
                    strbuf_append(&b, s + i, (size_t)k);
                    strbuf_puts(&b, rep);
                    i += (size_t)k;
                }
            } else {
                for (const char *q; (q = strstr(p, old)); p = q + L) {
                    strbuf_append(&b, p, (size_t)(q - p));
                    strbuf_puts(&b, rep);
                }
                strbuf_puts(&b, p);
            }
            free(old);
            free(rep);
            *out = str_value(&b);
            rc = *out ? 0 : oom(e);
        } else if (!strcmp(m, "startswith") || !strcmp(m, "endswith")) {
            char *x = NULL;
            if (eval_string_arg(n, 0, doc, &x, e) != 0) goto done;
            size_t L = strlen(x);
            int r = L <= len && (m[0] == 's' ? memcmp(s, x, L) == 0 : memcmp(s + len - L, x, L) == 0);
            free(x);
            *out = cJSON_CreateBool(r);
            rc = *out ? 0 : oom(e);
        } else {
            err_set(e, "column %d: unknown str method .%s() (known: strip, lstrip, rstrip, lower, upper, "
                       "capitalize, split, replace, startswith, endswith)", n->col, m);
        }
    done:
        strbuf_deinit(&b);
    } else if (cJSON_IsArray(base) && !strcmp(m, "index")) {
        cJSON *x = NULL;
        if (n->n_args != 1) {
            err_set(e, "column %d: .index() takes one argument", n->col);
        } else if (eval(n->args[0], doc, &x, e) == 0) {
            int i = 0, found = -1;
            for (const cJSON *c = base->child; c; c = c->next, i++)
                if (cJSON_Compare(c, x, 1)) {
                    found = i;
                    break;
                }
            if (found < 0) {
                strbuf b;
                strbuf_init(&b);
                pytext_repr_json(&b, x);
                strbuf_puts(&b, " is not in list ");
                pytext_repr_json(&b, base);
                err_set(e, "column %d: .index(): %s", n->col, strbuf_str(&b));
                strbuf_deinit(&b);
            } else {
                *out = cJSON_CreateNumber(found);
                rc = *out ? 0 : oom(e);
            }
            cJSON_Delete(x);
        }
    } else {
        err_set(e, "column %d: a %s has no method .%s()", n->col, type_name(base), m);
    }
    cJSON_Delete(base);
    return rc;
}

/* Jinja's int filter: int(value), else int(float(value)), else 0. */
static double filter_int(const cJSON *v) {
    if (cJSON_IsNumber(v)) return trunc(v->valuedouble);
    if (cJSON_IsTrue(v)) return 1;
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\n') end++;
        if (end != s && !*end && !errno) return (double)x;
        double d = strtod(s, &end);
        while (*end == ' ' || *end == '\t' || *end == '\n') end++;
        if (end != s && !*end && isfinite(d)) return trunc(d);
    }
    return 0;
}

static int eval_filter(const node *n, const cJSON *doc, cJSON **out, errbuf *e) {
    cJSON *v = NULL;
    int rc = eval(n->a, doc, &v, e);
    if (rc != 0) return rc;
    const char *f = n->s;
    strbuf b;
    strbuf_init(&b);
    rc = 0;
    if (!strcmp(f, "int")) {
        *out = cJSON_CreateNumber(filter_int(v));
    } else if (!strcmp(f, "string")) {
        pytext_str_json(&b, v);
        *out = str_value(&b);
    } else if (!strcmp(f, "trim") || !strcmp(f, "lower") || !strcmp(f, "upper")) {
        strbuf s;
        strbuf_init(&s);
        pytext_str_json(&s, v);
        if (f[0] == 't') pytext_strip(&b, strbuf_str(&s), s.len, 1, 1);
        else if (f[0] == 'l') pytext_lower(&b, strbuf_str(&s), s.len);
        else pytext_upper(&b, strbuf_str(&s), s.len);
        strbuf_deinit(&s);
        *out = str_value(&b);
    } else if (!strcmp(f, "length")) {
        if (cJSON_IsString(v)) *out = cJSON_CreateNumber((double)pytext_len(v->valuestring, strlen(v->valuestring)));
        else if (cJSON_IsArray(v) || cJSON_IsObject(v)) *out = cJSON_CreateNumber(cJSON_GetArraySize(v));
        else rc = err_set(e, "column %d: |length of a %s", n->col, type_name(v));
    } else if (!strcmp(f, "first") || !strcmp(f, "last")) {
        if (!cJSON_IsArray(v) || !v->child) {
            rc = err_set(e, "column %d: |%s of a %s%s", n->col, f, type_name(v), cJSON_IsArray(v) ? " that is empty" : "");
        } else {
            const cJSON *c = v->child;
            if (f[0] == 'l') while (c->next) c = c->next;
            *out = cJSON_Duplicate(c, 1);
        }
    } else {
        rc = err_set(e, "column %d: unknown filter |%s (known: int, string, trim, lower, upper, length, first, last)",
                     n->col, f);
    }
    strbuf_deinit(&b);
    cJSON_Delete(v);
    if (rc == 0 && !*out) return oom(e);
    return rc;
}

static int eval_binop(const node *n, const cJSON *doc, cJSON **out, errbuf *e) {
    cJSON *a = NULL, *b = NULL;
    int rc = eval(n->a, doc, &a, e);
    if (rc != 0) return rc;
    if ((rc = eval(n->b, doc, &b, e)) != 0) {
        cJSON_Delete(a);
        return rc;
    }
    rc = 0;
    if (n->k == N_CAT) {
        strbuf s;
        strbuf_init(&s);
        pytext_str_json(&s, a);
        pytext_str_json(&s, b);
        *out = str_value(&s);
    } else if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) {
        *out = cJSON_CreateNumber(n->k == N_ADD ? a->valuedouble + b->valuedouble : a->valuedouble - b->valuedouble);
    } else if (n->k == N_ADD && cJSON_IsString(a) && cJSON_IsString(b)) {
        strbuf s;
        strbuf_init(&s);
        strbuf_puts(&s, a->valuestring);
        strbuf_puts(&s, b->valuestring);
        *out = str_value(&s);
    } else if (n->k == N_ADD && cJSON_IsArray(a) && cJSON_IsArray(b)) {
        *out = cJSON_Duplicate(a, 1);
        for (const cJSON *c = b->child; *out && c; c = c->next) cJSON_AddItemToArray(*out, cJSON_Duplicate(c, 1));
    } else {
        rc = err_set(e, "column %d: cannot %s a %s and a %s", n->col, n->k == N_ADD ? "add" : "subtract", type_name(a),
                     type_name(b));
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    if (rc == 0 && !*out) return oom(e);
    return rc;
}

static int eval(const node *n, const cJSON *doc, cJSON **out, errbuf *e) {
    *out = NULL;
    switch (n->k) {
    case N_NAME: {
        const cJSON *v = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, n->s) : NULL;
        if (!v) {
            strbuf b;
            strbuf_init(&b);
            list_keys(&b, doc);
            err_set(e, "column %d: the record has no field \"%s\" (fields: %s)", n->col, n->s, strbuf_str(&b));
            strbuf_deinit(&b);
            return EV_UNDEFINED;
        }
        *out = cJSON_Duplicate(v, 1);
        return *out ? 0 : oom(e);
    }
    case N_STR:
        *out = cJSON_CreateString(n->s);
        return *out ? 0 : oom(e);
    case N_NUM:
        *out = cJSON_CreateNumber(n->num);
        return *out ? 0 : oom(e);
    case N_CONST:
        *out = n->cval == 2 ? cJSON_CreateNull() : cJSON_CreateBool(n->cval);
        return *out ? 0 : oom(e);
    case N_LIST: {
        cJSON *arr = cJSON_CreateArray();
        if (!arr) return oom(e);
        for (int i = 0; i < n->n_args; i++) {
            cJSON *v;
            int rc = eval(n->args[i], doc, &v, e);
            if (rc != 0) {
                cJSON_Delete(arr);
                return rc;
            }
            cJSON_AddItemToArray(arr, v);
        }
        *out = arr;
        return 0;
    }
    case N_ATTR:
    case N_INDEX: {
        cJSON *base = NULL, *key = NULL;
        int rc = eval(n->a, doc, &base, e);
        if (rc != 0) return rc;
        if (n->k == N_ATTR) {
            key = cJSON_CreateString(n->s);
        } else if ((rc = eval(n->b, doc, &key, e)) != 0) {
            cJSON_Delete(base);
            return rc;
        }
        rc = 0;
        const cJSON *v = NULL;
        if (cJSON_IsObject(base) && cJSON_IsString(key)) {
            v = cJSON_GetObjectItemCaseSensitive(base, key->valuestring);
            if (!v) {
                strbuf b;
                strbuf_init(&b);
                list_keys(&b, base);
                rc = err_set(e, "column %d: no key \"%s\" (keys: %s)", n->col, key->valuestring, strbuf_str(&b));
                strbuf_deinit(&b);
                rc = EV_UNDEFINED;
            } else {
                *out = cJSON_Duplicate(v, 1);
            }
        } else if ((cJSON_IsArray(base) || cJSON_IsString(base)) && cJSON_IsNumber(key) &&
                   key->valuedouble == floor(key->valuedouble)) {
            long idx = (long)key->valuedouble;
            if (cJSON_IsArray(base)) {
                long len = cJSON_GetArraySize(base);
                if (idx < 0) idx += len;
                if (idx < 0 || idx >= len) {
                    rc = err_set(e, "column %d: index %ld out of range for a list of %ld", n->col,
                                 (long)key->valuedouble, len);
                    rc = EV_UNDEFINED;
                } else {
                    *out = cJSON_Duplicate(cJSON_GetArrayItem(base, (int)idx), 1);
                }
            } else {
                /* A str index is one code point. */
                const char *s = base->valuestring;
                size_t blen = strlen(s);
                long len = (long)pytext_len(s, blen);
                if (idx < 0) idx += len;
                if (idx < 0 || idx >= len) {
                    rc = err_set(e, "column %d: index %ld out of range for a str of %ld characters", n->col,
                                 (long)key->valuedouble, len);
                    rc = EV_UNDEFINED;
                } else {
                    size_t i = 0;
                    int k = 1;
                    for (long c = 0;; c++) {
                        pytext_decode(s + i, blen - i, &k);
                        if (c == idx) break;
                        i += (size_t)k;
                    }
                    char *ch = strndup(s + i, (size_t)k);
                    *out = ch ? cJSON_CreateString(ch) : NULL;
                    free(ch);
                }
            }
        } else if (n->k == N_ATTR) {
            rc = err_set(e, "column %d: a %s has no attribute \"%s\"", n->col, type_name(base), n->s);
            rc = EV_UNDEFINED;
        } else {
            rc = err_set(e, "column %d: cannot index a %s with a %s", n->col, type_name(base), type_name(key));
        }
        cJSON_Delete(base);
        cJSON_Delete(key);
        if (rc == 0 && !*out) return oom(e);
        return rc;
    }
    case N_CALL:
        return eval_method(n, doc, out, e);
    case N_FILTER:
        return eval_filter(n, doc, out, e);
    case N_ADD:
    case N_SUB:
    case N_CAT:
        return eval_binop(n, doc, out, e);
    case N_NEG:
    case N_NOT: {
        cJSON *v = NULL;
        int rc = eval(n->a, doc, &v, e);
        if (rc != 0) return rc;
        if (n->k == N_NOT) {
            *out = cJSON_CreateBool(!truthy(v));
        } else if (!cJSON_IsNumber(v)) {
            rc = err_set(e, "column %d: cannot negate a %s", n->col, type_name(v));
        } else {
            *out = cJSON_CreateNumber(-v->valuedouble);
        }
        cJSON_Delete(v);
        if (rc == 0 && !*out) return oom(e);
        return rc;
    }
    case N_DEFINED: {
        cJSON *v = NULL;
        int rc = eval(n->a, doc, &v, e);
        if (rc == -1) return -1;
        cJSON_Delete(v);
        int defined = rc == 0;
        *out = cJSON_CreateBool(n->cval ? !defined : defined);
        return *out ? 0 : oom(e);
    }
    case N_COND: {
        cJSON *c = NULL;
        int rc = eval(n->b, doc, &c, e);
        if (rc != 0) return rc;
        int t = truthy(c);
        cJSON_Delete(c);
        if (t) return eval(n->a, doc, out, e);
        if (n->c) return eval(n->c, doc, out, e);
        err_set(e, "column %d: the condition is false and the expression has no 'else'", n->col);
        return EV_UNDEFINED;
    }
    }
    return err_set(e, "column %d: bad expression node", n->col);
}

int task_tmpl_render_text(const task_tmpl *t, const cJSON *doc, strbuf *b, errbuf *e) {
    for (int i = 0; i < t->n_parts; i++) {
        const part *pt = &t->parts[i];
        if (pt->text) {
            strbuf_append(b, pt->text, pt->len);
            continue;
        }
        cJSON *v = NULL;
        if (eval(pt->expr, doc, &v, e) != 0) return -1;
        pytext_str_json(b, v);
        cJSON_Delete(v);
    }
    if (strbuf_failed(b)) return oom(e);
    return 0;
}

int task_tmpl_render_value(const task_tmpl *t, const cJSON *doc, cJSON **out, errbuf *e) {
    *out = NULL;
    if (t->n_parts == 1 && t->parts[0].expr) {
        cJSON *v = NULL;
        if (eval(t->parts[0].expr, doc, &v, e) != 0) return -1;
        if (cJSON_IsArray(v)) {
            *out = v;
            return 0;
        }
        strbuf b;
        strbuf_init(&b);
        pytext_str_json(&b, v);
        cJSON_Delete(v);
        *out = str_value(&b);
        return *out ? 0 : oom(e);
    }
    strbuf b;
    strbuf_init(&b);
    if (task_tmpl_render_text(t, doc, &b, e) != 0) {
        strbuf_deinit(&b);
        return -1;
    }
    *out = str_value(&b);
    return *out ? 0 : oom(e);
}
