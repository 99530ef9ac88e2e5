/* One row per service key: a single pass over the key's values picks the
 * named ones (case-insensitively) while every value goes into `values`;
 * Parameters is opened only when the key has subkeys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "hive_names.h"
#include "svc_decode.h"
#include "svc_internal.h"

/* ---- value data ------------------------------------------------------------ */

static int is_string_type(uint32_t t)
{
    return t == HH_REG_SZ || t == HH_REG_EXPAND_SZ || t == HH_REG_LINK;
}

/* Lowercase hex of at most SVC_MAX_HEX_BYTES bytes (callers say when cut). */
static void push_hex(svc_ctx *c, const uint8_t *data, size_t len)
{
    if (len > SVC_MAX_HEX_BYTES)
        len = SVC_MAX_HEX_BYTES;
    char *hex = svc_hex(data ? data : (const uint8_t *)"", len);
    if (!hex)
        luaL_error(c->L, "out of memory");
    lua_pushlstring(c->L, hex, 2 * len);
    free(hex);
}

int svc_push_value_data(svc_ctx *c, hh_key *key, hh_value *v, const uint8_t **data, size_t *len)
{
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    uint32_t type = H->value_type(v);
    if (H->value_data(v, data, len, err, sizeof err) != 1) {
        svc_warn(c, "%s: value '%s': %s", H->key_path(key), H->value_name(v), err);
        return 0;
    }
    int decoded = is_string_type(type) || type == HH_REG_MULTI_SZ ||
                  ((type == HH_REG_DWORD || type == HH_REG_DWORD_BIG_ENDIAN) && *len >= 4) ||
                  (type == HH_REG_QWORD && *len >= 8);
    if (decoded) {
        if (H->push_value_data(c->L, v, err, sizeof err) == 1)
            return 1;
        svc_warn(c, "%s: value '%s' could not be decoded (%s); shown as hex", H->key_path(key),
                 H->value_name(v), err);
    }
    if (*len > SVC_MAX_HEX_BYTES)
        svc_warn(c, "%s: value '%s' holds %zu bytes; values.data shows the first %u as hex",
                 H->key_path(key), H->value_name(v), *len, SVC_MAX_HEX_BYTES);
    push_hex(c, *data, *len);
    return 1;
}

/* Bytes after a string's terminating NUL that are not all zero: data
 * Windows ignores but an analyst should see. Returns the offset just past
 * the terminator, or 0 when there is nothing hidden. */
static size_t hidden_after_nul(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        if (data[i] == 0 && data[i + 1] == 0) {
            for (size_t j = i + 2; j < len; j++)
                if (data[j] != 0)
                    return i + 2;
            return 0;
        }
    }
    return 0;
}

/* ---- named values -------------------------------------------------------- */

enum field_kind { FK_STRING, FK_LIST, FK_INT };
enum field_id {
    F_IMAGE_PATH, F_DISPLAY_NAME, F_DESCRIPTION, F_OBJECT_NAME, F_START, F_TYPE, F_ERROR_CONTROL,
    F_GROUP, F_DEPEND_ON_SERVICE, F_DEPEND_ON_GROUP, F_REQUIRED_PRIVILEGES, F_DELAYED_AUTOSTART,
    F_FAILURE_COMMAND, F_SERVICE_DLL, F_SERVICE_MAIN, F_COUNT
};
static const struct {
    const char *value;
    const char *field;
    enum field_kind kind;
    size_t value_len;
} fields[F_COUNT] = {
    [F_IMAGE_PATH] = {"ImagePath", "image_path", FK_STRING, 9},
    [F_DISPLAY_NAME] = {"DisplayName", "display_name", FK_STRING, 11},
    [F_DESCRIPTION] = {"Description", "description", FK_STRING, 11},
    [F_OBJECT_NAME] = {"ObjectName", "object_name", FK_STRING, 10},
    [F_START] = {"Start", "start", FK_INT, 5},
    [F_TYPE] = {"Type", "type", FK_INT, 4},
    [F_ERROR_CONTROL] = {"ErrorControl", "error_control", FK_INT, 12},
    [F_GROUP] = {"Group", "group", FK_STRING, 5},
    [F_DEPEND_ON_SERVICE] = {"DependOnService", "depend_on_service", FK_LIST, 15},
    [F_DEPEND_ON_GROUP] = {"DependOnGroup", "depend_on_group", FK_LIST, 13},
    [F_REQUIRED_PRIVILEGES] = {"RequiredPrivileges", "required_privileges", FK_LIST, 18},
    [F_DELAYED_AUTOSTART] = {"DelayedAutostart", "delayed_autostart", FK_INT, 16},
    [F_FAILURE_COMMAND] = {"FailureCommand", "failure_command", FK_STRING, 14},
    [F_SERVICE_DLL] = {"ServiceDll", "service_dll", FK_STRING, 10},
    [F_SERVICE_MAIN] = {"ServiceMain", "service_main", FK_STRING, 11},
};

static int field_of(const char *value_name)
{
    /* Most values of a service are none of these: compare lengths first. */
    size_t len = strlen(value_name);
    for (int i = 0; i < F_COUNT; i++)
        if (len == fields[i].value_len && strcasecmp(value_name, fields[i].value) == 0)
            return i;
    return -1;
}

/* Set row[field] from a value whose decoded data is on top of the stack
 * (left there). Integers land in *num as well. Returns 1 when set. */
static int set_field(svc_ctx *c, int row, int f, hh_key *key, hh_value *v, const uint8_t *data,
                     size_t len, int64_t *num)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    uint32_t type = H->value_type(v);
    char tbuf[32];
    const char *tname = value_type_name(type, tbuf, sizeof tbuf);
    switch (fields[f].kind) {
    case FK_STRING:
        if (is_string_type(type) && lua_type(L, -1) == LUA_TSTRING) {
            lua_pushvalue(L, -1);
            lua_setfield(L, row, fields[f].field);
            return 1;
        }
        if (type == HH_REG_MULTI_SZ && lua_type(L, -1) == LUA_TTABLE) {
            /* The first string, as Windows reads it. Windows ships display
             * strings that way (NDProxy's DisplayName on XP and 7), so only
             * the other fields are worth a warning; `values` keeps the list. */
            lua_rawgeti(L, -1, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_setfield(L, row, fields[f].field);
                if (f != F_DISPLAY_NAME && f != F_DESCRIPTION)
                    svc_warn(c, "%s: value '%s' is %s; its first string is used", H->key_path(key),
                             H->value_name(v), tname);
                return 1;
            }
            lua_pop(L, 1);
        }
        svc_warn(c, "%s: value '%s' is %s, not a string: %s left empty", H->key_path(key),
                 H->value_name(v), tname, fields[f].field);
        return 0;
    case FK_LIST:
        if (type == HH_REG_MULTI_SZ && lua_type(L, -1) == LUA_TTABLE) {
            /* A copy, so a policy editing one table cannot change the other. */
            lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
            lua_createtable(L, (int)(n < 1024 ? n : 1024), 0);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, -2, i);
                lua_rawseti(L, -2, i);
            }
            lua_setfield(L, row, fields[f].field);
            return 1;
        }
        if (is_string_type(type) && lua_type(L, -1) == LUA_TSTRING) {
            lua_createtable(L, 1, 0);
            if (lua_rawlen(L, -2) > 0) {
                lua_pushvalue(L, -2);
                lua_rawseti(L, -2, 1);
            }
            lua_setfield(L, row, fields[f].field);
            return 1;
        }
        svc_warn(c, "%s: value '%s' is %s, not a list of strings: %s left empty", H->key_path(key),
                 H->value_name(v), tname, fields[f].field);
        return 0;
    case FK_INT: {
        int64_t n = 0;
        int exact = 0;
        if (is_string_type(type)) {
            size_t slen = 0;
            const char *s = lua_tolstring(L, -1, &slen);
            if (s && svc_int_from_text(s, slen, &n)) {
                svc_warn(c, "%s: value '%s' is %s \"%s\"; read as %lld", H->key_path(key),
                         H->value_name(v), tname, s, (long long)n);
                goto set_int;
            }
        } else if (type != HH_REG_MULTI_SZ && svc_int_from_bytes(type, data, len, &n, &exact)) {
            if (!exact)
                svc_warn(c, "%s: value '%s' is %s of %zu bytes; read as %lld", H->key_path(key),
                         H->value_name(v), tname, len, (long long)n);
            goto set_int;
        }
        svc_warn(c, "%s: value '%s' (%s, %zu bytes) is not a number: %s left empty",
                 H->key_path(key), H->value_name(v), tname, len, fields[f].field);
        return 0;
    set_int:
        lua_pushinteger(L, (lua_Integer)n);
        lua_setfield(L, row, fields[f].field);
        *num = n;
        return 1;
    }
    }
    return 0;
}

/* ---- the row -------------------------------------------------------------- */

static void set_time(svc_ctx *c, int row, const char *iso_field, const char *epoch_field, uint64_t ft)
{
    if (!ft)
        return;
    char buf[40];
    lua_pushstring(c->L, svc_host->filetime_iso(ft, buf, sizeof buf));
    lua_setfield(c->L, row, iso_field);
    lua_pushinteger(c->L, (lua_Integer)svc_filetime_unix(ft));
    lua_setfield(c->L, row, epoch_field);
}

/* Every value of the service key: into values[name], and the named ones
 * into the row. */
typedef struct svc_numbers {
    int64_t start, type;
    int start_state, type_state; /* 0 absent, 1 read, -1 present but not a number */
} svc_numbers;

static void read_values(svc_ctx *c, int row, hh_key *svc, svc_numbers *nums)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    int count = 0;
    if (H->key_value_count(svc, &count, err, sizeof err) != 1) {
        svc_warn(c, "%s: %s", H->key_path(svc), err);
        return;
    }
    if (count > SVC_MAX_VALUES) {
        svc_warn(c, "%s: claims %d values; only the first %d were read", H->key_path(svc), count,
                 SVC_MAX_VALUES);
        count = SVC_MAX_VALUES;
    }
    lua_createtable(L, 0, count);
    int values = lua_gettop(L);
    int seen[F_COUNT] = {0};
    for (int i = 0; i < count; i++) {
        hh_value *v = NULL;
        if (H->key_value_at(svc, i, &v, err, sizeof err) != 1) {
            svc_warn(c, "%s: %s", H->key_path(svc), err);
            continue;
        }
        held_value(&c->held, c->L, v);
        const char *name = H->value_name(v);
        uint32_t vtype = H->value_type(v);
        /* The name, pushed once: the duplicate check and the store reuse it. */
        lua_pushstring(L, name);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, values) != LUA_TNIL) {
            svc_warn(c, "%s: a second value named '%s' was ignored", H->key_path(svc), name);
            lua_pop(L, 2);
            held_value_free(&c->held, &v);
            continue;
        }
        lua_pop(L, 1);
        char tbuf[32];
        lua_createtable(L, 0, 2);
        lua_pushstring(L, value_type_name(vtype, tbuf, sizeof tbuf));
        lua_setfield(L, -2, "type");
        const uint8_t *data = NULL;
        size_t len = 0;
        if (!svc_push_value_data(c, svc, v, &data, &len)) {
            lua_rawset(L, values); /* type only: the data could not be read */
            held_value_free(&c->held, &v);
            continue;
        }
        if ((vtype == HH_REG_SZ || vtype == HH_REG_EXPAND_SZ) && len) {
            size_t hidden = hidden_after_nul(data, len);
            if (hidden) {
                push_hex(c, data + hidden, len - hidden);
                lua_setfield(L, -3, "after_nul");
                svc_warn(c, "%s: value '%s' holds %zu bytes after its terminating NUL (see values.after_nul)",
                         H->key_path(svc), name, len - hidden);
            }
        }
        int f = field_of(name);
        if (f >= 0 && !seen[f]) {
            seen[f] = 1;
            int64_t n = 0;
            int ok = set_field(c, row, f, svc, v, data, len, &n);
            if (f == F_START) {
                nums->start = n;
                nums->start_state = ok ? 1 : -1;
            } else if (f == F_TYPE) {
                nums->type = n;
                nums->type_state = ok ? 1 : -1;
            } else if (ok && f == F_SERVICE_DLL) {
                lua_pushliteral(L, "key");
                lua_setfield(L, row, "service_dll_source");
            }
        }
        lua_setfield(L, -2, "data");
        lua_rawset(L, values);
        held_value_free(&c->held, &v);
    }
    lua_setfield(L, row, "values");
}

/* Parameters\ServiceDll and ServiceMain win over the key's own. */
static void read_parameters(svc_ctx *c, int row, hh_key *svc)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    int nsub = 0;
    if (H->key_subkey_count(svc, &nsub, err, sizeof err) == 1 && nsub == 0)
        return;
    hh_key *params = NULL;
    int rc = H->key_open(c->hive, svc, "Parameters", &params, err, sizeof err);
    held_key(&c->held, c->L, params);
    if (rc == 0)
        return;
    if (rc < 0) {
        svc_warn(c, "%s\\Parameters: %s", H->key_path(svc), err);
        return;
    }
    set_time(c, row, "parameters_last_write", "parameters_last_write_epoch", H->key_last_write(params));
    static const int wanted[] = {F_SERVICE_DLL, F_SERVICE_MAIN};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        int f = wanted[i];
        hh_value *v = NULL;
        rc = H->key_value(params, fields[f].value, &v, err, sizeof err);
        held_value(&c->held, c->L, v);
        if (rc < 0)
            svc_warn(c, "%s: %s", H->key_path(params), err);
        if (rc != 1)
            continue;
        const uint8_t *data = NULL;
        size_t len = 0;
        if (svc_push_value_data(c, params, v, &data, &len)) {
            int64_t unused;
            if (set_field(c, row, f, params, v, data, len, &unused) && f == F_SERVICE_DLL) {
                lua_pushliteral(L, "Parameters");
                lua_setfield(L, row, "service_dll_source");
            }
            lua_pop(L, 1);
        }
        held_value_free(&c->held, &v);
    }
    held_key_free(&c->held, &params);
}

static void set_svchost(svc_ctx *c, int row)
{
    lua_State *L = c->L;
    svc_svchost_args a;
    size_t len = 0;
    const char *ip = NULL;
    if (lua_getfield(L, row, "image_path") == LUA_TSTRING)
        ip = lua_tolstring(L, -1, &len);
    svc_parse_svchost(ip, len, &a);
    if (a.group) {
        lua_pushlstring(L, a.group, a.group_len);
        lua_setfield(L, row, "svchost_group");
    }
    if (a.service) {
        lua_pushlstring(L, a.service, a.service_len);
        lua_setfield(L, row, "svchost_s");
    }
    lua_pop(L, 1); /* image_path, kept alive until the substrings were copied */
    lua_pushboolean(L, a.p_flag);
    lua_setfield(L, row, "svchost_p");
}

void svc_push_row(svc_ctx *c, hh_key *svc, const svc_control_set *cs, int recovered)
{
    lua_State *L = c->L;
    const hh_host_api *H = svc_host;
    luaL_checkstack(L, 16, "services row");
    lua_createtable(L, 0, 24); /* ~20 fields: 32 slots; 40 would round up to 64 (+7 MB per 10,000 rows) */
    int row = lua_gettop(L);
    lua_pushstring(L, H->key_name(svc));
    lua_setfield(L, row, "name");
    lua_pushstring(L, cs->name);
    lua_setfield(L, row, "control_set");
    lua_pushinteger(L, cs->number);
    lua_setfield(L, row, "control_set_number");
    lua_pushboolean(L, cs->current);
    lua_setfield(L, row, "current");
    lua_pushstring(L, H->key_path(svc));
    lua_setfield(L, row, "key");
    lua_pushvalue(L, c->hive_path_index);
    lua_setfield(L, row, "hive");
    if (recovered) {
        lua_pushboolean(L, 1);
        lua_setfield(L, row, "recovered");
    }
    set_time(c, row, "last_write", "last_write_epoch", H->key_last_write(svc));

    svc_numbers nums = {0};
    read_values(c, row, svc, &nums);
    read_parameters(c, row, svc);
    set_svchost(c, row);

    /* "missing": no such value; "invalid": a value that is not a number. */
    char buf[48];
    lua_pushstring(L, nums.start_state > 0 ? svc_start_name(nums.start, buf, sizeof buf)
                      : nums.start_state < 0 ? "invalid" : "missing");
    lua_setfield(L, row, "start_name");
    lua_pushstring(L, nums.type_state > 0 ? svc_type_name(nums.type, buf, sizeof buf)
                      : nums.type_state < 0 ? "invalid" : "missing");
    lua_setfield(L, row, "type_name");
}

int svc_push_string_at(svc_ctx *c, hh_key *base, const char *path, const char *name)
{
    const hh_host_api *H = svc_host;
    char err[SVC_ERRLEN];
    hh_key *k = NULL;
    int rc = H->key_open(c->hive, base, path, &k, err, sizeof err);
    held_key(&c->held, c->L, k);
    if (rc < 0)
        svc_warn(c, "%s\\%s: %s", H->key_path(base), path, err);
    if (rc != 1)
        return 0;
    hh_value *v = NULL;
    int pushed = 0;
    rc = H->key_value(k, name, &v, err, sizeof err);
    held_value(&c->held, c->L, v);
    if (rc < 0)
        svc_warn(c, "%s: %s", H->key_path(k), err);
    if (rc == 1) {
        const uint8_t *data;
        size_t len;
        if (svc_push_value_data(c, k, v, &data, &len)) {
            if (lua_type(c->L, -1) == LUA_TSTRING && is_string_type(H->value_type(v)))
                pushed = 1;
            else
                lua_pop(c->L, 1);
        }
        held_value_free(&c->held, &v);
    }
    held_key_free(&c->held, &k);
    return pushed;
}
