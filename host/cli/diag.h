/* Layer: cli, at its bottom (diag.c): exit codes and one-line errors.
 * Everything in the cli layer may include it; it includes nothing of it. */
#ifndef HH_DIAG_H
#define HH_DIAG_H

enum hh_exit {
    HH_EXIT_OK = 0,        /* ran, with or without findings */
    HH_EXIT_FINDINGS = 1,  /* findings at or above --fail-on */
    HH_EXIT_USAGE = 2,
    HH_EXIT_INPUT = 3,     /* missing, unreadable or not a hive */
    HH_EXIT_POLICY = 4
};

/* One-line error "hivehunt: <what>: <why>" on stderr; control characters
 * in what/why are escaped so a hostile file name cannot drive the terminal. */
void hh_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hh_warning(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text of the last hh_error in this process ("" if none). */
const char *hh_last_error(void);
/* The worse of two exit codes (usage > policy > input > findings > ok). */
int hh_exit_worst(int a, int b);

#endif
