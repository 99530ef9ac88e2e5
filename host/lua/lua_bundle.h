/* Layer: lua. May call: hive, base, Lua. */
/* The stock policy files, precompiled at build time (host/tools/embed_lua.c).
 * A file whose bytes equal a bundled source is loaded from its bytecode:
 * the same functions, line numbers and names, without running Lua's parser.
 * Any other file (an analyst's edit, a local layer) is parsed as text. Only
 * these built-in bytes are ever loaded as bytecode. */
#ifndef HH_LUA_BUNDLE_H
#define HH_LUA_BUNDLE_H

#include <stddef.h>

#include <lua.h>

typedef struct hh_bundled_chunk {
    const char *name;              /* path under lua/, for tests and messages */
    const unsigned char *src;      /* the source text it was compiled from */
    size_t src_len;
    const unsigned char *head;     /* the dump up to the chunk name's length */
    size_t head_len;
    const unsigned char *tail;     /* the dump after the chunk name */
    size_t tail_len;
} hh_bundled_chunk;

/* Generated; ends with an entry whose name is NULL. */
extern const hh_bundled_chunk hh_bundled_chunks[];

/* The bundled chunk compiled from exactly these bytes, or NULL. */
const hh_bundled_chunk *hh_bundle_find(const char *text, size_t len);

/* Pushes the chunk compiled from `text` under `chunkname` ("@path") and
 * returns 1, when text is a bundled source; returns 0 (nothing pushed)
 * otherwise, or when this liblua cannot load the bytecode. */
int hh_bundle_load(lua_State *L, const char *text, size_t len, const char *chunkname);

/* How many chunks this process has loaded from the bundle. */
unsigned long hh_bundle_loads(void);

#endif
