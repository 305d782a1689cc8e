/* tests/test_store_merge.c: store_merge, the door to sharded runs. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "harness/store.h"
#include "tests/test.h"

#define SHARED_UUID "0a0a0a0a-1111-4222-8333-444444444444"

static store *open_in_tmp(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    errbuf e;
    store *st = store_open(path, NULL, &e);
    CHECKF(st, "%s", e.msg);
    return st;
}

/* Writes requests [from, to) of the shared run, loglik = -id - delta. */
static int64_t write_shard(store *st, int from, int to, double delta, int64_t machine) {
    errbuf e;
    store_run_info info = {.kind = STORE_RUN_EVAL, .uuid = SHARED_UUID, .model_path = "models/tiny",
                           .machine_id = machine};
    int64_t run;
    if (!CHECKF(store_run_begin(st, &info, &run, &e) == 0, "%s", e.msg)) return 0;
    char ids[64][16];
    store_result r[64];
    int n = 0;
    for (int i = from; i < to && n < 64; i++, n++) {
        snprintf(ids[n], sizeof ids[n], "r%03d", i);
        r[n] = (store_result){.request_id = ids[n], .kind = STORE_REQ_LOGLIKELIHOOD, .loglik = -i - delta,
                              .is_greedy = 1, .n_ctx_tokens = 5, .n_cont_tokens = 1, .elapsed_ns = 10};
    }
    CHECKF(store_put_results(st, run, r, (size_t)n, NULL, &e) == 0, "%s", e.msg);
    store_sample sm = {.task = "arc_easy", .doc_id = from, .target = "A", .metrics_json = "{\"acc\": 1}"};
    CHECK(store_put_samples(st, run, &sm, 1, &e) == 0);
    CHECK(store_timing_add(st, run, "eval", 1.0, 0.5, 100, (int64_t)n, &e) == 0);
    return run;
}

typedef struct sum {
    int n;
    double loglik_sum;
    double first;
} sum;

static int sum_cb(void *arg, const store_result *r) {
    sum *s = arg;
    if (s->n == 0) s->first = r->loglik;
    s->n++;
    s->loglik_sum += r->loglik;
    return 0;
}

static int timing_cb(void *arg, const store_timing *t) {
    *(double *)arg = t->wall_s;
    return 0;
}

static int uuid_cb(void *arg, const store_run *r) {
    if (strcmp(r->uuid, SHARED_UUID) == 0) *(int64_t *)arg = r->id;
    return 0;
}

static int machine_cb(void *arg, const store_run *r) {
    if (r->info.machine_id) *(int64_t *)arg = r->info.machine_id;
    return 0;
}

TEST(store_merge_shards_without_duplicates) {
    errbuf e;
    store *a = open_in_tmp("a.db"), *b = open_in_tmp("b.db");
    if (!a || !b) goto out;
    /* Shard a: requests 0..9; shard b: 5..14 (5..9 overlap, 8 and 9 with
     * another value), one more run with bench points, and a machine. */
    write_shard(a, 0, 10, 0.0, 0);
    store_machine m = {.n_cores = 4, .mem_bytes = 1 << 30, .mem_bw_bytes_per_s = NAN, .peak_f32_flops = NAN,
                       .peak_bf16_flops = NAN, .peak_int8_ops = NAN};
    snprintf(m.host, sizeof m.host, "shard-b-host");
    snprintf(m.cpu_model, sizeof m.cpu_model, "Test CPU");
    int64_t mid;
    CHECK(store_machine_put(b, &m, &mid, &e) == 0);
    /* b gets a dummy run first so its ids differ from a's */
    store_run_info dummy = {.kind = STORE_RUN_SAFETY};
    int64_t d;
    CHECK(store_run_begin(b, &dummy, &d, &e) == 0);
    int64_t rb = write_shard(b, 5, 8, 0.0, mid);
    char ids[2][8] = {"r008", "r009"};
    store_result diff[2];
    for (int i = 0; i < 2; i++)
        diff[i] = (store_result){.request_id = ids[i], .kind = STORE_REQ_LOGLIKELIHOOD, .loglik = -100.0,
                                 .is_greedy = 0, .n_ctx_tokens = -1, .n_cont_tokens = -1, .elapsed_ns = -1};
    CHECK(store_put_results(b, rb, diff, 2, NULL, &e) == 0);
    char more_ids[5][8];
    store_result more[5];
    for (int i = 0; i < 5; i++) {
        snprintf(more_ids[i], sizeof more_ids[i], "r%03d", 10 + i);
        more[i] = (store_result){.request_id = more_ids[i], .kind = STORE_REQ_LOGLIKELIHOOD, .loglik = -10.0 - i,
                                 .is_greedy = 1, .n_ctx_tokens = -1, .n_cont_tokens = -1, .elapsed_ns = -1};
    }
    CHECK(store_put_results(b, rb, more, 5, NULL, &e) == 0);
    store_run_info bench = {.kind = STORE_RUN_BENCH, .machine_id = mid};
    int64_t rbench;
    CHECK(store_run_begin(b, &bench, &rbench, &e) == 0);
    store_bench_point p = {.model_label = "g", .kind = STORE_BENCH_DECODE, .prompt_len = 1, .gen_len = 128,
                           .batch = 1, .reps = 3, .median_s = 0.5, .min_s = 0.5, .max_s = 0.5, .tok_per_s = 256,
                           .state_bytes_per_seq = -1, .weight_bytes = -1, .peak_rss_bytes = -1,
                           .mem_budget_bytes = -1};
    CHECK(store_put_bench_points(b, rbench, &p, 1, &e) == 0);
    const char *text = "hello";
    const char *score = "{\"t\": 0.1}";
    CHECK(store_tox_put(b, "offline:v1", &text, &score, 1, &e) == 0);

    store_merge_stats s;
    if (!CHECKF(store_merge(a, b, &s, &e) == 0, "%s", e.msg)) goto out;
    CHECK_EQ_INT(s.runs_added, 2);   /* the safety dummy and the bench run */
    CHECK_EQ_INT(s.runs_matched, 1); /* the shared run */
    CHECK_EQ_INT(s.requests_added, 5);   /* r010..r014 */
    CHECK_EQ_INT(s.requests_skipped, 5); /* r005..r009 */
    CHECK_EQ_INT(s.requests_conflicting, 2); /* r008, r009 */
    CHECK_EQ_INT(s.samples_added, 1);
    CHECK_EQ_INT(s.bench_points_added, 1);
    CHECK_EQ_INT(s.tox_added, 1);
    CHECK_EQ_INT(s.machines_added, 1);

    int64_t shared = 0;
    CHECK(store_runs_each(a, uuid_cb, &shared, &e) == 0 && shared > 0);
    sum total = {0};
    CHECK(store_results_each(a, shared, sum_cb, &total, &e) == 0);
    CHECK_EQ_INT(total.n, 15);
    /* a's values kept: 0+1+...+9 from a, 10..14 from b as -10..-14 */
    CHECK_NEAR(total.loglik_sum, -(45.0 + 60.0), 0);
    double wall = 0;
    CHECK(store_timings_each(a, shared, timing_cb, &wall, &e) == 0);
    CHECK(wall == 2.0); /* one session from each shard */
    /* The bench run came with its machine, re-keyed to a's id. */
    int64_t machine = 0;
    CHECK(store_runs_each(a, machine_cb, &machine, &e) == 0);
    store_machine back;
    CHECK(machine > 0 && store_machine_get(a, machine, &back, &e) == 1 && strcmp(back.host, "shard-b-host") == 0);
    strbuf sc;
    strbuf_init(&sc);
    CHECK(store_tox_get(a, "offline:v1", "hello", &sc, &e) == 1 && strcmp(strbuf_str(&sc), score) == 0);
    strbuf_deinit(&sc);

    /* Merging again adds nothing. */
    CHECKF(store_merge(a, b, &s, &e) == 0, "%s", e.msg);
    CHECK(s.runs_added == 0 && s.runs_matched == 3 && s.requests_added == 0 && s.requests_skipped == 10 &&
          s.samples_added == 0 && s.bench_points_added == 0 && s.tox_added == 0 && s.machines_added == 0);
    CHECK(store_timings_each(a, shared, timing_cb, &wall, &e) == 0 && wall == 2.0);
    CHECKF(store_check(a, &e) == 0, "%s", e.msg);

    /* Into itself, or from an older schema: refused with the reason. */
    CHECK(store_merge(a, a, &s, &e) != 0);
    CHECKF(strstr(e.msg, "into itself"), "%s", e.msg);
    char old_path[1024];
    snprintf(old_path, sizeof old_path, "%s/old.db", test_tmpdir());
    store_open_opts v1 = {.max_version = 1};
    store *old = store_open(old_path, &v1, &e);
    if (CHECKF(old, "%s", e.msg)) {
        CHECK(store_merge(a, old, &s, &e) != 0);
        CHECKF(strstr(e.msg, "schema version 1") && strstr(e.msg, "old.db"), "%s", e.msg);
    }
    store_close(old);
out:
    store_close(a);
    store_close(b);
}
