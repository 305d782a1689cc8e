#include "model/safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"

struct sft_file {
    char *path;
    file_map map;               /* empty when opened from memory */
    const unsigned char *bytes; /* whole file */
    size_t n_bytes;
    sft_tensor *tensors;
    int n_tensors;
    char **meta_keys, **meta_vals;
    int n_meta;
};

static const struct {
    const char *name;
    size_t bytes;
} dtype_info[SFT_N_DTYPES] = {
    [SFT_F32] = {"F32", 4}, [SFT_F16] = {"F16", 2}, [SFT_BF16] = {"BF16", 2}, [SFT_F64] = {"F64", 8},
    [SFT_I64] = {"I64", 8}, [SFT_I32] = {"I32", 4}, [SFT_I16] = {"I16", 2},   [SFT_I8] = {"I8", 1},
    [SFT_U8] = {"U8", 1},   [SFT_BOOL] = {"BOOL", 1},
};

size_t sft_dtype_bytes(sft_dtype t) { return (unsigned)t < SFT_N_DTYPES ? dtype_info[t].bytes : 0; }
const char *sft_dtype_name(sft_dtype t) { return (unsigned)t < SFT_N_DTYPES ? dtype_info[t].name : "?"; }

int sft_dtype_parse(const char *name) {
    for (int i = 0; i < SFT_N_DTYPES; i++)
        if (strcmp(name, dtype_info[i].name) == 0) return i;
    return -1;
}

/* A JSON number that is a non-negative integer exactly representable. */
static int json_uint(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return -1;
    double d = j->valuedouble;
    if (!(d >= 0) || d > 9007199254740992.0 || floor(d) != d) return -1;
    *out = (uint64_t)d;
    return 0;
}

static int cmp_by_offset(const void *a, const void *b) {
    const sft_tensor *x = *(sft_tensor *const *)a, *y = *(sft_tensor *const *)b;
    uintptr_t px = (uintptr_t)x->data, py = (uintptr_t)y->data;
    return px < py ? -1 : px > py;
}

static int parse_tensor(sft_file *f, const cJSON *item, const unsigned char *data, uint64_t data_bytes,
                        sft_tensor *t, errbuf *e) {
    const char *path = f->path;
    const char *name = item->string;
    if (strlen(name) >= SFT_MAX_NAME_BYTES)
        return err_set(e, "%s: tensor name of %zu bytes is longer than %d", path, strlen(name), SFT_MAX_NAME_BYTES - 1);
    snprintf(t->name, sizeof t->name, "%s", name);
    if (!cJSON_IsObject(item)) return err_set(e, "%s: tensor \"%s\": entry is not a JSON object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dt)) return err_set(e, "%s: tensor \"%s\": missing or non-string \"dtype\"", path, name);
    int d = sft_dtype_parse(dt->valuestring);
    if (d < 0) return err_set(e, "%s: tensor \"%s\": unknown dtype \"%.32s\"", path, name, dt->valuestring);
    t->dtype = (sft_dtype)d;
    if (!cJSON_IsArray(sh)) return err_set(e, "%s: tensor \"%s\": missing or non-array \"shape\"", path, name);
    int nd = cJSON_GetArraySize(sh);
    if (nd > SFT_MAX_DIMS) return err_set(e, "%s: tensor \"%s\": %d dimensions, at most %d supported", path, name, nd, SFT_MAX_DIMS);
    t->n_dims = nd;
    uint64_t n_elems = 1;
    for (int i = 0; i < nd; i++) {
        uint64_t v;
        if (json_uint(cJSON_GetArrayItem(sh, i), &v) != 0)
            return err_set(e, "%s: tensor \"%s\": shape[%d] is not a non-negative integer", path, name, i);
        if (v != 0 && n_elems > (UINT64_MAX / 16) / v)
            return err_set(e, "%s: tensor \"%s\": shape overflows (absurd size)", path, name);
        n_elems *= v;
        t->shape[i] = (int64_t)v;
    }
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return err_set(e, "%s: tensor \"%s\": \"data_offsets\" must be an array of two integers", path, name);
    uint64_t begin, end;
    if (json_uint(cJSON_GetArrayItem(off, 0), &begin) != 0 || json_uint(cJSON_GetArrayItem(off, 1), &end) != 0)
        return err_set(e, "%s: tensor \"%s\": \"data_offsets\" must be non-negative integers", path, name);
    if (begin > end) return err_set(e, "%s: tensor \"%s\": data_offsets begin %llu > end %llu", path, name,
                                    (unsigned long long)begin, (unsigned long long)end);
    if (end > data_bytes)
        return err_set(e, "%s: tensor \"%s\": data ends at byte %llu of the data section, but it has only %llu (truncated file?)",
                       path, name, (unsigned long long)end, (unsigned long long)data_bytes);
    uint64_t need = n_elems * dtype_info[d].bytes;
    if (end - begin != need)
        return err_set(e, "%s: tensor \"%s\": %llu data bytes, but shape and dtype %s need %llu", path, name,
                       (unsigned long long)(end - begin), dtype_info[d].name, (unsigned long long)need);
    t->data = data + begin;
    if (((uintptr_t)t->data) % dtype_info[d].bytes != 0)
        return err_set(e, "%s: tensor \"%s\": data at offset %llu is not aligned to its %zu-byte dtype", path, name,
                       (unsigned long long)begin, dtype_info[d].bytes);
    t->n_bytes = (size_t)need;
    t->n_elems = (int64_t)n_elems;
    return 0;
}

static int parse_metadata(sft_file *f, const cJSON *meta, errbuf *e) {
    if (f->meta_keys) return err_set(e, "%s: \"__metadata__\" appears twice in the header", f->path);
    if (!cJSON_IsObject(meta)) return err_set(e, "%s: \"__metadata__\" is not an object", f->path);
    int n = cJSON_GetArraySize(meta);
    f->meta_keys = calloc((size_t)n + 1, sizeof(char *));
    f->meta_vals = calloc((size_t)n + 1, sizeof(char *));
    if (!f->meta_keys || !f->meta_vals) return err_set(e, "%s: out of memory", f->path);
    const cJSON *kv;
    cJSON_ArrayForEach(kv, meta) {
        if (!cJSON_IsString(kv)) return err_set(e, "%s: \"__metadata__\".\"%.64s\" is not a string", f->path, kv->string);
        f->meta_keys[f->n_meta] = strdup(kv->string);
        f->meta_vals[f->n_meta] = strdup(kv->valuestring);
        if (!f->meta_keys[f->n_meta] || !f->meta_vals[f->n_meta]) return err_set(e, "%s: out of memory", f->path);
        f->n_meta++;
    }
    return 0;
}

static int parse(sft_file *f, errbuf *e) {
    const char *path = f->path;
    if (f->n_bytes < 8) return err_set(e, "%s: %zu bytes, too short for a safetensors header", path, f->n_bytes);
    uint64_t hdr = 0;
    for (int i = 7; i >= 0; i--) hdr = (hdr << 8) | f->bytes[i];
    if (hdr > f->n_bytes - 8)
        return err_set(e, "%s: header length %llu runs past the end of the file (%zu bytes)", path,
                       (unsigned long long)hdr, f->n_bytes);
    if (hdr > SFT_MAX_HEADER_BYTES)
        return err_set(e, "%s: header length %llu exceeds the %u-byte limit", path, (unsigned long long)hdr,
                       SFT_MAX_HEADER_BYTES);
    if (hdr < 2) return err_set(e, "%s: header length %llu is too short for a JSON object", path, (unsigned long long)hdr);
    const char *json = (const char *)f->bytes + 8;
    const char *end_ptr = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, (size_t)hdr, &end_ptr, 0);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long pos = (at && at >= json && at <= json + hdr) ? (long)(at - json) : -1;
        return err_set(e, "%s: header is not valid JSON (error near header byte %ld)", path, pos);
    }
    /* Only padding (spaces, as the reference writer emits) may follow. */
    for (const char *p = end_ptr; p && p < json + hdr; p++) {
        if (*p != ' ' && *p != '\0' && *p != '\n' && *p != '\t' && *p != '\r') {
            cJSON_Delete(root);
            return err_set(e, "%s: header has trailing bytes after the JSON object", path);
        }
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = err_set(e, "%s: header is not a JSON object", path);
        goto done;
    }
    int n = cJSON_GetArraySize(root);
    f->tensors = calloc((size_t)(n > 0 ? n : 1), sizeof *f->tensors);
    if (!f->tensors) {
        rc = err_set(e, "%s: out of memory for %d tensor entries", path, n);
        goto done;
    }
    const unsigned char *data = f->bytes + 8 + hdr;
    uint64_t data_bytes = f->n_bytes - 8 - hdr;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if ((rc = parse_metadata(f, item, e)) != 0) goto done;
            continue;
        }
        if (sft_find(f, item->string)) {
            rc = err_set(e, "%s: tensor \"%.200s\" appears twice in the header", path, item->string);
            goto done;
        }
        if ((rc = parse_tensor(f, item, data, data_bytes, &f->tensors[f->n_tensors], e)) != 0) goto done;
        f->n_tensors++;
    }
    /* Overlapping tensors would alias each other's data: reject them. */
    if (f->n_tensors > 1) {
        sft_tensor **order = malloc((size_t)f->n_tensors * sizeof *order);
        if (!order) {
            rc = err_set(e, "%s: out of memory", path);
            goto done;
        }
        for (int i = 0; i < f->n_tensors; i++) order[i] = &f->tensors[i];
        qsort(order, (size_t)f->n_tensors, sizeof *order, cmp_by_offset);
        for (int i = 1; i < f->n_tensors; i++) {
            const sft_tensor *a = order[i - 1], *b = order[i];
            if ((const unsigned char *)a->data + a->n_bytes > (const unsigned char *)b->data) {
                rc = err_set(e, "%s: tensors \"%s\" and \"%s\" overlap in the data section", path, a->name, b->name);
                break;
            }
        }
        free(order);
    }
done:
    cJSON_Delete(root);
    return rc;
}

static sft_file *finish_open(sft_file *f, errbuf *e) {
    if (parse(f, e) != 0) {
        sft_close(f);
        return NULL;
    }
    return f;
}

sft_file *sft_open(const char *path, errbuf *e) {
    sft_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    if (file_map_open(&f->map, path, e) != 0) {
        sft_close(f);
        return NULL;
    }
    f->bytes = f->map.data;
    f->n_bytes = f->map.n_bytes;
    return finish_open(f, e);
}

sft_file *sft_open_memory(const void *bytes, size_t n_bytes, const char *label, errbuf *e) {
    sft_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(label))) {
        free(f);
        err_set(e, "%s: out of memory", label);
        return NULL;
    }
    f->bytes = bytes;
    f->n_bytes = n_bytes;
    return finish_open(f, e);
}

void sft_close(sft_file *f) {
    if (!f) return;
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_vals[i]);
    }
    free(f->meta_keys);
    free(f->meta_vals);
    free(f->tensors);
    file_map_close(&f->map);
    free(f->path);
    free(f);
}

const char *sft_path(const sft_file *f) { return f->path; }
int sft_n_tensors(const sft_file *f) { return f->n_tensors; }
const sft_tensor *sft_tensor_at(const sft_file *f, int i) {
    return i >= 0 && i < f->n_tensors ? &f->tensors[i] : NULL;
}

const sft_tensor *sft_find(const sft_file *f, const char *name) {
    for (int i = 0; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *sft_metadata(const sft_file *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_keys[i], key) == 0) return f->meta_vals[i];
    return NULL;
}

/* ---- writer ---- */

struct sft_writer {
    char *path, *tmp;
    FILE *fp;
    uint64_t remaining; /* data bytes still expected */
};

static void json_escape(FILE *fp, const char *s) {
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(fp, "\\%c", c);
        else if (c < 0x20) fprintf(fp, "\\u%04x", c);
        else fputc(c, fp);
    }
    fputc('"', fp);
}

sft_writer *sft_writer_open(const char *path, const sft_desc *descs, int n_descs,
                            const char *const *meta_kv, int n_meta, errbuf *e) {
    sft_writer *w = calloc(1, sizeof *w);
    if (!w) {
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    w->path = strdup(path);
    size_t tl = strlen(path) + 16;
    w->tmp = malloc(tl);
    if (!w->path || !w->tmp) {
        sft_writer_abort(w);
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->tmp, tl, "%s.tmp%d", path, (int)getpid());
    /* Build the header in memory (it is small), pad to 8 bytes with spaces
     * so the data section, and every tensor in it, stays aligned. */
    char *hdr = NULL;
    size_t hdr_len = 0;
    FILE *mem = open_memstream(&hdr, &hdr_len);
    if (!mem) {
        sft_writer_abort(w);
        err_set(e, "%s: out of memory", path);
        return NULL;
    }
    fputc('{', mem);
    int first = 1;
    if (n_meta > 0) {
        fputs("\"__metadata__\":{", mem);
        for (int i = 0; i < n_meta; i++) {
            if (i) fputc(',', mem);
            json_escape(mem, meta_kv[2 * i]);
            fputc(':', mem);
            json_escape(mem, meta_kv[2 * i + 1]);
        }
        fputc('}', mem);
        first = 0;
    }
    uint64_t off = 0;
    for (int i = 0; i < n_descs; i++) {
        const sft_desc *d = &descs[i];
        uint64_t n = sft_dtype_bytes(d->dtype);
        for (int k = 0; k < d->n_dims; k++) n *= (uint64_t)d->shape[k];
        if (off % sft_dtype_bytes(d->dtype) != 0) {
            fclose(mem);
            free(hdr);
            sft_writer_abort(w);
            err_set(e, "%s: tensor \"%s\" would start at offset %llu, not aligned to its dtype; order tensors "
                       "by decreasing dtype size", path, d->name, (unsigned long long)off);
            return NULL;
        }
        if (!first) fputc(',', mem);
        first = 0;
        json_escape(mem, d->name);
        fprintf(mem, ":{\"dtype\":\"%s\",\"shape\":[", sft_dtype_name(d->dtype));
        for (int k = 0; k < d->n_dims; k++) fprintf(mem, "%s%lld", k ? "," : "", (long long)d->shape[k]);
        fprintf(mem, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + n));
        off += n;
    }
    fputc('}', mem);
    fclose(mem);
    while (hdr_len % 8) {
        char *nh = realloc(hdr, hdr_len + 1);
        if (!nh) break;
        hdr = nh;
        hdr[hdr_len++] = ' ';
    }
    w->remaining = off;
    w->fp = fopen(w->tmp, "wb");
    if (!w->fp) {
        err_errno(e, "%s", w->tmp);
        free(hdr);
        sft_writer_abort(w);
        return NULL;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)hdr_len >> (8 * i));
    int ok = fwrite(len8, 1, 8, w->fp) == 8 && fwrite(hdr, 1, hdr_len, w->fp) == hdr_len;
    free(hdr);
    if (!ok) {
        err_errno(e, "%s: write", w->tmp);
        sft_writer_abort(w);
        return NULL;
    }
    return w;
}

int sft_writer_write(sft_writer *w, const void *data, size_t n_bytes, errbuf *e) {
    if (n_bytes > w->remaining)
        return err_set(e, "%s: %zu more bytes written than the header declares", w->path, n_bytes - (size_t)w->remaining);
    if (n_bytes && fwrite(data, 1, n_bytes, w->fp) != n_bytes) return err_errno(e, "%s: write", w->tmp);
    w->remaining -= n_bytes;
    return 0;
}

int sft_writer_finish(sft_writer *w, errbuf *e) {
    int rc = 0;
    if (w->remaining) rc = err_set(e, "%s: %llu data bytes were never written", w->path, (unsigned long long)w->remaining);
    if (rc == 0 && (fflush(w->fp) != 0 || fsync(fileno(w->fp)) != 0)) rc = err_errno(e, "%s: write", w->tmp);
    if (fclose(w->fp) != 0 && rc == 0) rc = err_errno(e, "%s: close", w->tmp);
    w->fp = NULL;
    if (rc == 0 && rename(w->tmp, w->path) != 0) rc = err_errno(e, "rename %s", w->tmp);
    if (rc != 0) {
        sft_writer_abort(w);
        return rc;
    }
    free(w->path);
    free(w->tmp);
    free(w);
    return 0;
}

void sft_writer_abort(sft_writer *w) {
    if (!w) return;
    if (w->fp) fclose(w->fp);
    if (w->tmp) unlink(w->tmp);
    free(w->path);
    free(w->tmp);
    free(w);
}
