/* Layer: lua (built as hh/regf.so). May call: regf_lua.h only. */
/* Entry point when hh.regf is built as a plain Lua C module (hh/regf.so). */
#include <lua.h>

#include "regf_lua.h"

__attribute__((visibility("default"))) int luaopen_hh_regf(lua_State *L)
{
    return hh_open_regf(L);
}
