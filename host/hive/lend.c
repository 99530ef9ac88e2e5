/* Layer: hive, called by the opener. May call: image.c, base, libbfio. */
/* The image libregf reads, minus work whose result we never use.
 *
 * hivehunt reads every value's data itself (hive.c, vk_data_direct), yet
 * libregf 20201007 also fetches the data cell of every value it is asked
 * for: a hive-bin lookup (a linear scan, about 5,000 instructions) and a
 * copy, per value. For a value whose data we are certain to read ourselves,
 * libregf is shown the value cell with "no data" (size 0, stored inline), so
 * it skips that work; hive->data, which hivehunt and its raw layer read,
 * stays as it was. The change is applied while libregf reads (a libbfio
 * handle over hive->data), so the image is not copied.
 *
 * A value is lent only when libregf, given the real cell, would have read
 * the data without failing: the whole hive must be a clean chain of bins and
 * cells (any damage and nothing is lent), the data must start a cell, and no
 * cell libregf reads as plain bytes (another value's data, a big-data list
 * or segment, a class name, a value list) may be a lent value cell.
 *
 * With the data out of libregf's way, large bins whose page boundaries fall
 * inside cells libregf never reads are shown to it as 4 KB bins (below), so
 * its bin lookups stop scanning. */
#include <stdlib.h>
#include <string.h>

#include "hive_internal.h"
#include "regf_format.h"
#include "util.h"

/* libregf reads data larger than one segment from a db list (format 1.5+). */
#define BIG_DATA_MIN (HH_BIG_DATA_SEGMENT + 1)

typedef struct lend_scan {
    const uint8_t *bins;      /* hive->data + 4096 */
    uint32_t nbins_bytes;     /* bytes of hive bins walked */
    const uint64_t *starts;   /* bit per 8 bytes: a cell other than a key or value starts here (the census) */
    uint64_t *lent;           /* bit per 8 bytes: a value cell we lend */
    int minor;
    uint32_t *unlent;         /* value cells of the census not lent, in the order found */
    size_t nunlent;
} lend_scan;

static int bit(const uint64_t *map, uint32_t off) { return (map[off / 8 / 64] >> (off / 8 % 64)) & 1; }
static void set_bit(uint64_t *map, uint32_t off) { map[off / 8 / 64] |= (uint64_t)1 << (off / 8 % 64); }
static void clear_bit(uint64_t *map, uint32_t off) { map[off / 8 / 64] &= ~((uint64_t)1 << (off / 8 % 64)); }

static int is_cell(const lend_scan *s, uint32_t off)
{
    return off != HH_CELL_NONE && off % 8 == 0 && off < s->nbins_bytes && bit(s->starts, off);
}

/* The payload (after the size field) of the allocated cell at off, or NULL. */
static const uint8_t *allocated(const lend_scan *s, uint32_t off, uint32_t *len)
{
    if (!is_cell(s, off))
        return NULL;
    int32_t raw = (int32_t)hh_le32(s->bins + off);
    if (raw >= 0)
        return NULL;
    *len = (uint32_t)(-(int64_t)raw) - 4;
    return s->bins + off + 4;
}

/* The payload of the allocated cell at a bins offset, inside the image. */
static const uint8_t *payload_in(const uint8_t *bins, uint64_t nbins, uint32_t off, uint32_t *len)
{
    if (off == HH_CELL_NONE || (uint64_t)off + 4 > nbins)
        return NULL;
    int32_t raw = (int32_t)hh_le32(bins + off);
    if (raw >= 0 || (uint64_t)off + (uint64_t)(-(int64_t)raw) > nbins || -(int64_t)raw < 4)
        return NULL;
    *len = (uint32_t)(-(int64_t)raw) - 4;
    return bins + off + 4;
}

/* Big data (format 1.5+, over 16344 bytes): a db cell lists segment cells;
 * libregf joins each segment's payload less 4 bytes, at most 16344, the
 * last cut to the value's size. Only the plain shape is taken: db, list
 * and segments allocated cells of the right sizes (anything else is left
 * to libregf). With out, the data is written there; returns 1 and the
 * size, or 0. With s, every cell must also start a cell libregf parses. */
static int big_data(const uint8_t *bins, uint64_t nbins, const lend_scan *s, uint32_t data, uint32_t size,
                    uint8_t *out, uint64_t *total)
{
    uint32_t dlen, llen, seglen;
    const uint8_t *db = payload_in(bins, nbins, data, &dlen);
    if (!db || dlen < 8 || db[0] != 'd' || db[1] != 'b' || (s && !is_cell(s, data)))
        return 0;
    uint32_t nseg = hh_le16(db + 2), list_off = hh_le32(db + 4);
    const uint8_t *list = payload_in(bins, nbins, list_off, &llen);
    if (!list || nseg > llen / 4 || (s && !is_cell(s, list_off)))
        return 0;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < nseg; i++) {
        uint32_t seg_off = hh_le32(list + 4 * i);
        const uint8_t *seg = payload_in(bins, nbins, seg_off, &seglen);
        if (!seg || seglen < 4 || (s && !is_cell(s, seg_off)))
            return 0;
        uint64_t take = seglen - 4 > 16344 ? 16344 : seglen - 4;
        if (acc + take > size)
            take = size - acc;
        if (out)
            memcpy(out + acc, seg, take);
        acc += take;
    }
    *total = acc;
    return 1;
}

int hh_hive_lent_big_data(hh_hive *hive, uint64_t vk_off, uint8_t **out, size_t *len)
{
    /* Only values lent at open: their cells were checked against the census. */
    uint64_t field = vk_off + HH_VK_DATA_SIZE;
    size_t lo = 0, hi = hive->nlent;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hive->lent[mid] < field)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == hive->nlent || hive->lent[lo] != field || vk_off + 12 > hive->size)
        return 0;
    const uint8_t *vk = hive->data + vk_off, *bins = hive->data + HH_BASE_BLOCK_SIZE;
    uint64_t nbins = hive->size - HH_BASE_BLOCK_SIZE, total;
    uint32_t size = hh_le32(vk + HH_VK_DATA_SIZE), data = hh_le32(vk + HH_VK_DATA_OFFSET);
    if (!big_data(bins, nbins, NULL, data, size, NULL, &total))
        return 0;
    uint8_t *buf = total ? malloc(total) : NULL;
    if (total && !buf)
        return 0;
    big_data(bins, nbins, NULL, data, size, buf, &total);
    *out = buf;
    *len = total;
    return 1;
}

/* What vk_data_direct reads itself, from the unchanged cells. */
static int reads_itself(const lend_scan *s, const uint8_t *vk)
{
    uint32_t size = hh_le32(vk + HH_VK_DATA_SIZE), data = hh_le32(vk + HH_VK_DATA_OFFSET);
    if (size & HH_VK_DATA_INLINE)
        return 0;
    if (size > 16344 && s->minor >= 4) {
        uint64_t total;
        return s->minor >= 5 && big_data(s->bins, s->nbins_bytes, s, data, size, NULL, &total);
    }
    if (!is_cell(s, data))
        return 0;
    int32_t raw = (int32_t)hh_le32(s->bins + data); /* a census cell: 8 bytes or more */
    return raw < 0 && (uint32_t)(-(int64_t)raw) - 4 >= size;
}

static void unlend(lend_scan *s, uint32_t off, int *changed)
{
    /* Lent bits are set at value cells only (which the census does not
     * mark as cell starts). */
    if (off % 8 == 0 && off < s->nbins_bytes && bit(s->lent, off)) {
        clear_bit(s->lent, off);
        s->unlent[s->nunlent++] = off; /* at most once per census value: room for all */
        *changed = 1;
    }
}

/* Cells a value not lent makes libregf read as bytes: its data, or for big
 * data the db cell's segment list and segments. */
static void unlend_data_of(lend_scan *s, const uint8_t *vk, int *changed)
{
    uint32_t size = hh_le32(vk + HH_VK_DATA_SIZE), data = hh_le32(vk + HH_VK_DATA_OFFSET);
    if (size & HH_VK_DATA_INLINE)
        return;
    unlend(s, data, changed);
    if (size < BIG_DATA_MIN)
        return;
    uint32_t len;
    const uint8_t *db = allocated(s, data, &len);
    if (!db || len < 8 || db[0] != 'd' || db[1] != 'b')
        return;
    uint32_t list = hh_le32(db + 4), nseg = hh_le16(db + 2), llen;
    unlend(s, list, changed);
    const uint8_t *segs = allocated(s, list, &llen);
    for (uint32_t i = 0; segs && i < nseg && 4 * (size_t)i + 4 <= llen; i++)
        unlend(s, hh_le32(segs + 4 * i), changed);
}

/* ---- bins libregf sees as 4 KB pages ------------------------------------------
 *
 * libregf finds the bin of a cell by guessing its index from the offset
 * (offset * bins / size) and scanning from there one bin at a time, so each
 * bin larger than 4 KB moves every guess after it (on a Win7 SYSTEM hive,
 * 45 bins of 16 KB put guesses 33 bins off on average, ~1,400 instructions
 * a lookup). A large bin whose every inner page boundary falls inside a cell
 * libregf never reads (a lent value's data) is shown as 4 KB bins: at each
 * boundary a bin header and a free cell filling the rest of that cell's
 * page, and that cell cut at its first page's end. Cells libregf reads keep
 * their offsets and bytes. */

/* Whether any cell libregf may read starts in [off, off + len): what the
 * key cells, lists and security cells point at (the census), and the data
 * chains of values not lent (extra). A view cell inside a hidden cell (a
 * filler) is then never the target of a read either. */
static int read_inside(const hh_cell_census *c, const uint64_t *extra, uint32_t off, uint32_t len)
{
    for (uint32_t slot = off / 8; slot < (off + len) / 8; slot++) {
        uint64_t word = c->key_reads[slot / 64] | c->list_reads[slot / 64] | extra[slot / 64];
        if (slot % 64 == 0 && (off + len) / 8 - slot >= 64) {
            if (word)
                return 1;
            slot += 63;
        } else if ((word >> (slot % 64)) & 1) {
            return 1;
        }
    }
    return 0;
}

static void note(uint64_t *map, const lend_scan *s, uint32_t off)
{
    if (off < s->nbins_bytes)
        set_bit(map, off);
}

/* The cells a value not lent makes libregf read: its data, or a db cell's
 * segment list and segments. */
static void note_unlent_data(const lend_scan *s, const uint8_t *vk, uint64_t *extra)
{
    uint32_t data = hh_le32(vk + HH_VK_DATA_OFFSET), len;
    note(extra, s, data);
    const uint8_t *db = allocated(s, data, &len);
    if (db && len >= 8 && db[0] == 'd' && db[1] == 'b') {
        uint32_t list = hh_le32(db + 4), nseg = hh_le16(db + 2), llen;
        note(extra, s, list);
        const uint8_t *segs = allocated(s, list, &llen);
        for (uint32_t k = 0; segs && k < nseg && 4 * (size_t)k + 4 <= llen; k++)
            note(extra, s, hh_le32(segs + 4 * k));
    }
}

static int add_split(hh_hive *hive, size_t *cap, uint64_t off, const uint8_t *bytes, uint32_t len)
{
    if (hive->nsplit == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        hh_view_patch *p = realloc(hive->split, grown * sizeof *p);
        if (!p)
            return 0;
        hive->split = p;
        *cap = grown;
    }
    hh_view_patch *p = &hive->split[hive->nsplit++];
    p->off = off;
    p->len = len;
    memcpy(p->bytes, bytes, len);
    return 1;
}

static uint32_t cell_len(const lend_scan *s, uint32_t off)
{
    int32_t raw = (int32_t)hh_le32(s->bins + off);
    return (uint32_t)(raw < 0 ? -(int64_t)raw : (int64_t)raw);
}

/* A cell libregf never reads: nothing libregf reads points into it, and it
 * does not look like one it reads (free, or no key, value, list or security
 * signature). */
static int hideable(const lend_scan *s, const hh_cell_census *c, const uint64_t *extra, uint32_t off, uint32_t len)
{
    const uint8_t *p = s->bins + off + 4;
    if ((int32_t)hh_le32(s->bins + off) < 0) {
        static const char sigs[][2] = {{'n', 'k'}, {'v', 'k'}, {'s', 'k'}, {'l', 'f'}, {'l', 'h'}, {'l', 'i'}, {'r', 'i'}};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            if (p[0] == (uint8_t)sigs[i][0] && p[1] == (uint8_t)sigs[i][1])
                return 0;
    }
    return !read_inside(c, extra, off, len);
}

/* Plans the view's bin headers and filler cells (hive->split, by offset).
 * A bin is shown split only when every inner boundary can be. */
static void plan_splits(hh_hive *hive, const lend_scan *s, const hh_cell_census *c, const uint64_t *extra)
{
    size_t cap = 0;
    for (uint32_t pos = 0; pos < s->nbins_bytes;) {
        uint32_t size = hh_le32(s->bins + pos + 8);
        if (size <= HH_BASE_BLOCK_SIZE || size / HH_BASE_BLOCK_SIZE > 64) {
            pos += size;
            continue;
        }
        /* The cell over each inner boundary: one libregf never reads, that
         * starts before the boundary and goes on past the header's room. */
        uint32_t hidden[64], nhidden = 0, boundary = pos + HH_BASE_BLOCK_SIZE;
        int ok = 1;
        for (uint32_t off = pos + 32; ok && off < pos + size && boundary < pos + size;) {
            uint32_t len = cell_len(s, off);
            if (off + len > boundary) {
                if (off == boundary || off + len < boundary + 32 || !hideable(s, c, extra, off, len) ||
                    nhidden == 64) {
                    ok = 0;
                    break;
                }
                hidden[nhidden++] = off;
                while (boundary < pos + size && off + len >= boundary + 32)
                    boundary += HH_BASE_BLOCK_SIZE;
                if (boundary < off + len && boundary < pos + size)
                    ok = 0; /* a boundary too near the cell's end for a header */
            }
            off += len;
        }
        size_t before = hive->nsplit;
        for (uint32_t h = 0; ok && h < nhidden; h++) {
            uint32_t off = hidden[h], len = cell_len(s, off);
            uint32_t first = (off / HH_BASE_BLOCK_SIZE + 1) * HH_BASE_BLOCK_SIZE;
            uint8_t b[36];
            hh_put_le32(b, first - off); /* the hidden cell, cut at its page's end (free) */
            ok = add_split(hive, &cap, (uint64_t)HH_BASE_BLOCK_SIZE + off, b, 4);
            for (uint32_t at = first; ok && at < off + len; at += HH_BASE_BLOCK_SIZE) {
                memset(b, 0, sizeof b);
                memcpy(b, "hbin", 4);
                hh_put_le32(b + 4, at);
                hh_put_le32(b + 8, HH_BASE_BLOCK_SIZE);
                uint32_t end = off + len < at + HH_BASE_BLOCK_SIZE ? off + len : at + HH_BASE_BLOCK_SIZE;
                hh_put_le32(b + 32, end - (at + 32)); /* a free cell to the page's or the cell's end */
                ok = add_split(hive, &cap, (uint64_t)HH_BASE_BLOCK_SIZE + at, b, end > at + 32 ? 36 : 32);
            }
        }
        if (ok && nhidden) {
            uint8_t b[4];
            hh_put_le32(b, HH_BASE_BLOCK_SIZE);
            ok = add_split(hive, &cap, (uint64_t)HH_BASE_BLOCK_SIZE + pos + 8, b, 4);
        }
        if (!ok)
            hive->nsplit = before; /* this bin stays whole */
        pos += size;
    }
    /* Added bin by bin, each bin's size field after its cells: sort. */
    for (size_t i = 1; i < hive->nsplit; i++)
        for (size_t j = i; j > 0 && hive->split[j - 1].off > hive->split[j].off; j--) {
            hh_view_patch t = hive->split[j];
            hive->split[j] = hive->split[j - 1];
            hive->split[j - 1] = t;
        }
}

int hh_hive_lend_values(hh_hive *hive, const hh_cell_census *c)
{
    hive->nlent = 0;
    if (!c->clean)
        return 0;
    lend_scan s = {.bins = hive->data + HH_BASE_BLOCK_SIZE, .nbins_bytes = c->nbins_bytes,
                   .starts = c->starts, .minor = (int)hive->info.minor};
    s.lent = calloc((size_t)c->nbins_bytes / 8 / 64 + 1, sizeof *s.lent);
    if (!s.lent)
        return 0;
    s.unlent = malloc((c->nvks + 1) * sizeof *s.unlent);
    hive->lent = malloc((c->nvks + 1) * sizeof *hive->lent);
    if (!s.unlent || !hive->lent) {
        free(s.unlent);
        free(s.lent);
        free(hive->lent);
        hive->lent = NULL;
        return 0;
    }
    /* Raw-byte reads of a lent cell would see the change: such a cell is not
     * lent, which may expose its own data in turn. What key cells read as
     * bytes the census noted; the data of values not lent is followed from
     * a work list (unlend appends to it) until nothing changes. */
    for (size_t i = 0; i < c->nvks; i++) {
        uint32_t vk = c->vks[i];
        if (!bit(c->key_reads, vk) && reads_itself(&s, s.bins + vk + 4)) {
            set_bit(s.lent, vk);
            hive->lent[hive->nlent++] = (uint64_t)HH_BASE_BLOCK_SIZE + vk + 4 + HH_VK_DATA_SIZE;
        } else {
            s.unlent[s.nunlent++] = vk;
        }
    }
    size_t first_unlent = s.nunlent;
    int changed = 0;
    for (size_t k = 0; k < s.nunlent; k++)
        unlend_data_of(&s, s.bins + s.unlent[k] + 4, &changed);
    if (s.nunlent > first_unlent) { /* some were unlent after all: keep the rest, in order */
        size_t kept = 0;
        for (size_t i = 0; i < hive->nlent; i++)
            if (bit(s.lent, (uint32_t)(hive->lent[i] - HH_BASE_BLOCK_SIZE - 4 - HH_VK_DATA_SIZE)))
                hive->lent[kept++] = hive->lent[i];
        hive->nlent = kept;
    }
    /* Bins shown split must have their cells over page boundaries read by
     * nothing, including what the values not lent make libregf read. */
    uint64_t *extra = hive->nlent ? calloc((size_t)c->nbins_bytes / 8 / 64 + 1, sizeof *extra) : NULL;
    if (extra) {
        for (size_t k = 0; k < s.nunlent; k++)
            note_unlent_data(&s, s.bins + s.unlent[k] + 4, extra);
        note(extra, &s, hh_le32(hive->data + 36)); /* the root key */
        plan_splits(hive, &s, c, extra);
    }
    if (!hive->nlent) {
        free(hive->lent);
        hive->lent = NULL;
    }
    free(s.unlent);
    free(extra);
    free(s.lent);
    return hive->nlent > 0;
}

/* ---- the libbfio handle libregf reads through ------------------------------- */

typedef struct lend_io {
    const hh_hive *hive;
    size_t size;              /* whole 4 KB pages (see hive.c, open_libregf) */
    uint64_t pos;
    int open;
    size_t lent_at, split_at; /* where the last read stopped in each list: reads mostly go forward */
} lend_io;

static int io_free(intptr_t **io, libbfio_error_t **e)
{
    (void)e;
    free(*io);
    *io = NULL;
    return 1;
}

static int io_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
    (void)e;
    lend_io *c = malloc(sizeof *c);
    if (!c)
        return -1;
    *c = *(lend_io *)src;
    *dst = (intptr_t *)c;
    return 1;
}

static int io_open(intptr_t *io, int flags, libbfio_error_t **e)
{
    (void)flags;
    (void)e;
    ((lend_io *)io)->open = 1;
    ((lend_io *)io)->pos = 0;
    return 1;
}

static int io_close(intptr_t *io, libbfio_error_t **e)
{
    (void)e;
    ((lend_io *)io)->open = 0;
    return 0;
}

static ssize_t io_read(intptr_t *io, uint8_t *buf, size_t size, libbfio_error_t **e)
{
    (void)e;
    lend_io *r = (lend_io *)io;
    if (r->pos >= r->size)
        return 0;
    size_t n = r->size - r->pos < size ? (size_t)(r->size - r->pos) : size;
    memcpy(buf, r->hive->data + r->pos, n);
    /* Lent fields overlapping [pos, pos + n): the first where the last
     * read stopped, else by binary search. */
    const uint64_t *lent = r->hive->lent;
    size_t nlent = r->hive->nlent, lo = r->lent_at;
    if (lo > nlent || (lo > 0 && lent[lo - 1] + 4 > r->pos) || (lo < nlent && lent[lo] + 4 <= r->pos)) {
        size_t hi = nlent;
        lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (lent[mid] + 4 <= r->pos)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    static const uint8_t no_data[4] = {0, 0, 0, 0x80}; /* size 0, inline */
    for (; lo < nlent && lent[lo] < r->pos + n; lo++)
        for (int b = 0; b < 4; b++)
            if (lent[lo] + b >= r->pos && lent[lo] + b < r->pos + n)
                buf[lent[lo] + b - r->pos] = no_data[b];
    r->lent_at = lo;
    const hh_view_patch *split = r->hive->split;
    size_t nsplit = r->hive->nsplit;
    lo = r->split_at;
    if (lo > nsplit || (lo > 0 && split[lo - 1].off + split[lo - 1].len > r->pos) ||
        (lo < nsplit && split[lo].off + split[lo].len <= r->pos)) {
        size_t hi = nsplit;
        lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (split[mid].off + split[mid].len <= r->pos)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    for (; lo < nsplit && split[lo].off < r->pos + n; lo++)
        for (uint32_t b = 0; b < split[lo].len; b++)
            if (split[lo].off + b >= r->pos && split[lo].off + b < r->pos + n)
                buf[split[lo].off + b - r->pos] = split[lo].bytes[b];
    r->split_at = lo;
    r->pos += n;
    return (ssize_t)n;
}

static off64_t io_seek(intptr_t *io, off64_t off, int whence, libbfio_error_t **e)
{
    (void)e;
    lend_io *r = (lend_io *)io;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)r->pos : (int64_t)r->size;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return -1;
    if ((off < 0 && -off > base) || (off > 0 && (uint64_t)off > INT64_MAX - (uint64_t)base))
        return -1;
    r->pos = (uint64_t)(base + off);
    return (off64_t)r->pos;
}

static int io_exists(intptr_t *io, libbfio_error_t **e)
{
    (void)io;
    (void)e;
    return 1;
}

static int io_is_open(intptr_t *io, libbfio_error_t **e)
{
    (void)e;
    return ((lend_io *)io)->open;
}

static int io_size(intptr_t *io, size64_t *size, libbfio_error_t **e)
{
    (void)e;
    *size = ((lend_io *)io)->size;
    return 1;
}

int hh_hive_lend_handle(hh_hive *hive, size_t size, libbfio_handle_t **out)
{
    lend_io *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->hive = hive;
    r->size = size;
    if (libbfio_handle_initialize(out, (intptr_t *)r, io_free, io_clone, io_open, io_close, io_read, NULL,
                                  io_seek, io_exists, io_is_open, io_size, LIBBFIO_FLAG_IO_HANDLE_MANAGED,
                                  NULL) != 1) {
        free(r);
        return -1;
    }
    return 1;
}
