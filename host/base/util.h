/* Layer: base, the bottom. May call: libc only. */
/* Small helpers: little-endian access, strings, time. */
#ifndef HH_UTIL_H
#define HH_UTIL_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t hh_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t hh_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t hh_le64(const uint8_t *p) { return (uint64_t)hh_le32(p) | ((uint64_t)hh_le32(p + 4) << 32); }
static inline uint32_t hh_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline void hh_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void hh_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

char *hh_strdup(const char *s);
char *hh_join3(const char *a, const char *b, const char *c);
/* Appends UTF-8 for code point cp to buf (room for 4 bytes); returns bytes written. */
size_t hh_utf8_put(char *buf, uint32_t cp);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t hh_utf8_valid_seq(const unsigned char *s, size_t n);

/* The entry names of dir (without . and ..), sorted bytewise so results do
 * not depend on the filesystem's order; NULL when dir cannot be opened.
 * Free with hh_names_free. */
char **hh_dir_names_sorted(const char *dir, size_t *n);
void hh_names_free(char **names, size_t n);

/* Days since 1970-01-01 to a proleptic Gregorian date. */
void hh_civil_from_days(long long days, long long *year, unsigned *month, unsigned *day);
/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf (>= 21 bytes).
 * Returns 0, writing nothing, for years outside 0000..9999. */
int hh_utc_text(long long t, char *buf, size_t buflen);

/* The whole of a file of at most max bytes, NUL-terminated (*len without
 * the NUL); NULL with a one-line reason in err when it cannot be read or
 * is larger. Free with free(). */
char *hh_read_text_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
