/* Layer: lua. May call: Lua. */
/* Small helpers for filling Lua tables from C. */
#ifndef HH_LUA_FIELDS_H
#define HH_LUA_FIELDS_H

#include <lua.h>

/* t[k] = v when v is a string; a NULL v leaves the field as it is (nil). */
static inline void hh_lua_set_str(lua_State *L, int t, const char *k, const char *v)
{
    if (!v)
        return;
    lua_pushstring(L, v);
    lua_setfield(L, t, k);
}

#endif
