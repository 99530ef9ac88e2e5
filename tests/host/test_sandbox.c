/* The policy sandbox: each limit trips with a message naming the place,
 * blocked functions are absent, bytecode is refused, and the sandbox stays
 * usable after a failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    if (!mkdtemp(dir))
        return 2;
    const char *dirs[] = {dir};
    hh_sandbox_limits lim = {.memory_bytes = 16u << 20, .instructions = 5000000};
    hh_sandbox *sb = hh_sandbox_new(&lim, dirs, 1);
    ok(sb != NULL, "sandbox created");
    char err[1024];

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
    return done_testing();
}
