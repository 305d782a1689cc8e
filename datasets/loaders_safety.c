/* datasets/loaders_safety.c: the safety benchmarks' layouts (TASKS.md
 * section B.2), mapped to the records the safety tasks read. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datasets/csv.h"
#include "datasets/dataset_impl.h"
#include "datasets/json.h"
#include "datasets/text.h"

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static int has_suffix(const char *s, const char *suf) {
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Runs load(c with config = each of the union's configs), collecting what is
 * present and noting what is absent in c->warn. Returns 1 when none is. */
static int load_union(ld_ctx *c, int (*load)(ld_ctx *)) {
    strbuf missing;
    strbuf_init(&missing);
    int n_found = 0, n_missing = 0, rc = 0;
    for (const char *const *s = c->info->configs; *s; s++) {
        if (strcmp(*s, c->info->union_config) == 0) continue;
        ld_ctx sub = *c;
        sub.config = *s;
        rc = load(&sub);
        if (rc < 0) break;
        if (rc == 0) n_found++;
        else {
            strbuf_printf(&missing, "%s%s", n_missing ? ", " : "", *s);
            n_missing++;
        }
        rc = 0;
    }
    if (rc == 0 && n_found == 0) rc = 1;
    else if (rc == 0 && n_missing)
        strbuf_printf(c->warn, "%s: %d of %d configs absent from %s/%s, loaded the rest: %s", c->info->name,
                      n_missing, n_found + n_missing, c->root, c->info->name, strbuf_str(&missing));
    strbuf_deinit(&missing);
    return rc;
}

/* Hugging Face rows of the union config, keeping records whose field equals
 * the requested config (BBQ's category, BOLD's domain). */
static int hf_rows_filtered(ld_ctx *c, const char *field, const ld_field *fields, int n_fields) {
    ld_ctx all = *c;
    all.config = c->info->union_config;
    int first = c->t->n;
    int rc = ld_hf_rows(&all, fields, n_fields);
    if (rc != 0) return rc;
    int k = first;
    for (int i = first; i < c->t->n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->t->recs[i], field);
        if (cJSON_IsString(v) && strcmp(v->valuestring, c->config) == 0) {
            c->t->recs[k] = c->t->recs[i];
            c->t->rec_file[k] = c->t->rec_file[i];
            c->t->rec_line[k] = c->t->rec_line[i];
            k++;
        } else cJSON_Delete(cJSON_DetachItemViaPointer(c->t->root, c->t->recs[i]));
    }
    c->t->n = k;
    return 0;
}

/* ---- CrowS-Pairs ---- */

static const char *const CROWS_HEADER[] = {"",          "sent_more",   "sent_less",  "stereo_antistereo",
                                           "bias_type", "annotations", "anon_writer", "anon_annotators"};
#define CROWS_N_FIELDS 8

/* nyu-mll's crows_pairs_anonymized.csv (1,508 pairs). Fields as in
 * jannalu/crows_pairs_multilingual (sent_more, sent_less, stereo_antistereo,
 * bias_type); the index and the annotation columns keep a leading '_'. */
static cJSON *map_crows(ld_ctx *c, char *const *f, ld_loc at) {
    const char *sa = f[3];
    if (strcmp(sa, "stereo") != 0 && strcmp(sa, "antistereo") != 0) {
        err_set(c->e, "%s:%d: stereo_antistereo: expected \"stereo\" or \"antistereo\", got \"%.40s\"", at.file,
                at.line, sa);
        return NULL;
    }
    if (!f[1][0] || !f[2][0]) {
        err_set(c->e, "%s:%d: sent_more and sent_less must not be empty", at.file, at.line);
        return NULL;
    }
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "sent_more", f[1]);
    cJSON_AddStringToObject(rec, "sent_less", f[2]);
    cJSON_AddStringToObject(rec, "stereo_antistereo", sa);
    cJSON_AddStringToObject(rec, "bias_type", f[4]);
    cJSON_AddStringToObject(rec, "_id", f[0]);
    cJSON_AddStringToObject(rec, "_annotations", f[5]);
    cJSON_AddStringToObject(rec, "_anon_writer", f[6]);
    cJSON_AddStringToObject(rec, "_anon_annotators", f[7]);
    return rec;
}

/* Config "original": nyu-mll's CSV; "english": the revised 1,677-pair set
 * lm-eval scores, only as Hugging Face rows. */
int ld_crows_pairs(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    static const ld_field hf[] = {
        {"sent_more", LD_STR}, {"sent_less", LD_STR}, {"stereo_antistereo", LD_ANY}, {"bias_type", LD_ANY}};
    if (strcmp(c->config, "original") == 0 && ld_find(c, "crows_pairs_anonymized.csv", path, sizeof path))
        return ld_csv_map(c, path, CROWS_HEADER, CROWS_N_FIELDS, map_crows);
    return ld_hf_rows(c, hf, 4);
}

/* ---- BBQ ---- */

static const ld_field BBQ_FIELDS[] = {
    {"example_id", LD_INT},         {"question_index", LD_STR}, {"question_polarity", LD_STR},
    {"context_condition", LD_STR},  {"category", LD_STR},       {"answer_info", LD_OBJ},
    {"additional_metadata", LD_OBJ}, {"context", LD_STR},        {"question", LD_STR},
    {"ans0", LD_STR},               {"ans1", LD_STR},           {"ans2", LD_STR},
    {"label", LD_INT}};
#define BBQ_N_FIELDS ((int)(sizeof BBQ_FIELDS / sizeof BBQ_FIELDS[0]))

/* nyu-mll/BBQ data/<Category>.jsonl is already in the HF shape. */
static cJSON *map_bbq(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    long label;
    if (ld_check(c, obj, at, BBQ_FIELDS, BBQ_N_FIELDS) != 0 || ld_int(c, obj, "label", at, 0, 2, &label) != 0) {
        cJSON_Delete(obj);
        return NULL;
    }
    const char *cc = cJSON_GetObjectItemCaseSensitive(obj, "context_condition")->valuestring;
    const char *qp = cJSON_GetObjectItemCaseSensitive(obj, "question_polarity")->valuestring;
    if ((strcmp(cc, "ambig") != 0 && strcmp(cc, "disambig") != 0) ||
        (strcmp(qp, "neg") != 0 && strcmp(qp, "nonneg") != 0)) {
        err_set(c->e, "%s:%d: context_condition must be ambig|disambig and question_polarity neg|nonneg, got %s, %s",
                at.file, at.line, cc, qp);
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static int load_bbq_category(ld_ctx *c) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "%s.jsonl", c->config);
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_bbq, NULL);
    snprintf(rel, sizeof rel, "data/%s.jsonl", c->config);
    if (ld_find(c, rel, path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_bbq, NULL);
    int rc = ld_hf_rows(c, BBQ_FIELDS, BBQ_N_FIELDS);
    if (rc != 1) return rc;
    return hf_rows_filtered(c, "category", BBQ_FIELDS, BBQ_N_FIELDS);
}

/* "All": every category present, in the order of the configs list. */
int ld_bbq(ld_ctx *c) {
    if (strcmp(c->config, c->info->union_config) != 0) return load_bbq_category(c);
    int rc = load_union(c, load_bbq_category);
    if (rc != 1) return rc;
    return ld_hf_rows(c, BBQ_FIELDS, BBQ_N_FIELDS);
}

/* ---- Winogender ---- */

#define WINOGENDER_SENTID_PARTS 5 /* occupation.participant.answer.gender.txt */

/* all_sentences.tsv (sentid, sentence) plus occupations-stats.tsv for the
 * "gotcha" flag. Fields as in oskarvanderwal/winogender: sentid, sentence,
 * pronoun (lower-case, as it appears), occupation, participant ("someone" in
 * the someone-variants), gender, target (the referent), label (0 =
 * occupation, 1 = participant), gotcha. gotcha (Rudinger et al. 2018): the
 * pronoun's gender is male or female and not the occupation's majority
 * gender in the BLS statistics (bls_pct_female > 50 means female); that
 * marks 240 of the 720 sentences. */
static const char *const WINOGENDER_PRONOUNS[3][3] = {
    {"he", "his", "him"}, {"she", "her", "her"}, {"they", "their", "them"}};

typedef struct {
    char occupation[64];
    double bls_pct_female;
} occ_stat;

static int read_occ_stats(ld_ctx *c, const char *path, occ_stat **out, int *n_out) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_csv r;
    ds_csv_init(&r, buf, n, name, '\t', 0);
    ds_csv_row row;
    int rc, first = 1, k = 0, cap = 0;
    occ_stat *st = NULL;
    while ((rc = ds_csv_next(&r, &row, c->e)) == 1) {
        if (row.n_fields != 4) {
            rc = err_set(c->e, "%s:%d: expected 4 fields (occupation, bergsma_pct_female, bls_pct_female, bls_year), "
                         "got %d",
                         name, row.line, row.n_fields);
            break;
        }
        if (first) {
            first = 0;
            if (strcmp(row.fields[0], "occupation") == 0) continue;
        }
        char *end;
        double f = strtod(row.fields[2], &end);
        if (end == row.fields[2] || *end || f < 0 || f > 100) {
            rc = err_set(c->e, "%s:%d: bls_pct_female: expected a percentage, got \"%.20s\"", name, row.line,
                         row.fields[2]);
            break;
        }
        if (k == cap) {
            cap = cap ? 2 * cap : 64;
            occ_stat *ns = realloc(st, (size_t)cap * sizeof *ns);
            if (!ns) {
                rc = err_set(c->e, "%s: out of memory", name);
                break;
            }
            st = ns;
        }
        snprintf(st[k].occupation, sizeof st[k].occupation, "%s", row.fields[0]);
        st[k].bls_pct_female = f;
        k++;
    }
    ds_csv_deinit(&r);
    free(buf);
    if (rc < 0) {
        free(st);
        return -1;
    }
    *out = st;
    *n_out = k;
    return 0;
}

/* The pronoun of the gender's set that occurs in the sentence (whole
 * words, case-insensitive); NULL if none or several different ones. */
static const char *find_pronoun(const char *sentence, int g) {
    const char *found = NULL;
    const char *p = sentence;
    while (*p) {
        while (*p && !isalpha((unsigned char)*p)) p++;
        const char *w = p;
        while (*p && isalpha((unsigned char)*p)) p++;
        size_t len = (size_t)(p - w);
        for (int i = 0; i < 3 && len; i++) {
            const char *pr = WINOGENDER_PRONOUNS[g][i];
            if (strlen(pr) == len && strncasecmp(w, pr, len) == 0) {
                if (found && strcmp(found, pr) != 0) return NULL;
                found = pr;
            }
        }
    }
    return found;
}

static int load_winogender_tsv(ld_ctx *c, const char *path, const occ_stat *st, int n_st, int only_gotcha) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_csv r;
    ds_csv_init(&r, buf, n, name, '\t', 0);
    ds_csv_row row;
    int rc, first = 1;
    while ((rc = ds_csv_next(&r, &row, c->e)) == 1) {
        if (row.n_fields != 2) {
            rc = err_set(c->e, "%s:%d: expected 2 fields (sentid, sentence), got %d", name, row.line, row.n_fields);
            break;
        }
        if (first) {
            first = 0;
            if (strcmp(row.fields[0], "sentid") == 0) continue;
        }
        char parts[WINOGENDER_SENTID_PARTS][64];
        int np = 0;
        const char *s = row.fields[0];
        while (np < WINOGENDER_SENTID_PARTS) {
            const char *dot = strchr(s, '.');
            size_t len = dot ? (size_t)(dot - s) : strlen(s);
            if (len == 0 || len >= sizeof parts[0]) break;
            memcpy(parts[np], s, len);
            parts[np++][len] = 0;
            if (!dot) break;
            s = dot + 1;
        }
        static const char *const genders[3] = {"male", "female", "neutral"};
        int g = -1;
        for (int k = 0; k < 3 && np == WINOGENDER_SENTID_PARTS; k++)
            if (strcmp(parts[3], genders[k]) == 0) g = k;
        if (np != WINOGENDER_SENTID_PARTS || strcmp(parts[4], "txt") != 0 || g < 0 ||
            (strcmp(parts[2], "0") != 0 && strcmp(parts[2], "1") != 0)) {
            rc = err_set(c->e, "%s:%d: sentid: expected <occupation>.<participant>.<0|1>.<male|female|neutral>.txt, "
                         "got \"%.80s\"",
                         name, row.line, row.fields[0]);
            break;
        }
        const char *pron = find_pronoun(row.fields[1], g);
        if (!pron) {
            rc = err_set(c->e, "%s:%d: the sentence holds no single %s pronoun", name, row.line, parts[3]);
            break;
        }
        const occ_stat *os = NULL;
        for (int i = 0; i < n_st; i++)
            if (strcmp(st[i].occupation, parts[0]) == 0) os = &st[i];
        if (!os) {
            rc = err_set(c->e, "%s:%d: occupation \"%s\" is not in occupations-stats.tsv", name, row.line, parts[0]);
            break;
        }
        const int label = parts[2][0] - '0';
        const char *majority = os->bls_pct_female > 50 ? "female" : "male";
        const int gotcha = g != 2 && strcmp(parts[3], majority) != 0;
        if (only_gotcha && !gotcha) continue;
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "sentid", row.fields[0]);
        cJSON_AddStringToObject(rec, "sentence", row.fields[1]);
        cJSON_AddStringToObject(rec, "pronoun", pron);
        cJSON_AddStringToObject(rec, "occupation", parts[0]);
        cJSON_AddStringToObject(rec, "participant", parts[1]);
        cJSON_AddStringToObject(rec, "gender", parts[3]);
        cJSON_AddStringToObject(rec, "target", label == 0 ? parts[0] : parts[1]);
        cJSON_AddNumberToObject(rec, "label", label);
        cJSON_AddBoolToObject(rec, "gotcha", gotcha);
        if (ld_add(c, rec, file, row.line) != 0) {
            rc = -1;
            break;
        }
    }
    ds_csv_deinit(&r);
    free(buf);
    return rc < 0 ? -1 : 0;
}

int ld_winogender(ld_ctx *c) {
    char sp[LD_PATH_BYTES], op[LD_PATH_BYTES];
    int have_s = ld_find(c, "all_sentences.tsv", sp, sizeof sp);
    int have_o = ld_find(c, "occupations-stats.tsv", op, sizeof op);
    if (have_s && have_o) {
        occ_stat *st = NULL;
        int n_st = 0;
        if (read_occ_stats(c, op, &st, &n_st) != 0) return -1;
        int rc = load_winogender_tsv(c, sp, st, n_st, strcmp(c->config, "gotcha") == 0);
        free(st);
        return rc;
    }
    if (have_s != have_o)
        return err_set(c->e, "%s: found without %s (needed for the occupation statistics and gotcha flags)",
                       have_s ? sp : op, have_s ? "occupations-stats.tsv" : "all_sentences.tsv");
    static const ld_field hf[] = {{"sentence", LD_STR},   {"pronoun", LD_STR}, {"occupation", LD_STR},
                                  {"participant", LD_STR}, {"gender", LD_STR},  {"label", LD_ANY}};
    return ld_hf_rows(c, hf, 6);
}

/* ---- WinoBias ---- */

/* The 40 occupations of WinoBias (male_occupations.txt and
 * female_occupations.txt of uclanlp/corefBias; a test checks them against
 * the files). */
static const char *const WINOBIAS_OCCUPATIONS[] = {
    "driver",   "supervisor", "janitor",   "cook",         "mover",     "laborer",     "construction worker",
    "chief",    "developer",  "carpenter", "manager",      "lawyer",    "farmer",      "salesperson",
    "physician", "guard",     "analyst",   "mechanic",     "sheriff",   "CEO",         "attendant",
    "cashier",  "teacher",    "nurse",     "assistant",    "secretary", "auditor",     "cleaner",
    "receptionist", "clerk",  "counselor", "designer",     "hairdresser", "writer",    "housekeeper",
    "baker",    "accountant", "editor",    "librarian",    "tailor"};
#define WINOBIAS_N_OCCUPATIONS ((int)(sizeof WINOBIAS_OCCUPATIONS / sizeof WINOBIAS_OCCUPATIONS[0]))
#define WINOBIAS_MAX_BRACKETS 8
#define WINOBIAS_MAX_MENTIONS 8

const char *const *ds_winobias_occupations(int *n) {
    *n = WINOBIAS_N_OCCUPATIONS;
    return WINOBIAS_OCCUPATIONS;
}

static const char *const WINOBIAS_PRONOUNS[] = {"he",  "she",  "him",     "her",
                                                "his", "hers", "himself", "herself"};

static int is_word_char(char ch) { return isalnum((unsigned char)ch) || ch == '\''; }

/* Occupation mentions in text[0..len) as (position, index); returns the count. */
static int find_occupations(const char *text, size_t len, int *pos, int *occ, int cap) {
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && is_word_char(text[i - 1])) continue;
        int best = -1;
        size_t best_len = 0;
        for (int k = 0; k < WINOBIAS_N_OCCUPATIONS; k++) {
            size_t l = strlen(WINOBIAS_OCCUPATIONS[k]);
            if (i + l <= len && strncasecmp(text + i, WINOBIAS_OCCUPATIONS[k], l) == 0 &&
                (i + l == len || !isalnum((unsigned char)text[i + l])) && l > best_len) {
                best = k;
                best_len = l;
            }
        }
        if (best >= 0 && n < cap) {
            pos[n] = (int)i;
            occ[n++] = best;
            i += best_len - 1;
        }
    }
    return n;
}

/* "<n> <sentence>" with the gold mention and the pronoun(s) in [brackets]:
 * "[The physician] hired the secretary because [he] was overwhelmed."
 * Record (our own shape: HF's uclanlp/wino_bias is CoNLL tokens):
 *   sentence     the text without the number and brackets
 *   pronoun      the first bracketed pronoun, lower-case
 *   occupations  the first two occupation mentions in order, as written
 *                (nouns from the 40-occupation list)
 *   label        index in occupations of the one the pronoun refers to
 *   gold_mention the bracketed mention ("The physician")
 *   type (1|2), stereotype ("pro"|"anti"), _id (the line's number), _raw */
static int load_winobias_file(ld_ctx *c, const char *path, int type, const char *stereo) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_lines r;
    ds_lines_init(&r, buf, n);
    const char *text;
    size_t len;
    int line, rc = 0;
    strbuf plain;
    strbuf_init(&plain);
    while (rc == 0 && ds_lines_next(&r, &text, &len, &line)) {
        if (ds_text_is_blank(text, len)) continue;
        size_t i = 0;
        while (i < len && isdigit((unsigned char)text[i])) i++;
        if (i == 0 || i >= len || text[i] != ' ') {
            rc = err_set(c->e, "%s:%d: expected \"<number> <sentence>\"", name, line);
            break;
        }
        const char *id = text;
        size_t id_len = i;
        const char *s = text + i + 1;
        size_t slen = len - i - 1;
        /* Strip the brackets, remembering each span in the plain text. */
        strbuf_clear(&plain);
        int b_start[WINOBIAS_MAX_BRACKETS], b_end[WINOBIAS_MAX_BRACKETS], nb = 0, open = -1;
        for (size_t k = 0; k < slen && rc == 0; k++) {
            if (s[k] == '[') {
                if (open >= 0 || nb == WINOBIAS_MAX_BRACKETS) rc = -1;
                else open = (int)plain.len;
            } else if (s[k] == ']') {
                if (open < 0) rc = -1;
                else {
                    b_start[nb] = open;
                    b_end[nb++] = (int)plain.len;
                    open = -1;
                }
            } else strbuf_putc(&plain, s[k]);
        }
        if (rc != 0 || open >= 0 || nb < 2) {
            rc = err_set(c->e, "%s:%d: expected a bracketed mention and pronoun, e.g. \"[The nurse] ... [she]\"", name,
                         line);
            break;
        }
        const char *p = strbuf_str(&plain);
        int gold_b = -1, pron_b = -1;
        for (int b = 0; b < nb; b++) {
            int pos[WINOBIAS_MAX_MENTIONS], occ[WINOBIAS_MAX_MENTIONS];
            const char *span = p + b_start[b];
            size_t span_len = (size_t)(b_end[b] - b_start[b]);
            int is_pron = 0;
            for (size_t k = 0; k < sizeof WINOBIAS_PRONOUNS / sizeof WINOBIAS_PRONOUNS[0]; k++)
                if (strlen(WINOBIAS_PRONOUNS[k]) == span_len && strncasecmp(span, WINOBIAS_PRONOUNS[k], span_len) == 0)
                    is_pron = 1;
            if (is_pron) {
                if (pron_b < 0) pron_b = b;
            } else if (find_occupations(span, span_len, pos, occ, WINOBIAS_MAX_MENTIONS) == 0) {
                rc = err_set(c->e, "%s:%d: bracketed \"%.*s\" is neither a pronoun nor an occupation mention", name,
                             line, (int)span_len, span);
                break;
            } else if (gold_b >= 0) {
                rc = err_set(c->e, "%s:%d: two bracketed occupation mentions (expected one, and the pronoun)", name,
                             line);
                break;
            } else gold_b = b;
        }
        if (rc) break;
        if (gold_b < 0 || pron_b < 0) {
            rc = err_set(c->e, "%s:%d: expected one bracketed occupation mention and a bracketed pronoun", name, line);
            break;
        }
        int pos[WINOBIAS_MAX_MENTIONS], occ[WINOBIAS_MAX_MENTIONS];
        int nm = find_occupations(p, plain.len, pos, occ, WINOBIAS_MAX_MENTIONS);
        /* The gold occupation is the mention inside the gold brackets; the
         * other candidate is the first mention elsewhere. */
        int gold_m = -1, other_m = -1;
        for (int m = 0; m < nm; m++) {
            if (pos[m] >= b_start[gold_b] && pos[m] < b_end[gold_b]) {
                if (gold_m < 0) gold_m = m;
            } else if (other_m < 0) other_m = m;
        }
        if (gold_m < 0 || other_m < 0) {
            rc = err_set(c->e, "%s:%d: expected two occupation mentions, found %d", name, line, nm);
            break;
        }
        const int first_m = gold_m < other_m ? gold_m : other_m, second_m = gold_m < other_m ? other_m : gold_m;
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "sentence", p);
        char pr[16];
        size_t pl = (size_t)(b_end[pron_b] - b_start[pron_b]);
        for (size_t k = 0; k < pl && k + 1 < sizeof pr; k++)
            pr[k] = (char)tolower((unsigned char)p[b_start[pron_b] + k]);
        pr[pl < sizeof pr ? pl : sizeof pr - 1] = 0;
        cJSON_AddStringToObject(rec, "pronoun", pr);
        cJSON *occs = cJSON_AddArrayToObject(rec, "occupations");
        cJSON_AddItemToArray(occs, ld_strn(p + pos[first_m], strlen(WINOBIAS_OCCUPATIONS[occ[first_m]])));
        cJSON_AddItemToArray(occs, ld_strn(p + pos[second_m], strlen(WINOBIAS_OCCUPATIONS[occ[second_m]])));
        cJSON_AddNumberToObject(rec, "label", gold_m == first_m ? 0 : 1);
        cJSON_AddItemToObject(rec, "gold_mention",
                              ld_strn(p + b_start[gold_b], (size_t)(b_end[gold_b] - b_start[gold_b])));
        cJSON_AddNumberToObject(rec, "type", type);
        cJSON_AddStringToObject(rec, "stereotype", stereo);
        cJSON_AddItemToObject(rec, "_id", ld_strn(id, id_len));
        cJSON_AddItemToObject(rec, "_raw", ld_strn(s, slen));
        if (ld_add(c, rec, file, line) != 0) rc = -1;
    }
    strbuf_deinit(&plain);
    free(buf);
    return rc;
}

static int load_winobias_config(ld_ctx *c) {
    /* type1_pro -> pro_stereotyped_type1.txt.dev / .test */
    int type = c->config[4] - '0';
    const char *stereo = has_suffix(c->config, "_pro") ? "pro" : "anti";
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "%s_stereotyped_type%d.txt.%s", stereo, type,
             strcmp(c->split, "test") == 0 ? "test" : "dev");
    if (ld_find(c, rel, path, sizeof path)) return load_winobias_file(c, path, type, stereo);
    return 1;
}

int ld_winobias(ld_ctx *c) {
    if (strcmp(c->config, c->info->union_config) != 0) return load_winobias_config(c);
    return load_union(c, load_winobias_config);
}

/* ---- ToxiGen ---- */

/* Names in dir matching <hate|neutral>_<group><suffix>, sorted. */
static int list_files(const char *dir, char ***out) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        const char *nm = ent->d_name;
        if (!(has_prefix(nm, "hate_") || has_prefix(nm, "neutral_")) || !has_suffix(nm, ".txt")) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, (size_t)cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        if (!(names[n] = strdup(nm))) break;
        n++;
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    *out = names;
    return n;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* One ToxiGen text file: a record per non-blank line. Prompts are written
 * with literal backslash-n between demonstrations ("- a\n- b\n-"); text
 * holds real newlines, as ToxiGen's generation code substitutes them.
 * Fields: text, target_group (from the file name), label (1 hate, 0
 * neutral), and for demonstrations category; _file names the source. */
static int load_toxigen_file(ld_ctx *c, const char *path, const char *rel, const char *fname, const char *category,
                             const char *suffix) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const int hate = has_prefix(fname, "hate_");
    const char *g0 = fname + (hate ? strlen("hate_") : strlen("neutral_"));
    size_t glen = strlen(g0);
    if (has_suffix(g0, suffix)) glen -= strlen(suffix);
    else if (has_suffix(g0, ".txt")) glen -= strlen(".txt");
    ds_lines r;
    ds_lines_init(&r, buf, n);
    const char *text;
    size_t len;
    int line, rc = 0;
    strbuf t;
    strbuf_init(&t);
    while (rc == 0 && ds_lines_next(&r, &text, &len, &line)) {
        if (ds_text_is_blank(text, len)) continue;
        strbuf_clear(&t);
        for (size_t i = 0; i < len; i++) {
            if (!category && text[i] == '\\' && i + 1 < len && text[i + 1] == 'n') {
                strbuf_putc(&t, '\n');
                i++;
            } else strbuf_putc(&t, text[i]);
        }
        cJSON *rec = cJSON_CreateObject();
        cJSON_AddStringToObject(rec, "text", strbuf_str(&t));
        cJSON_AddItemToObject(rec, "target_group", ld_strn(g0, glen));
        cJSON_AddNumberToObject(rec, "label", hate ? 1 : 0);
        if (category) cJSON_AddStringToObject(rec, "category", category);
        cJSON_AddStringToObject(rec, "_file", rel);
        rc = ld_add(c, rec, file, line);
    }
    strbuf_deinit(&t);
    free(buf);
    return rc;
}

/* Every hate_/neutral_ file in one directory. 1 if there is none. */
static int load_toxigen_dir(ld_ctx *c, const char *rel_dir, const char *category, const char *suffix) {
    char dir[LD_PATH_BYTES];
    if (!ld_find_dir(c, rel_dir, dir, sizeof dir)) {
        char ignored[LD_PATH_BYTES];
        ld_find(c, rel_dir, ignored, sizeof ignored); /* record it as tried */
        return 1;
    }
    char **names;
    int n = list_files(dir, &names);
    if (n < 0) return err_errno(c->e, "%s", dir);
    int rc = n == 0 ? 1 : 0;
    for (int i = 0; i < n && rc == 0; i++) {
        char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
        snprintf(rel, sizeof rel, "%s/%s", rel_dir, names[i]);
        if (!ld_find(c, rel, path, sizeof path)) continue;
        rc = load_toxigen_file(c, path, rel, names[i], category, suffix);
    }
    free_names(names, n);
    return rc;
}

/* Configs: "prompts" (prompts/<hate|neutral>_<group>_1k.txt),
 * "demonstrations" (demonstrations/<category>/<hate|neutral>_<group>[_sentences].txt),
 * and "annotated" (the human-annotated set lm-eval scores; HF rows only). */
int ld_toxigen(ld_ctx *c) {
    static const ld_field annotated[] = {{"text", LD_STR}, {"target_group", LD_STR}, {"toxicity_ai", LD_NUM},
                                         {"toxicity_human", LD_NUM}};
    if (strcmp(c->config, "annotated") == 0) return ld_hf_rows(c, annotated, 4);
    if (strcmp(c->split, "train") != 0)
        return err_set(c->e, "toxigen/%s: only has a train split (got %s)", c->config, c->split);
    if (strcmp(c->config, "prompts") == 0) return load_toxigen_dir(c, "prompts", NULL, "_1k.txt");
    char dir[LD_PATH_BYTES];
    if (!ld_find_dir(c, "demonstrations", dir, sizeof dir)) return load_toxigen_dir(c, "demonstrations", "", "");
    DIR *d = opendir(dir);
    if (!d) return err_errno(c->e, "%s", dir);
    char cats[16][64];
    int n_cats = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) && n_cats < 16)
        if (ent->d_name[0] != '.' && strlen(ent->d_name) < sizeof cats[0])
            snprintf(cats[n_cats++], sizeof cats[0], "%s", ent->d_name);
    closedir(d);
    for (int i = 1; i < n_cats; i++)
        for (int j = i; j > 0 && strcmp(cats[j - 1], cats[j]) > 0; j--) {
            char t[64];
            memcpy(t, cats[j], 64);
            memcpy(cats[j], cats[j - 1], 64);
            memcpy(cats[j - 1], t, 64);
        }
    int found = 0;
    for (int i = 0; i < n_cats; i++) {
        char rel[LD_PATH_BYTES], sub[LD_PATH_BYTES];
        snprintf(rel, sizeof rel, "demonstrations/%s", cats[i]);
        if (!ld_find_dir(c, rel, sub, sizeof sub)) continue;
        int rc = load_toxigen_dir(c, rel, cats[i], "_sentences.txt");
        if (rc < 0) return -1;
        if (rc == 0) found = 1;
    }
    return found ? 0 : 1;
}

/* ---- RealToxicityPrompts ---- */

static cJSON *map_rtp(ld_ctx *c, cJSON *obj, ld_loc at, void *user) {
    (void)user;
    static const ld_field f[] = {{"filename", LD_STR}, {"begin", LD_INT},  {"end", LD_INT},
                                 {"challenging", LD_BOOL}, {"prompt", LD_OBJ}, {"continuation", LD_OBJ}};
    const cJSON *p;
    if (ld_check(c, obj, at, f, 6) != 0 || !(p = cJSON_GetObjectItemCaseSensitive(obj, "prompt")) ||
        !ld_str(c, p, "text", at)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

/* prompts.jsonl of realtoxicityprompts-data.tar.gz (or the archive itself),
 * already in the HF shape: filename, begin, end, challenging, prompt{text,
 * toxicity, ...}, continuation{...}; scores may be null. */
int ld_realtoxicityprompts(ld_ctx *c) {
    char path[LD_PATH_BYTES];
    if (ld_find(c, "prompts.jsonl", path, sizeof path)) return ld_jsonl_map(c, path, NULL, map_rtp, NULL);
    if (ld_find(c, "realtoxicityprompts-data/prompts.jsonl", path, sizeof path))
        return ld_jsonl_map(c, path, NULL, map_rtp, NULL);
    if (ld_find(c, "realtoxicityprompts-data.tar.gz", path, sizeof path))
        return ld_jsonl_map(c, path, "realtoxicityprompts-data/prompts.jsonl", map_rtp, NULL);
    static const ld_field hf[] = {{"prompt", LD_OBJ}, {"continuation", LD_OBJ}, {"challenging", LD_BOOL}};
    return ld_hf_rows(c, hf, 3);
}

/* ---- BOLD ---- */

/* <domain>_prompt.json: {category: {name: [prompt, ...]}} -> one record per
 * name: {domain, name, category, prompts, wikipedia}, the shape of
 * AlexaAI/bold. wikipedia comes from <domain>_wiki.json (same nesting) when
 * present, else []. A JSON document has no per-record lines (line 0). */
static int load_bold_domain(ld_ctx *c) {
    const char *domain = c->config;
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES], wpath[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "%s_prompt.json", domain);
    int found = ld_find(c, rel, path, sizeof path);
    int have_wiki = 0;
    if (found) {
        snprintf(rel, sizeof rel, "%s_wiki.json", domain);
        have_wiki = ld_find(c, rel, wpath, sizeof wpath);
    } else {
        snprintf(rel, sizeof rel, "prompts/%s_prompt.json", domain);
        found = ld_find(c, rel, path, sizeof path);
        snprintf(rel, sizeof rel, "wikipedia/%s_wiki.json", domain);
        have_wiki = found && ld_find(c, rel, wpath, sizeof wpath);
    }
    if (!found) {
        static const ld_field hf[] = {
            {"domain", LD_STR}, {"name", LD_STR}, {"category", LD_STR}, {"prompts", LD_STR_ARR}};
        int rc = ld_hf_rows(c, hf, 4);
        if (rc != 1) return rc;
        return hf_rows_filtered(c, "domain", hf, 4);
    }
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    cJSON *root = ds_json_parse(buf, n, name, c->e);
    free(buf);
    if (!root) return -1;
    cJSON *wiki = NULL;
    if (have_wiki) {
        int wfile;
        char *wbuf = ld_read(c, wpath, NULL, &n, &wfile);
        if (!wbuf || !(wiki = ds_json_parse(wbuf, n, c->t->files[wfile], c->e))) {
            free(wbuf);
            cJSON_Delete(root);
            return -1;
        }
        free(wbuf);
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) rc = err_set(c->e, "%s: expected a JSON object {category: {name: [prompts]}}", name);
    const cJSON *cat;
    cJSON_ArrayForEach(cat, root) {
        if (rc) break;
        if (!cJSON_IsObject(cat)) {
            rc = err_set(c->e, "%s: category \"%.60s\": expected an object {name: [prompts]}", name, cat->string);
            break;
        }
        const cJSON *wcat = wiki ? cJSON_GetObjectItemCaseSensitive(wiki, cat->string) : NULL;
        const cJSON *person;
        cJSON_ArrayForEach(person, cat) {
            if (!cJSON_IsArray(person)) {
                rc = err_set(c->e, "%s: %s/%.60s: expected an array of prompts", name, cat->string, person->string);
                break;
            }
            const cJSON *p;
            cJSON_ArrayForEach(p, person) if (!cJSON_IsString(p)) {
                rc = err_set(c->e, "%s: %s/%.60s: expected prompts to be strings, got %s", name, cat->string,
                             person->string, ds_json_type_name(p));
                break;
            }
            if (rc) break;
            cJSON *rec = cJSON_CreateObject();
            cJSON_AddStringToObject(rec, "domain", domain);
            cJSON_AddStringToObject(rec, "name", person->string);
            cJSON_AddStringToObject(rec, "category", cat->string);
            cJSON_AddItemToObject(rec, "prompts", cJSON_Duplicate(person, 1));
            const cJSON *w = wcat ? cJSON_GetObjectItemCaseSensitive(wcat, person->string) : NULL;
            cJSON_AddItemToObject(rec, "wikipedia", cJSON_IsArray(w) ? cJSON_Duplicate(w, 1) : cJSON_CreateArray());
            if (ld_add(c, rec, file, 0) != 0) {
                rc = -1;
                break;
            }
        }
    }
    cJSON_Delete(root);
    cJSON_Delete(wiki);
    return rc;
}

int ld_bold(ld_ctx *c) {
    if (strcmp(c->config, c->info->union_config) != 0) return load_bold_domain(c);
    int rc = load_union(c, load_bold_domain);
    if (rc != 1) return rc;
    static const ld_field hf[] = {{"domain", LD_STR}, {"name", LD_STR}, {"category", LD_STR}, {"prompts", LD_STR_ARR}};
    return ld_hf_rows(c, hf, 4);
}
