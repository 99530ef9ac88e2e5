/* Layer: hive, below raw.c, recover.c and lifetime.c. May call: base only. */
/* The bounds-checked cell reader: see raw_cells.h. */
#include "raw_cells.h"

#include <stdlib.h>
#include <string.h>

#include "hive_internal.h"
#include "regf_format.h"
#include "util.h"

/* ---- bins ------------------------------------------------------------------- */

int hh_raw_image_init(hh_raw_image *img, const uint8_t *data, size_t size)
{
    memset(img, 0, sizeof *img);
    if (size < HH_BASE_BLOCK_SIZE)
        return 1;
    uint32_t declared = hh_le32(data + 40);
    size_t present = size - HH_BASE_BLOCK_SIZE;
    /* Garbage after the declared bins is not hive data. */
    if (declared >= HH_HBIN_ALIGN && declared < present)
        present = declared;
    if (present > 0xFFFFFFF0u)
        present = 0xFFFFFFF0u;
    img->bins = data + HH_BASE_BLOCK_SIZE;
    img->len = (uint32_t)present;
    img->minor = hh_le32(data + 24);
    size_t cap = 0;
    uint32_t pos = 0;
    while (img->len - pos >= HH_HBIN_ALIGN) {
        const uint8_t *h = img->bins + pos;
        uint32_t bsize = hh_le32(h + 8);
        if (memcmp(h, "hbin", 4) == 0 && hh_le32(h + 4) == pos && bsize >= HH_HBIN_ALIGN && bsize % HH_HBIN_ALIGN == 0 &&
            bsize <= img->len - pos) {
            if (img->n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                hh_raw_bin *g = realloc(img->v, ncap * sizeof *g);
                if (!g)
                    return -1;
                img->v = g;
                cap = ncap;
            }
            img->v[img->n++] = (hh_raw_bin){pos, bsize};
            pos += bsize;
        } else {
            /* A damaged bin header: resynchronise on the next 4 KiB page
             * rather than trusting a size we cannot check. */
            img->damaged += HH_HBIN_ALIGN;
            pos += HH_HBIN_ALIGN;
        }
    }
    return 1;
}

void hh_raw_image_free(hh_raw_image *img)
{
    free(img->v);
    memset(img, 0, sizeof *img);
}

static const hh_raw_bin *find_bin(const hh_raw_image *img, uint32_t off)
{
    size_t lo = 0, hi = img->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const hh_raw_bin *b = &img->v[mid];
        if (off < b->off)
            hi = mid;
        else if (off - b->off >= b->size)
            lo = mid + 1;
        else
            return b;
    }
    return NULL;
}

int hh_raw_cell(const hh_raw_image *img, uint32_t off, int accept, const uint8_t **data, uint32_t *len,
                int *allocated)
{
    if (off == HH_RAW_NIL || off % 8 != 0)
        return 0;
    const hh_raw_bin *b = find_bin(img, off);
    if (!b || off - b->off < HH_HBIN_HEADER)
        return 0;
    uint32_t room = b->off + b->size - off;
    if (room < 8)
        return 0;
    int32_t raw = (int32_t)hh_le32(img->bins + off);
    if (raw == 0 || raw == INT32_MIN)
        return 0;
    uint32_t size = raw < 0 ? (uint32_t)(-raw) : (uint32_t)raw;
    int alloc = raw < 0;
    if (size < 8 || size > room)
        return 0;
    if (!(accept & (alloc ? HH_RAW_ALLOCATED : HH_RAW_FREE)))
        return 0;
    *data = img->bins + off + 4;
    *len = size - 4;
    if (allocated)
        *allocated = alloc;
    return 1;
}

void hh_raw_each_cell(const hh_raw_image *img,
                      void (*fn)(uint32_t off, const uint8_t *data, uint32_t len, int allocated, void *ctx),
                      void *ctx)
{
    for (size_t i = 0; i < img->n; i++) {
        const hh_raw_bin *b = &img->v[i];
        uint32_t off = b->off + HH_HBIN_HEADER, end = b->off + b->size;
        while (end - off >= 8) {
            int32_t raw = (int32_t)hh_le32(img->bins + off);
            if (raw == 0 || raw == INT32_MIN)
                break; /* the rest of this bin cannot be walked */
            uint32_t size = raw < 0 ? (uint32_t)(-raw) : (uint32_t)raw;
            if (size < 8 || size % 8 != 0 || size > end - off)
                break;
            fn(off, img->bins + off + 4, size - 4, raw < 0, ctx);
            off += size;
        }
    }
}

/* ---- names ------------------------------------------------------------------- */

/* Decodes a key or value name; *plausible says whether it looks like a name
 * Windows would have written (printable, no backslash in key names, valid
 * UTF-16, not too long). */
static char *decode_name(const uint8_t *p, uint32_t len, int ascii, int key, int *plausible)
{
    int ok = 1;
    char *out = malloc((size_t)len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, chars = 0;
    if (ascii) {
        for (uint32_t i = 0; i < len; i++) {
            uint8_t c = p[i];
            if (c < 0x20 || c == 0x7F || (key && c == '\\'))
                ok = 0;
            o += hh_utf8_put(out + o, c < 0x20 || c == 0x7F ? 0xFFFD : c); /* Latin-1 */
            chars++;
        }
    } else {
        if (len % 2 != 0)
            ok = 0;
        for (uint32_t i = 0; i + 1 < len; i += 2) {
            uint32_t u = hh_le16(p + i);
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
                uint32_t lo = hh_le16(p + i + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    o += hh_utf8_put(out + o, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                    i += 2;
                    chars++;
                    continue;
                }
            }
            if ((u >= 0xD800 && u <= 0xDFFF) || u < 0x20 || u == 0x7F || (u >= 0x80 && u < 0xA0) || u == 0xFFFF ||
                u == 0xFFFE || (key && u == '\\')) {
                ok = 0;
                u = 0xFFFD;
            }
            o += hh_utf8_put(out + o, u);
            chars++;
        }
    }
    out[o] = '\0';
    if (chars > HH_RAW_MAX_NAME_CHARS * 2)
        ok = 0;
    *plausible = ok;
    return out;
}

int hh_raw_name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'a' && x <= 'z')
            x = (unsigned char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (unsigned char)(y - 32);
        if (x != y || x == 0)
            return (int)x - (int)y;
    }
}

/* ---- key nodes ------------------------------------------------------------- */

int hh_raw_time_plausible(uint64_t ft)
{
    return ft >= 0x01B77B67AD944000ull && ft <= 0x022F716377640000ull; /* 1993-01-01 .. 2100-01-01 */
}

int hh_raw_nk_header_ok(const uint8_t *d, uint32_t cell_len)
{
    if (cell_len < HH_NK_NAME || d[0] != 'n' || d[1] != 'k')
        return 0;
    uint16_t namelen = hh_le16(d + HH_NK_NAME_LENGTH);
    return namelen > 0 && namelen <= cell_len - HH_NK_NAME;
}

int hh_raw_parse_nk(const uint8_t *d, uint32_t cell_len, uint32_t off, int allocated, hh_raw_nk *out)
{
    memset(out, 0, sizeof *out);
    if (!hh_raw_nk_header_ok(d, cell_len))
        return 0;
    uint16_t namelen = hh_le16(d + HH_NK_NAME_LENGTH);
    out->off = off;
    out->allocated = allocated;
    out->flags = hh_le16(d + HH_NK_FLAGS);
    out->last_write = hh_le64(d + 4);
    out->parent = hh_le32(d + HH_NK_PARENT);
    out->nsub = hh_le32(d + HH_NK_SUBKEY_COUNT);
    out->sublist = hh_le32(d + HH_NK_SUBKEY_LIST);
    out->nvalues = hh_le32(d + HH_NK_VALUE_COUNT);
    out->valuelist = hh_le32(d + HH_NK_VALUE_LIST);
    out->classoff = hh_le32(d + HH_NK_CLASS);
    out->classlen = hh_le16(d + HH_NK_CLASS_LENGTH);
    out->name = decode_name(d + HH_NK_NAME, namelen, (out->flags & HH_NK_COMP_NAME) != 0, 1, &out->name_plausible);
    return out->name != NULL;
}

int hh_raw_read_nk(const hh_raw_image *img, uint32_t off, int accept, hh_raw_nk *out)
{
    const uint8_t *d;
    uint32_t len;
    int alloc;
    memset(out, 0, sizeof *out);
    if (!hh_raw_cell(img, off, accept, &d, &len, &alloc))
        return 0;
    return hh_raw_parse_nk(d, len, off, alloc, out);
}

int hh_raw_nk_valid(const hh_raw_image *img, uint32_t off, int accept)
{
    const uint8_t *d;
    uint32_t len;
    return hh_raw_cell(img, off, accept, &d, &len, NULL) && hh_raw_nk_header_ok(d, len);
}

void hh_raw_nk_clear(hh_raw_nk *nk)
{
    free(nk->name);
    nk->name = NULL;
}

char *hh_raw_class_name(const hh_raw_image *img, const hh_raw_nk *nk, int accept)
{
    const uint8_t *d;
    uint32_t len;
    if (nk->classlen == 0 || !hh_raw_cell(img, nk->classoff, accept, &d, &len, NULL) || nk->classlen > len)
        return NULL;
    return hh_utf16le_to_utf8(d, nk->classlen, 1, NULL);
}

/* ---- subkey lists -------------------------------------------------------------- */

static int read_leaf(const hh_raw_image *img, uint32_t off, int accept, int allow_root, uint32_t *out, size_t max,
                     size_t *n)
{
    const uint8_t *d;
    uint32_t len;
    if (!hh_raw_cell(img, off, accept, &d, &len, NULL) || len < 4)
        return 0;
    uint16_t count = hh_le16(d + 2);
    size_t elem;
    if ((d[0] == 'l' && d[1] == 'f') || (d[0] == 'l' && d[1] == 'h'))
        elem = 8;
    else if ((d[0] == 'l' && d[1] == 'i') || (d[0] == 'r' && d[1] == 'i'))
        elem = 4;
    else
        return 0;
    int whole = 1;
    if ((size_t)count * elem > len - 4) {
        count = (uint16_t)((len - 4) / elem); /* read what the cell holds */
        whole = 0;
    }
    int is_root = d[0] == 'r';
    if (is_root && !allow_root)
        return 0; /* an index root never nests */
    for (uint16_t i = 0; i < count; i++) {
        uint32_t target = hh_le32(d + 4 + (size_t)i * elem);
        if (is_root) {
            if (!read_leaf(img, target, accept, 0, out, max, n))
                whole = 0;
        } else if (*n < max) {
            out[(*n)++] = target;
        } else {
            return 0;
        }
    }
    return whole;
}

int hh_raw_read_subkey_list(const hh_raw_image *img, uint32_t off, int accept, uint32_t *out, size_t max, size_t *n)
{
    *n = 0;
    return read_leaf(img, off, accept, 1, out, max, n);
}

/* ---- values ------------------------------------------------------------------- */

/* The data of a value: inline, one cell, or big data segments. */
static int read_value_data(const hh_raw_image *img, uint32_t size_field, uint32_t data_off, int accept,
                           hh_raw_vk *v)
{
    uint32_t size = size_field & 0x7FFFFFFFu;
    if (size_field & 0x80000000u) {
        if (size > 4)
            return 0;
        if (size) {
            v->data = malloc(size);
            if (!v->data)
                return 0;
            for (uint32_t i = 0; i < size; i++)
                v->data[i] = (uint8_t)(data_off >> (8 * i)); /* stored little-endian in the offset field */
        }
        v->len = size;
        return 1;
    }
    if (size == 0)
        return 1;
    if (size > HH_RAW_MAX_DATA)
        return 0;
    const uint8_t *d;
    uint32_t len;
    if (!hh_raw_cell(img, data_off, accept, &d, &len, NULL))
        return 0;
    if (size > HH_BIG_DATA_SEGMENT && img->minor >= 4 && len >= 8 && d[0] == 'd' && d[1] == 'b') {
        uint16_t nseg = hh_le16(d + 2);
        const uint8_t *list;
        uint32_t list_len;
        if (!hh_raw_cell(img, hh_le32(d + 4), accept, &list, &list_len, NULL) || (size_t)nseg * 4 > list_len)
            return 0;
        v->data = malloc(size);
        if (!v->data)
            return 0;
        size_t got = 0;
        for (uint16_t i = 0; i < nseg && got < size; i++) {
            const uint8_t *seg;
            uint32_t seg_len;
            if (!hh_raw_cell(img, hh_le32(list + 4 * i), accept, &seg, &seg_len, NULL))
                goto bad;
            size_t take = size - got;
            if (take > HH_BIG_DATA_SEGMENT)
                take = HH_BIG_DATA_SEGMENT;
            if (take > seg_len)
                goto bad;
            memcpy(v->data + got, seg, take);
            got += take;
        }
        if (got != size)
            goto bad;
        v->len = size;
        return 1;
    bad:
        free(v->data);
        v->data = NULL;
        return 0;
    }
    if (size > len)
        return 0;
    v->data = malloc(size);
    if (!v->data)
        return 0;
    memcpy(v->data, d, size);
    v->len = size;
    return 1;
}

static int read_vk(const hh_raw_image *img, uint32_t off, int accept, hh_raw_vk *v)
{
    const uint8_t *d;
    uint32_t len;
    memset(v, 0, sizeof *v);
    if (!hh_raw_cell(img, off, accept, &d, &len, NULL) || len < HH_VK_NAME || d[0] != 'v' || d[1] != 'k')
        return 0;
    uint16_t namelen = hh_le16(d + HH_VK_NAME_LENGTH);
    if (namelen > len - HH_VK_NAME)
        return 0;
    int plausible;
    v->off = off;
    v->name = decode_name(d + HH_VK_NAME, namelen, (hh_le16(d + HH_VK_FLAGS) & HH_VK_COMP_NAME) != 0, 0, &plausible);
    if (!v->name)
        return 0;
    v->type = hh_le32(d + HH_VK_TYPE);
    v->data_ok = read_value_data(img, hh_le32(d + HH_VK_DATA_SIZE), hh_le32(d + HH_VK_DATA_OFFSET), accept, v);
    return 1;
}

void hh_raw_vk_free_all(hh_raw_vk *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].data);
    }
    free(v);
}

int hh_raw_read_values(const hh_raw_image *img, const hh_raw_nk *nk, int accept, hh_raw_vk **out, size_t *n,
                       size_t *damaged)
{
    *out = NULL;
    *n = 0;
    *damaged = 0;
    if (nk->nvalues == 0)
        return 1;
    const uint8_t *list;
    uint32_t len;
    if (nk->nvalues > HH_RAW_MAX_VALUES || !hh_raw_cell(img, nk->valuelist, accept, &list, &len, NULL)) {
        *damaged = nk->nvalues > HH_RAW_MAX_VALUES ? 1 : nk->nvalues;
        return 1;
    }
    uint32_t count = nk->nvalues;
    if ((size_t)count * 4 > len) {
        *damaged += count - len / 4;
        count = len / 4;
    }
    hh_raw_vk *v = calloc(count ? count : 1, sizeof *v);
    if (!v)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        if (read_vk(img, hh_le32(list + 4 * i), accept, &v[*n]))
            (*n)++;
        else
            (*damaged)++;
    }
    *out = v;
    return 1;
}
