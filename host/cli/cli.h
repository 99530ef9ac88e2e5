/* The command line: subcommand dispatch and exit codes. */
#ifndef HH_CLI_H
#define HH_CLI_H

enum hh_exit {
    HH_EXIT_OK = 0,        /* ran, with or without findings */
    HH_EXIT_FINDINGS = 1,  /* findings at or above --fail-on */
    HH_EXIT_USAGE = 2,
    HH_EXIT_INPUT = 3,     /* missing, unreadable or not a hive */
    HH_EXIT_POLICY = 4
};

int hh_cli_main(int argc, char **argv);

/* One-line error "hivehunt: <what>: <why>" on stderr; control characters
 * in what/why are escaped so a hostile file name cannot drive the terminal. */
void hh_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hh_warning(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text of the last hh_error in this process ("" if none). */
const char *hh_last_error(void);
/* Parses [--plugin-dir DIR] [--help] up to the first argument (the plugins
 * and lua commands). -1 to go on, with *first_arg the index of the first
 * argument; otherwise the exit code (help printed, usage error). */
int hh_parse_plugin_dir_opts(int argc, char **argv, const char *usage_text, const char **plugin_dir,
                             int *first_arg);
/* The worse of two exit codes (usage > policy > input > findings > ok). */
int hh_exit_worst(int a, int b);

#endif
