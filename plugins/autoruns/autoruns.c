/*
 * The autoruns plugin's C half: `require "plugin.autoruns"`.
 *
 *   autoruns.collect(hives)      hives = { system = hive|nil, software = hive|nil,
 *                                          users = { hive | { hive = h, user = name }, ... } }
 *   autoruns.collect(hive, ...)  bare hives, each read by its kind (one whose
 *                                kind cannot be told is read as every kind)
 *     -> input | nil, msg
 *   autoruns.columns             row field names, report order
 *
 * One row per autostart entry of the locations in ar_locations.c: per
 * value, per subkey, or per element of a list value (REG_MULTI_SZ, or a
 * string the location splits such as Userinit's commas). Empty entries run
 * nothing and give no row; a value that is not a string gives a row without
 * a command and a warning.
 *
 * input = { plugin = "autoruns", rows = { row, ... }, warnings = { line, ... },
 *           hives = { { path, kind, user }, ... } }
 * row: hive, hive_kind, user, key, value, command (the entry as written),
 *   location, technique, last_write / last_write_epoch (of the key), data_type,
 *   target (the subkey: IFEO's exe, a monitor's name), element / elements (in a
 *   list value), wow64, control_set / control_set_number / current (SYSTEM), and
 *   per location: load_appinit_dlls, global_flag, clsid_dll, provider,
 *   provider_path, enabled. binary and arguments are the policy's to derive
 *   (hh.paths is Lua): lua/autoruns.lua fills them on each row.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lua.h>

#include "ar_locations.h"
#include "held.h"
#include "hive_names.h"
#include "hivehunt/plugin.h"
#include "module.h"
#include "warnings.h"

#define AR_ERRLEN 512
#define AR_MAX_SUBKEYS 100000
#define AR_MAX_VALUES 65536
#define AR_MAX_ELEMENTS 4096
#define AR_MAX_CONTROL_SETS 1000
#define AR_MAX_USERS 4096
#define AR_MAX_HELD 16

static const hh_host_api *H;

/* ---- one collection ----------------------------------------------------- */

typedef struct ar_ctx {
    lua_State *L;
    int rows; /* absolute stack index */
    lua_Integer nrows;
    /* the hive being read */
    hh_hive *hive;
    const char *kind;
    const char *user;
    /* SYSTEM: the control set being read (name NULL otherwise) */
    const char *cs_name;
    hh_key *cs_key;
    int cs_number, cs_current;
    warning_list warn;
    held_set held; /* released by the protected caller after a Lua error */
} ar_ctx;

#define warn(c, ...) warnings_add(&(c)->warn, __VA_ARGS__)

/* key_open, held; 1 / 0 absent / -1 (warned). */
static int open_key(ar_ctx *c, hh_key *base, const char *path, hh_key **out)
{
    char err[AR_ERRLEN];
    *out = NULL;
    int rc = H->key_open(c->hive, base, path, out, err, sizeof err);
    if (rc == 1)
        held_key(&c->held, c->L, *out);
    else if (rc < 0)
        warn(c, "%s: %s\\%s: %s", H->hive_path(c->hive), base ? H->key_path(base) : "", path, err);
    return rc;
}

static int named_value(ar_ctx *c, hh_key *k, const char *name, hh_value **out)
{
    char err[AR_ERRLEN];
    *out = NULL;
    if (!*name) {
        /* the default value: key_value("") does not find it on every host */
        int count = 0;
        if (H->key_value_count(k, &count, err, sizeof err) != 1)
            return -1;
        for (int i = 0; i < count && i < AR_MAX_VALUES; i++) {
            hh_value *v = NULL;
            if (H->key_value_at(k, i, &v, err, sizeof err) != 1)
                continue;
            if (!*H->value_name(v)) {
                held_value(&c->held, c->L, v);
                *out = v;
                return 1;
            }
            H->value_free(&v);
        }
        return 0;
    }
    int rc = H->key_value(k, name, out, err, sizeof err);
    if (rc == 1)
        held_value(&c->held, c->L, *out);
    else if (rc < 0)
        warn(c, "%s: value '%s': %s", H->key_path(k), name, err);
    return rc;
}

/* A number stored as a DWORD (or shorter binary, or a QWORD), or as decimal
 * or 0x-hex text, as tools write GlobalFlag both ways. */
static int value_number(ar_ctx *c, hh_value *v, long long *out)
{
    const uint8_t *d;
    size_t len;
    char err[AR_ERRLEN];
    if (H->value_data(v, &d, &len, err, sizeof err) != 1)
        return 0;
    uint32_t t = H->value_type(v);
    if (t == HH_REG_SZ || t == HH_REG_EXPAND_SZ) {
        if (H->push_value_data(c->L, v, err, sizeof err) != 1)
            return 0;
        const char *s = lua_tostring(c->L, -1);
        char *end = NULL;
        long long n = s ? strtoll(s, &end, 0) : 0;
        int ok = s && end && end != s;
        lua_pop(c->L, 1);
        if (ok)
            *out = n;
        return ok;
    }
    if (t == HH_REG_DWORD_BIG_ENDIAN && len >= 4) {
        *out = (long long)((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
        return 1;
    }
    if (len == 0 || t == HH_REG_MULTI_SZ)
        return 0;
    size_t n = len > 8 ? 8 : len;
    if (t == HH_REG_DWORD && n > 4)
        n = 4;
    unsigned long long x = 0;
    for (size_t i = n; i-- > 0;)
        x = x << 8 | d[i];
    *out = (long long)x;
    return 1;
}

/* ---- rows ----------------------------------------------------------------- */

static void set_str(lua_State *L, int t, const char *field, const char *s)
{
    if (!s)
        return;
    t = lua_absindex(L, t);
    lua_pushstring(L, s);
    lua_setfield(L, t, field);
}

static void set_int(lua_State *L, int t, const char *field, long long n)
{
    t = lua_absindex(L, t);
    lua_pushinteger(L, (lua_Integer)n);
    lua_setfield(L, t, field);
}

/* The fields every row of a key shares; leaves the row on the stack. */
static int new_row(ar_ctx *c, const ar_location *loc, hh_key *k, const char *value, const char *target,
                   int wow64, uint32_t type)
{
    lua_State *L = c->L;
    luaL_checkstack(L, 8, "autoruns row");
    lua_createtable(L, 0, 20);
    int row = lua_gettop(L);
    set_str(L, row, "hive", H->hive_path(c->hive));
    set_str(L, row, "hive_kind", c->kind);
    set_str(L, row, "user", c->user);
    set_str(L, row, "key", H->key_path(k));
    set_str(L, row, "value", value);
    set_str(L, row, "location", loc->id);
    set_str(L, row, "technique", loc->technique);
    set_str(L, row, "target", target);
    char tb[32];
    set_str(L, row, "data_type", value_type_name(type, tb, sizeof tb));
    if (wow64) {
        lua_pushboolean(L, 1);
        lua_setfield(L, row, "wow64");
    }
    uint64_t ft = H->key_last_write(k);
    if (ft) {
        char buf[40];
        set_str(L, row, "last_write", H->filetime_iso(ft, buf, sizeof buf));
        set_int(L, row, "last_write_epoch", (long long)(ft / 10000000ULL) - 11644473600LL);
    }
    if (c->cs_name) {
        set_str(L, row, "control_set", c->cs_name);
        set_int(L, row, "control_set_number", c->cs_number);
        lua_pushboolean(L, c->cs_current);
        lua_setfield(L, row, "current");
    }
    return row;
}

static void add_row(ar_ctx *c) { lua_rawseti(c->L, c->rows, ++c->nrows); }

/* The default value of key path `path` under base as a string on the stack,
 * or nothing (returns 0). */
static int push_default_string(ar_ctx *c, hh_key *base, const char *path, const char *name)
{
    hh_key *k;
    if (open_key(c, base, path, &k) != 1)
        return 0;
    hh_value *v;
    int pushed = 0;
    if (named_value(c, k, name, &v) == 1) {
        uint32_t t = H->value_type(v);
        char err[AR_ERRLEN];
        if ((t == HH_REG_SZ || t == HH_REG_EXPAND_SZ) && H->push_value_data(c->L, v, err, sizeof err) == 1) {
            if (lua_type(c->L, -1) == LUA_TSTRING && lua_rawlen(c->L, -1) > 0)
                pushed = 1;
            else
                lua_pop(c->L, 1);
        }
        held_value_free(&c->held, &v);
    }
    held_key_free(&c->held, &k);
    return pushed;
}

/* Location-specific facts for the row at `row`; entry is the command. */
static void add_extra(ar_ctx *c, const ar_location *loc, int row, hh_key *k, const char *target,
                      const char *entry)
{
    lua_State *L = c->L;
    hh_value *v;
    long long n;
    switch (loc->extra) {
    case AR_X_NONE:
        break;
    case AR_X_APPINIT:
        if (named_value(c, k, "LoadAppInit_DLLs", &v) == 1) {
            if (value_number(c, v, &n))
                set_int(L, row, "load_appinit_dlls", n);
            held_value_free(&c->held, &v);
        }
        break;
    case AR_X_ENABLED:
        if (named_value(c, k, "Enabled", &v) == 1) {
            if (value_number(c, v, &n))
                set_int(L, row, "enabled", n);
            held_value_free(&c->held, &v);
        }
        break;
    case AR_X_GLOBALFLAG: {
        /* SilentProcessExit\<exe> fires only with GlobalFlag 0x200 on IFEO\<exe> */
        if (!target || strlen(target) > 400)
            break;
        char path[512];
        snprintf(path, sizeof path, "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\%s",
                 target);
        hh_key *ifeo;
        if (open_key(c, NULL, path, &ifeo) == 1) {
            if (named_value(c, ifeo, "GlobalFlag", &v) == 1) {
                if (value_number(c, v, &n))
                    set_int(L, row, "global_flag", n);
                held_value_free(&c->held, &v);
            }
            held_key_free(&c->held, &ifeo);
        }
        if (named_value(c, k, "ReportingMode", &v) == 1) {
            if (value_number(c, v, &n))
                set_int(L, row, "reporting_mode", n);
            held_value_free(&c->held, &v);
        }
        break;
    }
    case AR_X_CLSID: {
        /* "{GUID}" -> Classes\CLSID\{GUID}\InprocServer32 (default) */
        size_t len = entry ? strlen(entry) : 0;
        if (len != 38 || entry[0] != '{' || entry[37] != '}')
            break;
        /* only a GUID's characters: the entry becomes part of a key path */
        int guid = 1;
        for (size_t i = 1; i < 37; i++)
            guid &= (entry[i] == '-' || (entry[i] >= '0' && entry[i] <= '9') ||
                     ((entry[i] | 0x20) >= 'a' && (entry[i] | 0x20) <= 'f'));
        if (!guid)
            break;
        char path[80];
        snprintf(path, sizeof path, "Classes\\CLSID\\%s\\InprocServer32", entry);
        if (push_default_string(c, NULL, path, ""))
            lua_setfield(L, row, "clsid_dll");
        break;
    }
    case AR_X_PROVIDER: {
        /* ProviderOrder names services; each one's DLL is its ProviderPath */
        size_t len = entry ? strlen(entry) : 0;
        if (len == 0 || len > 256 || strchr(entry, '\\'))
            break;
        set_str(L, row, "provider", entry);
        char path[300];
        snprintf(path, sizeof path, "Services\\%s\\NetworkProvider", entry);
        if (push_default_string(c, c->cs_key, path, "ProviderPath"))
            lua_setfield(L, row, "provider_path");
        break;
    }
    }
}

/* One row per entry of a value: its strings (REG_MULTI_SZ), or the pieces
 * of a string split at loc->sep, skipping empty ones. */
static void value_rows(ar_ctx *c, const ar_location *loc, hh_key *k, hh_value *v, const char *target,
                       int wow64)
{
    lua_State *L = c->L;
    char err[AR_ERRLEN];
    uint32_t type = H->value_type(v);
    const char *vname = H->value_name(v);
    int top = lua_gettop(L);
    int is_string = type == HH_REG_SZ || type == HH_REG_EXPAND_SZ;
    if (!is_string && type != HH_REG_MULTI_SZ) {
        char tb[32];
        warn(c, "%s: value '%s' is %s, not a string: listed without a command", H->key_path(k), vname,
             value_type_name(type, tb, sizeof tb));
        new_row(c, loc, k, vname, target, wow64, type);
        add_row(c);
        return;
    }
    if (H->push_value_data(L, v, err, sizeof err) != 1) {
        warn(c, "%s: value '%s': %s", H->key_path(k), vname, err);
        lua_settop(L, top);
        return;
    }
    int data = lua_gettop(L);
    /* the entries, as an array of strings at `list` */
    lua_newtable(L);
    int list = lua_gettop(L);
    lua_Integer n = 0;
    if (lua_type(L, data) == LUA_TTABLE) {
        lua_Integer m = (lua_Integer)lua_rawlen(L, data);
        for (lua_Integer i = 1; i <= m && n < AR_MAX_ELEMENTS; i++) {
            if (lua_rawgeti(L, data, i) == LUA_TSTRING && lua_rawlen(L, -1) > 0)
                lua_rawseti(L, list, ++n);
            else
                lua_pop(L, 1);
        }
        if (m > AR_MAX_ELEMENTS)
            warn(c, "%s: value '%s' holds %lld strings; the first %d were read", H->key_path(k), vname,
                 (long long)m, AR_MAX_ELEMENTS);
    } else if (lua_type(L, data) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, data, &len);
        size_t p = 0;
        while (p <= len && n < AR_MAX_ELEMENTS) {
            size_t q = p;
            if (loc->sep)
                while (q < len && !strchr(loc->sep, s[q]))
                    q++;
            else
                q = len;
            size_t a = p, b = q; /* trim spaces and tabs inside [p, q) */
            while (a < b && (s[a] == ' ' || s[a] == '\t'))
                a++;
            while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
                b--;
            if (b > a) {
                lua_pushlstring(L, s + a, b - a);
                lua_rawseti(L, list, ++n);
            }
            p = q + 1;
        }
    }
    for (lua_Integer i = 1; i <= n; i++) {
        int row = new_row(c, loc, k, vname, target, wow64, type);
        lua_rawgeti(L, list, i);
        lua_setfield(L, row, "command");
        if (n > 1 || type == HH_REG_MULTI_SZ) {
            set_int(L, row, "element", i);
            set_int(L, row, "elements", n);
        }
        lua_getfield(L, row, "command");
        add_extra(c, loc, row, k, target, lua_tostring(L, -1));
        lua_pop(L, 1);
        add_row(c);
    }
    lua_settop(L, top);
}

/* Every value of key k (AR_VALUES and each subkey of AR_SUBKEYS_VALUES). */
static void all_values(ar_ctx *c, const ar_location *loc, hh_key *k, const char *target, int wow64)
{
    char err[AR_ERRLEN];
    int count = 0;
    if (H->key_value_count(k, &count, err, sizeof err) != 1) {
        warn(c, "%s: %s", H->key_path(k), err);
        return;
    }
    if (count > AR_MAX_VALUES) {
        warn(c, "%s: claims %d values; the first %d were read", H->key_path(k), count, AR_MAX_VALUES);
        count = AR_MAX_VALUES;
    }
    for (int i = 0; i < count; i++) {
        hh_value *v = NULL;
        if (H->key_value_at(k, i, &v, err, sizeof err) != 1) {
            warn(c, "%s: value #%d: %s", H->key_path(k), i, err);
            continue;
        }
        held_value(&c->held, c->L, v);
        const char *name = H->value_name(v);
        /* RunOnceEx keeps a title and flags next to its commands */
        int skip = loc->mode == AR_SUBKEYS_VALUES &&
                   (name[0] == '\0' || strcasecmp(name, "Flags") == 0 || strcasecmp(name, "Title") == 0);
        if (!skip)
            value_rows(c, loc, k, v, target, wow64);
        held_value_free(&c->held, &v);
    }
}

static void read_location(ar_ctx *c, const ar_location *loc, hh_key *base, const char *path, int wow64)
{
    hh_key *k;
    if (open_key(c, base, path, &k) != 1)
        return;
    char err[AR_ERRLEN];
    if (loc->mode == AR_VALUES) {
        all_values(c, loc, k, NULL, wow64);
    } else if (loc->mode == AR_VALUE) {
        hh_value *v;
        if (named_value(c, k, loc->value, &v) == 1) {
            value_rows(c, loc, k, v, NULL, wow64);
            held_value_free(&c->held, &v);
        }
    } else {
        int count = 0;
        if (H->key_subkey_count(k, &count, err, sizeof err) != 1) {
            warn(c, "%s: %s", H->key_path(k), err);
            count = 0;
        }
        if (count > AR_MAX_SUBKEYS) {
            warn(c, "%s: claims %d subkeys; the first %d were read", H->key_path(k), count, AR_MAX_SUBKEYS);
            count = AR_MAX_SUBKEYS;
        }
        for (int i = 0; i < count; i++) {
            hh_key *sub = NULL;
            if (H->key_subkey_at(k, i, &sub, err, sizeof err) != 1) {
                warn(c, "%s: subkey #%d: %s", H->key_path(k), i, err);
                continue;
            }
            held_key(&c->held, c->L, sub);
            const char *target = H->key_name(sub);
            if (loc->mode == AR_SUBKEYS_VALUES) {
                all_values(c, loc, sub, target, wow64);
            } else {
                hh_value *v;
                if (named_value(c, sub, loc->value, &v) == 1) {
                    value_rows(c, loc, sub, v, target, wow64);
                    held_value_free(&c->held, &v);
                }
            }
            held_key_free(&c->held, &sub);
        }
    }
    held_key_free(&c->held, &k);
}

/* The locations of one table, and their Wow6432Node twins: under the
 * hive's "Software\" for a user hive, at the root of SOFTWARE. */
static void read_locations(ar_ctx *c, const ar_location *locs, size_t n, hh_key *base)
{
    for (size_t i = 0; i < n; i++) {
        read_location(c, &locs[i], base, locs[i].key, 0);
        if (!locs[i].wow64)
            continue;
        char path[512];
        const char *key = locs[i].key;
        if (strncasecmp(key, "Software\\", 9) == 0)
            snprintf(path, sizeof path, "%.9sWow6432Node\\%s", key, key + 9);
        else
            snprintf(path, sizeof path, "Wow6432Node\\%s", key);
        read_location(c, &locs[i], base, path, 1);
    }
}

/* ---- SYSTEM: every control set ----------------------------------------- */

static int current_control_set(ar_ctx *c)
{
    hh_key *sel;
    if (open_key(c, NULL, "Select", &sel) != 1) {
        warn(c, "%s: no Select key: the current control set is unknown", H->hive_path(c->hive));
        return -1;
    }
    hh_value *v;
    long long n = -1;
    if (named_value(c, sel, "Current", &v) == 1) {
        if (!value_number(c, v, &n))
            n = -1;
        held_value_free(&c->held, &v);
    }
    held_key_free(&c->held, &sel);
    return n >= 0 && n <= 999 ? (int)n : -1;
}

static void read_system(ar_ctx *c)
{
    char err[AR_ERRLEN];
    int current = current_control_set(c);
    hh_key *root;
    if (open_key(c, NULL, "", &root) != 1)
        return;
    int count = 0;
    if (H->key_subkey_count(root, &count, err, sizeof err) != 1) {
        warn(c, "%s: root key: %s", H->hive_path(c->hive), err);
        count = 0;
    }
    int sets = 0;
    for (int i = 0; i < count && i < AR_MAX_SUBKEYS && sets < AR_MAX_CONTROL_SETS; i++) {
        hh_key *cs = NULL;
        if (H->key_subkey_at(root, i, &cs, err, sizeof err) != 1) {
            warn(c, "%s: root subkey #%d: %s", H->hive_path(c->hive), i, err);
            continue;
        }
        held_key(&c->held, c->L, cs);
        char name[16];
        int number = control_set_number(H->key_name(cs));
        if (number >= 0) {
            sets++;
            memcpy(name, H->key_name(cs), 14);
            c->cs_name = name;
            c->cs_number = number;
            c->cs_current = number == current;
            c->cs_key = cs;
            read_locations(c, ar_system_locations, ar_system_location_count, cs);
            c->cs_name = NULL;
            c->cs_key = NULL;
        }
        held_key_free(&c->held, &cs);
    }
    held_key_free(&c->held, &root);
}

/* ---- dispatch ------------------------------------------------------------ */

enum role { ROLE_BY_KIND, ROLE_SYSTEM, ROLE_SOFTWARE, ROLE_USER };

static const char *hive_user(const hh_hive *hive)
{
    if (H->struct_size < offsetof(hh_host_api, hive_user) + sizeof H->hive_user || !H->hive_user)
        return NULL;
    return H->hive_user(hive);
}

/* Read one hive; user (may be NULL) overrides what the host knows. */
static void read_hive(ar_ctx *c, hh_hive *hive, enum role role, const char *user, int hives_list)
{
    lua_State *L = c->L;
    int kind = H->hive_kind(hive);
    c->hive = hive;
    c->kind = hive_kind_name(kind);
    c->user = user ? user : hive_user(hive);
    if (role == ROLE_BY_KIND)
        role = kind == HH_HIVE_SYSTEM ? ROLE_SYSTEM
             : kind == HH_HIVE_SOFTWARE ? ROLE_SOFTWARE
             : kind == HH_HIVE_NTUSER ? ROLE_USER : ROLE_BY_KIND;
    else if (kind != HH_HIVE_OTHER && ((role == ROLE_SYSTEM && kind != HH_HIVE_SYSTEM) ||
                                       (role == ROLE_SOFTWARE && kind != HH_HIVE_SOFTWARE) ||
                                       (role == ROLE_USER && kind != HH_HIVE_NTUSER)))
        warn(c, "%s is a %s hive; read as given", H->hive_path(hive), c->kind);

    lua_createtable(L, 0, 3);
    set_str(L, -1, "path", H->hive_path(hive));
    set_str(L, -1, "kind", c->kind);
    set_str(L, -1, "user", c->user);
    lua_rawseti(L, hives_list, (lua_Integer)lua_rawlen(L, hives_list) + 1);

    /* a hive whose kind cannot be told (or SAM, SECURITY) is read as every
     * kind: keys that are not there give nothing */
    if (role == ROLE_USER || role == ROLE_BY_KIND)
        read_locations(c, ar_user_locations, ar_user_location_count, NULL);
    if (role == ROLE_SOFTWARE || role == ROLE_BY_KIND)
        read_locations(c, ar_software_locations, ar_software_location_count, NULL);
    if (role == ROLE_SYSTEM || role == ROLE_BY_KIND)
        read_system(c);
    c->hive = NULL;
    c->user = NULL;
}

static int collect_body(lua_State *L)
{
    ar_ctx *c = lua_touserdata(L, lua_upvalueindex(1));
    int nargs = lua_gettop(L);
    if (nargs < 1)
        return luaL_error(L, "collect: expected a hive or { system =, software =, users = }");
    /* check every argument before reading anything */
    int table = lua_type(L, 1) == LUA_TTABLE;
    if (!table)
        for (int i = 1; i <= nargs; i++)
            if (!lua_isnil(L, i))
                H->check_hive(L, i);
    lua_createtable(L, 0, 4);
    int input = lua_gettop(L);
    lua_newtable(L);
    c->rows = lua_gettop(L);
    lua_newtable(L);
    c->warn.L = L;
    c->warn.index = lua_gettop(L);
    lua_newtable(L);
    int hives = lua_gettop(L);
    c->L = L;
    if (table) {
        if (lua_getfield(L, 1, "system") != LUA_TNIL)
            read_hive(c, H->check_hive(L, -1), ROLE_SYSTEM, NULL, hives);
        lua_pop(L, 1);
        if (lua_getfield(L, 1, "software") != LUA_TNIL)
            read_hive(c, H->check_hive(L, -1), ROLE_SOFTWARE, NULL, hives);
        lua_pop(L, 1);
        if (lua_getfield(L, 1, "users") == LUA_TTABLE) {
            int users = lua_gettop(L);
            lua_Integer n = (lua_Integer)lua_rawlen(L, users);
            for (lua_Integer i = 1; i <= n && i <= AR_MAX_USERS; i++) {
                lua_rawgeti(L, users, i);
                if (lua_type(L, -1) == LUA_TTABLE) {
                    lua_getfield(L, -1, "hive");
                    lua_getfield(L, -2, "user");
                    const char *user = lua_tostring(L, -1);
                    read_hive(c, H->check_hive(L, -2), ROLE_USER, user, hives);
                    lua_pop(L, 2);
                } else {
                    read_hive(c, H->check_hive(L, -1), ROLE_USER, NULL, hives);
                }
                lua_pop(L, 1);
            }
        } else if (!lua_isnil(L, -1)) {
            return luaL_error(L, "collect: users must be an array of hives");
        }
        lua_pop(L, 1);
    } else {
        for (int i = 1; i <= nargs; i++)
            if (!lua_isnil(L, i))
                read_hive(c, H->check_hive(L, i), ROLE_BY_KIND, NULL, hives);
    }
    set_str(L, input, "plugin", "autoruns");
    lua_pushvalue(L, c->rows);
    lua_setfield(L, input, "rows");
    lua_pushvalue(L, c->warn.index);
    lua_setfield(L, input, "warnings");
    lua_pushvalue(L, hives);
    lua_setfield(L, input, "hives");
    lua_pushvalue(L, input);
    return 1;
}

/* Run the walk in a protected call so a Lua error releases every host
 * object before it propagates. */
static int l_collect(lua_State *L)
{
    ar_ctx c;
    memset(&c, 0, sizeof c);
    held_init(&c.held, H, "autoruns", AR_MAX_HELD);
    return held_run_protected(L, collect_body, &c, &c.held, NULL);
}

static const char *const columns[] = {
    "location", "user", "hive_kind", "key", "value", "target", "command", "binary", "arguments",
    "technique", "last_write", "control_set", "current", "element", "elements", "data_type", "wow64",
    "load_appinit_dlls", "global_flag", "reporting_mode", "clsid_dll", "provider", "provider_path",
    "enabled", "hive",
};

static int open_autoruns(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"collect", l_collect}, {NULL, NULL}};
    module_push(L, funcs, columns, sizeof columns / sizeof columns[0]);
    return 1;
}

static int autoruns_init(const hh_host_api *host, char *err, size_t errlen)
{
    if (module_check_host(host, err, errlen) != 0)
        return -1;
    H = host;
    return 0;
}

static const hh_plugin autoruns_plugin = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "autoruns",
    .version = "0.1.0",
    .description = "registry autostart entries beyond services: Run keys, Winlogon, IFEO, AppInit, LSA, "
                   "print monitors, time providers (SYSTEM, SOFTWARE, user hives)",
    .init = autoruns_init,
    .open_lua = open_autoruns,
    .shutdown = NULL,
    .hives_required = 0,
    .hives_optional = HH_HIVE_BIT(HH_HIVE_SYSTEM) | HH_HIVE_BIT(HH_HIVE_SOFTWARE) | HH_HIVE_BIT(HH_HIVE_NTUSER),
    .reads_rows_of = NULL,
};

HH_PLUGIN_DEFINE_ENTRY(autoruns_plugin)
