/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* hunt --watch: the hives are parsed once and their rows stay in the
 * sandbox's state; each time a policy file changes the policy chain is
 * loaded afresh and evaluated again, and what changed is printed: findings
 * added, gone, re-scored. A policy error is printed and the loop waits for
 * the next save. Files are polled (no inotify): every .lua under the policy
 * search path and every --policy file. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>

#include "watch.h"

#include "diag.h"
#include "escape.h"

#define WATCH_POLL_MS 100
#define WATCH_MAX_DEPTH 4

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct {
    uint64_t hash;
    int files;
} signature;

static void mix(signature *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        s->hash ^= b[i];
        s->hash *= 1099511628211ULL;
    }
}

static void mix_file(signature *s, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    mix(s, path, strlen(path) + 1);
    mix(s, &st.st_mtim, sizeof st.st_mtim);
    mix(s, &st.st_size, sizeof st.st_size);
    s->files++;
}

static void mix_dir(signature *s, const char *dir, int depth)
{
    if (depth > WATCH_MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    /* readdir order is stable for an unchanged directory; a new or removed
     * file changes the signature whatever the order. */
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            mix_dir(s, path, depth + 1);
        else if (n > 4 && strcmp(e->d_name + n - 4, ".lua") == 0)
            mix_file(s, path);
    }
    closedir(d);
}

static signature policy_signature(const hh_watch *w)
{
    signature s = {14695981039346656037ULL, 0};
    for (size_t i = 0; i < w->ndirs; i++)
        mix_dir(&s, w->dirs[i], 0);
    for (size_t i = 0; i < w->nfiles; i++)
        mix_file(&s, w->files[i]);
    return s;
}

/* Pushes the identity of the finding at f: the same rule on the same key
 * in the same control set is the same finding across runs. */
static void push_identity(lua_State *L, int f)
{
    const char *k[] = {"rule", "key", "control_set", "service"};
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 0; j < 4; j++) {
        lua_getfield(L, f, k[j]);
        if (lua_isstring(L, -1))
            luaL_addvalue(&b);
        else
            lua_pop(L, 1);
        luaL_addchar(&b, '\x1f');
    }
    luaL_pushresult(&b);
}

/* Pushes a map identity -> finding for the findings array at idx. */
static void index_findings(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        int f = lua_gettop(L);
        push_identity(L, f);
        lua_pushvalue(L, f);
        lua_settable(L, -4);
        lua_pop(L, 1);
    }
}

static void put_field(hh_buf *b, lua_State *L, int f, const char *k)
{
    lua_getfield(L, f, k);
    size_t n = 0;
    const char *s = lua_isstring(L, -1) ? lua_tolstring(L, -1, &n) : "";
    hh_esc_term(b, s, n, 200);
    lua_pop(L, 1);
}

static void print_change(hh_buf *b, lua_State *L, char mark, int f, double old_score)
{
    lua_getfield(L, f, "score");
    double score = lua_tonumber(L, -1);
    lua_pop(L, 1);
    hh_buf_printf(b, "%c ", mark);
    put_field(b, L, f, "severity");
    if (mark == '~')
        hh_buf_printf(b, " %g -> %g ", old_score, score);
    else
        hh_buf_printf(b, " %g ", score);
    put_field(b, L, f, "rule");
    hh_buf_puts(b, " ");
    put_field(b, L, f, "service");
    hh_buf_puts(b, " (");
    put_field(b, L, f, "control_set");
    hh_buf_puts(b, "): ");
    put_field(b, L, f, "message");
    hh_buf_putc(b, '\n');
}

/* Prints what changed from the map at old_idx to the findings at new_idx. */
static void print_diff(lua_State *L, int old_idx, int new_idx, int run, FILE *out)
{
    old_idx = lua_absindex(L, old_idx);
    new_idx = lua_absindex(L, new_idx);
    index_findings(L, new_idx);
    int new_map = lua_gettop(L);
    hh_buf b;
    hh_buf_init(&b);
    int added = 0, gone = 0, rescored = 0;
    lua_Integer n = (lua_Integer)lua_rawlen(L, new_idx);
    /* In the new order (worst first): added and re-scored. */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, new_idx, i);
        int f = lua_gettop(L);
        push_identity(L, f);
        if (lua_gettable(L, old_idx) == LUA_TNIL) {
            print_change(&b, L, '+', f, 0);
            added++;
        } else {
            int of = lua_gettop(L);
            lua_getfield(L, of, "score");
            lua_getfield(L, f, "score");
            double os = lua_tonumber(L, -2), ns = lua_tonumber(L, -1);
            lua_pop(L, 2);
            if (os != ns) {
                print_change(&b, L, '~', f, os);
                rescored++;
            }
        }
        lua_settop(L, f - 1);
    }
    lua_pushnil(L);
    while (lua_next(L, old_idx)) {
        lua_pushvalue(L, -2);
        if (lua_gettable(L, new_map) == LUA_TNIL) {
            print_change(&b, L, '-', lua_gettop(L) - 1, 0);
            gone++;
        }
        lua_pop(L, 2);
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    fprintf(out, "== run %d at %02d:%02d:%02d: %d added, %d gone, %d re-scored; %lld findings\n", run, tm.tm_hour,
            tm.tm_min, tm.tm_sec, added, gone, rescored, (long long)n);
    if (b.len)
        fwrite(b.data, 1, b.len, out);
    fflush(out);
    hh_buf_free(&b);
    lua_pop(L, 1); /* new_map */
}

int hh_watch_loop(hh_sandbox *sb, const hh_watch *w, int input, FILE *out)
{
    lua_State *L = hh_sandbox_state(sb);
    char err[2048];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    lua_newtable(L); /* the last good run's findings, by identity */
    int prev = lua_gettop(L);
    int runs = 0, have_prev = 0;
    signature seen = policy_signature(w);
    for (;;) {
        hh_sandbox_forget_modules(sb);
        int base = lua_gettop(L);
        runs++;
        if (w->evaluate(w->ctx, sb, input, err, sizeof err) != 1) {
            fprintf(out, "== run %d: policy error: %s\n", runs, err);
            fflush(out);
        } else if (!have_prev) {
            lua_newtable(L);
            lua_pushvalue(L, -2);
            lua_setfield(L, -2, "findings");
            lua_pushliteral(L, "findings");
            lua_setfield(L, -2, "kind");
            lua_getfield(L, input, "rows");
            lua_setfield(L, -2, "rows");
            lua_newtable(L);
            lua_setfield(L, -2, "meta");
            if (hh_report_write(L, lua_gettop(L), w->format, out, w->color, err, sizeof err) != 1)
                hh_error(w->what, "cannot write the report: %s", err);
            lua_pop(L, 1);
            fflush(out);
            index_findings(L, -1);
            lua_replace(L, prev);
            have_prev = 1;
            fprintf(stderr, "hivehunt: watching %d policy files; save one to run again (Ctrl-C stops)\n",
                    seen.files);
        } else {
            print_diff(L, prev, -1, runs, out);
            index_findings(L, -1);
            lua_replace(L, prev);
        }
        lua_settop(L, base);
        if (w->max_runs && runs >= w->max_runs)
            break;
        /* Wait for a change. */
        for (;;) {
            if (stop_requested)
                return HH_EXIT_OK;
            struct timespec ts = {0, WATCH_POLL_MS * 1000000L};
            nanosleep(&ts, NULL);
            signature now = policy_signature(w);
            if (now.hash != seen.hash) {
                seen = now;
                /* Let an editor finish writing before reading the file. */
                struct timespec settle = {0, 50 * 1000000L};
                nanosleep(&settle, NULL);
                seen = policy_signature(w);
                break;
            }
        }
    }
    return HH_EXIT_OK;
}
