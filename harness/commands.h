/* harness/commands.h: the subcommands main() dispatches to.
 * Each returns an exit code (EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EXIT_GATE);
 * argv[0] is the subcommand's name. */
#ifndef GRIFFIN_HARNESS_COMMANDS_H
#define GRIFFIN_HARNESS_COMMANDS_H

#include "harness/cli.h"

typedef int (*cmd_fn)(cli_ctx *ctx, int argc, char **argv);

typedef struct cmd_entry {
    const char *name;
    cmd_fn fn;
    const char *summary;
    const char *example;
} cmd_entry;

/* The table, in the order --help lists it; ends with a NULL name. */
extern const cmd_entry cmd_table[];

#endif
