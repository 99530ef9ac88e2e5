/* Layer: report. May call: fields.h, escape.h, base, Lua's C API; never the
 * dispatcher. */
/* tln: RegRipper's five-field timeline line, time|source|host|user|description,
 * time in Unix seconds (a finding's datetime, the write it is about, else the
 * LastWrite; 0 when the record has neither), source REG,
 * host from meta.host, user the finding's account (user hives). Every field is display-escaped and '|'
 * becomes \x7c, so no value can add a field or a line. */
#include <ctype.h>
#include <string.h>

#include "fields.h"

/* Appends text escaped for a tln field. */
static void put_field(hh_buf *out, hh_buf *scratch, const char *s, size_t n)
{
    hh_buf_reset(scratch);
    hh_esc_term(scratch, s, n, 0);
    for (size_t i = 0; i < scratch->len; i++) {
        if (scratch->data[i] == '|')
            hh_buf_puts(out, "\\x7c");
        else
            hh_buf_putc(out, scratch->data[i]);
    }
}

/* Appends rec[name]'s text, display-escaped. */
static void put_value(hh_report_ctx *c, int rec, const char *name, int upper)
{
    hh_report_field_text(c, rec, name, &c->tmp);
    if (upper)
        for (size_t i = 0; i < c->tmp.len; i++)
            c->tmp.data[i] = (char)toupper((unsigned char)c->tmp.data[i]);
    put_field(&c->rec, &c->tmp2, c->tmp.data ? c->tmp.data : "", c->tmp.len);
}

static int field_empty(hh_report_ctx *c, int rec, const char *name)
{
    hh_report_field_text(c, rec, name, &c->tmp);
    return c->tmp.len == 0;
}

void hh_report_tln(hh_report_ctx *c)
{
    lua_State *L = c->L;
    int records = hh_report_records(c);
    lua_Integer n = hh_report_count(c, records);
    size_t hostlen = 0;
    const char *host = hh_report_meta_str(c, "host", &hostlen);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, records, i);
        int rec = lua_gettop(L);
        long long t = 0;
        /* a finding's time is the write it is about (datetime) */
        int dated = 0;
        if (c->is_findings && hh_report_field_text(c, rec, "datetime", &c->tmp) == HH_VAL_STRING)
            dated = hh_parse_iso8601(c->tmp.data, c->tmp.len, &t);
        if (!dated && !hh_report_epoch(c, rec, &t))
            t = 0;
        hh_buf_printf(&c->rec, "%lld|REG|", t);
        put_field(&c->rec, &c->tmp2, host ? host : "", host ? hostlen : 0);
        hh_buf_putc(&c->rec, '|');
        put_value(c, rec, "user", 0); /* a user hive's account; empty for machine hives */
        hh_buf_putc(&c->rec, '|');
        if (c->is_findings) {
            /* [SEVERITY rule] service (control_set): message; image_path */
            hh_buf_putc(&c->rec, '[');
            put_value(c, rec, "severity", 1);
            hh_buf_putc(&c->rec, ' ');
            put_value(c, rec, "rule", 0);
            hh_buf_puts(&c->rec, "] ");
            put_value(c, rec, "service", 0);
        } else {
            /* [SERVICE] name (control_set): start, type; image_path; service_dll */
            hh_buf_puts(&c->rec, "[SERVICE] ");
            put_value(c, rec, "name", 0);
        }
        hh_buf_puts(&c->rec, " (");
        put_value(c, rec, "control_set", 0);
        hh_buf_puts(&c->rec, "): ");
        if (c->is_findings) {
            put_value(c, rec, "message", 0);
        } else {
            put_value(c, rec, field_empty(c, rec, "start_name") ? "start" : "start_name", 0);
            hh_buf_puts(&c->rec, ", ");
            put_value(c, rec, field_empty(c, rec, "type_name") ? "type" : "type_name", 0);
        }
        if (!field_empty(c, rec, "image_path")) {
            hh_buf_puts(&c->rec, "; ");
            put_value(c, rec, "image_path", 0);
        }
        if (!c->is_findings && !field_empty(c, rec, "service_dll")) {
            hh_buf_puts(&c->rec, "; ");
            put_value(c, rec, "service_dll", 0);
        }
        hh_buf_putc(&c->rec, '\n');
        hh_report_emit(c, &c->rec);
        lua_pop(L, 1);
    }
}
