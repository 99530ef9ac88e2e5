/*
 * The tasks plugin's C half: `require "plugin.tasks"`.
 *
 *   tasks.collect(hives)              -> input | nil, msg
 *   tasks.collect(software [, ...])   -> the same from a bare SOFTWARE hive
 *   tasks.collect(system, software)   -> the same (the older two-hive call)
 *   tasks.columns                     -> row field names, report order
 *
 * One row per scheduled task in SOFTWARE's Schedule\TaskCache: the Tasks\{GUID}
 * key (registration values and the Actions, Triggers and DynamicInfo blobs),
 * joined by GUID with its Tree\<folder>\<name> key (Id, Index, SD) and with
 * the Boot, Logon, Plain and Maintenance lists that name it. A task found in
 * only one place still gets its row (in_tree / in_tasks say where). Rows are
 * in Tasks key order, then Tree-only and list-only entries in walk order.
 *
 * input = { plugin = "tasks", hive = { path, kind, dirty }, rows = { row, ... },
 *           taskcache = key path | nil (nil: the hive has no TaskCache),
 *           classes = whether the hive has Classes\CLSID (COM handler look-ups),
 *           warnings = { line, ... } }
 *
 * row: path, name, guid, uri, author, description, date, source, version,
 *   security_descriptor, schema, task_path (Tasks' Path value), tree_path,
 *   actions = { { type = "exec"|"com"|"email"|"message", id, command,
 *   arguments, working_directory, flags, clsid, data, registered, server
 *   (the class's InprocServer32/LocalServer32 in this hive), from, to,
 *   subject, caption, content }, ... }, actions_version, actions_context,
 *   triggers = { { type, start, ["end"], enabled, mode, id, user,
 *   subscription }, ... }, triggers_start, run_as, principal_id, enabled,
 *   settings_hidden, created / last_run / last_success (+ _epoch),
 *   last_error, tree_last_write / task_last_write (+ _epoch), last_write /
 *   last_write_epoch (the later of the two), index, has_sd, sd_size, hidden,
 *   in_tree, in_tasks, lists = { "Plain", ... }, boot, logon, plain,
 *   maintenance, key (the Tasks key, else the Tree key), tree_key, task_key,
 *   value (nil), hive, hive_kind = "SOFTWARE", technique = "T1053.005".
 * A blob that does not decode leaves <blob>_error and <blob>_raw (hex) and
 * whatever decoded whole before the fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>
#include <lua.h>

#include "held.h"
#include "hive_names.h"
#include "hivehunt/plugin.h"
#include "module.h"
#include "task_decode.h"
#include "warnings.h"

#define TASKCACHE "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache"
#define TK_ERRLEN 512
/* Bounds on what a hostile hive can make us build. */
#define TK_MAX_KEYS 200000       /* Tree keys, Tasks keys, list entries, each */
#define TK_MAX_DEPTH 32          /* Tree folder nesting */
#define TK_MAX_VALUES 4096       /* values read per key */
#define TK_MAX_HEX 65536         /* bytes of an undecodable blob shown as hex */
#define TK_MAX_HELD (2 * TK_MAX_DEPTH + 16)
#define TK_PATH_MAX 4096

static const hh_host_api *H;

typedef struct tk_ctx {
    lua_State *L;
    hh_hive *hive;
    const char *hive_path;
    int hive_path_index; /* stack index: the hive path string rows share */
    int by_guid;       /* stack index: uppercase guid -> row */
    int order;         /* stack index: rows array */
    lua_Integer nrows;
    long tree_keys;
    int has_classes;   /* the hive has Classes\CLSID: COM handlers can be looked up */
    warning_list warn;
    held_set held;     /* released by the protected caller after a Lua error */
} tk_ctx;

#define warn(c, ...) warnings_add(&(c)->warn, __VA_ARGS__)

/* ---- small pushers ------------------------------------------------------------ */

static void set_str(lua_State *L, int t, const char *field, const char *s)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, s);
    lua_setfield(L, t, field);
}

static void set_bool(lua_State *L, int t, const char *field, int b)
{
    t = lua_absindex(L, t);
    lua_pushboolean(L, b);
    lua_setfield(L, t, field);
}

static void set_int(lua_State *L, int t, const char *field, lua_Integer n)
{
    t = lua_absindex(L, t);
    lua_pushinteger(L, n);
    lua_setfield(L, t, field);
}

static int64_t filetime_unix(uint64_t ft)
{
    return (int64_t)(ft / 10000000u) - INT64_C(11644473600);
}

/* field = ISO time and field_epoch = Unix seconds; nothing for 0 (never). */
static void set_time(lua_State *L, int t, const char *field, uint64_t ft)
{
    if (!ft)
        return;
    t = lua_absindex(L, t);
    char buf[64];
    lua_pushstring(L, H->filetime_iso(ft, buf, sizeof buf));
    lua_setfield(L, t, field);
    char name[64];
    snprintf(name, sizeof name, "%s_epoch", field);
    lua_pushinteger(L, (lua_Integer)filetime_unix(ft));
    lua_setfield(L, t, name);
}

/* UTF-16LE bytes as a Lua string, converted in a Lua buffer: a memory
 * error while pushing leaves nothing to free. */
static void push_utf16(lua_State *L, const uint8_t *p, size_t len)
{
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, len / 2 * 3 + 1);
    luaL_pushresultsize(&b, td_utf8_into(p, len, out));
}

/* A UTF-16 span of a blob as a UTF-8 string field; nothing when empty. */
static void set_span(tk_ctx *c, int t, const char *field, const uint8_t *blob, td_span s)
{
    if (s.len == 0)
        return;
    t = lua_absindex(c->L, t);
    push_utf16(c->L, blob + s.off, s.len);
    lua_setfield(c->L, t, field);
}

static void push_hex(tk_ctx *c, const uint8_t *p, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len > TK_MAX_HEX)
        len = TK_MAX_HEX;
    luaL_Buffer b;
    char *out = luaL_buffinitsize(c->L, &b, 2 * len + 1);
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    luaL_pushresultsize(&b, 2 * len);
}

/* A string value's text up to its first NUL (as Windows reads it); 1 and
 * pushed, or 0 with a warning for another type. */
static int push_sz(tk_ctx *c, hh_key *k, hh_value *v, const uint8_t *data, size_t len)
{
    uint32_t type = H->value_type(v);
    if (type != HH_REG_SZ && type != HH_REG_EXPAND_SZ) {
        warn(c, "%s: value '%s' is type %u, not a string: ignored", H->key_path(k), H->value_name(v),
             (unsigned)type);
        return 0;
    }
    size_t units = 0;
    while (units * 2 + 1 < len && (data[units * 2] || data[units * 2 + 1]))
        units++;
    push_utf16(c->L, data, units * 2);
    return 1;
}

/* A DWORD (or the first 4 bytes of another integer type); 1 or 0. */
static int dword_of(const uint8_t *data, size_t len, uint32_t type, lua_Integer *out)
{
    if ((type != HH_REG_DWORD && type != HH_REG_QWORD && type != HH_REG_BINARY) || len < 4)
        return 0;
    *out = (lua_Integer)((uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                         (uint32_t)data[3] << 24);
    return 1;
}

/* ---- rows by GUID ---------------------------------------------------------------- */

/* Push the row for a GUID (case-insensitive), creating it in order. A NULL
 * guid always creates a fresh row that no later lookup finds. */
static int push_row(tk_ctx *c, const char *guid)
{
    lua_State *L = c->L;
    char upper[128];
    if (guid) {
        size_t n = strlen(guid);
        if (n >= sizeof upper)
            n = sizeof upper - 1;
        for (size_t i = 0; i < n; i++)
            upper[i] = (char)((guid[i] >= 'a' && guid[i] <= 'z') ? guid[i] - 32 : guid[i]);
        upper[n] = 0;
        if (lua_getfield(L, c->by_guid, upper) == LUA_TTABLE)
            return lua_gettop(L);
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 48);
    int row = lua_gettop(L);
    if (guid) {
        set_str(L, row, "guid", guid);
        lua_pushvalue(L, row);
        lua_setfield(L, c->by_guid, upper);
    }
    set_bool(L, row, "in_tree", 0);
    set_bool(L, row, "in_tasks", 0);
    lua_newtable(L);
    lua_setfield(L, row, "lists");
    lua_pushvalue(L, row);
    lua_rawseti(L, c->order, ++c->nrows);
    return row;
}

/* ---- blobs ---------------------------------------------------------------------- */

static void blob_failed(tk_ctx *c, int row, hh_key *k, const char *blob, const char *why,
                        const uint8_t *data, size_t len)
{
    char field[64];
    warn(c, "%s: %s does not decode: %s", H->key_path(k), blob, why);
    snprintf(field, sizeof field, "%s_error", blob);
    for (char *p = field; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    set_str(c->L, row, field, why);
    memcpy(field + strlen(field) - 5, "raw", 4);
    push_hex(c, data, len);
    lua_setfield(c->L, row, field);
}

/* A COM handler's class in this hive's Classes\CLSID: registered = whether
 * it is there, server = its InprocServer32 (or LocalServer32) default
 * value. Nothing when the hive has no Classes\CLSID to look in. */
static void com_server(tk_ctx *c, int action, const char *clsid)
{
    if (!c->has_classes)
        return;
    lua_State *L = c->L;
    char path[96], err[TK_ERRLEN];
    snprintf(path, sizeof path, "Classes\\CLSID\\%s", clsid);
    hh_key *k = NULL;
    int rc = H->key_open(c->hive, NULL, path, &k, err, sizeof err);
    held_key(&c->held, c->L, k);
    if (rc < 0) {
        warn(c, "%s: %s", path, err);
        return;
    }
    set_bool(L, action, "registered", rc == 1);
    static const char *const servers[] = {"InprocServer32", "LocalServer32"};
    for (size_t i = 0; rc == 1 && i < 2; i++) {
        hh_key *s = NULL;
        int found = H->key_open(c->hive, k, servers[i], &s, err, sizeof err) == 1;
        held_key(&c->held, c->L, s);
        /* the default value, found by walking: a look-up by the empty name
         * does not find it through every reader */
        int count = 0;
        if (found && H->key_value_count(s, &count, err, sizeof err) == 1) {
            for (int j = 0; j < count && j < TK_MAX_VALUES && rc == 1; j++) {
                hh_value *v = NULL;
                const uint8_t *data;
                size_t len;
                if (H->key_value_at(s, j, &v, err, sizeof err) != 1)
                    continue;
                held_value(&c->held, c->L, v);
                if (!*H->value_name(v) && H->value_data(v, &data, &len, err, sizeof err) == 1 &&
                    push_sz(c, s, v, data, len)) {
                    lua_setfield(L, action, "server");
                    rc = 0; /* found: stop */
                }
                held_value_free(&c->held, &v);
            }
        }
        held_key_free(&c->held, &s);
    }
    held_key_free(&c->held, &k);
}

static void decode_actions(tk_ctx *c, int row, hh_key *k, const uint8_t *data, size_t len)
{
    lua_State *L = c->L;
    char err[TK_ERRLEN];
    /* On the stack: a Lua error below (out of memory) must leak nothing. */
    td_actions actions;
    const td_actions *a = &actions;
    int ok = td_decode_actions(data, len, &actions, err, sizeof err);
    lua_createtable(L, (int)a->count, 0);
    int list = lua_gettop(L);
    for (size_t i = 0; i < a->count; i++) {
        const td_action *x = &a->items[i];
        lua_createtable(L, 0, 6);
        set_str(L, -1, "type", td_action_name(x->type));
        set_span(c, -1, "id", data, x->id);
        switch (x->type) {
        case TD_ACTION_EXEC:
            set_span(c, -1, "command", data, x->command);
            set_span(c, -1, "arguments", data, x->arguments);
            set_span(c, -1, "working_directory", data, x->working_directory);
            if (x->has_flags)
                set_int(L, -1, "flags", x->flags);
            break;
        case TD_ACTION_COM: {
            char g[40];
            td_guid_string(x->clsid, g);
            set_str(L, -1, "clsid", g);
            set_span(c, -1, "data", data, x->data);
            com_server(c, lua_gettop(L), g);
            break;
        }
        case TD_ACTION_EMAIL:
            set_span(c, -1, "from", data, x->from);
            set_span(c, -1, "to", data, x->to);
            set_span(c, -1, "subject", data, x->subject);
            set_span(c, -1, "server", data, x->server);
            break;
        default:
            set_span(c, -1, "caption", data, x->caption);
            set_span(c, -1, "content", data, x->content);
        }
        lua_rawseti(L, list, (lua_Integer)i + 1);
    }
    lua_setfield(L, row, "actions");
    if (a->version)
        set_int(L, row, "actions_version", a->version);
    if (a->has_context)
        set_span(c, row, "actions_context", data, a->context);
    if (!ok)
        blob_failed(c, row, k, "Actions", err, data, len);
}

static void decode_triggers(tk_ctx *c, int row, hh_key *k, const uint8_t *data, size_t len)
{
    lua_State *L = c->L;
    char err[TK_ERRLEN];
    td_triggers copy; /* on the stack, as in decode_actions */
    int ok = td_decode_triggers(data, len, &copy, err, sizeof err);
    if (ok || copy.count) {
        lua_createtable(L, (int)copy.count, 0);
        for (size_t i = 0; i < copy.count; i++) {
            const td_trigger *x = &copy.items[i];
            lua_createtable(L, 0, 6);
            set_str(L, -1, "type", td_trigger_name(x->type));
            set_time(L, -1, "start", x->start);
            set_time(L, -1, "end", x->end);
            set_bool(L, -1, "enabled", x->enabled);
            if (x->type == TD_TRIGGER_TIME)
                set_int(L, -1, "mode", x->mode);
            set_span(c, -1, "id", data, x->id);
            set_span(c, -1, "user", data, x->user);
            set_span(c, -1, "subscription", data, x->subscription);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, row, "triggers");
    }
    if (copy.version >= 0x15 && copy.version <= 0x17) {
        set_time(L, row, "triggers_start", copy.start);
        set_span(c, row, "run_as", data, copy.user);
        set_span(c, row, "principal_id", data, copy.principal_id);
        if (ok || copy.count) {
            set_bool(L, row, "enabled", (copy.flags & TD_FLAG_ENABLED) != 0);
            set_bool(L, row, "settings_hidden", (copy.flags & TD_FLAG_HIDDEN) != 0);
        }
    }
    if (!ok)
        blob_failed(c, row, k, "Triggers", err, data, len);
}

static void decode_dynamic(tk_ctx *c, int row, hh_key *k, const uint8_t *data, size_t len)
{
    char err[TK_ERRLEN];
    td_dynamic d;
    if (!td_decode_dynamic(data, len, &d, err, sizeof err)) {
        blob_failed(c, row, k, "DynamicInfo", err, data, len);
        return;
    }
    set_time(c->L, row, "created", d.created);
    set_time(c->L, row, "last_run", d.last_run);
    set_time(c->L, row, "last_success", d.last_success);
    set_int(c->L, row, "last_error", d.last_error);
}

/* ---- Tasks\{GUID} ------------------------------------------------------------------ */

static const struct { const char *value, *field; } STRINGS[] = {
    {"Path", "task_path"}, {"URI", "uri"}, {"Author", "author"}, {"Description", "description"},
    {"Date", "date"}, {"Source", "source"}, {"Version", "version"},
    {"SecurityDescriptor", "security_descriptor"}, {"Documentation", "documentation"},
};

static void task_values(tk_ctx *c, int row, hh_key *k)
{
    char err[TK_ERRLEN];
    int count = 0;
    if (H->key_value_count(k, &count, err, sizeof err) != 1) {
        warn(c, "%s: %s", H->key_path(k), err);
        return;
    }
    if (count > TK_MAX_VALUES) {
        warn(c, "%s: claims %d values; only the first %d were read", H->key_path(k), count, TK_MAX_VALUES);
        count = TK_MAX_VALUES;
    }
    for (int i = 0; i < count; i++) {
        hh_value *v = NULL;
        if (H->key_value_at(k, i, &v, err, sizeof err) != 1) {
            warn(c, "%s: value #%d: %s", H->key_path(k), i, err);
            continue;
        }
        held_value(&c->held, c->L, v);
        const char *name = H->value_name(v);
        const uint8_t *data;
        size_t len;
        if (H->value_data(v, &data, &len, err, sizeof err) != 1) {
            warn(c, "%s: value '%s': %s", H->key_path(k), name, err);
            held_value_free(&c->held, &v);
            continue;
        }
        int done = 0;
        for (size_t s = 0; s < sizeof STRINGS / sizeof STRINGS[0] && !done; s++) {
            if (strcasecmp(name, STRINGS[s].value) == 0) {
                done = 1;
                if (push_sz(c, k, v, data, len))
                    lua_setfield(c->L, row, STRINGS[s].field);
            }
        }
        if (done) {
        } else if (strcasecmp(name, "Actions") == 0) {
            decode_actions(c, row, k, data, len);
        } else if (strcasecmp(name, "Triggers") == 0) {
            decode_triggers(c, row, k, data, len);
        } else if (strcasecmp(name, "DynamicInfo") == 0) {
            decode_dynamic(c, row, k, data, len);
        } else if (strcasecmp(name, "Hash") == 0) {
            push_hex(c, data, len);
            lua_setfield(c->L, row, "hash");
        } else if (strcasecmp(name, "Schema") == 0) {
            lua_Integer n;
            if (dword_of(data, len, H->value_type(v), &n))
                set_int(c->L, row, "schema", n);
        }
        held_value_free(&c->held, &v);
    }
}

static void walk_tasks(tk_ctx *c, hh_key *cache)
{
    char err[TK_ERRLEN];
    hh_key *tasks = NULL;
    int rc = H->key_open(c->hive, cache, "Tasks", &tasks, err, sizeof err);
    held_key(&c->held, c->L, tasks);
    if (rc < 0)
        warn(c, "%s\\Tasks: %s", H->key_path(cache), err);
    if (rc != 1)
        return;
    int count = 0;
    if (H->key_subkey_count(tasks, &count, err, sizeof err) != 1) {
        warn(c, "%s: %s", H->key_path(tasks), err);
        held_key_free(&c->held, &tasks);
        return;
    }
    if (count > TK_MAX_KEYS) {
        warn(c, "%s claims %d keys; only the first %d were read", H->key_path(tasks), count, TK_MAX_KEYS);
        count = TK_MAX_KEYS;
    }
    for (int i = 0; i < count; i++) {
        hh_key *k = NULL;
        if (H->key_subkey_at(tasks, i, &k, err, sizeof err) != 1) {
            warn(c, "%s: key #%d: %s", H->key_path(tasks), i, err);
            continue;
        }
        held_key(&c->held, c->L, k);
        int row = push_row(c, H->key_name(k));
        if (lua_getfield(c->L, row, "task_key") == LUA_TSTRING)
            warn(c, "%s: a second Tasks key for GUID %s (case differs)", H->key_path(k), H->key_name(k));
        lua_pop(c->L, 1);
        set_bool(c->L, row, "in_tasks", 1);
        set_str(c->L, row, "task_key", H->key_path(k));
        set_time(c->L, row, "task_last_write", H->key_last_write(k));
        task_values(c, row, k);
        lua_settop(c->L, row - 1);
        held_key_free(&c->held, &k);
    }
    held_key_free(&c->held, &tasks);
}

/* ---- Tree ----------------------------------------------------------------------------- */

/* A Tree key that has an Id value is a task; its Id joins it to Tasks. */
static void tree_task(tk_ctx *c, hh_key *k, const char *path)
{
    lua_State *L = c->L;
    char err[TK_ERRLEN];
    hh_value *id = NULL, *index = NULL, *sd = NULL;
    int rc = H->key_value(k, "Id", &id, err, sizeof err);
    held_value(&c->held, c->L, id);
    if (rc < 0)
        warn(c, "%s: value 'Id': %s", H->key_path(k), err);
    if (rc != 1)
        return;
    const uint8_t *data;
    size_t len;
    int row;
    if (H->value_data(id, &data, &len, err, sizeof err) == 1 && push_sz(c, k, id, data, len)) {
        char guid[128];
        snprintf(guid, sizeof guid, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        row = push_row(c, *guid ? guid : NULL);
        if (lua_getfield(L, row, "tree_key") == LUA_TSTRING) {
            warn(c, "%s: Id %s is also the Id of %s", H->key_path(k), guid, lua_tostring(L, -1));
            lua_pop(L, 2);
            row = push_row(c, NULL);
            set_str(L, row, "guid", guid);
        } else {
            lua_pop(L, 1);
        }
    } else {
        warn(c, "%s: value 'Id' is unreadable: the task joins no Tasks key", H->key_path(k));
        row = push_row(c, NULL);
    }
    held_value_free(&c->held, &id);
    set_bool(L, row, "in_tree", 1);
    set_str(L, row, "tree_path", path);
    set_str(L, row, "tree_key", H->key_path(k));
    set_time(L, row, "tree_last_write", H->key_last_write(k));

    rc = H->key_value(k, "Index", &index, err, sizeof err);
    held_value(&c->held, c->L, index);
    lua_Integer n;
    if (rc == 1 && H->value_data(index, &data, &len, err, sizeof err) == 1 &&
        dword_of(data, len, H->value_type(index), &n))
        set_int(L, row, "index", n);
    else if (rc == 1)
        warn(c, "%s: value 'Index' is not a DWORD", H->key_path(k));
    held_value_free(&c->held, &index);

    rc = H->key_value(k, "SD", &sd, err, sizeof err);
    held_value(&c->held, c->L, sd);
    set_bool(L, row, "has_sd", rc == 1);
    if (rc == 1 && H->value_data(sd, &data, &len, err, sizeof err) == 1)
        set_int(L, row, "sd_size", (lua_Integer)len);
    held_value_free(&c->held, &sd);
    lua_pop(L, 1);
}

static void walk_tree(tk_ctx *c, hh_key *node, char *path, size_t plen, int depth)
{
    char err[TK_ERRLEN];
    int count = 0;
    if (H->key_subkey_count(node, &count, err, sizeof err) != 1) {
        warn(c, "%s: %s", H->key_path(node), err);
        return;
    }
    if (count > 0 && depth >= TK_MAX_DEPTH) {
        warn(c, "%s: folders nested deeper than %d: not read", H->key_path(node), TK_MAX_DEPTH);
        return;
    }
    for (int i = 0; i < count; i++) {
        if (++c->tree_keys > TK_MAX_KEYS) {
            if (c->tree_keys == TK_MAX_KEYS + 1)
                warn(c, "more than %d Tree keys: the rest were not read", TK_MAX_KEYS);
            return;
        }
        hh_key *k = NULL;
        if (H->key_subkey_at(node, i, &k, err, sizeof err) != 1) {
            warn(c, "%s: key #%d: %s", H->key_path(node), i, err);
            continue;
        }
        held_key(&c->held, c->L, k);
        const char *name = H->key_name(k);
        size_t nlen = strlen(name);
        if (plen + 1 + nlen >= TK_PATH_MAX) {
            warn(c, "%s: task path longer than %d bytes: not read", H->key_path(k), TK_PATH_MAX);
            held_key_free(&c->held, &k);
            continue;
        }
        path[plen] = '\\';
        memcpy(path + plen + 1, name, nlen + 1);
        tree_task(c, k, path);
        walk_tree(c, k, path, plen + 1 + nlen, depth + 1);
        path[plen] = 0;
        held_key_free(&c->held, &k);
    }
}

/* ---- trigger lists ------------------------------------------------------------------ */

static void walk_list(tk_ctx *c, hh_key *cache, const char *list, const char *field)
{
    lua_State *L = c->L;
    char err[TK_ERRLEN];
    hh_key *lk = NULL;
    int rc = H->key_open(c->hive, cache, list, &lk, err, sizeof err);
    held_key(&c->held, c->L, lk);
    if (rc < 0)
        warn(c, "%s\\%s: %s", H->key_path(cache), list, err);
    if (rc != 1)
        return;
    int count = 0;
    if (H->key_subkey_count(lk, &count, err, sizeof err) != 1) {
        warn(c, "%s: %s", H->key_path(lk), err);
        held_key_free(&c->held, &lk);
        return;
    }
    if (count > TK_MAX_KEYS)
        count = TK_MAX_KEYS;
    for (int i = 0; i < count; i++) {
        hh_key *k = NULL;
        if (H->key_subkey_at(lk, i, &k, err, sizeof err) != 1) {
            warn(c, "%s: key #%d: %s", H->key_path(lk), i, err);
            continue;
        }
        held_key(&c->held, c->L, k);
        int row = push_row(c, H->key_name(k));
        if (lua_getfield(L, row, "list_key") == LUA_TNIL)
            set_str(L, row, "list_key", H->key_path(k));
        lua_pop(L, 1);
        lua_getfield(L, row, "lists");
        lua_pushstring(L, list);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
        set_bool(L, row, field, 1);
        lua_settop(L, row - 1);
        held_key_free(&c->held, &k);
    }
    held_key_free(&c->held, &lk);
}

/* ---- finishing rows ------------------------------------------------------------------- */

static int is_str(lua_State *L, int t, const char *field)
{
    int is = lua_getfield(L, t, field) == LUA_TSTRING;
    if (!is)
        lua_pop(L, 1);
    return is;
}

static void finish_row(tk_ctx *c, int row)
{
    lua_State *L = c->L;
    /* path: the Tree's (what the scheduler shows), else Tasks' Path value */
    if (is_str(L, row, "tree_path") || is_str(L, row, "task_path")) {
        const char *p = lua_tostring(L, -1);
        const char *slash = strrchr(p, '\\');
        set_str(L, row, "name", slash ? slash + 1 : p);
        lua_setfield(L, row, "path");
    }
    if (is_str(L, row, "task_key") || is_str(L, row, "tree_key") || is_str(L, row, "list_key"))
        lua_setfield(L, row, "key");
    /* hidden: a Tree entry without its SD, or with Index 0 */
    lua_getfield(L, row, "in_tree");
    int in_tree = lua_toboolean(L, -1);
    lua_getfield(L, row, "has_sd");
    int has_sd = lua_toboolean(L, -1);
    lua_getfield(L, row, "index");
    int index0 = lua_isinteger(L, -1) && lua_tointeger(L, -1) == 0;
    lua_pop(L, 3);
    set_bool(L, row, "hidden", in_tree && (!has_sd || index0));
    /* last_write: the later of the two keys' */
    lua_getfield(L, row, "task_last_write_epoch");
    lua_getfield(L, row, "tree_last_write_epoch");
    int pick = 0;
    if (lua_isinteger(L, -2) && (!lua_isinteger(L, -1) || lua_tointeger(L, -2) >= lua_tointeger(L, -1)))
        pick = 1;
    else if (lua_isinteger(L, -1))
        pick = 2;
    lua_pop(L, 2);
    if (pick) {
        lua_getfield(L, row, pick == 1 ? "task_last_write" : "tree_last_write");
        lua_setfield(L, row, "last_write");
        lua_getfield(L, row, pick == 1 ? "task_last_write_epoch" : "tree_last_write_epoch");
        lua_setfield(L, row, "last_write_epoch");
    }
    lua_pushvalue(L, c->hive_path_index);
    lua_setfield(L, row, "hive");
    set_str(L, row, "hive_kind", "SOFTWARE");
    set_str(L, row, "technique", "T1053.005");
}

/* ---- collect ------------------------------------------------------------------------------ */

/* Which argument is the SOFTWARE hive: hives.software of a table, or a
 * bare hive (the first, or the second after a SYSTEM hive). 0: none. */
static int software_arg(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "software");
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return 0;
        }
        H->check_hive(L, -1);
        return lua_gettop(L);
    }
    hh_hive *first = H->check_hive(L, 1);
    if (H->hive_kind(first) == HH_HIVE_SYSTEM) {
        if (lua_isnoneornil(L, 2))
            return 0;
        H->check_hive(L, 2);
        return 2;
    }
    return 1;
}

typedef struct call_state {
    tk_ctx c;
} call_state;

static int collect_body(lua_State *L)
{
    call_state *st = lua_touserdata(L, lua_upvalueindex(1));
    tk_ctx *c = &st->c;
    int sw = software_arg(L);
    if (!sw) {
        luaL_pushfail(L);
        lua_pushliteral(L, "tasks: no SOFTWARE hive given");
        return 2;
    }
    hh_hive *hive = H->check_hive(L, sw);
    int kind = H->hive_kind(hive);
    if (kind != HH_HIVE_SOFTWARE && kind != HH_HIVE_OTHER) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s is %s %s hive, not a SOFTWARE hive", H->hive_path(hive),
                        kind == HH_HIVE_NTUSER ? "an" : "a", hive_kind_name(kind));
        return 2;
    }
    int hive_idx = lua_absindex(L, sw);
    lua_createtable(L, 0, 6); /* input */
    int input = lua_gettop(L);
    lua_pushstring(L, H->hive_path(hive)); /* input + 1: hive path, shared by rows */
    lua_newtable(L);                        /* input + 2: warnings */
    lua_newtable(L);                        /* input + 3: by guid */
    lua_createtable(L, 256, 0);             /* input + 4: rows */
    c->L = L;
    c->hive = hive;
    c->hive_path = H->hive_path(hive);
    c->hive_path_index = input + 1;
    c->warn.L = L;
    c->warn.index = input + 2;
    c->by_guid = input + 3;
    c->order = input + 4;
    set_str(L, input, "plugin", "tasks");
    lua_createtable(L, 0, 3);
    set_str(L, -1, "path", c->hive_path);
    set_str(L, -1, "kind", hive_kind_name(kind));
    lua_getfield(L, hive_idx, "dirty");
    lua_setfield(L, -2, "dirty");
    lua_setfield(L, input, "hive");
    if (kind != HH_HIVE_SOFTWARE)
        warn(c, "%s does not look like a SOFTWARE hive; reading it as one", c->hive_path);

    char err[TK_ERRLEN];
    hh_key *cache = NULL;
    int rc = H->key_open(hive, NULL, TASKCACHE, &cache, err, sizeof err);
    held_key(&c->held, c->L, cache);
    if (rc < 0)
        warn(c, "%s: %s", TASKCACHE, err);
    if (rc == 1) {
        hh_key *classes = NULL;
        c->has_classes = H->key_open(hive, NULL, "Classes\\CLSID", &classes, err, sizeof err) == 1;
        H->key_free(&classes);
        set_bool(L, input, "classes", c->has_classes);
        set_str(L, input, "taskcache", H->key_path(cache));
        walk_tasks(c, cache);
        hh_key *tree = NULL;
        rc = H->key_open(hive, cache, "Tree", &tree, err, sizeof err);
        held_key(&c->held, c->L, tree);
        if (rc < 0)
            warn(c, "%s\\Tree: %s", TASKCACHE, err);
        if (rc == 1) {
            /* a userdata, so a Lua error in the walk (out of memory) frees it too */
            char *path = lua_newuserdatauv(L, TK_PATH_MAX, 0);
            path[0] = 0;
            walk_tree(c, tree, path, 0, 0);
            lua_pop(L, 1);
        }
        held_key_free(&c->held, &tree);
        static const struct { const char *list, *field; } lists[] = {
            {"Boot", "boot"}, {"Logon", "logon"}, {"Plain", "plain"}, {"Maintenance", "maintenance"}};
        for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
            walk_list(c, cache, lists[i].list, lists[i].field);
        held_key_free(&c->held, &cache);
    }
    for (lua_Integer i = 1; i <= c->nrows; i++) {
        lua_rawgeti(L, c->order, i);
        finish_row(c, lua_gettop(L));
        lua_pop(L, 1);
    }
    lua_pushvalue(L, c->order);
    lua_setfield(L, input, "rows");
    lua_pushvalue(L, c->warn.index);
    lua_setfield(L, input, "warnings");
    lua_settop(L, input);
    return 1;
}

static int l_collect(lua_State *L)
{
    call_state st;
    memset(&st, 0, sizeof st);
    held_init(&st.c.held, H, "tasks", TK_MAX_HELD);
    return held_run_protected(L, collect_body, &st, &st.c.held, NULL);
}

/* ---- module -------------------------------------------------------------------------------- */

static const char *const columns[] = {
    "path", "guid", "author", "description", "actions", "triggers", "run_as", "enabled", "created",
    "last_run", "last_success", "last_error", "tree_last_write", "task_last_write", "index",
    "has_sd", "hidden", "settings_hidden", "in_tree", "in_tasks", "lists", "uri", "date", "source",
    "version", "task_path", "actions_version", "actions_context", "actions_error", "triggers_error",
    "dynamicinfo_error", "key", "hive",
};

static int open_tasks(lua_State *L)
{
    static const luaL_Reg funcs[] = {{"collect", l_collect}, {NULL, NULL}};
    module_push(L, funcs, columns, sizeof columns / sizeof columns[0]);
    return 1;
}

static int tasks_init(const hh_host_api *host, char *err, size_t errlen)
{
    if (module_check_host(host, err, errlen) != 0)
        return -1;
    H = host;
    return 0;
}

static const hh_plugin tasks_plugin = {
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(hh_plugin),
    .lua_version_num = LUA_VERSION_NUM,
    .name = "tasks",
    .version = "0.1.0",
    .description = "Scheduled tasks of SOFTWARE's TaskCache, with their decoded actions and triggers",
    .init = tasks_init,
    .open_lua = open_tasks,
    .shutdown = NULL,
    .hives_required = HH_HIVE_BIT(HH_HIVE_SOFTWARE),
    .hives_optional = 0,
    .reads_rows_of = NULL,
};

HH_PLUGIN_DEFINE_ENTRY(tasks_plugin)
