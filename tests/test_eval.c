/* tests/test_eval.c: the eval runner end to end on the bundled samples.
 *   - stored log-likelihoods equal log-softmax computed by hand from
 *     model_forward over the same token sequences;
 *   - shared-context scoring equals --no-share;
 *   - a run killed with SIGKILL and re-run gives the same results as an
 *     uninterrupted run, with no request computed twice. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/eval.h"
#include "harness/recompute.h"
#include "harness/store.h"
#include "model/init.h"
#include "model/model.h"
#include "model/state.h"
#include "model/tokenizer.h"
#include "tasks/request.h"
#include "tasks/spec.h"
#include "tasks/task.h"
#include "tests/test.h"

#define EVAL_MAX_LL_DIFF 1e-4 /* the bound for shared vs from-scratch */
#define TOKENIZER "assets/tokenizer.model"
#define SAMPLES "datasets/samples"

static int make_model(char *dir, size_t cap) {
    errbuf e;
    tok *t = tok_load(TOKENIZER, &e);
    if (!t) return -1;
    model_config c;
    config_preset(&c, "tiny", tok_vocab_size(t), NULL);
    c.width = 48;
    c.n_heads = 2;
    c.head_dim = 12;
    c.lru_width = 48;
    c.mlp_width = 96;
    c.window = 16;
    c.n_layers = 3;
    tok_free(t);
    snprintf(dir, cap, "%s/model", test_tmpdir());
    if (model_init_write(&c, dir, W_F32, 11, NULL, &e) != 0) return -1;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp %s %s/tokenizer.model", TOKENIZER, dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct kv {
    char key[160];
    double ll;
    char text[512];
} kv;

typedef struct kvs {
    kv *v;
    int n, cap;
} kvs;

static int on_result(void *arg, const store_result *r) {
    kvs *s = arg;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, (size_t)s->cap * sizeof *s->v);
    }
    kv *x = &s->v[s->n++];
    snprintf(x->key, sizeof x->key, "%s", r->request_id);
    x->ll = r->loglik;
    snprintf(x->text, sizeof x->text, "%s", r->generated ? r->generated : "");
    return 0;
}

static int load_results(const char *db, kvs *out) {
    errbuf e;
    store_open_opts oo = {.read_only = 1};
    store *st = store_open(db, &oo, &e);
    if (!CHECKF(st, "%s", e.msg)) return -1;
    memset(out, 0, sizeof *out);
    int rc = store_results_each(st, 1, on_result, out, &e);
    store_close(st);
    return rc;
}

static int run(const char *model_dir, const char *db, const char *const *names, int n, int share, int limit) {
    run_eval_opts o;
    run_eval_opts_default(&o);
    o.model_dir = model_dir;
    o.names = names;
    o.n_names = n;
    o.share = share;
    o.limit = limit;
    o.db_path = db;
    o.quiet = 1;
    o.bootstrap_iters = 100;
    o.datasets.data_dir = SAMPLES;
    o.datasets.offline = 1;
    kctx k;
    kctx_init(&k, NULL, 0);
    errbuf e;
    run_eval_summary sum;
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    int rc = run_eval(&o, &k, &sum, &e);
    fclose(stdout);
    stdout = saved;
    return CHECKF(rc == 0, "%s", e.msg) ? 0 : -1;
}

TEST(eval_loglikelihoods_equal_by_hand_and_no_share) {
    if (access(TOKENIZER, R_OK) != 0) SKIP("%s not found", TOKENIZER);
    char model_dir[1024], db1[1100], db2[1100];
    if (!CHECK(make_model(model_dir, sizeof model_dir) == 0)) return;
    snprintf(db1, sizeof db1, "%s/shared.db", test_tmpdir());
    snprintf(db2, sizeof db2, "%s/plain.db", test_tmpdir());
    const char *names[] = {"hellaswag", "boolq", "arc_easy", "winogrande"};
    if (run(model_dir, db1, names, 4, 1, 4) != 0 || run(model_dir, db2, names, 4, 0, 4) != 0) return;
    kvs a, b;
    if (load_results(db1, &a) != 0 || load_results(db2, &b) != 0) return;
    CHECK(a.n == b.n && a.n > 20);
    for (int i = 0; i < a.n && i < b.n; i++) {
        CHECK(strcmp(a.v[i].key, b.v[i].key) == 0);
        if (!CHECKF(fabs(a.v[i].ll - b.v[i].ll) <= EVAL_MAX_LL_DIFF, "%s: shared %.8f, no-share %.8f", a.v[i].key,
                    a.v[i].ll, b.v[i].ll))
            break;
    }
    /* By hand for hellaswag: rebuild the requests with the tasks layer,
     * run each context + continuation through the model, log-softmax. */
    errbuf e;
    tok *t = tok_load(TOKENIZER, &e);
    model *m = model_load(model_dir, NULL, &e);
    task_set *set = task_set_create(&e);
    task_set_add_builtin(set, &e);
    const task_spec *spec = task_set_find(set, "hellaswag");
    ds_opts dso;
    ds_opts_init(&dso);
    dso.data_dir = SAMPLES;
    ds_table *dt = ds_load(task_spec_dataset(spec), task_spec_config(spec), task_spec_split(spec), &dso, &e);
    task_opts to;
    task_opts_default(&to);
    task_inst *ti = task_inst_create(spec, &to, &e);
    cJSON *docs = cJSON_CreateArray();
    for (int i = 0; dt && i < 4 && i < ds_count(dt); i++) cJSON_AddItemToArray(docs, cJSON_Duplicate(ds_record(dt, i), 1));
    if (!CHECKF(t && m && ti && dt && task_inst_build(ti, docs, ds_count(dt), NULL, &e) == 0, "%s", e.msg)) goto done;
    kctx k;
    kctx_init(&k, NULL, 1); /* the scalar reference kernels, on purpose */
    const int V = model_cfg(m)->vocab_size;
    int checked = 0;
    for (int d = 0; d < task_inst_n_docs(ti); d++)
        for (int q = 0; q < task_inst_n_requests(ti, d); q++) {
            const task_request *rq = task_inst_request(ti, d, q);
            char key[160];
            task_request_key(ti, rq, key, sizeof key);
            task_ll_tokens tk = {0};
            if (!CHECKF(task_ll_tokenize(t, rq->context, rq->continuation, 8192, &tk, &e) == 0, "%s", e.msg)) continue;
            int n = tk.n_ctx + tk.n_cont - 1;
            int32_t *seq = malloc((size_t)n * 4);
            memcpy(seq, tk.ctx, (size_t)tk.n_ctx * 4);
            memcpy(seq + tk.n_ctx, tk.cont, (size_t)(tk.n_cont - 1) * 4);
            float *lg = malloc((size_t)tk.n_cont * V * 4);
            state *s = state_create(m, &e);
            model_seq ms = {.st = s, .tokens = seq, .n_tokens = n, .n_logits = tk.n_cont, .logits = lg};
            double ll = 0;
            if (CHECK(model_forward(m, &k, &ms, 1, &e) == 0))
                for (int j = 0; j < tk.n_cont; j++) {
                    const float *row = lg + (long)j * V;
                    double mx = row[0], sum = 0;
                    for (int v = 1; v < V; v++) mx = row[v] > mx ? row[v] : mx;
                    for (int v = 0; v < V; v++) sum += exp((double)row[v] - mx);
                    ll += row[tk.cont[j]] - mx - log(sum);
                }
            for (int i = 0; i < a.n; i++)
                if (strcmp(a.v[i].key, key) == 0) {
                    CHECKF(fabs(a.v[i].ll - ll) <= EVAL_MAX_LL_DIFF, "%s: stored %.8f, by hand %.8f", key, a.v[i].ll, ll);
                    checked++;
                }
            state_free(s);
            free(lg);
            free(seq);
            task_ll_tokens_deinit(&tk);
        }
    CHECKF(checked == 16, "checked %d hellaswag requests, expected 4 docs x 4 endings", checked);
    /* Every stored metric is recomputable from the stored samples. */
    store *st = store_open(db1, NULL, &e);
    FILE *devnull = fopen("/dev/null", "w");
    int n_diff = st ? recompute_run_metrics(st, 1, 100, 0, devnull, &e) : -1;
    CHECKF(n_diff == 0, "recompute: %d metrics differ (%s)", n_diff, n_diff < 0 ? e.msg : "");
    fclose(devnull);
    store_close(st);
done:
    cJSON_Delete(docs);
    task_inst_free(ti);
    ds_free(dt);
    task_set_free(set);
    model_free(m);
    tok_free(t);
    free(a.v);
    free(b.v);
}

/* Counts the stored results of run 1 (0 when the store is not there yet). */
static int count_results(const char *db) {
    errbuf e;
    store_open_opts oo = {.read_only = 1};
    store *st = store_open(db, &oo, &e);
    if (!st) return 0;
    kvs s = {0};
    store_results_each(st, 1, on_result, &s, &e);
    store_close(st);
    free(s.v);
    return s.n;
}

TEST(eval_resume_after_sigkill_matches_uninterrupted) {
    if (access(TOKENIZER, R_OK) != 0) SKIP("%s not found", TOKENIZER);
    char model_dir[1024], db_full[1100], db_kill[1100], cmd[4096], out[8192];
    if (!CHECK(make_model(model_dir, sizeof model_dir) == 0)) return;
    snprintf(db_full, sizeof db_full, "%s/full.db", test_tmpdir());
    snprintf(db_kill, sizeof db_kill, "%s/kill.db", test_tmpdir());
    const char *args = "--tasks gsm8k,boolq --num-fewshot 0 --limit 6 --data-dir " SAMPLES
                       " --offline --commit-every 1 --threads 1 --bootstrap-iters 100";
    /* The uninterrupted reference run. */
    snprintf(cmd, sizeof cmd, "%s eval --model %s %s --db %s --quiet > %s/full.txt 2>&1", test_griffin_bin(),
             model_dir, args, db_full, test_tmpdir());
    if (!CHECK(system(cmd) == 0)) return;
    int total = count_results(db_full);
    CHECK(total == 6 + 12); /* 6 generations + 6 docs x 2 choices */
    /* The same run, killed once some requests are committed. */
    pid_t pid = fork();
    if (pid == 0) {
        char mdir[1100];
        snprintf(mdir, sizeof mdir, "%s", model_dir);
        execl("/bin/sh", "sh", "-c", "exec \"$0\" eval --model \"$1\" $2 --db \"$3\" --quiet > /dev/null 2>&1",
              test_griffin_bin(), mdir, args, db_kill, (char *)NULL);
        _exit(127);
    }
    int got = 0;
    for (int i = 0; i < 6000 && got < 3; i++) {
        usleep(5000);
        got = count_results(db_kill);
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            pid = 0;
            break;
        }
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    int before = count_results(db_kill);
    CHECKF(before >= 1 && before < total, "killed run kept %d of %d results (timing?)", before, total);
    /* Re-running the same command resumes and computes only the rest. */
    snprintf(cmd, sizeof cmd, "%s eval --model %s %s --db %s 2>&1 >/dev/null", test_griffin_bin(), model_dir, args,
             db_kill);
    CHECKF(test_run_cmd(cmd, out, sizeof out) == 0, "resumed run failed: %s", out);
    CHECKF(strstr(out, "resuming run 1"), "no resume: %s", out);
    char want[128];
    snprintf(want, sizeof want, "(%d computed, %d reused from the store", total - before, before);
    CHECKF(strstr(out, want), "expected \"%s\" in: %s", want, out);
    /* Same results as the uninterrupted run. */
    kvs a, b;
    if (load_results(db_full, &a) != 0 || load_results(db_kill, &b) != 0) return;
    CHECK(a.n == b.n);
    for (int i = 0; i < a.n && i < b.n; i++)
        CHECKF(strcmp(a.v[i].key, b.v[i].key) == 0 && strcmp(a.v[i].text, b.v[i].text) == 0 &&
                   (a.v[i].ll == b.v[i].ll || (isnan(a.v[i].ll) && isnan(b.v[i].ll))),
               "%s differs after resume", a.v[i].key);
    free(a.v);
    free(b.v);
}

TEST(eval_rejects_bad_input_before_model_work) {
    if (access(TOKENIZER, R_OK) != 0) SKIP("%s not found", TOKENIZER);
    char model_dir[1024], cmd[4096], out[4096];
    if (!CHECK(make_model(model_dir, sizeof model_dir) == 0)) return;
    struct {
        const char *args;
        int code;
        const char *expect;
    } cases[] = {
        {"--tasks hellaswgg", 1, "hellaswag"},          /* did you mean */
        {"--tasks boolq --limit ten", 2, "--limit"},
        {"", 2, "give --tasks or --suite"},
        {"--tasks boolq --compat foo", 2, "--compat"},
        {"--tasks boolq --data-dir /nonexistent --offline", 1, "boolq"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s eval --model %s %s --db %s/x.db --quiet 2>&1", test_griffin_bin(), model_dir,
                 cases[i].args, test_tmpdir());
        int code = test_run_cmd(cmd, out, sizeof out);
        CHECKF(code == cases[i].code && strstr(out, cases[i].expect), "'%s': exit %d, output: %s", cases[i].args, code,
               out);
    }
}

typedef struct metric_pick {
    const char *metric;
    double value;
} metric_pick;

static int on_pick(void *arg, const store_metric *m) {
    metric_pick *p = arg;
    if (strcmp(m->metric, p->metric) == 0) p->value = m->value;
    return 0;
}

TEST(eval_perplexity_of_a_text_file_by_hand) {
    if (access(TOKENIZER, R_OK) != 0) SKIP("%s not found", TOKENIZER);
    char model_dir[1024], txt[1100], db[1100];
    if (!CHECK(make_model(model_dir, sizeof model_dir) == 0)) return;
    snprintf(txt, sizeof txt, "%s/doc.txt", test_tmpdir());
    snprintf(db, sizeof db, "%s/p.db", test_tmpdir());
    const char *text = "The river ran past the mill and the old stone bridge.\nTwo boats waited.";
    FILE *f = fopen(txt, "w");
    fputs(text, f);
    fclose(f);
    run_eval_opts o;
    run_eval_opts_default(&o);
    const char *names[] = {"perplexity"};
    const char *files[] = {txt};
    o.model_dir = model_dir;
    o.names = names;
    o.n_names = 1;
    o.text_files = files;
    o.n_text_files = 1;
    o.db_path = db;
    o.quiet = 1;
    kctx k;
    kctx_init(&k, NULL, 0);
    errbuf e;
    run_eval_summary sum;
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    int rc = run_eval(&o, &k, &sum, &e);
    fclose(stdout);
    stdout = saved;
    if (!CHECKF(rc == 0, "%s", e.msg)) return;
    /* By hand: every token of the text given <bos> and what precedes it. */
    tok *t = tok_load(TOKENIZER, &e);
    model *m = model_load(model_dir, NULL, &e);
    int32_t *ids;
    int n = tok_encode_alloc(t, text, strlen(text), 1, &ids, &e);
    const int V = model_cfg(m)->vocab_size;
    float *lg = malloc((size_t)n * V * 4);
    state *s = state_create(m, &e);
    model_seq q = {.st = s, .tokens = ids, .n_tokens = n - 1, .n_logits = n - 1, .logits = lg};
    double ll = 0;
    if (CHECK(model_forward(m, &k, &q, 1, &e) == 0))
        for (int j = 1; j < n; j++) {
            const float *row = lg + (long)(j - 1) * V;
            double mx = row[0], z = 0;
            for (int v = 1; v < V; v++) mx = row[v] > mx ? row[v] : mx;
            for (int v = 0; v < V; v++) z += exp((double)row[v] - mx);
            ll += row[ids[j]] - mx - log(z);
        }
    /* words: 14 pieces split on whitespace ("bridge." is one); bytes: strlen. */
    double words = 14, bytes = (double)strlen(text);
    store *st = store_open(db, NULL, &e);
    metric_pick wp = {"word_perplexity", NAN}, bpb = {"bits_per_byte", NAN};
    store_metrics_each(st, 1, on_pick, &wp, &e);
    store_metrics_each(st, 1, on_pick, &bpb, &e);
    CHECK_NEAR(log(wp.value), -ll / words, 1e-4);
    CHECK_NEAR(bpb.value, -ll / bytes / log(2.0), 1e-4);
    store_close(st);
    state_free(s);
    free(lg);
    free(ids);
    model_free(m);
    tok_free(t);
}
