/* Shared between the services plugin's files: the host table, the walk
 * context and the row builder. */
#ifndef HH_SVC_INTERNAL_H
#define HH_SVC_INTERNAL_H

#include <stdint.h>

#include <lua.h>

#include "hivehunt/plugin.h"
#include "held.h"
#include "warnings.h"

#define SVC_ERRLEN 512
/* Bounds on what a hostile hive can make us build. */
#define SVC_MAX_SERVICES 100000      /* per control set */
#define SVC_MAX_VALUES 65536         /* per key */
#define SVC_MAX_CONTROL_SETS 1000
#define SVC_MAX_ROOT_KEYS 100000
#define SVC_MAX_DELETED_KEYS 1000000
#define SVC_MAX_HEX_BYTES (1u << 20) /* raw bytes shown as hex per value */
#define SVC_MAX_HELD 16              /* host objects open at once (nesting depth) */

extern const hh_host_api *svc_host;

/* One extraction: the Lua state, the hive, the warnings array and the host
 * objects held until a protected caller releases them. */
typedef struct svc_ctx {
    lua_State *L;
    hh_hive *hive;
    const char *hive_path;
    int hive_path_index; /* absolute stack index of hive_path as a Lua string */
    warning_list warn;
    held_set held;
} svc_ctx;

#define svc_warn(c, ...) warnings_add(&(c)->warn, __VA_ARGS__)

typedef struct svc_control_set {
    char name[16];       /* as stored ("ControlSet001", any case) */
    int number;
    int current;         /* Select\Current names it */
    hh_key *key;         /* owned; NULL for sets only seen through deleted keys */
} svc_control_set;

/* Push the row of one service key (its shape is in services.c's header).
 * What cannot be read becomes a warning; only a Lua error (out of memory)
 * escapes, and the protected caller releases what is held. */
void svc_push_row(svc_ctx *c, hh_key *svc, const svc_control_set *cs, int recovered);

/* Push a value's data decoded for the `values` table: a string, an integer,
 * an array of strings, or lowercase hex for binary and odd types. Returns 1,
 * or 0 (nothing pushed) with a warning when its data cannot be read. */
int svc_push_value_data(svc_ctx *c, hh_key *key, hh_value *v, const uint8_t **data, size_t *len);

/* Push the first `ComputerName`-style string value `name` of the key at
 * `path` under base, or nothing (returns 0). */
int svc_push_string_at(svc_ctx *c, hh_key *base, const char *path, const char *name);

#endif
