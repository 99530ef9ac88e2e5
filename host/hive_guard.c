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
#include "util.h"

#define NK_VALUE_COUNT 0x24
#define NK_VALUE_LIST 0x28
#define NK_NAME_LENGTH 0x48
#define NK_NAME 0x4C
#define CELL_NONE 0xFFFFFFFFu

/* The size of the allocated cell at a hive-bins offset, or 0 when the offset
 * does not hold one inside the image. */
static size_t allocated_cell_size(const uint8_t *data, size_t size, uint32_t off)
{
    size_t pos = (size_t)HH_BASE_BLOCK_SIZE + off;
    if (off == CELL_NONE || pos < HH_BASE_BLOCK_SIZE || pos + 4 > size)
        return 0;
    int32_t cell = (int32_t)hh_le32(data + pos);
    if (cell >= 0)
        return 0;
    size_t len = (size_t)(-(int64_t)cell);
    return len <= size - pos ? len : 0;
}

static void guard_nk(hh_hive *hive, size_t cell, size_t len)
{
    uint8_t *nk = hive->data + cell + 4;
    if (len < 4 + NK_NAME || memcmp(nk, "nk", 2) != 0)
        return;
    uint32_t count = hh_le32(nk + NK_VALUE_COUNT);
    if (count == 0)
        return;
    size_t list = allocated_cell_size(hive->data, hive->size, hh_le32(nk + NK_VALUE_LIST));
    uint32_t fits = list >= 4 ? (uint32_t)((list - 4) / 4) : 0;
    if (count <= fits)
        return;
    hh_put_le32(nk + NK_VALUE_COUNT, fits);
    size_t namelen = hh_le16(nk + NK_NAME_LENGTH);
    if (namelen > len - 4 - NK_NAME)
        namelen = 0;
    char name[64];
    size_t n = 0;
    for (size_t i = 0; i < namelen && n + 1 < sizeof name; i++) {
        unsigned char c = nk[NK_NAME + i];
        name[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    name[n] = '\0';
    hh_hive_warn(hive, "key '%s' (cell 0x%zx) claims %u values but its value list holds %u; reading %u",
                 name, cell - HH_BASE_BLOCK_SIZE, count, fits, fits);
}

void hh_hive_guard_reader(hh_hive *hive)
{
    size_t pos = HH_BASE_BLOCK_SIZE;
    while (pos + 32 <= hive->size && memcmp(hive->data + pos, "hbin", 4) == 0) {
        size_t bin = hh_le32(hive->data + pos + 8);
        if (bin < 4096 || bin % 4096 != 0 || bin > hive->size - pos)
            break;
        size_t cell = pos + 32;
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
}
