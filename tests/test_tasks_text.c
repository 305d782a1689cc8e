/* tests/test_tasks_text.c: the Python semantics under the tasks layer:
 * string builtins, CPython's random (against committed CPython outputs),
 * re.findall / re.sub, and the template language. */
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "tasks/pyrandom.h"
#include "tasks/pyregex.h"
#include "tasks/pytext.h"
#include "tasks/template.h"
#include "tests/test.h"

#define PYRANDOM_FIXTURE "tests/fixtures/pyrandom.txt"

static int streq_buf(strbuf *b, const char *want) {
    int ok = strcmp(strbuf_str(b), want) == 0;
    if (!ok) test_fail_at(__FILE__, __LINE__, "got \"%s\", expected \"%s\"", strbuf_str(b), want);
    strbuf_clear(b);
    return ok;
}

TEST(tasks_pytext_whitespace_and_strip) {
    strbuf b;
    strbuf_init(&b);
    /* "\u3000" (ideographic space) and "\xa0" are str.isspace(); U+200B is not. */
    const char *s = " \t\xc2\xa0x y\xe3\x80\x80\n";
    CHECK_EQ_INT(pytext_trailing_space_bytes(s, strlen(s)), 4);
    CHECK_EQ_INT(pytext_leading_space_bytes(s, strlen(s)), 4);
    pytext_strip(&b, s, strlen(s), 1, 1);
    streq_buf(&b, "x y");
    const char *zw = "a\xe2\x80\x8b";
    CHECK_EQ_INT(pytext_trailing_space_bytes(zw, strlen(zw)), 0);
    CHECK_EQ_INT(pytext_len("caf\xc3\xa9", 5), 4);
    CHECK(pytext_isdigit("0123", 4) && !pytext_isdigit("", 0) && !pytext_isdigit("-1", 2));
    pytext_capitalize(&b, "hELLO wORLD", 11);
    streq_buf(&b, "Hello world");
    pytext_capitalize(&b, "\xc3\xa9T\xc3\x89", 6); /* "éTÉ" -> "Été" */
    streq_buf(&b, "\xc3\x89t\xc3\xa9");
    pytext_lower(&b, "ABC \xc3\x84", 6);
    streq_buf(&b, "abc \xc3\xa4");
    strbuf_deinit(&b);
}

TEST(tasks_pytext_repr) {
    strbuf b;
    strbuf_init(&b);
    pytext_repr_str(&b, "it's", 4);
    streq_buf(&b, "\"it's\"");
    pytext_repr_str(&b, "a'b\"c\n", 6);
    streq_buf(&b, "'a\\'b\"c\\n'");
    pytext_repr_str(&b, "\xc2\xa0\xc3\xa9\x01", 5);
    streq_buf(&b, "'\\xa0\xc3\xa9\\x01'");
    /* Python repr(float) values worked out in CPython. */
    static const struct {
        double x;
        const char *s;
    } f[] = {{1.0, "1.0"}, {0.1, "0.1"}, {-1.5, "-1.5"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
             {0.0001, "0.0001"}, {0.00001, "1e-05"}, {123456.789, "123456.789"}, {1.0 / 3, "0.3333333333333333"},
             {2.5e-7, "2.5e-07"}, {-0.0, "-0.0"}, {1.7976931348623157e308, "1.7976931348623157e+308"}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        pytext_repr_float(&b, f[i].x);
        streq_buf(&b, f[i].s);
    }
    cJSON *v = cJSON_Parse("[\"a\", 1, 2.5, true, null, [\"x'y\"], {\"k\": \"v\"}]");
    pytext_str_json(&b, v);
    streq_buf(&b, "['a', 1, 2.5, True, None, [\"x'y\"], {'k': 'v'}]");
    cJSON_Delete(v);
    strbuf_deinit(&b);
}

TEST(tasks_pytext_json_dumps_indent2) {
    /* json.dumps({"a": [1, "x\n"], "b": {}, "c": [], "d": "é"}, indent=2,
     * ensure_ascii=False), worked out by hand from CPython's encoder. */
    cJSON *v = cJSON_Parse("{\"a\": [1, \"x\\n\"], \"b\": {}, \"c\": [], \"d\": \"\xc3\xa9\", \"e\": null}");
    strbuf b;
    strbuf_init(&b);
    pytext_json_dumps(&b, v, 2);
    streq_buf(&b, "{\n  \"a\": [\n    1,\n    \"x\\n\"\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": \"\xc3\xa9\",\n"
                  "  \"e\": null\n}");
    pytext_json_dumps(&b, v, -1);
    streq_buf(&b, "{\"a\": [1, \"x\\n\"], \"b\": {}, \"c\": [], \"d\": \"\xc3\xa9\", \"e\": null}");
    cJSON_Delete(v);
    strbuf_deinit(&b);
}

TEST(tasks_pytext_literal_eval) {
    const char *lit = "['a', \"b\\n\", 3, -1, [True, None], 'it\\'s', '\\xe9']";
    cJSON *v = pytext_literal_eval_list(lit, strlen(lit));
    if (!CHECK(v != NULL)) return;
    strbuf b;
    strbuf_init(&b);
    pytext_repr_json(&b, v);
    streq_buf(&b, "['a', 'b\\n', 3, -1, [True, None], \"it's\", '\xc3\xa9']");
    cJSON_Delete(v);
    const char *bad[] = {"[", "['a'", "['a' 'b']", "[01]", "[a]", "['a'] x", "", "'a'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *x = pytext_literal_eval_list(bad[i], strlen(bad[i]));
        CHECKF(x == NULL, "literal_eval accepted %s", bad[i]);
        cJSON_Delete(x);
    }
    v = pytext_literal_eval_list("[]", 2);
    CHECK(v && cJSON_GetArraySize(v) == 0);
    cJSON_Delete(v);
    strbuf_deinit(&b);
}

/* ---- CPython random against the committed fixture ---- */

static int parse_ints(const char *s, long long *out, int cap) {
    int n = 0;
    while (*s && n < cap) {
        char *end;
        long long x = strtoll(s, &end, 10);
        if (end == s) break;
        out[n++] = x;
        s = end;
    }
    return n;
}

TEST(tasks_pyrandom_matches_cpython) {
    char *txt = file_read_all(PYRANDOM_FIXTURE, 1 << 20, NULL, NULL);
    if (!CHECKF(txt != NULL, "cannot read %s", PYRANDOM_FIXTURE)) return;
    int n_checked = 0;
    task_rng stream;
    task_rng_seed(&stream, 1234);
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        char *colon = strstr(line, " : ");
        if (line[0] == '#' || !colon) continue;
        *colon = 0;
        const char *vals = colon + 3;
        char kind[32];
        unsigned long long seed = 0;
        long long want[64], got[64];
        int nw = parse_ints(vals, want, 64);
        task_rng r;
        if (sscanf(line, "%31s %llu", kind, &seed) < 1) continue;
        task_rng_seed(&r, seed);
        if (!strcmp(kind, "sample")) {
            int N, k;
            sscanf(line, "%*s %*s %d %d", &N, &k);
            int idx[64];
            CHECK(task_rng_sample(&r, N, k, idx, NULL) == 0);
            for (int i = 0; i < k; i++) got[i] = idx[i];
            CHECK_EQ_INT(nw, k);
            for (int i = 0; i < k && i < nw; i++) CHECKF(got[i] == want[i], "%s: [%d] %lld != %lld", line, i, got[i], want[i]);
        } else if (!strcmp(kind, "stream")) {
            int idx[6];
            task_rng_sample(&stream, 2251, 6, idx, NULL);
            for (int i = 0; i < 6; i++) CHECKF(idx[i] == want[i], "%s: [%d] %d != %lld", line, i, idx[i], want[i]);
        } else if (!strcmp(kind, "bits") || !strcmp(kind, "bits13")) {
            int k = kind[4] ? 13 : 32;
            for (int i = 0; i < nw; i++) {
                uint32_t x = task_rng_getrandbits(&r, k);
                CHECKF(x == (uint32_t)want[i], "%s: [%d] %u != %lld", line, i, x, want[i]);
            }
        } else if (!strcmp(kind, "randbelow")) {
            for (int i = 0; i < nw; i++) {
                uint64_t x = task_rng_randbelow(&r, 1000);
                CHECKF((long long)x == want[i], "%s: [%d] %llu != %lld", line, i, (unsigned long long)x, want[i]);
            }
        } else if (!strcmp(kind, "bits_far")) {
            static const int at[] = {623, 624, 625, 1247, 1248, 1299};
            uint32_t all[1300];
            for (int i = 0; i < 1300; i++) all[i] = task_rng_next32(&r);
            for (int i = 0; i < 6; i++) CHECKF(all[at[i]] == (uint32_t)want[i], "bits_far[%d]", at[i]);
        } else if (!strcmp(kind, "random")) {
            const char *p = vals;
            for (int i = 0; i < 5; i++) {
                char *end;
                double w = strtod(p, &end);
                p = end;
                double x = task_rng_random(&r);
                CHECKF(x == w, "%s: [%d] %.17g != %.17g", line, i, x, w);
            }
        } else {
            continue;
        }
        n_checked++;
    }
    CHECKF(n_checked >= 25, "only %d fixture lines checked", n_checked);
    int idx[3];
    task_rng r;
    task_rng_seed(&r, 1);
    CHECK(task_rng_sample(&r, 2, 3, idx, NULL) == -1);
    free(txt);
}

/* ---- regex ---- */

static void findall_items(const char *pat, const char *s, const char *want_joined) {
    errbuf e;
    task_regex *re = task_regex_compile(pat, &e);
    if (!CHECKF(re != NULL, "%s", e.msg)) return;
    task_regex_span *sp = NULL;
    int n = task_regex_findall(re, s, strlen(s), &sp, &e);
    strbuf b;
    strbuf_init(&b);
    for (int m = 0; m < n; m++) {
        if (m) strbuf_putc(&b, '|');
        task_regex_findall_item(re, s, sp, m, "[fb]", &b);
    }
    CHECKF(strcmp(strbuf_str(&b), want_joined) == 0, "findall(%s, %s) = %s, expected %s", pat, s, strbuf_str(&b),
           want_joined);
    strbuf_deinit(&b);
    free(sp);
    task_regex_free(re);
}

TEST(tasks_regex_findall_python_semantics) {
    /* Expected values are CPython's re.findall, worked out by hand. */
    findall_items("x*", "axbxx", "|x||xx|");           /* empty matches between */
    findall_items("#### (\\-?[0-9\\.\\,]+)", "so #### 1,234.\nand #### -5", "1,234.|-5");
    findall_items("(-?[$0-9.,]{2,})|(-?[0-9]+)", "I have 3 apples and $12.50.", "3|$12.50.");
    findall_items("(a)|(b)", "b", "b");
    findall_items("(a)|(b)?", "c", "[fb]|[fb]");       /* tuples of empty groups -> fallback */
    findall_items("(?<=the answer is )(.*)(?=.)", "So the answer is (A).", "(A)");
    findall_items("\\d+", "\xd9\xa3 and 7", "\xd9\xa3|7"); /* Unicode digits, as Python str patterns */
    errbuf e;
    task_regex *bad = task_regex_compile("(unclosed", &e);
    CHECK(bad == NULL && strstr(e.msg, "(unclosed") != NULL);
}

TEST(tasks_regex_sub_python_semantics) {
    errbuf e;
    static const struct {
        const char *pat, *s, *want;
    } c[] = {
        {",", "1,234", "1234"},
        {"\\$", "$5", "5"},
        {"(?s).*#### ", "Work:\n3 + 4 = 7\n#### 7", "7"},
        {"\\.$", "7.", "7"},
        {"\\.$", "7.\n", "7\n"}, /* $ also matches before a final newline */
        {"x*", "abxd", "abd"},
        {"\\b(?:The |the |An |A |The |a |an )", "The cat and a dog", "cat and dog"},
        {"a\\Z", "a\n", "a\n"}, /* Python \Z is end of string only */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        task_regex *re = task_regex_compile(c[i].pat, &e);
        if (!CHECKF(re != NULL, "%s", e.msg)) continue;
        strbuf b;
        strbuf_init(&b);
        CHECK(task_regex_sub(re, c[i].s, strlen(c[i].s), "", &b, &e) == 0);
        CHECKF(strcmp(strbuf_str(&b), c[i].want) == 0, "sub(%s, %s) = \"%s\", expected \"%s\"", c[i].pat, c[i].s,
               strbuf_str(&b), c[i].want);
        strbuf_deinit(&b);
        task_regex_free(re);
    }
    /* Replacement text is literal and inserted at empty matches too. */
    task_regex *re = task_regex_compile("x*", &e);
    strbuf b;
    strbuf_init(&b);
    task_regex_sub(re, "abxd", 4, "-", &b, &e);
    CHECK(strcmp(strbuf_str(&b), "-a-b--d-") == 0);
    strbuf_deinit(&b);
    task_regex_free(re);
}

/* ---- templates ---- */

static char *render(const char *tmpl, const char *doc_json, errbuf *e) {
    cJSON *doc = cJSON_Parse(doc_json);
    task_tmpl *t = task_tmpl_parse(tmpl, e);
    char *out = NULL;
    if (t) {
        strbuf b;
        strbuf_init(&b);
        if (task_tmpl_render_text(t, doc, &b, e) == 0) out = strdup(strbuf_str(&b));
        strbuf_deinit(&b);
    }
    task_tmpl_free(t);
    cJSON_Delete(doc);
    return out;
}

#define CHECK_RENDER(tmpl, doc, want)                                                                  \
    do {                                                                                               \
        errbuf e_ = {{0}};                                                                             \
        char *got_ = render(tmpl, doc, &e_);                                                           \
        CHECKF(got_ && strcmp(got_, want) == 0, "render(%s) = \"%s\" (%s), expected \"%s\"", tmpl,     \
               got_ ? got_ : "(null)", e_.msg, want);                                                  \
        free(got_);                                                                                    \
    } while (0)

#define CHECK_RENDER_ERR(tmpl, doc, substr)                                                            \
    do {                                                                                               \
        errbuf e_ = {{0}};                                                                             \
        char *got_ = render(tmpl, doc, &e_);                                                           \
        CHECKF(!got_ && strstr(e_.msg, substr), "render(%s): expected an error with \"%s\", got \"%s\" / %s", \
               tmpl, substr, got_ ? got_ : "(null)", e_.msg);                                          \
        free(got_);                                                                                    \
    } while (0)

TEST(tasks_template_renders) {
    const char *doc = "{\"question\": \"  What?  \", \"choices\": {\"text\": [\"a\", \"b'c\"], \"label\": [\"A\", \"B\"]},"
                      "\"answerKey\": \"B\", \"label\": \"2\", \"n\": 3, \"sol1\": \"x\", \"sol2\": \"y\","
                      "\"answer\": \"Step 1\\n#### 42\", \"pronoun\": \"his\"}";
    CHECK_RENDER("Question: {{question.strip()}}\nAnswer:", doc, "Question: What?\nAnswer:");
    CHECK_RENDER("{{choices.text[0]}}|{{choices['text'][-1]}}|{{ choices[\"label\"][1] }}", doc, "a|b'c|B");
    CHECK_RENDER("{{choices.label.index(answerKey)}}", doc, "1");
    CHECK_RENDER("{{choices.text}}", doc, "['a', \"b'c\"]");
    CHECK_RENDER("{{[sol1, sol2]}}", doc, "['x', 'y']");
    CHECK_RENDER("{{ (label|int) - 1 }}", doc, "1");
    CHECK_RENDER("{{n + 1}}{{ -n }}", doc, "4-3");
    CHECK_RENDER("{{answer.split('####')[-1].strip()}}", doc, "42");
    CHECK_RENDER("{{answer.split('####')[-1].strip() if answer is defined else target}}", doc, "42");
    CHECK_RENDER("{{answer if answer is not defined else 'yes'}}", doc, "yes");
    CHECK_RENDER("{{target if target is defined else 'none'}}", doc, "none");
    CHECK_RENDER("{{pronoun.capitalize()}} {{ 'a' + \"b\" ~ n }}", doc, "His ab3");
    CHECK_RENDER("a  {{- ' b ' -}}  c{# comment #}\n", doc, "a b c\n");
    CHECK_RENDER("trailing\n\n", doc, "trailing\n\n"); /* keep_trailing_newline */
    CHECK_RENDER("{{question|trim|upper}} {{choices.text|length}} {{choices.text|last}}", doc, "WHAT? 2 b'c");
    CHECK_RENDER("{{'x'.replace('x', 'yy')}} {{'abc'[1]}}", doc, "yy b");
}

TEST(tasks_template_errors) {
    const char *doc = "{\"question\": \"q\", \"choices\": {\"text\": [\"a\"]}}";
    CHECK_RENDER_ERR("{{questoin}}", doc, "no field \"questoin\" (fields: question, choices)");
    CHECK_RENDER_ERR("{{choices.txt}}", doc, "no key \"txt\" (keys: text)");
    CHECK_RENDER_ERR("{{choices.text[3]}}", doc, "out of range");
    CHECK_RENDER_ERR("{{question", doc, "never closed");
    CHECK_RENDER_ERR("{% set x = 1 %}", doc, "column 1: statements");
    CHECK_RENDER_ERR("ab {{ }}", doc, "column 4: empty expression");
    CHECK_RENDER_ERR("{{question.shout()}}", doc, "unknown str method .shout()");
    CHECK_RENDER_ERR("{{question|shout}}", doc, "unknown filter |shout");
    CHECK_RENDER_ERR("{{choices.text.index('z')}}", doc, "'z' is not in list ['a']");
    CHECK_RENDER_ERR("{{question - 1}}", doc, "cannot subtract a str and a number");
    CHECK_RENDER_ERR("{{'unterminated}}", doc, "unterminated string");
    CHECK_RENDER_ERR("{{x is odd}}", doc, "only the tests");
    /* Deep nesting is refused, not a stack overflow. */
    char deep[400];
    memset(deep, 0, sizeof deep);
    strcpy(deep, "{{");
    for (int i = 0; i < 150; i++) strcat(deep, "(");
    strcat(deep, "1}}");
    CHECK_RENDER_ERR(deep, doc, "nested too deeply");
}

TEST(tasks_template_render_value_types) {
    errbuf e;
    cJSON *doc = cJSON_Parse("{\"c\": {\"text\": [\"a\", \"b\"]}, \"label\": 1}");
    task_tmpl *t = task_tmpl_parse("{{c.text}}", &e);
    cJSON *v = NULL;
    CHECK(task_tmpl_render_value(t, doc, &v, &e) == 0 && cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2);
    cJSON_Delete(v);
    task_tmpl_free(t);
    /* Text around the expression makes it a string, as Jinja renders it. */
    t = task_tmpl_parse(" {{c.text}}", &e);
    CHECK(task_tmpl_render_value(t, doc, &v, &e) == 0 && cJSON_IsString(v) && !strcmp(v->valuestring, " ['a', 'b']"));
    cJSON_Delete(v);
    task_tmpl_free(t);
    /* Numbers come back as their str(), for the digit rule to see. */
    t = task_tmpl_parse("{{label}}", &e);
    CHECK(task_tmpl_render_value(t, doc, &v, &e) == 0 && cJSON_IsString(v) && !strcmp(v->valuestring, "1"));
    CHECK(!task_tmpl_is_literal(t));
    cJSON_Delete(v);
    task_tmpl_free(t);
    cJSON_Delete(doc);
}
