/* Layer: cli. May call: diag.h, hunt.h, isolate.h, lua (sandbox.h, policy.h), report, base. */
/* The options shared by hunt, services, list and case: defaults, the
 * command line, the hive list. */
#include "hunt.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "hive.h"
#include "policy.h"

void hh_hunt_opts_default(hh_hunt_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = HH_FMT_TABLE;
    o->fail_on = -1;
    o->replay = 1;
    o->plugin = "services";
    o->isolate = 1;
    hh_sandbox_limits_default(&o->sandbox);
    hh_isolate_limits_default(&o->isolate_limits);
}

int hh_parse_cli_time(const char *s, int64_t *out)
{
    int Y, M, D, h = 0, m = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10)
        return 0;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &m, &k) != 2 || k != 5)
            return 0;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &k) != 1 || k != 2)
                return 0;
            p += 1 + k;
            if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                    ;
        }
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0 || strcmp(p, "+0000") == 0)
        p += strlen(p);
    if (*p)
        return 0; /* other offsets: say so rather than guess */
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return 0;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 1;
}

/* ---- option parsing ------------------------------------------------------------- */

enum {
    OPT_SOFTWARE = 256, OPT_BASELINE, OPT_POLICY, OPT_FORMAT, OPT_OUTPUT, OPT_SINCE, OPT_UNTIL,
    OPT_FAIL_ON, OPT_NO_REPLAY, OPT_PLUGIN_DIR, OPT_PLUGIN, OPT_HOST, OPT_ARG, OPT_MAX_MEMORY,
    OPT_MAX_INSTR, OPT_TIMEOUT, OPT_NO_ISOLATE, OPT_JOBS, OPT_WATCH, OPT_WATCH_RUNS, OPT_LOG, OPT_HELP, OPT_MAX_CPU, OPT_READER
};

static int parse_positive(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0)
        return 0;
    *out = v;
    return 1;
}

int hh_hunt_parse(int argc, char **argv, hh_hunt_opts *o, const char **positional, int *npositional,
                  int max_positional, const char *usage_text)
{
    static const struct option opts[] = {
        {"software", required_argument, 0, OPT_SOFTWARE},
        {"baseline", required_argument, 0, OPT_BASELINE},
        {"policy", required_argument, 0, OPT_POLICY},
        {"format", required_argument, 0, OPT_FORMAT},
        {"output", required_argument, 0, OPT_OUTPUT},
        {"since", required_argument, 0, OPT_SINCE},
        {"until", required_argument, 0, OPT_UNTIL},
        {"fail-on", required_argument, 0, OPT_FAIL_ON},
        {"no-replay", no_argument, 0, OPT_NO_REPLAY},
        {"reader", required_argument, 0, OPT_READER},
        {"plugin-dir", required_argument, 0, OPT_PLUGIN_DIR},
        {"plugin", required_argument, 0, OPT_PLUGIN},
        {"host", required_argument, 0, OPT_HOST},
        {"arg", required_argument, 0, OPT_ARG},
        {"max-memory", required_argument, 0, OPT_MAX_MEMORY},
        {"max-instructions", required_argument, 0, OPT_MAX_INSTR},
        {"max-cpu", required_argument, 0, OPT_MAX_CPU},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"no-isolate", no_argument, 0, OPT_NO_ISOLATE},
        {"jobs", required_argument, 0, OPT_JOBS},
        {"watch", no_argument, 0, OPT_WATCH},
        {"log", required_argument, 0, OPT_LOG},
        {"watch-runs", required_argument, 0, OPT_WATCH_RUNS},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, OPT_HELP},
        {0, 0, 0, 0}};
    *npositional = 0;
    optind = 1;
    int c;
    long long v;
    /* Leading '-': positional arguments come back as 1, in order, so
     * options may follow the hive. */
    while ((c = getopt_long(argc, argv, "-o:f:v", opts, NULL)) != -1) {
        switch (c) {
        case 1:
            if (*npositional >= max_positional) {
                hh_error(NULL, "%s: unexpected argument '%s'", argv[0], optarg);
                return HH_EXIT_USAGE;
            }
            positional[(*npositional)++] = optarg;
            break;
        case OPT_SOFTWARE: o->software = optarg; break;
        case 'v': o->verbose = 1; break;
        case OPT_BASELINE: o->baseline = optarg; break;
        case OPT_POLICY:
            if (o->npolicies >= HH_MAX_POLICIES) {
                hh_error(NULL, "at most %d --policy files", HH_MAX_POLICIES);
                return HH_EXIT_USAGE;
            }
            o->policies[o->npolicies++] = optarg;
            break;
        case 'f':
        case OPT_FORMAT:
            if (!hh_format_parse(optarg, &o->format)) {
                hh_error(NULL, "unknown --format '%s' (table, csv, jsonl, tln, html)", optarg);
                return HH_EXIT_USAGE;
            }
            break;
        case 'o':
        case OPT_OUTPUT: o->output = optarg; break;
        case OPT_SINCE:
        case OPT_UNTIL: {
            int64_t t;
            if (!hh_parse_cli_time(optarg, &t)) {
                hh_error(NULL, "--%s '%s' is not an ISO 8601 UTC time (e.g. 2026-10-14T02:10:00Z)",
                         c == OPT_SINCE ? "since" : "until", optarg);
                return HH_EXIT_USAGE;
            }
            if (c == OPT_SINCE) { o->since = t; o->has_since = 1; }
            else { o->until = t; o->has_until = 1; }
            break;
        }
        case OPT_FAIL_ON:
            if ((o->fail_on = hh_severity_rank(optarg)) < 0) {
                hh_error(NULL, "--fail-on '%s' is not a severity (info, low, medium, high, critical)", optarg);
                return HH_EXIT_USAGE;
            }
            break;
        case OPT_NO_REPLAY: o->replay = 0; break;
        case OPT_READER:
            if ((o->reader = hh_reader_parse(optarg)) < 0) {
                hh_error(NULL, "unknown --reader '%s' (cells, libregf)", optarg);
                return HH_EXIT_USAGE;
            }
            break;
        case OPT_PLUGIN_DIR: o->plugin_dir = optarg; break;
        case OPT_PLUGIN:
            if (o->nplugins >= sizeof o->plugins / sizeof o->plugins[0]) {
                hh_error(NULL, "at most %zu --plugin options", sizeof o->plugins / sizeof o->plugins[0]);
                return HH_EXIT_USAGE;
            }
            o->plugins[o->nplugins++] = optarg;
            o->plugin = o->plugins[0];
            break;
        case OPT_HOST: o->host = optarg; break;
        case OPT_ARG:
            if (!strchr(optarg, '=') || !strchr(optarg, '.') || strchr(optarg, '.') > strchr(optarg, '=')) {
                hh_error(NULL, "--arg '%s' must read POLICY.KEY=VALUE (e.g. services.cluster_window=3600)", optarg);
                return HH_EXIT_USAGE;
            }
            if (o->nargs >= HH_MAX_ARGS) {
                hh_error(NULL, "at most %d --arg options", HH_MAX_ARGS);
                return HH_EXIT_USAGE;
            }
            o->args[o->nargs++] = optarg;
            break;
        case OPT_MAX_MEMORY:
            if (!parse_positive(optarg, &v) || v > 1 << 20) {
                hh_error(NULL, "--max-memory takes mebibytes (a positive number)");
                return HH_EXIT_USAGE;
            }
            o->sandbox.memory_bytes = (size_t)v << 20;
            break;
        case OPT_MAX_INSTR:
            if (!parse_positive(optarg, &v)) {
                hh_error(NULL, "--max-instructions takes a positive number");
                return HH_EXIT_USAGE;
            }
            o->sandbox.instructions = v;
            break;
        case OPT_MAX_CPU: {
            char *end;
            errno = 0;
            double s = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(s >= 0.001 && s <= 86400)) {
                hh_error(NULL, "--max-cpu takes seconds (0.001 to 86400)");
                return HH_EXIT_USAGE;
            }
            o->sandbox.cpu_seconds = s;
            break;
        }
        case OPT_TIMEOUT:
            if (!parse_positive(optarg, &v) || v > 86400) {
                hh_error(NULL, "--timeout takes seconds (1 to 86400)");
                return HH_EXIT_USAGE;
            }
            o->isolate_limits.wall_seconds = (int)v;
            if (o->isolate_limits.cpu_seconds > (int)v)
                o->isolate_limits.cpu_seconds = (int)v;
            break;
        case OPT_NO_ISOLATE: o->isolate = 0; break;
        case OPT_WATCH: o->watch = 1; break;
        case OPT_LOG:
            if (o->nlogs >= sizeof o->logs / sizeof o->logs[0]) {
                hh_error(NULL, "at most %zu --log files", sizeof o->logs / sizeof o->logs[0]);
                return HH_EXIT_USAGE;
            }
            o->logs[o->nlogs++] = optarg;
            break;
        case OPT_WATCH_RUNS:
            if (!parse_positive(optarg, &v) || v > 1000000) {
                hh_error(NULL, "--watch-runs takes a positive number");
                return HH_EXIT_USAGE;
            }
            o->watch_runs = (int)v;
            break;
        case OPT_JOBS:
            if (!parse_positive(optarg, &v) || v > 1024) {
                hh_error(NULL, "--jobs takes a number of processes (1 to 1024)");
                return HH_EXIT_USAGE;
            }
            o->jobs = (int)v;
            break;
        case OPT_HELP:
            fputs(usage_text, stdout);
            return HH_EXIT_OK;
        default:
            return HH_EXIT_USAGE;
        }
    }
    if (o->has_since && o->has_until && o->since > o->until) {
        hh_error(NULL, "--since is after --until");
        return HH_EXIT_USAGE;
    }
    o->color = o->format == HH_FMT_TABLE && !o->output && isatty(STDOUT_FILENO);
    return -1;
}

int hh_hunt_opts_add_hive(hh_hunt_opts *o, const char *path, int soft)
{
    if (o->nhives >= HH_HUNT_MAX_HIVES)
        return 0;
    o->hive_soft[o->nhives] = (unsigned char)(soft != 0);
    o->hives[o->nhives++] = path;
    return 1;
}
