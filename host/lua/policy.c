/* Layer: lua. May call: hive, base, Lua. */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "util.h"

static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};

int hh_severity_rank(const char *s)
{
    for (int i = 0; s && severities[i]; i++)
        if (strcmp(s, severities[i]) == 0)
            return i;
    return -1;
}

/* Checks field `name` of the table at idx has Lua type `type` (optional:
 * nil allowed). 1 ok, else writes err. */
static int check_field(lua_State *L, int idx, const char *src, const char *name, int type, int optional,
                       char *err, size_t errlen)
{
    int t = lua_getfield(L, idx, name);
    lua_pop(L, 1);
    if (t == type || (optional && t == LUA_TNIL))
        return 1;
    snprintf(err, errlen, "%s: policy field '%s' must be a %s%s (got %s)", src, name, lua_typename(L, type),
             optional ? " or nil" : "", lua_typename(L, t));
    return 0;
}

int hh_policy_load(hh_sandbox *sb, const char *path, const char *plugin_name, hh_policy *out, char *err,
                   size_t errlen)
{
    lua_State *L = hh_sandbox_state(sb);
    memset(out, 0, sizeof *out);
    out->ref = LUA_NOREF;
    char src[1024];
    char why[1024];
    if (path) {
        snprintf(src, sizeof src, "%s", path);
        if (hh_sandbox_loadfile(sb, path, why, sizeof why) != 1) {
            /* Lua's refusal of a binary chunk does not name the file. */
            if (strstr(why, path))
                snprintf(err, errlen, "%s", why);
            else
                snprintf(err, errlen, "%s: %s", path, why);
            return -1;
        }
        lua_pushstring(L, path);
        if (hh_sandbox_pcall(sb, 1, 1, why, sizeof why) != 1) {
            /* Errors raised by shipped helpers (extend's validation) carry no
             * position in this file: name it. */
            if (strstr(why, path))
                snprintf(err, errlen, "%s", why);
            else
                snprintf(err, errlen, "%s: %s", path, why);
            return -1;
        }
    } else {
        snprintf(src, sizeof src, "shipped policy '%s'", plugin_name);
        hh_sandbox_push_env(sb);
        lua_getfield(L, -1, "require");
        lua_remove(L, -2);
        lua_pushstring(L, plugin_name);
        if (hh_sandbox_pcall(sb, 1, 1, why, sizeof why) != 1) {
            snprintf(err, errlen, "%s", why);
            return -1;
        }
    }
    int t = lua_gettop(L);
    if (!lua_istable(L, t)) {
        snprintf(err, errlen, "%s: a policy must return a table (got %s)", src, luaL_typename(L, t));
        lua_pop(L, 1);
        return -1;
    }
    if (!check_field(L, t, src, "name", LUA_TSTRING, 0, err, errlen) ||
        !check_field(L, t, src, "description", LUA_TSTRING, 0, err, errlen) ||
        !check_field(L, t, src, "hives", LUA_TTABLE, 0, err, errlen) ||
        !check_field(L, t, src, "categories", LUA_TTABLE, 1, err, errlen) ||
        !check_field(L, t, src, "init", LUA_TFUNCTION, 1, err, errlen) ||
        !check_field(L, t, src, "evaluate", LUA_TFUNCTION, 0, err, errlen)) {
        lua_pop(L, 1);
        return -1;
    }
    lua_getfield(L, t, "name");
    out->name = hh_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    out->source = hh_strdup(path ? path : plugin_name);
    out->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

void hh_policy_release(hh_sandbox *sb, hh_policy *p)
{
    if (p->ref != LUA_NOREF)
        luaL_unref(hh_sandbox_state(sb), LUA_REGISTRYINDEX, p->ref);
    free(p->source);
    free(p->name);
    memset(p, 0, sizeof *p);
    p->ref = LUA_NOREF;
}

int hh_policy_chain_load(hh_sandbox *sb, const char *plugin_name, const char *const *files, size_t nfiles,
                         hh_policy_chain *chain, char *err, size_t errlen)
{
    memset(chain, 0, sizeof *chain);
    if (nfiles + 1 > HH_MAX_POLICY_LAYERS) {
        snprintf(err, errlen, "at most %d policy layers", HH_MAX_POLICY_LAYERS - 1);
        return -1;
    }
    if (hh_policy_load(sb, NULL, plugin_name, &chain->layers[0], err, errlen) != 1)
        return -1;
    chain->n = 1;
    lua_State *L = hh_sandbox_state(sb);
    for (size_t i = 0; i < nfiles; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, chain->layers[chain->n - 1].ref);
        hh_sandbox_set_loaded(sb, plugin_name);
        if (hh_policy_load(sb, files[i], plugin_name, &chain->layers[chain->n], err, errlen) != 1) {
            hh_policy_chain_release(sb, chain);
            return -1;
        }
        chain->n++;
    }
    return 1;
}

void hh_policy_chain_release(hh_sandbox *sb, hh_policy_chain *chain)
{
    for (size_t i = 0; i < chain->n; i++)
        hh_policy_release(sb, &chain->layers[i]);
    chain->n = 0;
}

static int ctx_warn(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    const char *msg = luaL_checkstring(L, 1);
    size_t len = strlen(msg); /* up to a NUL, as ever */
    hh_stderr_line(lua_pushfstring(L, "hivehunt: policy %s: warning: ", name), &msg, &len, 1, 0);
    return 0;
}

/* Findings are data other tools parse: check the contract's core fields
 * here so a policy bug is an error, not a malformed report. */
static int validate_findings(lua_State *L, int idx, const char *src, char *err, size_t errlen)
{
    if (!lua_istable(L, idx)) {
        snprintf(err, errlen, "%s: evaluate must return an array of findings (got %s)", src, luaL_typename(L, idx));
        return -1;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int f = lua_gettop(L);
        if (!lua_istable(L, f)) {
            snprintf(err, errlen, "%s: finding %lld is a %s, not a table", src, (long long)i, luaL_typename(L, f));
            lua_pop(L, 1);
            return -1;
        }
        static const char *const strings[] = {"rule", "message", NULL};
        for (const char *const *s = strings; *s; s++) {
            if (lua_getfield(L, f, *s) != LUA_TSTRING) {
                snprintf(err, errlen, "%s: finding %lld: field '%s' must be a string", src, (long long)i, *s);
                lua_pop(L, 2);
                return -1;
            }
            lua_pop(L, 1);
        }
        lua_getfield(L, f, "severity");
        if (hh_severity_rank(lua_tostring(L, -1)) < 0 || lua_type(L, -1) != LUA_TSTRING) {
            snprintf(err, errlen, "%s: finding %lld: field 'severity' must be one of info, low, medium, high, critical",
                     src, (long long)i);
            lua_pop(L, 2);
            return -1;
        }
        lua_pop(L, 1);
        int st = lua_getfield(L, f, "score");
        lua_pop(L, 1);
        if (st != LUA_TNUMBER && st != LUA_TNIL) {
            snprintf(err, errlen, "%s: finding %lld: field 'score' must be a number", src, (long long)i);
            lua_pop(L, 1);
            return -1;
        }
        if (st == LUA_TNIL) {
            lua_pushinteger(L, 0);
            lua_setfield(L, f, "score");
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* An error with no "file:line:" of its own (out of memory: Lua runs no
 * message handler for it) still names the policy and the call. */
static void name_policy(char *err, size_t errlen, const char *source, const char *call, const char *why)
{
    const char *colon = strchr(why, ':');
    int positioned = colon && colon[1] >= '0' && colon[1] <= '9';
    if (positioned || !source)
        snprintf(err, errlen, "%s", why);
    else
        snprintf(err, errlen, "%s: %s: %s", source, call, why);
}

int hh_policy_evaluate(hh_sandbox *sb, hh_policy *p, int input_idx, int args_idx, char *err, size_t errlen)
{
    lua_State *L = hh_sandbox_state(sb);
    input_idx = lua_absindex(L, input_idx);
    args_idx = lua_absindex(L, args_idx);
    char why[1024];
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref);
    int pol = lua_gettop(L);
    if (lua_getfield(L, pol, "init") == LUA_TFUNCTION) {
        lua_pushvalue(L, args_idx);
        if (hh_sandbox_pcall(sb, 1, 0, why, sizeof why) != 1) {
            name_policy(err, errlen, p->source, "init", why);
            lua_settop(L, pol - 1);
            return -1;
        }
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, pol, "evaluate");
    lua_pushvalue(L, input_idx);
    lua_newtable(L); /* ctx */
    lua_pushstring(L, p->name);
    lua_pushcclosure(L, ctx_warn, 1);
    lua_setfield(L, -2, "warn");
    lua_pushstring(L, p->name);
    lua_setfield(L, -2, "policy");
    if (hh_sandbox_pcall(sb, 2, 1, why, sizeof why) != 1) {
        name_policy(err, errlen, p->source, "evaluate", why);
        lua_settop(L, pol - 1);
        return -1;
    }
    if (validate_findings(L, lua_gettop(L), p->source, err, errlen) != 1) {
        lua_settop(L, pol - 1);
        return -1;
    }
    lua_remove(L, pol);
    return 1;
}

void hh_lua_array_append(lua_State *L, int dst, int src)
{
    dst = lua_absindex(L, dst);
    src = lua_absindex(L, src);
    lua_Integer n = (lua_Integer)lua_rawlen(L, dst);
    lua_Integer m = (lua_Integer)lua_rawlen(L, src);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_rawgeti(L, src, i);
        lua_rawseti(L, dst, n + i);
    }
}

typedef struct {
    int pos;
    double score;
    const char *last_write, *service, *control_set, *rule;
} sort_item;

static int strcmp_null(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_findings(const void *pa, const void *pb)
{
    const sort_item *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    int c = strcmp_null(b->last_write, a->last_write); /* newest first */
    if (c) return c;
    if ((c = strcmp_null(a->service, b->service))) return c;
    if ((c = strcmp_null(a->control_set, b->control_set))) return c;
    if ((c = strcmp_null(a->rule, b->rule))) return c;
    return a->pos - b->pos;
}

static const char *field_str(lua_State *L, int t, const char *k)
{
    /* The string stays alive: it is still referenced from the table. */
    const char *s = lua_getfield(L, t, k) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1);
    return s;
}

void hh_findings_sort(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n < 2)
        return;
    sort_item *items = calloc((size_t)n, sizeof *items);
    if (!items)
        luaL_error(L, "out of memory");
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, idx, i + 1);
        int f = lua_gettop(L);
        items[i].pos = (int)i + 1;
        lua_getfield(L, f, "score");
        items[i].score = lua_tonumber(L, -1);
        lua_pop(L, 1);
        items[i].last_write = field_str(L, f, "last_write");
        items[i].service = field_str(L, f, "service");
        items[i].control_set = field_str(L, f, "control_set");
        items[i].rule = field_str(L, f, "rule");
        lua_pop(L, 1);
    }
    qsort(items, (size_t)n, sizeof *items, cmp_findings);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, idx, items[i].pos);
        lua_rawseti(L, -2, i + 1);
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_rawseti(L, idx, i);
    }
    lua_pop(L, 1);
    free(items);
}
