/* tests/test_cli.c: the griffin binary end to end: exit codes, --help, and
 * `griffin logits` reproducing the golden arrays in their exact layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/fileio.h"
#include "model/safetensors.h"
#include "tests/test.h"

#define GOLDEN_MAX_ABS_DIFF 1e-4 /* as tests/test_golden.c */

TEST(cli_exit_codes_and_help) {
    char out[16384], cmd[2048];
    const char *g = test_griffin_bin();
    snprintf(cmd, sizeof cmd, "%s --help 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 0 && strstr(out, "logits") && strstr(out, "Examples"));
    snprintf(cmd, sizeof cmd, "%s 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2);
    snprintf(cmd, sizeof cmd, "%s frobnicate 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "unknown command 'frobnicate'"));
    snprintf(cmd, sizeof cmd, "%s logits --help 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 0 && strstr(out, "--prefill") && strstr(out, "default: 0"));
    snprintf(cmd, sizeof cmd, "%s logits --model x --tokens 1,2 --out o --prefill ten 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "--prefill: expected an integer, got 'ten'") &&
          strstr(out, "Try 'griffin logits --help'"));
    snprintf(cmd, sizeof cmd, "%s logits --model x --out o 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "--tokens is required"));
    snprintf(cmd, sizeof cmd, "%s logits --model /nonexistent --tokens 1 --out o 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 1 && strstr(out, "/nonexistent/config.json"));
    snprintf(cmd, sizeof cmd, "%s generate --model x --prompt hi -n -3 2>&1", g);
    CHECK(test_run_cmd(cmd, out, sizeof out) == 2 && strstr(out, "out of range"));
    snprintf(cmd, sizeof cmd, "%s init-model --preset huge --out %s/x 2>&1", g, test_tmpdir());
    CHECK(test_run_cmd(cmd, out, sizeof out) != 0);
}

static void check_logits_file(const char *path, const sft_tensor *want) {
    size_t n;
    errbuf e;
    char *got = file_read_all(path, 1u << 26, &n, &e);
    if (!CHECKF(got, "%s", e.msg)) return;
    CHECKF(n == want->n_bytes, "%s: %zu bytes, expected %zu ([%lld, %lld] float32)", path, n, want->n_bytes,
           (long long)want->shape[0], (long long)want->shape[1]);
    double worst = 0;
    const float *a = (const float *)got, *b = want->data;
    for (size_t i = 0; n == want->n_bytes && i < n / 4; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > worst) worst = d;
    }
    CHECKF(worst <= GOLDEN_MAX_ABS_DIFF, "%s: max |diff| %g", path, worst);
    free(got);
}

TEST(cli_logits_reproduces_golden_layout) {
    const char *shared = test_shared_dir();
    if (!shared) SKIP("../shared not present");
    char path[1024], cmd[8192], out[4096];
    snprintf(path, sizeof path, "%s/golden/tiny-griffin/expected.safetensors", shared);
    errbuf e;
    sft_file *f = sft_open(path, &e);
    if (!CHECKF(f, "%s", e.msg)) return;
    const sft_tensor *tokens = sft_find(f, "tokens");
    char ids[2048] = "";
    size_t off = 0;
    for (int i = 0; i < tokens->n_elems; i++)
        off += (size_t)snprintf(ids + off, sizeof ids - off, "%s%d", i ? "," : "", ((const int32_t *)tokens->data)[i]);
    const char *dir = test_tmpdir();
    snprintf(cmd, sizeof cmd, "%s logits --model %s/golden/tiny-griffin --tokens %s --out %s/fwd.f32 2>&1",
             test_griffin_bin(), shared, ids, dir);
    CHECKF(test_run_cmd(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/fwd.f32", dir);
    check_logits_file(path, sft_find(f, "logits_forward"));
    snprintf(cmd, sizeof cmd,
             "%s logits --model %s/golden/tiny-griffin --weights model-bf16.safetensors --tokens %s --prefill 12 "
             "--out %s/dec.f32 2>&1",
             test_griffin_bin(), shared, ids, dir);
    CHECKF(test_run_cmd(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(path, sizeof path, "%s/dec.f32", dir);
    check_logits_file(path, sft_find(f, "logits_decode_bf16"));
    sft_close(f);
}
