/* Layer: cli. May call: hunt.h, hunt_hives.h, lua (plugin_plan.h, lua_fields.h), hive, base. */
/* The report's meta table: the host, its hives, the plugins run and skipped. */
#include "hunt_meta.h"

#include <time.h>

#include "hive.h"
#include "lua_fields.h"

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Builds the meta table of the report. */
void hh_push_meta(lua_State *L, const hh_hunt_opts *o, hh_hive *sys, int input_idx, const hh_hive_set *set,
                  const hh_plugin_plan *plan)
{
    lua_newtable(L);
    int m = lua_gettop(L);
    const hh_hive_info *in = hh_hive_get_info(sys);
    if (o->host) {
        hh_lua_set_str(L, m, "host", o->host);
    } else if (input_idx) {
        if (lua_getfield(L, input_idx, "hive") == LUA_TTABLE) {
            if (lua_getfield(L, -1, "computer_name") == LUA_TSTRING)
                lua_setfield(L, m, "host");
            else
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    hh_lua_set_str(L, m, "hive", in->path);
    hh_lua_set_str(L, m, "hive_kind", hh_hive_kind_name(in->kind));
    lua_pushboolean(L, in->dirty);
    lua_setfield(L, m, "dirty");
    lua_pushboolean(L, in->replayed);
    lua_setfield(L, m, "replayed");
    lua_pushinteger(L, in->log_entries_applied);
    lua_setfield(L, m, "log_entries_applied");
    hh_lua_set_str(L, m, "software", o->software);
    hh_lua_set_str(L, m, "baseline", o->baseline);
    lua_newtable(L);
    for (size_t i = 0; i < hh_hive_warning_count(sys); i++) {
        lua_pushstring(L, hh_hive_warning(sys, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "warnings");
    hh_lua_set_str(L, m, "tool", "hivehunt " HH_VERSION);
    lua_pushboolean(L, o->verbose);
    lua_setfield(L, m, "verbose");
    /* Every hive of the run, the plugins run (report order) and skipped. */
    lua_createtable(L, (int)set->n, 0);
    for (size_t i = 0; i < set->n; i++) {
        const hh_hive_info *hi = hh_hive_get_info(set->items[i].hive);
        lua_createtable(L, 0, 3);
        int e = lua_gettop(L);
        hh_lua_set_str(L, e, "path", hi->path);
        hh_lua_set_str(L, e, "kind", hh_hive_kind_name(hi->kind));
        if (hi->user[0])
            hh_lua_set_str(L, e, "user", hi->user);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "hives");
    lua_createtable(L, (int)plan->n + 1, 0);
    for (size_t i = 0; i < plan->n; i++) {
        lua_pushstring(L, plan->items[i].plugin->desc->name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "plugins");
    lua_createtable(L, (int)plan->nskipped, 0);
    for (size_t i = 0; i < plan->nskipped; i++) {
        lua_pushstring(L, plan->skipped[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "skipped");
    lua_createtable(L, (int)set->nfailed, 0);
    for (size_t i = 0; i < set->nfailed; i++) {
        lua_pushstring(L, set->failed[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "failed_hives");
    if (o->format == HH_FMT_HTML) {
        char t[40];
        now_iso(t, sizeof t);
        hh_lua_set_str(L, m, "generated", t);
    }
}
