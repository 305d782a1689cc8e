/* tests/test_store_cli.c: `griffin results` end to end on a store the test
 * writes. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fileio.h"
#include "harness/store.h"
#include "tests/test.h"

typedef struct cmd_out {
    int status;
    char *out, *err;
} cmd_out;

/* Runs `griffin <args>` with stdout and stderr captured separately. */
static cmd_out run_griffin(const char *args) {
    cmd_out r = {.status = -1};
    char o[1024], er[1024], cmd[4096];
    snprintf(o, sizeof o, "%s/stdout.txt", test_tmpdir());
    snprintf(er, sizeof er, "%s/stderr.txt", test_tmpdir());
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", test_griffin_bin(), args, o, er);
    int st = system(cmd);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    errbuf e;
    size_t n;
    r.out = file_read_all(o, 1 << 24, &n, &e);
    r.err = file_read_all(er, 1 << 24, &n, &e);
    if (!r.out) r.out = strdup("");
    if (!r.err) r.err = strdup("");
    return r;
}

static void cmd_free(cmd_out *r) {
    free(r->out);
    free(r->err);
}

/* A store with one finished eval run (metrics by hand) and one bench run. */
static int make_db(const char *path) {
    errbuf e;
    store *st = store_open(path, NULL, &e);
    if (!CHECKF(st, "%s", e.msg)) return -1;
    store_run_info info = {.kind = STORE_RUN_EVAL, .model_path = "models/tiny", .backend = "cpu",
                           .settings_json = "{\"tasks\": [\"arc_easy\", \"mmlu\"]}"};
    int64_t run, bench;
    int ok = store_run_begin(st, &info, &run, &e) == 0;
    store_task_info t = {.task = "arc_easy", .version = "1", .num_fewshot = 0, .n_docs_total = 2376, .n_docs = 4};
    ok = ok && store_put_task_info(st, run, &t, &e) == 0;
    store_metric m[3] = {
        {.task = "arc_easy", .metric = "acc", .value = 0.5, .value_stderr = 0.1, .n = 4, .higher_is_better = 1},
        {.task = "arc_easy", .metric = "acc_norm", .value = 0.25, .value_stderr = NAN, .n = 4,
         .higher_is_better = 1},
        {.task = "mmlu", .metric = "acc", .value = 0.3, .value_stderr = 0.01, .n = 570, .higher_is_better = 1,
         .is_group = 1},
    };
    ok = ok && store_put_metrics(st, run, m, 3, &e) == 0;
    ok = ok && store_timing_add(st, run, "eval", 10.0, 9.6, 5000, 8, &e) == 0;
    ok = ok && store_run_finish(st, run, &e) == 0;
    store_run_info binfo = {.kind = STORE_RUN_BENCH, .model_path = "models/small"};
    ok = ok && store_run_begin(st, &binfo, &bench, &e) == 0;
    store_bench_point p[2] = {
        {.model_label = "griffin-small", .kind = STORE_BENCH_DECODE, .prompt_len = 128, .gen_len = 1024, .batch = 1,
         .reps = 5, .median_s = 0.01, .min_s = 0.0099, .max_s = 0.0101, .tok_per_s = 100.0,
         .state_bytes_per_seq = 1048576, .weight_bytes = -1, .peak_rss_bytes = 2097152, .mem_budget_bytes = -1},
        {.model_label = "griffin-small", .kind = STORE_BENCH_PREFILL, .prompt_len = 512, .batch = 1, .reps = 2,
         .median_s = 0.5, .min_s = 0.4, .max_s = 0.6, .tok_per_s = 1024.0, .state_bytes_per_seq = -1,
         .weight_bytes = -1, .peak_rss_bytes = -1, .mem_budget_bytes = -1},
    };
    ok = ok && store_put_bench_points(st, bench, p, 2, &e) == 0;
    CHECKF(ok, "%s", e.msg);
    store_close(st);
    return ok ? 0 : -1;
}

static int have_binary(void) { return access(test_griffin_bin(), X_OK) == 0; }

TEST(store_cli_results_tables) {
    if (!have_binary()) SKIP("%s not built", test_griffin_bin());
    char db[1024], args[2048];
    snprintf(db, sizeof db, "%s/r.db", test_tmpdir());
    if (make_db(db) != 0) return;

    snprintf(args, sizeof args, "results --db %s", db);
    cmd_out r = run_griffin(args);
    CHECKF(r.status == 0, "exit %d: %s", r.status, r.err);
    CHECKF(strncmp(r.out, "id  uuid      kind   status    created", 38) == 0, "stdout: %s", r.out);
    CHECKF(strstr(r.out, "eval   finished") && strstr(r.out, "models/tiny") &&
               strstr(r.out, "bench  running") && strstr(r.out, "models/small"),
           "stdout: %s", r.out);
    cmd_free(&r);

    /* The metrics table: value ± stderr as lm-eval prints it, N/A when
     * there is no stderr, groups after tasks; the run line goes to stderr. */
    snprintf(args, sizeof args, "results --db %s --run 1", db);
    r = run_griffin(args);
    CHECKF(r.status == 0, "exit %d: %s", r.status, r.err);
    const char *want =
        "task          version  filter  n-shot  metric    dir   value  ±  stderr    n\n"
        "arc_easy      1        none         0  acc       ↑    0.5000  ±  0.1000    4\n"
        "arc_easy      1        none         0  acc_norm  ↑    0.2500  ±     N/A    4\n"
        "[group] mmlu  -        none         -  acc       ↑    0.3000  ±  0.0100  570\n";
    CHECKF(strcmp(r.out, want) == 0, "stdout:\n%s", r.out);
    CHECKF(strstr(r.err, "run 1 (") && strstr(r.err, "eval, finished") &&
               strstr(r.err, "time eval: 10.00 s, 9.60 s in the model, 4.0% elsewhere, 5000 tokens (500 tok/s)"),
           "stderr: %s", r.err);
    cmd_free(&r);

    snprintf(args, sizeof args, "results --db %s --run 1 --csv", db);
    r = run_griffin(args);
    CHECKF(r.status == 0, "exit %d: %s", r.status, r.err);
    want = "task,version,filter,num_fewshot,metric,value,stderr,n,higher_is_better,is_group\n"
           "arc_easy,1,none,0,acc,0.5,0.1,4,1,0\n"
           "arc_easy,1,none,0,acc_norm,0.25,,4,1,0\n"
           "mmlu,,none,,acc,0.3,0.01,570,1,1\n";
    CHECKF(strcmp(r.out, want) == 0, "stdout:\n%s", r.out);
    cmd_free(&r);

    snprintf(args, sizeof args, "results --db %s --run 1 --json", db);
    r = run_griffin(args);
    CHECKF(r.status == 0, "exit %d: %s", r.status, r.err);
    cJSON *j = r.out ? cJSON_Parse(r.out) : NULL;
    if (CHECKF(j, "not JSON: %s", r.out)) {
        cJSON *metrics = cJSON_GetObjectItem(j, "metrics");
        cJSON *m1 = cJSON_GetArrayItem(metrics, 1);
        CHECK(cJSON_GetArraySize(metrics) == 3);
        CHECK(strcmp(cJSON_GetObjectItem(m1, "metric")->valuestring, "acc_norm") == 0);
        CHECK(cJSON_IsNull(cJSON_GetObjectItem(m1, "stderr")));
        CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(metrics, 0), "value")->valuedouble == 0.5);
        cJSON *run = cJSON_GetObjectItem(j, "run");
        CHECK(strcmp(cJSON_GetObjectItem(run, "status")->valuestring, "finished") == 0);
        CHECK(cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "settings"), "tasks")));
        CHECK(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "timings"), 0), "model_s")->valuedouble ==
              9.6);
    }
    cJSON_Delete(j);
    cmd_free(&r);

    /* A bench run shows its points; too few repetitions or a wide spread
     * are flagged (issue 4). */
    snprintf(args, sizeof args, "results --db %s --run 2", db);
    r = run_griffin(args);
    CHECKF(r.status == 0, "exit %d: %s", r.status, r.err);
    want = "model          kind     prompt   gen  batch  reps  median_s   tok/s  state_MiB  rss_MiB  note\n"
           "griffin-small  decode      128  1024      1     5  0.010000   100.0       1.00      2.0\n"
           "griffin-small  prefill     512     0      1     2  0.500000  1024.0        N/A      N/A  untrusted: 2 reps\n";
    CHECKF(strcmp(r.out, want) == 0, "stdout:\n%s", r.out);
    cmd_free(&r);
}

TEST(store_cli_results_errors_and_merge) {
    if (!have_binary()) SKIP("%s not built", test_griffin_bin());
    char db[1024], src[1024], args[3000];
    snprintf(db, sizeof db, "%s/r.db", test_tmpdir());
    snprintf(src, sizeof src, "%s/shard.db", test_tmpdir());
    if (make_db(db) != 0 || make_db(src) != 0) return;

    snprintf(args, sizeof args, "results --db %s/missing.db", test_tmpdir());
    cmd_out r = run_griffin(args);
    CHECKF(r.status == 1 && !*r.out && strstr(r.err, "missing.db: no such store"), "exit %d: %s",
           r.status, r.err);
    cmd_free(&r);
    CHECK(!file_exists(args + strlen("results --db "))); /* not created */

    snprintf(args, sizeof args, "results --db %s --run 99", db);
    r = run_griffin(args);
    CHECKF(r.status == 1 && strstr(r.err, "no run with id '99'"), "exit %d: %s", r.status, r.err);
    cmd_free(&r);

    snprintf(args, sizeof args, "results --db %s --json --csv", db);
    r = run_griffin(args);
    CHECKF(r.status == 2 && strstr(r.err, "--json and --csv"), "exit %d: %s", r.status, r.err);
    cmd_free(&r);

    /* Two stores made apart have different run uuids: both runs are added;
     * a second merge adds nothing. */
    snprintf(args, sizeof args, "results --merge %s --db %s", src, db);
    r = run_griffin(args);
    CHECKF(r.status == 0 && strstr(r.out, "runs +2 (0 already there)"), "exit %d: %s%s", r.status, r.out,
           r.err);
    cmd_free(&r);
    snprintf(args, sizeof args, "results --merge %s --db %s --json", src, db);
    r = run_griffin(args);
    cJSON *j = r.out ? cJSON_Parse(r.out) : NULL;
    CHECKF(r.status == 0 && j && cJSON_GetObjectItem(j, "runs_added")->valuedouble == 0 &&
               cJSON_GetObjectItem(j, "runs_matched")->valuedouble == 2,
           "exit %d: %s%s", r.status, r.out, r.err);
    cJSON_Delete(j);
    cmd_free(&r);
    snprintf(args, sizeof args, "results --db %s --csv", db);
    r = run_griffin(args);
    int lines = 0;
    for (const char *p = r.out; p && *p; p++) lines += *p == '\n';
    CHECKF(r.status == 0 && lines == 5, "%d lines: %s", lines, r.out); /* header + 4 runs */
    cmd_free(&r);
}
