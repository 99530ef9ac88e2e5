/* Layer: base, the bottom. May call: libc only. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hivehunt/plugin.h"

char *hh_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *hh_join3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *d = malloc(la + lb + lc + 1);
    if (!d)
        return NULL;
    memcpy(d, a, la);
    memcpy(d + la, b, lb);
    memcpy(d + la + lb, c, lc + 1);
    return d;
}

size_t hh_utf8_put(char *buf, uint32_t cp)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t hh_utf8_valid_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

size_t hh_utf16le_to_utf8_into(const uint8_t *data, size_t len, int stop_at_nul, char *out)
{
    size_t units = len / 2;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = hh_le16(data + 2 * i);
        if (u == 0 && stop_at_nul)
            break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            uint32_t lo = hh_le16(data + 2 * (i + 1));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                o += hh_utf8_put(out + o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD; /* a lone surrogate: keep the place, mark the damage */
        o += hh_utf8_put(out + o, u);
    }
    return o;
}

char *hh_utf16le_to_utf8(const uint8_t *data, size_t len, int stop_at_nul, size_t *outlen)
{
    char *out = malloc(len / 2 * 3 + 1);
    if (!out)
        return NULL;
    size_t o = hh_utf16le_to_utf8_into(data, len, stop_at_nul, out);
    out[o] = '\0';
    if (outlen)
        *outlen = o;
    return out;
}

#define FILETIME_UNIX_EPOCH 116444736000000000ULL

int64_t hh_filetime_unix(uint64_t ft)
{
    if (ft >= FILETIME_UNIX_EPOCH)
        return (int64_t)((ft - FILETIME_UNIX_EPOCH) / 10000000ULL);
    return -(int64_t)((FILETIME_UNIX_EPOCH - ft + 9999999ULL) / 10000000ULL);
}

void hh_civil_from_days(long long days, long long *year, unsigned *month, unsigned *day)
{
    /* Whole 400-year eras (146097 days) counted from 0000-03-01, so a leap
     * day falls at the end of each year of the count. */
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (long long)yoe + era * 400 + (*month <= 2);
}

int hh_utc_text(long long t, char *buf, size_t buflen)
{
    long long days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    long long year;
    unsigned month, day;
    hh_civil_from_days(days, &year, &month, &day);
    if (buflen < 21 || year < 0 || year > 9999)
        return 0;
    /* Digits by hand: a services row carries two of these, and gmtime +
     * strftime cost more than the rest of the row's time fields. */
    unsigned v[6] = {(unsigned)year, month, day, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
                     (unsigned)(rem % 60)};
    static const char seps[] = "--T::Z";
    char *o = buf;
    *o++ = (char)('0' + v[0] / 1000);
    *o++ = (char)('0' + v[0] / 100 % 10);
    for (int i = 0; i < 6; i++) {
        *o++ = (char)('0' + v[i] / 10 % 10);
        *o++ = (char)('0' + v[i] % 10);
        *o++ = seps[i];
    }
    *o = '\0';
    return 1;
}

const char *hh_filetime_iso(uint64_t ft, char *buf, size_t buflen)
{
    if (buflen == 0)
        return buf;
    buf[0] = '\0';
    if (ft == 0)
        return buf;
    if (hh_utc_text(hh_filetime_unix(ft), buf, buflen))
        return buf;
    /* Years past 9999 (FILETIME reaches 30828): the C library's digits. */
    time_t t = (time_t)hh_filetime_unix(ft);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return buf;
    strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char *hh_value_type_name(uint32_t type)
{
    static const char *names[] = {
        "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
        "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR",
        "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD"};
    if (type < sizeof names / sizeof names[0])
        return names[type];
    return "REG_UNKNOWN";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **hh_dir_names_sorted(const char *dir, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char **grown = realloc(names, (count + 1) * sizeof *names);
        char *copy = hh_strdup(e->d_name);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                names = grown;
            break;
        }
        names = grown;
        names[count++] = copy;
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, cmp_names);
    *n = count;
    return names ? names : calloc(1, sizeof *names);
}

void hh_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

char *hh_read_text_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(err, errlen, "cannot read it");
        free(buf);
        return NULL;
    }
    if (n > max) {
        snprintf(err, errlen, "larger than %zu bytes", max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
