/* harness/cmd_quantize.c: `griffin quantize`, a quantized copy of a model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "harness/cli.h"
#include "harness/progress.h"
#include "common/fileio.h"
#include "model/quant.h"
#include "model/tokenizer.h"

#define COMPARE_MAX_TEXT_BYTES (16u << 20)

typedef struct mb_progress {
    progress p;
    long last_mb;
} mb_progress;

static void on_progress(void *arg, long done, long total) {
    mb_progress *m = arg;
    if (done >> 20 == m->last_mb) return;
    m->last_mb = done >> 20;
    progress_update(&m->p, "MB", done >> 20, total >> 20, 0);
}

/* `--compare QDIR`: next-token distributions of QDIR against --model over a
 * text (or pseudo-random ids), teacher-forced. */
static int compare(cli_ctx *ctx, const char *base_dir, const char *q_dir, const char *text_path, long n_tokens,
                   int json) {
    errbuf e;
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    model *base = model_load(base_dir, NULL, &e), *q = base ? model_load(q_dir, NULL, &e) : NULL;
    int32_t *ids = NULL;
    int n = 0, rc = EXIT_RUNTIME;
    if (!base || !q) {
        cli_error("quantize", "%s", e.msg);
        goto out;
    }
    if (text_path) {
        char tp[4096];
        snprintf(tp, sizeof tp, "%s/tokenizer.model", base_dir);
        tok *t = tok_load(tp, &e);
        size_t nb = 0;
        char *text = t ? file_read_all(text_path, COMPARE_MAX_TEXT_BYTES, &nb, &e) : NULL;
        n = text ? tok_encode_alloc(t, text, nb, 1, &ids, &e) : -1;
        free(text);
        tok_free(t);
        if (n < 0) {
            cli_error("quantize", "%s", e.msg);
            goto out;
        }
        if (n > n_tokens) n = (int)n_tokens;
    } else {
        /* Pseudo-random ids over the vocabulary (a fixed LCG), after <bos>. */
        const int V = model_cfg(base)->vocab_size;
        n = (int)n_tokens;
        ids = malloc((size_t)n * sizeof *ids);
        if (!ids) goto out;
        uint64_t s = 12345;
        for (int i = 0; i < n; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            ids[i] = i == 0 ? model_cfg(base)->bos_id : (int32_t)((s >> 33) % (uint64_t)V);
        }
    }
    kctx k;
    kctx_init(&k, p, 0);
    quant_quality qq;
    uint64_t t0 = clock_now_ns();
    if (quant_compare(base, q, &k, ids, n, 64, &qq, &e) != 0) {
        cli_error("quantize", "%s", e.msg);
        goto out;
    }
    fprintf(stderr, "griffin quantize: compared %d positions in %.1f s\n", n, (double)(clock_now_ns() - t0) * 1e-9);
    if (json)
        printf("{\"base\": \"%s\", \"quantized\": \"%s\", \"dtype\": \"%s\", \"positions\": %ld, \"mean_kl\": %.6g, "
               "\"max_kl\": %.6g, \"top1_agree\": %.6f, \"mean_abs_logit_diff\": %.6g, \"max_abs_logit_diff\": %.6g}\n",
               base_dir, q_dir, model_dtype_name(q), qq.n_positions, qq.mean_kl, qq.max_kl, qq.top1_agree,
               qq.mean_abs_logit_diff, qq.max_abs_logit_diff);
    else
        printf("%s (%s) vs %s over %ld positions: mean KL %.4g nats (max %.4g), top-1 agreement %.2f%%, "
               "mean |logit diff| %.4g (max %.4g)\n",
               q_dir, model_dtype_name(q), base_dir, qq.n_positions, qq.mean_kl, qq.max_kl, 100 * qq.top1_agree,
               qq.mean_abs_logit_diff, qq.max_abs_logit_diff);
    rc = EXIT_OK;
out:
    free(ids);
    model_free(base);
    model_free(q);
    return rc;
}

int cmd_quantize(cli_ctx *ctx, int argc, char **argv) {
    const char *model_dir = NULL, *to = NULL, *out = NULL, *cmp = NULL, *text = NULL;
    long group = 0, threads = 0, n_tokens = 2048;
    int embed = 0, quiet = 0, json = 0;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model_dir, "DIR", "model directory to read", 1, 0, 1},
        {"--to", CLI_STR, &to, "KIND", "int8 (per-group scale) or q4 (4-bit, per-group scale and offset)", 1, 0, 0},
        {"--out", CLI_STR, &out, "DIR", "output directory (created)", 1, 0, 0},
        {"--group", CLI_INT, &group, "N", "columns per scale: 32 or 64 (0: 64 for int8, 32 for q4)", 0, 64, 0},
        {"--embed", CLI_FLAG, &embed, NULL, "also quantize the tied embedding / output projection to int8", 1, 0, 0},
        {"--threads", CLI_INT, &threads, "N", "threads (0: one per CPU)", 0, 1024, 0},
        {"--quiet", CLI_FLAG, &quiet, NULL, "no progress on stderr", 1, 0, 0},
        {"--compare", CLI_STR, &cmp, "QDIR", "instead: compare QDIR's next-token distributions with --model's", 1, 0, 0},
        {"--text", CLI_STR, &text, "FILE", "--compare over this text (--model's tokenizer); else pseudo-random ids", 1,
         0, 0},
        {"--n-tokens", CLI_INT, &n_tokens, "N", "--compare over at most N tokens", 2, 1 << 24, 0},
        {"--json", CLI_FLAG, &json, NULL, "--compare prints JSON", 1, 0, 0},
    };
    const cli_spec spec = {
        "quantize", "Write a copy of a model with its linear-layer weights quantized to int8 or 4 bits.",
        "griffin quantize --model DIR --to int8|q4 --out DIR [--group 32|64] [--embed]\n"
        "       griffin quantize --model DIR --compare QDIR [--text FILE] [--n-tokens N] [--json]",
        "Every linear layer's weight (MLP, recurrent block linear_x/y/out, attention q/k/v/o) becomes\n"
        "NAME (I8 or packed U8), NAME.scales (F16 [rows, groups]) and, for q4, NAME.offsets; the\n"
        "embedding, norms, biases, conv1d and the RG-LRU gates and parameter are copied unchanged\n"
        "(model/quant.h documents the format). config.json and tokenizer.model are copied.\n\n"
        "--compare reports the mean KL divergence (nats) of QDIR's next-token distributions from\n"
        "--model's, the top-1 agreement and logit differences, every position of the text scored.\n\n"
        "Examples:\n  griffin quantize --model models/2b --to int8 --out models/2b-int8\n"
        "  griffin quantize --model models/2b --compare models/2b-int8 --text README.md",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    ctx->n_threads = (int)threads;
    if (cmp) return compare(ctx, model_dir, cmp, text, n_tokens, json);
    if (!to) return cli_usage_error("quantize", "--to is required");
    if (!out) return cli_usage_error("quantize", "--out is required");
    quant_opts o = {.group = (int)group, .embed = embed};
    if (strcmp(to, "int8") == 0) o.to = W_Q8;
    else if (strcmp(to, "q4") == 0) o.to = W_Q4;
    else return cli_usage_error("quantize", "--to: expected int8 or q4, got '%s'", to);
    if (group != 0 && group != 32 && group != 64)
        return cli_usage_error("quantize", "--group: expected 32 or 64, got %ld", group);
    if (strcmp(model_dir, out) == 0) return cli_usage_error("quantize", "--out must differ from --model");
    pool *p = cli_pool(ctx);
    if (!p) return EXIT_RUNTIME;
    mb_progress pr = {.last_mb = -1};
    progress_init(&pr.p, "quantize", quiet);
    o.progress = on_progress;
    o.progress_arg = &pr;
    errbuf e;
    uint64_t t0 = clock_now_ns();
    rc = quant_write(model_dir, out, &o, p, &e);
    progress_end(&pr.p);
    if (rc != 0) {
        cli_error("quantize", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    if (!quiet)
        fprintf(stderr, "griffin quantize: wrote %s (%s) in %.1f s\n", out, to, (double)(clock_now_ns() - t0) * 1e-9);
    return EXIT_OK;
}
