/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt shell [HIVE...]: an interactive Lua prompt with the hives open.
 *   hives          the opened hives (also hives.system, hives.software)
 *   regf           require "hh.regf"
 *   services()     the services plugin's rows for hives.system (+ software)
 *   run([format])  the hunt: shipped policy and local layers, printed
 *   reload()       load and check the policy chain again, say what it holds
 * Line editing and history with readline on a terminal; plain lines from a
 * pipe, so `echo 'print(#services())' | hivehunt shell SYSTEM` works. */
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "diag.h"
#include "commands.h"
#include "hunt.h"
#include "luaenv.h"
#include "plugins.h"
#include "policy.h"
#include "report.h"

static const char shell_usage[] =
    "usage: hivehunt shell [--policy FILE]... [--plugin-dir DIR] [HIVE...]\n"
    "Interactive Lua with the hives open: hives, regf, services(), run([format]), reload().\n"
    "Reads statements from a pipe too. Trusted: the full Lua standard library.\n";

typedef struct shell {
    hh_hunt_opts opts;          /* for run(): the policy layers, the hive paths */
    hh_plugin_set plugins;
} shell;

static shell *get_shell(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* Finds hives.system / hives.software paths for run(). */
static int hive_paths(lua_State *L, shell *sh)
{
    sh->opts.system = NULL;
    sh->opts.software = NULL;
    lua_getglobal(L, "hives");
    if (lua_getfield(L, -1, "system") != LUA_TNIL) {
        lua_getfield(L, -1, "path");
        sh->opts.system = lua_tostring(L, -1); /* kept alive by the hive */
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "software") != LUA_TNIL) {
        lua_getfield(L, -1, "path");
        sh->opts.software = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return sh->opts.system != NULL;
}

static int l_services(lua_State *L)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "plugin.services");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "collect");
    lua_getglobal(L, "hives");
    lua_getfield(L, -1, "system");
    if (lua_isnil(L, -1))
        return luaL_error(L, "no SYSTEM hive is open");
    lua_getfield(L, -2, "software");
    lua_remove(L, -3);
    lua_call(L, 2, 1);
    lua_getfield(L, -1, "rows");
    return 1;
}

static int l_run(lua_State *L)
{
    shell *sh = get_shell(L);
    if (!hive_paths(L, sh))
        return luaL_error(L, "no SYSTEM hive is open");
    hh_hunt_opts o = sh->opts;
    const char *fmt = luaL_optstring(L, 1, "table");
    if (!hh_format_parse(fmt, &o.format))
        return luaL_error(L, "unknown format '%s'", fmt);
    o.color = o.format == HH_FMT_TABLE && isatty(STDOUT_FILENO);
    fflush(stdout);
    int code = hh_hunt_job(&o, stdout);
    fflush(stdout);
    lua_pushinteger(L, code);
    return 1;
}

static int l_reload(lua_State *L)
{
    shell *sh = get_shell(L);
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024], err[2048];
    hh_policy_search_dirs(&sh->opts, dirs, &ndirs, xdg, sizeof xdg);
    hh_sandbox *sb = hh_sandbox_new(&sh->opts.sandbox, dirs, ndirs);
    if (!sb)
        return luaL_error(L, "cannot create the policy sandbox");
    const char *files[HH_MAX_POLICY_LAYERS];
    char store[2][4200];
    size_t nfiles = hh_policy_layer_files(&sh->opts, sh->opts.plugin, files, store);
    hh_policy_chain chain;
    if (hh_policy_chain_load(sb, sh->opts.plugin, files, nfiles, &chain, err, sizeof err) != 1) {
        hh_sandbox_free(sb);
        lua_pushnil(L);
        lua_pushfstring(L, "policy error: %s", err);
        return 2;
    }
    lua_State *S = hh_sandbox_state(sb);
    lua_rawgeti(S, LUA_REGISTRYINDEX, chain.layers[chain.n - 1].ref);
    lua_getfield(S, -1, "rules");
    lua_Integer nrules = lua_istable(S, -1) ? (lua_Integer)lua_rawlen(S, -1) : 0;
    lua_pop(S, 2);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < chain.n; i++) {
        if (i)
            luaL_addstring(&b, " > ");
        luaL_addstring(&b, chain.layers[i].source);
    }
    luaL_pushresult(&b);
    lua_pushfstring(L, "policy %s: %I rules (%s)", chain.layers[chain.n - 1].name, nrules, lua_tostring(L, -1));
    hh_policy_chain_release(sb, &chain);
    hh_sandbox_free(sb);
    return 1;
}

/* Runs one chunk like lua.c does: an expression's values are printed. */
static void print_results(lua_State *L, int base)
{
    int n = lua_gettop(L) - base;
    if (n <= 0)
        return;
    lua_getglobal(L, "print");
    lua_insert(L, base + 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK) {
        fprintf(stderr, "error printing results: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

/* 1 ran (or failed: printed), 0 incomplete (needs more lines). */
static int run_chunk(lua_State *L, const char *code)
{
    int base = lua_gettop(L);
    lua_pushcfunction(L, hh_lua_traceback);
    const char *ret = lua_pushfstring(L, "return %s;", code);
    int rc = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
    lua_remove(L, -2);
    if (rc != LUA_OK) {
        lua_pop(L, 1);
        rc = luaL_loadbuffer(L, code, strlen(code), "=stdin");
        if (rc == LUA_ERRSYNTAX) {
            size_t len;
            const char *msg = lua_tolstring(L, -1, &len);
            if (len >= 5 && strcmp(msg + len - 5, "<eof>") == 0) {
                lua_settop(L, base);
                return 0;
            }
        }
        if (rc != LUA_OK) {
            fprintf(stderr, "%s\n", lua_tostring(L, -1));
            lua_settop(L, base);
            return 1;
        }
    }
    if (lua_pcall(L, 0, LUA_MULTRET, base + 1) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        lua_settop(L, base);
        return 1;
    }
    lua_remove(L, base + 1);
    print_results(L, base);
    lua_settop(L, base);
    fflush(stdout);
    return 1;
}

/* readline is loaded when a shell meets a terminal, not linked: linked,
 * it and its terminal library were two more libraries for every hunt to
 * load. Without it, plain lines. */
typedef char *(*readline_fn)(const char *prompt);
typedef void (*add_history_fn)(const char *line);
static readline_fn rl_readline;
static add_history_fn rl_add_history;

static void load_readline(void)
{
    static const char *const names[] = {"libreadline.so.8", "libreadline.so", NULL};
    for (const char *const *n = names; *n && !rl_readline; n++) {
        void *lib = dlopen(*n, RTLD_NOW | RTLD_LOCAL);
        if (!lib)
            continue;
        *(void **)&rl_readline = dlsym(lib, "readline");
        *(void **)&rl_add_history = dlsym(lib, "add_history");
        if (!rl_readline || !rl_add_history) {
            rl_readline = NULL;
            dlclose(lib);
        }
    }
}

static char *read_line(int interactive, const char *prompt)
{
    if (interactive && rl_readline) {
        char *line = rl_readline(prompt);
        if (line && *line)
            rl_add_history(line);
        return line;
    }
    if (interactive) {
        fputs(prompt, stdout);
        fflush(stdout);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
    return line;
}

static void repl(lua_State *L, int interactive)
{
    char *pending = NULL;
    for (;;) {
        char *line = read_line(interactive, pending ? ">> " : "hivehunt> ");
        if (!line)
            break;
        char *code;
        if (pending) {
            size_t n = strlen(pending) + strlen(line) + 2;
            code = malloc(n);
            snprintf(code, n, "%s\n%s", pending, line);
            free(pending);
            pending = NULL;
        } else {
            code = strdup(line);
        }
        free(line);
        if (!code)
            break;
        if (run_chunk(L, code))
            free(code);
        else
            pending = code;
    }
    if (pending) {
        run_chunk(L, pending); /* reports the syntax error */
        free(pending);
    }
    if (interactive)
        fputc('\n', stdout);
}

int hh_cmd_shell(int argc, char **argv)
{
    shell sh;
    memset(&sh, 0, sizeof sh);
    hh_hunt_opts_default(&sh.opts);
    sh.opts.isolate = 0;
    const char *pos[16];
    int npos = 0;
    int rc = hh_hunt_parse(argc, argv, &sh.opts, pos, &npos, 16, shell_usage);
    if (rc >= 0)
        return rc;
    hh_plugin_dirs dirs;
    hh_plugin_dirs_default(&dirs, sh.opts.plugin_dir);
    hh_plugins_load(&sh.plugins, &dirs);
    lua_State *L = hh_lua_trusted_new(&sh.plugins);
    if (!L) {
        hh_error(NULL, "cannot create a Lua state");
        hh_plugins_unload(&sh.plugins);
        return HH_EXIT_POLICY;
    }
    int code = HH_EXIT_OK;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "hh.regf");
    lua_call(L, 1, 1);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "regf");
    int regf = lua_gettop(L);
    lua_newtable(L);
    for (int i = 0; i < npos; i++) {
        lua_getfield(L, regf, "open");
        lua_pushstring(L, pos[i]);
        lua_call(L, 1, 2);
        if (lua_isnil(L, -2)) {
            hh_error(NULL, "%s", lua_tostring(L, -1));
            code = HH_EXIT_INPUT;
            lua_pop(L, 2);
            continue;
        }
        lua_pop(L, 1);
        lua_getfield(L, -1, "kind");
        const char *kind = lua_tostring(L, -1);
        const char *slot = strcmp(kind, "SYSTEM") == 0 ? "system" : strcmp(kind, "SOFTWARE") == 0 ? "software" : NULL;
        lua_pop(L, 1);
        if (slot && lua_getfield(L, -2, slot) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, slot);
        } else if (slot) {
            lua_pop(L, 1);
        }
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
    lua_setglobal(L, "hives");
    lua_pop(L, 1);
    if (code != HH_EXIT_OK) {
        lua_close(L);
        hh_plugins_unload(&sh.plugins);
        return code;
    }
    static const luaL_Reg funcs[] = {{"services", l_services}, {"run", l_run}, {"reload", l_reload}, {NULL, NULL}};
    lua_pushglobaltable(L);
    lua_pushlightuserdata(L, &sh);
    luaL_setfuncs(L, funcs, 1);
    lua_pop(L, 1);

    int interactive = isatty(STDIN_FILENO);
    if (interactive) {
        printf("hivehunt %s shell (%s): hives, regf, services(), run([format]), reload(); Ctrl-D quits\n",
               HH_VERSION, LUA_RELEASE);
        load_readline();
    }
    repl(L, interactive);
    fflush(stdout);
    lua_close(L);
    hh_plugins_unload(&sh.plugins);
    return code;
}
