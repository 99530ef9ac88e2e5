/* Layer: cli. */
/* The hives of one hunt: opened, their kinds told from content, each user
 * hive with its account (hunt_hives.c). */
#ifndef HH_HUNT_HIVES_H
#define HH_HUNT_HIVES_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "hive.h"

struct hh_hunt_opts;

typedef struct hh_hunt_hive {
    const char *path;
    hh_hive *hive;   /* borrowed: owned by its Lua userdata at idx */
    int kind;
    int idx;         /* absolute stack index of the hh.hive userdata */
} hh_hunt_hive;

#define HH_MAX_HIVES 64

typedef struct hh_hive_set {
    hh_hunt_hive items[HH_MAX_HIVES];
    size_t n;
    int system, software;  /* index into items, -1 when not given */
    uint32_t present;      /* HH_HIVE_BIT of every kind opened */
    /* Hives that could not be read but whose failure does not end the run
     * (a case's user hives): "path: reason". */
    char failed[8][600];
    size_t nfailed;
} hh_hive_set;

/* Opens o->hives in order and pushes a hh.hive userdata for each. A hive
 * that cannot be read is an input error, unless o->hive_soft marks it, when
 * it is listed in set->failed and the run goes on. Two hives of one
 * machine kind (SYSTEM, SOFTWARE, SAM, SECURITY) are a usage error. Prints
 * the one-line error itself. Returns -1 to go on, or an exit code. */
int hh_hive_set_open(lua_State *L, const struct hh_hunt_opts *o, hh_hive_set *set);

/* The warnings collected while opening (damage read around, replay), on
 * stderr: printed once the run is known to go on. */
void hh_hive_set_print_warnings(const hh_hive_set *set);

/* Pushes { system = hive|nil, software = hive|nil, users = { hive, ... } }. */
void hh_hive_set_push_table(lua_State *L, const hh_hive_set *set);

/* The hive of the set at path (as given), or NULL. */
const hh_hunt_hive *hh_hive_set_find(const hh_hive_set *set, const char *path);

#endif
