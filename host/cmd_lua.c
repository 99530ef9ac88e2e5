/* hivehunt lua [--plugin-dir DIR] SCRIPT [ARG...]: a trusted analyst script. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "cli.h"
#include "commands.h"
#include "luaenv.h"
#include "plugins.h"

int hh_cmd_lua(int argc, char **argv)
{
    static const struct option opts[] = {
        {"plugin-dir", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *plugin_dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'P': plugin_dir = optarg; break;
        case 'h':
            puts("usage: hivehunt lua [--plugin-dir DIR] SCRIPT [ARG...]\n"
                 "Runs SCRIPT with the full Lua standard library, `arg` as lua5.4 sets it,\n"
                 "require \"hh.regf\" and require \"plugin.<name>\". Not sandboxed: trusted scripts only.");
            return HH_EXIT_OK;
        default: return HH_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        hh_error(NULL, "lua needs a SCRIPT (see 'hivehunt lua --help')");
        return HH_EXIT_USAGE;
    }
    const char *script = argv[optind];
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
    lua_createtable(L, argc - optind, 2);
    lua_pushstring(L, "hivehunt lua");
    lua_rawseti(L, -2, -1);
    for (int i = optind; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - optind);
    }
    lua_setglobal(L, "arg");

    int rc = HH_EXIT_OK;
    lua_pushcfunction(L, hh_lua_traceback);
    if (luaL_loadfile(L, script) != LUA_OK) {
        /* A trusted script's traceback is for its author: print it whole. */
            fprintf(stderr, "hivehunt: %s\n", lua_tostring(L, -1));
        rc = HH_EXIT_POLICY;
    } else {
        int nargs = argc - optind - 1;
        luaL_checkstack(L, nargs, "too many arguments");
        for (int i = optind + 1; i < argc; i++)
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
