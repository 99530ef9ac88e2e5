/* Layer: cli. May call: hunt_hives.h, lua (lua.h). */
/* Host-owned fields of findings (hunt_findings.c). */
#ifndef HH_HUNT_FINDINGS_H
#define HH_HUNT_FINDINGS_H

#include <lua.h>

#include "hunt_hives.h"

/* Host-owned fields every finding at idx carries: the plugin, the hive the
 * plugin's input (at input) names (input.hive.path) when the policy left it
 * out, and the timeline fields. */
void hh_enrich_findings(lua_State *L, int idx, int input, const char *plugin);

/* The locating fields the findings at all left out: from the plugin's row
 * each is about (same key, and value when it names one), else the plugin's
 * only hive; then from the hive it names its kind and, for a user hive,
 * the account. rows: the plugin's rows (0: none). */
void hh_fill_common_fields(lua_State *L, int all, const hh_hive_set *set, const hh_hunt_hive *only, int rows);

#endif
