/* A minimal well-formed plugin for the loader tests. */
#include <lauxlib.h>

#include "hivehunt/plugin.h"

static const hh_host_api *host;

static int init(const hh_host_api *api, char *err, size_t errlen)
{
    (void)err; (void)errlen;
    host = api;
    return 0;
}

static int answer(lua_State *L)
{
    lua_pushinteger(L, host ? (lua_Integer)host->abi_version : -1);
    return 1;
}

static int open_lua(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, answer);
    lua_setfield(L, -2, "host_abi");
    return 1;
}

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = TEST_PLUGIN_NAME,
    .version = "1.2.3",
    .description = "loader test plugin",
    .init = init,
    .open_lua = open_lua,
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
