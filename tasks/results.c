/* tasks/results.c: lm-eval's results and log-samples layouts. */
#include "tasks/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "common/strbuf.h"
#include "tasks/pytext.h"
#include "tasks/task_impl.h"

/* ------------------------------------------------------------- groups */

static const task_inst *find_inst(task_inst *const *insts, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(insts[i]->spec->name, name)) return insts[i];
    return NULL;
}

static const task_group *find_group(const task_group *const *groups, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(groups[i]->name, name)) return groups[i];
    return NULL;
}

/* Leaf instances under g, depth first, each once. */
static int collect_leaves(const task_group *g, task_inst *const *insts, int n_insts, const task_group *const *groups,
                          int n_groups, const task_inst **leaves, int *n_leaves, int depth) {
    if (depth > 32) return -1;
    for (int i = 0; i < g->n_members; i++) {
        const task_inst *ti = find_inst(insts, n_insts, g->members[i]);
        if (ti) {
            int seen = 0;
            for (int k = 0; k < *n_leaves; k++) seen |= leaves[k] == ti;
            if (!seen) leaves[(*n_leaves)++] = ti;
            continue;
        }
        const task_group *sub = find_group(groups, n_groups, g->members[i]);
        if (sub && collect_leaves(sub, insts, n_insts, groups, n_groups, leaves, n_leaves, depth + 1) != 0) return -1;
    }
    return 0;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int task_group_aggregate(const task_group *g, task_inst *const *insts, int n_insts, const task_group *const *groups,
                         int n_groups, task_group_value *out, int cap, errbuf *e) {
    const task_inst **leaves = malloc(sizeof *leaves * (size_t)(n_insts ? n_insts : 1));
    if (!leaves) return err_set(e, "out of memory");
    int n_leaves = 0, n_out = 0;
    if (collect_leaves(g, insts, n_insts, groups, n_groups, leaves, &n_leaves, 0) != 0) {
        free(leaves);
        return err_set(e, "group \"%s\": groups nested too deeply", g->name);
    }
    double *vals = malloc(sizeof(double) * (size_t)(n_leaves + 1));
    double *ses = malloc(sizeof(double) * (size_t)(n_leaves + 1));
    int *sizes = malloc(sizeof(int) * (size_t)(n_leaves + 1));
    const char **filters = malloc(sizeof(char *) * (size_t)(n_leaves * 8 + 1));
    if (!vals || !ses || !sizes || !filters) {
        free(leaves), free(vals), free(ses), free(sizes), free(filters);
        return err_set(e, "out of memory");
    }
    for (int mi = 0; mi < g->n_metrics; mi++) {
        const char *metric = g->metrics[mi].metric;
        /* The filters this metric was reported under in any leaf, sorted
         * (lm-eval's _discover_filters_for_metric). */
        int nf = 0;
        for (int l = 0; l < n_leaves; l++)
            for (int v = 0; v < leaves[l]->n_values && nf < n_leaves * 8; v++) {
                const task_metric_value *x = &leaves[l]->values[v];
                if (strcmp(x->metric, metric)) continue;
                int seen = 0;
                for (int k = 0; k < nf; k++) seen |= !strcmp(filters[k], x->filter);
                if (!seen) filters[nf++] = x->filter;
            }
        qsort(filters, (size_t)nf, sizeof *filters, cmp_cstr);
        for (int fi = 0; fi < nf; fi++) {
            int n = 0;
            for (int l = 0; l < n_leaves; l++) {
                const task_metric_value *x = task_inst_find_value(leaves[l], metric, filters[fi]);
                if (!x) continue;
                vals[n] = x->value, ses[n] = x->stderr_value, sizes[n] = leaves[l]->n_docs;
                n++;
            }
            if (n == 0 || n_out >= cap) continue;
            task_group_value *o = &out[n_out++];
            o->metric = metric;
            snprintf(o->filter, sizeof o->filter, "%s", filters[fi]);
            o->value = metric_group_value(vals, sizes, n, g->metrics[mi].weight_by_size);
            o->stderr_value = metric_pooled_stderr(ses, sizes, n);
            o->n_docs = 0;
            for (int k = 0; k < n; k++) o->n_docs += sizes[k];
        }
    }
    free(leaves), free(vals), free(ses), free(sizes), free(filters);
    return n_out;
}

/* ------------------------------------------------------------- results */

static void add_num_or_null(cJSON *o, const char *key, double x) {
    if (isnan(x) || isinf(x))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, x);
}

static void add_stderr(cJSON *o, const char *key, double x) {
    if (isnan(x))
        cJSON_AddStringToObject(o, key, "N/A");
    else
        cJSON_AddNumberToObject(o, key, x);
}

static void add_metric_keys(cJSON *o, const char *metric, const char *filter, double v, double se) {
    char k[160];
    snprintf(k, sizeof k, "%s,%s", metric, filter);
    add_num_or_null(o, k, v);
    snprintf(k, sizeof k, "%s_stderr,%s", metric, filter);
    add_stderr(o, k, se);
}

cJSON *task_results_json(task_inst *const *insts, int n_insts, const task_group *const *groups, int n_groups,
                         errbuf *e) {
    cJSON *root = cJSON_CreateObject();
    cJSON *results = cJSON_AddObjectToObject(root, "results");
    cJSON *gres = cJSON_CreateObject();
    cJSON *subtasks = cJSON_AddObjectToObject(root, "group_subtasks");
    cJSON *configs = cJSON_AddObjectToObject(root, "configs");
    cJSON *versions = cJSON_AddObjectToObject(root, "versions");
    cJSON *nshot = cJSON_AddObjectToObject(root, "n-shot");
    cJSON *hib = cJSON_AddObjectToObject(root, "higher_is_better");
    cJSON *nsamples = cJSON_AddObjectToObject(root, "n-samples");
    if (!root || !results || !gres || !subtasks || !configs || !versions || !nshot || !hib || !nsamples) goto oom;
    for (int i = 0; i < n_insts; i++) {
        const task_inst *t = insts[i];
        const task_spec *s = t->spec;
        if (!t->scored) {
            err_set(e, "task \"%s\" has not been scored", s->name);
            goto fail;
        }
        cJSON *r = cJSON_AddObjectToObject(results, s->name);
        cJSON_AddStringToObject(r, "name", s->name);
        cJSON_AddStringToObject(r, "alias", task_spec_alias(s));
        cJSON_AddNumberToObject(r, "sample_len", t->n_docs);
        cJSON *h = cJSON_AddObjectToObject(hib, s->name);
        for (int v = 0; v < t->n_values; v++) {
            const task_metric_value *x = &t->values[v];
            add_metric_keys(r, x->metric, x->filter, x->value, x->stderr_value);
            if (!cJSON_GetObjectItemCaseSensitive(h, x->metric)) cJSON_AddBoolToObject(h, x->metric, x->higher_is_better);
        }
        cJSON_AddItemToObject(subtasks, s->name, cJSON_CreateArray());
        cJSON *cfg = cJSON_Duplicate(s->json, 1);
        if (!cfg) goto oom;
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "num_fewshot");
        cJSON_AddNumberToObject(cfg, "num_fewshot", t->shots);
        cJSON_AddNumberToObject(cfg, "fewshot_seed", (double)t->opts.fewshot_seed);
        cJSON_AddStringToObject(cfg, "compat", t->opts.compat_lmeval ? "lmeval" : "default");
        cJSON_AddItemToObject(configs, s->name, cfg);
        cJSON_AddNumberToObject(versions, s->name, s->version);
        cJSON_AddNumberToObject(nshot, s->name, t->shots);
        cJSON *ns = cJSON_AddObjectToObject(nsamples, s->name);
        cJSON_AddNumberToObject(ns, "original", t->n_in_split);
        cJSON_AddNumberToObject(ns, "effective", t->n_docs);
    }
    for (int gi = 0; gi < n_groups; gi++) {
        const task_group *g = groups[gi];
        task_group_value vals[64];
        int nv = task_group_aggregate(g, insts, n_insts, groups, n_groups, vals, 64, e);
        if (nv < 0) goto fail;
        cJSON *members = cJSON_AddArrayToObject(subtasks, g->name);
        for (int m = 0; m < g->n_members; m++) cJSON_AddItemToArray(members, cJSON_CreateString(g->members[m]));
        cJSON_AddNumberToObject(versions, g->name, g->version);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "name", g->name);
        cJSON_AddStringToObject(r, "alias", task_group_alias(g));
        int total = 0, shots = -1;
        cJSON *count = cJSON_CreateObject();
        cJSON *h = cJSON_AddObjectToObject(hib, g->name);
        for (int v = 0; v < nv; v++) {
            add_metric_keys(r, vals[v].metric, vals[v].filter, vals[v].value, vals[v].stderr_value);
            char k[160];
            snprintf(k, sizeof k, "%s,%s", vals[v].metric, vals[v].filter);
            cJSON_AddNumberToObject(count, k, vals[v].n_docs);
            if (vals[v].n_docs > total) total = vals[v].n_docs;
            const metric_def *d = metric_find(vals[v].metric);
            if (d && !cJSON_GetObjectItemCaseSensitive(h, vals[v].metric))
                cJSON_AddBoolToObject(h, vals[v].metric, d->higher_is_better);
        }
        /* n-shot of a group: its leaves' shots when they agree */
        for (int i = 0; i < n_insts; i++)
            for (int m = 0; m < g->n_members; m++)
                if (!strcmp(insts[i]->spec->name, g->members[m])) shots = shots < 0 ? insts[i]->shots : shots;
        if (shots >= 0) cJSON_AddNumberToObject(nshot, g->name, shots);
        cJSON_AddNumberToObject(r, "sample_len", total);
        cJSON_AddItemToObject(r, "sample_count", count);
        cJSON_AddItemToObject(results, g->name, cJSON_Duplicate(r, 1));
        if (g->n_metrics) cJSON_AddItemToObject(gres, g->name, r);
        else cJSON_Delete(r);
    }
    if (gres->child)
        cJSON_AddItemToObject(root, "groups", gres);
    else
        cJSON_Delete(gres);
    return root;
oom:
    err_set(e, "out of memory building the results");
fail:
    cJSON_Delete(gres); /* not attached to root yet on any failure path */
    cJSON_Delete(root);
    return NULL;
}

/* ------------------------------------------------------------- samples */

static char *py_str_float(double x) {
    strbuf b;
    strbuf_init(&b);
    pytext_repr_float(&b, x);
    return strbuf_take(&b);
}

static void add_str_owned(cJSON *arr, char *s) {
    cJSON_AddItemToArray(arr, cJSON_CreateString(s ? s : ""));
    free(s);
}

/* str((ll, is_greedy)) elements, sanitised: ["-1.25", "False"]. */
static cJSON *ll_pair(double ll, int greedy) {
    cJSON *p = cJSON_CreateArray();
    add_str_owned(p, py_str_float(ll));
    cJSON_AddItemToArray(p, cJSON_CreateString(greedy ? "True" : "False"));
    return p;
}

void task_inst_prompt_hash(const task_inst *t, int doc, char out[65]) {
    const task_doc_state *d = &t->docs[doc];
    const char *ctx = d->n_reqs ? d->reqs[0].context : "";
    sha256_hex(ctx, strlen(ctx), out);
}

cJSON *task_inst_sample_json(const task_inst *t, int doc, int f, errbuf *e) {
    const task_spec *s = t->spec;
    if (doc < 0 || doc >= t->n_docs || f < 0 || f >= s->n_filters) {
        err_set(e, "task \"%s\": no document %d / filter %d", s->name, doc, f);
        return NULL;
    }
    if (!t->scored) {
        err_set(e, "task \"%s\" has not been scored", s->name);
        return NULL;
    }
    const task_doc_state *d = &t->docs[doc];
    cJSON *o = cJSON_CreateObject();
    if (!o) goto oom;
    cJSON_AddNumberToObject(o, "doc_id", doc);
    cJSON_AddItemToObject(o, "doc", cJSON_Duplicate(d->doc, 1));
    strbuf b;
    strbuf_init(&b);
    pytext_str_json(&b, d->target);
    cJSON_AddStringToObject(o, "target", strbuf_str(&b));
    char target_hash[65];
    sha256_hex(strbuf_str(&b), b.len, target_hash);
    strbuf_deinit(&b);
    /* arguments: {"gen_args_i": {"arg_0": ..., "arg_1": ...}} */
    cJSON *args = cJSON_AddObjectToObject(o, "arguments");
    cJSON *resps = cJSON_AddArrayToObject(o, "resps");
    cJSON *fresps = cJSON_AddArrayToObject(o, "filtered_resps");
    for (int r = 0; r < d->n_reqs; r++) {
        const task_request *q = &d->reqs[r];
        char key[32];
        snprintf(key, sizeof key, "gen_args_%d", r);
        cJSON *a = cJSON_AddObjectToObject(args, key);
        cJSON_AddStringToObject(a, "arg_0", q->context);
        cJSON *one = cJSON_CreateArray();
        switch (q->kind) {
        case TASK_REQ_LOGLIKELIHOOD:
            cJSON_AddStringToObject(a, "arg_1", q->continuation);
            cJSON_AddItemToArray(one, ll_pair(d->ll[r], d->greedy[r]));
            cJSON_AddItemToArray(fresps, ll_pair(d->ll[r], d->greedy[r]));
            break;
        case TASK_REQ_LOGLIKELIHOOD_ROLLING:
            add_str_owned(one, py_str_float(d->ll[r]));
            add_str_owned(fresps, py_str_float(d->ll[r]));
            break;
        case TASK_REQ_GENERATE_UNTIL: {
            cJSON *gk = s->gen_kwargs ? cJSON_Duplicate(s->gen_kwargs, 1) : cJSON_CreateObject();
            if (!s->gen_kwargs && gk) {
                cJSON *u = cJSON_AddArrayToObject(gk, "until");
                for (int k = 0; k < s->n_until; k++) cJSON_AddItemToArray(u, cJSON_CreateString(s->until[k]));
                cJSON_AddFalseToObject(gk, "do_sample");
            }
            cJSON_AddItemToObject(a, "arg_1", gk);
            cJSON_AddItemToArray(one, cJSON_CreateString(d->resps[r] ? d->resps[r] : ""));
            const char *fr = d->filtered ? d->filtered[f * d->n_reqs + r] : NULL;
            cJSON_AddItemToArray(fresps, cJSON_CreateString(fr ? fr : ""));
            break;
        }
        }
        cJSON_AddItemToArray(resps, one);
    }
    cJSON_AddStringToObject(o, "filter", s->filters[f].name);
    cJSON *names = cJSON_AddArrayToObject(o, "metrics");
    for (int m = 0; m < s->n_metrics; m++) cJSON_AddItemToArray(names, cJSON_CreateString(s->metrics[m].def->name));
    /* doc_hash: sha256(json.dumps(doc, indent=2, ensure_ascii=False)) */
    strbuf dj;
    strbuf_init(&dj);
    pytext_json_dumps(&dj, d->doc, 2);
    char doc_hash[65], prompt_hash[65];
    sha256_hex(strbuf_str(&dj), dj.len, doc_hash);
    strbuf_deinit(&dj);
    task_inst_prompt_hash(t, doc, prompt_hash);
    cJSON_AddStringToObject(o, "doc_hash", doc_hash);
    cJSON_AddStringToObject(o, "prompt_hash", prompt_hash);
    cJSON_AddStringToObject(o, "target_hash", target_hash);
    /* safety tasks (issue 5): the document's category and each response's
     * toxicity (null: the scorer could not score it) */
    if (d->category) cJSON_AddStringToObject(o, "category", d->category);
    if (task_inst_needs_toxicity(t)) {
        cJSON *tox = cJSON_AddArrayToObject(o, "toxicity");
        for (int r = 0; r < d->n_reqs; r++) {
            double x = task_inst_toxicity(t, doc, r);
            cJSON_AddItemToArray(tox, isnan(x) ? cJSON_CreateNull() : cJSON_CreateNumber(x));
        }
    }
    int nm = s->n_metrics;
    for (int m = 0; m < nm; m++) {
        const metric_def *def = s->metrics[m].def;
        double v = d->vals[f * nm + m];
        if (def->agg == METRIC_AGG_WEIGHTED_PERPLEXITY || def->agg == METRIC_AGG_BITS_PER_BYTE ||
            def->agg == METRIC_AGG_RATIO) {
            /* lm-eval logs the (loglikelihood, words-or-bytes) tuple */
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateNumber(v));
            cJSON_AddItemToArray(pair, cJSON_CreateNumber(d->wts[f * nm + m]));
            cJSON_AddItemToObject(o, def->name, pair);
        } else {
            add_num_or_null(o, def->name, v);
        }
    }
    return o;
oom:
    err_set(e, "out of memory");
    return NULL;
}
