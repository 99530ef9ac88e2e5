/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hivehunt plugins [--plugin-dir DIR] */
#include <stdio.h>

#include "cmd_common.h"
#include "diag.h"
#include "commands.h"
#include "plugins.h"

static const char plugins_usage[] =
    "usage: hivehunt plugins [--plugin-dir DIR]\n"
    "Lists every plugin found (name, version, ABI, Lua, path); refused ones on stderr.\n";

int hh_cmd_plugins(int argc, char **argv)
{
    const char *plugin_dir = NULL;
    int first = 0;
    int parsed = hh_parse_plugin_dir_opts(argc, argv, plugins_usage, &plugin_dir, &first);
    if (parsed >= 0)
        return parsed;
    if (first < argc) {
        hh_error(NULL, "plugins takes no arguments ('%s')", argv[first]);
        return HH_EXIT_USAGE;
    }
    hh_plugin_dirs dirs;
    hh_plugin_dirs_default(&dirs, plugin_dir);
    hh_plugin_set set = {0};
    hh_plugins_load(&set, &dirs);
    printf("%-12s %-8s %-4s %-5s %s\n", "NAME", "VERSION", "ABI", "LUA", "PATH");
    for (size_t i = 0; i < set.count; i++) {
        const hh_plugin *d = set.items[i].desc;
        printf("%-12s %-8s %-4u %d.%d   %s\n", d->name, d->version ? d->version : "?", d->abi_version,
               d->lua_version_num / 100, d->lua_version_num % 100, set.items[i].path);
    }
    if (set.count == 0) {
        fprintf(stderr, "hivehunt: no plugins found in:");
        for (size_t i = 0; i < dirs.count; i++)
            fprintf(stderr, " %s", dirs.dirs[i]);
        fputc('\n', stderr);
    }
    hh_plugins_unload(&set);
    return HH_EXIT_OK;
}
