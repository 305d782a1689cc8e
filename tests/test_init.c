/* tests/test_init.c: init-model's checkpoints: deterministic whatever the
 * thread count, the reference's initialiser statistics, loadable. */
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "model/init.h"
#include "model/model.h"
#include "model/safetensors.h"
#include "tests/test.h"

TEST(init_model_same_bytes_any_threads) {
    model_config c;
    config_preset(&c, "tiny", 300, NULL);
    errbuf e;
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/a", test_tmpdir());
    snprintf(b, sizeof b, "%s/b", test_tmpdir());
    pool *p3 = pool_create(3, &e);
    CHECK(model_init_write(&c, a, W_BF16, 42, NULL, &e) == 0);
    CHECK(model_init_write(&c, b, W_BF16, 42, p3, &e) == 0);
    pool_free(p3);
    char pa[1100], pb[1100];
    snprintf(pa, sizeof pa, "%s/model.safetensors", a);
    snprintf(pb, sizeof pb, "%s/model.safetensors", b);
    size_t na, nb;
    char *da = file_read_all(pa, 1u << 30, &na, &e), *db = file_read_all(pb, 1u << 30, &nb, &e);
    CHECK(da && db && na == nb && memcmp(da, db, na) == 0);
    free(da);
    free(db);
}

TEST(init_model_initialiser_statistics) {
    model_config c;
    config_preset(&c, "tiny", 300, NULL);
    errbuf e;
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/m", test_tmpdir());
    if (!CHECKF(model_init_write(&c, dir, W_F32, 7, NULL, &e) == 0, "%s", e.msg)) return;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    sft_file *f = sft_open(path, &e);
    if (!CHECKF(f, "%s", e.msg)) return;
    /* linear_x: N(0, 1/width): sample std within 5% of 1/sqrt(128). */
    const sft_tensor *t = sft_find(f, "model.layers.0.temporal_block.linear_x.weight");
    double s2 = 0, s1 = 0;
    const float *v = t->data;
    for (int64_t i = 0; i < t->n_elems; i++) {
        s1 += v[i];
        s2 += (double)v[i] * v[i];
    }
    double sd = sqrt(s2 / t->n_elems), want = 1.0 / sqrt(128.0);
    CHECKF(fabs(sd / want - 1) < 0.05, "std %g, expected %g", sd, want);
    CHECKF(fabs(s1 / t->n_elems) < 4 * want / sqrt((double)t->n_elems), "mean %g", s1 / t->n_elems);
    /* RG-LRU lambda: softplus(lambda) = -log(radius), radius in [0.9, 0.999]. */
    t = sft_find(f, "model.layers.0.temporal_block.rg_lru.recurrent_param");
    v = t->data;
    for (int64_t i = 0; i < t->n_elems; i++) {
        double radius = exp(-log1p(exp((double)v[i])));
        if (!CHECKF(radius >= 0.9 - 1e-6 && radius <= 0.999 + 1e-6, "radius %g at %lld", radius, (long long)i)) break;
    }
    /* Biases and norm scales are zero. */
    t = sft_find(f, "model.layers.2.temporal_block.o_proj.bias");
    v = t->data;
    for (int64_t i = 0; i < t->n_elems; i++) CHECK(v[i] == 0.0f);
    sft_close(f);
    model *m = model_load(dir, NULL, &e);
    CHECKF(m && model_n_params(m) == config_n_params(&c), "%s", m ? "param count" : e.msg);
    model_free(m);
}
