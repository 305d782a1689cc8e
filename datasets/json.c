/* datasets/json.c: JSON documents and JSON Lines. */
#include "datasets/json.h"

#include <stdio.h>
#include <string.h>

#include "datasets/text.h"

#define JSON_SNIPPET_BYTES 24 /* input quoted around a syntax error */

const char *ds_json_type_name(const cJSON *v) {
    if (!v) return "nothing";
    if (cJSON_IsString(v)) return "string";
    if (cJSON_IsNumber(v)) return "number";
    if (cJSON_IsBool(v)) return "boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "array";
    if (cJSON_IsObject(v)) return "object";
    return "invalid value";
}

/* Copies up to JSON_SNIPPET_BYTES printable bytes from s for a message. */
static void snippet(const char *s, const char *end, char *out, size_t cap) {
    size_t k = 0;
    while (s < end && k + 1 < cap && k < JSON_SNIPPET_BYTES && *s != '\n' && *s != '\r') out[k++] = *s++;
    out[k] = 0;
}

static int only_space(const char *p, const char *end) {
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return 0;
    return 1;
}

cJSON *ds_json_parse(const char *buf, size_t n, const char *name, errbuf *e) {
    const char *start = buf;
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) start += 3;
    size_t len = n - (size_t)(start - buf);
    const char *stop = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(start, len, &stop, 0);
    int line, col;
    char snip[JSON_SNIPPET_BYTES + 1];
    if (!root) {
        size_t off = stop ? (size_t)(stop - buf) : 0;
        if (off > n) off = n;
        ds_text_position(buf, off, &line, &col);
        snippet(buf + off, buf + n, snip, sizeof snip);
        if (only_space(start, buf + n)) err_set(e, "%s: empty file, expected a JSON document", name);
        else err_set(e, "%s:%d:%d: invalid JSON near '%s'", name, line, col, snip);
        return NULL;
    }
    if (!only_space(stop, buf + n)) {
        while (*stop == ' ' || *stop == '\t' || *stop == '\r' || *stop == '\n') stop++;
        ds_text_position(buf, (size_t)(stop - buf), &line, &col);
        snippet(stop, buf + n, snip, sizeof snip);
        err_set(e, "%s:%d:%d: text after the end of the JSON document: '%s'", name, line, col, snip);
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsObject(root) && !cJSON_IsArray(root)) {
        err_set(e, "%s: expected a JSON object or array, got a %s", name, ds_json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

void ds_jsonl_init(ds_jsonl *r, const char *buf, size_t n, const char *name) {
    r->name = name;
    r->buf = buf;
    r->p = buf;
    r->end = buf + n;
    r->line = 1;
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) r->p += 3;
}

int ds_jsonl_next(ds_jsonl *r, cJSON **obj, int *line_out, errbuf *e) {
    *obj = NULL;
    while (r->p < r->end) {
        const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
        const char *stop_line = nl ? nl : r->end;
        const char *s = r->p;
        int line = r->line++;
        r->p = nl ? nl + 1 : r->end;
        if (only_space(s, stop_line)) continue;
        if (memchr(s, 0, (size_t)(stop_line - s)))
            return err_set(e, "%s:%d: NUL byte in the line", r->name, line);
        const char *stop = NULL;
        cJSON *v = cJSON_ParseWithLengthOpts(s, (size_t)(stop_line - s), &stop, 0);
        char snip[JSON_SNIPPET_BYTES + 1];
        if (!v) {
            const char *at = stop ? stop : s;
            snippet(at, stop_line, snip, sizeof snip);
            return err_set(e, "%s:%d:%d: invalid JSON near '%s'", r->name, line, (int)(at - s) + 1, snip);
        }
        if (!only_space(stop, stop_line)) {
            while (*stop == ' ' || *stop == '\t' || *stop == '\r') stop++;
            snippet(stop, stop_line, snip, sizeof snip);
            cJSON_Delete(v);
            return err_set(e, "%s:%d:%d: text after the JSON object: '%s' (one object per line)", r->name, line,
                           (int)(stop - s) + 1, snip);
        }
        if (!cJSON_IsObject(v)) {
            err_set(e, "%s:%d: expected a JSON object, got a %s", r->name, line, ds_json_type_name(v));
            cJSON_Delete(v);
            return -1;
        }
        *obj = v;
        *line_out = line;
        return 1;
    }
    return 0;
}
