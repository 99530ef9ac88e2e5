/* Layer: report, its public header: what the cli layer writes reports
 * through. */
/* Reporters: findings and service rows as table, csv, jsonl, tln or html.
 *
 * The caller builds one Lua table and hands it over:
 *   report = {
 *     kind = "findings" | "services",
 *     findings = { finding, ... },  -- kind findings, already sorted
 *     rows = { row, ... },          -- service rows (services; html findings use them too)
 *     meta = { host, hive, hive_kind, dirty, replayed, software, baseline,
 *              warnings = { ... }, tool, generated },
 *   }
 * Records are written in the order given. Column orders (fixed, documented
 * in report/fields.c):
 *   findings: rule technique severity score service display_name control_set
 *     current key last_write image_path service_dll object_name start
 *     start_name type type_name message evidence hive plugin datetime
 *     timestamp_desc hive_kind value user
 *   services: name control_set current display_name description image_path
 *     service_dll service_dll_source service_main object_name start
 *     start_name type type_name error_control group depend_on_service
 *     required_privileges delayed_autostart failure_command last_write
 *     last_write_epoch parameters_last_write svchost_group values recovered
 *     hive key
 *
 * Output depends only on the report table: the same table gives the same
 * bytes (html also prints meta.generated). */
#ifndef HH_REPORT_H
#define HH_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include <lua.h>

typedef enum { HH_FMT_TABLE, HH_FMT_CSV, HH_FMT_JSONL, HH_FMT_TLN, HH_FMT_HTML } hh_format;

/* "table", "csv", "jsonl", "tln", "html": 1 and *out set; otherwise 0. */
int hh_format_parse(const char *name, hh_format *out);
/* The format's name, for messages and file extensions. */
const char *hh_format_name(hh_format fmt);

/* Writes the report described by the Lua table at report_idx to out.
 * color: 1 lets the table format colour severities (pass isatty()).
 * Returns 1, or -1 with a one-line reason in err. Each record is built in
 * memory and written whole, so a failure never leaves half a line. Lua
 * errors (out of memory, a bad report table) are caught; the Lua stack is
 * left as it was. */
int hh_report_write(lua_State *L, int report_idx, hh_format fmt, FILE *out, int color, char *err, size_t errlen);

#endif
