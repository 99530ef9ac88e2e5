/* Layer: report, its bottom (escape.c); the cli layer uses it too. */
/* Byte buffers and the per-format escapers the reporters share.
 *
 * Two families: display escapers (terminal, html, tln) make every control,
 * bidi override and invalid byte visible as text (\x1b, \n, \u202e, \xff),
 * because the reader is a human who must see what the hive holds; data
 * escapers (json, csv) keep the value faithful within what the format can
 * carry (invalid UTF-8 becomes U+FFFD, nothing else is lost). */
#ifndef HH_ESCAPE_H
#define HH_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable byte buffer. On allocation failure `oom` is set, later writes
 * are dropped, and the caller reports the failure once. data is always
 * NUL-terminated when non-NULL. */
typedef struct hh_buf {
    char *data;
    size_t len, cap;
    int oom;
} hh_buf;

void hh_buf_init(hh_buf *b);
void hh_buf_free(hh_buf *b);
void hh_buf_reset(hh_buf *b);
void hh_buf_put_slow(hh_buf *b, const void *p, size_t n);
/* Appends are inline while the buffer has room: a report writes a few
 * bytes at a time, a million times for a large case. */
static inline void hh_buf_put(hh_buf *b, const void *p, size_t n)
{
    if (b->len + n < b->cap) {
        if (n)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        hh_buf_put_slow(b, p, n);
    }
}
static inline void hh_buf_puts(hh_buf *b, const char *s) { hh_buf_put(b, s, strlen(s)); }
static inline void hh_buf_putc(hh_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
    } else {
        hh_buf_put_slow(b, &c, 1);
    }
}
void hh_buf_printf(hh_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n copies of c. */
void hh_buf_fill(hh_buf *b, char c, size_t n);

#define HH_CP_INVALID 0xFFFFFFFFu

/* Decodes the code point at s (n bytes left, n >= 1). Returns the bytes used
 * (1..4); an invalid or truncated sequence uses 1 byte and sets *cp to
 * HH_CP_INVALID. */
size_t hh_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* C0, DEL, C1, the bidi embeddings/overrides/isolates (U+202A-202E,
 * U+2066-2069), LRM/RLM/ALM and the line/paragraph separators: anything that
 * can move the cursor, recolour a terminal or reorder what the reader sees. */
int hh_cp_is_unsafe(uint32_t cp);
/* Columns a code point takes in a terminal: 0 (combining), 1, or 2 (wide). */
int hh_cp_width(uint32_t cp);

/* Terminal text: unsafe code points and invalid bytes made visible. When
 * max_width > 0 and the result would be wider, it is cut at a character
 * boundary (never inside an escape) and ends with an ellipsis. Returns the
 * display width written. */
size_t hh_esc_term(hh_buf *b, const char *s, size_t n, size_t max_width);
/* Display width hh_esc_term would produce without a cap. */
size_t hh_esc_term_width(const char *s, size_t n);

/* JSON string body (no quotes). Invalid bytes -> U+FFFD; C0, DEL and C1 ->
 * \u00XX; bidi controls and U+2028/2029 -> \uXXXX so a jsonl file is safe to
 * cat. With html_safe, < > & are \u003c \u003e \u0026 too (for embedding in a
 * <script> block). */
void hh_esc_json(hh_buf *b, const char *s, size_t n, int html_safe);

/* HTML text or attribute value: display-escaped like hh_esc_term (no cap),
 * then & < > " ' as character references. */
void hh_esc_html(hh_buf *b, const char *s, size_t n);

/* One RFC 4180 field. Invalid bytes and NUL (which many CSV readers and
 * spreadsheets reject) -> U+FFFD. When neutralize is set and the
 * field starts with = + - @ TAB or CR, a leading ' stops spreadsheets running
 * it as a formula. Quoted when it holds , " CR LF or starts or ends with a
 * space (some readers trim), quotes doubled. */
void hh_esc_csv(hh_buf *b, const char *s, size_t n, int neutralize);

/* Replaces every invalid byte with U+FFFD; other bytes unchanged. */
void hh_utf8_sanitize(hh_buf *b, const char *s, size_t n);

#endif
