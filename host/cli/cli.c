/* Layer: cli, at its top: picks the subcommand from the table in
 * commands.c and runs it. May call: every subcommand (through the table),
 * diag.h. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "commands.h"

static void usage(FILE *f)
{
    fputs("usage: hivehunt COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n", f);
    for (const hh_command *c = hh_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\n"
          "exit codes: 0 ran, 1 findings at or above --fail-on, 2 usage error,\n"
          "            3 input error, 4 policy error\n"
          "'hivehunt COMMAND --help' describes a command.\n", f);
}

int hh_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HH_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return HH_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("hivehunt %s (plugin ABI %d, %s)\n", HH_VERSION, HH_PLUGIN_ABI_VERSION, LUA_RELEASE);
        return HH_EXIT_OK;
    }
    for (const hh_command *c = hh_commands; c->name; c++)
        if (strcmp(c->name, cmd) == 0)
            return c->run(argc - 1, argv + 1);
    hh_error(NULL, "unknown command '%s' (try 'hivehunt --help')", cmd);
    return HH_EXIT_USAGE;
}
