/* hivehunt plugins [--plugin-dir DIR] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "plugins.h"

int hh_cmd_plugins(int argc, char **argv)
{
    static const struct option opts[] = {
        {"plugin-dir", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *plugin_dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'P': plugin_dir = optarg; break;
        case 'h':
            puts("usage: hivehunt plugins [--plugin-dir DIR]\n"
                 "Lists every plugin found (name, version, ABI, Lua, path); refused ones on stderr.");
            return HH_EXIT_OK;
        default: return HH_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        hh_error(NULL, "plugins takes no arguments ('%s')", argv[optind]);
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
