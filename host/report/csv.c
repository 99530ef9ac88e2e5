/* Layer: report. May call: fields.h, escape.h, base, Lua's C API; never the
 * dispatcher. */
/* csv: RFC 4180. One header line of field names (the jsonl keys, same
 * order), CRLF line ends, a field quoted only when it holds , " CR LF or an
 * edge space, quotes doubled. Text cells that a spreadsheet would run as a
 * formula get a leading '. Lists are joined with ';', evidence and values
 * are compact JSON, booleans true/false, absent fields empty. Invalid UTF-8
 * and NUL become U+FFFD; other characters, controls included, are kept as
 * data (a csv file is data for a parser, not text for a terminal). */
#include <string.h>

#include "fields.h"

void hh_report_csv(hh_report_ctx *c)
{
    lua_State *L = c->L;
    int records = hh_report_records(c);
    lua_Integer n = hh_report_count(c, records);
    const hh_field *fields = c->is_findings ? hh_finding_fields : c->row_fields;
    size_t nfields = c->is_findings ? hh_finding_nfields : c->row_nfields;
    for (size_t f = 0; f < nfields; f++) {
        if (f)
            hh_buf_putc(&c->rec, ',');
        hh_buf_puts(&c->rec, fields[f].name);
    }
    hh_buf_puts(&c->rec, "\r\n");
    hh_report_emit(c, &c->rec);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, records, i);
        int rec = lua_gettop(L);
        for (size_t f = 0; f < nfields; f++) {
            if (f)
                hh_buf_putc(&c->rec, ',');
            int kind;
            if (strcmp(fields[f].name, "evidence") == 0 || strcmp(fields[f].name, "values") == 0) {
                hh_buf_reset(&c->tmp);
                hh_report_push_field(c, rec, fields[f].name);
                kind = lua_isnil(L, -1) ? HH_VAL_NIL : HH_VAL_TABLE;
                if (kind != HH_VAL_NIL)
                    hh_value_json(L, -1, &c->tmp, 0, 0);
                lua_pop(L, 1);
            } else {
                kind = hh_report_field_text(c, rec, fields[f].name, &c->tmp);
            }
            int neutralize = kind == HH_VAL_STRING || kind == HH_VAL_TABLE;
            hh_esc_csv(&c->rec, c->tmp.data ? c->tmp.data : "", c->tmp.len, neutralize);
        }
        hh_buf_puts(&c->rec, "\r\n");
        hh_report_emit(c, &c->rec);
        lua_pop(L, 1);
    }
}
