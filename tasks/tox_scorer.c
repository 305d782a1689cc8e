/* tasks/tox_scorer.c: the scorer interface, cached scoring and the cache's
 * JSON value. */
#include "tasks/tox_scorer.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"

const char *tox_scorer_id(const tox_scorer *s) { return s->id; }
const char *tox_scorer_label(const tox_scorer *s) { return s->label; }

void tox_scorer_free(tox_scorer *s) {
    if (!s) return;
    if (s->vt && s->vt->free_impl) s->vt->free_impl(s->impl);
    free(s);
}

void tox_result_set_missing(tox_result *r, const char *fmt, ...) {
    r->status = TOX_MISSING;
    r->toxicity = 0;
    r->n_attrs = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

static void init_results(tox_result *out, int n) {
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        tox_result_set_missing(&out[i], "not scored");
    }
}

int tox_score(tox_scorer *s, const char *const *texts, int n, tox_result *out, errbuf *e) {
    if (n < 0) return err_set(e, "%s: negative text count %d", s->id, n);
    init_results(out, n);
    if (n == 0) return 0;
    for (int i = 0; i < n; i++)
        if (!texts[i]) return err_set(e, "%s: text %d is NULL", s->id, i);
    return s->vt->score(s, texts, n, out, e);
}

int tox_result_attr(const tox_result *r, const char *name, double *value) {
    for (int i = 0; i < r->n_attrs; i++) {
        if (strcmp(r->attrs[i].name, name) == 0) {
            *value = r->attrs[i].value;
            return 0;
        }
    }
    return -1;
}

char *tox_result_to_json(const tox_result *r) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "toxicity", r->toxicity);
    if (r->n_attrs > 0) {
        cJSON *a = cJSON_AddObjectToObject(o, "attributes");
        for (int i = 0; a && i < r->n_attrs; i++) cJSON_AddNumberToObject(a, r->attrs[i].name, r->attrs[i].value);
    }
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static int score_in_range(const cJSON *v) { return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1; }

int tox_result_parse_json(const char *json, tox_result *r, errbuf *e) {
    memset(r, 0, sizeof *r);
    cJSON *o = cJSON_Parse(json);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return err_set(e, "cached score: not a JSON object");
    }
    int rc = 0;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "toxicity");
    if (!score_in_range(t)) {
        rc = err_set(e, "cached score: \"toxicity\" must be a number in [0, 1]");
        goto done;
    }
    r->toxicity = t->valuedouble;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attributes");
    if (a && !cJSON_IsObject(a)) {
        rc = err_set(e, "cached score: \"attributes\" must be an object");
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, a) {
        if (r->n_attrs >= TOX_MAX_ATTRS) break;
        if (!score_in_range(it) || strlen(it->string) >= TOX_ATTR_NAME_BYTES) {
            rc = err_set(e, "cached score: attribute \"%.40s\" must be a number in [0, 1] with a short name",
                         it->string);
            goto done;
        }
        snprintf(r->attrs[r->n_attrs].name, TOX_ATTR_NAME_BYTES, "%s", it->string);
        r->attrs[r->n_attrs++].value = it->valuedouble;
    }
    r->status = TOX_OK;
done:
    cJSON_Delete(o);
    return rc;
}

/* Writes the OK results among idx[0..k) to the cache. */
static int cache_put_batch(tox_scorer *s, tox_cache *c, const char *const *texts, char (*sha)[65], const int *idx,
                           int k, const tox_result *out, errbuf *e) {
    for (int j = 0; j < k; j++) {
        const tox_result *r = &out[idx[j]];
        if (r->status != TOX_OK) continue;
        char *json = tox_result_to_json(r);
        if (!json) return err_set(e, "%s: out of memory writing the cache", s->id);
        int rc = c->put(c->ctx, s->id, texts[idx[j]], sha[idx[j]], json, e);
        free(json);
        if (rc != 0) return err_prefix(e, "%s: toxicity cache", s->id);
    }
    return 0;
}

int tox_score_cached(tox_scorer *s, const char *const *texts, int n, const tox_score_opts *opts, tox_result *out,
                     tox_score_stats *stats, errbuf *e) {
    static const tox_score_opts no_opts = {0};
    if (!opts) opts = &no_opts;
    tox_score_stats st = {0};
    if (stats) *stats = st;
    if (n < 0) return err_set(e, "%s: negative text count %d", s->id, n);
    init_results(out, n);
    if (n == 0) return 0;
    for (int i = 0; i < n; i++)
        if (!texts[i]) return err_set(e, "%s: text %d is NULL", s->id, i);
    tox_cache *c = opts->cache;
    char(*sha)[65] = malloc((size_t)n * sizeof *sha);
    int *todo = malloc((size_t)n * sizeof *todo);
    const char **batch = malloc((size_t)n * sizeof *batch);
    tox_result *tmp = malloc((size_t)n * sizeof *tmp);
    int rc = 0, n_todo = 0;
    if (!sha || !todo || !batch || !tmp) {
        rc = err_set(e, "%s: out of memory for %d texts", s->id, n);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        sha256_hex(texts[i], strlen(texts[i]), sha[i]);
        char *json = NULL;
        int hit = c ? c->get(c->ctx, s->id, texts[i], sha[i], &json, e) : 0;
        if (hit < 0) {
            rc = err_prefix(e, "%s: toxicity cache", s->id);
            goto done;
        }
        if (hit == 1) {
            int prc = tox_result_parse_json(json, &out[i], e);
            free(json);
            if (prc != 0) {
                rc = err_prefix(e, "%s: text sha256 %s", s->id, sha[i]);
                goto done;
            }
            out[i].from_cache = 1;
            st.n_cached++;
            continue;
        }
        todo[n_todo++] = i;
    }
    int bs = s->batch_size > 0 ? s->batch_size : 1;
    for (int start = 0; start < n_todo; start += bs) {
        int k = n_todo - start < bs ? n_todo - start : bs;
        for (int j = 0; j < k; j++) batch[j] = texts[todo[start + j]];
        int src = tox_score(s, batch, k, tmp, e);
        for (int j = 0; j < k; j++) {
            out[todo[start + j]] = tmp[j];
            if (tmp[j].status == TOX_OK) st.n_scored++;
        }
        if (c && cache_put_batch(s, c, texts, sha, todo + start, k, out, e) != 0) {
            rc = -1;
            goto done;
        }
        if (opts->progress) opts->progress(opts->progress_ctx, st.n_cached + start + k, n);
        if (src != 0) {
            rc = -1;
            goto done;
        }
    }
done:
    for (int i = 0; i < n; i++) {
        if (out[i].status == TOX_OK) continue;
        st.n_missing++;
        if (opts->missing_as_zero) out[i].status = TOX_ZEROED;
    }
    if (stats) *stats = st;
    free(tmp);
    free(batch);
    free(todo);
    free(sha);
    return rc;
}
