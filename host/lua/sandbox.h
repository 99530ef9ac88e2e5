/* Layer: lua. May call: hive, base, Lua. */
/* The sandbox policies run in: a Lua state holding only base (minus load,
 * dofile, loadfile), string (minus dump), table, math and utf8, a require
 * that loads text Lua modules from the policy search path, a CPU-time budget
 * (a timer whose signal sets a hook), optionally an exact instruction budget
 * (count hook) and a memory budget (counting allocator). */
#ifndef HH_SANDBOX_H
#define HH_SANDBOX_H

#include <lua.h>
#include <stddef.h>

#include "plugins.h"

typedef struct hh_sandbox_limits {
    size_t memory_bytes;          /* per policy call, beyond the state's size at its start */
    double cpu_seconds;           /* per policy call, CPU time of the process; 0 none */
    long long instructions;       /* per policy call, counted by a hook; 0 none (the default:
                                   * counting costs time at every instruction) */
} hh_sandbox_limits;

typedef struct hh_sandbox hh_sandbox;

void hh_sandbox_limits_default(hh_sandbox_limits *lim);
/* search_dirs: directories searched by the sandbox's require, in order
 * (later ones win? no: first match wins). Copied. */
hh_sandbox *hh_sandbox_new(const hh_sandbox_limits *lim, const char *const *search_dirs, size_t ndirs);
void hh_sandbox_free(hh_sandbox *sb);
lua_State *hh_sandbox_state(hh_sandbox *sb);

/* Pushes the sandbox environment table. */
void hh_sandbox_push_env(hh_sandbox *sb);

/* Loads a text chunk from path with the sandbox environment, leaving the
 * function on the stack. 1, or -1 with a one-line reason. A file identical
 * to one of the stock policy's comes from its build-time bytecode
 * (lua_bundle.h); nothing else is ever loaded as bytecode. */
int hh_sandbox_loadfile(hh_sandbox *sb, const char *path, char *err, size_t errlen);

/* lua_pcall under the budgets, with a traceback handler. On error returns
 * -1 and writes "file:line: message" (plus which limit tripped) to err; the
 * full traceback is left in *traceback (static buffer) when not NULL. */
int hh_sandbox_pcall(hh_sandbox *sb, int nargs, int nresults, char *err, size_t errlen);

/* Pops the value on top of the stack and makes it what require(name)
 * returns from now on in the sandbox. */
void hh_sandbox_set_loaded(hh_sandbox *sb, const char *name);

/* Forgets every module require has loaded, so the next require reads the
 * files again (watch mode). */
void hh_sandbox_forget_modules(hh_sandbox *sb);

/* The directories searched, for messages and `hivehunt rules`. */
size_t hh_sandbox_search_dirs(hh_sandbox *sb, const char *const **dirs);

/* One line on stderr, written at once (the children of parallel jobs share
 * stderr): prefix, then the parts joined by tabs, control bytes inside them
 * as \xNN (a tab kept when keep_tabs) so policy text cannot drive the
 * terminal. */
void hh_stderr_line(const char *prefix, const char *const *parts, const size_t *lens, int nparts, int keep_tabs);

#endif
