/* Layer: report. What every writer shares: the field lists, value-to-text,
 * JSON, times, emitting a record. May call: base (util.h) and Lua's C API;
 * never a writer or the dispatcher (report.c). */
#include "fields.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "util.h"

/* Fixed column orders: analysts' scripts and spreadsheets index by them. */
const hh_field hh_finding_fields[] = {
    {"rule", 0}, {"technique", 0}, {"severity", 0}, {"score", 0}, {"service", 0},
    {"display_name", 0}, {"control_set", 0}, {"current", 0}, {"key", 0}, {"last_write", 0},
    {"image_path", 0}, {"service_dll", 0}, {"object_name", 0}, {"start", 0}, {"start_name", 0},
    {"type", 0}, {"type_name", 0}, {"message", 0}, {"evidence", 0}, {"hive", 0},
    {"plugin", 0}, {"datetime", 0}, {"timestamp_desc", 0},
    /* Appended (existing columns keep their places): where every plugin's
     * finding sits. */
    {"hive_kind", 0}, {"value", 0}, {"user", 0},
    /* Each plugin's own: a scheduled task's, an autostart entry's. */
    {"task", 0}, {"path", 0}, {"actions", 1}, {"created", 0},
    {"location", 0}, {"command", 0}, {"binary", 0},
};
const size_t hh_finding_nfields = sizeof hh_finding_fields / sizeof hh_finding_fields[0];

const hh_field hh_row_fields[] = {
    {"name", 0}, {"control_set", 0}, {"current", 0}, {"display_name", 0}, {"description", 0},
    {"image_path", 0}, {"service_dll", 0}, {"service_dll_source", 0}, {"service_main", 0},
    {"object_name", 0}, {"start", 0}, {"start_name", 0}, {"type", 0}, {"type_name", 0},
    {"error_control", 0}, {"group", 0}, {"depend_on_service", 1}, {"required_privileges", 1},
    {"delayed_autostart", 0}, {"failure_command", 0}, {"last_write", 0}, {"last_write_epoch", 0},
    {"parameters_last_write", 0}, {"svchost_group", 0}, {"values", 0}, {"recovered", 0},
    {"hive", 0}, {"key", 0},
};
const size_t hh_row_nfields = sizeof hh_row_fields / sizeof hh_row_fields[0];

int hh_report_records(hh_report_ctx *c) { return c->is_findings ? c->findings : c->rows; }

lua_Integer hh_report_count(hh_report_ctx *c, int idx)
{
    if (!idx)
        return 0;
    lua_Integer n = (lua_Integer)lua_rawlen(c->L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(c->L, idx, i) != LUA_TTABLE)
            luaL_error(c->L, "record %d is a %s, not a table", (int)i, luaL_typename(c->L, -1));
        lua_pop(c->L, 1);
    }
    return n;
}

void hh_report_push_field(hh_report_ctx *c, int rec, const char *name)
{
    lua_State *L = c->L;
    lua_pushstring(L, name);
    lua_rawget(L, rec);
    if (!lua_isnil(L, -1) || !c->is_findings)
        return;
    if (strcmp(name, "datetime") == 0) {
        lua_pop(L, 1);
        lua_pushliteral(L, "last_write");
        if (lua_rawget(L, rec) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushliteral(L, "");
        }
    } else if (strcmp(name, "timestamp_desc") == 0) {
        lua_pop(L, 1);
        lua_pushliteral(L, HH_TIMESTAMP_DESC);
    }
}

/* Shortest "%.*g" that reads back as the same double, so output is both
 * exact and stable. */
static void put_float(hh_buf *b, double v)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    hh_buf_puts(b, tmp);
}

static void put_number(lua_State *L, int idx, hh_buf *b, int json)
{
    if (lua_isinteger(L, idx)) {
        /* Digits by hand: printf's machinery costs more than the rest of a
         * number's trip into the report. */
        lua_Integer v = lua_tointeger(L, idx);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        char tmp[24], *end = tmp + sizeof tmp, *p = end;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--p = '-';
        hh_buf_put(b, p, (size_t)(end - p));
        return;
    }
    double v = (double)lua_tonumber(L, idx);
    if (!isfinite(v)) {
        hh_buf_puts(b, json ? "null" : (isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")));
        return;
    }
    put_float(b, v);
}

static int table_is_empty(lua_State *L, int idx)
{
    lua_pushnil(L);
    if (!lua_next(L, idx))
        return 1;
    lua_pop(L, 2);
    return 0;
}

/* A Lua sequence 1..n with nothing else: returns n (> 0), else 0. */
static lua_Integer sequence_length(lua_State *L, int idx)
{
    lua_Integer n = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1) {
            lua_pop(L, 1);
            return 0;
        }
        if (k > max)
            max = k;
        n++;
    }
    return n == max ? n : 0;
}

int hh_value_text(lua_State *L, int idx, hh_buf *b, int array_hint)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return HH_VAL_NIL;
    case LUA_TBOOLEAN:
        hh_buf_puts(b, lua_toboolean(L, idx) ? "true" : "false");
        return HH_VAL_BOOL;
    case LUA_TNUMBER:
        put_number(L, idx, b, 0);
        return HH_VAL_NUMBER;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        hh_buf_put(b, s, n);
        return HH_VAL_STRING;
    }
    case LUA_TTABLE: {
        luaL_checkstack(L, 4, "report value");
        lua_Integer n = sequence_length(L, idx);
        if (n == 0 && array_hint && table_is_empty(L, idx))
            return HH_VAL_TABLE; /* an empty list: no text */
        if (n == 0) {
            hh_value_json(L, idx, b, 0, 0);
            return HH_VAL_TABLE;
        }
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1)
                hh_buf_putc(b, ';');
            lua_rawgeti(L, idx, i);
            if (lua_type(L, -1) == LUA_TTABLE)
                hh_value_json(L, -1, b, 0, 0);
            else
                hh_value_text(L, -1, b, 0);
            lua_pop(L, 1);
        }
        return HH_VAL_TABLE;
    }
    default:
        /* Functions and userdata carry no report data: name the type only,
         * never an address, so output stays deterministic. */
        hh_buf_printf(b, "<%s>", luaL_typename(L, idx));
        return HH_VAL_STRING;
    }
}

int hh_report_field_text(hh_report_ctx *c, int rec, const char *name, hh_buf *b)
{
    hh_buf_reset(b);
    hh_report_push_field(c, rec, name);
    int array_hint = strcmp(name, "depend_on_service") == 0 || strcmp(name, "required_privileges") == 0;
    int kind = hh_value_text(c->L, -1, b, array_hint);
    lua_pop(c->L, 1);
    return kind;
}

/* ---- JSON ---- */

typedef struct json_state {
    int html_safe;
    long nodes;
    const void *path[HH_JSON_MAX_DEPTH + 1]; /* tables being written, for cycle detection */
} json_state;

/* qsort moves these, so a number key's text is found through is_num, never
 * through a pointer into the record itself. */
typedef struct json_key {
    const char *s; /* string keys */
    size_t len;
    int is_num, is_int;
    lua_Integer ival;
    lua_Number nval;
    int slot;      /* the value's Lua stack index, 0: look it up */
    char num[48]; /* text of a number key */
} json_key;

static const char *json_key_text(const json_key *k) { return k->is_num ? k->num : k->s; }

static int json_key_cmp(const void *a, const void *b)
{
    const json_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(json_key_text(x), json_key_text(y), n);
    if (r)
        return r;
    if (x->len != y->len)
        return (x->len > y->len) - (x->len < y->len);
    return x->is_num - y->is_num; /* "1" and 1: string first, every run */
}

static void json_value(lua_State *L, int idx, hh_buf *b, json_state *st, int depth, int array_hint);

/* Key records for sorting; a few on the C stack, more in a userdata so a
 * Lua error cannot leak them. */
enum { JSON_KEYS_ON_STACK = 32, JSON_PAIRS_ON_LUA_STACK = 4096 };

static void json_sort_keys(json_key *keys, size_t n)
{
    if (n > 16) {
        qsort(keys, n, sizeof *keys, json_key_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) { /* a row or a value map: a few keys */
        json_key k = keys[i];
        size_t j = i;
        for (; j > 0 && json_key_cmp(&keys[j - 1], &k) > 0; j--)
            keys[j] = keys[j - 1];
        keys[j] = k;
    }
}

static void json_record_key(lua_State *L, json_key *jk, int at)
{
    if (lua_type(L, at) == LUA_TSTRING) {
        jk->is_num = 0;
        jk->s = lua_tolstring(L, at, &jk->len); /* the table keeps the string alive */
        return;
    }
    /* Never lua_tolstring a key during lua_next: print it ourselves. */
    jk->is_num = 1;
    jk->is_int = lua_isinteger(L, at);
    if (jk->is_int) {
        jk->ival = lua_tointeger(L, at);
        snprintf(jk->num, sizeof jk->num, "%lld", (long long)jk->ival);
    } else {
        jk->nval = lua_tonumber(L, at);
        snprintf(jk->num, sizeof jk->num, "%.17g", (double)jk->nval);
    }
    jk->s = NULL;
    jk->len = strlen(jk->num);
}

static void json_object_key(hh_buf *b, const json_key *k, const json_state *st)
{
    hh_buf_putc(b, '"');
    hh_esc_json(b, json_key_text(k), k->len, st->html_safe);
    hh_buf_put(b, "\":", 2);
}

static void json_table(lua_State *L, int idx, hh_buf *b, json_state *st, int depth, int array_hint)
{
    const void *self = lua_topointer(L, idx);
    for (int i = 0; i < depth; i++) {
        if (st->path[i] == self) {
            hh_buf_puts(b, "null");
            return;
        }
    }
    if (depth >= HH_JSON_MAX_DEPTH) {
        hh_buf_puts(b, "null");
        return;
    }
    st->path[depth] = self;
    int base = lua_gettop(L);
    /* One traversal: every key-value pair of a table of ordinary size stays
     * on the Lua stack (so writing needs no lookups), and whether the keys
     * are exactly 1..n (a JSON array) is noted on the way. */
    size_t count = 0, usable = 0;
    lua_Integer max = 0;
    int sequence = 1, on_stack = 1;
    luaL_checkstack(L, 8, "report json");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        count++;
        int kt = lua_type(L, -2);
        if (kt == LUA_TSTRING || kt == LUA_TNUMBER)
            usable++;
        if (sequence) {
            lua_Integer k = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
            if (k < 1)
                sequence = 0;
            else if (k > max)
                max = k;
        }
        if (on_stack && count <= JSON_PAIRS_ON_LUA_STACK && lua_checkstack(L, 4)) {
            lua_pushvalue(L, -2); /* keep key and value, go on from the key */
        } else {
            /* Too many: walk on with the key alone, keeping nothing. */
            on_stack = 0;
            lua_pop(L, 1);
            if (lua_gettop(L) > base + 1) {
                lua_replace(L, base + 1);
                lua_settop(L, base + 1);
            }
        }
    }
    if (!on_stack)
        lua_settop(L, base);
    if (sequence && max != (lua_Integer)count)
        sequence = 0;
    if ((sequence && count > 0) || (count == 0 && array_hint)) {
        hh_buf_putc(b, '[');
        for (lua_Integer i = 1; i <= (lua_Integer)count; i++) {
            if (i > 1)
                hh_buf_putc(b, ',');
            lua_rawgeti(L, idx, i);
            json_value(L, lua_gettop(L), b, st, depth + 1, 0);
            lua_pop(L, 1);
        }
        hh_buf_putc(b, ']');
        lua_settop(L, base);
        return;
    }
    /* Keys: strings and numbers, sorted bytewise on their text. */
    json_key small[JSON_KEYS_ON_STACK];
    json_key *keys = small;
    if (usable > JSON_KEYS_ON_STACK) {
        luaL_checkstack(L, 2, "report json");
        keys = lua_newuserdatauv(L, usable * sizeof *keys, 0);
    }
    size_t k = 0;
    if (on_stack) {
        for (size_t i = 0; i < count && k < usable; i++) {
            int at = base + 1 + 2 * (int)i;
            int kt = lua_type(L, at);
            if (kt != LUA_TSTRING && kt != LUA_TNUMBER)
                continue;
            json_record_key(L, &keys[k], at);
            keys[k++].slot = at + 1;
        }
    } else {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            int kt = lua_type(L, -1);
            if (k >= usable || (kt != LUA_TSTRING && kt != LUA_TNUMBER))
                continue;
            json_record_key(L, &keys[k], lua_gettop(L));
            keys[k++].slot = 0;
        }
    }
    json_sort_keys(keys, k);
    hh_buf_putc(b, '{');
    for (size_t i = 0; i < k; i++) {
        if (i)
            hh_buf_putc(b, ',');
        json_object_key(b, &keys[i], st);
        if (keys[i].slot) {
            json_value(L, keys[i].slot, b, st, depth + 1, 0);
            continue;
        }
        if (keys[i].is_num) {
            if (keys[i].is_int)
                lua_pushinteger(L, keys[i].ival);
            else
                lua_pushnumber(L, keys[i].nval);
        } else {
            lua_pushlstring(L, keys[i].s, keys[i].len);
        }
        lua_rawget(L, idx);
        json_value(L, lua_gettop(L), b, st, depth + 1, 0);
        lua_pop(L, 1);
    }
    hh_buf_putc(b, '}');
    lua_settop(L, base);
}

static void json_value(lua_State *L, int idx, hh_buf *b, json_state *st, int depth, int array_hint)
{
    if (++st->nodes > HH_JSON_MAX_NODES) {
        hh_buf_puts(b, "null");
        return;
    }
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        hh_buf_puts(b, lua_toboolean(L, idx) ? "true" : "false");
        break;
    case LUA_TNUMBER:
        put_number(L, idx, b, 1);
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        hh_buf_putc(b, '"');
        hh_esc_json(b, s, n, st->html_safe);
        hh_buf_putc(b, '"');
        break;
    }
    case LUA_TTABLE:
        json_table(L, idx, b, st, depth, array_hint);
        break;
    default:
        hh_buf_puts(b, "null");
        break;
    }
}

void hh_value_json(lua_State *L, int idx, hh_buf *b, int html_safe, int array_hint)
{
    json_state st;
    memset(&st, 0, sizeof st);
    st.html_safe = html_safe;
    json_value(L, lua_absindex(L, idx), b, &st, 0, array_hint);
}

/* ---- time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, size_t n, size_t at, size_t count, unsigned *out)
{
    if (at + count > n)
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < count; i++) {
        char ch = s[at + i];
        if (ch < '0' || ch > '9')
            return 0;
        v = v * 10 + (unsigned)(ch - '0');
    }
    *out = v;
    return 1;
}

int hh_parse_iso8601(const char *s, size_t n, long long *out)
{
    unsigned y, mo, d, h, mi, se;
    if (!digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, n, 11, 2, &h) || s[13] != ':' ||
        !digits(s, n, 14, 2, &mi) || s[16] != ':' || !digits(s, n, 17, 2, &se))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return 0;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n) {
        /* Only UTC is meaningful here: registry times are UTC. */
        if (s[i] == 'Z' && i + 1 == n)
            i++;
        else if (n - i == 6 && (strncmp(s + i, "+00:00", 6) == 0 || strncmp(s + i, "-00:00", 6) == 0))
            i = n;
        else
            return 0;
    }
    *out = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se;
    return 1;
}

void hh_format_iso8601(long long t, char out[48])
{
    if (hh_utc_text(t, out, 48))
        return;
    long long days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    long long y;
    unsigned m, d;
    hh_civil_from_days(days, &y, &m, &d);
    snprintf(out, 48, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

int hh_report_epoch(hh_report_ctx *c, int rec, long long *out)
{
    lua_State *L = c->L;
    int ok = 0;
    lua_pushliteral(L, "last_write_epoch");
    if (lua_rawget(L, rec) == LUA_TNUMBER) {
        if (lua_isinteger(L, -1)) {
            *out = (long long)lua_tointeger(L, -1);
            ok = 1;
        } else {
            double v = (double)lua_tonumber(L, -1);
            if (isfinite(v) && v > -9.2e18 && v < 9.2e18) {
                *out = (long long)floor(v);
                ok = 1;
            }
        }
    }
    lua_pop(L, 1);
    if (ok)
        return 1;
    lua_pushliteral(L, "last_write");
    if (lua_rawget(L, rec) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        ok = hh_parse_iso8601(s, n, out);
    }
    lua_pop(L, 1);
    return ok;
}

/* A severity's rank for grouping: info 1 .. critical 5, anything else 0. */
static int group_rank(const hh_buf *b)
{
    static const char *const names[] = {"info", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (b->data && strcmp(b->data, names[i]) == 0)
            return i + 1;
    return 0;
}

/* The fields a service line copies from its first (worst-ranked) finding. */
static const char *const group_fields[] = {"severity", "score", "last_write", "service", "control_set",
                                           "key", "recovered", "service_dll", "image_path", "object_name",
                                           "technique", "message", "plugin", "hive", "user", "value",
                                           "task", "location", "command", "binary"};

lua_Integer hh_report_group_findings(hh_report_ctx *c, int records, lua_Integer n)
{
    lua_State *L = c->L;
    lua_newtable(L);
    int groups = lua_gettop(L);
    lua_newtable(L);
    int index = lua_gettop(L); /* key text -> group number */
    lua_Integer ng = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, records, i);
        int rec = lua_gettop(L);
        /* plugin, hive, user, key path, value, service or task, set, command
         * and recovered: a live key and a deleted one of the same name are two
         * lines, and so are two users' Run values or two elements of one list */
        hh_buf_reset(&c->tmp2);
        static const char *const key_fields[] = {"plugin", "hive",    "user",        "key",      "value",
                                                 "service", "task", "control_set", "command", "recovered"};
        for (size_t k = 0; k < sizeof key_fields / sizeof *key_fields; k++) {
            hh_report_field_text(c, rec, key_fields[k], &c->tmp);
            hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
            hh_buf_putc(&c->tmp2, '\x1f');
        }
        if (c->tmp2.oom)
            luaL_error(L, "out of memory building the report");
        lua_pushlstring(L, c->tmp2.data, c->tmp2.len);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, index) == LUA_TNUMBER) {
            lua_Integer g = lua_tointeger(L, -1);
            lua_pop(L, 2);
            lua_rawgeti(L, groups, g);
        } else {
            lua_pop(L, 1);
            lua_pushinteger(L, ++ng);
            lua_rawset(L, index);
            lua_createtable(L, 0, 10);
            for (size_t k = 0; k < sizeof group_fields / sizeof *group_fields; k++) {
                lua_getfield(L, rec, group_fields[k]);
                lua_setfield(L, -2, group_fields[k]);
            }
            lua_newtable(L);
            lua_setfield(L, -2, "members");
            lua_pushvalue(L, -1);
            lua_rawseti(L, groups, ng);
        }
        int g = lua_gettop(L);
        lua_getfield(L, g, "members");
        lua_pushinteger(L, i);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
        /* the worst severity */
        hh_report_field_text(c, rec, "severity", &c->tmp);
        int s = group_rank(&c->tmp);
        hh_report_field_text(c, g, "severity", &c->tmp);
        if (s > group_rank(&c->tmp)) {
            lua_getfield(L, rec, "severity");
            lua_setfield(L, g, "severity");
        }
        /* the rule, once */
        hh_report_field_text(c, g, "rules", &c->tmp2);
        hh_report_field_text(c, rec, "rule", &c->tmp);
        int seen = 0;
        for (size_t at = 0; c->tmp.len && at + c->tmp.len <= c->tmp2.len;) {
            const char *end = memchr(c->tmp2.data + at, ',', c->tmp2.len - at);
            size_t len = end ? (size_t)(end - (c->tmp2.data + at)) : c->tmp2.len - at;
            if (len == c->tmp.len && memcmp(c->tmp2.data + at, c->tmp.data, len) == 0) {
                seen = 1;
                break;
            }
            if (!end)
                break;
            at += len + 1;
        }
        if (!seen) {
            if (c->tmp2.len)
                hh_buf_putc(&c->tmp2, ',');
            hh_buf_put(&c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
            if (c->tmp2.oom)
                luaL_error(L, "out of memory building the report");
            lua_pushlstring(L, c->tmp2.data ? c->tmp2.data : "", c->tmp2.len);
            lua_setfield(L, g, "rules");
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1); /* index; the groups stay */
    return ng;
}

void hh_report_emit(hh_report_ctx *c, hh_buf *b)
{
    if (b->oom)
        luaL_error(c->L, "out of memory building the report");
    if (b->len && fwrite(b->data, 1, b->len, c->out) != b->len)
        luaL_error(c->L, "write failed: %s", strerror(errno));
    hh_buf_reset(b);
}

const char *hh_report_meta_str(hh_report_ctx *c, const char *name, size_t *len)
{
    if (!c->meta)
        return NULL;
    lua_pushstring(c->L, name);
    lua_rawget(c->L, c->meta);
    const char *s = NULL;
    if (lua_type(c->L, -1) == LUA_TSTRING)
        s = lua_tolstring(c->L, -1, len); /* meta keeps the string alive */
    lua_pop(c->L, 1);
    return s;
}

/* ---- entry point ---- */
