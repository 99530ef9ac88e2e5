#include "commands.h"

const hh_command hh_commands[] = {
    {"plugins", "list installed plugins, their versions and ABI", hh_cmd_plugins},
    {"lua", "run a trusted Lua script with require \"hh.regf\"", hh_cmd_lua},
    {0, 0, 0},
};
