/* Layer: cli. What several subcommands share: the options of the plugins
 * and lua commands. May call: diag.h, libc. */
#include "cmd_common.h"

#include <getopt.h>
#include <stdio.h>

#include "diag.h"

int hh_parse_plugin_dir_opts(int argc, char **argv, const char *usage_text, const char **plugin_dir,
                             int *first_arg)
{
    static const struct option opts[] = {
        {"plugin-dir", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    /* "+": stop at the first argument, which may be a script whose own
     * options follow it. */
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'P': *plugin_dir = optarg; break;
        case 'h':
            fputs(usage_text, stdout);
            return HH_EXIT_OK;
        default: return HH_EXIT_USAGE;
        }
    }
    *first_arg = optind;
    return -1;
}
