#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "commands.h"
#include "escape.h"

/* Names in messages come from the evidence: escaped as the table report
 * escapes them (C0, DEL, C1, bidi controls, invalid UTF-8), so a key name
 * cannot drive or reorder the terminal through stderr either. */
static void fput_escaped(FILE *f, const char *s)
{
    hh_buf b;
    hh_buf_init(&b);
    hh_esc_term(&b, s, strlen(s), 0);
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    hh_buf_free(&b);
}

static char last_error[2048];

const char *hh_last_error(void) { return last_error; }

static void vreport(const char *kind, const char *what, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    /* A longer message is kept cut: it only names the error for callers. */
    if (!kind && snprintf(last_error, sizeof last_error, "%s%s%s", what ? what : "", what ? ": " : "", buf) < 0)
        last_error[0] = '\0';
    fputs("hivehunt: ", stderr);
    if (kind)
        fputs(kind, stderr);
    if (what) {
        fput_escaped(stderr, what);
        fputs(": ", stderr);
    }
    fput_escaped(stderr, buf);
    fputc('\n', stderr);
}

void hh_error(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(NULL, what, fmt, ap);
    va_end(ap);
}

void hh_warning(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning: ", what, fmt, ap);
    va_end(ap);
}

int hh_exit_worst(int a, int b)
{
    static const int rank[] = {0, 1, 4, 2, 3}; /* by exit code: ok, findings, usage, input, policy */
    int ra = (a >= 0 && a <= 4) ? rank[a] : 5;
    int rb = (b >= 0 && b <= 4) ? rank[b] : 5;
    return ra >= rb ? a : b;
}

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

static void usage(FILE *f)
{
    fputs("usage: hivehunt COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n", f);
    for (const hh_command *c = hh_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\n"
          "exit codes: 0 ran, 1 findings at or above --fail-on, 2 usage error,\n"
          "            3 input error, 4 policy error\n"
          "'hivehunt COMMAND --help' describes a command.\n", f);
}

int hh_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HH_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return HH_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("hivehunt %s (plugin ABI %d, %s)\n", HH_VERSION, HH_PLUGIN_ABI_VERSION, LUA_RELEASE);
        return HH_EXIT_OK;
    }
    for (const hh_command *c = hh_commands; c->name; c++)
        if (strcmp(c->name, cmd) == 0)
            return c->run(argc - 1, argv + 1);
    hh_error(NULL, "unknown command '%s' (try 'hivehunt --help')", cmd);
    return HH_EXIT_USAGE;
}
