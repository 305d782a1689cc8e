#include "harness/recompute.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/metric.h"

#define RECOMPUTE_MATCH_TOL 1e-9 /* same doubles, same order: only printing rounds */

typedef struct series {
    char task[128], filter[64], metric[64];
    double *v, *w;
    int n, cap;
} series;

typedef struct collect {
    series *s;
    int n, cap;
    int bad;
    errbuf *e;
} collect;

static series *find_series(collect *c, const char *task, const char *filter, const char *metric) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->s[i].task, task) && !strcmp(c->s[i].filter, filter) && !strcmp(c->s[i].metric, metric))
            return &c->s[i];
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        series *ns = realloc(c->s, (size_t)c->cap * sizeof *ns);
        if (!ns) return NULL;
        c->s = ns;
    }
    series *s = &c->s[c->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->task, sizeof s->task, "%s", task);
    snprintf(s->filter, sizeof s->filter, "%s", filter);
    snprintf(s->metric, sizeof s->metric, "%s", metric);
    return s;
}

static int push(series *s, double v, double w) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        double *nv = realloc(s->v, (size_t)s->cap * sizeof *nv), *nw = realloc(s->w, (size_t)s->cap * sizeof *nw);
        if (nv) s->v = nv;
        if (nw) s->w = nw;
        if (!nv || !nw) return -1;
    }
    s->v[s->n] = v;
    s->w[s->n] = w;
    s->n++;
    return 0;
}

static int on_sample(void *arg, const store_sample *smp) {
    collect *c = arg;
    cJSON *m = smp->metrics_json ? cJSON_Parse(smp->metrics_json) : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, m) {
        if (!metric_find(it->string)) continue; /* not an aggregated metric */
        double v, w = 1.0;
        if (cJSON_IsNumber(it)) v = it->valuedouble;
        else if (cJSON_IsNull(it)) v = NAN; /* JSON has no NaN: nanmean-style metrics skip it */
        else if (cJSON_IsBool(it)) v = cJSON_IsTrue(it);
        else if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(it, 0)) &&
                 cJSON_IsNumber(cJSON_GetArrayItem(it, 1))) {
            v = cJSON_GetArrayItem(it, 0)->valuedouble; /* (log-likelihood, words or bytes) */
            w = cJSON_GetArrayItem(it, 1)->valuedouble;
        } else {
            c->bad++;
            continue;
        }
        series *s = find_series(c, smp->task, smp->filter ? smp->filter : "none", it->string);
        if (!s || push(s, v, w) != 0) {
            cJSON_Delete(m);
            return err_set(c->e, "recompute: out of memory");
        }
    }
    cJSON_Delete(m);
    return 0;
}

typedef struct stored_lookup {
    const series *s;
    double value;
    int found;
} stored_lookup;

static int on_metric(void *arg, const store_metric *m) {
    stored_lookup *l = arg;
    if (!m->is_group && !strcmp(m->task, l->s->task) && !strcmp(m->metric, l->s->metric) &&
        !strcmp(m->filter ? m->filter : "none", l->s->filter)) {
        l->value = m->value;
        l->found = 1;
    }
    return 0;
}

int recompute_run_metrics(store *st, int64_t run_id, int bootstrap_iters, int csv, FILE *out, errbuf *e) {
    collect c = {.e = e};
    int rc = store_samples_each(st, run_id, NULL, on_sample, &c, e);
    int n_diff = 0;
    if (rc == 0) {
        if (csv) fprintf(out, "task,filter,metric,value,stderr,n,stored_value\n");
        else fprintf(out, "| Task | Filter | Metric | Recomputed | Stderr | n | Stored |\n|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < c.n; i++) {
            series *s = &c.s[i];
            const metric_def *d = metric_find(s->metric);
            if (d->agg == METRIC_AGG_CUSTOM) {
                /* Computed by the task's own aggregate (BBQ's bias scores)
                 * from more than the per-document values: not rebuilt here. */
                if (csv) fprintf(out, "%s,%s,%s,,,%d,custom aggregation (not recomputed)\n", s->task, s->filter,
                                 s->metric, s->n);
                else fprintf(out, "| %s | %s | %s | - | - | %d | custom aggregation (not recomputed) |\n", s->task,
                             s->filter, s->metric, s->n);
                continue;
            }
            double v = metric_aggregate(d->agg, s->v, s->w, s->n);
            double se = metric_stderr(d, s->v, s->w, s->n, bootstrap_iters);
            stored_lookup l = {.s = s};
            store_metrics_each(st, run_id, on_metric, &l, e);
            int differs = l.found && !(fabs(l.value - v) <= RECOMPUTE_MATCH_TOL * (1 + fabs(v))) &&
                          !(isnan(l.value) && isnan(v));
            n_diff += differs;
            char se_s[32] = "N/A", stored_s[48] = "-";
            if (!isnan(se)) snprintf(se_s, sizeof se_s, "%.6g", se);
            if (l.found) snprintf(stored_s, sizeof stored_s, "%.6g%s", l.value, differs ? " (differs)" : "");
            if (csv) fprintf(out, "%s,%s,%s,%.17g,%s,%d,%s\n", s->task, s->filter, s->metric, v, se_s, s->n, stored_s);
            else fprintf(out, "| %s | %s | %s | %.6g | %s | %d | %s |\n", s->task, s->filter, s->metric, v, se_s, s->n,
                         stored_s);
        }
    }
    for (int i = 0; i < c.n; i++) {
        free(c.s[i].v);
        free(c.s[i].w);
    }
    free(c.s);
    return rc == 0 ? n_diff : -1;
}
