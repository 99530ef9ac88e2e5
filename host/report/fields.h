/* Layer: report. What the writers (csv.c, html.c, jsonl.c, table.c, tln.c)
 * share, from fields.c; not part of the public interface. May include: base
 * and escape.h. */
#ifndef HH_REPORT_FIELDS_H
#define HH_REPORT_FIELDS_H

#include <stdio.h>

#include <lua.h>

#include "escape.h"
#include "report.h"

typedef struct hh_report_ctx {
    lua_State *L;
    int report;     /* absolute stack index of the report table */
    int findings;   /* absolute index of report.findings, 0 when absent */
    int rows;       /* absolute index of report.rows, 0 when absent */
    int meta;       /* absolute index of report.meta, 0 when absent */
    int is_findings;
    hh_format fmt;
    FILE *out;
    int color;
    const struct hh_field *row_fields; /* hh_row_fields, or report.columns (another plugin's rows) */
    size_t row_nfields;
    hh_buf rec;     /* the record being built; written whole by hh_report_emit */
    hh_buf tmp;     /* scratch for one value's text */
    hh_buf tmp2;
} hh_report_ctx;

/* A column of a record. array: an empty table is an empty list, not an object. */
typedef struct hh_field {
    const char *name;
    int array;
} hh_field;

extern const hh_field hh_finding_fields[];
extern const size_t hh_finding_nfields;
extern const hh_field hh_row_fields[];
extern const size_t hh_row_nfields;

#define HH_TIMESTAMP_DESC "Service key last written"

/* What a value was, so csv can neutralise only text (never a number). */
enum { HH_VAL_NIL, HH_VAL_STRING, HH_VAL_NUMBER, HH_VAL_BOOL, HH_VAL_TABLE };


/* The records to write (findings or rows) as an absolute index, 0 if none. */
int hh_report_records(hh_report_ctx *c);
/* Number of records in the table at idx (0 for idx 0); raises when an
 * element is not a table. */
lua_Integer hh_report_count(hh_report_ctx *c, int idx);

/* Pushes rec[name] (raw access: no metamethods run). Derived fields of
 * findings: datetime falls back to last_write, timestamp_desc to
 * HH_TIMESTAMP_DESC. */
void hh_report_push_field(hh_report_ctx *c, int rec, const char *name);

/* Appends the text of the value at idx (nil -> "", booleans true/false,
 * integers in decimal, floats shortest round-trip, sequences joined with ';',
 * other tables as compact JSON). Returns HH_VAL_*. Raw bytes of strings are
 * kept: the caller escapes for its format. */
int hh_value_text(lua_State *L, int idx, hh_buf *b, int array_hint);
/* Text of rec[name] into b (reset first); returns HH_VAL_*. */
int hh_report_field_text(hh_report_ctx *c, int rec, const char *name, hh_buf *b);

/* Appends the value at idx as JSON. Sequences 1..n become arrays, other
 * tables objects with keys sorted bytewise; nesting past 16 levels, a table
 * inside itself, or more than HH_JSON_MAX_NODES values in one call become
 * null. Non-finite numbers become null. */
#define HH_JSON_MAX_DEPTH 16
#define HH_JSON_MAX_NODES 100000
void hh_value_json(lua_State *L, int idx, hh_buf *b, int html_safe, int array_hint);

/* Unix seconds of an ISO 8601 UTC time (YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|+00:00]).
 * 1 ok, 0 not such a time. */
int hh_parse_iso8601(const char *s, size_t n, long long *out);
/* Unix seconds of a record's LastWrite: last_write_epoch, else last_write parsed. */
int hh_report_epoch(hh_report_ctx *c, int rec, long long *out);
/* ISO 8601 UTC text of unix seconds. */
void hh_format_iso8601(long long t, char out[48]);

/* The findings at records grouped by service key (a service in one control
 * set), in the order of each key's first finding (findings come worst
 * first): pushes an array of groups and returns their count. A group holds
 * its first finding's locating fields, score and message, severity = the
 * worst, rules = the rule ids that fired ("a,b"), members = the findings'
 * indices. The table and html findings tables show one line per group. */
lua_Integer hh_report_group_findings(hh_report_ctx *c, int records, lua_Integer n);

/* Writes b whole to the output, then resets it; raises on a write error or
 * when b ran out of memory. */
void hh_report_emit(hh_report_ctx *c, hh_buf *b);

/* Findings grouped by plugin (report_groups.c): pushes order (record
 * indices, each plugin's together, groups by their worst finding) and names
 * (the plugins in that order); returns the number of groups. */
lua_Integer hh_report_group_by_plugin(hh_report_ctx *c, int records, lua_Integer n);

/* meta[name] as a string (NULL when absent or not a string). */
const char *hh_report_meta_str(hh_report_ctx *c, const char *name, size_t *len);

#endif
