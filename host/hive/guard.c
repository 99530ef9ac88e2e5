/* Layer: hive, called by the opener. May call: image.c, base. */
/* Guards against known bugs of the hive reader, applied to the in-memory
 * image (never the evidence file) before libregf sees it.
 *
 * libregf 20201007 (Debian 12) trusts a key's value count: it reads
 * count * 4 bytes of value offsets from the value list cell whatever the
 * cell's size (fixed upstream 2021-05-04). A lying count makes it read past
 * its buffer: seconds of garbage on a plain build, a crash under ASan
 * (DESIGN.md §6, corpus/hostile/libregf-nvalues-overflow.hive). Every
 * allocated nk cell's count is checked against its list cell here and
 * capped, with a warning, so the reader only sees counts that fit. */
#include <stdlib.h>
#include <string.h>

#include "hive_internal.h"
#include "regf_format.h"
#include "util.h"

#define SIG(a, b) ((uint16_t)((uint8_t)(a) | (uint8_t)(b) << 8))

/* The size of the allocated cell at a hive-bins offset, or 0 when the offset
 * does not hold one inside the image. */
static size_t allocated_cell_size(const uint8_t *data, size_t size, uint32_t off)
{
    size_t pos = (size_t)HH_BASE_BLOCK_SIZE + off;
    if (off == HH_CELL_NONE || pos < HH_BASE_BLOCK_SIZE || pos + 4 > size)
        return 0;
    int32_t cell = (int32_t)hh_le32(data + pos);
    if (cell >= 0)
        return 0;
    size_t len = (size_t)(-(int64_t)cell);
    return len <= size - pos ? len : 0;
}

/* Caps the count of the key at file offset cell to the fits entries its
 * value list holds, with a warning naming the key. */
static void cap_value_count(hh_hive *hive, size_t cell, size_t len, uint32_t count, uint32_t fits)
{
    uint8_t *nk = hive->data + cell + 4;
    hh_put_le32(nk + HH_NK_VALUE_COUNT, fits);
    size_t namelen = hh_le16(nk + HH_NK_NAME_LENGTH);
    if (namelen > len - 4 - HH_NK_NAME)
        namelen = 0;
    char name[64];
    size_t n = 0;
    for (size_t i = 0; i < namelen && n + 1 < sizeof name; i++) {
        unsigned char c = nk[HH_NK_NAME + i];
        name[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    name[n] = '\0';
    hh_hive_warn(hive, "key '%s' (cell 0x%zx) claims %u values but its value list holds %u; reading %u",
                 name, cell - HH_BASE_BLOCK_SIZE, count, fits, fits);
}

/* The value list entries that fit the key's list cell: the count the key
 * may be trusted with. */
static uint32_t value_list_fits(const hh_hive *hive, const uint8_t *nk)
{
    size_t list = allocated_cell_size(hive->data, hive->size, hh_le32(nk + HH_NK_VALUE_LIST));
    return list >= 4 ? (uint32_t)((list - 4) / 4) : 0;
}

static void guard_nk(hh_hive *hive, size_t cell, size_t len)
{
    uint8_t *nk = hive->data + cell + 4;
    if (len < 4 + HH_NK_NAME || memcmp(nk, "nk", 2) != 0)
        return;
    uint32_t count = hh_le32(nk + HH_NK_VALUE_COUNT);
    if (count == 0)
        return;
    uint32_t fits = value_list_fits(hive, nk);
    if (count > fits)
        cap_value_count(hive, cell, len, count, fits);
}

static inline void note(uint64_t *map, uint32_t nbins, uint32_t off)
{
    if (off < nbins)
        map[off >> 9] |= (uint64_t)1 << ((off >> 3) & 63);
}

/* The entries of a subkey list or index root: cells libregf reads as keys
 * or lists. Any list-like cell is taken, reached or not (over-approximate). */
static inline void note_list(hh_cell_census *c, const uint8_t *p, uint32_t len)
{
    if (len < 4)
        return;
    uint32_t n = hh_le16(p + 2), step = (p[1] == 'f' || p[1] == 'h') ? 8 : 4;
    uint32_t fit = (len - 4) / step;
    if (n > fit)
        n = fit;
    for (uint32_t e = 0; e < n; e++)
        note(c->list_reads, c->nbins_bytes, hh_le32(p + 4 + step * e));
}

/* A key cell (at bins offset off, len bytes, "nk" checked) of a clean bin:
 * guarded as guard_nk does, and the cells it names that libregf reads as
 * bytes or structures noted (its lists, security and class, and the values
 * its guarded count takes from its value list). */
static inline void census_key(hh_hive *hive, hh_cell_census *c, uint32_t off, uint32_t len)
{
    const uint8_t *p = hive->data + HH_BASE_BLOCK_SIZE + off + 4;
    if (len - 4 < HH_CENSUS_NK_MIN)
        return; /* too short for guard_nk too */
    uint32_t count = hh_le32(p + HH_NK_VALUE_COUNT), list = hh_le32(p + HH_NK_VALUE_LIST);
    uint32_t subkeys = hh_le32(p + HH_NK_SUBKEY_LIST), security = hh_le32(p + HH_NK_SECURITY), cls = hh_le32(p + HH_NK_CLASS);
    if (subkeys % 8 == 0)
        note(c->key_reads, c->nbins_bytes, subkeys);
    if (list % 8 == 0)
        note(c->key_reads, c->nbins_bytes, list);
    if (security % 8 == 0)
        note(c->key_reads, c->nbins_bytes, security);
    if (cls % 8 == 0)
        note(c->key_reads, c->nbins_bytes, cls);
    if (count == 0)
        return;
    /* value_list_fits, inline: the list cell inside the image. */
    size_t at = (size_t)HH_BASE_BLOCK_SIZE + list;
    uint32_t fits = 0;
    if (list != HH_CELL_NONE && at + 4 <= hive->size) {
        int32_t raw = (int32_t)hh_le32(hive->data + at);
        size_t cell = raw < 0 ? (size_t)(-(int64_t)raw) : 0;
        if (cell >= 4 && cell <= hive->size - at)
            fits = (uint32_t)((cell - 4) / 4);
    }
    if (count > fits) {
        if (len >= 4 + HH_NK_NAME)
            cap_value_count(hive, (size_t)HH_BASE_BLOCK_SIZE + off, len, count, fits);
        count = fits;
    }
    const uint8_t *v = hive->data + at + 4; /* count > 0: fits > 0, inside the image */
    for (uint32_t i = 0; i < count; i++)
        note(c->list_reads, c->nbins_bytes, hh_le32(v + 4 * i));
}

void hh_cell_census_free(hh_cell_census *c)
{
    free(c->starts);
    free(c->key_reads);
    free(c->list_reads);
    free(c->cells);
    free(c->vks);
    free(c->ris);
    free(c->frees);
    memset(c, 0, sizeof *c);
}

static int census_push(uint32_t **v, size_t *n, size_t *cap, uint32_t off)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 1024;
        uint32_t *p = realloc(*v, grown * sizeof *p);
        if (!p)
            return 0;
        *v = p;
        *cap = grown;
    }
    (*v)[(*n)++] = off;
    return 1;
}

/* The census of one bin that so far keeps libregf's rules, at pos (file
 * offset) of bin bytes: every cell guarded and noted. Returns the file
 * offset where the bin stops being a clean chain (the census is then not
 * clean and the caller guards on from there), or the bin's end. */
static size_t census_bin(hh_hive *hive, hh_cell_census *c, size_t pos, size_t bin)
{
    const uint8_t *bins = hive->data + HH_BASE_BLOCK_SIZE;
    uint32_t off = (uint32_t)(pos - HH_BASE_BLOCK_SIZE) + 32, end = (uint32_t)(pos - HH_BASE_BLOCK_SIZE + bin);
    int ok = 1;
    /* off stays a multiple of 8 below end, a multiple of 4096: 8 bytes fit. */
    while (off < end) {
        int32_t raw = (int32_t)hh_le32(bins + off);
        uint32_t len = raw < 0 ? 0u - (uint32_t)raw : (uint32_t)raw;
        if (len - 8 > end - off - 8 || len % 8 != 0) { /* shorter than 8 bytes, past the bin, or unaligned */
            c->clean = 0;
            return (size_t)HH_BASE_BLOCK_SIZE + off;
        }
        const uint8_t *p = bins + off + 4;
        uint16_t sig = hh_le16(p);
        c->cells[off >> 9] |= (uint64_t)1 << ((off >> 3) & 63);
        if (raw > 0) {
            ok &= census_push(&c->frees, &c->nfrees, &c->capf, off);
        } else if (sig == SIG('v', 'k')) {
            /* Inline data (the size's top bit) is neither lent nor a reference. */
            if (len >= 4 + HH_CENSUS_VK_MIN && !(p[7] & 0x80))
                ok &= census_push(&c->vks, &c->nvks, &c->capv, off);
        } else if (sig == SIG('n', 'k')) {
            census_key(hive, c, off, len);
        } else {
            /* Only cells that may hold a value's data, or its big-data
             * parts, are asked whether they start a cell (lend.c). */
            c->starts[off >> 9] |= (uint64_t)1 << ((off >> 3) & 63);
            if (p[0] == 'l') {
                note_list(c, p, len - 4);
            } else if (sig == SIG('r', 'i')) {
                ok &= census_push(&c->ris, &c->nris, &c->capr, off);
                note_list(c, p, len - 4);
            } else if (sig == SIG('s', 'k') && len >= 4 + 12) {
                note(c->list_reads, c->nbins_bytes, hh_le32(p + 4));
                note(c->list_reads, c->nbins_bytes, hh_le32(p + 8));
            }
        }
        off += len;
    }
    if (!ok)
        c->clean = 0;
    return pos + bin;
}

/* One walk over every cell: caps value counts, and takes the census of a
 * hive whose bins and cells keep every rule libregf 20201007 applies when
 * it lists bins and splits them into cells (bin offsets as stored, sizes
 * adding up to the base block's, cell sizes multiples of 8 that fill each
 * bin exactly). Any break in those rules and the census says not clean. */
void hh_hive_guard_reader(hh_hive *hive, hh_cell_census *census)
{
    uint32_t declared = hive->size >= HH_BASE_BLOCK_SIZE ? hh_le32(hive->data + 40) : 0;
    size_t view = hive->size - hive->size % HH_BASE_BLOCK_SIZE;
    memset(census, 0, sizeof *census);
    census->clean = declared > 0 && declared % HH_BASE_BLOCK_SIZE == 0 &&
                    (uint64_t)HH_BASE_BLOCK_SIZE + declared <= view;
    if (census->clean) {
        size_t words = (size_t)declared / 8 / 64 + 1;
        census->nbins_bytes = declared;
        census->starts = calloc(words, sizeof *census->starts);
        census->key_reads = calloc(words, sizeof *census->key_reads);
        census->list_reads = calloc(words, sizeof *census->list_reads);
        census->cells = calloc(words, sizeof *census->cells);
        census->clean = census->starts && census->key_reads && census->list_reads && census->cells;
    }
    size_t pos = HH_BASE_BLOCK_SIZE;
    while (pos + 32 <= hive->size && memcmp(hive->data + pos, "hbin", 4) == 0) {
        size_t bin = hh_le32(hive->data + pos + 8);
        if (bin < 4096 || bin % 4096 != 0 || bin > hive->size - pos)
            break;
        uint32_t rel = (uint32_t)(pos - HH_BASE_BLOCK_SIZE);
        /* Bins past the declared size are guarded but not counted. */
        int counted = census->clean && rel < declared;
        if (counted && (hh_le32(hive->data + pos + 4) != rel || bin > declared - rel))
            census->clean = counted = 0;
        size_t cell = counted ? census_bin(hive, census, pos, bin) : pos + 32;
        while (cell + 4 <= pos + bin) {
            int32_t raw = (int32_t)hh_le32(hive->data + cell);
            size_t len = raw < 0 ? (size_t)(-(int64_t)raw) : (size_t)raw;
            if (len < 8 || len > pos + bin - cell)
                break; /* the rest of this bin is not a cell chain */
            if (raw < 0)
                guard_nk(hive, cell, len);
            cell += len;
        }
        pos += bin;
    }
    if (pos - HH_BASE_BLOCK_SIZE < (size_t)declared)
        census->clean = 0; /* the declared bins are not all there */
    if (!census->clean)
        hh_cell_census_free(census);
}
