/* harness/safety_scorer.c: see safety_scorer.h. */
#include "harness/safety_scorer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tasks/tox_toxigen.h"

#define TOXIGEN_MAX_SENTENCES 64 /* sentences in one prompt line (about a dozen in practice) */

void safety_scorer_opts_default(safety_scorer_opts *o, const ds_opts *datasets) {
    memset(o, 0, sizeof *o);
    o->datasets = datasets;
    o->n_benign = SAFETY_SCORER_DEFAULT_BENIGN;
    tox_feat_params_default(&o->feat);
    tox_train_opts_default(&o->train);
}

/* ToxiGen's prompts and demonstrations, sentence by sentence. */
static int add_toxigen(const safety_scorer_opts *o, tox_dataset *d, safety_scorer_info *info, errbuf *e) {
    static const char *const configs[] = {"prompts", "demonstrations"};
    int n_found = 0;
    strbuf why;
    strbuf_init(&why);
    for (int c = 0; c < 2; c++) {
        errbuf le;
        ds_table *t = ds_load("toxigen", configs[c], "train", o->datasets, &le);
        if (!t) {
            strbuf_printf(&why, "%s%s", why.len ? "; " : "", le.msg);
            continue;
        }
        n_found++;
        size_t used = strlen(info->toxigen_source);
        snprintf(info->toxigen_source + used, sizeof info->toxigen_source - used, "%s%s", used ? ", " : "",
                 ds_source(t));
        for (int i = 0; i < ds_count(t); i++) {
            const cJSON *r = ds_record(t, i);
            const cJSON *text = cJSON_GetObjectItemCaseSensitive(r, "text");
            const cJSON *label = cJSON_GetObjectItemCaseSensitive(r, "label");
            if (!cJSON_IsString(text) || !cJSON_IsNumber(label)) {
                const char *file;
                int line;
                ds_record_origin(t, i, &file, &line);
                err_set(e, "%s:%d: a toxigen record without text and label", file, line);
                ds_free(t);
                strbuf_deinit(&why);
                return -1;
            }
            tox_span sp[TOXIGEN_MAX_SENTENCES];
            size_t n = strlen(text->valuestring);
            int ns = tox_toxigen_split(text->valuestring, n, sp, TOXIGEN_MAX_SENTENCES);
            if (ns > TOXIGEN_MAX_SENTENCES) ns = TOXIGEN_MAX_SENTENCES;
            for (int k = 0; k < ns; k++)
                if (tox_dataset_add(d, text->valuestring + sp[k].off, sp[k].len, label->valuedouble != 0, 0, e) != 0) {
                    ds_free(t);
                    strbuf_deinit(&why);
                    return -1;
                }
            info->n_records++;
        }
        ds_free(t);
    }
    int rc = 0;
    if (n_found == 0) rc = err_set(e, "toxigen: no training data: %s", strbuf_str(&why));
    strbuf_deinit(&why);
    return rc;
}

/* Generic sentences, taken in turn from each source that loads. */
typedef struct benign_src {
    const char *dataset, *config, *split, *field;
} benign_src;

static const benign_src benign_sources[] = {
    {"piqa", NULL, "validation", "goal"},
    {"siqa", NULL, "validation", "context"},
    {"arc", "ARC-Easy", "test", "question"},
};
#define N_BENIGN_SOURCES ((int)(sizeof benign_sources / sizeof benign_sources[0]))

static int add_benign(const safety_scorer_opts *o, tox_dataset *d, safety_scorer_info *info, errbuf *e) {
    ds_table *t[N_BENIGN_SOURCES] = {0};
    int next[N_BENIGN_SOURCES] = {0}, taken[N_BENIGN_SOURCES] = {0};
    for (int s = 0; s < N_BENIGN_SOURCES; s++) {
        errbuf le;
        t[s] = ds_load(benign_sources[s].dataset, benign_sources[s].config, benign_sources[s].split, o->datasets, &le);
    }
    int added = 0, rc = 0;
    /* Round-robin; a text repeated within a source (SIQA contexts) is added
     * once per occurrence and deduplicated by tox_dataset_finish. */
    for (int progress = 1; rc == 0 && added < o->n_benign && progress;) {
        progress = 0;
        for (int s = 0; s < N_BENIGN_SOURCES && added < o->n_benign && rc == 0; s++) {
            if (!t[s] || next[s] >= ds_count(t[s])) continue;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(ds_record(t[s], next[s]++), benign_sources[s].field);
            progress = 1;
            if (!cJSON_IsString(v) || !v->valuestring[0]) continue;
            rc = tox_dataset_add(d, v->valuestring, strlen(v->valuestring), 0, 1, e);
            added++;
            taken[s]++;
        }
    }
    strbuf b;
    strbuf_init(&b);
    for (int s = 0; s < N_BENIGN_SOURCES; s++) {
        if (t[s]) strbuf_printf(&b, "%s%s/%s %d", b.len ? ", " : "", benign_sources[s].dataset,
                                benign_sources[s].split, taken[s]);
        ds_free(t[s]);
    }
    snprintf(info->benign_sources, sizeof info->benign_sources, "%s", b.len ? strbuf_str(&b) : "none found");
    strbuf_deinit(&b);
    if (rc == 0) rc = tox_dataset_finish(d, e);
    if (rc == 0) info->n_benign = d->n_train_only;
    return rc;
}

tox_model *safety_scorer_train(const safety_scorer_opts *o, safety_scorer_info *info, errbuf *e) {
    safety_scorer_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    tox_dataset d;
    memset(&d, 0, sizeof d);
    tox_model *m = NULL;
    if (add_toxigen(o, &d, info, e) != 0 || tox_dataset_finish(&d, e) != 0) goto done;
    info->n_toxigen = d.n;
    info->n_toxigen_toxic = d.n_toxic;
    if (d.n == 0) {
        err_set(e, "toxigen: no sentences in %s", info->toxigen_source);
        goto done;
    }
    if (o->n_benign > 0 && add_benign(o, &d, info, e) != 0) goto done;
    m = tox_model_train(&o->feat, &o->train, d.ex, d.n, e);
done:
    tox_dataset_deinit(&d);
    return m;
}
