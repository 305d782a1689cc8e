#include "harness/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one thing the signal handler may touch: a process-wide flag, by the
 * nature of signals. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
}

volatile sig_atomic_t *cli_interrupts_begin(cli_sigsave *save) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    interrupted = 0;
    sigaction(SIGINT, &sa, &save->old_int);
    sigaction(SIGTERM, &sa, &save->old_term);
    return &interrupted;
}

void cli_interrupts_end(const cli_sigsave *save) {
    sigaction(SIGINT, &save->old_int, NULL);
    sigaction(SIGTERM, &save->old_term, NULL);
}

pool *cli_pool(cli_ctx *ctx) {
    if (ctx->pool) return ctx->pool;
    errbuf e;
    ctx->pool = pool_create(ctx->n_threads, &e);
    if (!ctx->pool) fprintf(stderr, "griffin: %s\n", e.msg);
    return ctx->pool;
}

void cli_error(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "griffin %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "griffin %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "Try 'griffin %s --help'.\n", command);
    return EXIT_USAGE;
}

static int parse_long(const char *s, long *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out) {
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static void print_default(const cli_opt *o) {
    switch (o->kind) {
    case CLI_STR: {
        const char *s = *(const char **)o->dst;
        if (s) printf(" (default: %s)", s);
        break;
    }
    case CLI_INT: printf(" (default: %ld)", *(long *)o->dst); break;
    case CLI_FLOAT: printf(" (default: %g)", *(double *)o->dst); break;
    default: break;
    }
}

static void print_help(const cli_spec *spec) {
    printf("%s\n\nUsage: %s\n\nOptions:\n", spec->summary, spec->usage);
    for (int i = 0; i < spec->n_opts; i++) {
        const cli_opt *o = &spec->opts[i];
        char head[64];
        snprintf(head, sizeof head, "%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        printf("  %-24s %s%s", head, o->help, o->required ? " (required)" : "");
        print_default(o);
        putchar('\n');
    }
    printf("  %-24s %s\n", "--help", "show this help and exit");
    if (spec->epilog) printf("\n%s\n", spec->epilog);
}

static int add_list(const cli_spec *spec, const cli_opt *o, char *value) {
    cli_list *l = o->dst;
    /* Comma-separated values are split in place; argv strings are ours. */
    char *save = NULL;
    for (char *tok = strtok_r(value, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!*tok) continue;
        if (l->n >= CLI_LIST_MAX)
            return cli_usage_error(spec->command, "%s: more than %d values", o->name, CLI_LIST_MAX);
        l->items[l->n++] = tok;
    }
    return 0;
}

int cli_parse(const cli_spec *spec, int argc, char **argv, const char **positional, int *n_positional) {
    int seen[128] = {0};
    if (n_positional) *n_positional = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            print_help(spec);
            return -1;
        }
        if (arg[0] != '-' || arg[1] == 0) {
            if (!positional || !n_positional || *n_positional >= spec->max_positional)
                return cli_usage_error(spec->command, "unexpected argument '%s'", arg);
            positional[(*n_positional)++] = arg;
            continue;
        }
        /* --name=value is accepted as well as --name value. */
        char *eq = strchr(arg, '=');
        size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
        const cli_opt *o = NULL;
        int oi = -1;
        for (int k = 0; k < spec->n_opts; k++) {
            if (strlen(spec->opts[k].name) == name_len && strncmp(spec->opts[k].name, arg, name_len) == 0) {
                o = &spec->opts[k];
                oi = k;
                break;
            }
        }
        if (!o) return cli_usage_error(spec->command, "unknown option '%.*s'", (int)name_len, arg);
        if (oi < (int)(sizeof seen / sizeof seen[0])) seen[oi] = 1;
        if (o->kind == CLI_FLAG) {
            if (eq) return cli_usage_error(spec->command, "%s takes no value", o->name);
            *(int *)o->dst = 1;
            continue;
        }
        char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) return cli_usage_error(spec->command, "%s: missing value (%s)", o->name, o->metavar ? o->metavar : "value");
            value = argv[++i];
        }
        switch (o->kind) {
        case CLI_STR:
            if (!*value) return cli_usage_error(spec->command, "%s: empty value", o->name);
            *(const char **)o->dst = value;
            break;
        case CLI_INT: {
            long v;
            if (parse_long(value, &v) != 0)
                return cli_usage_error(spec->command, "%s: expected an integer, got '%s'", o->name, value);
            if (o->min <= o->max && (v < o->min || v > o->max))
                return cli_usage_error(spec->command, "%s: %ld is out of range [%.0f, %.0f]", o->name, v, o->min, o->max);
            *(long *)o->dst = v;
            break;
        }
        case CLI_FLOAT: {
            double v;
            if (parse_double(value, &v) != 0)
                return cli_usage_error(spec->command, "%s: expected a number, got '%s'", o->name, value);
            if (o->min <= o->max && (v < o->min || v > o->max))
                return cli_usage_error(spec->command, "%s: %g is out of range [%g, %g]", o->name, v, o->min, o->max);
            *(double *)o->dst = v;
            break;
        }
        case CLI_LIST:
            if (add_list(spec, o, value) != 0) return EXIT_USAGE;
            break;
        case CLI_FLAG: break;
        }
    }
    for (int k = 0; k < spec->n_opts && k < (int)(sizeof seen / sizeof seen[0]); k++)
        if (spec->opts[k].required && !seen[k])
            return cli_usage_error(spec->command, "%s is required", spec->opts[k].name);
    return 0;
}

int cli_parse_int_list(const char *command, const char *option, const char *text, long min, long max,
                       long **out) {
    *out = NULL;
    size_t cap = 16, n = 0;
    long *v = malloc(cap * sizeof *v);
    if (!v) return -1;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        long x;
        if (len == 0 || len >= sizeof item) {
            cli_usage_error(command, "%s: empty or overlong element %zu in '%s'", option, n + 1, text);
            free(v);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = 0;
        if (parse_long(item, &x) != 0 || x < min || x > max) {
            cli_usage_error(command, "%s: element %zu '%s' is not an integer in [%ld, %ld]", option, n + 1, item, min, max);
            free(v);
            return -1;
        }
        if (n == cap) {
            long *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                free(v);
                return -1;
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = x;
        if (!comma) break;
        p = comma + 1;
    }
    *out = v;
    return (int)n;
}
