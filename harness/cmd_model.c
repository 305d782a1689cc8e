/* harness/cmd_model.c: `griffin init-model` and `griffin generate`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "harness/cli.h"
#include "model/init.h"
#include "model/model.h"
#include "model/sample.h"
#include "model/state.h"
#include "model/tokenizer.h"

#define DEFAULT_TOKENIZER "assets/tokenizer.model"

static int copy_file(const char *src, const char *dst, errbuf *e) {
    size_t n;
    char *data = file_read_all(src, (size_t)1 << 30, &n, e);
    if (!data) return -1;
    int rc = file_write_atomic(dst, data, n, e);
    free(data);
    return rc;
}

int cmd_init_model(cli_ctx *ctx, int argc, char **argv) {
    const char *preset = NULL, *out = NULL, *dtype = "bf16", *tok_path = DEFAULT_TOKENIZER;
    long seed = 0, threads = 0, vocab = 0;
    const cli_opt opts[] = {
        {"--preset", CLI_STR, &preset, "NAME", "tiny, small, 2b, 9b, gemma-tiny, gemma-small, gemma-2b", 1, 0, 1},
        {"--out", CLI_STR, &out, "DIR", "output directory (created)", 1, 0, 1},
        {"--dtype", CLI_STR, &dtype, "TYPE", "bf16 or f32", 1, 0, 0},
        {"--seed", CLI_INT, &seed, "N", "random seed", 0, 9e18, 0},
        {"--tokenizer", CLI_STR, &tok_path, "FILE", "tokenizer.model copied into DIR; its size sets the vocab of "
                                                    "the tiny/small presets", 1, 0, 0},
        {"--vocab", CLI_INT, &vocab, "N", "override the vocabulary size (0: the preset's)", 0, 1 << 24, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
    };
    const cli_spec spec = {
        "init-model", "Write a random-weight checkpoint (HF format, the reference's initialisers).",
        "griffin init-model --preset NAME --out DIR [--dtype bf16|f32] [--seed N]",
        "Presets: tiny (width 128, 6 layers), small (~100M: width 768, 12 layers), 2b and 9b (the\n"
        "RecurrentGemma shapes, vocab 256000), gemma-tiny, gemma-small and gemma-2b (the Gemma-1\n"
        "transformer baseline). Weights are streamed to disk.\n\nExample:\n"
        "  griffin init-model --preset 2b --dtype bf16 --out models/2b",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    wtype wt;
    if (strcmp(dtype, "bf16") == 0) wt = W_BF16;
    else if (strcmp(dtype, "f32") == 0) wt = W_F32;
    else return cli_usage_error("init-model", "--dtype: expected bf16 or f32, got '%s'", dtype);
    errbuf e;
    tok *t = tok_load(tok_path, &e);
    if (!t) {
        cli_error("init-model", "%s (give --tokenizer FILE)", e.msg);
        return EXIT_RUNTIME;
    }
    int tok_vocab = tok_vocab_size(t);
    tok_free(t);
    model_config c;
    if (config_preset(&c, preset, vocab > 0 ? (int)vocab : tok_vocab, &e) != 0)
        return cli_usage_error("init-model", "--preset: %s", e.msg);
    if (vocab > 0) c.vocab_size = (int)vocab;
    if (c.vocab_size < tok_vocab)
        return cli_usage_error("init-model", "vocab %d is smaller than the tokenizer's %d pieces", c.vocab_size, tok_vocab);
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    uint64_t t0 = clock_now_ns();
    fprintf(stderr, "griffin init-model: %s, %lld parameters, %s, writing %s ...\n", preset, config_n_params(&c),
            dtype, out);
    if (model_init_write(&c, out, wt, (uint64_t)seed, p, &e) != 0) {
        cli_error("init-model", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    char dst[4096];
    snprintf(dst, sizeof dst, "%s/tokenizer.model", out);
    if (copy_file(tok_path, dst, &e) != 0) {
        cli_error("init-model", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    double s = (clock_now_ns() - t0) * 1e-9;
    fprintf(stderr, "griffin init-model: done in %.1f s (%.0f MB/s)\n", s,
            config_n_params(&c) * (double)wtype_bytes(wt) / 1e6 / (s > 0 ? s : 1));
    return EXIT_OK;
}

/* Prints the part of the decoded text not printed yet, holding back a
 * trailing U+FFFD: it usually means an incomplete byte-fallback sequence
 * that the next token completes. */
static void stream_text(const char *text, size_t *printed) {
    size_t n = strlen(text);
    while (n >= 3 && memcmp(text + n - 3, "\xEF\xBF\xBD", 3) == 0) n -= 3;
    if (n > *printed) {
        fwrite(text + *printed, 1, n - *printed, stdout);
        fflush(stdout);
        *printed = n;
    }
}

int cmd_generate(cli_ctx *ctx, int argc, char **argv) {
    const char *model_dir = NULL, *prompt = NULL, *tok_path = NULL;
    long n_gen = 64, threads = 0, top_k = 0, seed = 0;
    double temperature = 0.0, top_p = 1.0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory", 1, 0, 1},
        {"--prompt", CLI_STR, &prompt, "TEXT", "prompt text (<bos> is prepended)", 1, 0, 1},
        {"-n", CLI_INT, &n_gen, "N", "tokens to generate", 1, 1e7, 0},
        {"--temperature", CLI_FLOAT, &temperature, "T", "sampling temperature (0: greedy)", 0, 100, 0},
        {"--top-k", CLI_INT, &top_k, "K", "sample from the K most likely tokens (0: all)", 0, 1 << 24, 0},
        {"--top-p", CLI_FLOAT, &top_p, "P", "nucleus sampling mass", 1e-9, 1, 0},
        {"--seed", CLI_INT, &seed, "S", "sampling seed", 0, 9e18, 0},
        {"--tokenizer", CLI_STR, &tok_path, "FILE", "tokenizer (default: DIR/tokenizer.model)", 1, 0, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
    };
    const cli_spec spec = {"generate", "Generate text from a prompt, streaming it to stdout.",
                           "griffin generate --model DIR --prompt TEXT [-n N] [--temperature T] [--top-k K] "
                           "[--top-p P] [--seed S]",
                           "Prompt and generation speed and peak memory go to stderr.\n\nExample:\n"
                           "  griffin generate --model models/tiny --prompt 'The capital of France is' -n 16",
                           opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    ctx->n_threads = (int)threads;
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    errbuf e;
    char tpath[4096];
    if (!tok_path) {
        snprintf(tpath, sizeof tpath, "%s/tokenizer.model", model_dir);
        tok_path = tpath;
    }
    tok *t = tok_load(tok_path, &e);
    if (!t) {
        cli_error("generate", "%s (this command needs a tokenizer: put tokenizer.model in the model directory or "
                              "give --tokenizer)", e.msg);
        return EXIT_RUNTIME;
    }
    model *m = model_load(model_dir, NULL, &e);
    if (!m) {
        cli_error("generate", "%s", e.msg);
        tok_free(t);
        return EXIT_RUNTIME;
    }
    const int V = model_cfg(m)->vocab_size;
    kctx k;
    kctx_init(&k, p, 0);
    int32_t *ids = NULL;
    int n_prompt = tok_encode_alloc(t, prompt, strlen(prompt), 1, &ids, &e);
    int32_t *gen = malloc((size_t)(n_gen > 0 ? n_gen : 1) * sizeof *gen);
    float *logits = malloc((size_t)V * sizeof(float));
    int *scratch = malloc((size_t)V * 2 * sizeof(int));
    state *s = state_create(m, &e);
    rc = EXIT_RUNTIME;
    if (n_prompt < 0 || !gen || !logits || !scratch || !s) {
        cli_error("generate", "%s", n_prompt < 0 ? e.msg : "out of memory");
        goto done;
    }
    for (int i = 0; i < n_prompt; i++)
        if (ids[i] >= V) {
            cli_error("generate", "token id %d from the tokenizer is outside the model's vocabulary of %d", ids[i], V);
            goto done;
        }
    sample_opts so = {temperature, (int)top_k, top_p};
    rng r;
    rng_seed(&r, (uint64_t)seed);
    uint64_t t0 = clock_now_ns();
    model_seq q = {.st = s, .tokens = ids, .n_tokens = n_prompt, .n_logits = 1, .logits = logits};
    if (model_forward(m, &k, &q, 1, &e) != 0) {
        cli_error("generate", "%s", e.msg);
        goto done;
    }
    uint64_t t1 = clock_now_ns();
    int n_done = 0;
    size_t printed = 0;
    for (; n_done < n_gen; n_done++) {
        int next = sample_token(logits, V, &so, &r, scratch);
        if (next == tok_eos_id(t)) break;
        gen[n_done] = next;
        char *text = tok_decode(t, gen, n_done + 1, &e);
        if (text) {
            stream_text(text, &printed);
            free(text);
        }
        if (n_done + 1 == n_gen) {
            n_done++;
            break;
        }
        model_seq one = {.st = s, .tokens = &gen[n_done], .n_tokens = 1, .n_logits = 1, .logits = logits};
        if (model_forward(m, &k, &one, 1, &e) != 0) {
            cli_error("generate", "%s", e.msg);
            goto done;
        }
    }
    uint64_t t2 = clock_now_ns();
    printf("\n");
    double pre_s = (t1 - t0) * 1e-9, gen_s = (t2 - t1) * 1e-9;
    fprintf(stderr,
            "griffin generate: prompt %d tokens in %.3f s (%.1f tok/s); generated %d tokens in %.3f s (%.2f tok/s); "
            "%d threads, %s kernels\n",
            n_prompt, pre_s, n_prompt / (pre_s > 0 ? pre_s : 1e-9), n_done, gen_s,
            n_done > 1 ? (n_done - 1) / (gen_s > 0 ? gen_s : 1e-9) : 0.0, pool_n_threads(p), kctx_variant(&k));
    fprintf(stderr, "griffin generate: weights %.1f MiB (%s), state %.2f MiB, peak resident memory %.1f MiB\n",
            model_weight_bytes(m) / 1048576.0, model_dtype_name(m), state_bytes(s) / 1048576.0,
            clock_peak_rss_bytes() / 1048576.0);
    rc = EXIT_OK;
done:
    state_free(s);
    free(scratch);
    free(logits);
    free(gen);
    free(ids);
    model_free(m);
    tok_free(t);
    return rc;
}
