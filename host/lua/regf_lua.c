/* Layer: lua. May call: hive, base, Lua. */
/* The hh.regf Lua binding: hives, keys and values as userdata with named
 * metatables (hh.hive, hh.key, hh.value). Found -> object, absent -> nil,
 * corrupt -> nil + message, misuse (bad argument, unknown field) -> error. */
#include "regf_lua.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hive_internal.h"
#include "util.h"

#define HIVE_MT "hh.hive"
#define KEY_MT "hh.key"
#define VALUE_MT "hh.value"

typedef struct { hh_hive *hive; } hive_ud;
typedef struct { hh_key *key; } key_ud;
typedef struct { hh_value *value; } value_ud;

/* ---- pushing ---------------------------------------------------------------- */

void hh_lua_push_hive(lua_State *L, hh_hive *hive)
{
    hive_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->hive = hive;
    luaL_setmetatable(L, HIVE_MT);
}

void hh_lua_push_key(lua_State *L, hh_key *key)
{
    key_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->key = key;
    luaL_setmetatable(L, KEY_MT);
}

static void push_value(lua_State *L, hh_value *value)
{
    value_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->value = value;
    luaL_setmetatable(L, VALUE_MT);
}

static hive_ud *check_hive_ud(lua_State *L, int idx) { return luaL_checkudata(L, idx, HIVE_MT); }

hh_hive *hh_lua_check_hive(lua_State *L, int idx)
{
    hive_ud *ud = check_hive_ud(L, idx);
    if (!ud->hive || ud->hive->closed)
        luaL_error(L, "hive is closed");
    return ud->hive;
}

hh_hive *hh_lua_test_hive(lua_State *L, int idx)
{
    hive_ud *ud = luaL_testudata(L, idx, HIVE_MT);
    return (ud && ud->hive && !ud->hive->closed) ? ud->hive : NULL;
}

static hh_key *check_key(lua_State *L, int idx)
{
    key_ud *ud = luaL_checkudata(L, idx, KEY_MT);
    if (!ud->key)
        luaL_error(L, "key is released");
    if (ud->key->hive->closed)
        luaL_error(L, "hive is closed");
    return ud->key;
}

static hh_value *check_value(lua_State *L, int idx)
{
    value_ud *ud = luaL_checkudata(L, idx, VALUE_MT);
    if (!ud->value)
        luaL_error(L, "value is released");
    if (ud->value->hive->closed)
        luaL_error(L, "hive is closed");
    return ud->value;
}

static int push_fail(lua_State *L, const char *msg)
{
    luaL_pushfail(L);
    lua_pushstring(L, msg);
    return 2;
}

/* ---- value data ------------------------------------------------------------- */

static void push_utf16(lua_State *L, const uint8_t *data, size_t len, int stop_at_nul)
{
    /* Decoded straight into a Lua buffer: nothing to leak if Lua raises. */
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, len / 2 * 3 + 1);
    /* ASCII, most of what services hold, is one byte per unit; the first
     * other unit hands the rest to the full decoder. */
    size_t i = 0, o = 0;
    for (; i + 1 < len && data[i + 1] == 0 && data[i] > 0 && data[i] < 0x80; i += 2)
        out[o++] = (char)data[i];
    if (i < len)
        o += hh_utf16le_to_utf8_into(data + i, len - i, stop_at_nul, out + o);
    luaL_pushresultsize(&b, o);
}

static void push_multi_sz(lua_State *L, const uint8_t *data, size_t len)
{
    lua_newtable(L);
    size_t units = len / 2, start = 0;
    lua_Integer n = 0;
    for (size_t i = 0; i <= units; i++) {
        if (i == units || hh_le16(data + 2 * i) == 0) {
            if (i == start) /* an empty string ends the list */
                break;
            push_utf16(L, data + 2 * start, (i - start) * 2, 0);
            lua_rawseti(L, -2, ++n);
            start = i + 1;
        }
    }
}

int hh_lua_push_value_data(lua_State *L, hh_value *value, char *err, size_t errlen)
{
    const uint8_t *data;
    size_t len;
    if (hh_value_data(value, &data, &len, err, errlen) != 1)
        return -1;
    switch (value->type) {
    case HH_REG_SZ:
    case HH_REG_EXPAND_SZ:
        push_utf16(L, data, len, 1);
        break;
    case HH_REG_LINK:
        push_utf16(L, data, len, 0);
        break;
    case HH_REG_DWORD:
        /* libregf refuses DWORDs of the wrong size; we read what is there. */
        if (len >= 4)
            lua_pushinteger(L, (lua_Integer)hh_le32(data));
        else
            lua_pushlstring(L, (const char *)data, len);
        break;
    case HH_REG_DWORD_BIG_ENDIAN:
        if (len >= 4)
            lua_pushinteger(L, (lua_Integer)hh_be32(data));
        else
            lua_pushlstring(L, (const char *)data, len);
        break;
    case HH_REG_QWORD:
        if (len >= 8)
            lua_pushinteger(L, (lua_Integer)hh_le64(data));
        else
            lua_pushlstring(L, (const char *)data, len);
        break;
    case HH_REG_MULTI_SZ:
        push_multi_sz(L, data, len);
        break;
    default:
        lua_pushlstring(L, (const char *)(data ? data : (const uint8_t *)""), len);
        break;
    }
    return 1;
}

/* ---- field dispatch ------------------------------------------------------- */

/* __index: a field name computes a value; a method name returns the method;
 * anything else is a typo in a script and raises. */
static int index_dispatch(lua_State *L, const char *mt_name, int (*field)(lua_State *, const char *))
{
    const char *name = luaL_checkstring(L, 2);
    if (field(L, name))
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1)); /* methods */
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    return luaL_error(L, "%s has no field '%s'", mt_name, name);
}

static void push_time_fields(lua_State *L, uint64_t ft, const char *which)
{
    char buf[40];
    if (strcmp(which, "iso") == 0) {
        if (ft)
            lua_pushstring(L, hh_filetime_iso(ft, buf, sizeof buf));
        else
            lua_pushnil(L);
    } else {
        if (ft)
            lua_pushinteger(L, (lua_Integer)hh_filetime_unix(ft));
        else
            lua_pushnil(L);
    }
}

/* ---- hive -------------------------------------------------------------- */

static int hive_field(lua_State *L, const char *name)
{
    hive_ud *ud = check_hive_ud(L, 1);
    hh_hive *h = ud->hive;
    if (strcmp(name, "closed") == 0) {
        lua_pushboolean(L, !h || h->closed);
        return 1;
    }
    if (!h)
        return 0;
    const hh_hive_info *in = &h->info;
    if (strcmp(name, "path") == 0) lua_pushstring(L, in->path);
    else if (strcmp(name, "kind") == 0) lua_pushstring(L, hh_hive_kind_name(in->kind));
    else if (strcmp(name, "dirty") == 0) lua_pushboolean(L, in->dirty);
    else if (strcmp(name, "replayed") == 0) lua_pushboolean(L, in->replayed);
    else if (strcmp(name, "log_entries_applied") == 0) lua_pushinteger(L, in->log_entries_applied);
    else if (strcmp(name, "seq_primary") == 0) lua_pushinteger(L, in->seq_primary);
    else if (strcmp(name, "seq_secondary") == 0) lua_pushinteger(L, in->seq_secondary);
    else if (strcmp(name, "root_name") == 0) lua_pushstring(L, in->root_name);
    else if (strcmp(name, "embedded_name") == 0) lua_pushstring(L, in->embedded_name);
    else if (strcmp(name, "user") == 0) {
        if (in->user[0])
            lua_pushstring(L, in->user);
        else
            lua_pushnil(L);
    }
    else if (strcmp(name, "size") == 0) lua_pushinteger(L, (lua_Integer)in->size);
    else if (strcmp(name, "version") == 0) lua_pushfstring(L, "%d.%d", (int)in->major, (int)in->minor);
    else if (strcmp(name, "last_written") == 0) lua_pushinteger(L, (lua_Integer)in->last_written);
    else if (strcmp(name, "last_written_iso") == 0) push_time_fields(L, in->last_written, "iso");
    else if (strcmp(name, "warnings") == 0) {
        lua_createtable(L, (int)hh_hive_warning_count(h), 0);
        for (size_t i = 0; i < hh_hive_warning_count(h); i++) {
            lua_pushstring(L, hh_hive_warning(h, i));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else
        return 0;
    return 1;
}

static int hive_index(lua_State *L) { return index_dispatch(L, HIVE_MT, hive_field); }

static int hive_root(lua_State *L)
{
    hh_hive *h = hh_lua_check_hive(L, 1);
    hh_key *k = NULL;
    char err[HH_ERRLEN];
    int rc = hh_key_open(h, NULL, "", &k, err, sizeof err);
    if (rc != 1)
        return push_fail(L, rc == 0 ? "hive has no root key" : err);
    hh_lua_push_key(L, k);
    return 1;
}

static int hive_key(lua_State *L)
{
    hh_hive *h = hh_lua_check_hive(L, 1);
    const char *path = luaL_checkstring(L, 2);
    hh_key *k = NULL;
    char err[HH_ERRLEN];
    int rc = hh_key_open(h, NULL, path, &k, err, sizeof err);
    if (rc == 0) {
        luaL_pushfail(L);
        return 1;
    }
    if (rc < 0)
        return push_fail(L, err);
    hh_lua_push_key(L, k);
    return 1;
}

/* hive:deleted_keys(): keys recovered from unallocated cells, one per call.
 * They are never reachable through hive:key() or subkeys(); key.recovered
 * marks them. */
static int deleted_next(lua_State *L)
{
    hh_hive *h = hh_lua_check_hive(L, lua_upvalueindex(1));
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    lua_Integer count = lua_tointeger(L, lua_upvalueindex(3));
    if (i >= count)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(2));
    hh_key *k = NULL;
    char err[HH_ERRLEN];
    if (hh_hive_deleted_key_at(h, (int)i, &k, err, sizeof err) != 1) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, err);
        return 2;
    }
    hh_lua_push_key(L, k);
    return 1;
}

static int hive_deleted_keys(lua_State *L)
{
    hh_hive *h = hh_lua_check_hive(L, 1);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushinteger(L, hh_hive_deleted_key_count(h));
    lua_pushcclosure(L, deleted_next, 3);
    return 1;
}

static int hive_close(lua_State *L)
{
    hive_ud *ud = check_hive_ud(L, 1);
    if (ud->hive)
        hh_hive_close(&ud->hive);
    return 0;
}

static int hive_tostring(lua_State *L)
{
    hive_ud *ud = check_hive_ud(L, 1);
    if (!ud->hive)
        lua_pushstring(L, "hh.hive (closed)");
    else
        lua_pushfstring(L, "hh.hive (%s, %s%s)", ud->hive->info.path, hh_hive_kind_name(ud->hive->info.kind),
                        ud->hive->closed ? ", closed" : "");
    return 1;
}

/* ---- key ---------------------------------------------------------------- */

static int key_field(lua_State *L, const char *name)
{
    hh_key *k = check_key(L, 1);
    char err[HH_ERRLEN];
    int n;
    if (strcmp(name, "name") == 0) lua_pushstring(L, hh_key_name(k));
    else if (strcmp(name, "path") == 0) lua_pushstring(L, hh_key_path(k));
    else if (strcmp(name, "last_write") == 0) lua_pushinteger(L, (lua_Integer)hh_key_last_write(k));
    else if (strcmp(name, "last_write_iso") == 0) push_time_fields(L, hh_key_last_write(k), "iso");
    else if (strcmp(name, "last_write_epoch") == 0) push_time_fields(L, hh_key_last_write(k), "epoch");
    else if (strcmp(name, "class_name") == 0) {
        const char *c = hh_key_class_name(k);
        if (c) lua_pushstring(L, c); else lua_pushnil(L);
    } else if (strcmp(name, "subkey_count") == 0) {
        if (hh_key_subkey_count(k, &n, err, sizeof err) != 1)
            luaL_error(L, "%s", err);
        lua_pushinteger(L, n);
    } else if (strcmp(name, "value_count") == 0) {
        if (hh_key_value_count(k, &n, err, sizeof err) != 1)
            luaL_error(L, "%s", err);
        lua_pushinteger(L, n);
    } else if (strcmp(name, "recovered") == 0) lua_pushboolean(L, hh_key_is_recovered(k));
    else
        return 0;
    return 1;
}

static int key_index(lua_State *L) { return index_dispatch(L, KEY_MT, key_field); }

static int key_subkey(lua_State *L)
{
    hh_key *k = check_key(L, 1);
    const char *name = luaL_checkstring(L, 2);
    hh_key *sub = NULL;
    char err[HH_ERRLEN];
    int rc = strchr(name, '\\') ? hh_key_open(k->hive, k, name, &sub, err, sizeof err)
                                : hh_key_subkey(k, name, &sub, err, sizeof err);
    if (rc == 0) {
        luaL_pushfail(L);
        return 1;
    }
    if (rc < 0)
        return push_fail(L, err);
    hh_lua_push_key(L, sub);
    return 1;
}

/* Iterators hold the key, the next index, the count and what they walk as
 * upvalues and produce one item per call, so the instruction hook sees every
 * step. An unreadable entry yields false, message (the loop goes on). */
enum { WALK_SUBKEYS, WALK_VALUES };

static int walk_next(lua_State *L)
{
    hh_key *k = check_key(L, lua_upvalueindex(1));
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
    lua_Integer count = lua_tointeger(L, lua_upvalueindex(3));
    int what = (int)lua_tointeger(L, lua_upvalueindex(4));
    if (i >= count)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(2));
    char err[HH_ERRLEN];
    int rc;
    if (what == WALK_SUBKEYS) {
        hh_key *sub = NULL;
        if ((rc = hh_key_subkey_at(k, (int)i, &sub, err, sizeof err)) == 1)
            hh_lua_push_key(L, sub);
    } else {
        hh_value *v = NULL;
        if ((rc = hh_key_value_at(k, (int)i, &v, err, sizeof err)) == 1)
            push_value(L, v);
    }
    if (rc == 1)
        return 1;
    lua_pushboolean(L, 0);
    lua_pushstring(L, err);
    return 2;
}

static int key_walk(lua_State *L, int what)
{
    hh_key *k = check_key(L, 1);
    int count = 0;
    char err[HH_ERRLEN];
    int rc = what == WALK_SUBKEYS ? hh_key_subkey_count(k, &count, err, sizeof err)
                                  : hh_key_value_count(k, &count, err, sizeof err);
    if (rc != 1)
        return luaL_error(L, "%s", err);
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 0);
    lua_pushinteger(L, count);
    lua_pushinteger(L, what);
    lua_pushcclosure(L, walk_next, 4);
    return 1;
}

static int key_subkeys(lua_State *L) { return key_walk(L, WALK_SUBKEYS); }
static int key_values(lua_State *L) { return key_walk(L, WALK_VALUES); }

static int key_value(lua_State *L)
{
    hh_key *k = check_key(L, 1);
    const char *name = luaL_optstring(L, 2, "");
    hh_value *v = NULL;
    char err[HH_ERRLEN];
    int rc = hh_key_value(k, name, &v, err, sizeof err);
    if (rc == 0) {
        luaL_pushfail(L);
        return 1;
    }
    if (rc < 0)
        return push_fail(L, err);
    push_value(L, v);
    return 1;
}

static int key_gc(lua_State *L)
{
    key_ud *ud = luaL_checkudata(L, 1, KEY_MT);
    hh_key_free(&ud->key);
    return 0;
}

static int key_tostring(lua_State *L)
{
    key_ud *ud = luaL_checkudata(L, 1, KEY_MT);
    if (!ud->key)
        lua_pushstring(L, "hh.key (released)");
    else
        lua_pushfstring(L, "hh.key (%s)", ud->key->path);
    return 1;
}

/* ---- value ------------------------------------------------------------------ */

static int value_field(lua_State *L, const char *name)
{
    hh_value *v = check_value(L, 1);
    if (strcmp(name, "name") == 0) lua_pushstring(L, hh_value_name(v));
    else if (strcmp(name, "type") == 0) {
        if (v->type <= HH_REG_QWORD)
            lua_pushstring(L, hh_value_type_name(v->type));
        else
            lua_pushfstring(L, "REG_UNKNOWN_0x%x", (unsigned)v->type);
    } else if (strcmp(name, "type_code") == 0) lua_pushinteger(L, v->type);
    else if (strcmp(name, "size") == 0) {
        const uint8_t *d;
        size_t len;
        char err[HH_ERRLEN];
        if (hh_value_data(v, &d, &len, err, sizeof err) != 1)
            luaL_error(L, "%s", err);
        lua_pushinteger(L, (lua_Integer)len);
    } else
        return 0;
    return 1;
}

static int value_index(lua_State *L) { return index_dispatch(L, VALUE_MT, value_field); }

static int value_data(lua_State *L)
{
    hh_value *v = check_value(L, 1);
    char err[HH_ERRLEN];
    if (hh_lua_push_value_data(L, v, err, sizeof err) != 1)
        return push_fail(L, err);
    return 1;
}

static int value_raw(lua_State *L)
{
    hh_value *v = check_value(L, 1);
    const uint8_t *d;
    size_t len;
    char err[HH_ERRLEN];
    if (hh_value_data(v, &d, &len, err, sizeof err) != 1)
        return push_fail(L, err);
    lua_pushlstring(L, d ? (const char *)d : "", len);
    return 1;
}

static int value_gc(lua_State *L)
{
    value_ud *ud = luaL_checkudata(L, 1, VALUE_MT);
    hh_value_free(&ud->value);
    return 0;
}

static int value_tostring(lua_State *L)
{
    value_ud *ud = luaL_checkudata(L, 1, VALUE_MT);
    if (!ud->value)
        lua_pushstring(L, "hh.value (released)");
    else
        lua_pushfstring(L, "hh.value (%s, %s)", ud->value->name, hh_value_type_name(ud->value->type));
    return 1;
}

/* ---- module ------------------------------------------------------------------ */

static int regf_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    hh_open_options opts;
    hh_open_options_default(&opts);
    const char *logs[8];
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        if (lua_getfield(L, 2, "replay") != LUA_TNIL)
            opts.replay = lua_toboolean(L, -1);
        if (lua_getfield(L, 2, "recover") != LUA_TNIL)
            opts.recover = lua_toboolean(L, -1);
        if (lua_getfield(L, 2, "logs") == LUA_TTABLE) {
            lua_Integer n = luaL_len(L, -1);
            if (n > 8)
                return luaL_error(L, "at most 8 logs");
            for (lua_Integer i = 1; i <= n; i++) {
                lua_geti(L, -1, i);
                logs[i - 1] = luaL_checkstring(L, -1); /* kept alive by the table */
                lua_pop(L, 1);
            }
            opts.logs = logs;
            opts.nlogs = (size_t)n;
        }
    }
    hh_hive *h = NULL;
    char err[HH_ERRLEN];
    if (hh_hive_open(path, &opts, &h, err, sizeof err) != 1) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, err);
        return 2;
    }
    hh_lua_push_hive(L, h);
    return 1;
}

static int regf_filetime_iso(lua_State *L)
{
    lua_Integer ft = luaL_checkinteger(L, 1);
    char buf[40];
    lua_pushstring(L, hh_filetime_iso((uint64_t)ft, buf, sizeof buf));
    return 1;
}

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction index,
                      lua_CFunction gc, lua_CFunction tostring)
{
    luaL_newmetatable(L, name);
    lua_newtable(L); /* methods: the upvalue of __index */
    luaL_setfuncs(L, methods, 0);
    lua_pushcclosure(L, index, 1);
    lua_setfield(L, -2, "__index");
    if (gc) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0); /* scripts cannot reach or replace the metatable */
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* Collected without close(): drop our reference only, so keys still in use
 * keep the hive readable (a key keeps its hive alive). */
static int hive_gc(lua_State *L)
{
    hive_ud *ud = check_hive_ud(L, 1);
    if (ud->hive) {
        hh_hive_unref(ud->hive);
        ud->hive = NULL;
    }
    return 0;
}

int hh_open_regf(lua_State *L)
{
    static const luaL_Reg hive_methods[] = {
        {"root", hive_root}, {"key", hive_key}, {"deleted_keys", hive_deleted_keys},
        {"close", hive_close}, {NULL, NULL}};
    static const luaL_Reg key_methods[] = {
        {"subkey", key_subkey}, {"subkeys", key_subkeys}, {"values", key_values},
        {"value", key_value}, {NULL, NULL}};
    static const luaL_Reg value_methods[] = {{"data", value_data}, {"raw", value_raw}, {NULL, NULL}};
    static const luaL_Reg funcs[] = {
        {"open", regf_open}, {"filetime_iso", regf_filetime_iso}, {NULL, NULL}};

    new_class(L, HIVE_MT, hive_methods, hive_index, hive_gc, hive_tostring);
    luaL_getmetatable(L, HIVE_MT); /* `local h <close> = regf.open(p)` closes it */
    lua_pushcfunction(L, hive_close);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    new_class(L, KEY_MT, key_methods, key_index, key_gc, key_tostring);
    new_class(L, VALUE_MT, value_methods, value_index, value_gc, value_tostring);
    luaL_newlib(L, funcs);
    return 1;
}
