#include "regf_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE_BLOCK_SIZE 4096u
#define HBIN_HEADER_SIZE 32u
#define HBIN_ALIGN 4096u
#define NK_FIXED 76u           /* nk fields before the name, after the size */
#define VK_FIXED 20u
#define BIG_DATA_SEGMENT 16344u /* bytes per db segment; larger values need db */
#define NO_CELL 0xFFFFFFFFu

#define NK_FLAG_HIVE_ENTRY 0x0004u
#define NK_FLAG_NO_DELETE 0x0008u
#define NK_FLAG_COMP_NAME 0x0020u
#define VK_FLAG_COMP_NAME 0x0001u
#define VK_DATA_INLINE 0x80000000u

typedef struct writer {
    const hw_hive *hive;
    uint8_t *d;           /* hive bins data; offset 0 is the first hbin */
    size_t len, cap;
    size_t bin_start, bin_end;
    uint32_t sk;          /* the one shared security cell */
    uint32_t sk_refs;
    int deleting;         /* > 0 while writing a deleted subtree */
    uint32_t *freed;      /* cells to mark free once written */
    size_t nfreed, capfreed;
    struct { uint32_t off; int64_t size; } *lies;
    size_t nlies;
} writer;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void ensure(writer *w, size_t need)
{
    if (need <= w->cap)
        return;
    size_t cap = w->cap ? w->cap : 65536;
    while (cap < need)
        cap *= 2;
    w->d = hw_xrealloc(w->d, cap);
    memset(w->d + w->cap, 0, cap - w->cap);
    w->cap = cap;
}

/* Fill what is left of the current bin with one free cell. */
static void close_bin(writer *w)
{
    if (w->bin_end > w->len) {
        put32(w->d + w->len, (uint32_t)(w->bin_end - w->len));
        w->len = w->bin_end;
    }
}

static void open_bin(writer *w, size_t min_cell)
{
    size_t size = (HBIN_HEADER_SIZE + min_cell + HBIN_ALIGN - 1) / HBIN_ALIGN * HBIN_ALIGN;
    w->bin_start = w->len;
    w->bin_end = w->len + size;
    ensure(w, w->bin_end);
    uint8_t *b = w->d + w->bin_start;
    memcpy(b, "hbin", 4);
    put32(b + 4, (uint32_t)w->bin_start);
    put32(b + 8, (uint32_t)size);
    if (w->bin_start == 0)
        put64(b + 20, w->hive->timestamp);
    w->len = w->bin_start + HBIN_HEADER_SIZE;
}

/* Allocate a cell with payload bytes after the size field; returns its offset. */
static uint32_t alloc_cell(writer *w, size_t payload)
{
    size_t size = (payload + 4 + 7) & ~(size_t)7;
    if (w->len + size > w->bin_end) {
        close_bin(w);
        open_bin(w, size);
    }
    uint32_t off = (uint32_t)w->len;
    put32(w->d + off, (uint32_t)-(int32_t)size);
    w->len += size;
    if (w->deleting) {
        if (w->nfreed == w->capfreed) {
            w->capfreed = w->capfreed ? w->capfreed * 2 : 64;
            w->freed = hw_xrealloc(w->freed, w->capfreed * sizeof *w->freed);
        }
        w->freed[w->nfreed++] = off;
    }
    return off;
}

static uint8_t *cell(writer *w, uint32_t off) { return w->d + off + 4; }

static int is_ascii(hw_str s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.u[i] == 0 || s.u[i] > 0x7F)
            return 0;
    return 1;
}

/* Compressed (one byte per char) when plain ASCII, else UTF-16LE. */
static size_t name_bytes(hw_str s) { return is_ascii(s) ? s.n : s.n * 2; }

static void put_name(uint8_t *p, hw_str s)
{
    if (is_ascii(s)) {
        for (size_t i = 0; i < s.n; i++)
            p[i] = (uint8_t)s.u[i];
    } else {
        for (size_t i = 0; i < s.n; i++)
            put16(p + 2 * i, s.u[i]);
    }
}

/* A self-relative security descriptor: owner Administrators, group SYSTEM,
 * DACL granting full control to SYSTEM and Administrators and read to Users. */
static size_t build_sd(uint8_t *sd)
{
    static const uint8_t sid_system[] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
    static const uint8_t sid_admins[] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0 };
    static const uint8_t sid_users[] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0 };
    struct { const uint8_t *sid; size_t len; uint32_t mask; } aces[] = {
        { sid_system, sizeof sid_system, 0x000F003Fu },
        { sid_admins, sizeof sid_admins, 0x000F003Fu },
        { sid_users, sizeof sid_users, 0x00020019u },
    };
    size_t pos = 20;
    size_t owner = pos;
    memcpy(sd + pos, sid_admins, sizeof sid_admins);
    pos += sizeof sid_admins;
    size_t group = pos;
    memcpy(sd + pos, sid_system, sizeof sid_system);
    pos += sizeof sid_system;
    size_t dacl = pos;
    size_t acl_len = 8;
    for (size_t i = 0; i < 3; i++)
        acl_len += 8 + aces[i].len;
    sd[pos] = 2; /* ACL revision */
    put16(sd + pos + 2, (uint16_t)acl_len);
    put16(sd + pos + 4, 3);
    pos += 8;
    for (size_t i = 0; i < 3; i++) {
        sd[pos] = 0;    /* ACCESS_ALLOWED_ACE_TYPE */
        sd[pos + 1] = 2; /* CONTAINER_INHERIT_ACE */
        put16(sd + pos + 2, (uint16_t)(8 + aces[i].len));
        put32(sd + pos + 4, aces[i].mask);
        memcpy(sd + pos + 8, aces[i].sid, aces[i].len);
        pos += 8 + aces[i].len;
    }
    sd[0] = 1;                    /* revision */
    put16(sd + 2, 0x8004);        /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    put32(sd + 4, (uint32_t)owner);
    put32(sd + 8, (uint32_t)group);
    put32(sd + 12, 0);            /* no SACL */
    put32(sd + 16, (uint32_t)dacl);
    return pos;
}

static uint32_t write_value(writer *w, const hw_value *v)
{
    size_t nb = name_bytes(v->name);
    uint32_t vk = alloc_cell(w, VK_FIXED + nb);
    uint32_t size_field, data_field;
    if (v->len <= 4) {
        /* Small data lives in the offset field itself. */
        uint8_t tmp[4] = { 0 };
        memcpy(tmp, v->data, v->len);
        size_field = (uint32_t)v->len | VK_DATA_INLINE;
        data_field = get32(tmp);
    } else if (v->len > BIG_DATA_SEGMENT && w->hive->minor >= 4) {
        size_t nseg = (v->len + BIG_DATA_SEGMENT - 1) / BIG_DATA_SEGMENT;
        uint32_t db = alloc_cell(w, 8);
        uint32_t list = alloc_cell(w, 4 * nseg);
        for (size_t i = 0; i < nseg; i++) {
            size_t chunk = v->len - i * BIG_DATA_SEGMENT;
            if (chunk > BIG_DATA_SEGMENT)
                chunk = BIG_DATA_SEGMENT;
            uint32_t seg = alloc_cell(w, chunk);
            memcpy(cell(w, seg), v->data + i * BIG_DATA_SEGMENT, chunk);
            put32(cell(w, list) + 4 * i, seg);
        }
        uint8_t *p = cell(w, db);
        memcpy(p, "db", 2);
        put16(p + 2, (uint16_t)nseg);
        put32(p + 4, list);
        size_field = (uint32_t)v->len;
        data_field = db;
    } else {
        uint32_t dc = alloc_cell(w, v->len);
        memcpy(cell(w, dc), v->data, v->len);
        size_field = (uint32_t)v->len;
        data_field = dc;
    }
    uint8_t *p = cell(w, vk);
    memcpy(p, "vk", 2);
    put16(p + 2, (uint16_t)nb);
    put32(p + 4, size_field);
    put32(p + 8, data_field);
    put32(p + 12, v->type);
    put16(p + 16, is_ascii(v->name) && v->name.n ? VK_FLAG_COMP_NAME : 0);
    put_name(p + VK_FIXED, v->name);
    return vk;
}

static uint32_t lh_hash(hw_str name)
{
    uint32_t h = 0;
    for (size_t i = 0; i < name.n; i++)
        h = h * 37u + hw_upcase(name.u[i]);
    return h;
}

typedef struct entry { uint32_t off; const hw_key *key; } entry;

/* One lh list (1.5) or lf list (1.3) over entries [from, to). */
static uint32_t write_leaf(writer *w, const entry *e, size_t from, size_t to)
{
    size_t n = to - from;
    uint32_t list = alloc_cell(w, 4 + 8 * n);
    uint8_t *p = cell(w, list);
    int lh = w->hive->minor >= 5;
    memcpy(p, lh ? "lh" : "lf", 2);
    put16(p + 2, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        const hw_key *k = e[from + i].key;
        put32(p + 4 + 8 * i, e[from + i].off);
        if (lh) {
            put32(p + 8 + 8 * i, lh_hash(k->name));
        } else {
            /* lf hint: the first four characters of the name. */
            for (size_t c = 0; c < 4 && c < k->name.n; c++)
                p[8 + 8 * i + c] = k->name.u[c] < 0x100 ? (uint8_t)k->name.u[c] : 0;
        }
    }
    return list;
}

static uint32_t write_subkey_list(writer *w, const entry *e, size_t n)
{
    size_t per = w->hive->ri_threshold;
    if (n <= per)
        return write_leaf(w, e, 0, n);
    size_t nleaf = (n + per - 1) / per;
    uint32_t *leaves = hw_xmalloc(nleaf * sizeof *leaves);
    for (size_t i = 0; i < nleaf; i++)
        leaves[i] = write_leaf(w, e, i * per, (i + 1) * per < n ? (i + 1) * per : n);
    uint32_t ri = alloc_cell(w, 4 + 4 * nleaf);
    uint8_t *p = cell(w, ri);
    memcpy(p, "ri", 2);
    put16(p + 2, (uint16_t)nleaf);
    for (size_t i = 0; i < nleaf; i++)
        put32(p + 4 + 4 * i, leaves[i]);
    free(leaves);
    return ri;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return hw_str_casecmp(x->key->name, y->key->name);
}

static uint32_t write_key(writer *w, const hw_key *k, uint32_t parent, int is_root)
{
    if (k->deleted)
        w->deleting++;
    uint32_t nk = alloc_cell(w, NK_FIXED + name_bytes(k->name));
    if (is_root) {
        uint8_t sd[128];
        size_t sdlen = build_sd(sd);
        w->sk = alloc_cell(w, 20 + sdlen);
        uint8_t *p = cell(w, w->sk);
        memcpy(p, "sk", 2);
        put32(p + 4, w->sk); /* one descriptor: the list links to itself */
        put32(p + 8, w->sk);
        put32(p + 16, (uint32_t)sdlen);
        memcpy(p + 20, sd, sdlen);
    }
    if (!w->deleting)
        w->sk_refs++;

    uint32_t class_off = NO_CELL;
    if (k->has_class && k->class_name.n) {
        class_off = alloc_cell(w, k->class_name.n * 2);
        for (size_t i = 0; i < k->class_name.n; i++)
            put16(cell(w, class_off) + 2 * i, k->class_name.u[i]);
    }

    uint32_t max_vname = 0, max_vdata = 0;
    uint32_t vlist = NO_CELL;
    if (k->nval) {
        uint32_t *offs = hw_xmalloc(k->nval * sizeof *offs);
        for (size_t i = 0; i < k->nval; i++) {
            offs[i] = write_value(w, &k->val[i]);
            if (k->val[i].name.n * 2 > max_vname)
                max_vname = (uint32_t)(k->val[i].name.n * 2);
            if (k->val[i].len > max_vdata)
                max_vdata = (uint32_t)k->val[i].len;
        }
        vlist = alloc_cell(w, 4 * k->nval);
        for (size_t i = 0; i < k->nval; i++)
            put32(cell(w, vlist) + 4 * i, offs[i]);
        free(offs);
    }

    /* Live subkeys in Windows order (uppercased name); deleted ones are
     * written too but never linked. */
    entry *live = hw_xmalloc((k->nsub + 1) * sizeof *live);
    size_t nlive = 0;
    uint32_t max_sname = 0, max_sclass = 0;
    for (size_t i = 0; i < k->nsub; i++) {
        const hw_key *c = k->sub[i];
        uint32_t off = write_key(w, c, nk, 0);
        if (c->deleted)
            continue; /* unlinked; its own subtree stays linked inside it */
        live[nlive].off = off;
        live[nlive].key = c;
        nlive++;
        if (c->name.n * 2 > max_sname)
            max_sname = (uint32_t)(c->name.n * 2);
        if (c->has_class && c->class_name.n * 2 > max_sclass)
            max_sclass = (uint32_t)(c->class_name.n * 2);
    }
    qsort(live, nlive, sizeof *live, entry_cmp);
    if (k->self_cycle) {
        /* Hostile: the key lists itself as a child, a loop for naive walkers. */
        live[nlive].off = nk;
        live[nlive].key = k;
        nlive++;
    }
    uint32_t slist = nlive ? write_subkey_list(w, live, nlive) : NO_CELL;
    free(live);

    uint8_t *p = cell(w, nk);
    int comp = is_ascii(k->name);
    uint16_t flags = comp ? NK_FLAG_COMP_NAME : 0;
    if (is_root)
        flags |= NK_FLAG_HIVE_ENTRY | NK_FLAG_NO_DELETE;
    memcpy(p, "nk", 2);
    put16(p + 2, flags);
    put64(p + 4, k->has_last_write ? k->last_write : w->hive->default_last_write);
    /* The root's parent field points nowhere useful in real hives either. */
    put32(p + 16, is_root ? 0 : parent);
    put32(p + 20, (uint32_t)nlive);
    put32(p + 28, slist);
    put32(p + 32, NO_CELL);
    put32(p + 36, (uint32_t)k->nval);
    put32(p + 40, vlist);
    put32(p + 44, w->sk);
    put32(p + 48, class_off);
    put32(p + 52, max_sname);
    put32(p + 56, max_sclass);
    put32(p + 60, max_vname);
    put32(p + 64, max_vdata);
    put16(p + 72, (uint16_t)name_bytes(k->name));
    put16(p + 74, (uint16_t)(k->has_class ? k->class_name.n * 2 : 0));
    put_name(p + NK_FIXED, k->name);

    if (k->lie_cell_size) {
        w->lies = hw_xrealloc(w->lies, (w->nlies + 1) * sizeof *w->lies);
        w->lies[w->nlies].off = nk;
        w->lies[w->nlies].size = k->lie_cell_size;
        w->nlies++;
    }
    if (k->deleted)
        w->deleting--;
    return nk;
}

uint32_t hw_regf_checksum(const uint8_t *b)
{
    uint32_t x = 0;
    for (size_t i = 0; i < 508; i += 4)
        x ^= get32(b + i);
    if (x == 0xFFFFFFFFu)
        x = 0xFFFFFFFEu;
    else if (x == 0)
        x = 1;
    return x;
}

static int check_names(const hw_key *k, char *err, size_t errlen)
{
    if (k->name.n > 0xFFFF / 2 || k->class_name.n > 0xFFFF / 2) {
        snprintf(err, errlen, "key or class name too long");
        return -1;
    }
    for (size_t i = 0; i < k->nval; i++)
        if (k->val[i].name.n > 0xFFFF / 2 || k->val[i].len > 0x7FFFFFFFu) {
            snprintf(err, errlen, "value name or data too long");
            return -1;
        }
    if (k->nsub > 0xFFFF * (size_t)0xFFFF) {
        snprintf(err, errlen, "too many subkeys");
        return -1;
    }
    for (size_t i = 0; i < k->nsub; i++)
        if (check_names(k->sub[i], err, errlen) < 0)
            return -1;
    return 0;
}

int hw_regf_build(const hw_hive *h, const hw_write_options *opts, hw_image *out,
                  char *err, size_t errlen)
{
    if (check_names(h->root, err, errlen) < 0)
        return -1;
    if (h->ri_threshold < 1 || h->ri_threshold > 0xFFFF) {
        snprintf(err, errlen, "ri threshold out of range");
        return -1;
    }
    writer w = { .hive = h };
    open_bin(&w, 0);
    uint32_t root = write_key(&w, h->root, 0, 1);
    close_bin(&w);
    put32(cell(&w, w.sk) + 12, w.sk_refs);
    for (size_t i = 0; i < w.nfreed; i++) {
        int32_t size = (int32_t)get32(w.d + w.freed[i]);
        put32(w.d + w.freed[i], (uint32_t)(size < 0 ? -size : size));
    }
    for (size_t i = 0; i < w.nlies; i++)
        put32(w.d + w.lies[i].off, (uint32_t)(int32_t)w.lies[i].size);

    size_t total = BASE_BLOCK_SIZE + w.len;
    uint8_t *f = hw_xmalloc(total);
    memcpy(f + BASE_BLOCK_SIZE, w.d, w.len);
    memcpy(f, "regf", 4);
    /* Windows bumps the primary number before writing and the secondary after:
     * a mismatch means the last write did not finish. */
    put32(f + 4, h->dirty ? 0x2B : 0x2A);
    put32(f + 8, 0x2A);
    put64(f + 12, h->timestamp);
    put32(f + 20, 1);
    put32(f + 24, h->minor);
    put32(f + 28, 0);  /* primary file */
    put32(f + 32, 1);  /* direct memory load */
    put32(f + 36, root);
    put32(f + 40, (uint32_t)w.len);
    put32(f + 44, 1);  /* clustering factor */
    /* 64 bytes hold 31 units and a NUL; like Windows, keep the tail. */
    size_t skip = h->file_name.n > 31 ? h->file_name.n - 31 : 0;
    for (size_t i = skip; i < h->file_name.n; i++)
        put16(f + 48 + 2 * (i - skip), h->file_name.u[i]);
    uint32_t sum = hw_regf_checksum(f);
    if (opts && opts->bad_checksum)
        sum ^= 0x5A5A5A5Au;
    put32(f + 508, sum);

    free(w.d);
    free(w.freed);
    free(w.lies);
    out->bytes = f;
    out->len = total;
    if (opts && opts->truncate_at >= 0 && (size_t)opts->truncate_at < total)
        out->len = (size_t)opts->truncate_at;
    return 0;
}
