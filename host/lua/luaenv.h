/* Layer: lua. May call: hive, base, Lua. */
/* Lua states for trusted analyst scripts (full standard library). */
#ifndef HH_LUAENV_H
#define HH_LUAENV_H

#include <lua.h>

#include "plugins.h"

/* Where the shipped Lua (policies, lua/hh helpers) lives: HIVEHUNT_LUA_DIR,
 * else the source tree of this build, else the install directory. */
const char *hh_lua_dir(void);

/* A state with every standard library, require "hh.regf" and
 * require "plugin.<name>" for each loaded plugin, and package.path starting
 * with the shipped Lua directory. NULL when out of memory. */
lua_State *hh_lua_trusted_new(const hh_plugin_set *plugins);

/* Message handler for lua_pcall that appends a traceback. */
int hh_lua_traceback(lua_State *L);

#endif
