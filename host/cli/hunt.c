/* Layer: cli, hunt orchestration. May call: watch.h, isolate.h, diag.h,
 * hunt_*.h, frames.h, lua, report, hive, base. */
/* One hunt in the child: open the hives, plan the plugins, extract every
 * plugin's rows, run each policy and the correlation, write the report.
 * The options are parsed in hunt_opts.c, the policy chain run in
 * hunt_policy.c, the baseline loaded in hunt_baseline.c. */
#include "hunt.h"

#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "diag.h"
#include "frames.h"
#include "hive.h"
#include "hunt_baseline.h"
#include "hunt_collect.h"
#include "hunt_findings.h"
#include "hunt_hives.h"
#include "hunt_meta.h"
#include "plugin_plan.h"
#include "plugins.h"
#include "policy.h"
#include "regf_lua.h"
#include "watch.h"

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
    hh_fill_common_fields(L, lua_gettop(L), &st->hives, NULL, 0);
    hh_lua_array_append(L, all, -1);
    lua_pop(L, 2);
    return -1;
}

static int is_directory(const char *p)
{
    struct stat sb;
    return p && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
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
        if (hh_plugin_collect(L, refs[i], a1, a2, label, it->plugin->desc->name) != 1)
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
    hh_push_meta(L, o, main_hive->hive, named, set, &st->plan);
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
        if (golden_dir && (rc = hh_open_golden(L, o, &golden)) >= 0)
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
                if ((rc = hh_golden_baseline(L, o, &golden, it, refs[i], input)) >= 0)
                    return rc;
            } else if (o->baseline && strcmp(name, o->plugin) == 0) {
                rc = hh_load_baseline(st->sb, refs[i], o);
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
            hh_fill_common_fields(L, lua_gettop(L) - 1, set, only_hive(set, it), rows);
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
        return hh_write_frames(L, report, o, out, code);
    if (hh_report_write(L, report, o->format, out, o->color, err, sizeof err) != 1) {
        hh_error(o->system, "cannot write the report: %s", err);
        return HH_EXIT_INPUT;
    }
    return code;
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
