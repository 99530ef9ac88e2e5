/* Layer: lua. May call: hive, base, Lua. */
#include "luaenv.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "regf_lua.h"

const char *hh_lua_dir(void)
{
    const char *env = getenv("HIVEHUNT_LUA_DIR");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(HH_BUILD_LUA_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return HH_BUILD_LUA_DIR;
    return HH_INSTALL_LUA_DIR;
}

int hh_lua_traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

lua_State *hh_lua_trusted_new(const hh_plugin_set *plugins)
{
    lua_State *L = luaL_newstate();
    if (!L)
        return NULL;
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, hh_open_regf);
    lua_setfield(L, -2, "hh.regf");
    lua_pop(L, 1);
    if (plugins)
        hh_plugins_preload(plugins, L);
    /* Shipped Lua first, then whatever LUA_PATH says. */
    lua_getglobal(L, "package");
    const char *dir = hh_lua_dir();
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
    return L;
}
