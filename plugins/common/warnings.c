#include <stdarg.h>
#include <stdio.h>

#include "warnings.h"

void warnings_add(warning_list *w, const char *fmt, ...)
{
    if (w->n >= WARNINGS_MAX) {
        if (!w->capped) {
            w->capped = 1;
            lua_pushfstring(w->L, "more than %d warnings: the rest were dropped", WARNINGS_MAX);
            lua_rawseti(w->L, w->index, ++w->n);
        }
        return;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lua_pushstring(w->L, buf);
    lua_rawseti(w->L, w->index, ++w->n);
}
