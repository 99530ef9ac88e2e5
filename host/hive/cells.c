/* Layer: hive, the cells reader. May call: raw_cells.c, raw.c (the raw
 * view), hive.c (libregf's keys, through hive.h), lifetime.c, base. */
/* Keys and values of a clean hive read from its cells, with libregf's
 * answers (libregf stays the reference; see hive.h).
 *
 * libregf 20201007 spends thousands of instructions on each key and value
 * it reads; the cells of a hive whose every bin and cell is well formed
 * (the guard's census) can be read for a fraction of that. This reader only
 * answers where its answer is certainly libregf's, as its sources show:
 *  - names: libregf decodes 8-bit names with its codepage (Windows-1252 by
 *    default; hivehunt never sets another) and others as UTF-16LE, failing
 *    on a lone surrogate. Names of ASCII characters without NUL decode the
 *    same in both, to a byte copy; any other name is libregf's to decode.
 *  - lookups: libregf compares towupper() of each character, after a hash
 *    of the same; for an ASCII query against ASCII names that is ASCII
 *    case folding, first match in list order. A query with other bytes, an
 *    empty one (libregf matches the nameless default value to no string)
 *    or a list holding any other name goes to libregf.
 *  - keys: libregf's key read also reads the class name cell, the security
 *    cell (sk, its descriptor size) and the value list cell, and reads
 *    subkey lists (lf, lh, li, ri over those) in list order; it reads cells
 *    only where its walk of a bin finds one. A key whose cells all pass
 *    those checks (at cell starts the census noted) and whose list is whole
 *    with the declared count of key nodes is read here.
 *  - values: in list order, their data as hive.c reads it from the cells
 *    (vk_data_direct: libregf 20201007 reorders 1-3 byte inline data);
 *    big data, or data hive.c would leave to libregf, goes to libregf.
 * Anything else about a key is asked of libregf's own key at the same
 * place (the shadow), reached through the same subkey indexes, so the
 * answer, its errors and warnings are libregf's. readerdiff (tests/raw)
 * and the fuzz target compare the two readers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "raw.h"
#include "regf_format.h"
#include "util.h"

#define CELLS_SK_HEADER 0x14u /* signature .. descriptor size */

/* ---- cells ----------------------------------------------------------------- */

/* An allocated cell where libregf finds one: at a cell start of the
 * census's walk (any offset whose bytes look like a cell would also take a
 * cell swallowed by a grown neighbour). The walk checked each such cell's
 * size (8 or more, a multiple of 8, inside its bin), so it is not checked
 * again. */
static int cell_at(const hh_hive *hive, uint32_t off, const uint8_t **d, uint32_t *len)
{
    if (off >= hive->ncell_bytes || off % 8 || !((hive->cell_starts[off >> 9] >> ((off >> 3) & 63)) & 1))
        return 0;
    const uint8_t *c = hive->data + HH_BASE_BLOCK_SIZE + off;
    int32_t size = (int32_t)hh_le32(c);
    if (size >= 0)
        return 0; /* free */
    *d = c + 4;
    *len = (uint32_t)(-(int64_t)size) - 4;
    return 1;
}

/* An allocated key node cell as libregf's named key reader accepts it. */
static int nk_cell(const hh_hive *hive, uint32_t off, const uint8_t **d, uint32_t *len)
{
    return cell_at(hive, off, d, len) && hh_raw_nk_header_ok(*d, *len);
}

int hh_cells_simple_text(const uint8_t *p, uint32_t n, int compressed)
{
    if (compressed) {
        for (uint32_t i = 0; i < n; i++)
            if (p[i] == 0 || p[i] >= 0x80)
                return 0;
        return 1;
    }
    if (n % 2)
        return 0;
    for (uint32_t i = 0; i < n; i += 2)
        if (p[i + 1] != 0 || p[i] == 0 || p[i] >= 0x80)
            return 0;
    return 1;
}

char *hh_cells_text_copy(const uint8_t *p, uint32_t n, int compressed)
{
    uint32_t chars = compressed ? n : n / 2;
    char *s = malloc((size_t)chars + 1);
    if (!s)
        return NULL;
    for (uint32_t i = 0; i < chars; i++)
        s[i] = (char)p[compressed ? i : 2 * i];
    s[chars] = '\0';
    return s;
}

static unsigned char ascii_upper(unsigned char c) { return c >= 'a' && c <= 'z' ? (unsigned char)(c - 32) : c; }

/* A simple name against an ASCII query, case-insensitively. */
static int text_equals(const uint8_t *p, uint32_t n, int compressed, const char *q, size_t qlen)
{
    size_t step = compressed ? 1 : 2;
    if ((size_t)n != qlen * step)
        return 0;
    for (size_t i = 0; i < qlen; i++)
        if (ascii_upper(p[i * step]) != ascii_upper((unsigned char)q[i]))
            return 0;
    return 1;
}

static int ascii_query(const char *q)
{
    if (!q[0])
        return 0;
    for (; *q; q++)
        if ((unsigned char)*q >= 0x80)
            return 0;
    return 1;
}

/* ---- key vetting ----------------------------------------------------------- */

/* A subkey list (lf, lh, li, or an index root over those) libregf reads
 * whole: its entries into out (at most max). 1 whole, 0 not. */
static int read_list(const hh_hive *hive, uint32_t off, int allow_root, uint32_t *out, size_t max, size_t *n)
{
    const uint8_t *d;
    uint32_t len;
    if (!cell_at(hive, off, &d, &len) || len < 4)
        return 0;
    uint16_t count = hh_le16(d + 2);
    size_t elem;
    if (d[0] == 'l' && (d[1] == 'f' || d[1] == 'h'))
        elem = 8;
    else if ((d[0] == 'l' && d[1] == 'i') || (allow_root && d[0] == 'r' && d[1] == 'i'))
        elem = 4;
    else
        return 0;
    if ((size_t)count * elem > len - 4)
        return 0;
    for (uint16_t i = 0; i < count; i++) {
        uint32_t target = hh_le32(d + 4 + (size_t)i * elem);
        if (d[0] == 'r') {
            if (!read_list(hive, target, 0, out, max, n))
                return 0;
        } else if (*n < max) {
            out[(*n)++] = target;
        } else {
            return 0;
        }
    }
    return 1;
}

/* What libregf's key reader would read without failing or reading partly,
 * with a simple name: then the key is a cells key, children listed. */
static int key_vet(const hh_hive *hive, const uint8_t *d, uint32_t len, uint32_t **children, size_t *nchildren)
{
    *children = NULL;
    *nchildren = 0;
    uint16_t flags = hh_le16(d + HH_NK_FLAGS);
    uint16_t namelen = hh_le16(d + HH_NK_NAME_LENGTH);
    if (!hh_cells_simple_text(d + HH_NK_NAME, namelen, (flags & HH_NK_COMP_NAME) != 0))
        return 0;
    const uint8_t *c;
    uint32_t clen;
    uint32_t classoff = hh_le32(d + HH_NK_CLASS);
    uint16_t classlen = hh_le16(d + HH_NK_CLASS_LENGTH);
    if (classoff != HH_CELL_NONE && !(classoff == 0 && classlen == 0) &&
        (classlen == 0 || !cell_at(hive, classoff, &c, &clen) || classlen > clen))
        return 0;
    uint32_t sk = hh_le32(d + HH_NK_SECURITY);
    if (sk != HH_CELL_NONE &&
        (!cell_at(hive, sk, &c, &clen) || clen < CELLS_SK_HEADER || c[0] != 's' ||
         c[1] != 'k' || hh_le32(c + 0x10) > clen - CELLS_SK_HEADER))
        return 0;
    uint32_t nvalues = hh_le32(d + HH_NK_VALUE_COUNT);
    if (nvalues > 0 && (nvalues > HH_RAW_MAX_VALUES ||
                        !cell_at(hive, hh_le32(d + HH_NK_VALUE_LIST), &c, &clen) ||
                        (uint64_t)nvalues * 4 > clen))
        return 0;
    uint32_t nsub = hh_le32(d + HH_NK_SUBKEY_COUNT);
    if (nsub == 0)
        return 1;
    if (nsub > HH_RAW_MAX_SUBKEYS)
        return 0;
    uint32_t *v = malloc((size_t)nsub * sizeof *v);
    if (!v)
        return 0;
    size_t n = 0;
    int whole = read_list(hive, hh_le32(d + HH_NK_SUBKEY_LIST), 1, v, nsub, &n) && n == nsub;
    /* libregf drops entries it cannot place: every one must be a key node. */
    for (size_t i = 0; i < n && whole; i++)
        whole = nk_cell(hive, v[i], &c, &clen);
    if (!whole) {
        free(v);
        return 0;
    }
    *children = v;
    *nchildren = n;
    return 1;
}

static hh_key *cells_key(hh_hive *hive, uint32_t off, const uint8_t *d, uint32_t *children, size_t nchildren,
                         const hh_key *parent, uint32_t index)
{
    uint32_t depth = parent ? parent->cells->depth + 1 : 0;
    hh_key *k = calloc(1, sizeof *k);
    struct hh_cells_key *ck = calloc(1, sizeof *ck + (size_t)depth * sizeof ck->trail[0]);
    if (!k || !ck) {
        free(k);
        free(ck);
        free(children);
        return NULL;
    }
    k->hive = hive;
    k->cells = ck;
    k->raw_offset = off;
    ck->off = off;
    ck->children = children;
    ck->nchildren = nchildren;
    ck->nvalues = hh_le32(d + HH_NK_VALUE_COUNT);
    ck->valuelist = hh_le32(d + HH_NK_VALUE_LIST);
    ck->depth = depth;
    if (parent) {
        memcpy(ck->trail, parent->cells->trail, (size_t)parent->cells->depth * sizeof ck->trail[0]);
        ck->trail[depth - 1] = index;
    }
    uint16_t namelen = hh_le16(d + HH_NK_NAME_LENGTH);
    int comp = (hh_le16(d + HH_NK_FLAGS) & HH_NK_COMP_NAME) != 0;
    k->name = hh_cells_text_copy(d + HH_NK_NAME, namelen, comp);
    k->last_write = hh_le64(d + 4);
    hh_hive_ref(hive);
    if (k->name) {
        if (!parent)
            k->path = hh_strdup("");
        else if (!parent->path[0])
            k->path = hh_strdup(k->name);
        else
            k->path = hh_join3(parent->path, "\\", k->name);
    }
    if (!k->name || !k->path) {
        hh_key_free(&k);
        return NULL;
    }
    return k;
}

/* The key node at off as a cells key, or 0 when libregf must read it. */
static int try_cells_key(hh_hive *hive, uint32_t off, const hh_key *parent, uint32_t index, hh_key **out)
{
    *out = NULL;
    const uint8_t *d;
    uint32_t len;
    uint32_t *children;
    size_t n;
    if (!nk_cell(hive, off, &d, &len) || !key_vet(hive, d, len, &children, &n))
        return 0;
    *out = cells_key(hive, off, d, children, n, parent, index);
    return *out ? 1 : -1;
}

int hh_cells_root(hh_hive *hive, hh_key **out)
{
    *out = NULL;
    struct hh_raw_state *st = hh_raw_state_get(hive);
    if (!st)
        return 0;
    /* libregf's root is the base block's root offset, read the same way. */
    return try_cells_key(hive, hh_le32(hive->data + 36), NULL, 0, out) == 1;
}

/* libregf's key at the same place: its root, then the same subkey indexes. */
static hh_key *shadow(hh_key *key, char *err, size_t errlen)
{
    struct hh_cells_key *ck = key->cells;
    if (ck->shadow)
        return ck->shadow;
    hh_key *cur = NULL;
    if (hh_hive_libregf_root(key->hive, &cur, err, errlen) != 1)
        return NULL;
    for (uint32_t i = 0; i < ck->depth; i++) {
        hh_key *next = NULL;
        int rc = hh_key_subkey_at(cur, (int)ck->trail[i], &next, err, errlen);
        hh_key_free(&cur);
        if (rc != 1)
            return NULL;
        cur = next;
    }
    ck->shadow = cur;
    return cur;
}

/* ---- subkeys ------------------------------------------------------------------ */

int hh_cells_subkey_count(hh_key *key, int *count, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    *count = (int)key->cells->nchildren;
    return 1;
}

int hh_cells_subkey_at(hh_key *key, int index, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    struct hh_cells_key *ck = key->cells;
    if (index >= 0 && (size_t)index < ck->nchildren) {
        int rc = try_cells_key(key->hive, ck->children[index], key, (uint32_t)index, out);
        if (rc != 0) {
            if (rc < 0)
                snprintf(err, errlen, "out of memory");
            return rc;
        }
    }
    hh_key *s = shadow(key, err, errlen);
    return s ? hh_key_subkey_at(s, index, out, err, errlen) : -1;
}

int hh_cells_subkey(hh_key *key, const char *name, hh_key **out, char *err, size_t errlen)
{
    *out = NULL;
    struct hh_cells_key *ck = key->cells;
    if (ascii_query(name)) {
        size_t qlen = strlen(name);
        size_t i;
        for (i = 0; i < ck->nchildren; i++) {
            const uint8_t *d;
            uint32_t len;
            if (!nk_cell(key->hive, ck->children[i], &d, &len))
                break;
            uint16_t namelen = hh_le16(d + HH_NK_NAME_LENGTH);
            int comp = (hh_le16(d + HH_NK_FLAGS) & HH_NK_COMP_NAME) != 0;
            if (!hh_cells_simple_text(d + HH_NK_NAME, namelen, comp))
                break;
            if (text_equals(d + HH_NK_NAME, namelen, comp, name, qlen)) {
                int rc = try_cells_key(key->hive, ck->children[i], key, (uint32_t)i, out);
                if (rc < 0)
                    snprintf(err, errlen, "out of memory");
                if (rc != 0)
                    return rc;
                break;
            }
        }
        if (i == ck->nchildren)
            return 0; /* every child compared: absent */
    }
    hh_key *s = shadow(key, err, errlen);
    return s ? hh_key_subkey(s, name, out, err, errlen) : -1;
}

const char *hh_cells_class_name(hh_key *key)
{
    key->class_loaded = 1;
    const uint8_t *d, *c;
    uint32_t len, clen;
    if (!nk_cell(key->hive, key->cells->off, &d, &len))
        return NULL;
    uint32_t classoff = hh_le32(d + HH_NK_CLASS);
    uint16_t classlen = hh_le16(d + HH_NK_CLASS_LENGTH);
    if (classoff == HH_CELL_NONE || classlen == 0)
        return NULL; /* libregf reads no class then (vetted: not 0 with a size) */
    if (cell_at(key->hive, classoff, &c, &clen) && classlen <= clen &&
        hh_cells_simple_text(c, classlen, 0)) {
        key->class_name = hh_cells_text_copy(c, classlen, 0);
        return key->class_name;
    }
    char err[HH_ERRLEN];
    hh_key *s = shadow(key, err, sizeof err);
    const char *cls = s ? hh_key_class_name(s) : NULL;
    key->class_name = cls ? hh_strdup(cls) : NULL;
    return key->class_name;
}

/* ---- values ------------------------------------------------------------------ */

/* The value cell at off, when its name is simple and hive.c would read its
 * data from the cells (vk_data_direct, without big data): *data, *dlen. */
static int vk_vet(const hh_hive *hive, uint32_t off, const uint8_t **vk, const uint8_t **data, size_t *dlen)
{
    const uint8_t *d;
    uint32_t len;
    if (!cell_at(hive, off, &d, &len) || len < HH_VK_NAME || d[0] != 'v' ||
        d[1] != 'k')
        return 0;
    uint16_t namelen = hh_le16(d + HH_VK_NAME_LENGTH);
    if (namelen > len - HH_VK_NAME ||
        !hh_cells_simple_text(d + HH_VK_NAME, namelen, (hh_le16(d + HH_VK_FLAGS) & HH_VK_COMP_NAME) != 0))
        return 0;
    uint32_t size = hh_le32(d + HH_VK_DATA_SIZE), data_off = hh_le32(d + HH_VK_DATA_OFFSET);
    uint32_t n = size & 0x7FFFFFFFu;
    if (size & HH_VK_DATA_INLINE) {
        if (n > 4)
            return 0;
        *data = d + HH_VK_DATA_OFFSET;
    } else {
        if (n > HH_BIG_DATA_SEGMENT && hive->info.minor >= 4)
            return 0; /* big data: as hive.c reads it */
        /* libregf fetches the data cell too, where its walk found one (an
         * allocated cell inside its bin: the data fits it or is not read). */
        const uint8_t *dc;
        uint32_t dclen;
        if (data_off == HH_CELL_NONE || !cell_at(hive, data_off, &dc, &dclen) || n > dclen)
            return 0;
        *data = dc;
    }
    *vk = d;
    *dlen = n;
    return 1;
}

/* Whether every value of the key reads here (else libregf answers). */
static int values_vetted(hh_key *key)
{
    struct hh_cells_key *ck = key->cells;
    if (ck->values_vetted)
        return ck->values_vetted > 0;
    ck->values_vetted = 1;
    if (ck->nvalues == 0)
        return 1;
    const uint8_t *list, *vk, *data;
    uint32_t len;
    size_t dlen;
    if (!cell_at(key->hive, ck->valuelist, &list, &len) ||
        (uint64_t)ck->nvalues * 4 > len) {
        ck->values_vetted = -1;
        return 0;
    }
    for (uint32_t i = 0; i < ck->nvalues; i++)
        if (!vk_vet(key->hive, hh_le32(list + 4 * i), &vk, &data, &dlen)) {
            ck->values_vetted = -1;
            return 0;
        }
    return 1;
}

static uint32_t value_off(hh_key *key, uint32_t i)
{
    const uint8_t *list;
    uint32_t len;
    if (!cell_at(key->hive, key->cells->valuelist, &list, &len) || i >= len / 4)
        return HH_CELL_NONE; /* vetted: not reached */
    return hh_le32(list + 4 * i);
}

static int cells_value(hh_key *key, uint32_t off, hh_value **out, char *err, size_t errlen)
{
    const uint8_t *vk, *data;
    size_t dlen;
    if (!vk_vet(key->hive, off, &vk, &data, &dlen)) { /* vetted with the list: not reached */
        snprintf(err, errlen, "value of '%s' at offset 0x%x no longer validates", key->path, off);
        return -1;
    }
    hh_value *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    v->hive = key->hive;
    v->raw_offset = off;
    v->name = hh_cells_text_copy(vk + HH_VK_NAME, hh_le16(vk + HH_VK_NAME_LENGTH),
                        (hh_le16(vk + HH_VK_FLAGS) & HH_VK_COMP_NAME) != 0);
    v->type = hh_le32(vk + HH_VK_TYPE);
    /* The image outlives the value (it holds a hive reference). */
    v->data = dlen ? (uint8_t *)data : NULL;
    v->len = dlen;
    v->data_borrowed = 1;
    v->data_loaded = 1;
    hh_hive_ref(key->hive);
    if (!v->name) {
        hh_value_free(&v);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = v;
    return 1;
}

int hh_cells_value_count(hh_key *key, int *count, char *err, size_t errlen)
{
    *count = 0;
    if (values_vetted(key)) {
        *count = (int)key->cells->nvalues;
        return 1;
    }
    hh_key *s = shadow(key, err, errlen);
    return s ? hh_key_value_count(s, count, err, errlen) : -1;
}

int hh_cells_value_at(hh_key *key, int index, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    if (values_vetted(key) && index >= 0 && (uint32_t)index < key->cells->nvalues)
        return cells_value(key, value_off(key, (uint32_t)index), out, err, errlen);
    hh_key *s = shadow(key, err, errlen);
    return s ? hh_key_value_at(s, index, out, err, errlen) : -1;
}

int hh_cells_value(hh_key *key, const char *name, hh_value **out, char *err, size_t errlen)
{
    *out = NULL;
    /* libregf matches the nameless default value to no name given as a
     * string, "" included: that and non-ASCII queries are its to answer. */
    if (values_vetted(key) && ascii_query(name)) {
        size_t qlen = strlen(name);
        for (uint32_t i = 0; i < key->cells->nvalues; i++) {
            uint32_t off = value_off(key, i);
            const uint8_t *vk, *data;
            size_t dlen;
            if (vk_vet(key->hive, off, &vk, &data, &dlen) &&
                text_equals(vk + HH_VK_NAME, hh_le16(vk + HH_VK_NAME_LENGTH),
                            (hh_le16(vk + HH_VK_FLAGS) & HH_VK_COMP_NAME) != 0, name, qlen))
                return cells_value(key, off, out, err, errlen);
        }
        return 0;
    }
    hh_key *s = shadow(key, err, errlen);
    return s ? hh_key_value(s, name, out, err, errlen) : -1;
}

void hh_cells_key_free(hh_key *key)
{
    if (!key->cells)
        return;
    free(key->cells->children);
    hh_key_free(&key->cells->shadow);
    free(key->cells);
    key->cells = NULL;
}
