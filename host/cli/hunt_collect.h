/* Layer: cli. May call: lua (lua.h). */
/* Extraction: one call of a plugin's collect (hunt_collect.c). */
#ifndef HH_HUNT_COLLECT_H
#define HH_HUNT_COLLECT_H

#include <lua.h>

/* Calls the plugin's collect with the values at arg1 and arg2 (0: nil):
 * collect(system, software) for a plugin from before the hive masks,
 * collect(hives) for one that declares them. Pushes the input table;
 * 1, or -1 with the one-line error printed. */
int hh_plugin_collect(lua_State *L, int plugin_ref, int arg1, int arg2, const char *label, const char *name);

#endif
