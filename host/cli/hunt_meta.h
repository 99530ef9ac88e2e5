/* Layer: cli. May call: hunt.h, hunt_hives.h, lua. */
/* The report's meta table (hunt_meta.c). */
#ifndef HH_HUNT_META_H
#define HH_HUNT_META_H

#include "hunt.h"
#include "hunt_hives.h"
#include "plugin_plan.h"

/* Pushes the meta table of the report; input_idx is the input that names
 * the host (0: none). */
void hh_push_meta(lua_State *L, const hh_hunt_opts *o, hh_hive *sys, int input_idx, const hh_hive_set *set,
                  const hh_plugin_plan *plan);

#endif
