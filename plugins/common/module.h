/* What every plugin's init and open_lua do alike: refuse a host services
 * table older than the plugins need, and build the module table with its
 * functions and `columns` (row field names, report order). */
#ifndef HH_PLUGIN_MODULE_H
#define HH_PLUGIN_MODULE_H

#include <stddef.h>

#include <lauxlib.h>

#include "hivehunt/plugin.h"

/* 0, or -1 with the reason in err. */
int module_check_host(const hh_host_api *host, char *err, size_t errlen);

/* Push { funcs..., columns = { columns[0], ... } }. */
void module_push(lua_State *L, const luaL_Reg *funcs, const char *const *columns, size_t ncolumns);

#endif
