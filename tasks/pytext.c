/* tasks/pytext.c: Python string and value semantics on UTF-8 (see pytext.h). */
#include "tasks/pytext.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

uint32_t pytext_decode(const char *s, size_t n_bytes, int *n_cp_bytes) {
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    int need;
    uint32_t cp, min;
    if (c < 0x80) {
        *n_cp_bytes = 1;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3, cp = c & 0x07, min = 0x10000;
    } else {
        *n_cp_bytes = 1;
        return 0xFFFD;
    }
    if ((size_t)need >= n_bytes) {
        *n_cp_bytes = 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= need; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *n_cp_bytes = 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        *n_cp_bytes = 1;
        return 0xFFFD;
    }
    *n_cp_bytes = need + 1;
    return cp;
}

void pytext_encode(strbuf *b, uint32_t cp) {
    char o[4];
    if (cp < 0x80) {
        o[0] = (char)cp;
        strbuf_append(b, o, 1);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        strbuf_append(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        strbuf_append(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        strbuf_append(b, o, 4);
    }
}

int pytext_isspace_cp(uint32_t cp) {
    if (cp <= 0x7F) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

size_t pytext_len(const char *s, size_t n_bytes) {
    size_t n = 0;
    for (size_t i = 0; i < n_bytes;) {
        int k;
        pytext_decode(s + i, n_bytes - i, &k);
        i += (size_t)k;
        n++;
    }
    return n;
}

size_t pytext_leading_space_bytes(const char *s, size_t n_bytes) {
    size_t i = 0;
    while (i < n_bytes) {
        int k;
        uint32_t cp = pytext_decode(s + i, n_bytes - i, &k);
        if (!pytext_isspace_cp(cp) || (cp == 0xFFFD && k == 1)) break;
        i += (size_t)k;
    }
    return i;
}

size_t pytext_trailing_space_bytes(const char *s, size_t n_bytes) {
    /* Walk forward remembering where the last run of whitespace began, so
     * multi-byte characters are never split. */
    size_t i = 0, run_start = 0;
    int in_run = 0;
    while (i < n_bytes) {
        int k;
        uint32_t cp = pytext_decode(s + i, n_bytes - i, &k);
        int sp = pytext_isspace_cp(cp) && !(cp == 0xFFFD && k == 1);
        if (sp && !in_run) run_start = i, in_run = 1;
        if (!sp) in_run = 0;
        i += (size_t)k;
    }
    return in_run ? n_bytes - run_start : 0;
}

void pytext_strip(strbuf *b, const char *s, size_t n_bytes, int left, int right) {
    size_t lo = left ? pytext_leading_space_bytes(s, n_bytes) : 0;
    size_t hi = n_bytes;
    if (right && lo < n_bytes) hi = n_bytes - pytext_trailing_space_bytes(s + lo, n_bytes - lo);
    strbuf_append(b, s + lo, hi - lo);
}

enum { CASE_LOWER, CASE_UPPER, CASE_CAPITALIZE };

static void case_map(strbuf *b, const char *s, size_t n_bytes, int mode) {
    /* A private locale object, not setlocale(): no process-wide state. */
    locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    int first = 1;
    for (size_t i = 0; i < n_bytes;) {
        int k;
        uint32_t cp = pytext_decode(s + i, n_bytes - i, &k);
        if (cp == 0xFFFD && k == 1 && (unsigned char)s[i] >= 0x80) {
            strbuf_append(b, s + i, 1); /* keep invalid bytes as they are */
            i += 1;
            first = 0;
            continue;
        }
        int up = mode == CASE_UPPER || (mode == CASE_CAPITALIZE && first);
        uint32_t m = cp;
        if (cp < 0x80) {
            if (up && cp >= 'a' && cp <= 'z') m = cp - 32;
            if (!up && cp >= 'A' && cp <= 'Z') m = cp + 32;
        } else if (loc != (locale_t)0) {
            m = (uint32_t)(up ? towupper_l((wint_t)cp, loc) : towlower_l((wint_t)cp, loc));
        }
        pytext_encode(b, m);
        i += (size_t)k;
        first = 0;
    }
    if (loc != (locale_t)0) freelocale(loc);
}

void pytext_lower(strbuf *b, const char *s, size_t n_bytes) { case_map(b, s, n_bytes, CASE_LOWER); }
void pytext_upper(strbuf *b, const char *s, size_t n_bytes) { case_map(b, s, n_bytes, CASE_UPPER); }
void pytext_capitalize(strbuf *b, const char *s, size_t n_bytes) { case_map(b, s, n_bytes, CASE_CAPITALIZE); }

int pytext_isdigit(const char *s, size_t n_bytes) {
    if (n_bytes == 0) return 0;
    for (size_t i = 0; i < n_bytes; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* Not printable for repr(): Cc, Zs (but space), Zl, Zp, Cf, Co. Only the
 * assigned Cf characters that occur in text are listed; unassigned code
 * points (Cn, also non-printable in CPython) are treated as printable. */
static int repr_printable(uint32_t cp) {
    if (cp < 0x20 || cp == 0x7F) return 0;
    if (cp < 0x7F) return 1;
    if (cp >= 0x80 && cp <= 0xA0) return 0;
    if (cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
        (cp >= 0x205F && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF ||
        (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD ||
        cp == 0x70F || cp == 0x180E || (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000 ||
        (cp >= 0xE0000 && cp <= 0xE007F))
        return 0;
    return 1;
}

void pytext_repr_str(strbuf *b, const char *s, size_t n_bytes) {
    int has_sq = memchr(s, '\'', n_bytes) != NULL, has_dq = memchr(s, '"', n_bytes) != NULL;
    char q = (has_sq && !has_dq) ? '"' : '\'';
    strbuf_putc(b, q);
    for (size_t i = 0; i < n_bytes;) {
        int k;
        uint32_t cp = pytext_decode(s + i, n_bytes - i, &k);
        if (cp == 0xFFFD && k == 1 && (unsigned char)s[i] >= 0x80) {
            /* Python would hold a surrogate escape here; keep the byte. */
            strbuf_printf(b, "\\udc%02x", (unsigned char)s[i]);
        } else if (cp == (uint32_t)q || cp == '\\') {
            strbuf_putc(b, '\\');
            strbuf_putc(b, (char)cp);
        } else if (cp == '\t') {
            strbuf_puts(b, "\\t");
        } else if (cp == '\n') {
            strbuf_puts(b, "\\n");
        } else if (cp == '\r') {
            strbuf_puts(b, "\\r");
        } else if (repr_printable(cp)) {
            strbuf_append(b, s + i, (size_t)k);
        } else if (cp <= 0xFF) {
            strbuf_printf(b, "\\x%02x", cp);
        } else if (cp <= 0xFFFF) {
            strbuf_printf(b, "\\u%04x", cp);
        } else {
            strbuf_printf(b, "\\U%08x", cp);
        }
        i += (size_t)k;
    }
    strbuf_putc(b, q);
}

void pytext_repr_float(strbuf *b, double x) {
    if (isnan(x)) {
        strbuf_puts(b, "nan");
        return;
    }
    if (isinf(x)) {
        strbuf_puts(b, x < 0 ? "-inf" : "inf");
        return;
    }
    if (x == 0) {
        strbuf_puts(b, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    /* buf = [-]d[.ddd]e[+-]XX */
    char digits[24];
    int nd = 0, neg = 0;
    const char *p = buf;
    if (*p == '-') neg = 1, p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    int decpt = exp10 + 1; /* value = 0.d1d2... * 10^decpt */
    if (neg) strbuf_putc(b, '-');
    if (decpt <= -4 || decpt > 16) {
        strbuf_putc(b, digits[0]);
        if (nd > 1) {
            strbuf_putc(b, '.');
            strbuf_append(b, digits + 1, (size_t)nd - 1);
        }
        int e = decpt - 1;
        strbuf_printf(b, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (decpt <= 0) {
        strbuf_puts(b, "0.");
        for (int i = 0; i < -decpt; i++) strbuf_putc(b, '0');
        strbuf_append(b, digits, (size_t)nd);
    } else if (decpt >= nd) {
        strbuf_append(b, digits, (size_t)nd);
        for (int i = nd; i < decpt; i++) strbuf_putc(b, '0');
        strbuf_puts(b, ".0");
    } else {
        strbuf_append(b, digits, (size_t)decpt);
        strbuf_putc(b, '.');
        strbuf_append(b, digits + decpt, (size_t)(nd - decpt));
    }
}

static int json_is_int(double x) { return x == floor(x) && fabs(x) < 9007199254740992.0; }

static void str_number(strbuf *b, double x) {
    if (json_is_int(x))
        strbuf_printf(b, "%lld", (long long)x);
    else
        pytext_repr_float(b, x);
}

static void repr_json(strbuf *b, const cJSON *v, int top_str);

void pytext_str_json(strbuf *b, const cJSON *v) { repr_json(b, v, 1); }
void pytext_repr_json(strbuf *b, const cJSON *v) { repr_json(b, v, 0); }

static void repr_json(strbuf *b, const cJSON *v, int top_str) {
    if (!v || cJSON_IsNull(v)) {
        strbuf_puts(b, "None");
    } else if (cJSON_IsTrue(v)) {
        strbuf_puts(b, "True");
    } else if (cJSON_IsFalse(v)) {
        strbuf_puts(b, "False");
    } else if (cJSON_IsNumber(v)) {
        str_number(b, v->valuedouble);
    } else if (cJSON_IsString(v)) {
        if (top_str)
            strbuf_puts(b, v->valuestring);
        else
            pytext_repr_str(b, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsArray(v)) {
        strbuf_putc(b, '[');
        int i = 0;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
            if (i) strbuf_puts(b, ", ");
            repr_json(b, c, 0);
        }
        strbuf_putc(b, ']');
    } else if (cJSON_IsObject(v)) {
        strbuf_putc(b, '{');
        int i = 0;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
            if (i) strbuf_puts(b, ", ");
            pytext_repr_str(b, c->string, strlen(c->string));
            strbuf_puts(b, ": ");
            repr_json(b, c, 0);
        }
        strbuf_putc(b, '}');
    } else {
        strbuf_puts(b, "None");
    }
}

static void json_str(strbuf *b, const char *s) {
    strbuf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': strbuf_puts(b, "\\\""); break;
        case '\\': strbuf_puts(b, "\\\\"); break;
        case '\n': strbuf_puts(b, "\\n"); break;
        case '\r': strbuf_puts(b, "\\r"); break;
        case '\t': strbuf_puts(b, "\\t"); break;
        case '\b': strbuf_puts(b, "\\b"); break;
        case '\f': strbuf_puts(b, "\\f"); break;
        default:
            if (*p < 0x20)
                strbuf_printf(b, "\\u%04x", *p);
            else
                strbuf_putc(b, (char)*p);
        }
    }
    strbuf_putc(b, '"');
}

static void newline_indent(strbuf *b, int indent, int depth) {
    strbuf_putc(b, '\n');
    for (int i = 0; i < indent * depth; i++) strbuf_putc(b, ' ');
}

static void dumps(strbuf *b, const cJSON *v, int indent, int depth) {
    if (!v || cJSON_IsNull(v)) {
        strbuf_puts(b, "null");
    } else if (cJSON_IsTrue(v)) {
        strbuf_puts(b, "true");
    } else if (cJSON_IsFalse(v)) {
        strbuf_puts(b, "false");
    } else if (cJSON_IsNumber(v)) {
        double x = v->valuedouble;
        if (isnan(x))
            strbuf_puts(b, "NaN");
        else if (isinf(x))
            strbuf_puts(b, x < 0 ? "-Infinity" : "Infinity");
        else
            str_number(b, x);
    } else if (cJSON_IsString(v)) {
        json_str(b, v->valuestring);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        int obj = cJSON_IsObject(v);
        if (!v->child) {
            strbuf_puts(b, obj ? "{}" : "[]");
            return;
        }
        strbuf_putc(b, obj ? '{' : '[');
        int i = 0;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
            if (i) strbuf_puts(b, indent >= 0 ? "," : ", ");
            if (indent >= 0) newline_indent(b, indent, depth + 1);
            if (obj) {
                json_str(b, c->string);
                strbuf_puts(b, ": ");
            }
            dumps(b, c, indent, depth + 1);
        }
        if (indent >= 0) newline_indent(b, indent, depth);
        strbuf_putc(b, obj ? '}' : ']');
    }
}

void pytext_json_dumps(strbuf *b, const cJSON *v, int indent) { dumps(b, v, indent, 0); }

/* ---- ast.literal_eval for list literals ---- */

typedef struct lit_parser {
    const char *s;
    size_t n, i;
} lit_parser;

static void lit_ws(lit_parser *p) {
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static cJSON *lit_string(lit_parser *p) {
    char q = p->s[p->i++];
    strbuf b;
    strbuf_init(&b);
    while (p->i < p->n && p->s[p->i] != q) {
        char c = p->s[p->i];
        if (c == '\n') goto fail;
        if (c != '\\') {
            strbuf_putc(&b, c);
            p->i++;
            continue;
        }
        if (p->i + 1 >= p->n) goto fail;
        char e = p->s[p->i + 1];
        p->i += 2;
        switch (e) {
        case '\n': break; /* line continuation */
        case '\\': strbuf_putc(&b, '\\'); break;
        case '\'': strbuf_putc(&b, '\''); break;
        case '"': strbuf_putc(&b, '"'); break;
        case 'a': strbuf_putc(&b, '\a'); break;
        case 'b': strbuf_putc(&b, '\b'); break;
        case 'f': strbuf_putc(&b, '\f'); break;
        case 'n': strbuf_putc(&b, '\n'); break;
        case 'r': strbuf_putc(&b, '\r'); break;
        case 't': strbuf_putc(&b, '\t'); break;
        case 'v': strbuf_putc(&b, '\v'); break;
        case 'x':
        case 'u':
        case 'U': {
            int nd = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < nd; k++) {
                if (p->i >= p->n || hexval(p->s[p->i]) < 0) goto fail;
                cp = cp * 16 + (uint32_t)hexval(p->s[p->i++]);
            }
            if (cp > 0x10FFFF) goto fail;
            pytext_encode(&b, cp);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                uint32_t cp = (uint32_t)(e - '0');
                for (int k = 0; k < 2 && p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++)
                    cp = cp * 8 + (uint32_t)(p->s[p->i++] - '0');
                pytext_encode(&b, cp);
            } else {
                /* Unknown escapes keep their backslash in Python. */
                strbuf_putc(&b, '\\');
                strbuf_putc(&b, e);
            }
        }
    }
    if (p->i >= p->n) goto fail;
    p->i++;
    if (strbuf_failed(&b)) goto fail;
    cJSON *r = cJSON_CreateString(strbuf_str(&b));
    strbuf_deinit(&b);
    return r;
fail:
    strbuf_deinit(&b);
    return NULL;
}

static cJSON *lit_value(lit_parser *p, int depth);

static cJSON *lit_list(lit_parser *p, int depth) {
    if (depth > 64) return NULL;
    p->i++; /* [ */
    cJSON *arr = cJSON_CreateArray();
    lit_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return arr;
    }
    for (;;) {
        cJSON *v = lit_value(p, depth + 1);
        if (!v) break;
        cJSON_AddItemToArray(arr, v);
        lit_ws(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            lit_ws(p);
            if (p->i < p->n && p->s[p->i] == ']') {
                p->i++;
                return arr;
            }
            continue;
        }
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            return arr;
        }
        break;
    }
    cJSON_Delete(arr);
    return NULL;
}

static cJSON *lit_value(lit_parser *p, int depth) {
    lit_ws(p);
    if (p->i >= p->n) return NULL;
    char c = p->s[p->i];
    if (c == '[') return lit_list(p, depth);
    if (c == '\'' || c == '"') return lit_string(p);
    static const struct {
        const char *word;
        int kind;
    } words[] = {{"True", 1}, {"False", 2}, {"None", 3}};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        size_t L = strlen(words[k].word);
        if (p->n - p->i >= L && memcmp(p->s + p->i, words[k].word, L) == 0) {
            p->i += L;
            return words[k].kind == 1 ? cJSON_CreateTrue() : words[k].kind == 2 ? cJSON_CreateFalse() : cJSON_CreateNull();
        }
    }
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
        char num[64];
        size_t k = 0;
        while (p->i < p->n && k + 1 < sizeof num &&
               (strchr("0123456789+-.eE_", p->s[p->i]) != NULL)) {
            if (p->s[p->i] != '_') num[k++] = p->s[p->i];
            p->i++;
        }
        num[k] = 0;
        char *end;
        double x = strtod(num, &end);
        if (k == 0 || *end) return NULL;
        /* Python forbids leading zeros in ints ("01"). */
        const char *d = num + (num[0] == '-' || num[0] == '+');
        if (d[0] == '0' && d[1] >= '0' && d[1] <= '9' && !strpbrk(num, ".eE")) return NULL;
        return cJSON_CreateNumber(x);
    }
    return NULL;
}

cJSON *pytext_literal_eval_list(const char *s, size_t n_bytes) {
    lit_parser p = {s, n_bytes, 0};
    lit_ws(&p);
    if (p.i >= p.n || s[p.i] != '[') return NULL;
    cJSON *v = lit_list(&p, 0);
    if (!v) return NULL;
    lit_ws(&p);
    if (p.i != p.n) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}
