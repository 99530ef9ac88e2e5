/* Layer: cli. May call: diag.h, hunt.h, hunt_collect.h, hunt_hives.h, case.h,
 * lua, hive, base. */
/* --baseline: a golden SYSTEM hive, a saved services jsonl, or a golden
 * host's folder, turned into the baseline rows a policy compares against. */
#include "hunt_baseline.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "case.h"
#include "diag.h"
#include "hive.h"
#include "hunt_collect.h"
#include "regf_lua.h"
#include "util.h"

static void print_hive_warnings(hh_hive *h)
{
    for (size_t i = 0; i < hh_hive_warning_count(h); i++)
        hh_warning(hh_hive_get_info(h)->path, "%s", hh_hive_warning(h, i));
}

/* Opens a hive of the expected kind; prints the one-line error itself. */
static int open_kind(const char *path, int kind, const hh_hunt_opts *o, const char *role, hh_hive **out)
{
    hh_open_options opts;
    hh_open_options_default(&opts);
    opts.replay = o->replay;
    opts.reader = o->reader;
    if (o->nlogs && path == o->system) {
        opts.logs = o->logs;
        opts.nlogs = o->nlogs;
    }
    char err[HH_ERRLEN];
    if (hh_hive_open(path, &opts, out, err, sizeof err) != 1) {
        hh_error(path, "%s", err);
        return -1;
    }
    int got = hh_hive_get_info(*out)->kind;
    if (got != kind) {
        hh_error(path, "given as %s but it is a %s hive", role, hh_hive_kind_name(got));
        hh_hive_close(out);
        return -1;
    }
    print_hive_warnings(*out);
    return 1;
}

static int file_is_hive(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char sig[4] = {0};
    size_t n = fread(sig, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(sig, "regf", 4) == 0;
}

/* Loads the baseline rows (a golden hive, or a saved services jsonl) and
 * pushes { rows = ..., source = path }. Prints the one-line error itself
 * and returns the exit code on failure. */
int hh_load_baseline(hh_sandbox *sb, int plugin_ref, const hh_hunt_opts *o)
{
    lua_State *L = hh_sandbox_state(sb);
    char err[1024];
    if (file_is_hive(o->baseline)) {
        hh_hive *g = NULL;
        if (open_kind(o->baseline, HH_HIVE_SYSTEM, o, "a baseline SYSTEM", &g) != 1)
            return HH_EXIT_INPUT;
        hh_lua_push_hive(L, g);
        int gi = lua_gettop(L);
        if (hh_plugin_collect(L, plugin_ref, gi, 0, o->baseline, "services") != 1)
            return HH_EXIT_INPUT;
        lua_remove(L, gi);
    } else {
        size_t len;
        char *text = hh_read_text_file(o->baseline, (size_t)256 << 20, &len, err, sizeof err);
        if (!text) {
            hh_error(o->baseline, "%s", err);
            return HH_EXIT_INPUT;
        }
        /* The export is untrusted text too: decode it inside the sandbox. */
        hh_sandbox_push_env(sb);
        lua_getfield(L, -1, "require");
        lua_remove(L, -2);
        lua_pushliteral(L, "hh.json");
        if (hh_sandbox_pcall(sb, 1, 1, err, sizeof err) != 1) {
            free(text);
            hh_error(NULL, "cannot load the JSON decoder: %s", err);
            return HH_EXIT_POLICY;
        }
        lua_getfield(L, -1, "decode_lines");
        lua_remove(L, -2);
        lua_pushlstring(L, text, len);
        free(text);
        if (hh_sandbox_pcall(sb, 1, 2, err, sizeof err) != 1) {
            hh_error(o->baseline, "not a hive and not a services jsonl export: %s", err);
            return HH_EXIT_INPUT;
        }
        if (!lua_istable(L, -2)) {
            hh_error(o->baseline, "not a hive and not a services jsonl export: %s",
                     lua_isstring(L, -1) ? lua_tostring(L, -1) : "no rows");
            lua_pop(L, 2);
            return HH_EXIT_INPUT;
        }
        lua_pop(L, 1);
        lua_newtable(L);
        lua_insert(L, -2);
        lua_setfield(L, -2, "rows");
    }
    lua_pushstring(L, o->baseline);
    lua_setfield(L, -2, "source");
    return -1;
}

/* --baseline DIR: a golden host's hives (found as a case finds a host's:
 * config folder, Users/<name>, flat). Opens them into golden; -1 to go on, or an
 * exit code. */
int hh_open_golden(lua_State *L, const hh_hunt_opts *o, hh_hive_set *golden)
{
    hh_case c;
    char err[1024];
    if (hh_case_discover(o->baseline, &c, err, sizeof err) != 1 || c.count == 0) {
        hh_error(o->baseline, "not a golden host: %s", c.count == 0 ? "no SYSTEM or NTUSER.DAT hive under it" : err);
        if (c.count)
            hh_case_free(&c);
        return HH_EXIT_INPUT;
    }
    if (c.count > 1)
        hh_warning(o->baseline, "holds %zu hosts: the first (%s) is the baseline", c.count, c.hosts[0].host);
    hh_hunt_opts g = *o;
    g.nhives = 0;
    g.nlogs = 0;
    const hh_case_host *h = &c.hosts[0];
    if (h->system)
        hh_hunt_opts_add_hive(&g, h->system, 0);
    if (h->software)
        hh_hunt_opts_add_hive(&g, h->software, 0);
    for (size_t k = 0; k < h->nusers; k++)
        hh_hunt_opts_add_hive(&g, h->users[k], 1);
    /* The paths must outlive the case list: keep them in Lua strings. */
    for (size_t k = 0; k < g.nhives; k++) {
        lua_pushstring(L, g.hives[k]);
        g.hives[k] = lua_tostring(L, -1);
        luaL_ref(L, LUA_REGISTRYINDEX);
    }
    hh_case_free(&c);
    int rc = hh_hive_set_open(L, &g, golden);
    if (rc < 0)
        hh_hive_set_print_warnings(golden);
    return rc;
}

/* Sets input.baseline = { rows, source } for the plugin at it from the
 * golden host's hives, when they hold what the plugin needs. */
int hh_golden_baseline(lua_State *L, const hh_hunt_opts *o, const hh_hive_set *golden, const hh_plan_item *it,
                       int ref, int input)
{
    if ((it->required & golden->present) != it->required ||
        (!it->required && !(it->optional & golden->present)))
        return -1; /* the golden host lacks this plugin's hives: no baseline for it */
    int a1, a2 = 0;
    if (it->legacy) {
        a1 = golden->items[golden->system].idx;
        a2 = golden->software >= 0 ? golden->items[golden->software].idx : 0;
    } else {
        hh_hive_set_push_table(L, golden);
        a1 = lua_gettop(L);
    }
    if (hh_plugin_collect(L, ref, a1, a2, o->baseline, it->plugin->desc->name) != 1)
        return HH_EXIT_INPUT;
    lua_createtable(L, 0, 2);
    lua_getfield(L, -2, "rows");
    lua_setfield(L, -2, "rows");
    lua_pushstring(L, o->baseline);
    lua_setfield(L, -2, "source");
    lua_setfield(L, input, "baseline");
    lua_pop(L, it->legacy ? 1 : 2);
    return -1;
}
