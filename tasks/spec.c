/* tasks/spec.c: loading and validating task specs, groups and suites. */
#include "tasks/spec.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "tasks/builtin.h"
#include "tasks/spec_impl.h"

#define SPEC_MAX_BYTES (16u << 20) /* a spec file larger than this is not a spec */

typedef struct task_suite {
    char *origin, *name, *description;
    task_suite_entry *entries;
    int n_entries;
} task_suite;

struct task_set {
    task_spec **tasks;
    int n_tasks, cap_tasks;
    task_group **groups;
    int n_groups, cap_groups;
    task_suite *suites;
    int n_suites, cap_suites;
};

/* ------------------------------------------------------------ freeing */

static void spec_free(task_spec *t) {
    if (!t) return;
    free(t->origin), free(t->name), free(t->alias);
    cJSON_Delete(t->json);
    free(t->dataset), free(t->config), free(t->split), free(t->fewshot_split);
    cJSON_Delete(t->fewshot_samples);
    task_tmpl_free(t->description);
    task_tmpl_free(t->doc_to_text);
    task_tmpl_free(t->doc_to_target);
    task_tmpl_free(t->doc_to_choice);
    cJSON_Delete(t->choice_list);
    free(t->target_delimiter), free(t->fewshot_delimiter);
    cJSON_Delete(t->gen_kwargs);
    task_tmpl_free(t->category);
    free(t->explode_field), free(t->explode_as);
    for (int i = 0; i < t->n_until; i++) free(t->until[i]);
    free(t->until);
    for (int i = 0; i < t->n_filters; i++) task_filter_deinit(&t->filters[i]);
    free(t->filters);
    for (int i = 0; i < t->n_metrics; i++) {
        for (int j = 0; j < t->metrics[i].em.n_regexes; j++) task_regex_free(t->metrics[i].regexes[j]);
        free(t->metrics[i].regexes);
    }
    free(t->metrics);
    free(t);
}

static void group_free(task_group *g) {
    if (!g) return;
    free(g->origin), free(g->name), free(g->alias);
    for (int i = 0; i < g->n_members; i++) free(g->members[i]);
    free(g->members);
    for (int i = 0; i < g->n_metrics; i++) free(g->metrics[i].metric);
    free(g->metrics);
    free(g);
}

static void suite_deinit(task_suite *s) {
    free(s->origin), free(s->name), free(s->description);
    for (int i = 0; i < s->n_entries; i++) free((char *)s->entries[i].name);
    free(s->entries);
}

task_set *task_set_create(errbuf *e) {
    task_set *s = calloc(1, sizeof *s);
    if (!s) err_set(e, "out of memory");
    return s;
}

void task_set_free(task_set *s) {
    if (!s) return;
    for (int i = 0; i < s->n_tasks; i++) spec_free(s->tasks[i]);
    free(s->tasks);
    for (int i = 0; i < s->n_groups; i++) group_free(s->groups[i]);
    free(s->groups);
    for (int i = 0; i < s->n_suites; i++) suite_deinit(&s->suites[i]);
    free(s->suites);
    free(s);
}

/* ------------------------------------------------------- field helpers */

/* Where an error happened: "<file>: " or "<file>: task \"x\": ". */
typedef struct ctx {
    char where[256];
    errbuf *e;
} ctx;

static int cerr(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cerr(ctx *c, const char *fmt, ...) {
    char msg[ERRBUF_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(c->e, "%s: %s", c->where, msg);
}

static const char *suggest(const char *name, const char *const *known) {
    const char *best = NULL;
    int bd = 4;
    for (int i = 0; known[i]; i++) {
        int d = metric_edit_distance(name, known[i]);
        if (d < bd) bd = d, best = known[i];
    }
    return best;
}

static int check_fields(ctx *c, const cJSON *obj, const char *path, const char *const *known) {
    for (const cJSON *f = obj->child; f; f = f->next) {
        int ok = 0;
        for (int i = 0; known[i]; i++) ok |= !strcmp(f->string, known[i]);
        if (ok) continue;
        const char *best = suggest(f->string, known);
        strbuf b;
        strbuf_init(&b);
        for (int i = 0; known[i]; i++) strbuf_printf(&b, "%s%s", i ? ", " : "", known[i]);
        if (best)
            cerr(c, "%s\"%s\": unknown field (did you mean \"%s\"? known: %s)", path, f->string, best, strbuf_str(&b));
        else
            cerr(c, "%s\"%s\": unknown field (known: %s)", path, f->string, strbuf_str(&b));
        strbuf_deinit(&b);
        return -1;
    }
    return 0;
}

static const char *json_type(const cJSON *v) {
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsArray(v)) return "an array";
    if (cJSON_IsObject(v)) return "an object";
    return "null";
}

/* Optional string field: 0 ok (out stays NULL when absent), -1 error. */
static int get_str(ctx *c, const cJSON *obj, const char *key, int required, char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || (cJSON_IsNull(v) && !required)) {
        if (required) return cerr(c, "\"%s\": required field is missing", key);
        return 0;
    }
    if (!cJSON_IsString(v)) return cerr(c, "\"%s\": expected a string, got %s", key, json_type(v));
    if (!(*out = strdup(v->valuestring))) return cerr(c, "out of memory");
    return 0;
}

static int get_int(ctx *c, const cJSON *obj, const char *key, int dflt, int min, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (!v) return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e9)
        return cerr(c, "\"%s\": expected an integer, got %s", key, cJSON_IsNumber(v) ? "a fraction" : json_type(v));
    if (v->valuedouble < min) return cerr(c, "\"%s\": expected an integer >= %d, got %g", key, min, v->valuedouble);
    *out = (int)v->valuedouble;
    return 0;
}

static int get_bool(ctx *c, const cJSON *obj, const char *key, int dflt, int *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (!v) return 0;
    if (!cJSON_IsBool(v)) return cerr(c, "\"%s\": expected true or false, got %s", key, json_type(v));
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_tmpl(ctx *c, const cJSON *obj, const char *key, task_tmpl **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v) return 0;
    if (!cJSON_IsString(v)) return cerr(c, "\"%s\": expected a template string, got %s", key, json_type(v));
    errbuf te;
    if (!(*out = task_tmpl_parse(v->valuestring, &te))) return cerr(c, "\"%s\": %s", key, te.msg);
    return 0;
}

/* ------------------------------------------------------- task specs */

static const char *const task_fields[] = {
    "task", "alias", "version", "notes", "dataset", "config", "split", "fewshot_split", "fewshot_samples",
    "fewshot_k_plus_one", "sampler", "num_fewshot", "num_fewshot_fixed", "request", "description", "doc_to_text",
    "doc_to_target", "doc_to_choice", "target_delimiter", "fewshot_delimiter", "process_docs", "process_results",
    "generation_kwargs", "repeats", "filters", "metrics", "expand", "groups", "category", "explode", NULL};

static const char *const gen_fields[] = {"until", "max_gen_toks", "do_sample", "temperature", "top_p", "top_k", NULL};
static const char *const metric_fields[] = {"metric", "ignore_case", "ignore_punctuation", "regexes_to_ignore", NULL};

static int parse_metric(ctx *c, task_spec *t, const cJSON *m, int i, task_metric_cfg *out) {
    memset(out, 0, sizeof *out);
    const cJSON *name = m;
    if (cJSON_IsObject(m)) {
        char path[32];
        snprintf(path, sizeof path, "\"metrics\"[%d].", i);
        if (check_fields(c, m, path, metric_fields) != 0) return -1;
        name = cJSON_GetObjectItemCaseSensitive(m, "metric");
    }
    if (!cJSON_IsString(name))
        return cerr(c, "\"metrics\"[%d]: expected a metric name or {\"metric\": name, ...}, got %s", i,
                    json_type(name));
    const char *n = name->valuestring;
    out->def = metric_find(n);
    int provided = 0;
    if (t->process_results)
        for (int k = 0; t->process_results->provides[k]; k++) provided |= !strcmp(t->process_results->provides[k], n);
    if (!out->def) {
        strbuf b;
        strbuf_init(&b);
        for (int k = 0; k < metric_count(); k++) strbuf_printf(&b, "%s%s", k ? ", " : "", metric_at(k)->name);
        const char *best = metric_suggest(n);
        if (best)
            cerr(c, "\"metrics\"[%d]: unknown metric \"%s\" (did you mean \"%s\"? known: %s)", i, n, best,
                 strbuf_str(&b));
        else
            cerr(c, "\"metrics\"[%d]: unknown metric \"%s\" (known: %s)", i, n, strbuf_str(&b));
        strbuf_deinit(&b);
        return -1;
    }
    if (t->process_results && !provided)
        return cerr(c, "\"metrics\"[%d]: process_results \"%s\" does not compute \"%s\"", i, t->process_results->name,
                    n);
    if (!t->process_results && !(out->def->kinds & t->kind))
        return cerr(c, "\"metrics\"[%d]: \"%s\" does not apply to %s tasks", i, n, task_kind_name(t->kind));
    if (!cJSON_IsObject(m)) return 0;
    const cJSON *rx = cJSON_GetObjectItemCaseSensitive(m, "regexes_to_ignore");
    int has_opts = cJSON_GetObjectItemCaseSensitive(m, "ignore_case") ||
                   cJSON_GetObjectItemCaseSensitive(m, "ignore_punctuation") || rx;
    if (has_opts && !(out->def->has_options && t->kind == TASK_GENERATE_UNTIL))
        return cerr(c, "\"metrics\"[%d]: \"%s\" takes no options here (ignore_case, ignore_punctuation and "
                       "regexes_to_ignore are exact_match options for generate_until tasks)", i, n);
    if (get_bool(c, m, "ignore_case", 0, &out->em.ignore_case) != 0 ||
        get_bool(c, m, "ignore_punctuation", 0, &out->em.ignore_punctuation) != 0)
        return err_prefix(c->e, "\"metrics\"[%d]", i);
    if (rx) {
        if (!cJSON_IsArray(rx)) return cerr(c, "\"metrics\"[%d].regexes_to_ignore: expected an array of regexes", i);
        int n_rx = cJSON_GetArraySize(rx);
        out->regexes = calloc((size_t)(n_rx ? n_rx : 1), sizeof *out->regexes);
        if (!out->regexes) return cerr(c, "out of memory");
        int k = 0;
        for (const cJSON *r = rx->child; r; r = r->next, k++) {
            errbuf re;
            if (!cJSON_IsString(r))
                return cerr(c, "\"metrics\"[%d].regexes_to_ignore[%d]: expected a string, got %s", i, k, json_type(r));
            if (!(out->regexes[k] = task_regex_compile(r->valuestring, &re)))
                return cerr(c, "\"metrics\"[%d].regexes_to_ignore[%d]: %s", i, k, re.msg);
            out->em.n_regexes = k + 1;
        }
        out->em.regexes_to_ignore = out->regexes;
    }
    return 0;
}

static int parse_gen_kwargs(ctx *c, task_spec *t, const cJSON *g) {
    t->max_gen_toks = TASK_DEFAULT_MAX_GEN_TOKS;
    t->top_p = 1.0;
    if (!g) {
        /* lm-eval's default for a generate_until task without settings:
         * until = [fewshot_delimiter], greedy (A.4). */
        t->until = calloc(1, sizeof *t->until);
        if (!t->until || !(t->until[0] = strdup(t->fewshot_delimiter))) return cerr(c, "out of memory");
        t->n_until = 1;
        return 0;
    }
    if (!cJSON_IsObject(g)) return cerr(c, "\"generation_kwargs\": expected an object, got %s", json_type(g));
    if (check_fields(c, g, "\"generation_kwargs\".", gen_fields) != 0) return -1;
    const cJSON *until = cJSON_GetObjectItemCaseSensitive(g, "until");
    if (until) {
        if (!cJSON_IsArray(until)) return cerr(c, "\"generation_kwargs\".until: expected an array of strings");
        t->n_until = cJSON_GetArraySize(until);
        t->until = calloc((size_t)(t->n_until ? t->n_until : 1), sizeof *t->until);
        if (!t->until) return cerr(c, "out of memory");
        int i = 0;
        for (const cJSON *u = until->child; u; u = u->next, i++) {
            if (!cJSON_IsString(u))
                return cerr(c, "\"generation_kwargs\".until[%d]: expected a string, got %s", i, json_type(u));
            if (!(t->until[i] = strdup(u->valuestring))) return cerr(c, "out of memory");
        }
    }
    if (get_int(c, g, "max_gen_toks", TASK_DEFAULT_MAX_GEN_TOKS, 1, &t->max_gen_toks) != 0 ||
        get_bool(c, g, "do_sample", 0, &t->do_sample) != 0)
        return err_prefix(c->e, "\"generation_kwargs\"");
    const cJSON *temp = cJSON_GetObjectItemCaseSensitive(g, "temperature");
    if (temp && (!cJSON_IsNumber(temp) || temp->valuedouble < 0))
        return cerr(c, "\"generation_kwargs\".temperature: expected a number >= 0");
    t->temperature = temp ? temp->valuedouble : 0;
    for (const char *k = "top_p"; k; k = strcmp(k, "top_p") ? NULL : "top_k") {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, k);
        if (v && !cJSON_IsNumber(v)) return cerr(c, "\"generation_kwargs\".%s: expected a number", k);
    }
    /* Sampling settings (safety generations, issue 5). */
    const cJSON *tp = cJSON_GetObjectItemCaseSensitive(g, "top_p");
    t->top_p = tp ? tp->valuedouble : 1.0;
    if (!(t->top_p > 0 && t->top_p <= 1))
        return cerr(c, "\"generation_kwargs\".top_p: expected a number in (0, 1], got %g", t->top_p);
    if (get_int(c, g, "top_k", 0, 0, &t->top_k) != 0) return err_prefix(c->e, "\"generation_kwargs\"");
    if (!(t->gen_kwargs = cJSON_Duplicate(g, 1))) return cerr(c, "out of memory");
    return 0;
}

/* Parses one task object (already expanded). Takes ownership of nothing. */
static task_spec *parse_task(ctx *c, const char *origin, const cJSON *o) {
    task_spec *t = calloc(1, sizeof *t);
    if (!t) {
        cerr(c, "out of memory");
        return NULL;
    }
    if (check_fields(c, o, "", task_fields) != 0) goto fail;
    if (get_str(c, o, "task", 1, &t->name) != 0) goto fail;
    if (!t->name[0] || strchr(t->name, ',') || strchr(t->name, ' ')) {
        cerr(c, "\"task\": \"%s\" is not a valid name (non-empty, no spaces or commas)", t->name);
        goto fail;
    }
    snprintf(c->where, sizeof c->where, "%s: task \"%s\"", origin, t->name);
    t->origin = strdup(origin);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (!ver) {
        cerr(c, "\"version\": required field is missing (bump it whenever the prompt or scoring changes)");
        goto fail;
    }
    if (!cJSON_IsNumber(ver)) {
        cerr(c, "\"version\": expected a number, got %s", json_type(ver));
        goto fail;
    }
    t->version = ver->valuedouble;
    if (get_str(c, o, "alias", 0, &t->alias) != 0 || get_str(c, o, "dataset", 1, &t->dataset) != 0 ||
        get_str(c, o, "config", 0, &t->config) != 0 || get_str(c, o, "split", 1, &t->split) != 0 ||
        get_str(c, o, "fewshot_split", 0, &t->fewshot_split) != 0)
        goto fail;
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(o, "notes");
    if (notes && !cJSON_IsString(notes)) {
        cerr(c, "\"notes\": expected a string, got %s", json_type(notes));
        goto fail;
    }
    /* request kind */
    char *req = NULL;
    if (get_str(c, o, "request", 1, &req) != 0) goto fail;
    static const task_kind kinds[] = {TASK_MULTIPLE_CHOICE, TASK_LOGLIKELIHOOD, TASK_LOGLIKELIHOOD_ROLLING,
                                      TASK_GENERATE_UNTIL};
    for (int i = 0; i < 4; i++)
        if (!strcmp(req, task_kind_name(kinds[i]))) t->kind = kinds[i];
    if (!t->kind) {
        cerr(c, "\"request\": unknown request kind \"%s\" (known: multiple_choice, loglikelihood, "
                "loglikelihood_rolling, generate_until)", req);
        free(req);
        goto fail;
    }
    free(req);
    /* prompts */
    if (get_tmpl(c, o, "description", &t->description) != 0 || get_tmpl(c, o, "doc_to_text", &t->doc_to_text) != 0)
        goto fail;
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(o, "doc_to_target");
    if (cJSON_IsNumber(target)) {
        if (target->valuedouble != floor(target->valuedouble) || target->valuedouble < 0) {
            cerr(c, "\"doc_to_target\": a number must be a choice index >= 0");
            goto fail;
        }
        t->target_is_int = 1;
        t->target_int = (int)target->valuedouble;
    } else if (get_tmpl(c, o, "doc_to_target", &t->doc_to_target) != 0) {
        goto fail;
    }
    if (!t->doc_to_target && !t->target_is_int) {
        cerr(c, "\"doc_to_target\": required field is missing");
        goto fail;
    }
    if (!t->doc_to_text && t->kind != TASK_LOGLIKELIHOOD_ROLLING) {
        cerr(c, "\"doc_to_text\": required field is missing for %s tasks", task_kind_name(t->kind));
        goto fail;
    }
    if (t->doc_to_text && t->kind == TASK_LOGLIKELIHOOD_ROLLING) {
        cerr(c, "\"doc_to_text\": loglikelihood_rolling scores doc_to_target alone; remove doc_to_text");
        goto fail;
    }
    const cJSON *choice = cJSON_GetObjectItemCaseSensitive(o, "doc_to_choice");
    if (cJSON_IsArray(choice)) {
        int i = 0;
        for (const cJSON *x = choice->child; x; x = x->next, i++)
            if (!cJSON_IsString(x)) {
                cerr(c, "\"doc_to_choice\"[%d]: expected a string, got %s", i, json_type(x));
                goto fail;
            }
        if (i == 0) {
            cerr(c, "\"doc_to_choice\": the list of choices is empty");
            goto fail;
        }
        t->choice_list = cJSON_Duplicate(choice, 1);
    } else if (choice && !cJSON_IsString(choice)) {
        cerr(c, "\"doc_to_choice\": expected a template string or an array of strings, got %s", json_type(choice));
        goto fail;
    } else if (get_tmpl(c, o, "doc_to_choice", &t->doc_to_choice) != 0) {
        goto fail;
    }
    int has_choice = t->doc_to_choice || t->choice_list;
    if (t->kind == TASK_MULTIPLE_CHOICE && !has_choice) {
        cerr(c, "\"doc_to_choice\": required field is missing for multiple_choice tasks");
        goto fail;
    }
    if ((t->kind == TASK_LOGLIKELIHOOD || t->kind == TASK_LOGLIKELIHOOD_ROLLING) && has_choice) {
        cerr(c, "\"doc_to_choice\": %s tasks have no choices", task_kind_name(t->kind));
        goto fail;
    }
    if (get_str(c, o, "target_delimiter", 0, &t->target_delimiter) != 0 ||
        get_str(c, o, "fewshot_delimiter", 0, &t->fewshot_delimiter) != 0)
        goto fail;
    if (!t->target_delimiter && !(t->target_delimiter = strdup(" "))) goto oom;
    if (!t->fewshot_delimiter && !(t->fewshot_delimiter = strdup("\n\n"))) goto oom;
    /* named functions */
    char *fn = NULL;
    if (get_str(c, o, "process_docs", 0, &fn) != 0) goto fail;
    if (fn && !(t->process_docs = task_process_docs_find(fn))) {
        cerr(c, "\"process_docs\": unknown function \"%s\" (known: %s)", fn, task_process_docs_names());
        free(fn);
        goto fail;
    }
    free(fn);
    if (get_str(c, o, "process_results", 0, &fn) != 0) goto fail;
    if (fn && !(t->process_results = task_process_results_find(fn))) {
        cerr(c, "\"process_results\": unknown function \"%s\" (known: %s)", fn, task_process_results_names());
        free(fn);
        goto fail;
    }
    free(fn);
    if (t->process_results && !(t->process_results->kinds & t->kind)) {
        cerr(c, "\"process_results\": \"%s\" does not handle %s tasks", t->process_results->name,
             task_kind_name(t->kind));
        goto fail;
    }
    /* few-shot */
    const cJSON *samples = cJSON_GetObjectItemCaseSensitive(o, "fewshot_samples");
    if (samples) {
        if (!cJSON_IsArray(samples) || !samples->child) {
            cerr(c, "\"fewshot_samples\": expected a non-empty array of records");
            goto fail;
        }
        int i = 0;
        for (const cJSON *x = samples->child; x; x = x->next, i++)
            if (!cJSON_IsObject(x)) {
                cerr(c, "\"fewshot_samples\"[%d]: expected a record (object), got %s", i, json_type(x));
                goto fail;
            }
        if (t->fewshot_split) {
            cerr(c, "\"fewshot_samples\" and \"fewshot_split\" are exclusive: the pool is one or the other");
            goto fail;
        }
        t->fewshot_samples = cJSON_Duplicate(samples, 1);
    }
    char *sampler = NULL;
    if (get_str(c, o, "sampler", 0, &sampler) != 0) goto fail;
    if (sampler && strcmp(sampler, "default") && strcmp(sampler, "first_n")) {
        cerr(c, "\"sampler\": unknown sampler \"%s\" (known: default, first_n)", sampler);
        free(sampler);
        goto fail;
    }
    t->sampler_first_n = sampler ? !strcmp(sampler, "first_n") : samples != NULL;
    free(sampler);
    if (get_int(c, o, "num_fewshot", 0, 0, &t->num_fewshot) != 0 ||
        get_bool(c, o, "num_fewshot_fixed", 0, &t->num_fewshot_fixed) != 0 ||
        get_bool(c, o, "fewshot_k_plus_one", strcmp(t->split, "test") != 0 && !samples, &t->k_plus_one) != 0 ||
        get_int(c, o, "repeats", 1, 1, &t->repeats) != 0)
        goto fail;
    if (t->repeats != 1 && t->kind != TASK_GENERATE_UNTIL) {
        cerr(c, "\"repeats\": only generate_until tasks take several responses per document");
        goto fail;
    }
    /* per-document category and list explosion (safety, issue 5) */
    if (get_tmpl(c, o, "category", &t->category) != 0) goto fail;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "explode");
    if (ex) {
        const cJSON *ef = cJSON_GetObjectItemCaseSensitive(ex, "field"), *ea = cJSON_GetObjectItemCaseSensitive(ex, "as");
        if (!cJSON_IsObject(ex) || !cJSON_IsString(ef) || !cJSON_IsString(ea) || !ef->valuestring[0] ||
            !ea->valuestring[0] || cJSON_GetArraySize(ex) != 2) {
            cerr(c, "\"explode\": expected {\"field\": \"<list field>\", \"as\": \"<name for one element>\"}");
            goto fail;
        }
        if (!(t->explode_field = strdup(ef->valuestring)) || !(t->explode_as = strdup(ea->valuestring))) goto oom;
    }
    if (t->kind == TASK_LOGLIKELIHOOD_ROLLING && t->num_fewshot > 0) {
        cerr(c, "\"num_fewshot\": loglikelihood_rolling tasks take no shots");
        goto fail;
    }
    /* generation */
    const cJSON *gk = cJSON_GetObjectItemCaseSensitive(o, "generation_kwargs");
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(o, "filters");
    if (t->kind != TASK_GENERATE_UNTIL && (gk || filters)) {
        cerr(c, "\"%s\": only generate_until tasks generate text", gk ? "generation_kwargs" : "filters");
        goto fail;
    }
    if (t->kind == TASK_GENERATE_UNTIL && parse_gen_kwargs(c, t, gk) != 0) goto fail;
    if (filters) {
        if (!cJSON_IsArray(filters) || !filters->child) {
            cerr(c, "\"filters\": expected a non-empty array of pipelines");
            goto fail;
        }
        t->filters = calloc((size_t)cJSON_GetArraySize(filters), sizeof *t->filters);
        if (!t->filters) goto oom;
        int i = 0;
        for (const cJSON *f = filters->child; f; f = f->next, i++) {
            char path[32];
            errbuf fe;
            snprintf(path, sizeof path, "\"filters\"[%d]", i);
            if (task_filter_parse(&t->filters[i], f, path, &fe) != 0) {
                cerr(c, "%s", fe.msg);
                goto fail;
            }
            t->n_filters = i + 1;
            for (int j = 0; j < i; j++)
                if (!strcmp(t->filters[j].name, t->filters[i].name)) {
                    cerr(c, "\"filters\"[%d]: the name \"%s\" is used twice", i, t->filters[i].name);
                    goto fail;
                }
        }
    } else {
        t->filters = calloc(1, sizeof *t->filters);
        if (!t->filters || task_filter_init_none(&t->filters[0], c->e) != 0) goto fail;
        t->n_filters = 1;
    }
    /* metrics */
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(o, "metrics");
    if (!cJSON_IsArray(metrics) || !metrics->child) {
        cerr(c, "\"metrics\": expected a non-empty array of metric names");
        goto fail;
    }
    t->metrics = calloc((size_t)cJSON_GetArraySize(metrics), sizeof *t->metrics);
    if (!t->metrics) goto oom;
    int i = 0;
    for (const cJSON *m = metrics->child; m; m = m->next, i++) {
        t->n_metrics = i + 1;
        if (parse_metric(c, t, m, i, &t->metrics[i]) != 0) goto fail;
        for (int j = 0; j < i; j++)
            if (t->metrics[j].def == t->metrics[i].def) {
                cerr(c, "\"metrics\"[%d]: \"%s\" is listed twice", i, t->metrics[i].def->name);
                goto fail;
            }
        if (t->metrics[i].def->agg == METRIC_AGG_CUSTOM && !(t->process_results && t->process_results->aggregate)) {
            cerr(c, "\"metrics\"[%d]: \"%s\" needs a process_results function that aggregates it", i,
                 t->metrics[i].def->name);
            goto fail;
        }
    }
    if (!(t->json = cJSON_Duplicate(o, 1))) goto oom;
    cJSON_DeleteItemFromObjectCaseSensitive(t->json, "expand");
    cJSON_DeleteItemFromObjectCaseSensitive(t->json, "groups");
    return t;
oom:
    cerr(c, "out of memory");
fail:
    spec_free(t);
    return NULL;
}

/* ------------------------------------------------------------ groups */

static const char *const group_fields[] = {"group", "alias", "version", "notes", "tasks", "per", "metrics", NULL};

static task_group *parse_group(ctx *c, const char *origin, const cJSON *o, char **members, int n_members) {
    task_group *g = calloc(1, sizeof *g);
    if (!g) {
        cerr(c, "out of memory");
        return NULL;
    }
    if (check_fields(c, o, "", group_fields) != 0 || get_str(c, o, "group", 1, &g->name) != 0 ||
        get_str(c, o, "alias", 0, &g->alias) != 0)
        goto fail;
    snprintf(c->where, sizeof c->where, "%s: group \"%s\"", origin, g->name);
    g->origin = strdup(origin);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(o, "version");
    if (ver && !cJSON_IsNumber(ver)) {
        cerr(c, "\"version\": expected a number, got %s", json_type(ver));
        goto fail;
    }
    g->version = ver ? ver->valuedouble : 1;
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
    if (members) {
        g->members = members;
        g->n_members = n_members;
    } else {
        if (cJSON_GetObjectItemCaseSensitive(o, "per")) {
            cerr(c, "\"per\": only groups inside a file with \"expand\" can be formed per variable");
            goto fail;
        }
        if (!cJSON_IsArray(tasks) || !tasks->child) {
            cerr(c, "\"tasks\": expected a non-empty array of task or group names");
            goto fail;
        }
        g->members = calloc((size_t)cJSON_GetArraySize(tasks), sizeof *g->members);
        if (!g->members) goto oom;
        for (const cJSON *m = tasks->child; m; m = m->next) {
            if (!cJSON_IsString(m)) {
                cerr(c, "\"tasks\"[%d]: expected a name, got %s", g->n_members, json_type(m));
                goto fail;
            }
            if (!(g->members[g->n_members++] = strdup(m->valuestring))) goto oom;
        }
    }
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(o, "metrics");
    if (metrics) {
        if (!cJSON_IsArray(metrics)) {
            cerr(c, "\"metrics\": expected an array");
            goto fail;
        }
        g->metrics = calloc((size_t)(cJSON_GetArraySize(metrics) + 1), sizeof *g->metrics);
        if (!g->metrics) goto oom;
        int i = 0;
        for (const cJSON *m = metrics->child; m; m = m->next, i++) {
            const cJSON *name = m;
            int wbs = 1;
            if (cJSON_IsObject(m)) {
                static const char *const gm_fields[] = {"metric", "weight_by_size", NULL};
                char path[32];
                snprintf(path, sizeof path, "\"metrics\"[%d].", i);
                if (check_fields(c, m, path, gm_fields) != 0 || get_bool(c, m, "weight_by_size", 1, &wbs) != 0)
                    goto fail;
                name = cJSON_GetObjectItemCaseSensitive(m, "metric");
            }
            if (!cJSON_IsString(name)) {
                cerr(c, "\"metrics\"[%d]: expected a metric name or {\"metric\": ..., \"weight_by_size\": ...}", i);
                goto fail;
            }
            const metric_def *d = metric_find(name->valuestring);
            if (!d || d->agg != METRIC_AGG_MEAN) {
                const char *best = metric_suggest(name->valuestring);
                cerr(c, "\"metrics\"[%d]: \"%s\" %s%s%s", i, name->valuestring,
                     d ? "is not a mean, so it cannot be averaged over subtasks" : "is not a known metric",
                     !d && best ? " (did you mean " : "", !d && best ? best : "");
                if (!d && best) strncat(c->e->msg, ")", sizeof c->e->msg - strlen(c->e->msg) - 1);
                goto fail;
            }
            g->metrics[i].metric = strdup(name->valuestring);
            g->metrics[i].weight_by_size = wbs;
            g->n_metrics = i + 1;
        }
    }
    return g;
oom:
    cerr(c, "out of memory");
fail:
    if (members) g->members = NULL, g->n_members = 0; /* the caller still owns them */
    group_free(g);
    return NULL;
}

/* ------------------------------------------------------------ suites */

static int parse_suite(ctx *c, const char *origin, const cJSON *o, task_suite *s) {
    static const char *const suite_fields[] = {"suite", "description", "notes", "tasks", NULL};
    static const char *const entry_fields[] = {"task", "num_fewshot", "limit", NULL};
    memset(s, 0, sizeof *s);
    if (check_fields(c, o, "", suite_fields) != 0 || get_str(c, o, "suite", 1, &s->name) != 0 ||
        get_str(c, o, "description", 0, &s->description) != 0)
        return -1;
    snprintf(c->where, sizeof c->where, "%s: suite \"%s\"", origin, s->name);
    s->origin = strdup(origin);
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(o, "tasks");
    if (!cJSON_IsArray(tasks) || !tasks->child) return cerr(c, "\"tasks\": expected a non-empty array");
    s->entries = calloc((size_t)cJSON_GetArraySize(tasks), sizeof *s->entries);
    if (!s->entries) return cerr(c, "out of memory");
    int i = 0;
    for (const cJSON *t = tasks->child; t; t = t->next, i++) {
        task_suite_entry *en = &s->entries[i];
        en->num_fewshot = en->limit = -1;
        const cJSON *name = t;
        if (cJSON_IsObject(t)) {
            char path[32];
            snprintf(path, sizeof path, "\"tasks\"[%d].", i);
            if (check_fields(c, t, path, entry_fields) != 0 || get_int(c, t, "num_fewshot", -1, 0, &en->num_fewshot) != 0 ||
                get_int(c, t, "limit", -1, 1, &en->limit) != 0)
                return err_prefix(c->e, "\"tasks\"[%d]", i);
            name = cJSON_GetObjectItemCaseSensitive(t, "task");
        }
        if (!cJSON_IsString(name)) return cerr(c, "\"tasks\"[%d]: expected a name or {\"task\": name, ...}", i);
        if (!(en->name = strdup(name->valuestring))) return cerr(c, "out of memory");
        s->n_entries = i + 1;
    }
    return 0;
}

/* ------------------------------------------------------------ expansion */

/* Replaces ${var} in every string of v with the binding's value. A string
 * that is exactly "${var}" takes the value itself (an array, say). "$${"
 * stands for a literal "${". */
static int substitute(ctx *c, cJSON *v, const cJSON *binding) {
    for (cJSON *x = v->child; x; x = x->next)
        if (substitute(c, x, binding) != 0) return -1;
    if (!cJSON_IsString(v) || !strstr(v->valuestring, "${")) return 0;
    const char *s = v->valuestring;
    strbuf b;
    strbuf_init(&b);
    for (const char *p = s; *p;) {
        if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
            strbuf_puts(&b, "${");
            p += 3;
            continue;
        }
        if (!(p[0] == '$' && p[1] == '{')) {
            strbuf_putc(&b, *p++);
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end) {
            strbuf_deinit(&b);
            return cerr(c, "\"%s\": unterminated \"${\" in \"%s\"", v->string ? v->string : "expand", s);
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 2), p + 2);
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(binding, name);
        if (!val) {
            strbuf_deinit(&b);
            strbuf keys;
            strbuf_init(&keys);
            for (const cJSON *k = binding->child; k; k = k->next) strbuf_printf(&keys, "%s%s", k == binding->child ? "" : ", ", k->string);
            cerr(c, "\"%s\": unknown variable ${%s} (variables: %s)", v->string ? v->string : "expand", name,
                 strbuf_str(&keys));
            strbuf_deinit(&keys);
            return -1;
        }
        if (p == s && !end[1] && !cJSON_IsString(val)) {
            /* whole-value substitution */
            cJSON *dup = cJSON_Duplicate(val, 1);
            strbuf_deinit(&b);
            if (!dup) return cerr(c, "out of memory");
            /* Swap contents: v keeps its place and key in the parent. */
            char *key = v->string;
            cJSON *next = v->next, *prev = v->prev;
            int is_const = v->type & cJSON_StringIsConst;
            cJSON_free(v->valuestring);
            *v = *dup;
            v->string = key, v->next = next, v->prev = prev;
            v->type = (v->type & ~cJSON_StringIsConst) | is_const;
            /* dup keeps only its own key (a copy of the variable's name). */
            dup->child = NULL, dup->valuestring = NULL;
            cJSON_Delete(dup);
            return 0;
        }
        if (cJSON_IsString(val))
            strbuf_puts(&b, val->valuestring);
        else if (cJSON_IsNumber(val))
            strbuf_printf(&b, "%g", val->valuedouble);
        else {
            strbuf_deinit(&b);
            return cerr(c, "${%s}: only strings and numbers can be substituted inside text", name);
        }
        p = end + 1;
    }
    if (strbuf_failed(&b) || !cJSON_SetValuestring(v, strbuf_str(&b))) {
        strbuf_deinit(&b);
        return cerr(c, "out of memory");
    }
    strbuf_deinit(&b);
    return 0;
}

static int name_taken(const task_set *s, const char *name) {
    for (int i = 0; i < s->n_tasks; i++)
        if (!strcmp(s->tasks[i]->name, name)) return 1;
    for (int i = 0; i < s->n_groups; i++)
        if (!strcmp(s->groups[i]->name, name)) return 1;
    for (int i = 0; i < s->n_suites; i++)
        if (!strcmp(s->suites[i].name, name)) return 1;
    return 0;
}

static int push_task(task_set *s, ctx *c, task_spec *t) {
    if (name_taken(s, t->name)) {
        cerr(c, "the name \"%s\" is already defined", t->name);
        spec_free(t);
        return -1;
    }
    if (s->n_tasks == s->cap_tasks) {
        int cap = s->cap_tasks ? s->cap_tasks * 2 : 64;
        task_spec **p = realloc(s->tasks, sizeof *p * (size_t)cap);
        if (!p) {
            spec_free(t);
            return cerr(c, "out of memory");
        }
        s->tasks = p, s->cap_tasks = cap;
    }
    s->tasks[s->n_tasks++] = t;
    return 0;
}

static int push_group(task_set *s, ctx *c, task_group *g) {
    if (name_taken(s, g->name)) {
        cerr(c, "the name \"%s\" is already defined", g->name);
        group_free(g);
        return -1;
    }
    if (s->n_groups == s->cap_groups) {
        int cap = s->cap_groups ? s->cap_groups * 2 : 16;
        task_group **p = realloc(s->groups, sizeof *p * (size_t)cap);
        if (!p) {
            group_free(g);
            return cerr(c, "out of memory");
        }
        s->groups = p, s->cap_groups = cap;
    }
    s->groups[s->n_groups++] = g;
    return 0;
}

/* Groups of a task file: "tasks" lists names; "per": VAR (files with
 * "expand") makes one group per distinct value of VAR holding the tasks
 * expanded with that value. */
static int parse_file_groups(task_set *s, ctx *c, const char *origin, const cJSON *groups, const cJSON *bindings,
                             char **expanded_names) {
    if (!cJSON_IsArray(groups)) return cerr(c, "\"groups\": expected an array of group objects");
    int gi = 0;
    for (const cJSON *g = groups->child; g; g = g->next, gi++) {
        snprintf(c->where, sizeof c->where, "%s: \"groups\"[%d]", origin, gi);
        if (!cJSON_IsObject(g)) return cerr(c, "expected a group object");
        const cJSON *per = cJSON_GetObjectItemCaseSensitive(g, "per");
        if (!per) {
            task_group *grp = parse_group(c, origin, g, NULL, 0);
            if (!grp || push_group(s, c, grp) != 0) return -1;
            continue;
        }
        if (!cJSON_IsString(per)) return cerr(c, "\"per\": expected a variable name");
        if (!bindings) return cerr(c, "\"per\": only groups inside a file with \"expand\" can be formed per variable");
        if (cJSON_GetObjectItemCaseSensitive(g, "tasks")) return cerr(c, "\"per\" and \"tasks\" are exclusive");
        /* distinct values, in order of first appearance */
        int n_b = cJSON_GetArraySize(bindings), bi = 0;
        for (const cJSON *b = bindings->child; b; b = b->next, bi++) {
            const cJSON *val = cJSON_GetObjectItemCaseSensitive(b, per->valuestring);
            if (!cJSON_IsString(val))
                return cerr(c, "\"per\": expand[%d] has no string variable \"%s\"", bi, per->valuestring);
            int seen = 0, bj = 0;
            for (const cJSON *b2 = bindings->child; b2 != b; b2 = b2->next, bj++) {
                const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(b2, per->valuestring);
                seen |= cJSON_IsString(v2) && !strcmp(v2->valuestring, val->valuestring);
            }
            if (seen) continue;
            char **members = calloc((size_t)n_b, sizeof *members);
            if (!members) return cerr(c, "out of memory");
            int n_m = 0, bk = 0;
            for (const cJSON *b2 = bindings->child; b2; b2 = b2->next, bk++) {
                const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(b2, per->valuestring);
                if (cJSON_IsString(v2) && !strcmp(v2->valuestring, val->valuestring))
                    members[n_m++] = strdup(expanded_names[bk]);
            }
            /* The group's strings see the variables of the first binding
             * with this value (e.g. ${category_name}). */
            cJSON *gc = cJSON_Duplicate(g, 1);
            if (gc) cJSON_DeleteItemFromObjectCaseSensitive(gc, "per");
            int rc = gc ? substitute(c, gc, b) : cerr(c, "out of memory");
            task_group *grp = rc == 0 ? parse_group(c, origin, gc, members, n_m) : NULL;
            cJSON_Delete(gc);
            if (!grp) {
                for (int k = 0; k < n_m; k++) free(members[k]);
                free(members);
                return -1;
            }
            if (push_group(s, c, grp) != 0) return -1;
        }
    }
    return 0;
}

static int add_doc(task_set *s, const char *origin, const cJSON *root, errbuf *e) {
    ctx c;
    c.e = e;
    snprintf(c.where, sizeof c.where, "%s", origin);
    if (!cJSON_IsObject(root)) return cerr(&c, "expected a JSON object");
    if (cJSON_GetObjectItemCaseSensitive(root, "suite")) {
        task_suite su;
        if (parse_suite(&c, origin, root, &su) != 0) {
            suite_deinit(&su);
            return -1;
        }
        if (name_taken(s, su.name)) {
            cerr(&c, "the name \"%s\" is already defined", su.name);
            suite_deinit(&su);
            return -1;
        }
        if (s->n_suites == s->cap_suites) {
            int cap = s->cap_suites ? s->cap_suites * 2 : 4;
            task_suite *p = realloc(s->suites, sizeof *p * (size_t)cap);
            if (!p) {
                suite_deinit(&su);
                return cerr(&c, "out of memory");
            }
            s->suites = p, s->cap_suites = cap;
        }
        s->suites[s->n_suites++] = su;
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "group") && !cJSON_GetObjectItemCaseSensitive(root, "task")) {
        task_group *g = parse_group(&c, origin, root, NULL, 0);
        return g ? push_group(s, &c, g) : -1;
    }
    if (!cJSON_GetObjectItemCaseSensitive(root, "task"))
        return cerr(&c, "expected a \"task\", \"group\" or \"suite\" field at the top level");
    const cJSON *expand = cJSON_GetObjectItemCaseSensitive(root, "expand");
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
    if (!expand) {
        task_spec *t = parse_task(&c, origin, root);
        if (!t || push_task(s, &c, t) != 0) return -1;
        return groups ? parse_file_groups(s, &c, origin, groups, NULL, NULL) : 0;
    }
    if (!cJSON_IsArray(expand) || !expand->child) return cerr(&c, "\"expand\": expected a non-empty array of objects");
    int n = cJSON_GetArraySize(expand), i = 0, rc = 0;
    char **names = calloc((size_t)n, sizeof *names);
    if (!names) return cerr(&c, "out of memory");
    for (const cJSON *b = expand->child; b && rc == 0; b = b->next, i++) {
        snprintf(c.where, sizeof c.where, "%s: \"expand\"[%d]", origin, i);
        if (!cJSON_IsObject(b)) {
            rc = cerr(&c, "expected an object of variables");
            break;
        }
        cJSON *copy = cJSON_Duplicate(root, 1);
        if (!copy) {
            rc = cerr(&c, "out of memory");
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "expand");
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "groups");
        if (substitute(&c, copy, b) != 0) {
            cJSON_Delete(copy);
            rc = -1;
            break;
        }
        task_spec *t = parse_task(&c, origin, copy);
        cJSON_Delete(copy);
        if (!t) {
            rc = -1;
            break;
        }
        names[i] = strdup(t->name);
        rc = push_task(s, &c, t);
    }
    if (rc == 0 && groups) rc = parse_file_groups(s, &c, origin, groups, expand, names);
    for (int k = 0; k < n; k++) free(names[k]);
    free(names);
    return rc;
}

int task_set_add_text(task_set *s, const char *origin, const char *json_text, errbuf *e) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json_text, &end, 1);
    if (!root) {
        int line = 1, col = 1;
        for (const char *p = json_text; end && p < end && *p; p++) {
            if (*p == '\n') line++, col = 1;
            else col++;
        }
        return err_set(e, "%s: line %d, column %d: not valid JSON", origin, line, col);
    }
    int rc = add_doc(s, origin, root, e);
    cJSON_Delete(root);
    return rc;
}

static int add_file(task_set *s, const char *path, errbuf *e) {
    size_t n;
    char *text = file_read_all(path, SPEC_MAX_BYTES, &n, e);
    if (!text) return -1;
    if (strlen(text) != n) {
        free(text);
        return err_set(e, "%s: contains a NUL byte; not a JSON spec", path);
    }
    int rc = task_set_add_text(s, path, text, e);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int task_set_add_path(task_set *s, const char *path, errbuf *e) {
    struct stat st;
    if (stat(path, &st) != 0) return err_errno(e, "%s", path);
    if (!S_ISDIR(st.st_mode)) return add_file(s, path, e);
    DIR *d = opendir(path);
    if (!d) return err_errno(e, "%s", path);
    char **names = NULL;
    int n = 0, rc = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t L = strlen(de->d_name);
        if (L < 6 || strcmp(de->d_name + L - 5, ".json") || de->d_name[0] == '.') continue;
        char **p = realloc(names, sizeof *p * (size_t)(n + 1));
        if (!p || !(p[n] = malloc(strlen(path) + L + 2))) {
            names = p ? p : names;
            rc = err_set(e, "out of memory");
            break;
        }
        names = p;
        sprintf(names[n++], "%s/%s", path, de->d_name);
    }
    closedir(d);
    if (rc == 0) qsort(names, (size_t)n, sizeof *names, cmp_str); /* a stable load order */
    for (int i = 0; i < n && rc == 0; i++) rc = add_file(s, names[i], e);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

int task_set_add_builtin(task_set *s, errbuf *e) {
    for (int i = 0; i < task_builtin_n_files; i++) {
        /* embedded safety policies are not specs (harness/safety_policy.h) */
        if (!strncmp(task_builtin_files[i].path, "tasks/policy/", 13)) continue;
        if (task_set_add_text(s, task_builtin_files[i].path, task_builtin_files[i].text, e) != 0) return -1;
    }
    return task_set_check(s, e);
}

/* ------------------------------------------------------------ checking */

static int find_task_idx(const task_set *s, const char *name) {
    for (int i = 0; i < s->n_tasks; i++)
        if (!strcmp(s->tasks[i]->name, name)) return i;
    return -1;
}

static int find_group_idx(const task_set *s, const char *name) {
    for (int i = 0; i < s->n_groups; i++)
        if (!strcmp(s->groups[i]->name, name)) return i;
    return -1;
}

static int find_suite_idx(const task_set *s, const char *name) {
    for (int i = 0; i < s->n_suites; i++)
        if (!strcmp(s->suites[i].name, name)) return i;
    return -1;
}

/* The closest name of any kind, for "did you mean". */
static const char *suggest_name(const task_set *s, const char *name) {
    const char *best = NULL;
    int bd = 4;
    for (int i = 0; i < s->n_tasks; i++) {
        int d = metric_edit_distance(name, s->tasks[i]->name);
        if (d < bd) bd = d, best = s->tasks[i]->name;
    }
    for (int i = 0; i < s->n_groups; i++) {
        int d = metric_edit_distance(name, s->groups[i]->name);
        if (d < bd) bd = d, best = s->groups[i]->name;
    }
    for (int i = 0; i < s->n_suites; i++) {
        int d = metric_edit_distance(name, s->suites[i].name);
        if (d < bd) bd = d, best = s->suites[i].name;
    }
    return best;
}

static int check_group(const task_set *s, int gi, int *state, errbuf *e) {
    /* state: 0 unvisited, 1 on the stack, 2 done */
    if (state[gi] == 2) return 0;
    const task_group *g = s->groups[gi];
    if (state[gi] == 1) return err_set(e, "%s: group \"%s\" contains itself", g->origin, g->name);
    state[gi] = 1;
    for (int i = 0; i < g->n_members; i++) {
        if (find_task_idx(s, g->members[i]) >= 0) continue;
        int sub = find_group_idx(s, g->members[i]);
        if (sub < 0) {
            const char *best = suggest_name(s, g->members[i]);
            return err_set(e, "%s: group \"%s\": \"tasks\"[%d]: no task or group \"%s\"%s%s%s", g->origin, g->name, i,
                           g->members[i], best ? " (did you mean \"" : "", best ? best : "", best ? "\"?)" : "");
        }
        if (check_group(s, sub, state, e) != 0) return -1;
    }
    state[gi] = 2;
    return 0;
}

int task_set_check(const task_set *s, errbuf *e) {
    int *state = calloc((size_t)s->n_groups + 1, sizeof *state);
    if (!state) return err_set(e, "out of memory");
    int rc = 0;
    for (int i = 0; i < s->n_groups && rc == 0; i++) rc = check_group(s, i, state, e);
    free(state);
    for (int i = 0; i < s->n_suites && rc == 0; i++)
        for (int j = 0; j < s->suites[i].n_entries && rc == 0; j++) {
            const char *n = s->suites[i].entries[j].name;
            if (find_task_idx(s, n) < 0 && find_group_idx(s, n) < 0) {
                const char *best = suggest_name(s, n);
                rc = err_set(e, "%s: suite \"%s\": \"tasks\"[%d]: no task or group \"%s\"%s%s%s", s->suites[i].origin,
                             s->suites[i].name, j, n, best ? " (did you mean \"" : "", best ? best : "",
                             best ? "\"?)" : "");
            }
        }
    return rc;
}

int task_set_add_variant(task_set *s, const char *base, const char *new_name, const cJSON *overrides, errbuf *e) {
    const task_spec *b = task_set_find(s, base);
    if (!b) return err_set(e, "variant \"%s\": no task \"%s\" to start from", new_name, base);
    if (overrides && !cJSON_IsObject(overrides))
        return err_set(e, "variant \"%s\": the overrides must be a JSON object of spec fields", new_name);
    cJSON *o = cJSON_Duplicate(b->json, 1);
    if (!o) return err_set(e, "out of memory");
    for (const cJSON *f = overrides ? overrides->child : NULL; f; f = f->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, f->string);
        cJSON_AddItemToObject(o, f->string, cJSON_Duplicate(f, 1));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(o, "task");
    cJSON_AddStringToObject(o, "task", new_name);
    char origin[300];
    snprintf(origin, sizeof origin, "%s (variant of %s)", b->origin, base);
    int rc = add_doc(s, origin, o, e);
    cJSON_Delete(o);
    return rc;
}

/* ------------------------------------------------------------ selection */

typedef struct sel_builder {
    task_selection *sel;
    int cap_tasks, cap_groups;
} sel_builder;

static int sel_add_task(sel_builder *b, const task_spec *t, int shots, int limit, errbuf *e) {
    task_selection *sel = b->sel;
    for (int i = 0; i < sel->n_tasks; i++)
        if (sel->tasks[i].spec == t) return 0;
    if (sel->n_tasks == b->cap_tasks) {
        int cap = b->cap_tasks ? b->cap_tasks * 2 : 64;
        task_selected *p = realloc(sel->tasks, sizeof *p * (size_t)cap);
        if (!p) return err_set(e, "out of memory");
        sel->tasks = p, b->cap_tasks = cap;
    }
    sel->tasks[sel->n_tasks++] = (task_selected){t, shots, limit};
    return 0;
}

static int sel_add_name(sel_builder *b, const task_set *s, const char *name, int shots, int limit, int depth,
                        errbuf *e) {
    if (depth > 32) return err_set(e, "groups nested more than 32 deep at \"%s\"", name);
    int ti = find_task_idx(s, name);
    if (ti >= 0) return sel_add_task(b, s->tasks[ti], shots, limit, e);
    int gi = find_group_idx(s, name);
    if (gi >= 0) {
        const task_group *g = s->groups[gi];
        int seen = 0;
        for (int i = 0; i < b->sel->n_groups; i++) seen |= b->sel->groups[i] == g;
        if (!seen) {
            if (b->sel->n_groups == b->cap_groups) {
                int cap = b->cap_groups ? b->cap_groups * 2 : 8;
                const task_group **p = realloc(b->sel->groups, sizeof *p * (size_t)cap);
                if (!p) return err_set(e, "out of memory");
                b->sel->groups = p, b->cap_groups = cap;
            }
            b->sel->groups[b->sel->n_groups++] = g;
        }
        for (int i = 0; i < g->n_members; i++)
            if (sel_add_name(b, s, g->members[i], shots, limit, depth + 1, e) != 0) return -1;
        return 0;
    }
    int si = find_suite_idx(s, name);
    if (si >= 0 && depth == 0) {
        const task_suite *su = &s->suites[si];
        for (int i = 0; i < su->n_entries; i++)
            if (sel_add_name(b, s, su->entries[i].name, su->entries[i].num_fewshot, su->entries[i].limit, 1, e) != 0)
                return -1;
        return 0;
    }
    const char *best = suggest_name(s, name);
    return err_set(e, "unknown task, group or suite \"%s\"%s%s%s", name, best ? " (did you mean \"" : "",
                   best ? best : "", best ? "\"?)" : "");
}

int task_set_select(const task_set *s, const char *const *names, int n_names, task_selection *out, errbuf *e) {
    memset(out, 0, sizeof *out);
    sel_builder b = {out, 0, 0};
    for (int i = 0; i < n_names; i++)
        if (sel_add_name(&b, s, names[i], -1, -1, 0, e) != 0) {
            task_selection_deinit(out);
            return -1;
        }
    return 0;
}

void task_selection_deinit(task_selection *sel) {
    free(sel->tasks);
    free(sel->groups);
    memset(sel, 0, sizeof *sel);
}

/* ------------------------------------------------------------ accessors */

int task_set_n_tasks(const task_set *s) { return s->n_tasks; }
const task_spec *task_set_task(const task_set *s, int i) { return i >= 0 && i < s->n_tasks ? s->tasks[i] : NULL; }
const task_spec *task_set_find(const task_set *s, const char *name) {
    int i = find_task_idx(s, name);
    return i >= 0 ? s->tasks[i] : NULL;
}
int task_set_n_groups(const task_set *s) { return s->n_groups; }
const task_group *task_set_group(const task_set *s, int i) { return i >= 0 && i < s->n_groups ? s->groups[i] : NULL; }
const task_group *task_set_find_group(const task_set *s, const char *name) {
    int i = find_group_idx(s, name);
    return i >= 0 ? s->groups[i] : NULL;
}

int task_set_n_suites(const task_set *s) { return s->n_suites; }
const char *task_set_suite_name(const task_set *s, int i) { return s->suites[i].name; }
const char *task_set_suite_description(const task_set *s, int i) {
    return s->suites[i].description ? s->suites[i].description : "";
}
int task_set_suite_entries(const task_set *s, int i, const task_suite_entry **entries) {
    *entries = s->suites[i].entries;
    return s->suites[i].n_entries;
}

const char *task_spec_name(const task_spec *t) { return t->name; }
const char *task_spec_alias(const task_spec *t) { return t->alias ? t->alias : t->name; }
const char *task_spec_origin(const task_spec *t) { return t->origin; }
double task_spec_version(const task_spec *t) { return t->version; }
task_kind task_spec_kind(const task_spec *t) { return t->kind; }
const char *task_spec_dataset(const task_spec *t) { return t->dataset; }
const char *task_spec_config(const task_spec *t) { return t->config; }
const char *task_spec_split(const task_spec *t) { return t->split; }
const char *task_spec_fewshot_split(const task_spec *t) {
    if (t->fewshot_samples) return NULL;
    return t->fewshot_split ? t->fewshot_split : t->split;
}
int task_spec_num_fewshot(const task_spec *t) { return t->num_fewshot; }
int task_spec_num_fewshot_fixed(const task_spec *t) { return t->num_fewshot_fixed; }
int task_spec_effective_shots(const task_spec *t, int requested) {
    if (t->num_fewshot_fixed || requested < 0) return t->num_fewshot;
    return requested;
}
const cJSON *task_spec_json(const task_spec *t) { return t->json; }
int task_spec_n_metrics(const task_spec *t) { return t->n_metrics; }
const metric_def *task_spec_metric(const task_spec *t, int i) { return t->metrics[i].def; }

const char *task_group_name(const task_group *g) { return g->name; }
const char *task_group_alias(const task_group *g) { return g->alias ? g->alias : g->name; }
double task_group_version(const task_group *g) { return g->version; }
int task_group_n_members(const task_group *g) { return g->n_members; }
const char *task_group_member(const task_group *g, int i) { return g->members[i]; }
int task_group_n_metrics(const task_group *g) { return g->n_metrics; }
const char *task_group_metric(const task_group *g, int i, int *weight_by_size) {
    if (weight_by_size) *weight_by_size = g->metrics[i].weight_by_size;
    return g->metrics[i].metric;
}
