/* Host objects held by one plugin call, from acquisition to release. A Lua
 * error in between (out of memory) unwinds to held_run_protected, which
 * frees what is still held instead of leaking it and the hive's reference.
 * Compiled into each plugin (plugins never link the host). */
#ifndef HH_PLUGIN_HELD_H
#define HH_PLUGIN_HELD_H

#include <lua.h>

#include "hivehunt/plugin.h"

#define HELD_MAX 80 /* the largest nesting any plugin allows (see held_init) */

typedef struct held_set {
    const hh_host_api *host;
    const char *owner; /* plugin name, for the overflow error */
    int max;           /* objects open at once: nesting depth, never hive size */
    void *obj[HELD_MAX];
    unsigned char is_value[HELD_MAX];
    int n;
} held_set;

void held_init(held_set *h, const hh_host_api *host, const char *owner, int max);
/* Hold an object the host just handed out (NULL is ignored). Past max the
 * object is freed and a Lua error raised: a bug, not a hive property. */
void held_key(held_set *h, lua_State *L, hh_key *k);
void held_value(held_set *h, lua_State *L, hh_value *v);
/* Stop holding without freeing (ownership moves elsewhere). */
void held_forget(held_set *h, const void *p);
/* Free one object (held or not) and set the pointer to NULL; NULL is ignored. */
void held_key_free(held_set *h, hh_key **k);
void held_value_free(held_set *h, hh_value **v);
/* Free everything still held. */
void held_release_all(held_set *h);

/* Call body with the caller's arguments under lua_pcall, state as its first
 * upvalue; then free what h holds and call cleanup(state) when not NULL, and
 * return body's results or re-raise its error. */
int held_run_protected(lua_State *L, lua_CFunction body, void *state, held_set *h,
                       void (*cleanup)(void *state));

#endif
