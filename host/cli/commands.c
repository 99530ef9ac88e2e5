/* Layer: cli, the subcommand table cli.c reads. May call: the cmd_*.c entry
 * points. */
#include "commands.h"

const hh_command hh_commands[] = {
    {"hunt", "hunt persistence in one host's hives with every plugin that reads them: findings, worst first", hh_cmd_hunt},
    {"list", "print a plugin's raw rows over the hives given", hh_cmd_list},
    {"services", "list every service of every control set, newest first (list services)", hh_cmd_services},
    {"case", "hunt every host under a folder: reports per host and a case summary", hh_cmd_case},
    {"rules", "list the effective policy's rules, their sources, and what local policies disabled", hh_cmd_rules},
    {"shell", "interactive Lua with the hives open: services(), run(), reload()", hh_cmd_shell},
    {"plugins", "list installed plugins, their versions and ABI", hh_cmd_plugins},
    {"lua", "run a trusted Lua script with require \"hh.regf\"", hh_cmd_lua},
    {0, 0, 0},
};
