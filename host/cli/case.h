/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* Case runs: discovery of hosts under a folder. */
#ifndef HH_CASE_H
#define HH_CASE_H

#include <stddef.h>

#define HH_CASE_MAX_USER_HIVES 32

typedef struct hh_case_host {
    char *system;          /* path of the SYSTEM hive, or NULL for a host known by user hives only */
    char *software;        /* the SOFTWARE hive beside it, or NULL */
    char *users[HH_CASE_MAX_USER_HIVES]; /* every user's NTUSER.DAT, in path order */
    size_t nusers;
    char *root;            /* the host's drive root (where Windows and Users sit) */
    char *host;            /* folder-derived host name (raw) */
    char folder[160];      /* report folder name: sanitized, unique */
    /* results, filled by the runner */
    int exit_code;
    char *computer_name;
    char *error;
    long services, findings, by_severity[5];
    int dirty, replayed, done;
    char *by_plugin;       /* "services=3\nuserrun=1\n" from the run's summary */
    char *failed_hives;    /* "path: reason\n" for each hive left out */
} hh_case_host;

typedef struct hh_case {
    hh_case_host *hosts;
    size_t count;
    int error;
} hh_case;

/* Finds every file named SYSTEM (any case) under dir, in a stable order:
 * KAPE-like <host>/C/Windows/System32/config/SYSTEM,
 * <host>/Windows/System32/config/SYSTEM and flat <host>/SYSTEM alike; and
 * every user hive: <root>/Users/<name>/NTUSER.DAT, <root>/Documents and
 * Settings/<name>/NTUSER.DAT (root: where Windows sits), or NTUSER*.DAT
 * beside a flat SYSTEM. User hives with no SYSTEM of their own make a host
 * of their own.
 * 1, or -1 with err when dir cannot be read. */
int hh_case_discover(const char *dir, hh_case *c, char *err, size_t errlen);
void hh_case_free(hh_case *c);

#endif
