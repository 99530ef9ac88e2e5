/* Layer: cli, at its bottom: one-line errors and warnings on stderr, and
 * the exit codes' order. May call: report's escaping (escape.h), libc. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Names in messages come from the evidence: escaped as the table report
 * escapes them (C0, DEL, C1, bidi controls, invalid UTF-8), so a key name
 * cannot drive or reorder the terminal through stderr either. */
static void fput_escaped(FILE *f, const char *s)
{
    hh_buf b;
    hh_buf_init(&b);
    hh_esc_term(&b, s, strlen(s), 0);
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    hh_buf_free(&b);
}

static char last_error[2048];

const char *hh_last_error(void) { return last_error; }

static void vreport(const char *kind, const char *what, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    /* A longer message is kept cut: it only names the error for callers. */
    if (!kind && snprintf(last_error, sizeof last_error, "%s%s%s", what ? what : "", what ? ": " : "", buf) < 0)
        last_error[0] = '\0';
    fputs("hivehunt: ", stderr);
    if (kind)
        fputs(kind, stderr);
    if (what) {
        fput_escaped(stderr, what);
        fputs(": ", stderr);
    }
    fput_escaped(stderr, buf);
    fputc('\n', stderr);
}

void hh_error(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(NULL, what, fmt, ap);
    va_end(ap);
}

void hh_warning(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning: ", what, fmt, ap);
    va_end(ap);
}

int hh_exit_worst(int a, int b)
{
    static const int rank[] = {0, 1, 4, 2, 3}; /* by exit code: ok, findings, usage, input, policy */
    int ra = (a >= 0 && a <= 4) ? rank[a] : 5;
    int rb = (b >= 0 && b <= 4) ? rank[b] : 5;
    return ra >= rb ? a : b;
}
