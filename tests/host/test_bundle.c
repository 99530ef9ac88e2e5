/* The precompiled stock policy (host/lua/lua_bundle.h): every file of lua/ is in
 * the bundle as built; a copy of one loads from its bytecode and behaves as
 * the text does (same functions, lines, names in errors, under the copy's
 * path); a file differing by one byte is parsed as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua_bundle.h"
#include "sandbox.h"
#include "tap.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}

/* With the loaded chunk on top: runs it and returns, for each function the
 * module table holds (sorted by name), "name:linedefined;", plus the error
 * days_from_civil raises on a table argument. */
static void describe(lua_State *L, char *out, size_t outlen)
{
    out[0] = '\0';
    if (lua_pcall(L, 0, 1, 0) != LUA_OK || !lua_istable(L, -1)) {
        snprintf(out, outlen, "load failed: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return;
    }
    const char *names[] = {"days_from_civil", "civil_from_days", "epoch", "parse", "format", "duration"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        lua_getfield(L, -1, names[i]);
        lua_Debug ar;
        if (lua_isfunction(L, -1) && lua_getinfo(L, ">S", &ar)) {
            size_t used = strlen(out);
            snprintf(out + used, outlen - used, "%s:%d:%s;", names[i], ar.linedefined, ar.source);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_getfield(L, -1, "days_from_civil");
    lua_newtable(L);
    lua_pushinteger(L, 1);
    lua_pushinteger(L, 1);
    if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "error=%s", lua_tostring(L, -1));
    }
    lua_pop(L, 2);
}

int main(void)
{
    const char *src_dir = getenv("HH_SOURCE_DIR");
    if (!src_dir)
        src_dir = ".";
    int n = 0, found = 0;
    for (const hh_bundled_chunk *c = hh_bundled_chunks; c->name; c++, n++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/lua/%s", src_dir, c->name);
        size_t len = 0;
        char *text = slurp(path, &len);
        found += text && hh_bundle_find(text, len) == c;
        free(text);
    }
    ok(n >= 5 && found == n, "all %d bundled files match lua/ as built (%d do)", n, found);

    char dir[] = "/tmp/hh-bundle-XXXXXX";
    if (!mkdtemp(dir))
        return 2;
    char orig[4096], copy[4096], edited[4096];
    snprintf(orig, sizeof orig, "%s/lua/hh/time.lua", src_dir);
    snprintf(copy, sizeof copy, "%s/time.lua", dir);
    snprintf(edited, sizeof edited, "%s/edited.lua", dir);
    size_t len = 0;
    char *text = slurp(orig, &len);
    ok(text != NULL, "read %s", orig);
    if (!text)
        return done_testing();
    spit(copy, text, len);
    text[len - 1] = text[len - 1] == '\n' ? ' ' : '\n'; /* one byte, same meaning */
    spit(edited, text, len);
    free(text);

    const char *dirs[] = {dir};
    hh_sandbox *sb = hh_sandbox_new(NULL, dirs, 1);
    lua_State *L = hh_sandbox_state(sb);
    char err[512], from_bundle[4096], from_text[4096], edited_text[4096];

    unsigned long before = hh_bundle_loads();
    ok(hh_sandbox_loadfile(sb, copy, err, sizeof err) == 1 && hh_bundle_loads() == before + 1,
       "a copy of hh/time.lua loads from the bundle");
    describe(L, from_bundle, sizeof from_bundle);

    /* The same file parsed as text, in a plain state. */
    lua_State *T = luaL_newstate();
    luaL_openlibs(T);
    ok(luaL_loadfilex(T, copy, "t") == LUA_OK, "the text loads too");
    describe(T, from_text, sizeof from_text);
    lua_close(T);
    ok(strcmp(from_bundle, from_text) == 0 && strstr(from_bundle, copy) && strstr(from_bundle, "error="),
       "same functions, lines, source names and error text:\n#   bundle %s\n#   text   %s", from_bundle, from_text);

    before = hh_bundle_loads();
    ok(hh_sandbox_loadfile(sb, edited, err, sizeof err) == 1 && hh_bundle_loads() == before,
       "a file one byte away is parsed as text");
    describe(L, edited_text, sizeof edited_text);
    ok(strstr(edited_text, "edited.lua") && strstr(edited_text, "days_from_civil:"), "and works: %s", edited_text);

    hh_sandbox_free(sb);
    unlink(copy);
    unlink(edited);
    rmdir(dir);
    return done_testing();
}
