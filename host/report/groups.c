/* Layer: report. May call: fields.h, base, Lua's C API. */
/* Findings grouped by plugin for the table and html reports: the groups in
 * the order of their worst finding (findings arrive sorted worst first, so
 * that is the order each plugin first appears), each group worst first. */
#include <string.h>

#include <lauxlib.h>

#include "fields.h"

lua_Integer hh_report_group_by_plugin(hh_report_ctx *c, int records, lua_Integer n)
{
    lua_State *L = c->L;
    luaL_checkstack(L, 8, "report groups");
    lua_createtable(L, (int)n, 0); /* order */
    int order = lua_gettop(L);
    lua_createtable(L, 4, 0);      /* names */
    int names = lua_gettop(L);
    lua_newtable(L);               /* plugin -> its indices */
    int by = lua_gettop(L);
    lua_Integer ngroups = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, records, i);
        lua_pushliteral(L, "plugin");
        lua_rawget(L, -2);
        if (lua_type(L, -1) != LUA_TSTRING) { /* a number, NaN even, is no plugin name */
            lua_pop(L, 1);
            lua_pushliteral(L, "");
        }
        lua_pushvalue(L, -1);
        if (lua_rawget(L, by) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, by);
            lua_pushvalue(L, -2);
            lua_rawseti(L, names, ++ngroups);
        }
        lua_pushinteger(L, i);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 3);
    }
    lua_Integer k = 0;
    for (lua_Integer g = 1; g <= ngroups; g++) {
        lua_rawgeti(L, names, g);
        lua_rawget(L, by);
        lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer j = 1; j <= m; j++) {
            lua_rawgeti(L, -1, j);
            lua_rawseti(L, order, ++k);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* by */
    return ngroups;
}
