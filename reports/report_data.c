/* reports/report_data.c: copies runs, bench points and metrics out of the
 * store. */
#include "reports/report_data.h"

#include <stdlib.h>
#include <string.h>

typedef struct loader {
    report_data *d;
    int cap_runs, cap_points, cap_metrics;
    int oom;
} loader;

static char *dup(loader *l, const char *s) {
    if (!s) return NULL;
    char *c = strdup(s);
    if (!c) l->oom = 1;
    return c;
}

static int grow(void **p, int *cap, int n, size_t elem) {
    if (n < *cap) return 0;
    int nc = *cap ? 2 * *cap : 16;
    void *np = realloc(*p, (size_t)nc * elem);
    if (!np) return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static int got_run(void *arg, const store_run *r) {
    loader *l = arg;
    report_data *d = l->d;
    if (grow((void **)&d->runs, &l->cap_runs, d->n_runs, sizeof *d->runs) != 0) return l->oom = 1;
    report_run *x = &d->runs[d->n_runs++];
    memset(x, 0, sizeof *x);
    x->id = r->id;
    x->uuid = dup(l, r->uuid);
    x->kind = r->info.kind;
    x->status = r->status;
    x->created_at = dup(l, r->created_at);
    x->finished_at = dup(l, r->finished_at);
    x->error = dup(l, r->error);
    x->git_revision = dup(l, r->info.git_revision);
    x->command_line = dup(l, r->info.command_line);
    x->host = dup(l, r->info.host);
    x->backend = dup(l, r->info.backend);
    x->model_path = dup(l, r->info.model_path);
    x->settings_json = dup(l, r->info.settings_json);
    x->n_threads = r->info.n_threads;
    x->machine_id = r->info.machine_id;
    x->n_bench_points = r->n_bench_points;
    x->n_metrics = r->n_metrics;
    return l->oom;
}

static int got_point(void *arg, const store_bench_point *p) {
    loader *l = arg;
    report_data *d = l->d;
    if (grow((void **)&d->points, &l->cap_points, d->n_points, sizeof *d->points) != 0) return l->oom = 1;
    report_point *x = &d->points[d->n_points++];
    memset(x, 0, sizeof *x);
    x->run_id = p->run_id;
    x->label = dup(l, p->model_label);
    x->arch = dup(l, p->arch ? p->arch : "");
    x->dtype = dup(l, p->dtype ? p->dtype : "");
    x->backend = dup(l, p->backend ? p->backend : "");
    x->model_path = dup(l, p->model_path);
    x->kind = p->kind;
    x->prompt_len = p->prompt_len;
    x->gen_len = p->gen_len;
    x->batch = p->batch;
    x->reps = p->reps;
    x->median_s = p->median_s;
    x->min_s = p->min_s;
    x->max_s = p->max_s;
    x->tok_per_s = p->tok_per_s;
    x->state_bytes_per_seq = p->state_bytes_per_seq;
    x->weight_bytes = p->weight_bytes;
    x->peak_rss_bytes = p->peak_rss_bytes;
    x->mem_budget_bytes = p->mem_budget_bytes;
    x->n_threads = p->n_threads;
    x->bytes_per_rep = p->bytes_per_rep;
    x->flops_per_rep = p->flops_per_rep;
    return l->oom;
}

static int got_metric(void *arg, const store_metric *m) {
    loader *l = arg;
    report_data *d = l->d;
    const report_run *r = report_data_run(d, m->run_id);
    if (!r || r->kind != STORE_RUN_EVAL) return 0;
    if (grow((void **)&d->metrics, &l->cap_metrics, d->n_metrics, sizeof *d->metrics) != 0) return l->oom = 1;
    report_metric *x = &d->metrics[d->n_metrics++];
    memset(x, 0, sizeof *x);
    x->run_id = m->run_id;
    x->task = dup(l, m->task);
    x->metric = dup(l, m->metric);
    x->filter = dup(l, m->filter ? m->filter : "none");
    x->value = m->value;
    x->value_stderr = m->value_stderr;
    x->n = m->n;
    x->higher_is_better = m->higher_is_better;
    x->is_group = m->is_group;
    return l->oom;
}

const report_run *report_data_run(const report_data *d, int64_t id) {
    for (int i = 0; i < d->n_runs; i++)
        if (d->runs[i].id == id) return &d->runs[i];
    return NULL;
}

int report_data_load(store *st, const int64_t *ids, int n, report_data *d, errbuf *e) {
    memset(d, 0, sizeof *d);
    loader l = {.d = d};
    int rc = store_runs_each(st, got_run, &l, e);
    if (rc < 0) goto fail;
    if (l.oom) goto oom;
    for (int i = 0; i < d->n_runs; i++) {
        report_run *r = &d->runs[i];
        if (r->machine_id > 0) {
            int found = store_machine_get(st, r->machine_id, &r->machine, e);
            if (found < 0) goto fail;
            r->has_machine = found == 1;
        }
    }
    d->bench_runs = calloc((size_t)(n > 0 ? n : 1), sizeof *d->bench_runs);
    if (!d->bench_runs) goto oom;
    if (n > 0) {
        for (int i = 0; i < n; i++) {
            const report_run *r = report_data_run(d, ids[i]);
            if (!r) {
                err_set(e, "%s: there is no run %lld", store_path(st), (long long)ids[i]);
                goto fail;
            }
            if (r->kind != STORE_RUN_BENCH) {
                err_set(e, "%s: run %lld is a%s %s run, not a bench run", store_path(st), (long long)ids[i],
                        r->kind == STORE_RUN_EVAL ? "n" : "", store_run_kind_name(r->kind));
                goto fail;
            }
            d->bench_runs[d->n_bench_runs++] = ids[i];
        }
    } else {
        for (int i = d->n_runs - 1; i >= 0; i--)
            if (d->runs[i].kind == STORE_RUN_BENCH && d->runs[i].n_bench_points > 0) {
                d->bench_runs[d->n_bench_runs++] = d->runs[i].id;
                break;
            }
    }
    for (int i = 0; i < d->n_bench_runs; i++) {
        if (store_bench_points_each(st, d->bench_runs[i], got_point, &l, e) < 0) goto fail;
        if (l.oom) goto oom;
    }
    if (store_metrics_each(st, 0, got_metric, &l, e) < 0) goto fail;
    if (l.oom) goto oom;
    return 0;
oom:
    err_set(e, "out of memory reading %s", store_path(st));
fail:
    report_data_deinit(d);
    return -1;
}

void report_data_deinit(report_data *d) {
    for (int i = 0; i < d->n_runs; i++) {
        report_run *r = &d->runs[i];
        free(r->uuid);
        free(r->created_at);
        free(r->finished_at);
        free(r->error);
        free(r->git_revision);
        free(r->command_line);
        free(r->host);
        free(r->backend);
        free(r->model_path);
        free(r->settings_json);
    }
    for (int i = 0; i < d->n_points; i++) {
        report_point *p = &d->points[i];
        free(p->label);
        free(p->arch);
        free(p->dtype);
        free(p->backend);
        free(p->model_path);
    }
    for (int i = 0; i < d->n_metrics; i++) {
        free(d->metrics[i].task);
        free(d->metrics[i].metric);
        free(d->metrics[i].filter);
    }
    free(d->runs);
    free(d->bench_runs);
    free(d->points);
    free(d->metrics);
    memset(d, 0, sizeof *d);
}
