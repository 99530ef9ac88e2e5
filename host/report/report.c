/* Layer: report. The dispatcher: format names, and the protected entry
 * point that checks the report table and hands it to the format's writer,
 * found in the writers table (writers.c). May call: writers.h, fields.h,
 * base. */
#include "report.h"

#include <errno.h>
#include <string.h>

#include <lauxlib.h>

#include "fields.h"
#include "writers.h"

static const hh_report_writer *find_writer(hh_format fmt)
{
    for (size_t i = 0; i < hh_report_nwriters; i++)
        if (hh_report_writers[i].fmt == fmt)
            return &hh_report_writers[i];
    return NULL;
}

int hh_format_parse(const char *name, hh_format *out)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < hh_report_nwriters; i++) {
        if (strcmp(name, hh_report_writers[i].name) == 0) {
            *out = hh_report_writers[i].fmt;
            return 1;
        }
    }
    return 0;
}

const char *hh_format_name(hh_format fmt)
{
    const hh_report_writer *w = find_writer(fmt);
    return w ? w->name : "unknown";
}

static int optional_table(lua_State *L, int parent, const char *name)
{
    lua_pushstring(L, name);
    int t = lua_rawget(L, parent);
    if (t == LUA_TTABLE)
        return lua_gettop(L);
    if (t != LUA_TNIL)
        luaL_error(L, "report.%s is a %s, not a table", name, lua_typename(L, t));
    lua_pop(L, 1);
    return 0;
}

static int report_protected(lua_State *L)
{
    hh_report_ctx *c = lua_touserdata(L, 1);
    c->L = L;
    c->report = 2;
    if (!lua_istable(L, 2))
        return luaL_error(L, "report is a %s, not a table", luaL_typename(L, 2));
    lua_pushliteral(L, "kind");
    lua_rawget(L, 2);
    const char *kind = lua_tostring(L, -1);
    if (!kind || (strcmp(kind, "findings") != 0 && strcmp(kind, "services") != 0))
        return luaL_error(L, "report.kind must be \"findings\" or \"services\"");
    c->is_findings = strcmp(kind, "findings") == 0;
    lua_pop(L, 1);
    c->findings = optional_table(L, 2, "findings");
    c->rows = optional_table(L, 2, "rows");
    c->meta = optional_table(L, 2, "meta");
    /* Another plugin's rows name their own columns (report.columns). */
    c->row_fields = hh_row_fields;
    c->row_nfields = hh_row_nfields;
    int cols = c->is_findings ? 0 : optional_table(L, 2, "columns");
    if (cols) {
        size_t n = lua_rawlen(L, cols) < 256 ? lua_rawlen(L, cols) : 256;
        hh_field *f = lua_newuserdatauv(L, (n ? n : 1) * sizeof *f, 0);
        size_t k = 0;
        for (size_t i = 1; i <= n; i++) {
            if (lua_rawgeti(L, cols, (lua_Integer)i) == LUA_TSTRING) {
                f[k].name = lua_tostring(L, -1); /* report.columns keeps it alive */
                f[k++].array = 0;
            }
            lua_pop(L, 1);
        }
        c->row_fields = f;
        c->row_nfields = k;
    }
    hh_report_count(c, c->findings); /* refuse a malformed table before writing anything */
    hh_report_count(c, c->rows);
    const hh_report_writer *w = find_writer(c->fmt);
    if (!w)
        return luaL_error(L, "unknown format");
    w->write(c);
    if (fflush(c->out) != 0)
        return luaL_error(L, "write failed: %s", strerror(errno));
    return 0;
}

int hh_report_write(lua_State *L, int report_idx, hh_format fmt, FILE *out, int color, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    report_idx = lua_absindex(L, report_idx);
    if (!lua_checkstack(L, 8)) {
        if (err)
            snprintf(err, errlen, "report: Lua stack exhausted");
        return -1;
    }
    hh_report_ctx c;
    memset(&c, 0, sizeof c);
    c.fmt = fmt;
    c.out = out;
    c.color = color;
    hh_buf_init(&c.rec);
    hh_buf_init(&c.tmp);
    hh_buf_init(&c.tmp2);
    int top = lua_gettop(L);
    lua_pushcfunction(L, report_protected);
    lua_pushlightuserdata(L, &c);
    lua_pushvalue(L, report_idx);
    int rc = lua_pcall(L, 2, 0, 0);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (err)
            snprintf(err, errlen, "report: %s", msg ? msg : "error object is not a string");
    }
    lua_settop(L, top);
    hh_buf_free(&c.rec);
    hh_buf_free(&c.tmp);
    hh_buf_free(&c.tmp2);
    return rc == LUA_OK ? 1 : -1;
}
