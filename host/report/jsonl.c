/* Layer: report. May call: fields.h, escape.h, base, Lua's C API; never the
 * dispatcher. */
/* jsonl: one JSON object per record and line, keys in the fixed column order
 * of fields.c (nested objects' keys sorted), every key present (null when
 * the record lacks it), so line-oriented tools and Timesketch ingest it. */
#include <lauxlib.h>

#include "fields.h"

void hh_report_jsonl(hh_report_ctx *c)
{
    lua_State *L = c->L;
    int records = hh_report_records(c);
    lua_Integer n = hh_report_count(c, records);
    const hh_field *fields = c->is_findings ? hh_finding_fields : c->row_fields;
    size_t nfields = c->is_findings ? hh_finding_nfields : c->row_nfields;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, records, i);
        int rec = lua_gettop(L);
        hh_buf_putc(&c->rec, '{');
        for (size_t f = 0; f < nfields; f++) {
            if (f)
                hh_buf_putc(&c->rec, ',');
            hh_buf_putc(&c->rec, '"');
            hh_buf_puts(&c->rec, fields[f].name); /* fixed column names: plain ASCII */
            hh_buf_puts(&c->rec, "\":");
            hh_report_push_field(c, rec, fields[f].name);
            if (lua_isnil(L, -1))
                hh_buf_puts(&c->rec, "null");
            else
                hh_value_json(L, -1, &c->rec, 0, fields[f].array);
            lua_pop(L, 1);
        }
        hh_buf_puts(&c->rec, "}\n");
        hh_report_emit(c, &c->rec);
        lua_pop(L, 1);
    }
}
