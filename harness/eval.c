/* harness/eval.c: see eval.h. */
#include "harness/eval.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "harness/generator.h"
#include "harness/progress.h"
#include "harness/runinfo.h"
#include "harness/scorer.h"
#include "harness/store.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "tasks/request.h"
#include "tasks/results.h"
#include "tasks/spec.h"
#include "tasks/task.h"

#define DEFAULT_MAX_LENGTH 8192
#define COMPAT_MAX_LENGTH 2048 /* lm-eval's fallback for RecurrentGemma (TASKS.md A.0) */
#define SLICE_TOKENS 8192      /* tokens of requests scored between two commits */
#define GEN_SLICE 16           /* generations between two commits */
#define TEXT_FILE_MAX_BYTES (256u << 20)

void run_eval_opts_default(run_eval_opts *o) {
    memset(o, 0, sizeof *o);
    o->num_fewshot = -1;
    o->limit = -1;
    o->fewshot_seed = 1234;
    o->share = 1;
    o->bootstrap_iters = 100000;
    o->db_path = "results.db";
    ds_opts_init(&o->datasets);
}

/* One request of one task instance, and its result. */
typedef struct pend {
    int inst, doc, idx;
    task_req_kind kind;
    char key[160];
    int n_left;      /* log-likelihood items still to score */
    int done;        /* has its result */
    int stored;      /* result is in the store */
    double ll;
    int greedy;
    char *text;      /* generate_until: cut at the stop strings */
    long n_ctx_tokens, n_cont_tokens;
    int64_t elapsed_ns;
} pend;

/* One (context, continuation) token pair: a loglikelihood request or one
 * window of a rolling one. */
typedef struct ll_item {
    task_ll_tokens tk;
    int pend;
    int dup_of;   /* -1, or the item computing the same tokens */
    int next_dup; /* chain of items that copy this one's result */
    double ll;
    int greedy;
    int done;
} ll_item;

typedef struct gen_item {
    int pend;
    int32_t *ctx;
    int n_ctx;
} gen_item;

typedef struct evalrun {
    const run_eval_opts *o;
    const kctx *k;
    run_eval_summary *sum;
    task_set *set;
    task_selection sel;
    task_inst **insts;
    int n_insts;
    tok *tk;
    model *m;
    store *st;
    int64_t run_id;
    int max_length;
    pend *pends;
    long n_pends;
    ll_item *items;
    long n_items;
    gen_item *gens;
    long n_gens;
    cJSON *dataset_sums;
    char model_sha[72];
    progress prog;
    long n_done_reqs;
    long tokens_total;
} evalrun;

/* ---- loading tasks and data ---- */

static cJSON *records_array(const ds_table *t, int limit) {
    cJSON *a = cJSON_CreateArray();
    int n = ds_count(t);
    if (limit >= 0 && limit < n) n = limit;
    for (int i = 0; a && i < n; i++) cJSON_AddItemToArray(a, cJSON_Duplicate(ds_record(t, i), 1));
    return a;
}

static cJSON *text_file_records(const run_eval_opts *o, errbuf *e) {
    if (o->n_text_files == 0) {
        err_set(e, "task uses dataset \"text_file\": give the text with --text-file FILE");
        return NULL;
    }
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < o->n_text_files; i++) {
        size_t n;
        char *text = file_read_all(o->text_files[i], TEXT_FILE_MAX_BYTES, &n, e);
        if (!text) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "text", text);
        cJSON_AddStringToObject(r, "_file", o->text_files[i]);
        cJSON_AddItemToArray(a, r);
        free(text);
    }
    return a;
}

static void note_dataset(evalrun *r, const ds_table *t) {
    char key[512];
    snprintf(key, sizeof key, "%s/%s/%s", ds_name(t), ds_config(t) ? ds_config(t) : "", ds_split(t));
    if (!cJSON_GetObjectItemCaseSensitive(r->dataset_sums, key))
        cJSON_AddStringToObject(r->dataset_sums, key, ds_sha256(t) ? ds_sha256(t) : "");
}

static int build_task(evalrun *r, int i, errbuf *e) {
    const task_selected *ts = &r->sel.tasks[i];
    const task_spec *spec = ts->spec;
    task_opts to;
    task_opts_default(&to);
    to.num_fewshot = r->o->num_fewshot >= 0 ? r->o->num_fewshot : ts->num_fewshot;
    to.fewshot_seed = r->o->fewshot_seed;
    to.compat_lmeval = r->o->compat_lmeval;
    to.system_instruction = r->o->system_instruction;
    to.repeats = r->o->repeats;
    task_inst *ti = task_inst_create(spec, &to, e);
    if (!ti) return -1;
    r->insts[i] = ti;
    int limit = r->o->limit >= 0 ? r->o->limit : ts->limit;
    const char *dataset = task_spec_dataset(spec);
    cJSON *docs = NULL, *pool = NULL;
    ds_table *dt = NULL, *pt = NULL;
    int n_in_split, rc = -1;
    if (strcmp(dataset, "text_file") == 0) {
        if (!(docs = text_file_records(r->o, e))) goto done;
        n_in_split = cJSON_GetArraySize(docs);
        if (limit >= 0 && limit < n_in_split)
            while (cJSON_GetArraySize(docs) > limit) cJSON_DeleteItemFromArray(docs, cJSON_GetArraySize(docs) - 1);
    } else {
        dt = ds_load(dataset, task_spec_config(spec), task_spec_split(spec), &r->o->datasets, e);
        if (!dt) {
            err_prefix(e, "task %s", task_spec_name(spec));
            goto done;
        }
        if (ds_warning(dt) && !r->o->quiet) fprintf(stderr, "warning: %s: %s\n", task_spec_name(spec), ds_warning(dt));
        note_dataset(r, dt);
        n_in_split = ds_count(dt);
        docs = records_array(dt, limit);
        if (task_inst_needs_pool(ti)) {
            const char *fs = task_spec_fewshot_split(spec);
            if (fs && strcmp(fs, task_spec_split(spec)) == 0) {
                pool = records_array(dt, -1);
            } else {
                pt = ds_load(dataset, task_spec_config(spec), fs, &r->o->datasets, e);
                if (!pt) {
                    err_prefix(e, "task %s: %d-shot few-shot pool", task_spec_name(spec), task_inst_num_fewshot(ti));
                    goto done;
                }
                note_dataset(r, pt);
                pool = records_array(pt, -1);
            }
        }
    }
    if (task_inst_build(ti, docs, n_in_split, pool, e) != 0) goto done;
    rc = 0;
done:
    cJSON_Delete(docs);
    cJSON_Delete(pool);
    ds_free(dt);
    ds_free(pt);
    return rc;
}

/* Adds the task "perplexity:<dataset>[:config]:<split>:<field>", a variant of
 * "perplexity" over one field of a dataset split, and returns its name. */
static int add_ppl_variant(task_set *set, const char *arg, char *name, size_t cap, errbuf *e) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", arg);
    char *parts[4];
    int n = 0;
    for (char *p = buf, *tok; n < 4 && (tok = strsep(&p, ":"));) parts[n++] = tok;
    if (n < 3)
        return err_set(e, "--perplexity-dataset '%s': expected DATASET[:CONFIG]:SPLIT:FIELD", arg);
    const char *dataset = parts[0], *config = n == 4 ? parts[1] : NULL, *split = parts[n - 2], *field = parts[n - 1];
    for (const char *c = field; *c; c++)
        if (!(*c == '_' || *c == '.' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return err_set(e, "--perplexity-dataset '%s': field '%s' is not a plain field name", arg, field);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dataset", dataset);
    if (config) cJSON_AddStringToObject(o, "config", config);
    cJSON_AddStringToObject(o, "split", split);
    char tmpl[160];
    snprintf(tmpl, sizeof tmpl, "{{%s}}", field);
    cJSON_AddStringToObject(o, "doc_to_target", tmpl);
    snprintf(name, cap, "perplexity:%s", arg);
    int rc = task_set_add_variant(set, "perplexity", name, o, e);
    cJSON_Delete(o);
    return rc;
}

/* ---- requests ---- */

static int grow(void **v, long *cap, long need, size_t elem) {
    if (need <= *cap) return 0;
    long c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *nv = realloc(*v, (size_t)c * elem);
    if (!nv) return -1;
    memset((char *)nv + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
    *v = nv;
    *cap = c;
    return 0;
}

static uint64_t hash_tokens(const task_ll_tokens *t) {
    uint64_t h = 1469598103934665603ull;
    const int32_t *parts[2] = {t->ctx, t->cont};
    int lens[2] = {t->n_ctx, t->n_cont};
    for (int p = 0; p < 2; p++) {
        h = (h ^ (uint64_t)lens[p]) * 1099511628211ull;
        for (int i = 0; i < lens[p]; i++) h = (h ^ (uint32_t)parts[p][i]) * 1099511628211ull;
    }
    return h;
}

static int same_tokens(const task_ll_tokens *a, const task_ll_tokens *b) {
    return a->n_ctx == b->n_ctx && a->n_cont == b->n_cont &&
           memcmp(a->ctx, b->ctx, (size_t)a->n_ctx * 4) == 0 && memcmp(a->cont, b->cont, (size_t)a->n_cont * 4) == 0;
}

/* Marks items with the same tokens as an earlier one as its duplicates. */
static int dedupe(evalrun *r, errbuf *e) {
    long cap = 1;
    while (cap < 2 * r->n_items) cap *= 2;
    long *slots = malloc((size_t)cap * sizeof *slots);
    if (!slots) return err_set(e, "eval: out of memory");
    for (long i = 0; i < cap; i++) slots[i] = -1;
    for (long i = 0; i < r->n_items; i++) {
        ll_item *it = &r->items[i];
        it->dup_of = -1;
        it->next_dup = -1;
        long h = (long)(hash_tokens(&it->tk) & (uint64_t)(cap - 1));
        while (slots[h] >= 0 && !same_tokens(&r->items[slots[h]].tk, &it->tk)) h = (h + 1) & (cap - 1);
        if (slots[h] < 0) {
            slots[h] = i;
        } else {
            ll_item *src = &r->items[slots[h]];
            it->dup_of = slots[h];
            it->next_dup = src->next_dup;
            src->next_dup = (int)i;
            r->sum->n_duplicates++;
        }
    }
    free(slots);
    return 0;
}

static int add_requests(evalrun *r, const store_idset *done, errbuf *e) {
    long cap_p = 0, cap_i = 0, cap_g = 0;
    for (int ii = 0; ii < r->n_insts; ii++) {
        task_inst *ti = r->insts[ii];
        const task_gen_settings *gs = task_inst_gen(ti);
        for (int d = 0; d < task_inst_n_docs(ti); d++) {
            for (int q = 0; q < task_inst_n_requests(ti, d); q++) {
                const task_request *rq = task_inst_request(ti, d, q);
                if (grow((void **)&r->pends, &cap_p, r->n_pends + 1, sizeof *r->pends) != 0)
                    return err_set(e, "eval: out of memory");
                pend *p = &r->pends[r->n_pends];
                p->inst = ii;
                p->doc = d;
                p->idx = q;
                p->kind = rq->kind;
                task_request_key(ti, rq, p->key, sizeof p->key);
                long pi = r->n_pends++;
                if (done && store_idset_has(done, p->key)) {
                    p->stored = 1; /* filled from the store later */
                    continue;
                }
                if (rq->kind == TASK_REQ_GENERATE_UNTIL) {
                    if (grow((void **)&r->gens, &cap_g, r->n_gens + 1, sizeof *r->gens) != 0)
                        return err_set(e, "eval: out of memory");
                    gen_item *g = &r->gens[r->n_gens++];
                    g->pend = (int)pi;
                    if (task_gen_tokenize(r->tk, rq->context, r->max_length, gs->max_gen_toks, &g->ctx, &g->n_ctx,
                                          e) != 0)
                        return err_prefix(e, "%s", p->key);
                    p->n_ctx_tokens = g->n_ctx;
                    continue;
                }
                task_ll_tokens *w = NULL;
                int n_w = 0;
                if (rq->kind == TASK_REQ_LOGLIKELIHOOD) {
                    w = calloc(1, sizeof *w);
                    if (!w) return err_set(e, "eval: out of memory");
                    n_w = 1;
                    if (task_ll_tokenize(r->tk, rq->context, rq->continuation, r->max_length, w, e) != 0) {
                        free(w);
                        return err_prefix(e, "%s", p->key);
                    }
                } else if (task_rolling_windows(r->tk, rq->context, r->max_length, r->o->compat_lmeval, &w, &n_w, e) !=
                           0) {
                    return err_prefix(e, "%s", p->key);
                }
                if (grow((void **)&r->items, &cap_i, r->n_items + n_w, sizeof *r->items) != 0) {
                    task_ll_windows_free(w, n_w);
                    return err_set(e, "eval: out of memory");
                }
                for (int k = 0; k < n_w; k++) {
                    ll_item *it = &r->items[r->n_items++];
                    it->tk = w[k]; /* takes ownership of the token arrays */
                    it->pend = (int)pi;
                    p->n_ctx_tokens += w[k].n_ctx;
                    p->n_cont_tokens += w[k].n_cont;
                }
                free(w);
                p->n_left = n_w;
                p->greedy = 1;
                if (n_w == 0) p->done = 1; /* an empty rolling text: ll 0 */
            }
        }
    }
    return dedupe(r, e);
}

/* ---- storing results ---- */

static int store_pends(evalrun *r, const long *idx, long n, errbuf *e) {
    if (n == 0) return 0;
    store_result *res = calloc((size_t)n, sizeof *res);
    if (!res) return err_set(e, "eval: out of memory");
    for (long i = 0; i < n; i++) {
        pend *p = &r->pends[idx[i]];
        res[i].request_id = p->key;
        res[i].kind = p->kind == TASK_REQ_LOGLIKELIHOOD       ? STORE_REQ_LOGLIKELIHOOD
                      : p->kind == TASK_REQ_LOGLIKELIHOOD_ROLLING ? STORE_REQ_LOGLIKELIHOOD_ROLLING
                                                                  : STORE_REQ_GENERATE_UNTIL;
        res[i].loglik = p->kind == TASK_REQ_GENERATE_UNTIL ? NAN : p->ll;
        res[i].is_greedy = p->kind == TASK_REQ_LOGLIKELIHOOD ? p->greedy : -1;
        res[i].generated = p->kind == TASK_REQ_GENERATE_UNTIL ? p->text : NULL;
        res[i].n_ctx_tokens = p->n_ctx_tokens;
        res[i].n_cont_tokens = p->n_cont_tokens;
        res[i].elapsed_ns = p->elapsed_ns;
    }
    int rc = store_put_results(r->st, r->run_id, res, (size_t)n, NULL, e);
    free(res);
    for (long i = 0; rc == 0 && i < n; i++) r->pends[idx[i]].stored = 1;
    return rc;
}

/* Records item it's result (and its duplicates'); a request whose items
 * are all done is appended to ready. */
static void finish_item(evalrun *r, long it_i, double ll, int greedy, long *ready, long *n_ready) {
    for (long j = it_i; j >= 0; j = r->items[j].next_dup) {
        ll_item *it = &r->items[j];
        it->ll = ll;
        it->greedy = greedy;
        it->done = 1;
        pend *p = &r->pends[it->pend];
        p->ll += ll;
        p->greedy &= greedy;
        if (--p->n_left == 0) {
            p->done = 1;
            ready[(*n_ready)++] = it->pend;
        }
    }
}

/* ---- scoring ---- */

static int cmp_ctx(const task_ll_tokens *a, const task_ll_tokens *b) {
    int n = a->n_ctx < b->n_ctx ? a->n_ctx : b->n_ctx;
    for (int i = 0; i < n; i++)
        if (a->ctx[i] != b->ctx[i]) return a->ctx[i] < b->ctx[i] ? -1 : 1;
    return a->n_ctx - b->n_ctx;
}

static int cmp_item_idx(const void *x, const void *y, void *arg) {
    const ll_item *items = arg;
    long a = *(const long *)x, b = *(const long *)y;
    int c = cmp_ctx(&items[a].tk, &items[b].tk);
    return c ? c : (a < b ? -1 : a > b);
}

static int score_loglik(evalrun *r, errbuf *e) {
    long n_unique = 0;
    for (long i = 0; i < r->n_items; i++) n_unique += r->items[i].dup_of < 0;
    if (n_unique == 0) return 0;
    long *order = malloc((size_t)n_unique * sizeof *order);
    ll_req *reqs = malloc((size_t)n_unique * sizeof *reqs);
    long *ready = malloc((size_t)(r->n_items + 1) * sizeof *ready);
    if (!order || !reqs || !ready) {
        free(order);
        free(reqs);
        free(ready);
        return err_set(e, "eval: out of memory");
    }
    long n = 0;
    for (long i = 0; i < r->n_items; i++)
        if (r->items[i].dup_of < 0) order[n++] = i;
    /* Sort by context so prefixes are shared within a slice. */
    qsort_r(order, (size_t)n, sizeof *order, cmp_item_idx, r->items);
    scorer_opts so = {.share = r->o->share, .max_batch_seqs = r->o->batch_seqs};
    scorer_stats ss = {0};
    int rc = 0;
    for (long s0 = 0; rc == 0 && s0 < n;) {
        if (r->o->interrupted && *r->o->interrupted) {
            r->sum->interrupted = 1;
            break;
        }
        /* A slice: about SLICE_TOKENS tokens, never splitting a context. */
        long s1 = s0, tokens = 0;
        const int fixed = r->o->commit_requests;
        while (s1 < n && (s1 == s0 || (fixed > 0 ? s1 - s0 < fixed
                                                 : (tokens < SLICE_TOKENS ||
                                                    cmp_ctx(&r->items[order[s1 - 1]].tk, &r->items[order[s1]].tk) == 0)))) {
            const ll_item *it = &r->items[order[s1]];
            tokens += it->tk.n_ctx + it->tk.n_cont;
            s1++;
        }
        for (long j = s0; j < s1; j++) {
            const ll_item *it = &r->items[order[j]];
            reqs[j - s0] = (ll_req){.ctx = it->tk.ctx, .n_ctx = it->tk.n_ctx, .cont = it->tk.cont, .n_cont = it->tk.n_cont};
        }
        uint64_t t0 = clock_now_ns();
        rc = scorer_loglik(r->m, r->k, reqs, (int)(s1 - s0), &so, &ss, e);
        if (rc != 0) break;
        int64_t per_req_ns = (int64_t)((clock_now_ns() - t0) / (uint64_t)(s1 - s0));
        long n_ready = 0;
        for (long j = s0; j < s1; j++) {
            finish_item(r, order[j], reqs[j - s0].ll, reqs[j - s0].is_greedy, ready, &n_ready);
        }
        for (long q = 0; q < n_ready; q++) r->pends[ready[q]].elapsed_ns = per_req_ns;
        rc = store_pends(r, ready, n_ready, e);
        r->n_done_reqs += n_ready;
        r->sum->n_computed += n_ready;
        r->tokens_total = ss.tokens_forwarded;
        progress_update(&r->prog, "requests", r->n_done_reqs, r->n_pends, ss.tokens_forwarded);
        s0 = s1;
    }
    r->sum->tokens_forwarded += ss.tokens_forwarded;
    r->sum->tokens_requested += ss.tokens_requested;
    r->sum->model_s += ss.model_s;
    free(order);
    free(reqs);
    free(ready);
    return rc;
}

/* A sampled generation's seed depends only on the run's seed and the
 * request's stable id, so results do not depend on batching or resumes. */
static uint64_t request_seed(uint64_t run_seed, const char *key) {
    uint64_t h = 1469598103934665603ull ^ run_seed;
    for (const char *c = key; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    return h;
}

static int generate(evalrun *r, errbuf *e) {
    int rc = 0;
    gen_stats gs = {0};
    const long slice = r->o->commit_requests > 0 ? r->o->commit_requests : GEN_SLICE;
    for (long g0 = 0; rc == 0 && g0 < r->n_gens; g0 += slice) {
        if (r->o->interrupted && *r->o->interrupted) {
            r->sum->interrupted = 1;
            break;
        }
        long n = r->n_gens - g0 < slice ? r->n_gens - g0 : slice;
        gen_req *reqs = calloc((size_t)n, sizeof *reqs);
        const char **untils = calloc((size_t)n * 66, sizeof *untils);
        long *ready = malloc((size_t)n * sizeof *ready);
        if (!reqs || !untils || !ready) {
            free(reqs);
            free(untils);
            free(ready);
            return err_set(e, "eval: out of memory");
        }
        for (long j = 0; j < n; j++) {
            gen_item *g = &r->gens[g0 + j];
            const task_gen_settings *st = task_inst_gen(r->insts[r->pends[g->pend].inst]);
            const char **u = untils + j * 66;
            int nu = 0;
            for (int k = 0; k < st->n_until && nu < 64; k++) u[nu++] = st->until[k];
            u[nu++] = "<eos>";
            reqs[j] = (gen_req){.ctx = g->ctx, .n_ctx = g->n_ctx, .max_gen_toks = st->max_gen_toks, .until = u,
                                .n_until = nu};
            if (st->do_sample) {
                reqs[j].sampling = (sample_opts){.temperature = st->temperature > 0 ? st->temperature : 1.0,
                                                 .top_k = st->top_k, .top_p = st->top_p};
                reqs[j].seed = request_seed(r->o->sample_seed, r->pends[g->pend].key);
            }
        }
        gen_opts go = {.max_batch_seqs = r->o->batch_seqs};
        uint64_t t0 = clock_now_ns();
        rc = gen_run(r->m, r->k, r->tk, reqs, (int)n, &go, &gs, e);
        int64_t per_ns = (int64_t)((clock_now_ns() - t0) / (uint64_t)n);
        for (long j = 0; rc == 0 && j < n; j++) {
            pend *p = &r->pends[r->gens[g0 + j].pend];
            const task_gen_settings *st = task_inst_gen(r->insts[p->inst]);
            p->text = task_gen_cut(st, "<eos>", reqs[j].text, e);
            if (!p->text) {
                rc = -1;
                break;
            }
            p->n_cont_tokens = reqs[j].n_tokens;
            p->elapsed_ns = per_ns;
            p->done = 1;
            ready[j] = r->gens[g0 + j].pend;
        }
        if (rc == 0) rc = store_pends(r, ready, n, e);
        for (long j = 0; j < n; j++) gen_req_clear(&reqs[j]);
        free(reqs);
        free(untils);
        free(ready);
        r->n_done_reqs += n;
        r->sum->n_computed += n;
        progress_update(&r->prog, "requests", r->n_done_reqs, r->n_pends, r->tokens_total + gs.tokens_generated);
    }
    r->sum->tokens_forwarded += gs.tokens_prefilled + gs.tokens_generated;
    r->sum->tokens_requested += gs.tokens_prefilled + gs.tokens_generated;
    r->sum->model_s += gs.model_s;
    return rc;
}

/* ---- results of a resumed run ---- */

typedef struct stored_ctx {
    evalrun *r;
    long *by_key; /* pend indices sorted by key */
    errbuf *e;
    int rc;
} stored_ctx;

static int cmp_pend_key(const void *x, const void *y, void *arg) {
    const pend *pends = arg;
    return strcmp(pends[*(const long *)x].key, pends[*(const long *)y].key);
}

static int on_stored(void *arg, const store_result *res) {
    stored_ctx *c = arg;
    evalrun *r = c->r;
    long lo = 0, hi = r->n_pends - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        pend *p = &r->pends[c->by_key[mid]];
        int cmp = strcmp(res->request_id, p->key);
        if (cmp == 0) {
            if (!p->stored) return 0; /* not asked for by this selection */
            p->ll = res->loglik;
            p->greedy = res->is_greedy;
            free(p->text);
            p->text = res->generated ? strdup(res->generated) : NULL;
            p->done = 1;
            r->sum->n_reused++;
            return 0;
        }
        if (cmp < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return 0;
}

static int load_stored(evalrun *r, errbuf *e) {
    long *by_key = malloc((size_t)(r->n_pends + 1) * sizeof *by_key);
    if (!by_key) return err_set(e, "eval: out of memory");
    for (long i = 0; i < r->n_pends; i++) by_key[i] = i;
    qsort_r(by_key, (size_t)r->n_pends, sizeof *by_key, cmp_pend_key, r->pends);
    stored_ctx c = {r, by_key, e, 0};
    int rc = store_results_each(r->st, r->run_id, on_stored, &c, e);
    free(by_key);
    return rc;
}

/* ---- toxicity of generations ---- */

/* The store as the scorer's cache: re-runs cost nothing. */
static int cache_get(void *ctx, const char *scorer_id, const char *text, const char *sha, char **json, errbuf *e) {
    (void)sha;
    strbuf b;
    strbuf_init(&b);
    int found = store_tox_get(ctx, scorer_id, text, &b, e);
    if (found == 1) *json = strbuf_take(&b);
    strbuf_deinit(&b);
    return found;
}

static int cache_put(void *ctx, const char *scorer_id, const char *text, const char *sha, const char *json,
                     errbuf *e) {
    (void)sha;
    return store_tox_put(ctx, scorer_id, &text, &json, 1, e);
}

static int score_toxicity(evalrun *r, errbuf *e) {
    for (int ii = 0; ii < r->n_insts; ii++) {
        task_inst *ti = r->insts[ii];
        if (!task_inst_needs_toxicity(ti)) continue;
        if (!r->o->tox_scorer)
            return err_set(e, "task %s needs a toxicity scorer (griffin safety --scorer, or train the offline one)",
                           task_spec_name(task_inst_spec(ti)));
        long n = 0;
        for (long i = 0; i < r->n_pends; i++) n += r->pends[i].inst == ii && r->pends[i].kind == TASK_REQ_GENERATE_UNTIL;
        const char **texts = calloc((size_t)(n ? n : 1), sizeof *texts);
        long *which = calloc((size_t)(n ? n : 1), sizeof *which);
        tox_result *res = calloc((size_t)(n ? n : 1), sizeof *res);
        if (!texts || !which || !res) {
            free(texts);
            free(which);
            free(res);
            return err_set(e, "eval: out of memory");
        }
        long k = 0;
        for (long i = 0; i < r->n_pends; i++)
            if (r->pends[i].inst == ii && r->pends[i].kind == TASK_REQ_GENERATE_UNTIL) {
                which[k] = i;
                texts[k++] = r->pends[i].text ? r->pends[i].text : "";
            }
        tox_cache cache = {.ctx = r->st, .get = cache_get, .put = cache_put};
        tox_score_opts so = {.cache = &cache, .missing_as_zero = r->o->compat_lmeval};
        tox_score_stats stats;
        int rc = tox_score_cached(r->o->tox_scorer, texts, (int)n, &so, res, &stats, e);
        for (long j = 0; rc == 0 && j < n; j++) {
            const pend *p = &r->pends[which[j]];
            double v = res[j].status == TOX_MISSING ? NAN : res[j].toxicity;
            rc = task_inst_set_toxicity(ti, p->doc, p->idx, v, e);
        }
        if (rc == 0 && !r->o->quiet)
            fprintf(stderr, "eval: %s: %ld generations scored by %s\n", task_spec_name(task_inst_spec(ti)), n,
                    tox_scorer_label(r->o->tox_scorer));
        free(texts);
        free(which);
        free(res);
        if (rc != 0) return -1;
    }
    return 0;
}

/* ---- metrics, samples, output ---- */

static int set_results(evalrun *r, errbuf *e) {
    for (long i = 0; i < r->n_pends; i++) {
        pend *p = &r->pends[i];
        task_inst *ti = r->insts[p->inst];
        if (!p->done) return err_set(e, "%s: no result (the run did not finish)", p->key);
        int rc = p->kind == TASK_REQ_LOGLIKELIHOOD ? task_inst_set_loglikelihood(ti, p->doc, p->idx, p->ll, p->greedy, e)
                 : p->kind == TASK_REQ_LOGLIKELIHOOD_ROLLING ? task_inst_set_rolling(ti, p->doc, p->idx, p->ll, e)
                                                             : task_inst_set_generation(ti, p->doc, p->idx,
                                                                                        p->text ? p->text : "", e);
        if (rc != 0) return -1;
    }
    return 0;
}

static char *json_field(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return v ? cJSON_PrintUnformatted(v) : NULL;
}

static int store_samples_and_metrics(evalrun *r, FILE *samples_out, errbuf *e) {
    int rc = store_tx_begin(r->st, e);
    for (int ii = 0; rc == 0 && ii < r->n_insts; ii++) {
        task_inst *ti = r->insts[ii];
        const task_spec *spec = task_inst_spec(ti);
        const char *name = task_spec_name(spec);
        for (int d = 0; rc == 0 && d < task_inst_n_docs(ti); d++) {
            for (int f = 0; rc == 0 && f < task_inst_n_filters(ti); f++) {
                cJSON *s = task_inst_sample_json(ti, d, f, e);
                if (!s) {
                    rc = -1;
                    break;
                }
                char *doc = json_field(s, "doc"), *args = json_field(s, "arguments"), *resps = json_field(s, "resps"),
                     *fresps = json_field(s, "filtered_resps");
                cJSON *metrics = cJSON_CreateObject();
                for (int m = 0; m < task_inst_n_metrics(ti); m++) {
                    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, task_inst_metric_name(ti, m));
                    if (v) cJSON_AddItemToObject(metrics, task_inst_metric_name(ti, m), cJSON_Duplicate(v, 1));
                }
                char *mj = cJSON_PrintUnformatted(metrics);
                const cJSON *target = cJSON_GetObjectItemCaseSensitive(s, "target");
                const cJSON *ph = cJSON_GetObjectItemCaseSensitive(s, "prompt_hash");
                store_sample smp = {.task = name,
                                    .doc_id = d,
                                    .filter = task_inst_filter_name(ti, f),
                                    .doc_json = doc,
                                    .target = cJSON_IsString(target) ? target->valuestring : NULL,
                                    .arguments_json = args,
                                    .resps_json = resps,
                                    .filtered_resps_json = fresps,
                                    .metrics_json = mj,
                                    .prompt_sha256 = cJSON_IsString(ph) ? ph->valuestring : NULL};
                rc = store_put_samples(r->st, r->run_id, &smp, 1, e);
                if (rc == 0 && samples_out) {
                    cJSON_AddStringToObject(s, "task", name);
                    char *line = cJSON_PrintUnformatted(s);
                    if (line) fprintf(samples_out, "%s\n", line);
                    free(line);
                }
                free(doc);
                free(args);
                free(resps);
                free(fresps);
                free(mj);
                cJSON_Delete(metrics);
                cJSON_Delete(s);
            }
        }
        for (int v = 0; rc == 0 && v < task_inst_n_values(ti); v++) {
            const task_metric_value *mv = task_inst_value(ti, v);
            store_metric sm = {.task = name, .metric = mv->metric, .filter = mv->filter, .value = mv->value,
                               .value_stderr = mv->stderr_value, .n = mv->n_docs,
                               .higher_is_better = mv->higher_is_better, .is_group = 0};
            rc = store_put_metrics(r->st, r->run_id, &sm, 1, e);
        }
        if (rc == 0) {
            char *cfg = cJSON_PrintUnformatted(task_spec_json(spec));
            char ver[32];
            snprintf(ver, sizeof ver, "%g", task_spec_version(spec));
            store_task_info info = {.task = name, .version = ver, .num_fewshot = task_inst_num_fewshot(ti),
                                    .n_docs_total = -1, .n_docs = task_inst_n_docs(ti), .config_json = cfg};
            rc = store_put_task_info(r->st, r->run_id, &info, e);
            free(cfg);
        }
    }
    for (int g = 0; rc == 0 && g < r->sel.n_groups; g++) {
        task_group_value vals[32];
        int nv = task_group_aggregate(r->sel.groups[g], r->insts, r->n_insts, r->sel.groups, r->sel.n_groups, vals, 32, e);
        if (nv < 0) {
            rc = -1;
            break;
        }
        for (int v = 0; rc == 0 && v < nv; v++) {
            store_metric sm = {.task = task_group_name(r->sel.groups[g]), .metric = vals[v].metric,
                               .filter = vals[v].filter, .value = vals[v].value, .value_stderr = vals[v].stderr_value,
                               .n = vals[v].n_docs, .higher_is_better = -1, .is_group = 1};
            rc = store_put_metrics(r->st, r->run_id, &sm, 1, e);
        }
    }
    if (rc == 0) rc = store_tx_commit(r->st, e);
    else store_tx_rollback(r->st);
    return rc;
}

static void print_table(evalrun *r) {
    printf("| Task | Version | Filter | n-shot | Metric | | Value | | Stderr |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (int ii = 0; ii < r->n_insts; ii++) {
        task_inst *ti = r->insts[ii];
        const task_spec *spec = task_inst_spec(ti);
        for (int v = 0; v < task_inst_n_values(ti); v++) {
            const task_metric_value *mv = task_inst_value(ti, v);
            char se[32] = "N/A";
            if (!isnan(mv->stderr_value)) snprintf(se, sizeof se, "%.4f", mv->stderr_value);
            printf("| %s | %g | %s | %d | %s | %s | %.4f | ± | %s |\n", v ? "" : task_spec_alias(spec),
                   task_spec_version(spec), mv->filter, task_inst_num_fewshot(ti), mv->metric,
                   mv->higher_is_better ? "↑" : "↓", mv->value, se);
        }
    }
    for (int g = 0; g < r->sel.n_groups; g++) {
        task_group_value vals[32];
        errbuf e;
        int nv = task_group_aggregate(r->sel.groups[g], r->insts, r->n_insts, r->sel.groups, r->sel.n_groups, vals, 32, &e);
        for (int v = 0; v < nv; v++) {
            char se[32] = "N/A";
            if (!isnan(vals[v].stderr_value)) snprintf(se, sizeof se, "%.4f", vals[v].stderr_value);
            printf("| %s (group, %d docs) | %g | %s | | %s | | %.4f | ± | %s |\n", v ? "" : task_group_alias(r->sel.groups[g]),
                   vals[v].n_docs, task_group_version(r->sel.groups[g]), vals[v].filter, vals[v].metric, vals[v].value, se);
        }
    }
    fflush(stdout);
}

static int write_output(evalrun *r, errbuf *e) {
    cJSON *root = task_results_json(r->insts, r->n_insts, r->sel.groups, r->sel.n_groups, e);
    if (!root) return -1;
    cJSON *cfg = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(cfg, "model", "griffin");
    cJSON_AddStringToObject(cfg, "model_args", r->o->model_dir);
    cJSON_AddStringToObject(cfg, "model_sha256", r->model_sha);
    cJSON_AddStringToObject(cfg, "model_dtype", model_dtype_name(r->m));
    cJSON_AddStringToObject(cfg, "tokenizer_sha256", tok_sha256(r->tk));
    cJSON_AddNumberToObject(cfg, "batch_size", r->o->batch_seqs);
    cJSON_AddStringToObject(cfg, "device", "cpu");
    cJSON_AddStringToObject(cfg, "kernels", kctx_variant(r->k));
    cJSON_AddNumberToObject(cfg, "threads", pool_n_threads(r->k->pool));
    cJSON_AddBoolToObject(cfg, "share_contexts", r->o->share);
    cJSON_AddNumberToObject(cfg, "fewshot_seed", (double)r->o->fewshot_seed);
    cJSON_AddNumberToObject(cfg, "bootstrap_iters", r->o->bootstrap_iters);
    cJSON_AddNumberToObject(root, "max_length", r->max_length);
    cJSON_AddStringToObject(root, "compat", r->o->compat_lmeval ? "lmeval" : "none");
    cJSON_AddStringToObject(root, "git_hash", runinfo_git_revision());
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    cJSON_AddStringToObject(root, "date", date);
    cJSON_AddNumberToObject(root, "run_id", (double)r->run_id);
    cJSON_AddStringToObject(root, "run_uuid", r->sum->run_uuid);
    cJSON_AddItemToObject(root, "dataset_sha256", cJSON_Duplicate(r->dataset_sums, 1));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return err_set(e, "%s: out of memory", r->o->output_path);
    int rc = file_write_atomic(r->o->output_path, text, strlen(text), e);
    free(text);
    return rc;
}

/* ---- the run ---- */

static char *settings_json(evalrun *r) {
    cJSON *s = cJSON_CreateObject();
    cJSON *tasks = cJSON_AddArrayToObject(s, "tasks");
    for (int i = 0; i < r->n_insts; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "task", task_spec_name(task_inst_spec(r->insts[i])));
        cJSON_AddNumberToObject(t, "version", task_spec_version(task_inst_spec(r->insts[i])));
        cJSON_AddNumberToObject(t, "num_fewshot", task_inst_num_fewshot(r->insts[i]));
        cJSON_AddNumberToObject(t, "n_docs", task_inst_n_docs(r->insts[i]));
        if (task_inst_repeats(r->insts[i]) > 1) cJSON_AddNumberToObject(t, "repeats", task_inst_repeats(r->insts[i]));
        cJSON_AddItemToArray(tasks, t);
    }
    cJSON_AddNumberToObject(s, "fewshot_seed", (double)r->o->fewshot_seed);
    cJSON_AddNumberToObject(s, "sample_seed", (double)r->o->sample_seed);
    if (r->o->tox_scorer) cJSON_AddStringToObject(s, "toxicity_scorer", tox_scorer_id(r->o->tox_scorer));
    cJSON_AddNumberToObject(s, "max_length", r->max_length);
    cJSON_AddStringToObject(s, "compat", r->o->compat_lmeval ? "lmeval" : "none");
    cJSON_AddStringToObject(s, "tokenizer_sha256", tok_sha256(r->tk));
    if (r->o->system_instruction) cJSON_AddStringToObject(s, "system_instruction", r->o->system_instruction);
    for (int i = 0; i < r->o->n_text_files; i++) {
        char sha[65];
        errbuf e;
        if (sha256_file_hex(r->o->text_files[i], sha, &e) == 0) {
            if (!cJSON_GetObjectItem(s, "text_files")) cJSON_AddObjectToObject(s, "text_files");
            cJSON_AddStringToObject(cJSON_GetObjectItem(s, "text_files"), r->o->text_files[i], sha);
        }
    }
    char *out = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return out;
}

typedef struct run_check {
    char hash[65];
    int status;
} run_check;

static int on_run(void *arg, const store_run *run) {
    run_check *got = arg;
    snprintf(got->hash, sizeof got->hash, "%s", run->info.config_hash ? run->info.config_hash : "");
    got->status = run->status;
    return 0;
}

static int open_run(evalrun *r, errbuf *e) {
    r->st = store_open(r->o->db_path, NULL, e);
    if (!r->st) return -1;
    store_machine mach;
    int64_t machine_id = 0;
    if (store_machine_detect(&mach, e) != 0 || store_machine_put(r->st, &mach, &machine_id, e) != 0) return -1;
    char *settings = settings_json(r), *dsums = cJSON_PrintUnformatted(r->dataset_sums);
    char *model_cfg_json = NULL;
    char cfg_path[4096];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", r->o->model_dir);
    model_cfg_json = file_read_all(cfg_path, 1u << 20, NULL, e);
    cJSON *mc = model_cfg_json ? cJSON_Parse(model_cfg_json) : NULL;
    free(model_cfg_json);
    model_cfg_json = mc ? cJSON_PrintUnformatted(mc) : NULL;
    cJSON_Delete(mc);
    store_run_info info = {.kind = r->o->kind == RUN_EVAL_SAFETY ? STORE_RUN_SAFETY : STORE_RUN_EVAL,
                           .command_line = r->o->command_line,
                           .git_revision = runinfo_git_revision(),
                           .model_path = r->o->model_dir,
                           .model_sha256 = r->model_sha,
                           .model_config_json = model_cfg_json,
                           .backend = "cpu",
                           .n_threads = pool_n_threads(r->k->pool),
                           .seed = (int64_t)r->o->fewshot_seed,
                           .settings_json = settings,
                           .dataset_sha256_json = dsums,
                           .machine_id = machine_id};
    char hash[65];
    store_config_hash(&info, hash);
    info.config_hash = hash;
    int rc = 0;
    int64_t found = 0;
    if (r->o->resume_run_id > 0) {
        found = r->o->resume_run_id;
        /* The run must have been made with these settings. */
        run_check got = {{0}, 0};
        rc = store_run_get(r->st, found, on_run, &got, e);
        if (rc == 0 && strcmp(got.hash, hash) != 0)
            rc = err_set(e, "run %lld was made with other settings (model, tasks, shots, limit, seed or data differ); "
                            "run without --resume to start a new run", (long long)found);
        if (rc == 0 && got.status == STORE_RUN_FINISHED)
            rc = err_set(e, "run %lld has already finished", (long long)found);
    } else if (!r->o->fresh) {
        int f = store_run_find_resumable(r->st, info.kind, hash, &found, e);
        if (f < 0) rc = -1;
        if (f == 0) found = 0;
    }
    if (rc == 0 && found > 0) {
        rc = store_run_resume(r->st, found, e);
        r->run_id = found;
        r->sum->resumed = 1;
    } else if (rc == 0) {
        rc = store_run_begin(r->st, &info, &r->run_id, e);
    }
    free(settings);
    free(dsums);
    free(model_cfg_json);
    r->sum->run_id = r->run_id;
    return rc;
}

static int on_uuid(void *arg, const store_run *run) {
    snprintf(arg, 64, "%s", run->uuid ? run->uuid : "");
    return 0;
}

int run_eval(const run_eval_opts *o, const kctx *k, run_eval_summary *sum, errbuf *e) {
    memset(sum, 0, sizeof *sum);
    uint64_t t_start = clock_now_ns();
    evalrun r = {.o = o, .k = k, .sum = sum};
    r.max_length = o->max_length > 0 ? o->max_length : o->compat_lmeval ? COMPAT_MAX_LENGTH : DEFAULT_MAX_LENGTH;
    r.dataset_sums = cJSON_CreateObject();
    progress_init(&r.prog, "eval", o->quiet);
    int rc = -1;
    FILE *samples_out = NULL;

    /* 1. Tasks, tokenizer, data: everything that can be wrong in the input. */
    if (!(r.set = task_set_create(e)) || task_set_add_builtin(r.set, e) != 0) goto done;
    for (int i = 0; i < o->n_spec_paths; i++)
        if (task_set_add_path(r.set, o->spec_paths[i], e) != 0) goto done;
    if (o->n_spec_paths && task_set_check(r.set, e) != 0) goto done;
    {
        const char **names = calloc((size_t)(o->n_names + o->n_ppl_datasets + 1), sizeof *names);
        char(*vnames)[600] = calloc((size_t)(o->n_ppl_datasets + 1), sizeof *vnames);
        int nn = 0, ok = names && vnames;
        for (int i = 0; ok && i < o->n_names; i++) names[nn++] = o->names[i];
        for (int i = 0; ok && i < o->n_ppl_datasets; i++) {
            ok = add_ppl_variant(r.set, o->ppl_datasets[i], vnames[i], sizeof vnames[i], e) == 0;
            names[nn++] = vnames[i];
        }
        if (!names || !vnames) err_set(e, "eval: out of memory");
        ok = ok && task_set_select(r.set, names, nn, &r.sel, e) == 0;
        free(names);
        free(vnames);
        if (!ok) goto done;
    }
    char tpath[4096];
    const char *tok_path = o->tokenizer_path;
    if (!tok_path) {
        snprintf(tpath, sizeof tpath, "%s/tokenizer.model", o->model_dir);
        tok_path = tpath;
    }
    if (!(r.tk = tok_load(tok_path, e))) goto done;
    r.n_insts = r.sel.n_tasks;
    r.insts = calloc((size_t)(r.n_insts ? r.n_insts : 1), sizeof *r.insts);
    if (!r.insts) {
        err_set(e, "eval: out of memory");
        goto done;
    }
    for (int i = 0; i < r.n_insts; i++) {
        if (!o->quiet) fprintf(stderr, "eval: building %s\n", task_spec_name(r.sel.tasks[i].spec));
        if (build_task(&r, i, e) != 0) goto done;
    }
    /* 2. The model and the run in the store. */
    if (runinfo_model_checksum(o->model_dir, r.model_sha, e) != 0) goto done;
    if (!(r.m = model_load(o->model_dir, NULL, e))) goto done;
    if (tok_vocab_size(r.tk) > model_cfg(r.m)->vocab_size) {
        err_set(e, "%s: the tokenizer has %d pieces but the model only %d embeddings", tok_path, tok_vocab_size(r.tk),
                model_cfg(r.m)->vocab_size);
        goto done;
    }
    if (open_run(&r, e) != 0) goto done;
    store_run_get(r.st, r.run_id, on_uuid, sum->run_uuid, e);
    if (!o->quiet)
        fprintf(stderr, "eval: %s run %lld (%s) in %s\n", sum->resumed ? "resuming" : "starting", (long long)r.run_id,
                sum->run_uuid, o->db_path);

    /* 3. Requests: skip finished ones, tokenize, remove duplicates. */
    store_idset *done_set = store_done_requests(r.st, r.run_id, e);
    if (!done_set) goto fail_run;
    rc = add_requests(&r, done_set, e);
    store_idset_free(done_set);
    if (rc != 0) goto fail_run;
    rc = -1;
    sum->n_requests = r.n_pends;
    for (long i = 0; i < r.n_pends; i++) r.n_done_reqs += r.pends[i].stored;
    if (load_stored(&r, e) != 0) goto fail_run;
    if (!o->quiet)
        fprintf(stderr, "eval: %ld requests (%ld already in the store, %ld duplicates), %ld token sequences to score, "
                        "%ld generations\n",
                r.n_pends, sum->n_reused, sum->n_duplicates, r.n_items - sum->n_duplicates, r.n_gens);

    /* 4. The model work, committed batch by batch. */
    if (score_loglik(&r, e) != 0) goto fail_run;
    if (!sum->interrupted && generate(&r, e) != 0) goto fail_run;
    progress_end(&r.prog);
    sum->wall_s = (clock_now_ns() - t_start) * 1e-9;
    store_timing_add(r.st, r.run_id, "eval", sum->wall_s, sum->model_s, sum->tokens_forwarded, sum->n_computed, e);
    if (sum->interrupted) {
        store_run_interrupt(r.st, r.run_id, e);
        err_set(e, "interrupted: run %lld keeps %ld finished requests; run the same command again (or --resume %lld) "
                   "to finish it", (long long)r.run_id, r.n_done_reqs, (long long)r.run_id);
        goto done;
    }

    /* 5. Metrics, samples, outputs. */
    if (set_results(&r, e) != 0) goto fail_run;
    if (score_toxicity(&r, e) != 0) goto fail_run;
    for (int i = 0; i < r.n_insts; i++)
        if (task_inst_score(r.insts[i], o->bootstrap_iters, e) != 0) goto fail_run;
    if (o->log_samples_path) {
        samples_out = fopen(o->log_samples_path, "w");
        if (!samples_out) {
            err_errno(e, "%s", o->log_samples_path);
            goto fail_run;
        }
    }
    if (store_samples_and_metrics(&r, samples_out, e) != 0) goto fail_run;
    if (samples_out && fclose(samples_out) != 0) {
        samples_out = NULL;
        err_errno(e, "%s", o->log_samples_path);
        goto fail_run;
    }
    samples_out = NULL;
    if (o->output_path && write_output(&r, e) != 0) goto fail_run;
    if (store_run_finish(r.st, r.run_id, e) != 0) goto done;
    print_table(&r);
    rc = 0;
    goto done;
fail_run: {
    errbuf e2;
    if (r.st && r.run_id) store_run_fail(r.st, r.run_id, e->msg, &e2);
}
done:
    progress_end(&r.prog);
    if (samples_out) fclose(samples_out);
    for (long i = 0; i < r.n_pends; i++) free(r.pends[i].text);
    free(r.pends);
    for (long i = 0; i < r.n_items; i++) task_ll_tokens_deinit(&r.items[i].tk);
    free(r.items);
    for (long i = 0; i < r.n_gens; i++) free(r.gens[i].ctx);
    free(r.gens);
    for (int i = 0; i < r.n_insts; i++) task_inst_free(r.insts[i]);
    free(r.insts);
    if (r.set) task_selection_deinit(&r.sel);
    task_set_free(r.set);
    model_free(r.m);
    tok_free(r.tk);
    store_close(r.st);
    cJSON_Delete(r.dataset_sums);
    if (sum->wall_s == 0) sum->wall_s = (clock_now_ns() - t_start) * 1e-9;
    return rc;
}
