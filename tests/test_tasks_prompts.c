/* tests/test_tasks_prompts.c: prompt assembly (A.5), few-shot selection
 * (A.6) and request construction (A.2-A.4) for every task of the academic
 * suite, from hand-written records, against hand-written expected strings
 * derived from TASKS.md. Few-shot draws use CPython's random.Random(1234):
 * sample(range(3), 2) gives [1, 0] then [0, 2]; sample(range(3), 1) gives
 * [1]; sample(range(5), 2) gives [3, 0] then [0, 4] (worked out in CPython,
 * the generator itself is tested in test_tasks_text.c). */
#include <stdlib.h>
#include <string.h>

#include "tasks/spec.h"
#include "tasks/task.h"
#include "tests/test.h"

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

/* Builds task `name` over the JSON arrays docs / pool. */
static task_inst *build_opts(const task_set *s, const char *name, int shots, const char *docs, const char *pool,
                             const task_opts *base, errbuf *e) {
    const task_spec *spec = task_set_find(s, name);
    if (!spec) {
        err_set(e, "no task %s", name);
        return NULL;
    }
    task_opts o;
    if (base)
        o = *base;
    else
        task_opts_default(&o);
    o.num_fewshot = shots;
    task_inst *t = task_inst_create(spec, &o, e);
    cJSON *d = cJSON_Parse(docs), *p = pool ? cJSON_Parse(pool) : NULL;
    if (!d || (pool && !p)) {
        err_set(e, "test JSON does not parse");
        task_inst_free(t);
        t = NULL;
    } else if (t && task_inst_build(t, d, cJSON_GetArraySize(d), p, e) != 0) {
        task_inst_free(t);
        t = NULL;
    }
    cJSON_Delete(d);
    cJSON_Delete(p);
    return t;
}

static task_inst *build(const task_set *s, const char *name, int shots, const char *docs, const char *pool,
                        errbuf *e) {
    return build_opts(s, name, shots, docs, pool, NULL, e);
}

static void check_req(int line, const task_inst *t, int doc, int idx, const char *want_ctx, const char *want_cont) {
    const task_request *r = task_inst_request(t, doc, idx);
    if (!r) {
        test_fail_at(__FILE__, line, "no request %d/%d", doc, idx);
        return;
    }
    if (strcmp(r->context, want_ctx))
        test_fail_at(__FILE__, line, "request %d/%d context:\n  got  \"%s\"\n  want \"%s\"", doc, idx, r->context,
                     want_ctx);
    if (want_cont && (!r->continuation || strcmp(r->continuation, want_cont)))
        test_fail_at(__FILE__, line, "request %d/%d continuation: got \"%s\", want \"%s\"", doc, idx,
                     r->continuation ? r->continuation : "(null)", want_cont);
}
#define CHECK_REQ(t, doc, idx, ctx, cont) check_req(__LINE__, t, doc, idx, ctx, cont)

#define BUILD_OR_RETURN(t, ...)                                  \
    errbuf e_ = {{0}};                                           \
    task_inst *t = build(__VA_ARGS__, &e_);                      \
    if (!CHECKF(t != NULL, "build: %s", e_.msg)) {               \
        task_set_free(s);                                        \
        return;                                                  \
    }

/* ---- HellaSwag: preprocessing and the k+1 exclusion rule ---- */

#define HS_D0 "{\"activity_label\": \"Baking cookies\", \"ctx_a\": \"A woman mixes flour in a bowl.\", \"ctx_b\": \"sHE Is\"," \
              "\"endings\": [\"pours the dough onto a tray [title] Bake it.\", \"sings  loudly.\", \"[header] drops the bowl.\"," \
              "\"Eats the flour. \"], \"label\": \"0\"}"
#define HS_D1 "{\"activity_label\": \"Rowing\", \"ctx_a\": \"Two men row.\", \"ctx_b\": \"\", \"endings\": [\"a\", \"b\"], \"label\": \"1\"}"
#define HS_P0 "{\"activity_label\": \"Fishing\", \"ctx_a\": \"A man casts a line.\", \"ctx_b\": \"he\"," \
              "\"endings\": [\"waits.\", \"jumps [step] in.\", \"sleeps.\", \"runs.\"], \"label\": \"1\"}"
#define HS_P2 "{\"activity_label\": \"Skiing\", \"ctx_a\": \"She skis.\", \"ctx_b\": \"the\", \"endings\": [\"end.\", \"x\"], \"label\": \"0\"}"

TEST(tasks_prompt_hellaswag) {
    task_set *s = builtin();
    if (!s) return;
    BUILD_OR_RETURN(t, s, "hellaswag", 0, "[" HS_D0 "]", NULL);
    /* ctx = ctx_a + " " + ctx_b.capitalize(); query = clean(label + ": " + ctx) */
    const char *q = "Baking cookies: A woman mixes flour in a bowl. She is";
    CHECK_EQ_INT(task_inst_n_requests(t, 0), 4);
    CHECK_REQ(t, 0, 0, q, " pours the dough onto a tray. Bake it.");
    CHECK_REQ(t, 0, 1, q, " sings loudly.");
    CHECK_REQ(t, 0, 2, q, "  drops the bowl."); /* strip before the bracket removal */
    CHECK_REQ(t, 0, 3, q, " Eats the flour.");
    /* process_docs is visible: the logged document carries query/choices/gold */
    const cJSON *doc = task_inst_doc(t, 0);
    CHECK(cJSON_GetObjectItem(doc, "query") && cJSON_GetObjectItem(doc, "gold"));
    task_inst_free(t);
    /* 1-shot from pool [P0, D0, P2]; validation split => draw k+1 = 2 and
     * drop the evaluated document. Doc 0 draws [1, 0] = D0 (dropped), P0;
     * doc 1 draws [0, 2] = P0, P2 and keeps P0. */
    t = build(s, "hellaswag", 1, "[" HS_D0 "," HS_D1 "]", "[" HS_P0 "," HS_D0 "," HS_P2 "]", &e_);
    if (!CHECKF(t != NULL, "%s", e_.msg)) goto done;
    CHECK_REQ(t, 0, 0, "Fishing: A man casts a line. He jumps in.\n\nBaking cookies: A woman mixes flour in a bowl. She is",
              " pours the dough onto a tray. Bake it.");
    CHECK_REQ(t, 1, 1, "Fishing: A man casts a line. He jumps in.\n\nRowing: Two men row.", " b"); /* clean() strips */
    task_inst_free(t);
    /* --limit 1 sees the same shots for document 0 (the stream is per task). */
    t = build(s, "hellaswag", 1, "[" HS_D0 "]", "[" HS_P0 "," HS_D0 "," HS_P2 "]", &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0, "Fishing: A man casts a line. He jumps in.\n\nBaking cookies: A woman mixes flour in a bowl. She is",
                  NULL);
done:
    task_inst_free(t);
    task_set_free(s);
}

/* ---- ARC: test split, exactly k drawn, labels looked up ---- */

#define ARC(q, a, b, c, key) \
    "{\"id\": \"x\", \"question\": \"" q "\", \"choices\": {\"text\": [\"" a "\", \"" b "\", \"" c "\"], \"label\": [\"A\", \"B\", \"C\"]}, \"answerKey\": \"" key "\"}"

TEST(tasks_prompt_arc) {
    task_set *s = builtin();
    if (!s) return;
    const char *doc0 = "[" ARC("Which gas do plants absorb?", "Oxygen", "Carbon dioxide", "Helium", "B") "," ARC("Q2?", "x", "y", "z", "C") "]";
    BUILD_OR_RETURN(t, s, "arc_easy", 0, doc0, NULL);
    const char *c0 = "Question: Which gas do plants absorb?\nAnswer:";
    CHECK_REQ(t, 0, 0, c0, " Oxygen");
    CHECK_REQ(t, 0, 1, c0, " Carbon dioxide");
    CHECK_REQ(t, 0, 2, c0, " Helium");
    task_inst_free(t);
    /* 2-shot from a train pool of 5, exactly k drawn: doc 0 gets pool[3],
     * pool[0]; doc 1 gets pool[0], pool[4]. */
    const char *pool = "[" ARC("P0?", "a0", "b0", "c0", "A") "," ARC("P1?", "a1", "b1", "c1", "B") "," ARC("P2?", "a2", "b2", "c2", "C") ","
        ARC("P3?", "a3", "b3", "c3", "C") "," ARC("P4?", "a4", "b4", "c4", "B") "]";
    t = build(s, "arc_challenge", 2, doc0, pool, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_REQ(t, 0, 1,
                  "Question: P3?\nAnswer: c3\n\nQuestion: P0?\nAnswer: a0\n\nQuestion: Which gas do plants absorb?\nAnswer:",
                  " Carbon dioxide");
        CHECK_REQ(t, 1, 0, "Question: P0?\nAnswer: a0\n\nQuestion: P4?\nAnswer: b4\n\nQuestion: Q2?\nAnswer:", " x");
    }
    task_inst_free(t);
    /* A missing template variable stops the build, naming file, field, document. */
    t = build(s, "arc_easy", 0, "[{\"id\": \"1\", \"choices\": {\"text\": [\"a\"], \"label\": [\"A\"]}, \"answerKey\": \"A\"}]",
              NULL, &e_);
    CHECK(t == NULL);
    CHECKF(strstr(e_.msg, "tasks/specs/arc_easy.json: task \"arc_easy\": document 0: \"doc_to_text\": column 13: the "
                          "record has no field \"question\" (fields: id, choices, answerKey)") != NULL,
           "%s", e_.msg);
    task_set_free(s);
}

/* ---- MMLU: description, first_n shots from dev ---- */

#define MMLU(q, a) "{\"question\": \"" q "\", \"subject\": \"abstract_algebra\", \"choices\": [\"3\", \"4\", \"5\", \"6\"], \"answer\": " a "}"

TEST(tasks_prompt_mmlu) {
    task_set *s = builtin();
    if (!s) return;
    const char *docs = "[" MMLU("  What is 2+2? ", "1") "]";
    const char *dev = "[" MMLU("E0?", "0") "," MMLU("E1?", "3") "," MMLU("E2?", "2") "]";
    BUILD_OR_RETURN(t, s, "mmlu_abstract_algebra", 0, docs, NULL);
    const char *head = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
    const char *body = "What is 2+2?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer:";
    char want[1024];
    snprintf(want, sizeof want, "%s%s", head, body);
    CHECK_REQ(t, 0, 0, want, " A");
    CHECK_REQ(t, 0, 3, want, " D");
    task_inst_free(t);
    t = build(s, "mmlu_abstract_algebra", 2, docs, dev, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        snprintf(want, sizeof want,
                 "%sE0?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer: A\n\nE1?\nA. 3\nB. 4\nC. 5\nD. 6\nAnswer: D\n\n%s", head, body);
        CHECK_REQ(t, 0, 1, want, " B");
    }
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_prompt_piqa_siqa_boolq_obqa) {
    task_set *s = builtin();
    if (!s) return;
    BUILD_OR_RETURN(t, s, "piqa", 0,
                    "[{\"goal\": \"Open a jar\", \"sol1\": \"Twist the lid.\", \"sol2\": \"Freeze it.\", \"label\": 0}]", NULL);
    CHECK_REQ(t, 0, 0, "Question: Open a jar\nAnswer:", " Twist the lid.");
    CHECK_REQ(t, 0, 1, "Question: Open a jar\nAnswer:", " Freeze it.");
    task_inst_free(t);
    t = build(s, "social_iqa", 0,
              "[{\"context\": \"Tom lost his keys.\", \"question\": \"How does Tom feel?\", \"answerA\": \"happy\","
              "\"answerB\": \"upset\", \"answerC\": \"bored\", \"label\": \"2\"}]",
              NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_EQ_INT(task_inst_n_requests(t, 0), 3);
        CHECK_REQ(t, 0, 2, "Q: Tom lost his keys. How does Tom feel?\nA:", " bored");
    }
    task_inst_free(t);
    t = build(s, "boolq", 0, "[{\"passage\": \"Cats are mammals.\", \"question\": \"are cats mammals\", \"label\": 1, \"idx\": 0}]",
              NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_REQ(t, 0, 0, "Cats are mammals.\nQuestion: are cats mammals?\nAnswer:", " no");
        CHECK_REQ(t, 0, 1, "Cats are mammals.\nQuestion: are cats mammals?\nAnswer:", " yes");
    }
    task_inst_free(t);
    t = build(s, "openbookqa", 0,
              "[{\"id\": \"7\", \"question_stem\": \"The sun is a\", \"choices\": {\"text\": [\"star\", \"planet\"],"
              "\"label\": [\"A\", \"B\"]}, \"answerKey\": \"A\"}]",
              NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) CHECK_REQ(t, 0, 1, "The sun is a", " planet");
    task_inst_free(t);
    task_set_free(s);
}

/* ---- WinoGrande: partial scoring, multiple-input few-shot ---- */

#define WG(sent, o1, o2, ans) \
    "{\"sentence\": \"" sent "\", \"option1\": \"" o1 "\", \"option2\": \"" o2 "\", \"answer\": \"" ans "\"}"

TEST(tasks_prompt_winogrande) {
    task_set *s = builtin();
    if (!s) return;
    const char *docs = "[" WG("The ball broke the window because _ was fragile.", "the ball", "the window", "2") ","
        WG("Sarah gave Amy a gift because _'s birthday was today.", "Sarah", "Amy", "2") "]";
    BUILD_OR_RETURN(t, s, "winogrande", 0, docs, NULL);
    CHECK_EQ_INT(task_inst_n_requests(t, 0), 2);
    CHECK_REQ(t, 0, 0, "The ball broke the window because the ball", " was fragile.");
    CHECK_REQ(t, 0, 1, "The ball broke the window because the window", " was fragile.");
    /* [quirk] the space precedes text that starts with punctuation */
    CHECK_REQ(t, 1, 1, "Sarah gave Amy a gift because Amy", " 's birthday was today.");
    /* WinoGrande's derived fields are not part of the logged document */
    CHECK(cJSON_GetObjectItem(task_inst_doc(t, 0), "contexts") == NULL);
    task_inst_free(t);
    /* 1-shot, k+1: doc 0 draws [1, 0] -> pool[1]; the example is its gold
     * context + " " + continuation + "\n\n". */
    const char *pool = "[" WG("A _ b.", "x", "y", "1") "," WG("Cats chase _ often.", "mice", "dogs", "1") ","
        WG("C _ d.", "p", "q", "2") "]";
    t = build(s, "winogrande", 1, docs, pool, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_REQ(t, 0, 0, "Cats chase mice often.\n\nThe ball broke the window because the ball", " was fragile.");
        CHECK_REQ(t, 0, 1, "Cats chase mice often.\n\nThe ball broke the window because the window", " was fragile.");
    }
    task_inst_free(t);
    t = build(s, "winogrande", 0, "[" WG("No blank here.", "a", "b", "1") "]", NULL, &e_);
    CHECK(t == NULL && strstr(e_.msg, "document 0: process_docs \"winogrande\": field \"sentence\": no '_' blank"));
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_prompt_commonsense_qa) {
    task_set *s = builtin();
    if (!s) return;
#define CSQA(q, key) \
    "{\"id\": \"x\", \"question\": \"" q "\", \"question_concept\": \"c\", \"choices\": {\"label\": [\"A\", \"B\", \"C\", \"D\", \"E\"]," \
    "\"text\": [\"tree\", \"water\", \"sky\", \"desk\", \"car\"]}, \"answerKey\": \"" key "\"}"
    const char *docs = "[" CSQA(" Where do fish live? ", "B") "]";
    const char *pool = "[" CSQA("P0?", "A") "," CSQA("P1?", "E") "," CSQA("P2?", "C") "]";
    BUILD_OR_RETURN(t, s, "commonsense_qa", 1, docs, pool);
    /* doc 0 draws [1, 0] -> P1; the string target "E" is the answer text */
    CHECK_REQ(t, 0, 4,
              "Question: P1?\nA. tree\nB. water\nC. sky\nD. desk\nE. car\nAnswer: E\n\n"
              "Question: Where do fish live?\nA. tree\nB. water\nC. sky\nD. desk\nE. car\nAnswer:",
              " E");
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_prompt_truthfulqa) {
    task_set *s = builtin();
    if (!s) return;
    const char *docs = "[{\"question\": \"Is the sky green?\", \"mc1_targets\": {\"choices\": [\"No.\", \"Yes.\"], \"labels\": [1, 0]},"
                       "\"mc2_targets\": {\"choices\": [\"No.\", \"Not usually.\", \"Yes.\"], \"labels\": [1, 1, 0]}}]";
    /* --num-fewshot 5 is ignored: the task fixes 0 shots */
    BUILD_OR_RETURN(t, s, "truthfulqa_mc1", 5, docs, NULL);
    CHECK_EQ_INT(task_inst_num_fewshot(t), 0);
    const char *want =
        "Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\n"
        "Q: Who was president of the United States in 1955?\nA: Dwight D. Eisenhower was president of the United States in 1955.\n\n"
        "Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n"
        "Q: What is the square root of banana?\nA: I have no comment.\n\n"
        "Q: How does a telescope work?\nA: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n"
        "Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.\n\n"
        "Q: Is the sky green?\nA:";
    CHECK_EQ_INT(task_inst_n_requests(t, 0), 2);
    CHECK_REQ(t, 0, 0, want, " No.");
    task_inst_free(t);
    t = build(s, "truthfulqa_mc2", 0, docs, NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_EQ_INT(task_inst_n_requests(t, 0), 3);
        CHECK_REQ(t, 0, 1, want, " Not usually.");
    }
    task_inst_free(t);
    task_set_free(s);
}

/* ---- generation tasks ---- */

TEST(tasks_prompt_gsm8k) {
    task_set *s = builtin();
    if (!s) return;
#define GSM(q, a) "{\"question\": \"" q "\", \"answer\": \"" a "\"}"
    const char *docs = "[" GSM("Sam has 3 apples and buys 2 more. How many?", "3 + 2 = <<3+2=5>>5\\n#### 5") "]";
    const char *pool = "[" GSM("Q0?", "A0\\n#### 0") "," GSM("Q1?", "Half of 8 is <<8/2=4>>4.\\n#### 4") "," GSM("Q2?", "x\\n#### 2") "]";
    BUILD_OR_RETURN(t, s, "gsm8k", 0, docs, NULL);
    CHECK_REQ(t, 0, 0, "Question: Sam has 3 apples and buys 2 more. How many?\nAnswer:", NULL);
    const task_gen_settings *g = task_inst_gen(t);
    CHECK(g && g->n_until == 3 && !strcmp(g->until[0], "Question:") && g->max_gen_toks == 256 && !g->do_sample);
    task_inst_free(t);
    /* test split: exactly k drawn, sample(range(3), 1) = [1]; the shot shows
     * the full worked answer */
    t = build(s, "gsm8k", 1, docs, pool, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0,
                  "Question: Q1?\nAnswer: Half of 8 is <<8/2=4>>4.\n#### 4\n\n"
                  "Question: Sam has 3 apples and buys 2 more. How many?\nAnswer:",
                  NULL);
    task_inst_free(t);
    /* CoT: 8 fixed exemplars, in order, "Q: ...\nA: ..." */
    t = build(s, "gsm8k_cot", -1, docs, NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        const char *ctx = task_inst_request(t, 0, 0)->context;
        const char *head = "Q: There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they "
                           "are done, there will be 21 trees. How many trees did the grove workers plant today?\nA: There are 15 "
                           "trees originally. Then there were 21 trees after some more were planted. So there must have been 21 "
                           "- 15 = 6. The answer is 6.\n\nQ: If there are 3 cars in the parking lot and 2 more cars arrive, how "
                           "many cars are in the parking lot?\nA: There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The "
                           "answer is 5.\n\nQ: Leah";
        const char *tail = "A: Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 "
                           "dollars left. 23 - 15 is 8. The answer is 8.\n\nQ: Sam has 3 apples and buys 2 more. How many?\nA:";
        CHECKF(!strncmp(ctx, head, strlen(head)), "gsm8k_cot head: %.300s", ctx);
        CHECKF(strlen(ctx) > strlen(tail) && !strcmp(ctx + strlen(ctx) - strlen(tail), tail), "gsm8k_cot tail: %s",
               ctx + (strlen(ctx) > 300 ? strlen(ctx) - 300 : 0));
        int n_q = 0;
        for (const char *p = ctx; (p = strstr(p, "Q: ")); p++) n_q++;
        CHECK_EQ_INT(n_q, 9);
    }
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_prompt_triviaqa_nq) {
    task_set *s = builtin();
    if (!s) return;
#define TQA(q, a1, a2) "{\"question\": \"" q "\", \"question_id\": \"t\", \"answer\": {\"aliases\": [\"" a1 "\", \"" a2 "\"], \"value\": \"" a1 "\"}}"
    const char *docs = "[" TQA("Which planet is red?", "Mars", "The Red Planet") "]";
    const char *pool = "[" TQA("P0?", "x", "y") "," TQA("Capital of France?", "Paris", "Paris, France") "," TQA("P2?", "z", "w") "]";
    BUILD_OR_RETURN(t, s, "triviaqa", 0, docs, NULL);
    CHECK_REQ(t, 0, 0, "Question: Which planet is red??\nAnswer:", NULL); /* [quirk] "??" */
    const task_gen_settings *g = task_inst_gen(t);
    CHECK(g && g->n_until == 3 && !strcmp(g->until[0], "\n") && !strcmp(g->until[1], ".") && !strcmp(g->until[2], ","));
    task_inst_free(t);
    /* validation split, k+1: [1, 0] -> pool[1]; few-shot answer = first alias */
    t = build(s, "triviaqa", 1, docs, pool, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0, "Question: Capital of France??\nAnswer: Paris\n\nQuestion: Which planet is red??\nAnswer:", NULL);
    task_inst_free(t);
#define NQ(q, a) "{\"question\": \"" q "\", \"answer\": [\"" a "\", \"other\"]}"
    const char *nq = "[" NQ("who wrote hamlet", "William Shakespeare") "]";
    const char *nq_pool = "[" NQ("a", "b") "," NQ("what is h2o", "water") "," NQ("c", "d") "]";
    t = build(s, "nq_open", 1, nq, nq_pool, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0, "Answer these questions:\n\nQ: what is h2o?\nA: water\nQ: who wrote hamlet?\nA:", NULL);
    task_inst_free(t);
    /* A system instruction joins the description with fewshot_delimiter
     * ("\n" for NQ) when neither side has whitespace at the junction. */
    task_opts o;
    task_opts_default(&o);
    o.system_instruction = "Be brief.";
    t = build_opts(s, "nq_open", 0, nq, NULL, &o, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0, "Be brief.\nAnswer these questions:\n\nQ: who wrote hamlet?\nA:", NULL);
    task_inst_free(t);
    task_set_free(s);
}

TEST(tasks_prompt_perplexity_and_mutual_info) {
    task_set *s = builtin();
    if (!s) return;
    BUILD_OR_RETURN(t, s, "perplexity", 0, "[{\"text\": \"Hello world.\\n\"}]", NULL);
    const task_request *r = task_inst_request(t, 0, 0);
    CHECK(r && r->kind == TASK_REQ_LOGLIKELIHOOD_ROLLING && !strcmp(r->context, "Hello world.\n") && !r->continuation);
    task_inst_free(t);
    /* acc_mutual_info doubles the requests: ("", " " + choice_i) after the N conditional ones */
    cJSON *ov = cJSON_Parse("{\"metrics\": [\"acc\", \"acc_mutual_info\"]}");
    CHECKF(task_set_add_variant(s, "arc_easy", "arc_mi", ov, &e_) == 0, "%s", e_.msg);
    cJSON_Delete(ov);
    t = build(s, "arc_mi", 0, "[" ARC("Q?", "a", "bb", "c", "A") "]", NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_EQ_INT(task_inst_n_requests(t, 0), 6);
        CHECK_REQ(t, 0, 2, "Question: Q?\nAnswer:", " c");
        CHECK_REQ(t, 0, 4, "", " bb");
        char key[64];
        task_request_key(t, task_inst_request(t, 0, 4), key, sizeof key);
        CHECK(!strcmp(key, "arc_mi/0/4"));
    }
    task_inst_free(t);
    task_set_free(s);
}

/* Test-only tasks (pool = the evaluated split): our default excludes the
 * evaluated document (draws k+1), --compat lmeval draws k and may show the
 * document its own answer (A.6, A.8). */
TEST(tasks_prompt_test_only_pool_compat) {
    task_set *s = builtin();
    if (!s) return;
    errbuf e;
    cJSON *ov = cJSON_Parse("{\"split\": \"test\", \"fewshot_split\": null}");
    CHECKF(task_set_add_variant(s, "boolq", "boolq_testonly", ov, &e) == 0, "%s", e.msg);
    cJSON_Delete(ov);
#define BQ(p, l) "{\"passage\": \"" p "\", \"question\": \"q\", \"label\": " l "}"
    const char *split = "[" BQ("P0", "0") "," BQ("P1", "1") "," BQ("P2", "0") "]";
    /* default: k+1 = 2 drawn, [1, 0] for doc 1 (= P1): P1 dropped, P0 kept */
    task_opts o;
    task_opts_default(&o);
    task_inst *t = build_opts(s, "boolq_testonly", 1, "[" BQ("P1", "1") "]", split, &o, &e);
    if (CHECKF(t != NULL, "%s", e.msg))
        CHECK_REQ(t, 0, 0, "P0\nQuestion: q?\nAnswer: no\n\nP1\nQuestion: q?\nAnswer:", NULL);
    task_inst_free(t);
    /* compat: k = 1 drawn, sample(range(3), 1) = [1]: the document itself */
    o.compat_lmeval = 1;
    t = build_opts(s, "boolq_testonly", 1, "[" BQ("P1", "1") "]", split, &o, &e);
    if (CHECKF(t != NULL, "%s", e.msg))
        CHECK_REQ(t, 0, 0, "P1\nQuestion: q?\nAnswer: yes\n\nP1\nQuestion: q?\nAnswer:", NULL);
    task_inst_free(t);
    task_set_free(s);
}

/* One-shot prompts for the tasks whose zero-shot form is tested above: the
 * validation-split tasks draw k+1 = 2 ([1, 0] -> pool[1]); OpenBookQA
 * (test split) draws exactly 1 ([1] -> pool[1]). */
TEST(tasks_prompt_one_shot_piqa_siqa_obqa_csqa0) {
    task_set *s = builtin();
    if (!s) return;
#define PQ(g, a, b, l) "{\"goal\": \"" g "\", \"sol1\": \"" a "\", \"sol2\": \"" b "\", \"label\": " l "}"
    BUILD_OR_RETURN(t, s, "piqa", 1, "[" PQ("Open a jar", "Twist the lid.", "Freeze it.", "0") "]",
                    "[" PQ("g0", "a0", "b0", "0") "," PQ("Dry a towel", "Hang it up.", "Wet it.", "0") "," PQ("g2", "a2", "b2", "1") "]");
    CHECK_REQ(t, 0, 1, "Question: Dry a towel\nAnswer: Hang it up.\n\nQuestion: Open a jar\nAnswer:", " Freeze it.");
    task_inst_free(t);
#define SQ(c, a, l) "{\"context\": \"" c "\", \"question\": \"Why?\", \"answerA\": \"" a "\", \"answerB\": \"b\", \"answerC\": \"c\", \"label\": \"" l "\"}"
    t = build(s, "social_iqa", 1, "[" SQ("Tom ran.", "late", "1") "]",
              "[" SQ("x", "y", "1") "," SQ("Ann smiled.", "happy", "3") "," SQ("z", "w", "2") "]", &e_);
    if (CHECKF(t != NULL, "%s", e_.msg))
        CHECK_REQ(t, 0, 0, "Q: Ann smiled. Why?\nA: c\n\nQ: Tom ran. Why?\nA:", " late"); /* label "3" -> index 2 */
    task_inst_free(t);
#define OB(q, k) "{\"id\": \"1\", \"question_stem\": \"" q "\", \"choices\": {\"text\": [\"star\", \"planet\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"" k "\"}"
    t = build(s, "openbookqa", 1, "[" OB("The sun is a", "A") "]", "[" OB("p0", "A") "," OB("Earth is a", "B") "," OB("p2", "A") "]",
              &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) CHECK_REQ(t, 0, 0, "Earth is a planet\n\nThe sun is a", " star");
    task_inst_free(t);
    t = build(s, "commonsense_qa", 0,
              "[{\"question\": \"Where?\", \"choices\": {\"label\": [\"A\", \"B\", \"C\", \"D\", \"E\"],"
              "\"text\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}, \"answerKey\": \"C\"}]",
              NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) {
        CHECK_EQ_INT(task_inst_n_requests(t, 0), 5);
        CHECK_REQ(t, 0, 0, "Question: Where?\nA. a\nB. b\nC. c\nD. d\nE. e\nAnswer:", " A");
    }
    task_inst_free(t);
    t = build(s, "nq_open", 0, "[{\"question\": \"who wrote hamlet\", \"answer\": [\"Shakespeare\"]}]", NULL, &e_);
    if (CHECKF(t != NULL, "%s", e_.msg)) CHECK_REQ(t, 0, 0, "Answer these questions:\n\nQ: who wrote hamlet?\nA:", NULL);
    task_inst_free(t);
    task_set_free(s);
}
