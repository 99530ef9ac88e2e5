/*
 * libFuzzer target: hive bytes -> hh_hive_open_memory -> the services
 * plugin's extraction (its C code compiled in, reached through the host
 * services table exactly as a dlopen'ed plugin is) -> the shipped policy in
 * the sandbox -> a jsonl report into memory. A hive detected as SOFTWARE
 * goes through the services plugin's svchost group reader instead, and
 * through the tasks plugin (TaskCache rows and their blob decoders) and the
 * tasks policy; so does a hive whose kind cannot be told. The same path
 * `hivehunt hunt --format jsonl` takes inside its isolated child, minus the
 * fork.
 *
 * The plugin is linked in rather than dlopen'ed per input: libFuzzer
 * registers a module's coverage counters each time it is loaded and keeps
 * a fixed-size table of modules.
 *
 * Each input is read twice, with the cells reader (the default) and with
 * --reader libregf, and the two reports (findings and rows, jsonl) must be
 * byte-identical: a difference aborts like a crash.
 *
 * Built only with -DHH_FUZZ=ON (clang); tests/fuzz/run.sh drives it. Also
 * usable without libFuzzer (HH_FUZZ_STANDALONE): each argument is a file
 * run once, which is how tests/hostile replays its mutations in-process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hive.h"
#include "luaenv.h"
#include "plugins.h"
#include "policy.h"
#include "regf_lua.h"
#include "report.h"
#include "sandbox.h"

const hh_plugin *hivehunt_plugin_entry(void);
const hh_plugin *hivehunt_tasks_plugin_entry(void); /* fuzz_tasks_plugin.c */

/* One sandbox with the plugin module and the shipped policy loaded, kept
 * for every input: building them is most of the cost of a small input
 * (~6 of ~7 ms), and each input's hive and tables are collected after it. */
static const hh_plugin *services_plugin;
static hh_sandbox *sandbox;
static hh_policy policy;
static int plugin_ref = LUA_NOREF;
static const hh_plugin *tasks_plugin;
static hh_policy tasks_policy;
static int tasks_ref = LUA_NOREF;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[2048];
    services_plugin = hivehunt_plugin_entry();
    if (services_plugin->init(hh_host_api_get(), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_hive: services plugin init failed: %s\n", err);
        abort();
    }
    tasks_plugin = hivehunt_tasks_plugin_entry();
    if (tasks_plugin->init(hh_host_api_get(), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_hive: tasks plugin init failed: %s\n", err);
        abort();
    }
    const char *dirs[1] = {hh_lua_dir()};
    hh_sandbox_limits lim;
    hh_sandbox_limits_default(&lim);
    sandbox = hh_sandbox_new(&lim, dirs, 1);
    if (!sandbox)
        abort();
    lua_State *L = hh_sandbox_state(sandbox);
    luaL_requiref(L, "hh.regf", hh_open_regf, 0);
    lua_pop(L, 1);
    luaL_requiref(L, "plugin.services", services_plugin->open_lua, 0);
    plugin_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    luaL_requiref(L, "plugin.tasks", tasks_plugin->open_lua, 0);
    tasks_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    /* The shipped policies must always load: a failure is a bug in the tree. */
    if (hh_policy_load(sandbox, NULL, "services", &policy, err, sizeof err) != 1 ||
        hh_policy_load(sandbox, NULL, "tasks", &tasks_policy, err, sizeof err) != 1) {
        fprintf(stderr, "fuzz_hive: shipped policy does not load: %s\n", err);
        abort();
    }
    return 0;
}

/* A plugin's collect(hive, nil) under a traceback handler; pushes the input
 * table. */
static int collect(lua_State *L, int ref, int hive_idx)
{
    lua_pushcfunction(L, hh_lua_traceback);
    int h = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_getfield(L, -1, "collect");
    lua_remove(L, -2);
    lua_pushvalue(L, hive_idx);
    lua_pushnil(L);
    int ok = lua_pcall(L, 2, 1, h) == LUA_OK && lua_istable(L, -1);
    lua_remove(L, h);
    if (!ok)
        lua_pop(L, 1);
    return ok;
}

/* A SOFTWARE hive is read for its svchost groups (the plugin's other
 * entry point): its bytes are as hostile as a SYSTEM hive's. */
static void svchost_groups(lua_State *L, int hive_idx)
{
    lua_pushcfunction(L, hh_lua_traceback);
    int h = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, plugin_ref);
    lua_getfield(L, -1, "svchost_groups");
    lua_remove(L, -2);
    lua_pushvalue(L, hive_idx);
    lua_pcall(L, 1, 1, h);
    lua_settop(L, h - 1);
}

static void run_policy_and_report(lua_State *L, hh_policy *pol, int input, FILE *out)
{
    char err[2048];
    lua_newtable(L);
    int args = lua_gettop(L);
    lua_pushvalue(L, args);
    lua_setfield(L, input, "args");
    /* A policy error on a hostile hive is an accepted outcome (exit 4 in
     * the CLI); what must not happen is a crash or a leak. */
    if (hh_policy_evaluate(sandbox, pol, input, args, err, sizeof err) != 1) {
        fprintf(out, "policy error\n");
        return;
    }
    int findings = lua_gettop(L);
    hh_findings_sort(L, findings);
    lua_newtable(L);
    int report = lua_gettop(L);
    lua_pushvalue(L, findings);
    lua_setfield(L, report, "findings");
    lua_getfield(L, input, "rows");
    lua_setfield(L, report, "rows");
    lua_pushliteral(L, "findings");
    lua_setfield(L, report, "kind");
    hh_report_write(L, report, HH_FMT_JSONL, out, 0, err, sizeof err);
    /* The rows themselves, as the services listing writes them. */
    lua_pushliteral(L, "services");
    lua_setfield(L, report, "kind");
    hh_report_write(L, report, HH_FMT_JSONL, out, 0, err, sizeof err);
}

/* The whole path for one reader; what it reports goes to out. */
static void run_reader(const uint8_t *data, size_t size, int reader, FILE *out)
{
    hh_open_options opts;
    hh_open_options_default(&opts);
    opts.reader = reader;
    char err[HH_ERRLEN];
    hh_hive *hive = NULL;
    if (hh_hive_open_memory("fuzz-input", data, size, &opts, &hive, err, sizeof err) != 1) {
        fprintf(out, "open: %s\n", err);
        return;
    }
    for (size_t i = 0; i < hh_hive_warning_count(hive); i++)
        fprintf(out, "warning: %s\n", hh_hive_warning(hive, i));
    lua_State *L = hh_sandbox_state(sandbox);
    int top = lua_gettop(L);
    int kind = hh_hive_get_info(hive)->kind;
    hh_lua_push_hive(L, hive); /* the userdata owns it from here */
    if (kind == HH_HIVE_SOFTWARE)
        svchost_groups(L, top + 1);
    else if (collect(L, plugin_ref, top + 1))
        run_policy_and_report(L, &policy, lua_gettop(L), out);
    lua_settop(L, top + 1);
    if ((kind == HH_HIVE_SOFTWARE || kind == HH_HIVE_OTHER) && collect(L, tasks_ref, top + 1))
        run_policy_and_report(L, &tasks_policy, lua_gettop(L), out);
    lua_settop(L, top);
    /* Close this input's hive and free its tables before the next one. */
    lua_gc(L, LUA_GCCOLLECT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int r = 0; r < 2; r++) {
        FILE *out = open_memstream(&text[r], &len[r]);
        if (!out)
            abort();
        run_reader(data, size, r == 0 ? HH_READER_CELLS : HH_READER_LIBREGF, out);
        fclose(out);
    }
    if (len[0] != len[1] || memcmp(text[0], text[1], len[0]) != 0) {
        fprintf(stderr, "fuzz_hive: the cells reader and libregf differ\n--- cells\n%.2000s\n--- libregf\n%.2000s\n",
                text[0], text[1]);
        abort();
    }
    free(text[0]);
    free(text[1]);
    return 0;
}

#ifdef HH_FUZZ_STANDALONE
/* Replays files given as arguments (no libFuzzer): for reproducing a crash
 * under gdb or in a build without clang. */
static void release_sandbox(void)
{
    hh_policy_release(sandbox, &policy);
    hh_policy_release(sandbox, &tasks_policy);
    hh_sandbox_free(sandbox);
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    atexit(release_sandbox);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, n;
        uint8_t chunk[65536];
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
            if (len + n > cap) {
                cap = (len + n) * 2;
                uint8_t *g = realloc(buf, cap);
                if (!g)
                    abort();
                buf = g;
            }
            memcpy(buf + len, chunk, n);
            len += n;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
        free(buf);
    }
    return 0;
}
#endif
