/* Names Windows gives hives and control sets, as the plugins report them. */
#ifndef HH_PLUGIN_HIVE_NAMES_H
#define HH_PLUGIN_HIVE_NAMES_H

/* "SYSTEM", "SOFTWARE", "NTUSER", "SAM", "SECURITY", else "OTHER". */
const char *hive_kind_name(int kind);

/* "ControlSetNNN" (any case, exactly three digits) -> NNN, else -1. */
int control_set_number(const char *name);

#endif
