/* Layer: hive, called by replay.c. May call: base only. */
/* Marvin32, the keyed 64-bit hash Windows uses to protect transaction log
 * entries; written from the algorithm's public description. */
#include "raw.h"

#include "util.h"

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline void marvin_mix(uint32_t *lo, uint32_t *hi)
{
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

uint64_t hh_marvin32(uint64_t seed, const uint8_t *data, size_t len)
{
    uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);
    /* Two words a turn: the same rounds with half the loop overhead (log
     * replay hashes every entry, megabytes on a busy hive). */
    while (len >= 8) {
        lo += hh_le32(data);
        marvin_mix(&lo, &hi);
        lo += hh_le32(data + 4);
        marvin_mix(&lo, &hi);
        data += 8;
        len -= 8;
    }
    if (len >= 4) {
        lo += hh_le32(data);
        marvin_mix(&lo, &hi);
        data += 4;
        len -= 4;
    }
    /* The tail (0..3 bytes) is closed with a 0x80 marker byte above it. */
    uint32_t final = 0x80;
    switch (len) {
    case 3: final = (final << 8) | data[2]; /* fall through */
    case 2: final = (final << 8) | data[1]; /* fall through */
    case 1: final = (final << 8) | data[0]; break;
    default: break;
    }
    lo += final;
    marvin_mix(&lo, &hi);
    marvin_mix(&lo, &hi);
    return ((uint64_t)hi << 32) | lo;
}
