/* Layer: cli. May call: hunt.h, hunt_hives.h, lua. */
/* --baseline for a hunt (hunt_baseline.c). */
#ifndef HH_HUNT_BASELINE_H
#define HH_HUNT_BASELINE_H

#include "hunt.h"
#include "hunt_hives.h"
#include "plugin_plan.h"

/* Loads the baseline rows (a golden hive, or a saved services jsonl) and
 * pushes { rows = ..., source = path }. Prints the one-line error itself
 * and returns the exit code on failure, -1 to go on. */
int hh_load_baseline(hh_sandbox *sb, int plugin_ref, const hh_hunt_opts *o);

/* --baseline DIR: a golden host's hives (found as a case finds a host's:
 * config folder, Users/<name>, flat). Opens them into golden; -1 to go on, or an
 * exit code. */
int hh_open_golden(lua_State *L, const hh_hunt_opts *o, hh_hive_set *golden);

/* Sets input.baseline = { rows, source } for the plugin at it from the
 * golden host's hives, when they hold what the plugin needs. -1 to go on,
 * or an exit code. */
int hh_golden_baseline(lua_State *L, const hh_hunt_opts *o, const hh_hive_set *golden, const hh_plan_item *it,
                       int ref, int input);

#endif
