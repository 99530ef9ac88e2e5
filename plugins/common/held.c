#include <string.h>

#include <lauxlib.h>

#include "held.h"

void held_init(held_set *h, const hh_host_api *host, const char *owner, int max)
{
    h->host = host;
    h->owner = owner;
    h->max = max < HELD_MAX ? max : HELD_MAX;
    h->n = 0;
}

static void free_object(const held_set *h, void *p, int is_value)
{
    if (is_value) {
        hh_value *v = p;
        h->host->value_free(&v);
    } else {
        hh_key *k = p;
        h->host->key_free(&k);
    }
}

static void hold(held_set *h, lua_State *L, void *p, int is_value)
{
    if (!p)
        return;
    if (h->n >= h->max) {
        free_object(h, p, is_value);
        luaL_error(L, "%s: too many host objects held at once", h->owner);
    }
    h->obj[h->n] = p;
    h->is_value[h->n] = (unsigned char)is_value;
    h->n++;
}

void held_key(held_set *h, lua_State *L, hh_key *k) { hold(h, L, k, 0); }
void held_value(held_set *h, lua_State *L, hh_value *v) { hold(h, L, v, 1); }

void held_forget(held_set *h, const void *p)
{
    for (int i = h->n - 1; i >= 0; i--) {
        if (h->obj[i] == p) {
            memmove(&h->obj[i], &h->obj[i + 1], (size_t)(h->n - i - 1) * sizeof h->obj[0]);
            memmove(&h->is_value[i], &h->is_value[i + 1], (size_t)(h->n - i - 1));
            h->n--;
            return;
        }
    }
}

void held_key_free(held_set *h, hh_key **k)
{
    if (!*k)
        return;
    held_forget(h, *k);
    free_object(h, *k, 0);
    *k = NULL;
}

void held_value_free(held_set *h, hh_value **v)
{
    if (!*v)
        return;
    held_forget(h, *v);
    free_object(h, *v, 1);
    *v = NULL;
}

void held_release_all(held_set *h)
{
    while (h->n > 0) {
        h->n--;
        free_object(h, h->obj[h->n], h->is_value[h->n]);
    }
}

int held_run_protected(lua_State *L, lua_CFunction body, void *state, held_set *h,
                       void (*cleanup)(void *state))
{
    int nargs = lua_gettop(L);
    lua_pushlightuserdata(L, state);
    lua_pushcclosure(L, body, 1);
    lua_insert(L, 1);
    int rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
    held_release_all(h);
    if (cleanup)
        cleanup(state);
    if (rc != LUA_OK)
        return lua_error(L);
    return lua_gettop(L);
}
