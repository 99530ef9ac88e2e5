/* Layer: cli, hunt orchestration. May call: watch.h, isolate.h, diag.h,
 * lua, report, hive, base. */
#include "hunt.h"

#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "diag.h"
#include "escape.h"
#include "hive.h"
#include "case.h"
#include "hunt_hives.h"
#include "plugin_plan.h"
#include "luaenv.h"
#include "plugins.h"
#include "policy.h"
#include "regf_lua.h"
#include "util.h"
#include "watch.h"

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

int hh_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
    if (!path || strcmp(path, "-") == 0) {
        if (len && fwrite(data, 1, len, stdout) != len) {
            snprintf(err, errlen, "cannot write to standard output: %s", strerror(errno));
            return -1;
        }
        fflush(stdout);
        return 1;
    }
    char *tmp = hh_join3(path, ".", "partial-XXXXXX");
    if (!tmp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            unlink(tmp);
            free(tmp);
            return -1;
        }
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 1;
}

/* ---- option parsing ------------------------------------------------------------- */

enum {
    OPT_SOFTWARE = 256, OPT_BASELINE, OPT_POLICY, OPT_FORMAT, OPT_OUTPUT, OPT_SINCE, OPT_UNTIL,
    OPT_FAIL_ON, OPT_NO_REPLAY, OPT_PLUGIN_DIR, OPT_PLUGIN, OPT_HOST, OPT_ARG, OPT_MAX_MEMORY,
    OPT_MAX_INSTR, OPT_TIMEOUT, OPT_NO_ISOLATE, OPT_JOBS, OPT_WATCH, OPT_WATCH_RUNS, OPT_LOG, OPT_HELP
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
        {"plugin-dir", required_argument, 0, OPT_PLUGIN_DIR},
        {"plugin", required_argument, 0, OPT_PLUGIN},
        {"host", required_argument, 0, OPT_HOST},
        {"arg", required_argument, 0, OPT_ARG},
        {"max-memory", required_argument, 0, OPT_MAX_MEMORY},
        {"max-instructions", required_argument, 0, OPT_MAX_INSTR},
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

/* ---- the hunt itself (runs in the child) ------------------------------------------- */

static void print_hive_warnings(hh_hive *h)
{
    for (size_t i = 0; i < hh_hive_warning_count(h); i++)
        hh_warning(hh_hive_get_info(h)->path, "%s", hh_hive_warning(h, i));
}

/* Opens a hive of the expected kind; prints the one-line error itself. */
static int open_kind(const char *path, int kind, const hh_hunt_opts *o, const char *role, hh_hive **out)
{
    hh_open_options opts;
    hh_open_options_default(&opts);
    opts.replay = o->replay;
    if (o->nlogs && path == o->system) {
        opts.logs = o->logs;
        opts.nlogs = o->nlogs;
    }
    char err[HH_ERRLEN];
    if (hh_hive_open(path, &opts, out, err, sizeof err) != 1) {
        hh_error(path, "%s", err);
        return -1;
    }
    int got = hh_hive_get_info(*out)->kind;
    if (got != kind) {
        hh_error(path, "given as %s but it is a %s hive", role, hh_hive_kind_name(got));
        hh_hive_close(out);
        return -1;
    }
    print_hive_warnings(*out);
    return 1;
}

static int file_is_hive(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char sig[4] = {0};
    size_t n = fread(sig, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(sig, "regf", 4) == 0;
}

/* Calls the plugin's collect with the values at arg1 and arg2 (0: nil):
 * collect(system, software) for a plugin from before the hive masks,
 * collect(hives) for one that declares them. Pushes the input table. */
static int plugin_collect(lua_State *L, int plugin_ref, int arg1, int arg2, const char *label, const char *name)
{
    lua_pushcfunction(L, hh_lua_traceback);
    int h = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, plugin_ref);
    if (lua_getfield(L, -1, "collect") != LUA_TFUNCTION) {
        hh_error(NULL, "plugin %s has no collect function", name);
        lua_settop(L, h - 1);
        return -1;
    }
    lua_remove(L, -2);
    lua_pushvalue(L, arg1);
    if (arg2)
        lua_pushvalue(L, arg2);
    else
        lua_pushnil(L);
    if (lua_pcall(L, 2, 1, h) != LUA_OK || !lua_istable(L, -1)) {
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "collect returned no table";
        char line[512];
        snprintf(line, sizeof line, "%s", msg);
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        hh_error(label, "cannot extract %s: %s", name, line);
        lua_settop(L, h - 1);
        return -1;
    }
    lua_remove(L, h);
    /* Extraction warnings go to stderr at once. */
    if (lua_getfield(L, -1, "warnings") == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_isstring(L, -1))
                hh_warning(label, "%s", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 1;
}

/* Loads the baseline rows (a golden hive, or a saved services jsonl) and
 * pushes { rows = ..., source = path }. Prints the one-line error itself
 * and returns the exit code on failure. */
static int load_baseline(hh_sandbox *sb, int plugin_ref, const hh_hunt_opts *o)
{
    lua_State *L = hh_sandbox_state(sb);
    char err[1024];
    if (file_is_hive(o->baseline)) {
        hh_hive *g = NULL;
        if (open_kind(o->baseline, HH_HIVE_SYSTEM, o, "a baseline SYSTEM", &g) != 1)
            return HH_EXIT_INPUT;
        hh_lua_push_hive(L, g);
        int gi = lua_gettop(L);
        if (plugin_collect(L, plugin_ref, gi, 0, o->baseline, "services") != 1)
            return HH_EXIT_INPUT;
        lua_remove(L, gi);
    } else {
        size_t len;
        char *text = hh_read_text_file(o->baseline, (size_t)256 << 20, &len, err, sizeof err);
        if (!text) {
            hh_error(o->baseline, "%s", err);
            return HH_EXIT_INPUT;
        }
        /* The export is untrusted text too: decode it inside the sandbox. */
        hh_sandbox_push_env(sb);
        lua_getfield(L, -1, "require");
        lua_remove(L, -2);
        lua_pushliteral(L, "hh.json");
        if (hh_sandbox_pcall(sb, 1, 1, err, sizeof err) != 1) {
            free(text);
            hh_error(NULL, "cannot load the JSON decoder: %s", err);
            return HH_EXIT_POLICY;
        }
        lua_getfield(L, -1, "decode_lines");
        lua_remove(L, -2);
        lua_pushlstring(L, text, len);
        free(text);
        if (hh_sandbox_pcall(sb, 1, 2, err, sizeof err) != 1) {
            hh_error(o->baseline, "not a hive and not a services jsonl export: %s", err);
            return HH_EXIT_INPUT;
        }
        if (!lua_istable(L, -2)) {
            hh_error(o->baseline, "not a hive and not a services jsonl export: %s",
                     lua_isstring(L, -1) ? lua_tostring(L, -1) : "no rows");
            lua_pop(L, 2);
            return HH_EXIT_INPUT;
        }
        lua_pop(L, 1);
        lua_newtable(L);
        lua_insert(L, -2);
        lua_setfield(L, -2, "rows");
    }
    lua_pushstring(L, o->baseline);
    lua_setfield(L, -2, "source");
    return -1;
}

/* args for one policy: --arg NAME.key=value with NAME = the policy name. */
static void push_policy_args(lua_State *L, const hh_hunt_opts *o, const char *policy_name)
{
    lua_newtable(L);
    size_t plen = strlen(policy_name);
    for (size_t i = 0; i < o->nargs; i++) {
        const char *a = o->args[i];
        if (strncmp(a, policy_name, plen) != 0 || a[plen] != '.')
            continue;
        const char *eq = strchr(a, '=');
        lua_pushlstring(L, a + plen + 1, (size_t)(eq - (a + plen + 1)));
        lua_pushstring(L, eq + 1);
        lua_settable(L, -3);
    }
}

static void set_str(lua_State *L, int t, const char *k, const char *v)
{
    if (!v)
        return;
    lua_pushstring(L, v);
    lua_setfield(L, t, k);
}

/* Host-owned fields every finding carries: the plugin, the hive the
 * plugin's input names (input.hive.path) when the policy left it out, and
 * the timeline fields. */
static void enrich_findings(lua_State *L, int idx, int input, const char *plugin)
{
    const char *hive = NULL;
    int top = lua_gettop(L);
    /* Left on the stack until the end, which keeps the string alive. */
    if (lua_getfield(L, input, "hive") == LUA_TTABLE && lua_getfield(L, -1, "path") == LUA_TSTRING)
        hive = lua_tostring(L, -1);
    const char *desc = strcmp(plugin, "services") == 0 ? "Service key last written" : "Key last written";
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int f = lua_gettop(L);
        if (lua_getfield(L, f, "hive") == LUA_TNIL)
            set_str(L, f, "hive", hive);
        lua_pop(L, 1);
        if (lua_getfield(L, f, "plugin") == LUA_TNIL)
            set_str(L, f, "plugin", plugin);
        lua_pop(L, 1);
        if (lua_getfield(L, f, "datetime") == LUA_TNIL) {
            if (lua_getfield(L, f, "last_write") == LUA_TSTRING)
                lua_setfield(L, f, "datetime");
            else
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, f, "timestamp_desc") == LUA_TNIL) {
            lua_pushstring(L, desc);
            lua_setfield(L, f, "timestamp_desc");
        }
        lua_pop(L, 1);
        lua_pop(L, 1);
    }
    lua_settop(L, top);
}

static int row_newer(lua_State *L)
{
    /* table.sort comparator for rows: newest LastWrite first, then name,
     * then control set. */
    const char *k[] = {"last_write", "name", "control_set"};
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, 1, k[i]);
        lua_getfield(L, 2, k[i]);
        const char *a = lua_tostring(L, -2), *b = lua_tostring(L, -1);
        int c = strcmp(a ? a : "", b ? b : "");
        lua_pop(L, 2);
        if (c) {
            lua_pushboolean(L, i == 0 ? c > 0 : c < 0);
            return 1;
        }
    }
    lua_pushboolean(L, 0);
    return 1;
}

static void sort_rows(lua_State *L, int rows_idx)
{
    rows_idx = lua_absindex(L, rows_idx);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, rows_idx);
    lua_pushcfunction(L, row_newer);
    lua_call(L, 2, 0);
}

static int max_severity(lua_State *L, int idx)
{
    int worst = -1;
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        lua_getfield(L, -1, "severity");
        int r = hh_severity_rank(lua_tostring(L, -1));
        if (r > worst)
            worst = r;
        lua_pop(L, 2);
    }
    return worst;
}

static void now_iso(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Builds the meta table of the report. */
static void push_meta(lua_State *L, const hh_hunt_opts *o, hh_hive *sys, int input_idx, const hh_hive_set *set,
                      const hh_plugin_plan *plan)
{
    lua_newtable(L);
    int m = lua_gettop(L);
    const hh_hive_info *in = hh_hive_get_info(sys);
    if (o->host) {
        set_str(L, m, "host", o->host);
    } else if (input_idx) {
        if (lua_getfield(L, input_idx, "hive") == LUA_TTABLE) {
            if (lua_getfield(L, -1, "computer_name") == LUA_TSTRING)
                lua_setfield(L, m, "host");
            else
                lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    set_str(L, m, "hive", in->path);
    set_str(L, m, "hive_kind", hh_hive_kind_name(in->kind));
    lua_pushboolean(L, in->dirty);
    lua_setfield(L, m, "dirty");
    lua_pushboolean(L, in->replayed);
    lua_setfield(L, m, "replayed");
    lua_pushinteger(L, in->log_entries_applied);
    lua_setfield(L, m, "log_entries_applied");
    set_str(L, m, "software", o->software);
    set_str(L, m, "baseline", o->baseline);
    lua_newtable(L);
    for (size_t i = 0; i < hh_hive_warning_count(sys); i++) {
        lua_pushstring(L, hh_hive_warning(sys, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "warnings");
    set_str(L, m, "tool", "hivehunt " HH_VERSION);
    lua_pushboolean(L, o->verbose);
    lua_setfield(L, m, "verbose");
    /* Every hive of the run, the plugins run (report order) and skipped. */
    lua_createtable(L, (int)set->n, 0);
    for (size_t i = 0; i < set->n; i++) {
        const hh_hive_info *hi = hh_hive_get_info(set->items[i].hive);
        lua_createtable(L, 0, 3);
        int e = lua_gettop(L);
        set_str(L, e, "path", hi->path);
        set_str(L, e, "kind", hh_hive_kind_name(hi->kind));
        if (hi->user[0])
            set_str(L, e, "user", hi->user);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "hives");
    lua_createtable(L, (int)plan->n + 1, 0);
    for (size_t i = 0; i < plan->n; i++) {
        lua_pushstring(L, plan->items[i].plugin->desc->name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "plugins");
    lua_createtable(L, (int)plan->nskipped, 0);
    for (size_t i = 0; i < plan->nskipped; i++) {
        lua_pushstring(L, plan->skipped[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "skipped");
    lua_createtable(L, (int)set->nfailed, 0);
    for (size_t i = 0; i < set->nfailed; i++) {
        lua_pushstring(L, set->failed[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, m, "failed_hives");
    if (o->format == HH_FMT_HTML) {
        char t[40];
        now_iso(t, sizeof t);
        set_str(L, m, "generated", t);
    }
}

void hh_frame_write(FILE *out, const char *name, const char *data, size_t len)
{
    fprintf(out, "HHFRAME %s %zu\n", name, len);
    fwrite(data, 1, len, out);
}

/* The case runner's summary of one host, as "key\tvalue" lines; string
 * values are percent-escaped so no byte can break the framing. */
void hh_frame_escape(hh_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '%')
            hh_buf_printf(b, "%%%02X", *p);
        else
            hh_buf_putc(b, (char)*p);
    }
}

static void summary_text(lua_State *L, int report, int code, hh_buf *b)
{
    static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
    long counts[5] = {0};
    long total = 0, rows = 0;
    if (lua_getfield(L, report, "findings") == LUA_TTABLE) {
        total = (long)lua_rawlen(L, -1);
        for (long i = 1; i <= total; i++) {
            lua_rawgeti(L, -1, i);
            lua_getfield(L, -1, "severity");
            int r = hh_severity_rank(lua_tostring(L, -1));
            if (r >= 0)
                counts[r]++;
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
    /* services: the service rows, when the services plugin's rows are the report's */
    lua_getfield(L, report, "rows_plugin");
    int svc_rows = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "services") == 0;
    lua_pop(L, 1);
    if (svc_rows && lua_getfield(L, report, "rows") == LUA_TTABLE)
        rows = (long)lua_rawlen(L, -1);
    if (svc_rows)
        lua_pop(L, 1);
    lua_getfield(L, report, "meta");
    int m = lua_gettop(L);
    if (lua_getfield(L, m, "host") == LUA_TSTRING) {
        hh_buf_puts(b, "computer_name\t");
        hh_frame_escape(b, lua_tostring(L, -1));
        hh_buf_putc(b, '\n');
    }
    lua_pop(L, 1);
    lua_getfield(L, m, "dirty");
    int dirty = lua_toboolean(L, -1);
    lua_getfield(L, m, "replayed");
    int replayed = lua_toboolean(L, -1);
    lua_pop(L, 3);
    hh_buf_printf(b, "exit_code\t%d\nservices\t%ld\nfindings\t%ld\ndirty\t%d\nreplayed\t%d\n", code, rows,
                  total, dirty, replayed);
    for (int i = 0; i < 5; i++)
        hh_buf_printf(b, "%s\t%ld\n", sev[i], counts[i]);
    /* Findings by plugin, every plugin run (0 included), and the hives left out. */
    lua_getfield(L, report, "meta");
    m = lua_gettop(L);
    if (lua_getfield(L, m, "plugins") == LUA_TTABLE) {
        int plugins = lua_gettop(L);
        lua_getfield(L, report, "findings");
        int fs = lua_istable(L, -1) ? lua_gettop(L) : 0;
        lua_Integer np = (lua_Integer)lua_rawlen(L, plugins);
        for (lua_Integer p = 0; p <= np; p++) {
            /* p 0: the correlation policy, which is no plugin of meta.plugins */
            const char *name = "correlate";
            if (p > 0) {
                lua_rawgeti(L, plugins, p);
                name = lua_tostring(L, -1);
                lua_pop(L, 1); /* meta.plugins keeps the string */
            }
            long n = 0;
            for (lua_Integer i = 1; fs && name && i <= (lua_Integer)lua_rawlen(L, fs); i++) {
                lua_rawgeti(L, fs, i);
                lua_getfield(L, -1, "plugin");
                n += lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), name) == 0;
                lua_pop(L, 2);
            }
            if (name && (p > 0 || n > 0)) {
                hh_buf_puts(b, "by_plugin\t");
                hh_frame_escape(b, name);
                hh_buf_printf(b, "=%ld\n", n);
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, m, "failed_hives") == LUA_TTABLE) {
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
            lua_rawgeti(L, -1, i);
            hh_buf_puts(b, "failed_hive\t");
            hh_frame_escape(b, lua_tostring(L, -1));
            hh_buf_putc(b, '\n');
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 2);
}

static int write_frames(lua_State *L, int report, const hh_hunt_opts *o, FILE *out, int code)
{
    char err[1024];
    for (size_t i = 0; i < o->nframe_formats; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem) {
            hh_error(o->system, "cannot buffer the report");
            return HH_EXIT_INPUT;
        }
        int rc = hh_report_write(L, report, o->frame_formats[i], mem, 0, err, sizeof err);
        fclose(mem);
        if (rc != 1) {
            free(buf);
            hh_error(o->system, "cannot write the report: %s", err);
            return HH_EXIT_INPUT;
        }
        hh_frame_write(out, hh_format_name(o->frame_formats[i]), buf, len);
        free(buf);
    }
    hh_buf b;
    hh_buf_init(&b);
    summary_text(L, report, code, &b);
    hh_frame_write(out, "summary", b.data, b.len);
    hh_buf_free(&b);
    return code;
}

void hh_policy_search_dirs(const hh_hunt_opts *o, const char **dirs, size_t *n, char *xdg, size_t xdglen)
{
    *n = 0;
    dirs[(*n)++] = hh_lua_dir();
    const char *x = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (x && *x)
        snprintf(xdg, xdglen, "%s/hivehunt", x);
    else if (home && *home)
        snprintf(xdg, xdglen, "%s/.config/hivehunt", home);
    else
        xdg[0] = '\0';
    if (xdg[0])
        dirs[(*n)++] = xdg;
    if (o->case_dir)
        dirs[(*n)++] = o->case_dir;
}

const char *hh_policy_target(const char *spec)
{
    /* "tasks=mine.lua": a plugin name (as plugins.c allows) then '='. */
    const char *p = spec;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
        p++;
    return *p == '=' && p > spec && p - spec <= 64 ? p : NULL;
}

static int regular_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

size_t hh_policy_layer_files(const hh_hunt_opts *o, const char *plugin, const char **files, char store[2][4200])
{
    size_t n = 0;
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024];
    hh_policy_search_dirs(o, dirs, &ndirs, xdg, sizeof xdg);
    /* dirs[0] is the shipped Lua: its policy is layer 0, not a file layer. */
    for (size_t i = 1; i < ndirs && n < 2; i++) {
        snprintf(store[n], sizeof store[n], "%s/%s.lua", dirs[i], plugin);
        if (regular_file(store[n])) {
            files[n] = store[n];
            n++;
        }
    }
    for (size_t i = 0; i < o->npolicies && n < HH_MAX_POLICY_LAYERS - 1; i++) {
        const char *f = o->policies[i];
        const char *eq = hh_policy_target(f);
        if (eq ? (strncmp(f, plugin, (size_t)(eq - f)) == 0 && plugin[eq - f] == '\0')
               : strcmp(plugin, o->plugin) == 0)
            files[n++] = eq ? eq + 1 : f;
    }
    return n;
}

int hh_run_policy(hh_sandbox *sb, const hh_hunt_opts *o, int input, const char *plugin, char *err, size_t errlen)
{
    lua_State *L = hh_sandbox_state(sb);
    hh_policy_chain chain;
    const char *files[HH_MAX_POLICY_LAYERS];
    char store[2][4200];
    size_t nfiles = hh_policy_layer_files(o, plugin, files, store);
    if (hh_policy_chain_load(sb, plugin, files, nfiles, &chain, err, errlen) != 1)
        return -1;
    hh_policy *pol = &chain.layers[chain.n - 1];
    push_policy_args(L, o, pol->name);
    int args = lua_gettop(L);
    lua_pushvalue(L, args);
    lua_setfield(L, input, "args");
    int rc = hh_policy_evaluate(sb, pol, input, args, err, errlen);
    hh_policy_chain_release(sb, &chain);
    if (rc != 1) {
        lua_pop(L, 1);
        return -1;
    }
    lua_remove(L, args);
    int all = lua_gettop(L);
    enrich_findings(L, all, input, plugin);
    hh_findings_sort(L, all);
    return 1;
}

typedef struct hunt_state {
    hh_plugin_set plugins;
    hh_sandbox *sb;
    hh_hive_set hives;
    hh_plugin_plan plan;
} hunt_state;

/* The kinds any installed plugin reads. */
static uint32_t installed_reads(const hh_plugin_set *set)
{
    uint32_t m = 0;
    for (size_t i = 0; i < set->count; i++) {
        uint32_t req, opt;
        int legacy;
        hh_plugin_kinds(set->items[i].desc, &req, &opt, &legacy);
        m |= req | opt;
    }
    return m;
}

/* Picks the plugins for the hives given and says which were left out. A
 * hive no installed plugin reads is a usage error (a note in case runs).
 * Returns -1 to go on, or an exit code. */
static int plan_plugins(hunt_state *st, const hh_hunt_opts *o)
{
    char err[1024];
    const char *only[1] = {o->plugin};
    /* list/services read one plugin; --watch re-runs one policy: the
     * primary plugin's unless --plugin names it. */
    int one = o->services_only || (o->watch && !o->nplugins);
    const char *const *names = one ? only : o->plugins;
    size_t nnames = one ? 1 : o->nplugins;
    if (hh_plugin_plan_make(&st->plugins, st->hives.present, names, nnames, &st->plan, err, sizeof err) != 1) {
        hh_error(NULL, "%s", err);
        return HH_EXIT_USAGE;
    }
    if (o->services_only && st->plan.n == 0) {
        /* list/services name their plugin: hives it cannot read are the
         * input's fault, as a non-SYSTEM hive given as SYSTEM always was. */
        char kinds[120];
        hh_kind_mask_text(st->hives.present, kinds, sizeof kinds);
        hh_error(o->system, "given to the %s plugin, which cannot read it (%s): %s", o->plugin, kinds,
                 st->plan.nskipped ? strchr(st->plan.skipped[0], ':') + 2 : "no reason");
        return HH_EXIT_INPUT;
    }
    for (size_t i = 0; i < st->plan.nskipped; i++)
        hh_warning(NULL, "plugin %s", st->plan.skipped[i]);
    uint32_t reads = installed_reads(&st->plugins);
    for (size_t i = 0; i < st->hives.n; i++) {
        const hh_hunt_hive *h = &st->hives.items[i];
        /* A hive of untold kind standing in for SYSTEM is read as one. */
        int kind = (int)i == st->hives.system ? HH_HIVE_SYSTEM : h->kind;
        if (kind != HH_HIVE_OTHER && (reads & HH_HIVE_BIT(kind)))
            continue;
        if (o->lenient_kinds) {
            hh_warning(h->path, "a hive of kind %s, which no installed plugin reads: left out", hh_hive_kind_name(h->kind));
            continue;
        }
        hh_error(h->path, "a hive of kind %s, which no installed plugin reads (see 'hivehunt plugins')",
                 hh_hive_kind_name(h->kind));
        return HH_EXIT_USAGE;
    }
    if (st->plan.n == 0) {
        char kinds[120];
        hh_kind_mask_text(st->hives.present, kinds, sizeof kinds);
        hh_error(o->lenient_kinds ? o->system : NULL,
                 "no plugin runs over the hives given (%s): each one skipped says why above", kinds);
        /* In a case the hives were found, not given: the evidence is what falls short. */
        return o->lenient_kinds ? HH_EXIT_INPUT : HH_EXIT_USAGE;
    }
    return -1;
}

static int string_less(lua_State *L)
{
    lua_pushboolean(L, strcmp(luaL_checkstring(L, 1), luaL_checkstring(L, 2)) < 0);
    return 1;
}

/* Pushes the field names report.rows hold: the locating fields first, the
 * rest in byte order. */
static void push_row_columns(lua_State *L, int report)
{
    static const char *const first[] = {"name", "hive", "hive_kind", "user", "key", "value", "last_write"};
    lua_newtable(L);
    int seen = lua_gettop(L);
    lua_getfield(L, report, "rows");
    int rows = lua_gettop(L);
    lua_Integer n = lua_istable(L, rows) ? (lua_Integer)lua_rawlen(L, rows) : 0;
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, rows, i) == LUA_TTABLE) {
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                if (lua_type(L, -1) == LUA_TSTRING) {
                    lua_pushvalue(L, -1);
                    lua_pushboolean(L, 1);
                    lua_rawset(L, seen);
                }
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    int out = lua_gettop(L);
    lua_Integer k = 0;
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) {
        if (lua_getfield(L, seen, first[i]) != LUA_TNIL) {
            lua_pushstring(L, first[i]);
            lua_rawseti(L, out, ++k);
            lua_pushnil(L);
            lua_setfield(L, seen, first[i]);
        }
        lua_pop(L, 1);
    }
    lua_newtable(L);
    int rest = lua_gettop(L);
    lua_Integer r = 0;
    lua_pushnil(L);
    while (lua_next(L, seen)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, rest, ++r);
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, rest);
    lua_pushcfunction(L, string_less);
    lua_call(L, 2, 0);
    lua_pop(L, 1);
    for (lua_Integer i = 1; i <= r; i++) {
        lua_rawgeti(L, rest, i);
        lua_rawseti(L, out, ++k);
    }
    lua_pop(L, 1);
    lua_remove(L, seen);
}

/* The plugin's only hive among those given, when it reads exactly one. */
static const hh_hunt_hive *only_hive(const hh_hive_set *set, const hh_plan_item *it)
{
    const hh_hunt_hive *one = NULL;
    for (size_t i = 0; i < set->n; i++) {
        if (!((it->required | it->optional) & HH_HIVE_BIT(set->items[i].kind)))
            continue;
        if (it->legacy && set->items[i].kind == HH_HIVE_SOFTWARE)
            continue; /* an old-style plugin's rows come from SYSTEM */
        if (one)
            return NULL;
        one = &set->items[i];
    }
    return one;
}

/* Pushes the row of rows (0: none) whose key (and value, when the finding
 * names one) is the finding's at f, or nothing; 1 pushed, 0 not. */
static int row_of_finding(lua_State *L, int rows, int f)
{
    if (!rows || lua_getfield(L, f, "key") != LUA_TSTRING) {
        if (rows)
            lua_pop(L, 1);
        return 0;
    }
    int fkey = lua_gettop(L);
    int fval = lua_getfield(L, f, "value") == LUA_TSTRING ? lua_gettop(L) : 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, rows, i) != LUA_TTABLE) {
            lua_pop(L, 1);
            continue;
        }
        lua_getfield(L, -1, "key");
        int same = lua_rawequal(L, -1, fkey);
        lua_pop(L, 1);
        if (same && fval) {
            lua_getfield(L, -1, "value");
            same = lua_rawequal(L, -1, fval);
            lua_pop(L, 1);
        }
        if (same) {
            lua_replace(L, fkey);
            lua_settop(L, fkey);
            return 1;
        }
        lua_pop(L, 1);
    }
    lua_settop(L, fkey - 1);
    return 0;
}

/* Copies field name from the table at from to f when f lacks it. */
static void copy_missing(lua_State *L, int f, int from, const char *name)
{
    if (lua_getfield(L, f, name) == LUA_TNIL && lua_getfield(L, from, name) != LUA_TNIL)
        lua_setfield(L, f, name);
    else
        lua_pop(L, 1);
    lua_pop(L, 1);
}

/* The locating fields a finding's policy left out: from the plugin's row
 * it is about (same key, and value when it names one), else the plugin's
 * only hive; then from the hive it names its kind and, for a user hive,
 * the account. rows: the plugin's rows (0: none). */
static void fill_common_fields(lua_State *L, int all, const hh_hive_set *set, const hh_hunt_hive *only, int rows)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, all);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, all, i);
        int f = lua_gettop(L);
        int missing = lua_getfield(L, f, "hive") == LUA_TNIL;
        lua_pop(L, 1);
        if (missing && row_of_finding(L, rows, f)) {
            copy_missing(L, f, f + 1, "hive");
            copy_missing(L, f, f + 1, "hive_kind");
            copy_missing(L, f, f + 1, "user");
            lua_pop(L, 1);
        }
        if (lua_getfield(L, f, "hive") == LUA_TNIL && only)
            set_str(L, f, "hive", hh_hive_get_info(only->hive)->path);
        lua_pop(L, 1);
        lua_getfield(L, f, "hive");
        const hh_hunt_hive *h = lua_type(L, -1) == LUA_TSTRING ? hh_hive_set_find(set, lua_tostring(L, -1)) : NULL;
        lua_pop(L, 1);
        if (h) {
            const hh_hive_info *in = hh_hive_get_info(h->hive);
            if (lua_getfield(L, f, "hive_kind") == LUA_TNIL)
                set_str(L, f, "hive_kind", hh_hive_kind_name(in->kind));
            lua_pop(L, 1);
            if (in->user[0]) {
                if (lua_getfield(L, f, "user") == LUA_TNIL)
                    set_str(L, f, "user", in->user);
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
}

/* Findings of every plugin so far, by plugin: { [name] = { finding, ... } }. */
static void findings_by_plugin(lua_State *L, int all)
{
    lua_newtable(L);
    int by = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, all);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, all, i);
        if (lua_getfield(L, -1, "plugin") != LUA_TSTRING) {
            lua_pop(L, 2);
            continue;
        }
        lua_pushvalue(L, -1);
        if (lua_rawget(L, by) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -2);
            lua_pushvalue(L, -2);
            lua_rawset(L, by);
        }
        lua_pushvalue(L, -3);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 3);
    }
}

/* The correlation policy (lua/correlate.lua and its local layers) runs last
 * over every plugin's rows and findings; its findings join all. */
static int run_correlate(hunt_state *st, const hh_hunt_opts *o, int previous, int all)
{
    lua_State *L = hh_sandbox_state(st->sb);
    char err[2048];
    lua_createtable(L, 0, 6);
    int input = lua_gettop(L);
    lua_pushliteral(L, "correlate");
    lua_setfield(L, input, "plugin");
    lua_newtable(L);
    lua_setfield(L, input, "rows");
    lua_pushvalue(L, previous);
    lua_setfield(L, input, "previous");
    findings_by_plugin(L, all);
    lua_setfield(L, input, "findings");
    lua_newtable(L);
    lua_setfield(L, input, "warnings");
    if (hh_run_policy(st->sb, o, input, "correlate", err, sizeof err) != 1) {
        hh_error(NULL, "policy error: %s", err);
        return HH_EXIT_POLICY;
    }
    fill_common_fields(L, lua_gettop(L), &st->hives, NULL, 0);
    hh_lua_array_append(L, all, -1);
    lua_pop(L, 2);
    return -1;
}

static int is_directory(const char *p)
{
    struct stat sb;
    return p && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* --baseline DIR: a golden host's hives (found as a case finds a host's:
 * config folder, Users/<name>, flat). Opens them into golden; -1 to go on, or an
 * exit code. */
static int open_golden(lua_State *L, const hh_hunt_opts *o, hh_hive_set *golden)
{
    hh_case c;
    char err[1024];
    if (hh_case_discover(o->baseline, &c, err, sizeof err) != 1 || c.count == 0) {
        hh_error(o->baseline, "not a golden host: %s", c.count == 0 ? "no SYSTEM or NTUSER.DAT hive under it" : err);
        if (c.count)
            hh_case_free(&c);
        return HH_EXIT_INPUT;
    }
    if (c.count > 1)
        hh_warning(o->baseline, "holds %zu hosts: the first (%s) is the baseline", c.count, c.hosts[0].host);
    hh_hunt_opts g = *o;
    g.nhives = 0;
    g.nlogs = 0;
    const hh_case_host *h = &c.hosts[0];
    if (h->system)
        hh_hunt_opts_add_hive(&g, h->system, 0);
    if (h->software)
        hh_hunt_opts_add_hive(&g, h->software, 0);
    for (size_t k = 0; k < h->nusers; k++)
        hh_hunt_opts_add_hive(&g, h->users[k], 1);
    /* The paths must outlive the case list: keep them in Lua strings. */
    for (size_t k = 0; k < g.nhives; k++) {
        lua_pushstring(L, g.hives[k]);
        g.hives[k] = lua_tostring(L, -1);
        luaL_ref(L, LUA_REGISTRYINDEX);
    }
    hh_case_free(&c);
    int rc = hh_hive_set_open(L, &g, golden);
    if (rc < 0)
        hh_hive_set_print_warnings(golden);
    return rc;
}

/* Sets input.baseline = { rows, source } for the plugin at it from the
 * golden host's hives, when they hold what the plugin needs. */
static int golden_baseline(lua_State *L, const hh_hunt_opts *o, const hh_hive_set *golden, const hh_plan_item *it,
                           int ref, int input)
{
    if ((it->required & golden->present) != it->required ||
        (!it->required && !(it->optional & golden->present)))
        return -1; /* the golden host lacks this plugin's hives: no baseline for it */
    int a1, a2 = 0;
    if (it->legacy) {
        a1 = golden->items[golden->system].idx;
        a2 = golden->software >= 0 ? golden->items[golden->software].idx : 0;
    } else {
        hh_hive_set_push_table(L, golden);
        a1 = lua_gettop(L);
    }
    if (plugin_collect(L, ref, a1, a2, o->baseline, it->plugin->desc->name) != 1)
        return HH_EXIT_INPUT;
    lua_createtable(L, 0, 2);
    lua_getfield(L, -2, "rows");
    lua_setfield(L, -2, "rows");
    lua_pushstring(L, o->baseline);
    lua_setfield(L, -2, "source");
    lua_setfield(L, input, "baseline");
    lua_pop(L, it->legacy ? 1 : 2);
    return -1;
}

/* hunt --watch: watch.c reruns the policy chain through this, over the
 * policy search path and the --policy files. */
typedef struct {
    const hh_hunt_opts *o;
    const char *plugin;
} watch_ctx;

static int watch_evaluate(void *ctx, hh_sandbox *sb, int input, char *err, size_t errlen)
{
    const watch_ctx *wc = ctx;
    return hh_run_policy(sb, wc->o, input, wc->plugin, err, errlen);
}

static int watch(hh_sandbox *sb, const hh_hunt_opts *o, int input, const char *plugin, FILE *out)
{
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024];
    hh_policy_search_dirs(o, dirs, &ndirs, xdg, sizeof xdg);
    watch_ctx wc = {o, plugin};
    /* --policy PLUGIN=FILE: the file is what changes. */
    const char *files[HH_MAX_POLICIES];
    for (size_t i = 0; i < o->npolicies; i++) {
        const char *eq = hh_policy_target(o->policies[i]);
        files[i] = eq ? eq + 1 : o->policies[i];
    }
    hh_watch w = {dirs, ndirs, files, o->npolicies, watch_evaluate, &wc,
                  o->format, o->color, o->system, o->watch_runs};
    return hh_watch_loop(sb, &w, input, out);
}

static int hunt_run(hunt_state *st, const hh_hunt_opts *o, FILE *out)
{
    char err[2048];
    const char *dirs[4];
    size_t ndirs;
    char xdg[1024];
    hh_policy_search_dirs(o, dirs, &ndirs, xdg, sizeof xdg);
    st->sb = hh_sandbox_new(&o->sandbox, dirs, ndirs);
    if (!st->sb) {
        hh_error(NULL, "cannot create the policy sandbox");
        return HH_EXIT_POLICY;
    }
    lua_State *L = hh_sandbox_state(st->sb);
    /* Host-side modules live in the registry, out of the policies' reach. */
    luaL_requiref(L, "hh.regf", hh_open_regf, 0);
    lua_pop(L, 1);
    /* Inputs first: a bad hive is the error to report, whatever else. */
    int rc = hh_hive_set_open(L, o, &st->hives);
    if (rc >= 0)
        return rc;
    if (st->hives.n == 0) {
        hh_error(o->system, "no hive of this host could be read");
        return HH_EXIT_INPUT;
    }
    hh_plugin_dirs pdirs;
    hh_plugin_dirs_default(&pdirs, o->plugin_dir);
    hh_plugins_load(&st->plugins, &pdirs);
    if ((rc = plan_plugins(st, o)) >= 0)
        return rc;
    hh_hive_set_print_warnings(&st->hives);
    if (o->watch && st->plan.n > 1) {
        hh_error(NULL, "--watch re-runs one plugin's policy: name it with --plugin");
        return HH_EXIT_USAGE;
    }
    const hh_hive_set *set = &st->hives;
    /* The hive the report is about: SYSTEM, else the first one read. */
    const hh_hunt_hive *main_hive = &set->items[set->system >= 0 ? set->system : 0];

    /* Extraction: every plugin's rows, before any policy runs. */
    size_t np = st->plan.n;
    int inputs[HH_PLAN_MAX], refs[HH_PLAN_MAX];
    hh_hive_set_push_table(L, set); /* collect(hives), for plugins that declare their kinds */
    int hives_tbl = lua_gettop(L);
    for (size_t i = 0; i < np; i++) {
        const hh_plan_item *it = &st->plan.items[i];
        char modname[80];
        snprintf(modname, sizeof modname, "plugin.%s", it->plugin->desc->name);
        luaL_requiref(L, modname, it->plugin->desc->open_lua, 0);
        refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
        const char *label = only_hive(set, it) ? only_hive(set, it)->path : o->system;
        int a1, a2 = 0;
        if (it->legacy) {
            a1 = set->items[set->system].idx;
            a2 = set->software >= 0 ? set->items[set->software].idx : 0;
        } else {
            a1 = hives_tbl;
        }
        if (plugin_collect(L, refs[i], a1, a2, label, it->plugin->desc->name) != 1)
            return HH_EXIT_INPUT;
        inputs[i] = lua_gettop(L);
    }
    int named = 0; /* the input that names the host */
    for (size_t i = 0; i < np && !named; i++) {
        if (lua_getfield(L, inputs[i], "hive") == LUA_TTABLE &&
            lua_getfield(L, -1, "computer_name") == LUA_TSTRING)
            named = inputs[i];
        lua_settop(L, inputs[np - 1]);
    }

    lua_newtable(L); /* report */
    int report = lua_gettop(L);
    /* The report's rows: the services plugin's when it ran (the html
     * report's timeline and service table read them), else the first's. */
    size_t rows_of = 0;
    for (size_t i = 0; i < np; i++)
        if (strcmp(st->plan.items[i].plugin->desc->name, "services") == 0) {
            rows_of = i;
            break;
        }
    lua_getfield(L, inputs[rows_of], "rows");
    if (o->services_only && strcmp(st->plan.items[rows_of].plugin->desc->name, "services") == 0)
        sort_rows(L, -1);
    lua_setfield(L, report, "rows");
    lua_pushstring(L, st->plan.items[rows_of].plugin->desc->name);
    lua_setfield(L, report, "rows_plugin");
    if (o->services_only && strcmp(st->plan.items[0].plugin->desc->name, "services") != 0) {
        /* Another plugin's rows: its module's columns, else every field its
         * rows hold, the locating ones first. */
        lua_rawgeti(L, LUA_REGISTRYINDEX, refs[0]);
        if (lua_getfield(L, -1, "columns") != LUA_TTABLE) {
            lua_pop(L, 1);
            push_row_columns(L, report);
        }
        lua_setfield(L, report, "columns");
        lua_pop(L, 1);
    }
    push_meta(L, o, main_hive->hive, named, set, &st->plan);
    lua_setfield(L, report, "meta");
    if (np > 1) {
        /* Every other plugin's rows, for the html report's one timeline. */
        lua_createtable(L, (int)np, 0);
        lua_Integer k = 0;
        for (size_t i = 0; i < np; i++) {
            if (i == rows_of)
                continue;
            lua_createtable(L, 0, 2);
            lua_pushstring(L, st->plan.items[i].plugin->desc->name);
            lua_setfield(L, -2, "plugin");
            lua_getfield(L, inputs[i], "rows");
            lua_setfield(L, -2, "rows");
            lua_rawseti(L, -2, ++k);
        }
        lua_setfield(L, report, "timeline_rows");
    }
    /* The rows are read: unless watch mode reads the hives again, the
     * policies and the report can have their memory. */
    if (!o->watch)
        for (size_t i = 0; i < set->n; i++)
            hh_hive_release_reader(set->items[i].hive);
    int code = HH_EXIT_OK;
    if (o->services_only) {
        lua_pushliteral(L, "services");
        lua_setfield(L, report, "kind");
    } else {
        /* --baseline DIR: a golden host, a baseline for every plugin. */
        hh_hive_set golden;
        int golden_dir = is_directory(o->baseline);
        if (golden_dir && (rc = open_golden(L, o, &golden)) >= 0)
            return rc;
        lua_newtable(L); /* previous: name -> rows, for later policies and correlation */
        int previous = lua_gettop(L);
        lua_newtable(L); /* every finding */
        int all = lua_gettop(L);
        for (size_t i = 0; i < np; i++) {
            const hh_plan_item *it = &st->plan.items[i];
            const char *name = it->plugin->desc->name;
            int input = inputs[i];
            if (golden_dir) {
                if ((rc = golden_baseline(L, o, &golden, it, refs[i], input)) >= 0)
                    return rc;
            } else if (o->baseline && strcmp(name, o->plugin) == 0) {
                rc = load_baseline(st->sb, refs[i], o);
                if (rc >= 0)
                    return rc;
                lua_setfield(L, input, "baseline");
            }
            if (o->has_since) {
                lua_pushinteger(L, o->since);
                lua_setfield(L, input, "since");
            }
            if (o->has_until) {
                lua_pushinteger(L, o->until);
                lua_setfield(L, input, "until");
            }
            if (np > 1) {
                lua_pushvalue(L, previous);
                lua_setfield(L, input, "previous");
            }
            if (o->watch)
                return watch(st->sb, o, input, name, out);
            if (hh_run_policy(st->sb, o, input, name, err, sizeof err) != 1) {
                hh_error(NULL, "policy error: %s", err);
                return HH_EXIT_POLICY;
            }
            lua_getfield(L, input, "rows");
            int rows = lua_istable(L, -1) ? lua_gettop(L) : 0;
            fill_common_fields(L, lua_gettop(L) - 1, set, only_hive(set, it), rows);
            lua_pop(L, 1);
            hh_lua_array_append(L, all, -1);
            lua_pop(L, 1);
            lua_getfield(L, input, "rows");
            lua_setfield(L, previous, name);
        }
        if ((rc = run_correlate(st, o, previous, all)) >= 0)
            return rc;
        hh_findings_sort(L, all);
        if (o->fail_on >= 0 && max_severity(L, all) >= o->fail_on)
            code = HH_EXIT_FINDINGS;
        lua_setfield(L, report, "findings");
        lua_pop(L, 1); /* previous */
        lua_pushliteral(L, "findings");
        lua_setfield(L, report, "kind");
    }
    if (o->framed)
        return write_frames(L, report, o, out, code);
    if (hh_report_write(L, report, o->format, out, o->color, err, sizeof err) != 1) {
        hh_error(o->system, "cannot write the report: %s", err);
        return HH_EXIT_INPUT;
    }
    return code;
}

int hh_hunt_opts_add_hive(hh_hunt_opts *o, const char *path, int soft)
{
    if (o->nhives >= HH_HUNT_MAX_HIVES)
        return 0;
    o->hive_soft[o->nhives] = (unsigned char)(soft != 0);
    o->hives[o->nhives++] = path;
    return 1;
}

int hh_hunt_job(void *ctx, FILE *out)
{
    hh_hunt_opts local = *(const hh_hunt_opts *)ctx;
    const hh_hunt_opts *o = &local;
    /* Callers that name only SYSTEM (and SOFTWARE): those are the hives. */
    if (local.nhives == 0) {
        if (local.system)
            hh_hunt_opts_add_hive(&local, local.system, 0);
        if (local.software)
            hh_hunt_opts_add_hive(&local, local.software, 0);
    }
    hunt_state st;
    memset(&st, 0, sizeof st);
    int code = hunt_run(&st, o, out);
    /* A child process ends right after this: tearing down a state of a few
     * thousand rows costs ~3 ms a hive (Win7: 16M instructions) for nothing. */
    if (hh_job_in_child())
        return code;
    /* Close the state (and with it the hives) before the plugins' code is
     * unloaded: their closures and userdata live in it. */
    hh_sandbox_free(st.sb);
    hh_plugins_unload(&st.plugins);
    return code;
}
