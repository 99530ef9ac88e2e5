/* Layer: cli. May call: hunt.h, hunt_findings.h, lua, base. */
/* The policy chain of one plugin: where policies are found, the local
 * layers over the shipped one, and one run of the chain over an input. */
#include "hunt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hunt_findings.h"
#include "luaenv.h"
#include "policy.h"

/* args for one policy: --arg NAME.key=value with NAME = the policy name. */
static void push_policy_args(lua_State *L, const hh_hunt_opts *o, const char *policy_name)
{
    lua_newtable(L);
    size_t plen = strlen(policy_name);
    for (size_t i = 0; i < o->nargs; i++) {
        const char *a = o->args[i];
        if (strncmp(a, policy_name, plen) != 0 || a[plen] != '.')
            continue;
        const char *eq = strchr(a, '=');
        lua_pushlstring(L, a + plen + 1, (size_t)(eq - (a + plen + 1)));
        lua_pushstring(L, eq + 1);
        lua_settable(L, -3);
    }
}

void hh_policy_search_dirs(const hh_hunt_opts *o, const char **dirs, size_t *n, char *xdg, size_t xdglen)
{
    *n = 0;
    dirs[(*n)++] = hh_lua_dir();
    const char *x = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (x && *x)
        snprintf(xdg, xdglen, "%s/hivehunt", x);
    else if (home && *home)
        snprintf(xdg, xdglen, "%s/.config/hivehunt", home);
    else
        xdg[0] = '\0';
    if (xdg[0])
        dirs[(*n)++] = xdg;
    if (o->case_dir)
        dirs[(*n)++] = o->case_dir;
}

const char *hh_policy_target(const char *spec)
{
    /* "tasks=mine.lua": a plugin name (as plugins.c allows) then '='. */
    const char *p = spec;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
        p++;
    return *p == '=' && p > spec && p - spec <= 64 ? p : NULL;
}

static int regular_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

size_t hh_policy_layer_files(const hh_hunt_opts *o, const char *plugin, const char **files, char store[2][4200])
{
    size_t n = 0;
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024];
    hh_policy_search_dirs(o, dirs, &ndirs, xdg, sizeof xdg);
    /* dirs[0] is the shipped Lua: its policy is layer 0, not a file layer. */
    for (size_t i = 1; i < ndirs && n < 2; i++) {
        snprintf(store[n], sizeof store[n], "%s/%s.lua", dirs[i], plugin);
        if (regular_file(store[n])) {
            files[n] = store[n];
            n++;
        }
    }
    for (size_t i = 0; i < o->npolicies && n < HH_MAX_POLICY_LAYERS - 1; i++) {
        const char *f = o->policies[i];
        const char *eq = hh_policy_target(f);
        if (eq ? (strncmp(f, plugin, (size_t)(eq - f)) == 0 && plugin[eq - f] == '\0')
               : strcmp(plugin, o->plugin) == 0)
            files[n++] = eq ? eq + 1 : f;
    }
    return n;
}

int hh_run_policy(hh_sandbox *sb, const hh_hunt_opts *o, int input, const char *plugin, char *err, size_t errlen)
{
    lua_State *L = hh_sandbox_state(sb);
    hh_policy_chain chain;
    const char *files[HH_MAX_POLICY_LAYERS];
    char store[2][4200];
    size_t nfiles = hh_policy_layer_files(o, plugin, files, store);
    if (hh_policy_chain_load(sb, plugin, files, nfiles, &chain, err, errlen) != 1)
        return -1;
    hh_policy *pol = &chain.layers[chain.n - 1];
    push_policy_args(L, o, pol->name);
    int args = lua_gettop(L);
    lua_pushvalue(L, args);
    lua_setfield(L, input, "args");
    int rc = hh_policy_evaluate(sb, pol, input, args, err, errlen);
    hh_policy_chain_release(sb, &chain);
    if (rc != 1) {
        lua_pop(L, 1);
        return -1;
    }
    lua_remove(L, args);
    int all = lua_gettop(L);
    hh_enrich_findings(L, all, input, plugin);
    hh_findings_sort(L, all);
    return 1;
}
