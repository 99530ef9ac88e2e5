/* Layer: lua. May call: hive, base, Lua. */
/* Plugin discovery and loading (dlopen), and the host services table. */
#ifndef HH_PLUGINS_H
#define HH_PLUGINS_H

#include <lua.h>
#include <stddef.h>

#include "hivehunt/plugin.h"

typedef struct hh_loaded_plugin {
    const hh_plugin *desc;
    void *handle;
    char *path;
} hh_loaded_plugin;

typedef struct hh_plugin_set {
    hh_loaded_plugin *items;
    size_t count;
    int refused;        /* plugins found but refused (each reported once) */
} hh_plugin_set;

/* The directories searched, in order: explicit (--plugin-dir), then each
 * entry of HIVEHUNT_PLUGIN_PATH, then the build and install defaults. */
typedef struct hh_plugin_dirs {
    const char *dirs[16];
    size_t count;
} hh_plugin_dirs;

void hh_plugin_dirs_default(hh_plugin_dirs *dirs, const char *explicit_dir);

/* Loads every <name>.so found; the first plugin of a name wins. Refusals
 * are reported on stderr with one line each and loading goes on. */
void hh_plugins_load(hh_plugin_set *set, const hh_plugin_dirs *dirs);
/* Loads one file; 1 loaded, -1 refused with reason. */
int hh_plugin_load_file(hh_plugin_set *set, const char *path, char *err, size_t errlen);
const hh_loaded_plugin *hh_plugins_find(const hh_plugin_set *set, const char *name);
void hh_plugins_unload(hh_plugin_set *set);
/* Registers package.preload["plugin.<name>"] for every plugin in L. */
void hh_plugins_preload(const hh_plugin_set *set, lua_State *L);

const hh_host_api *hh_host_api_get(void);

#endif
