/* Layer: cli, at its bottom: one-line errors and warnings on stderr, and
 * the exit codes' order. May call: report's escaping (escape.h), libc. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

static char last_error[2048];

const char *hh_last_error(void) { return last_error; }

static void vreport(const char *kind, const char *what, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    /* A longer message is kept cut: it only names the error for callers. */
    if (!kind && snprintf(last_error, sizeof last_error, "%s%s%s", what ? what : "", what ? ": " : "", buf) < 0)
        last_error[0] = '\0';
    /* The line is written at once: the children of parallel jobs share
     * stderr, and pieces written one by one interleave with theirs. Names
     * in messages come from the evidence: escaped as the table report
     * escapes them (C0, DEL, C1, bidi controls, invalid UTF-8), so a key
     * name cannot drive or reorder the terminal through stderr either. */
    hh_buf line;
    hh_buf_init(&line);
    hh_buf_puts(&line, "hivehunt: ");
    if (kind)
        hh_buf_puts(&line, kind);
    if (what) {
        hh_esc_term(&line, what, strlen(what), 0);
        hh_buf_puts(&line, ": ");
    }
    hh_esc_term(&line, buf, strlen(buf), 0);
    hh_buf_puts(&line, "\n");
    if (line.len)
        fwrite(line.data, 1, line.len, stderr);
    hh_buf_free(&line);
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
