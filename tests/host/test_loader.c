/* Plugin loader: a good plugin loads and works through Lua, each kind of
 * bad plugin is refused with a reason and the others still load, a missing
 * directory holds no plugins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "plugin_plan.h"
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
    ok(all.count == 4 && hh_plugins_find(&all, "good") && hh_plugins_find(&all, "chaintest") &&
           hh_plugins_find(&all, "userrun") && hh_plugins_find(&all, "machinerun"),
       "directory scan loads only the good plugins (good, chaintest, userrun, machinerun)");
    ok(all.refused == 4, "directory scan refuses the four bad ones (%d)", all.refused);

    /* Hive kinds: a descriptor that declares none reads SYSTEM (+ SOFTWARE)
     * and is called the old way; one that declares them is planned by them. */
    uint32_t req, opt;
    int legacy;
    hh_plugin_kinds(hh_plugins_find(&all, "chaintest")->desc, &req, &opt, &legacy);
    ok(legacy && req == HH_HIVE_BIT(HH_HIVE_SYSTEM) && opt == HH_HIVE_BIT(HH_HIVE_SOFTWARE),
       "no masks: SYSTEM required, SOFTWARE optional, old-style call");
    hh_plugin_kinds(hh_plugins_find(&all, "userrun")->desc, &req, &opt, &legacy);
    ok(!legacy && req == HH_HIVE_BIT(HH_HIVE_NTUSER) && opt == 0, "userrun declares NTUSER required");
    hh_plugin_plan plan;
    char perr[256];
    ok(hh_plugin_plan_make(&all, HH_HIVE_BIT(HH_HIVE_NTUSER), NULL, 0, &plan, perr, sizeof perr) == 1 &&
           plan.n == 1 && strcmp(plan.items[0].plugin->desc->name, "userrun") == 0 && plan.nskipped == 3,
       "a user hive alone: userrun runs, the three others are skipped with a reason");
    ok(plan.nskipped && strstr(plan.skipped[0], "skipped: no hive of a kind it needs: SYSTEM") != NULL,
       "the reason names the missing kind: %s", plan.nskipped ? plan.skipped[0] : "");
    ok(hh_plugin_plan_make(&all, HH_HIVE_BIT(HH_HIVE_SYSTEM) | HH_HIVE_BIT(HH_HIVE_SOFTWARE), NULL, 0, &plan, perr,
                           sizeof perr) == 1 &&
           plan.n == 3 && strcmp(plan.items[0].plugin->desc->name, "chaintest") == 0 &&
           strcmp(plan.items[2].plugin->desc->name, "machinerun") == 0,
       "SYSTEM and SOFTWARE: chaintest, good, machinerun, in name order");
    ok(hh_plugin_plan_make(&all, HH_HIVE_BIT(HH_HIVE_NTUSER) | HH_HIVE_BIT(HH_HIVE_SOFTWARE), NULL, 0, &plan, perr,
                           sizeof perr) == 1 &&
           plan.n == 2 && strcmp(plan.items[0].plugin->desc->name, "userrun") == 0,
       "machinerun reads userrun's rows: userrun runs first, against name order");
    const char *named[] = {"machinerun", "chaintest"};
    ok(hh_plugin_plan_make(&all, ~0u, named, 2, &plan, perr, sizeof perr) == 1 && plan.n == 2 &&
           strcmp(plan.items[0].plugin->desc->name, "machinerun") == 0,
       "--plugin keeps the order given");
    const char *missing[] = {"nosuch"};
    ok(hh_plugin_plan_make(&all, ~0u, missing, 1, &plan, perr, sizeof perr) == -1 && strstr(perr, "'nosuch' not found"),
       "a named plugin that is not installed: %s", perr);
    hh_plugins_unload(&all);

    hh_plugin_dirs none = {.dirs = {"/nonexistent/hivehunt/plugins"}, .count = 1};
    hh_plugin_set empty = {0};
    hh_plugins_load(&empty, &none);
    ok(empty.count == 0 && empty.refused == 0, "a missing directory holds no plugins and is no error");
    return done_testing();
}
