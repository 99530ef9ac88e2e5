/* A second plugin for the plugin-chain test: its collect reads the SYSTEM
 * hive through the host table (the root's subkey count) and returns one row. */
#include <lauxlib.h>

#include "hivehunt/plugin.h"

static const hh_host_api *host;

static int init(const hh_host_api *api, char *err, size_t errlen)
{
    (void)err; (void)errlen;
    host = api;
    return 0;
}

static int collect(lua_State *L)
{
    hh_hive *hive = host->check_hive(L, 1);
    hh_key *root = NULL;
    char err[256];
    int count = -1;
    if (host->key_open(hive, NULL, "", &root, err, sizeof err) == 1) {
        host->key_subkey_count(root, &count, err, sizeof err);
        host->key_free(&root);
    }
    lua_newtable(L);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "root");
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, count);
    lua_setfield(L, -2, "subkeys");
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "rows");
    lua_newtable(L);
    lua_setfield(L, -2, "warnings");
    lua_pushliteral(L, "chaintest");
    lua_setfield(L, -2, "plugin");
    return 1;
}

static int open_lua(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, collect);
    lua_setfield(L, -2, "collect");
    return 1;
}

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "chaintest",
    .version = "0.0.1",
    .description = "plugin-chain test plugin",
    .init = init,
    .open_lua = open_lua,
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
