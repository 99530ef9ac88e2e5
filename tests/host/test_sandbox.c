/* The policy sandbox: each limit trips with a message naming the place,
 * blocked functions are absent, bytecode is refused, and the sandbox stays
 * usable after a failure. By default no hook runs while a policy does: the
 * CPU-time cap is a timer, and it is disarmed when the call returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "sandbox.h"
#include "tap.h"

static char dir[] = "/tmp/hh-sandbox-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Runs chunk text in the sandbox; returns 1 ok, -1 error (err filled). */
static int run(hh_sandbox *sb, const char *name, const char *text, char *err, size_t errlen)
{
    write_file(name, text);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (hh_sandbox_loadfile(sb, path, err, errlen) != 1)
        return -1;
    int rc = hh_sandbox_pcall(sb, 0, 0, err, errlen);
    return rc;
}

static int write_chunk(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    return fwrite(p, 1, sz, (FILE *)ud) == sz ? 0 : 1;
}

static void expect_error(hh_sandbox *sb, const char *name, const char *text, const char *part1, const char *part2)
{
    char err[1024] = "";
    int rc = run(sb, name, text, err, sizeof err);
    ok(rc == -1 && strstr(err, part1) && (!part2 || strstr(err, part2)), "%s stopped: %s", name, err);
}

/* hookmask(): the hooks set while the policy runs. */
static int hookmask(lua_State *L)
{
    lua_pushinteger(L, lua_gethookmask(L));
    return 1;
}

static void offer_hookmask(hh_sandbox *sb)
{
    lua_State *L = hh_sandbox_state(sb);
    hh_sandbox_push_env(sb);
    lua_pushcfunction(L, hookmask);
    lua_setfield(L, -2, "hookmask");
    lua_pop(L, 1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The default limits with a short CPU cap: runaway code stops on the timer. */
static void timer_cap(const char *const *dirs)
{
    hh_sandbox_limits lim;
    hh_sandbox_limits_default(&lim);
    ok(lim.instructions == 0 && lim.cpu_seconds > 0, "by default a CPU-time cap and no instruction count");
    lim.cpu_seconds = 0.2;
    hh_sandbox *sb = hh_sandbox_new(&lim, dirs, 1);
    offer_hookmask(sb);
    char err[1024] = "";
    ok(run(sb, "nohook.lua", "local m = hookmask()\nassert(m == 0, 'hook mask ' .. m)\n", err, sizeof err) == 1,
       "no hook is installed while a policy runs (%s)", err);

    double t0 = now();
    expect_error(sb, "cpu_loop.lua", "local x = 0\nwhile true do x = x + 1 end\n", "CPU time limit exceeded (0.2 s)",
                 "cpu_loop.lua:2: ");
    double took = now() - t0;
    ok(took < 5.0, "the loop stopped soon after its 0.2 s (%.2f s wall)", took);
    struct itimerval it;
    ok(getitimer(ITIMER_PROF, &it) == 0 && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0,
       "the timer is disarmed when the call returns");
    expect_error(sb, "cpu_pcall.lua",
                 "while true do pcall(function() while true do end end) end\n", "CPU time limit exceeded",
                 "cpu_pcall.lua:1: ");
    expect_error(sb, "cpu_xpcall.lua",
                 "local function h() while true do end end\n"
                 "while true do xpcall(function() while true do end end, h) end\n",
                 "CPU time limit exceeded", "cpu_xpcall.lua:");
    write_file("spin.lua", "local M = {}\nfunction M.go()\n  while true do end\nend\nreturn M\n");
    expect_error(sb, "cpu_module.lua", "require('spin').go()\n", "CPU time limit exceeded", "spin.lua:3: ");
    expect_error(sb, "cpu_calls.lua", "local function f(n) return n end\nwhile true do f(1) end\n",
                 "CPU time limit exceeded", "cpu_calls.lua:");
    ok(run(sb, "xpcall.lua",
           "local ok, v, w = xpcall(function(a, b) return a + b, 'w' end, error, 1, 2)\n"
           "assert(ok == true and v == 3 and w == 'w')\n"
           "local ok2, m = xpcall(function() error('x') end, function(e) return 'handled: ' .. e end)\n"
           "assert(ok2 == false and m:find('^handled: .*xpcall.lua:3: x$'), m)\n"
           "local ok3, m3 = xpcall(error, function() error('again') end, 'first')\n"
           "assert(ok3 == false and m3 == 'error in error handling', m3)\n", err, sizeof err) == 1,
       "xpcall passes arguments, returns results and runs the handler on the error (%s)", err);
    ok(run(sb, "cpu_after.lua", "local s = 0 for i = 1, 100000 do s = s + i end assert(s == 5000050000)\n", err,
           sizeof err) == 1, "the sandbox is usable after the timer fired (%s)", err);
    hh_sandbox_free(sb);

    /* The defaults. Memory, with no hook counting: the allocator sets the
     * stop hook, which names the line. */
    sb = hh_sandbox_new(NULL, dirs, 1);
    expect_error(sb, "cpu_recursion.lua", "local function f(n) return 1 + f(n + 1) end\nf(1)\n", "stack overflow",
                 "cpu_recursion.lua:1: ");
    expect_error(sb, "cpu_alloc.lua", "local t = {}\nwhile true do t[#t + 1] = ('x'):rep(64) .. #t end\n",
                 "memory limit exceeded (64 MiB)", "cpu_alloc.lua:2: ");
    expect_error(sb, "cpu_caught_alloc.lua",
                 "local t = {}\npcall(function() while true do t[#t + 1] = {} end end)\nreturn 1\n",
                 "memory limit exceeded", "cpu_caught_alloc.lua:");
    hh_sandbox_free(sb);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 2;
    const char *dirs[] = {dir};
    hh_sandbox_limits lim = {.memory_bytes = 16u << 20, .instructions = 5000000};
    hh_sandbox *sb = hh_sandbox_new(&lim, dirs, 1);
    ok(sb != NULL, "sandbox created");
    offer_hookmask(sb);
    char err[1024];
    ok(run(sb, "counted.lua", "assert(hookmask() == 8)\n", err, sizeof err) == 1 && LUA_MASKCOUNT == 8,
       "an instruction budget counts with a count hook (%s)", err);

    expect_error(sb, "loop.lua", "local x = 0\nwhile true do x = x + 1 end\n", "instruction limit exceeded", "loop.lua:2");
    expect_error(sb, "pcall_loop.lua",
                 "while true do pcall(function() while true do end end) end\n", "instruction limit exceeded", NULL);
    expect_error(sb, "table_bomb.lua", "local t = {}\nfor i = 1, 1e9 do t[i] = i end\n", "memory limit exceeded", "table_bomb.lua");
    expect_error(sb, "rep_bomb.lua", "local s = string.rep('x', 1 << 30)\n", "memory limit exceeded", NULL);
    expect_error(sb, "caught_bomb.lua",
                 "local ok = pcall(string.rep, 'x', 1 << 30)\nreturn 'carried on'\n", "memory limit exceeded", NULL);
    expect_error(sb, "os_execute.lua", "os.execute('touch " "/tmp/hh-sandbox-pwned')\n", "global 'os'", NULL);
    ok(access("/tmp/hh-sandbox-pwned", F_OK) != 0, "os.execute left nothing on disk");
    expect_error(sb, "io_open.lua", "io.open('/etc/passwd')\n", "global 'io'", NULL);
    expect_error(sb, "require_c.lua", "require 'cjson'\n", "not found in the policy search path", NULL);
    expect_error(sb, "require_path.lua", "require '../../etc/passwd'\n", "invalid module name", NULL);
    expect_error(sb, "load.lua", "load('return 1')\n", "global 'load'", NULL);
    expect_error(sb, "dofile.lua", "dofile('/etc/passwd')\n", "global 'dofile'", NULL);
    expect_error(sb, "dump.lua", "string.dump(print)\n", "field 'dump'", NULL);
    expect_error(sb, "debug.lua", "debug.sethook()\n", "global 'debug'", NULL);
    expect_error(sb, "package.lua", "package.loadlib('x', 'y')\n", "global 'package'", NULL);
    expect_error(sb, "gc.lua", "setmetatable({}, {__gc = function() while true do end end})\n", "__gc", NULL);
    expect_error(sb, "raise.lua", "local function f() error('boom') end\nf()\n", "raise.lua:1: boom", NULL);

    ok(run(sb, "string_mt.lua", "assert(getmetatable('') == nil)\nassert(('x'):upper() == 'X')\n", err, sizeof err) == 1,
       "the string metatable is hidden, string methods work (%s)", err);
    write_file("helper.lua", "return { twice = function(x) return 2 * x end }\n");
    ok(run(sb, "require_ok.lua", "assert(require('helper').twice(21) == 42)\n", err, sizeof err) == 1,
       "require loads a text module from the search path (%s)", err);
    ok(run(sb, "after.lua", "local s = 0 for i = 1, 1000 do s = s + i end assert(s == 500500)\n", err, sizeof err) == 1,
       "the sandbox is usable after failures: limits reset per call (%s)", err);

    /* Bytecode: compiled in a trusted state, refused by the sandbox. */
    lua_State *T = luaL_newstate();
    luaL_loadstring(T, "return 1");
    char bc[256];
    snprintf(bc, sizeof bc, "%s/bytecode.luac", dir);
    FILE *f = fopen(bc, "wb");
    lua_dump(T, write_chunk, f, 0);
    fclose(f);
    lua_close(T);
    err[0] = '\0';
    ok(hh_sandbox_loadfile(sb, bc, err, sizeof err) == -1 && strstr(err, "binary chunk"),
       "a binary chunk is refused: %s", err);
    hh_sandbox_free(sb);
    timer_cap(dirs);
    return done_testing();
}
