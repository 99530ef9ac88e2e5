/* Layer: lua. May call: hive, base, Lua. */
/* See sandbox.h. Why each piece is as it is:
 * - The state never opens io, os, package, debug or coroutine at all, so no
 *   path from a policy leads to them; the environment policies see is a
 *   separate table with copies of the allowed libraries.
 * - The count hook re-arms itself with a count of 1 once over budget, so a
 *   policy that catches the error with pcall is stopped again at once.
 * - setmetatable refuses __gc: finalizers run outside the hook's reach.
 * - getmetatable hides the string metatable, whose __index is the shared
 *   string library.
 * - Chunks load in text mode only: crafted bytecode can break the VM. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lualib.h>

#include "hh_limits.h"
#include "lua_bundle.h"
#include "small_alloc.h"
#include "util.h"

#define SANDBOX_KEY "hh.sandbox"
#define LOADED_KEY "hh.sandbox.loaded"

struct hh_sandbox {
    lua_State *L;
    hh_sandbox_limits limits;
    size_t mem_used;
    size_t mem_ceiling;      /* 0: no ceiling (outside policy calls) */
    int mem_exceeded;
    long long instr_used;
    int instr_exceeded;
    int in_call;
    int env_ref;
    char last_where[256];    /* policy position at the last hook: LUA_ERRMEM has no traceback */
    char **dirs;
    size_t ndirs;
    hh_small_alloc *heap;
};

void hh_sandbox_limits_default(hh_sandbox_limits *lim)
{
    lim->memory_bytes = (size_t)HH_POLICY_MEMORY_DEFAULT_MB << 20;
    lim->instructions = HH_POLICY_INSTRUCTIONS_DEFAULT;
}

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    hh_sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize > old && nsize != 0 && sb->mem_ceiling && sb->mem_used - old + nsize > sb->mem_ceiling) {
        sb->mem_exceeded = 1;
        return NULL;
    }
    void *p = hh_small_alloc_realloc(sb->heap, ptr, osize, nsize);
    if (p || nsize == 0)
        sb->mem_used = sb->mem_used - old + nsize;
    return p;
}

static hh_sandbox *get_sandbox(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    hh_sandbox *sb = get_sandbox(L);
    if (!sb->in_call)
        return;
    sb->instr_used += sb->instr_exceeded ? 1 : HH_POLICY_HOOK_STEP;
    /* Once over budget, keep the place where it happened: the hook then
     * fires at every instruction, also in the callers unwinding. */
    if (!sb->instr_exceeded && lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        snprintf(sb->last_where, sizeof sb->last_where, "%s:%d", ar->short_src, ar->currentline);
    if (sb->instr_used > sb->limits.instructions) {
        sb->instr_exceeded = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        /* luaL_where cannot see the running chunk from inside a hook. */
        lua_pushfstring(L, "%s%sinstruction limit exceeded (%I instructions)", sb->last_where,
                        sb->last_where[0] ? ": " : "", (lua_Integer)sb->limits.instructions);
        lua_error(L);
    }
}

/* ---- functions the environment offers ------------------------------------ */

static int sb_print(lua_State *L)
{
    /* stdout carries reports: policy output goes to stderr. */
    int n = lua_gettop(L);
    fputs("policy: ", stderr);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1)
            fputc('\t', stderr);
        for (size_t j = 0; j < len; j++) {
            unsigned char c = (unsigned char)s[j];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                fprintf(stderr, "\\x%02x", c);
            else
                fputc(c, stderr);
        }
        lua_pop(L, 1);
    }
    fputc('\n', stderr);
    return 0;
}

static int sb_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_type(L, 2) == LUA_TTABLE) {
        if (lua_getfield(L, 2, "__gc") != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in policies");
        lua_pop(L, 1);
    } else if (!lua_isnil(L, 2)) {
        return luaL_typeerror(L, 2, "nil or table");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int sb_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    if (!lua_getmetatable(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "__metatable");
    return 1;
}

static int valid_module_name(const char *s)
{
    if (!*s || strlen(s) > 200)
        return 0;
    int need_word = 1;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (need_word)
                return 0;
            need_word = 1;
        } else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') {
            need_word = 0;
        } else {
            return 0;
        }
    }
    return !need_word;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* require for policies: text Lua modules from the search path, sharing the
 * sandbox environment; never C modules. */
static int sb_require(lua_State *L)
{
    hh_sandbox *sb = get_sandbox(L);
    const char *name = luaL_checkstring(L, 1);
    if (!valid_module_name(name))
        return luaL_error(L, "invalid module name '%s'", name);
    lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    char rel[256];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    char path[4096];
    int found = 0;
    for (size_t i = 0; i < sb->ndirs && !found; i++) {
        snprintf(path, sizeof path, "%s/%s.lua", sb->dirs[i], rel);
        if (file_exists(path)) {
            found = 1;
            break;
        }
        snprintf(path, sizeof path, "%s/%s/init.lua", sb->dirs[i], rel);
        if (file_exists(path))
            found = 1;
    }
    if (!found)
        return luaL_error(L, "module '%s' not found in the policy search path", name);
    char err[1024];
    if (hh_sandbox_loadfile(sb, path, err, sizeof err) != 1)
        return luaL_error(L, "%s", err);
    lua_pushstring(L, name);
    lua_pushstring(L, path);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

/* ---- construction ------------------------------------------------------------ */

static void copy_lib(lua_State *L, int env, const char *name, const char *const *drop)
{
    lua_getglobal(L, name);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        int skip = 0;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (const char *const *d = drop; d && *d; d++)
                if (strcmp(lua_tostring(L, -2), *d) == 0)
                    skip = 1;
        if (skip) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    lua_setfield(L, env, name);
    lua_pop(L, 1);
}

hh_sandbox *hh_sandbox_new(const hh_sandbox_limits *lim, const char *const *search_dirs, size_t ndirs)
{
    hh_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb)
        return NULL;
    if (lim)
        sb->limits = *lim;
    else
        hh_sandbox_limits_default(&sb->limits);
    sb->dirs = calloc(ndirs ? ndirs : 1, sizeof *sb->dirs);
    for (size_t i = 0; i < ndirs; i++)
        if ((sb->dirs[i] = hh_strdup(search_dirs[i])))
            sb->ndirs++;
    sb->heap = hh_small_alloc_new();
    sb->L = sb->heap ? lua_newstate(counting_alloc, sb) : NULL;
    if (!sb->L) {
        hh_sandbox_free(sb);
        return NULL;
    }
    lua_State *L = sb->L;
    /* A policy builds many short-lived tables over long-lived rows: the
     * generational collector keeps peak memory near the live set (a 10,000-row
     * hunt: 72 -> 63 MiB RSS) at the same instruction count. */
    lua_gc(L, LUA_GCGEN, 0, 0);
    /* Only these libraries exist in this state at all. */
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 5);
    static const char *const drop_global[] = {"load", "loadstring", "dofile", "loadfile", "collectgarbage", NULL};
    for (const char *const *d = drop_global; *d; d++) {
        lua_pushnil(L);
        lua_setglobal(L, *d);
    }

    lua_newtable(L); /* env */
    int env = lua_gettop(L);
    static const char *const base_allowed[] = {
        "assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "rawequal", "rawget",
        "rawlen", "rawset", "select", "tonumber", "tostring", "type", "_VERSION", NULL};
    for (const char *const *b = base_allowed; *b; b++) {
        lua_getglobal(L, *b);
        lua_setfield(L, env, *b);
    }
    lua_pushcfunction(L, sb_print);
    lua_setfield(L, env, "print");
    lua_pushcfunction(L, sb_setmetatable);
    lua_setfield(L, env, "setmetatable");
    lua_pushcfunction(L, sb_getmetatable);
    lua_setfield(L, env, "getmetatable");
    lua_pushcfunction(L, sb_require);
    lua_setfield(L, env, "require");
    static const char *const drop_string[] = {"dump", NULL};
    copy_lib(L, env, LUA_STRLIBNAME, drop_string);
    copy_lib(L, env, LUA_TABLIBNAME, NULL);
    copy_lib(L, env, LUA_MATHLIBNAME, NULL);
    copy_lib(L, env, LUA_UTF8LIBNAME, NULL);
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");
    sb->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
    /* The string metatable cannot be fetched or replaced from a policy. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    return sb;
}

void hh_sandbox_free(hh_sandbox *sb)
{
    if (!sb)
        return;
    if (sb->L) {
        sb->mem_ceiling = 0;
        lua_close(sb->L);
    }
    hh_small_alloc_free(sb->heap);
    for (size_t i = 0; i < sb->ndirs; i++)
        free(sb->dirs[i]);
    free(sb->dirs);
    free(sb);
}

lua_State *hh_sandbox_state(hh_sandbox *sb) { return sb->L; }

void hh_sandbox_forget_modules(hh_sandbox *sb)
{
    lua_newtable(sb->L);
    lua_setfield(sb->L, LUA_REGISTRYINDEX, LOADED_KEY);
}

void hh_sandbox_set_loaded(hh_sandbox *sb, const char *name)
{
    lua_getfield(sb->L, LUA_REGISTRYINDEX, LOADED_KEY);
    lua_insert(sb->L, -2);
    lua_setfield(sb->L, -2, name);
    lua_pop(sb->L, 1);
}

void hh_sandbox_push_env(hh_sandbox *sb) { lua_rawgeti(sb->L, LUA_REGISTRYINDEX, sb->env_ref); }

size_t hh_sandbox_search_dirs(hh_sandbox *sb, const char *const **dirs)
{
    *dirs = (const char *const *)sb->dirs;
    return sb->ndirs;
}

int hh_sandbox_loadfile(hh_sandbox *sb, const char *path, char *err, size_t errlen)
{
    lua_State *L = sb->L;
    /* The stock policy's own files come precompiled (lua_bundle.h); any
     * other file is text only: mode "t", bytecode refused. */
    int rc = LUA_ERRFILE;
    size_t len = 0;
    char why[256];
    /* Bundled files are ~40 KB; anything larger (or unreadable) goes to the
     * text loader, which says what is wrong with it. */
    char *text = hh_read_text_file(path, (size_t)1 << 20, &len, why, sizeof why);
    if (text) {
        lua_pushfstring(L, "@%s", path);
        int bundled = hh_bundle_load(L, text, len, lua_tostring(L, -1));
        lua_remove(L, bundled ? -2 : -1);
        free(text);
        if (bundled)
            rc = LUA_OK;
    }
    if (rc != LUA_OK)
        rc = luaL_loadfilex(L, path, "t");
    if (rc != LUA_OK) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    hh_sandbox_push_env(sb);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

static int traceback_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* The first "file:line:" frame of a traceback that belongs to a Lua chunk,
 * for errors raised where no position was attached (memory). */
static void first_lua_frame(const char *tb, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *p = strstr(tb, "stack traceback:");
    while (p && (p = strchr(p, '\n'))) {
        p++;
        while (*p == '\t' || *p == ' ')
            p++;
        if (*p == '[')
            continue;
        const char *colon = strchr(p, ':');
        if (!colon)
            break;
        const char *colon2 = strchr(colon + 1, ':');
        if (!colon2)
            break;
        size_t n = (size_t)(colon2 - p);
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, p, n);
        out[n] = '\0';
        return;
    }
}

int hh_sandbox_pcall(hh_sandbox *sb, int nargs, int nresults, char *err, size_t errlen)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback_handler);
    lua_insert(L, base);
    sb->instr_used = 0;
    sb->instr_exceeded = 0;
    sb->mem_exceeded = 0;
    sb->last_where[0] = '\0';
    sb->mem_ceiling = sb->mem_used + sb->limits.memory_bytes;
    sb->in_call = 1;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HH_POLICY_HOOK_STEP);
    int rc = lua_pcall(L, nargs, nresults, base);
    lua_sethook(L, NULL, 0, 0);
    sb->in_call = 0;
    int mem_exceeded = sb->mem_exceeded;
    sb->mem_ceiling = 0;
    lua_remove(L, base);
    if (rc == LUA_OK && !mem_exceeded && !sb->instr_exceeded)
        return 1;
    if (rc == LUA_OK) {
        /* The policy caught the limit error and carried on: its results
         * are not trustworthy. */
        lua_pop(L, nresults == LUA_MULTRET ? 0 : nresults);
        if (mem_exceeded)
            snprintf(err, errlen, "%s%smemory limit exceeded (%zu MiB)", sb->last_where,
                     sb->last_where[0] ? ": " : "", sb->limits.memory_bytes >> 20);
        else
            snprintf(err, errlen, "%s%sinstruction limit exceeded (%lld instructions)", sb->last_where,
                     sb->last_where[0] ? ": " : "", sb->limits.instructions);
        return -1;
    }
    const char *tb = lua_tostring(L, -1);
    if (!tb)
        tb = "error without a message";
    char first[1024];
    snprintf(first, sizeof first, "%s", tb);
    char *nl = strchr(first, '\n');
    if (nl)
        *nl = '\0';
    if (rc == LUA_ERRMEM || mem_exceeded) {
        char where[512];
        first_lua_frame(tb, where, sizeof where);
        if (!where[0])
            snprintf(where, sizeof where, "%s", sb->last_where);
        snprintf(err, errlen, "%s%smemory limit exceeded (%zu MiB)", where, where[0] ? ": " : "",
                 sb->limits.memory_bytes >> 20);
    } else {
        snprintf(err, errlen, "%s", first);
    }
    lua_pop(L, 1);
    return -1;
}
