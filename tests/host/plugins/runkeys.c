/* A test plugin for one-pass hunts: reads the Run key of its hive kind
 * (RUNKEYS_KIND: NTUSER, every user hive; SOFTWARE, the machine's) through
 * the host table and returns one row per value, with the common locating
 * fields (hive, hive_kind, key, value, user) and what it runs in
 * RUNKEYS_FIELD ("launches": a command line; "binary": a path), the two
 * ways a plugin hands its binaries to the correlation policy. */
#include <lauxlib.h>
#include <string.h>

#include "hivehunt/plugin.h"

#define RUN_KEY "Microsoft\\Windows\\CurrentVersion\\Run"

static const hh_host_api *host;

static int init(const hh_host_api *api, char *err, size_t errlen)
{
    (void)err; (void)errlen;
    host = api;
    return 0;
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    if (!v)
        return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static void rows_of(lua_State *L, hh_hive *hive, const char *prefix, int rows, lua_Integer *n)
{
    char path[256], err[256], iso[40];
    snprintf(path, sizeof path, "%s%s", prefix, RUN_KEY);
    hh_key *key = NULL;
    if (host->key_open(hive, NULL, path, &key, err, sizeof err) != 1)
        return;
    int count = 0;
    host->key_value_count(key, &count, err, sizeof err);
    for (int i = 0; i < count; i++) {
        hh_value *v = NULL;
        if (host->key_value_at(key, i, &v, err, sizeof err) != 1)
            continue;
        lua_newtable(L);
        set_str(L, "name", host->value_name(v));
        set_str(L, "value", host->value_name(v));
        set_str(L, "key", host->key_path(key));
        set_str(L, "hive", host->hive_path(hive));
        set_str(L, "hive_kind", host->hive_kind(hive) == HH_HIVE_NTUSER ? "NTUSER" : "SOFTWARE");
        set_str(L, "user", host->hive_user(hive));
        set_str(L, "last_write", host->filetime_iso(host->key_last_write(key), iso, sizeof iso));
        if (host->push_value_data(L, v, err, sizeof err) == 1) {
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, "command");
            lua_setfield(L, -2, RUNKEYS_FIELD);
        }
        lua_rawseti(L, rows, ++*n);
        host->value_free(&v);
    }
    host->key_free(&key);
}

/* collect(hives): hives.users (NTUSER) or hives.software (SOFTWARE). */
static int collect(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_newtable(L); /* input */
    lua_newtable(L);
    int rows = lua_gettop(L);
    lua_Integer n = 0;
    if (RUNKEYS_USERS) {
        lua_getfield(L, 1, "users");
        for (lua_Integer i = 1; lua_istable(L, -1) && lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            rows_of(L, host->check_hive(L, -1), "Software\\", rows, &n);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    } else {
        lua_getfield(L, 1, "software");
        rows_of(L, host->check_hive(L, -1), "", rows, &n);
        lua_pop(L, 1);
    }
    lua_setfield(L, -2, "rows");
    lua_newtable(L);
    lua_setfield(L, -2, "warnings");
    lua_pushstring(L, TEST_PLUGIN_NAME);
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

#ifdef RUNKEYS_AFTER
/* The plugin whose rows this one's policy reads: planned before it. */
static const char *const after[] = {RUNKEYS_AFTER, NULL};
#endif

static const hh_plugin descriptor = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = TEST_PLUGIN_NAME,
    .version = "0.0.1",
    .description = "one-pass test plugin: Run values",
    .init = init,
    .open_lua = open_lua,
    .hives_required = RUNKEYS_REQUIRED,
#ifdef RUNKEYS_AFTER
    .reads_rows_of = after,
#endif
};

HH_PLUGIN_DEFINE_ENTRY(descriptor)
