/* Layer: cli. May call: diag.h, lua (luaenv.h). */
/* Extraction: one call of a plugin's collect, its warnings to stderr. */
#include "hunt_collect.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "luaenv.h"

/* Calls the plugin's collect with the values at arg1 and arg2 (0: nil):
 * collect(system, software) for a plugin from before the hive masks,
 * collect(hives) for one that declares them. Pushes the input table. */
int hh_plugin_collect(lua_State *L, int plugin_ref, int arg1, int arg2, const char *label, const char *name)
{
    lua_pushcfunction(L, hh_lua_traceback);
    int h = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, plugin_ref);
    if (lua_getfield(L, -1, "collect") != LUA_TFUNCTION) {
        hh_error(NULL, "plugin %s has no collect function", name);
        lua_settop(L, h - 1);
        return -1;
    }
    lua_remove(L, -2);
    lua_pushvalue(L, arg1);
    if (arg2)
        lua_pushvalue(L, arg2);
    else
        lua_pushnil(L);
    if (lua_pcall(L, 2, 1, h) != LUA_OK || !lua_istable(L, -1)) {
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "collect returned no table";
        char line[512];
        snprintf(line, sizeof line, "%s", msg);
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        hh_error(label, "cannot extract %s: %s", name, line);
        lua_settop(L, h - 1);
        return -1;
    }
    lua_remove(L, h);
    /* Extraction warnings go to stderr at once. */
    if (lua_getfield(L, -1, "warnings") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_isstring(L, -1))
                hh_warning(label, "%s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 1;
}
