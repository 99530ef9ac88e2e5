/* Layer: lua, the plugin loader and host services table. May call:
 * regf_lua.c, hive, base. */
#include "plugins.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "hive.h"
#include "regf_lua.h"
#include "selfdir.h"
#include "util.h"

/* ---- host services ------------------------------------------------------- */

static void api_warn(const char *plugin, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "hivehunt: %s: warning: %s\n", plugin ? plugin : "plugin", buf);
}

static const char *api_hive_path(const hh_hive *hive) { return hh_hive_get_info(hive)->path; }
static int api_hive_kind(const hh_hive *hive) { return hh_hive_get_info(hive)->kind; }
static const char *api_hive_user(const hh_hive *hive)
{
    const char *u = hh_hive_get_info(hive)->user;
    return u[0] ? u : NULL;
}

static const hh_host_api host_api = {
    .struct_size = sizeof(hh_host_api),
    .abi_version = HH_PLUGIN_ABI_VERSION,
    .warn = api_warn,
    .check_hive = hh_lua_check_hive,
    .hive_path = api_hive_path,
    .hive_kind = api_hive_kind,
    .key_open = hh_key_open,
    .key_subkey_count = hh_key_subkey_count,
    .key_subkey_at = hh_key_subkey_at,
    .key_name = hh_key_name,
    .key_path = hh_key_path,
    .key_last_write = hh_key_last_write,
    .key_value_count = hh_key_value_count,
    .key_value_at = hh_key_value_at,
    .key_value = hh_key_value,
    .key_free = hh_key_free,
    .value_name = hh_value_name,
    .value_type = hh_value_type,
    .value_data = hh_value_data,
    .value_free = hh_value_free,
    .push_value_data = hh_lua_push_value_data,
    .filetime_iso = hh_filetime_iso,
    .key_is_recovered = hh_key_is_recovered,
    .hive_deleted_key_count = hh_hive_deleted_key_count,
    .hive_deleted_key_at = hh_hive_deleted_key_at,
    .hive_user = api_hive_user,
};

const hh_host_api *hh_host_api_get(void) { return &host_api; }

/* ---- discovery -------------------------------------------------------------- */

void hh_plugin_dirs_default(hh_plugin_dirs *dirs, const char *explicit_dir)
{
    static char env_copy[4096];
    dirs->count = 0;
    if (explicit_dir)
        dirs->dirs[dirs->count++] = explicit_dir;
    const char *env = getenv("HIVEHUNT_PLUGIN_PATH");
    if (env && *env) {
        snprintf(env_copy, sizeof env_copy, "%s", env);
        char *save = NULL;
        for (char *tok = strtok_r(env_copy, ":", &save); tok && dirs->count < 14;
             tok = strtok_r(NULL, ":", &save))
            dirs->dirs[dirs->count++] = tok;
    }
    if (!explicit_dir && !(env && *env)) {
        dirs->dirs[dirs->count++] = hh_default_plugin_dir();
    }
}

const hh_loaded_plugin *hh_plugins_find(const hh_plugin_set *set, const char *name)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i].desc->name, name) == 0)
            return &set->items[i];
    return NULL;
}

static int valid_plugin_name(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

int hh_plugin_load_file(hh_plugin_set *set, const char *path, char *err, size_t errlen)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load: %s", why ? why : "dlopen failed");
        return -1;
    }
    hh_plugin_entry_fn entry;
    *(void **)&entry = dlsym(h, HH_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        snprintf(err, errlen, "no %s symbol: not a hivehunt plugin", HH_PLUGIN_ENTRY_SYMBOL);
        dlclose(h);
        return -1;
    }
    const hh_plugin *d = entry();
    if (!d) {
        snprintf(err, errlen, "%s returned no descriptor", HH_PLUGIN_ENTRY_SYMBOL);
        dlclose(h);
        return -1;
    }
    if (d->abi_version != HH_PLUGIN_ABI_VERSION) {
        snprintf(err, errlen, "built for plugin ABI %u, this hivehunt speaks ABI %u",
                 d->abi_version, HH_PLUGIN_ABI_VERSION);
        dlclose(h);
        return -1;
    }
    /* Append-only: a descriptor built before later members were added is
     * served; one smaller than the first release is not. */
    if (d->struct_size < HH_PLUGIN_MIN_STRUCT_SIZE) {
        snprintf(err, errlen, "descriptor is %u bytes, ABI %u needs at least %zu", d->struct_size,
                 HH_PLUGIN_ABI_VERSION, (size_t)HH_PLUGIN_MIN_STRUCT_SIZE);
        dlclose(h);
        return -1;
    }
    if (d->lua_version_num != LUA_VERSION_NUM) {
        snprintf(err, errlen, "built for Lua %d, this hivehunt embeds Lua %d", d->lua_version_num,
                 LUA_VERSION_NUM);
        dlclose(h);
        return -1;
    }
    if (!valid_plugin_name(d->name) || !d->open_lua) {
        snprintf(err, errlen, "descriptor lacks a valid name or open_lua");
        dlclose(h);
        return -1;
    }
    if (hh_plugins_find(set, d->name)) {
        snprintf(err, errlen, "a plugin named '%s' is already loaded", d->name);
        dlclose(h);
        return -1;
    }
    if (d->init) {
        char why[512] = "";
        if (d->init(&host_api, why, sizeof why) != 0) {
            snprintf(err, errlen, "init failed: %s", why[0] ? why : "no reason given");
            if (d->shutdown)
                d->shutdown();
            dlclose(h);
            return -1;
        }
    }
    hh_loaded_plugin *grown = realloc(set->items, (set->count + 1) * sizeof *grown);
    if (!grown) {
        snprintf(err, errlen, "out of memory");
        if (d->shutdown)
            d->shutdown();
        dlclose(h);
        return -1;
    }
    set->items = grown;
    set->items[set->count].desc = d;
    set->items[set->count].handle = h;
    set->items[set->count].path = hh_strdup(path);
    set->count++;
    return 1;
}

void hh_plugins_load(hh_plugin_set *set, const hh_plugin_dirs *dirs)
{
    for (size_t d = 0; d < dirs->count; d++) {
        size_t n = 0;
        /* Loaded in name order so the outcome does not depend on the filesystem. */
        char **names = hh_dir_names_sorted(dirs->dirs[d], &n);
        if (!names)
            continue; /* a missing directory just holds no plugins */
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(names[i]);
            if (len < 4 || strcmp(names[i] + len - 3, ".so") != 0)
                continue;
            char *path = hh_join3(dirs->dirs[d], "/", names[i]);
            char err[600];
            if (path && hh_plugin_load_file(set, path, err, sizeof err) != 1) {
                fprintf(stderr, "hivehunt: plugin %s refused: %s\n", path, err);
                set->refused++;
            }
            free(path);
        }
        hh_names_free(names, n);
    }
}

void hh_plugins_unload(hh_plugin_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        if (set->items[i].desc->shutdown)
            set->items[i].desc->shutdown();
        dlclose(set->items[i].handle);
        free(set->items[i].path);
    }
    free(set->items);
    set->items = NULL;
    set->count = 0;
}

void hh_plugins_preload(const hh_plugin_set *set, lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (size_t i = 0; i < set->count; i++) {
        lua_pushcfunction(L, set->items[i].desc->open_lua);
        lua_pushfstring(L, "plugin.%s", set->items[i].desc->name);
        lua_insert(L, -2);
        lua_settable(L, -3);
    }
    lua_pop(L, 1);
}
