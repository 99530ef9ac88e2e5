/* Layer: lua. */
/* Which plugins a hunt runs, and in what order (plugin_plan.c). */
#ifndef HH_PLUGIN_PLAN_H
#define HH_PLUGIN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "plugins.h"

#define HH_PLAN_MAX 64

typedef struct hh_plan_item {
    const hh_loaded_plugin *plugin;
    uint32_t required, optional; /* HH_HIVE_BIT masks */
    int legacy;                  /* descriptor predates the hive masks: collect(system, software) */
} hh_plan_item;

typedef struct hh_plugin_plan {
    hh_plan_item items[HH_PLAN_MAX];
    size_t n;
    char skipped[HH_PLAN_MAX][200]; /* "tasks: needs a SOFTWARE hive", one per plugin not run */
    size_t nskipped;
} hh_plugin_plan;

/* The hive kinds a descriptor reads. One whose descriptor ends before the
 * masks, or that leaves both masks 0, reads SYSTEM (required) and SOFTWARE
 * (optional) and is called the old way (*legacy = 1). */
void hh_plugin_kinds(const hh_plugin *d, uint32_t *required, uint32_t *optional, int *legacy);

/* Plans a run over hives whose kinds are the bits of present. names (the
 * --plugin options, nnames 0 for none) narrows the set to those plugins;
 * otherwise every loaded plugin is considered. A plugin runs when every
 * required kind is present and, when it requires none, when one optional
 * kind is. Order: the given names' order, else name order; then a plugin
 * moves after the plugins its reads_rows_of names (when they run).
 * 1, or -1 with err (a named plugin that is not installed). */
int hh_plugin_plan_make(const hh_plugin_set *set, uint32_t present, const char *const *names, size_t nnames,
                        hh_plugin_plan *plan, char *err, size_t errlen);

/* The kinds the planned plugins read (required or optional). */
uint32_t hh_plugin_plan_reads(const hh_plugin_plan *plan);

/* "SYSTEM, NTUSER" for a mask. */
void hh_kind_mask_text(uint32_t mask, char *out, size_t outlen);

#endif
