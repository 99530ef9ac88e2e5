/* Unit tests for the escapers and the report entry point's error paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "escape.h"
#include "hive.h"
#include "report.h"
#include "fields.h"
#include "util.h"

static int failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static void check_str(const char *file_line, hh_buf *b, const char *want)
{
    const char *got = b->data ? b->data : "";
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s: got [%s] want [%s]\n", file_line, got, want);
        failures++;
    }
}
#define STR2(x) #x
#define STR(x) STR2(x)
#define CHECK_STR(b, want) check_str(__FILE__ ":" STR(__LINE__), (b), (want))

typedef void (*escaper)(hh_buf *, const char *, size_t);

static void term(hh_buf *b, const char *s, size_t n) { hh_esc_term(b, s, n, 0); }
static void json(hh_buf *b, const char *s, size_t n) { hh_esc_json(b, s, n, 0); }
static void json_html(hh_buf *b, const char *s, size_t n) { hh_esc_json(b, s, n, 1); }
static void csv(hh_buf *b, const char *s, size_t n) { hh_esc_csv(b, s, n, 1); }

static void expect(escaper fn, const char *in, size_t n, const char *want, int line)
{
    hh_buf b;
    hh_buf_init(&b);
    fn(&b, in, n);
    const char *got = b.data ? b.data : "";
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "%s:%d: got [%s] want [%s]\n", __FILE__, line, got, want);
        failures++;
    }
    hh_buf_free(&b);
}
#define EXPECT(fn, lit, want) expect(fn, lit, sizeof(lit) - 1, want, __LINE__)

static void test_term(void)
{
    EXPECT(term, "plain", "plain");
    EXPECT(term, "a\x1b[31mb", "a\\x1b[31mb");
    EXPECT(term, "l1\nl2\r\t", "l1\\nl2\\r\\t");
    EXPECT(term, "nul\0x", "nul\\x00x");
    EXPECT(term, "del\x7f", "del\\x7f");
    EXPECT(term, "c1\xc2\x9b" "31m", "c1\\u009b31m"); /* CSI as a C1 code point */
    EXPECT(term, "bidi\xe2\x80\xae" "exe", "bidi\\u202eexe");
    EXPECT(term, "iso\xe2\x81\xa6", "iso\\u2066");
    EXPECT(term, "bad\xff\xfe", "bad\\xff\\xfe");
    EXPECT(term, "over\xc0\x80", "over\\xc0\\x80");           /* overlong NUL */
    EXPECT(term, "surr\xed\xa0\x80", "surr\\xed\\xa0\\x80"); /* UTF-8 of a surrogate */
    EXPECT(term, "trunc\xe4\xb8", "trunc\\xe4\\xb8");
    EXPECT(term, "caf\xc3\xa9 \xe4\xb8\xad", "caf\xc3\xa9 \xe4\xb8\xad");
    CHECK(hh_esc_term_width("caf\xc3\xa9", 5) == 4);
    CHECK(hh_esc_term_width("\xe4\xb8\xad\xe6\x96\x87", 6) == 4);     /* two wide */
    CHECK(hh_esc_term_width("\xf0\x9f\x98\x80", 4) == 2);             /* emoji */
    CHECK(hh_esc_term_width("e\xcc\x81", 3) == 1);                    /* combining acute */
    CHECK(hh_esc_term_width("\x1b", 1) == 4);                         /* shown as \x1b */

    /* Truncation: at a character boundary, never inside an escape, with an ellipsis. */
    hh_buf b;
    hh_buf_init(&b);
    size_t w = hh_esc_term(&b, "abcdefghij", 10, 5);
    CHECK_STR(&b, "abcd\xe2\x80\xa6");
    CHECK(w == 5);
    hh_buf_reset(&b);
    w = hh_esc_term(&b, "ab\x1b" "cdef", 7, 5);
    CHECK_STR(&b, "ab\xe2\x80\xa6"); /* \x1b (4 columns) does not fit before the cut */
    CHECK(w == 3);
    hh_buf_reset(&b);
    w = hh_esc_term(&b, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 9, 4);
    CHECK_STR(&b, "\xe4\xb8\xad\xe2\x80\xa6"); /* a wide char never straddles the cap */
    CHECK(w == 3);
    hh_buf_reset(&b);
    w = hh_esc_term(&b, "abcde", 5, 5); /* exactly the cap: untouched */
    CHECK_STR(&b, "abcde");
    hh_buf_free(&b);
}

static void test_json(void)
{
    EXPECT(json, "q\"b\\s/", "q\\\"b\\\\s/");
    EXPECT(json, "\x01\n\x1f\x7f", "\\u0001\\u000a\\u001f\\u007f");
    EXPECT(json, "\xc2\x85", "\\u0085");
    EXPECT(json, "x\xe2\x80\xaey", "x\\u202ey");
    EXPECT(json, "\xe2\x80\xa8", "\\u2028");
    EXPECT(json, "bad\xff" "z", "bad\xef\xbf\xbdz");
    EXPECT(json, "nul\0", "nul\\u0000");
    EXPECT(json, "<a>&", "<a>&");
    EXPECT(json_html, "</script><!--&", "\\u003c/script\\u003e\\u003c!--\\u0026");
    EXPECT(json, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

static void test_csv(void)
{
    EXPECT(csv, "plain", "plain");
    EXPECT(csv, "a,b", "\"a,b\"");
    EXPECT(csv, "say \"hi\"", "\"say \"\"hi\"\"\"");
    EXPECT(csv, "l1\r\nl2", "\"l1\r\nl2\"");
    EXPECT(csv, "=1+1", "'=1+1");
    EXPECT(csv, "+1", "'+1");
    EXPECT(csv, "-1", "'-1");
    EXPECT(csv, "@SUM(A1)", "'@SUM(A1)");
    EXPECT(csv, "\tx", "'\tx");
    EXPECT(csv, "\rx", "\"'\rx\"");
    EXPECT(csv, "=a,b", "\"'=a,b\"");
    EXPECT(csv, " lead", "\" lead\"");
    EXPECT(csv, "a=1", "a=1");
    EXPECT(csv, "bad\xff", "bad\xef\xbf\xbd");
    EXPECT(csv, "", "");
    EXPECT(csv, "a\0b", "a\xef\xbf\xbd" "b");
    hh_buf b;
    hh_buf_init(&b);
    hh_esc_csv(&b, "-5", 2, 0); /* numbers are not neutralised */
    CHECK_STR(&b, "-5");
    hh_buf_free(&b);
}

static void html(hh_buf *b, const char *s, size_t n) { hh_esc_html(b, s, n); }

static void test_html(void)
{
    EXPECT(html, "<script>&\"'", "&lt;script&gt;&amp;&quot;&#39;");
    EXPECT(html, "a\x1b[1m\n\xe2\x80\xae\xff", "a\\x1b[1m\\n\\u202e\\xff");
    EXPECT(html, "caf\xc3\xa9", "caf\xc3\xa9");
}

static void test_time(void)
{
    long long t;
    CHECK(hh_parse_iso8601("1970-01-01T00:00:00Z", 20, &t) && t == 0);
    CHECK(hh_parse_iso8601("2024-03-01T02:03:04Z", 20, &t) && t == 1709258584);
    CHECK(hh_parse_iso8601("2024-03-01 02:03:04.1234567Z", 28, &t) && t == 1709258584);
    CHECK(hh_parse_iso8601("2024-03-01T02:03:04+00:00", 25, &t) && t == 1709258584);
    CHECK(hh_parse_iso8601("1601-01-01T00:00:00Z", 20, &t) && t == -11644473600LL);
    CHECK(!hh_parse_iso8601("2024-03-01T02:03:04+02:00", 25, &t));
    CHECK(!hh_parse_iso8601("2024-13-01T02:03:04Z", 20, &t));
    CHECK(!hh_parse_iso8601("2024-03-01", 10, &t));
    CHECK(!hh_parse_iso8601("garbage that is long enough", 27, &t));
    char out[48];
    hh_format_iso8601(1709258584, out);
    CHECK(strcmp(out, "2024-03-01T02:03:04Z") == 0);
    hh_format_iso8601(-11644473600LL, out);
    CHECK(strcmp(out, "1601-01-01T00:00:00Z") == 0);
    for (long long s = -20000000000LL; s < 20000000000LL; s += 7777777) {
        hh_format_iso8601(s, out);
        long long back;
        CHECK(hh_parse_iso8601(out, strlen(out), &back) && back == s);
    }
}

/* hh_filetime_iso writes what gmtime + strftime would, across FILETIME's
 * range (its own digits up to 9999, the C library's past it). */
static void test_filetime_iso(void)
{
    char want[64], got[64];
    uint64_t samples[] = {116444736000000000ULL, 129781039310000000ULL, 1ULL, 9999999ULL,
                          116444735999999999ULL, 126227808000000000ULL /* 2001-01-01 */,
                          2650467743999999999ULL /* 9999-12-31T23:59:59 */,
                          2650467744000000000ULL /* 10000-01-01 */, 0x7FFFFFFFFFFFFFFFULL};
    uint64_t seed = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        uint64_t ft;
        if (i < (int)(sizeof samples / sizeof samples[0])) {
            ft = samples[i];
        } else {
            seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
            ft = 1 + seed % 2650467744000000000ULL;
        }
        time_t t = (time_t)hh_filetime_unix(ft);
        struct tm tm;
        CHECK(gmtime_r(&t, &tm) != NULL);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        hh_filetime_iso(ft, got, sizeof got);
        if (strcmp(got, want) != 0) {
            fprintf(stderr, "filetime %llu: got %s, want %s\n", (unsigned long long)ft, got, want);
            failures++;
        }
    }
    hh_filetime_iso(0, got, sizeof got);
    CHECK(got[0] == '\0'); /* no time */
    CHECK(!hh_utc_text(0, got, 20)); /* no room */
}

static void test_formats(void)
{
    hh_format f;
    CHECK(hh_format_parse("jsonl", &f) && f == HH_FMT_JSONL);
    CHECK(!hh_format_parse("JSON", &f));
    CHECK(!hh_format_parse("", &f));
    CHECK(!hh_format_parse(NULL, &f));
    CHECK(hh_format_parse("html", &f) && f == HH_FMT_HTML);
    CHECK(strcmp(hh_format_name(HH_FMT_TLN), "tln") == 0);
}

/* Writes the report built by chunk (which returns it) to a memory stream. */
static int write_chunk(lua_State *L, const char *chunk, hh_format fmt, char **text, char *err, size_t errlen)
{
    if (luaL_dostring(L, chunk) != LUA_OK) {
        fprintf(stderr, "fixture: %s\n", lua_tostring(L, -1));
        exit(1);
    }
    size_t len = 0;
    FILE *out = open_memstream(text, &len);
    int top = lua_gettop(L);
    int rc = hh_report_write(L, -1, fmt, out, 0, err, errlen);
    CHECK(lua_gettop(L) == top); /* the stack is left as it was */
    fclose(out);
    lua_pop(L, 1);
    return rc;
}

static void test_report_errors(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    char err[256], *text = NULL;

    CHECK(write_chunk(L, "return 42", HH_FMT_JSONL, &text, err, sizeof err) == -1);
    CHECK(strstr(err, "not a table") != NULL);
    free(text);
    CHECK(write_chunk(L, "return {kind='other'}", HH_FMT_JSONL, &text, err, sizeof err) == -1);
    CHECK(strstr(err, "report.kind") != NULL);
    free(text);
    /* A malformed record is refused before anything is written. */
    CHECK(write_chunk(L, "return {kind='findings', findings={{rule='a'}, 'oops'}}", HH_FMT_JSONL, &text, err,
                      sizeof err) == -1);
    CHECK(strstr(err, "record 2") != NULL);
    CHECK(text && text[0] == '\0');
    free(text);

    /* Cycles, depth and odd keys in evidence: null, never a crash or a hang. */
    CHECK(write_chunk(L,
                      "local e = {a=1}; e.self = e; e.wide = {}; for i=1,40 do e.wide['k'..i] = e end\n"
                      "local deep = {}; local d = deep; for i = 1, 40 do d.n = {}; d = d.n end\n"
                      "e.deep = deep; e[true] = 'skipped'; e[2] = 'two'; e['2'] = 'str two'; e[0.5] = 'half'\n"
                      "return {kind='findings', findings={{rule='r', evidence=e}}}",
                      HH_FMT_JSONL, &text, err, sizeof err) == 1);
    CHECK(text && strstr(text, "\"self\":null") != NULL);
    CHECK(text && strstr(text, "\"0.5\":\"half\",\"2\":\"str two\",\"2\":\"two\"") != NULL);
    size_t nulls = 0;
    for (const char *p = text; p && (p = strstr(p, "\"n\":")); p++)
        nulls++;
    CHECK(nulls == 15); /* depth 16 with the record: 15 nested levels of "n" */
    CHECK(text && strstr(text, "{\"n\":null}") != NULL);
    free(text);

    /* Sequences are arrays, holes make objects, empty list fields are []. */
    CHECK(write_chunk(L,
                      "return {kind='services', rows={{name='s', depend_on_service={}, required_privileges={'A','B'},"
                      " values={[1]='x',[3]='y'}}}}",
                      HH_FMT_JSONL, &text, err, sizeof err) == 1);
    CHECK(text && strstr(text, "\"depend_on_service\":[],\"required_privileges\":[\"A\",\"B\"]") != NULL);
    CHECK(text && strstr(text, "\"values\":{\"1\":\"x\",\"3\":\"y\"}") != NULL);
    free(text);

    /* Tables past what the writer keeps on the Lua stack (4,096 pairs) or
     * sorts on the C stack (32 keys) are written the same way: every key,
     * sorted; arrays in order. */
    CHECK(write_chunk(L,
                      "local big, list = {}, {}\n"
                      "for i = 1, 5000 do big[string.format('k%05d', 5001 - i)] = i; list[i] = i end\n"
                      "return {kind='findings', findings={{rule='r', evidence={big=big, list=list}}}}",
                      HH_FMT_JSONL, &text, err, sizeof err) == 1);
    int sorted = text != NULL;
    const char *at = text;
    for (int i = 1; sorted && i <= 5000; i++) {
        char want[32];
        snprintf(want, sizeof want, "\"k%05d\":%d", i, 5001 - i);
        const char *hit = strstr(at, want);
        sorted = hit != NULL;
        at = hit ? hit : at;
    }
    CHECK(sorted);
    CHECK(text && strstr(text, "\"list\":[1,2,3,") && strstr(text, ",4999,5000]"));
    free(text);
    CHECK(write_chunk(L,
                      "local mid = {}\n"
                      "for i = 1, 40 do mid['m' .. (i % 7) .. i] = {i} end\n"
                      "return {kind='findings', findings={{rule='r', evidence=mid}}}",
                      HH_FMT_JSONL, &text, err, sizeof err) == 1);
    CHECK(text && strstr(text, "{\"m014\":[14],\"m021\":[21],\"m028\":[28],\"m035\":[35],\"m07\":[7],"
                               "\"m11\":[1],\"m115\":[15],") != NULL);
    free(text);

    /* Integers at the edges of their range. */
    CHECK(write_chunk(L, "return {kind='findings', findings={{rule='r', evidence={math.mininteger, -1, 0, 7,"
                         " math.maxinteger}}}}",
                      HH_FMT_JSONL, &text, err, sizeof err) == 1);
    CHECK(text && strstr(text, "[-9223372036854775808,-1,0,7,9223372036854775807]") != NULL);
    free(text);

    /* A full disk is an error, not a silent short report. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        luaL_dostring(L, "local r = {kind='findings', findings={}} for i=1,2000 do r.findings[i]={rule='r'..i} end "
                         "return r");
        CHECK(hh_report_write(L, -1, HH_FMT_CSV, full, 0, err, sizeof err) == -1);
        CHECK(strstr(err, "write failed") != NULL);
        fclose(full);
        lua_pop(L, 1);
    }
    lua_close(L);
}

int main(void)
{
    test_term();
    test_json();
    test_csv();
    test_html();
    test_time();
    test_filetime_iso();
    test_formats();
    test_report_errors();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("report unit tests: ok");
    return 0;
}
