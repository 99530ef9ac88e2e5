/* Layer: cli, at its top (cli.c): the command line's entry point, called by
 * main.c. Subcommands include diag.h (exit codes, errors), not this. */
#ifndef HH_CLI_H
#define HH_CLI_H

#include "diag.h"

int hh_cli_main(int argc, char **argv);

#endif
