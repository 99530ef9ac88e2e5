/* A tiny TAP producer for the C tests. */
#ifndef HH_TAP_H
#define HH_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static __attribute__((format(printf, 2, 3), unused)) int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!cond)
        tap_failed++;
    return cond;
}

static __attribute__((unused)) int done_testing(void)
{
    printf("1..%d\n", tap_n);
    if (tap_failed)
        printf("# %d of %d failed\n", tap_failed, tap_n);
    return tap_failed ? 1 : 0;
}

#endif
