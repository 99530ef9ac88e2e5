/* report_tool FORMAT FIXTURE.lua [OUT] [--color]: runs the Lua file, which
 * returns a report table, and writes it with hh_report_write to OUT (or
 * stdout). The specs drive every format through it. */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "report.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FORMAT FIXTURE.lua [OUT] [--color]\n", argv[0]);
        return 2;
    }
    hh_format fmt;
    if (!hh_format_parse(argv[1], &fmt)) {
        fprintf(stderr, "unknown format %s\n", argv[1]);
        return 2;
    }
    const char *outpath = NULL;
    int color = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--color") == 0)
            color = 1;
        else
            outpath = argv[i];
    }
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dofile(L, argv[2]) != LUA_OK) {
        fprintf(stderr, "%s\n", lua_tostring(L, -1));
        lua_close(L);
        return 3;
    }
    FILE *out = outpath ? fopen(outpath, "wb") : stdout;
    if (!out) {
        perror(outpath);
        lua_close(L);
        return 3;
    }
    char err[256];
    int rc = hh_report_write(L, -1, fmt, out, color, err, sizeof err);
    if (rc != 1)
        fprintf(stderr, "%s\n", err);
    if (outpath && fclose(out) != 0)
        rc = -1;
    lua_close(L);
    return rc == 1 ? 0 : 1;
}
