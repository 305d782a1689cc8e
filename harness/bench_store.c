/* harness/bench_store.c: a sweep's points and settings into the store. */
#include "harness/bench_store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *long_array(const long *xs, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)xs[i]));
    return a;
}

char *bench_settings_json(const bench_opts *o) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON *models = cJSON_AddArrayToObject(root, "models");
    for (int i = 0; models && i < o->n_models; i++) {
        cJSON *m = cJSON_CreateObject();
        char label[BENCH_LABEL_BYTES];
        if (o->models[i].label) snprintf(label, sizeof label, "%s", o->models[i].label);
        else bench_default_label(o->models[i].dir, label, sizeof label);
        cJSON_AddStringToObject(m, "label", label);
        cJSON_AddStringToObject(m, "dir", o->models[i].dir);
        cJSON_AddItemToArray(models, m);
    }
    cJSON_AddItemToObject(root, "prompt_lens", long_array(o->prompt_lens, o->n_prompt_lens));
    cJSON_AddItemToObject(root, "gen_lens", long_array(o->gen_lens, o->n_gen_lens));
    cJSON_AddItemToObject(root, "batches", long_array(o->batches, o->n_batches));
    cJSON_AddNumberToObject(root, "reps", o->reps);
    cJSON_AddNumberToObject(root, "rounds", o->rounds);
    cJSON_AddBoolToObject(root, "interleave", o->interleave != 0);
    cJSON_AddNumberToObject(root, "warmup", o->warmup);
    cJSON_AddNumberToObject(root, "decode_steps", o->decode_steps);
    cJSON_AddNumberToObject(root, "max_batch", (double)o->max_batch);
    cJSON_AddNumberToObject(root, "mem_budget_bytes", (double)o->mem_budget_bytes);
    cJSON_AddBoolToObject(root, "reference_kernels", o->use_ref != 0);
    cJSON_AddStringToObject(root, "clock", o->cpu_clock ? "cpu" : "wall");
    cJSON_AddNumberToObject(root, "seed", (double)o->seed);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return NULL;
    char *out = strdup(text); /* callers free with free(), not cJSON_free */
    cJSON_free(text);
    return out;
}

int bench_store_points(store *st, int64_t run_id, const bench_opts *o, const bench_results *r, errbuf *e) {
    if (r->n == 0) return 0;
    store_bench_point *sp = calloc((size_t)r->n, sizeof *sp);
    if (!sp) return err_set(e, "out of memory storing %d bench points", r->n);
    for (int i = 0; i < r->n; i++) {
        const bench_point *p = &r->points[i];
        store_bench_point *x = &sp[i];
        x->model_label = p->label;
        x->model_path = p->model_idx >= 0 && p->model_idx < o->n_models ? o->models[p->model_idx].dir : NULL;
        x->arch = p->arch;
        x->dtype = p->dtype;
        switch (p->kind) {
        case BENCH_PREFILL: x->kind = STORE_BENCH_PREFILL; break;
        case BENCH_DECODE: x->kind = STORE_BENCH_DECODE; break;
        case BENCH_MAX_THROUGHPUT: x->kind = STORE_BENCH_MAX_THROUGHPUT; break;
        case BENCH_MEMORY: x->kind = STORE_BENCH_MEMORY; break;
        }
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
        x->backend = p->backend;
        x->bytes_per_rep = p->bytes_per_rep;
        x->flops_per_rep = p->flops_per_rep;
    }
    int rc = store_put_bench_points(st, run_id, sp, (size_t)r->n, e);
    free(sp);
    return rc;
}
