#include "svc_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *svc_start_name(int64_t start, char *buf, size_t buflen)
{
    static const char *const names[] = {"boot", "system", "auto", "demand", "disabled"};
    if (start >= 0 && start <= 4)
        return names[start];
    snprintf(buf, buflen, "unknown(%lld)", (long long)start);
    return buf;
}

const char *svc_type_name(int64_t type, char *buf, size_t buflen)
{
    static const struct { int64_t type; const char *name; } names[] = {
        {0x1, "kernel_driver"},
        {0x2, "filesystem_driver"},
        {0x4, "adapter"},
        {0x8, "recognizer_driver"},
        {0x10, "own_process"},
        {0x20, "share_process"},
        {0x110, "own_process_interactive"},
        {0x120, "share_process_interactive"},
        {0x50, "user_own_process"},
        {0x60, "user_share_process"},
        {0xd0, "user_own_process_instance"},
        {0xe0, "user_share_process_instance"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].type == type)
            return names[i].name;
    if (type < 0)
        snprintf(buf, buflen, "unknown(%lld)", (long long)type);
    else
        snprintf(buf, buflen, "unknown(0x%llx)", (unsigned long long)type);
    return buf;
}

int svc_int_from_bytes(uint32_t type, const uint8_t *data, size_t len, int64_t *out, int *exact)
{
    *exact = 0;
    if (!data || len == 0)
        return 0;
    if (type == 5 /* REG_DWORD_BIG_ENDIAN */) {
        if (len > 4)
            len = 4;
        uint64_t v = 0;
        for (size_t i = 0; i < len; i++)
            v = (v << 8) | data[i];
        *out = (int64_t)v;
        *exact = len == 4;
        return 1;
    }
    /* Everything else is read little-endian: a DWORD uses its first 4 bytes
     * (as Windows does), a QWORD its 8, other data only when it is short
     * enough to be a number at all. */
    size_t use;
    if (type == 4 /* REG_DWORD */)
        use = len < 4 ? len : 4;
    else if (type == 11 /* REG_QWORD */)
        use = len < 8 ? len : 8;
    else if (len <= 8)
        use = len;
    else
        return 0;
    uint64_t v = 0;
    for (size_t i = use; i > 0; i--)
        v = (v << 8) | data[i - 1];
    *out = (int64_t)v;
    *exact = (type == 4 && len == 4) || (type == 11 && len == 8);
    return 1;
}

int svc_int_from_text(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    size_t digits = 0;
    int64_t v = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (++digits > 18)
            return 0; /* would overflow: not a plausible Start or Type */
        v = v * 10 + (s[i++] - '0');
    }
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (digits == 0 || i != len)
        return 0;
    *out = neg ? -v : v;
    return 1;
}

/* ---- svchost command lines ---------------------------------------------- */

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int ends_with_svchost(const char *s, size_t len)
{
    static const char exe[] = "svchost.exe";
    size_t n = sizeof exe - 1;
    if (len < n || strncasecmp(s + len - n, exe, n) != 0)
        return 0;
    return len == n || s[len - n - 1] == '\\' || s[len - n - 1] == '/';
}

/* Next whitespace-separated token, quotes removed from its ends. */
static int next_token(const char **p, const char *end, const char **tok, size_t *toklen)
{
    const char *s = *p;
    while (s < end && is_space(*s))
        s++;
    if (s >= end)
        return 0;
    if (*s == '"') {
        const char *q = memchr(s + 1, '"', (size_t)(end - s - 1));
        *tok = s + 1;
        *toklen = (size_t)((q ? q : end) - s - 1);
        *p = q ? q + 1 : end;
        return 1;
    }
    const char *e = s;
    while (e < end && !is_space(*e))
        e++;
    *tok = s;
    *toklen = (size_t)(e - s);
    *p = e;
    return 1;
}

static int is_switch(const char *tok, size_t len, char letter)
{
    return len == 2 && (tok[0] == '-' || tok[0] == '/') && (tok[1] | 0x20) == letter;
}

void svc_parse_svchost(const char *image_path, size_t len, svc_svchost_args *out)
{
    memset(out, 0, sizeof *out);
    if (!image_path)
        return;
    const char *end = image_path + len;
    const char *p = image_path;
    while (p < end && is_space(*p))
        p++;
    const char *args = NULL;
    if (p < end && *p == '"') {
        const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (!q || !ends_with_svchost(p + 1, (size_t)(q - p - 1)))
            return;
        args = q + 1;
    } else {
        /* Unquoted: the first token that ends in svchost.exe. A path with
         * spaces before it still counts (the policy judges the location). */
        for (const char *s = p; s < end; s++) {
            const char *e = s;
            while (e < end && !is_space(*e))
                e++;
            if (ends_with_svchost(p, (size_t)(e - p))) {
                args = e;
                break;
            }
            /* An earlier executable is what Windows would run. */
            if (e - s >= 4 && strncasecmp(e - 4, ".exe", 4) == 0)
                return;
            s = e;
        }
        if (!args)
            return;
    }
    out->is_svchost = 1;
    const char *tok;
    size_t toklen;
    while (next_token(&args, end, &tok, &toklen)) {
        if (is_switch(tok, toklen, 'k')) {
            const char *g;
            size_t glen;
            if (next_token(&args, end, &g, &glen) && !out->group) {
                out->group = g;
                out->group_len = glen;
            }
        } else if (is_switch(tok, toklen, 'p')) {
            out->p_flag = 1;
        } else if (is_switch(tok, toklen, 's')) {
            const char *sv;
            size_t svlen;
            if (next_token(&args, end, &sv, &svlen) && !out->service) {
                out->service = sv;
                out->service_len = svlen;
            }
        }
    }
}

char *svc_hex(const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * len + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[data[i] >> 4];
        s[2 * i + 1] = digits[data[i] & 15];
    }
    s[2 * len] = '\0';
    return s;
}

int64_t svc_filetime_unix(uint64_t ft)
{
    return (int64_t)(ft / 10000000ULL) - 11644473600LL;
}
