/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt rules [--policy FILE]... : every rule of the effective policy,
 * with the file that defines it, and the rules local layers disabled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "diag.h"
#include "commands.h"
#include "hunt.h"
#include "plugin_plan.h"
#include "plugins.h"
#include "policy.h"

static const char rules_usage[] =
    "usage: hivehunt rules [--policy [PLUGIN=]FILE]... [--plugin NAME]... [--plugin-dir DIR]\n"
    "Lists every rule of each plugin's effective policy, grouped by plugin (every installed\n"
    "plugin and the correlation policy; --plugin narrows): the shipped one, then\n"
    "$XDG_CONFIG_HOME/hivehunt/<plugin>.lua, then each --policy, each able to\n"
    "add, disable, re-weight and allowlist rules. Disabled rules are listed too.\n"
    "--policy FILE layers over services (or the first --plugin), --policy PLUGIN=FILE over PLUGIN.\n";

/* The chunk a rule's function was defined in: where an analyst edits it. */
static void rule_source(lua_State *L, int rule, char *out, size_t outlen)
{
    snprintf(out, outlen, "?");
    const char *fields[] = {"match", "evaluate"};
    for (int i = 0; i < 2; i++) {
        if (lua_getfield(L, rule, fields[i]) == LUA_TFUNCTION) {
            lua_Debug ar;
            lua_getinfo(L, ">S", &ar);
            snprintf(out, outlen, "%s", ar.short_src);
            return;
        }
        lua_pop(L, 1);
    }
}

static const char *str_field(lua_State *L, int t, const char *k, char *buf, size_t len)
{
    lua_getfield(L, t, k);
    if (lua_type(L, -1) == LUA_TNUMBER)
        snprintf(buf, len, "%g", lua_tonumber(L, -1));
    else
        snprintf(buf, len, "%s", lua_isstring(L, -1) ? lua_tostring(L, -1) : "-");
    lua_pop(L, 1);
    return buf;
}

/* Is rule id in the rules array of the policy table at idx? */
static int has_rule(lua_State *L, int policy, const char *id)
{
    int found = 0;
    if (lua_getfield(L, policy, "rules") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n && !found; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_istable(L, -1)) {
                lua_getfield(L, -1, "id");
                found = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), id) == 0;
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return found;
}

static void print_rule(lua_State *L, int rule, const char *status)
{
    char id[128], tech[32], sev[16], w[32], src[512];
    printf("%-32s %-10s %-9s %-6s %-9s %s\n", str_field(L, rule, "id", id, sizeof id),
           str_field(L, rule, "technique", tech, sizeof tech), str_field(L, rule, "severity", sev, sizeof sev),
           str_field(L, rule, "weight", w, sizeof w), status, (rule_source(L, rule, src, sizeof src), src));
}

/* One plugin's effective policy: its layers, then every rule. */
static int rules_of(const hh_hunt_opts *base, const char *plugin)
{
    hh_hunt_opts o = *base;
    o.plugin = base->plugin;
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024], err[2048];
    hh_policy_search_dirs(&o, dirs, &ndirs, xdg, sizeof xdg);
    hh_sandbox *sb = hh_sandbox_new(&o.sandbox, dirs, ndirs);
    if (!sb) {
        hh_error(NULL, "cannot create the policy sandbox");
        return HH_EXIT_POLICY;
    }
    const char *files[HH_MAX_POLICY_LAYERS];
    char store[2][4200];
    size_t nfiles = hh_policy_layer_files(&o, plugin, files, store);
    hh_policy_chain chain;
    if (hh_policy_chain_load(sb, plugin, files, nfiles, &chain, err, sizeof err) != 1) {
        hh_error(NULL, "policy error: %s", err);
        hh_sandbox_free(sb);
        return HH_EXIT_POLICY;
    }
    lua_State *L = hh_sandbox_state(sb);
    printf("policy layers:");
    for (size_t i = 0; i < chain.n; i++)
        printf(" %s%s", i ? "> " : "", chain.layers[i].source);
    printf("\n%-32s %-10s %-9s %-6s %-9s %s\n", "ID", "TECHNIQUE", "SEVERITY", "WEIGHT", "STATUS", "SOURCE");
    lua_rawgeti(L, LUA_REGISTRYINDEX, chain.layers[chain.n - 1].ref);
    int eff = lua_gettop(L);
    if (lua_getfield(L, eff, "rules") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_istable(L, -1))
                print_rule(L, lua_gettop(L), "active");
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    /* A rule some layer had that the effective policy lacks was disabled
     * (or dropped by a replacing policy): list it once, as the latest layer
     * that had it defined it. */
    lua_newtable(L);
    int seen = lua_gettop(L);
    for (size_t l = chain.n - 1; l-- > 0;) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, chain.layers[l].ref);
        if (lua_getfield(L, -1, "rules") == LUA_TTABLE) {
            lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, i);
                int rule = lua_gettop(L);
                if (lua_istable(L, rule) && lua_getfield(L, rule, "id") == LUA_TSTRING) {
                    const char *id = lua_tostring(L, -1);
                    if (!has_rule(L, eff, id) && lua_getfield(L, seen, id) == LUA_TNIL) {
                        print_rule(L, rule, "disabled");
                        lua_pushboolean(L, 1);
                        lua_setfield(L, seen, id);
                    }
                    lua_pop(L, 1);
                }
                lua_settop(L, rule - 1);
            }
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    lua_pop(L, 1);
    hh_policy_chain_release(sb, &chain);
    hh_sandbox_free(sb);
    return HH_EXIT_OK;
}

int hh_cmd_rules(int argc, char **argv)
{
    hh_hunt_opts o;
    hh_hunt_opts_default(&o);
    const char *pos[1];
    int npos = 0;
    int rc = hh_hunt_parse(argc, argv, &o, pos, &npos, 0, rules_usage);
    if (rc >= 0)
        return rc;
    /* Which plugins: those named, else every installed one, then correlate. */
    const char *names[HH_PLAN_MAX + 1];
    size_t n = 0;
    hh_plugin_set set = {0};
    if (o.nplugins) {
        for (size_t i = 0; i < o.nplugins; i++)
            names[n++] = o.plugins[i];
    } else {
        hh_plugin_dirs pdirs;
        hh_plugin_dirs_default(&pdirs, o.plugin_dir);
        hh_plugins_load(&set, &pdirs);
        hh_plugin_plan plan;
        char err[512];
        if (hh_plugin_plan_make(&set, ~0u, NULL, 0, &plan, err, sizeof err) == 1)
            for (size_t i = 0; i < plan.n && n < HH_PLAN_MAX; i++)
                names[n++] = plan.items[i].plugin->desc->name;
        names[n++] = "correlate";
    }
    int code = HH_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (n > 1) {
            printf("%s== %s ==\n", i ? "\n" : "", names[i]);
            fflush(stdout);
        }
        code = hh_exit_worst(code, rules_of(&o, names[i]));
    }
    hh_plugins_unload(&set);
    return code;
}
