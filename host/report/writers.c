/* Layer: report. The table of writers, one per format: a new format is a
 * new file and a row here. May call: the writers' entry points only. */
#include "writers.h"

const hh_report_writer hh_report_writers[] = {
    {HH_FMT_TABLE, "table", hh_report_table},
    {HH_FMT_CSV, "csv", hh_report_csv},
    {HH_FMT_JSONL, "jsonl", hh_report_jsonl},
    {HH_FMT_TLN, "tln", hh_report_tln},
    {HH_FMT_HTML, "html", hh_report_html},
};
const size_t hh_report_nwriters = sizeof hh_report_writers / sizeof hh_report_writers[0];
