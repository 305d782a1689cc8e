/* tests/test_safetensors.c: the safetensors reader on hostile input, the
 * writer round trip, and model loading errors on broken checkpoints. Each
 * bad case must give a clear message naming the problem, never a crash or an
 * over-read (ASan checks the latter in `make asan`). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "model/checkpoint.h"
#include "model/init.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "tests/test.h"

/* Builds header + data bytes into buf; returns the size. */
static size_t make_file(unsigned char *buf, size_t cap, const char *json, size_t data_bytes, uint64_t claimed_len) {
    size_t n = strlen(json);
    uint64_t len = claimed_len ? claimed_len : n;
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(len >> (8 * i));
    memcpy(buf + 8, json, n);
    size_t total = 8 + n + data_bytes;
    if (total > cap) total = cap;
    memset(buf + 8 + n, 0, total - 8 - n);
    return total;
}

typedef struct bad_case {
    const char *json;
    size_t data_bytes;
    uint64_t claimed_len; /* 0: the JSON's length */
    const char *expect;   /* substring of the message */
} bad_case;

TEST(safetensors_rejects_hostile_headers) {
    static const bad_case cases[] = {
        {"{}", 0, 1u << 30, "runs past the end"},
        {"{\"a\":", 0, 0, "not valid JSON"},
        {"[1,2]", 0, 0, "not a JSON object"},
        {"{\"w\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0, "unknown dtype"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, 0, "shape[0]"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, 0, "shape[0]"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, 0,
         "overflow"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, 0, "truncated"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, 0, "begin"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0, "need 12"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         12, 0, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
         8, 0, "twice"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 8, 0, "aligned"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, 0, "data_offsets"},
        {"{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0, "dtype"},
        {"{\"w\":7}", 4, 0, "not a JSON object"},
        {"{\"__metadata__\":{\"k\":1}}", 0, 0, "not a string"},
        {"{} x", 0, 0, "trailing"},
        {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, 0, "dimensions"},
    };
    unsigned char buf[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* Pad the JSON so the data section starts 8-byte aligned. */
        char json[1024];
        snprintf(json, sizeof json, "%s", cases[i].json);
        while ((strlen(json)) % 8) strcat(json, " ");
        size_t n = make_file(buf, sizeof buf, json, cases[i].data_bytes, cases[i].claimed_len);
        errbuf e = {{0}};
        sft_file *f = sft_open_memory(buf, n, "bad.safetensors", &e);
        CHECKF(!f, "case %zu accepted: %s", i, cases[i].json);
        CHECKF(strstr(e.msg, cases[i].expect) && strstr(e.msg, "bad.safetensors"),
               "case %zu: message \"%s\" lacks \"%s\"", i, e.msg, cases[i].expect);
        sft_close(f);
    }
    errbuf e;
    CHECK(!sft_open_memory(buf, 5, "short", &e) && strstr(e.msg, "too short"));
    CHECK(!sft_open("/nonexistent/x.safetensors", &e) && strstr(e.msg, "/nonexistent/x.safetensors"));
}

TEST(safetensors_writer_round_trip) {
    char path[1024];
    snprintf(path, sizeof path, "%s/rt.safetensors", test_tmpdir());
    sft_desc bad[2] = {{"b.bias", SFT_BF16, 1, {3}}, {"a.weight", SFT_F32, 2, {2, 3}}};
    sft_desc d[2] = {{"a.weight", SFT_F32, 2, {2, 3}}, {"b.bias", SFT_BF16, 1, {3}}};
    const char *meta[] = {"format", "pt"};
    errbuf e;
    CHECK(!sft_writer_open(path, bad, 2, meta, 1, &e) && strstr(e.msg, "aligned"));
    sft_writer *w = sft_writer_open(path, d, 2, meta, 1, &e);
    if (!CHECKF(w, "%s", e.msg)) return;
    uint16_t bias[3] = {0x3f80, 0x4000, 0xbf80};
    float wts[6] = {1, 2, 3, 4, 5, 6};
    CHECK(sft_writer_write(w, wts, 8, &e) == 0);
    CHECK(sft_writer_write(w, wts + 2, 16, &e) == 0);
    CHECK(sft_writer_write(w, bias, sizeof bias, &e) == 0);
    CHECK(sft_writer_write(w, wts, 1, &e) != 0); /* more than declared */
    CHECK(sft_writer_finish(w, &e) == 0);
    sft_file *f = sft_open(path, &e);
    if (!CHECKF(f, "%s", e.msg)) return;
    CHECK(sft_n_tensors(f) == 2);
    const sft_tensor *t = sft_find(f, "a.weight");
    CHECK(t && t->dtype == SFT_F32 && t->n_dims == 2 && t->shape[0] == 2 && t->shape[1] == 3);
    CHECK(t && memcmp(t->data, wts, sizeof wts) == 0);
    t = sft_find(f, "b.bias");
    CHECK(t && t->dtype == SFT_BF16 && memcmp(t->data, bias, sizeof bias) == 0);
    CHECK(sft_metadata(f, "format") && strcmp(sft_metadata(f, "format"), "pt") == 0);
    CHECK(!sft_find(f, "missing"));
    sft_close(f);
    /* An unfinished writer leaves nothing behind. */
    w = sft_writer_open(path, d, 2, NULL, 0, &e);
    CHECK(sft_writer_finish(w, &e) != 0 && strstr(e.msg, "never written"));
}

/* Writes a tiny checkpoint into dir. */
static int tiny_checkpoint(const char *dir) {
    model_config c;
    config_preset(&c, "tiny", 64, NULL);
    c.n_layers = 3;
    errbuf e;
    return CHECKF(model_init_write(&c, dir, W_F32, 1, NULL, &e) == 0, "%s", e.msg) ? 0 : -1;
}

static void copy_with_edit(const char *src, const char *dst, long truncate_to, long flip_at) {
    size_t n;
    errbuf e;
    char *d = file_read_all(src, 1u << 30, &n, &e);
    if (!d) return;
    if (flip_at >= 0 && (size_t)flip_at < n) d[flip_at] = '#';
    file_write_atomic(dst, d, truncate_to >= 0 ? (size_t)truncate_to : n, &e);
    free(d);
}

TEST(model_load_reports_broken_checkpoints) {
    char dir[1024], path[1200], bad[1200];
    snprintf(dir, sizeof dir, "%s/ok", test_tmpdir());
    if (tiny_checkpoint(dir) != 0) return;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    errbuf e;
    model *m = model_load(dir, NULL, &e);
    CHECKF(m, "%s", e.msg);
    model_free(m);

    struct stat st;
    stat(path, &st);
    /* Truncated weights. */
    snprintf(bad, sizeof bad, "%s/model.safetensors", dir);
    char trunc_dir[1024];
    snprintf(trunc_dir, sizeof trunc_dir, "%s/trunc", test_tmpdir());
    tiny_checkpoint(trunc_dir);
    snprintf(bad, sizeof bad, "%s/model.safetensors", trunc_dir);
    copy_with_edit(path, bad, st.st_size - 100, -1);
    CHECK(!model_load(trunc_dir, NULL, &e) && strstr(e.msg, "truncated") && strstr(e.msg, "model.safetensors"));

    /* Garbage header: a '#' in the middle of the JSON. */
    snprintf(bad, sizeof bad, "%s/model.safetensors", trunc_dir);
    copy_with_edit(path, bad, -1, 9);
    CHECK(!model_load(trunc_dir, NULL, &e) && strstr(e.msg, "JSON"));

    /* Wrong shape: config says a different width than the tensors have. */
    char cfg[1200];
    snprintf(cfg, sizeof cfg, "%s/config.json", trunc_dir);
    copy_with_edit(path, bad, -1, -1);
    model_config c;
    config_preset(&c, "tiny", 64, NULL);
    c.n_layers = 3;
    c.mlp_width += 2;
    config_write(&c, cfg, &e);
    CHECK(!model_load(trunc_dir, NULL, &e) && strstr(e.msg, "shape") && strstr(e.msg, "mlp_block"));

    /* Missing tensor: a config with one more layer than the weights hold. */
    c.mlp_width -= 2;
    c.n_layers = 4;
    config_write(&c, cfg, &e);
    CHECK(!model_load(trunc_dir, NULL, &e) && strstr(e.msg, "missing") && strstr(e.msg, "layers.3"));

    /* No weights at all, and a bad config. */
    char empty[1024];
    snprintf(empty, sizeof empty, "%s/empty", test_tmpdir());
    file_mkdirs(empty, &e);
    snprintf(cfg, sizeof cfg, "%s/config.json", empty);
    file_write_atomic(cfg, "{\"model_type\": \"llama\"}", 23, &e);
    CHECK(!model_load(empty, NULL, &e) && strstr(e.msg, "llama"));
    config_write(&c, cfg, &e);
    CHECK(!model_load(empty, NULL, &e) && strstr(e.msg, "no model.safetensors"));
}

TEST(checkpoint_sharded_index) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/sharded", test_tmpdir());
    if (tiny_checkpoint(dir) != 0) return;
    /* Split model.safetensors into two shards by tensor, with an index. */
    char path[1200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    errbuf e;
    sft_file *f = sft_open(path, &e);
    if (!CHECKF(f, "%s", e.msg)) return;
    int n = sft_n_tensors(f);
    char idx[65536];
    size_t off = (size_t)snprintf(idx, sizeof idx, "{\"metadata\": {}, \"weight_map\": {");
    for (int part = 0; part < 2; part++) {
        sft_desc *d = calloc((size_t)n, sizeof *d);
        int nd = 0;
        for (int i = part; i < n; i += 2) {
            const sft_tensor *t = sft_tensor_at(f, i);
            d[nd].name = t->name;
            d[nd].dtype = t->dtype;
            d[nd].n_dims = t->n_dims;
            memcpy(d[nd].shape, t->shape, sizeof t->shape);
            nd++;
        }
        char shard[1200];
        snprintf(shard, sizeof shard, "%s/model-0000%d-of-00002.safetensors", dir, part + 1);
        sft_writer *w = sft_writer_open(shard, d, nd, NULL, 0, &e);
        for (int i = part; w && i < n; i += 2) {
            const sft_tensor *t = sft_tensor_at(f, i);
            sft_writer_write(w, t->data, t->n_bytes, &e);
            off += (size_t)snprintf(idx + off, sizeof idx - off, "%s\"%s\": \"model-0000%d-of-00002.safetensors\"",
                                    off > 40 ? ", " : "", t->name, part + 1);
        }
        CHECK(w && sft_writer_finish(w, &e) == 0);
        free(d);
    }
    snprintf(idx + off, sizeof idx - off, "}}");
    sft_close(f);
    unlink(path);
    char ipath[1200];
    snprintf(ipath, sizeof ipath, "%s/model.safetensors.index.json", dir);
    file_write_atomic(ipath, idx, strlen(idx), &e);
    ckpt *c = ckpt_open(dir, NULL, &e);
    CHECKF(c && ckpt_n_files(c) == 2, "%s", c ? "wrong shard count" : e.msg);
    ckpt_close(c);
    model *m = model_load(dir, NULL, &e);
    CHECKF(m, "%s", e.msg);
    model_free(m);
    /* An index naming a tensor its shard lacks. */
    char *p = strstr(idx, "model.final_norm.weight");
    if (p) memcpy(p, "model.finalXnorm.weight", 23);
    file_write_atomic(ipath, idx, strlen(idx), &e);
    CHECK(!ckpt_open(dir, NULL, &e) && strstr(e.msg, "finalXnorm"));
}

/* The handcrafted bad files under tests/fuzz/seeds must all be rejected or
 * accepted without a crash (the fuzz target's corpus, run in make test). */
TEST(safetensors_seed_corpus_no_crash) {
    const char *dirpath = "tests/fuzz/seeds/fuzz_safetensors";
    DIR *d = opendir(dirpath);
    if (!d) SKIP("%s not found (run from the repository root)", dirpath);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dirpath, de->d_name);
        errbuf e;
        sft_file *f = sft_open(path, &e);
        sft_close(f);
        n++;
    }
    closedir(d);
    CHECK(n > 5);
}

/* Found by the fuzzer: a second "__metadata__" leaked the first. */
TEST(safetensors_rejects_duplicate_metadata) {
    unsigned char buf[256];
    const char *json = "{\"__metadata__\":{\"a\":\"b\"},\"__metadata__\":{\"c\":\"d\"}}      ";
    size_t n = make_file(buf, sizeof buf, json, 0, 0);
    errbuf e;
    sft_file *f = sft_open_memory(buf, n, "dup", &e);
    CHECK(!f && strstr(e.msg, "twice"));
    sft_close(f);
}
