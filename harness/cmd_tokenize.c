/* harness/cmd_tokenize.c: `griffin tokenize`, text to token ids or pieces
 * and ids back to text, with the default or any SentencePiece tokenizer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "harness/cli.h"
#include "model/tokenizer.h"

#define TOKENIZE_MAX_FILE_BYTES ((size_t)1 << 30) /* one string in memory */

/* Prints a piece so that pieces stay one word each: backslash escapes for
 * the backslash, space and control bytes ("\n" is the newline piece). */
static void print_piece(const char *p) {
    for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
        if (*c == '\\') fputs("\\\\", stdout);
        else if (*c == '\n') fputs("\\n", stdout);
        else if (*c == '\t') fputs("\\t", stdout);
        else if (*c == '\r') fputs("\\r", stdout);
        else if (*c <= ' ' || *c == 0x7f) printf("\\x%02x", *c);
        else putchar(*c);
    }
}

/* Reads all of standard input (a pipe has no size to read up front). */
static char *read_stdin(size_t *n_bytes, errbuf *e) {
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            err_set(e, "standard input: out of memory after %zu bytes", n);
            return NULL;
        }
        n += fread(buf + n, 1, cap - n, stdin);
        if (n < cap) break;
        if (cap >= TOKENIZE_MAX_FILE_BYTES) {
            free(buf);
            err_set(e, "standard input: more than the %zu bytes allowed", TOKENIZE_MAX_FILE_BYTES);
            return NULL;
        }
        cap *= 2;
        char *grown = realloc(buf, cap + 1);
        if (!grown) free(buf);
        buf = grown;
    }
    if (ferror(stdin)) {
        free(buf);
        err_errno(e, "standard input");
        return NULL;
    }
    buf[n] = 0;
    *n_bytes = n;
    return buf;
}

static int decode_ids(const tok *t, const char *ids_text) {
    long *ids = NULL;
    int n = cli_parse_int_list("tokenize", "--decode", ids_text, -0x7fffffffL, 0x7fffffffL, &ids);
    if (n < 0) return EXIT_USAGE;
    int32_t *ids32 = malloc((size_t)(n ? n : 1) * sizeof *ids32);
    if (!ids32) {
        free(ids);
        cli_error("tokenize", "out of memory");
        return EXIT_RUNTIME;
    }
    for (int i = 0; i < n; i++) ids32[i] = (int32_t)ids[i];
    free(ids);
    errbuf e;
    char *text = tok_decode(t, ids32, n, &e);
    free(ids32);
    if (!text) {
        cli_error("tokenize", "--decode: %s", e.msg);
        return EXIT_RUNTIME;
    }
    fputs(text, stdout); /* exactly the text: no newline added */
    free(text);
    return EXIT_OK;
}

int cmd_tokenize(cli_ctx *ctx, int argc, char **argv) {
    (void)ctx;
    const char *tok_path = TOK_DEFAULT_PATH, *text = NULL, *file = NULL, *decode = NULL;
    int no_bos = 0, show_pieces = 0;
    const cli_opt opts[] = {
        {"--tokenizer", CLI_STR, &tok_path, "FILE", "SentencePiece model (relative to the current directory)", 1, 0, 0},
        {"--text", CLI_STR, &text, "TEXT", "text to encode", 1, 0, 0},
        {"--file", CLI_STR, &file, "F", "encode the whole file F ('-': standard input)", 1, 0, 0},
        {"--decode", CLI_STR, &decode, "IDS", "decode comma-separated ids and print the text", 1, 0, 0},
        {"--no-bos", CLI_FLAG, &no_bos, NULL, "do not put <bos> first", 1, 0, 0},
        {"--pieces", CLI_FLAG, &show_pieces, NULL, "print pieces instead of ids", 1, 0, 0},
    };
    const cli_spec spec = {
        "tokenize", "Encode text to token ids (or pieces), or decode ids to text.",
        "griffin tokenize [--tokenizer FILE] (--text TEXT | --file F) [--no-bos] [--pieces]\n"
        "       griffin tokenize [--tokenizer FILE] --decode IDS",
        "Ids are printed comma-separated on one line, <bos> first unless --no-bos (text that\n"
        "starts with the literal \"<bos>\" gets no second one). --pieces prints the pieces\n"
        "separated by spaces, with \\\\, \\n, \\t, \\r and \\xNN escapes (a space inside a piece\n"
        "is \\x20; SentencePiece writes the word-initial space as \xe2\x96\x81). --decode prints the text\n"
        "exactly, without a trailing newline, skipping <bos>, <eos>, <pad> and <unk>.\n\n"
        "Examples:\n"
        "  griffin tokenize --text 'The answer is 42.'\n"
        "  griffin tokenize --pieces --no-bos --text 'Hello world'\n"
        "  griffin tokenize --decode 2,445,462,291\n"
        "  griffin tokenize --tokenizer ../model/tokenizer.model --file prompt.txt",
        opts, (int)(sizeof opts / sizeof opts[0]), 0};
    int rc = cli_parse(&spec, argc, argv, NULL, NULL);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    if ((text != NULL) + (file != NULL) + (decode != NULL) != 1)
        return cli_usage_error("tokenize", "give exactly one of --text, --file and --decode");
    if (decode && (no_bos || show_pieces))
        return cli_usage_error("tokenize", "--no-bos and --pieces apply to encoding, not to --decode");

    errbuf e;
    tok *t = tok_load(tok_path, &e);
    if (!t) {
        cli_error("tokenize", "%s", e.msg);
        if (strcmp(tok_path, TOK_DEFAULT_PATH) == 0 && !file_exists(tok_path))
            fprintf(stderr, "The default tokenizer is %s relative to the current directory: run griffin from the "
                            "repository root, or pass --tokenizer FILE ('make tokenizer' rebuilds it).\n",
                    TOK_DEFAULT_PATH);
        return EXIT_RUNTIME;
    }
    if (decode) {
        rc = decode_ids(t, decode);
        tok_free(t);
        return rc;
    }

    char *owned = NULL;
    size_t n_bytes;
    if (file) {
        owned = strcmp(file, "-") == 0 ? read_stdin(&n_bytes, &e)
                                       : file_read_all(file, TOKENIZE_MAX_FILE_BYTES, &n_bytes, &e);
        if (!owned) {
            cli_error("tokenize", "%s", e.msg);
            tok_free(t);
            return EXIT_RUNTIME;
        }
        text = owned;
    } else {
        n_bytes = strlen(text);
    }
    int32_t *ids = NULL;
    int n = tok_encode_alloc(t, text, n_bytes, !no_bos, &ids, &e);
    if (n < 0) {
        cli_error("tokenize", "%s", e.msg);
        rc = EXIT_RUNTIME;
    } else {
        for (int i = 0; i < n; i++) {
            if (i) putchar(show_pieces ? ' ' : ',');
            if (show_pieces) print_piece(tok_piece(t, ids[i]));
            else printf("%d", (int)ids[i]);
        }
        putchar('\n');
        fprintf(stderr, "griffin tokenize: %d tokens from %zu bytes\n", n, n_bytes);
        rc = EXIT_OK;
    }
    free(ids);
    free(owned);
    tok_free(t);
    return rc;
}
