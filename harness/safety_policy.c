/* harness/safety_policy.c: see safety_policy.h. */
#include "harness/safety_policy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "harness/safety_derive.h"
#include "tasks/builtin.h"
#include "tasks/metric.h"

#define POLICY_MAX_BYTES (4u << 20) /* a policy larger than this is not a policy */

static const char *const policy_fields[] = {"policy", "version", "description", "notes", "gates", NULL};
static const char *const gate_fields[] = {"benchmark", "metric",   "filter",     "direction", "threshold",
                                          "abs",       "required", "categories", "notes",     NULL};

void safety_policy_free(safety_policy *p) {
    if (!p) return;
    for (int i = 0; i < p->n_gates; i++) {
        safety_gate_spec *g = &p->gates[i];
        free(g->benchmark), free(g->metric), free(g->filter);
        for (int k = 0; k < g->n_cats; k++) free(g->cats[k].category);
        free(g->cats);
    }
    free(p->gates);
    free(p->origin), free(p->name), free(p->description);
    free(p);
}

static const char *json_type(const cJSON *v) {
    if (!v) return "nothing";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "null";
}

/* Rejects fields not in known, suggesting the closest one. */
static int check_fields(const char *origin, const char *path, const cJSON *o, const char *const *known, errbuf *e) {
    for (const cJSON *f = o->child; f; f = f->next) {
        int ok = 0;
        const char *best = NULL;
        int bd = 4;
        for (int i = 0; known[i]; i++) {
            if (!strcmp(f->string, known[i])) ok = 1;
            int d = metric_edit_distance(f->string, known[i]);
            if (d < bd) bd = d, best = known[i];
        }
        if (ok) continue;
        strbuf b;
        strbuf_init(&b);
        for (int i = 0; known[i]; i++) strbuf_printf(&b, "%s%s", i ? ", " : "", known[i]);
        if (best)
            err_set(e, "%s: %s\"%s\": unknown field (did you mean \"%s\"? known: %s)", origin, path, f->string, best,
                    strbuf_str(&b));
        else
            err_set(e, "%s: %s\"%s\": unknown field (known: %s)", origin, path, f->string, strbuf_str(&b));
        strbuf_deinit(&b);
        return -1;
    }
    return 0;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int parse_gate(const char *origin, int i, const cJSON *o, safety_gate_spec *g, errbuf *e) {
    char path[48];
    snprintf(path, sizeof path, "gates[%d].", i);
    if (!cJSON_IsObject(o)) return err_set(e, "%s: gates[%d]: expected an object, got %s", origin, i, json_type(o));
    if (check_fields(origin, path, o, gate_fields, e) != 0) return -1;
    static const char *const req_str[] = {"benchmark", "metric", "direction"};
    for (int k = 0; k < 3; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, req_str[k]);
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return err_set(e, "%s: %s%s: expected a non-empty string, got %s", origin, path, req_str[k],
                           v ? json_type(v) : "nothing (required)");
    }
    g->benchmark = strdup(cJSON_GetObjectItemCaseSensitive(o, "benchmark")->valuestring);
    g->metric = strdup(cJSON_GetObjectItemCaseSensitive(o, "metric")->valuestring);
    const char *dir = cJSON_GetObjectItemCaseSensitive(o, "direction")->valuestring;
    if (!strcmp(dir, "at_least")) g->direction = STORE_GATE_AT_LEAST;
    else if (!strcmp(dir, "at_most")) g->direction = STORE_GATE_AT_MOST;
    else return err_set(e, "%s: %sdirection: expected \"at_least\" or \"at_most\", got \"%s\"", origin, path, dir);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "filter");
    if (f && (!cJSON_IsString(f) || !f->valuestring[0]))
        return err_set(e, "%s: %sfilter: expected a filter name, got %s", origin, path, json_type(f));
    g->filter = strdup(f ? f->valuestring : "none");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "threshold");
    if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble))
        return err_set(e, "%s: %sthreshold: expected a finite number, got %s", origin, path,
                       t ? json_type(t) : "nothing (required)");
    g->threshold = t->valuedouble;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "abs"), *r = cJSON_GetObjectItemCaseSensitive(o, "required");
    if (a && !cJSON_IsBool(a)) return err_set(e, "%s: %sabs: expected true or false, got %s", origin, path, json_type(a));
    if (r && !cJSON_IsBool(r))
        return err_set(e, "%s: %srequired: expected true or false, got %s", origin, path, json_type(r));
    g->use_abs = cJSON_IsTrue(a);
    g->required = r ? cJSON_IsTrue(r) : 1;
    if (g->use_abs && g->threshold < 0)
        return err_set(e, "%s: %sthreshold: %g can never hold for an absolute value (abs: true)", origin, path,
                       g->threshold);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "notes");
    if (n && !cJSON_IsString(n)) return err_set(e, "%s: %snotes: expected a string, got %s", origin, path, json_type(n));
    const cJSON *cats = cJSON_GetObjectItemCaseSensitive(o, "categories");
    if (cats) {
        if (!cJSON_IsObject(cats) || !cats->child)
            return err_set(e, "%s: %scategories: expected an object {\"<category>\" or \"*\": threshold}, got %s",
                           origin, path, json_type(cats));
        g->cats = calloc((size_t)cJSON_GetArraySize(cats), sizeof *g->cats);
        if (!g->cats) return err_set(e, "out of memory");
        for (const cJSON *c = cats->child; c; c = c->next) {
            if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
                return err_set(e, "%s: %scategories.\"%s\": expected a finite threshold, got %s", origin, path,
                               c->string, json_type(c));
            if (!c->string[0] || strchr(c->string, ':'))
                return err_set(e, "%s: %scategories.\"%s\": expected a category name (no ':') or \"*\"", origin, path,
                               c->string);
            g->cats[g->n_cats].category = strdup(c->string);
            g->cats[g->n_cats++].threshold = c->valuedouble;
        }
    }
    if (!g->benchmark || !g->metric || !g->filter) return err_set(e, "out of memory");
    if (strchr(g->metric, ':'))
        return err_set(e, "%s: %smetric: \"%s\": name the metric and give per-category thresholds in \"categories\"",
                       origin, path, g->metric);
    return 0;
}

safety_policy *safety_policy_parse(const char *origin, const char *json_text, errbuf *e) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json_text, &end, 1);
    if (!root) {
        long at = end ? (long)(end - json_text) : 0;
        err_set(e, "%s: not valid JSON (near byte %ld)", origin, at);
        return NULL;
    }
    safety_policy *p = calloc(1, sizeof *p);
    if (!p) {
        cJSON_Delete(root);
        err_set(e, "out of memory");
        return NULL;
    }
    p->origin = strdup(origin);
    int rc = 0;
    if (!cJSON_IsObject(root)) rc = err_set(e, "%s: expected a JSON object {\"policy\", \"version\", \"gates\"}", origin);
    if (rc == 0) rc = check_fields(origin, "", root, policy_fields, e);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "policy");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(root, "description");
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(root, "gates");
    if (rc == 0 && (!cJSON_IsString(name) || !name->valuestring[0]))
        rc = err_set(e, "%s: policy: expected the policy's name (a string), got %s", origin,
                     name ? json_type(name) : "nothing (required)");
    if (rc == 0 && !cJSON_IsNumber(ver))
        rc = err_set(e, "%s: version: expected a number, got %s", origin, ver ? json_type(ver) : "nothing (required)");
    if (rc == 0 && desc && !cJSON_IsString(desc))
        rc = err_set(e, "%s: description: expected a string, got %s", origin, json_type(desc));
    if (rc == 0 && (!cJSON_IsArray(gates) || !gates->child))
        rc = err_set(e, "%s: gates: expected a non-empty array of gates, got %s", origin,
                     gates ? json_type(gates) : "nothing (required)");
    if (rc == 0) {
        p->name = strdup(name->valuestring);
        p->version = ver->valuedouble;
        p->description = dup_or_null(desc ? desc->valuestring : NULL);
        p->gates = calloc((size_t)cJSON_GetArraySize(gates), sizeof *p->gates);
        if (!p->gates) rc = err_set(e, "out of memory");
    }
    int i = 0;
    for (const cJSON *g = rc == 0 ? gates->child : NULL; g && rc == 0; g = g->next, i++) {
        safety_gate_spec *s = &p->gates[p->n_gates++];
        rc = parse_gate(origin, i, g, s, e);
        for (int j = 0; rc == 0 && j < i; j++) {
            const safety_gate_spec *o = &p->gates[j];
            if (!strcmp(o->benchmark, s->benchmark) && !strcmp(o->metric, s->metric) && !strcmp(o->filter, s->filter) &&
                o->use_abs == s->use_abs)
                rc = err_set(e, "%s: gates[%d]: %s / %s is gated twice (gates[%d] too)", origin, i, s->benchmark,
                             s->metric, j);
        }
    }
    cJSON_Delete(root);
    if (rc != 0) {
        safety_policy_free(p);
        return NULL;
    }
    return p;
}

safety_policy *safety_policy_load(const char *path, errbuf *e) {
    char *text = file_read_all(path, POLICY_MAX_BYTES, NULL, e);
    if (!text) return NULL;
    safety_policy *p = safety_policy_parse(path, text, e);
    free(text);
    return p;
}

safety_policy *safety_policy_default(errbuf *e) {
    for (int i = 0; i < task_builtin_n_files; i++)
        if (!strcmp(task_builtin_files[i].path, SAFETY_POLICY_DEFAULT_PATH))
            return safety_policy_parse(SAFETY_POLICY_DEFAULT_PATH, task_builtin_files[i].text, e);
    err_set(e, "%s is not embedded in this build", SAFETY_POLICY_DEFAULT_PATH);
    return NULL;
}

/* ---- checking against the task set ---- */

static int spec_has_metric(const task_spec *t, const char *metric) {
    for (int i = 0; i < task_spec_n_metrics(t); i++)
        if (!strcmp(task_spec_metric(t, i)->name, metric)) return 1;
    return 0;
}

int safety_policy_check(const safety_policy *p, const task_set *set, errbuf *e) {
    for (int i = 0; i < p->n_gates; i++) {
        const safety_gate_spec *g = &p->gates[i];
        const task_spec *t = task_set_find(set, g->benchmark);
        const task_group *gr = t ? NULL : task_set_find_group(set, g->benchmark);
        strbuf known;
        strbuf_init(&known);
        int ok = 0;
        if (t) {
            ok = spec_has_metric(t, g->metric);
            for (int k = 0; k < task_spec_n_metrics(t); k++)
                strbuf_printf(&known, "%s%s", k ? ", " : "", task_spec_metric(t, k)->name);
        } else if (gr) {
            for (int k = 0; k < task_group_n_metrics(gr); k++) {
                const char *m = task_group_metric(gr, k, NULL);
                ok |= !strcmp(m, g->metric);
                strbuf_printf(&known, "%s%s", k ? ", " : "", m);
            }
            ok |= safety_derived_metric(g->benchmark, g->metric);
            if (safety_derived_metric(g->benchmark, "gap")) strbuf_puts(&known, ", gap_type1, gap_type2, gap");
        } else {
            strbuf_deinit(&known);
            return err_set(e, "%s: gates[%d].benchmark: \"%s\" is not a task or group griffin knows", p->origin, i,
                           g->benchmark);
        }
        if (!ok) {
            err_set(e, "%s: gates[%d].metric: %s \"%s\" has no metric \"%s\" (its metrics: %s)", p->origin, i,
                    t ? "task" : "group", g->benchmark, g->metric, strbuf_str(&known));
            strbuf_deinit(&known);
            return -1;
        }
        strbuf_deinit(&known);
    }
    return 0;
}

/* ---- evaluation ---- */

typedef struct mrow {
    char *task, *metric, *filter;
    double value, se;
    int64_t n;
} mrow;

typedef struct mrows {
    mrow *r;
    int n, cap;
    int oom;
} mrows;

static int on_row(void *arg, const store_metric *m) {
    mrows *rs = arg;
    if (rs->n == rs->cap) {
        int cap = rs->cap ? 2 * rs->cap : 256;
        mrow *nr = realloc(rs->r, (size_t)cap * sizeof *nr);
        if (!nr) {
            rs->oom = 1;
            return 1;
        }
        rs->r = nr;
        rs->cap = cap;
    }
    mrow *x = &rs->r[rs->n++];
    x->task = strdup(m->task);
    x->metric = strdup(m->metric);
    x->filter = strdup(m->filter ? m->filter : "none");
    x->value = m->value;
    x->se = m->value_stderr;
    x->n = m->n;
    if (!x->task || !x->metric || !x->filter) rs->oom = 1;
    return rs->oom;
}

static void rows_free(mrows *rs) {
    for (int i = 0; i < rs->n; i++) free(rs->r[i].task), free(rs->r[i].metric), free(rs->r[i].filter);
    free(rs->r);
}

static int rows_load(store *st, int64_t run_id, mrows *rs, errbuf *e) {
    memset(rs, 0, sizeof *rs);
    int rc = store_metrics_each(st, run_id, on_row, rs, e);
    if (rs->oom) return err_set(e, "out of memory reading the metrics of run %lld", (long long)run_id);
    return rc < 0 ? -1 : 0;
}

static const mrow *rows_find(const mrows *rs, const char *task, const char *metric, const char *filter) {
    for (int i = 0; i < rs->n; i++)
        if (!strcmp(rs->r[i].task, task) && !strcmp(rs->r[i].metric, metric) && !strcmp(rs->r[i].filter, filter))
            return &rs->r[i];
    return NULL;
}

static const char *own(safety_gate_results *out, char *s) {
    if (!s) return NULL;
    char **n = realloc(out->strings, (size_t)(out->n_strings + 1) * sizeof *n);
    if (!n) {
        free(s);
        return NULL;
    }
    out->strings = n;
    out->strings[out->n_strings++] = s;
    return s;
}

static int add_result(safety_gate_results *out, const safety_gate_spec *g, const char *metric_name,
                      double threshold, const mrow *now, const mrow *base, int64_t baseline_run_id,
                      const char *scorer, errbuf *e) {
    safety_gate_result *n = realloc(out->r, (size_t)(out->n + 1) * sizeof *n);
    if (!n) return err_set(e, "out of memory");
    out->r = n;
    safety_gate_result *x = &out->r[out->n++];
    memset(x, 0, sizeof *x);
    char label[256];
    int other_filter = strcmp(g->filter, "none") != 0;
    snprintf(label, sizeof label, "%s%s%s%s%s", g->use_abs ? "|" : "", metric_name, g->use_abs ? "|" : "",
             other_filter ? "," : "", other_filter ? g->filter : "");
    x->g.benchmark = own(out, strdup(g->benchmark));
    x->g.metric = own(out, strdup(label));
    if (!x->g.benchmark || !x->g.metric) return err_set(e, "out of memory");
    x->g.threshold = threshold;
    x->g.direction = g->direction;
    x->g.scorer = scorer;
    x->required = g->required;
    x->found = now && !isnan(now->value);
    x->n_docs = now ? now->n : -1;
    x->g.value = x->g.ci_low = x->g.ci_high = x->g.baseline_value = x->g.delta = NAN;
    x->g.baseline_run_id = baseline_run_id;
    if (x->found) {
        double v = now->value, se = now->se;
        x->g.value = g->use_abs ? fabs(v) : v;
        if (!isnan(se)) {
            double lo = v - SAFETY_CI_Z * se, hi = v + SAFETY_CI_Z * se;
            if (g->use_abs) {
                double a = fabs(lo), b = fabs(hi);
                x->g.ci_low = lo <= 0 && hi >= 0 ? 0 : (a < b ? a : b);
                x->g.ci_high = a > b ? a : b;
            } else {
                x->g.ci_low = lo;
                x->g.ci_high = hi;
            }
        }
        x->g.passed = g->direction == STORE_GATE_AT_LEAST ? x->g.value >= threshold : x->g.value <= threshold;
    } else {
        x->g.passed = !g->required;
        out->n_not_run++;
    }
    if (base && !isnan(base->value)) {
        x->g.baseline_value = g->use_abs ? fabs(base->value) : base->value;
        if (x->found) x->g.delta = x->g.value - x->g.baseline_value;
    }
    if (!x->g.passed) out->n_failed++;
    return 0;
}

static const safety_cat_threshold *cat_threshold(const safety_gate_spec *g, const char *cat) {
    const safety_cat_threshold *star = NULL;
    for (int k = 0; k < g->n_cats; k++) {
        if (!strcmp(g->cats[k].category, cat)) return &g->cats[k];
        if (!strcmp(g->cats[k].category, "*")) star = &g->cats[k];
    }
    return star;
}

static int in_scope(const char *const *scope, int n_scope, const char *name) {
    if (!scope) return 1;
    for (int i = 0; i < n_scope; i++)
        if (!strcmp(scope[i], name)) return 1;
    return 0;
}

int safety_gates_evaluate(const safety_policy *p, store *st, int64_t run_id, int64_t baseline_run_id,
                          const char *const *scope, int n_scope, const char *tox_scorer_id, safety_gate_results *out,
                          errbuf *e) {
    memset(out, 0, sizeof *out);
    mrows now, base;
    memset(&base, 0, sizeof base);
    if (rows_load(st, run_id, &now, e) != 0) {
        rows_free(&now);
        return -1;
    }
    if (baseline_run_id > 0 && rows_load(st, baseline_run_id, &base, e) != 0) {
        rows_free(&now);
        rows_free(&base);
        return -1;
    }
    int rc = 0;
    char name[256];
    for (int i = 0; rc == 0 && i < p->n_gates; i++) {
        const safety_gate_spec *g = &p->gates[i];
        if (!in_scope(scope, n_scope, g->benchmark)) continue;
        const metric_def *d = metric_find(g->metric);
        const char *scorer = d && (d->flags & METRIC_F_TOXICITY) ? tox_scorer_id : NULL;
        if (scorer && !(scorer = own(out, strdup(scorer)))) rc = err_set(e, "out of memory");
        if (rc == 0)
            rc = add_result(out, g, g->metric, g->threshold, rows_find(&now, g->benchmark, g->metric, g->filter),
                            rows_find(&base, g->benchmark, g->metric, g->filter), baseline_run_id, scorer, e);
        if (g->n_cats == 0) continue;
        /* every category the run stored, in the stored order */
        size_t ml = strlen(g->metric);
        for (int k = 0; rc == 0 && k < now.n; k++) {
            const mrow *r = &now.r[k];
            if (strcmp(r->task, g->benchmark) || strcmp(r->filter, g->filter) || strncmp(r->metric, g->metric, ml) ||
                r->metric[ml] != ':')
                continue;
            const safety_cat_threshold *ct = cat_threshold(g, r->metric + ml + 1);
            if (!ct) continue;
            rc = add_result(out, g, r->metric, ct->threshold, r, rows_find(&base, g->benchmark, r->metric, g->filter),
                            baseline_run_id, scorer, e);
        }
        /* named categories the run lacks */
        for (int c = 0; rc == 0 && c < g->n_cats; c++) {
            if (!strcmp(g->cats[c].category, "*")) continue;
            snprintf(name, sizeof name, "%s:%s", g->metric, g->cats[c].category);
            if (!rows_find(&now, g->benchmark, name, g->filter))
                rc = add_result(out, g, name, g->cats[c].threshold, NULL, rows_find(&base, g->benchmark, name, g->filter),
                                baseline_run_id, scorer, e);
        }
    }
    rows_free(&now);
    rows_free(&base);
    if (rc != 0) safety_gate_results_deinit(out);
    return rc;
}

void safety_gate_results_deinit(safety_gate_results *r) {
    for (int i = 0; i < r->n_strings; i++) free(r->strings[i]);
    free(r->strings);
    free(r->r);
    memset(r, 0, sizeof *r);
}
