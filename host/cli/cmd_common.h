/* Layer: cli (cmd_common.c): what several subcommands share. */
#ifndef HH_CMD_COMMON_H
#define HH_CMD_COMMON_H

/* Parses [--plugin-dir DIR] [--help] up to the first argument (the plugins
 * and lua commands). -1 to go on, with *first_arg the index of the first
 * argument; otherwise the exit code (help printed, usage error). */
int hh_parse_plugin_dir_opts(int argc, char **argv, const char *usage_text, const char **plugin_dir,
                             int *first_arg);
#endif
