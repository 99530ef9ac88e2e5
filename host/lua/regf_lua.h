/* Layer: lua. May call: hive, base, Lua. */
/* The hh.regf Lua binding. */
#ifndef HH_REGF_LUA_H
#define HH_REGF_LUA_H

#include <lua.h>
#include <stddef.h>

#include "hive.h"

/* lua_CFunction returning the module table (require "hh.regf"). */
int hh_open_regf(lua_State *L);
/* Pushes a hive userdata that takes over the caller's reference. */
void hh_lua_push_hive(lua_State *L, hh_hive *hive);
void hh_lua_push_key(lua_State *L, hh_key *key);
/* The open hive at idx, or a Lua error. */
hh_hive *hh_lua_check_hive(lua_State *L, int idx);
/* The open hive at idx, or NULL. */
hh_hive *hh_lua_test_hive(lua_State *L, int idx);
/* value:data() semantics; 1, or -1 with err. */
int hh_lua_push_value_data(lua_State *L, hh_value *value, char *err, size_t errlen);

#endif
