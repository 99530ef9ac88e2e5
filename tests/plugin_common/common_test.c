/* plugins/common: hive kind and control set names; warnings stop at WARNINGS_MAX plus one line saying so;
 * held objects are freed once, whether released one by one, forgotten and
 * freed by hand, or released all at once after a Lua error.
 *   plugin_common   (needs HH_TESTDATA for clean/SYSTEM; skips without it) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "held.h"
#include "hive_internal.h"
#include "hive_names.h"
#include "plugins.h"
#include "warnings.h"

#define SKIP 77

static int failures;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static const char *entry(lua_State *L, int t, lua_Integer i)
{
    lua_rawgeti(L, t, i);
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* the array keeps the string alive */
    return s ? s : "";
}

static void test_names(void)
{
    CHECK(control_set_number("ControlSet001") == 1);
    CHECK(control_set_number("controlset010") == 10);
    CHECK(control_set_number("CONTROLSET999") == 999);
    CHECK(control_set_number("ControlSet000") == 0);
    CHECK(control_set_number("ControlSet01") == -1);
    CHECK(control_set_number("ControlSet0001") == -1);
    CHECK(control_set_number("ControlSet00a") == -1);
    CHECK(control_set_number("CurrentControlSet") == -1);

    CHECK(strcmp(hive_kind_name(HH_HIVE_SYSTEM), "SYSTEM") == 0);
    CHECK(strcmp(hive_kind_name(HH_HIVE_NTUSER), "NTUSER") == 0);
    CHECK(strcmp(hive_kind_name(-1), "OTHER") == 0);
}

static void test_warnings(void)
{
    lua_State *L = luaL_newstate();
    lua_newtable(L);
    warning_list w = {L, lua_gettop(L), 0, 0};
    for (int i = 1; i <= WARNINGS_MAX + 50; i++)
        warnings_add(&w, "warning %d", i);
    CHECK(w.n == WARNINGS_MAX + 1);
    CHECK(lua_rawlen(L, w.index) == WARNINGS_MAX + 1);
    CHECK(strcmp(entry(L, w.index, 1), "warning 1") == 0);
    CHECK(strcmp(entry(L, w.index, WARNINGS_MAX), "warning 10000") == 0);
    CHECK(strcmp(entry(L, w.index, WARNINGS_MAX + 1),
                 "more than 10000 warnings: the rest were dropped") == 0);

    /* one line is cut at 1023 bytes, not refused */
    lua_newtable(L);
    warning_list w2 = {L, lua_gettop(L), 0, 0};
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    warnings_add(&w2, "%s", big);
    CHECK(w2.n == 1 && strlen(entry(L, w2.index, 1)) == 1023);
    lua_close(L);
}

typedef struct overflow_state {
    held_set *h;
    hh_hive *hive;
    int cleaned;
} overflow_state;

/* Opens the root key until the set overflows: the Lua error must leave
 * nothing open once held_run_protected returns. */
static int overflow_body(lua_State *L)
{
    overflow_state *st = lua_touserdata(L, lua_upvalueindex(1));
    char err[256];
    for (;;) {
        hh_key *k = NULL;
        if (st->h->host->key_open(st->hive, NULL, "", &k, err, sizeof err) != 1)
            return luaL_error(L, "key_open: %s", err);
        held_key(st->h, L, k);
    }
}

static void note_cleanup(void *state) { ((overflow_state *)state)->cleaned++; }

static int run_overflow(lua_State *L)
{
    overflow_state *st = lua_touserdata(L, lua_upvalueindex(1));
    return held_run_protected(L, overflow_body, st, st->h, note_cleanup);
}

static void test_held(hh_hive *hive)
{
    const hh_host_api *H = hh_host_api_get();
    char err[256];
    held_set h;
    held_init(&h, H, "test", 4);
    int base = hive->refs;

    hh_key *a = NULL, *b = NULL;
    hh_value *v = NULL;
    CHECK(H->key_open(hive, NULL, "Select", &a, err, sizeof err) == 1);
    held_key(&h, NULL, a);
    CHECK(H->key_open(hive, NULL, "Select", &b, err, sizeof err) == 1);
    held_key(&h, NULL, b);
    CHECK(H->key_value(a, "Current", &v, err, sizeof err) == 1);
    held_value(&h, NULL, v);
    held_key(&h, NULL, NULL); /* ignored */
    CHECK(h.n == 3 && hive->refs == base + 3);

    held_key_free(&h, &a); /* from the middle of the set */
    CHECK(a == NULL && h.n == 2 && hive->refs == base + 2);
    held_key_free(&h, &a); /* NULL: nothing happens */
    CHECK(h.n == 2 && hive->refs == base + 2);

    held_forget(&h, b); /* ownership moves to the caller */
    CHECK(h.n == 1 && hive->refs == base + 2);
    held_key_free(&h, &b); /* not held: still freed */
    CHECK(b == NULL && hive->refs == base + 1);

    held_release_all(&h);
    CHECK(h.n == 0 && hive->refs == base);
    v = NULL; /* freed by release_all */

    /* past max under the protected runner: the Lua error names the owner,
     * reaches the caller, and leaves nothing open */
    lua_State *L = luaL_newstate();
    overflow_state st = {&h, hive, 0};
    lua_pushlightuserdata(L, &st);
    lua_pushcclosure(L, run_overflow, 1);
    int rc = lua_pcall(L, 0, 0, 0);
    CHECK(rc == LUA_ERRRUN);
    CHECK(strcmp(lua_tostring(L, -1), "test: too many host objects held at once") == 0);
    CHECK(st.cleaned == 1);
    CHECK(h.n == 0 && hive->refs == base);
    lua_close(L);
}

int main(void)
{
    test_names();
    test_warnings();

    const char *testdata = getenv("HH_TESTDATA");
    if (!testdata) {
        puts("skip: HH_TESTDATA unset");
        return SKIP;
    }
    char path[4096], err[HH_ERRLEN];
    snprintf(path, sizeof path, "%s/clean/SYSTEM", testdata);
    hh_open_options opts;
    hh_open_options_default(&opts);
    hh_hive *hive = NULL;
    if (hh_hive_open(path, &opts, &hive, err, sizeof err) != 1) {
        printf("skip: %s: %s\n", path, err);
        return SKIP;
    }
    test_held(hive);
    CHECK(hive->refs == 1);
    hh_hive_close(&hive);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
