/* tasks/tox_offline.c: the offline scorer over a trained model. */
#include "tasks/tox_offline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKSUM_HEX_IN_ID 12 /* 48 bits of the model's SHA-256: enough to tell models apart */

static int offline_score(tox_scorer *s, const char *const *texts, int n, tox_result *out, errbuf *e) {
    double *p = malloc((size_t)n * sizeof *p);
    if (!p) return err_set(e, "%s: out of memory for %d texts", s->id, n);
    if (tox_model_predict(s->impl, texts, n, p, e) != 0) {
        free(p);
        return err_prefix(e, "%s", s->id);
    }
    for (int i = 0; i < n; i++) {
        out[i].status = TOX_OK;
        out[i].toxicity = p[i];
        out[i].n_attrs = 0;
        out[i].why[0] = 0;
    }
    free(p);
    return 0;
}

static void offline_free(void *impl) { tox_model_free(impl); }

static const tox_scorer_vt offline_vt = {offline_score, offline_free};

#define OFFLINE_BATCH 4096 /* texts per call: local, so only bounds the scratch */

static void fmt_metric(char *buf, size_t cap, double v) {
    if (isnan(v)) snprintf(buf, cap, "n/a");
    else snprintf(buf, cap, "%.2f", v);
}

tox_scorer *tox_offline_from_model(tox_model *m, errbuf *e) {
    tox_scorer *s = calloc(1, sizeof *s);
    if (!s) {
        tox_model_free(m);
        err_set(e, "offline scorer: out of memory");
        return NULL;
    }
    s->vt = &offline_vt;
    s->impl = m;
    s->batch_size = OFFLINE_BATCH;
    snprintf(s->id, sizeof s->id, "%s@%.*s", TOX_MODEL_NAME, CHECKSUM_HEX_IN_ID, tox_model_checksum(m));
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    char acc[16], auc[16];
    fmt_metric(acc, sizeof acc, mt->heldout_acc);
    fmt_metric(auc, sizeof auc, mt->heldout_auc);
    if (mt->n_train_only > 0)
        snprintf(s->label, sizeof s->label, "%s (held-out acc %s, AUC %s; +%d generic benign)", TOX_MODEL_NAME, acc,
                 auc, mt->n_train_only);
    else snprintf(s->label, sizeof s->label, "%s (held-out acc %s, AUC %s)", TOX_MODEL_NAME, acc, auc);
    return s;
}

tox_scorer *tox_offline_open(const char *path, errbuf *e) {
    tox_model *m = tox_model_load(path, e);
    return m ? tox_offline_from_model(m, e) : NULL;
}

const tox_model *tox_offline_model(const tox_scorer *s) { return s->vt == &offline_vt ? s->impl : NULL; }

int tox_offline_default_path(char *path, size_t cap, errbuf *e) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && *xdg) n = snprintf(path, cap, "%s/griffin/%s", xdg, TOX_OFFLINE_MODEL_FILE);
    else if (home && *home) n = snprintf(path, cap, "%s/.cache/griffin/%s", home, TOX_OFFLINE_MODEL_FILE);
    else return err_set(e, "offline model: neither XDG_CACHE_HOME nor HOME is set; give the model path");
    if (n < 0 || (size_t)n >= cap) return err_set(e, "offline model: default path longer than %zu bytes", cap);
    return 0;
}
