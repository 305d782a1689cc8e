/* harness/cmd_logits.c: `griffin logits` and `griffin info`, the commands
 * that expose the engine directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "harness/cli.h"
#include "model/model.h"
#include "model/state.h"

int cmd_logits(cli_ctx *ctx, int argc, char **argv) {
    const char *model_dir = NULL, *tokens_text = NULL, *out_path = NULL, *weights = NULL;
    long prefill = 0, threads = 0;
    int use_ref = 0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory (config.json + safetensors)", 1, 0, 1},
        {"--tokens", CLI_STR, &tokens_text, "IDS", "comma-separated token ids", 1, 0, 1},
        {"--out", CLI_STR, &out_path, "FILE", "output file: float32 little-endian, row-major [rows, vocab]", 1, 0, 1},
        {"--prefill", CLI_INT, &prefill, "P",
         "prompt pass over the first P tokens, then the rest one at a time (0: one forward pass)", 0, 1e9, 0},
        {"--weights", CLI_STR, &weights, "FILE", "weights file inside DIR instead of the default", 1, 0, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--reference", CLI_FLAG, &use_ref, NULL, "use the scalar reference kernels", 1, 0, 0},
    };
    const cli_spec spec = {
        "logits", "Write the logits the model computes for a token sequence.",
        "griffin logits --model DIR --tokens ID,ID,... [--prefill P] --out FILE",
        "Without --prefill: one forward pass; rows = number of tokens, row i predicts token i+1.\n"
        "With --prefill P: rows = tokens - P; row 0 is the logits after the P-token prompt, row i\n"
        "the logits after feeding token P+i-1 (the last token is never fed), the layout of the\n"
        "golden logits_decode arrays.\n\nExample:\n  griffin logits --model ../shared/golden/tiny-griffin "
        "--tokens 2,17,300 --out l.f32",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    long *ids = NULL;
    int n = cli_parse_int_list("logits", "--tokens", tokens_text, 0, 0x7fffffff, &ids);
    if (n < 0) return EXIT_USAGE;
    if (prefill > 0 && prefill >= n) {
        free(ids);
        return cli_usage_error("logits", "--prefill %ld must be smaller than the number of tokens (%d)", prefill, n);
    }
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) {
        free(ids);
        return EXIT_RUNTIME;
    }
    errbuf e;
    model_load_opts lo = {.weights_file = weights};
    model *m = model_load(model_dir, &lo, &e);
    if (!m) {
        cli_error("logits", "%s", e.msg);
        free(ids);
        return EXIT_RUNTIME;
    }
    kctx k;
    kctx_init(&k, p, use_ref);
    const int V = model_cfg(m)->vocab_size;
    int32_t *toks = malloc((size_t)n * sizeof *toks);
    int rows = prefill > 0 ? n - (int)prefill : n;
    float *logits = malloc((size_t)rows * V * sizeof(float));
    state *s = state_create(m, &e);
    rc = EXIT_RUNTIME;
    if (!toks || !logits || !s) {
        cli_error("logits", "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) toks[i] = (int32_t)ids[i];
    if (prefill == 0) {
        model_seq q = {.st = s, .tokens = toks, .n_tokens = n, .n_logits = n, .logits = logits};
        if (model_forward(m, &k, &q, 1, &e) != 0) goto fail;
    } else {
        model_seq q = {.st = s, .tokens = toks, .n_tokens = (int)prefill, .n_logits = 1, .logits = logits};
        if (model_forward(m, &k, &q, 1, &e) != 0) goto fail;
        for (int i = (int)prefill; i < n - 1; i++) {
            model_seq one = {.st = s, .tokens = toks + i, .n_tokens = 1, .n_logits = 1,
                             .logits = logits + (size_t)(i - prefill + 1) * V};
            if (model_forward(m, &k, &one, 1, &e) != 0) goto fail;
        }
    }
    if (file_write_atomic(out_path, logits, (size_t)rows * V * sizeof(float), &e) != 0) goto fail;
    fprintf(stderr, "griffin logits: wrote %d x %d float32 to %s\n", rows, V, out_path);
    rc = EXIT_OK;
    goto done;
fail:
    cli_error("logits", "%s", e.msg);
done:
    state_free(s);
    free(logits);
    free(toks);
    free(ids);
    model_free(m);
    return rc;
}

int cmd_info(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const char *model_dir = NULL;
    int json = 0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory", 1, 0, 1},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of text", 1, 0, 0},
    };
    const cli_spec spec = {"info", "Print a model's configuration, size and per-sequence state memory.",
                           "griffin info --model DIR [--json]", NULL, opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    errbuf e;
    model *m = model_load(model_dir, NULL, &e);
    if (!m) {
        cli_error("info", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    const model_config *c = model_cfg(m);
    const long lens[] = {1, 128, 1024, 2048, 4096, 8192, 32768};
    if (json) {
        printf("{\"model\": \"%s\", \"arch\": \"%s\", \"vocab_size\": %d, \"width\": %d, \"layers\": %d, "
               "\"recurrent_layers\": %d, \"attention_layers\": %d, \"heads\": %d, \"kv_heads\": %d, "
               "\"head_dim\": %d, \"lru_width\": %d, \"mlp_width\": %d, \"window\": %d, \"dtype\": \"%s\", "
               "\"params\": %lld, \"weight_bytes\": %zu, \"state_bytes\": {",
               model_dir, c->arch == ARCH_GRIFFIN ? "griffin" : "gemma", c->vocab_size, c->width, c->n_layers,
               config_n_recurrent_layers(c), config_n_attention_layers(c), c->n_heads, c->n_kv_heads, c->head_dim,
               c->lru_width, c->mlp_width, c->window, model_dtype_name(m), model_n_params(m), model_weight_bytes(m));
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            printf("%s\"%ld\": %zu", i ? ", " : "", lens[i], model_state_bytes(m, lens[i]));
        printf("}}\n");
    } else {
        printf("model            %s\n", model_dir);
        printf("architecture     %s\n", c->arch == ARCH_GRIFFIN ? "griffin (recurrent_gemma)" : "gemma (transformer)");
        printf("layers           %d (%d recurrent, %d attention)\n", c->n_layers, config_n_recurrent_layers(c),
               config_n_attention_layers(c));
        printf("width            %d (heads %d, kv heads %d, head dim %d", c->width, c->n_heads, c->n_kv_heads,
               c->head_dim);
        if (c->arch == ARCH_GRIFFIN) printf(", lru width %d", c->lru_width);
        printf(")\nmlp width        %d\nvocab            %d\n", c->mlp_width, c->vocab_size);
        if (c->window) printf("attention window %d\n", c->window);
        else printf("attention        global (KV cache grows with the sequence)\n");
        printf("parameters       %lld\n", model_n_params(m));
        printf("weights          %s, %.1f MiB\n", model_dtype_name(m), model_weight_bytes(m) / 1048576.0);
        printf("state per sequence (f32):\n");
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
            printf("  %6ld tokens  %10.2f MiB\n", lens[i], model_state_bytes(m, lens[i]) / 1048576.0);
    }
    model_free(m);
    return EXIT_OK;
}
