#include "spec.h"
#include "taskcache.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INCLUDE_DEPTH 16
#define BIG_SIZE_LIMIT (64u * 1024u * 1024u)

enum { REG_NONE = 0, REG_SZ = 1, REG_EXPAND_SZ = 2, REG_BINARY = 3, REG_DWORD = 4,
       REG_DWORD_BE = 5, REG_LINK = 6, REG_MULTI_SZ = 7, REG_QWORD = 11 };

typedef struct parser {
    hw_hive *hive;
    const char *name;
    const char *basedir;
    size_t line;
    hw_key *cur;      /* section values go here; NULL after [!path] */
    int in_removed;   /* after [!path]: value lines are an error */
    int depth;
    char *err;
    size_t errlen;
} parser;

static int fail(parser *p, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%s:%zu: %s", p->name, p->line, msg);
    return -1;
}

/* ---- growable code-unit and byte buffers ---- */

typedef struct u16buf { uint16_t *u; size_t n, cap; } u16buf;
typedef struct bytebuf { uint8_t *b; size_t n, cap; } bytebuf;

static void u16_push(u16buf *b, uint16_t c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->u = hw_xrealloc(b->u, b->cap * sizeof *b->u);
    }
    b->u[b->n++] = c;
}

static void bytes_push(bytebuf *b, uint8_t c)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->b = hw_xrealloc(b->b, b->cap);
    }
    b->b[b->n++] = c;
}

static void bytes_push_u16s(bytebuf *b, const u16buf *s, int nul)
{
    for (size_t i = 0; i < s->n; i++) {
        bytes_push(b, (uint8_t)(s->u[i] & 0xFF));
        bytes_push(b, (uint8_t)(s->u[i] >> 8));
    }
    if (nul) {
        bytes_push(b, 0);
        bytes_push(b, 0);
    }
}

static hw_str u16_take(u16buf *b)
{
    hw_str s = { b->u ? b->u : hw_xmalloc(sizeof(uint16_t)), b->n };
    b->u = NULL;
    b->n = b->cap = 0;
    return s;
}

/* ---- lexing helpers over one logical line ---- */

typedef struct cursor { const char *s; size_t i, n; } cursor;

static void skip_ws(cursor *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
        c->i++;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decode one UTF-8 sequence from the spec text into code units. */
static int push_utf8(parser *p, cursor *c, u16buf *out)
{
    const unsigned char *s = (const unsigned char *)c->s;
    unsigned char b0 = s[c->i];
    uint32_t cp;
    size_t len;
    if (b0 < 0x80) { cp = b0; len = 1; }
    else if ((b0 & 0xE0) == 0xC0) { cp = b0 & 0x1F; len = 2; }
    else if ((b0 & 0xF0) == 0xE0) { cp = b0 & 0x0F; len = 3; }
    else if ((b0 & 0xF8) == 0xF0) { cp = b0 & 0x07; len = 4; }
    else return fail(p, "invalid UTF-8 in spec (use \\xHH or \\uXXXX escapes)");
    if (c->i + len > c->n)
        return fail(p, "truncated UTF-8 in spec");
    for (size_t k = 1; k < len; k++) {
        if ((s[c->i + k] & 0xC0) != 0x80)
            return fail(p, "invalid UTF-8 in spec");
        cp = (cp << 6) | (s[c->i + k] & 0x3F);
    }
    c->i += len;
    if (cp >= 0x10000) {
        cp -= 0x10000;
        u16_push(out, (uint16_t)(0xD800 + (cp >> 10)));
        u16_push(out, (uint16_t)(0xDC00 + (cp & 0x3FF)));
    } else {
        u16_push(out, (uint16_t)cp);
    }
    return 0;
}

/* A double-quoted string with escapes \\ \" \n \r \t \0 \xHH \uXXXX.
 * \xHH and \uXXXX give one UTF-16 code unit each, so lone surrogates and
 * control characters can be planted on purpose. */
static int parse_quoted(parser *p, cursor *c, u16buf *out)
{
    if (c->i >= c->n || c->s[c->i] != '"')
        return fail(p, "expected '\"'");
    c->i++;
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch == '"') {
            c->i++;
            return 0;
        }
        if (ch != '\\') {
            if (push_utf8(p, c, out) < 0)
                return -1;
            continue;
        }
        if (c->i + 1 >= c->n)
            break;
        char e = c->s[c->i + 1];
        c->i += 2;
        switch (e) {
        case '\\': u16_push(out, '\\'); break;
        case '"': u16_push(out, '"'); break;
        case 'n': u16_push(out, '\n'); break;
        case 'r': u16_push(out, '\r'); break;
        case 't': u16_push(out, '\t'); break;
        case '0': u16_push(out, 0); break;
        case 'x':
        case 'u': {
            size_t digits = e == 'x' ? 2 : 4;
            unsigned v = 0;
            if (c->i + digits > c->n)
                return fail(p, "short \\%c escape", e);
            for (size_t k = 0; k < digits; k++) {
                int h = hexval((unsigned char)c->s[c->i + k]);
                if (h < 0)
                    return fail(p, "bad hex digit in \\%c escape", e);
                v = v * 16 + (unsigned)h;
            }
            c->i += digits;
            u16_push(out, (uint16_t)v);
            break;
        }
        default:
            return fail(p, "unknown escape \\%c", e);
        }
    }
    return fail(p, "unterminated string");
}

static int parse_uint(parser *p, cursor *c, uint64_t max, uint64_t *out)
{
    skip_ws(c);
    size_t start = c->i;
    while (c->i < c->n && isalnum((unsigned char)c->s[c->i]))
        c->i++;
    if (c->i == start)
        return fail(p, "expected a number");
    char tmp[40];
    size_t len = c->i - start;
    if (len >= sizeof tmp)
        return fail(p, "number too long");
    memcpy(tmp, c->s + start, len);
    tmp[len] = 0;
    char *end;
    errno = 0;
    unsigned long long v;
    if (len > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
        v = strtoull(tmp + 2, &end, 16);
    else
        v = strtoull(tmp, &end, 10);
    if (*end || errno || v > max)
        return fail(p, "bad number '%s' (decimal, or hex with 0x)", tmp);
    *out = v;
    return 0;
}

/* Comma- or space-separated hex bytes: 01,02,ff or 01 02 ff. */
static int parse_hex_bytes(parser *p, cursor *c, bytebuf *out)
{
    for (;;) {
        while (c->i < c->n && (c->s[c->i] == ',' || c->s[c->i] == ' ' || c->s[c->i] == '\t'))
            c->i++;
        if (c->i >= c->n)
            return 0;
        int h1 = hexval((unsigned char)c->s[c->i]);
        if (h1 < 0)
            return fail(p, "bad hex byte");
        c->i++;
        int h2 = c->i < c->n ? hexval((unsigned char)c->s[c->i]) : -1;
        if (h2 >= 0) {
            c->i++;
            bytes_push(out, (uint8_t)(h1 * 16 + h2));
        } else {
            bytes_push(out, (uint8_t)h1);
        }
    }
}

/* ---- times ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int hw_parse_iso_time(const char *s, size_t n, uint64_t *out)
{
    char buf[48];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    int y, mo, d, h, mi, se, used = 0;
    if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6)
        return -1;
    if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    uint64_t frac = 0;
    const char *r = buf + used;
    if (*r == '.') {
        int digits = 0;
        r++;
        while (isdigit((unsigned char)*r) && digits < 7) {
            frac = frac * 10 + (uint64_t)(*r - '0');
            r++;
            digits++;
        }
        if (digits == 0 || isdigit((unsigned char)*r))
            return -1;
        while (digits++ < 7)
            frac *= 10;
    }
    if (strcmp(r, "Z") != 0)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d) - days_from_civil(1601, 1, 1);
    uint64_t secs = (uint64_t)days * 86400u + (uint64_t)h * 3600u + (uint64_t)mi * 60u + (uint64_t)se;
    *out = secs * 10000000u + frac;
    return 0;
}

void hw_format_iso_time(uint64_t ft, char *buf, size_t buflen)
{
    uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
    int64_t days = (int64_t)(secs / 86400u) + days_from_civil(1601, 1, 1);
    unsigned rem = (unsigned)(secs % 86400u);
    /* civil_from_days */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    if (frac)
        snprintf(buf, buflen, "%04lld-%02u-%02uT%02u:%02u:%02u.%07lluZ", (long long)y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60, (unsigned long long)frac);
    else
        snprintf(buf, buflen, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
                 rem / 3600, rem / 60 % 60, rem % 60);
}

/* ---- key paths ---- */

typedef struct segs { hw_str *v; size_t n, cap; } segs;

static void segs_free(segs *s)
{
    for (size_t i = 0; i < s->n; i++)
        hw_str_free(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* Segments separated by '\'; a segment in double quotes takes string escapes
 * (so a key name can hold control characters or lone surrogates). Parsing
 * stops at 'stop' (']' in headers, whitespace in @copy). */
static int parse_path(parser *p, cursor *c, char stop, segs *out)
{
    while (c->i < c->n && c->s[c->i] == '\\')
        c->i++;
    while (c->i < c->n && c->s[c->i] != stop && !(stop == ' ' && c->s[c->i] == '\t')) {
        u16buf seg = { 0 };
        if (c->s[c->i] == '"') {
            if (parse_quoted(p, c, &seg) < 0) {
                free(seg.u);
                return -1;
            }
        } else {
            while (c->i < c->n && c->s[c->i] != '\\' && c->s[c->i] != stop &&
                   !(stop == ' ' && c->s[c->i] == '\t')) {
                if (push_utf8(p, c, &seg) < 0) {
                    free(seg.u);
                    return -1;
                }
            }
        }
        if (seg.n == 0) {
            free(seg.u);
            return fail(p, "empty key name in path");
        }
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 8;
            out->v = hw_xrealloc(out->v, out->cap * sizeof *out->v);
        }
        out->v[out->n++] = u16_take(&seg);
        if (c->i < c->n && c->s[c->i] == '\\')
            c->i++;
        else if (c->i < c->n && c->s[c->i] != stop && !(stop == ' ' && c->s[c->i] == '\t'))
            return fail(p, "expected '\\' after quoted key name");
    }
    return 0;
}

/* ---- line handlers ---- */

static int load_file_rec(parser *parent, hw_hive *h, const char *path);

static int handle_section(parser *p, cursor *c)
{
    c->i++; /* '[' */
    char mode = 0;
    if (c->i < c->n && (c->s[c->i] == '-' || c->s[c->i] == '!'))
        mode = c->s[c->i++];
    segs path = { 0 };
    if (parse_path(p, c, ']', &path) < 0) {
        segs_free(&path);
        return -1;
    }
    if (c->i >= c->n || c->s[c->i] != ']') {
        segs_free(&path);
        return fail(p, "missing ']'");
    }
    c->i++;
    p->in_removed = 0;
    if (mode == '!') {
        hw_key *k = path.n ? hw_hive_lookup(p->hive, path.v, path.n, 0) : NULL;
        segs_free(&path);
        if (!k)
            return fail(p, "[!path]: no such key to remove");
        hw_key_remove(k);
        p->cur = NULL;
        p->in_removed = 1;
        skip_ws(c);
        return c->i < c->n ? fail(p, "attributes after [!path]") : 0;
    }
    if (mode == '-' && path.n == 0) {
        segs_free(&path);
        return fail(p, "the root key cannot be deleted");
    }
    hw_key *k;
    if (mode == '-') {
        /* Reopen a deleted key of that name, or add one beside any live key
         * (a service deleted and later created again leaves both). */
        hw_key *parent = hw_hive_lookup(p->hive, path.v, path.n - 1, 1);
        hw_str name = path.v[path.n - 1];
        k = NULL;
        for (size_t i = 0; i < parent->nsub && !k; i++)
            if (parent->sub[i]->deleted && hw_str_casecmp(parent->sub[i]->name, name) == 0)
                k = parent->sub[i];
        if (!k) {
            k = hw_key_new(hw_str_dup(name), parent);
            k->deleted = 1;
        }
    } else {
        k = hw_hive_lookup(p->hive, path.v, path.n, 1);
    }
    segs_free(&path);
    p->cur = k;
    /* Attributes: @lastwrite=ISO  @class="..." */
    for (;;) {
        skip_ws(c);
        if (c->i >= c->n)
            return 0;
        if (c->n - c->i > 11 && strncmp(c->s + c->i, "@lastwrite=", 11) == 0) {
            c->i += 11;
            size_t start = c->i;
            while (c->i < c->n && !isspace((unsigned char)c->s[c->i]))
                c->i++;
            if (hw_parse_iso_time(c->s + start, c->i - start, &k->last_write) < 0)
                return fail(p, "bad @lastwrite time (want YYYY-MM-DDTHH:MM:SSZ)");
            k->has_last_write = 1;
        } else if (c->n - c->i > 7 && strncmp(c->s + c->i, "@class=", 7) == 0) {
            c->i += 7;
            u16buf cls = { 0 };
            if (parse_quoted(p, c, &cls) < 0) {
                free(cls.u);
                return -1;
            }
            hw_str_free(&k->class_name);
            k->class_name = u16_take(&cls);
            k->has_class = 1;
        } else {
            return fail(p, "unknown key attribute (want @lastwrite= or @class=)");
        }
    }
}

static int starts_with(cursor *c, const char *w)
{
    size_t len = strlen(w);
    if (c->n - c->i < len || strncmp(c->s + c->i, w, len) != 0)
        return 0;
    c->i += len;
    return 1;
}

static int parse_value_data(parser *p, cursor *c, hw_value *v)
{
    bytebuf data = { 0 };
    skip_ws(c);
    int rc = 0;
    if (c->i < c->n && c->s[c->i] == '"') {
        u16buf s = { 0 };
        v->type = REG_SZ;
        rc = parse_quoted(p, c, &s);
        bytes_push_u16s(&data, &s, 1);
        free(s.u);
    } else if ((v->type = REG_SZ, starts_with(c, "sz:")) ||
               (v->type = REG_EXPAND_SZ, starts_with(c, "expand_sz:")) ||
               (v->type = REG_LINK, starts_with(c, "link:"))) {
        u16buf s = { 0 };
        skip_ws(c);
        rc = parse_quoted(p, c, &s);
        /* REG_LINK targets are stored without a terminator, as Windows does. */
        bytes_push_u16s(&data, &s, v->type != REG_LINK);
        free(s.u);
    } else if (starts_with(c, "dword_be:") || starts_with(c, "dword:")) {
        int be = c->s[c->i - 2] == 'e';
        uint64_t x;
        v->type = be ? REG_DWORD_BE : REG_DWORD;
        rc = parse_uint(p, c, 0xFFFFFFFFu, &x);
        for (int k = 0; k < 4; k++)
            bytes_push(&data, (uint8_t)(x >> (be ? 24 - 8 * k : 8 * k)));
    } else if (starts_with(c, "qword:")) {
        uint64_t x;
        v->type = REG_QWORD;
        rc = parse_uint(p, c, UINT64_MAX, &x);
        for (int k = 0; k < 8; k++)
            bytes_push(&data, (uint8_t)(x >> (8 * k)));
    } else if (starts_with(c, "multi_sz:")) {
        v->type = REG_MULTI_SZ;
        for (;;) {
            while (c->i < c->n && (c->s[c->i] == ',' || c->s[c->i] == ' ' || c->s[c->i] == '\t'))
                c->i++;
            if (c->i >= c->n)
                break;
            u16buf s = { 0 };
            rc = parse_quoted(p, c, &s);
            bytes_push_u16s(&data, &s, 1);
            free(s.u);
            if (rc < 0)
                break;
        }
        bytes_push(&data, 0);
        bytes_push(&data, 0);
    } else if (starts_with(c, "hex:") || starts_with(c, "binary:")) {
        v->type = REG_BINARY;
        rc = parse_hex_bytes(p, c, &data);
    } else if (starts_with(c, "none:")) {
        v->type = REG_NONE;
        rc = parse_hex_bytes(p, c, &data);
    } else if (starts_with(c, "none")) {
        v->type = REG_NONE;
    } else if (starts_with(c, "type(")) {
        uint64_t t;
        rc = parse_uint(p, c, 0xFFFFFFFFu, &t);
        if (rc == 0 && !starts_with(c, "):"))
            rc = fail(p, "expected '):' after type(N");
        v->type = (uint32_t)t;
        if (rc == 0)
            rc = parse_hex_bytes(p, c, &data);
    } else if (starts_with(c, "fill(")) {
        /* fill(N):HH — N bytes of HH as REG_BINARY, for big-data values. */
        uint64_t cnt, b;
        v->type = REG_BINARY;
        rc = parse_uint(p, c, BIG_SIZE_LIMIT, &cnt);
        if (rc == 0 && !starts_with(c, "):"))
            rc = fail(p, "expected '):' after fill(N");
        if (rc == 0)
            rc = parse_uint(p, c, 0xFF, &b);
        for (uint64_t k = 0; rc == 0 && k < cnt; k++)
            bytes_push(&data, (uint8_t)b);
    } else {
        rc = fail(p, "unknown value syntax (see testdata/README.md)");
    }
    skip_ws(c);
    if (rc == 0 && c->i < c->n)
        rc = fail(p, "trailing text after value");
    if (rc < 0) {
        free(data.b);
        return -1;
    }
    v->data = data.b ? data.b : hw_xmalloc(1);
    v->len = data.n;
    return 0;
}

static int handle_value(parser *p, cursor *c)
{
    if (p->in_removed)
        return fail(p, "value line after [!path] (the key was removed)");
    if (!p->cur)
        return fail(p, "value line before any [key] section");
    hw_value v = { 0 };
    u16buf name = { 0 };
    if (c->s[c->i] == '@') {
        c->i++;
    } else if (parse_quoted(p, c, &name) < 0) {
        free(name.u);
        return -1;
    }
    v.name = u16_take(&name);
    skip_ws(c);
    if (c->i >= c->n || c->s[c->i] != '=') {
        hw_str_free(&v.name);
        return fail(p, "expected '=' after value name");
    }
    c->i++;
    skip_ws(c);
    if (c->i < c->n && c->s[c->i] == '-' && c->i + 1 == c->n) {
        if (!hw_key_delete_value(p->cur, v.name)) {
            hw_str_free(&v.name);
            return fail(p, "\"name\"=-: no such value to delete");
        }
        hw_str_free(&v.name);
        return 0;
    }
    if (parse_value_data(p, c, &v) < 0) {
        hw_str_free(&v.name);
        return -1;
    }
    hw_key_set_value(p->cur, &v);
    return 0;
}

static char *rest_word(cursor *c)
{
    skip_ws(c);
    size_t start = c->i;
    while (c->i < c->n && !isspace((unsigned char)c->s[c->i]))
        c->i++;
    char *w = hw_xmalloc(c->i - start + 1);
    memcpy(w, c->s + start, c->i - start);
    return w;
}


/* ---- @task: one scheduled task's TaskCache entries (taskcache.c) ---- */

/* An attribute value: a quoted string, or a bare word up to whitespace. */
static int task_value(parser *p, cursor *c, u16buf *out)
{
    if (c->i < c->n && c->s[c->i] == '"')
        return parse_quoted(p, c, out);
    while (c->i < c->n && !isspace((unsigned char)c->s[c->i]))
        if (push_utf8(p, c, out) < 0)
            return -1;
    return 0;
}

/* The ASCII form of a value (times, numbers, words), NUL-terminated. */
static void task_ascii(const u16buf *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n && n + 1 < cap; i++)
        buf[n++] = v->u[i] < 0x80 ? (char)v->u[i] : '?';
    buf[n] = 0;
}

static int task_time(parser *p, const u16buf *v, uint64_t *out)
{
    char a[64];
    task_ascii(v, a, sizeof a);
    if (hw_parse_iso_time(a, strlen(a), out) < 0)
        return fail(p, "@task: bad time '%s' (want YYYY-MM-DDTHH:MM:SSZ)", a);
    return 0;
}

static int task_clsid(parser *p, const u16buf *v, uint8_t out[16])
{
    char a[64];
    task_ascii(v, a, sizeof a);
    unsigned d1, d2, d3, b[8];
    if (strlen(a) != 38 ||
        sscanf(a, "{%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &d1, &d2, &d3, &b[0], &b[1], &b[2],
               &b[3], &b[4], &b[5], &b[6], &b[7]) != 11)
        return fail(p, "@task: bad CLSID '%s' (want {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX})", a);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(d1 >> (8 * i));
    out[4] = (uint8_t)d2; out[5] = (uint8_t)(d2 >> 8);
    out[6] = (uint8_t)d3; out[7] = (uint8_t)(d3 >> 8);
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)b[i];
    return 0;
}

static int task_hex(parser *p, const u16buf *v, hw_task_blob *out)
{
    char a[8192];
    if (v->n >= sizeof a)
        return fail(p, "@task: raw blob longer than %zu hex digits", sizeof a - 1);
    task_ascii(v, a, sizeof a);
    cursor hc = { a, 0, strlen(a) };
    bytebuf bytes = { 0 };
    if (parse_hex_bytes(p, &hc, &bytes) < 0) {
        free(bytes.b);
        return -1;
    }
    free(out->b);
    out->b = bytes.b;
    out->n = bytes.n;
    out->set = 1;
    return 0;
}

static hw_task_action *task_last(hw_task *t, unsigned type)
{
    for (size_t i = t->nactions; i > 0; i--)
        if (t->actions[i - 1].type == type)
            return &t->actions[i - 1];
    return NULL;
}

static int task_attr(parser *p, hw_task *t, const char *name, u16buf *v, int has_value)
{
    char a[64];
    task_ascii(v, a, sizeof a);
    static const struct { const char *name; size_t off; } STRS[] = {
        { "guid", offsetof(hw_task, guid) }, { "author", offsetof(hw_task, author) },
        { "description", offsetof(hw_task, description) }, { "uri", offsetof(hw_task, uri) },
        { "date", offsetof(hw_task, date) }, { "source", offsetof(hw_task, source) },
        { "version", offsetof(hw_task, version) }, { "context", offsetof(hw_task, context) },
        { "run_as", offsetof(hw_task, run_as) },
    };
    for (size_t i = 0; i < sizeof STRS / sizeof STRS[0]; i++) {
        if (strcmp(name, STRS[i].name) == 0) {
            hw_str *dst = (hw_str *)((char *)t + STRS[i].off);
            hw_str_free(dst);
            *dst = u16_take(v);
            return 0;
        }
    }
    if (!has_value) {
        if (strcmp(name, "nosd") == 0) t->no_sd = 1;
        else if (strcmp(name, "settings_hidden") == 0) t->settings_hidden = 1;
        else if (strcmp(name, "disabled") == 0) t->disabled = 1;
        else return fail(p, "@task: unknown flag '%s'", name);
        return 0;
    }
    if (strcmp(name, "exec") == 0 || strcmp(name, "com") == 0 || strcmp(name, "email") == 0 ||
        strcmp(name, "message") == 0) {
        if (t->nactions == HW_TASK_MAX_ACTIONS)
            return fail(p, "@task: more than %d actions", HW_TASK_MAX_ACTIONS);
        hw_task_action *act = &t->actions[t->nactions];
        memset(act, 0, sizeof *act);
        act->a = hw_str_from_ascii("");
        act->b = hw_str_from_ascii("");
        act->c = hw_str_from_ascii("");
        t->nactions++;
        if (name[0] == 'c') {
            act->type = HW_ACT_COM;
            return task_clsid(p, v, act->clsid);
        }
        act->type = strcmp(name, "exec") == 0 ? HW_ACT_EXEC
                    : strcmp(name, "email") == 0 ? HW_ACT_EMAIL : HW_ACT_MESSAGE;
        hw_str *dst = act->type == HW_ACT_MESSAGE ? &act->b : &act->a;
        hw_str_free(dst);
        *dst = u16_take(v);
        return 0;
    }
    static const struct { const char *name; unsigned type; int field; } PARTS[] = {
        { "args", HW_ACT_EXEC, 1 }, { "workdir", HW_ACT_EXEC, 2 }, { "data", HW_ACT_COM, 0 },
        { "subject", HW_ACT_EMAIL, 1 }, { "caption", HW_ACT_MESSAGE, 0 },
    };
    for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
        if (strcmp(name, PARTS[i].name) == 0) {
            hw_task_action *act = task_last(t, PARTS[i].type);
            if (!act)
                return fail(p, "@task: %s= before the action it belongs to", name);
            hw_str *dst = PARTS[i].field == 0 ? &act->a : PARTS[i].field == 1 ? &act->b : &act->c;
            hw_str_free(dst);
            *dst = u16_take(v);
            return 0;
        }
    }
    if (strcmp(name, "layout") == 0) {
        if (strcmp(a, "1") != 0 && strcmp(a, "3") != 0)
            return fail(p, "@task: layout=1 or layout=3");
        t->layout = a[0] - '0';
        return 0;
    }
    if (strcmp(name, "trigger") == 0) {
        static const struct { const char *word; unsigned type; uint32_t mode; } TRIG[] = {
            { "boot", 0xFFFF, 0 }, { "logon", 0xAAAA, 0 }, { "idle", 0xEEEE, 0 },
            { "registration", 0x8888, 0 }, { "time", 0xDDDD, 0 }, { "daily", 0xDDDD, 1 } };
        if (t->ntriggers == HW_TASK_MAX_TRIGGERS)
            return fail(p, "@task: more than %d triggers", HW_TASK_MAX_TRIGGERS);
        char *colon = strchr(a, ':');
        size_t wl = colon ? (size_t)(colon - a) : strlen(a);
        for (size_t i = 0; i < sizeof TRIG / sizeof TRIG[0]; i++) {
            if (strlen(TRIG[i].word) == wl && strncmp(a, TRIG[i].word, wl) == 0) {
                hw_task_trigger *tr = &t->triggers[t->ntriggers++];
                tr->type = TRIG[i].type;
                tr->mode = TRIG[i].mode;
                tr->start = 0;
                if (colon && hw_parse_iso_time(colon + 1, strlen(colon + 1), &tr->start) < 0)
                    return fail(p, "@task: bad trigger time in '%s'", a);
                if (tr->type == 0xDDDD && !colon)
                    return fail(p, "@task: trigger=%s needs a start (%s:YYYY-MM-DDTHH:MM:SSZ)", a, a);
                return 0;
            }
        }
        return fail(p, "@task: unknown trigger '%s' (boot, logon, idle, registration, time:T, daily:T)", a);
    }
    if (strcmp(name, "created") == 0) return task_time(p, v, &t->created);
    if (strcmp(name, "last_run") == 0) return task_time(p, v, &t->last_run);
    if (strcmp(name, "last_success") == 0) return task_time(p, v, &t->last_success);
    if (strcmp(name, "tree_lastwrite") == 0) return task_time(p, v, &t->tree_lw);
    if (strcmp(name, "tasks_lastwrite") == 0) return task_time(p, v, &t->tasks_lw);
    if (strcmp(name, "lastwrite") == 0) {
        if (task_time(p, v, &t->tree_lw) < 0)
            return -1;
        t->tasks_lw = t->tree_lw;
        return 0;
    }
    if (strcmp(name, "lists") == 0) {
        t->lists = 0;
        for (char *w = strtok(a, ","); w; w = strtok(NULL, ",")) {
            if (strcmp(w, "boot") == 0) t->lists |= HW_LIST_BOOT;
            else if (strcmp(w, "logon") == 0) t->lists |= HW_LIST_LOGON;
            else if (strcmp(w, "plain") == 0) t->lists |= HW_LIST_PLAIN;
            else if (strcmp(w, "maintenance") == 0) t->lists |= HW_LIST_MAINTENANCE;
            else if (strcmp(w, "none") == 0) t->lists = HW_LIST_NONE;
            else return fail(p, "@task: unknown list '%s' (boot, logon, plain, maintenance, none)", w);
        }
        return 0;
    }
    if (strcmp(name, "index") == 0) {
        char *end;
        long x = strtol(a, &end, 10);
        if (!*a || *end || x < 0 || x > 0xFFFFFFFFL)
            return fail(p, "@task: bad index '%s'", a);
        t->index = x;
        return 0;
    }
    if (strcmp(name, "only") == 0) {
        if (strcmp(a, "tree") == 0) t->only = HW_TASK_TREE_ONLY;
        else if (strcmp(a, "tasks") == 0) t->only = HW_TASK_TASKS_ONLY;
        else return fail(p, "@task: only=tree or only=tasks");
        return 0;
    }
    if (strcmp(name, "raw_actions") == 0) return task_hex(p, v, &t->raw_actions);
    if (strcmp(name, "raw_triggers") == 0) return task_hex(p, v, &t->raw_triggers);
    if (strcmp(name, "raw_dynamic") == 0) return task_hex(p, v, &t->raw_dynamic);
    return fail(p, "@task: unknown attribute '%s'", name);
}

static int handle_task(parser *p, cursor *c)
{
    hw_task t = { 0 };
    t.layout = 3;
    t.index = -1;
    u16buf path = { 0 };
    skip_ws(c);
    int rc = task_value(p, c, &path);
    t.path = u16_take(&path);
    while (rc == 0) {
        skip_ws(c);
        if (c->i >= c->n)
            break;
        char name[32];
        size_t n = 0;
        while (c->i < c->n && (isalnum((unsigned char)c->s[c->i]) || c->s[c->i] == '_') && n + 1 < sizeof name)
            name[n++] = c->s[c->i++];
        name[n] = 0;
        if (n == 0) {
            rc = fail(p, "@task: expected an attribute name");
            break;
        }
        u16buf v = { 0 };
        int has_value = c->i < c->n && c->s[c->i] == '=';
        if (has_value) {
            c->i++;
            rc = task_value(p, c, &v);
        } else if (c->i < c->n && !isspace((unsigned char)c->s[c->i])) {
            rc = fail(p, "@task: expected '=' or a space after '%s'", name);
        }
        if (rc == 0)
            rc = task_attr(p, &t, name, &v, has_value);
        free(v.u);
    }
    if (rc == 0 && hw_task_add(p->hive, &t, p->err, p->errlen) < 0) {
        char why[300];
        snprintf(why, sizeof why, "%s", p->err);
        rc = fail(p, "%s", why);
    }
    hw_task_free(&t);
    return rc;
}

static int handle_directive(parser *p, cursor *c)
{
    hw_hive *h = p->hive;
    c->i++; /* '@' */
    if (starts_with(c, "include ") || starts_with(c, "include\t")) {
        skip_ws(c);
        char *file = hw_xmalloc(c->n - c->i + 1);
        memcpy(file, c->s + c->i, c->n - c->i);
        char *full = file;
        if (file[0] != '/' && p->basedir) {
            full = hw_xmalloc(strlen(p->basedir) + strlen(file) + 2);
            sprintf(full, "%s/%s", p->basedir, file);
        }
        int rc = load_file_rec(p, h, full);
        if (full != file)
            free(full);
        free(file);
        return rc;
    }
    if (starts_with(c, "root ") || starts_with(c, "filename ")) {
        int is_root = c->s[c->i - 2] == 't';
        skip_ws(c);
        u16buf s = { 0 };
        if (c->i < c->n && c->s[c->i] == '"') {
            if (parse_quoted(p, c, &s) < 0) {
                free(s.u);
                return -1;
            }
        } else {
            while (c->i < c->n)
                if (push_utf8(p, c, &s) < 0) {
                    free(s.u);
                    return -1;
                }
        }
        hw_str *dst = is_root ? &h->root->name : &h->file_name;
        hw_str_free(dst);
        *dst = u16_take(&s);
        if (is_root && dst->n == 0)
            return fail(p, "@root: empty name");
        return 0;
    }
    int is_default = starts_with(c, "default-lastwrite ");
    if (is_default || starts_with(c, "timestamp ")) {
        char *w = rest_word(c);
        uint64_t t;
        int rc = hw_parse_iso_time(w, strlen(w), &t);
        free(w);
        if (rc < 0)
            return fail(p, "bad time (want YYYY-MM-DDTHH:MM:SSZ)");
        if (is_default)
            h->default_last_write = t;
        else
            h->timestamp = t;
        return 0;
    }
    if (starts_with(c, "version ")) {
        char *w = rest_word(c);
        int ok = strcmp(w, "1.3") == 0 || strcmp(w, "1.5") == 0;
        if (ok)
            h->minor = (uint32_t)(w[2] - '0');
        free(w);
        return ok ? 0 : fail(p, "@version: 1.3 or 1.5");
    }
    if (starts_with(c, "dirty")) {
        h->dirty = 1;
        return 0;
    }
    if (starts_with(c, "ri-threshold ")) {
        uint64_t t;
        if (parse_uint(p, c, 65535, &t) < 0)
            return -1;
        if (t < 1)
            return fail(p, "@ri-threshold must be at least 1");
        h->ri_threshold = (unsigned)t;
        return 0;
    }
    if (starts_with(c, "task ") || starts_with(c, "task\t"))
        return handle_task(p, c);
    if (starts_with(c, "copy ")) {
        segs src = { 0 }, dst = { 0 };
        skip_ws(c);
        int rc = parse_path(p, c, ' ', &src);
        skip_ws(c);
        if (rc == 0)
            rc = parse_path(p, c, ' ', &dst);
        if (rc == 0 && (src.n == 0 || dst.n == 0))
            rc = fail(p, "@copy SRC DST: both paths required");
        hw_key *s = rc == 0 ? hw_hive_lookup(h, src.v, src.n, 0) : NULL;
        if (rc == 0 && !s)
            rc = fail(p, "@copy: source key does not exist");
        if (rc == 0) {
            hw_key *parent = hw_hive_lookup(h, dst.v, dst.n - 1, 1);
            hw_key *old = hw_key_child(parent, dst.v[dst.n - 1]);
            for (hw_key *a = parent; a; a = a->parent)
                if (a == s)
                    rc = fail(p, "@copy: destination inside source");
            if (rc == 0) {
                if (old)
                    hw_key_remove(old);
                hw_key_copy(s, parent, hw_str_dup(dst.v[dst.n - 1]));
            }
        }
        segs_free(&src);
        segs_free(&dst);
        return rc;
    }
    return fail(p, "unknown directive");
}

static int handle_line(parser *p, const char *s, size_t n)
{
    cursor c = { s, 0, n };
    skip_ws(&c);
    while (c.n > c.i && isspace((unsigned char)c.s[c.n - 1]))
        c.n--;
    if (c.i >= c.n || c.s[c.i] == '#' || c.s[c.i] == ';')
        return 0;
    switch (c.s[c.i]) {
    case '[':
        return handle_section(p, &c);
    case '"':
        return handle_value(p, &c);
    case '@':
        if (c.i + 1 < c.n && (c.s[c.i + 1] == '=' || c.s[c.i + 1] == ' ' || c.s[c.i + 1] == '\t')) {
            size_t j = c.i + 1;
            while (j < c.n && (c.s[j] == ' ' || c.s[j] == '\t'))
                j++;
            if (j < c.n && c.s[j] == '=')
                return handle_value(p, &c);
        }
        return handle_directive(p, &c);
    default:
        return fail(p, "cannot parse line (want [key], \"value\"=..., @=..., or @directive)");
    }
}

static int run_text(parser *p, const char *text, size_t len)
{
    char *logical = NULL;
    size_t lcap = 0, llen = 0, start_line = 0;
    size_t i = 0, lineno = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        lineno++;
        size_t n = e - i;
        if (n && text[i + n - 1] == '\r')
            n--;
        /* A trailing backslash continues a value line (long hex or multi_sz). */
        int cont = 0;
        size_t t = n;
        while (t && (text[i + t - 1] == ' ' || text[i + t - 1] == '\t'))
            t--;
        if (t && text[i + t - 1] == '\\' && (t < 2 || text[i + t - 2] != '\\')) {
            cont = 1;
            n = t - 1;
        }
        if (llen == 0)
            start_line = lineno;
        if (llen + n + 1 > lcap) {
            lcap = (llen + n + 1) * 2;
            logical = hw_xrealloc(logical, lcap);
        }
        memcpy(logical + llen, text + i, n);
        llen += n;
        if (!cont) {
            p->line = start_line;
            rc = handle_line(p, logical, llen);
            llen = 0;
        }
        i = e + 1;
    }
    if (rc == 0 && llen) {
        p->line = start_line;
        rc = handle_line(p, logical, llen);
    }
    free(logical);
    return rc;
}

int hw_spec_load_text(hw_hive *h, const char *text, size_t len, const char *name,
                      const char *basedir, char *err, size_t errlen)
{
    parser p = { .hive = h, .name = name, .basedir = basedir, .err = err, .errlen = errlen };
    return run_text(&p, text, len);
}

static int load_file_rec(parser *parent, hw_hive *h, const char *path)
{
    if (parent && parent->depth >= MAX_INCLUDE_DEPTH)
        return fail(parent, "@include nested too deep");
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (parent)
            return fail(parent, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *text = hw_xmalloc(cap);
    size_t got;
    while ((got = fread(text + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            cap *= 2;
            text = hw_xrealloc(text, cap);
        }
    }
    fclose(f);
    char *dir = hw_xmalloc(strlen(path) + 2);
    strcpy(dir, path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    parser p = { .hive = h, .name = path, .basedir = dir, .depth = parent ? parent->depth + 1 : 0,
                 .err = parent ? parent->err : NULL, .errlen = parent ? parent->errlen : 0 };
    int rc = run_text(&p, text, len);
    free(text);
    free(dir);
    return rc;
}

int hw_spec_load_file(hw_hive *h, const char *path, char *err, size_t errlen)
{
    parser top = { .hive = h, .name = path, .err = err, .errlen = errlen, .depth = -1 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fclose(f);
    return load_file_rec(&top, h, path);
}
