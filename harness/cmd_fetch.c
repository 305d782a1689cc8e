/* harness/cmd_fetch.c: `griffin fetch`, the dataset registry and download
 * cache from the command line.
 *
 *   griffin fetch list [--sources]
 *   griffin fetch dataset NAME [--config C] [--split S] [--cache DIR] [--offline]
 *
 * stdout carries the table (datasets, or what was fetched with its record
 * count and SHA-256); progress goes to stderr. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "datasets/dataset.h"
#include "datasets/registry.h"
#include "harness/cli.h"

#define FETCH_PROGRESS_INTERVAL_S 1.0 /* between progress lines on stderr */

typedef struct progress_state {
    double last_s;
    char last_what[512];
} progress_state;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_progress(void *user, const char *what, long long done, long long total) {
    progress_state *p = user;
    double t = now_s();
    int same = strcmp(p->last_what, what) == 0;
    if (same && t - p->last_s < FETCH_PROGRESS_INTERVAL_S && done != total) return;
    p->last_s = t;
    snprintf(p->last_what, sizeof p->last_what, "%s", what);
    if (strstr(what, "://")) { /* a file: bytes */
        if (total > 0)
            fprintf(stderr, "griffin fetch: %s: %.1f of %.1f MiB\n", what, done / 1048576.0, total / 1048576.0);
        else fprintf(stderr, "griffin fetch: %s: %.1f MiB\n", what, done / 1048576.0);
    } else fprintf(stderr, "griffin fetch: %s: %lld of %lld rows\n", what, done, total);
}

static void join(char *out, size_t cap, const char *const *list) {
    out[0] = 0;
    for (int i = 0; list && list[i]; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? "," : "", list[i]);
    }
}

/* Configs, not counting the union config ("all"). */
static int count_configs(const ds_info *d) {
    int n = 0;
    for (const char *const *c = d->configs; c && *c; c++) n += !d->union_config || strcmp(*c, d->union_config) != 0;
    return n;
}

static int fetch_list(int sources) {
    if (sources) {
        printf("%-20s %-24s %-10s %-3s %-8s %9s %7s  %-64s  %s\n", "dataset", "config", "split", "alt", "kind",
               "bytes", "rows", "sha256", "url / hf id");
        for (int i = 0; i < ds_registry_count(); i++) {
            const ds_src *s = ds_registry_at(i);
            printf("%-20s %-24s %-10s %-3d %-8s %9lld %7ld  %-64s  %s%s%s\n", s->dataset,
                   s->config ? s->config : "(all)", s->split ? s->split : "(all)", s->alt,
                   s->kind == DS_SRC_FILE ? "file" : "hf-rows", s->n_bytes, s->n_rows, s->sha256 ? s->sha256 : "-",
                   s->url, s->kind == DS_SRC_HF_ROWS ? " config=" : "",
                   s->kind == DS_SRC_HF_ROWS ? ds_src_hf_config(s, s->config && strcmp(s->config, "*") ? s->config
                                                                                                     : "<config>")
                                             : "");
        }
        return EXIT_OK;
    }
    printf("%-20s %-26s %-7s %-22s %-36s %s\n", "dataset", "splits", "configs", "default config", "hf dataset",
           "license");
    for (int i = 0; i < ds_n_datasets(); i++) {
        const ds_info *d = ds_info_at(i);
        char splits[128];
        join(splits, sizeof splits, d->splits);
        printf("%-20s %-26s %-7d %-22s %-36s %s\n", d->name, splits, count_configs(d),
               d->default_config ? d->default_config : (d->configs ? "(required)" : "-"), d->hf_id, d->license);
    }
    return EXIT_OK;
}

/* Loads one split (downloading what the cache lacks) and prints its row.
 * Returns 1 loaded, 0 skipped (nothing to download it from), -1 failed. */
static int fetch_one(const ds_info *d, const char *config, const char *split, const ds_opts *o) {
    errbuf e;
    ds_table *t = ds_load(d->name, config, split, o, &e);
    if (!t) {
        if (strstr(e.msg, "the registry has no download source")) {
            fprintf(stderr, "griffin fetch: %s/%s/%s: no download source, skipped\n", d->name, config ? config : "-",
                    split);
            return 0;
        }
        cli_error("fetch", "%s", e.msg);
        return -1;
    }
    if (ds_warning(t)) fprintf(stderr, "griffin fetch: warning: %s\n", ds_warning(t));
    printf("%-20s %-24s %-10s %8d  %s  %s\n", ds_name(t), ds_config(t)[0] ? ds_config(t) : "-", ds_split(t),
           ds_count(t), ds_sha256(t), ds_source(t));
    ds_free(t);
    return 1;
}

#define FETCH_MAX_CONFIGS 64

static int fetch_dataset(const char *name, const char *config, const char *split, ds_opts *o) {
    const ds_info *d = ds_info_find(name);
    if (!d) return cli_usage_error("fetch", "unknown dataset '%s' (see 'griffin fetch list')", name);
    if (split) {
        int ok = 0;
        for (const char *const *s = d->splits; *s; s++) ok |= strcmp(*s, split) == 0;
        if (!ok) {
            char splits[128];
            join(splits, sizeof splits, d->splits);
            return cli_usage_error("fetch", "%s has no split '%s' (splits: %s)", d->name, split, splits);
        }
    }
    /* Configs: the one asked for, else the default (MMLU's "all" covers
     * every subject), else each one. */
    const char *configs[FETCH_MAX_CONFIGS];
    int n_configs = 0;
    if (config) configs[n_configs++] = config;
    else if (d->default_config) configs[n_configs++] = d->default_config;
    else if (d->configs) {
        for (const char *const *c = d->configs; *c && n_configs < FETCH_MAX_CONFIGS; c++)
            if (!d->union_config || strcmp(*c, d->union_config) != 0) configs[n_configs++] = *c;
    } else configs[n_configs++] = NULL;
    int n_loaded = 0, n_failed = 0;
    printf("%-20s %-24s %-10s %8s  %-64s  %s\n", "dataset", "config", "split", "records", "sha256", "source");
    for (int c = 0; c < n_configs; c++)
        for (const char *const *s = d->splits; *s; s++) {
            if (split && strcmp(*s, split) != 0) continue;
            int r = fetch_one(d, configs[c], *s, o);
            n_loaded += r > 0;
            n_failed += r < 0;
        }
    if (n_loaded == 0 && n_failed == 0) {
        cli_error("fetch", "%s: nothing can be downloaded for that config and split", d->name);
        return EXIT_RUNTIME;
    }
    return n_failed ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_fetch(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const char *config = NULL, *split = NULL, *cache = NULL;
    int offline = 0, sources = 0;
    long timeout_s = 15, retries = 5;
    const cli_opt opts[] = {
        {"--config", CLI_STR, &config, "C", "dataset config (an MMLU subject, ARC-Easy, ...); default: the dataset's",
         1, 0, 0},
        {"--split", CLI_STR, &split, "S", "split to fetch; default: every split", 1, 0, 0},
        {"--cache", CLI_STR, &cache, "DIR", "download cache (default: $GRIFFIN_CACHE, else ~/.cache/griffin)", 1, 0, 0},
        {"--offline", CLI_FLAG, &offline, NULL, "use only what the cache holds", 1, 0, 0},
        {"--connect-timeout", CLI_INT, &timeout_s, "S", "seconds to wait for a connection", 1, 3600, 0},
        {"--retries", CLI_INT, &retries, "N", "attempts per file or page, with backoff between", 1, 100, 0},
        {"--sources", CLI_FLAG, &sources, NULL, "with 'list': every download source (URL, SHA-256, size)", 1, 0, 0},
    };
    const cli_spec spec = {
        "fetch", "List the dataset registry, or download a dataset into the cache and verify it.",
        "griffin fetch list [--sources]\n       griffin fetch dataset NAME [--config C] [--split S] [--cache DIR] "
        "[--offline]",
        "Downloads go to the cache as <cache>/<dataset>/<release file name> (the --data-dir layout) or\n"
        "<cache>/<dataset>/hf/<config>/<split>.jsonl (Hugging Face rows), verified by SHA-256 or row count\n"
        "and renamed into place only when complete. Environment: GRIFFIN_CACHE, GRIFFIN_DATASETS_MIRROR\n"
        "(fetch https://HOST/PATH from MIRROR/HOST/PATH), GRIFFIN_HF_ROWS_URL (datasets-server base).\n\n"
        "Examples:\n  griffin fetch list\n  griffin fetch dataset gsm8k --split test\n"
        "  griffin fetch dataset mmlu --config anatomy --split test --cache /data/griffin-cache",
        opts, (int)(sizeof opts / sizeof opts[0]), 2};
    const char *pos[2];
    int n_pos = 0;
    int rc = cli_parse(&spec, argc, argv, pos, &n_pos);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if (n_pos == 0) return cli_usage_error("fetch", "expected 'list' or 'dataset NAME'");
    if (strcmp(pos[0], "list") == 0) {
        if (n_pos != 1) return cli_usage_error("fetch", "'list' takes no name");
        return fetch_list(sources);
    }
    if (strcmp(pos[0], "dataset") != 0) return cli_usage_error("fetch", "unknown action '%s' (list, dataset)", pos[0]);
    if (n_pos != 2) return cli_usage_error("fetch", "'dataset' needs a NAME (see 'griffin fetch list')");
    ds_opts o;
    ds_opts_init(&o);
    if (cache) o.cache_dir = cache;
    o.offline = offline;
    o.connect_timeout_ms = timeout_s * 1000;
    o.max_attempts = (int)retries;
    progress_state ps = {0};
    o.progress = on_progress;
    o.progress_user = &ps;
    char dir[4096];
    if (ds_cache_dir(&o, dir, sizeof dir) != 0) {
        cli_error("fetch", "no cache directory: pass --cache or set GRIFFIN_CACHE or HOME");
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "griffin fetch: cache %s%s\n", dir, offline ? " (offline)" : "");
    return fetch_dataset(pos[1], config, split, &o);
}
