#include <stdio.h>

#include "module.h"

int module_check_host(const hh_host_api *host, char *err, size_t errlen)
{
    if (!host || host->abi_version != HH_PLUGIN_ABI_VERSION ||
        host->struct_size < offsetof(hh_host_api, key_is_recovered)) {
        snprintf(err, errlen, "host services table is too old for this plugin");
        return -1;
    }
    return 0;
}

void module_push(lua_State *L, const luaL_Reg *funcs, const char *const *columns, size_t ncolumns)
{
    int nfuncs = 0;
    while (funcs[nfuncs].name)
        nfuncs++;
    luaL_checkversion(L);
    lua_createtable(L, 0, nfuncs); /* as luaL_newlib sizes it */
    luaL_setfuncs(L, funcs, 0);
    lua_createtable(L, (int)ncolumns, 0);
    for (size_t i = 0; i < ncolumns; i++) {
        lua_pushstring(L, columns[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "columns");
}
