/* tasks/filter.c: filter pipelines (see filter.h). */
#include "tasks/filter.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/metric.h"
#include "tasks/pytext.h"

static const struct {
    const char *name;
    task_filter_fn fn;
} filter_fns[] = {
    {"regex", TASK_FILTER_REGEX},         {"remove_whitespace", TASK_FILTER_REMOVE_WHITESPACE},
    {"take_first", TASK_FILTER_TAKE_FIRST}, {"lowercase", TASK_FILTER_LOWERCASE},
    {"uppercase", TASK_FILTER_UPPERCASE},
};
#define N_FILTER_FNS ((int)(sizeof filter_fns / sizeof filter_fns[0]))

void task_filter_deinit(task_filter *f) {
    if (!f) return;
    for (int i = 0; i < f->n_steps; i++) {
        task_regex_free(f->steps[i].re);
        free(f->steps[i].fallback);
    }
    free(f->steps);
    free(f->name);
    memset(f, 0, sizeof *f);
}

int task_filter_init_none(task_filter *f, errbuf *e) {
    memset(f, 0, sizeof *f);
    f->name = strdup("none");
    f->steps = calloc(1, sizeof *f->steps);
    if (!f->name || !f->steps) {
        task_filter_deinit(f);
        return err_set(e, "out of memory");
    }
    f->steps[0].fn = TASK_FILTER_TAKE_FIRST;
    f->n_steps = 1;
    return 0;
}

static int unknown_key(const cJSON *obj, const char *const *allowed, const char *path, errbuf *e) {
    for (const cJSON *c = obj->child; c; c = c->next) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++) ok |= !strcmp(c->string, allowed[i]);
        if (!ok) {
            strbuf b;
            strbuf_init(&b);
            for (int i = 0; allowed[i]; i++) strbuf_printf(&b, "%s%s", i ? ", " : "", allowed[i]);
            err_set(e, "%s: unknown field \"%s\" (known: %s)", path, c->string, strbuf_str(&b));
            strbuf_deinit(&b);
            return -1;
        }
    }
    return 0;
}

int task_filter_parse(task_filter *f, const cJSON *obj, const char *path, errbuf *e) {
    memset(f, 0, sizeof *f);
    static const char *const pipe_keys[] = {"name", "steps", NULL};
    static const char *const step_keys[] = {"function", "regex_pattern", "group_select", "fallback", NULL};
    if (!cJSON_IsObject(obj)) return err_set(e, "%s: expected an object {\"name\": ..., \"steps\": [...]}", path);
    if (unknown_key(obj, pipe_keys, path, e) != 0) return -1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(obj, "steps");
    if (!cJSON_IsString(name) || !name->valuestring[0]) return err_set(e, "%s.name: expected a non-empty string", path);
    if (strchr(name->valuestring, ','))
        return err_set(e, "%s.name: \"%s\" contains ',' (result keys are \"metric,filter\")", path, name->valuestring);
    if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0)
        return err_set(e, "%s.steps: expected a non-empty array of steps", path);
    f->name = strdup(name->valuestring);
    f->n_steps = cJSON_GetArraySize(steps);
    f->steps = calloc((size_t)f->n_steps, sizeof *f->steps);
    if (!f->name || !f->steps) {
        task_filter_deinit(f);
        return err_set(e, "out of memory");
    }
    int i = 0;
    for (const cJSON *s = steps->child; s; s = s->next, i++) {
        char sp[160];
        snprintf(sp, sizeof sp, "%s.steps[%d]", path, i);
        task_filter_step *st = &f->steps[i];
        if (!cJSON_IsObject(s)) {
            task_filter_deinit(f);
            return err_set(e, "%s: expected an object {\"function\": ...}", sp);
        }
        if (unknown_key(s, step_keys, sp, e) != 0) goto fail;
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(s, "function");
        if (!cJSON_IsString(fn)) {
            err_set(e, "%s.function: expected a string", sp);
            goto fail;
        }
        int k;
        for (k = 0; k < N_FILTER_FNS; k++)
            if (!strcmp(fn->valuestring, filter_fns[k].name)) break;
        if (k == N_FILTER_FNS) {
            const char *best = NULL;
            int bd = 4;
            for (int j = 0; j < N_FILTER_FNS; j++) {
                int d = metric_edit_distance(fn->valuestring, filter_fns[j].name);
                if (d < bd) bd = d, best = filter_fns[j].name;
            }
            err_set(e, "%s.function: unknown filter \"%s\"%s%s%s (known: regex, remove_whitespace, take_first, "
                       "lowercase, uppercase)", sp, fn->valuestring, best ? " (did you mean \"" : "",
                    best ? best : "", best ? "\"?)" : "");
            goto fail;
        }
        st->fn = filter_fns[k].fn;
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(s, "regex_pattern");
        const cJSON *gs = cJSON_GetObjectItemCaseSensitive(s, "group_select");
        const cJSON *fb = cJSON_GetObjectItemCaseSensitive(s, "fallback");
        if (st->fn != TASK_FILTER_REGEX) {
            if (pat || gs || fb) {
                err_set(e, "%s: \"%s\" takes no regex_pattern / group_select / fallback", sp, fn->valuestring);
                goto fail;
            }
            continue;
        }
        if (!cJSON_IsString(pat)) {
            err_set(e, "%s.regex_pattern: expected a string (the regex filter needs a pattern)", sp);
            goto fail;
        }
        errbuf re_err;
        if (!(st->re = task_regex_compile(pat->valuestring, &re_err))) {
            err_set(e, "%s.regex_pattern: %s", sp, re_err.msg);
            goto fail;
        }
        if (gs && (!cJSON_IsNumber(gs) || gs->valuedouble != floor(gs->valuedouble))) {
            err_set(e, "%s.group_select: expected an integer", sp);
            goto fail;
        }
        st->group_select = gs ? (int)gs->valuedouble : 0;
        if (fb && !cJSON_IsString(fb)) {
            err_set(e, "%s.fallback: expected a string", sp);
            goto fail;
        }
        st->fallback = strdup(fb ? fb->valuestring : "[invalid]");
        if (!st->fallback) {
            err_set(e, "out of memory");
            goto fail;
        }
    }
    return 0;
fail:
    task_filter_deinit(f);
    return -1;
}

static int apply_regex(const task_filter_step *st, const char *s, strbuf *out, errbuf *e) {
    task_regex_span *sp = NULL;
    int n = task_regex_findall(st->re, s, strlen(s), &sp, e);
    if (n < 0) return -1;
    if (n == 0) {
        strbuf_puts(out, st->fallback);
        free(sp);
        return 0;
    }
    int m = st->group_select < 0 ? n + st->group_select : st->group_select;
    if (m < 0 || m >= n) {
        free(sp);
        /* Python raises IndexError here; lm-eval would stop the run. */
        return err_set(e, "regex filter \"%s\": group_select %d but only %d match(es)", task_regex_pattern(st->re),
                       st->group_select, n);
    }
    strbuf item;
    strbuf_init(&item);
    task_regex_findall_item(st->re, s, sp, m, st->fallback, &item);
    free(sp);
    pytext_strip(out, strbuf_str(&item), item.len, 1, 1);
    strbuf_deinit(&item);
    return 0;
}

int task_filter_apply(const task_filter *f, const char *resp, strbuf *out, errbuf *e) {
    strbuf cur, next;
    strbuf_init(&cur);
    strbuf_init(&next);
    strbuf_puts(&cur, resp);
    int rc = 0;
    for (int i = 0; i < f->n_steps && rc == 0; i++) {
        const task_filter_step *st = &f->steps[i];
        strbuf_clear(&next);
        switch (st->fn) {
        case TASK_FILTER_REGEX: rc = apply_regex(st, strbuf_str(&cur), &next, e); break;
        case TASK_FILTER_REMOVE_WHITESPACE: pytext_strip(&next, strbuf_str(&cur), cur.len, 1, 1); break;
        case TASK_FILTER_LOWERCASE: pytext_lower(&next, strbuf_str(&cur), cur.len); break;
        case TASK_FILTER_UPPERCASE: pytext_upper(&next, strbuf_str(&cur), cur.len); break;
        case TASK_FILTER_TAKE_FIRST: strbuf_append(&next, strbuf_str(&cur), cur.len); break;
        }
        strbuf t = cur;
        cur = next;
        next = t;
    }
    if (rc == 0) strbuf_append(out, strbuf_str(&cur), cur.len);
    strbuf_deinit(&cur);
    strbuf_deinit(&next);
    if (rc == 0 && strbuf_failed(out)) return err_set(e, "out of memory in filter \"%s\"", f->name);
    return rc;
}
