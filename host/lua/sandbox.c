/* Layer: lua. May call: hive, base, Lua. */
/* See sandbox.h. Why each piece is as it is:
 * - The state never opens io, os, package, debug or coroutine at all, so no
 *   path from a policy leads to them; the environment policies see is a
 *   separate table with copies of the allowed libraries.
 * - No hook runs per instruction by default: a CPU timer or the allocator
 *   sets the stop hook once a limit trips (see stop_hook).
 * - setmetatable refuses __gc: finalizers run outside the hook's reach.
 * - getmetatable hides the string metatable, whose __index is the shared
 *   string library.
 * - Chunks load in text mode only: crafted bytecode can break the VM. */
#include "sandbox.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "hh_limits.h"
#include "lua_bundle.h"
#include "small_alloc.h"
#include "util.h"

#define SANDBOX_KEY "hh.sandbox"
#define LOADED_KEY "hh.sandbox.loaded"

enum { STOP_NONE, STOP_MEM, STOP_CPU, STOP_INSTR };

struct hh_sandbox {
    lua_State *L;
    hh_sandbox_limits limits;
    size_t mem_used;
    size_t mem_ceiling;      /* 0: no ceiling (outside policy calls) */
    int mem_exceeded;
    long long instr_used;
    volatile sig_atomic_t cpu_expired; /* set by the CPU timer's signal handler */
    int stop;                /* STOP_*: the limit that tripped in this call */
    int stop_raised;         /* the hook raised it (a pcall in the policy may have caught it) */
    int where_exact;         /* last_where is where the limit tripped */
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
    lim->cpu_seconds = HH_POLICY_CPU_SECONDS_DEFAULT;
    lim->instructions = 0;
}

/* Allocations past the ceiling are granted up to this much more, so the
 * stop hook can raise the error at the next instruction with its place
 * (Lua runs no message handler for out-of-memory, which then has none). */
#define MEM_SLACK ((size_t)1 << 20)

static void stop_hook(lua_State *L, lua_Debug *ar);

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    hh_sandbox *sb = ud;
    size_t old = ptr ? osize : 0;
    if (nsize > old && sb->mem_ceiling && sb->mem_used - old + nsize > sb->mem_ceiling) {
        if (!sb->mem_exceeded) {
            sb->mem_exceeded = 1;
            /* Only fields are set: safe in the middle of any allocation. */
            lua_sethook(sb->L, stop_hook, LUA_MASKCOUNT, 1);
        }
        if (sb->mem_used - old + nsize - sb->mem_ceiling > MEM_SLACK)
            return NULL;
    }
    void *p = hh_small_alloc_fast(sb->heap, ptr, osize, nsize);
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

static void stop_message(const hh_sandbox *sb, char *buf, size_t len)
{
    const char *sep = sb->last_where[0] ? ": " : "";
    switch (sb->stop) {
    case STOP_CPU:
        snprintf(buf, len, "%s%sCPU time limit exceeded (%g s)", sb->last_where, sep, sb->limits.cpu_seconds);
        break;
    case STOP_INSTR:
        snprintf(buf, len, "%s%sinstruction limit exceeded (%lld instructions)", sb->last_where, sep,
                 sb->limits.instructions);
        break;
    default:
        snprintf(buf, len, "%s%smemory limit exceeded (%zu MiB)", sb->last_where, sep, sb->limits.memory_bytes >> 20);
        break;
    }
}

/* Keeps the running policy's place ("file:line") in last_where; 0 when the
 * place is not a Lua line. */
static int note_place(hh_sandbox *sb, lua_State *L, lua_Debug *ar)
{
    if (!lua_getinfo(L, "Sl", ar) || ar->currentline <= 0)
        return 0;
    snprintf(sb->last_where, sizeof sb->last_where, "%s:%d", ar->short_src, ar->currentline);
    return 1;
}

/* The one hook. Installed per call only for --max-instructions (then every
 * HH_POLICY_HOOK_STEP instructions); otherwise set, with a count of 1, by
 * the CPU timer's signal handler or by the allocator once over budget. Once
 * a limit trips it stays at every instruction, so a policy that catches the
 * error with pcall is stopped again at once, also in callers unwinding. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
    hh_sandbox *sb = get_sandbox(L);
    if (!sb->in_call)
        return;
    if (!sb->stop) {
        if (sb->cpu_expired) {
            sb->stop = STOP_CPU;
        } else if (sb->mem_exceeded) {
            sb->stop = STOP_MEM;
        } else if (sb->limits.instructions > 0) {
            sb->instr_used += HH_POLICY_HOOK_STEP;
            if (sb->instr_used <= sb->limits.instructions) {
                /* Kept for an out-of-memory error, which has no place of its own. */
                note_place(sb, L, ar);
                return;
            }
            sb->stop = STOP_INSTR;
        } else {
            return;
        }
        /* luaL_where cannot see the running chunk from inside a hook. */
        if (note_place(sb, L, ar))
            sb->where_exact = 1;
        lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
    }
    sb->stop_raised = 1;
    char msg[512];
    stop_message(sb, msg, sizeof msg);
    lua_pushstring(L, msg);
    lua_error(L);
}

/* ---- the CPU-time cap ---------------------------------------------------------
 * ITIMER_PROF counts this process's CPU time (user and system, so string
 * building in the kernel's page faults counts too) and is not inherited
 * across fork: the isolated child and each --jobs worker arm their own.
 * The handler only stores a flag and sets the hook, as lua.c does for
 * Ctrl-C; the hook raises the error at the policy's next instruction. */
static _Atomic(hh_sandbox *) cpu_armed;

static void on_cpu_timer(int sig)
{
    (void)sig;
    hh_sandbox *sb = atomic_load(&cpu_armed);
    if (sb) {
        sb->cpu_expired = 1;
        lua_sethook(sb->L, stop_hook, LUA_MASKCOUNT, 1);
    }
}

static int cpu_timer_arm(hh_sandbox *sb)
{
    static int installed;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_cpu_timer;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGPROF, &sa, NULL) != 0)
            return 0;
        installed = 1;
    }
    double s = sb->limits.cpu_seconds;
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)s;
    it.it_value.tv_usec = (suseconds_t)((s - (double)(time_t)s) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1;
    atomic_store(&cpu_armed, sb);
    if (setitimer(ITIMER_PROF, &it, NULL) != 0) {
        atomic_store(&cpu_armed, NULL);
        return 0;
    }
    return 1;
}

static void cpu_timer_disarm(void)
{
    struct itimerval it;
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_PROF, &it, NULL);
    /* A signal already pending is delivered by now, at the latest on the
     * return from setitimer; the caller clears the hook after this. */
    atomic_store(&cpu_armed, NULL);
}

/* ---- functions the environment offers ------------------------------------ */

void hh_stderr_line(const char *prefix, const char *const *parts, const size_t *lens, int nparts, int keep_tabs)
{
    size_t cap = strlen(prefix) + 2;
    for (int i = 0; i < nparts; i++)
        cap += 4 * lens[i] + 1;
    char *line = malloc(cap), *o = line;
    if (!line) {
        fprintf(stderr, "%s(not shown: out of memory)\n", prefix);
        return;
    }
    o += sprintf(o, "%s", prefix);
    for (int i = 0; i < nparts; i++) {
        if (i > 0)
            *o++ = '\t';
        for (size_t j = 0; j < lens[i]; j++) {
            unsigned char c = (unsigned char)parts[i][j];
            if ((c < 0x20 && !(c == '\t' && keep_tabs)) || c == 0x7f)
                o += sprintf(o, "\\x%02x", c);
            else
                *o++ = (char)c;
        }
    }
    *o++ = '\n';
    fwrite(line, 1, (size_t)(o - line), stderr);
    free(line);
}

static int sb_print(lua_State *L)
{
    /* stdout carries reports: policy output goes to stderr. */
    int n = lua_gettop(L);
    luaL_checkstack(L, n + 1, "print: too many arguments");
    /* (Lua's memory: a __tostring that raises an error leaks nothing) */
    size_t *lens = lua_newuserdatauv(L, (size_t)n * (sizeof(size_t) + sizeof(char *)) + 1, 0);
    const char **parts = (const char **)(lens + n);
    for (int i = 1; i <= n; i++)
        parts[i - 1] = luaL_tolstring(L, i, &lens[i - 1]); /* kept on the stack until written */
    hh_stderr_line("policy: ", parts, lens, n, 1);
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

/* xpcall whose handler runs after the stack unwound, like pcall's caller
 * would: Lua runs a message handler with hooks off when the error came from
 * a hook (a limit), so a handler that loops would never be stopped. With no
 * debug library a handler cannot see the stack anyway. */
static int sb_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1);
    lua_copy(L, 2, 1);
    lua_replace(L, 2);             /* handler, f, args... */
    if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 1);
        return lua_gettop(L);
    }
    lua_pushvalue(L, 1);
    lua_insert(L, -2);             /* handler, err */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        lua_pushliteral(L, "error in error handling");
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
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
        "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
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
    lua_pushcfunction(L, sb_xpcall);
    lua_setfield(L, env, "xpcall");
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
    sb->cpu_expired = 0;
    sb->stop = STOP_NONE;
    sb->stop_raised = 0;
    sb->where_exact = 0;
    sb->mem_exceeded = 0;
    sb->last_where[0] = '\0';
    sb->mem_ceiling = sb->mem_used + sb->limits.memory_bytes;
    long long instructions = sb->limits.instructions;
    int timed = sb->limits.cpu_seconds > 0 && !sb->in_call && atomic_load(&cpu_armed) == NULL;
    sb->in_call = 1;
    if (timed && !cpu_timer_arm(sb)) {
        /* No timer (should not happen on POSIX): fall back on counting. */
        timed = 0;
        if (instructions <= 0)
            sb->limits.instructions = HH_POLICY_INSTRUCTIONS_FALLBACK;
    }
    if (sb->limits.instructions > 0)
        lua_sethook(L, stop_hook, LUA_MASKCOUNT, HH_POLICY_HOOK_STEP);
    int rc = lua_pcall(L, nargs, nresults, base);
    if (timed)
        cpu_timer_disarm();
    lua_sethook(L, NULL, 0, 0);
    sb->limits.instructions = instructions;
    sb->in_call = 0;
    int mem_exceeded = sb->mem_exceeded;
    sb->mem_ceiling = 0;
    lua_remove(L, base);
    if (rc == LUA_OK && !mem_exceeded && !sb->stop_raised)
        return 1;
    if (!sb->stop && mem_exceeded)
        sb->stop = STOP_MEM;
    if (rc == LUA_OK) {
        /* The policy caught the limit error and carried on: its results
         * are not trustworthy. */
        lua_pop(L, nresults == LUA_MULTRET ? 0 : nresults);
        stop_message(sb, err, errlen);
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
    if (sb->stop != STOP_NONE) {
        /* The stop hook knows the place; an out-of-memory error raised
         * before it ran has no traceback, only the hook's last look. */
        if (!sb->where_exact) {
            char where[256];
            first_lua_frame(tb, where, sizeof where);
            if (where[0])
                snprintf(sb->last_where, sizeof sb->last_where, "%s", where);
        }
        stop_message(sb, err, errlen);
    } else {
        snprintf(err, errlen, "%s", first);
    }
    lua_pop(L, 1);
    return -1;
}
