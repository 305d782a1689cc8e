/* tests/test_store_tables.c: samples, metrics, task infos, timings,
 * machines, bench points and the safety tables of harness/store. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/sha256.h"
#include "harness/store.h"
#include "tests/test.h"

static store *fresh(const char *name, int64_t *run, store_run_kind kind) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    errbuf e;
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return NULL;
    store_run_info info = {.kind = kind, .model_path = "models/tiny", .backend = "cpu", .n_threads = 1};
    if (!CHECKF(store_run_begin(st, &info, run, &e) == 0, "%s", e.msg)) {
        store_close(st);
        return NULL;
    }
    return st;
}

static long long count_rows(store *st, const char *table) {
    sqlite3 *db;
    long long v = -1;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    if (sqlite3_open(store_path(st), &db) == SQLITE_OK) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return v;
}

/* ---- samples, metrics, task infos ---------------------------------------- */

typedef struct seen {
    int n;
    char text[8][256];
    double num[8][4];
    long long cnt[8];
} seen;

static int sample_cb(void *arg, const store_sample *p) {
    seen *s = arg;
    if (s->n < 8)
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%lld|%s|%s|%s|%s|%s", p->task, (long long)p->doc_id, p->filter,
                 p->target ? p->target : "NULL", p->resps_json ? p->resps_json : "NULL",
                 p->metrics_json ? p->metrics_json : "NULL", p->prompt_sha256 ? p->prompt_sha256 : "NULL");
    s->n++;
    return 0;
}

TEST(store_samples_round_trip_and_replace) {
    errbuf e;
    int64_t run;
    store *st = fresh("samples.db", &run, STORE_RUN_EVAL);
    if (!st) return;
    store_sample sm[3] = {
        {.task = "gsm8k", .doc_id = 7, .filter = "strict-match", .doc_json = "{\"question\": \"2+2?\"}",
         .target = "4", .arguments_json = "[[\"Q: 2+2?\\nA:\", {\"until\": [\"\\n\"]}]]",
         .resps_json = "[[\"4\"]]", .filtered_resps_json = "[\"4\"]", .metrics_json = "{\"exact_match\": 1.0}",
         .prompt_sha256 = "p7"},
        {.task = "gsm8k", .doc_id = 7, .filter = "flexible-extract", .target = "4", .resps_json = "[[\"4\"]]",
         .metrics_json = "{\"exact_match\": 1.0}"},
        {.task = "arc_easy", .doc_id = 0, .target = "B", .resps_json = "[[[-1.5, false]], [[-0.5, true]]]",
         .metrics_json = "{\"acc\": 1.0}"},
    };
    CHECKF(store_put_samples(st, run, sm, 3, &e) == 0, "%s", e.msg);
    seen s = {0};
    CHECK(store_samples_each(st, run, NULL, sample_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 3);
    /* ordered by task, doc, filter; a NULL filter is "none" */
    CHECKF(strcmp(s.text[0], "arc_easy|0|none|B|[[[-1.5, false]], [[-0.5, true]]]|{\"acc\": 1.0}|NULL") == 0, "%s",
           s.text[0]);
    CHECKF(strcmp(s.text[1], "gsm8k|7|flexible-extract|4|[[\"4\"]]|{\"exact_match\": 1.0}|NULL") == 0, "%s",
           s.text[1]);
    CHECKF(strcmp(s.text[2], "gsm8k|7|strict-match|4|[[\"4\"]]|{\"exact_match\": 1.0}|p7") == 0, "%s", s.text[2]);
    /* one task only; a recomputed sample replaces the old one */
    sm[2].metrics_json = "{\"acc\": 0.0}";
    CHECK(store_put_samples(st, run, &sm[2], 1, &e) == 0);
    seen t = {0};
    CHECK(store_samples_each(st, run, "arc_easy", sample_cb, &t, &e) == 0);
    CHECK_EQ_INT(t.n, 1);
    CHECKF(strstr(t.text[0], "{\"acc\": 0.0}"), "%s", t.text[0]);
    CHECK_EQ_INT(count_rows(st, "samples"), 3);
    store_close(st);
}

static int metric_cb(void *arg, const store_metric *m) {
    seen *s = arg;
    if (s->n < 8) {
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%s|%d|%d", m->task, m->metric, m->filter,
                 m->higher_is_better, m->is_group);
        s->num[s->n][0] = m->value;
        s->num[s->n][1] = m->value_stderr;
        s->cnt[s->n] = m->n;
    }
    s->n++;
    return 0;
}

static int stop_cb(void *arg, const store_metric *m) {
    (void)m;
    ++*(int *)arg;
    return 42;
}

TEST(store_metrics_round_trip) {
    errbuf e;
    int64_t run;
    store *st = fresh("metrics.db", &run, STORE_RUN_EVAL);
    if (!st) return;
    store_metric m[3] = {
        {.task = "mmlu", .metric = "acc", .value = 0.3, .value_stderr = 0.01, .n = 570, .higher_is_better = 1,
         .is_group = 1},
        {.task = "wikitext", .metric = "word_perplexity", .value = 23.5, .value_stderr = NAN, .n = 62,
         .higher_is_better = 0},
        {.task = "arc_easy", .metric = "acc", .value = 0.5, .value_stderr = 0.1, .n = 4, .higher_is_better = 1},
    };
    CHECKF(store_put_metrics(st, run, m, 3, &e) == 0, "%s", e.msg);
    seen s = {0};
    CHECK(store_metrics_each(st, run, metric_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 3);
    /* tasks first, groups last */
    CHECK(strcmp(s.text[0], "arc_easy|acc|none|1|0") == 0 && s.num[0][0] == 0.5 && s.num[0][1] == 0.1 &&
          s.cnt[0] == 4);
    CHECK(strcmp(s.text[1], "wikitext|word_perplexity|none|0|0") == 0 && isnan(s.num[1][1]));
    CHECK(strcmp(s.text[2], "mmlu|acc|none|1|1") == 0 && s.num[2][0] == 0.3);
    /* replace by (task, metric, filter); unknown n and direction read back as -1 */
    store_metric again = {.task = "arc_easy", .metric = "acc", .value = 0.75, .value_stderr = NAN, .n = -1,
                          .higher_is_better = -1};
    CHECK(store_put_metrics(st, run, &again, 1, &e) == 0);
    seen t = {0};
    CHECK(store_metrics_each(st, 0, metric_cb, &t, &e) == 0);
    CHECK(t.n == 3 && t.num[0][0] == 0.75 && t.cnt[0] == -1 && strcmp(t.text[0], "arc_easy|acc|none|-1|0") == 0);
    /* a callback's non-zero stops the walk and comes back */
    int calls = 0;
    CHECK_EQ_INT(store_metrics_each(st, run, stop_cb, &calls, &e), 42);
    CHECK_EQ_INT(calls, 1);
    store_metric bad = {.task = "x", .metric = ""};
    CHECK(store_put_metrics(st, run, &bad, 1, &e) != 0);
    CHECKF(strstr(e.msg, "needs a task and a metric name"), "%s", e.msg);
    store_close(st);
}

static int task_cb(void *arg, const store_task_info *t) {
    seen *s = arg;
    if (s->n < 8)
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%d|%lld|%lld|%s", t->task, t->version ? t->version : "NULL",
                 t->num_fewshot, (long long)t->n_docs_total, (long long)t->n_docs,
                 t->config_json ? t->config_json : "NULL");
    s->n++;
    return 0;
}

static int timing_cb(void *arg, const store_timing *t) {
    seen *s = arg;
    if (s->n < 8) {
        snprintf(s->text[s->n], sizeof s->text[0], "%s", t->phase);
        s->num[s->n][0] = t->wall_s;
        s->num[s->n][1] = t->model_s;
        s->cnt[s->n] = t->n_tokens * 1000000 + t->n_requests;
    }
    s->n++;
    return 0;
}

TEST(store_task_infos_and_timings_sum_sessions) {
    errbuf e;
    int64_t run;
    store *st = fresh("tasks.db", &run, STORE_RUN_EVAL);
    if (!st) return;
    store_task_info t = {.task = "hellaswag", .version = "1.0", .num_fewshot = 10, .n_docs_total = 10042,
                         .n_docs = 50, .config_json = "{\"split\": \"validation\"}"};
    CHECK(store_put_task_info(st, run, &t, &e) == 0);
    t.n_docs = 100; /* replaced, not added */
    CHECK(store_put_task_info(st, run, &t, &e) == 0);
    seen s = {0};
    CHECK(store_task_infos_each(st, run, task_cb, &s, &e) == 0);
    CHECK(s.n == 1 && strcmp(s.text[0], "hellaswag|1.0|10|10042|100|{\"split\": \"validation\"}") == 0);

    /* Two sessions (a resumed run) each add; the sum is per phase. */
    CHECK(store_timing_add(st, run, "eval", 10.0, 9.5, 1000, 40, &e) == 0);
    CHECK(store_timing_add(st, run, "eval", 2.0, 1.5, 200, 10, &e) == 0);
    store *second = store_open(store_path(st), NULL, &e);
    if (CHECKF(second, "%s", e.msg)) {
        CHECK(store_timing_add(second, run, "eval", 4.0, 3.0, 300, 5, &e) == 0);
        CHECK(store_timing_add(second, run, "build", 0.25, 0.0, 0, 55, &e) == 0);
    }
    store_close(second);
    seen tm = {0};
    CHECK(store_timings_each(st, run, timing_cb, &tm, &e) == 0);
    CHECK_EQ_INT(tm.n, 2);
    CHECK(strcmp(tm.text[0], "build") == 0 && tm.num[0][0] == 0.25 && tm.cnt[0] == 55);
    CHECK(strcmp(tm.text[1], "eval") == 0 && tm.num[1][0] == 16.0 && tm.num[1][1] == 14.0);
    CHECK_EQ_INT(tm.cnt[1], 1500 * 1000000LL + 55);
    CHECK_EQ_INT(count_rows(st, "timings"), 3);
    CHECK(store_timing_add(st, run, "eval", -1.0, 0, 0, 0, &e) != 0);
    CHECKF(strstr(e.msg, "non-negative"), "%s", e.msg);
    store_close(st);
}

/* ---- machines and bench points ------------------------------------------- */

TEST(store_machine_detect_and_roofline) {
    errbuf e;
    int64_t run;
    store *st = fresh("machines.db", &run, STORE_RUN_BENCH);
    if (!st) return;
    store_machine m;
    CHECKF(store_machine_detect(&m, &e) == 0, "%s", e.msg);
    CHECK(m.host[0] && m.cpu_model[0] && m.n_cores >= 1 && m.mem_bytes > 0 && isnan(m.peak_f32_flops));
    int64_t id1, id2;
    CHECKF(store_machine_put(st, &m, &id1, &e) == 0, "%s", e.msg);
    m.mem_bw_bytes_per_s = 20e9;
    m.peak_f32_flops = 1e11;
    CHECKF(store_machine_put(st, &m, &id2, &e) == 0, "%s", e.msg);
    CHECK(id1 == id2 && count_rows(st, "machines") == 1);
    store_machine back;
    CHECK(store_machine_get(st, id1, &back, &e) == 1);
    CHECK(strcmp(back.cpu_model, m.cpu_model) == 0 && strcmp(back.cpu_flags, m.cpu_flags) == 0 &&
          back.n_cores == m.n_cores && back.mem_bytes == m.mem_bytes);
    CHECK(back.mem_bw_bytes_per_s == 20e9 && back.peak_f32_flops == 1e11 && isnan(back.peak_bf16_flops));
    /* a NAN does not erase a measurement */
    m.mem_bw_bytes_per_s = NAN;
    m.peak_f32_flops = NAN;
    m.peak_int8_ops = 4e11;
    CHECK(store_machine_put(st, &m, &id2, &e) == 0);
    CHECK(store_machine_get(st, id1, &back, &e) == 1 && back.mem_bw_bytes_per_s == 20e9 && back.peak_int8_ops == 4e11);
    CHECK(store_machine_get(st, 777, &back, &e) == 0);
    store_machine other = m;
    snprintf(other.host, sizeof other.host, "another-host");
    CHECK(store_machine_put(st, &other, &id2, &e) == 0 && id2 != id1);
    store_close(st);
}

static int point_cb(void *arg, const store_bench_point *p) {
    seen *s = arg;
    if (s->n < 8) {
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%s|%s|%s|%lld|%lld|%lld|%d|%lld|%lld|%lld|%lld|%d|%s",
                 p->model_label, p->model_path, p->arch, p->dtype, store_bench_kind_name(p->kind),
                 (long long)p->prompt_len, (long long)p->gen_len, (long long)p->batch, p->reps,
                 (long long)p->state_bytes_per_seq, (long long)p->weight_bytes, (long long)p->peak_rss_bytes,
                 (long long)p->mem_budget_bytes, p->n_threads, p->backend);
        s->num[s->n][0] = p->median_s;
        s->num[s->n][1] = p->tok_per_s;
        s->num[s->n][2] = p->bytes_per_rep;
        s->num[s->n][3] = p->flops_per_rep;
    }
    s->n++;
    return 0;
}

TEST(store_bench_points_round_trip) {
    errbuf e;
    int64_t run;
    store *st = fresh("bench.db", &run, STORE_RUN_BENCH);
    if (!st) return;
    store_bench_point p[3] = {
        {.model_label = "griffin-small", .model_path = "m/g", .arch = "griffin", .dtype = "bf16",
         .kind = STORE_BENCH_DECODE, .prompt_len = 128, .gen_len = 4096, .batch = 1, .reps = 5, .median_s = 0.0125,
         .min_s = 0.012, .max_s = 0.013, .tok_per_s = 80.0, .state_bytes_per_seq = 1234567, .weight_bytes = 99,
         .peak_rss_bytes = 4096, .mem_budget_bytes = -1, .n_threads = 2, .backend = "cpu", .bytes_per_rep = 5.5e9,
         .flops_per_rep = 2.5e10},
        {.model_label = "gemma-small", .model_path = "m/t", .arch = "gemma", .dtype = "bf16",
         .kind = STORE_BENCH_MEMORY, .prompt_len = 8192, .reps = 1, .median_s = NAN, .min_s = NAN, .max_s = NAN,
         .tok_per_s = NAN, .state_bytes_per_seq = 1 << 30, .weight_bytes = 98, .peak_rss_bytes = -1,
         .mem_budget_bytes = -1, .n_threads = 2, .backend = "cpu", .bytes_per_rep = NAN, .flops_per_rep = NAN},
        {.model_label = "griffin-small", .model_path = "m/g", .arch = "griffin", .dtype = "bf16",
         .kind = STORE_BENCH_MAX_THROUGHPUT, .prompt_len = 128, .gen_len = 1024, .batch = 64, .reps = 3,
         .median_s = 2.0, .min_s = 1.9, .max_s = 2.1, .tok_per_s = 32768.0, .state_bytes_per_seq = 10,
         .weight_bytes = 99, .peak_rss_bytes = 8192, .mem_budget_bytes = 8LL << 30, .n_threads = 2,
         .backend = "cpu"},
    };
    CHECKF(store_put_bench_points(st, run, p, 3, &e) == 0, "%s", e.msg);
    seen s = {0};
    CHECK(store_bench_points_each(st, run, point_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 3);
    /* by label, then kind */
    CHECKF(strcmp(s.text[0], "gemma-small|m/t|gemma|bf16|memory|8192|0|0|1|1073741824|98|-1|-1|2|cpu") == 0, "%s",
           s.text[0]);
    CHECKF(strcmp(s.text[1], "griffin-small|m/g|griffin|bf16|decode|128|4096|1|5|1234567|99|4096|-1|2|cpu") == 0, "%s",
           s.text[1]);
    CHECKF(strcmp(s.text[2],
                  "griffin-small|m/g|griffin|bf16|max_throughput|128|1024|64|3|10|99|8192|8589934592|2|cpu") == 0,
           "%s", s.text[2]);
    CHECK(isnan(s.num[0][0]) && s.num[1][0] == 0.0125 && s.num[1][1] == 80.0 && s.num[2][1] == 32768.0);
    CHECK(isnan(s.num[0][2]) && isnan(s.num[0][3]) && s.num[1][2] == 5.5e9 && s.num[1][3] == 2.5e10);
    /* a re-measured point replaces the old one */
    p[0].median_s = 0.02;
    CHECK(store_put_bench_points(st, run, p, 1, &e) == 0);
    seen t = {0};
    CHECK(store_bench_points_each(st, 0, point_cb, &t, &e) == 0);
    CHECK(t.n == 3 && t.num[1][0] == 0.02);
    p[0].model_label = NULL;
    CHECK(store_put_bench_points(st, run, p, 1, &e) != 0);
    CHECKF(strstr(e.msg, "bench point 0 of the batch"), "%s", e.msg);
    store_close(st);
}

/* ---- safety -------------------------------------------------------------- */

TEST(store_toxicity_cache) {
    errbuf e;
    int64_t run;
    store *st = fresh("tox.db", &run, STORE_RUN_SAFETY);
    if (!st) return;
    strbuf out;
    strbuf_init(&out);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "you are nice", &out, &e) == 0);
    const char *texts[2] = {"you are nice", "second text"};
    const char *scores[2] = {"{\"TOXICITY\": 0.02}", "{\"TOXICITY\": 0.40}"};
    CHECKF(store_tox_put(st, "perspective:TOXICITY", texts, scores, 2, &e) == 0, "%s", e.msg);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "you are nice", &out, &e) == 1);
    CHECK(strcmp(strbuf_str(&out), "{\"TOXICITY\": 0.02}") == 0);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "second text", &out, &e) == 1);
    CHECK(strcmp(strbuf_str(&out), "{\"TOXICITY\": 0.40}") == 0);
    /* another scorer, another text: misses */
    CHECK(store_tox_get(st, "offline:v1", "you are nice", &out, &e) == 0);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "you are nice!", &out, &e) == 0);
    /* a cached score is kept */
    const char *again[1] = {"{\"TOXICITY\": 0.99}"};
    CHECK(store_tox_put(st, "perspective:TOXICITY", texts, again, 1, &e) == 0);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "you are nice", &out, &e) == 1);
    CHECK(strcmp(strbuf_str(&out), "{\"TOXICITY\": 0.02}") == 0);
    /* a reply that is not JSON is refused, the batch with it */
    const char *t3[2] = {"third", "fourth"};
    const char *s3[2] = {"{\"TOXICITY\": 0.1}", "<html>502</html>"};
    CHECK(store_tox_put(st, "perspective:TOXICITY", t3, s3, 2, &e) != 0);
    CHECKF(strstr(e.msg, "entry 1") && strstr(e.msg, "json_valid"), "%s", e.msg);
    CHECK(store_tox_get(st, "perspective:TOXICITY", "third", &out, &e) == 0);
    /* the key is the text's sha256, not the text */
    char hex[65], where[160];
    sha256_hex("you are nice", 12, hex);
    snprintf(where, sizeof where, "toxicity_cache WHERE text_sha256 = '%s'", hex);
    CHECK_EQ_INT(count_rows(st, where), 1);
    CHECK_EQ_INT(count_rows(st, "toxicity_cache WHERE length(text_sha256) = 64"), 2);
    strbuf_deinit(&out);
    store_close(st);
}

static int gate_cb(void *arg, const store_gate *g) {
    seen *s = arg;
    if (s->n < 8) {
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%s|%d|%lld|%s|%s", g->benchmark, g->metric,
                 store_gate_dir_name(g->direction), g->passed, (long long)g->baseline_run_id,
                 g->baseline_run_uuid ? "uuid" : "NULL", g->scorer ? g->scorer : "NULL");
        s->num[s->n][0] = g->value;
        s->num[s->n][1] = g->delta;
    }
    s->n++;
    return 0;
}

static int scorer_cb(void *arg, const store_scorer *x) {
    seen *s = arg;
    snprintf(s->text[0], sizeof s->text[0], "%s|%s|%lld|%lld", x->name, x->kind, (long long)x->n_train,
             (long long)x->n_heldout);
    s->num[0][0] = x->heldout_accuracy;
    s->num[0][1] = x->heldout_auc;
    s->n++;
    return 0;
}

TEST(store_gates_and_scorers) {
    errbuf e;
    int64_t base, run;
    store *st = fresh("gates.db", &base, STORE_RUN_SAFETY);
    if (!st) return;
    store_run_info info = {.kind = STORE_RUN_SAFETY};
    CHECK(store_run_begin(st, &info, &run, &e) == 0);
    store_gate g[2] = {
        {.benchmark = "crows_pairs", .metric = "pct_stereotype", .value = 0.62, .ci_low = 0.59, .ci_high = 0.65,
         .threshold = 0.65, .direction = STORE_GATE_AT_MOST, .passed = 1, .baseline_run_id = base,
         .baseline_value = 0.60, .delta = 0.02},
        {.benchmark = "realtoxicityprompts", .metric = "expected_max_toxicity", .value = 0.5, .ci_low = NAN,
         .ci_high = NAN, .threshold = 0.3, .direction = STORE_GATE_AT_MOST, .passed = 0, .baseline_value = NAN,
         .delta = NAN, .scorer = "offline:v1"},
    };
    CHECKF(store_put_gates(st, run, g, 2, &e) == 0, "%s", e.msg);
    seen s = {0};
    CHECK(store_gates_each(st, run, gate_cb, &s, &e) == 0);
    CHECK_EQ_INT(s.n, 2);
    char want[128];
    snprintf(want, sizeof want, "crows_pairs|pct_stereotype|at_most|1|%lld|uuid|NULL", (long long)base);
    CHECKF(strcmp(s.text[0], want) == 0, "%s", s.text[0]);
    CHECKF(strcmp(s.text[1], "realtoxicityprompts|expected_max_toxicity|at_most|0|0|NULL|offline:v1") == 0, "%s",
           s.text[1]);
    CHECK(s.num[0][0] == 0.62 && s.num[0][1] == 0.02 && isnan(s.num[1][1]));
    /* The baseline is kept by uuid: deleting it leaves the uuid, id 0. */
    CHECK(store_run_delete(st, base, &e) == 0);
    seen t = {0};
    CHECK(store_gates_each(st, 0, gate_cb, &t, &e) == 0);
    CHECKF(t.n == 2 && strcmp(t.text[0], "crows_pairs|pct_stereotype|at_most|1|0|uuid|NULL") == 0, "%s", t.text[0]);
    g[0].baseline_run_id = 999;
    CHECK(store_put_gates(st, run, g, 1, &e) != 0);
    CHECKF(strstr(e.msg, "gate baseline: no run with id 999"), "%s", e.msg);

    store_scorer sc = {.name = "offline:v1", .kind = "offline", .model_sha256 = "ff", .train_dataset = "toxigen",
                       .n_train = 8000, .n_heldout = 940, .heldout_accuracy = 0.81, .heldout_auc = 0.88};
    CHECK(store_scorer_put(st, &sc, &e) == 0);
    seen x = {0};
    CHECK(store_scorer_get(st, "offline:v1", scorer_cb, &x, &e) == 1);
    CHECK(strcmp(x.text[0], "offline:v1|offline|8000|940") == 0 && x.num[0][0] == 0.81 && x.num[0][1] == 0.88);
    CHECK(store_scorer_get(st, "perspective", scorer_cb, &x, &e) == 0);
    store_close(st);
}

TEST(store_delete_run_cascades) {
    errbuf e;
    int64_t run, keep;
    store *st = fresh("cascade.db", &run, STORE_RUN_EVAL);
    if (!st) return;
    store_run_info info = {.kind = STORE_RUN_EVAL};
    CHECK(store_run_begin(st, &info, &keep, &e) == 0);
    for (int k = 0; k < 2; k++) {
        int64_t r = k ? keep : run;
        store_result res = {.request_id = "q", .kind = STORE_REQ_LOGLIKELIHOOD, .loglik = -1, .is_greedy = 1,
                            .n_ctx_tokens = -1, .n_cont_tokens = -1, .elapsed_ns = -1};
        store_sample sm = {.task = "t", .doc_id = 1};
        store_metric m = {.task = "t", .metric = "acc", .value = 1, .value_stderr = NAN, .n = 1};
        store_task_info ti = {.task = "t"};
        store_bench_point p = {.model_label = "g", .kind = STORE_BENCH_PREFILL, .prompt_len = 8, .batch = 1,
                               .median_s = 1, .min_s = 1, .max_s = 1, .tok_per_s = 8};
        store_gate g = {.benchmark = "b", .metric = "m", .value = 1, .ci_low = NAN, .ci_high = NAN, .threshold = 0,
                        .baseline_value = NAN, .delta = NAN, .passed = 1};
        CHECK(store_put_results(st, r, &res, 1, NULL, &e) == 0);
        CHECK(store_put_samples(st, r, &sm, 1, &e) == 0);
        CHECK(store_put_metrics(st, r, &m, 1, &e) == 0);
        CHECK(store_put_task_info(st, r, &ti, &e) == 0);
        CHECK(store_timing_add(st, r, "eval", 1, 1, 1, 1, &e) == 0);
        CHECK(store_put_bench_points(st, r, &p, 1, &e) == 0);
        CHECK(store_put_gates(st, r, &g, 1, &e) == 0);
    }
    CHECKF(store_run_delete(st, run, &e) == 0, "%s", e.msg);
    const char *tables[] = {"runs", "requests", "samples", "metrics", "run_tasks", "timings", "bench_points",
                            "gate_results"};
    for (int i = 0; i < 8; i++) CHECKF(count_rows(st, tables[i]) == 1, "%s has %lld rows", tables[i], count_rows(st, tables[i]));
    CHECK(store_run_delete(st, run, &e) != 0);
    CHECKF(strstr(e.msg, "no run with id"), "%s", e.msg);
    store_close(st);
}
