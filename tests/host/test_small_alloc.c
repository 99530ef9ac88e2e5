/* The Lua state's small-block allocator: contents survive every kind of
 * resize (within a class, across classes, across the malloc threshold both
 * ways), freed blocks are reused, and a full Lua state runs on it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "small_alloc.h"
#include "tap.h"

#include "hh_asan.h"

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static int intact(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    return hh_small_alloc_realloc(ud, ptr, osize, nsize);
}

int main(void)
{
    hh_small_alloc *a = hh_small_alloc_new();
    ok(a != NULL, "allocator created");

    /* A block walked through sizes 1 .. 2000 and back keeps its bytes. */
    size_t sizes[] = {1, 15, 16, 17, 100, 512, 513, 2000, 300, 24, 600, 8, 0};
    unsigned char *p = NULL;
    size_t old = 0;
    int kept = 1;
    for (size_t i = 0; sizes[i]; i++) {
        unsigned char *q = hh_small_alloc_realloc(a, p, old, sizes[i]);
        size_t keep = old < sizes[i] ? old : sizes[i];
        kept &= q != NULL && intact(q, keep, 3);
        fill(q, sizes[i], 3);
        p = q;
        old = sizes[i];
    }
    ok(kept, "contents survive resizes within, across and over the 512-byte line");
    ok(hh_small_alloc_realloc(a, p, old, 0) == NULL, "freeing returns NULL");

    /* Alignment, and reuse of a freed block of the same class. */
    void *b1 = hh_small_alloc_realloc(a, NULL, 0, 40);
    ok(((uintptr_t)b1 & 15) == 0, "blocks are 16-byte aligned");
    hh_small_alloc_realloc(a, b1, 40, 0);
    void *b2 = hh_small_alloc_realloc(a, NULL, 0, 48);
#ifdef HH_UNDER_ASAN
    ok(1, "under ASan every block is a malloc block: no reuse to check");
#else
    ok(b2 == b1, "a freed block is reused by the next block of its class");
#endif
    hh_small_alloc_realloc(a, b2, 48, 0);

    /* Many live blocks of mixed sizes do not overlap. */
    enum { N = 20000 };
    unsigned char **blocks = calloc(N, sizeof *blocks);
    int all = 1;
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)(i * 37) % 700;
        blocks[i] = hh_small_alloc_realloc(a, NULL, 0, n);
        all &= blocks[i] != NULL;
        if (blocks[i])
            fill(blocks[i], n, (unsigned)i);
    }
    for (int i = 0; i < N; i++)
        all &= blocks[i] && intact(blocks[i], 1 + (size_t)(i * 37) % 700, (unsigned)i);
    ok(all, "%d live blocks of 1..700 bytes keep their own bytes", N);
    for (int i = 0; i < N; i++)
        hh_small_alloc_realloc(a, blocks[i], 1 + (size_t)(i * 37) % 700, 0);
    free(blocks);

    /* A Lua state on it: strings, tables growing and shrinking, GC. */
    lua_State *L = lua_newstate(lua_alloc, a);
    luaL_openlibs(L);
    int rc = luaL_dostring(L,
        "local t = {}\n"
        "for i = 1, 50000 do t[i] = { name = ('svc' .. i):rep(i % 9 + 1), n = i } end\n"
        "for i = 1, 50000, 2 do t[i] = nil end\n"
        "collectgarbage()\n"
        "local s = 0\n"
        "for i = 2, 50000, 2 do assert(t[i].name == ('svc' .. i):rep(i % 9 + 1)); s = s + t[i].n end\n"
        "assert(s == 625025000)\n");
    ok(rc == LUA_OK, "a Lua state runs on it (%s)", rc == LUA_OK ? "ok" : lua_tostring(L, -1));
    lua_close(L);
    hh_small_alloc_free(a);
    return done_testing();
}
