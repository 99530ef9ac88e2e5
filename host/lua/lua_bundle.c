/* Layer: lua, below the sandbox. May call: the generated lua_bundled.c. */
#include "lua_bundle.h"

#include <string.h>

static unsigned long loads;

unsigned long hh_bundle_loads(void) { return loads; }

const hh_bundled_chunk *hh_bundle_find(const char *text, size_t len)
{
    for (const hh_bundled_chunk *c = hh_bundled_chunks; c->name; c++)
        if (c->src_len == len && memcmp(c->src, text, len) == 0)
            return c;
    return NULL;
}

/* Feeds head, the chunk name (with its length, as lundump reads a size:
 * 7-bit groups, most significant first, the last one marked 0x80), tail. */
typedef struct reader {
    const hh_bundled_chunk *c;
    unsigned char size[16];
    size_t size_len;
    const char *name;
    int part;
} reader;

static const char *next_part(lua_State *L, void *ud, size_t *len)
{
    (void)L;
    reader *r = ud;
    switch (r->part++) {
    case 0:
        *len = r->c->head_len;
        return (const char *)r->c->head;
    case 1:
        *len = r->size_len;
        return (const char *)r->size;
    case 2:
        *len = strlen(r->name);
        return r->name;
    case 3:
        *len = r->c->tail_len;
        return (const char *)r->c->tail;
    default:
        *len = 0;
        return NULL;
    }
}

int hh_bundle_load(lua_State *L, const char *text, size_t len, const char *chunkname)
{
    const hh_bundled_chunk *c = hh_bundle_find(text, len);
    if (!c)
        return 0;
    reader r = {.c = c, .name = chunkname};
    size_t x = strlen(chunkname) + 1;
    unsigned char rev[16];
    size_t n = 0;
    do {
        rev[n++] = x & 0x7f;
        x >>= 7;
    } while (x && n < sizeof rev);
    for (size_t i = 0; i < n; i++)
        r.size[i] = rev[n - 1 - i];
    r.size[n - 1] |= 0x80;
    r.size_len = n;
    /* Mode "b": these bytes were made by our build from the same text. */
    if (lua_load(L, next_part, &r, chunkname, "b") != LUA_OK) {
        lua_pop(L, 1);
        return 0;
    }
    loads++;
    return 1;
}
