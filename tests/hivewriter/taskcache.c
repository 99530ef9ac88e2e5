/* TaskCache keys and blobs for fixture hives (see taskcache.h). The blob
 * layouts are the ones plugins/tasks/task_decode.c reads; a fixture that must
 * hold a broken blob gives its bytes raw instead. */
#include "taskcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKCACHE_PATH "Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache"

enum { REG_SZ = 1, REG_BINARY = 3, REG_DWORD = 4 };

typedef struct buf { uint8_t *b; size_t n, cap; } buf;

static void put(buf *x, const void *p, size_t k)
{
    if (x->n + k > x->cap) {
        x->cap = (x->n + k) * 2 + 64;
        x->b = hw_xrealloc(x->b, x->cap);
    }
    if (k)
        memcpy(x->b + x->n, p, k);
    x->n += k;
}
static void u8(buf *x, unsigned v) { uint8_t c = (uint8_t)v; put(x, &c, 1); }
static void u16(buf *x, unsigned v) { u8(x, v & 0xFF); u8(x, (v >> 8) & 0xFF); }
static void u32(buf *x, uint32_t v) { u16(x, v & 0xFFFF); u16(x, v >> 16); }
static void u64(buf *x, uint64_t v) { u32(x, (uint32_t)v); u32(x, (uint32_t)(v >> 32)); }
static void zeros(buf *x, size_t k) { while (k--) u8(x, 0); }
static void pad8(buf *x, size_t len) { zeros(x, (8 - len % 8) % 8); }
static void units(buf *x, hw_str s) { for (size_t i = 0; i < s.n; i++) u16(x, s.u[i]); }
static void bstr(buf *x, hw_str s) { u32(x, (uint32_t)(s.n * 2)); units(x, s); }
static void au1(buf *x, unsigned v) { u8(x, v); zeros(x, 7); }
static void au4(buf *x, uint32_t v) { u32(x, v); zeros(x, 4); }
static void abstr(buf *x, hw_str s) { au4(x, (uint32_t)(s.n * 2)); units(x, s); pad8(x, s.n * 2); }
static void tstime(buf *x, uint64_t ft) { zeros(x, 8); u64(x, ft); }

static const hw_str EMPTY = { NULL, 0 };

/* ---- blobs ---- */

static void actions_blob(const hw_task *t, buf *x)
{
    u16(x, (unsigned)t->layout);
    if (t->layout == 3) {
        hw_str ctx = t->context.n ? t->context : hw_str_from_ascii("Author");
        bstr(x, ctx);
        if (!t->context.n)
            free(ctx.u);
    }
    for (size_t i = 0; i < t->nactions; i++) {
        const hw_task_action *a = &t->actions[i];
        u16(x, a->type);
        bstr(x, EMPTY); /* id */
        switch (a->type) {
        case HW_ACT_EXEC:
            bstr(x, a->a); bstr(x, a->b); bstr(x, a->c);
            if (t->layout == 3)
                u16(x, 0);
            break;
        case HW_ACT_COM:
            put(x, a->clsid, 16);
            bstr(x, a->a);
            break;
        case HW_ACT_EMAIL:
            bstr(x, EMPTY); bstr(x, a->a); bstr(x, EMPTY); bstr(x, EMPTY); bstr(x, EMPTY);
            bstr(x, EMPTY); bstr(x, a->b); bstr(x, EMPTY);
            u32(x, 0); u32(x, 0);
            break;
        default:
            bstr(x, a->a); bstr(x, a->b);
        }
    }
}

static void user_info(buf *x, hw_str name)
{
    if (!name.n) {
        au1(x, 1);
        return;
    }
    au1(x, 0);
    au1(x, 1); /* no SID, a name */
    abstr(x, name);
}

static void generic(buf *x, int version, uint64_t start)
{
    tstime(x, start); tstime(x, 0);
    zeros(x, 20); u8(x, 0); zeros(x, 3);
    au1(x, 1); zeros(x, 8);
    if (version >= 0x16) {
        bstr(x, EMPTY);
        pad8(x, 4);
    }
}

static void triggers_blob(const hw_task *t, buf *x)
{
    int version = t->layout == 3 ? 0x17 : 0x15;
    uint64_t first = 0;
    for (size_t i = 0; i < t->ntriggers; i++)
        if (t->triggers[i].start && (!first || t->triggers[i].start < first))
            first = t->triggers[i].start;
    au1(x, (unsigned)version);
    tstime(x, first); tstime(x, 0);
    uint32_t flags = 0x40 | 0x100 | 0x40000000u;
    if (!t->disabled)
        flags |= 0x400000u;
    if (t->settings_hidden)
        flags |= 0x800000u;
    au4(x, flags);
    au4(x, 0);
    if (version >= 0x16) {
        hw_str author = hw_str_from_ascii("Author");
        abstr(x, author);
        hw_str_free(&author);
    }
    if (version >= 0x17)
        abstr(x, EMPTY);
    user_info(x, t->run_as);
    au4(x, 0); /* no optional settings */
    for (size_t i = 0; i < t->ntriggers; i++) {
        const hw_task_trigger *tr = &t->triggers[i];
        au4(x, tr->type);
        if (tr->type == 0xDDDD) {
            tstime(x, tr->start); tstime(x, 0); tstime(x, 0);
            zeros(x, 12); u32(x, tr->mode); u16(x, 1); zeros(x, 6);
            u8(x, 0); u8(x, 1); zeros(x, 14);
            if (version >= 0x16) {
                bstr(x, EMPTY);
                pad8(x, 4);
            }
        } else {
            generic(x, version, tr->start);
            if (tr->type == 0xAAAA)
                user_info(x, EMPTY);
        }
    }
}

static void dynamic_blob(const hw_task *t, buf *x)
{
    u32(x, 3);
    u64(x, t->created);
    u64(x, t->last_run);
    u32(x, 0);
    u32(x, 0);
    if (t->layout == 3)
        u64(x, t->last_success);
}

/* ---- keys ---- */

static void set_value(hw_key *k, const char *name, uint32_t type, const uint8_t *data, size_t len)
{
    hw_value v = { 0 };
    v.name = hw_str_from_ascii(name);
    v.type = type;
    v.data = hw_xmalloc(len ? len : 1);
    if (len)
        memcpy(v.data, data, len);
    v.len = len;
    hw_key_set_value(k, &v);
}

static void set_sz(hw_key *k, const char *name, hw_str s)
{
    buf x = { 0 };
    units(&x, s);
    u16(&x, 0);
    set_value(k, name, REG_SZ, x.b, x.n);
    free(x.b);
}

static void set_dword(hw_key *k, const char *name, uint32_t d)
{
    uint8_t b[4] = { (uint8_t)d, (uint8_t)(d >> 8), (uint8_t)(d >> 16), (uint8_t)(d >> 24) };
    set_value(k, name, REG_DWORD, b, 4);
}

/* A small self-relative security descriptor (owner SYSTEM, no DACL): the
 * TaskCache only needs the value present. */
static void set_sd(hw_key *k)
{
    static const uint8_t sd[] = {
        1, 0, 0x04, 0x80, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,
    };
    set_value(k, "SD", REG_BINARY, sd, sizeof sd);
}

/* The child of k named by ASCII name, created when missing. */
static hw_key *child_ascii(hw_key *k, const char *name)
{
    hw_str s = hw_str_from_ascii(name);
    hw_key *c = hw_key_child(k, s);
    if (c) {
        hw_str_free(&s);
        return c;
    }
    return hw_key_new(s, k);
}

/* The key at TaskCache\<sub>\<path segments>, created as needed. */
static hw_key *cache_key(hw_hive *h, const char *sub, const hw_str *segs, size_t nsegs)
{
    hw_key *k = h->root;
    char path[] = TASKCACHE_PATH;
    for (char *seg = strtok(path, "\\"); seg; seg = strtok(NULL, "\\"))
        k = child_ascii(k, seg);
    k = child_ascii(k, sub);
    for (size_t i = 0; i < nsegs; i++) {
        hw_key *c = hw_key_child(k, segs[i]);
        k = c ? c : hw_key_new(hw_str_dup(segs[i]), k);
    }
    return k;
}

/* FNV-1a of the path's units, spread into a GUID-shaped string. */
static hw_str derived_guid(hw_str path)
{
    uint64_t h1 = 1469598103934665603ull, h2 = 1099511628211ull * 7;
    for (size_t i = 0; i < path.n; i++) {
        uint16_t c = hw_upcase(path.u[i]);
        h1 = (h1 ^ c) * 1099511628211ull;
        h2 = (h2 ^ (c + 0x9e37u)) * 1099511628211ull;
    }
    char s[48];
    snprintf(s, sizeof s, "{%08X-%04X-%04X-%04X-%012llX}", (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xFFFF,
             (unsigned)h1 & 0xFFFF, (unsigned)(h2 >> 48), (unsigned long long)(h2 & 0xFFFFFFFFFFFFull));
    return hw_str_from_ascii(s);
}

static void touch(hw_key *k, uint64_t lw)
{
    if (lw) {
        k->last_write = lw;
        k->has_last_write = 1;
    }
}

int hw_task_add(hw_hive *h, const hw_task *t, char *err, size_t errlen)
{
    if (t->path.n < 2 || t->path.u[0] != '\\') {
        snprintf(err, errlen, "@task: the path must start with '\\' and name a task");
        return -1;
    }
    /* path segments */
    hw_str segs[64];
    size_t nsegs = 0, start = 1;
    for (size_t i = 1; i <= t->path.n; i++) {
        if (i == t->path.n || t->path.u[i] == '\\') {
            if (i == start || nsegs == 64) {
                snprintf(err, errlen, "@task: empty folder name or too deep a path");
                for (size_t j = 0; j < nsegs; j++)
                    hw_str_free(&segs[j]);
                return -1;
            }
            hw_str s = { hw_xmalloc((i - start) * 2), i - start };
            memcpy(s.u, t->path.u + start, (i - start) * 2);
            segs[nsegs++] = s;
            start = i + 1;
        }
    }
    hw_str guid = t->guid.n ? hw_str_dup(t->guid) : derived_guid(t->path);
    unsigned lists = t->lists == HW_LIST_NONE ? 0 : t->lists ? t->lists : HW_LIST_PLAIN;

    if (t->only != HW_TASK_TASKS_ONLY) {
        /* folders get an SD as Windows gives them; the task its Id and Index */
        for (size_t depth = 1; depth < nsegs; depth++) {
            hw_key *f = cache_key(h, "Tree", segs, depth);
            int has = 0;
            hw_str sd = hw_str_from_ascii("SD");
            for (size_t i = 0; i < f->nval; i++)
                if (hw_str_casecmp(f->val[i].name, sd) == 0)
                    has = 1;
            hw_str_free(&sd);
            if (!has)
                set_sd(f);
        }
        hw_key *k = cache_key(h, "Tree", segs, nsegs);
        set_sz(k, "Id", guid);
        int64_t index = t->index >= 0 ? t->index
                        : (lists & HW_LIST_BOOT) ? 1 : (lists & HW_LIST_LOGON) ? 2
                        : (lists & HW_LIST_MAINTENANCE) ? 4 : 3;
        set_dword(k, "Index", (uint32_t)index);
        if (!t->no_sd)
            set_sd(k);
        touch(k, t->tree_lw);
    }
    if (t->only != HW_TASK_TREE_ONLY) {
        hw_key *k = cache_key(h, "Tasks", &guid, 1);
        set_sz(k, "Path", t->path);
        if (t->uri.n)
            set_sz(k, "URI", t->uri);
        if (t->author.n)
            set_sz(k, "Author", t->author);
        if (t->description.n)
            set_sz(k, "Description", t->description);
        if (t->date.n)
            set_sz(k, "Date", t->date);
        if (t->source.n)
            set_sz(k, "Source", t->source);
        if (t->version.n)
            set_sz(k, "Version", t->version);
        buf x = { 0 };
        if (t->raw_actions.set) put(&x, t->raw_actions.b, t->raw_actions.n);
        else actions_blob(t, &x);
        set_value(k, "Actions", REG_BINARY, x.b, x.n);
        x.n = 0;
        if (t->raw_triggers.set) put(&x, t->raw_triggers.b, t->raw_triggers.n);
        else triggers_blob(t, &x);
        set_value(k, "Triggers", REG_BINARY, x.b, x.n);
        x.n = 0;
        if (t->raw_dynamic.set) put(&x, t->raw_dynamic.b, t->raw_dynamic.n);
        else dynamic_blob(t, &x);
        set_value(k, "DynamicInfo", REG_BINARY, x.b, x.n);
        x.n = 0;
        /* a stand-in for the definition's hash: bytes of the path's FNV */
        uint64_t fnv = 1469598103934665603ull;
        for (size_t i = 0; i < t->path.n; i++)
            fnv = (fnv ^ t->path.u[i]) * 1099511628211ull;
        for (int i = 0; i < 32; i++)
            u8(&x, (unsigned)(fnv >> (8 * (i % 8))) ^ (unsigned)i);
        set_value(k, "Hash", REG_BINARY, x.b, x.n);
        free(x.b);
        if (t->layout == 3)
            set_dword(k, "Schema", 0x10002);
        touch(k, t->tasks_lw);
        static const struct { unsigned bit; const char *name; } L[] = {
            { HW_LIST_BOOT, "Boot" }, { HW_LIST_LOGON, "Logon" },
            { HW_LIST_PLAIN, "Plain" }, { HW_LIST_MAINTENANCE, "Maintenance" } };
        for (size_t i = 0; i < 4; i++)
            if (lists & L[i].bit)
                touch(cache_key(h, L[i].name, &guid, 1), t->tasks_lw);
    }
    hw_str_free(&guid);
    for (size_t j = 0; j < nsegs; j++)
        hw_str_free(&segs[j]);
    return 0;
}

void hw_task_free(hw_task *t)
{
    hw_str *strs[] = { &t->path, &t->guid, &t->author, &t->description, &t->uri, &t->date,
                       &t->source, &t->version, &t->context, &t->run_as };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        hw_str_free(strs[i]);
    for (size_t i = 0; i < t->nactions; i++) {
        hw_str_free(&t->actions[i].a);
        hw_str_free(&t->actions[i].b);
        hw_str_free(&t->actions[i].c);
    }
    free(t->raw_actions.b);
    free(t->raw_triggers.b);
    free(t->raw_dynamic.b);
    memset(t, 0, sizeof *t);
}
