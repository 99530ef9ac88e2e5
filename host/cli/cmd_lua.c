/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt lua [--plugin-dir DIR] SCRIPT [ARG...]: a trusted analyst script. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cmd_common.h"
#include "diag.h"
#include "commands.h"
#include "luaenv.h"
#include "plugins.h"

static const char lua_usage[] =
    "usage: hivehunt lua [--plugin-dir DIR] SCRIPT [ARG...]\n"
    "Runs SCRIPT with the full Lua standard library, `arg` as lua5.4 sets it,\n"
    "require \"hh.regf\" and require \"plugin.<name>\". Not sandboxed: trusted scripts only.\n";

int hh_cmd_lua(int argc, char **argv)
{
    const char *plugin_dir = NULL;
    int first = 0;
    int parsed = hh_parse_plugin_dir_opts(argc, argv, lua_usage, &plugin_dir, &first);
    if (parsed >= 0)
        return parsed;
    if (first >= argc) {
        hh_error(NULL, "lua needs a SCRIPT (see 'hivehunt lua --help')");
        return HH_EXIT_USAGE;
    }
    const char *script = argv[first];
    struct stat st;
    if (stat(script, &st) != 0) {
        hh_error(script, "%s", strerror(errno));
        return HH_EXIT_INPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        hh_error(script, "is a directory");
        return HH_EXIT_INPUT;
    }
    hh_plugin_dirs dirs;
    hh_plugin_dirs_default(&dirs, plugin_dir);
    hh_plugin_set set = {0};
    hh_plugins_load(&set, &dirs);
    lua_State *L = hh_lua_trusted_new(&set);
    if (!L) {
        hh_error(NULL, "cannot create a Lua state");
        hh_plugins_unload(&set);
        return HH_EXIT_POLICY;
    }
    /* arg as lua5.4 builds it: arg[0] the script, arg[-1] the program. */
    lua_createtable(L, argc - first, 2);
    lua_pushstring(L, "hivehunt lua");
    lua_rawseti(L, -2, -1);
    for (int i = first; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - first);
    }
    lua_setglobal(L, "arg");

    int rc = HH_EXIT_OK;
    lua_pushcfunction(L, hh_lua_traceback);
    if (luaL_loadfile(L, script) != LUA_OK) {
        /* A trusted script's traceback is for its author: print it whole. */
            fprintf(stderr, "hivehunt: %s\n", lua_tostring(L, -1));
        rc = HH_EXIT_POLICY;
    } else {
        int nargs = argc - first - 1;
        luaL_checkstack(L, nargs, "too many arguments");
        for (int i = first + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        if (lua_pcall(L, nargs, 0, -2 - nargs) != LUA_OK) {
            /* A trusted script's traceback is for its author: print it whole. */
            fprintf(stderr, "hivehunt: %s\n", lua_tostring(L, -1));
            rc = HH_EXIT_POLICY;
        }
    }
    fflush(stdout);
    lua_close(L);
    hh_plugins_unload(&set);
    return rc;
}
