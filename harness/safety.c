/* harness/safety.c: see safety.h. */
#include "harness/safety.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "harness/safety_derive.h"
#include "harness/store.h"
#include "tasks/metric.h"
#include "tasks/spec.h"
#include "tasks/tox_model.h"
#include "tasks/tox_offline.h"

#define SAFETY_MAX_SPEC_PATHS 64

void safety_summary_deinit(safety_summary *s) {
    free(s->skipped);
    safety_gate_results_deinit(&s->gates);
    memset(s, 0, sizeof *s);
}

/* ---- which tasks have their data ---- */

typedef struct probe {
    char key[512];
    int ok;
    char why[ERRBUF_BYTES];
} probe;

int safety_probe_data(const task_selection *sel, const ds_opts *ds, int *avail, safety_skip **skipped,
                      int *n_skipped, errbuf *e) {
    probe *seen = calloc((size_t)(sel->n_tasks ? sel->n_tasks : 1), sizeof *seen);
    safety_skip *sk = calloc((size_t)(sel->n_tasks ? sel->n_tasks : 1), sizeof *sk);
    if (!seen || !sk) {
        free(seen);
        free(sk);
        return err_set(e, "out of memory");
    }
    int n_seen = 0, n_sk = 0;
    for (int i = 0; i < sel->n_tasks; i++) {
        const task_spec *t = sel->tasks[i].spec;
        const char *cfg = task_spec_config(t);
        char key[512];
        snprintf(key, sizeof key, "%s\n%s\n%s", task_spec_dataset(t), cfg ? cfg : "", task_spec_split(t));
        probe *p = NULL;
        for (int k = 0; k < n_seen && !p; k++)
            if (!strcmp(seen[k].key, key)) p = &seen[k];
        if (!p) {
            /* each (dataset, config, split) is loaded once */
            p = &seen[n_seen++];
            snprintf(p->key, sizeof p->key, "%s", key);
            errbuf le;
            ds_table *tb = ds_load(task_spec_dataset(t), cfg, task_spec_split(t), ds, &le);
            p->ok = tb != NULL;
            if (!tb) snprintf(p->why, sizeof p->why, "%s", le.msg);
            ds_free(tb);
        }
        avail[i] = p->ok;
        if (!p->ok) {
            snprintf(sk[n_sk].task, sizeof sk[n_sk].task, "%s", task_spec_name(t));
            snprintf(sk[n_sk].why, sizeof sk[n_sk].why, "%s", p->why);
            n_sk++;
        }
    }
    free(seen);
    *skipped = sk;
    *n_skipped = n_sk;
    return 0;
}

/* ---- the run's task list ---- */

/* The entries of the suite named `suite`, or -1. */
static int suite_entries(const task_set *set, const char *suite, const task_suite_entry **out) {
    for (int i = 0; i < task_set_n_suites(set); i++)
        if (!strcmp(task_set_suite_name(set, i), suite)) return task_set_suite_entries(set, i, out);
    return -1;
}

/* Writes a suite holding the entries whose tasks have their data (a group
 * with a missing member becomes its available members) to a temporary file;
 * its name goes into *suite_name. Returns 0, 1 when nothing can run, -1. */
static int write_available_suite(const task_set *set, const char *suite, const task_selection *sel, const int *avail,
                                 char *path, size_t cap, char *suite_name, size_t name_cap, errbuf *e) {
    const task_suite_entry *ents;
    int n = suite_entries(set, suite, &ents);
    if (n < 0) return err_set(e, "no suite \"%s\"", suite);
    cJSON *root = cJSON_CreateObject(), *tasks = cJSON_CreateArray();
    snprintf(suite_name, name_cap, "%s_available_%ld", suite, (long)getpid());
    cJSON_AddStringToObject(root, "suite", suite_name);
    cJSON_AddStringToObject(root, "description", "the tasks of a safety suite whose data griffin could load");
    cJSON_AddItemToObject(root, "tasks", tasks);
    int n_added = 0;
    for (int i = 0; i < n; i++) {
        task_selection one;
        const char *nm = ents[i].name;
        if (task_set_select(set, &nm, 1, &one, e) != 0) {
            cJSON_Delete(root);
            return -1;
        }
        int all = 1, any = 0;
        int *ok = calloc((size_t)(one.n_tasks ? one.n_tasks : 1), sizeof *ok);
        if (!ok) {
            task_selection_deinit(&one);
            cJSON_Delete(root);
            return err_set(e, "out of memory");
        }
        for (int k = 0; k < one.n_tasks; k++) {
            for (int j = 0; j < sel->n_tasks; j++)
                if (sel->tasks[j].spec == one.tasks[k].spec) ok[k] = avail[j];
            all &= ok[k];
            any |= ok[k];
        }
        /* the entry itself when everything in it can run, else its runnable leaves */
        for (int k = 0; k < (all ? 1 : one.n_tasks); k++) {
            if (!all && !ok[k]) continue;
            if (!any) break;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "task", all ? nm : task_spec_name(one.tasks[k].spec));
            if (ents[i].num_fewshot >= 0) cJSON_AddNumberToObject(o, "num_fewshot", ents[i].num_fewshot);
            if (ents[i].limit >= 0) cJSON_AddNumberToObject(o, "limit", ents[i].limit);
            cJSON_AddItemToArray(tasks, o);
            n_added++;
        }
        free(ok);
        task_selection_deinit(&one);
    }
    if (n_added == 0) {
        cJSON_Delete(root);
        return 1;
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return err_set(e, "out of memory");
    const char *tmp = getenv("TMPDIR");
    snprintf(path, cap, "%s/griffin-safety-XXXXXX.json", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        free(text);
        return err_errno(e, "%s", path);
    }
    size_t len = strlen(text);
    int rc = write(fd, text, len) == (ssize_t)len ? 0 : err_errno(e, "%s", path);
    close(fd);
    free(text);
    if (rc != 0) unlink(path);
    return rc;
}

/* ---- after the run ---- */

int safety_record_scorer(store *st, const tox_scorer *s, errbuf *e) {
    store_scorer x = {.name = tox_scorer_id(s), .kind = "perspective", .n_train = -1, .n_heldout = -1,
                      .heldout_accuracy = NAN, .heldout_auc = NAN};
    const tox_model *m = tox_offline_model(s);
    char train[160];
    cJSON *meta = cJSON_CreateObject();
    cJSON_AddStringToObject(meta, "label", tox_scorer_label(s));
    if (m) {
        const tox_model_metrics *mt = tox_model_get_metrics(m);
        x.kind = "offline";
        x.model_sha256 = tox_model_checksum(m);
        snprintf(train, sizeof train, "toxigen sha256:%s", tox_model_data_sha256(m));
        x.train_dataset = train;
        x.n_train = mt->n_train;
        x.n_heldout = mt->n_heldout;
        x.heldout_accuracy = mt->heldout_acc;
        x.heldout_auc = mt->heldout_auc;
        cJSON_AddNumberToObject(meta, "n_train_only", mt->n_train_only);
        cJSON_AddNumberToObject(meta, "n_heldout_toxic", mt->n_heldout_toxic);
        if (!isnan(mt->train_acc)) cJSON_AddNumberToObject(meta, "train_acc", mt->train_acc);
    }
    char *mj = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    x.meta_json = mj;
    int rc = store_scorer_put(st, &x, e);
    free(mj);
    return rc;
}

static int store_info(store *st, const safety_opts *o, const char *suite, const safety_summary *sum, errbuf *e) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "suite", suite);
    cJSON *pol = cJSON_AddObjectToObject(c, "policy");
    cJSON_AddStringToObject(pol, "name", o->policy->name);
    cJSON_AddStringToObject(pol, "origin", o->policy->origin);
    cJSON_AddNumberToObject(pol, "version", o->policy->version);
    if (o->policy->description) cJSON_AddStringToObject(pol, "description", o->policy->description);
    if (o->eval.tox_scorer) {
        cJSON_AddStringToObject(c, "toxicity_scorer", tox_scorer_id(o->eval.tox_scorer));
        cJSON_AddStringToObject(c, "toxicity_scorer_label", tox_scorer_label(o->eval.tox_scorer));
    }
    cJSON_AddNumberToObject(c, "samples", o->eval.repeats);
    cJSON_AddNumberToObject(c, "sample_seed", (double)o->eval.sample_seed);
    cJSON_AddNumberToObject(c, "limit", o->eval.limit);
    if (o->baseline_run_id > 0) cJSON_AddNumberToObject(c, "baseline_run_id", (double)o->baseline_run_id);
    cJSON *sk = cJSON_AddArrayToObject(c, "skipped");
    for (int i = 0; i < sum->n_skipped; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "task", sum->skipped[i].task);
        cJSON_AddStringToObject(x, "why", sum->skipped[i].why);
        cJSON_AddItemToArray(sk, x);
    }
    char *text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    if (!text) return err_set(e, "out of memory");
    char ver[32];
    snprintf(ver, sizeof ver, "%g", o->policy->version);
    store_task_info info = {.task = SAFETY_INFO_TASK, .version = ver, .num_fewshot = 0, .n_docs_total = -1,
                            .n_docs = -1, .config_json = text};
    int rc = store_put_task_info(st, sum->run_id, &info, e);
    free(text);
    return rc;
}

static int needs_toxicity(const task_spec *t) {
    for (int m = 0; m < task_spec_n_metrics(t); m++)
        if (task_spec_metric(t, m)->flags & METRIC_F_TOXICITY) return 1;
    return 0;
}

int safety_run(const safety_opts *o, const kctx *k, safety_summary *sum, errbuf *e) {
    memset(sum, 0, sizeof *sum);
    const char *suite = o->suite ? o->suite : SAFETY_DEFAULT_SUITE;
    task_set *set = task_set_create(e);
    task_selection sel = {0};
    int *avail = NULL, rc = -1, have_sel = 0;
    char tmp_path[4096] = "", tmp_suite[256];
    store *st = NULL;
    const char **scope = NULL;
    int n_scope = 0;
    if (!set || task_set_add_builtin(set, e) != 0) goto done;
    for (int i = 0; i < o->eval.n_spec_paths; i++)
        if (task_set_add_path(set, o->eval.spec_paths[i], e) != 0) goto done;
    if (o->eval.n_spec_paths && task_set_check(set, e) != 0) goto done;
    if (safety_policy_check(o->policy, set, e) != 0) goto done;
    const task_suite_entry *ents;
    if (suite_entries(set, suite, &ents) < 0) {
        strbuf b;
        strbuf_init(&b);
        for (int i = 0; i < task_set_n_suites(set); i++) strbuf_printf(&b, "%s%s", i ? ", " : "", task_set_suite_name(set, i));
        err_set(e, "no suite \"%s\" (suites: %s)", suite, strbuf_str(&b));
        strbuf_deinit(&b);
        goto done;
    }
    if (task_set_select(set, &suite, 1, &sel, e) != 0) goto done;
    have_sel = 1;
    avail = calloc((size_t)(sel.n_tasks ? sel.n_tasks : 1), sizeof *avail);
    if (!avail) {
        err_set(e, "out of memory");
        goto done;
    }
    /* 1. what can run */
    if (safety_probe_data(&sel, &o->eval.datasets, avail, &sum->skipped, &sum->n_skipped, e) != 0) goto done;
    int need_tox = 0;
    for (int i = 0; i < sel.n_tasks; i++) {
        sum->n_tasks_run += avail[i];
        if (avail[i]) need_tox |= needs_toxicity(sel.tasks[i].spec);
    }
    if (sum->n_tasks_run == 0) {
        err_set(e, "suite \"%s\": no task has its data (first: %s: %s); give --data-dir or fetch the datasets", suite,
                sum->n_skipped ? sum->skipped[0].task : "?", sum->n_skipped ? sum->skipped[0].why : "?");
        goto done;
    }
    if (need_tox && !o->eval.tox_scorer) {
        err_set(e, "suite \"%s\" scores generations for toxicity: a toxicity scorer is needed", suite);
        goto done;
    }
    /* 2. the run */
    run_eval_opts eo = o->eval;
    const char *name = suite;
    const char *paths[SAFETY_MAX_SPEC_PATHS + 1];
    if (sum->n_skipped) {
        int w = write_available_suite(set, suite, &sel, avail, tmp_path, sizeof tmp_path, tmp_suite,
                                      sizeof tmp_suite, e);
        if (w != 0) {
            tmp_path[0] = 0;
            goto done;
        }
        int np = 0;
        for (int i = 0; i < o->eval.n_spec_paths && np < SAFETY_MAX_SPEC_PATHS; i++) paths[np++] = o->eval.spec_paths[i];
        paths[np++] = tmp_path;
        eo.spec_paths = paths;
        eo.n_spec_paths = np;
        name = tmp_suite;
    }
    eo.kind = RUN_EVAL_SAFETY;
    eo.names = &name;
    eo.n_names = 1;
    if (run_eval(&eo, k, &sum->eval, e) != 0) {
        sum->run_id = sum->eval.run_id;
        goto done;
    }
    sum->run_id = sum->eval.run_id;
    /* 3-5. derived metrics, scorer, gates, the run's safety settings */
    if (!(st = store_open(o->eval.db_path, NULL, e))) goto done;
    if ((sum->n_derived = safety_derive_metrics(st, sum->run_id, e)) < 0) goto done;
    if (o->eval.tox_scorer && safety_record_scorer(st, o->eval.tox_scorer, e) != 0) goto done;
    /* the gates of the suite's tasks and groups (run or not) */
    scope = malloc(sizeof *scope * (size_t)(sel.n_tasks + sel.n_groups + 1));
    if (!scope) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < sel.n_tasks; i++) scope[n_scope++] = task_spec_name(sel.tasks[i].spec);
    for (int i = 0; i < sel.n_groups; i++) scope[n_scope++] = task_group_name(sel.groups[i]);
    if (safety_gates_evaluate(o->policy, st, sum->run_id, o->baseline_run_id, scope, n_scope,
                              o->eval.tox_scorer ? tox_scorer_id(o->eval.tox_scorer) : NULL, &sum->gates, e) != 0)
        goto done;
    store_gate *g = malloc(sizeof *g * (size_t)(sum->gates.n ? sum->gates.n : 1));
    if (!g) {
        err_set(e, "out of memory");
        goto done;
    }
    for (int i = 0; i < sum->gates.n; i++) g[i] = sum->gates.r[i].g;
    rc = store_put_gates(st, sum->run_id, g, (size_t)sum->gates.n, e);
    free(g);
    if (rc == 0) rc = store_info(st, o, suite, sum, e);
done:
    if (tmp_path[0]) unlink(tmp_path);
    free(scope);
    store_close(st);
    free(avail);
    if (have_sel) task_selection_deinit(&sel);
    task_set_free(set);
    return rc;
}
