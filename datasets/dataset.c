/* datasets/dataset.c: ds_load's resolution order (data dir, cache,
 * download), the record table, and the helpers the loaders share. */
#include "datasets/dataset.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "common/strbuf.h"
#include "datasets/csv.h"
#include "datasets/dataset_impl.h"
#include "datasets/download.h"
#include "datasets/input.h"
#include "datasets/json.h"
#include "datasets/registry.h"
#include "datasets/text.h"

#define DS_HF_ROWS_URL "https://datasets-server.huggingface.co"
#define DS_MAX_SOURCES 256 /* files in one alternative (MMLU: 57 per split) */

/* ---- options ---- */

void ds_opts_init(ds_opts *o) {
    memset(o, 0, sizeof *o);
    o->cache_dir = getenv("GRIFFIN_CACHE");
    if (o->cache_dir && !o->cache_dir[0]) o->cache_dir = NULL;
    o->url_mirror = getenv("GRIFFIN_DATASETS_MIRROR");
    o->hf_rows_url = getenv("GRIFFIN_HF_ROWS_URL");
}

int ds_cache_dir(const ds_opts *o, char *out, size_t cap) {
    const char *dir = o ? o->cache_dir : NULL;
    if (!dir || !dir[0]) dir = getenv("GRIFFIN_CACHE");
    int n;
    if (dir && dir[0]) n = snprintf(out, cap, "%s", dir);
    else {
        const char *home = getenv("HOME");
        if (!home || !home[0]) return -1;
        n = snprintf(out, cap, "%s/.cache/griffin", home);
    }
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* ---- the table ---- */

int ds_count(const ds_table *t) { return t ? t->n : 0; }

const cJSON *ds_record(const ds_table *t, int i) { return t && i >= 0 && i < t->n ? t->recs[i] : NULL; }

void ds_record_origin(const ds_table *t, int i, const char **file, int *line) {
    if (!t || i < 0 || i >= t->n) {
        if (file) *file = NULL;
        if (line) *line = 0;
        return;
    }
    if (file) *file = t->files[t->rec_file[i]];
    if (line) *line = t->rec_line[i];
}

const char *ds_source(const ds_table *t) { return t && t->source ? t->source : ""; }
const char *ds_sha256(const ds_table *t) { return t ? t->sha256 : ""; }
const char *ds_name(const ds_table *t) { return t ? t->dataset : ""; }
const char *ds_config(const ds_table *t) { return t ? t->config : ""; }
const char *ds_split(const ds_table *t) { return t ? t->split : ""; }
const char *ds_warning(const ds_table *t) { return t && t->warning && t->warning[0] ? t->warning : NULL; }

static void table_clear(ds_table *t) {
    cJSON_Delete(t->root);
    t->root = NULL;
    free(t->recs);
    free(t->rec_file);
    free(t->rec_line);
    t->recs = NULL;
    t->rec_file = t->rec_line = NULL;
    t->n = t->cap = 0;
    for (int i = 0; i < t->n_files; i++) {
        free(t->files[i]);
        free(t->file_rel[i]);
    }
    free(t->files);
    free(t->file_rel);
    free(t->file_sha);
    t->files = t->file_rel = NULL;
    t->file_sha = NULL;
    t->n_files = 0;
}

void ds_free(ds_table *t) {
    if (!t) return;
    table_clear(t);
    free(t->source);
    free(t->warning);
    free(t->dataset);
    free(t->config);
    free(t->split);
    free(t);
}

/* ---- loader helpers ---- */

static int join_path(char *out, size_t cap, const char *root, const char *dataset, const char *rel) {
    int n = snprintf(out, cap, "%s/%s/%s", root, dataset, rel);
    return n > 0 && (size_t)n < cap;
}

int ld_find(ld_ctx *c, const char *rel, char *path, size_t cap) {
    if (!join_path(path, cap, c->root, c->info->name, rel)) return 0;
    if (c->tried) {
        if (c->tried->len) strbuf_puts(c->tried, ", ");
        strbuf_puts(c->tried, path);
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ld_find_dir(ld_ctx *c, const char *rel, char *path, size_t cap) {
    if (!join_path(path, cap, c->root, c->info->name, rel)) return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int register_file(ld_ctx *c, const char *path, const char *member) {
    ds_table *t = c->t;
    char sha[65];
    /* An archive read for a second member is hashed once. */
    int have = 0;
    for (int i = 0; i < t->n_files; i++) {
        const char *f = t->files[i];
        size_t pl = strlen(path);
        if (strncmp(f, path, pl) == 0 && (f[pl] == 0 || f[pl] == '!')) {
            memcpy(sha, t->file_sha[i], sizeof sha);
            have = 1;
            break;
        }
    }
    if (!have && sha256_file_hex(path, sha, c->e) != 0) return -1;
    int n = t->n_files + 1;
    char **files = realloc(t->files, (size_t)n * sizeof *files);
    if (files) t->files = files;
    char **rel = realloc(t->file_rel, (size_t)n * sizeof *rel);
    if (rel) t->file_rel = rel;
    char(*shas)[65] = realloc(t->file_sha, (size_t)n * sizeof *shas);
    if (shas) t->file_sha = shas;
    if (!files || !rel || !shas) return err_set(c->e, "%s: out of memory", path);
    strbuf name;
    strbuf_init(&name);
    strbuf_puts(&name, path);
    if (member) strbuf_printf(&name, "!%s", member);
    size_t root_len = strlen(c->root);
    const char *r = strncmp(path, c->root, root_len) == 0 && path[root_len] == '/' ? path + root_len + 1 : path;
    strbuf relb;
    strbuf_init(&relb);
    strbuf_puts(&relb, r);
    if (member) strbuf_printf(&relb, "!%s", member);
    if (strbuf_failed(&name) || strbuf_failed(&relb)) {
        strbuf_deinit(&name);
        strbuf_deinit(&relb);
        return err_set(c->e, "%s: out of memory", path);
    }
    t->files[t->n_files] = strbuf_take(&name);
    t->file_rel[t->n_files] = strbuf_take(&relb);
    memcpy(t->file_sha[t->n_files], sha, sizeof sha);
    return t->n_files++;
}

char *ld_read(ld_ctx *c, const char *path, const char *member, size_t *n, int *file) {
    char *buf = ds_input_read(path, member, DS_INPUT_MAX_BYTES, n, c->e);
    if (!buf) return NULL;
    char name[LD_PATH_BYTES + 256];
    if (member) snprintf(name, sizeof name, "%s!%s", path, member);
    else snprintf(name, sizeof name, "%s", path);
    if (ds_text_check_utf8(buf, *n, name, c->e) != 0) {
        free(buf);
        return NULL;
    }
    int idx = register_file(c, path, member);
    if (idx < 0) {
        free(buf);
        return NULL;
    }
    *file = idx;
    return buf;
}

int ld_add(ld_ctx *c, cJSON *rec, int file, int line) {
    ds_table *t = c->t;
    if (!rec) return err_set(c->e, "%s:%d: out of memory", t->files[file], line);
    if (!t->root && !(t->root = cJSON_CreateArray())) {
        cJSON_Delete(rec);
        return err_set(c->e, "out of memory");
    }
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 1024;
        cJSON **r = realloc(t->recs, (size_t)cap * sizeof *r);
        if (r) t->recs = r;
        int *f = realloc(t->rec_file, (size_t)cap * sizeof *f);
        if (f) t->rec_file = f;
        int *l = realloc(t->rec_line, (size_t)cap * sizeof *l);
        if (l) t->rec_line = l;
        if (!r || !f || !l) {
            cJSON_Delete(rec);
            return err_set(c->e, "out of memory after %d records", t->n);
        }
        t->cap = cap;
    }
    cJSON_AddItemToArray(t->root, rec);
    t->recs[t->n] = rec;
    t->rec_file[t->n] = file;
    t->rec_line[t->n] = line;
    t->n++;
    return 0;
}

static int field_error(ld_ctx *c, ld_loc at, const char *key, const char *want, const cJSON *got) {
    if (at.line > 0)
        return err_set(c->e, "%s:%d: field \"%s\": expected %s, got %s", at.file, at.line, key, want,
                       got ? ds_json_type_name(got) : "no such field");
    return err_set(c->e, "%s: field \"%s\": expected %s, got %s", at.file, key, want,
                   got ? ds_json_type_name(got) : "no such field");
}

const char *ld_str(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v)) {
        field_error(c, at, key, "a string", v);
        return NULL;
    }
    return v->valuestring;
}

const cJSON *ld_arr(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsArray(v)) {
        field_error(c, at, key, "an array", v);
        return NULL;
    }
    return v;
}

const cJSON *ld_obj(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsObject(v)) {
        field_error(c, at, key, "an object", v);
        return NULL;
    }
    return v;
}

static int is_integer(const cJSON *v) {
    return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
}

int ld_int(ld_ctx *c, const cJSON *obj, const char *key, ld_loc at, long lo, long hi, long *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!is_integer(v)) return field_error(c, at, key, "an integer", v);
    double d = v->valuedouble;
    if (d < (double)lo || d > (double)hi)
        return err_set(c->e, "%s:%d: field \"%s\": %g is out of range (expected %ld to %ld)", at.file, at.line, key, d,
                       lo, hi);
    *out = (long)d;
    return 0;
}

int ld_str_array(ld_ctx *c, const cJSON *arr, const char *key, ld_loc at) {
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        if (!cJSON_IsString(v))
            return err_set(c->e, "%s:%d: field \"%s\"[%d]: expected a string, got %s", at.file, at.line, key, i,
                           ds_json_type_name(v));
        i++;
    }
    return 0;
}

int ld_check(ld_ctx *c, const cJSON *obj, ld_loc at, const ld_field *fields, int n_fields) {
    for (int i = 0; i < n_fields; i++) {
        const char *k = fields[i].name;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k);
        int ok;
        const char *want;
        switch (fields[i].type) {
        case LD_STR: ok = cJSON_IsString(v), want = "a string"; break;
        case LD_INT: ok = is_integer(v), want = "an integer"; break;
        case LD_NUM: ok = cJSON_IsNumber(v), want = "a number"; break;
        case LD_BOOL: ok = cJSON_IsBool(v), want = "true or false"; break;
        case LD_ARR: ok = cJSON_IsArray(v), want = "an array"; break;
        case LD_OBJ: ok = cJSON_IsObject(v), want = "an object"; break;
        case LD_STR_ARR:
            ok = cJSON_IsArray(v), want = "an array of strings";
            if (ok && ld_str_array(c, v, k, at) != 0) return -1;
            break;
        default: ok = v != NULL, want = "a value"; break;
        }
        if (!ok) return field_error(c, at, k, want, v);
    }
    return 0;
}

int ld_jsonl_map(ld_ctx *c, const char *path, const char *member, ld_map_fn map, void *user) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, member, &n, &file);
    if (!buf) return -1;
    ds_jsonl r;
    ds_jsonl_init(&r, buf, n, c->t->files[file]);
    cJSON *obj;
    int line, rc;
    while ((rc = ds_jsonl_next(&r, &obj, &line, c->e)) == 1) {
        ld_loc at = {c->t->files[file], line};
        cJSON *rec = map(c, obj, at, user);
        if (!rec || ld_add(c, rec, file, line) != 0) {
            rc = -1;
            break;
        }
    }
    free(buf);
    return rc < 0 ? -1 : 0;
}

int ld_csv_map(ld_ctx *c, const char *path, const char *const *header, int n_fields, ld_csv_map_fn map) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, NULL, &n, &file);
    if (!buf) return -1;
    const char *name = c->t->files[file];
    ds_csv r;
    ds_csv_init(&r, buf, n, name, ',', 1);
    ds_csv_row row;
    int rc, first = 1;
    while ((rc = ds_csv_next(&r, &row, c->e)) == 1) {
        if (row.n_fields != n_fields) {
            rc = err_set(c->e, "%s:%d: expected %d fields, got %d", name, row.line, n_fields, row.n_fields);
            break;
        }
        if (first) {
            first = 0;
            for (int i = 0; i < n_fields && rc >= 0; i++)
                if (strcmp(row.fields[i], header[i]) != 0)
                    rc = err_set(c->e, "%s:%d: header field %d: expected \"%s\", got \"%.40s\"", name, row.line,
                                 i + 1, header[i], row.fields[i]);
            if (rc < 0) break;
            continue;
        }
        cJSON *rec = map(c, row.fields, (ld_loc){name, row.line});
        if (!rec || ld_add(c, rec, file, row.line) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && first) rc = err_set(c->e, "%s: empty file (expected a header row)", name);
    ds_csv_deinit(&r);
    free(buf);
    return rc < 0 ? -1 : 0;
}

int ld_jsonl_passthrough(ld_ctx *c, const char *path, const char *member, const ld_field *fields, int n_fields) {
    size_t n;
    int file;
    char *buf = ld_read(c, path, member, &n, &file);
    if (!buf) return -1;
    ds_jsonl r;
    ds_jsonl_init(&r, buf, n, c->t->files[file]);
    cJSON *obj;
    int line, rc;
    while ((rc = ds_jsonl_next(&r, &obj, &line, c->e)) == 1) {
        ld_loc at = {c->t->files[file], line};
        if (fields && ld_check(c, obj, at, fields, n_fields) != 0) {
            cJSON_Delete(obj);
            rc = -1;
            break;
        }
        if (ld_add(c, obj, file, line) != 0) {
            rc = -1;
            break;
        }
    }
    free(buf);
    return rc < 0 ? -1 : 0;
}

int ld_hf_rows(ld_ctx *c, const ld_field *fields, int n_fields) {
    char rel[LD_PATH_BYTES], path[LD_PATH_BYTES];
    snprintf(rel, sizeof rel, "hf/%s/%s.jsonl", c->config[0] ? c->config : "default", c->split);
    if (!ld_find(c, rel, path, sizeof path)) return 1;
    return ld_jsonl_passthrough(c, path, NULL, fields, n_fields) == 0 ? 0 : -1;
}

cJSON *ld_strn(const char *text, size_t len) {
    char *s = malloc(len + 1);
    if (!s) return NULL;
    memcpy(s, text, len);
    s[len] = 0;
    cJSON *v = cJSON_CreateString(s);
    free(s);
    return v;
}

const char *ld_split_alias(const char *split, const char *validation, const char *train, const char *test) {
    if (strcmp(split, "validation") == 0) return validation;
    if (strcmp(split, "train") == 0) return train;
    if (strcmp(split, "test") == 0) return test;
    return split;
}

/* ---- resolution ---- */

static const struct {
    const char *name;
    ld_fn fn;
} LOADERS[] = {
    {"arc", ld_arc},
    {"bbq", ld_bbq},
    {"bold", ld_bold},
    {"boolq", ld_boolq},
    {"commonsenseqa", ld_commonsenseqa},
    {"crows_pairs", ld_crows_pairs},
    {"gsm8k", ld_gsm8k},
    {"hellaswag", ld_hellaswag},
    {"humaneval", ld_humaneval},
    {"mmlu", ld_mmlu},
    {"nq_open", ld_nq_open},
    {"openbookqa", ld_openbookqa},
    {"piqa", ld_piqa},
    {"realtoxicityprompts", ld_realtoxicityprompts},
    {"siqa", ld_siqa},
    {"toxigen", ld_toxigen},
    {"triviaqa", ld_triviaqa},
    {"truthfulqa", ld_truthfulqa},
    {"winobias", ld_winobias},
    {"winogender", ld_winogender},
    {"winogrande", ld_winogrande},
};

ld_fn ld_lookup(const char *dataset) {
    for (size_t i = 0; i < sizeof LOADERS / sizeof LOADERS[0]; i++)
        if (strcmp(LOADERS[i].name, dataset) == 0) return LOADERS[i].fn;
    return NULL;
}

static int list_contains(const char *const *list, const char *s) {
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0) return 1;
    return 0;
}

static void list_join(strbuf *b, const char *const *list, int max_items) {
    int i = 0;
    for (; list && list[i]; i++) {
        if (i == max_items) {
            strbuf_puts(b, ", ...");
            return;
        }
        strbuf_printf(b, "%s%s", i ? ", " : "", list[i]);
    }
}

#define DS_LISTED_CONFIGS 8 /* configs quoted in an error message */

/* Picks the canonical config; -1 with a message naming the valid ones. */
static int resolve_config(const ds_info *d, const char *config, const char **out, errbuf *e) {
    if (!d->configs) {
        /* The HF config a single-config dataset lives under ("aps/super_glue
         * (boolq)") names the whole dataset, as does "default". */
        const char *note = d->hf_id ? strchr(d->hf_id, '(') : NULL;
        int is_hf_config = note && config && strncmp(note + 1, config, strlen(config)) == 0 &&
                           note[1 + strlen(config)] == ')';
        if (config && config[0] && strcmp(config, "default") != 0 && !is_hf_config)
            return err_set(e, "%s: has no configs, got config '%s'", d->name, config);
        *out = "";
        return 0;
    }
    if (!config || !config[0]) {
        if (!d->default_config) {
            strbuf b;
            strbuf_init(&b);
            list_join(&b, d->configs, DS_LISTED_CONFIGS);
            err_set(e, "%s: a config is required (one of %s)", d->name, strbuf_str(&b));
            strbuf_deinit(&b);
            return -1;
        }
        *out = d->default_config;
        return 0;
    }
    for (const char *const *p = d->configs; *p; p++)
        if (strcmp(*p, config) == 0) {
            *out = *p;
            return 0;
        }
    for (const char *const *p = d->configs; *p; p++)
        if (strcasecmp(*p, config) == 0)
            return err_set(e, "%s: unknown config '%s' (did you mean '%s'?)", d->name, config, *p);
    strbuf b;
    strbuf_init(&b);
    list_join(&b, d->configs, DS_LISTED_CONFIGS);
    err_set(e, "%s: unknown config '%s' (known: %s)", d->name, config, strbuf_str(&b));
    strbuf_deinit(&b);
    return -1;
}

static void finish_table(ds_table *t) {
    strbuf src;
    strbuf_init(&src);
    for (int i = 0; i < t->n_files; i++) strbuf_printf(&src, "%s%s", i ? ", " : "", t->files[i]);
    free(t->source);
    t->source = strbuf_take(&src);
    if (t->n_files == 1) {
        memcpy(t->sha256, t->file_sha[0], sizeof t->sha256);
    } else {
        sha256_ctx h;
        sha256_init(&h);
        for (int i = 0; i < t->n_files; i++) {
            sha256_update(&h, t->file_sha[i], 64);
            sha256_update(&h, "  ", 2);
            sha256_update(&h, t->file_rel[i], strlen(t->file_rel[i]));
            sha256_update(&h, "\n", 1);
        }
        unsigned char d[32];
        sha256_final(&h, d);
        for (int i = 0; i < 32; i++) snprintf(t->sha256 + 2 * i, 3, "%02x", d[i]);
    }
}

/* Runs the dataset's loader on one root. 0 loaded, 1 nothing there, -1 error. */
static int try_root(ds_table *t, const ds_info *d, ld_fn fn, const char *root, const char *config, const char *split,
                    strbuf *tried, errbuf *e) {
    strbuf warn;
    strbuf_init(&warn);
    ld_ctx c = {root, d, config, split, t, tried, &warn, e};
    int rc = fn(&c);
    if (rc == 0 && t->n == 0) {
        rc = err_set(e, "%s: %s/%s: the files hold no records", t->n_files ? t->files[0] : root, d->name, split);
    }
    if (rc != 0) {
        table_clear(t);
        strbuf_deinit(&warn);
        return rc;
    }
    free(t->warning);
    t->warning = strbuf_failed(&warn) ? NULL : strbuf_take(&warn);
    strbuf_deinit(&warn);
    finish_table(t);
    return 0;
}

static void fill_dl_opts(const ds_opts *o, dl_opts *d) {
    dl_opts_default(d);
    if (!o) return;
    if (o->connect_timeout_ms > 0) d->connect_timeout_ms = o->connect_timeout_ms;
    if (o->low_speed_bytes_per_s > 0) d->low_speed_bytes_per_s = o->low_speed_bytes_per_s;
    if (o->low_speed_time_s > 0) d->low_speed_time_s = o->low_speed_time_s;
    if (o->max_attempts > 0) d->max_attempts = o->max_attempts;
    if (o->backoff_initial_ms > 0) d->backoff_initial_ms = o->backoff_initial_ms;
    if (o->backoff_max_ms > 0) d->backoff_max_ms = o->backoff_max_ms;
    d->progress = o->progress;
    d->progress_user = o->progress_user;
}

/* The URL a file source is fetched from, honouring url_mirror. */
static void source_url(const ds_opts *o, const ds_src *s, char *out, size_t cap) {
    const char *mirror = o ? o->url_mirror : NULL;
    const char *u = s->url;
    if (mirror && mirror[0]) {
        const char *host = strstr(u, "://");
        host = host ? host + 3 : u;
        size_t ml = strlen(mirror);
        snprintf(out, cap, "%.*s/%s", (int)(ml && mirror[ml - 1] == '/' ? ml - 1 : ml), mirror, host);
    } else snprintf(out, cap, "%s", u);
}

/* Downloads every source of one alternative into the cache. */
static int fetch_alternative(const ds_opts *o, const char *cache, const ds_src *const *srcs, int n,
                             const char *config, const char *split, errbuf *e) {
    dl_opts dopt;
    fill_dl_opts(o, &dopt);
    const char *hf_base = o && o->hf_rows_url && o->hf_rows_url[0] ? o->hf_rows_url : DS_HF_ROWS_URL;
    for (int i = 0; i < n; i++) {
        const ds_src *s = srcs[i];
        char rel[LD_PATH_BYTES], dest[LD_PATH_BYTES * 2], dir[LD_PATH_BYTES * 2];
        if (ds_src_cache_path(s, config, split, rel, sizeof rel) != 0) return err_set(e, "cache path too long");
        snprintf(dest, sizeof dest, "%s/%s", cache, rel);
        if (file_exists(dest)) continue; /* complete and verified: only renamed into place after checks */
        snprintf(dir, sizeof dir, "%s", dest);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        if (file_mkdirs(dir, e) != 0) return -1;
        int rc;
        if (s->kind == DS_SRC_FILE) {
            char url[LD_PATH_BYTES];
            source_url(o, s, url, sizeof url);
            rc = dl_file(url, dest, s->sha256, s->n_bytes, s->sha256 ? -1 : s->n_rows, &dopt, NULL, e);
        } else {
            rc = dl_hf_rows(hf_base, s->url, ds_src_hf_config(s, config), ds_src_hf_split(s, split), dest, s->n_rows,
                            &dopt, NULL, e);
        }
        if (rc != 0) return -1;
    }
    return 0;
}

/* 1 if every source of the alternative is in the cache. */
static int alternative_cached(const char *cache, const ds_src *const *srcs, int n, const char *config,
                              const char *split) {
    for (int i = 0; i < n; i++) {
        char rel[LD_PATH_BYTES], dest[LD_PATH_BYTES * 2];
        if (ds_src_cache_path(srcs[i], config, split, rel, sizeof rel) != 0) return 0;
        snprintf(dest, sizeof dest, "%s/%s", cache, rel);
        if (!file_exists(dest)) return 0;
    }
    return 1;
}

ds_table *ds_load(const char *dataset, const char *config_in, const char *split, const ds_opts *o, errbuf *e) {
    const ds_info *d = ds_info_find(dataset);
    if (!d) {
        strbuf b;
        strbuf_init(&b);
        for (int i = 0; i < ds_n_datasets(); i++) strbuf_printf(&b, "%s%s", i ? ", " : "", ds_info_at(i)->name);
        err_set(e, "unknown dataset '%s' (known: %s)", dataset ? dataset : "(null)", strbuf_str(&b));
        strbuf_deinit(&b);
        return NULL;
    }
    const char *config = "";
    if (resolve_config(d, config_in, &config, e) != 0) return NULL;
    if (!split || !list_contains(d->splits, split)) {
        strbuf b;
        strbuf_init(&b);
        list_join(&b, d->splits, DS_LISTED_CONFIGS);
        err_set(e, "%s: unknown split '%s' (known: %s)", d->name, split ? split : "(null)", strbuf_str(&b));
        strbuf_deinit(&b);
        return NULL;
    }
    ld_fn fn = ld_lookup(d->name);
    if (!fn) {
        err_set(e, "%s: no loader", d->name);
        return NULL;
    }
    ds_table *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(e, "out of memory");
        return NULL;
    }
    t->dataset = strdup(d->name);
    t->config = strdup(config);
    t->split = strdup(split);
    if (!t->dataset || !t->config || !t->split) {
        ds_free(t);
        err_set(e, "out of memory");
        return NULL;
    }
    char what[512];
    snprintf(what, sizeof what, "%s%s%s/%s", d->name, config[0] ? "/" : "", config, split);
    strbuf tried;
    strbuf_init(&tried);
    strbuf why; /* what failed, for the final message */
    strbuf_init(&why);
    int rc;

    if (o && o->data_dir && o->data_dir[0]) {
        rc = try_root(t, d, fn, o->data_dir, config, split, &tried, e);
        if (rc <= 0) goto done;
        strbuf_printf(&why, "not in --data-dir %s (looked for %s)", o->data_dir, strbuf_str(&tried));
    }

    char cache[LD_PATH_BYTES];
    if (ds_cache_dir(o, cache, sizeof cache) != 0) {
        rc = err_set(e, "%s: %s; no cache directory (set GRIFFIN_CACHE or HOME)", what,
                     why.len ? strbuf_str(&why) : "no --data-dir");
        goto done;
    }
    /* The cache is used when it holds a whole alternative (a union config
     * such as MMLU "all" must not load a partial set), or, offline, whatever
     * it holds. */
    const ds_src *srcs[DS_MAX_SOURCES];
    int cached = 0;
    for (int alt = 0;; alt++) {
        int n = ds_registry_select(d, config, split, alt, srcs, DS_MAX_SOURCES);
        if (n <= 0 || n > DS_MAX_SOURCES) break;
        if (alternative_cached(cache, srcs, n, config, split)) {
            cached = 1;
            break;
        }
    }
    if (cached || (o && o->offline)) {
        strbuf_clear(&tried);
        rc = try_root(t, d, fn, cache, config, split, &tried, e);
        if (rc <= 0) goto done;
        strbuf_printf(&why, "%snot in the cache %s", why.len ? "; " : "", cache);
    } else strbuf_printf(&why, "%snot in the cache %s", why.len ? "; " : "", cache);

    if (o && o->offline) {
        rc = err_set(e, "%s: %s; offline, so nothing was downloaded", what, strbuf_str(&why));
        goto done;
    }
    int n_alt = 0;
    for (int alt = 0;; alt++) {
        int n = ds_registry_select(d, config, split, alt, srcs, DS_MAX_SOURCES);
        if (n <= 0) break;
        n_alt++;
        if (n > DS_MAX_SOURCES) {
            strbuf_printf(&why, "; source %d: too many files", alt);
            continue;
        }
        errbuf de;
        if (fetch_alternative(o, cache, srcs, n, config, split, &de) != 0) {
            strbuf_printf(&why, "; download failed: %s", de.msg);
            continue;
        }
        strbuf_clear(&tried);
        rc = try_root(t, d, fn, cache, config, split, &tried, e);
        if (rc <= 0) goto done;
        strbuf_printf(&why, "; downloaded source %d but found no files for the split", alt);
    }
    if (n_alt == 0) strbuf_printf(&why, "; the registry has no download source for it");
    rc = err_set(e, "%s: %s", what, strbuf_str(&why));
done:
    strbuf_deinit(&tried);
    strbuf_deinit(&why);
    if (rc != 0) {
        ds_free(t);
        return NULL;
    }
    return t;
}
