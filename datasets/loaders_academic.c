/* datasets/loaders_academic.c: the academic benchmarks' layouts, mapped to
 * the Hugging Face records TASKS.md section B.1 names.
 *
 * Each loader tries, in order: the original release's files, rows saved from
 * the Hugging Face datasets-server (<dataset>/hf/<config>/<split>.jsonl), and
 * the re-exports ../shared/datasets holds. What a re-export cannot give back
 * is said where it is mapped, and in docs/datasets.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/dataset_impl.h"
#include "datasets/input.h"
#include "datasets/json.h"
#include "datasets/registry.h"
#include "datasets/text.h"

#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define MAX_LETTER_CHOICES 26
#define MMLU_N_CHOICES 4
#define HELLASWAG_N_ENDINGS 4
#define HELLASWAG_LINES_PER_ITEM 6 /* klosax's text: context, label, 4 endings */

static int out_of_memory(ld_ctx *c, ld_loc at) { return err_set(c->e, "%s:%d: out of memory", at.file, at.line); }

static int has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* {"text": [...], "label": ["A", "B", ...]} from an array of strings. */
static cJSON *lettered_choices(const cJSON *texts) {
    cJSON *ch = cJSON_CreateObject();
    cJSON *t = cJSON_AddArrayToObject(ch, "text");
    cJSON *l = cJSON_AddArrayToObject(ch, "label");
    if (!t || !l) {
        cJSON_Delete(ch);
        return NULL;
    }
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, texts) {
        char letter[2] = {LETTERS[i], 0};
        cJSON_AddItemToArray(t, cJSON_CreateString(v->valuestring));
        cJSON_AddItemToArray(l, cJSON_CreateString(letter));
        i++;
    }
    return ch;
}

/* ---- ARC-style JSONL: ARC, OpenBookQA and CommonsenseQA releases ---- */

typedef enum { MC_ARC, MC_OBQA, MC_CSQA } mc_kind;

/* {"id", "question": {"stem", "choices": [{"text", "label"}], ("question_concept")}, "answerKey"} */
static cJSON *map_arc_style(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    const mc_kind kind = *(const mc_kind *)user;
    cJSON *rec = NULL;
    const char *id = ld_str(c, obj, "id", at);
    const cJSON *q = id ? ld_obj(c, obj, "question", at) : NULL;
    const char *stem = q ? ld_str(c, q, "stem", at) : NULL;
    const cJSON *chs = stem ? ld_arr(c, q, "choices", at) : NULL;
    const char *concept = "";
    if (chs && kind == MC_CSQA && !(concept = ld_str(c, q, "question_concept", at))) chs = NULL;
    if (!chs) goto done;
    /* Test files without answers have no answerKey; HF has "" there. */
    const cJSON *ak = cJSON_GetObjectItemCaseSensitive(obj, "answerKey");
    if (ak && !cJSON_IsString(ak)) {
        err_set(c->e, "%s:%d: field \"answerKey\": expected a string, got %s", at.file, at.line,
                ds_json_type_name(ak));
        goto done;
    }
    const char *key = ak ? ak->valuestring : "";
    rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "id", id);
    cJSON_AddStringToObject(rec, kind == MC_OBQA ? "question_stem" : "question", stem);
    if (kind == MC_CSQA) cJSON_AddStringToObject(rec, "question_concept", concept);
    cJSON *ch = cJSON_AddObjectToObject(rec, "choices");
    cJSON *texts = cJSON_AddArrayToObject(ch, "text");
    cJSON *labels = cJSON_AddArrayToObject(ch, "label");
    int i = 0, key_found = key[0] == 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, chs) {
        const char *text = cJSON_IsObject(v) ? ld_str(c, v, "text", at) : NULL;
        const char *label = text ? ld_str(c, v, "label", at) : NULL;
        if (!label) {
            if (!cJSON_IsObject(v))
                err_set(c->e, "%s:%d: question.choices[%d]: expected an object, got %s", at.file, at.line, i,
                        ds_json_type_name(v));
            cJSON_Delete(rec);
            rec = NULL;
            goto done;
        }
        cJSON_AddItemToArray(texts, cJSON_CreateString(text));
        cJSON_AddItemToArray(labels, cJSON_CreateString(label));
        /* OpenBookQA answer keys may carry stray spaces (lm-eval lstrips). */
        const char *k = key;
        while (kind == MC_OBQA && *k == ' ') k++;
        if (strcmp(label, k) == 0) key_found = 1;
        i++;
    }
    if (i == 0 || !key_found) {
        err_set(c->e, "%s:%d: %s", at.file, at.line,
                i == 0 ? "question.choices is empty" : "answerKey is not one of the choice labels");
        cJSON_Delete(rec);
        rec = NULL;
        goto done;
    }
    cJSON_AddStringToObject(rec, "answerKey", key);
done:
    cJSON_Delete(obj);
    return rec;
}

/* ---- MosaicML llm-foundry's {query, choices, gold} re-exports ---- */

/* query, choices (strings) and gold (index) of a re-export line; NULL on error. */
static const cJSON *mosaic_fields(ld_ctx *c, const cJSON *obj, ld_loc at, const char **query, long *gold) {
    *query = ld_str(c, obj, "query", at);
    const cJSON *chs = *query ? ld_arr(c, obj, "choices", at) : NULL;
    if (!chs || ld_str_array(c, chs, "choices", at) != 0) return NULL;
    int n = cJSON_GetArraySize(chs);
    if (n < 1 || n > MAX_LETTER_CHOICES) {
        err_set(c->e, "%s:%d: field \"choices\": expected 1 to %d choices, got %d", at.file, at.line,
                MAX_LETTER_CHOICES, n);
        return NULL;
    }
    if (ld_int(c, obj, "gold", at, 0, n - 1, gold) != 0) return NULL;
    return chs;
}

/* ARC: query is "Question: <question>". The re-export drops the item id and
 * the original choice labels (some ARC items use 1-4 instead of A-D);
 * labels are synthesised as A, B, C..., which picks the same gold index. */
static cJSON *map_mosaic_arc(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    const int obqa = user != NULL;
    const char *query;
    long gold;
    cJSON *rec = NULL;
    const cJSON *chs = mosaic_fields(c, obj, at, &query, &gold);
    if (!chs) goto done;
    const char *prefix = "Question: ";
    if (!obqa && !has_prefix(query, prefix)) {
        err_set(c->e, "%s:%d: field \"query\": expected it to start with \"%s\"", at.file, at.line, prefix);
        goto done;
    }
    rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, obqa ? "question_stem" : "question", obqa ? query : query + strlen(prefix));
    cJSON *ch = lettered_choices(chs);
    if (!ch) {
        cJSON_Delete(rec);
        rec = NULL;
        out_of_memory(c, at);
        goto done;
    }
    cJSON_AddItemToObject(rec, "choices", ch);
    char key[2] = {LETTERS[gold], 0};
    cJSON_AddStringToObject(rec, "answerKey", key);
done:
    cJSON_Delete(obj);
    return rec;
}

int ld_arc(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    /* The release: ARC-V1-Feb2018/<config>/<config>-{Train,Dev,Test}.jsonl. */
    snprintf(rel, sizeof rel, "%s-%s.jsonl", c->config, ld_split_alias(c->split, "Dev", "Train", "Test"));
    mc_kind kind = MC_ARC;
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_arc_style, &kind);
    static const ld_field hf[] = {{"question", LD_STR}, {"choices", LD_OBJ}, {"answerKey", LD_STR}};
    int rc = ld_hf_rows(c, hf, 3);
    if (rc != 1) return rc;
    if (strcmp(c->split, "test") == 0) {
        const char *f = strcmp(c->config, "ARC-Easy") == 0 ? "arc_easy.jsonl" : "arc_challenge.jsonl";
        if (ld_find(c, f, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_mosaic_arc, NULL);
    }
    return 1;
}

/* OpenBookQA: the re-export's query is the raw question_stem; id and the
 * original labels (always A-D in OpenBookQA) are synthesised as above. */
int ld_openbookqa(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    /* The release: OpenBookQA-V1-Sep2018/Data/Main/{train,dev,test}.jsonl. */
    snprintf(rel, sizeof rel, "%s.jsonl", ld_split_alias(c->split, "dev", "train", "test"));
    mc_kind kind = MC_OBQA;
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_arc_style, &kind);
    static const ld_field hf[] = {{"question_stem", LD_STR}, {"choices", LD_OBJ}, {"answerKey", LD_STR}};
    int rc = ld_hf_rows(c, hf, 3);
    if (rc != 1) return rc;
    if (strcmp(c->split, "test") == 0 && ld_find(c, "openbook_qa.jsonl", path, sizeof path))
        return ld_jsonl_map(c, path, NULL, map_mosaic_arc, (void *)1);
    return 1;
}

int ld_commonsenseqa(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    const char *f = ld_split_alias(c->split, "dev_rand_split.jsonl", "train_rand_split.jsonl",
                                   "test_rand_split_no_answers.jsonl");
    mc_kind kind = MC_CSQA;
    if (ld_find(c, f, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_arc_style, &kind);
    static const ld_field hf[] = {{"question", LD_STR}, {"question_concept", LD_STR}, {"choices", LD_OBJ},
                                  {"answerKey", LD_STR}};
    return ld_hf_rows(c, hf, 4);
}

/* ---- BoolQ ---- */

/* The release: {"question", "title", "answer": bool, "passage"}. */
static cJSON *map_boolq(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    cJSON *rec = NULL;
    const char *q = ld_str(c, obj, "question", at);
    const char *p = q ? ld_str(c, obj, "passage", at) : NULL;
    const char *title = p ? ld_str(c, obj, "title", at) : NULL;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "answer");
    if (title && !cJSON_IsBool(a))
        err_set(c->e, "%s:%d: field \"answer\": expected true or false, got %s", at.file, at.line,
                a ? ds_json_type_name(a) : "no such field");
    else if (title) {
        rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "question", q);
        cJSON_AddStringToObject(rec, "passage", p);
        cJSON_AddNumberToObject(rec, "label", cJSON_IsTrue(a) ? 1 : 0);
        cJSON_AddStringToObject(rec, "_title", title);
    }
    cJSON_Delete(obj);
    return rec;
}

/* MosaicML: query "Passage: <passage>\nQuestion: <question>?", choices
 * ["no", "yes"], gold. The re-export drops idx and the Wikipedia title;
 * the "?" it appended to the question is removed again. */
static cJSON *map_mosaic_boolq(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    const char *query;
    long gold;
    cJSON *rec = NULL;
    const cJSON *chs = mosaic_fields(c, obj, at, &query, &gold);
    if (!chs) goto done;
    if (cJSON_GetArraySize(chs) != 2 || strcmp(cJSON_GetArrayItem(chs, 0)->valuestring, "no") != 0 ||
        strcmp(cJSON_GetArrayItem(chs, 1)->valuestring, "yes") != 0) {
        err_set(c->e, "%s:%d: field \"choices\": expected [\"no\", \"yes\"]", at.file, at.line);
        goto done;
    }
    const char *sep = "\nQuestion: ";
    const char *qpos = NULL;
    for (const char *s = strstr(query, sep); s; s = strstr(s + 1, sep)) qpos = s;
    if (!has_prefix(query, "Passage: ") || !qpos) {
        err_set(c->e, "%s:%d: field \"query\": expected \"Passage: <passage>\\nQuestion: <question>\"", at.file,
                at.line);
        goto done;
    }
    const char *passage = query + strlen("Passage: ");
    const char *question = qpos + strlen(sep);
    size_t qlen = strlen(question);
    if (qlen && question[qlen - 1] == '?') qlen--;
    rec = cJSON_CreateObject();
    cJSON_AddItemToObject(rec, "question", ld_strn(question, qlen));
    cJSON_AddItemToObject(rec, "passage", ld_strn(passage, (size_t)(qpos - passage)));
    cJSON_AddNumberToObject(rec, "label", (double)gold);
done:
    cJSON_Delete(obj);
    return rec;
}

int ld_boolq(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    const char *f = ld_split_alias(c->split, "dev.jsonl", "train.jsonl", "test.jsonl");
    if (ld_find(c, f, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_boolq, NULL);
    static const ld_field hf[] = {{"question", LD_STR}, {"passage", LD_STR}, {"label", LD_INT}};
    int rc = ld_hf_rows(c, hf, 3);
    if (rc != 1) return rc;
    if (strcmp(c->split, "validation") == 0 && ld_find(c, "boolq.jsonl", path, sizeof path))
        return ld_jsonl_map(c, path, NULL, map_mosaic_boolq, NULL);
    return 1;
}

/* ---- WinoGrande ---- */

/* The release: {"qID", "sentence", "option1", "option2", "answer"}. */
static cJSON *map_winogrande(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    cJSON *rec = NULL;
    const char *s = ld_str(c, obj, "sentence", at);
    const char *o1 = s ? ld_str(c, obj, "option1", at) : NULL;
    const char *o2 = o1 ? ld_str(c, obj, "option2", at) : NULL;
    /* The unlabeled test file has no answer (HF: ""). */
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "answer");
    const char *ans = cJSON_IsString(a) ? a->valuestring : "";
    if (o2 && a && !cJSON_IsString(a))
        err_set(c->e, "%s:%d: field \"answer\": expected a string, got %s", at.file, at.line, ds_json_type_name(a));
    else if (o2 && strcmp(ans, "1") != 0 && strcmp(ans, "2") != 0 && ans[0])
        err_set(c->e, "%s:%d: field \"answer\": expected \"1\" or \"2\", got \"%s\"", at.file, at.line, ans);
    else if (o2 && !strchr(s, '_'))
        err_set(c->e, "%s:%d: field \"sentence\": has no \"_\" blank", at.file, at.line);
    else if (o2) {
        rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "sentence", s);
        cJSON_AddStringToObject(rec, "option1", o1);
        cJSON_AddStringToObject(rec, "option2", o2);
        cJSON_AddStringToObject(rec, "answer", ans);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "qID");
        if (cJSON_IsString(id)) cJSON_AddStringToObject(rec, "_qID", id->valuestring);
    }
    cJSON_Delete(obj);
    return rec;
}

/* MosaicML: context_options = [sentence[:i] + option1, sentence[:i] +
 * option2] with i the blank's index, continuation = sentence[i+1:].strip(),
 * gold 0/1. The common prefix of the two contexts, cut back to a word
 * boundary, is sentence[:i]; the rest of each context is its option. Lost:
 * whether the option or the sentence held a shared leading word ("the" in
 * "the bed" / "the blanket" stays in the sentence), and whether a space
 * followed the blank: one is put back unless the continuation starts with
 * punctuation. Both only move text between fields: the scored contexts
 * (sentence[:i] + option) and the continuation come out identical. */
static cJSON *map_mosaic_winogrande(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    cJSON *rec = NULL;
    const cJSON *opts = ld_arr(c, obj, "context_options", at);
    const char *cont = opts ? ld_str(c, obj, "continuation", at) : NULL;
    long gold;
    if (!cont || ld_str_array(c, opts, "context_options", at) != 0) goto done;
    if (cJSON_GetArraySize(opts) != 2) {
        err_set(c->e, "%s:%d: field \"context_options\": expected 2 contexts, got %d", at.file, at.line,
                cJSON_GetArraySize(opts));
        goto done;
    }
    if (ld_int(c, obj, "gold", at, 0, 1, &gold) != 0) goto done;
    const char *a = cJSON_GetArrayItem(opts, 0)->valuestring, *b = cJSON_GetArrayItem(opts, 1)->valuestring;
    size_t i = 0;
    while (a[i] && a[i] == b[i]) i++;
    while (i > 0 && a[i - 1] != ' ') i--; /* back to the start of a word */
    if (!a[i] || !b[i]) {
        err_set(c->e, "%s:%d: field \"context_options\": the two contexts do not differ after a common prefix",
                at.file, at.line);
        goto done;
    }
    strbuf s;
    strbuf_init(&s);
    strbuf_append(&s, a, i);
    strbuf_putc(&s, '_');
    if (cont[0] && !strchr(",.;:!?'\")", cont[0])) strbuf_putc(&s, ' ');
    strbuf_puts(&s, cont);
    rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "sentence", strbuf_str(&s));
    cJSON_AddStringToObject(rec, "option1", a + i);
    cJSON_AddStringToObject(rec, "option2", b + i);
    cJSON_AddStringToObject(rec, "answer", gold == 0 ? "1" : "2");
    strbuf_deinit(&s);
done:
    cJSON_Delete(obj);
    return rec;
}

int ld_winogrande(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    /* The release: train_{xs,s,m,l,xl,debiased}.jsonl, dev.jsonl, test.jsonl. */
    if (strcmp(c->split, "train") == 0) snprintf(rel, sizeof rel, "train_%s.jsonl", c->config + strlen("winogrande_"));
    else snprintf(rel, sizeof rel, "%s", ld_split_alias(c->split, "dev.jsonl", "", "test.jsonl"));
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_winogrande, NULL);
    static const ld_field hf[] = {{"sentence", LD_STR}, {"option1", LD_STR}, {"option2", LD_STR}, {"answer", LD_STR}};
    int rc = ld_hf_rows(c, hf, 4);
    if (rc != 1) return rc;
    if (strcmp(c->split, "validation") == 0 && ld_find(c, "winogrande.jsonl", path, sizeof path))
        return ld_jsonl_map(c, path, NULL, map_mosaic_winogrande, NULL);
    return 1;
}

/* ---- HellaSwag ---- */

/* The release: {ind, activity_label, ctx_a, ctx_b, ctx, split, split_type,
 * label (int; absent in test), endings, source_id}; HF's label is a string. */
static cJSON *map_hellaswag(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    static const ld_field f[] = {{"ind", LD_INT},       {"activity_label", LD_STR}, {"ctx_a", LD_STR},
                                 {"ctx_b", LD_STR},     {"ctx", LD_STR},            {"split", LD_STR},
                                 {"split_type", LD_STR}, {"endings", LD_STR_ARR},   {"source_id", LD_STR}};
    cJSON *rec = NULL;
    long label = -1;
    if (ld_check(c, obj, at, f, (int)(sizeof f / sizeof f[0])) != 0) goto done;
    if (cJSON_GetObjectItemCaseSensitive(obj, "label") &&
        ld_int(c, obj, "label", at, 0, HELLASWAG_N_ENDINGS - 1, &label) != 0)
        goto done;
    rec = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        cJSON_AddItemToObject(rec, f[i].name, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(obj, f[i].name), 1));
    char l[8] = "";
    if (label >= 0) snprintf(l, sizeof l, "%ld", label);
    cJSON_AddStringToObject(rec, "label", l);
done:
    cJSON_Delete(obj);
    return rec;
}

/* klosax/hellaswag_text_data: 6 lines per item: "<activity_label>: <ctx>",
 * the gold label, the 4 endings, all passed through that repository's
 * clean-up. Lost: ind, source_id, split_type, and where ctx_a ends and ctx_b
 * begins; ctx_a is the whole context and ctx_b is "", so lm-eval's
 * ctx_a + " " + ctx_b.capitalize() is the context as written (ctx_b keeps
 * its lower-case first letter: TASKS.md and MANIFEST.md note this). */
static int load_hellaswag_text(ld_ctx *c, const char *path) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_lines r;
    ds_lines_init(&r, buf, n);
    const char *text[HELLASWAG_LINES_PER_ITEM];
    size_t len[HELLASWAG_LINES_PER_ITEM];
    int line[HELLASWAG_LINES_PER_ITEM];
    int k = 0, rc = 0;
    while (rc == 0 && ds_lines_next(&r, &text[k], &len[k], &line[k])) {
        if (++k < HELLASWAG_LINES_PER_ITEM) continue;
        k = 0;
        const char *colon = NULL;
        for (size_t i = 0; i + 1 < len[0]; i++)
            if (text[0][i] == ':' && text[0][i + 1] == ' ') {
                colon = text[0] + i;
                break;
            }
        if (!colon) {
            rc = err_set(c->e, "%s:%d: expected \"<activity label>: <context>\" (an item's first line)", name,
                         line[0]);
            break;
        }
        if (len[1] != 1 || text[1][0] < '0' || text[1][0] >= '0' + HELLASWAG_N_ENDINGS) {
            rc = err_set(c->e, "%s:%d: expected the gold label 0-3 (an item's second line), got \"%.*s\"", name,
                         line[1], (int)(len[1] > 40 ? 40 : len[1]), text[1]);
            break;
        }
        const char *ctx = colon + 2;
        size_t ctx_len = len[0] - (size_t)(ctx - text[0]);
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddItemToObject(rec, "activity_label", ld_strn(text[0], (size_t)(colon - text[0])));
        cJSON_AddItemToObject(rec, "ctx_a", ld_strn(ctx, ctx_len));
        cJSON_AddStringToObject(rec, "ctx_b", "");
        cJSON_AddItemToObject(rec, "ctx", ld_strn(ctx, ctx_len));
        cJSON *endings = cJSON_AddArrayToObject(rec, "endings");
        for (int i = 0; i < HELLASWAG_N_ENDINGS; i++) cJSON_AddItemToArray(endings, ld_strn(text[2 + i], len[2 + i]));
        cJSON_AddItemToObject(rec, "label", ld_strn(text[1], 1));
        if (ld_add(c, rec, file, line[0]) != 0) rc = -1;
    }
    if (rc == 0 && k != 0)
        rc = err_set(c->e, "%s:%d: incomplete item: %d of its %d lines (context, label, 4 endings)", name, line[0], k,
                     HELLASWAG_LINES_PER_ITEM);
    free(buf);
    return rc;
}

int ld_hellaswag(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "hellaswag_%s.jsonl", ld_split_alias(c->split, "val", "train", "test"));
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_hellaswag, NULL);
    static const ld_field hf[] = {{"activity_label", LD_STR}, {"ctx_a", LD_STR},         {"ctx_b", LD_STR},
                                  {"ctx", LD_STR},            {"endings", LD_STR_ARR}, {"label", LD_STR}};
    int rc = ld_hf_rows(c, hf, 6);
    if (rc != 1) return rc;
    if (strcmp(c->split, "validation") == 0) {
        if (ld_find(c, "hellaswag_val_full.txt.bz2", path, sizeof path)) return load_hellaswag_text(c, path);
        if (ld_find(c, "hellaswag_val_full.txt", path, sizeof path)) return load_hellaswag_text(c, path);
    }
    return 1;
}

/* ---- PIQA and Social IQa: a JSONL file plus a labels file, line by line ---- */

typedef enum { LBL_PIQA, LBL_SIQA } label_kind;

static int load_with_labels(ld_ctx *c, const char *jpath, const char *jmember, const char *lpath,
                            const char *lmember, label_kind kind) {
    size_t nl;
    int lfile;
    char *lbuf = ld_read(c, lpath, lmember, &nl, &lfile);
    if (!lbuf) return -1;
    const char *lname = c->t->files[lfile];
    int first = c->t->n;
    static const ld_field piqa[] = {{"goal", LD_STR}, {"sol1", LD_STR}, {"sol2", LD_STR}};
    static const ld_field siqa[] = {
        {"context", LD_STR}, {"question", LD_STR}, {"answerA", LD_STR}, {"answerB", LD_STR}, {"answerC", LD_STR}};
    int rc = kind == LBL_PIQA ? ld_jsonl_passthrough(c, jpath, jmember, piqa, 3)
                              : ld_jsonl_passthrough(c, jpath, jmember, siqa, 5);
    if (rc != 0) {
        free(lbuf);
        return -1;
    }
    const int n_recs = c->t->n - first;
    ds_lines r;
    ds_lines_init(&r, lbuf, nl);
    const char *text;
    size_t len;
    int line, k = 0;
    while (rc == 0 && ds_lines_next(&r, &text, &len, &line)) {
        if (ds_text_is_blank(text, len)) continue;
        while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
        const char lo = kind == LBL_PIQA ? '0' : '1', hi = kind == LBL_PIQA ? '1' : '3';
        if (len != 1 || text[0] < lo || text[0] > hi) {
            rc = err_set(c->e, "%s:%d: expected a label %c-%c, got \"%.*s\"", lname, line, lo, hi,
                         (int)(len > 40 ? 40 : len), text);
            break;
        }
        if (k >= n_recs) {
            k++;
            continue;
        }
        cJSON *rec = c->t->recs[first + k];
        if (kind == LBL_PIQA) cJSON_AddNumberToObject(rec, "label", text[0] - '0');
        else {
            char l[2] = {text[0], 0};
            cJSON_AddStringToObject(rec, "label", l);
        }
        k++;
    }
    if (rc == 0 && k != n_recs)
        rc = err_set(c->e, "%s: %d labels for the %d records of %s (expected one per line, same order)", lname, k,
                     n_recs, c->t->files[c->t->rec_file[first]]);
    free(lbuf);
    return rc;
}

int ld_piqa(ld_ctx *c) {
    char jp[LD_PATH_BYTES], lp[LD_PATH_BYTES], rel[LD_PATH_BYTES];
    const char *s = ld_split_alias(c->split, "valid", "train", "tests");
    snprintf(rel, sizeof rel, "%s.jsonl", s);
    int have_j = ld_find(c, rel, jp, sizeof jp);
    snprintf(rel, sizeof rel, "%s-labels.lst", s);
    int have_l = ld_find(c, rel, lp, sizeof lp);
    if (have_j && have_l) return load_with_labels(c, jp, NULL, lp, NULL, LBL_PIQA);
    if (have_j != have_l)
        return err_set(c->e, "%s: found without its %s (PIQA keeps labels in a separate file)", have_j ? jp : lp,
                       have_j ? "labels file" : "questions file");
    static const ld_field hf[] = {{"goal", LD_STR}, {"sol1", LD_STR}, {"sol2", LD_STR}, {"label", LD_INT}};
    return ld_hf_rows(c, hf, 4);
}

int ld_siqa(ld_ctx *c) {
    char jp[LD_PATH_BYTES], lp[LD_PATH_BYTES], rel[LD_PATH_BYTES];
    const char *s = ld_split_alias(c->split, "dev", "train", "test");
    snprintf(rel, sizeof rel, "%s.jsonl", s);
    int have_j = ld_find(c, rel, jp, sizeof jp);
    snprintf(rel, sizeof rel, "%s-labels.lst", s);
    int have_l = ld_find(c, rel, lp, sizeof lp);
    if (have_j && have_l) return load_with_labels(c, jp, NULL, lp, NULL, LBL_SIQA);
    if (have_j != have_l)
        return err_set(c->e, "%s: found without its %s (Social IQa keeps labels in a separate file)",
                       have_j ? jp : lp, have_j ? "labels file" : "questions file");
    /* The release zip, read in place. */
    char zip[LD_PATH_BYTES];
    if (ld_find(c, "socialiqa-train-dev.zip", zip, sizeof zip)) {
        char jm[256], lm[256];
        snprintf(jm, sizeof jm, "socialiqa-train-dev/%s.jsonl", s);
        snprintf(lm, sizeof lm, "socialiqa-train-dev/%s-labels.lst", s);
        return load_with_labels(c, zip, jm, zip, lm, LBL_SIQA);
    }
    static const ld_field hf[] = {{"context", LD_STR}, {"question", LD_STR}, {"answerA", LD_STR},
                                  {"answerB", LD_STR}, {"answerC", LD_STR},  {"label", LD_STR}};
    return ld_hf_rows(c, hf, 6);
}

/* ---- MMLU ---- */

static const char *const MMLU_HEADER[] = {"question", "choice0", "choice1", "choice2", "choice3", "answer"};
#define MMLU_N_FIELDS 6

/* One subject's CSV. Two layouts share the path <split>/<subject>_<split>.csv:
 * the original data.tar (no header, answer letter A-D) and the re-export
 * in ../shared (header question,choice0..3,answer and answer 0-3). A header
 * row is recognised by its exact field names. */
static int load_mmlu_csv(ld_ctx *c, const char *path, const char *member, const char *subject) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, member, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_csv r;
    ds_csv_init(&r, buf, n, name, ',', 1);
    ds_csv_row row;
    int rc, first = 1;
    while ((rc = ds_csv_next(&r, &row, c->e)) == 1) {
        if (row.n_fields != MMLU_N_FIELDS) {
            rc = err_set(c->e, "%s:%d: expected %d fields (question, 4 choices, answer), got %d", name, row.line,
                         MMLU_N_FIELDS, row.n_fields);
            break;
        }
        if (first) {
            first = 0;
            int header = 1;
            for (int i = 0; i < MMLU_N_FIELDS; i++) header &= strcmp(row.fields[i], MMLU_HEADER[i]) == 0;
            if (header) continue;
        }
        const char *a = row.fields[MMLU_N_FIELDS - 1];
        int ans = -1;
        if (a[0] && !a[1]) {
            if (a[0] >= 'A' && a[0] < 'A' + MMLU_N_CHOICES) ans = a[0] - 'A';
            else if (a[0] >= '0' && a[0] < '0' + MMLU_N_CHOICES) ans = a[0] - '0';
        }
        if (ans < 0) {
            rc = err_set(c->e, "%s:%d: answer: expected A-D or 0-3, got \"%.20s\"", name, row.line, a);
            break;
        }
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "question", row.fields[0]);
        cJSON_AddStringToObject(rec, "subject", subject);
        cJSON *chs = cJSON_AddArrayToObject(rec, "choices");
        for (int i = 0; i < MMLU_N_CHOICES; i++) cJSON_AddItemToArray(chs, cJSON_CreateString(row.fields[1 + i]));
        cJSON_AddNumberToObject(rec, "answer", ans);
        if (ld_add(c, rec, file, row.line) != 0) {
            rc = -1;
            break;
        }
    }
    ds_csv_deinit(&r);
    free(buf);
    return rc < 0 ? -1 : 0;
}

static int load_mmlu_subject(ld_ctx *c, const char *subject) {
    const char *dir = ld_split_alias(c->split, "val", "train", "test");
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "%s/%s_%s.csv", dir, subject, dir);
    if (ld_find(c, rel, path, sizeof path)) return load_mmlu_csv(c, path, NULL, subject);
    snprintf(rel, sizeof rel, "data/%s/%s_%s.csv", dir, subject, dir); /* data.tar extracted */
    if (ld_find(c, rel, path, sizeof path)) return load_mmlu_csv(c, path, NULL, subject);
    if (ld_find(c, "data.tar", path, sizeof path)) {
        char member[LD_PATH_BYTES];
        snprintf(member, sizeof member, "data/%s/%s_%s.csv", dir, subject, dir);
        int has = ds_input_has_member(path, member, c->e);
        if (has < 0) return -1;
        if (has) return load_mmlu_csv(c, path, member, subject);
    }
    static const ld_field hf[] = {{"question", LD_STR}, {"subject", LD_STR}, {"choices", LD_STR_ARR},
                                  {"answer", LD_INT}};
    ld_ctx sub = *c;
    sub.config = subject;
    return ld_hf_rows(&sub, hf, 4);
}

int ld_mmlu(ld_ctx *c) {
    if (strcmp(c->config, c->info->union_config) != 0) return load_mmlu_subject(c, c->config);
    /* "all": every subject present, in cais/mmlu's (alphabetical) order. */
    strbuf missing;
    strbuf_init(&missing);
    int n_found = 0, n_missing = 0, rc = 0;
    for (const char *const *s = c->info->configs; *s && rc >= 0; s++) {
        if (strcmp(*s, c->info->union_config) == 0) continue;
        rc = load_mmlu_subject(c, *s);
        if (rc == 0) n_found++;
        else if (rc == 1) {
            strbuf_printf(&missing, "%s%s", n_missing ? ", " : "", *s);
            n_missing++;
            rc = 0;
        }
    }
    if (rc == 0 && n_found == 0) {
        static const ld_field hf[] = {{"question", LD_STR}, {"subject", LD_STR}, {"choices", LD_STR_ARR},
                                      {"answer", LD_INT}};
        rc = ld_hf_rows(c, hf, 4);
    } else if (rc == 0 && n_missing)
        strbuf_printf(c->warn, "mmlu: %d of %d subjects absent from %s/mmlu (%s split): %s", n_missing,
                      n_found + n_missing, c->root, c->split, strbuf_str(&missing));
    strbuf_deinit(&missing);
    return rc;
}

/* ---- datasets whose release is already Hugging Face-shaped ---- */

int ld_gsm8k(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    static const ld_field f[] = {{"question", LD_STR}, {"answer", LD_STR}};
    const char *name = strcmp(c->split, "test") == 0 ? "test.jsonl" : "train.jsonl";
    if (ld_find(c, name, path, sizeof path)) return ld_jsonl_passthrough(c, path, NULL, f, 2);
    return ld_hf_rows(c, f, 2);
}

int ld_humaneval(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    static const ld_field f[] = {{"task_id", LD_STR},
                                 {"prompt", LD_STR},
                                 {"canonical_solution", LD_STR},
                                 {"test", LD_STR},
                                 {"entry_point", LD_STR}};
    if (ld_find(c, "HumanEval.jsonl.gz", path, sizeof path)) return ld_jsonl_passthrough(c, path, NULL, f, 5);
    if (ld_find(c, "HumanEval.jsonl", path, sizeof path)) return ld_jsonl_passthrough(c, path, NULL, f, 5);
    return ld_hf_rows(c, f, 5);
}

int ld_nq_open(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    static const ld_field f[] = {{"question", LD_STR}, {"answer", LD_STR_ARR}};
    snprintf(rel, sizeof rel, "NQ-open.%s.jsonl", ld_split_alias(c->split, "dev", "train", "test"));
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_passthrough(c, path, NULL, f, 2);
    return ld_hf_rows(c, f, 2);
}

/* TriviaQA is read only as Hugging Face rows (the release is a 2.5 GB
 * archive of evidence documents the nocontext config drops). */
int ld_triviaqa(ld_ctx *c) {
    static const ld_field f[] = {{"question", LD_STR}, {"answer", LD_OBJ}};
    return ld_hf_rows(c, f, 2);
}

/* ---- TruthfulQA ---- */

/* mc_task.json: [{"question", "mc1_targets": {answer: 0|1, ...},
 * "mc2_targets": {...}}]; HF: {choices: [answers in file order], labels}.
 * A JSON document has no per-record lines: records get line 0 and messages
 * name the item. */
static int load_truthfulqa_mc(ld_ctx *c, const char *path) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    cJSON *root = ds_json_parse(buf, n, name, c->e);
    free(buf);
    if (!root) return -1;
    int rc = 0, item = 0;
    if (!cJSON_IsArray(root)) rc = err_set(c->e, "%s: expected a JSON array of questions", name);
    const cJSON *q;
    cJSON_ArrayForEach(q, root) {
        if (rc) break;
        const cJSON *question = cJSON_GetObjectItemCaseSensitive(q, "question");
        if (!cJSON_IsString(question)) {
            rc = err_set(c->e, "%s: item %d: field \"question\": expected a string", name, item);
            break;
        }
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "question", question->valuestring);
        static const char *const keys[] = {"mc1_targets", "mc2_targets"};
        for (int k = 0; k < 2 && !rc; k++) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(q, keys[k]);
            if (!cJSON_IsObject(t) || !t->child) {
                rc = err_set(c->e, "%s: item %d: field \"%s\": expected an object {answer: 0 or 1}", name, item,
                             keys[k]);
                break;
            }
            cJSON *o = cJSON_AddObjectToObject(rec, keys[k]);
            cJSON *chs = cJSON_AddArrayToObject(o, "choices");
            cJSON *lbs = cJSON_AddArrayToObject(o, "labels");
            int n_true = 0;
            const cJSON *a;
            cJSON_ArrayForEach(a, t) {
                if (!cJSON_IsNumber(a) || (a->valuedouble != 0 && a->valuedouble != 1)) {
                    rc = err_set(c->e, "%s: item %d: %s[\"%.60s\"]: expected 0 or 1", name, item, keys[k], a->string);
                    break;
                }
                cJSON_AddItemToArray(chs, cJSON_CreateString(a->string));
                cJSON_AddItemToArray(lbs, cJSON_CreateNumber(a->valuedouble));
                n_true += a->valuedouble == 1;
            }
            if (!rc && (k == 0 ? n_true != 1 : n_true < 1))
                rc = err_set(c->e, "%s: item %d: %s has %d true answers (expected %s)", name, item, keys[k], n_true,
                             k == 0 ? "exactly one" : "at least one");
        }
        if (rc || ld_add(c, rec, file, 0) != 0) {
            if (rc) cJSON_Delete(rec);
            rc = -1;
            break;
        }
        item++;
    }
    cJSON_Delete(root);
    return rc;
}

/* Splits "a; b; c" into a JSON array of trimmed, non-empty strings. An
 * answer that itself contains "; " cannot be told apart (HF split the same
 * way). */
static cJSON *split_answers(const char *s) {
    cJSON *arr = cJSON_CreateArray();
    while (arr && *s) {
        const char *semi = strchr(s, ';');
        const char *stop = semi ? semi : s + strlen(s);
        const char *a = s, *b = stop;
        while (a < b && (*a == ' ' || *a == '\t')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
        if (b > a) cJSON_AddItemToArray(arr, ld_strn(a, (size_t)(b - a)));
        s = semi ? semi + 1 : stop;
    }
    return arr;
}

static const char *const TQA_HEADER[] = {"Type",          "Category",          "Question", "Best Answer",
                                         "Correct Answers", "Incorrect Answers", "Source"};
#define TQA_N_FIELDS 7

/* TruthfulQA.csv (UTF-8 BOM, header) -> HF generation records. */
static cJSON *map_truthfulqa_gen(ld_ctx *c, char *const *f, ld_loc at) {
    (void)c;
    (void)at;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", f[0]);
    cJSON_AddStringToObject(rec, "category", f[1]);
    cJSON_AddStringToObject(rec, "question", f[2]);
    cJSON_AddStringToObject(rec, "best_answer", f[3]);
    cJSON_AddItemToObject(rec, "correct_answers", split_answers(f[4]));
    cJSON_AddItemToObject(rec, "incorrect_answers", split_answers(f[5]));
    cJSON_AddStringToObject(rec, "source", f[6]);
    return rec;
}

/* Configs multiple_choice / generation are the v0 release (the one HF and
 * lm-eval use: v0/); the *_updated configs read the revised top-level files.
 * An updated file is never used in place of v0. */
int ld_truthfulqa(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    const int mc = has_prefix(c->config, "multiple_choice");
    const int updated = strstr(c->config, "_updated") != NULL;
    snprintf(rel, sizeof rel, "%s%s", updated ? "" : "v0/", mc ? "mc_task.json" : "TruthfulQA.csv");
    if (ld_find(c, rel, path, sizeof path))
        return mc ? load_truthfulqa_mc(c, path) : ld_csv_map(c, path, TQA_HEADER, TQA_N_FIELDS, map_truthfulqa_gen);
    static const ld_field mcf[] = {{"question", LD_STR}, {"mc1_targets", LD_OBJ}, {"mc2_targets", LD_OBJ}};
    static const ld_field genf[] = {{"question", LD_STR},
                                    {"best_answer", LD_STR},
                                    {"correct_answers", LD_STR_ARR},
                                    {"incorrect_answers", LD_STR_ARR}};
    return mc ? ld_hf_rows(c, mcf, 3) : ld_hf_rows(c, genf, 4);
}
