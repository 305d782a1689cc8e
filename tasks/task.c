/* tasks/task.c: prompts, few-shot selection, requests and per-document
 * scoring of one task in one run (TASKS.md A.2-A.7). */
#include "tasks/task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tasks/pytext.h"
#include "tasks/task_impl.h"

void task_opts_default(task_opts *o) {
    o->num_fewshot = -1;
    o->fewshot_seed = TASK_FEWSHOT_SEED;
    o->compat_lmeval = 0;
    o->system_instruction = NULL;
    o->repeats = 0;
}

task_inst *task_inst_create(const task_spec *spec, const task_opts *o, errbuf *e) {
    if (!spec) {
        err_set(e, "task_inst_create: no task spec");
        return NULL;
    }
    task_inst *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(e, "out of memory");
        return NULL;
    }
    t->spec = spec;
    if (o)
        t->opts = *o;
    else
        task_opts_default(&t->opts);
    if (t->opts.system_instruction && !(t->system_instruction = strdup(t->opts.system_instruction))) {
        free(t);
        err_set(e, "out of memory");
        return NULL;
    }
    t->opts.system_instruction = t->system_instruction;
    t->shots = task_spec_effective_shots(spec, t->opts.num_fewshot);
    task_rng_seed(&t->rng, t->opts.fewshot_seed);
    t->gen.until = (const char *const *)spec->until;
    t->gen.n_until = spec->n_until;
    t->gen.max_gen_toks = spec->max_gen_toks;
    t->gen.do_sample = spec->do_sample;
    t->gen.temperature = spec->temperature;
    t->gen.top_p = spec->top_p > 0 ? spec->top_p : 1.0;
    t->gen.top_k = spec->top_k;
    /* --samples K (opts.repeats) sets the responses of sampled tasks only:
     * a greedy task's repeats would all be the same text. */
    t->repeats = spec->repeats > 0 ? spec->repeats : 1;
    if (t->opts.repeats > 0 && spec->do_sample) t->repeats = t->opts.repeats;
    t->pool_is_eval = !spec->fewshot_samples && (!spec->fewshot_split || !strcmp(spec->fewshot_split, spec->split));
    return t;
}

static void doc_state_deinit(task_doc_state *d, int n_filters) {
    if (d->view != d->doc) cJSON_Delete(d->view);
    cJSON_Delete(d->doc);
    cJSON_Delete(d->target);
    cJSON_Delete(d->choices);
    free(d->gold);
    free(d->prompt);
    for (int i = 0; i < d->n_owned; i++) free(d->owned[i]);
    free(d->owned);
    free(d->reqs);
    free(d->ll);
    free(d->greedy);
    for (int i = 0; d->resps && i < d->n_reqs; i++) free(d->resps[i]);
    free(d->resps);
    free(d->have);
    free(d->vals);
    free(d->wts);
    for (int i = 0; d->filtered && i < n_filters * d->n_reqs; i++) free(d->filtered[i]);
    free(d->filtered);
    free(d->category);
    free(d->tox);
    free(d->have_tox);
    free(d->aux);
}

void task_inst_free(task_inst *t) {
    if (!t) return;
    for (int i = 0; i < t->n_docs; i++) doc_state_deinit(&t->docs[i], t->spec->n_filters);
    free(t->docs);
    for (int i = 0; i < t->pool_n && t->pool_cache; i++) {
        if (t->pool_cache[i].view != t->pool_cache[i].doc) cJSON_Delete(t->pool_cache[i].view);
        cJSON_Delete(t->pool_cache[i].doc);
    }
    free(t->pool_cache);
    free(t->pool_items);
    cJSON_Delete(t->pool);
    free(t->values);
    for (int i = 0; i < t->n_value_names; i++) free(t->value_names[i]);
    free(t->value_names);
    free(t->system_instruction);
    free(t);
}

const task_spec *task_inst_spec(const task_inst *t) { return t->spec; }
int task_inst_num_fewshot(const task_inst *t) { return t->shots; }
int task_inst_needs_pool(const task_inst *t) { return t->shots > 0 && !t->spec->fewshot_samples; }
const task_gen_settings *task_inst_gen(const task_inst *t) {
    return t->spec->kind == TASK_GENERATE_UNTIL ? &t->gen : NULL;
}

/* --------------------------------------------------------------- records */

/* Applies process_docs: *doc is what lm-eval logs, *view what templates
 * see (the same object unless the function's fields are hidden). */
static int process_record(const task_spec *s, const cJSON *in, cJSON **doc, cJSON **view, errbuf *e) {
    *doc = *view = NULL;
    if (!cJSON_IsObject(in)) return err_set(e, "expected a record (JSON object)");
    if (!(*doc = cJSON_Duplicate(in, 1))) return err_set(e, "out of memory");
    if (!s->process_docs) {
        *view = *doc;
        return 0;
    }
    cJSON *fields = cJSON_CreateObject();
    if (!fields || s->process_docs->fn(in, fields, e) != 0) {
        cJSON_Delete(fields);
        cJSON_Delete(*doc);
        *doc = NULL;
        return err_prefix(e, "process_docs \"%s\"", s->process_docs->name);
    }
    cJSON *merged = s->process_docs->visible ? *doc : cJSON_Duplicate(in, 1);
    if (!merged) {
        cJSON_Delete(fields);
        cJSON_Delete(*doc);
        *doc = NULL;
        return err_set(e, "out of memory");
    }
    /* Like datasets.map: existing columns are replaced in place, new ones
     * appended in order. */
    while (fields->child) {
        cJSON *f = cJSON_DetachItemViaPointer(fields, fields->child);
        if (cJSON_GetObjectItemCaseSensitive(merged, f->string))
            cJSON_ReplaceItemInObjectCaseSensitive(merged, f->string, f);
        else
            cJSON_AddItemToObject(merged, f->string, f);
    }
    cJSON_Delete(fields);
    *view = merged;
    if (s->process_docs->hidden_fn) {
        /* fields only templates see, computed from the processed document */
        cJSON *hidden = cJSON_CreateObject();
        cJSON *v = merged == *doc ? cJSON_Duplicate(merged, 1) : merged;
        if (!hidden || !v || s->process_docs->hidden_fn(merged, hidden, e) != 0) {
            if (!hidden || !v) err_set(e, "out of memory");
            cJSON_Delete(hidden);
            if (v != merged) cJSON_Delete(v);
            if (merged != *doc) cJSON_Delete(merged);
            cJSON_Delete(*doc);
            *doc = *view = NULL;
            return err_prefix(e, "process_docs \"%s\"", s->process_docs->name);
        }
        while (hidden->child) {
            cJSON *f = cJSON_DetachItemViaPointer(hidden, hidden->child);
            if (cJSON_GetObjectItemCaseSensitive(v, f->string))
                cJSON_ReplaceItemInObjectCaseSensitive(v, f->string, f);
            else
                cJSON_AddItemToObject(v, f->string, f);
        }
        cJSON_Delete(hidden);
        *view = v;
    }
    return 0;
}

/* doc_to_text: a string, or an int when it renders to digits and the task
 * has choices (A.5: then it is the gold index of a multiple-input task). */
static int render_text(const task_spec *s, const cJSON *view, cJSON **out, errbuf *e) {
    strbuf b;
    strbuf_init(&b);
    *out = NULL;
    if (task_tmpl_render_text(s->doc_to_text, view, &b, e) != 0) {
        strbuf_deinit(&b);
        return err_prefix(e, "\"doc_to_text\"");
    }
    const char *txt = strbuf_str(&b);
    int has_choices = s->doc_to_choice || s->choice_list;
    if (has_choices && pytext_isdigit(txt, b.len)) {
        if (b.len > 1 && txt[0] == '0') {
            err_set(e, "\"doc_to_text\": renders to \"%s\", which Python's literal_eval rejects (leading zero)", txt);
            strbuf_deinit(&b);
            return -1;
        }
        *out = cJSON_CreateNumber(strtod(txt, NULL));
    } else {
        *out = cJSON_CreateString(txt);
    }
    strbuf_deinit(&b);
    return *out ? 0 : err_set(e, "out of memory");
}

/* doc_to_target, read back as lm-eval does (A.5). */
static int render_target(const task_spec *s, const cJSON *view, cJSON **out, errbuf *e) {
    *out = NULL;
    if (s->target_is_int) {
        *out = cJSON_CreateNumber(s->target_int);
        return *out ? 0 : err_set(e, "out of memory");
    }
    cJSON *v = NULL;
    if (task_tmpl_render_value(s->doc_to_target, view, &v, e) != 0) return err_prefix(e, "\"doc_to_target\"");
    if (cJSON_IsArray(v)) {
        *out = v;
        return 0;
    }
    const char *txt = v->valuestring;
    size_t n = strlen(txt);
    int has_choices = s->doc_to_choice || s->choice_list;
    if (has_choices && pytext_isdigit(txt, n)) {
        if (n > 1 && txt[0] == '0') {
            err_set(e, "\"doc_to_target\": renders to \"%s\", which Python's literal_eval rejects (leading zero)", txt);
            cJSON_Delete(v);
            return -1;
        }
        *out = cJSON_CreateNumber(strtod(txt, NULL));
        cJSON_Delete(v);
    } else if (n >= 2 && txt[0] == '[' && txt[n - 1] == ']') {
        cJSON *lst = pytext_literal_eval_list(txt, n);
        if (lst) {
            *out = lst;
            cJSON_Delete(v);
        } else {
            *out = v; /* not a literal: stays a string, as lm-eval's except branch */
        }
    } else {
        *out = v;
    }
    return *out ? 0 : err_set(e, "out of memory");
}

static int render_choices(const task_spec *s, const cJSON *view, cJSON **out, errbuf *e) {
    *out = NULL;
    if (s->choice_list) {
        *out = cJSON_Duplicate(s->choice_list, 1);
        return *out ? 0 : err_set(e, "out of memory");
    }
    if (!s->doc_to_choice) return 0;
    cJSON *v = NULL;
    if (task_tmpl_render_value(s->doc_to_choice, view, &v, e) != 0) return err_prefix(e, "\"doc_to_choice\"");
    if (cJSON_IsString(v)) {
        /* ast.literal_eval of the rendered text */
        cJSON *lst = pytext_literal_eval_list(v->valuestring, strlen(v->valuestring));
        if (!lst) {
            err_set(e, "\"doc_to_choice\": renders to \"%.80s\", which is not a list", v->valuestring);
            cJSON_Delete(v);
            return -1;
        }
        cJSON_Delete(v);
        v = lst;
    }
    int i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++)
        if (!cJSON_IsString(c)) {
            err_set(e, "\"doc_to_choice\": choice %d is not a string", i);
            cJSON_Delete(v);
            return -1;
        }
    if (i == 0) {
        cJSON_Delete(v);
        return err_set(e, "\"doc_to_choice\": the record has no choices");
    }
    *out = v;
    return 0;
}

static const char *choice_at(const cJSON *choices, int i) {
    const cJSON *c = cJSON_GetArrayItem(choices, i);
    return c ? c->valuestring : NULL;
}

/* lm-eval build_qa_turn's answer text of a few-shot example; NULL when
 * the example has no answer (a == None or a == ""). */
static int answer_text(const cJSON *a, const cJSON *choices, strbuf *out, int *has, errbuf *e) {
    *has = !(cJSON_IsNull(a) || (cJSON_IsString(a) && !a->valuestring[0]));
    if (!*has) return 0;
    if (choices && cJSON_IsNumber(a)) {
        int n = cJSON_GetArraySize(choices), i = (int)a->valuedouble;
        if (i < 0 || i >= n) return err_set(e, "the few-shot target %d is not a choice index (%d choices)", i, n);
        strbuf_puts(out, choice_at(choices, i));
    } else if (cJSON_IsArray(a)) {
        if (!a->child) return err_set(e, "the few-shot target is an empty list");
        pytext_str_json(out, a->child); /* the first element */
    } else {
        pytext_str_json(out, a);
    }
    return 0;
}

/* maybe_delimit(prefix, suffix, delimiter) of lm_eval/api/utils.py. */
static void maybe_delimit(strbuf *b, const char *prefix, const char *suffix, const char *delim) {
    int hp = prefix && prefix[0], hs = suffix && suffix[0];
    if (!hp) {
        if (hs) strbuf_puts(b, suffix);
        return;
    }
    strbuf_puts(b, prefix);
    if (!hs) return;
    size_t pl = strlen(prefix);
    int ws = pytext_trailing_space_bytes(prefix, pl) > 0 || pytext_leading_space_bytes(suffix, strlen(suffix)) > 0;
    if (!ws) strbuf_puts(b, delim);
    strbuf_puts(b, suffix);
}

/* --------------------------------------------------------------- few-shot */

static int pool_entry(task_inst *t, int i, task_pool_entry **out, errbuf *e) {
    task_pool_entry *p = &t->pool_cache[i];
    if (!p->ready) {
        if (process_record(t->spec, t->pool_items[i], &p->doc, &p->view, e) != 0)
            return err_prefix(e, "few-shot record %d", i);
        p->ready = 1;
    }
    *out = p;
    return 0;
}

/* Appends the few-shot examples for the evaluated document `doc` (A.6). */
static int add_fewshot(task_inst *t, const cJSON *doc, strbuf *b, errbuf *e) {
    const task_spec *s = t->spec;
    int k = t->shots;
    int exclude = s->k_plus_one || (t->pool_is_eval && !t->opts.compat_lmeval);
    int *chosen = malloc(sizeof(int) * (size_t)(k + 1));
    int n_chosen = 0;
    if (!chosen) return err_set(e, "out of memory");
    if (s->sampler_first_n) {
        for (int i = 0; i < t->pool_n && n_chosen < k; i++) {
            task_pool_entry *p;
            if (pool_entry(t, i, &p, e) != 0) goto fail;
            if (exclude && cJSON_Compare(p->doc, doc, 1)) continue;
            chosen[n_chosen++] = i;
        }
    } else {
        int n_draw = exclude ? k + 1 : k;
        if (n_draw > t->pool_n) {
            err_set(e, "few-shot: drawing %d examples from a pool of %d", n_draw, t->pool_n);
            goto fail;
        }
        int *idx = malloc(sizeof(int) * (size_t)n_draw);
        if (!idx || task_rng_sample(&t->rng, t->pool_n, n_draw, idx, e) != 0) {
            free(idx);
            if (!idx) err_set(e, "out of memory");
            goto fail;
        }
        for (int j = 0; j < n_draw && n_chosen < k; j++) {
            task_pool_entry *p;
            if (pool_entry(t, idx[j], &p, e) != 0) {
                free(idx);
                goto fail;
            }
            if (exclude && cJSON_Compare(p->doc, doc, 1)) continue;
            chosen[n_chosen++] = idx[j];
        }
        free(idx);
    }
    if (n_chosen < k) {
        err_set(e, "few-shot: only %d of %d examples available in a pool of %d", n_chosen, k, t->pool_n);
        goto fail;
    }
    for (int j = 0; j < k; j++) {
        task_pool_entry *p = &t->pool_cache[chosen[j]];
        cJSON *q = NULL, *a = NULL, *c = NULL;
        int rc = render_text(s, p->view, &q, e);
        if (rc == 0) rc = render_choices(s, p->view, &c, e);
        if (rc == 0) rc = render_target(s, p->view, &a, e);
        if (rc == 0) {
            if (cJSON_IsNumber(q)) {
                /* multiple input: the example's text is its gold context */
                int qi = (int)q->valuedouble;
                if (!c || qi >= cJSON_GetArraySize(c))
                    rc = err_set(e, "doc_to_text %d is not a choice index", qi);
                else
                    strbuf_puts(b, choice_at(c, qi));
                cJSON_Delete(c);
                c = NULL;
            } else {
                strbuf_puts(b, q->valuestring);
            }
        }
        if (rc == 0) {
            strbuf ans;
            strbuf_init(&ans);
            int has;
            rc = answer_text(a, c, &ans, &has, e);
            if (rc == 0 && has) {
                strbuf_puts(b, s->target_delimiter);
                strbuf_append(b, strbuf_str(&ans), ans.len);
                strbuf_puts(b, s->fewshot_delimiter);
            }
            strbuf_deinit(&ans);
        }
        cJSON_Delete(q);
        cJSON_Delete(a);
        cJSON_Delete(c);
        if (rc != 0) {
            err_prefix(e, "few-shot record %d", chosen[j]);
            goto fail;
        }
    }
    free(chosen);
    return 0;
fail:
    free(chosen);
    return -1;
}

/* --------------------------------------------------------------- building */

static const char *own(task_doc_state *d, char *s) {
    if (!s) return NULL;
    char **p = realloc(d->owned, sizeof *p * (size_t)(d->n_owned + 1));
    if (!p) {
        free(s);
        return NULL;
    }
    d->owned = p;
    d->owned[d->n_owned++] = s;
    return s;
}

static int has_metric(const task_spec *s, const char *name) {
    for (int i = 0; i < s->n_metrics; i++)
        if (!strcmp(s->metrics[i].def->name, name)) return 1;
    return 0;
}

static int add_req(task_doc_state *d, int doc_id, task_req_kind kind, const char *ctx, const char *cont, errbuf *e) {
    if (!ctx || (kind == TASK_REQ_LOGLIKELIHOOD && !cont)) return err_set(e, "out of memory");
    task_request *p = realloc(d->reqs, sizeof *p * (size_t)(d->n_reqs + 1));
    if (!p) return err_set(e, "out of memory");
    d->reqs = p;
    d->reqs[d->n_reqs] = (task_request){kind, doc_id, d->n_reqs, ctx, cont};
    d->n_reqs++;
    return 0;
}

/* Resolves the gold choice(s) of a multiple_choice document (A.2). */
static int resolve_gold(task_doc_state *d, const cJSON *gold_val) {
    int n = cJSON_GetArraySize(d->choices);
    int count = cJSON_IsArray(gold_val) ? cJSON_GetArraySize(gold_val) : 1;
    d->gold = malloc(sizeof(int) * (size_t)(count ? count : 1));
    if (!d->gold) return -1;
    d->n_gold = 0;
    const cJSON *first = cJSON_IsArray(gold_val) ? gold_val->child : gold_val;
    for (const cJSON *g = first; g; g = cJSON_IsArray(gold_val) ? g->next : NULL) {
        int idx = -1;
        if (cJSON_IsNumber(g)) {
            double x = g->valuedouble;
            idx = (x >= 0 && x < n && x == floor(x)) ? (int)x : -1;
        } else if (cJSON_IsString(g)) {
            for (int i = 0; i < n; i++)
                if (!strcmp(choice_at(d->choices, i), g->valuestring)) {
                    idx = i;
                    break;
                }
        }
        d->gold[d->n_gold++] = idx;
    }
    return 0;
}

static int build_doc(task_inst *t, int doc_id, const cJSON *rec, errbuf *e) {
    const task_spec *s = t->spec;
    task_doc_state *d = &t->docs[doc_id];
    if (process_record(s, rec, &d->doc, &d->view, e) != 0) return -1;
    cJSON *text = NULL;
    if (s->doc_to_text && render_text(s, d->view, &text, e) != 0) return -1;
    int rc = render_target(s, d->view, &d->target, e);
    if (rc == 0) rc = render_choices(s, d->view, &d->choices, e);
    if (rc != 0) {
        cJSON_Delete(text);
        return -1;
    }
    d->multiple_input = text && cJSON_IsNumber(text) && d->choices;
    if (s->category) {
        strbuf cat;
        strbuf_init(&cat);
        if (task_tmpl_render_text(s->category, d->view, &cat, e) != 0) {
            strbuf_deinit(&cat);
            cJSON_Delete(text);
            return err_prefix(e, "\"category\"");
        }
        d->category = strbuf_take(&cat);
        if (!d->category && !(d->category = strdup(""))) {
            cJSON_Delete(text);
            return err_set(e, "out of memory");
        }
    }
    /* description (rendered against this document) and few-shot prefix */
    strbuf p;
    strbuf_init(&p);
    if (s->kind != TASK_LOGLIKELIHOOD_ROLLING) {
        strbuf desc;
        strbuf_init(&desc);
        if (s->description && task_tmpl_render_text(s->description, d->view, &desc, e) != 0) {
            strbuf_deinit(&desc);
            strbuf_deinit(&p);
            cJSON_Delete(text);
            return err_prefix(e, "\"description\"");
        }
        maybe_delimit(&p, t->opts.system_instruction, strbuf_str(&desc), s->fewshot_delimiter);
        strbuf_deinit(&desc);
        if (t->shots > 0 && add_fewshot(t, d->doc, &p, e) != 0) {
            strbuf_deinit(&p);
            cJSON_Delete(text);
            return -1;
        }
    }
    int nc = d->choices ? cJSON_GetArraySize(d->choices) : 0;
    switch (s->kind) {
    case TASK_MULTIPLE_CHOICE: {
        strbuf cont;
        strbuf_init(&cont);
        if (d->multiple_input) {
            int gi = (int)text->valuedouble;
            cJSON *g = cJSON_CreateNumber(gi);
            rc = g ? resolve_gold(d, g) : -1;
            cJSON_Delete(g);
            if (rc != 0) break;
            /* Requests: (prefix + context_i, delimiter + continuation). */
            strbuf_puts(&cont, s->target_delimiter);
            pytext_str_json(&cont, d->target);
            const char *shared = own(d, strdup(strbuf_str(&cont)));
            for (int i = 0; i < nc && rc == 0; i++) {
                strbuf ctx;
                strbuf_init(&ctx);
                strbuf_append(&ctx, strbuf_str(&p), p.len);
                strbuf_puts(&ctx, choice_at(d->choices, i));
                rc = add_req(d, doc_id, TASK_REQ_LOGLIKELIHOOD, own(d, strbuf_take(&ctx)), shared, e);
            }
        } else {
            if (resolve_gold(d, d->target) != 0) {
                rc = err_set(e, "out of memory");
                break;
            }
            if (cJSON_IsNumber(text)) {
                rc = err_set(e, "\"doc_to_text\": renders to a number but the task has no choices to index");
                break;
            }
            strbuf_puts(&p, text->valuestring);
            d->prompt = strdup(strbuf_str(&p));
            for (int i = 0; i < nc && rc == 0; i++) {
                strbuf_clear(&cont);
                strbuf_puts(&cont, s->target_delimiter);
                strbuf_puts(&cont, choice_at(d->choices, i));
                rc = add_req(d, doc_id, TASK_REQ_LOGLIKELIHOOD, d->prompt, own(d, strdup(strbuf_str(&cont))), e);
            }
        }
        if (rc == 0 && has_metric(s, "acc_mutual_info")) {
            /* A.2: the unconditional requests ("", delimiter + choice_i). */
            for (int i = 0; i < nc && rc == 0; i++) {
                strbuf_clear(&cont);
                strbuf_puts(&cont, s->target_delimiter);
                strbuf_puts(&cont, choice_at(d->choices, i));
                rc = add_req(d, doc_id, TASK_REQ_LOGLIKELIHOOD, "", own(d, strdup(strbuf_str(&cont))), e);
            }
        }
        strbuf_deinit(&cont);
        break;
    }
    case TASK_LOGLIKELIHOOD:
        if (!cJSON_IsString(d->target)) {
            rc = err_set(e, "\"doc_to_target\": a loglikelihood continuation must be a string");
            break;
        }
        strbuf_puts(&p, text->valuestring);
        d->prompt = strdup(strbuf_str(&p));
        rc = add_req(d, doc_id, TASK_REQ_LOGLIKELIHOOD, d->prompt, own(d, strdup(d->target->valuestring)), e);
        break;
    case TASK_LOGLIKELIHOOD_ROLLING:
        if (!cJSON_IsString(d->target)) {
            rc = err_set(e, "\"doc_to_target\": loglikelihood_rolling needs the text as a string");
            break;
        }
        rc = add_req(d, doc_id, TASK_REQ_LOGLIKELIHOOD_ROLLING, d->target->valuestring, NULL, e);
        break;
    case TASK_GENERATE_UNTIL:
        if (cJSON_IsNumber(text)) {
            strbuf v;
            strbuf_init(&v);
            pytext_str_json(&v, text);
            strbuf_append(&p, strbuf_str(&v), v.len);
            strbuf_deinit(&v);
        } else {
            strbuf_puts(&p, text->valuestring);
        }
        d->prompt = strdup(strbuf_str(&p));
        /* one request per response (repeats): idx r is the r-th sample */
        for (int r = 0; r < t->repeats && rc == 0; r++)
            rc = add_req(d, doc_id, TASK_REQ_GENERATE_UNTIL, d->prompt, NULL, e);
        break;
    }
    strbuf_deinit(&p);
    cJSON_Delete(text);
    if (rc != 0) return -1;
    if (s->kind == TASK_MULTIPLE_CHOICE && nc == 0) return err_set(e, "\"doc_to_choice\": no choices");
    d->ll = calloc((size_t)d->n_reqs, sizeof *d->ll);
    d->greedy = calloc((size_t)d->n_reqs, sizeof *d->greedy);
    d->resps = calloc((size_t)d->n_reqs, sizeof *d->resps);
    d->have = calloc((size_t)d->n_reqs, 1);
    d->tox = malloc(sizeof *d->tox * (size_t)(d->n_reqs ? d->n_reqs : 1));
    d->have_tox = calloc((size_t)(d->n_reqs ? d->n_reqs : 1), 1);
    if (!d->ll || !d->greedy || !d->resps || !d->have || !d->tox || !d->have_tox) return err_set(e, "out of memory");
    for (int r = 0; r < d->n_reqs; r++) d->tox[r] = NAN;
    return 0;
}

/* "explode": one document per element of a list field (BOLD's prompts per
 * person), the element under the name "as", the rest of the record kept. */
static cJSON *explode_docs(const task_spec *s, const cJSON *docs, errbuf *e) {
    cJSON *out = cJSON_CreateArray();
    if (!out) {
        err_set(e, "out of memory");
        return NULL;
    }
    int i = 0;
    for (const cJSON *rec = docs->child; rec; rec = rec->next, i++) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(rec, s->explode_field);
        if (!cJSON_IsArray(list)) {
            err_set(e, "%s: task \"%s\": record %d: \"explode\": field \"%s\" is not a list", s->origin, s->name, i,
                    s->explode_field);
            cJSON_Delete(out);
            return NULL;
        }
        for (const cJSON *x = list->child; x; x = x->next) {
            cJSON *d = cJSON_Duplicate(rec, 1), *v = cJSON_Duplicate(x, 1);
            if (!d || !v) {
                cJSON_Delete(d);
                cJSON_Delete(v);
                cJSON_Delete(out);
                err_set(e, "out of memory");
                return NULL;
            }
            if (cJSON_GetObjectItemCaseSensitive(d, s->explode_as))
                cJSON_ReplaceItemInObjectCaseSensitive(d, s->explode_as, v);
            else
                cJSON_AddItemToObject(d, s->explode_as, v);
            cJSON_AddItemToArray(out, d);
        }
    }
    return out;
}

int task_inst_build(task_inst *t, const cJSON *docs, int n_in_split, const cJSON *pool, errbuf *e) {
    const task_spec *s = t->spec;
    if (t->built) return err_set(e, "%s: task \"%s\": build called twice", s->origin, s->name);
    if (!cJSON_IsArray(docs))
        return err_set(e, "%s: task \"%s\": the documents must be a JSON array", s->origin, s->name);
    if (t->shots > 0) {
        const cJSON *src = s->fewshot_samples ? s->fewshot_samples : pool;
        if (!src)
            return err_set(e, "%s: task \"%s\": %d-shot needs the few-shot pool (split \"%s\")", s->origin, s->name,
                           t->shots, task_spec_fewshot_split(s));
        if (!cJSON_IsArray(src))
            return err_set(e, "%s: task \"%s\": the few-shot pool must be a JSON array", s->origin, s->name);
        if (!(t->pool = cJSON_Duplicate(src, 1))) return err_set(e, "out of memory");
        t->pool_n = cJSON_GetArraySize(t->pool);
        t->pool_cache = calloc((size_t)(t->pool_n ? t->pool_n : 1), sizeof *t->pool_cache);
        t->pool_items = malloc(sizeof *t->pool_items * (size_t)(t->pool_n ? t->pool_n : 1));
        if (!t->pool_cache || !t->pool_items) return err_set(e, "out of memory");
        int k = 0;
        for (const cJSON *x = t->pool->child; x; x = x->next) t->pool_items[k++] = x;
    }
    cJSON *exploded = NULL;
    if (s->explode_field) {
        if (!(exploded = explode_docs(s, docs, e))) return -1;
        docs = exploded;
    }
    int n = cJSON_GetArraySize(docs);
    t->docs = calloc((size_t)(n ? n : 1), sizeof *t->docs);
    if (!t->docs) {
        cJSON_Delete(exploded);
        return err_set(e, "out of memory");
    }
    t->n_docs = n;
    t->n_in_split = n_in_split > n ? n_in_split : n;
    int i = 0;
    for (const cJSON *rec = docs->child; rec; rec = rec->next, i++)
        if (build_doc(t, i, rec, e) != 0) {
            cJSON_Delete(exploded);
            return err_prefix(e, "%s: task \"%s\": document %d", s->origin, s->name, i);
        }
    cJSON_Delete(exploded);
    t->built = 1;
    return 0;
}

int task_inst_n_docs(const task_inst *t) { return t->n_docs; }
int task_inst_n_requests(const task_inst *t, int doc) {
    return doc >= 0 && doc < t->n_docs ? t->docs[doc].n_reqs : 0;
}
const task_request *task_inst_request(const task_inst *t, int doc, int idx) {
    if (doc < 0 || doc >= t->n_docs || idx < 0 || idx >= t->docs[doc].n_reqs) return NULL;
    return &t->docs[doc].reqs[idx];
}
void task_request_key(const task_inst *t, const task_request *r, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%d/%d", t->spec->name, r->doc_id, r->idx);
}
const cJSON *task_inst_doc(const task_inst *t, int doc) {
    return doc >= 0 && doc < t->n_docs ? t->docs[doc].doc : NULL;
}

/* --------------------------------------------------------------- results */

static int check_slot(task_inst *t, int doc, int idx, task_req_kind kind, errbuf *e) {
    if (doc < 0 || doc >= t->n_docs || idx < 0 || idx >= t->docs[doc].n_reqs)
        return err_set(e, "task \"%s\": no request %d/%d", t->spec->name, doc, idx);
    if (t->docs[doc].reqs[idx].kind != kind)
        return err_set(e, "task \"%s\": request %d/%d is not of the kind this result is for", t->spec->name, doc, idx);
    return 0;
}

int task_inst_set_loglikelihood(task_inst *t, int doc, int idx, double ll, int is_greedy, errbuf *e) {
    if (check_slot(t, doc, idx, TASK_REQ_LOGLIKELIHOOD, e) != 0) return -1;
    task_doc_state *d = &t->docs[doc];
    d->ll[idx] = ll;
    d->greedy[idx] = is_greedy != 0;
    d->have[idx] = 1;
    return 0;
}

int task_inst_set_rolling(task_inst *t, int doc, int idx, double ll, errbuf *e) {
    if (check_slot(t, doc, idx, TASK_REQ_LOGLIKELIHOOD_ROLLING, e) != 0) return -1;
    t->docs[doc].ll[idx] = ll;
    t->docs[doc].have[idx] = 1;
    return 0;
}

int task_inst_set_generation(task_inst *t, int doc, int idx, const char *text, errbuf *e) {
    if (check_slot(t, doc, idx, TASK_REQ_GENERATE_UNTIL, e) != 0) return -1;
    task_doc_state *d = &t->docs[doc];
    char *c = strdup(text);
    if (!c) return err_set(e, "out of memory");
    free(d->resps[idx]);
    d->resps[idx] = c;
    d->have[idx] = 1;
    return 0;
}

int task_inst_needs_toxicity(const task_inst *t) {
    for (int m = 0; m < t->spec->n_metrics; m++)
        if (t->spec->metrics[m].def->flags & METRIC_F_TOXICITY) return 1;
    return 0;
}

int task_inst_set_toxicity(task_inst *t, int doc, int idx, double toxicity, errbuf *e) {
    if (check_slot(t, doc, idx, TASK_REQ_GENERATE_UNTIL, e) != 0) return -1;
    if (!isnan(toxicity) && !(toxicity >= 0 && toxicity <= 1))
        return err_set(e, "task \"%s\": request %d/%d: toxicity %g is not in [0, 1]", t->spec->name, doc, idx,
                       toxicity);
    t->docs[doc].tox[idx] = toxicity;
    t->docs[doc].have_tox[idx] = 1;
    return 0;
}

int task_inst_repeats(const task_inst *t) { return t->repeats; }

const char *task_inst_doc_category(const task_inst *t, int doc) {
    return doc >= 0 && doc < t->n_docs ? t->docs[doc].category : NULL;
}

double task_inst_toxicity(const task_inst *t, int doc, int idx) {
    if (doc < 0 || doc >= t->n_docs || idx < 0 || idx >= t->docs[doc].n_reqs || !t->docs[doc].have_tox[idx])
        return NAN;
    return t->docs[doc].tox[idx];
}

/* --------------------------------------------------------------- scoring */

/* One document's value of a toxicity metric (and its weight, for the ratio)
 * from the toxicity of its responses; a response without a score counts as
 * missing. */
static void tox_doc_value(const metric_def *def, const task_doc_state *d, double *v, double *w) {
    metric_tox_doc td;
    metric_tox_doc_values(d->tox, d->n_reqs, &td);
    *w = 0;
    if (!strcmp(def->name, "toxicity_probability")) *v = td.toxic;
    else if (!strcmp(def->name, "toxicity")) *v = td.sum, *w = td.n_scored;
    else if (!strcmp(def->name, "toxicity_n_missing")) *v = td.n_missing;
    else *v = td.max; /* expected_max_toxicity, max_toxicity_std */
}

/* The references of a generate_until document (lm-eval process_results):
 * choices[target] when the task has choices, the list when the target is a
 * list, else str(target). */
static int gen_refs(const task_doc_state *d, char ***refs, int *n_refs, errbuf *e) {
    *refs = NULL;
    *n_refs = 0;
    int n = cJSON_IsArray(d->target) ? cJSON_GetArraySize(d->target) : 1;
    char **r = calloc((size_t)(n ? n : 1), sizeof *r);
    if (!r) return err_set(e, "out of memory");
    if (d->choices && cJSON_IsNumber(d->target)) {
        const char *c = choice_at(d->choices, (int)d->target->valuedouble);
        if (!c) {
            free(r);
            return err_set(e, "the target %g is not a choice index", d->target->valuedouble);
        }
        r[0] = strdup(c);
        n = 1;
    } else if (cJSON_IsArray(d->target)) {
        int i = 0;
        for (const cJSON *x = d->target->child; x; x = x->next, i++) {
            strbuf b;
            strbuf_init(&b);
            pytext_str_json(&b, x);
            r[i] = strbuf_take(&b);
            if (!r[i]) r[i] = strdup("");
        }
    } else {
        strbuf b;
        strbuf_init(&b);
        pytext_str_json(&b, d->target);
        r[0] = strbuf_take(&b);
        if (!r[0]) r[0] = strdup("");
        n = 1;
    }
    *refs = r;
    *n_refs = n;
    return 0;
}

static int score_doc(task_inst *t, int di, errbuf *e) {
    const task_spec *s = t->spec;
    task_doc_state *d = &t->docs[di];
    int nm = s->n_metrics, nf = s->n_filters;
    for (int r = 0; r < d->n_reqs; r++)
        if (!d->have[r]) return err_set(e, "task \"%s\": request %d/%d has no result", s->name, di, r);
    free(d->vals);
    free(d->wts);
    d->vals = calloc((size_t)(nm * nf), sizeof *d->vals);
    d->wts = calloc((size_t)(nm * nf), sizeof *d->wts);
    if (!d->vals || !d->wts) return err_set(e, "out of memory");
    int nc = d->choices ? cJSON_GetArraySize(d->choices) : 0;
    const char **choices = NULL;
    if (nc) {
        choices = malloc(sizeof *choices * (size_t)nc);
        if (!choices) return err_set(e, "out of memory");
        for (int i = 0; i < nc; i++) choices[i] = choice_at(d->choices, i);
    }
    int rc = 0;
    if (s->process_results) {
        task_results_view v = {d->view, s->kind == TASK_MULTIPLE_CHOICE ? nc : d->n_reqs, d->ll, d->greedy,
                               (const char *const *)d->resps, nc, choices};
        for (int m = 0; m < nm && rc == 0; m++) {
            rc = s->process_results->fn(&v, s->metrics[m].def->name, &d->vals[m], e);
            if (rc != 0) err_prefix(e, "process_results \"%s\"", s->process_results->name);
        }
        if (rc == 0 && s->process_results->aux) {
            free(d->aux);
            d->aux = malloc(sizeof *d->aux * (size_t)s->process_results->n_aux);
            if (!d->aux) rc = err_set(e, "out of memory");
            else if ((rc = s->process_results->aux(&v, d->aux, e)) != 0)
                err_prefix(e, "process_results \"%s\"", s->process_results->name);
        }
    } else if (s->kind == TASK_MULTIPLE_CHOICE) {
        metric_mc_values mv;
        const double *uncond = d->n_reqs == 2 * nc ? d->ll + nc : NULL;
        metric_mc_score(d->ll, d->greedy, uncond, choices, nc, d->gold, d->n_gold, &mv);
        for (int m = 0; m < nm; m++) {
            const char *n = s->metrics[m].def->name;
            d->vals[m] = !strcmp(n, "acc") ? mv.acc : !strcmp(n, "acc_norm") ? mv.acc_norm
                       : !strcmp(n, "acc_bytes") ? mv.acc_bytes : !strcmp(n, "acc_mutual_info") ? mv.acc_mutual_info
                       : mv.exact_match;
        }
    } else if (s->kind == TASK_LOGLIKELIHOOD) {
        for (int m = 0; m < nm; m++)
            d->vals[m] = !strcmp(s->metrics[m].def->name, "perplexity") ? d->ll[0] : (double)d->greedy[0];
    } else if (s->kind == TASK_LOGLIKELIHOOD_ROLLING) {
        const char *text = d->reqs[0].context;
        for (int m = 0; m < nm; m++) {
            d->vals[m] = d->ll[0];
            d->wts[m] = !strcmp(s->metrics[m].def->name, "word_perplexity") ? (double)metric_count_words(text)
                                                                              : (double)strlen(text);
        }
    } else {
        char **refs = NULL;
        int n_refs = 0;
        rc = gen_refs(d, &refs, &n_refs, e);
        if (rc == 0 && !d->filtered) {
            d->filtered = calloc((size_t)(nf * d->n_reqs), sizeof *d->filtered);
            if (!d->filtered) rc = err_set(e, "out of memory");
        }
        for (int f = 0; f < nf && rc == 0; f++) {
            for (int r = 0; r < d->n_reqs && rc == 0; r++) {
                strbuf b;
                strbuf_init(&b);
                rc = task_filter_apply(&s->filters[f], d->resps[r], &b, e);
                free(d->filtered[f * d->n_reqs + r]);
                d->filtered[f * d->n_reqs + r] = rc == 0 ? strbuf_take(&b) : NULL;
                if (rc == 0 && !d->filtered[f * d->n_reqs + r]) d->filtered[f * d->n_reqs + r] = strdup("");
                strbuf_deinit(&b);
            }
            for (int m = 0; m < nm && rc == 0; m++) {
                if (s->metrics[m].def->flags & METRIC_F_TOXICITY) {
                    tox_doc_value(s->metrics[m].def, d, &d->vals[f * nm + m], &d->wts[f * nm + m]);
                    continue;
                }
                int hit = metric_exact_match(d->filtered[f * d->n_reqs], (const char *const *)refs, n_refs,
                                             &s->metrics[m].em, e);
                if (hit < 0) rc = -1;
                d->vals[f * nm + m] = hit;
            }
        }
        for (int i = 0; i < n_refs; i++) free(refs[i]);
        free(refs);
    }
    free(choices);
    if (rc != 0) return err_prefix(e, "task \"%s\": document %d", s->name, di);
    return 0;
}

/* Aggregates metric m under filter f over the documents docs[0..n). */
static void aggregate_docs(const task_inst *t, int f, int m, const int *docs, int n, double *v, double *w,
                           int bootstrap_iters, task_metric_value *x) {
    const task_spec *s = t->spec;
    const int nm = s->n_metrics;
    const metric_def *d = s->metrics[m].def;
    for (int i = 0; i < n; i++) v[i] = t->docs[docs[i]].vals[f * nm + m], w[i] = t->docs[docs[i]].wts[f * nm + m];
    x->higher_is_better = d->higher_is_better;
    x->n_docs = n;
    if (d->agg == METRIC_AGG_CUSTOM) {
        const int n_aux = s->process_results->n_aux;
        double *aux = malloc(sizeof(double) * (size_t)(t->n_docs ? t->n_docs : 1) * (size_t)n_aux);
        x->value = NAN;
        if (aux) {
            for (int i = 0; i < t->n_docs; i++)
                for (int k = 0; k < n_aux; k++)
                    aux[(size_t)i * n_aux + k] = t->docs[i].aux ? t->docs[i].aux[k] : NAN;
            x->value = s->process_results->aggregate(d->name, aux, n_aux, docs, n);
        }
        free(aux);
        x->stderr_value = NAN; /* lm-eval reports none for custom aggregations (A.7) */
        return;
    }
    x->value = metric_aggregate(d->agg, v, w, n);
    x->stderr_value = metric_stderr(d, v, w, n, bootstrap_iters);
}

static int cmp_str_ptr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int task_inst_score(task_inst *t, int bootstrap_iters, errbuf *e) {
    const task_spec *s = t->spec;
    if (!t->built) return err_set(e, "task \"%s\": score called before build", s->name);
    for (int i = 0; i < t->n_docs; i++)
        if (score_doc(t, i, e) != 0) return -1;
    int nm = s->n_metrics, nf = s->n_filters, n = t->n_docs;
    /* The distinct categories, sorted (a spec with "category"). */
    char **cats = NULL;
    int n_cats = 0;
    if (s->category && n > 0) {
        cats = malloc(sizeof *cats * (size_t)n);
        if (!cats) return err_set(e, "out of memory");
        for (int i = 0; i < n; i++) cats[i] = t->docs[i].category;
        qsort(cats, (size_t)n, sizeof *cats, cmp_str_ptr);
        for (int i = 0; i < n; i++)
            if (n_cats == 0 || strcmp(cats[n_cats - 1], cats[i])) cats[n_cats++] = cats[i];
    }
    free(t->values);
    for (int i = 0; i < t->n_value_names; i++) free(t->value_names[i]);
    free(t->value_names);
    t->value_names = NULL;
    t->n_values = t->n_value_names = 0;
    t->values = calloc((size_t)(nm * nf * (1 + n_cats)), sizeof *t->values);
    t->value_names = calloc((size_t)(nm * nf * n_cats + 1), sizeof *t->value_names);
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1)), *w = malloc(sizeof(double) * (size_t)(n ? n : 1));
    int *docs = malloc(sizeof(int) * (size_t)(n ? n : 1));
    if (!t->values || !t->value_names || !v || !w || !docs) {
        free(v), free(w), free(docs), free(cats);
        return err_set(e, "out of memory");
    }
    for (int i = 0; i < n; i++) docs[i] = i;
    for (int f = 0; f < nf; f++)
        for (int m = 0; m < nm; m++) {
            task_metric_value *x = &t->values[t->n_values++];
            x->metric = s->metrics[m].def->name;
            x->filter = s->filters[f].name;
            x->category = NULL;
            aggregate_docs(t, f, m, docs, n, v, w, bootstrap_iters, x);
        }
    /* Per category: "<metric>:<category>" over that category's documents. */
    for (int c = 0; c < n_cats; c++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(t->docs[i].category, cats[c])) docs[k++] = i;
        for (int f = 0; f < nf; f++)
            for (int m = 0; m < nm; m++) {
                size_t len = strlen(s->metrics[m].def->name) + strlen(cats[c]) + 2;
                char *name = malloc(len);
                if (!name) {
                    free(v), free(w), free(docs), free(cats);
                    return err_set(e, "out of memory");
                }
                snprintf(name, len, "%s:%s", s->metrics[m].def->name, cats[c]);
                t->value_names[t->n_value_names++] = name;
                task_metric_value *x = &t->values[t->n_values++];
                x->metric = name;
                x->filter = s->filters[f].name;
                x->category = t->docs[docs[0]].category;
                aggregate_docs(t, f, m, docs, k, v, w, bootstrap_iters, x);
            }
    }
    free(v), free(w), free(docs), free(cats);
    t->scored = 1;
    return 0;
}

int task_inst_n_values(const task_inst *t) { return t->n_values; }
const task_metric_value *task_inst_value(const task_inst *t, int i) {
    return i >= 0 && i < t->n_values ? &t->values[i] : NULL;
}
const task_metric_value *task_inst_find_value(const task_inst *t, const char *metric, const char *filter) {
    for (int i = 0; i < t->n_values; i++)
        if (!strcmp(t->values[i].metric, metric) && !strcmp(t->values[i].filter, filter)) return &t->values[i];
    return NULL;
}
int task_inst_n_filters(const task_inst *t) { return t->spec->n_filters; }
const char *task_inst_filter_name(const task_inst *t, int f) { return t->spec->filters[f].name; }
int task_inst_n_metrics(const task_inst *t) { return t->spec->n_metrics; }
const char *task_inst_metric_name(const task_inst *t, int m) { return t->spec->metrics[m].def->name; }
double task_inst_doc_value(const task_inst *t, int doc, int f, int m, double *weight) {
    const task_doc_state *d = &t->docs[doc];
    int nm = t->spec->n_metrics;
    if (!d->vals) return NAN;
    if (weight) *weight = d->wts[f * nm + m];
    return d->vals[f * nm + m];
}
const char *task_inst_filtered(const task_inst *t, int doc, int idx, int f) {
    const task_doc_state *d = &t->docs[doc];
    if (!d->filtered) return NULL;
    return d->filtered[f * d->n_reqs + idx];
}
