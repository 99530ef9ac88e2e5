/* A plugin's collect under memory exhaustion: a Lua error raised at any point
 * of the walk must release every host object the plugin holds. Checked by
 * the hive's reference count, which every live key and value holds: after
 * the Lua state is closed only the test's own reference may remain.
 *   collect_oom_test [PLUGIN FIXTURE ROWS]   (default: services clean/SYSTEM 164)
 * Needs the fixture and the built plugin; skips without them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hive_internal.h"
#include "plugins.h"
#include "regf_lua.h"

#define SKIP 77

typedef struct budget {
    int armed;
    size_t count;    /* allocations since armed */
    size_t fail_at;  /* 0: never fail */
} budget;

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    budget *b = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (b->armed && (!ptr || nsize > osize)) {
        b->count++;
        if (b->fail_at && b->count >= b->fail_at)
            return NULL;
    }
    return realloc(ptr, nsize);
}

/* One collect with a failing allocator; returns the Lua status. */
static int run_collect(hh_hive *hive, lua_CFunction open_plugin, budget *b, int *rows)
{
    lua_State *L = lua_newstate(counting_alloc, b);
    if (!L)
        return -1;
    luaL_requiref(L, "hh.regf", hh_open_regf, 0);
    lua_pop(L, 1);
    luaL_requiref(L, "plugin", open_plugin, 0);
    lua_getfield(L, -1, "collect");
    hh_hive_ref(hive); /* the userdata's reference, dropped by its __gc */
    hh_lua_push_hive(L, hive);
    b->armed = 1;
    b->count = 0;
    int rc = lua_pcall(L, 1, 1, 0);
    b->armed = 0;
    *rows = -1;
    if (rc == LUA_OK && lua_istable(L, -1)) {
        lua_getfield(L, -1, "rows");
        *rows = (int)lua_rawlen(L, -1);
    }
    lua_close(L);
    return rc;
}

int main(int argc, char **argv)
{
    const char *plugin = argc > 3 ? argv[1] : "services";
    const char *fixture = argc > 3 ? argv[2] : "clean/SYSTEM";
    int want_rows = argc > 3 ? atoi(argv[3]) : 164;
    const char *testdata = getenv("HH_TESTDATA");
    const char *plugin_dir = getenv("HIVEHUNT_PLUGIN_PATH");
    if (!testdata || !plugin_dir) {
        puts("skip: HH_TESTDATA or HIVEHUNT_PLUGIN_PATH unset");
        return SKIP;
    }
    char hive_path[4096], plugin_path[4096], err[HH_ERRLEN];
    snprintf(hive_path, sizeof hive_path, "%s/%s", testdata, fixture);
    snprintf(plugin_path, sizeof plugin_path, "%s/%s.so", plugin_dir, plugin);

    hh_plugin_set set = {0};
    if (hh_plugin_load_file(&set, plugin_path, err, sizeof err) != 1) {
        printf("skip: %s: %s\n", plugin_path, err);
        return SKIP;
    }
    hh_open_options opts;
    hh_open_options_default(&opts);
    hh_hive *hive = NULL;
    if (hh_hive_open(hive_path, &opts, &hive, err, sizeof err) != 1) {
        printf("skip: %s: %s\n", hive_path, err);
        hh_plugins_unload(&set);
        return SKIP;
    }
    lua_CFunction open_plugin = hh_plugins_find(&set, plugin)->desc->open_lua;

    int failures = 0, rows = 0;
    budget b = {0};
    if (run_collect(hive, open_plugin, &b, &rows) != LUA_OK || rows != want_rows) {
        fprintf(stderr, "collect without a memory limit failed (rows %d)\n", rows);
        failures++;
    }
    size_t total = b.count;
    if (hive->refs != 1) {
        fprintf(stderr, "after a plain collect the hive has %d references, want 1\n", hive->refs);
        failures++;
    }
    /* Fail the 1st, 2nd, ... allocation of the walk, spread over all of it. */
    int memerrs = 0;
    size_t step = total / 300 ? total / 300 : 1;
    for (size_t at = 1; at <= total && !failures; at += step) {
        b.fail_at = at;
        int rc = run_collect(hive, open_plugin, &b, &rows);
        if (rc == LUA_ERRMEM)
            memerrs++;
        else if (rc != LUA_OK) {
            fprintf(stderr, "allocation %zu: unexpected status %d\n", at, rc);
            failures++;
        }
        if (hive->refs != 1) {
            fprintf(stderr, "allocation %zu failed: %d host objects leaked\n", at, hive->refs - 1);
            failures++;
        }
    }
    if (memerrs == 0) {
        fprintf(stderr, "no run hit the memory limit: the test exercised nothing\n");
        failures++;
    }
    printf("%zu allocations in a walk; %d runs ended in a memory error; %s\n", total, memerrs,
           failures ? "FAILED" : "no host object leaked");
    hh_hive_close(&hive);
    hh_plugins_unload(&set);
    return failures ? 1 : 0;
}
