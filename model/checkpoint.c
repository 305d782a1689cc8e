#include "model/checkpoint.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"

#define CKPT_MAX_SHARDS 4096
#define CKPT_INDEX_MAX_BYTES (64u << 20)

struct ckpt {
    sft_file **files;
    int n_files;
};

static int add_file(ckpt *c, const char *path, errbuf *e) {
    for (int i = 0; i < c->n_files; i++)
        if (strcmp(sft_path(c->files[i]), path) == 0) return 0;
    if (c->n_files >= CKPT_MAX_SHARDS) return err_set(e, "%s: more than %d shards", path, CKPT_MAX_SHARDS);
    sft_file *f = sft_open(path, e);
    if (!f) return -1;
    c->files[c->n_files++] = f;
    return 0;
}

static int open_index(ckpt *c, const char *dir, const char *index_path, errbuf *e) {
    char *text = file_read_all(index_path, CKPT_INDEX_MAX_BYTES, NULL, e);
    if (!text) return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!root) return err_set(e, "%s: not valid JSON", index_path);
    int rc = 0;
    const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(wm)) {
        rc = err_set(e, "%s: missing object \"weight_map\"", index_path);
        goto done;
    }
    const cJSON *kv;
    cJSON_ArrayForEach(kv, wm) {
        if (!cJSON_IsString(kv)) {
            rc = err_set(e, "%s: weight_map[\"%.100s\"] is not a file name", index_path, kv->string);
            goto done;
        }
        const char *shard = kv->valuestring;
        if (strchr(shard, '/') || strcmp(shard, "..") == 0 || !*shard) {
            rc = err_set(e, "%s: weight_map[\"%.100s\"] = \"%.100s\" is not a plain file name", index_path,
                         kv->string, shard);
            goto done;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, shard);
        if ((rc = add_file(c, path, e)) != 0) goto done;
    }
    /* Every tensor the index names must be in the shard it names. */
    cJSON_ArrayForEach(kv, wm) {
        const sft_tensor *t = ckpt_find(c, kv->string);
        if (!t) {
            rc = err_set(e, "%s: tensor \"%.100s\" is listed in the index but missing from %s", index_path,
                         kv->string, kv->valuestring);
            goto done;
        }
    }
done:
    cJSON_Delete(root);
    return rc;
}

ckpt *ckpt_open(const char *dir, const char *weights_file, errbuf *e) {
    ckpt *c = calloc(1, sizeof *c);
    if (c) c->files = calloc(CKPT_MAX_SHARDS, sizeof *c->files);
    if (!c || !c->files) {
        free(c);
        err_set(e, "%s: out of memory", dir);
        return NULL;
    }
    char path[4096];
    int rc;
    if (weights_file) {
        snprintf(path, sizeof path, "%s/%s", dir, weights_file);
        rc = add_file(c, path, e);
    } else {
        snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
        if (file_exists(path)) {
            rc = open_index(c, dir, path, e);
        } else {
            snprintf(path, sizeof path, "%s/model.safetensors", dir);
            if (!file_exists(path)) {
                rc = err_set(e, "%s: no model.safetensors or model.safetensors.index.json in this directory", dir);
            } else {
                rc = add_file(c, path, e);
            }
        }
    }
    if (rc != 0) {
        ckpt_close(c);
        return NULL;
    }
    /* A tensor name in two shards is ambiguous. */
    for (int i = 0; i < c->n_files; i++)
        for (int k = 0; k < sft_n_tensors(c->files[i]); k++) {
            const sft_tensor *t = sft_tensor_at(c->files[i], k);
            for (int j = i + 1; j < c->n_files; j++)
                if (sft_find(c->files[j], t->name)) {
                    err_set(e, "%s: tensor \"%s\" is also in %s", sft_path(c->files[i]), t->name, sft_path(c->files[j]));
                    ckpt_close(c);
                    return NULL;
                }
        }
    return c;
}

void ckpt_close(ckpt *c) {
    if (!c) return;
    for (int i = 0; i < c->n_files; i++) sft_close(c->files[i]);
    free(c->files);
    free(c);
}

const sft_tensor *ckpt_find(const ckpt *c, const char *name) {
    for (int i = 0; i < c->n_files; i++) {
        const sft_tensor *t = sft_find(c->files[i], name);
        if (t) return t;
    }
    return NULL;
}

const char *ckpt_file_of(const ckpt *c, const sft_tensor *t) {
    for (int i = 0; i < c->n_files; i++)
        for (int k = 0; k < sft_n_tensors(c->files[i]); k++)
            if (sft_tensor_at(c->files[i], k) == t) return sft_path(c->files[i]);
    return "?";
}

int ckpt_n_files(const ckpt *c) { return c->n_files; }
const sft_file *ckpt_file_at(const ckpt *c, int i) { return i >= 0 && i < c->n_files ? c->files[i] : NULL; }

size_t ckpt_tensor_bytes(const ckpt *c) {
    size_t n = 0;
    for (int i = 0; i < c->n_files; i++)
        for (int k = 0; k < sft_n_tensors(c->files[i]); k++) n += sft_tensor_at(c->files[i], k)->n_bytes;
    return n;
}
