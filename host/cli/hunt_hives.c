/* Layer: cli. May call: diag.h, hunt.h, lua (regf_lua.h), hive, base. */
/* Opening a host's hives for one hunt: any number, any order; the kind of
 * each comes from its content, never from its name. */
#include "hunt_hives.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "hunt.h"
#include "regf_lua.h"

static int machine_kind(int kind)
{
    return kind == HH_HIVE_SYSTEM || kind == HH_HIVE_SOFTWARE || kind == HH_HIVE_SAM || kind == HH_HIVE_SECURITY;
}

int hh_hive_set_open(lua_State *L, const hh_hunt_opts *o, hh_hive_set *set)
{
    memset(set, 0, sizeof *set);
    set->system = set->software = -1;
    for (size_t i = 0; i < o->nhives && set->n < HH_MAX_HIVES; i++) {
        const char *path = o->hives[i];
        hh_open_options opts;
        hh_open_options_default(&opts);
        opts.replay = o->replay;
        opts.reader = o->reader;
        /* --log names the first hive's logs (the SYSTEM hive of old). */
        if (o->nlogs && i == 0) {
            opts.logs = o->logs;
            opts.nlogs = o->nlogs;
        }
        char err[HH_ERRLEN];
        hh_hive *h = NULL;
        if (hh_hive_open(path, &opts, &h, err, sizeof err) != 1) {
            if (o->hive_soft[i] && set->nfailed < sizeof set->failed / sizeof set->failed[0]) {
                hh_warning(path, "skipped: %s", err);
                snprintf(set->failed[set->nfailed++], sizeof set->failed[0], "%s: %s", path, err);
                continue;
            }
            hh_error(path, "%s", err);
            return HH_EXIT_INPUT;
        }
        const hh_hive_info *in = hh_hive_get_info(h);
        for (size_t j = 0; j < set->n; j++) {
            if (machine_kind(in->kind) && set->items[j].kind == in->kind) {
                hh_error(path, "a second %s hive (the first is %s): one host's hives per run",
                         hh_hive_kind_name(in->kind), set->items[j].path);
                hh_hive_close(&h);
                return HH_EXIT_USAGE;
            }
        }
        hh_lua_push_hive(L, h);
        hh_hunt_hive *it = &set->items[set->n];
        it->path = path;
        it->hive = h;
        it->kind = in->kind;
        it->idx = lua_gettop(L);
        if (in->kind == HH_HIVE_SYSTEM)
            set->system = (int)set->n;
        else if (in->kind == HH_HIVE_SOFTWARE)
            set->software = (int)set->n;

        if (in->kind != HH_HIVE_OTHER)
            set->present |= HH_HIVE_BIT(in->kind);
        set->n++;
    }
    /* A hive whose kind its content cannot tell (damaged, a differencing
     * hive) stands in for SYSTEM when none was given, as a lone hive always
     * did: the services plugin reads it with a warning, never silently. */
    for (size_t i = 0; i < set->n && set->system < 0; i++) {
        if (set->items[i].kind == HH_HIVE_OTHER) {
            set->system = (int)i;
            set->present |= HH_HIVE_BIT(HH_HIVE_SYSTEM);
        }
    }
    return -1;
}

void hh_hive_set_push_table(lua_State *L, const hh_hive_set *set)
{
    lua_createtable(L, 0, 3);
    if (set->system >= 0) {
        lua_pushvalue(L, set->items[set->system].idx);
        lua_setfield(L, -2, "system");
    }
    if (set->software >= 0) {
        lua_pushvalue(L, set->items[set->software].idx);
        lua_setfield(L, -2, "software");
    }
    lua_newtable(L);
    lua_Integer n = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (set->items[i].kind != HH_HIVE_NTUSER)
            continue;
        lua_pushvalue(L, set->items[i].idx);
        lua_rawseti(L, -2, ++n);
    }
    lua_setfield(L, -2, "users");
}

const hh_hunt_hive *hh_hive_set_find(const hh_hive_set *set, const char *path)
{
    for (size_t i = 0; set && path && i < set->n; i++)
        if (strcmp(set->items[i].path, path) == 0 || strcmp(hh_hive_get_info(set->items[i].hive)->path, path) == 0)
            return &set->items[i];
    return NULL;
}

void hh_hive_set_print_warnings(const hh_hive_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const hh_hive *h = set->items[i].hive;
        for (size_t w = 0; w < hh_hive_warning_count(h); w++)
            hh_warning(hh_hive_get_info(h)->path, "%s", hh_hive_warning(h, w));
    }
}
