/* tasks/process.c: named process_docs / process_results functions. */
#include "tasks/process.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tasks/metric.h"
#include "tasks/pyregex.h"
#include "tasks/pytext.h"

static const char *field_str(const cJSON *doc, const char *name, errbuf *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!cJSON_IsString(v)) {
        err_set(e, "field \"%s\": expected a string, got %s", name, v ? "another type" : "nothing");
        return NULL;
    }
    return v->valuestring;
}

/* ---- HellaSwag (lm_eval/tasks/hellaswag/utils.py, TASKS.md B.1) ---- */

/* preprocess(): strip; " [title]" -> ". "; drop every non-greedy "[...]"
 * span; each double space -> one space (one left-to-right pass). */
static int hellaswag_clean(const char *text, strbuf *out, const task_regex *brackets, errbuf *e) {
    strbuf a, b;
    strbuf_init(&a);
    strbuf_init(&b);
    pytext_strip(&a, text, strlen(text), 1, 1);
    const char *s = strbuf_str(&a);
    for (const char *q; (q = strstr(s, " [title]")); s = q + 8) {
        strbuf_append(&b, s, (size_t)(q - s));
        strbuf_puts(&b, ". ");
    }
    strbuf_puts(&b, s);
    strbuf_clear(&a);
    if (task_regex_sub(brackets, strbuf_str(&b), b.len, "", &a, e) != 0) {
        strbuf_deinit(&a);
        strbuf_deinit(&b);
        return -1;
    }
    s = strbuf_str(&a);
    for (const char *q; (q = strstr(s, "  ")); s = q + 2) {
        strbuf_append(out, s, (size_t)(q - s));
        strbuf_putc(out, ' ');
    }
    strbuf_puts(out, s);
    strbuf_deinit(&a);
    strbuf_deinit(&b);
    return 0;
}

/* Python int(str): optional whitespace and sign around decimal digits. */
static int py_int(const char *s, long *out) {
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || errno) return -1;
    while (*end && pytext_isspace_cp((unsigned char)*end)) end++;
    if (*end) return -1;
    *out = x;
    return 0;
}

static int process_hellaswag(const cJSON *in, cJSON *fields, errbuf *e) {
    const char *label = field_str(in, "activity_label", e), *ctx_a, *ctx_b;
    if (!label || !(ctx_a = field_str(in, "ctx_a", e)) || !(ctx_b = field_str(in, "ctx_b", e))) return -1;
    const cJSON *endings = cJSON_GetObjectItemCaseSensitive(in, "endings");
    if (!cJSON_IsArray(endings)) return err_set(e, "field \"endings\": expected a list of strings");
    long gold;
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(in, "label");
    if (cJSON_IsNumber(lab))
        gold = (long)lab->valuedouble;
    else if (!cJSON_IsString(lab) || py_int(lab->valuestring, &gold) != 0)
        return err_set(e, "field \"label\": expected an integer string such as \"2\" (int(label) fails)");
    task_regex *brackets = task_regex_compile("\\[.*?\\]", e);
    if (!brackets) return -1;
    strbuf raw, q;
    strbuf_init(&raw);
    strbuf_init(&q);
    /* ctx = ctx_a + " " + ctx_b.capitalize(); query = clean(label + ": " + ctx) */
    strbuf_puts(&raw, label);
    strbuf_puts(&raw, ": ");
    strbuf_puts(&raw, ctx_a);
    strbuf_putc(&raw, ' ');
    pytext_capitalize(&raw, ctx_b, strlen(ctx_b));
    int rc = hellaswag_clean(strbuf_str(&raw), &q, brackets, e);
    cJSON *choices = cJSON_CreateArray();
    for (const cJSON *c = endings->child; rc == 0 && c; c = c->next) {
        if (!cJSON_IsString(c)) {
            rc = err_set(e, "field \"endings\": expected a list of strings");
            break;
        }
        strbuf t;
        strbuf_init(&t);
        rc = hellaswag_clean(c->valuestring, &t, brackets, e);
        if (rc == 0) cJSON_AddItemToArray(choices, cJSON_CreateString(strbuf_str(&t)));
        strbuf_deinit(&t);
    }
    if (rc == 0) {
        cJSON_AddItemToObject(fields, "query", cJSON_CreateString(strbuf_str(&q)));
        cJSON_AddItemToObject(fields, "choices", choices);
        cJSON_AddItemToObject(fields, "gold", cJSON_CreateNumber((double)gold));
    } else {
        cJSON_Delete(choices);
    }
    task_regex_free(brackets);
    strbuf_deinit(&raw);
    strbuf_deinit(&q);
    return rc;
}

/* ---- WinoGrande partial scoring (lm_eval/tasks/winogrande/
 * preprocess_winogrande.py, TASKS.md A.2 / B.1) ---- */

static int process_winogrande(const cJSON *in, cJSON *fields, errbuf *e) {
    const char *sentence = field_str(in, "sentence", e), *o1, *o2, *answer;
    if (!sentence || !(o1 = field_str(in, "option1", e)) || !(o2 = field_str(in, "option2", e)) ||
        !(answer = field_str(in, "answer", e)))
        return -1;
    const char *blank = strchr(sentence, '_');
    if (!blank) return err_set(e, "field \"sentence\": no '_' blank in \"%s\"", sentence);
    int gold;
    if (!strcmp(answer, "1")) gold = 0;
    else if (!strcmp(answer, "2")) gold = 1;
    else return err_set(e, "field \"answer\": expected \"1\" or \"2\", got \"%s\"", answer);
    size_t pre = (size_t)(blank - sentence);
    strbuf c1, c2, cont;
    strbuf_init(&c1);
    strbuf_init(&c2);
    strbuf_init(&cont);
    strbuf_append(&c1, sentence, pre);
    strbuf_puts(&c1, o1);
    strbuf_append(&c2, sentence, pre);
    strbuf_puts(&c2, o2);
    pytext_strip(&cont, blank + 1, strlen(blank + 1), 1, 1);
    cJSON *ctxs = cJSON_CreateArray();
    cJSON_AddItemToArray(ctxs, cJSON_CreateString(strbuf_str(&c1)));
    cJSON_AddItemToArray(ctxs, cJSON_CreateString(strbuf_str(&c2)));
    cJSON_AddItemToObject(fields, "gold_index", cJSON_CreateNumber(gold));
    cJSON_AddItemToObject(fields, "contexts", ctxs);
    cJSON_AddItemToObject(fields, "continuation", cJSON_CreateString(strbuf_str(&cont)));
    int failed = strbuf_failed(&c1) || strbuf_failed(&c2) || strbuf_failed(&cont);
    strbuf_deinit(&c1);
    strbuf_deinit(&c2);
    strbuf_deinit(&cont);
    return failed ? err_set(e, "out of memory") : 0;
}

static const task_process_docs process_docs_table[] = {
    {"hellaswag", process_hellaswag, 1,
     "adds query, choices (cleaned endings) and gold, as lm-eval's hellaswag process_docs"},
    {"winogrande", process_winogrande, 0,
     "adds gold_index, contexts (sentence up to the blank + each option) and continuation (the text after "
     "the blank, stripped), as lm-eval's winogrande doc_to_text / doc_to_choice / doc_to_target"},
};

/* ---- TruthfulQA MC2 (lm_eval/tasks/truthfulqa/utils.py, TASKS.md B.2) ---- */

static int results_truthfulqa_mc2(const task_results_view *v, const char *metric, double *value, errbuf *e) {
    (void)metric;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(v->doc, "mc2_targets");
    const cJSON *labels = t ? cJSON_GetObjectItemCaseSensitive(t, "labels") : NULL;
    if (!cJSON_IsArray(labels)) return err_set(e, "field \"mc2_targets.labels\": expected a list of 0/1");
    if (cJSON_GetArraySize(labels) != v->n_requests)
        return err_set(e, "field \"mc2_targets.labels\": %d labels for %d choices", cJSON_GetArraySize(labels),
                       v->n_requests);
    /* sum_{label=1} exp(ll_i) / sum_i exp(ll_i), via log-sum-exp so long
     * answers cannot underflow to 0/0 (lm-eval exponentiates directly). */
    double m = -INFINITY;
    for (int i = 0; i < v->n_requests; i++)
        if (v->ll[i] > m) m = v->ll[i];
    double num = 0, den = 0;
    int i = 0;
    for (const cJSON *l = labels->child; l; l = l->next, i++) {
        double p = exp(v->ll[i] - m);
        den += p;
        if (cJSON_IsNumber(l) ? l->valuedouble == 1 : cJSON_IsTrue(l)) num += p;
    }
    *value = num / den;
    return 0;
}

static const char *const mc2_provides[] = {"acc", NULL};

static const task_process_results process_results_table[] = {
    {"truthfulqa_mc2", TASK_MULTIPLE_CHOICE, mc2_provides, results_truthfulqa_mc2,
     "acc = probability mass on the true answers (mc2_targets.labels == 1), normalised over all choices"},
};

const task_process_docs *task_process_docs_find(const char *name) {
    for (size_t i = 0; i < sizeof process_docs_table / sizeof process_docs_table[0]; i++)
        if (!strcmp(process_docs_table[i].name, name)) return &process_docs_table[i];
    return NULL;
}

const task_process_results *task_process_results_find(const char *name) {
    for (size_t i = 0; i < sizeof process_results_table / sizeof process_results_table[0]; i++)
        if (!strcmp(process_results_table[i].name, name)) return &process_results_table[i];
    return NULL;
}

const char *task_process_docs_names(void) { return "hellaswag, winogrande"; }
const char *task_process_results_names(void) { return "truthfulqa_mc2"; }
