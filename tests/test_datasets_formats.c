/* tests/test_datasets_formats.c: the format readers on hand-written input,
 * well-formed and malformed, and each loader's other layouts (original
 * releases, archives, HF rows) on files the tests write. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "datasets/csv.h"
#include "datasets/dataset.h"
#include "datasets/input.h"
#include "datasets/json.h"
#include "datasets/text.h"
#include "tests/test.h"

/* ---- helpers ---- */

static int write_file(const char *dir, const char *rel, const char *text, size_t n) {
    char path[2048], sub[2048];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(sub, sizeof sub, "%s", path);
    char *slash = strrchr(sub, '/');
    errbuf e;
    if (slash) {
        *slash = 0;
        if (file_mkdirs(sub, &e) != 0) return -1;
    }
    return file_write_atomic(path, text, n, &e);
}

#define WRITE(dir, rel, text) write_file(dir, rel, text, sizeof(text) - 1)

/* Writes an archive (zip, tar.gz, or one gzip/bzip2-compressed file when
 * format is "raw") holding the given members. */
static int write_archive(const char *path, const char *format, const char *filter, const char *const *names,
                         const char *const *texts, int n) {
    struct archive *a = archive_write_new();
    int ok = 1;
    if (strcmp(format, "zip") == 0) ok &= archive_write_set_format_zip(a) == ARCHIVE_OK;
    else if (strcmp(format, "tar") == 0) ok &= archive_write_set_format_pax_restricted(a) == ARCHIVE_OK;
    else ok &= archive_write_set_format_raw(a) == ARCHIVE_OK;
    if (filter && strcmp(filter, "gzip") == 0) ok &= archive_write_add_filter_gzip(a) == ARCHIVE_OK;
    if (filter && strcmp(filter, "bzip2") == 0) ok &= archive_write_add_filter_bzip2(a) == ARCHIVE_OK;
    ok &= archive_write_open_filename(a, path) == ARCHIVE_OK;
    for (int i = 0; ok && i < n; i++) {
        struct archive_entry *ent = archive_entry_new();
        archive_entry_set_pathname(ent, names[i]);
        archive_entry_set_size(ent, (la_int64_t)strlen(texts[i]));
        archive_entry_set_filetype(ent, AE_IFREG);
        archive_entry_set_perm(ent, 0644);
        ok &= archive_write_header(a, ent) == ARCHIVE_OK;
        ok &= archive_write_data(a, texts[i], strlen(texts[i])) == (la_ssize_t)strlen(texts[i]);
        archive_entry_free(ent);
    }
    ok &= archive_write_close(a) == ARCHIVE_OK;
    archive_write_free(a);
    return ok ? 0 : -1;
}

static ds_table *load_dir(const char *dir, const char *ds, const char *config, const char *split, errbuf *e) {
    ds_opts o;
    ds_opts_init(&o);
    o.data_dir = dir;
    o.cache_dir = dir; /* nothing cached there: the data dir is all there is */
    o.offline = 1;
    return ds_load(ds, config, split, &o, e);
}

static const char *sfield(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "(missing)";
}

static double nfield(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -999;
}

#define CHECK_STR(got, want) CHECKF(strcmp((got), (want)) == 0, "got \"%s\", expected \"%s\"", (got), (want))
#define CHECK_MSG(e, want) CHECKF(strstr((e).msg, (want)) != NULL, "message \"%s\" lacks \"%s\"", (e).msg, (want))

/* ---- CSV ---- */

TEST(datasets_csv_rfc4180_quoting) {
    /* BOM, a quoted comma, a doubled quote, a quoted CRLF, an empty field,
     * CRLF record ends, a blank line, no newline at the end. */
    const char text[] = "\xef\xbb\xbf" "a,b,c\r\n"
                        "\"x, y\",\"say \"\"hi\"\"\",\r\n"
                        "\r\n"
                        "\"two\r\nlines\",plain,\"\"\n"
                        "last,row,end";
    ds_csv r;
    ds_csv_init(&r, text, sizeof text - 1, "t.csv", ',', 1);
    ds_csv_row row;
    errbuf e;
    CHECK(ds_csv_next(&r, &row, &e) == 1 && row.n_fields == 3 && strcmp(row.fields[0], "a") == 0 && row.line == 1);
    CHECK(ds_csv_next(&r, &row, &e) == 1 && row.n_fields == 3 && row.line == 2);
    CHECK_STR(row.fields[0], "x, y");
    CHECK_STR(row.fields[1], "say \"hi\"");
    CHECK_STR(row.fields[2], "");
    CHECK(ds_csv_next(&r, &row, &e) == 1 && row.n_fields == 3 && row.line == 4);
    CHECK_STR(row.fields[0], "two\r\nlines");
    CHECK_STR(row.fields[2], "");
    CHECK(ds_csv_next(&r, &row, &e) == 1 && row.line == 6);
    CHECK_STR(row.fields[2], "end");
    CHECK(ds_csv_next(&r, &row, &e) == 0);
    ds_csv_deinit(&r);
}

static int csv_error(const char *text, char delim, int quoting, errbuf *e) {
    ds_csv r;
    ds_csv_init(&r, text, strlen(text), "bad.csv", delim, quoting);
    ds_csv_row row;
    int rc;
    while ((rc = ds_csv_next(&r, &row, e)) == 1) {
    }
    ds_csv_deinit(&r);
    return rc;
}

TEST(datasets_csv_malformed) {
    errbuf e;
    CHECK(csv_error("a,b\n\"open,x\nmore\n", ',', 1, &e) == -1);
    CHECK_MSG(e, "bad.csv:4: field 1: quoted field is never closed (opened on line 2)");
    CHECK(csv_error("a,b\nx,y\"z\n", ',', 1, &e) == -1);
    CHECK_MSG(e, "bad.csv:2: field 2: quote inside an unquoted field");
    CHECK(csv_error("a,b\n\"x\"y,z\n", ',', 1, &e) == -1);
    CHECK_MSG(e, "bad.csv:2: field 1: unexpected 'y' after the closing quote");
    char nul[] = "a,b\nx,y\0z\n";
    ds_csv r;
    ds_csv_row row;
    ds_csv_init(&r, nul, sizeof nul - 1, "bad.csv", ',', 1);
    CHECK(ds_csv_next(&r, &row, &e) == 1 && ds_csv_next(&r, &row, &e) == -1);
    CHECK_MSG(e, "bad.csv:2: field 2: NUL byte");
    ds_csv_deinit(&r);
    /* TSV: quotes are data. */
    ds_csv_init(&r, "a\t\"b\"\tc\n", 8, "t.tsv", '\t', 0);
    CHECK(ds_csv_next(&r, &row, &e) == 1 && row.n_fields == 3 && strcmp(row.fields[1], "\"b\"") == 0);
    ds_csv_deinit(&r);
}

/* A short row in an MMLU file names the file, the line and the counts. */
TEST(datasets_csv_loader_field_count) {
    const char *dir = test_tmpdir();
    WRITE(dir, "mmlu/test/anatomy_test.csv",
          "question,choice0,choice1,choice2,choice3,answer\n"
          "Which bone is in the thigh?,femur,ulna,radius,tibia,0\n"
          "\"A question\nover two lines\",a,b,c,d,3\n"
          "Short row,a,b,c,1\n");
    errbuf e;
    ds_table *t = load_dir(dir, "mmlu", "anatomy", "test", &e);
    CHECK(t == NULL);
    CHECK_MSG(e, "mmlu/test/anatomy_test.csv:5: expected 6 fields (question, 4 choices, answer), got 5");
    WRITE(dir, "mmlu/test/anatomy_test.csv",
          "question,choice0,choice1,choice2,choice3,answer\nQ,a,b,c,d,4\n");
    CHECK(load_dir(dir, "mmlu", "anatomy", "test", &e) == NULL);
    CHECK_MSG(e, "anatomy_test.csv:2: answer: expected A-D or 0-3, got \"4\"");
}

/* ---- JSON and JSONL ---- */

TEST(datasets_jsonl_reader) {
    const char text[] = "\xef\xbb\xbf{\"a\": 1}\r\n\n   \n{\"b\": [1, 2]}  \n{\"c\": \"\\u00e9\"}";
    ds_jsonl r;
    ds_jsonl_init(&r, text, sizeof text - 1, "x.jsonl");
    cJSON *o;
    int line;
    errbuf e;
    CHECK(ds_jsonl_next(&r, &o, &line, &e) == 1 && line == 1 && nfield(o, "a") == 1);
    cJSON_Delete(o);
    CHECK(ds_jsonl_next(&r, &o, &line, &e) == 1 && line == 4 && cJSON_GetArraySize(cJSON_GetObjectItem(o, "b")) == 2);
    cJSON_Delete(o);
    CHECK(ds_jsonl_next(&r, &o, &line, &e) == 1 && line == 5 && strcmp(sfield(o, "c"), "\xc3\xa9") == 0);
    cJSON_Delete(o);
    CHECK(ds_jsonl_next(&r, &o, &line, &e) == 0);
}

static int jsonl_error(const char *text, errbuf *e) {
    ds_jsonl r;
    ds_jsonl_init(&r, text, strlen(text), "bad.jsonl");
    cJSON *o;
    int line, rc;
    while ((rc = ds_jsonl_next(&r, &o, &line, e)) == 1) cJSON_Delete(o);
    return rc;
}

TEST(datasets_jsonl_malformed) {
    errbuf e;
    CHECK(jsonl_error("{\"a\": 1}\n{\"a\": tru}\n", &e) == -1);
    CHECK_MSG(e, "bad.jsonl:2:");
    CHECK_MSG(e, "invalid JSON near");
    CHECK(jsonl_error("{\"a\": 1} {\"b\": 2}\n", &e) == -1);
    CHECK_MSG(e, "bad.jsonl:1:10: text after the JSON object");
    CHECK(jsonl_error("{\"a\": 1}\n[1, 2]\n", &e) == -1);
    CHECK_MSG(e, "bad.jsonl:2: expected a JSON object, got a array");
    CHECK(jsonl_error("{\"a\": \"unterminated}\n", &e) == -1);
    CHECK_MSG(e, "bad.jsonl:1:");
}

TEST(datasets_json_document) {
    errbuf e;
    const char good[] = "\xef\xbb\xbf[{\"q\": 1},\n {\"q\": 2}]\n";
    cJSON *v = ds_json_parse(good, sizeof good - 1, "g.json", &e);
    CHECK(v && cJSON_GetArraySize(v) == 2);
    cJSON_Delete(v);
    const char bad[] = "{\"a\": [1,\n  2,\n  ]}";
    CHECK(ds_json_parse(bad, sizeof bad - 1, "b.json", &e) == NULL);
    CHECK_MSG(e, "b.json:3:");
    const char trailing[] = "{}\n{}";
    CHECK(ds_json_parse(trailing, sizeof trailing - 1, "t.json", &e) == NULL);
    CHECK_MSG(e, "t.json:2:1: text after the end of the JSON document");
    CHECK(ds_json_parse("42", 2, "n.json", &e) == NULL);
    CHECK_MSG(e, "expected a JSON object or array, got a number");
    CHECK(ds_json_parse("  \n", 3, "empty.json", &e) == NULL);
    CHECK_MSG(e, "empty.json: empty file");
}

/* ---- text ---- */

TEST(datasets_text_utf8_and_lines) {
    errbuf e;
    const char ok[] = "caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80\n";
    CHECK(ds_text_check_utf8(ok, sizeof ok - 1, "ok.txt", &e) == 0);
    const char latin1[] = "line one\nna\xefve\n";
    CHECK(ds_text_check_utf8(latin1, sizeof latin1 - 1, "l.txt", &e) == -1);
    CHECK_MSG(e, "l.txt:2: invalid UTF-8 (byte 0xef at column 3)");
    const char overlong[] = "\xc0\xaf";
    CHECK(ds_text_check_utf8(overlong, 2, "o.txt", &e) == -1);
    const char surrogate[] = "\xed\xa0\x80";
    CHECK(ds_text_check_utf8(surrogate, 3, "s.txt", &e) == -1);
    const char cut[] = "ab\xe2\x80";
    CHECK(ds_text_check_utf8(cut, 4, "c.txt", &e) == -1);
    CHECK_MSG(e, "c.txt:1: invalid UTF-8 (byte 0xe2 at column 3)");
    const char nul[] = "a\nb\0c";
    CHECK(ds_text_check_utf8(nul, 5, "n.txt", &e) == -1);
    CHECK_MSG(e, "n.txt:2: NUL byte at column 2");

    const char lines[] = "one\r\n\ntwo\nthree";
    ds_lines r;
    ds_lines_init(&r, lines, sizeof lines - 1);
    const char *t;
    size_t len;
    int line;
    CHECK(ds_lines_next(&r, &t, &len, &line) == 1 && len == 3 && line == 1 && strncmp(t, "one", 3) == 0);
    CHECK(ds_lines_next(&r, &t, &len, &line) == 1 && len == 0 && line == 2);
    CHECK(ds_lines_next(&r, &t, &len, &line) == 1 && line == 3);
    CHECK(ds_lines_next(&r, &t, &len, &line) == 1 && len == 5 && line == 4);
    CHECK(ds_lines_next(&r, &t, &len, &line) == 0);
    CHECK_EQ_INT(ds_lines_count_nonblank(lines, sizeof lines - 1), 3);
}

/* ---- compressed and archived input ---- */

TEST(datasets_input_compressed_and_archives) {
    const char *dir = test_tmpdir();
    char path[1200];
    errbuf e;
    size_t n;
    const char *names[] = {"inner/a.txt", "b.txt"};
    const char *texts[] = {"alpha\n", "beta beta\n"};
    const char *formats[][3] = {{"gz", "raw", "gzip"}, {"bz2", "raw", "bzip2"}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/one.txt.%s", dir, formats[i][0]);
        if (!CHECK(write_archive(path, formats[i][1], formats[i][2], names + 1, texts + 1, 1) == 0)) return;
        char *buf = ds_input_read(path, NULL, DS_INPUT_MAX_BYTES, &n, &e);
        CHECKF(buf && n == 10 && strcmp(buf, "beta beta\n") == 0, "%s: %s", formats[i][0], buf ? buf : e.msg);
        free(buf);
    }
    snprintf(path, sizeof path, "%s/a.zip", dir);
    CHECK(write_archive(path, "zip", NULL, names, texts, 2) == 0);
    char *buf = ds_input_read(path, "inner/a.txt", DS_INPUT_MAX_BYTES, &n, &e);
    CHECKF(buf && strcmp(buf, "alpha\n") == 0, "%s", buf ? buf : e.msg);
    free(buf);
    CHECK(ds_input_read(path, "nope.txt", DS_INPUT_MAX_BYTES, &n, &e) == NULL);
    CHECK_MSG(e, "no member named nope.txt (the archive holds 2 entries: inner/a.txt, b.txt)");
    snprintf(path, sizeof path, "%s/a.tar.gz", dir);
    CHECK(write_archive(path, "tar", "gzip", names, texts, 2) == 0);
    buf = ds_input_read(path, "b.txt", DS_INPUT_MAX_BYTES, &n, &e);
    CHECKF(buf && strcmp(buf, "beta beta\n") == 0, "%s", buf ? buf : e.msg);
    free(buf);
    /* A plain file passes through; the size limit holds after decompression. */
    WRITE(dir, "plain.txt", "just text\n");
    snprintf(path, sizeof path, "%s/plain.txt", dir);
    buf = ds_input_read(path, NULL, DS_INPUT_MAX_BYTES, &n, &e);
    CHECK(buf && n == 10);
    free(buf);
    snprintf(path, sizeof path, "%s/one.txt.gz", dir);
    CHECK(ds_input_read(path, NULL, 4, &n, &e) == NULL);
    CHECK_MSG(e, "more than 4 bytes once decompressed");
}

TEST(datasets_input_truncated_gzip) {
    const char *dir = test_tmpdir();
    char path[1200];
    errbuf e;
    size_t n;
    /* Enough text that the deflate stream is long, then cut it in half. */
    char big[8192];
    for (size_t i = 0; i < sizeof big - 1; i++) big[i] = (char)('a' + (i * 7919) % 26);
    big[sizeof big - 1] = 0;
    const char *names[] = {"x"};
    const char *texts[] = {big};
    snprintf(path, sizeof path, "%s/t.gz", dir);
    if (!CHECK(write_archive(path, "raw", "gzip", names, texts, 1) == 0)) return;
    char *whole = file_read_all(path, 1 << 20, &n, &e);
    if (!CHECK(whole)) return;
    CHECK(file_write_atomic(path, whole, n / 2, &e) == 0);
    free(whole);
    char *buf = ds_input_read(path, NULL, DS_INPUT_MAX_BYTES, &n, &e);
    CHECK(buf == NULL);
    free(buf);
    CHECK_MSG(e, "t.gz: corrupt or truncated data");
    snprintf(path, sizeof path, "%s/missing.gz", dir);
    CHECK(ds_input_read(path, NULL, DS_INPUT_MAX_BYTES, &n, &e) == NULL);
    CHECK_MSG(e, "missing.gz: No such file");
}

/* ---- each loader's other layouts and malformed records ---- */

TEST(datasets_layout_arc_original_and_bad_gold) {
    const char *dir = test_tmpdir();
    WRITE(dir, "arc/ARC-Easy-Test.jsonl",
          "{\"id\": \"Q1\", \"question\": {\"stem\": \"What melts ice fastest?\", \"choices\": ["
          "{\"text\": \"salt\", \"label\": \"1\"}, {\"text\": \"sand\", \"label\": \"2\"}]}, \"answerKey\": \"1\"}\n");
    errbuf e;
    ds_table *t = load_dir(dir, "arc", "ARC-Easy", "test", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    const cJSON *r = ds_record(t, 0);
    CHECK_STR(sfield(r, "id"), "Q1");
    CHECK_STR(sfield(r, "question"), "What melts ice fastest?");
    CHECK_STR(sfield(r, "answerKey"), "1");
    CHECK_STR(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "choices"), "label"), 1)->valuestring, "2");
    ds_free(t);
    WRITE(dir, "arc/ARC-Easy-Test.jsonl",
          "{\"id\": \"Q1\", \"question\": {\"stem\": \"S\", \"choices\": [{\"text\": \"a\", \"label\": \"A\"}]}, "
          "\"answerKey\": \"B\"}\n");
    CHECK(load_dir(dir, "arc", "ARC-Easy", "test", &e) == NULL);
    CHECK_MSG(e, "ARC-Easy-Test.jsonl:1: answerKey is not one of the choice labels");
    /* The re-export layout with a gold index past the choices. */
    WRITE(dir, "arc/arc_challenge.jsonl",
          "{\"query\": \"Question: One?\", \"choices\": [\"a\", \"b\"], \"gold\": 1}\n"
          "{\"query\": \"Question: Two?\", \"choices\": [\"a\", \"b\"], \"gold\": 7}\n");
    CHECK(load_dir(dir, "arc", "ARC-Challenge", "test", &e) == NULL);
    CHECK_MSG(e, "arc/arc_challenge.jsonl:2: field \"gold\": 7 is out of range (expected 0 to 1)");
    WRITE(dir, "arc/arc_challenge.jsonl", "{\"query\": \"One?\", \"choices\": [\"a\"], \"gold\": 0}\n");
    CHECK(load_dir(dir, "arc", "ARC-Challenge", "test", &e) == NULL);
    CHECK_MSG(e, "arc_challenge.jsonl:1: field \"query\": expected it to start with \"Question: \"");
}

TEST(datasets_layout_boolq_winogrande_originals) {
    const char *dir = test_tmpdir();
    WRITE(dir, "boolq/dev.jsonl",
          "{\"question\": \"is the sun a star\", \"title\": \"Sun\", \"answer\": true, \"passage\": \"The Sun is the "
          "star at the centre of the Solar System.\"}\n");
    WRITE(dir, "winogrande/dev.jsonl",
          "{\"qID\": \"A-1\", \"sentence\": \"The cup fell off the shelf because _ was slippery.\", \"option1\": "
          "\"the cup\", \"option2\": \"the shelf\", \"answer\": \"2\"}\n");
    errbuf e;
    ds_table *t = load_dir(dir, "boolq", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK(nfield(ds_record(t, 0), "label") == 1);
    CHECK_STR(sfield(ds_record(t, 0), "_title"), "Sun");
    ds_free(t);
    t = load_dir(dir, "winogrande", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_STR(sfield(ds_record(t, 0), "option2"), "the shelf");
    CHECK_STR(sfield(ds_record(t, 0), "answer"), "2");
    ds_free(t);
    WRITE(dir, "winogrande/dev.jsonl", "{\"sentence\": \"No blank here.\", \"option1\": \"a\", \"option2\": \"b\", "
                                       "\"answer\": \"1\"}\n");
    CHECK(load_dir(dir, "winogrande", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "winogrande/dev.jsonl:1: field \"sentence\": has no \"_\" blank");
    /* The re-export: a blank right after an apostrophe-free word boundary,
     * options sharing a first letter, continuation starting with "'s". */
    char p[1200];
    snprintf(p, sizeof p, "%s/winogrande/dev.jsonl", dir);
    remove(p);
    WRITE(dir, "winogrande/winogrande.jsonl",
          "{\"context_options\": [\"Ben lent Bob a pen because Ben\", \"Ben lent Bob a pen because Bob\"], "
          "\"continuation\": \"'s own pen was lost.\", \"gold\": 1}\n");
    t = load_dir(dir, "winogrande", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_STR(sfield(ds_record(t, 0), "sentence"), "Ben lent Bob a pen because _'s own pen was lost.");
    CHECK_STR(sfield(ds_record(t, 0), "option1"), "Ben");
    CHECK_STR(sfield(ds_record(t, 0), "option2"), "Bob");
    CHECK_STR(sfield(ds_record(t, 0), "answer"), "2");
    ds_free(t);
}

TEST(datasets_layout_hellaswag_original_and_bad_text) {
    const char *dir = test_tmpdir();
    WRITE(dir, "hellaswag/hellaswag_val.jsonl",
          "{\"ind\": 4, \"activity_label\": \"Baking cookies\", \"ctx_a\": \"A woman mixes dough in a bowl.\", "
          "\"ctx_b\": \"she\", \"ctx\": \"A woman mixes dough in a bowl. she\", \"split\": \"val\", \"split_type\": "
          "\"indomain\", \"label\": 2, \"endings\": [\"a\", \"b\", \"rolls it into balls.\", \"d\"], \"source_id\": "
          "\"activitynet~v_x\"}\n");
    errbuf e;
    ds_table *t = load_dir(dir, "hellaswag", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    const cJSON *r = ds_record(t, 0);
    CHECK_STR(sfield(r, "label"), "2");
    CHECK_STR(sfield(r, "ctx_b"), "she");
    CHECK(nfield(r, "ind") == 4);
    ds_free(t);
    char p[1200];
    snprintf(p, sizeof p, "%s/hellaswag/hellaswag_val.jsonl", dir);
    remove(p);
    WRITE(dir, "hellaswag/hellaswag_val_full.txt",
          "Baking cookies: A woman mixes dough. she\n2\na\nb\nc\nd\n"
          "No colon here\n1\na\nb\nc\nd\n");
    CHECK(load_dir(dir, "hellaswag", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "hellaswag_val_full.txt:7: expected \"<activity label>: <context>\"");
    WRITE(dir, "hellaswag/hellaswag_val_full.txt", "Baking cookies: A woman mixes dough. she\n7\na\nb\nc\nd\n");
    CHECK(load_dir(dir, "hellaswag", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "hellaswag_val_full.txt:2: expected the gold label 0-3");
    WRITE(dir, "hellaswag/hellaswag_val_full.txt", "Baking cookies: A woman mixes dough. she\n1\na\nb\n");
    CHECK(load_dir(dir, "hellaswag", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "hellaswag_val_full.txt:1: incomplete item: 4 of its 6 lines");
}

TEST(datasets_layout_piqa_siqa_label_files) {
    const char *dir = test_tmpdir();
    WRITE(dir, "piqa/valid.jsonl", "{\"goal\": \"g1\", \"sol1\": \"a\", \"sol2\": \"b\"}\n"
                                   "{\"goal\": \"g2\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
    WRITE(dir, "piqa/valid-labels.lst", "1\n");
    errbuf e;
    CHECK(load_dir(dir, "piqa", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "piqa/valid-labels.lst: 1 labels for the 2 records of");
    WRITE(dir, "piqa/valid-labels.lst", "1\n2\n");
    CHECK(load_dir(dir, "piqa", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "piqa/valid-labels.lst:2: expected a label 0-1, got \"2\"");
    WRITE(dir, "piqa/valid-labels.lst", "1\n0\n");
    ds_table *t = load_dir(dir, "piqa", NULL, "validation", &e);
    CHECKF(t && nfield(ds_record(t, 0), "label") == 1 && nfield(ds_record(t, 1), "label") == 0, "%s", e.msg);
    ds_free(t);
    /* Social IQa straight from the release zip. */
    char zip[1200];
    snprintf(zip, sizeof zip, "%s/siqa", dir);
    CHECK(file_mkdirs(zip, &e) == 0);
    snprintf(zip, sizeof zip, "%s/siqa/socialiqa-train-dev.zip", dir);
    const char *names[] = {"socialiqa-train-dev/dev.jsonl", "socialiqa-train-dev/dev-labels.lst"};
    const char *texts[] = {"{\"context\": \"Kim lent Pat a book.\", \"question\": \"How would Pat feel?\", "
                           "\"answerA\": \"grateful\", \"answerB\": \"angry\", \"answerC\": \"bored\"}\n",
                           "1\n"};
    CHECK(write_archive(zip, "zip", NULL, names, texts, 2) == 0);
    t = load_dir(dir, "siqa", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_STR(sfield(ds_record(t, 0), "label"), "1");
    CHECK_STR(sfield(ds_record(t, 0), "answerA"), "grateful");
    CHECK(strstr(ds_source(t), "socialiqa-train-dev.zip!socialiqa-train-dev/dev.jsonl") != NULL);
    ds_free(t);
}

TEST(datasets_layout_mmlu_original_tar) {
    const char *dir = test_tmpdir();
    errbuf e;
    char p[1200];
    snprintf(p, sizeof p, "%s/mmlu", dir);
    CHECK(file_mkdirs(p, &e) == 0);
    snprintf(p, sizeof p, "%s/mmlu/data.tar", dir);
    /* The original release: no header, answer letters. */
    const char *names[] = {"data/test/astronomy_test.csv", "data/dev/astronomy_dev.csv"};
    const char *texts[] = {"What orbits a planet?,A moon,A star,A comet,A galaxy,A\n"
                           "\"Which is larger, the Sun or the Earth?\",The Earth,The Sun,Equal,Unknown,B\n",
                           "Dev question?,w,x,y,z,D\n"};
    CHECK(write_archive(p, "tar", NULL, names, texts, 2) == 0);
    ds_table *t = load_dir(dir, "mmlu", "astronomy", "test", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_EQ_INT(ds_count(t), 2);
    CHECK_STR(sfield(ds_record(t, 1), "question"), "Which is larger, the Sun or the Earth?");
    CHECK(nfield(ds_record(t, 1), "answer") == 1);
    CHECK(nfield(ds_record(t, 0), "answer") == 0);
    ds_free(t);
    t = load_dir(dir, "mmlu", "all", "dev", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK(ds_count(t) == 1 && nfield(ds_record(t, 0), "answer") == 3);
    CHECK(ds_warning(t) && strstr(ds_warning(t), "56 of 57 subjects absent"));
    ds_free(t);
}

TEST(datasets_layout_truthfulqa_bad_mc) {
    const char *dir = test_tmpdir();
    WRITE(dir, "truthfulqa/v0/mc_task.json",
          "[{\"question\": \"Q?\", \"mc1_targets\": {\"a\": 1, \"b\": 1}, \"mc2_targets\": {\"a\": 1}}]");
    errbuf e;
    CHECK(load_dir(dir, "truthfulqa", "multiple_choice", "validation", &e) == NULL);
    CHECK_MSG(e, "truthfulqa/v0/mc_task.json: item 0: mc1_targets has 2 true answers (expected exactly one)");
    /* The updated release is never read in place of v0. */
    char p[1200];
    snprintf(p, sizeof p, "%s/truthfulqa/v0/mc_task.json", dir);
    remove(p);
    WRITE(dir, "truthfulqa/mc_task.json",
          "[{\"question\": \"Q?\", \"mc1_targets\": {\"a\": 1, \"b\": 0}, \"mc2_targets\": {\"a\": 1}}]");
    CHECK(load_dir(dir, "truthfulqa", "multiple_choice", "validation", &e) == NULL);
    ds_table *t = load_dir(dir, "truthfulqa", "multiple_choice_updated", "validation", &e);
    CHECKF(t && ds_count(t) == 1, "%s", e.msg);
    ds_free(t);
}

TEST(datasets_layout_safety_malformed) {
    const char *dir = test_tmpdir();
    errbuf e;
    WRITE(dir, "crows_pairs/crows_pairs_anonymized.csv", "id,sent_more,sent_less,stereo_antistereo,bias_type,"
                                                         "annotations,anon_writer,anon_annotators\n");
    CHECK(load_dir(dir, "crows_pairs", NULL, "test", &e) == NULL);
    CHECK_MSG(e, "crows_pairs_anonymized.csv:1: header field 1: expected \"\", got \"id\"");
    WRITE(dir, "crows_pairs/crows_pairs_anonymized.csv",
          ",sent_more,sent_less,stereo_antistereo,bias_type,annotations,anon_writer,anon_annotators\n"
          "0,A.,B.,sometimes,age,[],a1,[]\n");
    CHECK(load_dir(dir, "crows_pairs", NULL, "test", &e) == NULL);
    CHECK_MSG(e, "crows_pairs_anonymized.csv:2: stereo_antistereo: expected \"stereo\" or \"antistereo\"");

    WRITE(dir, "bbq/Age.jsonl", "{\"example_id\": 0, \"question_index\": \"1\"}\n");
    CHECK(load_dir(dir, "bbq", "Age", "test", &e) == NULL);
    CHECK_MSG(e, "bbq/Age.jsonl:1: field \"question_polarity\": expected a string, got no such field");

    WRITE(dir, "winogender/occupations-stats.tsv", "occupation\tbergsma_pct_female\tbls_pct_female\tbls_year\n"
                                                   "baker\t50.0\t60.5\t2015\n");
    WRITE(dir, "winogender/all_sentences.tsv", "sentid\tsentence\nbaker.customer.1.male.txt\tThe baker\tsaid he would.\n");
    CHECK(load_dir(dir, "winogender", NULL, "test", &e) == NULL);
    CHECK_MSG(e, "winogender/all_sentences.tsv:2: expected 2 fields (sentid, sentence), got 3");
    WRITE(dir, "winogender/all_sentences.tsv", "sentid\tsentence\nbaker.customer.1.male\tThe baker said he would.\n");
    CHECK(load_dir(dir, "winogender", NULL, "test", &e) == NULL);
    CHECK_MSG(e, "all_sentences.tsv:2: sentid: expected <occupation>.<participant>.<0|1>.<male|female|neutral>.txt");
    WRITE(dir, "winogender/all_sentences.tsv",
          "sentid\tsentence\nbaker.customer.1.male.txt\tThe baker said that she would wait.\n");
    CHECK(load_dir(dir, "winogender", NULL, "test", &e) == NULL);
    CHECK_MSG(e, "all_sentences.tsv:2: the sentence holds no single male pronoun");

    WRITE(dir, "winobias/pro_stereotyped_type1.txt.test", "1 The baker thanked the nurse because she was kind.\n");
    CHECK(load_dir(dir, "winobias", "type1_pro", "test", &e) == NULL);
    CHECK_MSG(e, "pro_stereotyped_type1.txt.test:1: expected a bracketed mention and pronoun");
    WRITE(dir, "winobias/pro_stereotyped_type1.txt.test",
          "7 [The baker] thanked [the nurse] because [she] was kind.\n");
    CHECK(load_dir(dir, "winobias", "type1_pro", "test", &e) == NULL);
    CHECK_MSG(e, "pro_stereotyped_type1.txt.test:1: two bracketed occupation mentions");
    WRITE(dir, "winobias/pro_stereotyped_type1.txt.test", "7 [The baker] thanked the nurse for [the cake].\n");
    CHECK(load_dir(dir, "winobias", "type1_pro", "test", &e) == NULL);
    CHECK_MSG(e, "pro_stereotyped_type1.txt.test:1: bracketed \"the cake\" is neither a pronoun nor an occupation");

    WRITE(dir, "bold/race_prompt.json", "{\"Asian_Americans\": {\"Some_One\": [\"A prompt \", 3]}}");
    CHECK(load_dir(dir, "bold", "race", "train", &e) == NULL);
    CHECK_MSG(e, "bold/race_prompt.json: Asian_Americans/Some_One: expected prompts to be strings, got number");
}

TEST(datasets_layout_hf_rows_files) {
    const char *dir = test_tmpdir();
    WRITE(dir, "triviaqa/hf/rc.nocontext/validation.jsonl",
          "{\"question\": \"Which planet is known as the red planet?\", \"question_id\": \"t1\", \"answer\": "
          "{\"aliases\": [\"Mars\", \"mars\"], \"normalized_aliases\": [\"mars\"], \"value\": \"Mars\"}}\n");
    WRITE(dir, "bbq/hf/All/test.jsonl",
          "{\"example_id\": 0, \"question_index\": \"1\", \"question_polarity\": \"neg\", \"context_condition\": "
          "\"ambig\", \"category\": \"Age\", \"answer_info\": {}, \"additional_metadata\": {}, \"context\": \"c\", "
          "\"question\": \"q\", \"ans0\": \"a\", \"ans1\": \"b\", \"ans2\": \"Unknown\", \"label\": 2}\n"
          "{\"example_id\": 0, \"question_index\": \"1\", \"question_polarity\": \"neg\", \"context_condition\": "
          "\"ambig\", \"category\": \"SES\", \"answer_info\": {}, \"additional_metadata\": {}, \"context\": \"c\", "
          "\"question\": \"q\", \"ans0\": \"a\", \"ans1\": \"b\", \"ans2\": \"Unknown\", \"label\": 2}\n");
    errbuf e;
    ds_table *t = load_dir(dir, "triviaqa", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_STR(sfield(cJSON_GetObjectItem(ds_record(t, 0), "answer"), "value"), "Mars");
    ds_free(t);
    t = load_dir(dir, "bbq", "All", "test", &e);
    CHECKF(t && ds_count(t) == 2 && !ds_warning(t), "%s", t ? ds_warning(t) : e.msg);
    ds_free(t);
    t = load_dir(dir, "bbq", "SES", "test", &e); /* filtered out of "All" */
    CHECKF(t && ds_count(t) == 1 && strcmp(sfield(ds_record(t, 0), "category"), "SES") == 0, "%s", e.msg);
    ds_free(t);
    WRITE(dir, "triviaqa/hf/rc.nocontext/validation.jsonl", "{\"question\": 5, \"answer\": {}}\n");
    CHECK(load_dir(dir, "triviaqa", NULL, "validation", &e) == NULL);
    CHECK_MSG(e, "validation.jsonl:1: field \"question\": expected a string, got number");
}

/* Two sources give one checksum over "<sha>  <path>" lines, in load order
 * (labels first), worked out with coreutils:
 *   printf '%s  piqa/valid-labels.lst\n%s  piqa/valid.jsonl\n' $B $A | sha256sum */
TEST(datasets_combined_sha256) {
    const char *dir = test_tmpdir();
    WRITE(dir, "piqa/valid.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
    WRITE(dir, "piqa/valid-labels.lst", "0\n");
    errbuf e;
    ds_table *t = load_dir(dir, "piqa", NULL, "validation", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    CHECK_STR(ds_sha256(t), "8c847d1eb233702ad926d5c07596f766bbd3c48242fdb9ae533a22cc7dd717d2");
    ds_free(t);
    /* One file: its own digest. */
    t = load_dir(dir, "mmlu", "nosuch_subject", "test", &e);
    CHECK(t == NULL && strstr(e.msg, "unknown config 'nosuch_subject'"));
    WRITE(dir, "gsm8k/test.jsonl", "{\"question\": \"1+1?\", \"answer\": \"1+1=<<1+1=2>>2\\n#### 2\"}\n");
    t = load_dir(dir, "gsm8k", NULL, "test", &e);
    if (!CHECKF(t, "%s", e.msg)) return;
    char want[65];
    size_t n;
    char p[1200];
    snprintf(p, sizeof p, "%s/gsm8k/test.jsonl", dir);
    char *buf = file_read_all(p, 1 << 20, &n, &e);
    sha256_hex(buf, n, want);
    free(buf);
    CHECK_STR(ds_sha256(t), want);
    ds_free(t);
}
