/* harness/cli.h: option parsing and the context every subcommand gets.
 *
 * Each subcommand describes its options in a table; cli_parse fills the
 * destinations, rejects bad values with a message naming the option and the
 * value (never clamps), and prints --help from the same table, defaults
 * included. Exit codes are the CLI contract: */
#ifndef GRIFFIN_HARNESS_CLI_H
#define GRIFFIN_HARNESS_CLI_H

#include <signal.h>
#include <stddef.h>

#include "kernels/pool.h"

enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1, /* the command ran and failed */
    EXIT_USAGE = 2,   /* bad command line */
    EXIT_GATE = 3,    /* a safety gate failed */
};

typedef struct cli_ctx {
    int n_threads;  /* 0: one per CPU */
    pool *pool;     /* created on first use by cli_pool; main frees it */
    const char *argv0;
    int argc;       /* the whole command line, for the store */
    char **argv;
} cli_ctx;

/* Returns the process's pool, creating it with ctx->n_threads threads;
 * NULL (message printed) if threads could not start. */
pool *cli_pool(cli_ctx *ctx);

typedef enum cli_kind {
    CLI_STR,    /* const char *  */
    CLI_INT,    /* long, checked against [min, max] */
    CLI_FLOAT,  /* double, checked against [min, max] */
    CLI_FLAG,   /* int, set to 1, takes no value */
    CLI_LIST,   /* cli_list, repeatable and/or comma-separated strings */
} cli_kind;

#define CLI_LIST_MAX 64
typedef struct cli_list {
    int n;
    const char *items[CLI_LIST_MAX];
} cli_list;

typedef struct cli_opt {
    const char *name;  /* "--model"; a short alias may follow after '|': "-n|--n-tokens"? no: keep to one name */
    cli_kind kind;
    void *dst;
    const char *metavar; /* "DIR", "N"; NULL for flags */
    const char *help;    /* one line; the default is printed from *dst */
    double min, max;     /* for CLI_INT / CLI_FLOAT; min > max means unchecked */
    int required;
} cli_opt;

typedef struct cli_spec {
    const char *command;  /* "logits" */
    const char *summary;  /* one line */
    const char *usage;    /* "griffin logits --model DIR --tokens IDS --out FILE" */
    const char *epilog;   /* examples and notes, may be NULL */
    const cli_opt *opts;
    int n_opts;
    int max_positional;   /* positional arguments allowed (go to positional[]) */
} cli_spec;

/* Parses argv[1..argc) (argv[0] is the subcommand name).
 * Returns 0 when the command should run, EXIT_USAGE after printing an error
 * and a hint, or -1 after printing --help (the caller exits 0). */
int cli_parse(const cli_spec *spec, int argc, char **argv, const char **positional, int *n_positional);

/* Prints "griffin <cmd>: <message>" to stderr. */
void cli_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cli_error then "Try 'griffin <cmd> --help'."; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ctrl-C and SIGTERM during a long run: between cli_interrupts_begin and
 * cli_interrupts_end they only set the returned flag, which the run checks
 * between batches to stop cleanly (its store keeps what was finished). */
typedef struct cli_sigsave {
    struct sigaction old_int, old_term;
} cli_sigsave;
volatile sig_atomic_t *cli_interrupts_begin(cli_sigsave *save);
void cli_interrupts_end(const cli_sigsave *save);

/* Parses "1,2,3" into a heap array of ints (caller frees). Returns the count,
 * or -1 with a message naming the bad element. */
int cli_parse_int_list(const char *command, const char *option, const char *text, long min, long max,
                       long **out);

#endif
