/*
 * libFuzzer target: hive bytes -> hh_hive_open_memory -> the services
 * plugin's extraction (its C code compiled in, reached through the host
 * services table exactly as a dlopen'ed plugin is) -> the shipped policy in
 * the sandbox -> a jsonl report into memory. The same path `hivehunt hunt
 * --format jsonl` takes inside its isolated child, minus the fork.
 *
 * The plugin is linked in rather than dlopen'ed per input: libFuzzer
 * registers a module's coverage counters each time it is loaded and keeps
 * a fixed-size table of modules.
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

static const hh_plugin *services_plugin;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    services_plugin = hivehunt_plugin_entry();
    char err[256];
    if (services_plugin->init(hh_host_api_get(), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_hive: services plugin init failed: %s\n", err);
        abort();
    }
    return 0;
}

/* collect(system, nil) under a traceback handler; pushes the input table. */
static int collect(lua_State *L, int hive_idx)
{
    lua_pushcfunction(L, hh_lua_traceback);
    int h = lua_gettop(L);
    luaL_requiref(L, "plugin.services", services_plugin->open_lua, 0);
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

static void run_policy_and_report(hh_sandbox *sb, int input)
{
    lua_State *L = hh_sandbox_state(sb);
    char err[2048];
    hh_policy pol;
    if (hh_policy_load(sb, NULL, "services", &pol, err, sizeof err) != 1) {
        /* The shipped policy must always load: a failure here is a bug in
         * the tree, not in the input. */
        fprintf(stderr, "fuzz_hive: shipped policy does not load: %s\n", err);
        abort();
    }
    lua_newtable(L);
    int args = lua_gettop(L);
    lua_pushvalue(L, args);
    lua_setfield(L, input, "args");
    /* A policy error on a hostile hive is an accepted outcome (exit 4 in
     * the CLI); what must not happen is a crash or a leak. */
    if (hh_policy_evaluate(sb, &pol, input, args, err, sizeof err) == 1) {
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
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (out) {
            hh_report_write(L, report, HH_FMT_JSONL, out, 0, err, sizeof err);
            fclose(out);
        }
        free(buf);
    }
    hh_policy_release(sb, &pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hh_open_options opts;
    hh_open_options_default(&opts);
    char err[HH_ERRLEN];
    hh_hive *hive = NULL;
    if (hh_hive_open_memory("fuzz-input", data, size, &opts, &hive, err, sizeof err) != 1)
        return 0;
    const char *dirs[1] = {hh_lua_dir()};
    hh_sandbox_limits lim;
    hh_sandbox_limits_default(&lim);
    hh_sandbox *sb = hh_sandbox_new(&lim, dirs, 1);
    if (!sb) {
        hh_hive_close(&hive);
        return 0;
    }
    lua_State *L = hh_sandbox_state(sb);
    luaL_requiref(L, "hh.regf", hh_open_regf, 0);
    lua_pop(L, 1);
    hh_lua_push_hive(L, hive); /* the userdata owns it from here */
    int hive_idx = lua_gettop(L);
    if (collect(L, hive_idx))
        run_policy_and_report(sb, lua_gettop(L));
    hh_sandbox_free(sb);
    return 0;
}

#ifdef HH_FUZZ_STANDALONE
/* Replays files given as arguments (no libFuzzer): for reproducing a crash
 * under gdb or in a build without clang. */
int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
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
