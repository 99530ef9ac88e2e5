/* Layer: cli. May call: diag.h, lua, report, hive, base. */
/* Case runs: discovery of hosts under a folder. */
#ifndef HH_CASE_H
#define HH_CASE_H

#include <stddef.h>

typedef struct hh_case_host {
    char *system;          /* path of the SYSTEM hive */
    char *software;        /* the SOFTWARE hive beside it, or NULL */
    char *host;            /* folder-derived host name (raw) */
    char folder[160];      /* report folder name: sanitized, unique */
    /* results, filled by the runner */
    int exit_code;
    char *computer_name;
    char *error;
    long services, findings, by_severity[5];
    int dirty, replayed, done;
} hh_case_host;

typedef struct hh_case {
    hh_case_host *hosts;
    size_t count;
    int error;
} hh_case;

/* Finds every file named SYSTEM (any case) under dir, in a stable order:
 * KAPE-like <host>/C/Windows/System32/config/SYSTEM,
 * <host>/Windows/System32/config/SYSTEM and flat <host>/SYSTEM alike.
 * 1, or -1 with err when dir cannot be read. */
int hh_case_discover(const char *dir, hh_case *c, char *err, size_t errlen);
void hh_case_free(hh_case *c);

#endif
