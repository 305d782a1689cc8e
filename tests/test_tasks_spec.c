/* tests/test_tasks_spec.c: the embedded specs load, groups and suites
 * resolve, and every handcrafted bad spec is rejected with the file, the
 * field and the reason. */
#include <stdlib.h>
#include <string.h>

#include "tasks/spec.h"
#include "tests/test.h"

#define BAD_DIR "tests/fixtures/tasks/bad"

static task_set *builtin(void) {
    errbuf e = {{0}};
    task_set *s = task_set_create(&e);
    if (!s || task_set_add_builtin(s, &e) != 0) {
        test_fail_at(__FILE__, __LINE__, "builtin specs: %s", e.msg);
        task_set_free(s);
        return NULL;
    }
    return s;
}

TEST(tasks_spec_builtin_loads) {
    task_set *s = builtin();
    if (!s) return;
    /* 17 spec files, mmlu.json expanding into 57 subject tasks; the safety
     * specs add 15 tasks (winogender 2, winobias 4) and the winobias group */
    CHECK_EQ_INT(task_set_n_tasks(s), 16 + 57 + 15);
    CHECK_EQ_INT(task_set_n_groups(s), 5 + 1);
    CHECK_EQ_INT(task_set_n_suites(s), 2 + 2);
    const task_spec *t = task_set_find(s, "mmlu_abstract_algebra");
    if (CHECK(t != NULL)) {
        CHECK(!strcmp(task_spec_dataset(t), "cais/mmlu"));
        CHECK(!strcmp(task_spec_config(t), "abstract_algebra"));
        CHECK(!strcmp(task_spec_split(t), "test"));
        CHECK(!strcmp(task_spec_fewshot_split(t), "dev"));
        CHECK(!strcmp(task_spec_alias(t), "abstract_algebra"));
        CHECK(task_spec_kind(t) == TASK_MULTIPLE_CHOICE);
        CHECK_EQ_INT(task_spec_num_fewshot(t), 0);
        CHECK_EQ_INT(task_spec_effective_shots(t, 5), 5);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(task_spec_json(t), "description");
        CHECK(d && !strcmp(d->valuestring,
                           "The following are multiple choice questions (with answers) about abstract algebra.\n\n"));
    }
    const task_group *g = task_set_find_group(s, "mmlu");
    if (CHECK(g != NULL)) {
        CHECK_EQ_INT(task_group_n_members(g), 4);
        CHECK(!strcmp(task_group_member(g, 2), "mmlu_social_sciences"));
        int wbs = 0;
        CHECK(task_group_n_metrics(g) == 1 && !strcmp(task_group_metric(g, 0, &wbs), "acc") && wbs);
    }
    const task_group *ss = task_set_find_group(s, "mmlu_social_sciences");
    if (CHECK(ss != NULL)) {
        CHECK(!strcmp(task_group_alias(ss), "social sciences"));
        CHECK_EQ_INT(task_group_n_members(ss), 12);
    }
    g = task_set_find_group(s, "mmlu_stem");
    CHECK(g && task_group_n_members(g) == 19);
    /* TruthfulQA ignores --num-fewshot (A.6) */
    t = task_set_find(s, "truthfulqa_mc2");
    CHECK(t && task_spec_num_fewshot_fixed(t) && task_spec_effective_shots(t, 5) == 0);
    t = task_set_find(s, "gsm8k_cot");
    CHECK(t && task_spec_fewshot_split(t) == NULL && task_spec_num_fewshot(t) == 8);
    t = task_set_find(s, "perplexity");
    CHECK(t && task_spec_kind(t) == TASK_LOGLIKELIHOOD_ROLLING && task_spec_n_metrics(t) == 3);
    task_set_free(s);
}

TEST(tasks_spec_select_suites_and_groups) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    task_selection sel;
    const char *academic[] = {"academic"};
    if (CHECKF(task_set_select(s, academic, 1, &sel, &e) == 0, "%s", e.msg)) {
        CHECK_EQ_INT(sel.n_tasks, 57 + 15);
        CHECK_EQ_INT(sel.n_groups, 5);
        CHECK(!strcmp(task_group_name(sel.groups[0]), "mmlu"));
        int found_csqa = 0;
        for (int i = 0; i < sel.n_tasks; i++) {
            const char *n = task_spec_name(sel.tasks[i].spec);
            if (!strncmp(n, "mmlu_", 5)) CHECKF(sel.tasks[i].num_fewshot == 5, "%s shots %d", n, sel.tasks[i].num_fewshot);
            if (!strcmp(n, "commonsense_qa")) found_csqa = sel.tasks[i].num_fewshot == 7;
            CHECKF(strcmp(n, "perplexity") != 0, "perplexity is not academic");
        }
        CHECK(found_csqa);
        task_selection_deinit(&sel);
    }
    /* duplicates collapse; a group and its member give the member once */
    const char *names[] = {"arc_easy", "mmlu_stem", "mmlu_abstract_algebra", "arc_easy"};
    if (CHECKF(task_set_select(s, names, 4, &sel, &e) == 0, "%s", e.msg)) {
        CHECK_EQ_INT(sel.n_tasks, 1 + 19);
        CHECK_EQ_INT(sel.n_groups, 1);
        CHECK(sel.tasks[0].num_fewshot == -1 && sel.tasks[0].limit == -1);
        task_selection_deinit(&sel);
    }
    const char *smoke[] = {"smoke"};
    if (CHECKF(task_set_select(s, smoke, 1, &sel, &e) == 0, "%s", e.msg)) {
        CHECK(sel.n_tasks >= 4 && sel.tasks[0].limit > 0);
        task_selection_deinit(&sel);
    }
    const char *bad[] = {"hellaswagg"};
    CHECK(task_set_select(s, bad, 1, &sel, &e) != 0);
    CHECKF(strstr(e.msg, "unknown task, group or suite \"hellaswagg\" (did you mean \"hellaswag\"?)") != NULL, "%s",
           e.msg);
    task_set_free(s);
}

TEST(tasks_spec_bad_specs_rejected) {
    static const struct {
        const char *file, *want;
    } cases[] = {
        {"unknown_metric.json", "unknown_metric.json: task \"t\": \"metrics\"[1]: unknown metric \"acc_nrom\" (did you mean \"acc_norm\"? known: acc, acc_norm,"},
        {"unknown_field.json", "unknown_field.json: \"doc_to_txet\": unknown field (did you mean \"doc_to_text\"?"},
        {"wrong_type.json", "task \"t\": \"num_fewshot\": expected an integer, got a string"},
        {"unknown_process_docs.json", "\"process_docs\": unknown function \"hellaswag_v2\" (known: hellaswag, winogrande, bbq, toxigen, realtoxicityprompts)"},
        {"template_syntax.json", "task \"t\": \"doc_to_text\": column 14: '{{' is never closed by '}}'"},
        {"metric_wrong_kind.json", "\"metrics\"[1]: \"word_perplexity\" does not apply to multiple_choice tasks"},
        {"unknown_request.json", "\"request\": unknown request kind \"generate\""},
        {"missing_version.json", "\"version\": required field is missing"},
        {"unknown_filter.json", "\"filters\"[0].steps[0].function: unknown filter \"regx\" (did you mean \"regex\"?)"},
        {"bad_regex.json", "\"filters\"[0].steps[0].regex_pattern: regex \"(a\": missing closing parenthesis"},
        {"unknown_metric_option.json", "\"metrics\"[0].\"ignore_cas\": unknown field (did you mean \"ignore_case\"?"},
        {"truncated.json", "truncated.json: line 2, column 1: not valid JSON"},
        {"group_unknown_member.json", "group \"g\": \"tasks\"[1]: no task or group \"arc_eazy\" (did you mean \"arc_easy\"?)"},
        {"suite_unknown_field.json", "suite \"s\": \"tasks\"[0].\"shots\": unknown field"},
        {"expand_unknown_var.json", "\"expand\"[0]: \"task\": unknown variable ${subj} (variables: subject)"},
        {"duplicate_name.json", "the name \"arc_easy\" is already defined"},
        {"gen_kwargs_on_rolling.json", "\"generation_kwargs\": only generate_until tasks generate text"},
        {"not_an_object.json", "not_an_object.json: expected a JSON object"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        task_set *s = builtin();
        if (!s) return;
        char path[256];
        snprintf(path, sizeof path, BAD_DIR "/%s", cases[i].file);
        errbuf e = {{0}};
        int rc = task_set_add_path(s, path, &e);
        if (rc == 0) rc = task_set_check(s, &e);
        CHECKF(rc != 0, "%s was accepted", cases[i].file);
        CHECKF(strstr(e.msg, cases[i].want) != NULL, "%s:\n       got  %s\n       want %s", cases[i].file, e.msg,
               cases[i].want);
        task_set_free(s);
    }
}

TEST(tasks_spec_variant_and_path_loading) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    cJSON *ov = cJSON_Parse("{\"dataset\": \"wikitext\", \"config\": \"wikitext-2-raw-v1\", \"split\": \"test\","
                            "\"doc_to_target\": \"{{page}}\"}");
    CHECKF(task_set_add_variant(s, "perplexity", "wikitext_ppl", ov, &e) == 0, "%s", e.msg);
    const task_spec *t = task_set_find(s, "wikitext_ppl");
    CHECK(t && !strcmp(task_spec_dataset(t), "wikitext") && task_spec_kind(t) == TASK_LOGLIKELIHOOD_ROLLING);
    cJSON_Delete(ov);
    ov = cJSON_Parse("{\"metrics\": [\"acc_nrom\"]}");
    CHECK(task_set_add_variant(s, "arc_easy", "arc_bad", ov, &e) != 0 && strstr(e.msg, "did you mean \"acc_norm\""));
    cJSON_Delete(ov);
    /* A directory of specs loads in name order. */
    const char *dir = test_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/b.json", dir);
    FILE *f = fopen(p, "w");
    fputs("{\"group\": \"my_group\", \"tasks\": [\"my_task\", \"arc_easy\"]}", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/a.json", dir);
    f = fopen(p, "w");
    fputs("{\"task\": \"my_task\", \"version\": 2, \"dataset\": \"x\", \"split\": \"test\", \"request\": \"generate_until\","
          "\"doc_to_text\": \"{{q}}\", \"doc_to_target\": \"{{a}}\", \"metrics\": [\"exact_match\"]}",
          f);
    fclose(f);
    CHECKF(task_set_add_path(s, dir, &e) == 0 && task_set_check(s, &e) == 0, "%s", e.msg);
    CHECK(task_set_find(s, "my_task") && task_set_find_group(s, "my_group"));
    task_set_free(s);
}

/* "expand" substitutes ${var} inside strings and, for a string that is
 * exactly "${var}", the variable's own value (BBH-style per-task shots). */
TEST(tasks_spec_expand_whole_values) {
    task_set *s = task_set_create(NULL);
    errbuf e;
    const char *spec =
        "{\"task\": \"fam_${name}\", \"version\": 1, \"dataset\": \"d\", \"config\": \"${name}\", \"split\": \"test\","
        "\"request\": \"generate_until\", \"description\": \"About ${name}, $${literal}.\\n\\n\","
        "\"doc_to_text\": \"Q: {{input}}\\nA:\", \"doc_to_target\": \"{{target}}\", \"fewshot_samples\": \"${shots}\","
        "\"num_fewshot\": 1, \"metrics\": [\"exact_match\"],"
        "\"expand\": [{\"name\": \"a\", \"shots\": [{\"input\": \"1+1\", \"target\": \"2\"}]},"
        "            {\"name\": \"b\", \"shots\": [{\"input\": \"x\", \"target\": \"y\"}]}],"
        "\"groups\": [{\"group\": \"fam\", \"tasks\": [\"fam_a\", \"fam_b\"], \"metrics\": [\"exact_match\"]}]}";
    if (!CHECKF(task_set_add_text(s, "fam.json", spec, &e) == 0 && task_set_check(s, &e) == 0, "%s", e.msg)) {
        task_set_free(s);
        return;
    }
    const task_spec *t = task_set_find(s, "fam_b");
    if (CHECK(t != NULL)) {
        const cJSON *j = task_spec_json(t);
        CHECK(!strcmp(task_spec_config(t), "b"));
        CHECK(!strcmp(cJSON_GetObjectItem(j, "description")->valuestring, "About b, ${literal}.\n\n"));
        const cJSON *shots = cJSON_GetObjectItem(j, "fewshot_samples");
        CHECK(cJSON_IsArray(shots) && !strcmp(cJSON_GetObjectItem(shots->child, "target")->valuestring, "y"));
        CHECK(task_spec_fewshot_split(t) == NULL);
    }
    CHECK(task_set_find_group(s, "fam") != NULL);
    task_set_free(s);
}
