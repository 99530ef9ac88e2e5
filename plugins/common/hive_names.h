/* Names Windows gives hives and control sets, as the plugins report them. */
#ifndef HH_PLUGIN_HIVE_NAMES_H
#define HH_PLUGIN_HIVE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* "SYSTEM", "SOFTWARE", "NTUSER", "SAM", "SECURITY", else "OTHER". */
const char *hive_kind_name(int kind);

/* "ControlSetNNN" (any case, exactly three digits) -> NNN, else -1. */
int control_set_number(const char *name);

/* "REG_SZ" and the other registry value type names; another type as
 * "REG_UNKNOWN_0x..." written into buf. */
const char *value_type_name(uint32_t type, char *buf, size_t buflen);

#endif
