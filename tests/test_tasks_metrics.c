/* tests/test_tasks_metrics.c: every metric and aggregation on hand-computed
 * cases (A.2-A.4, A.7), end-to-end scoring of built tasks, and the results
 * and log-samples layouts. Hashes were computed with CPython's hashlib and
 * json.dumps(indent=2, ensure_ascii=False) on the same values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tasks/metric.h"
#include "tasks/process.h"
#include "tasks/results.h"
#include "tasks/spec.h"
#include "tasks/task.h"
#include "tests/test.h"

#define EXACT 1e-12          /* the same double operations as CPython's */
#define PYRANDOM_FIXTURE "tests/fixtures/pyrandom.txt"

TEST(tasks_metric_table) {
    const metric_def *d = metric_find("acc_norm");
    CHECK(d && d->higher_is_better && d->agg == METRIC_AGG_MEAN && d->stderr_kind == METRIC_STDERR_MEAN);
    d = metric_find("bits_per_byte");
    CHECK(d && !d->higher_is_better && d->agg == METRIC_AGG_BITS_PER_BYTE && d->stderr_kind == METRIC_STDERR_NONE);
    d = metric_find("perplexity");
    CHECK(d && d->stderr_kind == METRIC_STDERR_BOOTSTRAP);
    CHECK(metric_find("acc_nrom") == NULL);
    CHECK(!strcmp(metric_suggest("acc_nrom"), "acc_norm"));
    CHECK(!strcmp(metric_suggest("exact_mach"), "exact_match"));
    CHECK(metric_suggest("zzzzzzzzzz") == NULL);
}

TEST(tasks_metric_multiple_choice) {
    metric_mc_values v;
    int greedy[3] = {0, 1, 0};
    /* acc picks -4 (index 1); acc_norm divides by characters: -8/8, -4/1, -6/2 -> index 0 */
    const char *c1[] = {"aaaaaaaa", "b", "cc"};
    double ll1[] = {-8, -4, -6};
    int gold0 = 0, gold1 = 1;
    metric_mc_score(ll1, greedy, NULL, c1, 3, &gold0, 1, &v);
    CHECK(v.acc == 0 && v.acc_norm == 1 && v.exact_match == 0);
    metric_mc_score(ll1, greedy, NULL, c1, 3, &gold1, 1, &v);
    CHECK(v.acc == 1 && v.acc_norm == 0 && v.exact_match == 1);
    /* characters vs bytes: "é" is 1 character, 2 bytes */
    const char *c2[] = {"\xc3\xa9", "ab"};
    double ll2[] = {-3, -5};
    metric_mc_score(ll2, greedy, NULL, c2, 2, &gold0, 1, &v);
    CHECK(v.acc == 1 && v.acc_norm == 0 && v.acc_bytes == 1); /* -3 vs -2.5 by chars; -1.5 vs -2.5 by bytes */
    /* mutual information: (-2 - -1, -3 - -5) = (-1, 2) -> index 1 */
    double ll3[] = {-2, -3}, un3[] = {-1, -5};
    metric_mc_score(ll3, greedy, un3, c2, 2, &gold1, 1, &v);
    CHECK(v.acc == 0 && v.acc_mutual_info == 1);
    /* ties go to the lowest index; NaN wins at its first position (numpy) */
    double tie[] = {-1, -1, -2}, nan3[] = {-1, NAN, 0};
    CHECK_EQ_INT(metric_argmax(tie, 3), 0);
    CHECK_EQ_INT(metric_argmax(nan3, 3), 1);
    /* an invalid gold (-1: out of range or not a choice) scores 0 everywhere */
    int bad = -1;
    metric_mc_score(ll1, greedy, NULL, c1, 3, &bad, 1, &v);
    CHECK(v.acc == 0 && v.acc_norm == 0 && v.exact_match == 0);
    /* several gold answers: correct if the prediction is any of them */
    int golds[2] = {-1, 1};
    metric_mc_score(ll1, greedy, NULL, c1, 3, golds, 2, &v);
    CHECK(v.acc == 1 && v.exact_match == 1);
}

static int em(const char *pred, const char *ref, int ic, int ip, const char *const *rx, int n_rx) {
    task_regex *res[8];
    errbuf e;
    for (int i = 0; i < n_rx; i++) res[i] = task_regex_compile(rx[i], &e);
    metric_em_opts o = {ic, ip, res, n_rx};
    int r = metric_exact_match(pred, &ref, 1, &o, &e);
    for (int i = 0; i < n_rx; i++) task_regex_free(res[i]);
    return r;
}

TEST(tasks_metric_exact_match) {
    const char *gsm[] = {",", "\\$", "(?s).*#### ", "\\.$"};
    CHECK(em("$1,234.", "Step one.\nStep two: <<5*2=10>>10\n#### 1,234", 1, 0, gsm, 4) == 1);
    CHECK(em("1234", "#### 1235", 1, 0, gsm, 4) == 0);
    CHECK(em("[invalid]", "#### 5", 1, 0, gsm, 4) == 0);
    const char *nq[] = {"\\b(?:The |the |An |A |The |a |an )"};
    CHECK(em("the Eiffel Tower", "Eiffel Tower", 1, 1, nq, 1) == 1);
    CHECK(em("Mars!", "mars", 1, 1, NULL, 0) == 1);
    CHECK(em("Mars!", "mars", 1, 0, NULL, 0) == 0); /* punctuation kept */
    CHECK(em("A", "a", 0, 0, NULL, 0) == 0);        /* case kept */
    CHECK(em("\xc3\x89T\xc3\x89", "\xc3\xa9t\xc3\xa9", 1, 0, NULL, 0) == 1); /* str.lower is Unicode */
    /* any of several references */
    const char *refs[] = {"The Red Planet", "Mars"};
    metric_em_opts o = {1, 1, NULL, 0};
    errbuf e;
    CHECK(metric_exact_match(" mars", refs, 2, &o, &e) == 0); /* no strip unless a filter does it */
    CHECK(metric_exact_match("the red planet", refs, 2, &o, &e) == 1);
}

TEST(tasks_metric_words_and_aggregation) {
    CHECK_EQ_INT(metric_count_words("a b  c"), 3);
    CHECK_EQ_INT(metric_count_words(" a b "), 4); /* ['', 'a', 'b', ''] */
    CHECK_EQ_INT(metric_count_words(""), 1);
    CHECK_EQ_INT(metric_count_words("a\xe3\x80\x80" "b\n"), 3);
    double acc[] = {1, 0, 1, 1};
    CHECK_NEAR(metric_aggregate(METRIC_AGG_MEAN, acc, NULL, 4), 0.75, EXACT);
    /* Bessel: sqrt(0.75 / 3) / 2 = sqrt(p(1-p)/(n-1)) = 0.25 */
    CHECK_NEAR(metric_mean_stderr(acc, 4), 0.25, EXACT);
    CHECK(isnan(metric_mean_stderr(acc, 1)));
    double ll[] = {-1, -3};
    CHECK_NEAR(metric_aggregate(METRIC_AGG_PERPLEXITY, ll, NULL, 2), exp(2.0), EXACT);
    double v[] = {-10, -20}, w[] = {5, 10};
    CHECK_NEAR(metric_aggregate(METRIC_AGG_WEIGHTED_PERPLEXITY, v, w, 2), exp(2.0), EXACT);
    CHECK_NEAR(metric_aggregate(METRIC_AGG_BITS_PER_BYTE, v, w, 2), 2.0 / log(2.0), EXACT);
    double med[] = {3, 1, 2, 5};
    CHECK_NEAR(metric_aggregate(METRIC_AGG_MEDIAN, med, NULL, 4), 3, 0);
    /* no stderr for the corpus-level perplexities, none when bootstrap is off */
    CHECK(isnan(metric_stderr(metric_find("word_perplexity"), v, w, 2, 100000)));
    CHECK(isnan(metric_stderr(metric_find("acc"), acc, NULL, 4, 0)));
    CHECK_NEAR(metric_stderr(metric_find("acc"), acc, NULL, 4, 100000), 0.25, EXACT);
    /* groups: (0.5*10 + 0.8*30) / 40; pooled sqrt(((9*.01*10) + (29*.04*30)) / 38 / 40) */
    double gv[] = {0.5, 0.8}, gse[] = {0.1, 0.2};
    int gs[] = {10, 30};
    CHECK_NEAR(metric_group_value(gv, gs, 2, 1), 0.725, EXACT);
    CHECK_NEAR(metric_group_value(gv, gs, 2, 0), 0.65, EXACT);
    CHECK_NEAR(metric_pooled_stderr(gse, gs, 2), 0.15325417483795722, EXACT);
    double gse_na[] = {0.1, NAN};
    CHECK(isnan(metric_pooled_stderr(gse_na, gs, 2)));
}

TEST(tasks_metric_bootstrap_matches_lmeval) {
    /* Reference values: lm-eval's bootstrap_stderr run by gen_pyrandom.py in CPython. */
    double xs[] = {-1.5, -0.25, -3.0, -2.0, -0.75, -1.0, -4.5};
    FILE *f = fopen(PYRANDOM_FIXTURE, "r");
    if (!CHECKF(f != NULL, "cannot open %s", PYRANDOM_FIXTURE)) return;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char agg[32];
        int iters;
        double want;
        if (sscanf(line, "bootstrap %31s %d : %lf", agg, &iters, &want) != 3) continue;
        metric_agg a = !strcmp(agg, "median") ? METRIC_AGG_MEDIAN : METRIC_AGG_PERPLEXITY;
        double got = metric_bootstrap_stderr(a, xs, NULL, 7, iters);
        CHECKF(fabs(got - want) <= 1e-12 * fabs(want), "bootstrap %s %d: %.17g, CPython %.17g", agg, iters, got, want);
        n++;
    }
    fclose(f);
    CHECK_EQ_INT(n, 3);
}

TEST(tasks_metric_truthfulqa_mc2) {
    const task_process_results *p = task_process_results_find("truthfulqa_mc2");
    if (!CHECK(p != NULL)) return;
    cJSON *doc = cJSON_Parse("{\"mc2_targets\": {\"choices\": [\"a\", \"b\", \"c\"], \"labels\": [1, 1, 0]}}");
    double ll[] = {log(0.2), log(0.3), log(0.5)};
    int g[3] = {0};
    task_results_view v = {doc, 3, ll, g, NULL, 0, NULL};
    double x;
    errbuf e;
    CHECK(p->fn(&v, "acc", &x, &e) == 0);
    CHECK_NEAR(x, 0.5, 1e-12);
    /* very long answers: direct exponentiation underflows to 0/0, log-sum-exp does not */
    cJSON_Delete(doc);
    doc = cJSON_Parse("{\"mc2_targets\": {\"choices\": [\"a\", \"b\", \"c\"], \"labels\": [1, 0, 0]}}");
    double far[] = {-2000, -2001, -2002};
    v.doc = doc;
    v.ll = far;
    CHECK(p->fn(&v, "acc", &x, &e) == 0);
    CHECK_NEAR(x, 0.6652409557748218, 1e-12);
    v.n_requests = 2;
    CHECK(p->fn(&v, "acc", &x, &e) != 0 && strstr(e.msg, "3 labels for 2 choices"));
    cJSON_Delete(doc);
}

/* ---- end to end: build, feed results, score, render ---- */

static task_set *builtin(void) {
    errbuf e;
    task_set *s = task_set_create(&e);
    if (!s || task_set_add_builtin(s, &e) != 0) {
        test_fail_at(__FILE__, __LINE__, "builtin specs: %s", e.msg);
        task_set_free(s);
        return NULL;
    }
    return s;
}

static task_inst *built(const task_set *s, const char *name, int shots, const char *docs, errbuf *e) {
    task_opts o;
    task_opts_default(&o);
    o.num_fewshot = shots;
    task_inst *t = task_inst_create(task_set_find(s, name), &o, e);
    cJSON *d = cJSON_Parse(docs);
    if (t && task_inst_build(t, d, cJSON_GetArraySize(d) + 10, NULL, e) != 0) {
        task_inst_free(t);
        t = NULL;
    }
    cJSON_Delete(d);
    return t;
}

#define ARC1 "{\"id\": \"x\", \"question\": \"Which gas do plants absorb?\", \"choices\": {\"text\": [\"Oxygen\", \"Carbon dioxide\", \"Helium\"], \"label\": [\"A\", \"B\", \"C\"]}, \"answerKey\": \"B\"}"
#define ARC2 "{\"id\": \"y\", \"question\": \"Q?\", \"choices\": {\"text\": [\"aaaaaaaaaa\", \"b\", \"c\"], \"label\": [\"1\", \"2\", \"3\"]}, \"answerKey\": \"1\"}"

TEST(tasks_score_arc_results_and_samples) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    task_inst *t = built(s, "arc_easy", 0, "[" ARC1 "," ARC2 "]", &e);
    if (!CHECKF(t != NULL, "%s", e.msg)) {
        task_set_free(s);
        return;
    }
    /* doc 0: gold 1, lls favour 1 (acc 1), per char: -7/6, -6/14, -9/6 -> 1 (acc_norm 1)
     * doc 1: gold 0 ("1" is label 0), lls favour 1 (acc 0); per char -10/10=-1, -4/1, -5/1 -> 0 (acc_norm 1) */
    double ll0[] = {-7, -6, -9}, ll1[] = {-10, -4, -5};
    CHECK(task_inst_score(t, 1000, &e) != 0 && strstr(e.msg, "request 0/0 has no result"));
    for (int i = 0; i < 3; i++) {
        CHECK(task_inst_set_loglikelihood(t, 0, i, ll0[i], i == 1, &e) == 0);
        CHECK(task_inst_set_loglikelihood(t, 1, i, ll1[i], 0, &e) == 0);
    }
    CHECK(task_inst_set_generation(t, 0, 0, "x", &e) != 0); /* wrong kind */
    CHECK(task_inst_set_loglikelihood(t, 0, 3, 0, 0, &e) != 0);
    if (!CHECKF(task_inst_score(t, 100000, &e) == 0, "%s", e.msg)) goto done;
    const task_metric_value *acc = task_inst_find_value(t, "acc", "none");
    const task_metric_value *accn = task_inst_find_value(t, "acc_norm", "none");
    CHECK(acc && fabs(acc->value - 0.5) < EXACT && fabs(acc->stderr_value - 0.5) < EXACT); /* sqrt(.25/1)/1 */
    CHECK(accn && accn->value == 1 && accn->stderr_value == 0);
    cJSON *r = task_results_json(&t, 1, NULL, 0, &e);
    if (CHECKF(r != NULL, "%s", e.msg)) {
        const cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "results"), "arc_easy");
        CHECK(res && cJSON_GetObjectItem(res, "acc,none")->valuedouble == 0.5);
        CHECK(cJSON_GetObjectItem(res, "acc_stderr,none")->valuedouble == 0.5);
        CHECK(!strcmp(cJSON_GetObjectItem(res, "alias")->valuestring, "arc_easy"));
        const cJSON *ns = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "n-samples"), "arc_easy");
        CHECK(ns && cJSON_GetObjectItem(ns, "original")->valueint == 12 && cJSON_GetObjectItem(ns, "effective")->valueint == 2);
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "n-shot"), "arc_easy")->valueint == 0);
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "versions"), "arc_easy")->valuedouble == 1.0);
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "higher_is_better"), "arc_easy"), "acc")));
        const cJSON *cfg = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "configs"), "arc_easy");
        CHECK(cfg && !strcmp(cJSON_GetObjectItem(cfg, "compat")->valuestring, "default"));
        CHECK(cJSON_GetObjectItem(r, "groups") == NULL);
        cJSON_Delete(r);
    }
    cJSON *smp = task_inst_sample_json(t, 0, 0, &e);
    if (CHECKF(smp != NULL, "%s", e.msg)) {
        char *txt = cJSON_PrintUnformatted(smp);
        CHECKF(strstr(txt, "\"doc_id\":0,") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"target\":\"1\"") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"arguments\":{\"gen_args_0\":{\"arg_0\":\"Question: Which gas do plants absorb?\\nAnswer:\","
                           "\"arg_1\":\" Oxygen\"},") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"resps\":[[[\"-7.0\",\"False\"]],[[\"-6.0\",\"True\"]],[[\"-9.0\",\"False\"]]]") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"filtered_resps\":[[\"-7.0\",\"False\"],[\"-6.0\",\"True\"],[\"-9.0\",\"False\"]]") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"filter\":\"none\",\"metrics\":[\"acc\",\"acc_norm\"]") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"doc_hash\":\"32b035efb6a9d0bf38c05ce3a72bb63904f0d794506ec4a3d1fcb965451d8ba3\"") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"prompt_hash\":\"dc2c1c9724b3d43869d6d6443ef4d03ff292731c3c0ed93ff76fb414dbb49545\"") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"target_hash\":\"6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b\"") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"acc\":1,\"acc_norm\":1") != NULL, "%s", txt);
        free(txt);
        cJSON_Delete(smp);
    }
done:
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_score_gsm8k_two_pipelines) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    const char *docs = "[{\"question\": \"q1\", \"answer\": \"2 + 3 = <<2+3=5>>5\\n#### 5\"},"
                       "{\"question\": \"q2\", \"answer\": \"#### 12\"},"
                       "{\"question\": \"q3\", \"answer\": \"#### 1,000\"}]";
    task_inst *t = built(s, "gsm8k", 0, docs, &e);
    if (!CHECKF(t != NULL, "%s", e.msg)) {
        task_set_free(s);
        return;
    }
    /* strict: "#### (\-?[0-9\.\,]+)" first match; flexible: last match of
     * "(-?[$0-9.,]{2,})|(-?[0-9]+)", first non-empty group.
     * doc 0 " 2 + 3 = 5 apples.\n#### 5"  strict "5" (1), flexible "5" (1)
     * doc 1 " The answer is 12."          strict "[invalid]" (0), flexible "12." -> "12" after \.$ (1)
     * doc 2 " I get $1,000 total, or 999"  strict "[invalid]" (0), flexible "999" (0) */
    task_inst_set_generation(t, 0, 0, " 2 + 3 = 5 apples.\n#### 5", &e);
    task_inst_set_generation(t, 1, 0, " The answer is 12.", &e);
    task_inst_set_generation(t, 2, 0, " I get $1,000 total, or 999", &e);
    if (!CHECKF(task_inst_score(t, 100000, &e) == 0, "%s", e.msg)) goto done;
    const task_metric_value *strict = task_inst_find_value(t, "exact_match", "strict-match");
    const task_metric_value *flex = task_inst_find_value(t, "exact_match", "flexible-extract");
    CHECK(strict && fabs(strict->value - 1.0 / 3) < EXACT);
    CHECK(flex && fabs(flex->value - 2.0 / 3) < EXACT);
    CHECK(!strcmp(task_inst_filtered(t, 0, 0, 0), "5") && !strcmp(task_inst_filtered(t, 1, 0, 0), "[invalid]"));
    CHECK(!strcmp(task_inst_filtered(t, 1, 0, 1), "12.") && !strcmp(task_inst_filtered(t, 2, 0, 1), "999"));
    cJSON *smp = task_inst_sample_json(t, 1, 1, &e);
    if (CHECKF(smp != NULL, "%s", e.msg)) {
        char *txt = cJSON_PrintUnformatted(smp);
        CHECKF(strstr(txt, "\"arg_1\":{\"until\":[\"Question:\",\"</s>\",\"<|im_end|>\"],\"do_sample\":false,\"temperature\":0}") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"resps\":[[\" The answer is 12.\"]],\"filtered_resps\":[\"12.\"],\"filter\":\"flexible-extract\"") != NULL, "%s", txt);
        CHECKF(strstr(txt, "\"exact_match\":1") != NULL, "%s", txt);
        free(txt);
        cJSON_Delete(smp);
    }
done:
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_score_triviaqa_and_cot) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    task_inst *t = built(s, "triviaqa", 0,
                         "[{\"question\": \"Which planet is red?\", \"answer\": {\"aliases\": [\"Mars\", \"The Red Planet\"]}},"
                         "{\"question\": \"q\", \"answer\": {\"aliases\": [\"Paris\"]}}]",
                         &e);
    if (CHECKF(t != NULL, "%s", e.msg)) {
        task_inst_set_generation(t, 0, 0, " the red planet", &e); /* remove_whitespace, then case/punct-insensitive */
        task_inst_set_generation(t, 1, 0, " Lyon", &e);
        if (CHECKF(task_inst_score(t, 0, &e) == 0, "%s", e.msg)) {
            const task_metric_value *v = task_inst_find_value(t, "exact_match", "remove_whitespace");
            CHECK(v && v->value == 0.5 && isnan(v->stderr_value)); /* bootstrap_iters 0: N/A */
            cJSON *smp = task_inst_sample_json(t, 0, 0, &e);
            char *txt = smp ? cJSON_PrintUnformatted(smp) : NULL;
            CHECKF(txt && strstr(txt, "\"target\":\"['Mars', 'The Red Planet']\"") &&
                   strstr(txt, "\"target_hash\":\"70c321aeba3acb0e0232b4d765def2d4931f5135b05534489798e7eccd69f39c\""),
                   "%s", txt ? txt : e.msg);
            free(txt);
            cJSON_Delete(smp);
        }
    }
    task_inst_free(t);
    /* gsm8k_cot: the target is the number after "####" */
    t = built(s, "gsm8k_cot", -1, "[{\"question\": \"q\", \"answer\": \"work\\n#### 12\"}]", &e);
    if (CHECKF(t != NULL, "%s", e.msg)) {
        task_inst_set_generation(t, 0, 0, " 5 + 7 = 12. The answer is 12.\n\n", &e);
        if (CHECKF(task_inst_score(t, 100, &e) == 0, "%s", e.msg)) {
            CHECK(task_inst_find_value(t, "exact_match", "strict-match")->value == 1);
            CHECK(task_inst_find_value(t, "exact_match", "flexible-extract")->value == 1);
        }
    }
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_score_perplexity) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    task_inst *t = built(s, "perplexity", 0, "[{\"text\": \"a b\"}, {\"text\": \"c d e\"}]", &e);
    if (!CHECKF(t != NULL, "%s", e.msg)) {
        task_set_free(s);
        return;
    }
    task_inst_set_rolling(t, 0, 0, -6, &e);
    task_inst_set_rolling(t, 1, 0, -9, &e);
    if (CHECKF(task_inst_score(t, 100000, &e) == 0, "%s", e.msg)) {
        /* words 2 + 3, bytes 3 + 5: sums over the corpus, not means of ratios */
        CHECK_NEAR(task_inst_find_value(t, "word_perplexity", "none")->value, exp(15.0 / 5), EXACT);
        CHECK_NEAR(task_inst_find_value(t, "byte_perplexity", "none")->value, exp(15.0 / 8), EXACT);
        CHECK_NEAR(task_inst_find_value(t, "bits_per_byte", "none")->value, 15.0 / 8 / log(2.0), EXACT);
        CHECK(isnan(task_inst_find_value(t, "bits_per_byte", "none")->stderr_value));
        cJSON *smp = task_inst_sample_json(t, 1, 0, &e);
        char *txt = smp ? cJSON_PrintUnformatted(smp) : NULL;
        CHECKF(txt && strstr(txt, "\"arguments\":{\"gen_args_0\":{\"arg_0\":\"c d e\"}}") &&
               strstr(txt, "\"resps\":[[\"-9.0\"]],\"filtered_resps\":[\"-9.0\"]") &&
               strstr(txt, "\"word_perplexity\":[-9,3],\"byte_perplexity\":[-9,5]"),
               "%s", txt ? txt : e.msg);
        free(txt);
        cJSON_Delete(smp);
    }
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_score_group_mmlu) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    const char *names[] = {"mmlu"};
    task_selection sel;
    if (!CHECKF(task_set_select(s, names, 1, &sel, &e) == 0, "%s", e.msg)) {
        task_set_free(s);
        return;
    }
    /* Two subjects only: abstract_algebra (stem, 2 docs, acc 1/2) and
     * philosophy (humanities, 1 doc, acc 1). */
#define MQ "{\"question\": \"q\", \"subject\": \"s\", \"choices\": [\"a\", \"b\", \"c\", \"d\"], \"answer\": 0}"
    task_inst *ts[2];
    ts[0] = built(s, "mmlu_abstract_algebra", 0, "[" MQ "," MQ "]", &e);
    ts[1] = built(s, "mmlu_philosophy", 0, "[" MQ "]", &e);
    if (!CHECKF(ts[0] && ts[1], "%s", e.msg)) goto done;
    for (int c = 0; c < 4; c++) {
        task_inst_set_loglikelihood(ts[0], 0, c, c == 0 ? -1 : -2, 0, &e);
        task_inst_set_loglikelihood(ts[0], 1, c, c == 1 ? -1 : -2, 0, &e);
        task_inst_set_loglikelihood(ts[1], 0, c, c == 0 ? -1 : -2, 0, &e);
    }
    CHECK(task_inst_score(ts[0], 100000, &e) == 0 && task_inst_score(ts[1], 100000, &e) == 0);
    cJSON *r = task_results_json(ts, 2, sel.groups, sel.n_groups, &e);
    if (CHECKF(r != NULL, "%s", e.msg)) {
        const cJSON *g = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "groups"), "mmlu");
        /* (0.5 * 2 + 1 * 1) / 3; pooled stderr: the 1-doc subject's is N/A */
        CHECK(g && fabs(cJSON_GetObjectItem(g, "acc,none")->valuedouble - 2.0 / 3) < EXACT);
        CHECK(g && !strcmp(cJSON_GetObjectItem(g, "acc_stderr,none")->valuestring, "N/A"));
        CHECK(g && cJSON_GetObjectItem(g, "sample_len")->valueint == 3);
        const cJSON *stem = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "results"), "mmlu_stem");
        CHECK(stem && cJSON_GetObjectItem(stem, "acc,none")->valuedouble == 0.5);
        CHECK(stem && !strcmp(cJSON_GetObjectItem(stem, "alias")->valuestring, "stem"));
        /* abstract_algebra alone: sqrt(0.25 / 1) / sqrt(2) */
        CHECK(stem && fabs(cJSON_GetObjectItem(stem, "acc_stderr,none")->valuedouble - sqrt(0.5) / sqrt(2.0)) < EXACT);
        const cJSON *sub = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "group_subtasks"), "mmlu");
        CHECK(sub && cJSON_GetArraySize(sub) == 4);
        CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "versions"), "mmlu")->valuedouble == 2);
        cJSON_Delete(r);
    }
done:
    task_inst_free(ts[0]);
    task_inst_free(ts[1]);
    task_selection_deinit(&sel);
    task_set_free(s);
}

/* MC1 is acc with gold 0; MC2 the normalised probability of the true answers. */
TEST(tasks_score_truthfulqa_mc1_mc2) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    const char *docs = "[{\"question\": \"q\", \"mc1_targets\": {\"choices\": [\"t\", \"f\"], \"labels\": [1, 0]},"
                       "\"mc2_targets\": {\"choices\": [\"t1\", \"t2\", \"f\"], \"labels\": [1, 1, 0]}}]";
    task_inst *t1 = built(s, "truthfulqa_mc1", -1, docs, &e), *t2 = built(s, "truthfulqa_mc2", -1, docs, &e);
    if (CHECKF(t1 && t2, "%s", e.msg)) {
        task_inst_set_loglikelihood(t1, 0, 0, -3, 0, &e);
        task_inst_set_loglikelihood(t1, 0, 1, -2, 0, &e); /* the false answer wins: mc1 0 */
        task_inst_set_loglikelihood(t2, 0, 0, log(0.1), 0, &e);
        task_inst_set_loglikelihood(t2, 0, 1, log(0.3), 0, &e);
        task_inst_set_loglikelihood(t2, 0, 2, log(0.4), 0, &e);
        CHECK(task_inst_score(t1, 1000, &e) == 0 && task_inst_score(t2, 1000, &e) == 0);
        CHECK(task_inst_find_value(t1, "acc", "none")->value == 0);
        CHECK_NEAR(task_inst_find_value(t2, "acc", "none")->value, 0.4 / 0.8, 1e-12);
    }
    task_inst_free(t1);
    task_inst_free(t2);
    task_set_free(s);
}
