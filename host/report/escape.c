/* Layer: report, its bottom. May call: libc only. */
#include "escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hh_buf_init(hh_buf *b) { memset(b, 0, sizeof *b); }

void hh_buf_free(hh_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void hh_buf_reset(hh_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(hh_buf *b, size_t extra)
{
    if (b->oom)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = 1;
        return 0;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = 1;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void hh_buf_put_slow(hh_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hh_buf_fill(hh_buf *b, char c, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void hh_buf_printf(hh_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        hh_buf_put(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t hh_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else goto invalid;
    if (n < len)
        goto invalid;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto invalid;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* Overlongs, surrogates and values past U+10FFFF are not UTF-8. */
    if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)))
        goto invalid;
    *cp = v;
    return len;
invalid:
    *cp = HH_CP_INVALID;
    return 1;
}

int hh_cp_is_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C ||
           cp == 0x2028 || cp == 0x2029;
}

int hh_cp_width(uint32_t cp)
{
    /* Combining marks and zero-width characters take no column. */
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
        (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
        cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xFEFF || (cp >= 0xE0100 && cp <= 0xE01EF))
        return 0;
    /* East Asian Wide/Fullwidth blocks and the emoji planes. */
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x1FA70 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

/* The visible form of one decoded unit for display formats. Returns its
 * length in out (ASCII only, so width == length), or 0 when the unit is safe
 * and should be copied as is. */
static size_t display_escape(uint32_t cp, unsigned char byte, char out[16])
{
    if (cp == HH_CP_INVALID)
        return (size_t)snprintf(out, 16, "\\x%02x", byte);
    if (!hh_cp_is_unsafe(cp))
        return 0;
    switch (cp) {
    case '\n': memcpy(out, "\\n", 3); return 2;
    case '\r': memcpy(out, "\\r", 3); return 2;
    case '\t': memcpy(out, "\\t", 3); return 2;
    default: break;
    }
    if (cp < 0x80)
        return (size_t)snprintf(out, 16, "\\x%02x", (unsigned)cp);
    return (size_t)snprintf(out, 16, "\\u%04x", (unsigned)cp);
}

size_t hh_esc_term_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t w = 0;
    char tmp[16];
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = hh_utf8_decode(p + i, n - i, &cp);
        size_t e = display_escape(cp, p[i], tmp);
        w += e ? e : (size_t)hh_cp_width(cp);
        i += len;
    }
    return w;
}

size_t hh_esc_term(hh_buf *b, const char *s, size_t n, size_t max_width)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t limit = SIZE_MAX;
    if (max_width > 0 && hh_esc_term_width(s, n) > max_width)
        limit = max_width - 1; /* room for the ellipsis */
    size_t w = 0;
    char tmp[16];
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = hh_utf8_decode(p + i, n - i, &cp);
        size_t e = display_escape(cp, p[i], tmp);
        size_t uw = e ? e : (size_t)hh_cp_width(cp);
        if (w + uw > limit)
            break;
        if (e)
            hh_buf_put(b, tmp, e);
        else
            hh_buf_put(b, p + i, len);
        w += uw;
        i += len;
    }
    if (limit != SIZE_MAX) {
        hh_buf_puts(b, "\xe2\x80\xa6");
        w++;
    }
    return w;
}

static const char replacement[] = "\xef\xbf\xbd";

void hh_utf8_sanitize(hh_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0; /* start of the pending run of valid bytes */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = hh_utf8_decode(p + i, n - i, &cp);
        if (cp == HH_CP_INVALID) {
            hh_buf_put(b, s + run, i - run);
            hh_buf_put(b, replacement, 3);
            run = i + 1;
        }
        i += len;
    }
    hh_buf_put(b, s + run, n - run);
}

/* Printable ASCII that JSON takes as it is (html_safe also escapes < > &):
 * the common case, copied in runs. One table per mode, built on first use. */
static unsigned char json_plain_tab[2][256];
static int json_plain_ready;

static void json_plain_init(void)
{
    for (int mode = 0; mode < 2; mode++)
        for (int c = 0; c < 256; c++)
            json_plain_tab[mode][c] = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' &&
                                      !(mode && (c == '<' || c == '>' || c == '&'));
    json_plain_ready = 1;
}

void hh_esc_json(hh_buf *b, const char *s, size_t n, int html_safe)
{
    if (!json_plain_ready)
        json_plain_init();
    const unsigned char *plain = json_plain_tab[html_safe ? 1 : 0];
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && plain[p[run]])
            run++;
        if (run > i) {
            hh_buf_put(b, p + i, run - i);
            i = run;
            if (i == n)
                break;
        }
        uint32_t cp;
        size_t len = hh_utf8_decode(p + i, n - i, &cp);
        if (cp == HH_CP_INVALID)
            hh_buf_put(b, replacement, 3);
        else if (cp == '"')
            hh_buf_put(b, "\\\"", 2);
        else if (cp == '\\')
            hh_buf_put(b, "\\\\", 2);
        else if (hh_cp_is_unsafe(cp) || (html_safe && (cp == '<' || cp == '>' || cp == '&')))
            hh_buf_printf(b, "\\u%04x", (unsigned)cp);
        else
            hh_buf_put(b, p + i, len);
        i += len;
    }
}

void hh_esc_html(hh_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    char tmp[16];
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = hh_utf8_decode(p + i, n - i, &cp);
        size_t e = display_escape(cp, p[i], tmp);
        if (e)
            hh_buf_put(b, tmp, e); /* escapes are plain ASCII without markup characters */
        else if (cp == '&')
            hh_buf_puts(b, "&amp;");
        else if (cp == '<')
            hh_buf_puts(b, "&lt;");
        else if (cp == '>')
            hh_buf_puts(b, "&gt;");
        else if (cp == '"')
            hh_buf_puts(b, "&quot;");
        else if (cp == '\'')
            hh_buf_puts(b, "&#39;");
        else
            hh_buf_put(b, p + i, len);
        i += len;
    }
}

void hh_esc_csv(hh_buf *b, const char *s, size_t n, int neutralize)
{
    int formula = neutralize && n > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            quote = 1;
    if (quote)
        hh_buf_putc(b, '"');
    if (formula)
        hh_buf_putc(b, '\'');
    hh_buf tmp;
    hh_buf_init(&tmp);
    hh_utf8_sanitize(&tmp, s, n);
    if (tmp.oom)
        b->oom = 1;
    for (size_t i = 0; i < tmp.len; i++) {
        if (tmp.data[i] == '\0') {
            hh_buf_put(b, replacement, 3);
            continue;
        }
        if (tmp.data[i] == '"')
            hh_buf_putc(b, '"');
        hh_buf_putc(b, tmp.data[i]);
    }
    hh_buf_free(&tmp);
    if (quote)
        hh_buf_putc(b, '"');
}
