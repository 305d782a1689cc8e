/* tests/test_tokenizer.c: the SentencePiece shim on the default tokenizer
 * (assets/tokenizer.model): Gemma's conventions (special ids, no dummy
 * prefix, split digits, whitespace kept, byte fallback), the encode buffer
 * protocol, errors for bad files and ids, and round-trip properties. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/fileio.h"
#include "common/sha256.h"
#include "model/tokenizer.h"
#include "tests/test.h"

#define SPACE "\xe2\x96\x81" /* U+2581, SentencePiece's space marker */
#define MAX_IDS 4096
#define ROUNDTRIP_CASES 1500 /* random strings per round-trip property test */

static tok *load_default(void) {
    errbuf e;
    tok *t = tok_load(TOK_DEFAULT_PATH, &e);
    CHECKF(t != NULL, "%s (the default tokenizer is committed; `make tokenizer` rebuilds it)", e.msg);
    return t;
}

/* Encodes a NUL-terminated string; fails the test on error. */
static int enc(const tok *t, const char *s, int add_bos, int32_t *ids) {
    errbuf e;
    int n = tok_encode(t, s, strlen(s), add_bos, ids, MAX_IDS, &e);
    CHECKF(n >= 0 && n <= MAX_IDS, "encode \"%s\": %s", s, n < 0 ? e.msg : "too many ids");
    return n < 0 ? 0 : n;
}

/* The pieces of ids joined by '|', for readable comparisons. */
static const char *pieces(const tok *t, const int32_t *ids, int n) {
    static char buf[8192];
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k < sizeof buf - 64; i++) {
        const char *p = tok_piece(t, ids[i]);
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? "|" : "", p ? p : "(null)");
    }
    return buf;
}

static int check_pieces(const tok *t, const char *text, int add_bos, const char *want) {
    int32_t ids[MAX_IDS];
    int n = enc(t, text, add_bos, ids);
    const char *got = pieces(t, ids, n);
    return CHECKF(strcmp(got, want) == 0, "encode(\"%s\") = %s, expected %s", text, got, want);
}

/* decode(encode(text)) == text, byte for byte (text has no NUL). */
static int round_trips(const tok *t, const char *text, size_t n_bytes, int add_bos, errbuf *e) {
    int32_t *ids;
    int n = tok_encode_alloc(t, text, n_bytes, add_bos, &ids, e);
    if (n < 0) return 0;
    char *back = tok_decode(t, ids, n, e);
    free(ids);
    if (!back) return 0;
    int ok = strlen(back) == n_bytes && memcmp(back, text, n_bytes) == 0;
    if (!ok) snprintf(e->msg, sizeof e->msg, "decoded to \"%s\"", back);
    free(back);
    return ok;
}

TEST(model_tok_special_ids) {
    tok *t = load_default();
    if (!t) return;
    CHECK_EQ_INT(tok_vocab_size(t), 8192);
    CHECK_EQ_INT(tok_pad_id(t), 0);
    CHECK_EQ_INT(tok_eos_id(t), 1);
    CHECK_EQ_INT(tok_bos_id(t), 2);
    CHECK_EQ_INT(tok_unk_id(t), 3);
    const char *want[] = {"<pad>", "<eos>", "<bos>", "<unk>"};
    for (int i = 0; i < 4; i++) CHECKF(strcmp(tok_piece(t, i), want[i]) == 0, "piece %d is %s", i, tok_piece(t, i));
    CHECK(tok_is_control(t, 0) && tok_is_control(t, 1) && tok_is_control(t, 2));
    CHECK(!tok_is_control(t, 3) && !tok_is_control(t, 4) && !tok_is_control(t, 500));
    CHECK(!tok_is_control(t, -1) && !tok_is_control(t, 8192));
    /* Newlines and tab are single pieces (user-defined, as in Gemma's vocabulary). */
    CHECK(strcmp(tok_piece(t, 4), "\n") == 0 && strcmp(tok_piece(t, 5), "\n\n") == 0);
    CHECK(strcmp(tok_piece(t, 6), "\t") == 0);
    /* 256 byte pieces, <0x00> .. <0xFF>, in order. */
    int first = tok_piece_id(t, "<0x00>");
    CHECK(first > 3);
    for (int b = 0; b < 256; b++) {
        char p[8];
        snprintf(p, sizeof p, "<0x%02X>", b);
        if (!CHECKF(tok_piece_id(t, p) == first + b && tok_is_byte(t, first + b), "byte piece %s", p)) break;
    }
    CHECK(!tok_is_byte(t, 2) && !tok_is_byte(t, 8191) && !tok_is_byte(t, -1));
    tok_free(t);
}

TEST(model_tok_encode_with_and_without_bos) {
    tok *t = load_default();
    if (!t) return;
    int32_t a[MAX_IDS], b[MAX_IDS];
    const char *s = "The answer is 42.";
    int na = enc(t, s, 1, a), nb = enc(t, s, 0, b);
    CHECK_EQ_INT(na, nb + 1);
    CHECK_EQ_INT(a[0], 2);
    CHECK(nb > 0 && memcmp(a + 1, b, (size_t)nb * sizeof b[0]) == 0);
    CHECK(b[0] != 2);
    /* The empty string: just <bos>, or nothing. */
    errbuf e;
    CHECK_EQ_INT(tok_encode(t, NULL, 0, 1, a, MAX_IDS, &e), 1);
    CHECK_EQ_INT(a[0], 2);
    CHECK_EQ_INT(tok_encode(t, "", 0, 0, a, MAX_IDS, &e), 0);
    int32_t *ids = NULL;
    CHECK_EQ_INT(tok_encode_alloc(t, "", 0, 0, &ids, &e), 0);
    CHECK(ids != NULL);
    free(ids);
    tok_free(t);
}

/* Hand-checked segmentations: the pieces these need are all frequent in
 * the corpus, so any retraining with the same settings keeps them. */
TEST(model_tok_known_segmentations) {
    tok *t = load_default();
    if (!t) return;
    /* No dummy prefix: text without a leading space gets no ▁. */
    check_pieces(t, "Hello", 0, "Hello");
    check_pieces(t, "The answer is 42.", 0, "The|" SPACE "answer|" SPACE "is|" SPACE "|4|2|.");
    check_pieces(t, "The answer is 42.", 1, "<bos>|The|" SPACE "answer|" SPACE "is|" SPACE "|4|2|.");
    check_pieces(t, "Question: What is the capital", 0,
                 "Question|:|" SPACE "What|" SPACE "is|" SPACE "the|" SPACE "capital");
    check_pieces(t, "Answer: B\n\nQuestion", 0, "Answer|:|" SPACE "B|\n\n|Question");
    check_pieces(t, " A", 0, SPACE "A");
    tok_free(t);
}

TEST(model_tok_no_dummy_prefix) {
    tok *t = load_default();
    if (!t) return;
    int32_t a[MAX_IDS], b[MAX_IDS];
    int na = enc(t, "Hello", 0, a), nb = enc(t, " Hello", 0, b);
    if (!CHECK(na > 0 && nb > 0)) return;
    CHECKF(strncmp(tok_piece(t, a[0]), SPACE, 3) != 0, "\"Hello\" starts with %s", tok_piece(t, a[0]));
    CHECKF(strncmp(tok_piece(t, b[0]), SPACE, 3) == 0, "\" Hello\" starts with %s", tok_piece(t, b[0]));
    /* And the leading space survives decoding. */
    errbuf e;
    char *d = tok_decode(t, b, nb, &e);
    CHECKF(d && strcmp(d, " Hello") == 0, "decode gave \"%s\"", d ? d : e.msg);
    free(d);
    tok_free(t);
}

TEST(model_tok_digits_split) {
    tok *t = load_default();
    if (!t) return;
    check_pieces(t, "2024", 0, "2|0|2|4");
    check_pieces(t, " 12", 0, SPACE "|1|2");
    check_pieces(t, "x1000000y", 0, "x|1|0|0|0|0|0|0|y");
    /* Property: in any text, a piece holding a digit is that digit alone. */
    int32_t ids[MAX_IDS];
    const char *texts[] = {"Room 101, 3.14159 and 2,718 items on 2023-12-31 at 09:45.", "abc123def 0x1F $99.95",
                           "Order #41130: 25 x 7", "1st 2nd 3rd 44th"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        int n = enc(t, texts[k], 0, ids);
        for (int i = 0; i < n; i++) {
            const char *p = tok_piece(t, ids[i]);
            if (strpbrk(p, "0123456789"))
                CHECKF(strlen(p) == 1, "\"%s\": piece \"%s\" holds a digit and more", texts[k], p);
        }
    }
    tok_free(t);
}

TEST(model_tok_whitespace_kept) {
    tok *t = load_default();
    if (!t) return;
    const char *texts[] = {"a  b",     "a   \n\n  b",  "\n",        "\n\n\n",         "   x",
                           "x   ",     " ",            "  \t\tindent", "    return x\n", "line one\r\nline two",
                           "\n \n \n", "end.\n\n\n\n", "\t",        "a\tb\tc"};
    errbuf e;
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        CHECKF(round_trips(t, texts[k], strlen(texts[k]), 1, &e), "text %zu: %s", k, e.msg);
    int32_t ids[MAX_IDS];
    CHECK_EQ_INT(enc(t, "\n", 0, ids), 1);
    CHECK_EQ_INT(ids[0], tok_piece_id(t, "\n"));
    CHECK_EQ_INT(enc(t, "\n\n\n", 0, ids), 2);
    CHECK(ids[0] == tok_piece_id(t, "\n\n") && ids[1] == tok_piece_id(t, "\n"));
    CHECK_EQ_INT(enc(t, "\t", 0, ids), 1);
    CHECK_EQ_INT(ids[0], tok_piece_id(t, "\t"));
    /* Runs of spaces are not collapsed: more spaces, more or longer pieces. */
    int n3 = enc(t, "a   b", 0, ids), n1 = enc(t, "a b", 0, ids);
    CHECK(n3 > n1);
    tok_free(t);
}

TEST(model_tok_byte_fallback) {
    tok *t = load_default();
    if (!t) return;
    check_pieces(t, "\xf0\x9f\x98\x80", 0, "<0xF0>|<0x9F>|<0x98>|<0x80>");       /* emoji U+1F600 */
    check_pieces(t, "\xe4\xbd\xa0\xe5\xa5\xbd", 0, "<0xE4>|<0xBD>|<0xA0>|<0xE5>|<0xA5>|<0xBD>"); /* CJK */
    check_pieces(t, "\x01", 0, "<0x01>");
    check_pieces(t, "\x7f", 0, "<0x7F>");
    errbuf e;
    const char *texts[] = {"smile \xf0\x9f\x98\x80 please", "\xe4\xbd\xa0\xe5\xa5\xbd, world", "bell\x07 and \x1b[0m",
                           "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", "na\xc3\xafve caf\xc3\xa9"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        CHECKF(round_trips(t, texts[k], strlen(texts[k]), 0, &e), "text %zu: %s", k, e.msg);
    /* Never <unk>: byte fallback covers every byte. */
    int32_t ids[MAX_IDS];
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        int n = enc(t, texts[k], 0, ids);
        for (int i = 0; i < n; i++) CHECKF(ids[i] != tok_unk_id(t), "text %zu: <unk> at %d", k, i);
    }
    /* An embedded NUL is a byte piece too (tok_decode's C string stops there). */
    CHECK_EQ_INT(tok_encode(t, "a\0b", 3, 0, ids, MAX_IDS, &e), 3);
    CHECK_EQ_INT(ids[1], tok_piece_id(t, "<0x00>"));
    /* Invalid UTF-8 is not text: SentencePiece makes it U+FFFD. */
    char *d = NULL;
    int n = tok_encode(t, "\xff", 1, 0, ids, MAX_IDS, &e);
    if (CHECK(n > 0)) d = tok_decode(t, ids, n, &e);
    CHECKF(d && strcmp(d, "\xef\xbf\xbd") == 0, "invalid byte decoded to \"%s\"", d ? d : e.msg);
    free(d);
    tok_free(t);
}

TEST(model_tok_decode_skips_special) {
    tok *t = load_default();
    if (!t) return;
    int32_t ids[MAX_IDS];
    int n = enc(t, " Hello world", 1, ids);
    ids[n++] = tok_eos_id(t);
    ids[n++] = tok_pad_id(t);
    ids[n++] = tok_pad_id(t);
    errbuf e;
    char *d = tok_decode(t, ids, n, &e);
    CHECKF(d && strcmp(d, " Hello world") == 0, "decoded \"%s\"", d ? d : e.msg);
    free(d);
    const int32_t only[] = {2, 1, 0, 3};
    d = tok_decode(t, only, 4, &e);
    CHECKF(d && strcmp(d, "") == 0, "specials decoded to \"%s\"", d ? d : e.msg);
    free(d);
    d = tok_decode(t, NULL, 0, &e);
    CHECK(d && d[0] == 0);
    free(d);
    /* <bos> in the middle is skipped too, and the space after it kept. */
    int32_t mid[MAX_IDS];
    int m = enc(t, "Hi", 0, mid);
    mid[m++] = 2;
    m += enc(t, " there", 0, mid + m);
    d = tok_decode(t, mid, m, &e);
    CHECKF(d && strcmp(d, "Hi there") == 0, "decoded \"%s\"", d ? d : e.msg);
    free(d);
    tok_free(t);
}

TEST(model_tok_special_literals) {
    tok *t = load_default();
    if (!t) return;
    /* As Hugging Face's tokenizer: special pieces written in the text are
     * their ids, and text starting with "<bos>" gets no second <bos>. */
    check_pieces(t, "<bos>Hello", 1, "<bos>|Hello");
    check_pieces(t, "<bos>Hello", 0, "<bos>|Hello");
    check_pieces(t, "<bos><bos>Hi", 1, "<bos>|<bos>|Hi");
    check_pieces(t, "Hi<bos>", 1, "<bos>|Hi|<bos>");
    check_pieces(t, "a<eos>b<pad>c<unk>", 0, "a|<eos>|b|<pad>|c|<unk>");
    check_pieces(t, "<bo", 0, "<|bo");
    check_pieces(t, "<BOS>", 0, "<|B|O|S|>");
    tok_free(t);
}

TEST(model_tok_piece_lookup) {
    tok *t = load_default();
    if (!t) return;
    CHECK(tok_piece(t, -1) == NULL && tok_piece(t, 8192) == NULL);
    CHECK_EQ_INT(tok_piece_id(t, "<bos>"), 2);
    CHECK_EQ_INT(tok_piece_id(t, "<unk>"), 3);
    CHECK_EQ_INT(tok_piece_id(t, "no such piece"), -1);
    CHECK_EQ_INT(tok_piece_id(t, ""), -1);
    CHECK(tok_piece_id(t, SPACE "the") > 5);
    /* Property: piece and id lookups are inverse over the whole vocabulary. */
    for (int id = 0; id < tok_vocab_size(t); id++) {
        const char *p = tok_piece(t, id);
        if (!CHECKF(p && tok_piece_id(t, p) == id, "id %d -> \"%s\" -> %d", id, p ? p : "(null)",
                    p ? tok_piece_id(t, p) : -2))
            break;
    }
    /* tok_piece_text: the bytes one piece adds to decoded text. */
    char buf[64];
    CHECK_EQ_INT(tok_piece_text(t, tok_piece_id(t, SPACE "the"), buf, sizeof buf), 4);
    CHECK(memcmp(buf, " the", 4) == 0);
    CHECK_EQ_INT(tok_piece_text(t, tok_piece_id(t, "<0x0A>"), buf, sizeof buf), 1);
    CHECK(buf[0] == '\n');
    CHECK_EQ_INT(tok_piece_text(t, 2, buf, sizeof buf), 0);
    CHECK_EQ_INT(tok_piece_text(t, 8192, buf, sizeof buf), -1);
    memset(buf, 'z', sizeof buf);
    CHECK_EQ_INT(tok_piece_text(t, tok_piece_id(t, SPACE "the"), buf, 2), 4); /* needs 4, wrote 2 */
    CHECK(buf[0] == ' ' && buf[1] == 't' && buf[2] == 'z');
    tok_free(t);
}

TEST(model_tok_encode_buffer_protocol) {
    tok *t = load_default();
    if (!t) return;
    const char *s = "Tickets cost $12 for adults and $7 for children.";
    errbuf e;
    int32_t full[MAX_IDS];
    int n = tok_encode(t, s, strlen(s), 1, full, MAX_IDS, &e);
    if (!CHECK(n > 4)) return;
    CHECK_EQ_INT(tok_encode(t, s, strlen(s), 1, NULL, 0, &e), n); /* size query */
    int32_t buf[MAX_IDS];
    for (int i = 0; i < MAX_IDS; i++) buf[i] = -7;
    CHECK_EQ_INT(tok_encode(t, s, strlen(s), 1, buf, n - 1, &e), n); /* too small: needed count */
    CHECK(memcmp(buf, full, (size_t)(n - 1) * sizeof buf[0]) == 0);
    CHECKF(buf[n - 1] == -7, "wrote past cap: buf[%d] = %d", n - 1, buf[n - 1]);
    for (int i = 0; i < MAX_IDS; i++) buf[i] = -7;
    CHECK_EQ_INT(tok_encode(t, s, strlen(s), 1, buf, n + 5, &e), n);
    CHECK(memcmp(buf, full, (size_t)n * sizeof buf[0]) == 0 && buf[n] == -7);
    /* Only n_bytes are read: no NUL needed, the rest ignored. */
    CHECK_EQ_INT(tok_encode(t, "2024 and more", 4, 0, buf, MAX_IDS, &e), 4);
    e.msg[0] = 0;
    CHECK_EQ_INT(tok_encode(t, s, strlen(s), 1, buf, -1, &e), -1);
    CHECKF(strstr(e.msg, "capacity") != NULL, "message: %s", e.msg);
    int32_t *ids;
    CHECK_EQ_INT(tok_encode_alloc(t, s, strlen(s), 1, &ids, &e), n);
    CHECK(ids && memcmp(ids, full, (size_t)n * sizeof ids[0]) == 0);
    free(ids);
    tok_free(t);
}

TEST(model_tok_decode_bad_id) {
    tok *t = load_default();
    if (!t) return;
    errbuf e;
    const int32_t hi[] = {2, 100, 8192};
    e.msg[0] = 0;
    CHECK(tok_decode(t, hi, 3, &e) == NULL);
    CHECKF(strstr(e.msg, "8192") && strstr(e.msg, "position 2"), "message: %s", e.msg);
    const int32_t neg[] = {-1};
    CHECK(tok_decode(t, neg, 1, &e) == NULL);
    CHECKF(strstr(e.msg, "-1") && strstr(e.msg, "position 0"), "message: %s", e.msg);
    tok_free(t);
}

TEST(model_tok_load_missing_file) {
    errbuf e;
    e.msg[0] = 0;
    const char *path = "build/no-such-dir/tokenizer.model";
    CHECK(tok_load(path, &e) == NULL);
    CHECKF(strstr(e.msg, path) && strstr(e.msg, "No such file"), "message: %s", e.msg);
    /* A directory is not a model either. */
    e.msg[0] = 0;
    CHECK(tok_load("assets", &e) == NULL);
    CHECKF(strstr(e.msg, "assets") != NULL, "message: %s", e.msg);
}

/* Writes n bytes to dir/name; returns the path (static buffer). */
static const char *write_tmp(const char *name, const void *data, size_t n) {
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    errbuf e;
    CHECKF(file_write_atomic(path, data, n, &e) == 0, "%s", e.msg);
    return path;
}

static void expect_load_error(const char *path, const char *what) {
    errbuf e;
    e.msg[0] = 0;
    tok *t = tok_load(path, &e);
    CHECKF(t == NULL, "%s: loaded", what);
    tok_free(t);
    CHECKF(strstr(e.msg, path) != NULL, "%s: message does not name the file: %s", what, e.msg);
}

/* Offsets of the top-level protobuf fields of a serialized model. */
static int field_starts(const unsigned char *p, size_t n, size_t *out, int cap) {
    size_t pos = 0;
    int k = 0;
    while (pos < n && k < cap) {
        out[k++] = pos;
        unsigned long long key = 0, v = 0;
        for (int s = 0; pos < n; s += 7) {
            key |= (unsigned long long)(p[pos] & 0x7f) << s;
            if (!(p[pos++] & 0x80)) break;
        }
        if ((key & 7) != 2) return -1; /* ModelProto's top level is all messages */
        for (int s = 0; pos < n; s += 7) {
            v |= (unsigned long long)(p[pos] & 0x7f) << s;
            if (!(p[pos++] & 0x80)) break;
        }
        pos += v;
    }
    return k;
}

TEST(model_tok_load_corrupt_files) {
    errbuf e;
    size_t n = 0;
    char *good = file_read_all(TOK_DEFAULT_PATH, 1 << 26, &n, &e);
    if (!CHECKF(good != NULL, "%s", e.msg)) return;
    /* Random bytes (a fixed LCG, so the test is repeatable). */
    unsigned char junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1664525u + 1013904223u;
        junk[i] = (unsigned char)(x >> 24);
    }
    expect_load_error(write_tmp("random.model", junk, sizeof junk), "random bytes");
    expect_load_error(write_tmp("empty.model", "", 0), "empty file");
    expect_load_error(write_tmp("text.model", "not a model\n", 12), "text file");
    /* Truncated copies: mid-field, and exactly at each top-level field
     * boundary (which the protobuf parser alone would accept). */
    const size_t cuts[] = {1, 100, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        expect_load_error(write_tmp("cut.model", good, cuts[i]), "truncated copy");
    size_t starts[16384];
    int k = field_starts((const unsigned char *)good, n, starts, 16384);
    if (CHECKF(k > 8000, "%d top-level fields", k)) {
        int tried = 0;
        for (int i = 1; i < k; i++) {
            /* every boundary from the last pieces on, and a few among them */
            if (i < k - 3 && i % 1000 != 0) continue;
            expect_load_error(write_tmp("boundary.model", good, starts[i]), "truncated at a field boundary");
            tried++;
        }
        CHECK(tried >= 3);
    }
    /* A well-formed file whose <bos> piece is a normal piece, not a control
     * one (piece 2: key 0x0a, length, "<bos>", score 0x15 + 4 bytes, then
     * type 0x18 = CONTROL 3, changed to NORMAL 1). */
    const char *bos = memmem(good, n, "\x0a\x05<bos>\x15", 8);
    if (CHECK(bos && bos + 14 <= good + n && bos[12] == 0x18 && bos[13] == 3)) {
        char *edited = malloc(n);
        memcpy(edited, good, n);
        edited[bos - good + 13] = 1;
        const char *path = write_tmp("normal-bos.model", edited, n);
        expect_load_error(path, "<bos> not a control piece");
        e.msg[0] = 0;
        tok_free(tok_load(path, &e));
        CHECKF(strstr(e.msg, "<bos>") != NULL, "message: %s", e.msg);
        free(edited);
    }
    /* The intact copy still loads (the checks above are not too strict). */
    const char *copy = write_tmp("copy.model", good, n);
    tok *t = tok_load(copy, &e);
    CHECKF(t != NULL, "%s", e.msg);
    char hex[65];
    sha256_hex(good, n, hex);
    CHECK(t && strcmp(tok_sha256(t), hex) == 0);
    tok_free(t);
    free(good);
}

/* Random valid UTF-8: ASCII (often whitespace and punctuation), Latin-1,
 * Greek, Cyrillic, CJK, emoji and combining marks. */
static size_t random_text(uint64_t *state, char *out, size_t cap) {
    static const char *ascii_bias = " \n\n\t  eetaoinshrdlu.,?!0123456789";
    static const unsigned ranges[][2] = {{0xA0, 0xFF},     {0x391, 0x3C9},   {0x410, 0x44F},
                                         {0x4E00, 0x9FFF}, {0x1F300, 0x1F6FF}, {0x300, 0x36F}};
    size_t n = 0;
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    int len = (int)((*state >> 33) % 40);
    for (int i = 0; i < len && n + 4 < cap; i++) {
        *state = *state * 6364136223846793005ull + 1442695040888963407ull;
        unsigned r = (unsigned)(*state >> 33);
        unsigned cp;
        if (r % 10 < 4) cp = (unsigned char)ascii_bias[(r >> 4) % strlen(ascii_bias)];
        else if (r % 10 < 8) cp = 0x20 + (r >> 4) % 95;
        else {
            const unsigned *rg = ranges[(r >> 4) % 6];
            cp = rg[0] + (r >> 8) % (rg[1] - rg[0] + 1);
        }
        if (cp < 0x80) out[n++] = (char)cp;
        else if (cp < 0x800) {
            out[n++] = (char)(0xC0 | cp >> 6);
            out[n++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[n++] = (char)(0xE0 | cp >> 12);
            out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | cp >> 18);
            out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[n] = 0;
    return n;
}

TEST(model_tok_round_trip_random_text) {
    tok *t = load_default();
    if (!t) return;
    uint64_t state = 2024;
    char text[256], pieced[2048];
    int32_t ids[MAX_IDS], nobos[MAX_IDS];
    errbuf e;
    int failures = 0;
    for (int c = 0; c < ROUNDTRIP_CASES && failures < 3; c++) {
        size_t n = random_text(&state, text, sizeof text);
        int k = tok_encode(t, text, n, 1, ids, MAX_IDS, &e);
        int kb = tok_encode(t, text, n, 0, nobos, MAX_IDS, &e);
        if (!CHECKF(k >= 1 && kb == k - 1 && ids[0] == 2, "case %d: %d ids with <bos>, %d without", c, k, kb)) {
            failures++;
            continue;
        }
        CHECKF(memcmp(ids + 1, nobos, (size_t)kb * sizeof ids[0]) == 0, "case %d: <bos> changed the rest", c);
        char *d = tok_decode(t, ids, k, &e);
        if (!CHECKF(d && strlen(d) == n && memcmp(d, text, n) == 0, "case %d: \"%s\" decoded to \"%s\"", c, text,
                    d ? d : e.msg))
            failures++;
        /* Streaming by pieces gives the same bytes. */
        size_t m = 0;
        for (int i = 0; i < k; i++) {
            int b = tok_piece_text(t, ids[i], pieced + m, (int)(sizeof pieced - m));
            if (b > 0) m += (size_t)b;
        }
        if (!CHECKF(m == n && memcmp(pieced, text, n) == 0, "case %d: pieces of \"%s\" give %zu bytes", c, text, m))
            failures++;
        free(d);
    }
    tok_free(t);
}

TEST(model_tok_cli_tokenize) {
    const char *bin = test_griffin_bin();
    if (!file_exists(bin)) SKIP("%s not built", bin);
    tok *t = load_default();
    if (!t) return;
    char cmd[2048], out[8192], want[8192] = "";
    int32_t ids[MAX_IDS];
    int n = enc(t, "Hello world, 12 apples.", 1, ids);
    size_t k = 0;
    for (int i = 0; i < n; i++) k += (size_t)snprintf(want + k, sizeof want - k, "%s%d", i ? "," : "", ids[i]);
    snprintf(want + k, sizeof want - k, "\n");
    snprintf(cmd, sizeof cmd, "%s tokenize --text 'Hello world, 12 apples.' 2>/dev/null", bin);
    CHECK_EQ_INT(test_run_cmd(cmd, out, sizeof out), 0);
    CHECKF(strcmp(out, want) == 0, "stdout \"%s\", expected \"%s\"", out, want);
    /* --decode inverts it. */
    want[strlen(want) - 1] = 0;
    snprintf(cmd, sizeof cmd, "%s tokenize --decode %s 2>/dev/null", bin, want);
    CHECK_EQ_INT(test_run_cmd(cmd, out, sizeof out), 0);
    CHECKF(strcmp(out, "Hello world, 12 apples.") == 0, "decoded \"%s\"", out);
    /* Usage errors exit 2; a missing tokenizer file is a runtime error, 1. */
    snprintf(cmd, sizeof cmd, "%s tokenize 2>/dev/null", bin);
    CHECK_EQ_INT(test_run_cmd(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s tokenize --text a --file b 2>/dev/null", bin);
    CHECK_EQ_INT(test_run_cmd(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "%s tokenize --tokenizer build/none.model --text a 2>&1", bin);
    CHECK_EQ_INT(test_run_cmd(cmd, out, sizeof out), 1);
    CHECKF(strstr(out, "build/none.model") != NULL, "message: %s", out);
    tok_free(t);
}
