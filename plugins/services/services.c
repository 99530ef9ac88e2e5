/*
 * The services plugin's C half: `require "plugin.services"`.
 *
 *   services.collect(hives) -> input | nil, msg
 *     hives = { system = hive, software = hive|nil, users = {...} } (the host's
 *     call: the descriptor declares SYSTEM required, SOFTWARE optional)
 *   services.collect(system_hive [, software_hive]) -> the same (scripts, shell)
 *   services.svchost_groups(software_hive)          -> { groups, path } | nil, msg
 *   services.columns                                -> row field names, report order
 *
 * collect reads Select and every ControlSetNNN root key, and builds one row
 * per service key per control set (plus rows for deleted service keys the
 * host recovered), eagerly: a SYSTEM hive holds a few hundred services. The
 * input table's shape is the policy contract (lua/services.lua reads it).
 * Whatever cannot be read becomes a line in input.warnings and the walk
 * goes on.
 *
 * input = { plugin = "services",
 *   hive = { path, kind, dirty, computer_name },
 *   rows = { row, ... },
 *   control_sets = { "ControlSet001", ... }   sorted by number, names as stored
 *   current_control_set = name | nil           nil when Select is absent or points nowhere
 *   select = { current, default, last_known_good, failed } | nil
 *   svchost = { groups = { [group] = { member, ... } }, path } | nil   (needs SOFTWARE)
 *   warnings = { line, ... } }
 *
 * row: name, control_set, control_set_number, current, key, hive, recovered
 *   (true for a deleted key), last_write / last_write_epoch,
 *   parameters_last_write / _epoch, display_name, description, image_path
 *   (whole), object_name, group, failure_command, service_main, service_dll
 *   with service_dll_source ("Parameters" or "key"), start / start_name,
 *   type / type_name, error_control, delayed_autostart, depend_on_service,
 *   depend_on_group, required_privileges (arrays), svchost_group, svchost_p,
 *   svchost_s (from a svchost ImagePath), and values = { [name] = { type,
 *   data, after_nul? } } with every value of the service key. A value that
 *   is absent leaves its field nil; start_name/type_name then say "missing",
 *   or "invalid" for a value that is there but is not a number.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lua.h>

#include "hive_names.h"
#include "hivehunt/plugin.h"
#include "module.h"
#include "svc_decode.h"
#include "svc_internal.h"

#define SVCHOST_PATH "Microsoft\\Windows NT\\CurrentVersion\\Svchost"

const hh_host_api *svc_host;

/* Members of hh_host_api this plugin needs beyond ABI 1's first release. */
static int host_has_deleted_keys(void)
{
    return svc_host->struct_size >= offsetof(hh_host_api, hive_deleted_key_at) +
                                        sizeof(svc_host->hive_deleted_key_at) &&
           svc_host->hive_deleted_key_count && svc_host->hive_deleted_key_at;
}

/* A hive whose content says it is another kind is refused; one whose kind
 * could not be told (damaged, differencing) is read with a warning. */
static int wrong_kind(lua_State *L, hh_hive *hive, int want)
{
    int kind = svc_host->hive_kind(hive);
    if (kind == want || kind == HH_HIVE_OTHER)
        return 0;
    luaL_pushfail(L);
    lua_pushfstring(L, "%s is %s %s hive, not a %s hive", svc_host->hive_path(hive),
                    kind == HH_HIVE_NTUSER ? "an" : "a", hive_kind_name(kind), hive_kind_name(want));
    return 2;
}

/* ---- svchost groups ------------------------------------------------------- */

/* Push { groups = { [group] = {member, ...} }, path = } for a SOFTWARE hive,
 * or return 0 with a reason in err (nothing pushed). */
static int push_svchost(svc_ctx *c, hh_hive *software, char *err, size_t errlen)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    hh_key *k = NULL;
    int rc = H->key_open(software, NULL, SVCHOST_PATH, &k, err, errlen);
    held_key(&c->held, c->L, k);
    if (rc == 0)
        snprintf(err, errlen, "%s has no %s key (Windows NT 4 and older predate svchost groups)",
                 H->hive_path(software), SVCHOST_PATH);
    if (rc != 1)
        return 0;
    int count = 0;
    char why[SVC_ERRLEN];
    if (H->key_value_count(k, &count, why, sizeof why) != 1) {
        snprintf(err, errlen, "%s: %.400s", H->hive_path(software), why);
        held_key_free(&c->held, &k);
        return 0;
    }
    if (count > SVC_MAX_VALUES) {
        svc_warn(c, "%s: claims %d values; only the first %d were read", H->key_path(k), count,
                 SVC_MAX_VALUES);
        count = SVC_MAX_VALUES;
    }
    lua_createtable(L, 0, 2);
    lua_createtable(L, 0, count);
    for (int i = 0; i < count; i++) {
        hh_value *v = NULL;
        if (H->key_value_at(k, i, &v, why, sizeof why) != 1) {
            svc_warn(c, "%s: %s", H->key_path(k), why);
            continue;
        }
        held_value(&c->held, c->L, v);
        const uint8_t *data;
        size_t len;
        uint32_t type = H->value_type(v);
        /* The default value names no group. */
        if (*H->value_name(v) && svc_push_value_data(c, k, v, &data, &len)) {
            if (type == HH_REG_MULTI_SZ && lua_type(L, -1) == LUA_TTABLE) {
                lua_setfield(L, -2, H->value_name(v));
            } else if ((type == HH_REG_SZ || type == HH_REG_EXPAND_SZ) && lua_type(L, -1) == LUA_TSTRING) {
                lua_createtable(L, 1, 0);
                if (lua_rawlen(L, -2) > 0) {
                    lua_pushvalue(L, -2);
                    lua_rawseti(L, -2, 1);
                }
                lua_setfield(L, -3, H->value_name(v));
                lua_pop(L, 1);
            } else {
                lua_pop(L, 1);
                svc_warn(c, "%s: group '%s' is not a list of service names (type %u): ignored",
                         H->key_path(k), H->value_name(v), (unsigned)type);
            }
        }
        held_value_free(&c->held, &v);
    }
    lua_setfield(L, -2, "groups");
    lua_pushstring(L, H->hive_path(software));
    lua_setfield(L, -2, "path");
    held_key_free(&c->held, &k);
    return 1;
}

/* ---- control sets ----------------------------------------------------------- */

typedef struct control_sets {
    svc_control_set *items;
    size_t count;
    hh_key *select;
} control_sets;

static void control_sets_free(control_sets *s)
{
    for (size_t i = 0; i < s->count; i++)
        svc_host->key_free(&s->items[i].key);
    free(s->items);
    svc_host->key_free(&s->select);
    memset(s, 0, sizeof *s);
}

static int cmp_control_set(const void *a, const void *b)
{
    const svc_control_set *x = a, *y = b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Root subkeys: Select and every ControlSetNNN, matched by name (never a
 * name built from Select's numbers). */
static void find_control_sets(svc_ctx *c, hh_key *root, control_sets *out)
{
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    int count = 0;
    if (H->key_subkey_count(root, &count, err, sizeof err) != 1) {
        svc_warn(c, "root key: %s", err);
        return;
    }
    if (count > SVC_MAX_ROOT_KEYS)
        count = SVC_MAX_ROOT_KEYS;
    for (int i = 0; i < count; i++) {
        hh_key *k = NULL;
        if (H->key_subkey_at(root, i, &k, err, sizeof err) != 1) {
            svc_warn(c, "root key: %s", err);
            continue;
        }
        held_key(&c->held, c->L, k);
        const char *name = H->key_name(k);
        int number = control_set_number(name);
        if (number >= 0 && out->count < SVC_MAX_CONTROL_SETS) {
            svc_control_set *grown = realloc(out->items, (out->count + 1) * sizeof *grown);
            if (!grown) {
                held_key_free(&c->held, &k);
                svc_warn(c, "out of memory listing control sets");
                break;
            }
            held_forget(&c->held, k); /* the list owns it now */
            out->items = grown;
            svc_control_set *cs = &out->items[out->count++];
            memset(cs, 0, sizeof *cs);
            memcpy(cs->name, name, 13);
            cs->number = number;
            cs->key = k;
        } else if (!out->select && strcasecmp(name, "Select") == 0) {
            held_forget(&c->held, k);
            out->select = k;
        } else {
            held_key_free(&c->held, &k);
        }
    }
    /* qsort's array may not be NULL, even for 0 items (a hive without control sets). */
    if (out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, cmp_control_set);
}

/* select = { current=, default=, last_known_good=, failed= } on the stack (or
 * nil); returns Current, or -1 when unknown. */
static int push_select(svc_ctx *c, hh_key *select)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    if (!select) {
        svc_warn(c, "no Select key: the current control set is unknown (every row has current=false)");
        lua_pushnil(L);
        return -1;
    }
    static const struct { const char *value, *field; } names[] = {
        {"Current", "current"}, {"Default", "default"},
        {"LastKnownGood", "last_known_good"}, {"Failed", "failed"}};
    int current = -1;
    char err[SVC_ERRLEN];
    lua_createtable(L, 0, 4);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        hh_value *v = NULL;
        int rc = H->key_value(select, names[i].value, &v, err, sizeof err);
        held_value(&c->held, c->L, v);
        if (rc < 0)
            svc_warn(c, "Select: %s", err);
        if (rc != 1)
            continue;
        const uint8_t *data;
        size_t len;
        char err2[SVC_ERRLEN];
        int64_t n;
        int exact;
        if (H->value_data(v, &data, &len, err2, sizeof err2) != 1)
            svc_warn(c, "Select: value '%s': %s", names[i].value, err2);
        else if (H->value_type(v) != HH_REG_SZ && H->value_type(v) != HH_REG_EXPAND_SZ &&
                 svc_int_from_bytes(H->value_type(v), data, len, &n, &exact)) {
            if (!exact)
                svc_warn(c, "Select: value '%s' is type %u of %zu bytes; read as %lld", names[i].value,
                         (unsigned)H->value_type(v), len, (long long)n);
            lua_pushinteger(L, (lua_Integer)n);
            lua_setfield(L, -2, names[i].field);
            if (i == 0 && n >= 0 && n <= 999)
                current = (int)n;
        } else {
            svc_warn(c, "Select: value '%s' is not a number (type %u, %zu bytes)", names[i].value,
                     (unsigned)H->value_type(v), len);
        }
        held_value_free(&c->held, &v);
    }
    if (current < 0)
        svc_warn(c, "Select has no usable Current value: the current control set is unknown");
    return current;
}

/* ---- rows ------------------------------------------------------------------- */

static void push_set_rows(svc_ctx *c, const svc_control_set *cs, int rows, lua_Integer *nrows)
{
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    hh_key *services = NULL;
    int rc = H->key_open(c->hive, cs->key, "Services", &services, err, sizeof err);
    held_key(&c->held, c->L, services);
    if (rc == 0) {
        svc_warn(c, "%s has no Services key", cs->name);
        return;
    }
    if (rc < 0) {
        svc_warn(c, "%s\\Services: %s", cs->name, err);
        return;
    }
    int count = 0;
    if (H->key_subkey_count(services, &count, err, sizeof err) != 1) {
        svc_warn(c, "%s", err);
        held_key_free(&c->held, &services);
        return;
    }
    if (count > SVC_MAX_SERVICES) {
        svc_warn(c, "%s claims %d service keys; only the first %d were read", H->key_path(services),
                 count, SVC_MAX_SERVICES);
        count = SVC_MAX_SERVICES;
    }
    for (int i = 0; i < count; i++) {
        hh_key *svc = NULL;
        if (H->key_subkey_at(services, i, &svc, err, sizeof err) != 1) {
            svc_warn(c, "%s: service key #%d could not be read: %s", H->key_path(services), i, err);
            continue;
        }
        held_key(&c->held, c->L, svc);
        svc_push_row(c, svc, cs, 0);
        lua_rawseti(c->L, rows, ++*nrows);
        held_key_free(&c->held, &svc);
    }
    held_key_free(&c->held, &services);
}

/* Deleted keys at exactly ControlSetNNN\Services\<name>. */
static void push_recovered_rows(svc_ctx *c, int current, int rows, lua_Integer *nrows)
{
    const hh_host_api *H = svc_host;
    if (!host_has_deleted_keys())
        return;
    int n = H->hive_deleted_key_count(c->hive);
    if (n > SVC_MAX_DELETED_KEYS) {
        svc_warn(c, "%d deleted keys recovered; only the first %d were examined", n, SVC_MAX_DELETED_KEYS);
        n = SVC_MAX_DELETED_KEYS;
    }
    char err[SVC_ERRLEN];
    for (int i = 0; i < n; i++) {
        hh_key *k = NULL;
        if (H->hive_deleted_key_at(c->hive, i, &k, err, sizeof err) != 1) {
            svc_warn(c, "deleted key #%d could not be read: %s", i, err);
            continue;
        }
        held_key(&c->held, c->L, k);
        const char *path = H->key_path(k);
        const char *s1 = strchr(path, '\\');
        const char *s2 = s1 ? strchr(s1 + 1, '\\') : NULL;
        svc_control_set cs = {.number = -1};
        if (s1 && s2 && s1 - path == 13 && s2 - s1 - 1 == 8 && strncasecmp(s1 + 1, "Services", 8) == 0 &&
            s2[1] && !strchr(s2 + 1, '\\')) {
            memcpy(cs.name, path, 13);
            cs.number = control_set_number(cs.name);
            cs.current = cs.number >= 0 && cs.number == current;
        }
        if (cs.number >= 0) {
            svc_push_row(c, k, &cs, 1);
            lua_rawseti(c->L, rows, ++*nrows);
        }
        held_key_free(&c->held, &k);
    }
}

static void set_string_field(lua_State *L, int t, const char *field, const char *value)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, value);
    lua_setfield(L, t, field);
}

/* What a protected call leaves to its caller to release: held host
 * objects and the control set list. */
typedef struct call_state {
    svc_ctx c;
    control_sets sets;
} call_state;

static void free_sets(void *state) { control_sets_free(&((call_state *)state)->sets); }

/* Run body with the call's arguments in a protected call, so a Lua error
 * (out of memory) releases every host object before it propagates. */
static int run_protected(lua_State *L, lua_CFunction body)
{
    call_state st;
    memset(&st, 0, sizeof st);
    held_init(&st.c.held, svc_host, "services", SVC_MAX_HELD);
    return held_run_protected(L, body, &st, &st.c.held, free_sets);
}

static call_state *state_of(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

static int collect_body(lua_State *L)
{
    const hh_host_api *H = svc_host;
    call_state *st = state_of(L);
    if (lua_istable(L, 1)) {
        /* collect(hives): the host's call; the same as collect(system, software). */
        lua_settop(L, 1);
        if (lua_getfield(L, 1, "system") == LUA_TNIL)
            return luaL_error(L, "collect: hives.system is missing: the services plugin reads a SYSTEM hive");
        lua_getfield(L, 1, "software");
        lua_remove(L, 1); /* system, software */
    }
    hh_hive *system = H->check_hive(L, 1);
    hh_hive *software = lua_isnoneornil(L, 2) ? NULL : H->check_hive(L, 2);
    int bad = wrong_kind(L, system, HH_HIVE_SYSTEM);
    if (!bad && software)
        bad = wrong_kind(L, software, HH_HIVE_SOFTWARE);
    if (bad)
        return bad;
    lua_settop(L, 2);
    lua_createtable(L, 0, 10); /* 3: input */
    lua_newtable(L);           /* 4: warnings */
    svc_ctx *c = &st->c;
    c->L = L;
    c->hive = system;
    c->hive_path = H->hive_path(system);
    c->warn.L = L;
    c->warn.index = 4;
    /* 5: the hive's path, one string every row shares */
    lua_pushstring(L, c->hive_path);
    c->hive_path_index = 5;

    char err[SVC_ERRLEN];
    hh_key *root = NULL;
    int rc = H->key_open(system, NULL, "", &root, err, sizeof err);
    if (rc != 1) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", c->hive_path, rc == 0 ? "hive has no root key" : err);
        return 2;
    }
    held_key(&c->held, c->L, root);
    if (H->hive_kind(system) != HH_HIVE_SYSTEM)
        svc_warn(c, "%s does not look like a SYSTEM hive; reading it as one", c->hive_path);
    set_string_field(L, 3, "plugin", "services");

    control_sets *sets = &st->sets;
    find_control_sets(c, root, sets);
    held_key_free(&c->held, &root);
    int current = push_select(c, sets->select);
    lua_setfield(L, 3, "select");

    lua_createtable(L, (int)sets->count, 0);
    svc_control_set *cur = NULL;
    for (size_t i = 0; i < sets->count; i++) {
        sets->items[i].current = sets->items[i].number == current;
        if (sets->items[i].current && !cur)
            cur = &sets->items[i];
        lua_pushstring(L, sets->items[i].name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, 3, "control_sets");
    if (sets->count == 0)
        svc_warn(c, "no ControlSetNNN key at the root: no services to read");
    if (current >= 0 && !cur)
        svc_warn(c, "Select\\Current names control set %d, which does not exist", current);
    if (cur)
        set_string_field(L, 3, "current_control_set", cur->name);

    /* hive = { path, kind, dirty, computer_name } */
    lua_createtable(L, 0, 4);
    set_string_field(L, -1, "path", c->hive_path);
    set_string_field(L, -1, "kind", hive_kind_name(H->hive_kind(system)));
    lua_getfield(L, 1, "dirty");
    lua_setfield(L, -2, "dirty");
    svc_control_set *named = cur ? cur : (sets->count ? &sets->items[0] : NULL);
    if (named && svc_push_string_at(c, named->key, "Control\\ComputerName\\ComputerName", "ComputerName")) {
        lua_setfield(L, -2, "computer_name");
        if (!cur)
            svc_warn(c, "computer_name was read from %s (the current control set is unknown)", named->name);
    }
    lua_setfield(L, 3, "hive");

    lua_createtable(L, 512, 0);
    int rows = lua_gettop(L);
    lua_Integer nrows = 0;
    for (size_t i = 0; i < sets->count; i++)
        push_set_rows(c, &sets->items[i], rows, &nrows);
    push_recovered_rows(c, current, rows, &nrows);
    lua_setfield(L, 3, "rows");

    if (software) {
        if (!push_svchost(c, software, err, sizeof err))
            svc_warn(c, "%s", err);
        else
            lua_setfield(L, 3, "svchost");
    }
    lua_pushvalue(L, 4);
    lua_setfield(L, 3, "warnings");
    lua_pushvalue(L, 3);
    return 1;
}

static int l_collect(lua_State *L) { return run_protected(L, collect_body); }

static int svchost_body(lua_State *L)
{
    hh_hive *software = svc_host->check_hive(L, 1);
    int bad = wrong_kind(L, software, HH_HIVE_SOFTWARE);
    if (bad)
        return bad;
    lua_settop(L, 1);
    lua_newtable(L); /* 2: warnings, returned inside the result when any */
    svc_ctx *c = &state_of(L)->c;
    c->L = L;
    c->hive = software;
    c->hive_path = svc_host->hive_path(software);
    c->warn.L = L;
    c->warn.index = 2;
    char err[SVC_ERRLEN];
    if (!push_svchost(c, software, err, sizeof err)) {
        luaL_pushfail(L);
        lua_pushstring(L, err);
        return 2;
    }
    if (c->warn.n) {
        lua_pushvalue(L, 2);
        lua_setfield(L, -2, "warnings");
    }
    return 1;
}

static int l_svchost_groups(lua_State *L) { return run_protected(L, svchost_body); }

/* ---- module ----------------------------------------------------------------- */

/* The order reports print row fields in. */
static const char *const columns[] = {
    "name", "control_set", "current", "display_name", "description", "image_path", "service_dll",
    "service_dll_source", "service_main", "object_name", "start", "start_name", "type", "type_name",
    "error_control", "group", "depend_on_service", "depend_on_group", "required_privileges",
    "delayed_autostart", "failure_command", "svchost_group", "svchost_p", "svchost_s", "last_write",
    "last_write_epoch", "parameters_last_write", "parameters_last_write_epoch", "key",
    "control_set_number", "recovered", "hive",
};

static int open_services(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"collect", l_collect},
        {"svchost_groups", l_svchost_groups},
        {NULL, NULL}};
    module_push(L, funcs, columns, sizeof columns / sizeof columns[0]);
    return 1;
}

static int services_init(const hh_host_api *host, char *err, size_t errlen)
{
    if (module_check_host(host, err, errlen) != 0)
        return -1;
    svc_host = host;
    return 0;
}

static const hh_plugin services_plugin = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "services",
    .version = "0.1.0",
    .description = "Windows services of every control set (SYSTEM) and svchost groups (SOFTWARE)",
    .init = services_init,
    .open_lua = open_services,
    .shutdown = NULL,
    .hives_required = HH_HIVE_BIT(HH_HIVE_SYSTEM),
    .hives_optional = HH_HIVE_BIT(HH_HIVE_SOFTWARE),
    .reads_rows_of = NULL,
};

HH_PLUGIN_DEFINE_ENTRY(services_plugin)
