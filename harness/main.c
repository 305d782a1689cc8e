/* harness/main.c: `griffin <subcommand> [options]`. */
#include <stdio.h>
#include <string.h>

#include "harness/commands.h"

static void usage(FILE *f) {
    fprintf(f, "griffin: evaluate and benchmark Griffin / RecurrentGemma models\n\n"
               "Usage: griffin <command> [options]   (griffin <command> --help for each)\n\nCommands:\n");
    for (const cmd_entry *c = cmd_table; c->name; c++) fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\nExamples:\n");
    for (const cmd_entry *c = cmd_table; c->name; c++) fprintf(f, "  %s\n", c->example);
    fprintf(f, "\nExit codes: 0 ok, 1 runtime error, 2 usage error, 3 safety gate failed.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    for (const cmd_entry *c = cmd_table; c->name; c++) {
        if (strcmp(c->name, argv[1]) == 0) {
            cli_ctx ctx = {.argv0 = argv[0], .argc = argc, .argv = argv};
            int rc = c->fn(&ctx, argc - 1, argv + 1);
            pool_free(ctx.pool);
            return rc;
        }
    }
    fprintf(stderr, "griffin: unknown command '%s'\nTry 'griffin --help'.\n", argv[1]);
    return EXIT_USAGE;
}
