/*
 * The fixture spec language (documented in testdata/README.md): a .reg-like
 * text with hive directives, typed values, per-key LastWrite and class,
 * includes, copies and overrides.
 */
#ifndef HW_SPEC_H
#define HW_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Apply a spec file to h. 0 on success, -1 with "file:line: reason" in err. */
int hw_spec_load_file(hw_hive *h, const char *path, char *err, size_t errlen);
/* Same for text in memory; name is used in messages, basedir for @include. */
int hw_spec_load_text(hw_hive *h, const char *text, size_t len, const char *name,
                      const char *basedir, char *err, size_t errlen);

/* "2026-10-14T02:10:00Z" (optional .fraction up to 7 digits) -> FILETIME. */
int hw_parse_iso_time(const char *s, size_t n, uint64_t *out);
/* FILETIME -> "2026-10-14T02:10:00Z" (fraction appended when non-zero). */
void hw_format_iso_time(uint64_t ft, char *buf, size_t buflen);

#endif
