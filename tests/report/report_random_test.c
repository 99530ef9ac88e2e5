/* Property test: reports built from random hostile values (every byte value,
 * broken UTF-8, bidi overrides, nested and cyclic tables, NaN, huge numbers)
 * in every format. Each must succeed, be valid UTF-8, keep raw controls out
 * of terminal formats, give one jsonl line per record that lua-cjson parses,
 * and one csv record per row with the header's field count. Deterministic
 * seed, so a failure reproduces. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "escape.h"
#include "report.h"
#include "fields.h"

static int failures;
#define FAIL(...)                                   \
    do {                                            \
        fprintf(stderr, "report %d: ", iteration);  \
        fprintf(stderr, __VA_ARGS__);               \
        fputc('\n', stderr);                        \
        failures++;                                 \
    } while (0)

static int iteration;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static uint32_t below(uint32_t n) { return next() % n; }

static void push_random_string(lua_State *L)
{
    static const char *const pieces[] = {"\x1b[31m", "\n", "\r\n", "\t", "\"", ",", "|", "<script>", "</script>",
                                         "&amp;", "'", "=", "+", "-", "@", "\\", "\xe2\x80\xae", "\xe2\x81\xa6",
                                         "\xc2\x9b", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
                                         "\xc0\x80", "\xff", "\xe4\xb8", "\x00", "\x7f", "svc", " ", "C:\\Windows"};
    char buf[256];
    size_t n = 0, parts = below(12);
    for (size_t i = 0; i < parts; i++) {
        if (below(3) == 0) {
            if (n < sizeof buf)
                buf[n++] = (char)below(256);
        } else {
            const char *p = pieces[below(sizeof pieces / sizeof pieces[0])];
            size_t len = p[0] ? strlen(p) : 1; /* the "\x00" piece is one NUL byte */
            if (n + len <= sizeof buf) {
                memcpy(buf + n, p, len);
                n += len;
            }
        }
    }
    lua_pushlstring(L, buf, n);
}

static void push_random_value(lua_State *L, int depth, int self)
{
    switch (below(depth > 3 ? 5 : 7)) {
    case 0: lua_pushinteger(L, (lua_Integer)(int32_t)next() * (below(2) ? 1 : 1000003)); break;
    case 1: {
        static const double odd[] = {0.1, -2.5, 1e300, -1e-300, 3.0};
        double v = below(4) ? odd[below(5)] : (below(2) ? NAN : INFINITY);
        lua_pushnumber(L, v);
        break;
    }
    case 2: lua_pushboolean(L, (int)below(2)); break;
    case 3:
    case 4: push_random_string(L); break;
    default: {
        lua_newtable(L);
        int t = lua_gettop(L);
        int n = (int)below(5);
        int array = below(2);
        for (int i = 1; i <= n; i++) {
            if (array) {
                push_random_value(L, depth + 1, t);
                lua_rawseti(L, t, i);
            } else {
                if (below(2))
                    push_random_string(L);
                else
                    lua_pushinteger(L, (lua_Integer)below(100));
                push_random_value(L, depth + 1, t);
                lua_rawset(L, t);
            }
        }
        if (self && below(4) == 0) { /* a cycle back to an enclosing table */
            lua_pushliteral(L, "loop");
            lua_pushvalue(L, self);
            lua_rawset(L, t);
        }
        break;
    }
    }
}

/* A random report of kind findings or services. */
static lua_Integer push_random_report(lua_State *L, int findings)
{
    const hh_field *fields = findings ? hh_finding_fields : hh_row_fields;
    size_t nfields = findings ? hh_finding_nfields : hh_row_nfields;
    lua_newtable(L);
    int report = lua_gettop(L);
    lua_pushstring(L, findings ? "findings" : "services");
    lua_setfield(L, report, "kind");
    lua_Integer n = (lua_Integer)below(6);
    lua_newtable(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_newtable(L);
        for (size_t f = 0; f < nfields; f++) {
            if (below(3) == 0)
                continue;
            push_random_value(L, 0, 0);
            lua_setfield(L, -2, fields[f].name);
        }
        lua_rawseti(L, -2, i);
    }
    lua_setfield(L, report, findings ? "findings" : "rows");
    lua_newtable(L);
    push_random_string(L);
    lua_setfield(L, -2, "host");
    lua_newtable(L);
    push_random_string(L);
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "warnings");
    lua_setfield(L, report, "meta");
    return n;
}

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += hh_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp == HH_CP_INVALID)
            return 0;
    }
    return 1;
}

/* Terminal formats: no C0 but LF, no DEL, no C1, no bidi controls. */
static int terminal_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += hh_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp != '\n' && hh_cp_is_unsafe(cp))
            return 0;
    }
    return 1;
}

/* Counts RFC 4180 records and checks each has want_fields fields. */
static long csv_records(const char *s, size_t n, size_t want_fields)
{
    long records = 0;
    size_t fields = 1;
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (quoted) {
            if (ch == '"') {
                if (i + 1 < n && s[i + 1] == '"')
                    i++;
                else
                    quoted = 0;
            }
        } else if (ch == '"') {
            quoted = 1;
        } else if (ch == ',') {
            fields++;
        } else if (ch == '\r' && i + 1 < n && s[i + 1] == '\n') {
            if (fields != want_fields)
                return -1;
            records++;
            fields = 1;
            i++;
        } else if (ch == '\r' || ch == '\n') {
            return -1; /* a bare line break outside quotes */
        }
    }
    return quoted ? -1 : records;
}

int main(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_dostring(L, "return require 'cjson'") != LUA_OK) {
        fprintf(stderr, "lua-cjson: %s\n", lua_tostring(L, -1));
        return 1;
    }
    lua_settop(L, 1); /* require also returns the loader's data */
    lua_getfield(L, 1, "decode");
    int decode = lua_gettop(L);
    for (iteration = 0; iteration < 400; iteration++) {
        int findings = (int)below(2);
        lua_Integer n = push_random_report(L, findings);
        int report = lua_gettop(L);
        for (int fmt = HH_FMT_TABLE; fmt <= HH_FMT_HTML; fmt++) {
            char *text = NULL, err[256];
            size_t len = 0;
            FILE *out = open_memstream(&text, &len);
            int rc = hh_report_write(L, report, (hh_format)fmt, out, (int)below(2), err, sizeof err);
            fclose(out);
            const char *name = hh_format_name((hh_format)fmt);
            if (rc != 1)
                FAIL("%s failed: %s", name, err);
            if (!valid_utf8(text, len))
                FAIL("%s output is not valid UTF-8", name);
            if (lua_gettop(L) != report)
                FAIL("%s left the Lua stack unbalanced", name);
            if ((fmt == HH_FMT_JSONL || fmt == HH_FMT_TLN || (fmt == HH_FMT_TABLE)) && !terminal_safe(text, len)) {
                /* table colours only with SGR of its own: strip them first */
                int only_sgr = 1;
                if (fmt == HH_FMT_TABLE) {
                    for (size_t i = 0; i < len; i++) {
                        if (text[i] == '\x1b') {
                            size_t j = i + 1;
                            if (j < len && text[j] == '[') {
                                j++;
                                while (j < len && ((text[j] >= '0' && text[j] <= '9') || text[j] == ';'))
                                    j++;
                            }
                            if (j >= len || text[j] != 'm')
                                only_sgr = 0;
                        } else if ((unsigned char)text[i] < 0x20 && text[i] != '\n') {
                            only_sgr = 0;
                        }
                    }
                    if (!valid_utf8(text, len))
                        only_sgr = 0;
                } else {
                    only_sgr = 0;
                }
                if (!only_sgr)
                    FAIL("%s output has a raw control", name);
            }
            if (fmt == HH_FMT_TLN || fmt == HH_FMT_JSONL) {
                long lines = 0;
                for (size_t i = 0; i < len; i++)
                    lines += text[i] == '\n';
                if (lines != n)
                    FAIL("%s: %ld lines for %lld records", name, lines, (long long)n);
            }
            if (fmt == HH_FMT_TLN) {
                for (char *line = text; line && *line;) {
                    char *end = strchr(line, '\n');
                    int pipes = 0;
                    for (char *p = line; p < end; p++)
                        pipes += *p == '|';
                    if (pipes != 4)
                        FAIL("tln line with %d separators", pipes);
                    line = end + 1;
                }
            }
            if (fmt == HH_FMT_JSONL) {
                for (char *line = text; line && *line;) {
                    char *end = strchr(line, '\n');
                    lua_pushvalue(L, decode);
                    lua_pushlstring(L, line, (size_t)(end - line));
                    if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1))
                        FAIL("jsonl line does not parse: %s", lua_tostring(L, -1));
                    lua_pop(L, 1);
                    line = end + 1;
                }
            }
            if (fmt == HH_FMT_CSV) {
                long records = csv_records(text, len, findings ? hh_finding_nfields : hh_row_nfields);
                if (records != n + 1)
                    FAIL("csv: %ld records for %lld rows", records, (long long)n);
            }
            if (fmt == HH_FMT_HTML) {
                for (size_t i = 0; i < len; i++)
                    if (((unsigned char)text[i] < 0x20 && text[i] != '\n') || text[i] == 0x7f) {
                        FAIL("html has a raw control byte");
                        break;
                    }
                const char *s1 = strstr(text, "<script");
                if (!s1 || strstr(s1 + 1, "<script") || !strstr(text, "</script>\n</body>"))
                    FAIL("html has a script block other than its own");
            }
            free(text);
        }
        lua_settop(L, decode);
    }
    lua_close(L);
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    puts("random reports: ok (400 reports x 5 formats)");
    return 0;
}
