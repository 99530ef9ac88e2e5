/* TaskCache blob decoders. Layouts as published for Windows 7-11 (Actions
 * versions 1-3, DynamicInfo of 28 or 36 bytes, Triggers with header versions
 * 0x15-0x17); see task_decode.h for the contract. */
#include "task_decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const uint8_t *b;
    size_t n, pos;
    char *err;
    size_t errlen;
    int failed;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    if (!r->failed && r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    r->failed = 1;
    return 0;
}

static size_t left(const reader *r) { return r->n - r->pos; }

static int need(reader *r, size_t k, const char *what)
{
    if (r->failed)
        return 0;
    if (k > left(r))
        return fail(r, "%s: needs %zu bytes at offset %zu, %zu left", what, k, r->pos, left(r));
    return 1;
}

static int skip(reader *r, size_t k, const char *what)
{
    if (!need(r, k, what))
        return 0;
    r->pos += k;
    return 1;
}

static uint32_t le(const uint8_t *p, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int u8_(reader *r, unsigned *v, const char *what)
{
    if (!need(r, 1, what))
        return 0;
    *v = r->b[r->pos++];
    return 1;
}

static int u16_(reader *r, unsigned *v, const char *what)
{
    if (!need(r, 2, what))
        return 0;
    *v = le(r->b + r->pos, 2);
    r->pos += 2;
    return 1;
}

static int u32_(reader *r, uint32_t *v, const char *what)
{
    if (!need(r, 4, what))
        return 0;
    *v = le(r->b + r->pos, 4);
    r->pos += 4;
    return 1;
}

static int u64_(reader *r, uint64_t *v, const char *what)
{
    if (!need(r, 8, what))
        return 0;
    *v = (uint64_t)le(r->b + r->pos, 4) | ((uint64_t)le(r->b + r->pos + 4, 4) << 32);
    r->pos += 8;
    return 1;
}

/* Bytes of a UTF-16 string whose byte count was just read. */
static int span_of(reader *r, size_t len, td_span *s, const char *what)
{
    if (len % 2)
        return fail(r, "%s: odd string length %zu at offset %zu", what, len, r->pos);
    if (!need(r, len, what))
        return 0;
    s->off = r->pos;
    s->len = len;
    r->pos += len;
    return 1;
}

/* A string with a 4-byte byte count in front (Actions, trigger ids). */
static int bstr(reader *r, td_span *s, const char *what)
{
    uint32_t len;
    return u32_(r, &len, what) && span_of(r, len, s, what);
}

/* Triggers' 8-byte aligned fields: a value, then padding to 8. */
static int aligned_u1(reader *r, unsigned *v, const char *what)
{
    return u8_(r, v, what) && skip(r, 7, what);
}

static int aligned_u4(reader *r, uint32_t *v, const char *what)
{
    return u32_(r, v, what) && skip(r, 4, what);
}

static size_t pad8(size_t len) { return (8 - len % 8) % 8; }

static int aligned_bstr(reader *r, td_span *s, const char *what)
{
    uint32_t len;
    return aligned_u4(r, &len, what) && span_of(r, len, s, what) && skip(r, pad8(len), what);
}

static int aligned_buffer(reader *r, const char *what)
{
    uint32_t len;
    return aligned_u4(r, &len, what) && skip(r, len, what) && skip(r, pad8(len), what);
}

/* A count of UTF-16 characters not counting the terminator that follows. */
static int aligned_bstr_chars(reader *r, td_span *s, const char *what)
{
    uint32_t chars;
    if (!aligned_u4(r, &chars, what))
        return 0;
    if (chars == 0) {
        s->off = r->pos;
        s->len = 0;
        return 1;
    }
    if (left(r) < 2 || chars > (left(r) - 2) / 2)
        return fail(r, "%s: %u characters at offset %zu, %zu bytes left", what, chars, r->pos, left(r));
    size_t bytes = (size_t)chars * 2 + 2;
    if (!span_of(r, bytes, s, what))
        return 0;
    return skip(r, pad8(bytes), what);
}

/* A time with a "localized" flag byte and padding in front of the FILETIME. */
static int tstime(reader *r, uint64_t *ft, const char *what)
{
    return skip(r, 8, what) && u64_(r, ft, what);
}

/* ---- Actions ---------------------------------------------------------------- */

static int action(reader *r, unsigned version, td_action *a)
{
    memset(a, 0, sizeof *a);
    if (!u16_(r, &a->type, "action type") || !bstr(r, &a->id, "action id"))
        return 0;
    switch (a->type) {
    case TD_ACTION_EXEC:
        if (!bstr(r, &a->command, "exec command") || !bstr(r, &a->arguments, "exec arguments") ||
            !bstr(r, &a->working_directory, "exec working directory"))
            return 0;
        if (version >= 3) {
            if (!u16_(r, &a->flags, "exec flags"))
                return 0;
            a->has_flags = 1;
        }
        return 1;
    case TD_ACTION_COM:
        if (!need(r, 16, "COM handler CLSID"))
            return 0;
        memcpy(a->clsid, r->b + r->pos, 16);
        r->pos += 16;
        return bstr(r, &a->data, "COM handler data");
    case TD_ACTION_EMAIL: {
        td_span *fields[] = {&a->from, &a->to, &a->cc, &a->bcc, &a->reply_to, &a->server,
                             &a->subject, &a->body};
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (!bstr(r, fields[i], "e-mail field"))
                return 0;
        td_span ignored;
        if (!u32_(r, &a->attachments, "e-mail attachment count"))
            return 0;
        if (a->attachments > TD_MAX_LIST || a->attachments > left(r) / 4)
            return fail(r, "e-mail: %u attachments in %zu bytes", a->attachments, left(r));
        for (uint32_t i = 0; i < a->attachments; i++)
            if (!bstr(r, &ignored, "e-mail attachment"))
                return 0;
        if (!u32_(r, &a->headers, "e-mail header count"))
            return 0;
        if (a->headers > TD_MAX_LIST || a->headers > left(r) / 8)
            return fail(r, "e-mail: %u headers in %zu bytes", a->headers, left(r));
        for (uint32_t i = 0; i < a->headers; i++)
            if (!bstr(r, &ignored, "e-mail header name") || !bstr(r, &ignored, "e-mail header value"))
                return 0;
        return 1;
    }
    case TD_ACTION_MESSAGE:
        return bstr(r, &a->caption, "message caption") && bstr(r, &a->content, "message text");
    default:
        return fail(r, "unknown action type 0x%04x at offset %zu", a->type, r->pos - 2 - 4 - a->id.len);
    }
}

int td_decode_actions(const uint8_t *b, size_t n, td_actions *out, char *err, size_t errlen)
{
    reader r = {.b = b, .n = b ? n : 0, .err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    if (!u16_(&r, &out->version, "Actions version"))
        return 0;
    if (out->version < 1 || out->version > 3)
        return fail(&r, "Actions version %u (known: 1 to 3)", out->version);
    if (out->version == 3) {
        if (!bstr(&r, &out->context, "Actions context"))
            return 0;
        out->has_context = 1;
    }
    while (left(&r) > 0) {
        if (out->count == TD_MAX_ACTIONS)
            return fail(&r, "more than %d actions", TD_MAX_ACTIONS);
        td_action a;
        if (!action(&r, out->version, &a))
            return 0;
        out->items[out->count++] = a;
    }
    return 1;
}

/* ---- DynamicInfo ------------------------------------------------------------- */

int td_decode_dynamic(const uint8_t *b, size_t n, td_dynamic *out, char *err, size_t errlen)
{
    reader r = {.b = b, .n = b ? n : 0, .err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    if (r.n != 28 && r.n != 36)
        return fail(&r, "DynamicInfo of %zu bytes (known: 28 or 36)", r.n);
    u32_(&r, &out->version, "DynamicInfo version");
    u64_(&r, &out->created, "DynamicInfo creation time");
    u64_(&r, &out->last_run, "DynamicInfo last run");
    u32_(&r, &out->state, "DynamicInfo state");
    u32_(&r, &out->last_error, "DynamicInfo last error");
    if (r.n == 36) {
        u64_(&r, &out->last_success, "DynamicInfo last success");
        out->has_last_success = 1;
    }
    return !r.failed;
}

/* ---- Triggers ------------------------------------------------------------------ */

static int user_info(reader *r, td_span *user)
{
    unsigned skip_user, skip_sid = 1;
    memset(user, 0, sizeof *user);
    if (!aligned_u1(r, &skip_user, "user info"))
        return 0;
    if (skip_user)
        return 1;
    if (!aligned_u1(r, &skip_sid, "user info SID flag"))
        return 0;
    if (!skip_sid) {
        uint32_t sid_type;
        if (!aligned_u4(r, &sid_type, "user SID type") || !aligned_buffer(r, "user SID"))
            return 0;
    }
    return aligned_bstr(r, user, "user name");
}

static int optional_settings(reader *r)
{
    uint32_t len;
    if (!aligned_u4(r, &len, "optional settings"))
        return 0;
    return skip(r, len, "optional settings") && skip(r, pad8(len), "optional settings");
}

static int trigger_id(reader *r, unsigned version, td_span *id)
{
    if (version < 0x16)
        return 1;
    if (!bstr(r, id, "trigger id"))
        return 0;
    return skip(r, pad8(id->len + 4), "trigger id padding");
}

static int generic(reader *r, unsigned version, td_trigger *t)
{
    unsigned enabled;
    if (!tstime(r, &t->start, "trigger start") || !tstime(r, &t->end, "trigger end") ||
        !skip(r, 5 * 4 + 4, "trigger repetition") || !aligned_u1(r, &enabled, "trigger enabled") ||
        !skip(r, 8, "trigger"))
        return 0;
    t->enabled = enabled != 0;
    return trigger_id(r, version, &t->id);
}

static int trigger(reader *r, unsigned version, td_trigger *t)
{
    uint32_t magic;
    memset(t, 0, sizeof *t);
    size_t at = r->pos;
    if (!aligned_u4(r, &magic, "trigger type"))
        return 0;
    t->type = magic;
    switch (magic) {
    case TD_TRIGGER_BOOT:
    case TD_TRIGGER_IDLE:
    case TD_TRIGGER_REGISTRATION:
        return generic(r, version, t);
    case TD_TRIGGER_LOGON:
        return generic(r, version, t) && user_info(r, &t->user);
    case TD_TRIGGER_SESSION:
        return generic(r, version, t) && skip(r, 8, "session state") && user_info(r, &t->user);
    case TD_TRIGGER_WNF: {
        uint32_t len;
        return generic(r, version, t) && skip(r, 8, "WNF state name") &&
               aligned_u4(r, &len, "WNF data") && skip(r, len, "WNF data");
    }
    case TD_TRIGGER_EVENT: {
        td_span ignored;
        uint32_t count;
        if (!generic(r, version, t) || !aligned_bstr_chars(r, &t->subscription, "event query") ||
            !skip(r, 8, "event trigger") || !aligned_bstr_chars(r, &ignored, "event trigger") ||
            !aligned_u4(r, &count, "event value queries"))
            return 0;
        if (count > TD_MAX_LIST || count > left(r) / 16)
            return fail(r, "event trigger: %u value queries in %zu bytes", count, left(r));
        for (uint32_t i = 0; i < count; i++)
            if (!aligned_bstr_chars(r, &ignored, "value query name") ||
                !aligned_bstr_chars(r, &ignored, "value query"))
                return 0;
        return 1;
    }
    case TD_TRIGGER_TIME: {
        uint64_t unknown;
        unsigned stop, enabled;
        if (!tstime(r, &t->start, "time trigger start") || !tstime(r, &t->end, "time trigger end") ||
            !tstime(r, &unknown, "time trigger") || !skip(r, 12, "time trigger repetition") ||
            !u32_(r, &t->mode, "time trigger mode") || !skip(r, 8, "time trigger schedule") ||
            !u8_(r, &stop, "time trigger") || !u8_(r, &enabled, "time trigger enabled") ||
            !skip(r, 2 + 12, "time trigger"))
            return 0;
        t->enabled = enabled != 0;
        return trigger_id(r, version, &t->id);
    }
    default:
        return fail(r, "unknown trigger type 0x%x at offset %zu", magic, at);
    }
}

int td_decode_triggers(const uint8_t *b, size_t n, td_triggers *out, char *err, size_t errlen)
{
    reader r = {.b = b, .n = b ? n : 0, .err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    uint32_t crc;
    if (!aligned_u1(&r, &out->version, "Triggers version"))
        return 0;
    if (out->version < 0x15 || out->version > 0x17)
        return fail(&r, "Triggers version 0x%x (known: 0x15 to 0x17)", out->version);
    if (!tstime(&r, &out->start, "Triggers start") || !tstime(&r, &out->end, "Triggers end") ||
        !aligned_u4(&r, &out->flags, "job flags") || !aligned_u4(&r, &crc, "job hash"))
        return 0;
    if (out->version >= 0x16 && !aligned_bstr(&r, &out->principal_id, "principal id"))
        return 0;
    if (out->version >= 0x17 && !aligned_bstr(&r, &out->display_name, "display name"))
        return 0;
    if (!user_info(&r, &out->user) || !optional_settings(&r))
        return 0;
    while (left(&r) > 0) {
        if (out->count == TD_MAX_TRIGGERS)
            return fail(&r, "more than %d triggers", TD_MAX_TRIGGERS);
        td_trigger t;
        if (!trigger(&r, out->version, &t))
            return 0;
        out->items[out->count++] = t;
    }
    return 1;
}

/* ---- names and strings ------------------------------------------------------------ */

const char *td_action_name(unsigned type)
{
    switch (type) {
    case TD_ACTION_EXEC: return "exec";
    case TD_ACTION_COM: return "com";
    case TD_ACTION_EMAIL: return "email";
    case TD_ACTION_MESSAGE: return "message";
    default: return NULL;
    }
}

const char *td_trigger_name(unsigned type)
{
    switch (type) {
    case TD_TRIGGER_BOOT: return "boot";
    case TD_TRIGGER_LOGON: return "logon";
    case TD_TRIGGER_TIME: return "time";
    case TD_TRIGGER_IDLE: return "idle";
    case TD_TRIGGER_REGISTRATION: return "registration";
    case TD_TRIGGER_EVENT: return "event";
    case TD_TRIGGER_SESSION: return "session";
    case TD_TRIGGER_WNF: return "wnf";
    default: return NULL;
    }
}

size_t td_utf8_into(const uint8_t *p, size_t len, char *out)
{
    size_t units = len / 2;
    while (units > 0 && p[2 * units - 2] == 0 && p[2 * units - 1] == 0)
        units--;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
            uint32_t d = (uint32_t)p[2 * i + 2] | ((uint32_t)p[2 * i + 3] << 8);
            if (d >= 0xDC00 && d <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                i++;
                /* 4 bytes from 2 units: within units * 3 */
                out[o++] = (char)(0xF0 | (c >> 18));
                out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
                out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
                out[o++] = (char)(0x80 | (c & 0x3F));
                continue;
            }
        }
        if (c >= 0xD800 && c <= 0xDFFF)
            c = 0xFFFD;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = 0;
    return o;
}

char *td_utf8(const uint8_t *p, size_t len, size_t *outlen)
{
    char *out = malloc(len / 2 * 3 + 1);
    if (!out)
        return NULL;
    size_t n = td_utf8_into(p, len, out);
    if (outlen)
        *outlen = n;
    return out;
}

void td_guid_string(const uint8_t g[16], char *buf)
{
    snprintf(buf, 39, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)le(g, 4),
             (unsigned)le(g + 4, 2), (unsigned)le(g + 6, 2), g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}
