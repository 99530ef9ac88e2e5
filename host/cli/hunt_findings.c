/* Layer: cli. May call: hunt_hives.h, hive, lua (lua.h, lua_fields.h). */
/* Host-owned fields of findings: what every finding carries (plugin, hive,
 * timeline fields) and the locating fields a policy left out. */
#include "hunt_findings.h"

#include <string.h>

#include "hive.h"
#include "lua_fields.h"

/* Host-owned fields every finding carries: the plugin, the hive the
 * plugin's input names (input.hive.path) when the policy left it out, and
 * the timeline fields. */
void hh_enrich_findings(lua_State *L, int idx, int input, const char *plugin)
{
    const char *hive = NULL;
    int top = lua_gettop(L);
    /* Left on the stack until the end, which keeps the string alive. */
    if (lua_getfield(L, input, "hive") == LUA_TTABLE && lua_getfield(L, -1, "path") == LUA_TSTRING)
        hive = lua_tostring(L, -1);
    const char *desc = strcmp(plugin, "services") == 0 ? "Service key last written" : "Key last written";
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int f = lua_gettop(L);
        if (lua_getfield(L, f, "hive") == LUA_TNIL)
            hh_lua_set_str(L, f, "hive", hive);
        lua_pop(L, 1);
        if (lua_getfield(L, f, "plugin") == LUA_TNIL)
            hh_lua_set_str(L, f, "plugin", plugin);
        lua_pop(L, 1);
        if (lua_getfield(L, f, "datetime") == LUA_TNIL) {
            if (lua_getfield(L, f, "last_write") == LUA_TSTRING)
                lua_setfield(L, f, "datetime");
            else
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, f, "timestamp_desc") == LUA_TNIL) {
            lua_pushstring(L, desc);
            lua_setfield(L, f, "timestamp_desc");
        }
        lua_pop(L, 1);
        lua_pop(L, 1);
    }
    lua_settop(L, top);
}

/* Pushes the row of rows (0: none) whose key (and value, when the finding
 * names one) is the finding's at f, or nothing; 1 pushed, 0 not. */
static int row_of_finding(lua_State *L, int rows, int f)
{
    if (!rows || lua_getfield(L, f, "key") != LUA_TSTRING) {
        if (rows)
            lua_pop(L, 1);
        return 0;
    }
    int fkey = lua_gettop(L);
    int fval = lua_getfield(L, f, "value") == LUA_TSTRING ? lua_gettop(L) : 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, rows, i) != LUA_TTABLE) {
            lua_pop(L, 1);
            continue;
        }
        lua_getfield(L, -1, "key");
        int same = lua_rawequal(L, -1, fkey);
        lua_pop(L, 1);
        if (same && fval) {
            lua_getfield(L, -1, "value");
            same = lua_rawequal(L, -1, fval);
            lua_pop(L, 1);
        }
        if (same) {
            lua_replace(L, fkey);
            lua_settop(L, fkey);
            return 1;
        }
        lua_pop(L, 1);
    }
    lua_settop(L, fkey - 1);
    return 0;
}

/* Copies field name from the table at from to f when f lacks it. */
static void copy_missing(lua_State *L, int f, int from, const char *name)
{
    if (lua_getfield(L, f, name) == LUA_TNIL && lua_getfield(L, from, name) != LUA_TNIL)
        lua_setfield(L, f, name);
    else
        lua_pop(L, 1);
    lua_pop(L, 1);
}

/* The locating fields a finding's policy left out: from the plugin's row
 * it is about (same key, and value when it names one), else the plugin's
 * only hive; then from the hive it names its kind and, for a user hive,
 * the account. rows: the plugin's rows (0: none). */
void hh_fill_common_fields(lua_State *L, int all, const hh_hive_set *set, const hh_hunt_hive *only, int rows)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, all);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, all, i);
        int f = lua_gettop(L);
        int missing = lua_getfield(L, f, "hive") == LUA_TNIL;
        lua_pop(L, 1);
        if (missing && row_of_finding(L, rows, f)) {
            copy_missing(L, f, f + 1, "hive");
            copy_missing(L, f, f + 1, "hive_kind");
            copy_missing(L, f, f + 1, "user");
            lua_pop(L, 1);
        }
        if (lua_getfield(L, f, "hive") == LUA_TNIL && only)
            hh_lua_set_str(L, f, "hive", hh_hive_get_info(only->hive)->path);
        lua_pop(L, 1);
        lua_getfield(L, f, "hive");
        const hh_hunt_hive *h = lua_type(L, -1) == LUA_TSTRING ? hh_hive_set_find(set, lua_tostring(L, -1)) : NULL;
        lua_pop(L, 1);
        if (h) {
            const hh_hive_info *in = hh_hive_get_info(h->hive);
            if (lua_getfield(L, f, "hive_kind") == LUA_TNIL)
                hh_lua_set_str(L, f, "hive_kind", hh_hive_kind_name(in->kind));
            lua_pop(L, 1);
            if (in->user[0]) {
                if (lua_getfield(L, f, "user") == LUA_TNIL)
                    hh_lua_set_str(L, f, "user", in->user);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
}
