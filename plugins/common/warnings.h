/* The warnings array a plugin call returns, capped so a hostile hive cannot
 * make it grow without bound: past WARNINGS_MAX one line says the rest were
 * dropped (it is entry WARNINGS_MAX + 1) and nothing more is added. */
#ifndef HH_PLUGIN_WARNINGS_H
#define HH_PLUGIN_WARNINGS_H

#include <lua.h>

#define WARNINGS_MAX 10000

typedef struct warning_list {
    lua_State *L;
    int index;     /* absolute stack index of the array */
    lua_Integer n; /* entries in it, the cap line included */
    int capped;
} warning_list;

/* Append one formatted line (at most 1023 bytes). */
void warnings_add(warning_list *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
