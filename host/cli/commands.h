/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* Subcommands. Each runs with argv[0] = its own name. */
#ifndef HH_COMMANDS_H
#define HH_COMMANDS_H

#include "hivehunt/plugin.h"

typedef struct hh_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} hh_command;

extern const hh_command hh_commands[];

int hh_cmd_plugins(int argc, char **argv);
int hh_cmd_lua(int argc, char **argv);
int hh_cmd_hunt(int argc, char **argv);
int hh_cmd_services(int argc, char **argv);
int hh_cmd_list(int argc, char **argv);
int hh_cmd_case(int argc, char **argv);
int hh_cmd_rules(int argc, char **argv);
int hh_cmd_shell(int argc, char **argv);

#endif
