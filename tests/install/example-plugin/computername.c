/* An example hivehunt plugin, built outside the hivehunt tree against the
 * installed SDK (see CMakeLists.txt beside it). Its C half reads the
 * machine's name from every control set of a SYSTEM hive; its policy
 * (computername.lua) joins that with the services plugin's rows.
 *
 * The only header a plugin includes is <hivehunt/plugin.h>; registry access
 * goes through the host's function table, and Lua's symbols come from the
 * hivehunt process (never link liblua). */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include <hivehunt/plugin.h>

static const hh_host_api *host;

static int init(const hh_host_api *api, char *err, size_t errlen)
{
    /* The table is append-only: filetime_iso is the last member this
     * plugin calls, so a host whose table ends before it cannot serve us. */
    if (api->struct_size < offsetof(hh_host_api, filetime_iso) + sizeof api->filetime_iso) {
        snprintf(err, errlen, "host API too old (size %u)", (unsigned)api->struct_size);
        return -1;
    }
    host = api;
    return 0;
}

/* Pushes the string data of value `name` under `key`, or nil. */
static void push_string_value(lua_State *L, hh_key *key, const char *name)
{
    hh_value *v = NULL;
    char err[256];
    if (host->key_value(key, name, &v, err, sizeof err) == 1 && host->push_value_data(L, v, err, sizeof err) == 1) {
        if (!lua_isstring(L, -1)) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
    } else {
        lua_pushnil(L);
    }
    host->value_free(&v);
}

/* collect(hives) -> { rows = {...}, warnings = {...} }: one row per control
 * set that names the computer. Hosts that pass hives one by one call
 * collect(system, software): both are accepted. */
static int collect(lua_State *L)
{
    if (lua_istable(L, 1)) {
        lua_getfield(L, 1, "system");
        lua_replace(L, 1);
    }
    hh_hive *hive = host->check_hive(L, 1);
    lua_newtable(L);                 /* result */
    lua_newtable(L);                 /* rows */
    lua_newtable(L);                 /* warnings */
    int result = lua_gettop(L) - 2, rows = result + 1, warnings = result + 2;
    char err[256];
    int n = 0;
    for (int cs = 1; cs <= 9; cs++) {
        char path[96];
        snprintf(path, sizeof path, "ControlSet%03d\\Control\\ComputerName\\ComputerName", cs);
        hh_key *key = NULL;
        int rc = host->key_open(hive, NULL, path, &key, err, sizeof err);
        if (rc == -1) {
            lua_pushfstring(L, "%s: %s", path, err);
            lua_rawseti(L, warnings, (lua_Integer)lua_rawlen(L, warnings) + 1);
        }
        if (rc != 1)
            continue;
        char when[32];
        lua_createtable(L, 0, 4);
        lua_pushlstring(L, path, strlen("ControlSet001")); /* as the services rows name it */
        lua_setfield(L, -2, "control_set");
        push_string_value(L, key, "ComputerName");
        lua_setfield(L, -2, "computer_name");
        lua_pushstring(L, host->key_path(key));
        lua_setfield(L, -2, "key");
        lua_pushstring(L, host->filetime_iso(host->key_last_write(key), when, sizeof when));
        lua_setfield(L, -2, "last_write");
        lua_rawseti(L, rows, ++n);
        host->key_free(&key);
    }
    lua_setfield(L, result, "warnings");
    lua_setfield(L, result, "rows");
    lua_pushliteral(L, "computername");
    lua_setfield(L, result, "plugin");
    return 1;
}

static int open_lua(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, collect);
    lua_setfield(L, -2, "collect");
    return 1;
}

static const char *const reads[] = {"services", NULL};

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "computername",
    .version = "1.0.0",
    .description = "the computer's name per control set (an example out-of-tree plugin)",
    .init = init,
    .open_lua = open_lua,
    .hives_required = HH_HIVE_BIT(HH_HIVE_SYSTEM),
    .reads_rows_of = reads,
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
