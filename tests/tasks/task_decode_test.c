/* Unit tests of the tasks plugin's blob decoders (plugins/tasks/task_decode.c)
 * on hand-made Actions, DynamicInfo and Triggers blobs: every action type in
 * layouts 1 and 3, every trigger type, every truncation of a valid blob, and
 * lengths and counts that lie. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task_decode.h"

static int failures;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

/* ---- a blob builder ---- */

typedef struct blob {
    uint8_t b[8192];
    size_t n;
} blob;

static void put(blob *x, const void *p, size_t k)
{
    memcpy(x->b + x->n, p, k);
    x->n += k;
}
static void u8(blob *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void u16(blob *x, unsigned v) { u8(x, v & 0xFF); u8(x, (v >> 8) & 0xFF); }
static void u32(blob *x, uint32_t v) { u16(x, v & 0xFFFF); u16(x, v >> 16); }
static void u64(blob *x, uint64_t v) { u32(x, (uint32_t)v); u32(x, (uint32_t)(v >> 32)); }
static void zeros(blob *x, size_t k) { while (k--) u8(x, 0); }
static void pad8(blob *x, size_t len) { zeros(x, (8 - len % 8) % 8); }

/* ASCII as UTF-16LE, no terminator. */
static void utf16(blob *x, const char *s)
{
    for (; *s; s++)
        u16(x, (unsigned char)*s);
}
static void bstr(blob *x, const char *s) { u32(x, (uint32_t)strlen(s) * 2); utf16(x, s); }
static void au1(blob *x, unsigned v) { u8(x, v); zeros(x, 7); }
static void au4(blob *x, uint32_t v) { u32(x, v); zeros(x, 4); }
static void abstr(blob *x, const char *s)
{
    size_t len = strlen(s) * 2;
    au4(x, (uint32_t)len);
    utf16(x, s);
    pad8(x, len);
}
static void tstime(blob *x, uint64_t ft) { zeros(x, 8); u64(x, ft); }

static int span_is(const blob *x, td_span s, const char *want)
{
    size_t len;
    char *u = td_utf8(x->b + s.off, s.len, &len);
    int same = u && strcmp(u, want) == 0;
    free(u);
    return same;
}

static const uint8_t CLSID[16] = {0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56,
                                  0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02, 0x03, 0x04};

static void actions_v3(blob *x)
{
    x->n = 0;
    u16(x, 3);
    bstr(x, "Author");
    u16(x, 0x6666); bstr(x, ""); bstr(x, "C:\\Users\\Public\\a.exe"); bstr(x, "-q"); bstr(x, "C:\\"); u16(x, 0);
    u16(x, 0x7777); bstr(x, "Com1"); put(x, CLSID, 16); bstr(x, "<data/>");
    u16(x, 0x8888); bstr(x, "");
    const char *mail[] = {"a@x", "b@x", "", "", "", "smtp.x", "subj", "body"};
    for (int i = 0; i < 8; i++) bstr(x, mail[i]);
    u32(x, 1); bstr(x, "C:\\f.txt");
    u32(x, 1); bstr(x, "X-H"); bstr(x, "v");
    u16(x, 0x9999); bstr(x, ""); bstr(x, "Cap"); bstr(x, "Hello");
}

static void test_actions(void)
{
    char err[256];
    td_actions a;
    blob x;

    actions_v3(&x);
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 1);
    CHECK(a.version == 3 && a.has_context && span_is(&x, a.context, "Author"));
    CHECK(a.count == 4);
    CHECK(a.items[0].type == TD_ACTION_EXEC && span_is(&x, a.items[0].command, "C:\\Users\\Public\\a.exe"));
    CHECK(span_is(&x, a.items[0].arguments, "-q") && span_is(&x, a.items[0].working_directory, "C:\\"));
    CHECK(a.items[0].has_flags);
    CHECK(a.items[1].type == TD_ACTION_COM && memcmp(a.items[1].clsid, CLSID, 16) == 0);
    CHECK(span_is(&x, a.items[1].id, "Com1") && span_is(&x, a.items[1].data, "<data/>"));
    CHECK(a.items[2].type == TD_ACTION_EMAIL && span_is(&x, a.items[2].server, "smtp.x"));
    CHECK(a.items[2].attachments == 1 && a.items[2].headers == 1);
    CHECK(a.items[3].type == TD_ACTION_MESSAGE && span_is(&x, a.items[3].content, "Hello"));
    char g[39];
    td_guid_string(CLSID, g);
    CHECK(strcmp(g, "{12345678-1234-5678-9ABC-DEF001020304}") == 0);

    /* Every truncation fails, keeps only whole actions, and reads nothing past the end. */
    size_t full = x.n;
    for (size_t cut = 0; cut < full; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, x.b, cut);
        int rc = td_decode_actions(copy, cut, &a, err, sizeof err);
        /* a cut exactly between actions is a valid shorter list */
        CHECK(a.count < 4 && (rc == 0 || cut >= 16));
        free(copy);
    }

    /* Version 1: no context, no flags. */
    x.n = 0;
    u16(&x, 1);
    u16(&x, 0x6666); bstr(&x, ""); bstr(&x, "%windir%\\system32\\defrag.exe"); bstr(&x, "-c"); bstr(&x, "");
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 1);
    CHECK(a.version == 1 && !a.has_context && a.count == 1 && !a.items[0].has_flags);
    CHECK(span_is(&x, a.items[0].command, "%windir%\\system32\\defrag.exe"));

    /* A string length that lies (far past the end), and an odd one. */
    x.n = 0;
    u16(&x, 1);
    u16(&x, 0x6666); bstr(&x, ""); u32(&x, 0xFFFFFFFFu);
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && a.count == 0);
    CHECK(strstr(err, "exec command") != NULL);
    x.n = 0;
    u16(&x, 1);
    u16(&x, 0x6666); u32(&x, 3); u8(&x, 'a'); u8(&x, 0); u8(&x, 'b');
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && strstr(err, "odd") != NULL);

    /* A valid action, then garbage: the first stays, the error is reported. */
    x.n = 0;
    u16(&x, 1);
    u16(&x, 0x6666); bstr(&x, ""); bstr(&x, "a.exe"); bstr(&x, ""); bstr(&x, "");
    u16(&x, 0x1234); bstr(&x, "");
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && a.count == 1);
    CHECK(strstr(err, "0x1234") != NULL);

    /* Unknown version; an attachment count that lies. */
    x.n = 0;
    u16(&x, 7);
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && strstr(err, "version 7"));
    x.n = 0;
    u16(&x, 1);
    u16(&x, 0x8888); bstr(&x, "");
    for (int i = 0; i < 8; i++) bstr(&x, "");
    u32(&x, 0x7FFFFFFF);
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && a.count == 0);

    /* Too many actions. */
    x.n = 0;
    u16(&x, 1);
    for (int i = 0; i < TD_MAX_ACTIONS + 1; i++) {
        u16(&x, 0x9999); bstr(&x, ""); bstr(&x, ""); bstr(&x, "");
    }
    CHECK(td_decode_actions(x.b, x.n, &a, err, sizeof err) == 0 && a.count == TD_MAX_ACTIONS);
    CHECK(td_decode_actions(NULL, 0, &a, err, sizeof err) == 0);
}

static void test_dynamic(void)
{
    char err[256];
    td_dynamic d;
    blob x = {.n = 0};
    u32(&x, 3); u64(&x, 132000000000000000ull); u64(&x, 132000000100000000ull); u32(&x, 0); u32(&x, 0x41303);
    CHECK(td_decode_dynamic(x.b, x.n, &d, err, sizeof err) == 1);
    CHECK(d.version == 3 && d.created == 132000000000000000ull && d.last_run == 132000000100000000ull);
    CHECK(d.last_error == 0x41303 && !d.has_last_success);
    u64(&x, 132000000200000000ull);
    CHECK(td_decode_dynamic(x.b, x.n, &d, err, sizeof err) == 1);
    CHECK(d.has_last_success && d.last_success == 132000000200000000ull);
    for (size_t cut = 0; cut < x.n; cut++)
        if (cut != 28)
            CHECK(td_decode_dynamic(x.b, cut, &d, err, sizeof err) == 0 && d.created == 0);
    CHECK(td_decode_dynamic(x.b, 40, &d, err, sizeof err) == 0);
}

static void generic(blob *x, uint64_t start, const char *id)
{
    tstime(x, start); tstime(x, 0);
    zeros(x, 20); u8(x, 0); zeros(x, 3);
    au1(x, 1); zeros(x, 8);
    bstr(x, id); pad8(x, strlen(id) * 2 + 4);
}

static void triggers_v17(blob *x)
{
    x->n = 0;
    au1(x, 0x17);
    tstime(x, 130000000000000000ull); tstime(x, 0);
    au4(x, TD_FLAG_ENABLED | TD_FLAG_HIDDEN); au4(x, 0xdeadbeef);
    abstr(x, "Author"); abstr(x, "");
    /* user info: a SID and a name */
    au1(x, 0); au1(x, 0); au4(x, 5); au4(x, 12); zeros(x, 12); pad8(x, 12); abstr(x, "S-1-5-18");
    /* optional settings of 0x30 bytes */
    au4(x, 0x30); zeros(x, 0x30);
    au4(x, 0xFFFF); generic(x, 130000000000000001ull, "");
    au4(x, 0xAAAA); generic(x, 0, "L1"); au1(x, 0); au1(x, 1); abstr(x, "DOM\\bob");
    au4(x, 0xDDDD);
    tstime(x, 130000000000000002ull); tstime(x, 0); tstime(x, 0);
    zeros(x, 12); u32(x, 1); zeros(x, 8); u8(x, 0); u8(x, 1); zeros(x, 14);
    bstr(x, "T1"); pad8(x, 8);
    au4(x, 0xEEEE); generic(x, 0, "");
    au4(x, 0x8888); generic(x, 0, "");
    au4(x, 0x7777); generic(x, 0, ""); zeros(x, 8); au1(x, 1);
    au4(x, 0x6666); generic(x, 0, ""); zeros(x, 8); au4(x, 3); zeros(x, 3);
    au4(x, 0xCCCC); generic(x, 0, "");
    au4(x, 2); utf16(x, "Q1"); u16(x, 0); pad8(x, 6);
    zeros(x, 8); au4(x, 0); au4(x, 1);
    au4(x, 1); utf16(x, "n"); u16(x, 0); pad8(x, 4);
    au4(x, 1); utf16(x, "v"); u16(x, 0); pad8(x, 4);
}

static void test_triggers(void)
{
    char err[256];
    td_triggers t;
    blob x;
    triggers_v17(&x);
    int rc = td_decode_triggers(x.b, x.n, &t, err, sizeof err);
    if (!rc)
        fprintf(stderr, "triggers: %s\n", err);
    CHECK(rc == 1);
    CHECK(t.version == 0x17 && t.start == 130000000000000000ull);
    CHECK(t.flags & TD_FLAG_HIDDEN);
    CHECK(span_is(&x, t.principal_id, "Author") && span_is(&x, t.user, "S-1-5-18"));
    CHECK(t.count == 8);
    static const unsigned types[] = {0xFFFF, 0xAAAA, 0xDDDD, 0xEEEE, 0x8888, 0x7777, 0x6666, 0xCCCC};
    for (size_t i = 0; i < 8 && i < t.count; i++)
        CHECK(t.items[i].type == types[i] && td_trigger_name(types[i]) != NULL);
    CHECK(t.items[0].start == 130000000000000001ull && t.items[0].enabled);
    CHECK(span_is(&x, t.items[1].user, "DOM\\bob") && span_is(&x, t.items[1].id, "L1"));
    CHECK(t.items[2].start == 130000000000000002ull && t.items[2].mode == 1 && t.items[2].enabled);
    CHECK(span_is(&x, t.items[2].id, "T1"));
    CHECK(span_is(&x, t.items[7].subscription, "Q1"));

    size_t full = x.n;
    for (size_t cut = 0; cut < full; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, x.b, cut);
        rc = td_decode_triggers(copy, cut, &t, err, sizeof err);
        /* a cut exactly between triggers is a valid shorter list */
        CHECK(rc == 0 || t.count < 8);
        free(copy);
    }

    /* A character count that lies in an event query; an unknown trigger type. */
    triggers_v17(&x);
    x.n -= 48 + 8 + 8 + 16 + 8 + 8 + 8; /* back to the event query's count */
    au4(&x, 0x7FFFFFFF);
    CHECK(td_decode_triggers(x.b, x.n, &t, err, sizeof err) == 0 && t.count == 7);
    triggers_v17(&x);
    au4(&x, 0x4242);
    CHECK(td_decode_triggers(x.b, x.n, &t, err, sizeof err) == 0 && strstr(err, "0x4242") && t.count == 8);
    x.b[0] = 0x30;
    CHECK(td_decode_triggers(x.b, x.n, &t, err, sizeof err) == 0 && t.count == 0);
}

static void test_utf8(void)
{
    const uint8_t s[] = {'A', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8, 'z', 0, 0, 0};
    size_t len;
    char *u = td_utf8(s, sizeof s, &len);
    CHECK(u && strcmp(u, "A\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdz") == 0 && len == strlen(u));
    free(u);
    u = td_utf8(s, 0, &len);
    CHECK(u && len == 0 && *u == 0);
    free(u);
}

int main(void)
{
    test_actions();
    test_dynamic();
    test_triggers();
    test_utf8();
    if (failures) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("task decoders: all checks passed\n");
    return 0;
}
