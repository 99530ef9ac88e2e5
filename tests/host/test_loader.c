/* Plugin loader: a good plugin loads and works through Lua, each kind of
 * bad plugin is refused with a reason and the others still load, a missing
 * directory holds no plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "plugins.h"
#include "tap.h"

static void expect_refused(const char *file, const char *why_part)
{
    char path[1024], err[600] = "";
    snprintf(path, sizeof path, "%s/%s", TEST_PLUGIN_DIR, file);
    hh_plugin_set set = {0};
    int rc = hh_plugin_load_file(&set, path, err, sizeof err);
    ok(rc == -1 && strstr(err, why_part) != NULL, "%s refused: %s", file, err);
    ok(set.count == 0, "%s not registered", file);
    hh_plugins_unload(&set);
}

int main(void)
{
    /* The good plugin, loaded alone. */
    char path[1024], err[600] = "";
    snprintf(path, sizeof path, "%s/good.so", TEST_PLUGIN_DIR);
    hh_plugin_set set = {0};
    ok(hh_plugin_load_file(&set, path, err, sizeof err) == 1, "good.so loads (%s)", err);
    const hh_loaded_plugin *p = hh_plugins_find(&set, "good");
    ok(p && strcmp(p->desc->version, "1.2.3") == 0, "good found with its version");
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    hh_plugins_preload(&set, L);
    int rc = luaL_dostring(L, "return require('plugin.good').host_abi()");
    ok(rc == LUA_OK && lua_tointeger(L, -1) == HH_PLUGIN_ABI_VERSION,
       "require 'plugin.good' reaches the host table through init");
    lua_close(L);
    ok(hh_plugin_load_file(&set, path, err, sizeof err) == -1 && strstr(err, "already loaded"),
       "a second plugin of the same name is refused: %s", err);
    hh_plugins_unload(&set);

    expect_refused("bad_abi.so", "plugin ABI");
    expect_refused("bad_lua.so", "Lua 503");
    expect_refused("no_entry.so", "not a hivehunt plugin");
    expect_refused("bad_size.so", "descriptor is 8 bytes");
    expect_refused("missing.so", "cannot load");

    /* The whole directory: bad ones refused, the good one still loads. */
    hh_plugin_dirs dirs = {.dirs = {TEST_PLUGIN_DIR}, .count = 1};
    hh_plugin_set all = {0};
    hh_plugins_load(&all, &dirs);
    ok(all.count == 2 && hh_plugins_find(&all, "good") && hh_plugins_find(&all, "chaintest"),
       "directory scan loads only the good plugins (good, chaintest)");
    ok(all.refused == 4, "directory scan refuses the four bad ones (%d)", all.refused);
    hh_plugins_unload(&all);

    hh_plugin_dirs none = {.dirs = {"/nonexistent/hivehunt/plugins"}, .count = 1};
    hh_plugin_set empty = {0};
    hh_plugins_load(&empty, &none);
    ok(empty.count == 0 && empty.refused == 0, "a missing directory holds no plugins and is no error");
    return done_testing();
}
