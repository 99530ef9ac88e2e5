/* Layer: report. The writers, one per format (csv.c, html.c, jsonl.c,
 * table.c, tln.c), and the table they are registered in (writers.c), where
 * the dispatcher (report.c) looks a format up. Writers depend on fields.h
 * only, never on the dispatcher. */
#ifndef HH_REPORT_WRITERS_H
#define HH_REPORT_WRITERS_H

#include <stddef.h>

#include "fields.h"

typedef struct hh_report_writer {
    hh_format fmt;
    const char *name;                 /* --format NAME, file extensions */
    void (*write)(hh_report_ctx *c);  /* raises a Lua error on failure (caught by hh_report_write) */
} hh_report_writer;

/* Every format, in hh_format order. */
extern const hh_report_writer hh_report_writers[];
extern const size_t hh_report_nwriters;

void hh_report_table(hh_report_ctx *c);
void hh_report_csv(hh_report_ctx *c);
void hh_report_jsonl(hh_report_ctx *c);
void hh_report_tln(hh_report_ctx *c);
void hh_report_html(hh_report_ctx *c);

#endif
