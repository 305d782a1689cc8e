/* tests/test_bench.c: `griffin bench`: the helpers by hand, the sweep on
 * tiny random models (point counts, memory flat past Griffin's window and
 * linear for Gemma's KV cache), CSV/JSON shape, the store round trip, and
 * the CLI's exit codes. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "harness/bench.h"
#include "harness/bench_format.h"
#include "harness/bench_store.h"
#include "harness/store.h"
#include "model/init.h"
#include "model/model.h"
#include "tests/test.h"

/* The tiny models' attention window; the sweep's lengths straddle it. */
#define TINY_WINDOW 16

/* Writes a tiny random model of the given architecture into dir. */
static int write_tiny(const char *dir, int gemma) {
    model_config c;
    errbuf e;
    config_preset(&c, gemma ? "gemma-tiny" : "tiny", 61, NULL);
    c.width = 32;
    c.n_heads = 2;
    c.head_dim = 16;
    c.mlp_width = 48;
    if (gemma) {
        c.n_layers = 2;
    } else {
        c.lru_width = 32;
        c.window = TINY_WINDOW;
        c.n_layers = 3;
    }
    if (!CHECKF(model_init_write(&c, dir, W_F32, 5, NULL, &e) == 0, "%s", e.msg)) return -1;
    return 0;
}

TEST(bench_parse_bytes) {
    errbuf e;
    int64_t b = 0;
    CHECK(bench_parse_bytes("512", &b, &e) == 0 && b == 512);
    CHECK(bench_parse_bytes("64K", &b, &e) == 0 && b == 65536);
    CHECK(bench_parse_bytes("3M", &b, &e) == 0 && b == 3 * 1048576);
    CHECK(bench_parse_bytes("1.5G", &b, &e) == 0 && b == 1610612736);
    CHECK(bench_parse_bytes("2GiB", &b, &e) == 0 && b == 2147483648LL);
    CHECK(bench_parse_bytes("8gb", &b, &e) == 0 && b == 8LL << 30);
    CHECK(bench_parse_bytes("0", &b, &e) == 0 && b == 0);
    CHECK(bench_parse_bytes("ten", &b, &e) != 0);
    CHECK(strstr(e.msg, "'ten'") != NULL);
    CHECK(bench_parse_bytes("5X", &b, &e) != 0);
    CHECK(bench_parse_bytes("-1G", &b, &e) != 0);
    CHECK(bench_parse_bytes("", &b, &e) != 0);
    CHECK(bench_parse_bytes("1GG", &b, &e) != 0);
}

TEST(bench_trust_fit_steps) {
    char buf[64];
    /* 3 reps within 20%: trusted; 2 reps: not; spread (1.3-1.0)/1.1 = 27%: not. */
    CHECK(bench_untrusted_reason(3, 1.0, 0.95, 1.1, buf, sizeof buf) == NULL);
    CHECK(bench_untrusted_reason(2, 1.0, 1.0, 1.0, buf, sizeof buf) != NULL && strstr(buf, "2 reps"));
    CHECK(bench_untrusted_reason(5, 1.1, 1.0, 1.3, buf, sizeof buf) != NULL && strstr(buf, "spread 27%"));
    CHECK(bench_untrusted_reason(5, 1.25, 1.0, 1.25, buf, sizeof buf) == NULL); /* exactly 20% is fine */
    CHECK(bench_untrusted_reason(0, NAN, NAN, NAN, buf, sizeof buf) == NULL); /* memory points */
    /* (1000 - 100) / 200 = 4.5 -> 4 sequences; nothing fits below the weights. */
    CHECK_EQ_INT(bench_fit_batch(1000, 100, 200), 4);
    CHECK_EQ_INT(bench_fit_batch(100, 100, 200), 0);
    CHECK_EQ_INT(bench_fit_batch(299, 100, 200), 0);
    CHECK_EQ_INT(bench_fit_batch(300, 100, 200), 1);
    bench_opts o;
    bench_opts_default(&o);
    CHECK_EQ_INT(bench_decode_steps(&o, 1), 16);
    CHECK_EQ_INT(bench_decode_steps(&o, 8), 16);
    CHECK_EQ_INT(bench_decode_steps(&o, 16), 8);
    CHECK_EQ_INT(bench_decode_steps(&o, 256), BENCH_MIN_STEPS);
    char label[64];
    bench_default_label("models/small/", label, sizeof label);
    CHECK(strcmp(label, "small") == 0);
    bench_default_label("gemma", label, sizeof label);
    CHECK(strcmp(label, "gemma") == 0);
}

/* The arithmetic the fractions divide, by hand for a two-layer model (width
 * 4, LRU width 4, 2 heads of 2, 1 KV head, MLP 6, vocabulary 10, window 2).
 * Per token: recurrent 3*4*4 + 2*4*2 = 64, attention 2*4*4 + 2*2*4 = 48,
 * two MLPs 2*72: 256 weights, 512 flops. Keys of positions 0..3: 1+2+3+3 = 9
 * (window 2), 1+2+3+4 = 10 (global), 4 flops per query dimension (4) each.
 * Logits: 2*10*4 = 80 per row. */
TEST(bench_forward_flops_by_hand) {
    model_config c;
    memset(&c, 0, sizeof c);
    c.arch = ARCH_GRIFFIN;
    c.vocab_size = 10;
    c.width = 4;
    c.lru_width = 4;
    c.n_layers = 2;
    c.n_heads = 2;
    c.n_kv_heads = 1;
    c.head_dim = 2;
    c.mlp_width = 6;
    c.window = 2;
    c.blocks[0] = BLOCK_RECURRENT;
    c.blocks[1] = BLOCK_ATTENTION;
    CHECK(config_forward_flops(&c, 0, 4, 1) == 512 * 4 + 16 * 9 + 80);
    CHECK(config_forward_flops(&c, 3, 1, 1) == 512 + 16 * 3 + 80);
    CHECK(config_forward_flops(&c, 0, 4, 4) == 512 * 4 + 16 * 9 + 4 * 80);
    c.window = 0;
    CHECK(config_forward_flops(&c, 0, 4, 1) == 512 * 4 + 16 * 10 + 80);
    CHECK(config_forward_flops(&c, 100, 1, 1) == 512 + 16 * 101 + 80);
}

/* Fractions of the roofline by hand: a decode repetition reading 4 GB in
 * 0.2 s against 25 GB/s is 80% of the bandwidth; a prefill of 1e11 flops in
 * 1 s against a 200 GFLOP/s peak is 50%. */
TEST(bench_roofline_fractions) {
    bench_opts o;
    bench_opts_default(&o);
    bench_point d = {.kind = BENCH_DECODE, .batch = 1, .gen_len = 128, .reps = 3, .median_s = 0.2, .min_s = 0.2,
                     .max_s = 0.2, .tok_per_s = 80, .bytes_per_rep = 4e9, .flops_per_rep = 8e9};
    bench_point f = {.kind = BENCH_PREFILL, .batch = 1, .prompt_len = 512, .reps = 3, .median_s = 1, .min_s = 1,
                     .max_s = 1, .tok_per_s = 512, .bytes_per_rep = 5e9, .flops_per_rep = 1e11};
    snprintf(d.label, sizeof d.label, "m");
    snprintf(f.label, sizeof f.label, "m");
    CHECK(isnan(bench_frac_bandwidth(&d, o.roof_read_bytes_per_s))); /* no roofline measured */
    o.roof_read_bytes_per_s = 25e9;
    o.roof_f32_flops = 200e9;
    o.roof_bf16_flops = 100e9;
    CHECK(fabs(bench_frac_bandwidth(&d, o.roof_read_bytes_per_s) - 0.8) < 1e-12);
    CHECK(fabs(bench_frac_flops(&f, o.roof_f32_flops) - 0.5) < 1e-12);
    CHECK(fabs(bench_frac_flops(&f, o.roof_bf16_flops) - 1.0) < 1e-12);
    CHECK(bench_bound_by_bandwidth(&d) && !bench_bound_by_bandwidth(&f));
    bench_results r;
    bench_results_init(&r);
    errbuf e;
    CHECK(bench_results_add(&r, &d, &e) == 0 && bench_results_add(&r, &f, &e) == 0);
    strbuf t;
    strbuf_init(&t);
    bench_format_table(&t, &o, &r);
    CHECKF(strstr(strbuf_str(&t), "80% BW") && strstr(strbuf_str(&t), "50% f32") &&
               strstr(strbuf_str(&t), "25.0 GB/s"),
           "%s", strbuf_str(&t));
    strbuf_clear(&t);
    bench_format_json(&t, &o, &r);
    cJSON *root = cJSON_Parse(strbuf_str(&t));
    const cJSON *pt = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "points"), 1);
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(pt, "frac_bf16_peak");
    CHECKF(cJSON_IsNumber(fr) && fabs(fr->valuedouble - 1.0) < 1e-12, "%s", strbuf_str(&t));
    cJSON_Delete(root);
    strbuf_deinit(&t);
    bench_results_deinit(&r);
}

static const bench_point *find_point(const bench_results *r, const char *label, bench_kind k, long len, long batch) {
    for (int i = 0; i < r->n; i++) {
        const bench_point *p = &r->points[i];
        long l = k == BENCH_PREFILL ? p->prompt_len : p->gen_len;
        if (p->kind == k && strcmp(p->label, label) == 0 && l == len && (batch == 0 || p->batch == batch)) return p;
    }
    return NULL;
}

/* One sweep over both tiny models, shared by the checks below. */
typedef struct sweep {
    char dirs[2][1024];
    bench_opts o;
    bench_results r;
    int ok;
} sweep;

static void run_sweep(sweep *s, int interleave) {
    memset(s, 0, sizeof *s);
    snprintf(s->dirs[0], sizeof s->dirs[0], "%s/griffin", test_tmpdir());
    snprintf(s->dirs[1], sizeof s->dirs[1], "%s/gemma", test_tmpdir());
    if (write_tiny(s->dirs[0], 0) || write_tiny(s->dirs[1], 1)) return;
    bench_opts *o = &s->o;
    bench_opts_default(o);
    o->n_models = 2;
    o->models[0] = (bench_model){s->dirs[0], "griffin-tiny"};
    o->models[1] = (bench_model){s->dirs[1], NULL};
    const long prompt[] = {8, 32}, gen[] = {8, 32, 64}, batches[] = {1, 2};
    memcpy(o->prompt_lens, prompt, sizeof prompt);
    o->n_prompt_lens = 2;
    memcpy(o->gen_lens, gen, sizeof gen);
    o->n_gen_lens = 3;
    memcpy(o->batches, batches, sizeof batches);
    o->n_batches = 2;
    o->reps = 3;
    o->warmup = 1;
    o->decode_steps = 2;
    o->n_threads = 1;
    o->max_batch = 3;
    o->mem_budget_bytes = 64LL << 20;
    o->interleave = interleave;
    bench_results_init(&s->r);
    errbuf e;
    s->ok = CHECKF(bench_run(o, &s->r, &e) == 0, "%s", e.msg);
}

/* Both ways of timing decode points: interleaved across the lengths (the
 * default) and each point alone in its own process. */
static void check_sweep(int interleave) {
    sweep s;
    run_sweep(&s, interleave);
    if (!s.ok) goto done;
    /* Per model: 2 prefill + 3 lengths x (memory + 2 decode + max) = 14. */
    CHECK_EQ_INT(s.r.n, 28);
    int counts[2][4] = {{0}};
    for (int i = 0; i < s.r.n; i++) {
        const bench_point *p = &s.r.points[i];
        if (!CHECK(p->model_idx >= 0 && p->model_idx < 2)) continue;
        counts[p->model_idx][p->kind]++;
        CHECK(p->weight_bytes > 0);
        CHECK(p->n_threads == 1);
        CHECK(strncmp(p->backend, "cpu-", 4) == 0);
        if (p->kind != BENCH_MEMORY) {
            CHECKF(p->reps == 3 && p->tok_per_s > 0 && isfinite(p->tok_per_s), "%s %s: reps %d tok/s %g", p->label,
                   bench_kind_name(p->kind), p->reps, p->tok_per_s);
            CHECK(p->min_s <= p->median_s && p->median_s <= p->max_s);
            /* Each step reads the weights at least once; every point does arithmetic. */
            double steps = p->kind == BENCH_PREFILL ? 1 : p->steps;
            CHECKF(p->bytes_per_rep >= steps * (double)p->weight_bytes && p->flops_per_rep > 0,
                   "%s %s: bytes %g flops %g", p->label, bench_kind_name(p->kind), p->bytes_per_rep,
                   p->flops_per_rep);
        }
        /* Measured peak memory holds at least the weights; interleaved
         * decode points have none of their own. */
        if (interleave && p->kind == BENCH_DECODE) CHECK_EQ_INT(p->peak_rss_bytes, -1);
        else
            CHECKF(p->peak_rss_bytes > p->weight_bytes, "%s %s %ld: peak %lld, weights %lld", p->label,
                   bench_kind_name(p->kind), p->gen_len, (long long)p->peak_rss_bytes, (long long)p->weight_bytes);
    }
    for (int m = 0; m < 2; m++) {
        CHECK_EQ_INT(counts[m][BENCH_PREFILL], 2);
        CHECK_EQ_INT(counts[m][BENCH_MEMORY], 3);
        CHECK_EQ_INT(counts[m][BENCH_DECODE], 6);
        CHECK_EQ_INT(counts[m][BENCH_MAX_THROUGHPUT], 3);
    }
    CHECK(find_point(&s.r, "gemma", BENCH_DECODE, 64, 2) != NULL); /* default label: the directory name */
    /* Gemma's KV cache grows linearly with the length; Griffin's state stops
     * growing once the length passes the window. */
    const bench_point *g8 = find_point(&s.r, "gemma", BENCH_MEMORY, 8, 0),
                      *g64 = find_point(&s.r, "gemma", BENCH_MEMORY, 64, 0),
                      *g32 = find_point(&s.r, "gemma", BENCH_MEMORY, 32, 0);
    const bench_point *r8 = find_point(&s.r, "griffin-tiny", BENCH_MEMORY, 8, 0),
                      *r32 = find_point(&s.r, "griffin-tiny", BENCH_MEMORY, 32, 0),
                      *r64 = find_point(&s.r, "griffin-tiny", BENCH_MEMORY, 64, 0);
    if (CHECK(g8 && g32 && g64 && r8 && r32 && r64)) {
        CHECK(g8->state_bytes_per_seq < g32->state_bytes_per_seq && g32->state_bytes_per_seq < g64->state_bytes_per_seq);
        CHECK_EQ_INT(g64->state_bytes_per_seq, 8 * g8->state_bytes_per_seq);
        CHECK(r8->state_bytes_per_seq < r32->state_bytes_per_seq);
        CHECK_EQ_INT(r32->state_bytes_per_seq, r64->state_bytes_per_seq);
    }
    /* The max-throughput batch is the budget's fit, capped at max_batch. */
    for (int i = 0; i < s.r.n; i++) {
        const bench_point *p = &s.r.points[i];
        if (p->kind != BENCH_MAX_THROUGHPUT) continue;
        long fit = bench_fit_batch(p->mem_budget_bytes, p->weight_bytes, p->state_bytes_per_seq);
        CHECK_EQ_INT(p->batch, fit < 3 ? fit : 3);
        CHECK_EQ_INT(p->mem_budget_bytes, 64LL << 20);
    }
done:
    bench_results_deinit(&s.r);
}

TEST(bench_sweep_tiny_models_interleaved) { check_sweep(1); }
TEST(bench_sweep_tiny_models_one_point_per_process) { check_sweep(0); }

TEST(bench_budget_too_small_records_no_batch) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/gemma", test_tmpdir());
    if (write_tiny(dir, 1)) return;
    bench_opts o;
    bench_opts_default(&o);
    o.n_models = 1;
    o.models[0].dir = dir;
    o.gen_lens[0] = 16;
    o.n_gen_lens = 1;
    o.batches[0] = 1;
    o.n_batches = 1;
    o.reps = 1;
    o.decode_steps = 1;
    o.n_threads = 1;
    o.mem_budget_bytes = 1024; /* below the weights */
    bench_results r;
    bench_results_init(&r);
    errbuf e;
    if (CHECKF(bench_run(&o, &r, &e) == 0, "%s", e.msg)) {
        const bench_point *p = find_point(&r, "gemma", BENCH_MAX_THROUGHPUT, 16, 0);
        if (CHECK(p)) {
            CHECK_EQ_INT(p->batch, 0);
            CHECK(isnan(p->tok_per_s));
        }
    }
    bench_results_deinit(&r);
    /* A model that does not load fails before anything is timed. */
    o.models[0].dir = "/nonexistent/model";
    bench_results_init(&r);
    CHECK(bench_run(&o, &r, &e) != 0);
    CHECKF(strstr(e.msg, "/nonexistent/model") != NULL, "%s", e.msg);
    CHECK_EQ_INT(r.n, 0);
    bench_results_deinit(&r);
}

/* Splits one CSV line (no quoted fields here) into at most cap fields. */
static int csv_fields(const char *line, size_t n, char fields[][64], int cap) {
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && k < cap; i++)
        if (i == n || line[i] == ',') {
            snprintf(fields[k++], 64, "%.*s", (int)(i - start), line + start);
            start = i + 1;
        }
    return k;
}

typedef struct readback {
    const bench_results *r;
    int n, n_match;
} readback;

/* Each point read back must match one written: same key, same figures. */
static int got_point(void *arg, const store_bench_point *sp) {
    readback *rb = arg;
    rb->n++;
    for (int i = 0; i < rb->r->n; i++) {
        const bench_point *p = &rb->r->points[i];
        if (strcmp(p->label, sp->model_label) || strcmp(bench_kind_name(p->kind), store_bench_kind_name(sp->kind)) ||
            p->prompt_len != sp->prompt_len || p->gen_len != sp->gen_len || p->batch != sp->batch)
            continue;
        int same_tok = (isnan(p->tok_per_s) && isnan(sp->tok_per_s)) || p->tok_per_s == sp->tok_per_s;
        if (same_tok && p->reps == sp->reps && p->state_bytes_per_seq == sp->state_bytes_per_seq &&
            p->peak_rss_bytes == sp->peak_rss_bytes && p->weight_bytes == sp->weight_bytes &&
            strcmp(p->arch, sp->arch) == 0 && strcmp(p->backend, sp->backend) == 0 && sp->model_path &&
            strstr(sp->model_path, p->model_idx == 0 ? "/griffin" : "/gemma"))
            rb->n_match++;
        break;
    }
    return 0;
}

TEST(bench_csv_json_shape_and_store_round_trip) {
    sweep s;
    run_sweep(&s, 1);
    if (!s.ok) goto done;
    strbuf csv, json;
    strbuf_init(&csv);
    strbuf_init(&json);
    bench_format_csv(&csv, &s.o, &s.r);
    bench_format_json(&json, &s.o, &s.r);
    /* CSV: a header of every column, then one line per point, each with as
     * many fields. */
    int lines = 0;
    const char *p = strbuf_str(&csv);
    while (*p) {
        const char *nl = strchr(p, '\n');
        if (!CHECK(nl)) break;
        char f[64][64];
        int nf = csv_fields(p, (size_t)(nl - p), f, 64);
        CHECKF(nf == bench_csv_n_columns, "line %d has %d fields, expected %d", lines, nf, bench_csv_n_columns);
        if (lines == 0)
            for (int c = 0; c < nf && c < bench_csv_n_columns; c++) CHECK(strcmp(f[c], bench_csv_columns[c]) == 0);
        lines++;
        p = nl + 1;
    }
    CHECK_EQ_INT(lines, s.r.n + 1);
    /* JSON: {"points": [...]}, one object per point with every column. */
    cJSON *root = cJSON_Parse(strbuf_str(&json));
    if (CHECK(root)) {
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(root, "points"), *pt;
        CHECK_EQ_INT(cJSON_GetArraySize(pts), s.r.n);
        cJSON_ArrayForEach(pt, pts) {
            for (int c = 0; c < bench_csv_n_columns; c++)
                CHECKF(cJSON_GetObjectItemCaseSensitive(pt, bench_csv_columns[c]), "JSON point lacks %s",
                       bench_csv_columns[c]);
            const cJSON *kind = cJSON_GetObjectItemCaseSensitive(pt, "kind");
            const cJSON *tok = cJSON_GetObjectItemCaseSensitive(pt, "tok_per_s");
            if (cJSON_IsString(kind) && strcmp(kind->valuestring, "memory") == 0) CHECK(cJSON_IsNull(tok));
            else CHECK(cJSON_IsNumber(tok) && tok->valuedouble > 0);
        }
        cJSON_Delete(root);
    }
    strbuf_deinit(&csv);
    strbuf_deinit(&json);
    /* Into the store and back. */
    char db[1200];
    snprintf(db, sizeof db, "%s/results.db", test_tmpdir());
    errbuf e;
    store *st = store_open(db, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) goto done;
    char *settings = bench_settings_json(&s.o);
    store_run_info info = {.kind = STORE_RUN_BENCH, .command_line = "griffin bench (test)", .backend = "cpu",
                           .n_threads = 1, .settings_json = settings};
    int64_t run_id = 0;
    if (CHECKF(store_run_begin(st, &info, &run_id, &e) == 0, "%s", e.msg) &&
        CHECKF(bench_store_points(st, run_id, &s.o, &s.r, &e) == 0, "%s", e.msg)) {
        readback rb = {&s.r, 0, 0};
        CHECKF(store_bench_points_each(st, run_id, got_point, &rb, &e) == 0, "%s", e.msg);
        CHECK_EQ_INT(rb.n, s.r.n);
        CHECK_EQ_INT(rb.n_match, s.r.n);
    }
    free(settings);
    store_close(st);
done:
    bench_results_deinit(&s.r);
}

TEST(bench_cli_rejects_bad_values) {
    const char *bin = test_griffin_bin();
    if (!file_exists(bin)) SKIP("%s not built", bin);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/gemma", test_tmpdir());
    if (write_tiny(dir, 1)) return;
    static const char *const bad[] = {
        "--reps 0",          "--reps ten",         "--mem-budget 5X",   "--mem-budget -1G",
        "--prompt-lens 0",   "--gen-lens 8,,16",   "--batches a",       "--batches 0",
        "--csv --json",      "--threads -1",       "--max-batch 0",     "--warmup -1",
        "--label a --label b", "--prompt-lens none --gen-lens none", "--mem-budget 100000T", "--frobnicate",
        "--clock sundial",   "--reps 40 --rounds 2", "--rounds 0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "%s bench --no-db --model %s %s >/dev/null 2>&1", bin, dir, bad[i]);
        CHECKF(test_run_cmd(cmd, NULL, 0) == 2, "griffin bench %s: exit %d, expected 2", bad[i], test_run_cmd(cmd, NULL, 0));
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s bench --no-db >/dev/null 2>&1", bin);
    CHECKF(test_run_cmd(cmd, NULL, 0) == 2, "griffin bench without --model: expected exit 2");
    /* A model that is not there is a runtime error, not a usage error. */
    snprintf(cmd, sizeof cmd, "%s bench --no-db --model %s/missing --gen-lens 8 >/dev/null 2>&1", bin, test_tmpdir());
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 1);
    snprintf(cmd, sizeof cmd, "%s bench --help >/dev/null 2>&1", bin);
    CHECK_EQ_INT(test_run_cmd(cmd, NULL, 0), 0);
}

static int count_point(void *arg, const store_bench_point *p) {
    (void)p;
    ++*(int *)arg;
    return 0;
}

/* End to end through the binary: --csv on stdout only (progress on
 * stderr), and the run in the store. */
TEST(bench_cli_csv_and_store) {
    const char *bin = test_griffin_bin();
    if (!file_exists(bin)) SKIP("%s not built", bin);
    const char *t = test_tmpdir();
    char g[1024], m[1024];
    snprintf(g, sizeof g, "%s/griffin", t);
    snprintf(m, sizeof m, "%s/gemma", t);
    if (write_tiny(g, 0) || write_tiny(m, 1)) return;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "%s bench --model %s --model %s --label g --label m --prompt-lens 8 --gen-lens 8,32 --batches 1 "
             "--reps 3 --decode-steps 2 --threads 1 --mem-budget 32M --max-batch 2 --db %s/r.db --csv "
             ">%s/out.csv 2>%s/err.txt",
             bin, g, m, t, t, t);
    if (!CHECKF(test_run_cmd(cmd, NULL, 0) == 0, "%s failed", cmd)) return;
    char path[1200];
    snprintf(path, sizeof path, "%s/out.csv", t);
    size_t n = 0;
    errbuf e;
    char *csv = file_read_all(path, 1 << 20, &n, &e);
    if (!CHECKF(csv, "%s", e.msg)) return;
    /* 2 models x (1 prefill + 2 lengths x (memory + decode + max)) = 14 rows + header. */
    int lines = 0;
    for (size_t i = 0; i < n; i++) lines += csv[i] == '\n';
    CHECK_EQ_INT(lines, 15);
    CHECK(strncmp(csv, "label,model_dir,", 16) == 0);
    CHECK(strstr(csv, "griffin bench") == NULL); /* no progress on stdout */
    free(csv);
    snprintf(path, sizeof path, "%s/err.txt", t);
    char *err = file_read_all(path, 1 << 20, &n, &e);
    if (CHECKF(err, "%s", e.msg)) {
        CHECKF(strstr(err, "griffin bench: run 1 in") != NULL, "stderr: %s", err);
        free(err);
    }
    snprintf(path, sizeof path, "%s/r.db", t);
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return;
    int n_points = 0;
    CHECK(store_bench_points_each(st, 1, count_point, &n_points, &e) == 0);
    CHECK_EQ_INT(n_points, 14);
    store_machine mach;
    CHECK(store_machine_get(st, 1, &mach, &e) == 1);
    CHECK(mach.n_cores > 0 && mach.cpu_model[0]);
    store_close(st);
}

TEST(bench_rounds_pool_repetitions) {
    bench_results r;
    bench_results_init(&r);
    errbuf e;
    bench_point a = {.model_idx = 0, .kind = BENCH_DECODE, .prompt_len = 64, .gen_len = 64, .batch = 2,
                     .tokens_per_rep = 12, .n_times = 3, .times_s = {1, 2, 3}, .peak_rss_bytes = 100};
    bench_point_stats(&a);
    bench_point b = a;
    b.n_times = 2;
    b.times_s[0] = 5;
    b.times_s[1] = 4;
    b.peak_rss_bytes = 120;
    bench_point other = a;
    other.batch = 1;
    CHECK(bench_results_merge(&r, &a, &e) == 0);
    CHECK(bench_results_merge(&r, &other, &e) == 0);
    CHECK(bench_results_merge(&r, &b, &e) == 0);
    if (CHECK(r.n == 2)) {
        const bench_point *p = &r.points[0];
        /* Times {1, 2, 3, 5, 4}: median 3, min 1, max 5; 12 tokens / 3 s. */
        CHECK_EQ_INT(p->reps, 5);
        CHECK_NEAR(p->median_s, 3, 0);
        CHECK_NEAR(p->min_s, 1, 0);
        CHECK_NEAR(p->max_s, 5, 0);
        CHECK_NEAR(p->tok_per_s, 4, 1e-12);
        CHECK_EQ_INT(p->peak_rss_bytes, 120);
        CHECK_EQ_INT(r.points[1].reps, 3);
    }
    bench_results_deinit(&r);
    /* Two rounds of a small sweep: the same points, twice the repetitions. */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/griffin", test_tmpdir());
    if (write_tiny(dir, 0)) return;
    bench_opts o;
    bench_opts_default(&o);
    o.n_models = 1;
    o.models[0].dir = dir;
    o.prompt_lens[0] = 8;
    o.n_prompt_lens = 1;
    o.gen_lens[0] = 32;
    o.n_gen_lens = 1;
    o.batches[0] = 1;
    o.n_batches = 1;
    o.reps = 3;
    o.rounds = 2;
    o.decode_steps = 2;
    o.n_threads = 1;
    bench_results_init(&r);
    if (CHECKF(bench_run(&o, &r, &e) == 0, "%s", e.msg)) {
        CHECK_EQ_INT(r.n, 3); /* prefill, memory, decode */
        for (int i = 0; i < r.n; i++) CHECK_EQ_INT(r.points[i].reps, r.points[i].kind == BENCH_MEMORY ? 0 : 6);
    }
    bench_results_deinit(&r);
}
