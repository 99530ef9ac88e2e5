/* Layer: cli. hunt --watch (watch.c): evaluate the policy chain, then again
 * each time a watched policy file changes, printing what changed. It knows
 * nothing of hunt: the caller hands it what to watch and how to evaluate.
 * May call: the lua layer (sandbox), report, base. */
#ifndef HH_WATCH_H
#define HH_WATCH_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"
#include "sandbox.h"

typedef struct hh_watch {
    const char *const *dirs;   /* every .lua under these folders is watched */
    size_t ndirs;
    const char *const *files;  /* and these files (--policy) */
    size_t nfiles;
    /* Loads the policy chain afresh and evaluates it on the input table at
     * index input; pushes the sorted findings. 1, or -1 with err. */
    int (*evaluate)(void *ctx, hh_sandbox *sb, int input, char *err, size_t errlen);
    void *ctx;
    hh_format format;          /* of the first run's full report */
    int color;
    const char *what;          /* names the input in error messages */
    int max_runs;              /* stop after this many runs (tests); 0 never */
} hh_watch;

/* Runs until SIGINT/SIGTERM (or max_runs). input: the table whose rows the
 * first report lists. Returns the exit code. */
int hh_watch_loop(hh_sandbox *sb, const hh_watch *w, int input, FILE *out);

#endif
