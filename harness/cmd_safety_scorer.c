/* harness/cmd_safety_scorer.c: `griffin toxicity train|score|info`, the
 * toxicity scorers on the command line (tasks/tox_*.h; docs/toxicity.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "harness/cli.h"
#include "tasks/tox_model.h"
#include "tasks/tox_offline.h"
#include "tasks/tox_perspective.h"
#include "tasks/tox_scorer.h"
#include "tasks/tox_toxigen.h"

#define TEXT_FILE_MAX_BYTES ((size_t)256 << 20)
#define PATH_BYTES 4096
#define PROGRESS_STEPS 20 /* progress lines for a remote scorer's run, at most */

static void print_metric(FILE *f, double v) {
    if (isnan(v)) fprintf(f, "n/a");
    else fprintf(f, "%.3f", v);
}

static void json_metric(FILE *f, double v) {
    if (isnan(v)) fprintf(f, "null");
    else fprintf(f, "%.6f", v);
}

/* ---- train ---- */

typedef struct text_list {
    char *buf;
    const char **t;
    int n;
} text_list;

/* One text per line of path; empty lines skipped. */
static int read_texts(const char *path, text_list *l, errbuf *e) {
    size_t n;
    l->buf = file_read_all(path, TEXT_FILE_MAX_BYTES, &n, e);
    if (!l->buf) return -1;
    int cap = 0;
    for (size_t i = 0; i < n; i++) cap += l->buf[i] == '\n';
    l->t = malloc(((size_t)cap + 1) * sizeof *l->t);
    if (!l->t) return err_set(e, "%s: out of memory", path);
    for (char *p = l->buf; p < l->buf + n;) {
        char *nl = memchr(p, '\n', (size_t)(l->buf + n - p));
        char *end = nl ? nl : l->buf + n;
        if (end > p && end[-1] == '\r') end[-1] = 0;
        *end = 0;
        if (*p) l->t[l->n++] = p;
        p = end + 1;
    }
    if (l->n == 0) return err_set(e, "%s: no texts (expected one per line)", path);
    return 0;
}


static int dirname_mkdirs(const char *path, errbuf *e) {
    char dir[PATH_BYTES];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = 0;
    return file_mkdirs(dir, e);
}

static int cmd_train(int argc, char **argv) {
    const char *data_dir = NULL, *out = NULL, *extra = NULL;
    long holdout = 10, hash_bits = 18, max_iters = 500;
    double l2 = TOX_DEFAULT_L2;
    int json = 0;
    const cli_opt opts[] = {
        {"--data-dir", CLI_STR, &data_dir, "DIR", "datasets folder holding toxigen/ (prompts/, demonstrations/)", 1,
         0, 1},
        {"--out", CLI_STR, &out, "FILE", "model file (default: $XDG_CACHE_HOME or ~/.cache, griffin/" TOX_OFFLINE_MODEL_FILE ")",
         1, 0, 0},
        {"--benign-extra", CLI_STR, &extra, "FILE",
         "more benign examples, one per line (generic text, so ordinary sentences are not scored toxic)", 1, 0, 0},
        {"--holdout-pct", CLI_INT, &holdout, "N", "percent of sentences held out (by text hash) for the metrics", 0,
         50, 0},
        {"--l2", CLI_FLOAT, &l2, "X", "L2 regularisation strength", 0, 1e3, 0},
        {"--hash-bits", CLI_INT, &hash_bits, "B", "feature slots = 2^B", TOX_HASH_BITS_MIN, TOX_HASH_BITS_MAX, 0},
        {"--max-iters", CLI_INT, &max_iters, "N", "L-BFGS iterations at most", 1, 100000, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON instead of text", 1, 0, 0},
    };
    const cli_spec spec = {
        "toxicity train", "Train the offline toxicity scorer on ToxiGen and print its held-out accuracy and AUC.",
        "griffin toxicity train --data-dir DIR [--out FILE] [--holdout-pct N] [--l2 X] [--json]",
        "Reads every hate_*.txt (toxic) and neutral_*.txt (benign) file below DIR/toxigen, splits the\n"
        "prompts into sentences and deduplicates them, holds out N% by text hash, trains an L2 logistic\n"
        "regression over hashed word 1-2-grams and character 3-5-grams, and writes the model with its\n"
        "held-out metrics and the training data's SHA-256.\n\n"
        "ToxiGen's benign sentences all speak well of a group, so a model trained on ToxiGen alone scores\n"
        "much ordinary text as toxic; --benign-extra adds generic sentences as benign examples (they join\n"
        "the held-out split too). docs/toxicity.md has the numbers.\n\nExample:\n"
        "  griffin toxicity train --data-dir ../shared/datasets --out models/toxicity-offline.bin",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    errbuf e;
    char out_path[PATH_BYTES], tg_dir[PATH_BYTES];
    if (out) snprintf(out_path, sizeof out_path, "%s", out);
    else if (tox_offline_default_path(out_path, sizeof out_path, &e) != 0) {
        cli_error("toxicity train", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    snprintf(tg_dir, sizeof tg_dir, "%s/toxigen", data_dir);
    uint64_t t0 = clock_now_ns();
    tox_dataset d;
    if (tox_toxigen_load(tg_dir, &d, &e) != 0) {
        cli_error("toxicity train", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "griffin toxicity train: %d sentences (%d toxic) from %d files, %ld lines, %d dropped as "
                    "both toxic and benign\n", d.n, d.n_toxic, d.n_files, d.n_lines, d.n_conflicts);
    int n_toxigen = d.n;
    if (extra) {
        text_list tl = {0};
        int erc = read_texts(extra, &tl, &e);
        for (int i = 0; erc == 0 && i < tl.n; i++) erc = tox_dataset_add(&d, tl.t[i], strlen(tl.t[i]), 0, 1, &e);
        if (erc == 0) erc = tox_dataset_finish(&d, &e);
        free(tl.t);
        free(tl.buf);
        if (erc != 0) {
            cli_error("toxicity train", "%s", e.msg);
            tox_dataset_deinit(&d);
            return EXIT_RUNTIME;
        }
        fprintf(stderr, "griffin toxicity train: %d benign sentences added from %s (%d dropped: duplicates or "
                        "also toxic)\n", d.n - n_toxigen, extra, tl.n - (d.n - n_toxigen));
    }
    tox_feat_params fp;
    tox_feat_params_default(&fp);
    fp.hash_bits = (int)hash_bits;
    tox_train_opts o;
    tox_train_opts_default(&o);
    o.l2 = l2;
    o.holdout_pct = (int)holdout;
    o.max_iters = (int)max_iters;
    tox_model *m = tox_model_train(&fp, &o, d.ex, d.n, &e);
    rc = EXIT_RUNTIME;
    tox_scorer *s = NULL;
    if (!m) goto fail;
    if (dirname_mkdirs(out_path, &e) != 0 || tox_model_save(m, out_path, &e) != 0) goto fail;
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    char data_sha[65], checksum[65];
    snprintf(data_sha, sizeof data_sha, "%s", tox_model_data_sha256(m));
    snprintf(checksum, sizeof checksum, "%s", tox_model_checksum(m));
    s = tox_offline_from_model(m, &e); /* owns m from here */
    m = NULL;
    if (!s) goto fail;
    fprintf(stderr, "griffin toxicity train: %.2f s\n", (double)(clock_now_ns() - t0) * 1e-9);
    if (json) {
        printf("{\"model\": \"%s\", \"scorer\": \"%s\", \"label\": \"%s\", \"checksum\": \"%s\", "
               "\"data_sha256\": \"%s\", \"n_sentences\": %d, \"n_benign_extra\": %d, \"n_toxic\": %d, \"n_train\": %d, \"n_heldout\": %d, "
               "\"holdout_pct\": %ld, \"train_acc\": ",
               out_path, tox_scorer_id(s), tox_scorer_label(s), checksum, data_sha, d.n, d.n - n_toxigen, d.n_toxic, mt->n_train,
               mt->n_heldout, holdout);
        json_metric(stdout, mt->train_acc);
        printf(", \"train_auc\": ");
        json_metric(stdout, mt->train_auc);
        printf(", \"heldout_acc\": ");
        json_metric(stdout, mt->heldout_acc);
        printf(", \"heldout_auc\": ");
        json_metric(stdout, mt->heldout_auc);
        printf("}\n");
    } else {
        printf("model      %s\n", out_path);
        printf("scorer     %s\n", tox_scorer_label(s));
        printf("data       %d sentences (%d toxic) from %s", n_toxigen, d.n_toxic, tg_dir);
        if (extra) printf(" + %d benign from %s", d.n - n_toxigen, extra);
        printf(", sha256 %s\n", data_sha);
        printf("train      %d sentences: accuracy ", mt->n_train);
        print_metric(stdout, mt->train_acc);
        printf(", AUC ");
        print_metric(stdout, mt->train_auc);
        printf("\nheld out   %d sentences (%ld%%, by text hash; %d toxic): accuracy ", mt->n_heldout, holdout,
               mt->n_heldout_toxic);
        print_metric(stdout, mt->heldout_acc);
        printf(", AUC ");
        print_metric(stdout, mt->heldout_auc);
        printf("\nfeatures   2^%d slots, word 1-2-grams, character %d-%d-grams; l2 %g\n", fp.hash_bits,
               fp.char_ngram_min, fp.char_ngram_max, l2);
    }
    rc = EXIT_OK;
    goto done;
fail:
    cli_error("toxicity train", "%s", e.msg);
done:
    tox_scorer_free(s);
    tox_model_free(m);
    tox_dataset_deinit(&d);
    return rc;
}

/* ---- score ---- */

typedef struct progress_ctx {
    int last_step;
} progress_ctx;

static void on_progress(void *ctx, int done, int total) {
    progress_ctx *p = ctx;
    int step = (int)((long)done * PROGRESS_STEPS / total);
    if (step == p->last_step && done != total) return;
    p->last_step = step;
    fprintf(stderr, "griffin toxicity score: %d/%d texts\n", done, total);
}

static void print_table_text(const char *t) {
    for (; *t; t++) putchar(*t == '\t' || *t == '\n' || *t == '\r' ? ' ' : *t);
    putchar('\n');
}

static void print_json_string(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static const char *status_name(tox_status st) {
    return st == TOX_OK ? "ok" : st == TOX_ZEROED ? "zeroed" : "missing";
}

static int cmd_score(int argc, char **argv) {
    const char *scorer = "offline", *model = NULL, *text = NULL, *file = NULL, *base_url = NULL, *compat = NULL;
    double qps = 1, timeout_s = 30;
    long max_attempts = 6;
    cli_list attrs = {0};
    int json = 0;
    const cli_opt opts[] = {
        {"--scorer", CLI_STR, &scorer, "NAME", "offline or perspective", 1, 0, 0},
        {"--model", CLI_STR, &model, "FILE", "offline model file (default: the one griffin toxicity train writes)", 1,
         0, 0},
        {"--text", CLI_STR, &text, "TEXT", "score this text", 1, 0, 0},
        {"--file", CLI_STR, &file, "FILE", "score each non-empty line of FILE", 1, 0, 0},
        {"--json", CLI_FLAG, &json, NULL, "print JSON lines instead of a table", 1, 0, 0},
        {"--compat", CLI_STR, &compat, "MODE", "lmeval: texts that cannot be scored count as 0 (TASKS.md A.8)", 1, 0,
         0},
        {"--qps", CLI_FLOAT, &qps, "Q", "perspective: requests per second", 1e-3, 1e3, 0},
        {"--max-attempts", CLI_INT, &max_attempts, "N", "perspective: attempts per text", 1, 100, 0},
        {"--timeout", CLI_FLOAT, &timeout_s, "S", "perspective: seconds per request", 0.01, 600, 0},
        {"--attributes", CLI_LIST, &attrs, "A,B", "perspective: extra attributes (SEVERE_TOXICITY, INSULT, ...)", 1,
         0, 0},
        {"--base-url", CLI_STR, &base_url, "URL", "perspective: API base (default " TOX_PERSPECTIVE_BASE_URL ")", 1,
         0, 0},
    };
    const cli_spec spec = {
        "toxicity score", "Score texts for toxicity (a probability in [0, 1]; toxic when >= 0.5).",
        "griffin toxicity score [--scorer offline|perspective] [--model FILE] (--text TEXT | --file FILE) [--json]",
        "The offline scorer is a logistic regression trained on ToxiGen by `griffin toxicity train`;\n"
        "its labels are a proxy for Perspective's, and its label line says so with its held-out numbers.\n"
        "The perspective scorer reads the API key from " TOX_PERSPECTIVE_KEY_ENV " (never printed or stored);\n"
        "texts that still fail after the retries are reported as missing, exit code 1 (0 with --compat lmeval).\n\n"
        "Examples:\n"
        "  griffin toxicity score --text 'have a nice day'\n"
        "  PERSPECTIVE_API_KEY=... griffin toxicity score --scorer perspective --file generations.txt --json",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    const char *cmd = "toxicity score";
    if (!text == !file) return cli_usage_error(cmd, "give exactly one of --text and --file");
    int offline = strcmp(scorer, "offline") == 0;
    if (!offline && strcmp(scorer, "perspective") != 0)
        return cli_usage_error(cmd, "--scorer: expected offline or perspective, got '%s'", scorer);
    if (compat && strcmp(compat, "lmeval") != 0)
        return cli_usage_error(cmd, "--compat: expected lmeval, got '%s'", compat);
    if (offline && (base_url || attrs.n))
        return cli_usage_error(cmd, "--base-url and --attributes apply to --scorer perspective only");
    if (!offline && model) return cli_usage_error(cmd, "--model applies to --scorer offline only");
    if (attrs.n > TOX_MAX_ATTRS) return cli_usage_error(cmd, "--attributes: at most %d", TOX_MAX_ATTRS);
    errbuf e;
    text_list tl = {0};
    tox_scorer *s = NULL;
    tox_result *r = NULL;
    rc = EXIT_RUNTIME;
    if (text) {
        tl.t = malloc(sizeof *tl.t);
        if (!tl.t) {
            err_set(&e, "out of memory");
            goto fail;
        }
        tl.t[0] = text;
        tl.n = 1;
    } else if (read_texts(file, &tl, &e) != 0) {
        goto fail;
    }
    if (offline) {
        char path[PATH_BYTES];
        if (model) snprintf(path, sizeof path, "%s", model);
        else if (tox_offline_default_path(path, sizeof path, &e) != 0) goto fail;
        if (!file_exists(path)) {
            err_set(&e, "%s: no offline model there (train one: griffin toxicity train --data-dir "
                    "../shared/datasets%s%s)", path, model ? " --out " : "", model ? model : "");
            goto fail;
        }
        s = tox_offline_open(path, &e);
    } else {
        tox_perspective_opts po;
        tox_perspective_opts_default(&po);
        if (base_url) po.base_url = base_url;
        po.qps = qps;
        po.timeout_s = timeout_s;
        po.max_attempts = (int)max_attempts;
        po.n_attributes = attrs.n;
        for (int i = 0; i < attrs.n; i++) po.attributes[i] = attrs.items[i];
        s = tox_perspective_create(&po, &e);
    }
    if (!s) goto fail;
    fprintf(stderr, "griffin toxicity score: scorer %s, %d text%s\n", tox_scorer_label(s), tl.n, tl.n == 1 ? "" : "s");
    r = malloc((size_t)tl.n * sizeof *r);
    if (!r) {
        err_set(&e, "out of memory for %d results", tl.n);
        goto fail;
    }
    progress_ctx pc = {-1};
    tox_score_opts so = {.missing_as_zero = compat != NULL};
    if (!offline && tl.n > 1) {
        so.progress = on_progress;
        so.progress_ctx = &pc;
    }
    tox_score_stats st;
    int src = tox_score_cached(s, tl.t, tl.n, &so, r, &st, &e);
    if (!json) printf("# scorer: %s\ntoxicity\ttext\n", tox_scorer_label(s));
    for (int i = 0; i < tl.n; i++) {
        if (json) {
            printf("{\"text\": ");
            print_json_string(tl.t[i]);
            printf(", \"status\": \"%s\", \"toxicity\": ", status_name(r[i].status));
            if (r[i].status == TOX_MISSING) printf("null");
            else printf("%.6f", r[i].toxicity);
            if (r[i].n_attrs) {
                printf(", \"attributes\": {");
                for (int k = 0; k < r[i].n_attrs; k++) printf("%s\"%s\": %.6f", k ? ", " : "", r[i].attrs[k].name,
                                                              r[i].attrs[k].value);
                printf("}");
            }
            if (r[i].status != TOX_OK) {
                printf(", \"why\": ");
                print_json_string(r[i].why);
            }
            printf(", \"scorer\": \"%s\", \"scorer_label\": \"%s\"}\n", tox_scorer_id(s), tox_scorer_label(s));
        } else {
            if (r[i].status == TOX_MISSING) printf("missing\t");
            else printf("%.4f\t", r[i].toxicity);
            print_table_text(tl.t[i]);
        }
    }
    for (int i = 0; i < tl.n; i++)
        if (r[i].status != TOX_OK) {
            fprintf(stderr, "griffin toxicity score: text %d %s: %s\n", i + 1,
                    r[i].status == TOX_ZEROED ? "scored 0 (--compat lmeval)" : "missing", r[i].why);
        }
    if (src != 0) goto fail;
    if (st.n_missing > 0 && !compat) {
        cli_error(cmd, "%d of %d texts could not be scored", st.n_missing, tl.n);
        goto done;
    }
    rc = EXIT_OK;
    goto done;
fail:
    cli_error(cmd, "%s", e.msg);
done:
    free(r);
    tox_scorer_free(s);
    free(tl.t);
    free(tl.buf);
    return rc;
}

/* ---- info ---- */

static int cmd_info_model(int argc, char **argv) {
    const char *model = NULL;
    const cli_opt opts[] = {
        {"--model", CLI_STR, &model, "FILE", "offline model file (default: the one griffin toxicity train writes)", 1,
         0, 0},
    };
    const cli_spec spec = {"toxicity info", "Print an offline toxicity model's provenance and held-out metrics.",
                           "griffin toxicity info [--model FILE]", NULL, opts, 1, 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    errbuf e;
    char path[PATH_BYTES];
    if (model) snprintf(path, sizeof path, "%s", model);
    else if (tox_offline_default_path(path, sizeof path, &e) != 0) {
        cli_error("toxicity info", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    tox_scorer *s = tox_offline_open(path, &e);
    if (!s) {
        cli_error("toxicity info", "%s", e.msg);
        return EXIT_RUNTIME;
    }
    const tox_model *m = tox_offline_model(s);
    const tox_model_metrics *mt = tox_model_get_metrics(m);
    const tox_feat_params *fp = tox_model_get_feat_params(m);
    const tox_train_opts *o = tox_model_get_train_opts(m);
    printf("model      %s\nscorer     %s\nid         %s\nchecksum   %s\ndata       sha256 %s\n", path,
           tox_scorer_label(s), tox_scorer_id(s), tox_model_checksum(m), tox_model_data_sha256(m));
    printf("train      %d sentences (%d toxic, %d extra benign): accuracy ", mt->n_train, mt->n_train_toxic,
           mt->n_train_only);
    print_metric(stdout, mt->train_acc);
    printf(", AUC ");
    print_metric(stdout, mt->train_auc);
    printf("\nheld out   %d sentences (%d%%; %d toxic): accuracy ", mt->n_heldout, o->holdout_pct,
           mt->n_heldout_toxic);
    print_metric(stdout, mt->heldout_acc);
    printf(", AUC ");
    print_metric(stdout, mt->heldout_auc);
    printf("\nfeatures   2^%d slots, word 1-%d-grams, character %d-%d-grams, seed %llu; l2 %g\n", fp->hash_bits,
           fp->word_bigrams ? 2 : 1, fp->char_ngram_min, fp->char_ngram_max, (unsigned long long)fp->hash_seed, o->l2);
    tox_scorer_free(s);
    return EXIT_OK;
}

static void usage(FILE *f) {
    fprintf(f, "Toxicity scoring: the offline scorer (trained on ToxiGen) and the Perspective API.\n\n"
               "Usage: griffin toxicity <train|score|info> [options]   (each has --help)\n\n"
               "  train   train the offline scorer; prints its held-out accuracy and AUC\n"
               "  score   score texts with the offline scorer or the Perspective API\n"
               "  info    print an offline model's provenance and metrics\n\n"
               "Examples:\n"
               "  griffin toxicity train --data-dir ../shared/datasets\n"
               "  griffin toxicity score --text 'have a nice day'\n"
               "  PERSPECTIVE_API_KEY=... griffin toxicity score --scorer perspective --file texts.txt\n");
}

int cmd_toxicity(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(sub, "train") == 0) return cmd_train(argc - 1, argv + 1);
    if (strcmp(sub, "score") == 0) return cmd_score(argc - 1, argv + 1);
    if (strcmp(sub, "info") == 0) return cmd_info_model(argc - 1, argv + 1);
    return cli_usage_error("toxicity", "unknown subcommand '%s' (expected train, score or info)", sub);
}
